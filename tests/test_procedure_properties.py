"""Random walks through the procedure: whatever permitted steps people take, in whatever
order and with whatever time passing, the case stays inside the graph and every step
leaves exactly one event in an unbroken chain."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from incidents import clock, services
from incidents.audit import audit_verify
from incidents.models import Case, CaseEvent, Role
from incidents.workflow import AppealDecision, LadoOutcome, Outcome, RescheduleReason, State, Suspension
from incidents.working_days import add_working_days
from tests.factories import SchoolFactory, StaffMemberFactory, person
from tests.procedure import LONDON, START

pytestmark = pytest.mark.django_db


def graph() -> dict[tuple[str, str], set[str]]:
    """(step, source) -> the stages it may lead to, read from the state machine."""
    edges = {}
    for field in ("state", "suspension"):
        for step in Case._meta.get_field(field).get_all_transitions(Case):
            targets = getattr(step.target, "allowed_states", None) or [step.target]
            edges[(step.name, step.source)] = set(targets)
    return edges


def at_ten(day) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=LONDON)


class CaseWalk(RuleBasedStateMachine):
    time_machine = None  # set by the test

    @initialize(kind=st.sampled_from(Case.Kind.values))
    def report(self, kind):
        self.time_machine.move_to(START, tick=False)
        school = SchoolFactory()
        self.p = {role: person(school, role) for role in
                  (Role.STAFF, Role.HEADTEACHER, Role.INVESTIGATING_OFFICER, Role.CHAIR_OF_GOVERNORS,
                   Role.GOVERNOR, Role.DSL)}
        self.people = list(self.p.values())
        employee = StaffMemberFactory(school=school)
        self.case = services.case_report(reporter=self.p[Role.STAFF], school=school, kind=kind,
                                         platform="facebook", description="A post.", subject=employee)
        self.steps_taken = 0
        self.edges = graph()

    def arguments(self, step: str) -> dict:
        p, today = self.p, clock.today()
        notice = add_working_days(today, self.case.school.notice_working_days)
        return {
            "withdraw": {},
            "request_content_removal": {},
            "confirm_removed": {"how_confirmed": "Checked."},
            "escalate": {"reason": "refused", "investigating_officer": p[Role.INVESTIGATING_OFFICER]},
            "secure_account": {"checklist": {"password_changed": True}},
            "resolve": {"what_was_done": "Secured."},
            "refer_to_lado": {"allegation": "Contact with a pupil.", "late_reason": "Late."},
            "record_low_level_concern": {"reason": "Below the threshold."},
            "record_lado_outcome": {"lado_outcome": LadoOutcome.SUBSTANTIATED, "advice": "Investigate.",
                                    "investigate": True, "investigating_officer": p[Role.INVESTIGATING_OFFICER]},
            "open_investigation": {"investigating_officer": p[Role.INVESTIGATING_OFFICER]},
            "close_no_case": {"reason": "No case."},
            "give_management_advice": {"advice": "Advice."},
            "refer_to_hearing": {"findings": "Found.", "hearing_at": at_ten(notice), "place": "Room 1",
                                 "panel": [p[Role.HEADTEACHER]]},
            "reschedule": {"hearing_at": at_ten(notice), "reason": RescheduleReason.OTHER},
            "record_outcome": {"outcome": Outcome.FINAL_WRITTEN_WARNING, "reasons": "Breach."},
            "lodge_appeal": {"grounds": "Too harsh.", "received_on": today, "hearing_at": at_ten(notice),
                             "place": "Room 2", "panel": [p[Role.CHAIR_OF_GOVERNORS], p[Role.GOVERNOR]]},
            "decide_appeal": {"decision": AppealDecision.NOT_UPHELD, "reasons": "Fair."},
            "close": {"reason": "No appeal."},
            "reopen": {"reason": "New evidence."},
            "suspend": {"reason": "Risk.", "why_needed": "Pupils.", "alternatives_considered": "None fit.",
                        "contact_restrictions": "None.", "named_contact": p[Role.CHAIR_OF_GOVERNORS],
                        "review_on": today + timedelta(days=7)},
            "review_suspension": {"findings": "Continues.", "review_on": today + timedelta(days=14)},
            "lift_suspension": {"reason": "Over."},
        }[step]

    def choices(self) -> list[tuple]:
        return [(person, step) for person in self.people for step in services.available_steps(self.case, person)]

    @precondition(lambda self: self.choices())
    @rule(data=st.data())
    def take_a_permitted_step(self, data):
        actor, step = data.draw(st.sampled_from(self.choices()))
        field = "suspension" if step in ("suspend", "review_suspension", "lift_suspension") else "state"
        source = getattr(self.case, field)
        try:
            getattr(services, f"case_{step}")(case=self.case, by=actor, **self.arguments(step))
        except ValidationError:
            # Input that no longer fits (a hearing time passed while the clock moved): nothing changes.
            assert getattr(Case.objects.get(pk=self.case.pk), field) == source
            return
        self.steps_taken += 1
        assert getattr(self.case, field) in self.edges[(step, source)]

    @rule(days=st.integers(min_value=1, max_value=15))
    def time_passes(self, days):
        self.time_machine.shift(timedelta(days=days))

    @invariant()
    def case_is_at_a_known_stage(self):
        stored = Case.objects.get(pk=self.case.pk)
        assert stored.state in State.values and stored.suspension in Suspension.values
        assert (stored.state, stored.suspension) == (self.case.state, self.case.suspension)

    @invariant()
    def one_event_per_step_in_an_unbroken_chain(self):
        assert self.case.events.filter(kind=CaseEvent.Kind.TRANSITION).count() == self.steps_taken
        assert audit_verify(Case.objects.filter(pk=self.case.pk)) is None


def test_random_permitted_steps_stay_inside_the_procedure(time_machine):
    CaseWalk.time_machine = time_machine
    run_state_machine_as_test(
        CaseWalk,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
