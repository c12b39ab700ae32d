"""The words of the procedure: its stages, outcomes and the answers its steps accept.

Each rule about them is defined here once: which stages are open, which outcomes are
warnings or can be appealed, how long a warning stays live.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.db import models

if TYPE_CHECKING:
    from incidents.models import School


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


ENDED_STATES = [State.CLOSED.value, State.WITHDRAWN.value]
OPEN_STATES = [s for s in State.values if s not in ENDED_STATES]


def is_open(state: str) -> bool:
    """A case is open until it is closed or withdrawn."""
    return state not in ENDED_STATES


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


def most_serious_outcome(*, gross_misconduct_alleged: bool, live_warnings: Iterable[str] = (),
                         notified: str = "") -> str:
    """The most serious outcome a disciplinary hearing may reach, which its invitation states.

    Summary dismissal only when gross misconduct is alleged; dismissal with notice only then or
    when the employee has a live final written warning (`live_warnings`: the outcomes of their
    warnings still live); otherwise a final written warning. `notified` is what the invitation
    already said, if it was sent: the hearing may never go beyond it (a more serious outcome
    needs a new invitation, with fresh notice), and goes lower if a warning relied on has
    expired since, since an expired warning is disregarded.
    """
    if gross_misconduct_alleged:
        possible = Outcome.SUMMARY_DISMISSAL
    elif Outcome.FINAL_WRITTEN_WARNING in set(live_warnings):
        possible = Outcome.DISMISSAL_WITH_NOTICE
    else:
        possible = Outcome.FINAL_WRITTEN_WARNING
    if notified in SEVERITY and SEVERITY.index(notified) < SEVERITY.index(possible):
        return Outcome(notified)
    return possible


def more_severe(outcome: str, than: str) -> bool:
    """`outcome` is more serious than `than` (both outcomes)."""
    return SEVERITY.index(outcome) > SEVERITY.index(than)


def warning_months(school: School, outcome: str, months: int | None = None) -> int | None:
    """How many months a warning stays live: `months` when the panel set it, else the school's
    period for that warning; None for an outcome that is not a warning."""
    if outcome not in WARNINGS:
        return None
    if months:
        return months
    return school.first_warning_months if outcome == Outcome.FIRST_WRITTEN_WARNING else school.final_warning_months


def warning_expiry(school: School, outcome: str, given_on: date, months: int | None = None) -> date | None:
    """The day a warning given on `given_on` stops being live (None if `outcome` is no warning)."""
    live_for = warning_months(school, outcome, months)
    return given_on + relativedelta(months=live_for) if live_for else None


class LadoOutcome(models.TextChoices):
    """The outcome of an allegation against staff, as Keeping Children Safe in Education part 4
    defines them."""

    SUBSTANTIATED = "substantiated", "Substantiated"
    MALICIOUS = "malicious", "Malicious"
    FALSE = "false", "False"
    UNSUBSTANTIATED = "unsubstantiated", "Unsubstantiated"
    UNFOUNDED = "unfounded", "Unfounded"


# KCSIE part 4: a summary of a substantiated, unsubstantiated or unfounded allegation goes on the
# confidential personnel file (with a copy to the person); a false or malicious one is removed
# from personnel records.
SUMMARY_ON_FILE = {LadoOutcome.SUBSTANTIATED, LadoOutcome.UNSUBSTANTIATED, LadoOutcome.UNFOUNDED}
REMOVED_FROM_FILE = {LadoOutcome.FALSE, LadoOutcome.MALICIOUS}


class HarmTest(models.TextChoices):
    """The four tests of the harm threshold (KCSIE part 4): an allegation that the member of
    staff has done any of these is referred to the LADO."""

    HARMED = "harmed", "Behaved in a way that has harmed a child, or may have harmed a child"
    OFFENCE = "offence", "Possibly committed a criminal offence against or related to a child"
    RISK = "risk", ("Behaved towards a child or children in a way that indicates they may pose a risk of harm "
                    "to children")
    UNSUITABLE = "unsuitable", ("Behaved or may have behaved in a way that indicates they may not be suitable to "
                                "work with children")


class LadoMeeting(models.TextChoices):
    CONSULTATION = "consultation", "A consultation with the LADO"
    STRATEGY = "strategy", "A strategy meeting or discussion"
    EVALUATION = "evaluation", "A meeting to evaluate the allegation (outcome meeting)"


class Agencies(models.TextChoices):
    """Who, outside the school, is acting on an allegation; while they act, the school's own
    procedure waits."""

    POLICE = "police", "The police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    BOTH = "both", "The police and children's social care"


class BarringReferral(models.TextChoices):
    MADE = "made", "Referral made"
    NOT_REQUIRED = "not_required", "Not required"


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


class Recommendation(models.TextChoices):
    """What the investigating officer's report recommends the case manager do next."""

    NO_CASE = "no_case", "No case to answer"
    MANAGEMENT_ADVICE = "management_advice", "Management advice, not a disciplinary sanction"
    HEARING = "hearing", "A disciplinary hearing"


class DocumentKind(models.TextChoices):
    """What a file on a case is. Evidence comes with a report or later; the others are the
    investigation's own documents."""

    EVIDENCE = "evidence", "Evidence"
    STATEMENT = "statement", "Signed statement"
    MEETING_NOTES = "meeting_notes", "Notes of an investigation meeting"
    INVESTIGATION_REPORT = "investigation_report", "Investigation report"


class Companion(models.TextChoices):
    """Who may accompany an employee (Employment Relations Act 1999, section 10)."""

    COLLEAGUE = "colleague", "A colleague"
    UNION_REPRESENTATIVE = "union_representative", "A trade union representative"
    UNION_OFFICIAL = "union_official", "An official employed or certified by a trade union"


class RescheduleReason(models.TextChoices):
    COMPANION_UNAVAILABLE = "companion_unavailable", "The employee's companion cannot attend"
    OTHER = "other", "Another reason"


# Said wherever a case with a reporting restriction is shown or sent: its page, bundles, subject
# access packs and register exports.
REPORTING_RESTRICTION = (
    "Reporting restriction: this is an allegation by a pupil against a teacher. The teacher must not be "
    "identified publicly, by anyone, until they are charged with an offence (Education Act 2002, section 141F). "
    "Do not publish or share anything that could identify them."
)
