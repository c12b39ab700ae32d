"""Who may see and do what on a case: every rule in one module.

Two kinds of rule live here:
- `deserved_grants(case)`: who should hold which object permission on a case, from the
  case itself (its reporter, case manager, investigating officer, panels) and the school's
  roles (HR advisers; the safeguarding lead on a safeguarding case). `incidents.grants`
  writes these into django-guardian's tables as the case moves. Every grant is a person's
  own row: the employee a case is about never holds one (bar their own report, if they
  made it), so "the cases this user may see" is one range of one index;
- `can_<verb>(user, case)`: what a user may do now, asked of guardian through
  `user.has_perm("incidents.<permission>", case)`, less the conflicts of interest that no
  grant can override: the employee a case is about never sees or acts on it.
Views, templates and the workflow's transitions all ask these functions.

From the `can_*` rules comes the one reading rule: `reading_for(user, case)` (a person) and
`reading_for_audience(case, purpose)` (a bundle made for a panel or a tribunal) say what a reader
may see of a case (a `Reading`). The case page, the bundles, the reporter's page and subject
access all present a case through it, so a panel's bundle holds nothing the panel may not see
on the case page, and a reporter sees what they gave and no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from guardian.core import ObjectPermissionChecker

from incidents.models.people import Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet

    from incidents.models import Case, Evidence, Letter, School, StaffMember

CASE_PERMISSIONS = (
    "view_case", "manage_case", "investigate_case", "hear_case", "hear_appeal", "refer_safeguarding",
    "view_own_report", "withdraw_report", "export_case", "view_special_category",
)
SCHOOL_WIDE_ROLES = (Role.HR_ADVISER, Role.DSL)
# Special category data (UK GDPR art. 9 and 10): what was told to the LADO and what it advised,
# and low-level safeguarding concerns. The steps whose details, and the letters whose text, hold it;
# those who see the case but need none of it (the hearing and appeal panels) see that the step was
# taken, not what it recorded.
# The companion's kind may reveal union membership (UK GDPR article 9).
SPECIAL_CATEGORY_STEPS = frozenset({"decide_harm_threshold", "refer_to_lado", "record_lado_meeting",
                                    "pause_for_agencies", "resume_procedure", "record_lado_outcome",
                                    "record_low_level_concern", "record_barring_referrals", "record_companion"})
SPECIAL_CATEGORY_LETTERS = frozenset({"lado_referral", "allegation_outcome"})


def holds_special_category(letter: Letter) -> bool:
    """The LADO referral, and any other letter that tells the LADO's outcome or advice (the
    no-further-action letter after a LADO outcome)."""
    return letter.kind in SPECIAL_CATEGORY_LETTERS or bool(letter.facts.get("lado_outcome"))


_permission_ids: dict[str, int] = {}


def permission_ids() -> dict[str, int]:
    """The database ids of the case permissions by codename, looked up once per process (and
    again after migrations run, which may create the permissions anew: `forget_permission_ids`)."""
    if not _permission_ids:
        _permission_ids.update(Permission.objects.filter(
            content_type__app_label="incidents", codename__in=CASE_PERMISSIONS).values_list("codename", "pk"))
    return _permission_ids


def permission_id(codename: str) -> int:
    return permission_ids()[codename]


def forget_permission_ids(**kwargs: Any) -> None:
    _permission_ids.clear()


def school_wide_roles(school_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """The (user id, role) of each school's HR advisers and safeguarding leads."""
    roles: dict[int, list[tuple[int, str]]] = {school_id: [] for school_id in school_ids}
    for school_id, person, role in Membership.objects.filter(
            school__in=roles, role__in=SCHOOL_WIDE_ROLES).values_list("school_id", "user_id", "role"):
        roles[school_id].append((person, role))
    return roles


# What each part in a case is granted (`deserved_grants`); the bundles read what their audience
# would hold from the same table (`reading_for_audience`).
REPORTER_GRANTS: tuple[str, ...] = ("view_own_report", "withdraw_report")
CASE_MANAGER_GRANTS: tuple[str, ...] = ("view_case", "manage_case", "refer_safeguarding", "view_special_category")
INVESTIGATOR_GRANTS: tuple[str, ...] = ("view_case", "investigate_case", "view_special_category")
HEARING_PANEL_GRANTS: tuple[str, ...] = ("view_case", "hear_case")
APPEAL_PANEL_GRANTS: tuple[str, ...] = ("view_case", "hear_appeal")
HR_ADVISER_GRANTS: tuple[str, ...] = ("view_case", "export_case", "view_special_category")
DSL_GRANTS: tuple[str, ...] = ("view_case", "refer_safeguarding", "view_special_category")


def deserved_grants(case: Case, *, school_roles: list[tuple[int, str]] | None = None) -> set[tuple[int, str]]:
    """The (user id, permission codename) pairs `case` should grant. `school_roles` (from
    `school_wide_roles`) and the panels prefetched save their queries when many cases are
    re-granted at once."""
    grants = {(case.reporter_id, codename) for codename in REPORTER_GRANTS}
    involved: list[tuple[int, tuple[str, ...]]] = [(case.case_manager_id, CASE_MANAGER_GRANTS)]
    if case.investigating_officer_id:
        involved.append((case.investigating_officer_id, INVESTIGATOR_GRANTS))
    for member in case.hearing_panel.all():
        involved.append((member.pk, HEARING_PANEL_GRANTS))
    for member in case.appeal_panel.all():
        involved.append((member.pk, APPEAL_PANEL_GRANTS))
    if school_roles is None:
        school_roles = school_wide_roles([case.school_id])[case.school_id]
    for person, role in school_roles:
        if role == Role.HR_ADVISER:
            involved.append((person, HR_ADVISER_GRANTS))
        elif case.safeguarding:
            involved.append((person, DSL_GRANTS))
    subject_user = case.subject.user_id if case.subject is not None else None
    return grants | {(person, codename) for person, codenames in involved if person != subject_user
                     for codename in codenames}


def is_subject(user: User | AnonymousUser, case: Case) -> bool:
    """The user is the employee the case is about."""
    return case.subject is not None and case.subject.user_id is not None and case.subject.user_id == user.pk


def _holds(user: User | AnonymousUser, codename: str, case: Case) -> bool:
    """Whether guardian grants `user` the permission on `case`.

    Asked through one ObjectPermissionChecker per person and case (two queries), kept on the
    case object for its lifetime, since a page asks many rules of the same case; a step's
    service forgets them when it changes the grants (`forget_grants`). Django answers every
    has_perm of a superuser with yes, but a superuser administers the system and takes no
    part in cases, so only a real grant counts.
    """
    if not user.is_authenticated or user.is_superuser:
        return False
    known = case.__dict__.setdefault("_granted", {})
    if user.pk not in known:
        known[user.pk] = set(ObjectPermissionChecker(user).get_perms(case))
    return codename in known[user.pk]


def forget_grants(case: Case) -> None:
    """Drop what `_holds` remembered of this case's grants."""
    case.__dict__.pop("_granted", None)


def has_role(user: User | AnonymousUser, school: School, *roles: str) -> bool:
    """The user holds one of `roles` at `school` (any role, if none is named)."""
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(user=user, school=school)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


def can_view_case(user: User | AnonymousUser, case: Case) -> bool:
    """See the whole case: the case manager, the investigating officer, the panels, the HR
    advisers of the school, and the DSL for safeguarding cases. Never the employee concerned."""
    return _holds(user, "view_case", case) and not is_subject(user, case)


def can_view_own_report(user: User | AnonymousUser, case: Case) -> bool:
    """The reporter sees what they sent and the stage in plain words, nothing more."""
    return _holds(user, "view_own_report", case)


def can_withdraw_report(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "withdraw_report", case)


def can_manage_case(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "manage_case", case) and not is_subject(user, case)


def can_refer_safeguarding(user: User | AnonymousUser, case: Case) -> bool:
    """The case manager, or the school's designated safeguarding lead on a safeguarding case."""
    return _holds(user, "refer_safeguarding", case) and not is_subject(user, case)


def can_investigate(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "investigate_case", case) and not is_subject(user, case)


def can_hear_case(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "hear_case", case) and not is_subject(user, case)


def can_hear_appeal(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "hear_appeal", case) and not is_subject(user, case)


def can_export_case(user: User | AnonymousUser, case: Case) -> bool:
    return _holds(user, "export_case", case) and not is_subject(user, case)


def can_handle_subject_access(user: User | AnonymousUser, school: School) -> bool:
    """Record, extend, answer and export subject access requests from the staff of `school`:
    the school's HR advisers only (a superuser administers the system and takes no part)."""
    return not getattr(user, "is_superuser", False) and has_role(user, school, Role.HR_ADVISER)


# Low-level concerns (KCSIE part 4, section two) are shared with the designated safeguarding lead
# and the headteacher only: not HR, not the governors, not whoever raised one.
LOW_LEVEL_CONCERN_ROLES = (Role.DSL, Role.HEADTEACHER)


def low_level_concern_schools(user: User | AnonymousUser) -> QuerySet[Membership, dict[str, Any]]:
    """The ids of the schools whose low-level concerns `user` may read (a subquery's values):
    where they are the designated safeguarding lead or the headteacher."""
    if not user.is_authenticated or user.is_superuser:
        return Membership.objects.none().values("school_id")
    return Membership.objects.filter(user=user, role__in=LOW_LEVEL_CONCERN_ROLES).values("school_id")


def can_see_low_level_concerns(user: User | AnonymousUser, staff: StaffMember) -> bool:
    """Read, add to and refer the log of low-level concerns about `staff`: the designated
    safeguarding lead and the headteacher of their school, never the adult themselves (a
    headteacher the concerns are about does not see them) and never anyone else. Every page and
    service of `incidents.concerns` asks this one rule; `low_level_concern_schools` is its form
    for lists, which leave out the reader's own log."""
    if not user.is_authenticated or user.is_superuser:
        return False
    if staff.user_id is not None and staff.user_id == user.pk:
        return False
    return low_level_concern_schools(user).filter(school_id=staff.school_id).exists()


def can_refer_self(user: User | AnonymousUser, school: School) -> bool:
    """Any member of staff of `school` with a login may raise a low-level concern about themselves there."""
    from incidents.models import StaffMember

    return user.is_authenticated and StaffMember.objects.filter(school=school, user_id=user.pk).exists()


def can_view_special_category(user: User | AnonymousUser, case: Case) -> bool:
    """See what was told to the LADO, its advice and low-level concerns: the case manager, the
    investigating officer, the HR advisers and the safeguarding lead; not the panels."""
    return _holds(user, "view_special_category", case) and not is_subject(user, case)


def can_download_letter(user: User | AnonymousUser, letter: Letter) -> bool:
    """Whoever may see the case (and its special category data, for a letter holding some), and
    the person a letter was sent to within the product (the reporter's acknowledgement); never
    the employee concerned through the product. The letters a reader sees (`Reading`)."""
    if not user.is_authenticated or is_subject(user, letter.case):
        return False
    return reading_for(user, letter.case).sees_letter(letter)


# --- The reading rule: what each reader may see of a case -------------------------------------

@dataclass(frozen=True)
class Reading:
    """What one reader may see of one case.

    - `whole_case`: the case, its people and its whole timeline; otherwise only their own report
      (what they gave, the events they made, and the plain status);
    - `special_category`: what the LADO was told and advised, low-level concerns, and the letters
      holding them (`holds_special_category`); otherwise the timeline says a step was taken, not
      what it recorded;
    - `all_evidence` / `all_letters`: every item; otherwise only the evidence `reader` added and
      the letters sent to `reader`;
    - `technical_appendix`: may have the grants, hashes, ids and sequence numbers of the timeline
      (`incidents.timeline`, technical=True): HR, who exports, and a tribunal's bundle;
    - `reader`: the person's user id, for their own evidence, letters and events (None for an
      audience, and for a reader of the whole case, whose reading is the same as anyone's in
      their part).
    """

    whole_case: bool = False
    special_category: bool = False
    all_evidence: bool = False
    all_letters: bool = False
    technical_appendix: bool = False
    reader: int | None = None

    @property
    def sees_anything(self) -> bool:
        return self.whole_case or self.reader is not None

    def sees_evidence(self, evidence: Evidence) -> bool:
        return self.all_evidence or (self.reader is not None and evidence.added_by_id == self.reader)

    def sees_letter(self, letter: Letter) -> bool:
        if holds_special_category(letter) and not self.special_category:
            return False
        return self.all_letters or (self.reader is not None and letter.recipient_user_id == self.reader)

    def sees_step_details(self, step: str) -> bool:
        """Whether the details a step recorded may be shown, or only that it was taken."""
        return self.special_category or step not in SPECIAL_CATEGORY_STEPS

    def evidence(self, case: Case) -> QuerySet[Evidence]:
        """The case's evidence this reader sees, oldest first, with who added it."""
        items = case.evidence.select_related("added_by").order_by("added_at", "pk")
        if self.all_evidence:
            return items
        return items.filter(added_by_id=self.reader) if self.reader is not None else items.none()

    def letters(self, case: Case) -> list[Letter]:
        """The case's letters (every version, oldest first) this reader sees."""
        from incidents.letters.services import letters_of_case

        return [letter for letter in letters_of_case(case) if self.sees_letter(letter)]


NOTHING = Reading()


def _reading(*, view_case: bool, special_category: bool, export: bool, own_report: bool,
             reader: int | None) -> Reading:
    if view_case:
        return Reading(whole_case=True, special_category=special_category, all_evidence=True, all_letters=True,
                       technical_appendix=export)
    if own_report:
        return Reading(reader=reader)
    return NOTHING


def reading_for(user: User | AnonymousUser, case: Case) -> Reading:
    """What `user` may see of `case`, from the `can_*` rules: the whole case (with or without
    special category data), their own report only (the reporter), or nothing."""
    if not user.is_authenticated:
        return NOTHING
    return _reading(view_case=can_view_case(user, case), special_category=can_view_special_category(user, case),
                    export=can_export_case(user, case), own_report=can_view_own_report(user, case), reader=user.pk)


def own_report_reading(user: User | AnonymousUser, case: Case) -> Reading:
    """The reporter's reading of their own report (their report's page): the evidence they added
    and the letters sent to them, even if they also read the whole case in another part (a
    safeguarding lead who reported it sees the rest on the case page)."""
    if not user.is_authenticated or not can_view_own_report(user, case):
        return NOTHING
    return Reading(reader=user.pk)


def reading_for_subject_access(staff: StaffMember, case: Case) -> Reading:
    """What a subject access export about `staff` (a StaffMember) holds of `case`: for the
    employee concerned, everything held about them (special category data included, since it is
    theirs); for anyone else, their own reading (`reading_for`) — a reporter what they gave, the
    letters to them and the plain status — or, with no part left in the case, the events they
    made. Never a technical appendix."""
    if case.subject_id == staff.pk or (staff.user is not None and is_subject(staff.user, case)):
        return Reading(whole_case=True, special_category=True, all_evidence=True, all_letters=True)
    if staff.user is None:
        return NOTHING
    reading = reading_for(staff.user, case)
    if not reading.sees_anything:
        return Reading(reader=staff.user_id)
    return replace(reading, technical_appendix=False)


# Who each bundle is made for, and what that reader would be granted (`deserved_grants`).
AUDIENCES = {
    "hearing": ("the disciplinary hearing panel", HEARING_PANEL_GRANTS),
    "appeal": ("the appeal panel", APPEAL_PANEL_GRANTS),
    "tribunal": ("an employment tribunal", HR_ADVISER_GRANTS),  # made by HR: what HR may see
}


def reading_for_audience(case: Case, purpose: str) -> Reading:
    """What a bundle made for `purpose` ("hearing", "appeal" or "tribunal") may hold: what its
    audience may see on the case page. A panel's bundle holds no special category data (no LADO
    referral letter, no letter telling the LADO's outcome, no details of those steps) and no
    technical appendix; a tribunal's holds what the HR adviser who makes it may see."""
    granted = AUDIENCES[purpose][1]
    return _reading(view_case="view_case" in granted, special_category="view_special_category" in granted,
                    export="export_case" in granted, own_report=False, reader=None)


def conflict_of_interest(person: User, case: Any, *, role: str) -> str | None:
    """Why `person` may not act as `role` on `case` (a Case), or None if they may."""
    # `case` is Any, not Case: the procedure's checks pass the `CaseProcedure` they run in, whose
    # declared fields lack `reporter_id` (incidents.workflow.procedure, being rewritten).
    name = person.get_full_name() or person.get_username()
    if is_subject(person, case):
        return f"{name} is the employee the case is about and cannot act as {role}."
    if case.reporter_id == person.pk:
        return f"{name} reported the concern and cannot act as {role}."
    if not Membership.objects.filter(user=person, school=case.school).exists():
        return f"{name} holds no role at {case.school} and cannot act as {role}."
    return None


def choose_case_manager(*, school: School, reporter: User, subject: StaffMember | None) -> User:
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



# --- Monitoring: figures in aggregate, never a case ------------------------------------------

# Who sees the monitoring figures of a school (incidents.monitoring): its headteacher, its chair and
# governors, and its HR advisers (across all the schools they serve). The figures are counts, with
# counts from 1 to 4 suppressed: no case can be read from them, so a governor who may sit on a panel
# sees them without seeing any case.
MONITORING_ROLES = (Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS, Role.GOVERNOR, Role.HR_ADVISER)


def schools_monitored_by(user: User | AnonymousUser) -> QuerySet[School]:
    """The schools whose monitoring figures `user` may see (none for a superuser, who takes no part)."""
    from incidents.models import School

    if not user.is_authenticated or user.is_superuser:
        return School.objects.none()
    return School.objects.filter(pk__in=Membership.objects.filter(user=user, role__in=MONITORING_ROLES)
                                 .values("school_id")).order_by("name")


def can_see_monitoring(user: User | AnonymousUser, school: School) -> bool:
    return schools_monitored_by(user).filter(pk=school.pk).exists()
