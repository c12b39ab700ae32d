"""Bring a case to any stage of the procedure through the real services.

Tests start on Monday 2 March 2026 at 09:00 (London), a week clear of bank holidays,
and the clock moves forward as the procedure needs: to hold a hearing, to let an
appeal window pass.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from incidents import clock, services
from incidents.models import Case
from incidents.workflow import (
    AppealDecision,
    EscalationReason,
    LadoOutcome,
    Outcome,
    RescheduleReason,
    State,
    Suspension,
)

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)  # a Monday
HEARING_AT = datetime(2026, 3, 10, 10, 0, tzinfo=LONDON)  # 6 working days later
APPEAL_HEARING_AT = datetime(2026, 3, 20, 10, 0, tzinfo=LONDON)


class Procedure:
    """Walks cases of `people.school` through the procedure, moving `clock` as it goes."""

    def __init__(self, people, clock):
        self.people = people
        self.clock = clock
        clock.move_to(START, tick=False)

    def report(self, *, kind: str = Case.Kind.BREACH, reporter=None, subject="employee", clauses=(),
               safeguarding: bool = False) -> Case:
        p = self.people
        return services.case_report(
            reporter=reporter or p.staff, school=p.school, kind=kind, platform=Case.Platform.FACEBOOK,
            subject=p.employee if subject == "employee" else subject, clauses=clauses,
            description="A post criticising parents of Year 4 in a public Facebook group.",
            content_url="https://facebook.example/posts/1", safeguarding=safeguarding,
        )

    def case_at(self, state: str, **report) -> Case:
        """A new case at `state`, reached by the usual route (the clock starts again at START)."""
        p = self.people
        self.clock.move_to(START, tick=False)
        if state == State.CONTAINMENT:
            report.setdefault("kind", Case.Kind.COMPROMISED_ACCOUNT)
        case = self.report(**report)
        manager = case.case_manager
        if state == State.REPORTED:
            return case
        if state == State.WITHDRAWN:
            services.case_withdraw(case=case, by=case.reporter, reason="I misread the post.")
        elif state in (State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED):
            services.case_request_content_removal(case=case, by=manager)
            if state == State.CONTENT_REMOVED:
                services.case_confirm_removed(case=case, by=manager, how_confirmed="Checked the page: gone.")
        elif state == State.SAFEGUARDING_REFERRAL:
            services.case_refer_to_lado(case=case, by=manager, allegation="Accepted a pupil's friend request.")
        elif state == State.CONTAINMENT:
            services.case_secure_account(case=case, by=manager, checklist={"password_changed": True})
        elif state == State.CLOSED:
            services.case_close_no_case(case=case, by=manager, reason="The post was not made by staff.")
        else:
            services.case_open_investigation(case=case, by=manager, investigating_officer=p.investigator)
            if state != State.INVESTIGATION:
                self.refer_to_hearing(case)
            if state in (State.OUTCOME_ISSUED, State.APPEAL):
                self.hold_hearing(case)
            if state == State.APPEAL:
                self.lodge_appeal(case)
        assert case.state == state
        return case

    def refer_to_hearing(self, case: Case, panel=None) -> None:
        services.case_refer_to_hearing(
            case=case, by=case.case_manager, findings="The post was made by the employee.",
            hearing_at=HEARING_AT, place="Meeting room 1", panel=panel or [self.people.headteacher],
        )

    def hold_hearing(self, case: Case, outcome: str = Outcome.FINAL_WRITTEN_WARNING) -> None:
        self.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
        services.case_record_outcome(case=case, by=self.people.headteacher, outcome=outcome,
                                     reasons="The post breached clause a.2 and was left up after a request.")

    def lodge_appeal(self, case: Case) -> None:
        p = self.people
        self.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
        services.case_lodge_appeal(
            case=case, by=case.case_manager, grounds="The sanction is too severe.",
            received_on=clock.today(), hearing_at=APPEAL_HEARING_AT, place="Meeting room 2",
            panel=[p.chair, p.governor],
        )


# --- Every step, for the tests that go through all of them ---------------------------

def step_arguments(p) -> dict[str, dict]:
    """Valid input for every step, for the school's people `p`."""
    return {
        "withdraw": {"reason": "I misread the post."},
        "request_content_removal": {},
        "confirm_removed": {"how_confirmed": "Checked the page: the post is gone."},
        "escalate": {"reason": EscalationReason.REFUSED, "investigating_officer": p.investigator},
        "secure_account": {"checklist": {"password_changed": True, "two_factor_enabled": True}},
        "resolve": {"what_was_done": "Password reset, two-factor turned on, posts removed by the platform."},
        "refer_to_lado": {"allegation": "Accepted a friend request from a Year 6 pupil."},
        "record_low_level_concern": {"reason": "A single like on a parent's post; below the harm threshold."},
        "record_lado_outcome": {"lado_outcome": LadoOutcome.UNFOUNDED, "advice": "No further action by the LADO.",
                                "investigate": False},
        "open_investigation": {"investigating_officer": p.investigator},
        "close_no_case": {"reason": "The account is not the employee's."},
        "give_management_advice": {"advice": "Keep the school name off personal profiles."},
        "refer_to_hearing": {"findings": "The post was made by the employee.", "hearing_at": HEARING_AT,
                             "place": "Meeting room 1", "panel": [p.headteacher]},
        "reschedule": {"hearing_at": HEARING_AT + timedelta(days=1),
                       "reason": RescheduleReason.COMPANION_UNAVAILABLE},
        "record_outcome": {"outcome": Outcome.FIRST_WRITTEN_WARNING, "reasons": "Clause a.2 was breached."},
        "lodge_appeal": {"grounds": "Too severe.", "received_on": date(2026, 3, 12), "hearing_at": APPEAL_HEARING_AT,
                         "place": "Meeting room 2", "panel": [p.chair, p.governor]},
        "decide_appeal": {"decision": AppealDecision.NOT_UPHELD, "reasons": "The sanction was reasonable."},
        "close": {"reason": "The employee confirmed in writing that they will not appeal."},
        "reopen": {"reason": "New screenshots came to light.", "investigating_officer": p.investigator},
        "suspend": {"reason": "Alleged contact with pupils online.", "why_needed": "To protect pupils.",
                    "alternatives_considered": "Working away from pupils was not possible.",
                    "contact_restrictions": "No contact with pupils or parents.", "named_contact": p.chair,
                    "review_on": date(2026, 3, 16)},
        "review_suspension": {"findings": "The investigation continues.", "review_on": date(2026, 3, 30)},
        "lift_suspension": {"reason": "The LADO advised no further action."},
    }


def all_steps():
    """Every (step, source stage) pair of both machines, from the state machine itself."""
    pairs = []
    for field in ("state", "suspension"):
        for step in Case._meta.get_field(field).get_all_transitions(Case):
            pairs.append((step.name, step.source))
    return sorted(pairs)


def reach(procedure, take, source: str, step: str) -> Case:
    """A case at `source`, ready for `step`."""
    if source in Suspension.values:
        case = procedure.case_at(State.INVESTIGATION)
        if source != Suspension.NOT_SUSPENDED:
            take("suspend", case, case.case_manager)
        if source == Suspension.LIFTED:
            take("lift_suspension", case, case.case_manager)
        return case
    kind = Case.Kind.COMPROMISED_ACCOUNT if step == "secure_account" else Case.Kind.BREACH
    case = procedure.case_at(source, kind=kind) if source != State.CONTAINMENT else procedure.case_at(source)
    if step == "record_outcome":
        procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    if step == "lodge_appeal":
        procedure.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
    if step == "decide_appeal":
        procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=3), tick=False)
    return case


def who_may(step: str, case: Case, p) -> list:
    return {
        "withdraw": [case.reporter],
        "refer_to_lado": [p.headteacher, *([p.dsl] if case.safeguarding else [])],
        "record_low_level_concern": [p.headteacher, *([p.dsl] if case.safeguarding else [])],
        "record_outcome": [p.headteacher],
        "decide_appeal": [p.chair, p.governor],
    }.get(step, [case.case_manager])
