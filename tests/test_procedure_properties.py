"""Random walks through the procedure: whatever permitted steps people take, in whatever
order and with whatever time passing, the case stays inside the graph and every step
leaves exactly one event in an unbroken chain."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from incidents import services
from incidents.audit import audit_verify
from incidents.models import Case, CaseEvent, Role
from incidents.workflow import State, Suspension, available_steps, step_named, steps
from tests.factories import SchoolFactory, StaffMemberFactory, person
from tests.procedure import START

pytestmark = pytest.mark.django_db


def graph() -> dict[tuple[str, str], set[str]]:
    """(step, source) -> the stages it may lead to, read from the procedure's declarations."""
    return {(step.name, source): set(step.targets) for step in steps() for source in step.sources}


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

    def given(self, step: str):
        """The example input the step declares; a referral may be late once time has passed."""
        example = step_named(step).given.example(self.case)
        return replace(example, late_reason="Late.") if step == "refer_to_lado" else example

    def choices(self) -> list[tuple]:
        return [(person, step.name) for person in self.people for step in available_steps(self.case, person)]

    @precondition(lambda self: self.choices())
    @rule(data=st.data())
    def take_a_permitted_step(self, data):
        actor, step = data.draw(st.sampled_from(self.choices()))
        field = "suspension" if step in ("suspend", "review_suspension", "lift_suspension") else "state"
        source = getattr(self.case, field)
        try:
            services.step_take(case=self.case, by=actor, given=self.given(step))
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
