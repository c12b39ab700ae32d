"""The disciplinary procedure for a case, as a state machine.

Read this module top to bottom to see the whole procedure: every step (transition) between
the stages, who may take it, what it requires and which letters it issues. It follows the
ACAS Code of Practice on disciplinary and grievance procedures (establish the facts, tell
the employee in writing, hold a hearing with the right to be accompanied, decide, offer an
appeal) and Keeping Children Safe in Education part 4 (allegations that may meet the harm
threshold go to the Local Authority Designated Officer, the LADO, within one working day,
before anyone is interviewed).

Each step is one declaration: `@step(...)` on its transition method gives its label, who,
stages, conditions and letters; its input is the dataclass of the same name in
`incidents.workflow.inputs`. Transition methods only check their input and change the
case's own fields. Nobody calls them directly: `incidents.services.step_take` checks the
person's permission, runs the transition, records the event, issues the letters and saves
everything in one transaction.

The README draws the whole graph; `python manage.py graph_transitions incidents.Case`
prints it from this module. Beside the main procedure runs the precautionary-suspension
machine (`suspension`): not suspended -> suspended -> lifted, reviewed while it lasts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField

from incidents import clock, permissions
from incidents.models.letter import Letter
from incidents.names import display_name
from incidents.workflow import inputs
from incidents.workflow.asking import StepInput, is_empty
from incidents.workflow.choices import (
    APPEALABLE,
    DISMISSALS,
    OPEN_STATES,
    REMOVED_FROM_FILE,
    SEVERITY,
    SUMMARY_ON_FILE,
    WARNINGS,
    Agencies,
    AppealDecision,
    BarringReferral,
    Closure,
    Companion,
    ContainmentStep,
    EscalationReason,
    HarmTest,
    LadoOutcome,
    Outcome,
    Recommendation,
    RescheduleReason,
    State,
    Suspension,
    more_severe,
    most_serious_outcome,
    warning_expiry,
)
from incidents.workflow.steps import (
    APPEAL_PANEL,
    CASE_MANAGER,
    HEARING_PANEL,
    INVESTIGATING_OFFICER,
    REPORTER,
    SAFEGUARDING,
    LetterRule,
    no_letter,
    refusal,
    refusal_of,
    step,
)
from incidents.working_days import add_working_days

if TYPE_CHECKING:
    from incidents.models import Case, School, StaffMember

Kind = Letter.Kind
T = TypeVar("T")

# School Staffing (England) Regulations 2009: a local authority notified of a dismissal by the
# governing body gives the employee notice within 14 days (calendar days).
AUTHORITY_NOTICE_DAYS = 14


# --- Conditions on the case itself ---------------------------------------------------
# Each carries the sentence shown to the person when it does not hold.

@refusal("A safeguarding concern cannot be withdrawn: the designated safeguarding lead must consider it.")
def not_a_safeguarding_concern(case: Case) -> bool:
    return not case.safeguarding


@refusal("Content removal applies to a suspected breach, not to a compromised account.")
def is_breach(case: Case) -> bool:
    return case.kind == "breach"


@refusal("Only a report of a compromised account can go through account containment.")
def is_compromised_account(case: Case) -> bool:
    return case.kind == "compromised_account"


@refusal("The employee concerned is not known yet: record who the case is about first.")
def employee_is_known(case: Case) -> bool:
    return case.subject_id is not None


@refusal("The investigating officer has not submitted the investigation report. Arranging a hearing now "
         "would skip the first step of the ACAS Code: establishing the facts of the case before any hearing.")
def investigation_report_submitted(case: Case) -> bool:
    return case.investigation_reported_at is not None


@refusal("The outcome can only be recorded once the hearing has taken place.")
def hearing_has_taken_place(case: Case) -> bool:
    return case.hearing_at is not None and clock.now() >= case.hearing_at


@refusal("Only a warning or a dismissal can be appealed.")
def outcome_is_appealable(case: Case) -> bool:
    return case.outcome in APPEALABLE


@refusal("The appeal window has closed.")
def appeal_window_open(case: Case) -> bool:
    return case.appeal_deadline is not None and clock.today() <= case.appeal_deadline


@refusal("The appeal decision can only be recorded once the appeal hearing has taken place.")
def appeal_hearing_has_taken_place(case: Case) -> bool:
    return case.appeal_hearing_at is not None and clock.now() >= case.appeal_hearing_at


@refusal("Only a dismissal at a school whose employer is the local authority is notified to the authority.")
def local_authority_notified(case: Case) -> bool:
    return case.authority_notice_due_on is not None


# --- Keeping Children Safe in Education, part 4 -----------------------------------------
# While an allegation may meet the harm threshold, the school does nothing under its own
# procedure that could prejudice the LADO's strategy or a police enquiry: nobody is interviewed,
# investigated, heard or told the case is closed. Suspension stays possible, and the referral's
# own record (the LADO's meetings, the agencies acting, the outcome).

@refusal("This is a safeguarding concern: first decide whether the harm threshold is met, answering the four "
         "tests of Keeping Children Safe in Education with your reasons.")
def harm_threshold_decided(case: Case) -> bool:
    return not case.safeguarding or case.harm_threshold_met is not None


@refusal("The harm threshold is met: nothing is done under the school's own procedure, and nobody is interviewed, "
         "until the LADO advises. Refer the case to the LADO, then record the LADO's outcome.")
def lado_has_advised(case: Case) -> bool:
    return case.harm_threshold_met is not True or bool(case.lado_outcome)


@refusal("The school's procedure is paused while the police or children's social care act: record that they "
         "have finished before going on.")
def not_paused(case: Case) -> bool:
    return case.paused_on is None


@refusal("The school's procedure is not paused.")
def paused(case: Case) -> bool:
    return case.paused_on is not None


@refusal("Record first that the harm threshold is met, answering the four tests with your reasons.")
def threshold_found_met(case: Case) -> bool:
    return case.harm_threshold_met is True


@refusal("Record first that the harm threshold is not met, with your reasons: a concern that meets it goes to the "
         "LADO.")
def threshold_found_not_met(case: Case) -> bool:
    return case.harm_threshold_met is False


@refusal("The case has not been referred to the LADO.")
def referred_to_lado(case: Case) -> bool:
    return case.lado_referred_at is not None


@refusal("A reporting restriction is already recorded on this case.")
def no_restriction_recorded(case: Case) -> bool:
    return not case.reporting_restricted


@refusal("No reporting restriction is recorded on this case.")
def restriction_recorded(case: Case) -> bool:
    return case.reporting_restricted


@refusal("The case cannot close until the referral to the Disclosure and Barring Service (and, for a teacher, the "
         "Teaching Regulation Agency) is recorded as made, or as not required with reasons.")
def barring_referrals_recorded(case: Case) -> bool:
    return not case.barring_referral_outstanding()


@refusal("No referral to the Disclosure and Barring Service or the Teaching Regulation Agency is due on this case.")
def barring_referral_due(case: Case) -> bool:
    return case.barring_referral_due_on is not None


# The steps of the school's own procedure wait for the harm threshold, the LADO and the agencies.
WAITS_FOR_SAFEGUARDING = [harm_threshold_decided, lado_has_advised, not_paused]
# Which stages a concern can be found to meet the harm threshold at, and be referred from.
THRESHOLD_STAGES = [State.REPORTED, State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED, State.INVESTIGATION]


@refusal("A suspension can only be put in place while the case is open.")
def case_is_open(case: Case) -> bool:
    return case.state in OPEN_STATES


# --- Checks on the input of a step ---------------------------------------------------

def _long_date(day: date) -> str:
    return date_format(day, "j F Y")


def _known(value: T | None) -> T:
    """A date the case's stage guarantees is set (a removal deadline while removal is requested)."""
    if value is None:
        raise ValueError("A date this stage of the case needs is missing.")
    return value


def _require(value: Any, field: str, message: str) -> None:
    """For an input needed only in some cases (a required input is checked by the step runner)."""
    if is_empty(value):
        raise ValidationError({field: message})


def _check_people(case: CaseProcedure, people: Iterable, field: str, *, role: str, exclude: Iterable = ()) -> list:
    """Refuse anyone conflicted out of `role` on this case (see permissions.conflicts)."""
    people = list(people)
    excluded = {person.pk for person in exclude if person is not None}
    for person in people:
        reason = permissions.conflict_of_interest(person, case, role=role)
        if reason:
            raise ValidationError({field: reason})
        if person.pk in excluded:
            raise ValidationError({field: f"{display_name(person)} cannot also sit as {role}."})
    return people


def due_after(deadline: str, school: School, start: date) -> date:
    """The date the declared deadline named `deadline` falls on at `school`, counted from `start`
    as `incidents.deadlines` declares it (imported here: it reads the Case this module makes)."""
    from incidents import deadlines

    return deadlines.due_after(deadline, school, start)


def _check_meeting(meeting_at: datetime | None, meeting_place: str) -> None:
    """An investigation meeting, when one is arranged with the step: in the future, and somewhere."""
    if meeting_at is None:
        if (meeting_place or "").strip():
            raise ValidationError({"meeting_at": "Enter the date and time of the investigation meeting."})
        return
    if meeting_at <= clock.now():
        raise ValidationError({"meeting_at": "The investigation meeting must be in the future."})
    _require(meeting_place, "meeting_place", "Say where the investigation meeting will be held.")


def _check_hearing_time(case: CaseProcedure, when: datetime | None, field: str) -> None:
    """A hearing needs the school's notice period, counted in working days from today."""
    if when is None:
        raise ValidationError({field: "Enter the date and time of the hearing."})
    earliest = add_working_days(clock.today(), case.school.notice_working_days)
    if clock.localdate(when) < earliest:
        raise ValidationError({
            field: f"The employee must have {case.school.notice_working_days} working days' notice: "
                   f"the earliest date is {_long_date(earliest)}."
        })


# --- Which letters a step issues ------------------------------------------------------

def to_employee(kind: str) -> Any:
    """A letter to the employee concerned, once we know who the employee is."""

    def letters(case: Case, given: StepInput, from_state: str) -> list[str]:
        return [kind] if case.subject_id else []

    return letters


def closing(rule: LetterRule) -> LetterRule:
    """`rule`, and when the step leaves the case closed, the notice to the reporter that their
    report is closed (no outcome), which the acknowledgement promised them."""

    def letters(case: Case, given: StepInput, from_state: str) -> list[str]:
        told = [Kind.REPORT_CLOSED] if case.state == State.CLOSED else []
        return rule(case, given, from_state) + told

    return letters


def _outcome_letters(case: Case, given: StepInput, from_state: str) -> list[str]:
    """The outcome to the employee; a dismissal at a school whose employer is the local
    authority is also notified to the authority, which gives the notice."""
    told = [Kind.AUTHORITY_NOTIFICATION] if case.authority_notice_due_on and case.outcome in DISMISSALS else []
    return to_employee(Kind.OUTCOME)(case, given, from_state) + told


def _appeal_decision_letters(case: Case, given: StepInput, from_state: str) -> list[str]:
    """The decision to the employee; a dismissal overturned at a school whose employer is the local
    authority is also notified to the authority, which was asked to give notice of it."""
    overturned = case.outcome_before_appeal in DISMISSALS and case.outcome not in DISMISSALS
    told = [Kind.AUTHORITY_REINSTATEMENT] if overturned and case.school.local_authority_is_employer else []
    return to_employee(Kind.APPEAL_OUTCOME)(case, given, from_state) + told


def _takedown_request(case: Case, given: StepInput, from_state: str) -> list[str]:
    # The letter is the takedown request itself: sent when the checklist says one is made.
    done = given.checklist if isinstance(given, inputs.SecureAccount) else {}
    return [Kind.PLATFORM_TAKEDOWN_REQUEST] if done.get(ContainmentStep.TAKEDOWN_REQUESTED) else []


def _lado_referral_record(case: Case, given: StepInput, from_state: str) -> list[str]:
    return [Kind.LADO_REFERRAL]


def _after_lado_outcome(case: Case, given: StepInput, from_state: str) -> list[str]:
    """The outcome of the allegation, and what is kept of it, to the employee; with the notice of
    investigation when the school now investigates."""
    if not case.subject_id:
        return []
    return [Kind.ALLEGATION_OUTCOME, *([Kind.INVESTIGATION_NOTICE] if case.state == State.INVESTIGATION else [])]


def _no_case_after_investigation(case: Case, given: StepInput, from_state: str) -> list[str]:
    # Closed straight from the report, the employee may never have been told of it: no letter.
    return [Kind.NO_FURTHER_ACTION] if case.subject_id and from_state == State.INVESTIGATION else []


_reload_lock = threading.RLock()


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[FSMField, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMField))


class CaseProcedure(ConcurrentTransitionMixin, models.Model):
    """The stage a case is at and everything the procedure has decided so far.

    Both state fields are protected: they change only through the steps below.
    """

    state = FSMField(default=State.REPORTED, choices=State.choices, protected=True, db_index=True)
    suspension = FSMField(default=Suspension.NOT_SUSPENDED, choices=Suspension.choices, protected=True)

    investigating_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_investigating"
    )
    removal_deadline = models.DateField(null=True, blank=True)
    lado_due_on = models.DateField("LADO due on", null=True, blank=True,
                                   help_text="The LADO must be told by this date.")
    lado_referred_at = models.DateTimeField("referred to the LADO at", null=True, blank=True)
    lado_outcome = models.CharField("LADO outcome", max_length=20, choices=LadoOutcome.choices, blank=True)
    # The harm threshold, decided by the case manager or the DSL: None until then.
    harm_threshold_met = models.BooleanField(null=True, blank=True)
    harm_tests_met = models.JSONField(default=list, blank=True, help_text="The tests (HarmTest) found met.")
    harm_threshold_reasons = models.TextField(blank=True)
    lado_name = models.CharField("LADO's name", max_length=200, blank=True)
    lado_authority = models.CharField("LADO's local authority", max_length=200, blank=True)
    lado_reference = models.CharField("LADO's reference", max_length=100, blank=True)
    agencies_acting = models.CharField(max_length=30, choices=Agencies.choices, blank=True)
    paused_on = models.DateField(null=True, blank=True,
                                 help_text="The school's procedure is paused from this date while other agencies act.")
    personnel_summary = models.TextField(
        blank=True, help_text="The summary of the allegation kept on the confidential personnel file (KCSIE).")
    reporting_restricted = models.BooleanField(
        default=False, help_text="An allegation by a pupil against a teacher: the teacher must not be identified "
                                 "publicly until charged (Education Act 2002, section 141F).")
    left_on = models.DateField(null=True, blank=True,
                               help_text="The employee left the school's employment on this date.")
    barring_referral_due_on = models.DateField(
        null=True, blank=True,
        help_text="Referrals to the DBS (and the TRA for a teacher) are to be decided by this date.")
    dbs_referral = models.CharField(max_length=20, choices=BarringReferral.choices, blank=True)
    tra_referral = models.CharField(max_length=20, choices=BarringReferral.choices, blank=True)

    investigation_due_on = models.DateField(
        null=True, blank=True, help_text="The investigation's target date (the school's target from its opening).")

    hearing_at = models.DateTimeField(null=True, blank=True)
    hearing_place = models.CharField(max_length=200, blank=True)
    hearing_panel = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cases_hearing")
    gross_misconduct_alleged = models.BooleanField(default=False)
    notified_maximum = models.CharField(
        max_length=30, choices=Outcome.choices, blank=True,
        help_text="The most serious outcome the hearing invitation said was possible; the panel cannot go beyond it.")

    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    warning_expires_on = models.DateField(null=True, blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)

    appeal_received_on = models.DateField(null=True, blank=True)
    appeal_hearing_at = models.DateTimeField(null=True, blank=True)
    appeal_hearing_place = models.CharField(max_length=200, blank=True)
    appeal_panel = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cases_appeal")
    appeal_decision = models.CharField(max_length=20, choices=AppealDecision.choices, blank=True)
    outcome_before_appeal = models.CharField(
        max_length=30, choices=Outcome.choices, blank=True,
        help_text="The hearing's outcome as the appeal found it; `outcome` is what stands after the appeal.")

    investigation_reported_at = models.DateTimeField(
        "investigation report submitted at", null=True, blank=True,
        help_text="When the investigating officer submitted the report; a hearing needs one.")
    investigation_findings = models.TextField(blank=True)
    investigation_recommendation = models.CharField(max_length=30, choices=Recommendation.choices, blank=True)

    # Where the local authority employs the staff, it gives notice of a dismissal within 14 days
    # of being notified of it (School Staffing (England) Regulations 2009).
    authority_notice_due_on = models.DateField(
        null=True, blank=True, help_text="The local authority, notified of a dismissal, gives notice by this date.")
    authority_notice_on = models.DateField(null=True, blank=True,
                                           help_text="The date the local authority gave the employee notice.")

    closure = models.CharField(max_length=30, choices=Closure.choices, blank=True)
    suspension_review_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reload from the database.

        django-fsm-2 reloads a protected state field by lifting the protection on the field,
        which every case shares, and restoring it afterwards; two threads reloading at once
        would trip over each other, so reloads take turns.
        """
        with _reload_lock:
            super().refresh_from_db(*args, **kwargs)

    @property
    def state_fields(self) -> tuple[FSMField, ...]:
        """`state` and `suspension`. django-fsm-2 looks for them among all the case's fields every
        time a case is loaded, about 40% of the cost of building a case from its row; they are
        found once per model instead (tests/bench/bench_permissions.py)."""
        return _state_fields(type(self))

    # Panels chosen by a step, set on the case by the step runner once the case is saved
    # (a transition changes only the case's own fields).
    chosen_panels: dict[str, list]

    if TYPE_CHECKING:  # the report's fields, declared on Case
        school: School
        subject: StaffMember | None
        subject_id: int | None
        case_manager_id: int
        reported_at: datetime
        safeguarding: bool

    # --- The reporter -------------------------------------------------------------

    @step(state, source=State.REPORTED, target=State.WITHDRAWN, who=REPORTER,
          label="Withdraw the report", done="Report withdrawn.",
          given=inputs.Withdraw, conditions=[not_a_safeguarding_concern], irreversible=True)
    def withdraw(self, given: inputs.Withdraw) -> None:
        """The reporter takes the report back before anything has been done."""

    # --- First response -----------------------------------------------------------

    @step(state, source=State.REPORTED, target=State.CONTENT_REMOVAL_REQUESTED, who=CASE_MANAGER,
          label="Ask the employee to remove the content", done="The employee has been asked to remove the content.",
          given=inputs.RequestContentRemoval,
          conditions=[is_breach, employee_is_known, *WAITS_FOR_SAFEGUARDING],
          letters=to_employee(Kind.CONTENT_REMOVAL_REQUEST))
    def request_content_removal(self, given: inputs.RequestContentRemoval) -> None:
        """The policy: the employee 'will be asked to remove the offending material immediately',
        by default within the school's removal period."""
        deadline = given.deadline or due_after("content_removal", self.school, clock.today())
        if deadline <= clock.today():
            raise ValidationError({"deadline": "The removal deadline must be a date in the future."})
        self.removal_deadline = deadline

    @step(state, source=State.CONTENT_REMOVAL_REQUESTED, target=State.CONTENT_REMOVED, who=CASE_MANAGER,
          label="Confirm the content has been removed", done="Removal confirmed.",
          given=inputs.ConfirmRemoved)
    def confirm_removed(self, given: inputs.ConfirmRemoved) -> None:
        pass

    @step(state, source=State.CONTENT_REMOVAL_REQUESTED, target=State.INVESTIGATION, who=CASE_MANAGER,
          label="Escalate to an investigation", done="Escalated to an investigation.",
          given=inputs.Escalate, conditions=WAITS_FOR_SAFEGUARDING,
          letters=to_employee(Kind.INVESTIGATION_NOTICE))
    def escalate(self, given: inputs.Escalate) -> None:
        """The content was not removed: by the deadline, or the employee refused. An investigation
        meeting may be arranged now: the notice gives it."""
        if given.reason not in EscalationReason.values:
            raise ValidationError({"reason": "Choose why the case is escalated."})
        if given.reason == EscalationReason.DEADLINE_MISSED and clock.today() <= _known(self.removal_deadline):
            raise ValidationError({
                "reason": f"The removal deadline ({_long_date(_known(self.removal_deadline))}) has not passed yet."
            })
        _check_meeting(given.meeting_at, given.meeting_place)
        self._start_investigation(given.investigating_officer)

    @step(state, source=State.REPORTED, target=State.CONTAINMENT, who=CASE_MANAGER,
          label="Secure the account", done="What was done to secure the account is recorded.",
          given=inputs.SecureAccount, conditions=[is_compromised_account], letters=_takedown_request)
    def secure_account(self, given: inputs.SecureAccount) -> None:
        """Compromised account: which of the containment steps have been done (`ContainmentStep`)."""
        unknown = set(given.checklist) - set(ContainmentStep.values)
        if unknown:
            raise ValidationError({"checklist": f"Unknown containment steps: {', '.join(sorted(unknown))}."})

    @step(state, source=State.CONTAINMENT, target=State.CLOSED, who=CASE_MANAGER,
          label="Close: the account is secure", done="Account secure; the case is closed.",
          given=inputs.Resolve, conditions=[*WAITS_FOR_SAFEGUARDING, barring_referrals_recorded],
          letters=closing(no_letter),
          irreversible=True)
    def resolve(self, given: inputs.Resolve) -> None:
        self._check_back_at_work()
        self.closure = Closure.ACCOUNT_SECURED

    # --- Safeguarding (KCSIE part 4) ----------------------------------------------

    @step(state, source=THRESHOLD_STAGES, target=None, who=SAFEGUARDING,
          label="Decide whether the harm threshold is met", done="The decision on the harm threshold is recorded.",
          given=inputs.DecideHarmThreshold)
    def decide_harm_threshold(self, given: inputs.DecideHarmThreshold) -> None:
        """The four tests of KCSIE part 4, each answered, with reasons. Met: the case is a
        safeguarding one and the LADO is due to be told within one working day of when the concern
        arose (already overdue if that has passed); until the LADO advises, the school's own
        procedure waits. Not met: the case goes on as a low-level concern or under the
        disciplinary procedure."""
        reported_on = clock.localdate(self.reported_at)
        concern_arose_on = given.concern_arose_on
        if concern_arose_on is None:  # with the report, unless it came to light during the investigation
            concern_arose_on = clock.today() if self.state == State.INVESTIGATION else reported_on
        if not reported_on <= concern_arose_on <= clock.today():
            raise ValidationError({
                "concern_arose_on": "The concern cannot have arisen before the report or after today."
            })
        met = [test for test in HarmTest.values if getattr(given, test)]
        self.harm_threshold_met = bool(met)
        self.harm_tests_met = met
        self.harm_threshold_reasons = given.reasons
        if met:
            self.safeguarding = True
            self.lado_due_on = due_after("lado_referral", self.school, concern_arose_on)
            self.lado_referred_at = None
            self.lado_outcome = ""
        elif self.lado_referred_at is None:
            self.lado_due_on = None

    @step(state, source=THRESHOLD_STAGES, target=State.SAFEGUARDING_REFERRAL,
          who=SAFEGUARDING, label="Refer to the LADO", done="Referral to the LADO recorded.",
          given=inputs.ReferToLado, conditions=[threshold_found_met],
          letters=_lado_referral_record)
    def refer_to_lado(self, given: inputs.ReferToLado) -> None:
        """The harm threshold is met: the LADO is told within one working day of the concern
        arising, and no one is interviewed until the LADO advises. The LADO's name, local
        authority and reference are kept with the case."""
        self.lado_referred_at = clock.now()
        self.lado_name = given.lado_name
        self.lado_authority = given.lado_authority or self.school.local_authority
        self.lado_reference = given.lado_reference
        if self.lado_due_on is not None and clock.today() > self.lado_due_on:
            _require(given.late_reason, "late_reason",
                     f"The LADO should have been told by {_long_date(self.lado_due_on)}: record why this is late.")

    @step(state, source=[State.SAFEGUARDING_REFERRAL, State.INVESTIGATION, State.HEARING_SCHEDULED,
                         State.OUTCOME_ISSUED, State.APPEAL],
          target=None, who=SAFEGUARDING, label="Record a meeting with the LADO",
          done="The meeting with the LADO is recorded.", given=inputs.RecordLadoMeeting, conditions=[referred_to_lado])
    def record_lado_meeting(self, given: inputs.RecordLadoMeeting) -> None:
        """A consultation, strategy meeting or evaluation meeting: when, who attended and the actions
        agreed, kept on the case's record."""
        if given.held_on is None or given.held_on > clock.today():
            raise ValidationError({"held_on": "Record a meeting that has taken place: its date cannot be in the "
                                              "future."})
        if given.held_on < clock.localdate(_known(self.lado_referred_at)):
            raise ValidationError({"held_on": "The meeting cannot be before the referral to the LADO."})

    @step(state, source=OPEN_STATES, target=None, who=SAFEGUARDING,
          label="Pause while the police or children's social care act",
          done="The school's procedure is paused while others act.",
          given=inputs.PauseForAgencies, conditions=[not_paused])
    def pause_for_agencies(self, given: inputs.PauseForAgencies) -> None:
        """While the police or children's social care act on an allegation, the school's own
        procedure waits and its deadlines stop (the LADO's referral and a suspension's reviews do
        not: the LADO is told at once, and a suspended employee is still owed reviews)."""
        if given.agencies not in Agencies.values:
            raise ValidationError({"agencies": "Choose who is acting."})
        since = given.since or clock.today()
        if since > clock.today():
            raise ValidationError({"since": "The date they began cannot be in the future."})
        self.agencies_acting = given.agencies
        self.paused_on = since

    @step(state, source=OPEN_STATES, target=None, who=SAFEGUARDING,
          label="Go on with the school's procedure", done="The school's procedure goes on; its dates are moved on.",
          given=inputs.ResumeProcedure, conditions=[paused])
    def resume_procedure(self, given: inputs.ResumeProcedure) -> None:
        """The police or children's social care have finished, or agree the school may go on. The
        dates the procedure counted are moved on by the working days it was paused."""
        from incidents import deadlines

        for field, moved_to in deadlines.moved_after_pause(self, _known(self.paused_on), clock.today()).items():
            setattr(self, field, moved_to)
        self.agencies_acting = ""
        self.paused_on = None

    @step(state, source=State.REPORTED, target=State.CLOSED, who=SAFEGUARDING,
          label="Record as a low-level concern", done="Kept as a low-level concern; the case is closed.",
          given=inputs.RecordLowLevelConcern, conditions=[threshold_found_not_met, not_paused],
          letters=closing(no_letter), irreversible=True)
    def record_low_level_concern(self, given: inputs.RecordLowLevelConcern) -> None:
        """Below the harm threshold: kept on record as a low-level concern, in the log of the adult
        it is about (`incidents.concerns`)."""
        from incidents.concerns import concern_from_case

        self._check_back_at_work()
        self.closure = Closure.LOW_LEVEL_CONCERN
        concern_from_case(self, reason=given.reason)

    @step(state, source=State.SAFEGUARDING_REFERRAL, target=RETURN_VALUE(State.INVESTIGATION, State.CLOSED),
          who=CASE_MANAGER, label="Record the LADO's outcome", done="The LADO's outcome is recorded.",
          given=inputs.RecordLadoOutcome, conditions=[not_paused],
          letters=closing(_after_lado_outcome))
    def record_lado_outcome(self, given: inputs.RecordLadoOutcome) -> str:
        """The outcome, as KCSIE defines it, decides what is kept: for a substantiated,
        unsubstantiated or unfounded allegation a summary on the confidential personnel file, a copy
        of which the employee receives; a false or malicious one is removed from personnel records,
        and for a malicious one the school says what it will do about whoever made it. A
        substantiated allegation is investigated under the disciplinary procedure."""
        if given.lado_outcome not in LadoOutcome.values:
            raise ValidationError({"lado_outcome": "Choose the LADO's outcome."})
        if given.lado_outcome == LadoOutcome.SUBSTANTIATED and not given.investigate:
            raise ValidationError({"investigate": "A substantiated allegation must be investigated."})
        if given.lado_outcome in SUMMARY_ON_FILE:
            _require(given.personnel_summary, "personnel_summary",
                     "Write the summary for the personnel file: the allegation, how it was followed up, the outcome "
                     "and the decisions made.")
        elif given.personnel_summary.strip():
            raise ValidationError({"personnel_summary": "A false or malicious allegation is removed from personnel "
                                                        "records: leave the summary empty."})
        if given.lado_outcome == LadoOutcome.MALICIOUS:
            _require(given.action_about_maker, "action_about_maker",
                     "Say what the school will do about whoever made the malicious allegation.")
        self.lado_outcome = given.lado_outcome
        self.personnel_summary = given.personnel_summary if given.lado_outcome not in REMOVED_FROM_FILE else ""
        if given.investigate:
            _check_meeting(given.meeting_at, given.meeting_place)
            self._start_investigation(given.investigating_officer)
            return State.INVESTIGATION
        self._check_back_at_work()
        self._check_barring_referrals()
        self.closure = Closure.LADO_OUTCOME
        return State.CLOSED

    # --- Reporting restriction and referral duties -------------------------------------

    @step(state, source=OPEN_STATES, target=None, who=SAFEGUARDING,
          label="Record a reporting restriction", done="The reporting restriction is recorded.",
          given=inputs.RestrictReporting, conditions=[no_restriction_recorded])
    def restrict_reporting(self, given: inputs.RestrictReporting) -> None:
        """An allegation by a pupil against a teacher: the teacher must not be identified publicly
        until charged with an offence (Education Act 2002, section 141F). Every page, bundle and
        export of the case says so."""
        self.reporting_restricted = True

    @step(state, source=[*OPEN_STATES, State.CLOSED], target=None, who=SAFEGUARDING,
          label="Lift the reporting restriction", done="The reporting restriction is lifted.",
          given=inputs.LiftReportingRestriction, conditions=[restriction_recorded])
    def lift_reporting_restriction(self, given: inputs.LiftReportingRestriction) -> None:
        """The teacher has been charged, or the restriction has been lifted or waived."""
        self.reporting_restricted = False

    @step(state, source=OPEN_STATES, target=None, who=CASE_MANAGER,
          label="Record that the employee has left", done="The employee's leaving is recorded.",
          given=inputs.RecordEmployeeLeft, conditions=[employee_is_known])
    def record_employee_left(self, given: inputs.RecordEmployeeLeft) -> None:
        """The case goes on when the employee resigns or leaves (KCSIE: a settlement agreement
        never ends it). Where the harm threshold was met, the referrals are now due."""
        self.left_on = given.left_on
        self._start_barring_referral_clock()

    @step(state, source=[State.SAFEGUARDING_REFERRAL, State.INVESTIGATION, State.HEARING_SCHEDULED,
                         State.OUTCOME_ISSUED, State.APPEAL],
          target=None, who=CASE_MANAGER,
          label="Record the referrals to the DBS and the TRA", done="The referrals are recorded.",
          given=inputs.RecordBarringReferrals, conditions=[barring_referral_due])
    def record_barring_referrals(self, given: inputs.RecordBarringReferrals) -> None:
        """After a dismissal, or when the employee left, where the harm threshold was met (or, for a
        teacher, serious misconduct was found): the referral to the Disclosure and Barring Service,
        and for a teacher to the Teaching Regulation Agency, made (date and reference) or not
        required (with reasons). The case cannot close until both are recorded."""
        self.dbs_referral = self._barring_decision(given.dbs_referral, given.dbs_referred_on, given.dbs_reference,
                                                   given.dbs_reasons, "dbs")
        if given.tra_referral and not self._teacher():
            raise ValidationError({"tra_referral": "The employee is not a teacher: the Teaching Regulation Agency "
                                                   "does not apply. Leave it unanswered."})
        if given.tra_referral:  # for a teacher, it may come later than the DBS's
            self.tra_referral = self._barring_decision(given.tra_referral, given.tra_referred_on,
                                                       given.tra_reference, given.tra_reasons, "tra")
        if not self.barring_referral_outstanding():
            self.barring_referral_due_on = None  # done: nothing more is due

    # --- Investigation --------------------------------------------------------------

    @step(state, source=[State.REPORTED, State.CONTENT_REMOVED, State.CONTAINMENT], target=State.INVESTIGATION,
          who=CASE_MANAGER, label="Open an investigation", done="Investigation opened.",
          given=inputs.OpenInvestigation, conditions=WAITS_FOR_SAFEGUARDING,
          letters=to_employee(Kind.INVESTIGATION_NOTICE))
    def open_investigation(self, given: inputs.OpenInvestigation) -> None:
        """Establish the facts: an investigating officer is appointed and the employee told, with
        the investigation meeting if it is arranged now."""
        _check_meeting(given.meeting_at, given.meeting_place)
        self._start_investigation(given.investigating_officer)

    @step(state, source=State.INVESTIGATION, target=State.INVESTIGATION, who=INVESTIGATING_OFFICER,
          label="Record an investigation meeting", done="Investigation meeting recorded.",
          given=inputs.RecordInvestigationMeeting, conditions=WAITS_FOR_SAFEGUARDING)
    def record_investigation_meeting(self, given: inputs.RecordInvestigationMeeting) -> None:
        """A meeting with the employee or a witness: when, who attended (the employee may be
        accompanied), and the notes, with the signed notes when there are some."""
        if given.held_at is None or given.held_at > clock.now():
            raise ValidationError({"held_at": "Record a meeting that has taken place: its time cannot be in "
                                              "the future."})

    @step(state, source=State.INVESTIGATION, target=State.INVESTIGATION, who=INVESTIGATING_OFFICER,
          label="Add a statement or evidence", done="Added to the investigation.",
          given=inputs.AddStatement, conditions=WAITS_FOR_SAFEGUARDING)
    def add_statement(self, given: inputs.AddStatement) -> None:
        """A signed statement or further evidence, kept with the case's evidence: seen by those on
        the case who see evidence, never by the person who reported it."""

    @step(state, source=State.INVESTIGATION, target=State.INVESTIGATION, who=INVESTIGATING_OFFICER,
          label="Submit the investigation report", done="Investigation report submitted to the case manager.",
          given=inputs.SubmitInvestigationReport, conditions=WAITS_FOR_SAFEGUARDING)
    def submit_investigation_report(self, given: inputs.SubmitInvestigationReport) -> None:
        """The findings and a recommendation (no case to answer, management advice or a hearing),
        which the case manager decides on. Submitted again, it replaces the earlier report."""
        if given.recommendation not in Recommendation.values:
            raise ValidationError({"recommendation": "Choose what you recommend."})
        self.investigation_reported_at = clock.now()
        self.investigation_findings = given.findings
        self.investigation_recommendation = given.recommendation

    @step(state, source=[State.REPORTED, State.INVESTIGATION], target=State.CLOSED, who=CASE_MANAGER,
          label="Close: no case to answer", done="Closed: no case to answer.",
          given=inputs.CloseNoCase, conditions=[*WAITS_FOR_SAFEGUARDING, barring_referrals_recorded],
          letters=closing(_no_case_after_investigation),
          irreversible=True)
    def close_no_case(self, given: inputs.CloseNoCase) -> None:
        self._check_back_at_work()
        self.closure = Closure.NO_CASE

    @step(state, source=[State.CONTENT_REMOVED, State.INVESTIGATION], target=State.CLOSED, who=CASE_MANAGER,
          label="Close with management advice", done="Management advice given; the case is closed.",
          given=inputs.GiveManagementAdvice, conditions=[*WAITS_FOR_SAFEGUARDING, barring_referrals_recorded],
          letters=closing(to_employee(Kind.MANAGEMENT_ADVICE)), irreversible=True)
    def give_management_advice(self, given: inputs.GiveManagementAdvice) -> None:
        """Informal advice, which is not a disciplinary sanction."""
        self._check_back_at_work()
        self.closure = Closure.MANAGEMENT_ADVICE

    # --- Hearing and outcome ----------------------------------------------------

    @step(state, source=State.INVESTIGATION, target=State.HEARING_SCHEDULED, who=CASE_MANAGER,
          label="Refer to a disciplinary hearing", done="Hearing arranged.",
          given=inputs.ReferToHearing,
          conditions=[employee_is_known, investigation_report_submitted, *WAITS_FOR_SAFEGUARDING],
          letters=to_employee(Kind.HEARING_INVITATION))
    def refer_to_hearing(self, given: inputs.ReferToHearing) -> None:
        """The investigation report found a case to answer: a hearing after the notice period, heard
        by people who did not investigate it. The invitation gives the report's findings,
        `documents_by`, the date by which the employee sends their own documents and witnesses (by
        default two working days before the hearing), and whom to ask for adjustments or another
        format (by default the school's HR contact)."""
        _check_hearing_time(self, given.hearing_at, "hearing_at")
        hearing_day = clock.localdate(_known(given.hearing_at))
        if given.documents_by is not None and not clock.today() < given.documents_by < hearing_day:
            raise ValidationError({
                "documents_by": "The date for the employee's documents and witnesses must be after today "
                                "and before the hearing."
            })
        panel = _check_people(self, given.panel, "panel", role="hearing panel", exclude=[self.investigating_officer])
        self.hearing_at = given.hearing_at
        self.hearing_place = given.place
        self.gross_misconduct_alleged = given.gross_misconduct_alleged
        # A new invitation states afresh what is possible, and binds the panel to it.
        self.notified_maximum = ""
        self.notified_maximum = self.most_serious_outcome()
        if self.notified_maximum in DISMISSALS:
            self._check_dismissal_committee(panel, "panel")
        self.chosen_panels = {"hearing_panel": panel}

    @step(state, source=State.HEARING_SCHEDULED, target=State.HEARING_SCHEDULED, who=CASE_MANAGER,
          label="Rearrange the hearing", done="Hearing rearranged.",
          given=inputs.Reschedule, conditions=WAITS_FOR_SAFEGUARDING, letters=to_employee(Kind.HEARING_INVITATION))
    def reschedule(self, given: inputs.Reschedule) -> None:
        """If the employee's companion cannot attend, they may propose a time within five working days."""
        if given.reason not in RescheduleReason.values:
            raise ValidationError({"reason": "Choose why the hearing is rearranged."})
        if given.hearing_at is None or given.hearing_at <= clock.now():
            raise ValidationError({"hearing_at": "The new time must be in the future."})
        if given.reason == RescheduleReason.COMPANION_UNAVAILABLE:
            latest = add_working_days(clock.localdate(_known(self.hearing_at)), 5)
            if clock.localdate(_known(given.hearing_at)) > latest:
                raise ValidationError({
                    "hearing_at": f"A time proposed because the companion cannot attend must be within "
                                  f"5 working days of the original date: by {_long_date(latest)}."
                })
        else:
            _check_hearing_time(self, given.hearing_at, "hearing_at")
        self.hearing_at = given.hearing_at
        # The rearranged invitation repeats the first one; it may only say less is possible now
        # (a warning has expired), never more.
        self.notified_maximum = self.most_serious_outcome()

    @step(state, source=[State.HEARING_SCHEDULED, State.APPEAL], target=None, who=CASE_MANAGER,
          label="Record the employee's companion", done="The companion is recorded.",
          given=inputs.RecordCompanion)
    def record_companion(self, given: inputs.RecordCompanion) -> None:
        """Who will accompany the employee at the hearing or the appeal, once they say, and any
        reasonable adjustments asked for. A companion who is a union representative reveals union
        membership, special category data: the timeline shows it only to those who may see such data."""
        if given.companion_type not in Companion.values:
            raise ValidationError({"companion_type": "Choose who the companion is."})

    @step(state, source=State.HEARING_SCHEDULED, target=State.OUTCOME_ISSUED, who=HEARING_PANEL,
          label="Record the hearing's outcome", done="Outcome recorded.",
          given=inputs.RecordOutcome, conditions=[hearing_has_taken_place, *WAITS_FOR_SAFEGUARDING],
          letters=_outcome_letters, irreversible=True)
    def record_outcome(self, given: inputs.RecordOutcome) -> None:
        """The panel's decision. A warning stays live for the school's period unless the panel sets
        another; the appeal window runs from today. The outcome letter also gives the improvement
        expected and the support offered, and for a dismissal with notice the last day of
        employment, the notice and the final pay."""
        if given.outcome not in Outcome.values:
            raise ValidationError({"outcome": "Choose the outcome."})
        self._check_within_notified_maximum(given.outcome)
        if given.outcome in DISMISSALS:
            self._check_dismissal_committee(list(self.hearing_panel.all()), "outcome", deciding=True)
        if ((given.termination_on is not None or given.notice_weeks is not None)
                and given.outcome != Outcome.DISMISSAL_WITH_NOTICE):
            raise ValidationError({
                "termination_on": "A termination date and notice apply only to dismissal with notice."})
        if given.outcome == Outcome.DISMISSAL_WITH_NOTICE:
            _require(given.termination_on, "termination_on", "Enter the last day of employment.")
        if given.termination_on is not None and given.termination_on <= clock.today():
            raise ValidationError({"termination_on": "The last day of employment must be after today."})
        today = clock.today()
        self.outcome = given.outcome
        self.outcome_on = today
        self.warning_expires_on = warning_expiry(self.school, given.outcome, today, given.warning_months)
        self.appeal_deadline = due_after("appeal_window", self.school, today)
        self.appeal_decision = ""
        local_authority_dismisses = given.outcome in DISMISSALS and self.school.local_authority_is_employer
        self.authority_notice_due_on = (today + timedelta(days=AUTHORITY_NOTICE_DAYS)
                                        if local_authority_dismisses else None)
        self.authority_notice_on = None
        self._start_barring_referral_clock()

    # --- Appeal -----------------------------------------------------------------

    @step(state, source=State.OUTCOME_ISSUED, target=State.APPEAL, who=CASE_MANAGER,
          label="Lodge the employee's appeal", done="Appeal lodged.",
          given=inputs.LodgeAppeal,
          conditions=[outcome_is_appealable, appeal_window_open, *WAITS_FOR_SAFEGUARDING],
          letters=to_employee(Kind.APPEAL_INVITATION))
    def lodge_appeal(self, given: inputs.LodgeAppeal) -> None:
        """The employee's written grounds, received inside the window, heard by a panel of at least
        as many people as the hearing, none of whom sat on it."""
        if given.received_on is None or given.received_on > clock.today():
            raise ValidationError({
                "received_on": "Enter the date the appeal was received; it cannot be in the future."})
        if given.received_on > _known(self.appeal_deadline):
            raise ValidationError({
                "received_on": f"The appeal arrived after the deadline of {_long_date(_known(self.appeal_deadline))}."
            })
        _check_hearing_time(self, given.hearing_at, "hearing_at")
        hearing_panel = list(self.hearing_panel.all())
        for person in given.panel:
            if person.pk == self.case_manager_id:
                raise ValidationError({"panel": f"{display_name(person)} managed the case and cannot hear the appeal: "
                                                "an appeal is heard by people not involved before."})
        panel = _check_people(self, given.panel, "panel", role="appeal panel",
                              exclude=[self.investigating_officer, *hearing_panel])
        if len(panel) < max(1, len(hearing_panel)):
            raise ValidationError({
                "panel": f"The appeal panel needs at least as many members as the hearing panel ({len(hearing_panel)})."
            })
        if self.outcome in DISMISSALS:
            self._check_dismissal_committee(panel, "panel", appeal=True)
        self.appeal_received_on = given.received_on
        self.appeal_hearing_at = given.hearing_at
        self.appeal_hearing_place = given.place
        self.chosen_panels = {"appeal_panel": panel}

    @step(state, source=State.APPEAL, target=State.CLOSED, who=APPEAL_PANEL,
          label="Record the appeal decision", done="Appeal decision recorded.",
          given=inputs.DecideAppeal, conditions=[appeal_hearing_has_taken_place, *WAITS_FOR_SAFEGUARDING],
          letters=closing(_appeal_decision_letters), irreversible=True)
    def decide_appeal(self, given: inputs.DecideAppeal) -> None:
        """The appeal decision is final. The outcome appealed is kept beside the one that replaces
        it; a dismissal overturned means reinstatement, and the authority's notice is no longer due."""
        if given.decision not in AppealDecision.values:
            raise ValidationError({"decision": "Choose the appeal decision."})
        self.outcome_before_appeal = self.outcome
        if given.decision == AppealDecision.PARTLY_UPHELD:
            if given.new_outcome not in Outcome.values or (
                    SEVERITY.index(given.new_outcome) >= SEVERITY.index(self.outcome)):
                raise ValidationError({"new_outcome": "Choose an outcome less severe than the one appealed."})
            self.outcome = given.new_outcome
            self.warning_expires_on = warning_expiry(self.school, given.new_outcome, _known(self.outcome_on))
        elif given.decision == AppealDecision.UPHELD:
            self.outcome = Outcome.NO_FURTHER_ACTION
            self.warning_expires_on = None
        self.appeal_decision = given.decision
        self.closure = Closure.APPEAL_DECIDED
        if self.outcome not in DISMISSALS:
            self.authority_notice_due_on = None
        if self.outcome not in DISMISSALS and self.left_on is None:
            self.barring_referral_due_on = None  # reinstated: no referral is due for a dismissal overturned
        self._check_barring_referrals()

    @step(state, source=State.OUTCOME_ISSUED, target=State.CLOSED, who=CASE_MANAGER,
          label="Close the case", done="Case closed.",
          given=inputs.Close, conditions=[*WAITS_FOR_SAFEGUARDING, barring_referrals_recorded],
          letters=closing(no_letter), irreversible=True)
    def close(self, given: inputs.Close) -> None:
        """Closing before the appeal window has passed takes away the right of appeal, so it needs a
        recorded reason (for example, the employee confirmed in writing they will not appeal)."""
        if self.outcome in APPEALABLE and clock.today() <= _known(self.appeal_deadline):
            _require(given.reason, "reason",
                     f"The appeal window is open until {_long_date(_known(self.appeal_deadline))}: "
                     "record why the case is closed before then.")
        if self.outcome not in DISMISSALS:
            self._check_back_at_work()
        self.closure = Closure.OUTCOME_FINAL

    @step(state, source=State.CLOSED, target=State.INVESTIGATION, who=CASE_MANAGER,
          label="Reopen the case", done="Case reopened.",
          given=inputs.Reopen, letters=to_employee(Kind.INVESTIGATION_NOTICE))
    def reopen(self, given: inputs.Reopen) -> None:
        """New evidence has come to light."""
        _check_meeting(given.meeting_at, given.meeting_place)
        self._start_investigation(given.investigating_officer)
        self.closure = ""

    @step(state, source=[State.OUTCOME_ISSUED, State.APPEAL, State.CLOSED], target=None, who=CASE_MANAGER,
          label="Record the local authority's notice", done="The local authority's notice is recorded.",
          given=inputs.RecordAuthorityNotice, conditions=[local_authority_notified])
    def record_authority_notice(self, given: inputs.RecordAuthorityNotice) -> None:
        """Where the local authority employs the staff, it, not the school, gives notice of a
        dismissal: the date it did so, within 14 days of being notified."""
        if given.given_on is None or given.given_on > clock.today():
            raise ValidationError({"given_on": "Enter the date the authority gave notice; it cannot be in the future."})
        if self.outcome_on and given.given_on < self.outcome_on:
            raise ValidationError({"given_on": "The authority's notice cannot come before the dismissal was decided."})
        self.authority_notice_on = given.given_on

    # --- Precautionary suspension (beside the main procedure) --------------------

    @step(suspension, source=[Suspension.NOT_SUSPENDED, Suspension.LIFTED], target=Suspension.SUSPENDED,
          who=CASE_MANAGER, label="Suspend as a precaution", done="Suspended on full pay.",
          given=inputs.Suspend, conditions=[case_is_open],
          letters=to_employee(Kind.SUSPENSION))
    def suspend(self, given: inputs.Suspend) -> None:
        """Not a disciplinary sanction: on full pay, as short as possible, and reviewed at most every
        few weeks (the school's setting); the letter names a contact and a welfare contact."""
        self._check_review_date(given.review_on)
        self.suspension_review_on = given.review_on

    @step(suspension, source=Suspension.SUSPENDED, target=Suspension.SUSPENDED, who=CASE_MANAGER,
          label="Review the suspension", done="Suspension reviewed.",
          given=inputs.ReviewSuspension,
          letters=to_employee(Kind.SUSPENSION_REVIEW))
    def review_suspension(self, given: inputs.ReviewSuspension) -> None:
        """The suspension letter promises the outcome of each review in writing: this is it."""
        self._check_review_date(given.review_on)
        self.suspension_review_on = given.review_on

    @step(suspension, source=Suspension.SUSPENDED, target=Suspension.LIFTED, who=CASE_MANAGER,
          label="Lift the suspension", done="Suspension lifted.",
          given=inputs.LiftSuspension, letters=to_employee(Kind.SUSPENSION_LIFTED))
    def lift_suspension(self, given: inputs.LiftSuspension) -> None:
        self.suspension_review_on = None

    # --- Helpers for the steps above --------------------------------------------

    def _start_investigation(self, officer: Any) -> None:
        """An investigation (new, or again after the case was reopened) with its officer, and no
        report yet: a hearing waits for this investigation's report."""
        self._assign_investigating_officer(officer)
        self._start_investigation_clock()
        self.investigation_reported_at = None
        self.investigation_findings = ""
        self.investigation_recommendation = ""

    def _assign_investigating_officer(self, officer: Any) -> None:
        officer = officer or self.investigating_officer
        if officer is None:
            raise ValidationError({"investigating_officer": "Choose the investigating officer."})
        _check_people(self, [officer], "investigating_officer", role="investigating officer")
        self.investigating_officer = officer

    def _start_investigation_clock(self) -> None:
        """The investigation's target date, counted from today as its deadline declares."""
        self.investigation_due_on = due_after("investigation_target", self.school, clock.today())

    def _check_dismissal_committee(self, panel: list, field: str, *, appeal: bool = False,
                                   deciding: bool = False) -> None:
        """A dismissal is decided, and an appeal against one heard, by a committee of governors
        other than the headteacher, of at least the school's committee size (School Staffing
        (England) Regulations 2009)."""
        size = self.school.dismissal_committee_size
        case = cast("Case", self)
        governors = set(inputs.school_people(case, "governor", "chair_of_governors").values_list("pk", flat=True))
        headteachers = set(inputs.school_people(case, "headteacher").values_list("pk", flat=True))
        committee = "an appeal committee" if appeal else "a staff dismissal committee"
        for person in panel:
            if person.pk not in governors or person.pk in headteachers:
                raise ValidationError({field: (
                    f"A dismissal can only be {'reviewed' if appeal else 'decided'} by {committee} of governors: "
                    f"{display_name(person)} is not a governor who may sit on it.")})
        if len(panel) < size:
            if deciding:
                raise ValidationError({field: (
                    f"A dismissal can only be decided by a staff dismissal committee of at least {size} governors; "
                    f"this hearing's panel has {len(panel)}. Nothing has been recorded.")})
            raise ValidationError({field: (
                f"Dismissal is possible, so {committee} of at least {size} governors "
                f"{'hears the appeal' if appeal else 'hears the case'}: choose {size - len(panel)} more.")})

    @property
    def harm_tests_found(self) -> list[str]:
        """The tests of the harm threshold found met, in words."""
        return [HarmTest(test).label for test in self.harm_tests_met if test in HarmTest.values]

    def barring_referral_outstanding(self) -> bool:
        """A referral to the DBS (or, for a teacher, the TRA) is due and not yet recorded as made or
        as not required."""
        if self.barring_referral_due_on is None:
            return False
        return not self.dbs_referral or (self._teacher() and not self.tra_referral)

    def _barring_referral_applies(self) -> bool:
        """KCSIE and the DBS's guidance: after a dismissal, or when the employee has left, where the
        harm threshold was met; for a teacher, also where serious misconduct was found (the TRA
        considers prohibition)."""
        ended = self.outcome in DISMISSALS or self.left_on is not None
        serious_misconduct = self.outcome == Outcome.SUMMARY_DISMISSAL
        return ended and (self.harm_threshold_met is True or (self._teacher() and serious_misconduct))

    def _start_barring_referral_clock(self) -> None:
        if self.barring_referral_due_on is None and not self.dbs_referral and self._barring_referral_applies():
            self.barring_referral_due_on = due_after("barring_referral", self.school, clock.today())

    def _check_barring_referrals(self) -> None:
        if self.barring_referral_outstanding():
            raise ValidationError(refusal_of(barring_referrals_recorded))

    def _teacher(self) -> bool:
        return bool(self.subject and self.subject.teacher)

    @staticmethod
    def _barring_decision(decision: str, referred_on: date | None, reference: str, reasons: str, body: str) -> str:
        """One referral's answer, checked: made with its date and reference, or not required with reasons."""
        if decision not in BarringReferral.values:
            raise ValidationError({f"{body}_referral": "Choose whether the referral was made or is not required."})
        if decision == BarringReferral.MADE:
            if referred_on is None or referred_on > clock.today():
                raise ValidationError({f"{body}_referred_on": "Enter the date the referral was made; it cannot be "
                                                             "in the future."})
            _require(reference, f"{body}_reference", "Enter the reference the referral was given.")
        else:
            _require(reasons, f"{body}_reasons", "Give the reasons a referral is not required.")
        return decision

    def _check_back_at_work(self) -> None:
        """A case that closes without dismissal sends the employee back to work, which they must
        be told in writing: the letter lifting the suspension. It is not left in place unsaid."""
        if self.suspension == Suspension.SUSPENDED:
            employee = self.subject.full_name if self.subject else "The employee"
            raise ValidationError(f"{employee} is still suspended: lift the suspension first, so that they are "
                                  "told in writing that they can return to work.")

    def _check_within_notified_maximum(self, outcome: str) -> None:
        """The panel decides only what the invitation said it might: the employee prepared for that."""
        maximum = self.most_serious_outcome()
        if not more_severe(outcome, maximum):
            return
        if maximum == Outcome.FINAL_WRITTEN_WARNING:
            why = "gross misconduct was not alleged and the employee has no live final written warning"
        elif maximum == Outcome.DISMISSAL_WITH_NOTICE:
            why = "gross misconduct was not alleged in the hearing invitation"
        else:
            why = "that is what the hearing invitation said"
        raise ValidationError({"outcome": (
            f"The most serious outcome this hearing can reach is {Outcome(maximum).label.lower()}, because {why}, "
            f"so the panel cannot decide {Outcome(outcome).label.lower()}. A more serious outcome needs a new "
            "hearing invitation that says so, with fresh notice. Nothing has been recorded."
        )})

    def _check_review_date(self, review_on: date | None) -> None:
        """A suspension is reviewed at least every `suspension_review_max_weeks` weeks."""
        if review_on is None or review_on <= clock.today():
            raise ValidationError({"review_on": "The review date must be in the future."})
        weeks = self.school.suspension_review_max_weeks
        latest = clock.today() + timedelta(weeks=weeks)
        if review_on > latest:
            raise ValidationError({"review_on": (
                f"A suspension is reviewed at least every {weeks} week{'s' if weeks != 1 else ''}: "
                f"the review date must be no later than {_long_date(latest)}.")})

    # --- Reading the state -----------------------------------------------------------

    def other_live_warnings(self, on: date | None = None) -> models.QuerySet:
        """The employee's warnings from other cases still live on `on` (today by default), oldest
        first: the ones a hearing takes into account. None when the employee is not known."""
        on = on or clock.today()
        cases: models.QuerySet = type(self)._default_manager.all()  # the concrete model: Case
        if not self.subject_id:
            return cases.none()
        live: dict[str, Any] = {"subject_id": self.subject_id, "outcome__in": list(WARNINGS),
                                "warning_expires_on__gt": on}
        return cases.filter(**live).exclude(pk=self.pk).order_by("outcome_on")

    def most_serious_outcome(self, on: date | None = None, *, gross_misconduct_alleged: bool | None = None) -> str:
        """The most serious outcome this hearing may reach on `on` (today by default): what the
        invitation states and the panel is held to (see `choices.most_serious_outcome`). Once the
        invitation is sent it is recorded (`notified_maximum`) and never exceeded; a warning that
        expires before the hearing lowers it, as an expired warning is disregarded.
        `gross_misconduct_alleged` stands in for the case's own, for a letter drawn before the step."""
        gross = self.gross_misconduct_alleged if gross_misconduct_alleged is None else gross_misconduct_alleged
        live = self.other_live_warnings(on).values_list("outcome", flat=True)
        return most_serious_outcome(gross_misconduct_alleged=gross, live_warnings=list(live),
                                    notified=self.notified_maximum)

    def warning_is_live(self, on: date | None = None) -> bool:
        """A warning is live until its expiry date; afterwards it is disregarded."""
        on = on or clock.today()
        return self.warning_expires_on is not None and on < self.warning_expires_on
