"""A large, realistic data set for measuring speed (`manage.py seed_bench`, tests/bench).

Cases are spread unevenly over the schools and over every stage of the procedure, each with
the timeline its path would leave (hash-chained as `incidents.audit` chains it), the letters
and evidence of that path, and the object-permission grants `permissions.deserved_grants`
gives it. Rows are written with bulk inserts, so it runs on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from incidents.audit import anchors_record
from incidents.models import (
    Case,
    CaseEvent,
    CaseUserObjectPermission,
    Clause,
    Evidence,
    Letter,
    Membership,
    Policy,
    Role,
    School,
    StaffMember,
)
from incidents.permissions import deserved_grants, permission_ids
from incidents.workflow import State

User = get_user_model()
BATCH = 500  # cases written at a time (their events, letters, evidence and grants with them)
STAFF_PER_SCHOOL = 30
INVESTIGATORS = 3
GOVERNORS = 6  # 3 sit on hearings, the other 3 on appeals
SCHOOLS_PER_HR_ADVISER = 10
LONG_EVERY = 2_000  # one case in this many has a long timeline (1,000 events or more)
YEAR = 2026
START = datetime(2023, 9, 1, 9, 0, tzinfo=UTC)

# The paths a case takes to the stage it is at: (step, from, to) after the report.
_R, _CR, _CD, _SR = State.REPORTED, State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED, State.SAFEGUARDING_REFERRAL
_CT, _IN, _HS, _OI = State.CONTAINMENT, State.INVESTIGATION, State.HEARING_SCHEDULED, State.OUTCOME_ISSUED
_AP, _CL, _WD = State.APPEAL, State.CLOSED, State.WITHDRAWN
_HEARD: list[tuple[str, str, str]] = [("open_investigation", _R, _IN), ("record_investigation_meeting", _IN, _IN),
          ("submit_investigation_report", _IN, _IN), ("refer_to_hearing", _IN, _HS)]
PATHS: dict[str, list[tuple[str, str, str]]] = {
    "reported": [],
    "withdrawn": [("withdraw", _R, _WD)],
    "removal requested": [("request_content_removal", _R, _CR)],
    "content removed": [("request_content_removal", _R, _CR), ("confirm_removed", _CR, _CD)],
    "lado referral": [("refer_to_lado", _R, _SR)],
    "containment": [("secure_account", _R, _CT)],
    "account resolved": [("secure_account", _R, _CT), ("resolve", _CT, _CL)],
    "investigation": [("open_investigation", _R, _IN), ("record_investigation_meeting", _IN, _IN)],
    "no case": [("open_investigation", _R, _IN), ("submit_investigation_report", _IN, _IN),
                ("close_no_case", _IN, _CL)],
    "hearing scheduled": _HEARD,
    "outcome issued": _HEARD + [("record_outcome", _HS, _OI)],
    "appeal": _HEARD + [("record_outcome", _HS, _OI), ("lodge_appeal", _OI, _AP)],
    "appeal decided": _HEARD + [("record_outcome", _HS, _OI), ("lodge_appeal", _OI, _AP),
                                ("decide_appeal", _AP, _CL)],
    "closed after outcome": _HEARD + [("record_outcome", _HS, _OI), ("close", _OI, _CL)],
}
# How often each path is taken (out of 100): most cases are early on or closed.
WEIGHTS = [18, 2, 8, 6, 3, 5, 6, 16, 10, 6, 6, 3, 3, 8]
# The letter a step issues (what the real steps issue, for the rows: no PDF is made).
LETTERS = {
    "reported": Letter.Kind.ACKNOWLEDGEMENT, "request_content_removal": Letter.Kind.CONTENT_REMOVAL_REQUEST,
    "open_investigation": Letter.Kind.INVESTIGATION_NOTICE, "refer_to_lado": Letter.Kind.LADO_REFERRAL,
    "refer_to_hearing": Letter.Kind.HEARING_INVITATION, "record_outcome": Letter.Kind.OUTCOME,
    "lodge_appeal": Letter.Kind.APPEAL_INVITATION, "decide_appeal": Letter.Kind.APPEAL_OUTCOME,
    "close_no_case": Letter.Kind.NO_FURTHER_ACTION,
}
PLATFORMS = list(Case.Platform.values)


class AlreadySeeded(Exception):
    """The database already holds cases: seeding would mix made-up cases with real ones."""


@dataclass
class SeedResult:
    schools: int = 0
    users: int = 0
    cases: int = 0
    events: int = 0
    longest_timeline: int = 0
    letters: int = 0
    evidence: int = 0
    grants: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _School:
    school: School
    head: Any
    chair: Any
    dsl: Any
    investigators: list[Any]
    governors: list[Any]
    staff: list[Any]
    records: list[StaffMember]
    head_record: StaffMember
    roles: list[tuple[int, str]]  # the school-wide roles deserved_grants reads (HR advisers, DSL)


def bench_seed(*, schools: int, cases: int, force: bool = False, seed: int = 17) -> SeedResult:
    """Create `schools` schools with their people and `cases` cases among them, with events,
    letters, evidence and grants. Refuses (AlreadySeeded) if the database holds any case,
    unless `force`. The same arguments and `seed` make the same data."""
    if schools < 1 or cases < 0:
        raise ValueError("At least one school, and no fewer than 0 cases.")
    if Case.objects.exists() and not force:
        raise AlreadySeeded(f"This database already holds {Case.objects.count():,} cases.")
    started = time.perf_counter()
    rng = random.Random(seed)
    result = SeedResult()
    if not Policy.objects.exists():
        call_command("loaddata", "rainow_policy", verbosity=0)
    policy = Policy.objects.first()
    clauses = list(Clause.objects.values_list("pk", flat=True))
    perms = permission_ids()
    # Another run (with --force) makes other schools and people, under a letter not yet used.
    letter = next((c for c in "BCDFGHJKLMNPQRSTVWXZ" if not School.objects.filter(reference_prefix__startswith=c)
                   .exists()), None)
    if letter is None or schools > 9_999:
        raise ValueError("No room for more bench schools in this database.")
    with transaction.atomic():
        made = _people(schools, policy, letter)
    result.schools = len(made)
    result.users = User.objects.filter(username__startswith=f"bench{letter}-").count()
    # Uneven sizes: a few large schools, many small ones.
    weights = [rng.paretovariate(1.5) for _ in made]
    owners = rng.choices(range(len(made)), weights=weights, k=cases)
    numbers = dict.fromkeys(range(len(made)), 0)
    for first in range(0, cases, BATCH):
        with transaction.atomic():
            _batch(owners[first:first + BATCH], first, made, numbers, clauses, perms, rng, result)
    result.seconds = time.perf_counter() - started
    return result


def _people(count: int, policy: Policy | None, letter: str) -> list[_School]:
    made = []
    advisers: list[Any] = []
    tag = f"bench{letter}"
    for n in range(count):
        prefix = f"{letter}{n + 1:03d}"
        school = School.objects.create(name=f"Bench School {n + 1}", reference_prefix=prefix, policy=policy)
        if n % SCHOOLS_PER_HR_ADVISER == 0:
            advisers.append(_user(f"{tag}-hr-{len(advisers)}", "Hana", f"Adviser {len(advisers) + 1}"))
        head, chair, dsl = (_user(f"{tag}-{prefix}-{r}", r.title(), prefix) for r in ("head", "chair", "dsl"))
        investigators = [_user(f"{tag}-{prefix}-io{k}", "Ian", f"Officer {k}") for k in range(INVESTIGATORS)]
        governors = [_user(f"{tag}-{prefix}-gov{k}", "Gina", f"Governor {k}") for k in range(GOVERNORS)]
        staff = User.objects.bulk_create([User(username=f"{tag}-{prefix}-s{k}", first_name="Sam",
                                               last_name=f"Staff {prefix} {k}") for k in range(STAFF_PER_SCHOOL)])
        staff = list(User.objects.filter(username__startswith=f"{tag}-{prefix}-s").order_by("pk"))
        roles = ([(advisers[-1], Role.HR_ADVISER), (head, Role.HEADTEACHER), (chair, Role.CHAIR_OF_GOVERNORS),
                  (dsl, Role.DSL)] + [(u, Role.INVESTIGATING_OFFICER) for u in investigators]
                 + [(u, Role.GOVERNOR) for u in governors] + [(u, Role.STAFF) for u in staff])
        Membership.objects.bulk_create([Membership(user=u, school=school, role=r) for u, r in roles])
        StaffMember.objects.bulk_create(
            [StaffMember(school=school, user=head, full_name=f"Head {prefix}", job_title="Headteacher")]
            + [StaffMember(school=school, user=u, full_name=u.get_full_name(), job_title="Teacher") for u in staff])
        records = list(StaffMember.objects.filter(school=school).select_related(None).order_by("pk"))
        made.append(_School(school, head, chair, dsl, investigators, governors, staff, records[1:], records[0],
                            [(u.pk, r) for u, r in roles if r in (Role.HR_ADVISER, Role.DSL)]))
    return made


def _user(username: str, first: str, last: str) -> Any:
    return User.objects.create(username=username, first_name=first, last_name=last)


def _event_count(rng: random.Random, index: int, steps: int) -> int:
    """About 20 events a case on average; one case in LONG_EVERY has over 1,000."""
    if index % LONG_EVERY == LONG_EVERY // 2:
        return 1_000 + rng.randrange(500)
    return max(steps, int(rng.expovariate(1 / 19)) + 1)


def _batch(owners: list[int], first: int, made: list[_School], numbers: dict[int, int], clauses: list[int],
           perms: dict[str, int], rng: random.Random, result: SeedResult) -> None:
    paths = list(PATHS)
    new: list[tuple[Case, _School, str, int]] = []
    for offset, owner in enumerate(owners):
        place = made[owner]
        numbers[owner] += 1
        path = rng.choices(paths, weights=WEIGHTS)[0]
        steps = PATHS[path]
        state = steps[-1][2] if steps else State.REPORTED
        reporter = rng.choice(place.staff)
        about_head = rng.random() < 0.01
        subject = place.head_record if about_head else rng.choice(place.records)
        if not about_head and subject.user_id == reporter.pk:
            subject = place.records[(place.records.index(subject) + 1) % len(place.records)]
        reported_at = START + timedelta(minutes=rng.randrange(60 * 24 * 900))
        heard = any(name == "refer_to_hearing" for name, _, _ in steps)
        outcome = rng.choice(["first_written_warning", "final_written_warning", "management_advice"])
        case = Case(
            reference=f"{place.school.reference_prefix}-{YEAR}-{numbers[owner]:04d}", year=YEAR,
            number=numbers[owner], school=place.school, kind=rng.choice(Case.Kind.values), reporter=reporter,
            subject=subject, platform=rng.choice(PLATFORMS), description="A post criticising parents of the school.",
            safeguarding=path == "lado referral" or rng.random() < 0.05, reported_at=reported_at,
            case_manager=place.chair if about_head else place.head, state=state,
            investigating_officer=(rng.choice(place.investigators)
                                   if any(to == _IN for _, _, to in steps) else None),
            hearing_at=reported_at + timedelta(days=40) if heard else None,
            hearing_place="The school office" if heard else "",
            outcome=outcome if any(name == "record_outcome" for name, _, _ in steps) else "",
        )
        new.append((case, place, path, _event_count(rng, first + offset, len(steps) + 1)))
    Case.objects.bulk_create([case for case, _, _, _ in new], batch_size=BATCH)
    if not new[0][0].pk:  # a database that returns no ids from a bulk insert
        ids = dict(Case.objects.filter(reference__in=[c.reference for c, _, _, _ in new])
                   .values_list("reference", "pk"))
        for case, _, _, _ in new:
            case.pk = ids[case.reference]
    result.cases += len(new)

    through_clauses, hearing, appeal, evidence, grants = [], [], [], [], []
    events: list[CaseEvent] = []
    letters: list[tuple[CaseEvent, Letter]] = []
    heads: dict[int, tuple[int, str]] = {}
    for case, place, path, count in new:
        result.stages[path] = result.stages.get(path, 0) + 1
        through_clauses.append(Case.clauses.through(case_id=case.pk, clause_id=rng.choice(clauses)))
        steps = PATHS[path]
        names = [name for name, _, _ in steps]
        panel = place.governors[:3] if "refer_to_hearing" in names else []
        appeal_panel = place.governors[3:] if "lodge_appeal" in names else []
        hearing += [Case.hearing_panel.through(case_id=case.pk, user_id=u.pk) for u in panel]
        appeal += [Case.appeal_panel.through(case_id=case.pk, user_id=u.pk) for u in appeal_panel]
        added = Evidence(case=case, link=f"https://www.{case.platform}.example/post/{case.number}",
                         description="A screenshot of the post", added_by=case.reporter, added_at=case.reported_at)
        evidence.append(added)
        timeline = list(_timeline(case, steps, count, place, rng))
        _chain(timeline)
        heads[case.pk] = (len(timeline), timeline[-1].hash)
        events += timeline
        for event in timeline:
            kind = LETTERS.get(event.transition or event.kind) if event.kind in ("reported", "transition") else None
            if kind:
                letters.append((event, _letter(case, kind, event)))
        _prefetch(case, "hearing_panel", panel)
        _prefetch(case, "appeal_panel", appeal_panel)
        grants += [CaseUserObjectPermission(content_object_id=case.pk, user_id=user, permission_id=perms[codename])
                   for user, codename in deserved_grants(case, school_roles=place.roles)]
    Case.clauses.through.objects.bulk_create(through_clauses)
    Case.hearing_panel.through.objects.bulk_create(hearing)
    Case.appeal_panel.through.objects.bulk_create(appeal)
    Evidence.objects.bulk_create(evidence)
    _insert(CaseEvent, events, ["case", "sequence", "kind", "actor", "transition", "from_state", "to_state", "note",
                                "details", "at", "previous_hash", "hash", "keyed"])
    anchors_record([(case, *heads[case.pk]) for case, _, _, _ in new])
    if letters and not letters[0][0].pk:
        keyed = {(e.case_id, e.sequence): e for e, _ in letters}
        for case_id, sequence, pk in CaseEvent.objects.filter(
                case_id__in=[c.pk for c, _, _, _ in new], kind__in=["reported", "transition"]).values_list(
                "case_id", "sequence", "pk"):
            if (case_id, sequence) in keyed:
                keyed[(case_id, sequence)].pk = pk
    for event, letter in letters:
        letter.event_id = event.pk
    Letter.objects.bulk_create([letter for _, letter in letters])
    _insert(CaseUserObjectPermission, grants, ["content_object", "user", "permission"])
    result.events += len(events)
    result.longest_timeline = max([result.longest_timeline] + [count for _, _, _, count in new])
    result.letters += len(letters)
    result.evidence += len(evidence)
    result.grants += len(grants)


def _insert(model: type[models.Model], rows: list[Any], fields: list[str]) -> None:
    """Write many rows: with COPY on PostgreSQL (several times faster than an INSERT of
    many values, and no ids are needed back), with bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=2_000)
        return
    found = [f for f in model._meta.concrete_fields if f.name in fields]
    columns = ", ".join(f'"{f.column}"' for f in found)
    jsons = {f.attname for f in found if isinstance(f, models.JSONField)}
    names = [f.attname for f in found]
    with connection.cursor() as cursor, cursor.cursor.copy(  # the driver's own cursor: psycopg 3
            f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(getattr(row, n), cls=DjangoJSONEncoder) if n in jsons else getattr(row, n)
                            for n in names])


def _timeline(case: Case, steps: list[tuple[str, str, str]], count: int, place: _School,
              rng: random.Random) -> Iterator[CaseEvent]:
    """The report, its steps, the evidence added, and views of the case between them, `count` in all."""
    at = case.reported_at
    yield CaseEvent(case=case, kind=CaseEvent.Kind.REPORTED, actor=case.reporter, to_state=State.REPORTED, at=at)
    yield CaseEvent(case=case, kind=CaseEvent.Kind.EVIDENCE_ADDED, actor=case.reporter, at=at,
                    details={"what": "A screenshot of the post"})
    views = count - 2 - len(steps)
    viewers = [case.case_manager, place.head, place.dsl]
    for number, (name, source, target) in enumerate(steps):
        for _ in range(views // (len(steps) + 1) if number < len(steps) else 0):
            at += timedelta(minutes=rng.randrange(5, 600))
            yield CaseEvent(case=case, kind=CaseEvent.Kind.VIEWED, actor=rng.choice(viewers), at=at)
        at += timedelta(hours=rng.randrange(2, 200))
        yield CaseEvent(case=case, kind=CaseEvent.Kind.TRANSITION, actor=case.case_manager, transition=name,
                        from_state=source, to_state=target, at=at)
    done = 2 + len(steps) + (views // (len(steps) + 1)) * len(steps)
    for _ in range(count - done):
        at += timedelta(minutes=rng.randrange(5, 600))
        yield CaseEvent(case=case, kind=CaseEvent.Kind.VIEWED, actor=rng.choice(viewers), at=at)


def _chain(timeline: list[CaseEvent]) -> None:
    """Number and seal a case's events as `incidents.audit` does, keeping their times."""
    previous = ""
    for sequence, event in enumerate(timeline, start=1):
        event.sequence, event.previous_hash = sequence, previous
        event.details = json.loads(json.dumps(event.details or {}, cls=DjangoJSONEncoder))
        event.hash = previous = event.compute_hash()


def _letter(case: Case, kind: str, event: CaseEvent) -> Letter:
    to_reporter = kind == Letter.Kind.ACKNOWLEDGEMENT or case.subject is None
    return Letter(case=case, kind=kind, reference=f"{case.reference}/{kind[:3].upper()}1",
                  title=Letter.Kind(kind).label, recipient_staff=None if to_reporter else case.subject,
                  recipient_user=case.reporter if to_reporter else None,
                  recipient_name=case.reporter.get_full_name() if case.subject is None or to_reporter
                  else case.subject.full_name,
                  pdf=f"letters/bench/{case.uuid}-{kind}.pdf", sha256="0" * 64, size=48_000,
                  issued_by=case.case_manager, issued_at=event.at)


def _prefetch(case: Case, name: str, people: list[Any]) -> None:
    """Give `case.<name>.all()` these people without a query, as a prefetch would."""
    queryset = User.objects.all()
    # Django's prefetch_related keeps its results in these two private attributes.
    queryset.__dict__.update(_result_cache=list(people), _prefetch_done=True)
    case.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
