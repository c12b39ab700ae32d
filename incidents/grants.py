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
from incidents.audit import event_record
from incidents.models import Case, CaseEvent, School
from incidents.models.grants import CaseUserObjectPermission

User = get_user_model()


def access_sync(*, case: Case) -> dict[str, list[str]]:
    """Grant and revoke permissions on `case` until they match the rules.

    Returns what changed, in words ({"granted": [...], "revoked": [...]}, empty when nothing
    did), for the caller to record in the event of the step that caused it.
    """
    wanted = permissions.deserved_grants(case)
    ids = permissions.permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    have = {(g.user_id, codename_of[g.permission_id]): g.pk
            for g in CaseUserObjectPermission.objects.filter(content_object=case)}
    added, removed = wanted - set(have), set(have) - wanted

    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object=case, user_id=user, permission_id=ids[codename])
        for user, codename in added)
    CaseUserObjectPermission.objects.filter(pk__in=[have[key] for key in removed]).delete()
    permissions.forget_grants(case)

    names = {user.pk: user.get_full_name() or user.get_username()
             for user in User.objects.filter(pk__in={user for user, _ in added | removed})}

    def words(changes) -> list[str]:
        return sorted(f"{names[user]}: {codename.replace('_', ' ')}" for user, codename in changes)

    changes = {"granted": words(added), "revoked": words(removed)}
    return {key: value for key, value in changes.items() if value}


def access_sync_cases(cases, *, actor=None, because: str = "") -> int:
    """Re-apply the rules to each of `cases`, recording each change on that case's timeline
    (with `because`, when given). Returns how many cases changed."""
    changed = 0
    for case in cases.select_related("school", "subject").iterator():
        changes = access_sync(case=case)
        for kind, key in ((CaseEvent.Kind.ACCESS_GRANTED, "granted"), (CaseEvent.Kind.ACCESS_REVOKED, "revoked")):
            if key in changes:
                details = {key: changes[key]} | ({"because": because} if because else {})
                event_record(case=case, kind=kind, actor=actor, details=details)
        changed += bool(changes)
    return changed


def access_sync_school(school: School, *, actor=None, because: str = "") -> int:
    """Re-apply the rules to every case of `school`: after someone's role there changed."""
    return access_sync_cases(Case.objects.filter(school=school), actor=actor, because=because)


def access_sync_all(*, actor=None) -> int:
    """Re-apply the rules to every case (a repair: nothing changes when grants are right)."""
    return access_sync_cases(Case.objects.all(), actor=actor)
