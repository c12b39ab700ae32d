"""Keeping each case's object permissions in line with the rules.

`incidents.permissions.deserved_grants` says who should hold which permission on a case;
`access_sync` makes guardian's table say the same. The services call it inside the
transaction of every step and record what it changed in that step's event, so access
changes with the case (an investigating officer appointed can see it, a panel replaced
cannot any more) and the timeline says who was given or lost what, when and why.

Every grant is a row for one person and one case, school-wide roles included: when someone
becomes (or stops being) the HR adviser or safeguarding lead of a school (`incidents.roles`),
`access_update_school_later` has the background worker re-apply the rules to that person on
each case of that school, once the change is committed, and write the change on each timeline.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django_tasks import task

from incidents import permissions
from incidents.audit import events_record
from incidents.models import Case, CaseEvent, School
from incidents.models.grants import CaseUserObjectPermission
from incidents.names import display_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()


BATCH = 500  # cases re-granted together, in a fixed number of queries


def access_sync(*, case: Case) -> dict[str, list[str]]:
    """Grant and revoke permissions on `case` until they match the rules.

    Returns what changed, in words ({"granted": [...], "revoked": [...]}, empty when nothing
    did), for the caller to record in the event of the step that caused it.
    """
    return _sync([case]).get(case.pk, {})


def access_sync_cases(cases: QuerySet[Case], *, actor: User | None = None, because: str = "",
                      people: Collection[int] | None = None) -> int:
    """Re-apply the rules to each of `cases`, recording each change on that case's timeline
    (by `actor`, None for the system; with `because`, when given). Returns how many cases changed.

    With `people` (user ids), only those people's grants change: a role given to one person
    re-grants that person alone, so the timeline never puts someone else's change down to it.

    A batch of cases costs the same few queries as one case (their panels, the schools' roles,
    their grants, the changes and the events each in one): a school of 10,000 cases takes
    seconds, which is why a role's change is done in the background (`access_update_school_later`)."""
    cases = cases.select_related("subject").prefetch_related("hearing_panel", "appeal_panel")
    changed, after = 0, 0
    while batch := list(cases.filter(pk__gt=after).order_by("pk")[:BATCH]):
        after = batch[-1].pk
        changes = _sync(batch, people=people)
        events_record([
            CaseEvent(case=case, kind=kind, actor=actor,
                      details={key: changes[case.pk][key]} | ({"because": because} if because else {}))
            for case in batch if case.pk in changes
            for kind, key in ((CaseEvent.Kind.ACCESS_GRANTED, "granted"), (CaseEvent.Kind.ACCESS_REVOKED, "revoked"))
            if key in changes[case.pk]
        ])
        changed += len(changes)
    return changed


def _sync(cases: list[Case], *, people: Collection[int] | None = None) -> dict[int, dict[str, list[str]]]:
    """Make the grants of `cases` (of `people` only, when given) match the rules; what changed on
    each (by case id), in words."""
    ids = permissions.permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    roles = permissions.school_wide_roles({case.school_id for case in cases})
    have: dict[int, dict[tuple[int, str], int]] = {case.pk: {} for case in cases}
    held = CaseUserObjectPermission.objects.filter(content_object__in=[case.pk for case in cases])
    if people is not None:
        held = held.filter(user__in=people)
    for pk, case_id, user, permission in held.values_list("pk", "content_object_id", "user_id", "permission_id"):
        have[case_id][(user, codename_of[permission])] = pk

    added, removed = {}, {}
    for case in cases:
        wanted = permissions.deserved_grants(case, school_roles=roles[case.school_id])
        if people is not None:
            wanted = {(user, codename) for user, codename in wanted if user in people}
        added[case.pk], removed[case.pk] = wanted - set(have[case.pk]), set(have[case.pk]) - wanted
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object_id=case_id, user_id=user, permission_id=ids[codename])
        for case_id, grants in added.items() for user, codename in grants)
    CaseUserObjectPermission.objects.filter(
        pk__in=[have[case_id][key] for case_id, keys in removed.items() for key in keys]).delete()
    for case in cases:
        permissions.forget_grants(case)

    people = {user for changes in (added, removed) for grants in changes.values() for user, _ in grants}
    names = {user.pk: display_name(user) for user in User.objects.filter(pk__in=people)}

    def words(changes: set[tuple[int, str]]) -> list[str]:
        return sorted(f"{names[user]}: {codename.replace('_', ' ')}" for user, codename in changes)

    return {
        case.pk: {key: words(grants[case.pk]) for key, grants in (("granted", added), ("revoked", removed))
                  if grants[case.pk]}
        for case in cases if added[case.pk] or removed[case.pk]
    }


def access_sync_school(school: School, *, actor: User | None = None, because: str = "",
                       people: Collection[int] | None = None) -> int:
    """Re-apply the rules to every case of `school` (to `people` only, when given): after
    someone's role there changed."""
    return access_sync_cases(Case.objects.filter(school=school), actor=actor, because=because, people=people)


@task()
def access_update_school(school_id: int, person_id: int, actor_id: int | None, because: str) -> int:
    """The background worker's part of a role given, changed or ended: re-apply the rules to
    the person on every case of the school, each change on the case's timeline by `actor_id`
    (None: the system) with `because`. Returns how many cases changed.

    It reads the roles as they are when it runs, so tasks run late or out of order still leave
    the right access; a school or person deleted since leaves nothing to do."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    with transaction.atomic():
        return access_sync_cases(Case.objects.filter(school_id=school_id), actor=actor, because=because,
                                 people={person_id})


def access_update_school_later(school: School, *, person: User, actor: User | None = None,
                               because: str) -> None:
    """Once the current transaction commits, have the background worker re-grant `person` on
    every case of `school` (`access_update_school`); nothing is queued if it rolls back.

    Until the worker has run, the person keeps the access they had (an ended role still opens
    the school's cases for that long); `python manage.py sync_access` repairs any update lost
    with its queue."""
    arguments = (school.pk, person.pk, actor.pk if actor is not None else None, because)
    transaction.on_commit(lambda: access_update_school.enqueue(*arguments))


def access_sync_all(*, actor: User | None = None) -> int:
    """Re-apply the rules to every case (a repair: nothing changes when grants are right)."""
    return access_sync_cases(Case.objects.all(), actor=actor)
