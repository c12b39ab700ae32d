"""Who may see and do what on a case: every rule, as a pure function of a user and a case.

The workflow's transitions and (later) the views ask these rules; nothing else decides
access. Conflicts of interest are here too: the person a case is about, and the person
who reported it, never act on it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents.models.people import Membership, Role


def is_subject(user, case) -> bool:
    """The user is the employee the case is about."""
    return case.subject is not None and case.subject.user_id is not None and case.subject.user_id == user.pk


def has_role(user, school, *roles: str) -> bool:
    """The user holds one of `roles` at `school` (any role, if none is named)."""
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(user=user, school=school)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


def can_view_case(user, case) -> bool:
    """See the whole case: the case manager, the investigating officer, the panels, the HR
    advisers of the school, and the DSL for safeguarding cases. Never the employee concerned."""
    if not user.is_authenticated or is_subject(user, case):
        return False
    if user.pk in (case.case_manager_id, case.investigating_officer_id):
        return True
    if has_role(user, case.school, Role.HR_ADVISER):
        return True
    if case.safeguarding and has_role(user, case.school, Role.DSL):
        return True
    return case.hearing_panel.filter(pk=user.pk).exists() or case.appeal_panel.filter(pk=user.pk).exists()


def can_view_own_report(user, case) -> bool:
    """The reporter sees what they sent and the stage in plain words, nothing more."""
    return user.is_authenticated and case.reporter_id == user.pk


def can_withdraw_report(user, case) -> bool:
    return user.is_authenticated and case.reporter_id == user.pk


def can_manage_case(user, case) -> bool:
    return user.is_authenticated and case.case_manager_id == user.pk and not is_subject(user, case)


def can_refer_safeguarding(user, case) -> bool:
    """The case manager, or the school's designated safeguarding lead on a safeguarding case."""
    if can_manage_case(user, case):
        return True
    return case.safeguarding and has_role(user, case.school, Role.DSL) and not is_subject(user, case)


def can_investigate(user, case) -> bool:
    return user.is_authenticated and case.investigating_officer_id == user.pk and not is_subject(user, case)


def can_hear_case(user, case) -> bool:
    return (user.is_authenticated and not is_subject(user, case)
            and case.hearing_panel.filter(pk=user.pk).exists())


def can_hear_appeal(user, case) -> bool:
    return (user.is_authenticated and not is_subject(user, case)
            and case.appeal_panel.filter(pk=user.pk).exists())


def conflict_of_interest(person, case, *, role: str) -> str | None:
    """Why `person` may not act as `role` on `case`, or None if they may."""
    name = person.get_full_name() or person.get_username()
    if is_subject(person, case):
        return f"{name} is the employee the case is about and cannot act as {role}."
    if case.reporter_id == person.pk:
        return f"{name} reported the concern and cannot act as {role}."
    if not Membership.objects.filter(user=person, school=case.school).exists():
        return f"{name} holds no role at {case.school} and cannot act as {role}."
    return None


def choose_case_manager(*, school, reporter, subject):
    """The headteacher manages a case, unless the headteacher is the employee concerned or
    reported it: then the chair of governors does, and the headteacher has no access."""
    headteachers = [m.user for m in Membership.objects.holding(Role.HEADTEACHER, school).select_related("user")]
    involved = {reporter.pk, subject.user_id if subject else None}
    for headteacher in headteachers:
        if headteacher.pk not in involved:
            return headteacher
    chairs = [m.user for m in Membership.objects.holding(Role.CHAIR_OF_GOVERNORS, school).select_related("user")]
    for chair in chairs:
        if chair.pk not in involved:
            return chair
    raise ValidationError(f"{school} has no headteacher or chair of governors free to manage this case.")
