"""Issuing, previewing, correcting and opening letters.

Letters are issued with the step that needs them, inside the step's transaction
(`incidents.services.step_take` calls `letters_for_step`, then records the step's event
with the letters in it, then `letters_store`): if a letter cannot be rendered, the step
does not happen. A letter issued on its own (a correction, another format) is recorded
as a 'letter issued' event.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from incidents import clock, permissions
from incidents.audit import event_record
from incidents.exceptions import LetterTampered, NotPermitted
from incidents.letters.delivery import deliveries_for
from incidents.letters.documents import LetterDraft, letter_draft, letter_render
from incidents.letters.facts import letter_facts
from incidents.letters.kinds import KINDS
from incidents.models import Case, CaseEvent, Letter
from incidents.storage import atomic_with_files

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

# While a preview runs, the letters a step would issue are collected here instead of stored.
_previewing: contextvars.ContextVar[list[LetterDraft] | None] = contextvars.ContextVar(
    "letters_previewing", default=None)


def _next_version(case: Case, kind: str) -> int:
    last = Letter.objects.filter(case=case, kind=kind).aggregate(last=Max("version"))["last"] or 0
    return last + 1


def _rendered(draft: LetterDraft) -> bytes:
    """The PDF of `draft`, which `letter_render` has rendered: a letter is recorded only once rendered."""
    if draft.pdf is None:
        raise ValueError(f"Letter {draft.reference} is recorded before it is rendered.")
    return draft.pdf


# --- Issued with a step -------------------------------------------------------------

def letters_for_step(*, case: Case, kinds: list[str], by: User | None, arguments: dict[str, Any]) -> list[LetterDraft]:
    """Draft and render the letters of `kinds` that a step issues, once the step has changed
    `case`; `arguments` are the step's input by name, `by` who took it (None: the system).

    Call inside the step's transaction, before its event is recorded. Stores nothing.
    """
    drafts = []
    for kind in kinds:
        facts = letter_facts(case=case, kind=kind, by=by, arguments=arguments)
        draft = letter_draft(case=case, kind=kind, facts=facts, version=_next_version(case, kind))
        letter_render(draft)
        drafts.append(draft)
    return drafts


def letters_event_details(drafts: list[LetterDraft]) -> dict[str, Any]:
    """What the event that issues these letters records of them (nothing if there are none)."""
    if not drafts:
        return {}
    return {"letters": [
        {"letter": str(d.uuid), "kind": d.kind, "reference": d.reference, "version": d.version,
         "recipient": d.recipient_name, "format": d.letter_format,
         "sha256": hashlib.sha256(_rendered(d)).hexdigest()}
        for d in drafts
    ]}


def letters_store(drafts: list[LetterDraft], *, event: CaseEvent, by: User | None, supersedes: Letter | None = None,
                  reason: str = "") -> list[Letter]:
    """Store rendered drafts as issued letters of `event` (in the private storage, under random
    names, with their SHA-256), and have those to the employee emailed to them once the
    transaction commits (`incidents.letters.delivery`). During a preview, collects them instead."""
    collected = _previewing.get()
    if collected is not None:
        collected.extend(drafts)
        return []
    letters = []
    for draft in drafts:
        pdf = _rendered(draft)
        letter = Letter(
            uuid=draft.uuid, case=draft.case, kind=draft.kind, version=draft.version, supersedes=supersedes,
            reason=reason, reference=draft.reference, title=draft.title, recipient_staff=draft.recipient_staff,
            recipient_user=draft.recipient_user, recipient_name=draft.recipient_name,
            letter_format=draft.letter_format, facts=draft.facts, sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf), issued_by=by, issued_at=event.at, event=event,
        )
        letter.pdf.save("letter.pdf", ContentFile(pdf), save=False)
        letter.save()
        letters.append(letter)
    deliveries_for(letters)
    return letters


# --- Preview --------------------------------------------------------------------------

@dataclass(frozen=True)
class LetterPreview:
    kind: str
    title: str
    reference: str
    recipient_name: str
    letter_format: str
    html: str
    pdf: bytes


def letter_preview(*, case: Case, kind: str, by: User, arguments: dict[str, Any] | None = None,
                   letter_format: str | None = None) -> LetterPreview:
    """Render letter `kind` for `case` as it stands, without storing anything, `arguments`
    standing in for a step's input (used to review letters and to render samples).
    `letter_format` ("standard" or "large_print") overrides the recipient's preference."""
    facts = letter_facts(case=case, kind=kind, by=by, arguments=arguments)
    draft = letter_draft(case=case, kind=kind, facts=facts, version=_next_version(case, kind),
                         letter_format=letter_format)
    return letter_previewed(draft)


@contextlib.contextmanager
def letters_collected() -> Iterator[list[LetterDraft]]:
    """Inside this block, letters a step issues are collected in the list it gives instead of
    stored: a preview (`services.step_preview`) runs the step and rolls it back."""
    collected: list[LetterDraft] = []
    token = _previewing.set(collected)
    try:
        yield collected
    finally:
        _previewing.reset(token)


def letter_previewed(draft: LetterDraft) -> LetterPreview:
    pdf = letter_render(draft)
    return LetterPreview(kind=draft.kind, title=draft.title, reference=draft.reference,
                         recipient_name=draft.recipient_name, letter_format=draft.letter_format, html=draft.html,
                         pdf=pdf)


# --- Corrections and other formats ------------------------------------------------

MAX_CORRECTION = 10000  # characters in one corrected part, as in the steps' own text answers


def correctable_parts(letter: Letter) -> list[tuple[str, str]]:
    """The parts of `letter`'s text a correction may rewrite, as (key, plain name), in the order
    the letter kind declares them (`LetterKind.corrects`); only those the letter holds as text."""
    return [(key, label) for key, label in KINDS[letter.kind].corrects if isinstance(letter.facts.get(key), str)]


@atomic_with_files()
def letter_reissue(*, letter: Letter, by: User, reason: str, letter_format: str | None = None,
                   changes: dict[str, str] | None = None) -> Letter:
    """Issue a new version of `letter`: corrected (`changes` replaces parts of its text that its
    kind declares correctable, such as "reasons") and/or in another format. The earlier version
    stays as it was issued, and downloadable; the new one goes to the recipient as the first did
    (`letters_store`: emailed to the employee, or handed over).

    Only the case manager may do this; a reason is required, and something must change.
    Records a 'letter issued' event. Raises ValidationError, changing nothing, on bad input.
    """
    case = letter.case
    if not permissions.can_manage_case(by, case):
        raise NotPermitted("Only the case manager can correct or re-issue a letter.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why a new version of the letter is issued."})
    if letter_format is not None and letter_format not in Letter.Format.values:
        raise ValidationError({"letter_format": "Choose standard or large print."})
    facts = dict(letter.facts)
    parts = dict(correctable_parts(letter))
    changed = False
    for key, value in (changes or {}).items():
        if key not in parts:
            raise ValidationError({key: "This part of the letter cannot be corrected."})
        value = (value or "").strip()
        if len(value) > MAX_CORRECTION:
            raise ValidationError({key: f"{parts[key]} must be at most {MAX_CORRECTION:,} characters."})
        if not value and facts[key].strip():
            raise ValidationError({key: f"Write the corrected words of “{parts[key].lower()}”, or leave them "
                                        "as they were."})
        changed = changed or value != facts[key].strip()
        facts[key] = value
    if not changed and (letter_format or letter.letter_format) == letter.letter_format:
        raise ValidationError("Nothing would change: correct the letter's words, or choose another format.")
    facts["date"] = clock.today().isoformat()
    facts["replaces"] = {"reference": letter.reference, "date": letter.facts.get("date")}
    draft = letter_draft(case=case, kind=letter.kind, facts=facts, version=_next_version(case, letter.kind),
                         letter_format=letter_format or letter.letter_format)
    letter_render(draft)
    event = event_record(case=case, kind=CaseEvent.Kind.LETTER_ISSUED, actor=by, note=reason,
                         details=letters_event_details([draft]) | {
                             "replaces": str(letter.uuid), "replaced": letter.reference,
                             **({"corrected": [parts[key] for key in parts if key in (changes or {})]}
                                if changes else {})})
    return letters_store([draft], event=event, by=by, supersedes=letter, reason=reason)[0]


# --- Reading a letter ------------------------------------------------------------------

@transaction.atomic
def letter_open(*, letter: Letter, by: User) -> bytes:
    """The letter's PDF, checked against its SHA-256, for `by` to download. Records a
    'downloaded' event. Raises PermissionDenied for anyone else."""
    if not permissions.can_download_letter(by, letter):
        raise PermissionDenied("You cannot open this letter.")
    with letter.pdf.open("rb") as file:
        content = file.read()
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise LetterTampered(f"The stored file of letter {letter.reference} does not match what was issued.")
    event_record(case=letter.case, kind=CaseEvent.Kind.DOWNLOADED, actor=by,
                 details={"letter": str(letter.uuid), "reference": letter.reference, "sha256": letter.sha256})
    return content


def mark_replaced(letters: list[Letter]) -> list[Letter]:
    """`letters` (oldest first), each replaced one marked with the version that replaced it
    (`Letter.replaced_by`): the earlier version stays listed and downloadable."""
    by_pk = {letter.pk: letter for letter in letters}
    for letter in letters:
        if letter.supersedes_id in by_pk:
            by_pk[letter.supersedes_id].replaced_by = letter
    return letters


def letters_of_case(case: Case) -> QuerySet[Letter]:
    """The case's letters, every version, oldest first."""
    return case.letters.select_related("issued_by", "recipient_staff", "supersedes").order_by("issued_at", "pk")


__all__ = ["KINDS", "LetterPreview", "LetterTampered", "letter_open", "letter_preview", "letter_previewed",
           "letters_collected", "mark_replaced",
           "correctable_parts", "letter_reissue", "letters_event_details", "letters_for_step", "letters_of_case",
           "letters_store"]
