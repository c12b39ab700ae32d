"""The procedure keeps the promises its letters make (issue 12), taken through the steps."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Case, Letter
from incidents.workflow import Outcome, State, Suspension, step_named
from tests.factories import clause
from tests.letters import pdf
from tests.procedure import HEARING_AT, LONDON, all_steps, reach, who_may

pytestmark = pytest.mark.django_db


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (case.state, case.outcome, case.events.count(), case.letters.count())


def final_warning_for_the_employee(procedure, take, school, *, months: int | None = None) -> Case:
    """An earlier case that ended in a final written warning for the employee, given on 10 March 2026."""
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    take("record_outcome", case, school.headteacher, outcome=Outcome.FINAL_WRITTEN_WARNING, warning_months=months)
    return case


def invited(procedure, take, school, *, on: datetime, gross: bool = False) -> Case:
    """A new case about the employee, reported and referred to a hearing on `on`."""
    procedure.clock.move_to(on, tick=False)
    case = procedure.report(clauses=[clause("a.2")])
    take("open_investigation", case, case.case_manager, investigating_officer=school.investigator)
    procedure.submit_report(case)
    # a staff dismissal committee, as dismissal may be possible
    take("refer_to_hearing", case, case.case_manager, gross_misconduct_alleged=gross,
         panel=[school.chair, school.governor, school.governor2])
    return case


def hold_the_hearing(procedure, case: Case) -> None:
    procedure.clock.move_to(case.hearing_at + timedelta(hours=2), tick=False)


def invitation(case: Case) -> dict:
    return case.letters.filter(kind=Letter.Kind.HEARING_INVITATION).latest("version").facts


# --- 1. The notified maximum binds ------------------------------------------------------

def test_without_gross_misconduct_or_a_live_final_warning_the_panel_cannot_dismiss(procedure, take, school):
    case = invited(procedure, take, school, on=datetime(2026, 3, 2, 9, 0, tzinfo=LONDON))
    facts = invitation(case)
    assert facts["most_serious_outcome"] == Outcome.FINAL_WRITTEN_WARNING
    assert [allegation["consequences"] for allegation in facts["allegations"]] == [
        "If it is found, the outcome may be up to a final written warning."]
    hold_the_hearing(procedure, case)
    before = snapshot(case)

    for outcome in (Outcome.DISMISSAL_WITH_NOTICE, Outcome.SUMMARY_DISMISSAL):
        with pytest.raises(ValidationError) as refused:
            take("record_outcome", case, school.chair, outcome=outcome,
                 termination_on=(case.hearing_at + timedelta(weeks=4)).date(), notice_weeks=4)
        words = " ".join(refused.value.message_dict["outcome"])
        assert "The most serious outcome this hearing can reach is final written warning" in words
        assert "gross misconduct was not alleged and the employee has no live final written warning" in words
        assert "a new hearing invitation that says so, with fresh notice" in words
        assert snapshot(case) == before

    take("record_outcome", case, school.chair, outcome=Outcome.FINAL_WRITTEN_WARNING)
    assert case.outcome == Outcome.FINAL_WRITTEN_WARNING


def test_a_live_final_warning_makes_dismissal_with_notice_possible_and_the_invitation_says_so(
        procedure, take, school):
    earlier = final_warning_for_the_employee(procedure, take, school)
    case = invited(procedure, take, school, on=datetime(2026, 4, 13, 9, 0, tzinfo=LONDON))
    facts = invitation(case)
    assert facts["most_serious_outcome"] == Outcome.DISMISSAL_WITH_NOTICE
    assert [warning["reference"] for warning in facts["live_warnings"]] == [earlier.reference]
    assert [allegation["consequences"] for allegation in facts["allegations"]] == [
        "If it is found, the outcome may be up to dismissal with notice, because you have a live final written "
        "warning."]
    hold_the_hearing(procedure, case)
    before = snapshot(case)

    with pytest.raises(ValidationError, match="because gross misconduct was not alleged in the hearing invitation"):
        take("record_outcome", case, school.chair, outcome=Outcome.SUMMARY_DISMISSAL)
    assert snapshot(case) == before

    take("record_outcome", case, school.chair, outcome=Outcome.DISMISSAL_WITH_NOTICE,
         termination_on=(case.hearing_at + timedelta(weeks=4)).date(), notice_weeks=4)
    assert case.outcome == Outcome.DISMISSAL_WITH_NOTICE


def test_with_gross_misconduct_alleged_the_panel_may_dismiss_summarily(procedure, take, school):
    case = invited(procedure, take, school, on=datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), gross=True)
    assert invitation(case)["most_serious_outcome"] == Outcome.SUMMARY_DISMISSAL
    hold_the_hearing(procedure, case)
    take("record_outcome", case, school.chair, outcome=Outcome.SUMMARY_DISMISSAL)
    assert case.outcome == Outcome.SUMMARY_DISMISSAL


def test_a_final_warning_that_expires_before_the_hearing_no_longer_allows_dismissal(procedure, take, school):
    # The warning is live until 10 April 2026; the invitation goes on 1 April, the hearing is on 13 April.
    final_warning_for_the_employee(procedure, take, school, months=1)
    case = invited(procedure, take, school, on=datetime(2026, 4, 1, 9, 0, tzinfo=LONDON))
    assert invitation(case)["most_serious_outcome"] == Outcome.DISMISSAL_WITH_NOTICE
    assert case.notified_maximum == Outcome.DISMISSAL_WITH_NOTICE
    hold_the_hearing(procedure, case)
    assert case.hearing_at.date() > datetime(2026, 4, 10).date()
    before = snapshot(case)

    with pytest.raises(ValidationError, match="no live final written warning"):
        take("record_outcome", case, school.chair, outcome=Outcome.DISMISSAL_WITH_NOTICE,
             termination_on=(case.hearing_at + timedelta(weeks=4)).date(), notice_weeks=4)
    assert snapshot(case) == before


def test_a_warning_given_after_the_invitation_does_not_raise_what_the_hearing_may_reach(procedure, take, school):
    # Invited with nothing on record: the invitation promised at most a final written warning.
    case = invited(procedure, take, school, on=datetime(2026, 3, 2, 9, 0, tzinfo=LONDON))
    assert case.notified_maximum == Outcome.FINAL_WRITTEN_WARNING
    other = procedure.report()
    take("open_investigation", other, other.case_manager, investigating_officer=school.investigator)
    procedure.submit_report(other)
    take("refer_to_hearing", other, other.case_manager)
    hold_the_hearing(procedure, other)
    take("record_outcome", other, school.headteacher, outcome=Outcome.FINAL_WRITTEN_WARNING)
    hold_the_hearing(procedure, case)
    assert case.most_serious_outcome() == Outcome.FINAL_WRITTEN_WARNING

    with pytest.raises(ValidationError, match="with fresh notice"):
        take("record_outcome", case, school.chair, outcome=Outcome.DISMISSAL_WITH_NOTICE,
             termination_on=(case.hearing_at + timedelta(weeks=4)).date(), notice_weeks=4)


def test_the_invitation_states_the_most_serious_outcome_in_its_words(procedure, take, school, real_letters):
    final_warning_for_the_employee(procedure, take, school)
    case = invited(procedure, take, school, on=datetime(2026, 4, 13, 9, 0, tzinfo=LONDON))
    with case.letters.get(kind=Letter.Kind.HEARING_INVITATION).pdf.open("rb") as file:
        words = pdf.text(file.read())
    assert ("Gross misconduct is not alleged, but you have a live final written warning: the most serious "
            "possible outcome is dismissal with notice.") in words
    assert "The panel cannot decide anything more serious than this at this hearing." in words
    assert "Final written warning given on 10 March 2026" in words


# --- 6. Suspension reviews in writing --------------------------------------------------

def test_a_suspension_reviewed_further_away_than_the_schools_interval_is_refused(procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)  # Monday 2 March 2026
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        take("suspend", case, case.case_manager, review_on=date(2026, 3, 31))
    assert refused.value.message_dict["review_on"] == [
        "A suspension is reviewed at least every 4 weeks: the review date must be no later than 30 March 2026."]
    assert snapshot(case) == before and case.suspension == Suspension.NOT_SUSPENDED

    take("suspend", case, case.case_manager, review_on=date(2026, 3, 30))
    procedure.clock.move_to(datetime(2026, 3, 30, 9, 0, tzinfo=LONDON), tick=False)
    before = snapshot(case)
    with pytest.raises(ValidationError, match="no later than 27 April 2026"):
        take("review_suspension", case, case.case_manager, review_on=date(2026, 4, 28))
    assert snapshot(case) == before and case.suspension_review_on == date(2026, 3, 30)

    take("review_suspension", case, case.case_manager, review_on=date(2026, 4, 27))
    assert case.suspension_review_on == date(2026, 4, 27)
    assert case.letters.filter(kind=Letter.Kind.SUSPENSION_REVIEW).count() == 1


def test_the_review_interval_is_the_schools_setting(procedure, take, school):
    school.school.suspension_review_max_weeks = 2
    school.school.save()
    case = procedure.case_at(State.INVESTIGATION)
    with pytest.raises(ValidationError, match="at least every 2 weeks: the review date must be no later than 16 March"):
        take("suspend", case, case.case_manager, review_on=date(2026, 3, 17))
    take("suspend", case, case.case_manager, review_on=date(2026, 3, 16))
    facts = case.letters.get(kind=Letter.Kind.SUSPENSION).facts
    assert facts["review_max_weeks"] == 2


def test_each_review_writes_to_the_employee_naming_a_welfare_contact(procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)
    take("suspend", case, case.case_manager, named_contact=school.chair, welfare_contact=None)
    suspension = case.letters.get(kind=Letter.Kind.SUSPENSION).facts
    assert suspension["welfare_contact"]["name"] == suspension["named_contact"]["name"]  # the named contact, if none

    take("review_suspension", case, case.case_manager)
    take("review_suspension", case, case.case_manager, welfare_contact=school.governor)
    first, second = case.letters.filter(kind=Letter.Kind.SUSPENSION_REVIEW).order_by("version")
    assert first.recipient_staff == school.employee and first.facts["findings"] == "The investigation continues."
    assert first.facts["welfare_contact"]["name"] == school.chair.get_full_name()
    assert second.facts["welfare_contact"] == {"name": school.governor.get_full_name(), "title": "Governor"}


# --- 8. Letters that fit the case ------------------------------------------------------

def notice_words(case: Case) -> str:
    with case.letters.filter(kind=Letter.Kind.INVESTIGATION_NOTICE).latest("version").pdf.open("rb") as file:
        return pdf.text(file.read())


def test_the_notice_after_a_removal_request_asks_for_removal_not_preservation(procedure, take, school, real_letters):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    take("escalate", case, case.case_manager, investigating_officer=school.investigator)
    words = notice_words(case)
    assert "Do not delete or change" not in words
    assert ("On 2 March 2026 you were asked to remove content connected with the concern. What you were asked to "
            "remove: The post at https://facebook.example/posts/1, with any comments") in words
    assert "If any of it is still there, please remove it now, as you were asked" in words


def test_the_notice_after_the_content_was_removed_says_so(procedure, take, school, real_letters):
    case = procedure.case_at(State.CONTENT_REMOVED)
    take("open_investigation", case, case.case_manager, investigating_officer=school.investigator)
    words = notice_words(case)
    assert "Do not delete or change" not in words
    assert "It has since been removed; please do not post it again." in words


def test_the_notice_of_a_case_opened_straight_from_the_report_still_asks_to_keep_the_content(
        procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)
    facts = case.letters.get(kind=Letter.Kind.INVESTIGATION_NOTICE).facts
    assert facts["removal"] is None  # the template then says not to delete or change it


CLOSING_STEPS = [(step, source) for step, source in all_steps()
                 if State.CLOSED in step_named(step).targets and not step_named(step).keeps_stage]


@pytest.mark.parametrize("step,source", CLOSING_STEPS)
def test_every_step_that_closes_a_case_tells_the_reporter_and_no_more(procedure, take, school, step, source):
    case = reach(procedure, take, source, step)
    take(step, case, who_may(step, case, school)[0])
    assert case.state == State.CLOSED
    closed = case.letters.get(kind=Letter.Kind.REPORT_CLOSED)
    assert closed.recipient_user == case.reporter and closed.recipient_staff.user == case.reporter
    assert set(closed.facts) >= {"reported_at", "closed_on"}
    assert not {"outcome", "reason", "reasons", "decision", "advice", "lado_outcome"} & set(closed.facts)


def test_a_step_that_does_not_close_the_case_sends_the_reporter_nothing(procedure, take, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_outcome", case, case.case_manager, investigate=True, investigating_officer=school.investigator)
    assert case.state == State.INVESTIGATION
    assert not case.letters.filter(kind=Letter.Kind.REPORT_CLOSED).exists()
    withdrawn = procedure.case_at(State.WITHDRAWN)  # the reporter closed it themselves
    assert not withdrawn.letters.filter(kind=Letter.Kind.REPORT_CLOSED).exists()


def test_the_closure_notice_gives_no_outcome(procedure, take, school, real_letters):
    case = procedure.case_at(State.OUTCOME_ISSUED)  # a final written warning
    take("close", case, case.case_manager)
    with case.letters.get(kind=Letter.Kind.REPORT_CLOSED).pdf.open("rb") as file:
        words = pdf.text(file.read())
    assert f"Dear {school.staff.get_full_name()}" in words
    assert "to tell you that the case was closed on" in words
    assert "I cannot tell you what was decided" in words
    assert "warning" not in words.lower() and "Alex Employee" not in words
