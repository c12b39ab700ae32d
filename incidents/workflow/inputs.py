"""What each step of the procedure asks, in the procedure's order.

One frozen dataclass per step, named after the step (`ReferToHearing` is the input of
`refer_to_hearing`). Its fields are the step's whole input: the form asks each of them, the
transition reads them, the event records them, the letters print them. Each gives an
`example` of valid input, which the tests, the letter samples and the previews use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from incidents import clock
from incidents.workflow.asking import (
    StepInput,
    checklist,
    choice,
    day,
    document,
    flag,
    line,
    moment,
    number,
    people,
    person,
    text,
    yes_no,
)
from incidents.workflow.choices import (
    DISMISSALS,
    Agencies,
    AppealDecision,
    BarringReferral,
    Companion,
    ContainmentStep,
    DocumentKind,
    EscalationReason,
    HarmTest,
    LadoMeeting,
    LadoOutcome,
    Outcome,
    Recommendation,
    RescheduleReason,
)
from incidents.working_days import add_working_days

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from incidents.models import Case


# --- Who may be chosen ------------------------------------------------------------

PANEL_ROLES = ("headteacher", "chair_of_governors", "governor")


def school_people(case: Case, *roles: str) -> QuerySet:
    """The people holding a role at the case's school (any role, if none is named), by name."""
    from django.contrib.auth import get_user_model

    from incidents.models import Membership

    memberships = Membership.objects.filter(school=case.school)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return (get_user_model().objects.filter(pk__in=memberships.values("user"))
            .order_by("first_name", "last_name", "username"))


def panel_people(case: Case) -> QuerySet:
    """The headteacher and the governors: who may hear a case or an appeal."""
    return school_people(case, *PANEL_ROLES)


def _free(case: Case, candidates: QuerySet, *, exclude: tuple = (), role: str = "") -> list:
    """Candidates with no conflict of interest on the case, `exclude` left out."""
    from incidents.permissions import conflict_of_interest

    left_out = {person.pk for person in exclude if person is not None}
    return [person for person in candidates
            if person.pk not in left_out and not conflict_of_interest(person, case, role=role or "example")]


def _someone(case: Case, *roles: str, exclude: tuple = ()) -> Any:
    """For examples: the first free person holding one of `roles`, in that order."""
    for role in roles:
        free = _free(case, school_people(case, role), exclude=exclude)
        if free:
            return free[0]
    return None


def _at(day_: date, hour: int) -> datetime:
    return datetime.combine(day_, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _hearing_day(case: Case) -> datetime:
    """The first working day after the school's notice period, at 10:00."""
    return _at(add_working_days(clock.today(), case.school.notice_working_days + 1), 10)


def lessons_learned() -> Any:
    """The optional "what we would do differently" of a step that closes a case: read, without the
    case, into the governors' termly report (`incidents.monitoring.report`)."""
    return text("What would you do differently next time? (optional)", required=False, rows=3,
                help="For the governors' termly report, which shows it without the case: write it without "
                     "names or anything that would identify the case.")


# --- Shared parts -----------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class InvestigationMeeting(StepInput):
    """The investigation meeting, when it is arranged with the step: the notice gives it."""

    meeting_at: datetime | None = moment(
        "the investigation meeting", required=False,
        help="If it is arranged now: the notice of investigation gives the date, time and place.")
    meeting_place: str = line("Where the investigation meeting will be held", required=False)


class _Addable(models.TextChoices):
    """What an investigating officer may add as a document: a subset of `DocumentKind`."""

    STATEMENT = DocumentKind.STATEMENT.value, "A signed statement"
    EVIDENCE = DocumentKind.EVIDENCE.value, "Further evidence"


def _blank_pdf() -> bytes:
    """A one-page PDF, for the examples that need a file."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _current_officer(case: Case) -> Any:
    return case.investigating_officer_id


# --- The reporter ------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Withdraw(StepInput):
    reason: str = text("Why", required=False)

    @classmethod
    def example(cls, case: Case) -> Withdraw:
        return cls(reason="I misread the post.")


# --- First response -------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class RequestContentRemoval(StepInput):
    deadline: date | None = day("Remove by", required=False,
                                help="Leave empty for the school’s usual period, counted in working days.")
    what_to_remove: str = text(
        "What to remove", required=False,
        in_letter=True,
        help="Leave empty for “the post at the link, with any comments, replies, "
             "copies or shares of it that you control”.")

    @classmethod
    def example(cls, case: Case) -> RequestContentRemoval:
        return cls()


@dataclass(frozen=True, kw_only=True)
class ConfirmRemoved(StepInput):
    how_confirmed: str = text("How was the removal confirmed?", missing="Say how the removal was confirmed.")

    @classmethod
    def example(cls, case: Case) -> ConfirmRemoved:
        return cls(how_confirmed="Checked the page: the post is gone.")


@dataclass(frozen=True, kw_only=True)
class Escalate(InvestigationMeeting):
    reason: str = choice("Why escalate?", EscalationReason, missing="Choose why the case is escalated.")
    investigating_officer: Any = person(
        "Investigating officer", school_people, initial=_current_officer,
        help="Not the person who will hear the case.", missing="Choose the investigating officer.")

    @classmethod
    def example(cls, case: Case) -> Escalate:
        return cls(reason=EscalationReason.REFUSED,
                   investigating_officer=case.investigating_officer or _someone(case, "investigating_officer"))


@dataclass(frozen=True, kw_only=True)
class SecureAccount(StepInput):
    checklist: dict[str, bool] = checklist("What has been done so far?", ContainmentStep)

    @classmethod
    def example(cls, case: Case) -> SecureAccount:
        return cls(checklist={"password_changed": True, "two_factor_enabled": True})


@dataclass(frozen=True, kw_only=True)
class Resolve(StepInput):
    what_was_done: str = text("What was done to secure the account?",
                              missing="Say what was done to secure the account.")
    lessons: str = lessons_learned()

    @classmethod
    def example(cls, case: Case) -> Resolve:
        return cls(what_was_done="Password reset, two-factor turned on, posts removed by the platform.")


# --- Safeguarding (KCSIE part 4) --------------------------------------------------------------

def _school_authority(case: Case) -> str:
    return case.school.local_authority


@dataclass(frozen=True, kw_only=True)
class DecideHarmThreshold(StepInput):
    # One question per test of the harm threshold (`HarmTest`), named after it.
    harmed: bool | None = yes_no(f"Has the member of staff {HarmTest.HARMED.label.lower()}?", "Yes", "No",
                                 missing="Answer whether a child has been, or may have been, harmed.")
    offence: bool | None = yes_no(f"Have they {HarmTest.OFFENCE.label.lower()}?", "Yes", "No",
                                  missing="Answer whether they may have committed an offence against or related to "
                                          "a child.")
    risk: bool | None = yes_no(f"Have they {HarmTest.RISK.label.lower()}?", "Yes", "No",
                               missing="Answer whether their behaviour indicates they may pose a risk of harm to "
                                       "children.")
    unsuitable: bool | None = yes_no(f"Have they {HarmTest.UNSUITABLE.label.lower()}?", "Yes", "No",
                                     missing="Answer whether their behaviour indicates they may not be suitable to "
                                             "work with children.")
    reasons: str = text("Your reasons", rows=4, missing="Give the reasons for your decision.",
                        help="If any answer is yes, the harm threshold is met and the LADO must be told within one "
                             "working day of when the concern arose.")
    concern_arose_on: date | None = day(
        "When did the concern arise?", required=False,
        help="Leave empty if it is the date of the report (or, during an investigation, today).")

    @classmethod
    def example(cls, case: Case) -> DecideHarmThreshold:
        return cls(harmed=False, offence=False, risk=True, unsuitable=True,
                   reasons="Private messages with a Year 6 pupil suggest an inappropriate relationship.")


@dataclass(frozen=True, kw_only=True)
class ReferToLado(StepInput):
    allegation: str = text("What was alleged, as told to the LADO", rows=4,
                           missing="Describe what was alleged, as told to the LADO.")
    lado_name: str = line("The LADO's name", missing="Enter the name of the LADO you told.")
    lado_authority: str = line("The LADO's local authority", initial=_school_authority,
                               missing="Enter the LADO's local authority.")
    lado_reference: str = line("The LADO's reference", required=False, max_length=100,
                               help="If the LADO gave one.")
    late_reason: str = text("If the LADO is told late, why", required=False, rows=2)

    @classmethod
    def example(cls, case: Case) -> ReferToLado:
        return cls(allegation="Accepted a friend request from a Year 6 pupil.", lado_name="Morgan Ellis",
                   lado_authority=case.school.local_authority or "Rainow Borough Council", lado_reference="LADO/1234")


@dataclass(frozen=True, kw_only=True)
class RecordLadoMeeting(StepInput):
    meeting: str = choice("What was held", LadoMeeting, missing="Choose what was held.")
    held_on: date | None = day("When was it held?", missing="Enter the date of the meeting.")
    attended: str = text("Who attended, and for which agency", rows=2, missing="Say who attended.")
    agreed_actions: str = text("The actions agreed, and by whom", rows=4, missing="Record the actions agreed.")

    @classmethod
    def example(cls, case: Case) -> RecordLadoMeeting:
        return cls(meeting=LadoMeeting.STRATEGY, held_on=clock.today(),
                   attended="The LADO; the headteacher; a police officer; a children's social worker.",
                   agreed_actions="The police will speak to the pupil; the school takes no action until they advise.")


@dataclass(frozen=True, kw_only=True)
class PauseForAgencies(StepInput):
    agencies: str = choice("Who is acting", Agencies, missing="Choose who is acting.")
    since: date | None = day("Since when", required=False, help="Leave empty for today.")
    what: str = text("What they are doing", rows=2, missing="Say what they are doing.")

    @classmethod
    def example(cls, case: Case) -> PauseForAgencies:
        return cls(agencies=Agencies.POLICE, what="The police are investigating; the LADO asked the school to wait.")


@dataclass(frozen=True, kw_only=True)
class ResumeProcedure(StepInput):
    reason: str = text("Why the school's procedure can go on", rows=2,
                       missing="Say why the school's procedure can go on.",
                       help="For example: the police have finished and agree the school may go on.")

    @classmethod
    def example(cls, case: Case) -> ResumeProcedure:
        return cls(reason="The police have finished their enquiries and agree the school may go on.")


@dataclass(frozen=True, kw_only=True)
class RecordLowLevelConcern(StepInput):
    reason: str = text("Why is this below the harm threshold?", missing="Say why this is below the harm threshold.")

    @classmethod
    def example(cls, case: Case) -> RecordLowLevelConcern:
        return cls(reason="A single like on a parent's post; below the harm threshold.")


@dataclass(frozen=True, kw_only=True)
class RecordLadoOutcome(InvestigationMeeting):
    lado_outcome: str = choice("The LADO’s outcome", LadoOutcome, missing="Choose the LADO's outcome.")
    advice: str = text("The LADO’s advice", missing="Record the LADO's advice.",
                       help="Kept on the case's record; it is not sent to the employee.")
    personnel_summary: str = text(
        "Summary for the confidential personnel file", required=False, rows=5, in_letter=True,
        help="For a substantiated, unsubstantiated or unfounded allegation: what was alleged, how it was followed "
             "up, the outcome and the decisions made. Leave empty for a false or malicious allegation, which is "
             "removed from personnel records.")
    action_about_maker: str = text(
        "For a malicious allegation: what the school will do about whoever made it", required=False, rows=2)
    investigate: bool = yes_no("Next", "Investigate under the disciplinary procedure", "Close the case",
                               missing="Choose whether to investigate or close the case.")
    investigating_officer: Any = person("Investigating officer", school_people, required=False,
                                        help="If the case is investigated.")

    @classmethod
    def example(cls, case: Case) -> RecordLadoOutcome:
        return cls(lado_outcome=LadoOutcome.UNFOUNDED, advice="No further action by the LADO.", investigate=False,
                   personnel_summary="An allegation that you accepted a friend request from a pupil was referred to "
                                     "the LADO, who found no evidence to support it. No further action was taken.")


# --- Reporting restriction and referral duties --------------------------------------------

@dataclass(frozen=True, kw_only=True)
class RestrictReporting(StepInput):
    reason: str = text("Why the restriction applies", rows=2, missing="Say why the restriction applies.",
                       help="An allegation by a pupil against a teacher (Education Act 2002, section 141F).")

    @classmethod
    def example(cls, case: Case) -> RestrictReporting:
        return cls(reason="A Year 9 pupil alleges their teacher sent them private messages.")


@dataclass(frozen=True, kw_only=True)
class LiftReportingRestriction(StepInput):
    reason: str = text("Why the restriction no longer applies", rows=2,
                       missing="Say why the restriction no longer applies.",
                       help="For example: the teacher has been charged, or a court lifted the restriction.")

    @classmethod
    def example(cls, case: Case) -> LiftReportingRestriction:
        return cls(reason="The teacher has been charged with an offence.")


@dataclass(frozen=True, kw_only=True)
class RecordEmployeeLeft(StepInput):
    left_on: date | None = day("Their last day of employment", missing="Enter the employee's last day of employment.")
    how: str = text("How they left", rows=2, missing="Say how they left (resigned, contract ended, ...).")

    @classmethod
    def example(cls, case: Case) -> RecordEmployeeLeft:
        return cls(left_on=clock.today(), how="Resigned with immediate effect.")


@dataclass(frozen=True, kw_only=True)
class RecordBarringReferrals(StepInput):
    dbs_referral: str = choice("The referral to the Disclosure and Barring Service", BarringReferral,
                               missing="Choose whether the referral to the DBS was made or is not required.")
    dbs_referred_on: date | None = day("Date of the DBS referral", required=False)
    dbs_reference: str = line("The DBS's reference", required=False, max_length=100)
    dbs_reasons: str = text("If not required, why", required=False, rows=2)
    tra_referral: str = choice("The referral to the Teaching Regulation Agency", BarringReferral, required=False,
                               help="For a teacher only.")
    tra_referred_on: date | None = day("Date of the TRA referral", required=False)
    tra_reference: str = line("The TRA's reference", required=False, max_length=100)
    tra_reasons: str = text("If not required, why", required=False, rows=2)

    @classmethod
    def example(cls, case: Case) -> RecordBarringReferrals:
        made = cls(dbs_referral=BarringReferral.MADE, dbs_referred_on=clock.today(), dbs_reference="DBS-REF-0042")
        if not (case.subject and case.subject.teacher):
            return made
        return replace(made, tra_referral=BarringReferral.NOT_REQUIRED,
                       tra_reasons="The conduct does not amount to serious misconduct for the TRA.")


# --- Investigation ------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class OpenInvestigation(InvestigationMeeting):
    investigating_officer: Any = person(
        "Investigating officer", school_people, initial=_current_officer,
        help="Not the person who will hear the case.", missing="Choose the investigating officer.")

    @classmethod
    def example(cls, case: Case) -> OpenInvestigation:
        return cls(investigating_officer=_someone(case, "investigating_officer", "headteacher"))


@dataclass(frozen=True, kw_only=True)
class RecordInvestigationMeeting(StepInput):
    held_at: datetime | None = moment("the meeting", missing="Enter the date and time of the meeting.")
    attended: str = text("Who attended, and in what capacity", rows=2,
                         missing="Say who attended the meeting.")
    companion: str = line("The employee’s companion, if any", required=False,
                          help="Their name. Whether they are a trade union representative is not asked: "
                               "union membership is special category data.")
    notes: str = text("Notes of the meeting", rows=8,
                      help="What was asked and answered. The employee is given a copy to check.",
                      missing="Record the notes of the meeting.")
    signed_notes: Any = document("The signed notes, if you have them", DocumentKind.MEETING_NOTES,
                                 required=False, help="PNG, JPEG or PDF, up to 10 MB.")

    @classmethod
    def example(cls, case: Case) -> RecordInvestigationMeeting:
        return cls(held_at=clock.now() - timedelta(hours=1),
                   attended="The employee; the investigating officer; an HR adviser taking notes.",
                   notes="The employee accepts writing the post and says it was meant as a joke.")


@dataclass(frozen=True, kw_only=True)
class AddStatement(StepInput):
    what: str = choice("What is it?", _Addable, missing="Choose whether this is a statement or further evidence.")
    description: str = line("Whose statement, or what the evidence shows", max_length=500,
                            missing="Say whose statement it is, or what the evidence shows.")
    document: Any = document("The file", lambda given: given.what, help="PNG, JPEG or PDF, up to 10 MB. A statement "
                             "should be signed and dated by the person who gave it.",
                             missing="Choose the file to add.")

    @classmethod
    def example(cls, case: Case) -> AddStatement:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return cls(what=DocumentKind.STATEMENT, description="Statement of a colleague who saw the post",
                   document=SimpleUploadedFile("statement.pdf", _blank_pdf(), content_type="application/pdf"))


@dataclass(frozen=True, kw_only=True)
class SubmitInvestigationReport(StepInput):
    findings: str = text("Findings", rows=8,
                         help="What the investigation established, and on what evidence. The hearing invitation "
                              "sends this to the employee.",
                         missing="Write the investigation's findings.")
    recommendation: str = choice("Recommendation", Recommendation, missing="Choose what you recommend.")
    report: Any = document("The signed report, if written as a document", DocumentKind.INVESTIGATION_REPORT,
                           required=False, help="PNG, JPEG or PDF, up to 10 MB.")

    @classmethod
    def example(cls, case: Case) -> SubmitInvestigationReport:
        return cls(findings="The post was made by the employee, who accepts writing it.",
                   recommendation=Recommendation.HEARING)


@dataclass(frozen=True, kw_only=True)
class CloseNoCase(StepInput):
    reason: str = text("Why is the case closed?", missing="Give the reason for closing the case.")
    lessons: str = lessons_learned()

    @classmethod
    def example(cls, case: Case) -> CloseNoCase:
        return cls(reason="The account is not the employee's.")


@dataclass(frozen=True, kw_only=True)
class GiveManagementAdvice(StepInput):
    advice: str = text("The advice given to the employee", rows=4,
                       in_letter=True, help="Management advice is not a disciplinary sanction.",
                       missing="Write the advice given to the employee.")
    lessons: str = lessons_learned()

    @classmethod
    def example(cls, case: Case) -> GiveManagementAdvice:
        return cls(advice="Keep the school name off personal profiles.")


# --- Hearing and outcome ----------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ReferToHearing(StepInput):
    hearing_at: datetime | None = moment("the hearing",
                                         help="After the school’s notice period, counted in working days.",
                                         missing="Enter the date and time of the hearing.")
    place: str = line("Place", missing="Say where the hearing will be held.")
    panel: tuple = people("Who will hear the case?", panel_people, missing="Choose who will hear the case.")
    gross_misconduct_alleged: bool = flag("Gross misconduct is alleged", help="Dismissal is then a possible outcome.")
    documents_by: date | None = day(
        "The employee sends their documents and witnesses by", required=False,
        help="Leave empty for two working days before the hearing.")
    adjustments_contact: str = line(
        "Who to ask for adjustments or another format", required=False,
        help="Leave empty for the school’s HR contact.")

    @classmethod
    def example(cls, case: Case) -> ReferToHearing:
        if case.most_serious_outcome() in DISMISSALS:  # a live final warning: a staff dismissal committee
            governors = _free(case, school_people(case, "chair_of_governors", "governor").exclude(
                pk__in=school_people(case, "headteacher")), exclude=(case.investigating_officer,))
            panel = tuple(governors[:case.school.dismissal_committee_size])
        else:
            panel = (_someone(case, "headteacher", "chair_of_governors", "governor",
                              exclude=(case.investigating_officer,)),)
        return cls(hearing_at=_hearing_day(case), place="Meeting room 1", panel=panel)


@dataclass(frozen=True, kw_only=True)
class Reschedule(StepInput):
    hearing_at: datetime | None = moment("the rearranged hearing", missing="Enter the date and time of the hearing.")
    reason: str = choice("Why", RescheduleReason, missing="Choose why the hearing is rearranged.")

    @classmethod
    def example(cls, case: Case) -> Reschedule:
        original = case.hearing_at or _hearing_day(case)
        later = add_working_days(clock.localdate(original), 1)
        return cls(hearing_at=_at(later, timezone.localtime(original).hour),
                   reason=RescheduleReason.COMPANION_UNAVAILABLE)


@dataclass(frozen=True, kw_only=True)
class RecordCompanion(StepInput):
    companion: str = line("The companion’s name", missing="Enter the companion's name.")
    companion_type: str = choice(
        "Who they are", Companion, missing="Choose who the companion is.",
        help="Whether they represent a union is special category data: only those on the case who may see "
             "such data see it.")
    adjustments: str = text("Reasonable adjustments asked for, and what was agreed", required=False, rows=3)

    @classmethod
    def example(cls, case: Case) -> RecordCompanion:
        return cls(companion="Jo Booth", companion_type=Companion.COLLEAGUE)


@dataclass(frozen=True, kw_only=True)
class RecordOutcome(StepInput):
    outcome: str = choice("Outcome", Outcome, missing="Choose the outcome.")
    reasons: str = text("Reasons for the decision", rows=5, in_letter=True,
                        missing="Give the reasons for the decision.")
    warning_months: int | None = number("Months a warning stays live", required=False, min_value=1, max_value=24,
                                        help="For a warning. Leave empty for the school’s usual period.")
    improvement_expected: str = text("The improvement expected", required=False,
                                     in_letter=True, help="For a warning.")
    support_offered: str = text("The support offered", required=False,
                                in_letter=True, help="For a warning.")
    termination_on: date | None = day("Last day of employment", required=False,
                                      help="For dismissal with notice.")
    notice_weeks: int | None = number("Weeks of notice", required=False, min_value=1, max_value=52,
                                      help="For dismissal with notice.")
    final_pay: str = text("Final pay", required=False, rows=2, in_letter=True,
                          help="For a dismissal: what the final pay includes and when it is paid.")

    @classmethod
    def example(cls, case: Case) -> RecordOutcome:
        return cls(outcome=Outcome.FIRST_WRITTEN_WARNING, reasons="Clause a.2 was breached.")


# --- Appeal -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class LodgeAppeal(StepInput):
    grounds: str = text("The employee’s grounds of appeal", rows=4,
                        missing="Record the employee's grounds of appeal.")
    received_on: date | None = day("Date the appeal was received",
                                   missing="Enter the date the appeal was received; it cannot be in the future.")
    hearing_at: datetime | None = moment("the appeal hearing", missing="Enter the date and time of the hearing.")
    place: str = line("Place", missing="Say where the appeal will be heard.")
    panel: tuple = people("Appeal panel", panel_people, help="None of the hearing panel, and at least as many people.",
                          missing="Choose who will hear the appeal.")

    @classmethod
    def example(cls, case: Case) -> LodgeAppeal:
        first = tuple(case.hearing_panel.all())
        involved = (*first, case.investigating_officer, case.case_manager)
        free = _free(case, panel_people(case), exclude=involved)
        # the chair first, as appeals go to the chair of governors
        free.sort(key=lambda person: not school_people(case, "chair_of_governors").filter(pk=person.pk).exists())
        if len(free) < max(2, len(first)):  # every governor is involved: others at the school, for an example
            free += [person for person in _free(case, school_people(case), exclude=involved) if person not in free]
        return cls(grounds="Too severe.", received_on=clock.today(), hearing_at=_hearing_day(case),
                   place="Meeting room 2", panel=tuple(free[:max(2, len(first))]))


@dataclass(frozen=True, kw_only=True)
class DecideAppeal(StepInput):
    decision: str = choice("Decision", AppealDecision, missing="Choose the appeal decision.")
    reasons: str = text("Reasons", rows=5, in_letter=True,
                        missing="Give the reasons for the appeal decision.")
    new_outcome: str = choice("If partly upheld, the outcome that replaces it", Outcome, required=False)

    @classmethod
    def example(cls, case: Case) -> DecideAppeal:
        return cls(decision=AppealDecision.NOT_UPHELD, reasons="The sanction was reasonable.")


@dataclass(frozen=True, kw_only=True)
class Close(StepInput):
    reason: str = text("Reason", required=False, help="Needed if the appeal window is still open.")
    lessons: str = lessons_learned()

    @classmethod
    def example(cls, case: Case) -> Close:
        return cls(reason="The employee confirmed in writing that they will not appeal.")


@dataclass(frozen=True, kw_only=True)
class Reopen(InvestigationMeeting):
    reason: str = text("Why reopen the case?", missing="Give the reason for reopening the case, such as new evidence.")
    investigating_officer: Any = person("Investigating officer", school_people, required=False,
                                        initial=_current_officer,
                                        help="Leave as it is to keep the investigating officer.")

    @classmethod
    def example(cls, case: Case) -> Reopen:
        return cls(reason="New screenshots came to light.",
                   investigating_officer=case.investigating_officer or _someone(case, "investigating_officer"))


@dataclass(frozen=True, kw_only=True)
class RecordAuthorityNotice(StepInput):
    given_on: date | None = day("Date the local authority gave notice",
                                missing="Enter the date the authority gave notice; it cannot be in the future.")
    note: str = text("Anything to note", required=False, rows=2,
                     help="For example, the last day of employment the authority's notice gives.")

    @classmethod
    def example(cls, case: Case) -> RecordAuthorityNotice:
        return cls(given_on=clock.today())


# --- Precautionary suspension ----------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Suspend(StepInput):
    reason: str = text("Reason for the suspension", in_letter=True,
                       missing="Give the reason for the suspension.")
    why_needed: str = text("Why suspension is needed", missing="Explain why suspension is needed.")
    alternatives_considered: str = text("Alternatives considered",
                                        missing="Record the alternatives considered, such as a change of duties.")
    contact_restrictions: str = text("Any restriction on contact", required=False, rows=2)
    named_contact: Any = person("The employee’s named contact", school_people,
                                missing="Name the employee's contact during the suspension.")
    welfare_contact: Any = person(
        "Welfare contact", school_people, required=False,
        in_letter=True, help="Someone the employee can turn to for support while suspended, "
             "not involved in the case. Leave empty if it is the named contact.")
    review_on: date | None = day("Review date", help="At most the school’s review interval away (usually 4 weeks).",
                                 missing="The review date must be in the future.")

    @classmethod
    def example(cls, case: Case) -> Suspend:
        return cls(reason="Alleged contact with pupils online.", why_needed="To protect pupils.",
                   alternatives_considered="Working away from pupils was not possible.",
                   contact_restrictions="No contact with pupils or parents.",
                   named_contact=_someone(case, "chair_of_governors", "hr_adviser", "headteacher"),
                   welfare_contact=_someone(case, "hr_adviser", "governor"),
                   review_on=add_working_days(clock.today(), 10))


@dataclass(frozen=True, kw_only=True)
class ReviewSuspension(StepInput):
    findings: str = text("Why the suspension continues", in_letter=True,
                         missing="Record why the suspension continues.")
    review_on: date | None = day("Next review date",
                                 help="At most the school’s review interval away (usually 4 weeks).",
                                 missing="The review date must be in the future.")
    welfare_contact: Any = person(
        "Welfare contact", school_people, required=False,
        in_letter=True, help="Leave empty to keep the one named when the suspension began.")

    @classmethod
    def example(cls, case: Case) -> ReviewSuspension:
        return cls(findings="The investigation continues.", review_on=add_working_days(clock.today(), 10))


@dataclass(frozen=True, kw_only=True)
class LiftSuspension(StepInput):
    reason: str = text("Why the suspension is lifted", in_letter=True,
                       missing="Give the reason for lifting the suspension.")

    @classmethod
    def example(cls, case: Case) -> LiftSuspension:
        return cls(reason="The LADO advised no further action.")


