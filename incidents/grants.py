"""Keeping each case's object permissions in line with the rules.

`incidents.permissions.deserved_grants` says who should hold which permission on a case;
`access_sync` makes guardian's table say the same. The services call it inside the
transaction of every step and record what it changed in that step's event, so access
changes with the case (an investigating officer appointed can see it, a panel replaced
cannot any more) and the timeline says who was given or lost what, when and why.

Every grant is a row for one person and one case, school-wide roles included: when someone
becomes (or stops being) the HR adviser or safeguarding lead of a school, `access_sync_school`
re-applies the rules to each case of that school and writes the change on its timeline.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from incidents import permissions
from incidents.audit import events_record
from incidents.models import Case, CaseEvent, School
from incidents.models.grants import CaseUserObjectPermission

User = get_user_model()


BATCH = 500  # cases re-granted together, in a fixed number of queries


def access_sync(*, case: Case) -> dict[str, list[str]]:
    """Grant and revoke permissions on `case` until they match the rules.

    Returns what changed, in words ({"granted": [...], "revoked": [...]}, empty when nothing
    did), for the caller to record in the event of the step that caused it.
    """
    return _sync([case]).get(case.pk, {})


def access_sync_cases(cases, *, actor=None, because: str = "") -> int:
    """Re-apply the rules to each of `cases`, recording each change on that case's timeline
    (with `because`, when given). Returns how many cases changed.

    A batch of cases costs the same few queries as one case (their panels, the schools' roles,
    their grants, the changes and the events each in one), so a role given at a school of
    10,000 cases is done within the request that gives it."""
    cases = cases.select_related("subject").prefetch_related("hearing_panel", "appeal_panel")
    changed, after = 0, 0
    while batch := list(cases.filter(pk__gt=after).order_by("pk")[:BATCH]):
        after = batch[-1].pk
        changes = _sync(batch)
        events_record([
            CaseEvent(case=case, kind=kind, actor=actor,
                      details={key: changes[case.pk][key]} | ({"because": because} if because else {}))
            for case in batch if case.pk in changes
            for kind, key in ((CaseEvent.Kind.ACCESS_GRANTED, "granted"), (CaseEvent.Kind.ACCESS_REVOKED, "revoked"))
            if key in changes[case.pk]
        ])
        changed += len(changes)
    return changed


def _sync(cases: list[Case]) -> dict[int, dict[str, list[str]]]:
    """Make the grants of `cases` match the rules; what changed on each (by case id), in words."""
    ids = permissions.permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    roles = permissions.school_wide_roles({case.school_id for case in cases})
    have = {case.pk: {} for case in cases}
    for pk, case_id, user, permission in CaseUserObjectPermission.objects.filter(
            content_object__in=[case.pk for case in cases]).values_list("pk", "content_object_id", "user_id",
                                                                       "permission_id"):
        have[case_id][(user, codename_of[permission])] = pk

    added, removed = {}, {}
    for case in cases:
        wanted = permissions.deserved_grants(case, school_roles=roles[case.school_id])
        added[case.pk], removed[case.pk] = wanted - set(have[case.pk]), set(have[case.pk]) - wanted
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object_id=case_id, user_id=user, permission_id=ids[codename])
        for case_id, grants in added.items() for user, codename in grants)
    CaseUserObjectPermission.objects.filter(
        pk__in=[have[case_id][key] for case_id, keys in removed.items() for key in keys]).delete()
    for case in cases:
        permissions.forget_grants(case)

    people = {user for changes in (added, removed) for grants in changes.values() for user, _ in grants}
    names = {user.pk: user.get_full_name() or user.get_username() for user in User.objects.filter(pk__in=people)}

    def words(changes) -> list[str]:
        return sorted(f"{names[user]}: {codename.replace('_', ' ')}" for user, codename in changes)

    return {
        case.pk: {key: words(grants[case.pk]) for key, grants in (("granted", added), ("revoked", removed))
                  if grants[case.pk]}
        for case in cases if added[case.pk] or removed[case.pk]
    }


def access_sync_school(school: School, *, actor=None, because: str = "") -> int:
    """Re-apply the rules to every case of `school`: after someone's role there changed."""
    return access_sync_cases(Case.objects.filter(school=school), actor=actor, because=because)


def access_sync_all(*, actor=None) -> int:
    """Re-apply the rules to every case (a repair: nothing changes when grants are right)."""
    return access_sync_cases(Case.objects.all(), actor=actor)
