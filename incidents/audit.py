"""Recording to and checking the case timeline (`CaseEvent`), its anchors and the chain of exports.

Each event is sealed with the audit key (`incidents.keys`: HMAC-SHA256 over its content and the
hash of the event before it), and in the same transaction the case gets a new anchor (`CaseAnchor`)
holding how many events its timeline has and the last one's hash. Anchors of every case form one
chain of their own, numbered and sealed the same way; so do the exports (`ExportSeal`). So someone
with the database but not the key cannot rewrite a timeline and seal it again, and cannot delete a
case's last events, or all of them, without the latest anchor counting more than there are:
`audit_verify` (and `manage.py verify_audit`) names what was rewritten or is missing, in words.
What it cannot see: the very last links of the anchors' or exports' chain deleted together with
everything they anchor (keep the head that `verify_audit` prints, somewhere else, to see that too).

Events recorded before the key (`keyed` false) keep their plain SHA-256; `anchor_audit` anchors
each such timeline once, after which nothing unkeyed may follow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery

from incidents import clock
from incidents.models import Case, CaseAnchor, CaseEvent, ExportRecord, ExportSeal
from incidents.models.events import SealedChain
from incidents.names import display_name


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
        anchors_record([(case, event.sequence, event.hash)])
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
        heads: dict[int, CaseEvent] = {}
        for event in events:
            sequence, previous_hash = latest.get(event.case_id, (0, ""))
            _chained(event, sequence, previous_hash)
            latest[event.case_id] = (event.sequence, event.hash)
            heads[event.case_id] = event
        created = CaseEvent.objects.bulk_create(events)
        anchors_record([(event.case, event.sequence, event.hash) for event in heads.values()])
        return created


# Each chain numbered across the product takes this lock (PostgreSQL) while it finds its last link,
# so two transactions never take the same position; SQLite's transactions already take turns.
CHAIN_LOCKS = {CaseAnchor: 0x6361_7365_616E_6368, ExportSeal: 0x6578_706F_7274_7365}
Link = TypeVar("Link", bound=SealedChain)


def _appended(model: type[Link], links: list[Link]) -> list[Link]:
    """Number and seal `links` after the last of their chain, and save them (inside a transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCKS[model]])
    last = model.objects.order_by("-position").only("position", "seal").first()
    position, previous = (last.position, last.seal) if last else (0, "")
    at = clock.now()
    for link in links:
        position += 1
        link.position, link.previous_seal, link.at = position, previous, at
        link.seal = previous = link.compute_seal()
    return model.objects.bulk_create(links)


def anchors_record(heads: list[tuple[Case, int, str]]) -> list[CaseAnchor]:
    """Anchor each case at its length and last hash (in the transaction that added its events)."""
    with transaction.atomic():
        return _appended(CaseAnchor, [CaseAnchor(case=case, events=events, head_hash=head)
                                      for case, events, head in heads])


def export_sealed(record: ExportRecord) -> ExportSeal:
    """Put an export record on the chain of exports (in the transaction that recorded it)."""
    with transaction.atomic():
        record.filters = json.loads(json.dumps(record.filters or {}, cls=DjangoJSONEncoder))
        return _appended(ExportSeal, [ExportSeal(record=record)])[0]


def _chained(event: CaseEvent, previous_sequence: int, previous_hash: str) -> CaseEvent:
    """Number the event after its predecessor, stamp it now and seal it with its hash."""
    event.sequence = previous_sequence + 1
    event.previous_hash = previous_hash
    event.keyed = True
    event.at = clock.now()
    # Stored as it will read back from the database, so the hash can be recomputed.
    event.details = json.loads(json.dumps(event.details or {}, cls=DjangoJSONEncoder))
    event.hash = event.compute_hash()
    return event


def chain_replace(case: Case, events: list[CaseEvent]) -> list[CaseEvent]:
    """Replace the case's whole chain by `events` (unsaved, each with its own time), chained anew
    from the first. Only retention does this (`incidents.retention`), after verifying the old
    chain and logging its head; the caller holds the case's lock, in a transaction. On
    PostgreSQL the append-only trigger lets events be deleted only in such a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL incidents.retention = 'on'")
    old = CaseEvent._base_manager.filter(case=case)
    old._raw_delete(old.db)
    previous_hash = ""
    for sequence, event in enumerate(events):
        at = event.at
        event.case = case
        _chained(event, sequence, previous_hash)
        event.at = at  # the step's own time, not now: the register dates the stages by it
        event.hash = previous_hash = event.compute_hash()
    created = CaseEvent.objects.bulk_create(events)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL incidents.retention = 'off'")
    if events:  # anchored anew at its new length and head, as any new event is
        anchors_record([(case, events[-1].sequence, events[-1].hash)])
    return created


@dataclass(frozen=True)
class BrokenLink:
    case_reference: str
    sequence: int
    problem: str

    def __str__(self) -> str:
        if not self.case_reference:
            return self.problem
        if not self.sequence:
            return f"case {self.case_reference}: {self.problem}"
        return f"case {self.case_reference}, event #{self.sequence}: {self.problem}"


def _what(event: CaseEvent) -> str:
    from incidents.timeline import _what as what_in_words  # the timeline imports this module's callers

    return what_in_words(event)


def _case_problems(case: Case, anchor: CaseAnchor | None) -> Iterator[BrokenLink]:
    """What is wrong with one case's timeline against its latest anchor, in words."""
    expected_previous = ""
    expected_sequence = 1
    last: CaseEvent | None = None
    any_keyed = False
    first_anchor_events = (case.anchors.order_by("position").values_list("events", flat=True).first()
                           if anchor is not None else None)
    for event in case.events.order_by("sequence").iterator():
        event.case = case
        if event.sequence != expected_sequence:
            missing = event.sequence - expected_sequence
            after = f"after '{_what(last)}' (event #{last.sequence})" if last else "at the start of the timeline"
            yield BrokenLink(case.reference, expected_sequence,
                             f"{missing} event{'s' if missing != 1 else ''} missing {after}")
            return
        if event.previous_hash != expected_previous:
            yield BrokenLink(case.reference, event.sequence,
                             f"'{_what(event)}' does not follow the event before it: the timeline was rewritten")
            return
        if not event.keyed and first_anchor_events is not None and event.sequence > first_anchor_events:
            yield BrokenLink(case.reference, event.sequence,
                             f"'{_what(event)}' was added without the audit key after the timeline was anchored")
            return
        if event.compute_hash() != event.hash:
            yield BrokenLink(case.reference, event.sequence,
                             f"'{_what(event)}' was changed: its content does not match its seal "
                             "(rewritten, or sealed with another key)")
            return
        expected_previous = event.hash
        expected_sequence += 1
        last = event
        any_keyed = any_keyed or event.keyed
    count = expected_sequence - 1
    if anchor is None:
        if count == 0:
            yield BrokenLink(case.reference, 0, "its timeline is empty: every event of the case is missing")
        elif any_keyed:
            yield BrokenLink(case.reference, 0, "its timeline has no anchor: the anchors were deleted")
        else:
            yield BrokenLink(case.reference, 0, f"its {count} events were recorded before the audit key and are not "
                             "anchored yet: run `python manage.py anchor_audit` once")
        return
    if anchor.events > count:
        missing = anchor.events - count
        words = f"{missing} event{'s' if missing != 1 else ''} missing"
        if last is None:
            yield BrokenLink(case.reference, 0, f"{words}: every event of the case was deleted")
        else:
            yield BrokenLink(case.reference, 0, f"{words} after '{_what(last)}' (event #{last.sequence})")
    elif anchor.events < count:
        extra = count - anchor.events
        yield BrokenLink(case.reference, anchor.events + 1,
                         f"{extra} event{'s' if extra != 1 else ''} added behind the application's back")
    elif last is not None and anchor.head_hash != last.hash:
        yield BrokenLink(case.reference, last.sequence, f"'{_what(last)}' is not the event the timeline was "
                         "anchored at: the timeline was rewritten")


def _chain_problems(links: QuerySet[Any], name: str, describe: Any) -> Iterator[BrokenLink]:
    expected_position, expected_previous = 1, ""
    for link in links.order_by("position").iterator():
        if link.position != expected_position:
            gap = link.position - expected_position
            yield BrokenLink("", 0, f"{name}: {gap} link{'s' if gap != 1 else ''} missing before #{link.position} "
                             "(deleted from the database)")
            return
        if link.previous_seal != expected_previous:
            yield BrokenLink("", 0, f"{name}: #{link.position} does not follow the link before it")
            return
        if link.compute_seal() != link.seal:
            yield BrokenLink("", 0, f"{name}: #{link.position}, {describe(link)}, was changed: it does not match "
                             "its seal (rewritten, or sealed with another key)")
            return
        expected_position, expected_previous = expected_position + 1, link.seal


def _export_words(record: ExportRecord) -> str:
    from incidents.timeline import moment_words

    return (f"the {record.get_kind_display().lower()} exported by {display_name(record.actor)} "
            f"on {moment_words(record.at)}")


def _export_problems() -> Iterator[BrokenLink]:
    yield from _chain_problems(ExportSeal.objects.select_related("record__actor"), "the chain of exports",
                               lambda seal: _export_words(seal.record))
    unsealed = ExportRecord.objects.filter(seal__isnull=True).order_by("at", "pk").select_related("actor").first()
    if unsealed is not None:
        yield BrokenLink("", 0, f"{_export_words(unsealed)} is not on the chain of exports (added behind the "
                         "application's back, or recorded before the chain: run `python manage.py anchor_audit`)")
    # A bundle or subject access export is also on the timeline of each case it held.
    recorded: dict[int, tuple[str, int]] = {}
    for case_reference, sequence, export in CaseEvent.objects.filter(kind=CaseEvent.Kind.EXPORTED).values_list(
            "case__reference", "sequence", "details__export"):
        if isinstance(export, int):
            recorded.setdefault(export, (case_reference, sequence))
    existing = set(ExportRecord.objects.filter(pk__in=recorded).values_list("pk", flat=True))
    for export in sorted(set(recorded) - existing):
        case_reference, sequence = recorded[export]
        yield BrokenLink(case_reference, sequence, "the export recorded on the timeline is missing from the "
                         "register of exports (deleted from the database)")


def audit_problems(cases: QuerySet[Case] | None = None) -> Iterator[BrokenLink]:
    """Every problem: the first broken link of each case's timeline, then of the anchors' chain and,
    checking the whole product, of the exports' chain."""
    latest = CaseAnchor.objects.filter(case=OuterRef("pk")).order_by("-position").values("pk")[:1]
    selected = Case.objects.all() if cases is None else cases
    anchors = {anchor.case_id: anchor for anchor in CaseAnchor.objects.filter(
        pk__in=selected.annotate(latest_anchor=Subquery(latest)).values("latest_anchor"))}
    for case in selected.order_by("pk").iterator():
        yield from _case_problems(case, anchors.get(case.pk))
    yield from _chain_problems(CaseAnchor.objects.select_related("case"), "the chain of anchors",
                               lambda anchor: f"case {anchor.case.reference} at {anchor.events} events")
    if cases is None:
        yield from _export_problems()


def audit_verify(cases: QuerySet[Case] | None = None) -> BrokenLink | None:
    """The first problem of `audit_problems`, or None if every chain holds."""
    return next(audit_problems(cases), None)


def chain_heads() -> str:
    """The last link of the anchors' chain and of the exports' chain, to note somewhere else: a head
    that goes back later means links were deleted from the end."""
    heads = []
    for model, name in ((CaseAnchor, "anchors"), (ExportSeal, "exports")):
        last = model.objects.order_by("-position").only("position", "seal").first()
        heads.append(f"{name} #{last.position} {last.seal[:16]}" if last else f"{name}: none yet")
    return "; ".join(heads)


@transaction.atomic
def anchor_existing() -> tuple[int, int]:
    """The one-off step after upgrading (`manage.py anchor_audit`): anchor each timeline that has
    none, and put each export not yet on the chain of exports on it, after checking that the
    timeline holds. Returns (cases anchored, exports sealed); refuses (ValueError) a broken timeline."""
    unanchored = list(Case.objects.filter(anchors__isnull=True).order_by("pk"))
    heads = []
    for case in unanchored:
        last = case.events.order_by("-sequence").first()
        if last is None:
            continue
        problem = next((p for p in _case_problems(case, None) if "not anchored yet" not in p.problem), None)
        if problem:
            raise ValueError(f"Not anchored, because the timeline is already broken: {problem}")
        heads.append((case, last.sequence, last.hash))
    anchors_record(heads)
    records = list(ExportRecord.objects.filter(seal__isnull=True).order_by("at", "pk"))
    for record in records:
        export_sealed(record)
    return len(heads), len(records)


def access_record(*, case: Case, by: User, kind: str, what: str = "") -> CaseEvent:
    """Record that `by` viewed, downloaded or exported something of the case."""
    return event_record(case=case, kind=kind, actor=by, details={"what": what} if what else {})
