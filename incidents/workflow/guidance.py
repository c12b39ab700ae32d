"""What happens next on a case: the step the procedure recommends, who takes it, and what it
waits for. The case page puts it first and the person's other steps under "Other actions".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.utils import timezone
from django.utils.formats import date_format

from incidents.workflow.choices import Recommendation, State
from incidents.workflow.steps import Step, available_steps, step_named

if TYPE_CHECKING:
    from incidents.models import Case

# The steps of the main procedure in the order the procedure recommends them: at each stage,
# the first that fits the case is what happens next. The others are alternatives (closing
# early, advice instead of a hearing) that a case manager chooses for a reason; a reporter's
# withdrawal is never recommended. Every step of the main procedure is listed here once
# (tests/test_guidance.py).
RECOMMENDED = (
    "resume_procedure", "decide_harm_threshold", "refer_to_lado", "secure_account", "request_content_removal",
    "confirm_removed", "resolve", "record_lado_outcome", "open_investigation", "submit_investigation_report",
    "refer_to_hearing", "record_outcome", "record_barring_referrals", "lodge_appeal", "close", "decide_appeal",
)
ALTERNATIVES = (
    "withdraw", "escalate", "record_low_level_concern", "record_investigation_meeting", "add_statement",
    "close_no_case", "give_management_advice", "record_companion", "reschedule", "record_authority_notice",
    "reopen", "record_lado_meeting", "pause_for_agencies", "restrict_reporting", "lift_reporting_restriction",
    "record_employee_left",
)


def _moment(case: Case, field: str) -> str:
    return date_format(timezone.localtime(getattr(case, field)), "l j F Y, H:i")


# Conditions that only mean "not yet": what the step waits for, in words.
WAITING_FOR: dict[str, Callable[[Case], str]] = {
    "hearing_has_taken_place": lambda case: f"after the hearing on {_moment(case, 'hearing_at')}",
    "appeal_hearing_has_taken_place": lambda case: f"after the appeal hearing on {_moment(case, 'appeal_hearing_at')}",
}


@dataclass(frozen=True)
class Next:
    """The recommended step on a case. `when` says when it happens ("after the hearing on ...",
    "if the employee appeals by ..."); `waiting` is true while it cannot be taken yet."""

    step: Step
    when: str = ""
    waiting: bool = False

    @property
    def who(self) -> str:
        return self.step.who.words


def _appeal_may_come(case: Case) -> bool:
    return all(condition(case) for condition in step_named("lodge_appeal").conditions)


def _next(case: Case, step: Step) -> Next | None:
    """`step` as what happens next on the case, or None when it does not fit the case now."""
    if not step.leaves_from(case):
        return None
    if step.name == "decide_harm_threshold" and (not case.safeguarding or case.harm_threshold_met is not None):
        return None  # any concern may be tested, but a safeguarding one not yet decided is expected to be
    if step.name == "refer_to_lado" and case.lado_referred_at is not None:
        return None
    if step.name == "submit_investigation_report" and case.investigation_reported_at is not None:
        return None  # submitted: what happens next is the case manager's decision on it
    if step.name == "lodge_appeal":
        if not _appeal_may_come(case):
            return None
        deadline = cast(date, case.appeal_deadline)  # set with the outcome, which the window requires
        return Next(step, f"if the employee appeals by {date_format(deadline, 'l j F Y')}")
    if step.name == "close" and _appeal_may_come(case):
        return None  # while an appeal may still come, the case stays open
    for condition in step.conditions:
        if condition(case):
            continue
        waiting_for = WAITING_FOR.get(condition.__name__)
        return Next(step, waiting_for(case), waiting=True) if waiting_for else None
    return Next(step)


# Once the investigating officer reports, the step their report recommends comes first.
FOLLOWS_RECOMMENDATION = {
    Recommendation.NO_CASE: "close_no_case",
    Recommendation.MANAGEMENT_ADVICE: "give_management_advice",
    Recommendation.HEARING: "refer_to_hearing",
}


def what_happens_next(case: Case) -> Next | None:
    """The step the procedure recommends now, or None when the case has ended."""
    if case.state == State.INVESTIGATION and case.investigation_recommendation:
        followed = _next(case, step_named(FOLLOWS_RECOMMENDATION[Recommendation(case.investigation_recommendation)]))
        if followed is not None and not followed.waiting:
            return Next(followed.step, "as the investigation report recommends")
    for name in RECOMMENDED:
        recommended = _next(case, step_named(name))
        if recommended is not None:
            return recommended
    return None


@dataclass(frozen=True)
class StepsFor:
    """What a person's case page offers: what happens next (and whether it is theirs to take
    now), then their other steps."""

    next: Next | None
    yours: bool
    others: list[Step]


def steps_for(case: Case, user: Any) -> StepsFor:
    """What happens next on `case`, whether `user` may take it now, and the other steps `user`
    may take now."""
    recommended = what_happens_next(case)
    available = available_steps(case, user)
    yours = recommended is not None and any(step.name == recommended.step.name for step in available)
    others = [step for step in available if recommended is None or step.name != recommended.step.name]
    return StepsFor(recommended, yours, others)
