"""A case's timeline, presented for one reader: the one presenter of the case page, the case
bundle and the subject access export.

`timeline_for(case, reading)` turns the case's events into entries a person reads: who did
what and when (in the school's time zone), the stage it moved the case between, and what the
step recorded in plain words — people by name, choices by their label, letters by their title,
reference and recipient. What the reader may see comes from `incidents.permissions.Reading`:
special category details are withheld from those who may not see them, letters and events are
those of the reader's reading. Grants, hashes, ids and sequence numbers appear only in the
technical appendix (`technical=True`), which only a reading with `technical_appendix` may have.

Views, downloads and exports of the case are not part of the timeline: `access_record_for`
presents them, for the case page's "who has looked" list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import dateformat, timezone

from incidents.models import Case, CaseEvent, Letter, LetterDelivery
from incidents.names import display_name
from incidents.permissions import Reading
from incidents.workflow import (
    AppealDecision,
    ContainmentStep,
    EscalationReason,
    LadoOutcome,
    Outcome,
    RescheduleReason,
    State,
    Suspension,
    step_label,
    step_named,
)

# Views, downloads and exports: the access record, not the story of the case.
ACCESS_KINDS = frozenset({CaseEvent.Kind.VIEWED, CaseEvent.Kind.DOWNLOADED, CaseEvent.Kind.EXPORTED})
# Who gained or lost access: for the technical appendix only.
GRANT_KINDS = frozenset({CaseEvent.Kind.ACCESS_GRANTED, CaseEvent.Kind.ACCESS_REVOKED})
SPECIAL_CATEGORY_WITHHELD = ("Details", "Special category data, shown to those who need it")
AUTOMATIC = "Casework (automatic)"


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a case as a person reads it."""

    when: datetime  # aware
    who: str  # a name, or "Casework (automatic)"
    what: str  # the step's label, or the kind of event in words
    change: str = ""  # "Investigation → Hearing scheduled"
    details: tuple[tuple[str, str], ...] = ()  # (label, text), in plain words
    step: str = ""  # the step's name, to group entries by (never shown)

    @property
    def when_words(self) -> str:
        """"Tuesday 10 March 2026, 10:00", in the school's time zone."""
        return moment_words(self.when)


# --- Values in words ---------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def moment_words(value: datetime | str) -> str:
    """A date and time as people write it, in the school's time zone: "Tuesday 8 December 2026, 10:00"."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, _zone())
    return dateformat.format(timezone.localtime(value, _zone()), "l j F Y, H:i")


def date_words(value: date | str) -> str:
    """A date as people write it: "8 December 2026"."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return dateformat.format(value, "j F Y")


@dataclass(frozen=True)
class Shown:
    """How one recorded detail is shown: its label, the kind of value, the choices it names."""

    label: str
    # text, line, number, date, moment, choice, yes_no, flag, person, people, checklist (as the
    # declarations' `Answer`), and list, letters, access, id, hash
    kind: str
    choices: type[models.TextChoices] | None = None
    yes_no: tuple[str, str] = ("Yes", "No")
    technical: bool = False  # shown only in the technical appendix


# Details recorded beside a step's input (or by events that are not steps), and the inputs of
# events recorded before the steps were declared with their labels: by key, or by (step, key)
# where one key means different things in different steps.
RECORDED: dict[str | tuple[str, str], Shown] = {
    "letters": Shown("Letters", "letters"),
    "case_manager": Shown("Case manager", "person"),
    "clauses": Shown("Policy clauses", "list"),
    "name": Shown("Item", "text"),
    "reference": Shown("Reference", "text"),
    "what": Shown("What", "text"),
    "because": Shown("Because", "text"),
    "gross_misconduct_alleged": Shown("Gross misconduct alleged", "flag"),
    "hearing_at": Shown("Hearing", "moment"),
    "meeting_at": Shown("Investigation meeting", "moment"),
    "deadline": Shown("Remove by", "date"),
    "received_on": Shown("Appeal received", "date"),
    "review_on": Shown("Review date", "date"),
    "concern_arose_on": Shown("When the concern arose", "date"),
    "documents_by": Shown("Documents by", "date"),
    "termination_on": Shown("Last day of employment", "date"),
    "outcome": Shown("Outcome", "choice", Outcome),
    "new_outcome": Shown("Outcome that replaces it", "choice", Outcome),
    "lado_outcome": Shown("The LADO's outcome", "choice", LadoOutcome),
    "decision": Shown("Decision", "choice", AppealDecision),
    "checklist": Shown("Done so far", "checklist", ContainmentStep),
    "investigate": Shown("Next", "yes_no", yes_no=("Investigate under the disciplinary procedure", "Close the case")),
    "panel": Shown("Panel", "people"),
    "investigating_officer": Shown("Investigating officer", "person"),
    "named_contact": Shown("Named contact", "person"),
    "to": Shown("To", "person"),  # an email (incidents.notifications): to whom and why, never its body
    "why": Shown("Why", "text"),
    "not_sent": Shown("Not sent", "text"),
    # a letter's delivery (incidents.letters.delivery)
    "handed_over_on": Shown("Posted or handed over on", "date"),
    "how": Shown("How", "choice", LetterDelivery.HandedOver),
    # a subject access request: on each case its pack held (incidents.exports.subject_access)
    "requested_by": Shown("Requested by", "text"),
    "request_received_on": Shown("Request received", "date"),
    "request_due_on": Shown("Due", "date"),
    "others_names": Shown("Other people's names", "text"),
    "lado_referral": Shown("Live referral to the LADO", "text"),
    "answered_late": Shown("Answered after its due date", "flag"),
    # a legal hold, and what retention removed (incidents.retention)
    "reason": Shown("Why", "text"),
    "until": Shown("Until", "date"),
    "rule": Shown("Rule", "text"),
    "retain_until": Shown("Kept until", "date"),
    "removed": Shown("Removed", "text"),
    "previous_chain": Shown("Timeline before removal", "text", technical=True),
    ("escalate", "reason"): Shown("Why escalated", "choice", EscalationReason),
    ("reschedule", "reason"): Shown("Why rearranged", "choice", RescheduleReason),
    # the technical appendix
    "access": Shown("Access", "access", technical=True),
    "granted": Shown("Granted", "list", technical=True),
    "revoked": Shown("Ended", "list", technical=True),
    "sha256": Shown("SHA-256", "hash", technical=True),
    "evidence": Shown("Evidence id", "id", technical=True),
    "letter": Shown("Letter id", "id", technical=True),
    "replaces": Shown("Replaces letter id", "id", technical=True),
    "replaced": Shown("Replaces the letter", "text"),
    "corrected": Shown("Corrected", "list"),
}


def how_shown(step: str, key: str) -> Shown:
    """How the detail `key` recorded by an event of `step` ("" for an event that is no step) is
    shown. The one place where a recorded key is looked up: first the step's declaration (each
    input of `incidents.workflow.inputs` carries its label and kind of answer), then `RECORDED`,
    else the key in words."""
    if step:
        try:
            ask = step_named(step).given.ask(key)
        except KeyError:
            ask = None
        if ask is not None:
            label = ask.label.rstrip("?")
            return Shown(label[:1].upper() + label[1:], ask.answer.value, ask.choices, ask.yes_no)
    return RECORDED.get((step, key)) or RECORDED.get(key) or Shown(key.replace("_", " ").capitalize(), "text")


def _name(value: Any) -> str:
    """A person recorded as {"id", "name"} (or a login, or a name) by name."""
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if hasattr(value, "get_full_name"):
        return display_name(value)
    return str(value)


def _letters_words(value: list, letters: dict[str, Letter], reading: Reading, technical: bool) -> str:
    kinds = dict(Letter.Kind.choices)
    shown = []
    for item in value:
        letter = letters.get(str(item.get("letter")))
        if letter is None or not reading.sees_letter(letter):
            continue
        words = f"{kinds.get(item.get('kind'), item.get('kind'))} ({item.get('reference')})"
        if item.get("recipient"):
            words += f", to {item['recipient']}"
        if technical and item.get("sha256"):
            words += f", SHA-256 {item['sha256']}"
        shown.append(words)
    return "; ".join(shown)


def value_words(value: Any, shown: Shown, *, letters: dict[str, Letter] | None = None,
                reading: Reading | None = None, technical: bool = False) -> str:
    """A recorded value in plain words, as `shown` says ("" when there is nothing to say)."""
    if value in (None, "", [], {}, ()):
        return ""
    kind = shown.kind
    if kind == "moment":
        return moment_words(value)
    if kind == "date":
        return date_words(value)
    if kind == "choice" and shown.choices is not None:
        return str(dict(shown.choices.choices).get(value, value))
    if kind == "yes_no":
        return shown.yes_no[0] if value else shown.yes_no[1]
    if kind == "person":
        return _name(value)
    if kind == "people":
        return ", ".join(_name(member) for member in value)
    if kind == "checklist":
        labels = dict(shown.choices.choices) if shown.choices else {}
        done = [str(labels.get(step, step)) for step, ticked in value.items() if ticked]
        return ", ".join(done) or "Nothing yet"
    if kind == "letters" and letters is not None and reading is not None:
        return _letters_words(value, letters, reading, technical)
    if kind == "access":
        parts = [f"{'granted' if change == 'granted' else 'ended'}: {', '.join(who)}"
                 for change, who in value.items() if who]
        return "; ".join(parts)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return "; ".join(f"{key.replace('_', ' ')}: {value_words(item, Shown(key, 'text'))}"
                         for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_words(item, Shown("", "text")) for item in value)
    return str(value)


# --- The timeline ------------------------------------------------------------------------------

def _what(event: CaseEvent) -> str:
    if event.transition:
        try:
            return step_label(event.transition)
        except KeyError:  # a step no longer in the procedure
            return event.transition.replace("_", " ").capitalize()
    return str(event.get_kind_display())


def _change(event: CaseEvent) -> str:
    if not (event.from_state and event.to_state) or event.from_state == event.to_state:
        return ""
    stages = dict(State.choices) | dict(Suspension.choices)
    return f"{stages.get(event.from_state, event.from_state)} → {stages.get(event.to_state, event.to_state)}"


# Of their own report, a reporter reads what they gave, not how the school arranged the case.
OWN_REPORT_HIDES = frozenset({"case_manager"})
# Who acted, when it was someone without a login (the employee opening a letter): the entry's
# "who", not one of its details.
WHO = "who"


def _who(event: CaseEvent) -> str:
    if event.actor_id:
        return display_name(event.actor)
    return str(event.details.get(WHO) or AUTOMATIC)


def _letter_unseen(event: CaseEvent, reading: Reading, letters: dict[str, Letter]) -> bool:
    """A letter issued on its own (a correction, another format) that this reader may not see:
    its reason and what it corrected are withheld with it."""
    if event.kind != CaseEvent.Kind.LETTER_ISSUED:
        return False
    issued = [letters.get(str(item.get("letter"))) for item in event.details.get("letters", [])]
    return any(letter is not None and not reading.sees_letter(letter) for letter in issued)


def _entry(event: CaseEvent, reading: Reading, letters: dict[str, Letter], technical: bool) -> TimelineEntry:
    details: list[tuple[str, str]] = []
    withheld = event.transition and not reading.sees_step_details(event.transition)
    if withheld or _letter_unseen(event, reading, letters):
        details.append(SPECIAL_CATEGORY_WITHHELD)
    else:
        for key, value in event.details.items():
            if key == WHO and not event.actor_id:
                continue
            shown = how_shown(event.transition, key)
            if (shown.technical and not technical) or (not reading.whole_case and key in OWN_REPORT_HIDES):
                continue
            words = value_words(value, shown, letters=letters, reading=reading, technical=technical)
            if words:
                details.append((shown.label, words))
        if event.note:
            details.append(("Note", event.note))
    if technical:
        details += [("Record number", str(event.sequence)), ("Hash", event.hash)]
    return TimelineEntry(when=event.at, who=_who(event), what=_what(event), change=_change(event),
                         details=tuple(details), step=event.transition)


def _events(case: Case, reading: Reading, kinds_left_out: frozenset) -> list[CaseEvent]:
    events = case.events.select_related("actor").exclude(kind__in=kinds_left_out).order_by("sequence")
    if not reading.whole_case:
        # their own report: what they gave and did, nothing the school did with it
        events = events.filter(actor_id=reading.reader) if reading.reader is not None else events.none()
    return list(events)


def timeline_for(case: Case, reading: Reading, *, technical: bool = False) -> list[TimelineEntry]:
    """The case's timeline as `reading`'s reader may read it, oldest first: every step and event
    but views, downloads and exports. With `technical` (a technical appendix, which only a reading
    with `technical_appendix` may have): also the grants each event gave or ended, the ids and
    hashes it recorded, and each event's sequence number and hash. ValueError otherwise."""
    if technical and not reading.technical_appendix:
        raise ValueError("This reader may not have the technical appendix.")
    left_out = ACCESS_KINDS if technical else ACCESS_KINDS | GRANT_KINDS
    events = _events(case, reading, frozenset(left_out))
    letters = {str(letter.uuid): letter for letter in case.letters.all()}
    return [_entry(event, reading, letters, technical) for event in events]


def plain_status(case: Case) -> str:
    """Where a report is, in words for its reporter, with nothing of the investigation in it."""
    from incidents.models import Role
    from incidents.permissions import has_role

    if case.state == State.WITHDRAWN:
        return "Withdrawn by you"
    if case.state == State.CLOSED:
        return "Closed"
    if has_role(case.case_manager, case.school, Role.HEADTEACHER):
        return "With the headteacher"
    return "With the chair of governors"


_HASH_IN_TEXT = re.compile(r"\s*\(?[0-9a-f]{64}\)?")
ACCESS_WORDS = {CaseEvent.Kind.VIEWED: "Viewed the case", CaseEvent.Kind.DOWNLOADED: "Downloaded",
                CaseEvent.Kind.EXPORTED: "Exported"}


def access_record_for(case: Case, reading: Reading, *, latest: int = 50) -> list[TimelineEntry]:
    """Who has looked at the case: the latest views, downloads and exports, oldest first, in
    plain words (what was opened, without its hash; a letter the reader may not see is not named).
    Only for a reader of the whole case."""
    if not reading.whole_case:
        return []
    events = list(case.events.select_related("actor").filter(kind__in=ACCESS_KINDS).order_by("-sequence")[:latest])
    letters = {str(letter.uuid): letter for letter in case.letters.all()}
    entries = []
    for event in reversed(events):
        details: tuple[tuple[str, str], ...] = ()
        letter = letters.get(str(event.details.get("letter", "")))
        if letter is not None:
            if reading.sees_letter(letter):
                details = (("What", f"{letter.get_kind_display()} ({letter.reference})"),)
        elif event.details.get("what"):
            details = (("What", _HASH_IN_TEXT.sub("", event.details["what"])),)
        entries.append(TimelineEntry(when=event.at, who=display_name(event.actor) if event.actor_id else AUTOMATIC,
                                     what=ACCESS_WORDS.get(event.kind, str(event.get_kind_display())),
                                     details=details))
    return entries


__all__ = ["ACCESS_KINDS", "TimelineEntry", "access_record_for", "date_words", "how_shown", "moment_words",
           "plain_status", "timeline_for", "value_words"]
