"""Everything that changes a case goes through a function here.

Each function takes domain objects (never a request), so a view, a management command
and a test call it the same way. Each works in one transaction: it checks, changes the
case, records the event, and either all of it lands or none of it does.

Refusals are exceptions with a sentence for the person:
- `StepNotAvailable`: the case is not at a stage where the step can be taken, or a
  condition of the procedure does not hold;
- `NotPermitted`: the person may not take this step on this case;
- `django.core.exceptions.ValidationError`: the input is wrong (keyed by field);
- `CaseConflict`: someone else changed the case first.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max
from django_fsm import ConcurrentTransition

from incidents import clock, permissions
from incidents.audit import event_record
from incidents.evidence_checks import check_evidence_file, safe_name
from incidents.grants import access_sync
from incidents.letters.services import letters_event_details, letters_for_step, letters_store
from incidents.models import Case, CaseEvent, Clause, Evidence, School, StaffMember
from incidents.storage import atomic_with_files
from incidents.working_days import add_working_days
from incidents.workflow import State


class StepNotAvailable(Exception):
    """The step cannot be taken at this stage of the case."""


class NotPermitted(PermissionDenied):
    """This person may not take this step on this case."""


class CaseConflict(Exception):
    """Someone else changed the case between reading it and acting on it."""


User = get_user_model()

# Stands for the product itself as the actor of a step nobody took by hand (an appeal
# window closing). Recorded as an event with no actor.
SYSTEM = object()


# --- Reporting ---------------------------------------------------------------------

@atomic_with_files()
def case_report(*, reporter, school: School, kind: str, description: str, platform: str,
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
        safeguarding=safeguarding or any(clause.safeguarding for clause in clauses),
        case_manager=permissions.choose_case_manager(school=school, reporter=reporter, subject=subject),
    )
    case.clauses.set(clauses)
    access = access_sync(case=case)
    letters = letters_for_step(case=case, step="report", by=reporter, arguments={}, from_state="")
    event = event_record(case=case, kind=CaseEvent.Kind.REPORTED, actor=reporter, to_state=case.state,
                         details={"clauses": [clause.ref for clause in clauses],
                                  "case_manager": _person(case.case_manager), "access": access}
                         | letters_event_details(letters))
    letters_store(letters, event=event, by=reporter)
    for upload in evidence:
        evidence_add(case=case, by=reporter, file=upload)
    return case


# --- Evidence ----------------------------------------------------------------------

@atomic_with_files()
def evidence_add(*, case: Case, by, file: UploadedFile | None = None, link: str = "",
                 description: str = "") -> Evidence:
    """Attach a file (PNG, JPEG or PDF, at most 10 MB; see `check_evidence_file`) or a link.

    The file is stored under a random name outside any public URL, with its SHA-256.
    Records an 'evidence added' event.
    """
    if not (permissions.can_manage_case(by, case) or permissions.can_investigate(by, case)
            or (permissions.can_withdraw_report(by, case) and case.state == State.REPORTED)):
        raise NotPermitted("You cannot add evidence to this case.")
    if bool(file) == bool(link):
        raise ValidationError("Add either a file or a link.")
    evidence = Evidence(case=case, added_by=by, link=link, description=description)
    if file:
        try:
            content_type = check_evidence_file(file)
        except ValidationError as problem:
            raise ValidationError({"file": problem.messages}) from None
        digest = hashlib.sha256()
        for chunk in file.chunks():
            digest.update(chunk)
        evidence.original_name = safe_name(file.name)
        evidence.content_type = content_type
        evidence.size = file.size
        evidence.sha256 = digest.hexdigest()
        evidence.file.save("evidence", file, save=False)
    evidence.full_clean(exclude=["file"])
    evidence.save()
    event_record(case=case, kind=CaseEvent.Kind.EVIDENCE_ADDED, actor=by,
                 details={"evidence": str(evidence.uuid), "name": evidence.original_name or link,
                          "sha256": evidence.sha256})
    return evidence


# --- Steps of the procedure ----------------------------------------------------------

def _person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _describe(arguments: dict) -> dict:
    """The step's input as it is kept in the event (people by id and name)."""
    described = {}
    for key, value in arguments.items():
        if isinstance(value, User):
            value = _person(value)
        elif isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
            value = [_person(v) if isinstance(v, User) else v for v in value]
        described[key] = value
    return described


def _take_step(case: Case, by, name: str, *, note: str = "", **arguments) -> CaseEvent:
    """Take the step `name` (a transition of `CaseProcedure`) on behalf of `by`.

    Checks the stage, the person's permission and the step's conditions, in that order, so
    the refusal names the first thing in the way. Then, in one transaction: changes the
    case, saves it (refused if the case changed meanwhile), renders the letters the step
    issues (`incidents.letters.kinds.STEP_LETTERS`), records the event (which lists them)
    and stores the letters. If a letter cannot be rendered, the step does not happen.
    """
    method = getattr(case, name)
    meta = method._django_fsm
    current = meta.field.get_state(case)
    some_transition = next(iter(meta.transitions.values()))
    label = some_transition.custom["label"]
    if not meta.has_transition(current):
        stage = dict(meta.field.choices).get(current, current)
        raise StepNotAvailable(f"“{label}” is not possible at this stage ({stage}).")
    step = meta.get_transition(current)
    if by is not SYSTEM and not step.has_perm(case, by):
        raise NotPermitted(f"Only {step.custom['who']} can do this: “{label}”.")
    for condition in step.conditions:
        if not condition(case):
            raise StepNotAvailable(condition.refusal)
    try:
        with atomic_with_files():
            method(**arguments)
            case.save()
            access = access_sync(case=case)
            actor = None if by is SYSTEM else by
            letters = letters_for_step(case=case, step=name, by=actor, arguments=arguments, from_state=current)
            event = event_record(
                case=case, kind=CaseEvent.Kind.TRANSITION, actor=actor, transition=name,
                from_state=current, to_state=meta.field.get_state(case), note=note,
                details=_describe(arguments) | {"access": access} | letters_event_details(letters),
            )
            letters_store(letters, event=event, by=actor)
            return event
    except ConcurrentTransition:
        case.refresh_from_db()
        raise CaseConflict(
            f"Someone else changed case {case.reference} while you were working on it. "
            "Nothing was saved: look at the case again before you try."
        ) from None
    except BaseException:
        case.refresh_from_db()  # the in-memory case must not claim a change that did not land
        raise


def available_steps(case: Case, user) -> list[str]:
    """The names of the steps this user may take on this case now."""
    steps = list(case.get_available_user_state_transitions(user))
    steps += list(case.get_available_user_suspension_transitions(user))
    return [step.name for step in steps]


def case_withdraw(*, case: Case, by, reason: str = "") -> CaseEvent:
    """The reporter withdraws their report."""
    return _take_step(case, by, "withdraw", reason=reason)


def case_request_content_removal(*, case: Case, by, deadline: date | None = None,
                                 what_to_remove: str = "") -> CaseEvent:
    """Ask the employee to remove the content, by default within the school's removal period.
    Issues the removal request letter; `what_to_remove` says exactly what, if not just the post."""
    deadline = deadline or add_working_days(clock.today(), case.school.removal_deadline_working_days)
    extra = {"what_to_remove": what_to_remove} if what_to_remove else {}
    return _take_step(case, by, "request_content_removal", deadline=deadline, **extra)


def case_confirm_removed(*, case: Case, by, how_confirmed: str) -> CaseEvent:
    return _take_step(case, by, "confirm_removed", how_confirmed=how_confirmed)


def case_escalate(*, case: Case, by, reason: str, investigating_officer=None, meeting_at: datetime | None = None,
                  meeting_place: str = "") -> CaseEvent:
    """Issues the notice of investigation."""
    return _take_step(case, by, "escalate", reason=reason, investigating_officer=investigating_officer,
                      **_meeting(meeting_at, meeting_place))


def case_secure_account(*, case: Case, by, checklist: dict[str, bool]) -> CaseEvent:
    """Issues the takedown request to the platform when the checklist says one is made."""
    return _take_step(case, by, "secure_account", checklist=checklist)


def case_resolve(*, case: Case, by, what_was_done: str) -> CaseEvent:
    return _take_step(case, by, "resolve", what_was_done=what_was_done)


def case_refer_to_lado(*, case: Case, by, allegation: str, concern_arose_on: date | None = None,
                       late_reason: str = "") -> CaseEvent:
    """Record the referral to the Local Authority Designated Officer, as a written record (a letter)."""
    return _take_step(case, by, "refer_to_lado", allegation=allegation, concern_arose_on=concern_arose_on,
                      late_reason=late_reason)


def case_record_low_level_concern(*, case: Case, by, reason: str) -> CaseEvent:
    return _take_step(case, by, "record_low_level_concern", reason=reason)


def case_record_lado_outcome(*, case: Case, by, lado_outcome: str, advice: str, investigate: bool,
                             investigating_officer=None, meeting_at: datetime | None = None,
                             meeting_place: str = "") -> CaseEvent:
    """Issues the notice of investigation, or the no-further-action letter when the case closes."""
    return _take_step(case, by, "record_lado_outcome", lado_outcome=lado_outcome, advice=advice,
                      investigate=investigate, investigating_officer=investigating_officer,
                      **_meeting(meeting_at, meeting_place))


def _meeting(meeting_at: datetime | None, meeting_place: str) -> dict:
    """The investigation meeting's arguments, only when one is arranged (so events stay as they were)."""
    return {"meeting_at": meeting_at, "meeting_place": meeting_place} if meeting_at or meeting_place else {}


def case_open_investigation(*, case: Case, by, investigating_officer, meeting_at: datetime | None = None,
                            meeting_place: str = "") -> CaseEvent:
    """Issues the notice of investigation (with the investigation meeting, if arranged now)."""
    return _take_step(case, by, "open_investigation", investigating_officer=investigating_officer,
                      **_meeting(meeting_at, meeting_place))


def case_close_no_case(*, case: Case, by, reason: str) -> CaseEvent:
    """After an investigation, issues the no-further-action letter."""
    return _take_step(case, by, "close_no_case", reason=reason)


def case_give_management_advice(*, case: Case, by, advice: str) -> CaseEvent:
    """Issues the management advice letter (not a disciplinary sanction)."""
    return _take_step(case, by, "give_management_advice", advice=advice)


def case_refer_to_hearing(*, case: Case, by, findings: str, hearing_at: datetime, place: str, panel: Iterable,
                          gross_misconduct_alleged: bool = False, documents_by: date | None = None,
                          adjustments_contact: str = "") -> CaseEvent:
    """Issues the invitation to the disciplinary hearing."""
    extra = {key: value for key, value in (("documents_by", documents_by),
                                           ("adjustments_contact", adjustments_contact)) if value}
    return _take_step(case, by, "refer_to_hearing", findings=findings, hearing_at=hearing_at, place=place,
                      panel=list(panel), gross_misconduct_alleged=gross_misconduct_alleged, **extra)


def case_reschedule(*, case: Case, by, hearing_at: datetime, reason: str) -> CaseEvent:
    """Issues a new invitation to the hearing, at its new time."""
    return _take_step(case, by, "reschedule", hearing_at=hearing_at, reason=reason)


def case_record_outcome(*, case: Case, by, outcome: str, reasons: str, warning_months: int | None = None,
                        improvement_expected: str = "", support_offered: str = "",
                        termination_on: date | None = None, notice_weeks: int | None = None,
                        final_pay: str = "") -> CaseEvent:
    """Issues the outcome letter, signed for the hearing panel by `by`."""
    extra = {key: value for key, value in (
        ("improvement_expected", improvement_expected), ("support_offered", support_offered),
        ("termination_on", termination_on), ("notice_weeks", notice_weeks), ("final_pay", final_pay),
    ) if value not in (None, "")}
    return _take_step(case, by, "record_outcome", outcome=outcome, reasons=reasons, warning_months=warning_months,
                      **extra)


def case_lodge_appeal(*, case: Case, by, grounds: str, received_on: date, hearing_at: datetime, place: str,
                      panel: Iterable) -> CaseEvent:
    """Issues the invitation to the appeal hearing."""
    return _take_step(case, by, "lodge_appeal", grounds=grounds, received_on=received_on, hearing_at=hearing_at,
                      place=place, panel=list(panel))


def case_decide_appeal(*, case: Case, by, decision: str, reasons: str, new_outcome: str = "") -> CaseEvent:
    """Issues the appeal outcome letter, which is final."""
    return _take_step(case, by, "decide_appeal", decision=decision, reasons=reasons, new_outcome=new_outcome)


def case_close(*, case: Case, by, reason: str = "") -> CaseEvent:
    return _take_step(case, by, "close", reason=reason)


def cases_close_after_appeal_window() -> list[Case]:
    """Close every case whose outcome can no longer be appealed: the window passed with no
    appeal lodged. The product itself is the actor. Returns the cases closed."""
    closed = []
    lapsed = Case.objects.filter(state=State.OUTCOME_ISSUED, appeal_deadline__lt=clock.today())
    for case in lapsed.select_related("school").order_by("pk"):
        try:
            _take_step(case, SYSTEM, "close",
                       reason=f"The appeal window closed on {case.appeal_deadline:%d/%m/%Y} with no appeal lodged.")
        except CaseConflict:
            continue  # someone acted on it meanwhile; it is no longer ours to close
        closed.append(case)
    return closed


def case_reopen(*, case: Case, by, reason: str, investigating_officer=None) -> CaseEvent:
    return _take_step(case, by, "reopen", reason=reason, investigating_officer=investigating_officer)


def case_suspend(*, case: Case, by, reason: str, why_needed: str, alternatives_considered: str,
                 contact_restrictions: str, named_contact, review_on: date) -> CaseEvent:
    """Precautionary suspension on full pay; not a disciplinary sanction. Issues the suspension letter."""
    return _take_step(case, by, "suspend", reason=reason, why_needed=why_needed,
                      alternatives_considered=alternatives_considered, contact_restrictions=contact_restrictions,
                      named_contact=named_contact, review_on=review_on)


def case_review_suspension(*, case: Case, by, findings: str, review_on: date) -> CaseEvent:
    return _take_step(case, by, "review_suspension", findings=findings, review_on=review_on)


def case_lift_suspension(*, case: Case, by, reason: str) -> CaseEvent:
    """Issues the letter lifting the suspension."""
    return _take_step(case, by, "lift_suspension", reason=reason)
