"""Keeping each case's object permissions in line with the rules.

`incidents.permissions.deserved_grants` says who should hold which permission on a case;
`access_sync` makes the guardian tables say the same. The services call it inside the
transaction of every step and record what it changed in that step's event, so access
changes with the case (an investigating officer appointed can see it, a panel replaced
cannot any more) and the timeline says who was given or lost what, when and why.

School-wide roles (HR advisers, safeguarding leads) are granted through one group per
school and role, kept in step with `Membership` by `role_group_sync`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from incidents import permissions
from incidents.audit import event_record
from incidents.models import Case, CaseEvent, Membership, School
from incidents.models.grants import CaseGroupObjectPermission, CaseUserObjectPermission

User = get_user_model()


def role_group(school: School, role: str) -> Group:
    """The group holding everyone with `role` at `school`."""
    group, _ = Group.objects.get_or_create(name=f"{school.reference_prefix}: {role}")
    return group


def role_group_sync(user) -> None:
    """Put `user` in exactly the school-role groups their memberships give them."""
    wanted = {role_group(m.school, m.role).pk for m in Membership.objects.filter(
        user=user, role__in=permissions.SCHOOL_WIDE_ROLES).select_related("school")}
    current = set(user.groups.filter(name__contains=": ").values_list("pk", flat=True))
    user.groups.remove(*(current - wanted))
    user.groups.add(*(wanted - current))


def _permissions() -> dict[str, Permission]:
    return {p.codename: p for p in Permission.objects.filter(
        content_type__app_label="incidents", codename__in=permissions.CASE_PERMISSIONS)}


def access_sync(*, case: Case) -> dict[str, list[str]]:
    """Grant and revoke permissions on `case` until they match the rules.

    Returns what changed, in words ({"granted": [...], "revoked": [...]}, empty when nothing
    did), for the caller to record in the event of the step that caused it.
    """
    wanted_users, wanted_roles = permissions.deserved_grants(case)
    wanted_groups = {(role_group(case.school, role).pk, codename) for role, codename in wanted_roles}
    perms = _permissions()
    codename_of = {p.pk: p.codename for p in perms.values()}

    have_users = {(g.user_id, codename_of[g.permission_id]): g.pk
                  for g in CaseUserObjectPermission.objects.filter(content_object=case)}
    have_groups = {(g.group_id, codename_of[g.permission_id]): g.pk
                   for g in CaseGroupObjectPermission.objects.filter(content_object=case)}
    added_users, removed_users = wanted_users - set(have_users), set(have_users) - wanted_users
    added_groups, removed_groups = wanted_groups - set(have_groups), set(have_groups) - wanted_groups

    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object=case, user_id=user, permission=perms[codename])
        for user, codename in added_users)
    CaseUserObjectPermission.objects.filter(pk__in=[have_users[key] for key in removed_users]).delete()
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group_id=group, permission=perms[codename])
        for group, codename in added_groups)
    CaseGroupObjectPermission.objects.filter(pk__in=[have_groups[key] for key in removed_groups]).delete()

    changed_users = {user for user, _ in added_users | removed_users}
    changed_groups = {group for group, _ in added_groups | removed_groups}
    names = {user.pk: user.get_full_name() or user.get_username()
             for user in User.objects.filter(pk__in=changed_users)}
    names |= {("group", group.pk): group.name for group in Group.objects.filter(pk__in=changed_groups)}

    def words(user_changes, group_changes) -> list[str]:
        return sorted([f"{names[user]}: {codename.replace('_', ' ')}" for user, codename in user_changes]
                      + [f"{names[('group', group)]}: {codename.replace('_', ' ')}"
                         for group, codename in group_changes])

    permissions.forget_grants(case)
    changes = {"granted": words(added_users, added_groups), "revoked": words(removed_users, removed_groups)}
    return {key: value for key, value in changes.items() if value}


def access_sync_all(*, actor=None) -> int:
    """Re-apply the rules to every case (after roles change); records each change as an event.
    Returns how many cases changed."""
    changed = 0
    for case in Case.objects.select_related("school", "subject").iterator():
        changes = access_sync(case=case)
        for kind, key in ((CaseEvent.Kind.ACCESS_GRANTED, "granted"), (CaseEvent.Kind.ACCESS_REVOKED, "revoked")):
            if key in changes:
                event_record(case=case, kind=kind, actor=actor, details={key: changes[key]})
        changed += bool(changes)
    return changed
