"""A letter as a document: its facts laid out in its template, ready for the renderer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.template import Context, Engine

from incidents.letters import render
from incidents.letters.facts import recipient_of
from incidents.letters.kinds import KINDS, REQUEST_LETTERS
from incidents.models import Case, Letter, School, StaffMember

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


@cache
def engine() -> Engine:
    """The letters' own template engine: autoescaping on, our date filters built in, and
    no context processors (a letter knows nothing of a request)."""
    return Engine(dirs=[str(TEMPLATES_DIR)], builtins=["incidents.letters.templatetags"], autoescape=True)


@dataclass
class LetterDraft:
    """A letter ready to be rendered and issued (`pdf` is filled once it is rendered)."""

    case: Case
    kind: str
    version: int
    reference: str
    title: str
    recipient_staff: StaffMember | None
    recipient_user: User | None
    recipient_name: str
    letter_format: str
    facts: dict[str, Any]
    html: str
    resources: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    uuid: uuid.UUID = field(default_factory=uuid.uuid4)
    pdf: bytes | None = None

    @property
    def label(self) -> str:
        return KINDS[self.kind].label


def _resources(school: School) -> dict[str, tuple[bytes, str]]:
    logo = school.logo
    if not logo:
        return {}
    try:
        with logo.open("rb") as file:
            content = file.read()
    except OSError:
        return {}  # a missing logo file must not stop a letter: the text letterhead stands
    content_type = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    return {"logo": (content, content_type)}


def letter_draft(
    *, case: Case, kind: str, facts: dict[str, Any], version: int, letter_format: str | None = None
) -> LetterDraft:
    """Lay out `facts` (from `letter_facts`) in the template of `kind`. Renders no PDF."""
    spec = KINDS[kind]
    staff, user, name, _ = recipient_of(case, kind)
    if letter_format is None:
        letter_format = staff.letter_format if staff else Letter.Format.STANDARD
    large_print = letter_format == Letter.Format.LARGE_PRINT
    reference = f"{case.reference}/{spec.code}-{version}"
    title = f"{spec.label}: {case.reference}"
    html, resources = _lay_out(spec.template, case.school, facts, {
        "kind": kind, "label": spec.label, "reference": reference, "title": title, "version": version,
        "large_print": large_print})
    return LetterDraft(case=case, kind=kind, version=version, reference=reference, title=title,
                       recipient_staff=staff, recipient_user=user, recipient_name=name, letter_format=letter_format,
                       facts=facts, html=html, resources=resources)


def _lay_out(template: str, school: School, facts: dict[str, Any],
             letter: dict[str, Any]) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """The letter's HTML, and the resources it may load (the school's logo)."""
    resources = _resources(school)
    context = {
        **facts,
        "letter": letter,
        "school": {"name": school.name, "address_lines": [line for line in school.address.splitlines() if line.strip()],
                   "motto": school.motto, "hr_contact": school.hr_contact},
        "logo_url": f"{render.RESOURCE_BASE}logo" if resources else "",
        "static": render.STATIC_BASE,
    }
    return engine().get_template(template).render(Context(context)), resources


@dataclass
class RequestLetterDraft:
    """A letter that belongs to no case (`kinds.REQUEST_LETTERS`): about a subject access request."""

    kind: str
    reference: str
    title: str
    recipient: StaffMember
    letter_format: str
    facts: dict[str, Any]
    html: str
    resources: dict[str, tuple[bytes, str]] = field(default_factory=dict)


def request_letter_draft(*, kind: str, request_reference: str, number: int, recipient: StaffMember,
                         facts: dict[str, Any], letter_format: str | None = None) -> RequestLetterDraft:
    """Lay out `facts` in the template of `kind` (one of `REQUEST_LETTERS`), in the recipient's
    format (large print if their staff record asks for it) unless `letter_format` says otherwise.
    Renders no PDF: `render.html_to_pdf(draft.html, resources=draft.resources)` does."""
    code, label = REQUEST_LETTERS[kind]
    letter_format = letter_format or recipient.letter_format
    reference = f"{request_reference}/{code}-{number}"
    title = f"{label}: {request_reference}"
    html, resources = _lay_out(f"letters/{kind}.html", recipient.school, facts, {
        "kind": kind, "label": label, "reference": reference, "title": title, "version": number,
        "large_print": letter_format == Letter.Format.LARGE_PRINT})
    return RequestLetterDraft(kind=kind, reference=reference, title=title, recipient=recipient,
                              letter_format=letter_format, facts=facts, html=html, resources=resources)


def letter_redraft(draft: LetterDraft, *, letter_format: str) -> LetterDraft:
    """The same letter in another format."""
    if draft.letter_format == letter_format:
        return draft
    again = letter_draft(case=draft.case, kind=draft.kind, facts=draft.facts, version=draft.version,
                         letter_format=letter_format)
    return replace(again, uuid=draft.uuid)


def letter_render(draft: LetterDraft) -> bytes:
    """The draft's PDF (rendered once)."""
    if draft.pdf is None:
        draft.pdf = render.html_to_pdf(draft.html, resources=draft.resources)
    return draft.pdf
