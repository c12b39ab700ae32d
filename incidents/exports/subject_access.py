"""Subject access: the pack answering a subject access request (`SubjectAccessRequest`): everything
held about one member of staff, across the cases the HR adviser may export.

A member of staff appears in a case as the employee concerned, as its reporter, or named in
it (case manager, investigating officer, hearing or appeal panel, recipient of a letter, or
acting on the timeline). What each case shows of itself is that person's own reading
(`permissions.reading_for_subject_access`), presented by the one presenter (`incidents.timeline`):
the employee concerned everything held about them; a reporter what they gave, the letters to
them and the plain status of their report; anyone else what they may see of the case.

The ZIP holds `subject-access.json` (for programs), `subject-access.html` (for a person to
read), the letters addressed to them and, where they are the employee concerned or the
reporter, the evidence files they may see; with a `manifest.json` of hashes.

Other people's names (the reporter, witnesses, other staff: anyone but the requester) are
replaced by "[redacted]" by default, in the JSON, the HTML and the enclosed letters alike, in names
and in free text: each letter is laid out again from the facts it was issued with, those facts
redacted, and rendered anew (marked as a copy). Evidence files (screenshots, PDFs) cannot be
redacted automatically, so they are then listed with their hashes but left out, for HR to review by
hand. HR may leave the names in only with a recorded reason.

Before a pack holding a case with a live referral to the LADO is made (a safeguarding case still
open: the referral due, awaiting the LADO's advice, or being acted on), the HR adviser must confirm
they have considered it (disclosure may prejudice the LADO's or the police's enquiries); the
confirmation is recorded. Each pack is recorded (an `ExportRecord` naming the request), and on the
timeline of each case it holds, in plain words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string

from incidents import clock
from incidents.audit import events_record
from incidents.evidence_checks import safe_name
from incidents.exports.archive import ManifestZip
from incidents.exports.bundle import Made, _read_checked
from incidents.exports.records import export_record
from incidents.exports.subject_access_requests import people_for_subject_access, request_details
from incidents.letters.documents import letter_draft, letter_render
from incidents.models import Case, CaseEvent, Letter, StaffMember, SubjectAccessRequest
from incidents.models.exports import ExportKind
from incidents.names import display_name as person_name
from incidents.permissions import Reading, can_handle_subject_access, reading_for_subject_access
from incidents.selectors import cases_exportable_by
from incidents.timeline import ACCESS_KINDS, date_words, plain_status, timeline_for
from incidents.workflow import State
from incidents.workflow.choices import REPORTING_RESTRICTION

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REDACTED = "[redacted]"
NOT_REDACTED_NEEDS_REASON = "Say why other people's names are left in: the reason is recorded with the pack."
LADO_NOT_CONFIRMED = ("A case in this pack has a live referral to the LADO, or the police or children's social care "
                      "are acting on it. Confirm that you have considered it before the records are released.")

__all__ = ["LADO_NOT_CONFIRMED", "NOT_REDACTED_NEEDS_REASON", "live_lado_referrals", "people_for_subject_access",
           "subject_access_build", "subject_cases"]


def subject_cases(*, staff: StaffMember, by: User) -> QuerySet[Case]:
    """The cases `by` may export that hold anything about `staff`."""
    about = Q(subject=staff) | Q(letters__recipient_staff=staff)
    if staff.user_id:
        user = staff.user_id
        about |= (Q(subject__user=user) | Q(reporter=user) | Q(case_manager=user) | Q(investigating_officer=user)
                  | Q(hearing_panel=user) | Q(appeal_panel=user) | Q(letters__recipient_user=user)
                  | Q(events__actor=user))
    cases = Case.objects.filter(pk__in=cases_exportable_by(by).values("pk")).filter(about).distinct()
    return cases.select_related("school", "subject", "reporter", "case_manager", "investigating_officer")


def _roles(case: Case, staff: StaffMember) -> list[str]:
    user = staff.user_id
    roles = []
    if case.subject_id == staff.pk or (user and case.subject and case.subject.user_id == user):
        roles.append("employee concerned")
    if user:
        if case.reporter_id == user:
            roles.append("reporter")
        if case.case_manager_id == user:
            roles.append("case manager")
        if case.investigating_officer_id == user:
            roles.append("investigating officer")
        if case.hearing_panel.filter(pk=user).exists():
            roles.append("hearing panel")
        if case.appeal_panel.filter(pk=user).exists():
            roles.append("appeal panel")
    return roles or ["named in the case"]


class _Redactor:
    """Replaces other people's names, wherever they appear."""

    def __init__(self, keep: set[str], others: set[str], active: bool) -> None:
        names = {name for name in others if name and name.strip() and name not in keep}
        self.active = active and bool(names)
        longest_first = sorted(names, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in longest_first)) if names else None

    def __call__(self, value: Any) -> Any:
        if not self.active or self.pattern is None or value is None:  # active holds a pattern
            return value
        if isinstance(value, str):
            return self.pattern.sub(REDACTED, value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


def _names_in(value: Any, into: set[str]) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("name"), str):
            into.add(value["name"])
        for item in value.values():
            _names_in(item, into)
    elif isinstance(value, list):
        for item in value:
            _names_in(item, into)


def _people(case: Case, reading: Reading) -> dict[str, str | list[str] | None]:
    people: dict[str, str | list[str] | None] = {
        "employee concerned": case.subject.full_name if case.subject else None,
        "reporter": person_name(case.reporter),
    }
    if reading.whole_case:
        people |= {
            "case manager": person_name(case.case_manager),
            "investigating officer": (person_name(case.investigating_officer)
                                      if case.investigating_officer else None),
            "hearing panel": [person_name(u) for u in case.hearing_panel.all()],
            "appeal panel": [person_name(u) for u in case.appeal_panel.all()],
        }
    return people


def _names_of_others(cases: list[Case], staff: StaffMember) -> set[str]:
    """Every name of a person the cases hold: in their people, events and letters."""
    names: set[str] = set()
    for case in cases:
        for value in _people(case, reading_for_subject_access(staff, case)).values():
            names.update(value if isinstance(value, list) else [value] if value else [])
        for event in case.events.select_related("actor").exclude(kind__in=ACCESS_KINDS):
            if event.actor_id:
                names.add(person_name(event.actor))
            _names_in(event.details, names)
        for letter in case.letters.all():
            if letter.recipient_user_id or letter.recipient_staff_id:
                names.add(letter.recipient_name)
            _names_in(letter.facts, names)
    return names


def _letter_copy(letter: Letter, redact: _Redactor) -> bytes:
    """The letter laid out again from the facts it was issued with, other people's names redacted,
    and marked as a copy made for the request."""
    facts = redact(letter.facts) | {"copy_note": (
        f"A copy made on {date_words(clock.today())} in answer to your subject access request: other "
        f"people's names are replaced by “{REDACTED}”.")}
    return letter_render(letter_draft(case=letter.case, kind=letter.kind, facts=facts, version=letter.version,
                                      letter_format=letter.letter_format))


def live_lado_referrals(cases: Iterable[Case]) -> list[str]:
    """The cases with a live referral to the LADO, or on which the police or children's social care
    are acting, in words for the warning: an open case whose referral is due, awaits the LADO's
    advice or is being acted on, or whose procedure is paused while others act."""
    live = []
    for case in cases:
        if not case.is_open:
            continue
        said = []
        if case.safeguarding and case.state == State.SAFEGUARDING_REFERRAL:
            referred = clock.localdate(case.lado_referred_at) if case.lado_referred_at else None
            said.append("referred to the LADO" + (f" on {date_words(referred)}" if referred else "") +
                        ", awaiting its advice")
        elif case.safeguarding and case.lado_referred_at is None and case.harm_threshold_met is not False:
            said.append("a safeguarding concern still to be referred to the LADO")
        elif case.safeguarding and case.lado_referred_at is not None:
            said.append("the LADO has advised and the case is still open")
        if case.paused_on is not None:
            said.append(f"{case.get_agencies_acting_display().lower()} acting on it since "
                        f"{date_words(case.paused_on)}")
        if said:
            live.append(f"Case {case.reference}: {'; '.join(said)}.")
    return live


def subject_access_build(*, request: SubjectAccessRequest, by: User, redact_others: bool = True,
                         not_redacted_reason: str = "", lado_considered: bool = False) -> Made:
    """Make the pack answering `request`: a ZIP of everything held about its requester, other
    people's names redacted unless `redact_others` is False with `not_redacted_reason`. Refused
    (ValidationError, nothing recorded) without that reason, and when a case in it has a live
    LADO referral that `lado_considered` does not confirm. Records the export (an `ExportRecord`
    naming the request and its cases, an 'exported' event on each case) and puts the pack on the
    timeline of each case it holds."""
    staff = request.staff
    if not can_handle_subject_access(by, staff.school):
        raise PermissionDenied("You cannot export records about this person.")
    not_redacted_reason = not_redacted_reason.strip()
    if not redact_others and not not_redacted_reason:
        raise ValidationError({"not_redacted_reason": NOT_REDACTED_NEEDS_REASON})
    own_names = {staff.full_name} | ({person_name(staff.user)} if staff.user_id else set())
    cases = list(subject_cases(staff=staff, by=by).order_by("reported_at", "pk"))
    live = live_lado_referrals(cases)
    if live and not lado_considered:
        raise ValidationError({"lado_considered": LADO_NOT_CONFIRMED})
    redact = _Redactor(own_names, _names_of_others(cases, staff), redact_others)
    archive = ManifestZip({"export": "casework subject access", "request": request.reference,
                           "person": staff.full_name, "school": staff.school.name, "made_at": clock.now(),
                           "made_by": person_name(by),
                           "redacted": redact_others})
    held = []
    for case in cases:
        roles = _roles(case, staff)
        reading = reading_for_subject_access(staff, case)
        people = {role: "; ".join(value) if isinstance(value, list) else value
                  for role, value in _people(case, reading).items() if value}
        timeline = [{"when": entry.when, "when_words": entry.when_words, "who": entry.who, "what": entry.what,
                     "change": entry.change,
                     "details": [{"label": label, "text": text} for label, text in entry.details]}
                    for entry in timeline_for(case, reading)]
        first_hand = "employee concerned" in roles or "reporter" in roles
        letters = []
        mine = Q(recipient_staff=staff) | (Q(recipient_user=staff.user_id) if staff.user_id else Q(pk__in=[]))
        for letter in case.letters.filter(mine).order_by("issued_at", "pk"):
            content = _read_checked(letter.pdf, letter.sha256, f"Letter {letter.reference}")
            if redact.active:
                content = _letter_copy(letter, redact)
            path = archive.add(f"letters/{letter.reference.replace('/', '-')}.pdf", content)
            letters.append({"reference": letter.reference, "title": letter.title, "issued_at": letter.issued_at,
                            "file": path, "sha256": letter.sha256, "redacted_copy": redact.active})
        evidence = []
        for item in reading.evidence(case):
            entry = {"name": item.original_name or item.link, "added_at": item.added_at, "sha256": item.sha256,
                     "file": None}
            if item.file and first_hand and not redact_others:
                content = _read_checked(item.file, item.sha256, f"Evidence {item.original_name}")
                entry["file"] = archive.add(f"evidence/{case.reference}/{safe_name(item.original_name)}", content)
            evidence.append(entry)
        held.append({
            "reference": case.reference, "school": case.school.name, "roles": roles,
            "reporting_restriction": REPORTING_RESTRICTION if case.reporting_restricted else None,
            "kind": case.get_kind_display(),
            "stage": case.get_state_display() if reading.whole_case else plain_status(case),
            "reported_at": case.reported_at,
            "description": case.description if first_hand else None,
            "clauses": [clause.ref for clause in case.clauses.all()],
            "outcome": (case.get_outcome_display() or None) if reading.whole_case else None,
            "warning_expires_on": case.warning_expires_on if reading.whole_case else None,
            "people": people, "timeline": timeline, "letters": letters, "evidence": evidence,
        })
    held = redact(held)
    person = {"name": staff.full_name, "job_title": staff.job_title, "school": staff.school.name,
              "email": staff.email}
    document = {"person": person, "request": {"reference": request.reference, "received_on": request.received_on,
                                              "due_on": request.due_on},
                "made_at": clock.now(), "made_by": person_name(by), "others_redacted": redact_others,
                "not_redacted_reason": not_redacted_reason if not redact_others else "", "cases": held}
    archive.add("subject-access.json",
                json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode())
    archive.add("subject-access.html", render_to_string("incidents/exports/subject_access_document.html",
                                                        {"document": document}).encode())
    archive.add("subject-access.css", _stylesheet())  # the page's style, beside it: no inline style
    file, sha256, size = archive.close()
    others = "Redacted" if redact_others else f"Left in: {not_redacted_reason}"
    on_timeline = request_details(request) | {"others_names": others} | (
        {"lado_referral": "Considered by the HR adviser before the export"} if live else {})
    with transaction.atomic():
        record = export_record(
            by=by, kind=ExportKind.SUBJECT_ACCESS, file_format="zip", rows=len(archive.entries), cases=cases,
            sha256=sha256, what=f"Subject access export about {staff.full_name}",
            filters={"request": str(request.uuid), "staff_member": staff.pk, "name": staff.full_name,
                     "redact_others": redact_others, "not_redacted_reason": not_redacted_reason,
                     "lado_considered": live, "cases": [case.pk for case in cases]})
        events_record([CaseEvent(case=case, kind=CaseEvent.Kind.SUBJECT_ACCESS_PACK, actor=by, details=on_timeline)
                       for case in cases])
    slug = re.sub(r"[^A-Za-z0-9]+", "-", staff.full_name).strip("-").lower() or "person"
    return Made(file=file, filename=f"subject-access-{slug}-{clock.today().isoformat()}.zip", sha256=sha256,
                size=size, files=len(archive.entries), record=record)


def _stylesheet() -> bytes:
    """The subject access page's stylesheet, from the app's static files."""
    path = finders.find("exports/subject-access.css")
    if not isinstance(path, str):
        raise FileNotFoundError("incidents/static/exports/subject-access.css")
    with open(path, "rb") as file:
        return file.read()
