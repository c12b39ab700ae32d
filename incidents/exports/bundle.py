"""The case bundle, for a hearing panel, an appeal panel or a tribunal.

One PDF — cover, index, chronology, the report, the investigation record, the list of
evidence with hashes, then every letter issued on the case (merged with pypdf, each
bookmarked) — and a ZIP holding that PDF, the original evidence files, the letters and a
`manifest.json` of SHA-256 hashes (`archive.archive_verify`, `manage.py verify_bundle`).

A bundle holds what its audience may see (`permissions.reading_for_audience`): a panel's bundle
nothing the panel may not see on the case page (no special category details, no LADO referral
letter, no letter telling the LADO's outcome); a tribunal's bundle what the HR adviser making it
may see. The chronology and the investigation record are the case's timeline as that reader reads
it (`incidents.timeline`), in plain words; the grants, hashes and sequence numbers of each event
are in a technical appendix, only when HR asks for it in a tribunal's bundle.

The bundle's own pages are laid out from `templates/incidents/exports/bundle.html` and rendered
by the letters' renderer (WeasyPrint, no URL but the app's static files); its headings become
the PDF's bookmarks. Evidence and letters are checked against the hashes recorded when they
were added or issued: a stored file that no longer matches stops the bundle, naming the file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import pypdf
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context
from pypdf.errors import PyPdfError

from incidents import clock, permissions
from incidents.evidence_checks import safe_name
from incidents.exports.archive import ManifestZip
from incidents.exports.records import export_record
from incidents.letters import render
from incidents.letters.documents import engine
from incidents.models import Case
from incidents.models.exports import ExportKind
from incidents.monitoring.policy import acknowledgement_of
from incidents.names import display_name
from incidents.permissions import Reading, reading_for_audience
from incidents.timeline import timeline_for
from incidents.workflow.choices import REPORTING_RESTRICTION

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.files import FieldFile

    from incidents.models import ExportRecord

# Who a bundle is for, in words ("the appeal panel"); what each may see is the reading rule's.
PURPOSES = {purpose: words for purpose, (words, _) in permissions.AUDIENCES.items()}

# The steps that make up the investigation record: establishing the facts, the hearing, the appeal.
INVESTIGATION_STEPS = {"open_investigation", "escalate", "record_lado_outcome", "reopen", "refer_to_hearing",
                       "reschedule", "record_outcome", "lodge_appeal", "decide_appeal", "close_no_case",
                       "give_management_advice"}
TEMPLATE = "incidents/exports/bundle_document.html"


class BundleError(Exception):
    """A stored file no longer matches the hash recorded for it: the bundle is not made."""


@dataclass
class Made:
    """A finished export file, open at its start."""

    file: IO[bytes]
    filename: str
    sha256: str
    size: int
    files: int
    record: ExportRecord | None = None


def _read_checked(field_file: FieldFile, expected: str, label: str) -> bytes:
    try:
        with field_file.open("rb") as file:
            content = file.read()
    except OSError:
        raise BundleError(f"{label}: the stored file is missing.") from None
    if hashlib.sha256(content).hexdigest() != expected:
        raise BundleError(f"{label}: the stored file does not match the SHA-256 recorded for it.")
    return content


def _pages(pdf: bytes) -> int | None:
    try:
        return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    except (PyPdfError, ValueError, KeyError, OSError):
        return None


def bundle_parts(case: Case, reading: Reading, *, technical: bool = False) -> dict[str, Any]:
    """Everything the bundle holds for `reading`, read and checked: the evidence and letters that
    reader may see, with their bytes; the chronology and the investigation record as that reader
    reads them; with `technical`, the technical appendix."""
    evidence = []
    for number, item in enumerate(reading.evidence(case), start=1):
        entry = {"number": number, "item": item, "added_by": display_name(item.added_by), "path": "",
                 "content": None}
        if item.file:
            entry["content"] = _read_checked(item.file, item.sha256, f"Evidence {item.original_name}")
            entry["path"] = f"evidence/{number:02d}-{safe_name(item.original_name) or 'file'}"
        evidence.append(entry)
    letters = []
    for number, letter in enumerate(reading.letters(case), start=1):
        content = _read_checked(letter.pdf, letter.sha256, f"Letter {letter.reference}")
        letters.append({"number": number, "letter": letter, "content": content, "pages": _pages(content),
                        "path": f"letters/{number:02d}-{letter.reference.replace('/', '-')}.pdf",
                        "issued_by": display_name(letter.issued_by), "start": None})
    chronology = timeline_for(case, reading)
    return {"evidence": evidence, "letters": letters, "chronology": chronology,
            "investigation": [entry for entry in chronology if entry.step in INVESTIGATION_STEPS],
            "appendix": timeline_for(case, reading, technical=True) if technical else []}


def bundle_pdf(case: Case, *, purpose: str, by: User, parts: dict[str, Any] | None = None) -> bytes:
    """The bundle as one PDF: its own pages, then every letter, each a bookmark. Renders twice, so
    the index can give the page where each letter starts."""
    parts = parts or bundle_parts(case, reading_for_audience(case, purpose))
    context = {
        "case": case, "school": case.school, "purpose": PURPOSES[purpose], "made_at": clock.now(),
        "reporting_restriction": REPORTING_RESTRICTION,
        "made_by": display_name(by), "clauses": list(case.clauses.order_by("position")),
        "policy": case.policy or case.school.policy,
        "acknowledgement": acknowledgement_of(case.subject, case.policy or case.school.policy),
        "reporter": display_name(case.reporter), "case_manager": display_name(case.case_manager),
        "investigating_officer": display_name(case.investigating_officer) if case.investigating_officer else "",
        "hearing_panel": [display_name(u) for u in case.hearing_panel.all()],
        "appeal_panel": [display_name(u) for u in case.appeal_panel.all()],
        **parts,
    }
    template = engine().get_template(TEMPLATE)
    own = render.html_to_pdf(template.render(Context(context)))
    own_pages = _pages(own)
    if own_pages is None:
        raise BundleError("The bundle's pages could not be laid out.")
    start = own_pages + 1
    for entry in parts["letters"]:
        if entry["pages"]:
            entry["start"] = start
            start += entry["pages"]
    own = render.html_to_pdf(template.render(Context(context)))
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(own))
    starts = []
    for entry in parts["letters"]:
        if entry["pages"]:
            starts.append((len(writer.pages), entry["letter"]))
            writer.append(io.BytesIO(entry["content"]), import_outline=False)
    if starts:
        parent = writer.add_outline_item(title="The letters, as issued", page_number=starts[0][0])
        for first, letter in starts:
            writer.add_outline_item(title=f"{letter.title} ({letter.reference})", page_number=first, parent=parent)
    writer.add_metadata({"/Title": f"Case bundle {case.reference}", "/Author": case.school.name})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


TECHNICAL_REFUSED = ("A technical appendix goes only into a bundle for a tribunal: "
                     "a panel sees no grants, hashes or record numbers on the case page.")


def bundle_build(*, case: Case, by: User, purpose: str, technical: bool = False) -> Made:
    """Make the case bundle ZIP for `purpose` ("hearing", "appeal", "tribunal"), holding what that
    audience may see, with a technical appendix if `technical` (a tribunal's bundle only:
    ValidationError otherwise), and record the export (an `ExportRecord`, and an 'exported'
    event on the case). Only someone who may export the case may make it."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose: {purpose}")
    if not permissions.can_export_case(by, case):
        raise PermissionDenied("You cannot export this case.")
    reading = reading_for_audience(case, purpose)
    if technical and not reading.technical_appendix:
        raise ValidationError(TECHNICAL_REFUSED)
    parts = bundle_parts(case, reading, technical=technical)
    pdf = bundle_pdf(case, purpose=purpose, by=by, parts=parts)
    archive = ManifestZip({"bundle": "casework case bundle", "case": case.reference, "school": case.school.name,
                           "purpose": PURPOSES[purpose], "made_at": clock.now(), "made_by": display_name(by)})
    archive.add(f"{case.reference}-bundle.pdf", pdf)
    for entry in parts["evidence"]:
        if entry["content"] is not None:
            archive.add(entry["path"], entry["content"])
    for entry in parts["letters"]:
        archive.add(entry["path"], entry["content"])
    file, sha256, size = archive.close()
    record = export_record(by=by, kind=ExportKind.BUNDLE, file_format="zip", rows=len(archive.entries), cases=[case],
                  filters={"case": case.reference, "purpose": purpose, "technical": technical}, sha256=sha256,
                  what=f"Case bundle for {PURPOSES[purpose]}" + (", with a technical appendix" if technical else ""))
    return Made(file=file, filename=f"{case.reference}-bundle-{clock.today().isoformat()}.zip", sha256=sha256,
                size=size, files=len(archive.entries), record=record)
