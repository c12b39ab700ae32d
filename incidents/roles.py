"""Giving, changing and ending a person's role at a school, and linking a staff record to a login.

These are the only ways the product changes them: the admin (`incidents.admin`) and the demo
(`incidents.demo`) call them, and so should any script. A role's model saved directly
(`Membership.objects.create`) changes nobody's access to cases.

Each service works in one transaction, refuses what it cannot do with a sentence for the
person (`ValidationError`, keyed by the field; `PermissionDenied` when `by` may not change roles)
and then changes nothing. A school-wide role (HR adviser, designated safeguarding lead) opens
every case of the school, which at a large school is seconds of work: once the change is
committed, the background worker re-grants that person on each case of the school
(`incidents.grants.access_update_school_later`) and each case's timeline names who made the
change (`by`; no one for the system) and why ("Role “HR adviser” at … given to …"). The result
says which schools' cases are being updated, for the caller to tell the person.

A staff record linked to a login concerns the few cases about that employee: they are
re-granted at once, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents import permissions
from incidents.grants import access_sync_cases, access_update_school_later
from incidents.models import Case, Membership, Role, School, StaffMember
from incidents.names import display_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class RoleChange:
    """What a role service did: the membership (unsaved again once ended) and the schools whose
    cases the background worker is re-granting because of it (empty when access is unchanged)."""

    membership: Membership
    schools_updating: tuple[School, ...] = ()


def _may_change_roles(by: User | None, action: str) -> None:
    """`by` is None for the system (the demo, a script); a person needs the admin's permission."""
    if by is not None and not by.has_perm(f"incidents.{action}_membership"):
        raise PermissionDenied(f"{display_name(by)} may not change people's roles at schools.")


def role_check(*, user: User, school: School, role: str, membership: Membership | None = None) -> None:
    """Refuse a role `user` cannot be given at `school` (raises ValidationError keyed by field):
    one that is no role, or one they already hold there (`membership` being the one that
    would become it, when changing one)."""
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role at a school."})
    held = Membership.objects.filter(user=user, school=school, role=role)
    if membership is not None and membership.pk is not None:
        held = held.exclude(pk=membership.pk)
    if held.exists():
        raise ValidationError({"role": f"{display_name(user)} is already {Role(role).label} at {school}."})


def _access_follows(membership: Membership, before: tuple[str, School] | None,
                    now: tuple[str, School] | None, *, by: User | None) -> tuple[School, ...]:
    """Queue, after commit, the re-granting of the person on each school whose school-wide role
    they gained or lost (`before` and `now` are (role, school), None for no role)."""
    if before == now:
        return ()
    name = display_name(membership.user)
    changes = [(held[0], held[1], change) for held, change in ((before, "ended for"), (now, "given to"))
               if held is not None and held[0] in permissions.SCHOOL_WIDE_ROLES]
    schools = list({school.pk: school for _, school, _ in changes}.values())
    for school in schools:
        because = "; ".join(f"Role “{Role(role).label}” at {school} {change} {name}"
                            for role, held_at, change in changes if held_at.pk == school.pk)
        access_update_school_later(school, person=membership.user, actor=by, because=because)
    return tuple(schools)


def role_give(*, user: User, school: School, role: str, by: User | None) -> RoleChange:
    """Give `user` the role `role` at `school`, on behalf of `by` (None: the system).

    Side effects: a new Membership; for a school-wide role, once committed, the background
    worker grants the person each case of the school, recorded on each case's timeline.
    Refused (nothing changes) if it is no role, if they already hold it there, or if `by` may
    not give roles."""
    _may_change_roles(by, "add")
    with transaction.atomic():
        role_check(user=user, school=school, role=role)
        membership = Membership.objects.create(user=user, school=school, role=role)
        updating = _access_follows(membership, None, (role, school), by=by)
    return RoleChange(membership, updating)


def role_change(*, membership: Membership, role: str | None = None, school: School | None = None,
                by: User | None) -> RoleChange:
    """Change the role held by `membership` to `role`, or move it to `school` (either left out:
    unchanged), on behalf of `by` (None: the system). The person stays the same: to give a
    role to someone else, end this one and give another.

    Side effects: the membership saved as stored plus the change (whatever else was set on the
    object passed in is not saved); once committed, the background worker takes away the
    access a school-wide role gave and grants what the new one gives, on each case of the
    schools concerned, recorded on each case's timeline. A change that changes nothing saves
    and re-grants nothing. Refused (nothing changes) as `role_give` is."""
    _may_change_roles(by, "change")
    with transaction.atomic():
        stored = Membership.objects.select_for_update().select_related("user", "school").get(pk=membership.pk)
        role, school = role or stored.role, school or stored.school
        before, now = (stored.role, stored.school), (role, school)
        if (stored.role, stored.school_id) == (role, school.pk):
            membership.role, membership.school = stored.role, stored.school
            return RoleChange(membership)
        role_check(user=stored.user, school=school, role=role, membership=stored)
        stored.role, stored.school = role, school
        stored.save(update_fields=["role", "school"])
        updating = _access_follows(stored, before, now, by=by)
    membership.role, membership.school, membership.user = stored.role, stored.school, stored.user
    return RoleChange(membership, updating)


def role_end(*, membership: Membership, by: User | None) -> RoleChange:
    """End the role `membership` holds, on behalf of `by` (None: the system).

    Side effects: the Membership deleted; for a school-wide role, once committed, the
    background worker takes away the access it gave on each case of the school (the person
    keeps what they hold otherwise, as a case manager or panel member), recorded on each
    case's timeline. Refused (nothing changes) if `by` may not end roles; a role already
    ended is left as it is."""
    _may_change_roles(by, "delete")
    with transaction.atomic():
        stored = (Membership.objects.select_for_update().select_related("user", "school")
                  .filter(pk=membership.pk).first())
        if stored is None:
            return RoleChange(membership)
        stored.delete()
        updating = _access_follows(stored, (stored.role, stored.school), None, by=by)
    return RoleChange(membership, updating)


def staff_record_link(*, staff: StaffMember, user: User | None, by: User | None) -> StaffMember:
    """Link the staff record `staff` to the login `user` (None: to no login), on behalf of `by`
    (None: the system).

    Side effects: the record's login saved (only that field); at once, in the same
    transaction, the cases about that employee are re-granted to the person now linked (who
    loses all access to them) and to the one linked before, each change on the case's
    timeline. Linking the login it already has changes nothing. Refused (nothing changes) if
    that login already has a staff record at the school, or if `by` may not change staff
    records."""
    if by is not None and not by.has_perm("incidents.change_staffmember"):
        raise PermissionDenied(f"{display_name(by)} may not change staff records.")
    with transaction.atomic():
        stored = StaffMember.objects.select_for_update().get(pk=staff.pk)
        if stored.user_id == (user.pk if user is not None else None):
            staff.user = user
            return staff
        if user is not None and StaffMember.objects.filter(school=stored.school_id, user=user).exists():
            raise ValidationError({"user": f"{display_name(user)} already has a staff record at {stored.school}."})
        before = stored.user_id
        staff.user = user
        StaffMember.objects.filter(pk=staff.pk).update(user=user)
        people = {pk for pk in (before, user.pk if user is not None else None) if pk is not None}
        because = (f"Staff record of {stored.full_name} linked to a login" if user is not None
                   else f"Staff record of {stored.full_name} no longer linked to a login")
        access_sync_cases(Case.objects.filter(subject=staff), actor=by, because=because, people=people)
    return staff
