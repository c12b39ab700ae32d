"""Every step of the procedure: taken when it should be, refused (with a reason) when not."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Case, CaseEvent
from incidents.workflow import (
    AppealDecision,
    EscalationReason,
    LadoOutcome,
    Outcome,
    State,
    Suspension,
    available_steps,
    steps,
)
from tests.procedure import APPEAL_HEARING_AT, HEARING_AT, LONDON, all_steps, reach, who_may

pytestmark = pytest.mark.django_db


# --- Each step taken -----------------------------------------------------------------

@pytest.mark.parametrize("step,source", all_steps())
def test_each_step_moves_the_case_and_records_one_event(procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    events_before = case.events.count()
    actor = who_may(step, case, school)[0]

    event = take(step, case, actor)

    case.refresh_from_db()
    field = "suspension" if source in Suspension.values else "state"
    assert event.from_state == source
    assert event.to_state == getattr(case, field)
    assert event.actor == actor and event.transition == step
    assert case.events.count() == events_before + 1


def test_a_report_gets_a_reference_per_school_and_year_and_the_headteacher_as_case_manager(procedure, school, take):
    first = procedure.report()
    second = procedure.report()
    assert (first.reference, second.reference) == ("RAI-2026-0001", "RAI-2026-0002")
    assert first.case_manager == school.headteacher
    assert first.state == State.REPORTED
    assert list(first.events.values_list("kind", flat=True)) == [CaseEvent.Kind.REPORTED]


def test_case_about_the_headteacher_is_managed_by_the_chair_and_the_headteacher_cannot_act(procedure, school, take):
    headteacher_record = school.headteacher.staff_records.get()
    case = procedure.report(subject=headteacher_record)
    assert case.case_manager == school.chair
    with pytest.raises(services.NotPermitted):
        take("request_content_removal", case, school.headteacher)
    take("request_content_removal", case, school.chair)
    assert case.state == State.CONTENT_REMOVAL_REQUESTED


def test_case_reported_by_the_headteacher_is_managed_by_the_chair(procedure, school, take):
    case = procedure.report(reporter=school.headteacher)
    assert case.case_manager == school.chair


def test_a_clause_about_children_flags_the_case_for_safeguarding(procedure, school, take):
    from tests.factories import clause

    case = procedure.report(clauses=[clause("c.2")])
    assert case.safeguarding is True
    assert procedure.report(clauses=[clause("a.2")]).safeguarding is False


def step_names(case, user) -> list[str]:
    return [step.name for step in available_steps(case, user)]


# --- Refused at the wrong stage ----------------------------------------------------------

@pytest.mark.parametrize("state", State.values)
def test_steps_that_do_not_start_at_a_stage_are_refused_there(procedure, school, take, state):
    case = procedure.case_at(state)
    events = case.events.count()
    for step in steps():
        if step.field != "state" or state in step.sources:
            continue
        actor = case.reporter if step.name == "withdraw" else case.case_manager
        if step.who.may(actor, case):
            with pytest.raises(services.StepNotAvailable, match="is not possible at this stage"):
                take(step.name, case, actor)
        else:  # a panel's step, and no panel sits at this stage: asked first, who may take it
            with pytest.raises(services.NotPermitted, match="^Only "):
                take(step.name, case, actor)
        case.refresh_from_db()
        assert case.state == state
    assert case.events.count() == events


def test_suspension_cannot_be_reviewed_or_lifted_when_there_is_none(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    for step in ("review_suspension", "lift_suspension"):
        with pytest.raises(services.StepNotAvailable, match=r"\(Not suspended\)"):
            take(step, case, case.case_manager)


def test_suspension_only_while_the_case_is_open(procedure, school, take):
    case = procedure.case_at(State.CLOSED)
    with pytest.raises(services.StepNotAvailable, match="only be put in place while the case is open"):
        take("suspend", case, case.case_manager)


@pytest.mark.parametrize("step,stage", [
    ("close_no_case", State.INVESTIGATION), ("give_management_advice", State.INVESTIGATION),
    ("record_low_level_concern", State.REPORTED), ("record_lado_outcome", State.SAFEGUARDING_REFERRAL),
    ("resolve", State.CONTAINMENT), ("close", State.OUTCOME_ISSUED),
])
def test_a_case_does_not_close_while_the_employee_is_still_suspended(procedure, school, take, step, stage):
    case = procedure.case_at(stage)
    if step == "record_low_level_concern":
        procedure.decide_harm_threshold(case, met=False)
    take("suspend", case, school.headteacher)
    events = case.events.count()
    with pytest.raises(ValidationError, match="Alex Employee is still suspended: lift the suspension first"):
        take(step, case, school.headteacher)
    case.refresh_from_db()
    assert (case.state, case.suspension, case.events.count()) == (stage, Suspension.SUSPENDED, events)

    take("lift_suspension", case, school.headteacher)  # the letter tells them they can return to work
    take(step, case, school.headteacher)
    assert case.state == State.CLOSED


def test_a_dismissal_closes_the_case_with_the_suspension_in_place(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor, school.governor2])  # a staff dismissal committee
    take("suspend", case, school.headteacher)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=4), tick=False)
    take("record_outcome", case, school.chair, outcome=Outcome.DISMISSAL_WITH_NOTICE,
         reasons="Repeated breaches after a final warning.", termination_on=(HEARING_AT + timedelta(weeks=4)).date(),
         notice_weeks=4, final_pay="Your final pay, with accrued holiday, is paid on your last day.")
    procedure.clock.move_to(HEARING_AT + timedelta(days=30), tick=False)
    take("close", case, school.headteacher, reason="")
    assert case.state == State.CLOSED and case.suspension == Suspension.SUSPENDED


# --- Refused to the wrong person -----------------------------------------------------

@pytest.mark.parametrize("step,source", all_steps())
def test_only_the_right_people_may_take_each_step(procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    allowed = who_may(step, case, school)
    everyone = [school.staff, school.staff2, school.headteacher, school.investigator, school.chair,
                school.governor, school.governor2, school.dsl, school.hr]
    for person in everyone:
        if person in allowed:
            continue
        with pytest.raises(services.NotPermitted, match="^Only "):
            take(step, case, person)
    case.refresh_from_db()
    assert getattr(case, "suspension" if source in Suspension.values else "state") == source


# --- Refused when a condition of the procedure does not hold -----------------------------

def test_hearing_needs_the_notice_period_in_working_days(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    too_soon = datetime(2026, 3, 6, 10, 0, tzinfo=LONDON)  # Friday: only 4 working days after Monday
    with pytest.raises(ValidationError, match="5 working days' notice: the earliest date is 9 March 2026"):
        take("refer_to_hearing", case, school.headteacher, hearing_at=too_soon)
    assert case.state == State.INVESTIGATION
    take("refer_to_hearing", case, school.headteacher, hearing_at=datetime(2026, 3, 9, 10, 0, tzinfo=LONDON))
    assert case.state == State.HEARING_SCHEDULED


def test_hearing_notice_follows_the_schools_own_period(procedure, school, take):
    school.school.notice_working_days = 10
    school.school.save()
    case = procedure.case_ready_for_hearing()
    with pytest.raises(ValidationError, match="10 working days' notice: the earliest date is 16 March 2026"):
        take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT)


def test_investigating_officer_cannot_hear_the_case(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    with pytest.raises(ValidationError, match="cannot also sit as hearing panel"):
        take("refer_to_hearing", case, school.headteacher, panel=[school.investigator])
    assert case.state == State.INVESTIGATION and not case.hearing_panel.exists()


def test_the_employee_concerned_cannot_investigate_or_hear_their_own_case(procedure, school, take):
    case = procedure.report(subject=school.staff2.staff_records.get())
    with pytest.raises(ValidationError, match="is the employee the case is about"):
        take("open_investigation", case, school.headteacher, investigating_officer=school.staff2)
    take("open_investigation", case, school.headteacher)
    procedure.submit_report(case)
    with pytest.raises(ValidationError, match="is the employee the case is about"):
        take("refer_to_hearing", case, school.headteacher, panel=[school.headteacher, school.staff2])


def test_the_reporter_cannot_investigate(procedure, school, take):
    case = procedure.report(reporter=school.investigator)
    with pytest.raises(ValidationError, match="reported the concern"):
        take("open_investigation", case, school.headteacher, investigating_officer=school.investigator)


def test_someone_from_another_school_cannot_be_appointed(procedure, school, take):
    from tests.factories import SchoolFactory, person

    outsider = person(SchoolFactory(), "investigating_officer")
    case = procedure.case_at(State.REPORTED)
    with pytest.raises(ValidationError, match="holds no role at Rainow Primary School"):
        take("open_investigation", case, school.headteacher, investigating_officer=outsider)


def test_outcome_cannot_be_recorded_before_the_hearing(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    with pytest.raises(services.StepNotAvailable, match="once the hearing has taken place"):
        take("record_outcome", case, school.headteacher)
    assert case.state == State.HEARING_SCHEDULED


def test_summary_dismissal_needs_gross_misconduct_alleged(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    with pytest.raises(ValidationError, match="because gross misconduct was not alleged"):
        take("record_outcome", case, school.headteacher, outcome=Outcome.SUMMARY_DISMISSAL)
    assert case.state == State.HEARING_SCHEDULED and case.outcome == ""


def test_outcome_sets_warning_expiry_and_appeal_deadline_in_working_days(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)  # Tuesday 10 March
    take("record_outcome", case, school.headteacher, outcome=Outcome.FINAL_WRITTEN_WARNING)
    case.refresh_from_db()
    assert case.warning_expires_on == date(2027, 3, 10)  # 12 months
    assert case.appeal_deadline == date(2026, 3, 24)  # 10 working days
    assert case.warning_is_live(date(2027, 3, 9)) and not case.warning_is_live(date(2027, 3, 10))


def test_appeal_deadline_skips_easter(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    procedure.clock.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=LONDON), tick=False)
    take("refer_to_hearing", case, school.headteacher, hearing_at=datetime(2026, 3, 30, 10, 0, tzinfo=LONDON))
    procedure.clock.move_to(datetime(2026, 3, 30, 15, 0, tzinfo=LONDON), tick=False)
    take("record_outcome", case, school.headteacher)
    case.refresh_from_db()
    # 10 working days from Monday 30 March, skipping Good Friday (3 April) and Easter Monday (6 April).
    assert case.appeal_deadline == date(2026, 4, 15)


def test_no_appeal_after_the_window_closes(procedure, school, take):
    case = procedure.case_at(State.OUTCOME_ISSUED)
    procedure.clock.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=LONDON), tick=False)
    with pytest.raises(services.StepNotAvailable, match="The appeal window has closed"):
        take("lodge_appeal", case, school.headteacher, received_on=date(2026, 3, 25))
    assert case.state == State.OUTCOME_ISSUED


def test_appeal_received_after_the_deadline_is_refused(procedure, school, take):
    case = procedure.case_at(State.OUTCOME_ISSUED)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        take("lodge_appeal", case, school.headteacher, received_on=date(2026, 3, 30))


def test_no_further_action_cannot_be_appealed(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.hold_hearing(case, outcome=Outcome.NO_FURTHER_ACTION)
    with pytest.raises(services.StepNotAvailable, match="Only a warning or a dismissal can be appealed"):
        take("lodge_appeal", case, school.headteacher)


def test_appeal_panel_excludes_the_hearing_panel_and_is_at_least_as_large(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    procedure.refer_to_hearing(case, panel=[school.chair, school.governor])
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    take("record_outcome", case, school.chair)
    procedure.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
    with pytest.raises(ValidationError, match="cannot also sit as appeal panel"):
        take("lodge_appeal", case, school.headteacher, panel=[school.governor, school.governor2])
    with pytest.raises(ValidationError, match="at least as many members as the hearing panel \\(2\\)"):
        take("lodge_appeal", case, school.headteacher, panel=[school.governor2])
    assert case.state == State.OUTCOME_ISSUED and not case.appeal_panel.exists()


def test_appeal_decision_waits_for_the_appeal_hearing_and_is_final(procedure, school, take):
    case = procedure.case_at(State.APPEAL)
    with pytest.raises(services.StepNotAvailable, match="once the appeal hearing has taken place"):
        take("decide_appeal", case, school.chair)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=1), tick=False)
    take("decide_appeal", case, school.chair, decision=AppealDecision.PARTLY_UPHELD,
         new_outcome=Outcome.FIRST_WRITTEN_WARNING)
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.outcome == Outcome.FIRST_WRITTEN_WARNING
    assert case.warning_expires_on == date(2026, 9, 10)  # 6 months from the original outcome


def test_partly_upheld_appeal_must_lessen_the_outcome(procedure, school, take):
    case = procedure.case_at(State.APPEAL)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=1), tick=False)
    with pytest.raises(ValidationError, match="less severe"):
        take("decide_appeal", case, school.chair, decision=AppealDecision.PARTLY_UPHELD,
             new_outcome=Outcome.DISMISSAL_WITH_NOTICE)
    assert case.state == State.APPEAL


def test_upheld_appeal_withdraws_the_warning(procedure, school, take):
    case = procedure.case_at(State.APPEAL)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=1), tick=False)
    take("decide_appeal", case, school.governor, decision=AppealDecision.UPHELD)
    case.refresh_from_db()
    assert case.outcome == Outcome.NO_FURTHER_ACTION and case.warning_expires_on is None


def test_closing_inside_the_appeal_window_needs_a_reason(procedure, school, take):
    case = procedure.case_at(State.OUTCOME_ISSUED)
    with pytest.raises(ValidationError, match="appeal window is open until 24 March 2026"):
        take("close", case, school.headteacher, reason="")
    procedure.clock.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=LONDON), tick=False)
    take("close", case, school.headteacher, reason="")
    assert case.state == State.CLOSED


@pytest.mark.parametrize("step,field", [
    ("close_no_case", "reason"), ("record_low_level_concern", "reason"), ("reopen", "reason"),
    ("give_management_advice", "advice"), ("refer_to_lado", "allegation"), ("decide_harm_threshold", "reasons"),
])
def test_steps_that_need_a_reason_refuse_a_blank_one(procedure, school, take, step, field):
    source = {"reopen": State.CLOSED, "give_management_advice": State.INVESTIGATION}.get(step, State.REPORTED)
    case = procedure.case_at(source)
    if step in ("refer_to_lado", "record_low_level_concern"):
        procedure.decide_harm_threshold(case, met=step == "refer_to_lado")
    events = case.events.count()
    with pytest.raises(ValidationError) as refused:
        take(step, case, school.headteacher, **{field: "   "})
    assert field in refused.value.message_dict
    case.refresh_from_db()
    assert case.state == source and case.events.count() == events


def test_removal_deadline_must_be_in_the_future(procedure, school, take):
    case = procedure.case_at(State.REPORTED)
    with pytest.raises(ValidationError, match="removal deadline must be a date in the future"):
        take("request_content_removal", case, school.headteacher, deadline=date(2026, 3, 2))
    assert case.state == State.REPORTED


def test_default_removal_deadline_is_the_next_working_day(procedure, school, take):
    case = procedure.case_at(State.REPORTED)
    procedure.clock.move_to(datetime(2026, 3, 6, 15, 0, tzinfo=LONDON), tick=False)  # a Friday
    take("request_content_removal", case, school.headteacher)
    assert case.removal_deadline == date(2026, 3, 9)


def test_content_removal_is_only_for_breaches_with_a_known_employee(procedure, school, take):
    account = procedure.case_at(State.REPORTED, kind=Case.Kind.COMPROMISED_ACCOUNT)
    with pytest.raises(services.StepNotAvailable, match="not to a compromised account"):
        take("request_content_removal", account, school.headteacher)
    unknown = procedure.report(subject=None)
    with pytest.raises(services.StepNotAvailable, match="employee concerned is not known"):
        take("request_content_removal", unknown, school.headteacher)


def test_escalating_for_a_missed_deadline_waits_for_the_deadline(procedure, school, take):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    with pytest.raises(ValidationError, match=r"removal deadline \(3 March 2026\) has not passed yet"):
        take("escalate", case, school.headteacher, reason=EscalationReason.DEADLINE_MISSED)
    procedure.clock.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=LONDON), tick=False)
    take("escalate", case, school.headteacher, reason=EscalationReason.DEADLINE_MISSED)
    assert case.state == State.INVESTIGATION and case.investigating_officer == school.investigator


def test_compromised_account_path_cannot_take_content_steps_and_breach_cannot_be_contained(procedure, school, take):
    breach = procedure.case_at(State.REPORTED)
    with pytest.raises(services.StepNotAvailable, match="compromised account can go through account containment"):
        take("secure_account", breach, school.headteacher)


def test_rescheduling_for_a_companion_stays_within_five_working_days(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    with pytest.raises(ValidationError, match="within 5 working days of the original date: by 17 March 2026"):
        take("reschedule", case, school.headteacher, hearing_at=datetime(2026, 3, 18, 10, 0, tzinfo=LONDON))
    take("reschedule", case, school.headteacher, hearing_at=datetime(2026, 3, 17, 10, 0, tzinfo=LONDON))
    case.refresh_from_db()
    assert case.hearing_at == datetime(2026, 3, 17, 10, 0, tzinfo=LONDON)


def test_lado_referral_is_due_one_working_day_after_the_concern(procedure, school, take):
    case = procedure.case_at(State.REPORTED)
    take("decide_harm_threshold", case, school.headteacher)
    take("refer_to_lado", case, school.headteacher)
    case.refresh_from_db()
    assert case.state == State.SAFEGUARDING_REFERRAL and case.safeguarding
    assert case.lado_due_on == date(2026, 3, 3)


def test_a_late_lado_referral_needs_a_recorded_reason(procedure, school, take):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    procedure.clock.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    take("decide_harm_threshold", case, school.dsl)
    with pytest.raises(ValidationError, match="should have been told by 3 March 2026"):
        take("refer_to_lado", case, school.dsl)
    take("refer_to_lado", case, school.dsl, late_reason="The DSL was on a course; the deputy DSL was off sick.")
    assert case.state == State.SAFEGUARDING_REFERRAL


def test_a_concern_arising_during_the_investigation_is_due_a_working_day_after_it_arose(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION, safeguarding=True)
    procedure.clock.move_to(datetime(2026, 3, 13, 9, 0, tzinfo=LONDON), tick=False)  # a Friday
    take("decide_harm_threshold", case, school.dsl)
    assert case.lado_due_on == date(2026, 3, 16)


def test_a_concern_cannot_arise_in_the_future(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION, safeguarding=True)
    with pytest.raises(ValidationError, match="before the report or after today"):
        take("decide_harm_threshold", case, school.dsl, concern_arose_on=date(2026, 3, 3))
    assert case.state == State.INVESTIGATION


def test_unknown_containment_steps_are_refused(procedure, school, take):
    case = procedure.case_at(State.REPORTED, kind=Case.Kind.COMPROMISED_ACCOUNT)
    with pytest.raises(ValidationError, match="Unknown containment steps: reboot_router"):
        take("secure_account", case, school.headteacher, checklist={"reboot_router": True})
    assert case.state == State.REPORTED


def test_a_substantiated_allegation_must_be_investigated(procedure, school, take):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    with pytest.raises(ValidationError, match="must be investigated"):
        take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.SUBSTANTIATED)
    take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.SUBSTANTIATED,
         investigate=True, investigating_officer=school.investigator)
    assert case.state == State.INVESTIGATION


def test_a_safeguarding_concern_cannot_be_withdrawn(procedure, school, take):
    case = procedure.report(safeguarding=True)
    with pytest.raises(services.StepNotAvailable, match="safeguarding concern cannot be withdrawn"):
        take("withdraw", case, case.reporter)


def test_suspension_needs_reasons_alternatives_contact_and_a_future_review(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    with pytest.raises(ValidationError) as refused:
        take("suspend", case, school.headteacher, alternatives_considered="")
    assert "alternatives_considered" in refused.value.message_dict
    with pytest.raises(ValidationError, match="review date must be in the future"):
        take("suspend", case, school.headteacher, review_on=date(2026, 3, 2))
    assert case.suspension == Suspension.NOT_SUSPENDED
    take("suspend", case, school.headteacher)
    assert case.suspension == Suspension.SUSPENDED and case.suspension_review_on == date(2026, 3, 16)
    assert case.state == State.INVESTIGATION


def test_reopening_returns_to_investigation(procedure, school, take):
    case = procedure.case_at(State.CLOSED)
    take("reopen", case, school.headteacher)
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION and case.closure == ""


def test_available_steps_are_those_this_person_may_take_now(procedure, school, take):
    case = procedure.case_at(State.REPORTED)
    assert set(step_names(case, school.headteacher)) == {
        "request_content_removal", "decide_harm_threshold", "open_investigation", "close_no_case", "suspend",
        "pause_for_agencies", "restrict_reporting", "record_employee_left",
    }
    assert step_names(case, school.staff) == ["withdraw"]
    assert step_names(case, school.dsl) == []
    assert step_names(case, school.hr) == []


def test_the_dsl_acts_on_safeguarding_cases(procedure, school, take):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    assert set(step_names(case, school.dsl)) == {"decide_harm_threshold", "pause_for_agencies", "restrict_reporting"}
    take("decide_harm_threshold", case, school.dsl)  # met
    assert set(step_names(case, school.dsl)) == {
        "decide_harm_threshold", "refer_to_lado", "pause_for_agencies", "restrict_reporting"}
    assert step_names(case, case.reporter) == []  # a safeguarding concern cannot be withdrawn


def test_cases_close_themselves_once_the_appeal_window_passes(procedure, school, take):
    from io import StringIO

    from django.core.management import call_command

    lapsed = procedure.case_at(State.OUTCOME_ISSUED)
    appealed = procedure.case_at(State.APPEAL)
    procedure.clock.move_to(datetime(2026, 3, 24, 18, 0, tzinfo=LONDON), tick=False)  # the last day
    assert services.cases_close_after_appeal_window() == []

    procedure.clock.move_to(datetime(2026, 3, 25, 7, 0, tzinfo=LONDON), tick=False)
    out = StringIO()
    call_command("close_lapsed_cases", stdout=out)

    assert f"Closed {lapsed.reference}" in out.getvalue() and "1 case(s) closed." in out.getvalue()
    lapsed.refresh_from_db()
    appealed.refresh_from_db()
    assert (lapsed.state, appealed.state) == (State.CLOSED, State.APPEAL)
    closing = lapsed.events.last()
    assert closing.actor is None and closing.transition == "close"
