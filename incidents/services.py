"""Everything that changes a case goes through a function here.

Each function takes domain objects (never a request), so a view, a management command
and a test call it the same way. Each works in one transaction: it checks, changes the
case, records the event, and either all of it lands or none of it does.

Every step of the procedure is taken by one function, `step_take`, given the step's input
(`incidents.workflow.inputs`): `step_take(case=case, by=manager, given=OpenInvestigation(
investigating_officer=officer))`. Refusals are the exceptions of `incidents.exceptions`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max
from django_fsm import ConcurrentTransition

from incidents import clock, permissions
from incidents.audit import event_record
from incidents.deadlines import due_after
from incidents.evidence_checks import check_evidence_file, safe_copy, safe_name
from incidents.exceptions import CaseConflict, NotPermitted, StepNotAvailable
from incidents.grants import access_sync
from incidents.letters.services import (
    LetterPreview,
    letter_previewed,
    letters_collected,
    letters_event_details,
    letters_for_step,
    letters_store,
)
from incidents.models import Case, CaseEvent, Clause, Evidence, Letter, School, StaffMember
from incidents.monitoring.policy import policy_in_force
from incidents.notifications import notifications_after
from incidents.storage import atomic_with_files
from incidents.workflow import Answer, State, StepInput, inputs, step_of
from incidents.workflow.asking import person_recorded
from incidents.workflow.choices import DocumentKind

User = get_user_model()

# Stands for the product itself as the actor of a step nobody took by hand (an appeal
# window closing). Recorded as an event with no actor.
SYSTEM = object()


# --- Reporting ---------------------------------------------------------------------

@atomic_with_files()
def case_report(*, reporter: Any, school: School, kind: str, description: str, platform: str,
                subject: StaffMember | None = None, clauses: Iterable[Clause] = (), content_url: str = "",
                seen_on: date | None = None, safeguarding: bool = False,
                evidence: Iterable[UploadedFile] = ()) -> Case:
    """Record a concern reported by a member of staff, with any evidence files.

    Gives the case its reference, chooses its case manager (the headteacher, or the chair
    of governors when the headteacher is involved), issues the acknowledgement letter to the
    reporter and records the 'reported' event. A case citing a clause about children is
    flagged for safeguarding. If any file is refused, nothing is recorded.
    """
    errors = {}
    if not permissions.has_role(reporter, school):
        raise NotPermitted(f"You hold no role at {school}, so you cannot report a concern there.")
    if kind not in Case.Kind.values:
        errors["kind"] = "Choose whether this is a suspected breach or a compromised account."
    if platform not in Case.Platform.values:
        errors["platform"] = "Choose where the content was seen."
    if not (description or "").strip():
        errors["description"] = "Describe what happened."
    if subject is not None and subject.school_id != school.pk:
        errors["subject"] = "Choose a member of staff of this school."
    clauses = list(clauses)
    if any(clause.policy_id != school.policy_id for clause in clauses):
        errors["clauses"] = "Choose clauses of this school's policy."
    if seen_on and seen_on > clock.today():
        errors["seen_on"] = "The date it was seen cannot be in the future."
    if errors:
        raise ValidationError(errors)

    safeguarding = safeguarding or any(clause.safeguarding for clause in clauses)
    School.objects.select_for_update().filter(pk=school.pk).exists()  # one number at a time per school
    year = clock.today().year
    last = Case.objects.filter(school=school, year=year).aggregate(last=Max("number"))["last"] or 0
    case = Case.objects.create(
        school=school,
        year=year,
        number=last + 1,
        reference=f"{school.reference_prefix}-{year}-{last + 1:04d}",
        kind=kind,
        reporter=reporter,
        subject=subject,
        platform=platform,
        content_url=content_url,
        seen_on=seen_on,
        description=description,
        safeguarding=safeguarding,
        policy=policy_in_force(school, seen_on or clock.today()),
        # KCSIE: the LADO is told within one working day of the concern arising, here the report
        lado_due_on=due_after("lado_referral", school, clock.today()) if safeguarding else None,
        case_manager=permissions.choose_case_manager(school=school, reporter=reporter, subject=subject),
    )
    case.clauses.set(clauses)
    access = access_sync(case=case)
    letters = letters_for_step(case=case, kinds=[Letter.Kind.ACKNOWLEDGEMENT], by=reporter, arguments={})
    event = event_record(case=case, kind=CaseEvent.Kind.REPORTED, actor=reporter, to_state=case.state,
                         details={"clauses": [clause.ref for clause in clauses],
                                  "case_manager": person_recorded(case.case_manager), "access": access}
                         | letters_event_details(letters))
    letters_store(letters, event=event, by=reporter)
    notifications_after(case, event)  # emails, sent by the worker once this commits
    for upload in evidence:
        evidence_add(case=case, by=reporter, file=upload)
    return case


# --- Evidence ----------------------------------------------------------------------

@atomic_with_files()
def evidence_add(*, case: Case, by: Any, file: UploadedFile | None = None, link: str = "",
                 description: str = "") -> Evidence:
    """Attach a file (PNG, JPEG or PDF, at most 10 MB; see `check_evidence_file`) or a link, by
    the case manager, the investigating officer, or the reporter while their report is open.

    The file is stored under a random name outside any public URL, with its SHA-256.
    Records an 'evidence added' event.
    """
    # The reporter may add to their own report while it is open (the acknowledgement asks them
    # for anything more): what they add is read by the rule for evidence, like the rest.
    if not (permissions.can_manage_case(by, case) or permissions.can_investigate(by, case)
            or (permissions.can_view_own_report(by, case) and case.is_open)):
        raise NotPermitted("You cannot add evidence to this case.")
    if bool(file) == bool(link):
        raise ValidationError("Add either a file or a link.")
    evidence = _evidence_stored(case=case, by=by, file=file, link=link, description=description)
    event_record(case=case, kind=CaseEvent.Kind.EVIDENCE_ADDED, actor=by,
                 details={"evidence": str(evidence.uuid), "name": evidence.original_name or link,
                          "sha256": evidence.sha256})
    return evidence


@atomic_with_files()
def report_evidence_add(*, case: Case, by: Any, files: Iterable[UploadedFile], description: str = "") -> list[Evidence]:
    """The reporter adds files to their own open report, all or none (`evidence_add` for each:
    an 'evidence added' event on the timeline each). Seen by whoever may see the case's evidence
    and by the reporter, as evidence always is."""
    files = list(files)
    if not files:
        raise ValidationError({"evidence": "Choose a file to add."})
    return [evidence_add(case=case, by=by, file=file, description=description) for file in files]


def _evidence_stored(*, case: Case, by: Any, file: UploadedFile | None = None, link: str = "",
                     description: str = "", kind: str = DocumentKind.EVIDENCE, field: str = "file") -> Evidence:
    """Check and store a file (or keep a link) on the case; a refused file's message is keyed
    by `field`, the input that gave it."""
    evidence = Evidence(case=case, added_by=by, link=link, description=description, kind=kind)
    if file:
        try:
            content_type = check_evidence_file(file)
        except ValidationError as problem:
            raise ValidationError({field: problem.messages}) from None
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        evidence.original_name = safe_name(file.name or "")
        evidence.content_type = content_type
        evidence.size = file.size
        evidence.sha256 = digest.hexdigest()
        evidence.file.save("evidence", file, save=False)
        copy = safe_copy(file, content_type)
        if copy is not None:
            evidence.safe_file.save("safe", ContentFile(copy), save=False)
    evidence.full_clean(exclude=["file"])
    evidence.save()
    return evidence


def _documents_stored(case: Case, by: Any, given: StepInput) -> dict[str, Any]:
    """Store the files a step's input gives (its `document` inputs) as documents of the case; what
    the step's event records of each: its name, kind and hash."""
    recorded = {}
    for name, ask in given.asks():
        upload = getattr(given, name)
        if ask.answer != Answer.DOCUMENT or not upload:
            continue
        kind = ask.document_kind(given) if callable(ask.document_kind) else ask.document_kind
        description = getattr(given, "description", "") or DocumentKind(kind).label
        stored = _evidence_stored(case=case, by=by, file=upload, kind=kind, description=description, field=name)
        recorded[name] = {"evidence": str(stored.uuid), "name": stored.original_name, "sha256": stored.sha256}
    return recorded


# --- Steps of the procedure ----------------------------------------------------------

def step_take(*, case: Case, by: Any, given: StepInput, note: str = "") -> CaseEvent:
    """Take the step whose input is `given` (say `OpenInvestigation(...)`) on behalf of `by`.

    Checks the person's permission, the stage, the step's conditions and that every required
    input is there, in that order, so the refusal names the first thing in the way. Then, in one
    transaction: runs the transition, saves the case (refused if the case changed meanwhile),
    sets any panel the step chose, re-applies the rules of who sees what, renders the letters
    the step issues, records the event (which lists them and the input) and stores the letters.
    If a letter cannot be rendered, the step does not happen. `by` may be `SYSTEM`.
    """
    step = step_of(given)
    current = getattr(case, step.field)
    if by is not SYSTEM and not step.who.may(by, case):
        raise NotPermitted(f"Only {step.who.words} can do this: “{step.label}”.")
    if not step.leaves_from(case):
        stage = dict(step.machine.choices or ()).get(current, current)
        raise StepNotAvailable(f"“{step.label}” is not possible at this stage ({stage}).")
    unmet = step.unmet_condition(case)
    if unmet:
        raise StepNotAvailable(unmet)
    missing = given.missing()
    if missing:
        raise ValidationError(missing)
    try:
        with atomic_with_files():
            getattr(case, step.name)(given)
            case.save()
            for panel, members in case.__dict__.pop("chosen_panels", {}).items():
                getattr(case, panel).set(members)
            actor = None if by is SYSTEM else by
            documents = _documents_stored(case, actor, given)
            access = access_sync(case=case)
            letters = letters_for_step(case=case, kinds=step.letters_issued(case, given, current), by=actor,
                                       arguments=given.arguments())
            event = event_record(
                case=case, kind=CaseEvent.Kind.TRANSITION, actor=actor, transition=step.name,
                from_state=current, to_state=getattr(case, step.field), note=note,
                details=given.recorded() | documents | {"access": access} | letters_event_details(letters),
            )
            letters_store(letters, event=event, by=actor)
            notifications_after(case, event)  # emails, sent by the worker once this commits
            return event
    except ConcurrentTransition:
        case.refresh_from_db()
        raise CaseConflict(
            f"Someone else changed case {case.reference} while you were working on it. "
            "Nothing was saved: look at the case again before you try."
        ) from None
    except BaseException:
        case.__dict__.pop("chosen_panels", None)
        case.refresh_from_db()  # the in-memory case must not claim a change that did not land
        raise


def cases_close_after_appeal_window() -> list[Case]:
    """Close every case whose outcome can no longer be appealed: the window passed with no
    appeal lodged. The product itself is the actor. Returns the cases closed."""
    closed = []
    lapsed = Case.objects.filter(state=State.OUTCOME_ISSUED, appeal_deadline__lt=clock.today())
    for case in lapsed.select_related("school").order_by("pk"):
        try:
            step_take(case=case, by=SYSTEM, given=inputs.Close(
                reason=f"The appeal window closed on {case.appeal_deadline:%d/%m/%Y} with no appeal lodged."))
        except CaseConflict:
            continue  # someone acted on it meanwhile; it is no longer ours to close
        closed.append(case)
    return closed


class _Discard(Exception):
    pass


def step_preview(*, case: Case, by: Any, given: StepInput) -> list[LetterPreview]:
    """The letters the step taking `given` would issue if `by` took it now, exactly as they
    would be issued, and nothing stored.

    The step is really tried: its permission, stage, conditions and input are checked, and
    refusals are raised just as `step_take` raises them, inside a transaction that is always
    rolled back; `case` itself is left untouched. An empty list: the step, with this input,
    issues no letter.
    """
    with letters_collected() as collected:
        try:
            with atomic_with_files():  # whatever the step saved goes with it
                step_take(case=Case.objects.get(pk=case.pk), by=by, given=given)
                raise _Discard
        except _Discard:
            pass
    return [letter_previewed(draft) for draft in collected]


__all__ = ["SYSTEM", "CaseConflict", "NotPermitted", "StepNotAvailable", "case_report",
           "cases_close_after_appeal_window", "evidence_add", "step_preview", "step_take"]
