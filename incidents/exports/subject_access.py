"""Subject access: everything held about one member of staff, across the cases HR may export.

A member of staff appears in a case as the employee concerned, as its reporter, or named in
it (case manager, investigating officer, hearing or appeal panel, recipient of a letter, or
acting on the timeline). What each case shows of itself is that person's own reading
(`permissions.reading_for_subject_access`), presented by the one presenter (`incidents.timeline`):
the employee concerned everything held about them; a reporter what they gave, the letters to
them and the plain status of their report; anyone else what they may see of the case.

The ZIP holds `subject-access.json` (for programs), `subject-access.html` (for a person to
read), the letters addressed to them and, where they are the employee concerned or the
reporter, the evidence files they may see; with a `manifest.json` of hashes.

With `redact_others`, every other person's name is replaced by "[redacted]" in the JSON and
the HTML, in names and in free text alike. Evidence files (screenshots, PDFs) cannot be
redacted automatically, so they are then listed with their hashes but left out, for HR to
review by hand. Letters addressed to the person are included as they received them.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string

from incidents import clock
from incidents.evidence_checks import safe_name
from incidents.exports.archive import ManifestZip
from incidents.exports.bundle import Made, _read_checked
from incidents.exports.records import export_record
from incidents.models import Case, StaffMember
from incidents.models.exports import ExportKind
from incidents.names import display_name as person_name
from incidents.permissions import reading_for_subject_access
from incidents.selectors import cases_exportable_by
from incidents.timeline import ACCESS_KINDS, plain_status, timeline_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REDACTED = "[redacted]"


def people_for_subject_access(user: User) -> QuerySet[StaffMember]:
    """The staff whose records `user` may export: the staff of schools with cases they may export."""
    return (StaffMember.objects.filter(school__in=cases_exportable_by(user).values("school"))
            .select_related("school", "user").order_by("full_name"))


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


def subject_access_build(*, staff: StaffMember, by: User, redact_others: bool) -> Made:
    """Make the subject access ZIP about `staff` and record the export (an `ExportRecord`, and an
    'exported' event on each case it holds)."""
    if not people_for_subject_access(by).filter(pk=staff.pk).exists():
        raise PermissionDenied("You cannot export records about this person.")
    own_names = {staff.full_name} | ({person_name(staff.user)} if staff.user_id else set())
    cases = list(subject_cases(staff=staff, by=by).order_by("reported_at", "pk"))
    archive = ManifestZip({"export": "casework subject access", "person": staff.full_name,
                           "made_at": clock.now(), "made_by": person_name(by), "redacted": redact_others})
    held = []
    other_names: set[str] = set()
    for case in cases:
        roles = _roles(case, staff)
        reading = reading_for_subject_access(staff, case)
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
        for value in people.values():
            other_names.update(value if isinstance(value, list) else [value] if value else [])
        people = {role: "; ".join(value) if isinstance(value, list) else value
                  for role, value in people.items() if value}
        for event in case.events.select_related("actor").exclude(kind__in=ACCESS_KINDS):
            if event.actor_id:
                other_names.add(person_name(event.actor))
            _names_in(event.details, other_names)
        other_names.update(letter.recipient_name for letter in case.letters.all()
                           if letter.recipient_user_id or letter.recipient_staff_id)
        timeline = [{"when": entry.when, "when_words": entry.when_words, "who": entry.who, "what": entry.what,
                     "change": entry.change,
                     "details": [{"label": label, "text": text} for label, text in entry.details]}
                    for entry in timeline_for(case, reading)]
        first_hand = "employee concerned" in roles or "reporter" in roles
        letters = []
        mine = Q(recipient_staff=staff) | (Q(recipient_user=staff.user_id) if staff.user_id else Q(pk__in=[]))
        for letter in case.letters.filter(mine).order_by("issued_at", "pk"):
            content = _read_checked(letter.pdf, letter.sha256, f"Letter {letter.reference}")
            path = archive.add(f"letters/{letter.reference.replace('/', '-')}.pdf", content)
            letters.append({"reference": letter.reference, "title": letter.title, "issued_at": letter.issued_at,
                            "file": path, "sha256": letter.sha256})
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
            "kind": case.get_kind_display(),
            "stage": case.get_state_display() if reading.whole_case else plain_status(case),
            "reported_at": case.reported_at,
            "description": case.description if first_hand else None,
            "clauses": [clause.ref for clause in case.clauses.all()],
            "outcome": (case.get_outcome_display() or None) if reading.whole_case else None,
            "warning_expires_on": case.warning_expires_on if reading.whole_case else None,
            "people": people, "timeline": timeline, "letters": letters, "evidence": evidence,
        })
    redact = _Redactor(own_names, other_names, redact_others)
    held = redact(held)
    person = {"name": staff.full_name, "job_title": staff.job_title, "school": staff.school.name,
              "email": staff.email}
    document = {"person": person, "made_at": clock.now(), "made_by": person_name(by),
                "others_redacted": redact_others, "cases": held}
    archive.add("subject-access.json",
                json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode())
    archive.add("subject-access.html", render_to_string("incidents/exports/subject_access_document.html",
                                                        {"document": document}).encode())
    archive.add("subject-access.css", _stylesheet())  # the page's style, beside it: no inline style
    file, sha256, size = archive.close()
    record = export_record(by=by, kind=ExportKind.SUBJECT_ACCESS, file_format="zip", rows=len(archive.entries),
                  cases=cases, sha256=sha256, what=f"Subject access export about {staff.full_name}",
                  filters={"staff_member": staff.pk, "name": staff.full_name, "redact_others": redact_others})
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
