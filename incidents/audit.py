"""Recording to and checking the case timeline (`CaseEvent`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from incidents import clock
from incidents.models import Case, CaseEvent


def event_record(*, case: Case, kind: str, actor: User | None = None, transition: str = "", from_state: str = "",
                 to_state: str = "", note: str = "", details: dict[str, Any] | None = None) -> CaseEvent:
    """Append an event to the case's timeline, chained to the one before it.

    Locks the case row, so events of one case are numbered in one order even when
    several people act at once. Call it inside the transaction of the change it records.
    """
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).exists()
        previous = case.events.order_by("-sequence").only("sequence", "hash").first()
        event = _chained(CaseEvent(case=case, kind=kind, actor=actor, transition=transition, from_state=from_state,
                                   to_state=to_state, note=note, details=details),
                         previous.sequence if previous else 0, previous.hash if previous else "")
        event.save()
    return event


def events_record(events: list[CaseEvent]) -> list[CaseEvent]:
    """Append unsaved events (each with its case, kind, actor and details) to their cases'
    timelines, in the order given, in a fixed number of queries however many cases: the cases
    are locked in one, their latest events read in one and the events written in one."""
    case_ids = sorted({event.case_id for event in events})
    with transaction.atomic():
        list(Case.objects.select_for_update().filter(pk__in=case_ids).values_list("pk", flat=True))
        latest_sequence = CaseEvent.objects.filter(case=OuterRef("case")).order_by("-sequence").values("sequence")[:1]
        latest = {case_id: (sequence, hash) for case_id, sequence, hash in CaseEvent.objects.filter(
            case__in=case_ids, sequence=Subquery(latest_sequence)).values_list("case_id", "sequence", "hash")}
        for event in events:
            sequence, previous_hash = latest.get(event.case_id, (0, ""))
            _chained(event, sequence, previous_hash)
            latest[event.case_id] = (event.sequence, event.hash)
        return CaseEvent.objects.bulk_create(events)


def _chained(event: CaseEvent, previous_sequence: int, previous_hash: str) -> CaseEvent:
    """Number the event after its predecessor, stamp it now and seal it with its hash."""
    event.sequence = previous_sequence + 1
    event.previous_hash = previous_hash
    event.at = clock.now()
    # Stored as it will read back from the database, so the hash can be recomputed.
    event.details = json.loads(json.dumps(event.details or {}, cls=DjangoJSONEncoder))
    event.hash = event.compute_hash()
    return event


@dataclass(frozen=True)
class BrokenLink:
    case_reference: str
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"{self.case_reference} event #{self.sequence}: {self.problem}"


def audit_verify(cases: QuerySet[Case] | None = None) -> BrokenLink | None:
    """Walk every case's chain of events; return the first broken link, or None if all hold."""
    for case in (Case.objects.all() if cases is None else cases).order_by("pk").iterator():
        expected_previous = ""
        expected_sequence = 1
        for event in case.events.order_by("sequence").iterator():
            event.case = case
            if event.sequence != expected_sequence:
                return BrokenLink(case.reference, expected_sequence, "event missing from the chain")
            if event.previous_hash != expected_previous:
                return BrokenLink(case.reference, event.sequence, "does not follow the event before it")
            if event.compute_hash() != event.hash:
                return BrokenLink(case.reference, event.sequence, "content does not match its hash")
            expected_previous = event.hash
            expected_sequence += 1
    return None


def access_record(*, case: Case, by: User, kind: str, what: str = "") -> CaseEvent:
    """Record that `by` viewed, downloaded or exported something of the case."""
    return event_record(case=case, kind=kind, actor=by, details={"what": what} if what else {})
