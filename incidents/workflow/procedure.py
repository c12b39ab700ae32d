"""The disciplinary procedure for a case, as a state machine.

Read this module top to bottom to see the whole procedure: the stages a case moves
through, every step (transition) between them, who may take it and what it requires.
It follows the ACAS Code of Practice on disciplinary and grievance procedures
(establish the facts, tell the employee in writing, hold a hearing with the right to
be accompanied, decide, offer an appeal) and Keeping Children Safe in Education part 4
(allegations that may meet the harm threshold go to the Local Authority Designated
Officer, the LADO, within one working day, before anyone is interviewed).

Transition methods here only validate their input and change fields. Nobody calls
them directly: each step is taken through a service in `incidents.services`, which
checks the person's permission, records the event and saves everything in one
transaction.

The README draws the whole graph; `python manage.py graph_transitions incidents.Case`
prints it from this module. Beside the main procedure runs the precautionary-suspension
machine (`suspension`): not suspended -> suspended -> lifted, reviewed while it lasts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from incidents import clock, permissions
from incidents.working_days import add_working_days


class State(models.TextChoices):
    REPORTED = "reported", "Reported"
    CONTENT_REMOVAL_REQUESTED = "content_removal_requested", "Content removal requested"
    CONTENT_REMOVED = "content_removed", "Content removed"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Referred to the LADO"
    CONTAINMENT = "containment", "Securing the account"
    INVESTIGATION = "investigation", "Investigation"
    HEARING_SCHEDULED = "hearing_scheduled", "Hearing scheduled"
    OUTCOME_ISSUED = "outcome_issued", "Outcome issued"
    APPEAL = "appeal", "Appeal"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATES = [s for s in State.values if s not in (State.CLOSED, State.WITHDRAWN)]


class Suspension(models.TextChoices):
    NOT_SUSPENDED = "not_suspended", "Not suspended"
    SUSPENDED = "suspended", "Suspended on full pay"
    LIFTED = "lifted", "Suspension lifted"


class Outcome(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    MANAGEMENT_ADVICE = "management_advice", "Management advice"
    FIRST_WRITTEN_WARNING = "first_written_warning", "First written warning"
    FINAL_WRITTEN_WARNING = "final_written_warning", "Final written warning"
    DISMISSAL_WITH_NOTICE = "dismissal_with_notice", "Dismissal with notice"
    SUMMARY_DISMISSAL = "summary_dismissal", "Summary dismissal"


# Outcomes in rising order of severity; an appeal may replace one only with a lesser one.
SEVERITY = list(Outcome.values)
WARNINGS = {Outcome.FIRST_WRITTEN_WARNING, Outcome.FINAL_WRITTEN_WARNING}
APPEALABLE = set(SEVERITY[SEVERITY.index(Outcome.FIRST_WRITTEN_WARNING):])
DISMISSALS = {Outcome.DISMISSAL_WITH_NOTICE, Outcome.SUMMARY_DISMISSAL}


class LadoOutcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", "Substantiated"
    MALICIOUS = "malicious", "Malicious"
    FALSE = "false", "False"
    UNSUBSTANTIATED = "unsubstantiated", "Unsubstantiated"
    UNFOUNDED = "unfounded", "Unfounded"


class AppealDecision(models.TextChoices):
    NOT_UPHELD = "not_upheld", "Not upheld: the outcome stands"
    UPHELD = "upheld", "Upheld: the outcome is withdrawn"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld: a lesser outcome replaces it"


class Closure(models.TextChoices):
    NO_CASE = "no_case", "No case to answer"
    LOW_LEVEL_CONCERN = "low_level_concern", "Kept as a low-level concern"
    MANAGEMENT_ADVICE = "management_advice", "Management advice given"
    ACCOUNT_SECURED = "account_secured", "Account secured"
    LADO_OUTCOME = "lado_outcome", "Closed on the LADO's outcome"
    OUTCOME_FINAL = "outcome_final", "Outcome final, no appeal"
    APPEAL_DECIDED = "appeal_decided", "Appeal decided"


class EscalationReason(models.TextChoices):
    DEADLINE_MISSED = "deadline_missed", "The removal deadline passed and the content is still there"
    REFUSED = "refused", "The employee refused to remove the content"


class ContainmentStep(models.TextChoices):
    PASSWORD_CHANGED = "password_changed", "Password changed"
    TWO_FACTOR_ENABLED = "two_factor_enabled", "Two-factor authentication turned on"
    PLATFORM_RECOVERY_REQUESTED = "platform_recovery_requested", "Account recovery requested from the platform"
    TAKEDOWN_REQUESTED = "takedown_requested", "Takedown of the posts requested from the platform"


class RescheduleReason(models.TextChoices):
    COMPANION_UNAVAILABLE = "companion_unavailable", "The employee's companion cannot attend"
    OTHER = "other", "Another reason"


# --- Who may take a step (the rules live in incidents.permissions) -----------------

def _rule(rule: Callable) -> Callable:
    """Adapt a rule `can_x(user, case)` to django-fsm's `permission(case, user)`."""

    def permission(case, user) -> bool:
        return rule(user, case)

    permission.__name__ = rule.__name__
    return permission


BY_REPORTER = _rule(permissions.can_withdraw_report)
BY_CASE_MANAGER = _rule(permissions.can_manage_case)
BY_SAFEGUARDING = _rule(permissions.can_refer_safeguarding)
BY_HEARING_PANEL = _rule(permissions.can_hear_case)
BY_APPEAL_PANEL = _rule(permissions.can_hear_appeal)


# --- Conditions on the case itself ---------------------------------------------------
# Each carries the sentence shown to the person when it does not hold.

def _refusal(message: str) -> Callable:
    def mark(condition: Callable) -> Callable:
        condition.refusal = message
        return condition

    return mark


@_refusal("A safeguarding concern cannot be withdrawn: the designated safeguarding lead must consider it.")
def not_a_safeguarding_concern(case) -> bool:
    return not case.safeguarding


@_refusal("Content removal applies to a suspected breach, not to a compromised account.")
def is_breach(case) -> bool:
    return case.kind == "breach"


@_refusal("Only a report of a compromised account can go through account containment.")
def is_compromised_account(case) -> bool:
    return case.kind == "compromised_account"


@_refusal("The employee concerned is not known yet: record who the case is about first.")
def employee_is_known(case) -> bool:
    return case.subject_id is not None


@_refusal("The outcome can only be recorded once the hearing has taken place.")
def hearing_has_taken_place(case) -> bool:
    return case.hearing_at is not None and clock.now() >= case.hearing_at


@_refusal("Only a warning or a dismissal can be appealed.")
def outcome_is_appealable(case) -> bool:
    return case.outcome in APPEALABLE


@_refusal("The appeal window has closed.")
def appeal_window_open(case) -> bool:
    return case.appeal_deadline is not None and clock.today() <= case.appeal_deadline


@_refusal("The appeal decision can only be recorded once the appeal hearing has taken place.")
def appeal_hearing_has_taken_place(case) -> bool:
    return case.appeal_hearing_at is not None and clock.now() >= case.appeal_hearing_at


@_refusal("A suspension can only be put in place while the case is open.")
def case_is_open(case) -> bool:
    return case.state in OPEN_STATES


# --- Checks on the input of a step ---------------------------------------------------

def _long_date(day: date) -> str:
    return date_format(day, "j F Y")


def _require(value, field: str, message: str) -> None:
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: message})


def _check_people(case, people: Iterable, field: str, *, role: str, exclude: Iterable = ()) -> list:
    """Refuse anyone conflicted out of `role` on this case (see permissions.conflicts)."""
    people = list(people)
    excluded = {person.pk for person in exclude if person is not None}
    for person in people:
        reason = permissions.conflict_of_interest(person, case, role=role)
        if reason:
            raise ValidationError({field: reason})
        if person.pk in excluded:
            raise ValidationError({field: f"{person.get_full_name() or person} cannot also sit as {role}."})
    return people


def _check_meeting(meeting_at: datetime | None, meeting_place: str) -> None:
    """An investigation meeting, when one is arranged with the step: in the future, and somewhere."""
    if meeting_at is None:
        if (meeting_place or "").strip():
            raise ValidationError({"meeting_at": "Enter the date and time of the investigation meeting."})
        return
    if meeting_at <= clock.now():
        raise ValidationError({"meeting_at": "The investigation meeting must be in the future."})
    _require(meeting_place, "meeting_place", "Say where the investigation meeting will be held.")


def _check_hearing_time(case, when: datetime, field: str) -> None:
    """A hearing needs the school's notice period, counted in working days from today."""
    if when is None:
        raise ValidationError({field: "Enter the date and time of the hearing."})
    earliest = add_working_days(clock.today(), case.school.notice_working_days)
    if when.astimezone(clock.now().tzinfo).date() < earliest:
        raise ValidationError({
            field: f"The employee must have {case.school.notice_working_days} working days' notice: "
                   f"the earliest date is {_long_date(earliest)}."
        })


_reload_lock = threading.RLock()


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[FSMField, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class CaseProcedure(ConcurrentTransitionMixin, models.Model):
    """The stage a case is at and everything the procedure has decided so far.

    Both state fields are protected: they change only through the transitions below.
    """

    state = FSMField(default=State.REPORTED, choices=State.choices, protected=True, db_index=True)
    suspension = FSMField(default=Suspension.NOT_SUSPENDED, choices=Suspension.choices, protected=True)

    investigating_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_investigating"
    )
    removal_deadline = models.DateField(null=True, blank=True)
    lado_due_on = models.DateField("LADO due on", null=True, blank=True, help_text="The LADO must be told by this date.")
    lado_referred_at = models.DateTimeField("referred to the LADO at", null=True, blank=True)
    lado_outcome = models.CharField("LADO outcome", max_length=20, choices=LadoOutcome.choices, blank=True)

    hearing_at = models.DateTimeField(null=True, blank=True)
    hearing_place = models.CharField(max_length=200, blank=True)
    hearing_panel = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cases_hearing")
    gross_misconduct_alleged = models.BooleanField(default=False)

    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    warning_expires_on = models.DateField(null=True, blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)

    appeal_received_on = models.DateField(null=True, blank=True)
    appeal_hearing_at = models.DateTimeField(null=True, blank=True)
    appeal_hearing_place = models.CharField(max_length=200, blank=True)
    appeal_panel = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cases_appeal")
    appeal_decision = models.CharField(max_length=20, choices=AppealDecision.choices, blank=True)

    closure = models.CharField(max_length=30, choices=Closure.choices, blank=True)
    suspension_review_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def refresh_from_db(self, *args, **kwargs):
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

    # --- The reporter -------------------------------------------------------------

    @transition(field=state, source=State.REPORTED, target=State.WITHDRAWN, permission=BY_REPORTER,
                conditions=[not_a_safeguarding_concern],
                custom={"label": "Withdraw the report", "who": "the person who reported it"})
    def withdraw(self, *, reason: str = "") -> None:
        """The reporter takes the report back before anything has been done."""

    # --- First response -----------------------------------------------------------

    @transition(field=state, source=State.REPORTED, target=State.CONTENT_REMOVAL_REQUESTED,
                permission=BY_CASE_MANAGER, conditions=[is_breach, employee_is_known],
                custom={"label": "Ask the employee to remove the content", "who": "the case manager"})
    def request_content_removal(self, *, deadline: date, what_to_remove: str = "") -> None:
        """The policy: the employee 'will be asked to remove the offending material immediately'.
        `what_to_remove` says exactly what, in the letter (by default: the post and its copies)."""
        if deadline is None or deadline <= clock.today():
            raise ValidationError({"deadline": "The removal deadline must be a date in the future."})
        self.removal_deadline = deadline

    @transition(field=state, source=State.CONTENT_REMOVAL_REQUESTED, target=State.CONTENT_REMOVED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Confirm the content has been removed", "who": "the case manager"})
    def confirm_removed(self, *, how_confirmed: str) -> None:
        _require(how_confirmed, "how_confirmed", "Say how the removal was confirmed.")

    @transition(field=state, source=State.CONTENT_REMOVAL_REQUESTED, target=State.INVESTIGATION,
                permission=BY_CASE_MANAGER,
                custom={"label": "Escalate to an investigation", "who": "the case manager"})
    def escalate(self, *, reason: str, investigating_officer=None, meeting_at: datetime | None = None,
                 meeting_place: str = "") -> None:
        """The content was not removed: by the deadline, or the employee refused. An investigation
        meeting may be arranged now (`meeting_at`, `meeting_place`): the notice gives it."""
        if reason not in EscalationReason.values:
            raise ValidationError({"reason": "Choose why the case is escalated."})
        if reason == EscalationReason.DEADLINE_MISSED and clock.today() <= self.removal_deadline:
            raise ValidationError({
                "reason": f"The removal deadline ({_long_date(self.removal_deadline)}) has not passed yet."
            })
        _check_meeting(meeting_at, meeting_place)
        self._assign_investigating_officer(investigating_officer)

    @transition(field=state, source=State.REPORTED, target=State.CONTAINMENT, permission=BY_CASE_MANAGER,
                conditions=[is_compromised_account],
                custom={"label": "Secure the account", "who": "the case manager"})
    def secure_account(self, *, checklist: dict[str, bool]) -> None:
        """Compromised account: which of the containment steps have been done (`ContainmentStep`)."""
        unknown = set(checklist) - set(ContainmentStep.values)
        if unknown:
            raise ValidationError({"checklist": f"Unknown containment steps: {', '.join(sorted(unknown))}."})

    @transition(field=state, source=State.CONTAINMENT, target=State.CLOSED, permission=BY_CASE_MANAGER,
                custom={"label": "Close: the account is secure", "who": "the case manager"})
    def resolve(self, *, what_was_done: str) -> None:
        _require(what_was_done, "what_was_done", "Say what was done to secure the account.")
        self._check_back_at_work()
        self.closure = Closure.ACCOUNT_SECURED

    # --- Safeguarding (KCSIE part 4) ----------------------------------------------

    @transition(field=state, source=[State.REPORTED, State.INVESTIGATION], target=State.SAFEGUARDING_REFERRAL,
                permission=BY_SAFEGUARDING,
                custom={"label": "Refer to the LADO (harm threshold met)",
                        "who": "the case manager or the designated safeguarding lead"})
    def refer_to_lado(self, *, allegation: str, concern_arose_on: date | None = None, late_reason: str = "") -> None:
        """The harm threshold is met: the LADO is told within one working day of the concern
        arising (the report, unless it came to light later, during the investigation), and no
        one is interviewed until the LADO advises."""
        _require(allegation, "allegation", "Describe what was alleged, as told to the LADO.")
        reported_on = self.reported_at.astimezone(clock.now().tzinfo).date()
        if concern_arose_on is None:
            concern_arose_on = reported_on if self.state == State.REPORTED else clock.today()
        if not reported_on <= concern_arose_on <= clock.today():
            raise ValidationError({
                "concern_arose_on": "The concern cannot have arisen before the report or after today."
            })
        self.safeguarding = True
        self.lado_due_on = add_working_days(concern_arose_on, 1)
        self.lado_referred_at = clock.now()
        if clock.today() > self.lado_due_on:
            _require(late_reason, "late_reason",
                     f"The LADO should have been told by {_long_date(self.lado_due_on)}: record why this is late.")

    @transition(field=state, source=State.REPORTED, target=State.CLOSED, permission=BY_SAFEGUARDING,
                custom={"label": "Record as a low-level concern",
                        "who": "the case manager or the designated safeguarding lead"})
    def record_low_level_concern(self, *, reason: str) -> None:
        """Below the harm threshold: kept on record as a low-level concern."""
        _require(reason, "reason", "Say why this is below the harm threshold.")
        self._check_back_at_work()
        self.closure = Closure.LOW_LEVEL_CONCERN

    @transition(field=state, source=State.SAFEGUARDING_REFERRAL,
                target=RETURN_VALUE(State.INVESTIGATION, State.CLOSED), permission=BY_CASE_MANAGER,
                custom={"label": "Record the LADO's outcome", "who": "the case manager"})
    def record_lado_outcome(self, *, lado_outcome: str, advice: str, investigate: bool,
                            investigating_officer=None, meeting_at: datetime | None = None,
                            meeting_place: str = "") -> str:
        """The LADO's outcome decides the next stage; a substantiated allegation is investigated."""
        if lado_outcome not in LadoOutcome.values:
            raise ValidationError({"lado_outcome": "Choose the LADO's outcome."})
        _require(advice, "advice", "Record the LADO's advice.")
        if lado_outcome == LadoOutcome.SUBSTANTIATED and not investigate:
            raise ValidationError({"investigate": "A substantiated allegation must be investigated."})
        self.lado_outcome = lado_outcome
        if investigate:
            _check_meeting(meeting_at, meeting_place)
            self._assign_investigating_officer(investigating_officer)
            return State.INVESTIGATION
        self._check_back_at_work()
        self.closure = Closure.LADO_OUTCOME
        return State.CLOSED

    # --- Investigation --------------------------------------------------------------

    @transition(field=state, source=[State.REPORTED, State.CONTENT_REMOVED, State.CONTAINMENT],
                target=State.INVESTIGATION, permission=BY_CASE_MANAGER,
                custom={"label": "Open an investigation", "who": "the case manager"})
    def open_investigation(self, *, investigating_officer, meeting_at: datetime | None = None,
                           meeting_place: str = "") -> None:
        """Establish the facts: an investigating officer is appointed and the employee told, with
        the investigation meeting if it is arranged now."""
        _check_meeting(meeting_at, meeting_place)
        self._assign_investigating_officer(investigating_officer)

    @transition(field=state, source=[State.REPORTED, State.INVESTIGATION], target=State.CLOSED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Close: no case to answer", "who": "the case manager"})
    def close_no_case(self, *, reason: str) -> None:
        _require(reason, "reason", "Give the reason for closing the case.")
        self._check_back_at_work()
        self.closure = Closure.NO_CASE

    @transition(field=state, source=[State.CONTENT_REMOVED, State.INVESTIGATION], target=State.CLOSED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Close with management advice", "who": "the case manager"})
    def give_management_advice(self, *, advice: str) -> None:
        """Informal advice, which is not a disciplinary sanction."""
        _require(advice, "advice", "Write the advice given to the employee.")
        self._check_back_at_work()
        self.closure = Closure.MANAGEMENT_ADVICE

    # --- Hearing and outcome ----------------------------------------------------

    @transition(field=state, source=State.INVESTIGATION, target=State.HEARING_SCHEDULED,
                permission=BY_CASE_MANAGER, conditions=[employee_is_known],
                custom={"label": "Refer to a disciplinary hearing", "who": "the case manager"})
    def refer_to_hearing(self, *, findings: str, hearing_at: datetime, place: str, panel: Iterable,
                         gross_misconduct_alleged: bool = False, documents_by: date | None = None,
                         adjustments_contact: str = "") -> None:
        """The investigation found a case to answer: a hearing after the notice period,
        heard by people who did not investigate it. The invitation gives `documents_by`, the
        date by which the employee sends their own documents and witnesses (by default two
        working days before the hearing), and whom to ask for adjustments or another format
        (by default the school's HR contact)."""
        _require(findings, "findings", "Summarise the investigation's findings.")
        _check_hearing_time(self, hearing_at, "hearing_at")
        if documents_by is not None and not (
                clock.today() < documents_by < hearing_at.astimezone(clock.now().tzinfo).date()):
            raise ValidationError({
                "documents_by": "The date for the employee's documents and witnesses must be after today "
                                "and before the hearing."
            })
        _require(place, "place", "Say where the hearing will be held.")
        panel = _check_people(self, panel, "panel", role="hearing panel",
                              exclude=[self.investigating_officer])
        if not panel:
            raise ValidationError({"panel": "Choose who will hear the case."})
        self.hearing_at = hearing_at
        self.hearing_place = place
        self.gross_misconduct_alleged = gross_misconduct_alleged
        self.hearing_panel.set(panel)

    @transition(field=state, source=State.HEARING_SCHEDULED, target=State.HEARING_SCHEDULED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Rearrange the hearing", "who": "the case manager"})
    def reschedule(self, *, hearing_at: datetime, reason: str) -> None:
        """If the employee's companion cannot attend, they may propose a time within five working days."""
        if reason not in RescheduleReason.values:
            raise ValidationError({"reason": "Choose why the hearing is rearranged."})
        if hearing_at is None or hearing_at <= clock.now():
            raise ValidationError({"hearing_at": "The new time must be in the future."})
        if reason == RescheduleReason.COMPANION_UNAVAILABLE:
            latest = add_working_days(self.hearing_at.astimezone(clock.now().tzinfo).date(), 5)
            if hearing_at.astimezone(clock.now().tzinfo).date() > latest:
                raise ValidationError({
                    "hearing_at": f"A time proposed because the companion cannot attend must be within "
                                  f"5 working days of the original date: by {_long_date(latest)}."
                })
        else:
            _check_hearing_time(self, hearing_at, "hearing_at")
        self.hearing_at = hearing_at

    @transition(field=state, source=State.HEARING_SCHEDULED, target=State.OUTCOME_ISSUED,
                permission=BY_HEARING_PANEL, conditions=[hearing_has_taken_place],
                custom={"label": "Record the hearing's outcome", "who": "a member of the hearing panel"})
    def record_outcome(self, *, outcome: str, reasons: str, warning_months: int | None = None,
                       improvement_expected: str = "", support_offered: str = "",
                       termination_on: date | None = None, notice_weeks: int | None = None,
                       final_pay: str = "") -> None:
        """The panel's decision. A warning stays live for the school's period unless the panel sets
        another; the appeal window runs from today. The outcome letter also gives the improvement
        expected and the support offered, and for a dismissal with notice the last day of
        employment (`termination_on`), the notice (`notice_weeks`) and the final pay."""
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": "Choose the outcome."})
        _require(reasons, "reasons", "Give the reasons for the decision.")
        if (termination_on is not None or notice_weeks is not None) and outcome != Outcome.DISMISSAL_WITH_NOTICE:
            raise ValidationError({"termination_on": "A termination date and notice apply only to dismissal with notice."})
        if termination_on is not None and termination_on <= clock.today():
            raise ValidationError({"termination_on": "The last day of employment must be after today."})
        if notice_weeks is not None and notice_weeks < 1:
            raise ValidationError({"notice_weeks": "Notice is at least one week."})
        if outcome == Outcome.SUMMARY_DISMISSAL and not self.gross_misconduct_alleged:
            raise ValidationError({
                "outcome": "Summary dismissal needs gross misconduct to have been alleged in the hearing invitation."
            })
        today = clock.today()
        self.outcome = outcome
        self.outcome_on = today
        self.warning_expires_on = None
        if outcome in WARNINGS:
            months = warning_months or (
                self.school.first_warning_months if outcome == Outcome.FIRST_WRITTEN_WARNING
                else self.school.final_warning_months
            )
            self.warning_expires_on = today + relativedelta(months=months)
        self.appeal_deadline = add_working_days(today, self.school.appeal_window_working_days)
        self.appeal_decision = ""

    # --- Appeal -----------------------------------------------------------------

    @transition(field=state, source=State.OUTCOME_ISSUED, target=State.APPEAL, permission=BY_CASE_MANAGER,
                conditions=[outcome_is_appealable, appeal_window_open],
                custom={"label": "Lodge the employee's appeal", "who": "the case manager"})
    def lodge_appeal(self, *, grounds: str, received_on: date, hearing_at: datetime, place: str,
                     panel: Iterable) -> None:
        """The employee's written grounds, received inside the window, heard by a panel of at least
        as many people as the hearing, none of whom sat on it."""
        _require(grounds, "grounds", "Record the employee's grounds of appeal.")
        if received_on is None or received_on > clock.today():
            raise ValidationError({"received_on": "Enter the date the appeal was received; it cannot be in the future."})
        if received_on > self.appeal_deadline:
            raise ValidationError({
                "received_on": f"The appeal arrived after the deadline of {_long_date(self.appeal_deadline)}."
            })
        _check_hearing_time(self, hearing_at, "hearing_at")
        _require(place, "place", "Say where the appeal will be heard.")
        hearing_panel = list(self.hearing_panel.all())
        panel = _check_people(self, panel, "panel", role="appeal panel",
                              exclude=[self.investigating_officer, *hearing_panel])
        if len(panel) < max(1, len(hearing_panel)):
            raise ValidationError({
                "panel": f"The appeal panel needs at least as many members as the hearing panel ({len(hearing_panel)})."
            })
        self.appeal_received_on = received_on
        self.appeal_hearing_at = hearing_at
        self.appeal_hearing_place = place
        self.appeal_panel.set(panel)

    @transition(field=state, source=State.APPEAL, target=State.CLOSED, permission=BY_APPEAL_PANEL,
                conditions=[appeal_hearing_has_taken_place],
                custom={"label": "Record the appeal decision", "who": "a member of the appeal panel"})
    def decide_appeal(self, *, decision: str, reasons: str, new_outcome: str = "") -> None:
        """The appeal decision is final."""
        if decision not in AppealDecision.values:
            raise ValidationError({"decision": "Choose the appeal decision."})
        _require(reasons, "reasons", "Give the reasons for the appeal decision.")
        if decision == AppealDecision.PARTLY_UPHELD:
            if new_outcome not in Outcome.values or SEVERITY.index(new_outcome) >= SEVERITY.index(self.outcome):
                raise ValidationError({"new_outcome": "Choose an outcome less severe than the one appealed."})
            self.outcome = new_outcome
            self.warning_expires_on = None
            if new_outcome in WARNINGS:
                months = (self.school.first_warning_months if new_outcome == Outcome.FIRST_WRITTEN_WARNING
                          else self.school.final_warning_months)
                self.warning_expires_on = self.outcome_on + relativedelta(months=months)
        elif decision == AppealDecision.UPHELD:
            self.outcome = Outcome.NO_FURTHER_ACTION
            self.warning_expires_on = None
        self.appeal_decision = decision
        self.closure = Closure.APPEAL_DECIDED

    @transition(field=state, source=State.OUTCOME_ISSUED, target=State.CLOSED, permission=BY_CASE_MANAGER,
                custom={"label": "Close the case", "who": "the case manager"})
    def close(self, *, reason: str = "") -> None:
        """Closing before the appeal window has passed takes away the right of appeal, so it needs a
        recorded reason (for example, the employee confirmed in writing they will not appeal)."""
        if self.outcome in APPEALABLE and clock.today() <= self.appeal_deadline:
            _require(reason, "reason",
                     f"The appeal window is open until {_long_date(self.appeal_deadline)}: "
                     "record why the case is closed before then.")
        if self.outcome not in DISMISSALS:
            self._check_back_at_work()
        self.closure = Closure.OUTCOME_FINAL

    @transition(field=state, source=State.CLOSED, target=State.INVESTIGATION, permission=BY_CASE_MANAGER,
                custom={"label": "Reopen the case", "who": "the case manager"})
    def reopen(self, *, reason: str, investigating_officer=None, meeting_at: datetime | None = None,
               meeting_place: str = "") -> None:
        """New evidence has come to light."""
        _require(reason, "reason", "Give the reason for reopening the case, such as new evidence.")
        _check_meeting(meeting_at, meeting_place)
        self._assign_investigating_officer(investigating_officer)
        self.closure = ""

    # --- Precautionary suspension (beside the main procedure) --------------------

    @transition(field=suspension, source=[Suspension.NOT_SUSPENDED, Suspension.LIFTED], target=Suspension.SUSPENDED,
                permission=BY_CASE_MANAGER, conditions=[case_is_open],
                custom={"label": "Suspend as a precaution", "who": "the case manager"})
    def suspend(self, *, reason: str, why_needed: str, alternatives_considered: str, contact_restrictions: str,
                named_contact, review_on: date) -> None:
        """Not a disciplinary sanction: on full pay, as short as possible, and reviewed."""
        _require(reason, "reason", "Give the reason for the suspension.")
        _require(why_needed, "why_needed", "Explain why suspension is needed.")
        _require(alternatives_considered, "alternatives_considered",
                 "Record the alternatives considered, such as a change of duties.")
        _require(named_contact, "named_contact", "Name the employee's contact during the suspension.")
        self._check_review_date(review_on)
        self.suspension_review_on = review_on

    @transition(field=suspension, source=Suspension.SUSPENDED, target=Suspension.SUSPENDED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Review the suspension", "who": "the case manager"})
    def review_suspension(self, *, findings: str, review_on: date) -> None:
        _require(findings, "findings", "Record why the suspension continues.")
        self._check_review_date(review_on)
        self.suspension_review_on = review_on

    @transition(field=suspension, source=Suspension.SUSPENDED, target=Suspension.LIFTED,
                permission=BY_CASE_MANAGER,
                custom={"label": "Lift the suspension", "who": "the case manager"})
    def lift_suspension(self, *, reason: str) -> None:
        _require(reason, "reason", "Give the reason for lifting the suspension.")
        self.suspension_review_on = None

    # --- Helpers for the steps above --------------------------------------------

    def _assign_investigating_officer(self, officer) -> None:
        officer = officer or self.investigating_officer
        if officer is None:
            raise ValidationError({"investigating_officer": "Choose the investigating officer."})
        _check_people(self, [officer], "investigating_officer", role="investigating officer")
        self.investigating_officer = officer

    def _check_back_at_work(self) -> None:
        """A case that closes without dismissal sends the employee back to work, which they must
        be told in writing: the letter lifting the suspension. It is not left in place unsaid."""
        if self.suspension == Suspension.SUSPENDED:
            employee = self.subject.full_name if self.subject_id else "The employee"
            raise ValidationError(f"{employee} is still suspended: lift the suspension first, so that they are "
                                  "told in writing that they can return to work.")

    @staticmethod
    def _check_review_date(review_on: date) -> None:
        if review_on is None or review_on <= clock.today():
            raise ValidationError({"review_on": "The review date must be in the future."})

    # --- Reading the state -----------------------------------------------------------

    def warning_is_live(self, on: date | None = None) -> bool:
        """A warning is live until its expiry date; afterwards it is disregarded."""
        on = on or clock.today()
        return self.warning_expires_on is not None and on < self.warning_expires_on
