"""Panels as the School Staffing (England) Regulations 2009 expect: a staff dismissal committee
of governors decides a dismissal, an appeal committee of people not involved before hears the
appeal, and where the local authority employs the staff it is notified and gives the notice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.deadlines import deadlines_of
from incidents.models import Letter
from incidents.workflow import Outcome, State
from tests.letters import pdf
from tests.procedure import HEARING_AT


def committee(school):
    return [school.chair, school.governor, school.governor2]


def snapshot(case):
    case.refresh_from_db()
    return (case.state, case.outcome, case.hearing_at, case.events.count(), case.letters.count())


def test_a_hearing_that_may_dismiss_is_heard_by_a_staff_dismissal_committee(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    before = snapshot(case)
    with pytest.raises(ValidationError, match="a staff dismissal committee of governors: .* is not a governor"):
        take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True, panel=[school.headteacher])
    with pytest.raises(ValidationError, match="at least 3 governors hears the case: choose 1 more"):
        take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True,
             panel=[school.chair, school.governor])
    assert snapshot(case) == before and not case.hearing_panel.exists()

    take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True, panel=committee(school))
    assert case.state == State.HEARING_SCHEDULED


def test_a_hearing_that_cannot_dismiss_may_be_heard_by_the_headteacher(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, panel=[school.headteacher])
    assert case.state == State.HEARING_SCHEDULED


def test_the_committee_size_is_the_schools_setting(procedure, school, take):
    school.school.dismissal_committee_size = 2
    school.school.save()
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor])
    assert case.state == State.HEARING_SCHEDULED


def dismissed(procedure, take, school, outcome=Outcome.SUMMARY_DISMISSAL):
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True, panel=committee(school),
         hearing_at=HEARING_AT)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    extra = {"termination_on": (HEARING_AT + timedelta(weeks=4)).date(), "notice_weeks": 4} \
        if outcome == Outcome.DISMISSAL_WITH_NOTICE else {}
    take("record_outcome", case, school.chair, outcome=outcome, reasons="Gross misconduct was found.", **extra)
    return case


def test_the_case_manager_cannot_sit_on_the_appeal(procedure, school, take):
    case = procedure.case_at(State.OUTCOME_ISSUED)  # heard by the headteacher, who manages the case
    procedure.clock.move_to(HEARING_AT + timedelta(days=2), tick=False)
    before = snapshot(case)
    with pytest.raises(ValidationError, match="managed the case and cannot hear the appeal"):
        take("lodge_appeal", case, school.headteacher, panel=[school.headteacher, school.governor])
    assert snapshot(case) == before


def test_an_appeal_against_a_dismissal_needs_a_committee_of_governors_not_involved_before(
        procedure, school, take):
    school.school.dismissal_committee_size = 1  # a small school: one governor heard it
    school.school.save()
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True, panel=[school.chair],
         hearing_at=HEARING_AT)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    take("record_outcome", case, school.chair, outcome=Outcome.SUMMARY_DISMISSAL, reasons="Gross misconduct.")
    procedure.clock.move_to(HEARING_AT + timedelta(days=2), tick=False)
    with pytest.raises(ValidationError, match="appeal committee of governors: .* is not a governor"):
        take("lodge_appeal", case, school.headteacher, panel=[school.hr])
    with pytest.raises(ValidationError, match="cannot also sit as appeal panel"):
        take("lodge_appeal", case, school.headteacher, panel=[school.chair])
    take("lodge_appeal", case, school.headteacher, panel=[school.governor])
    assert case.state == State.APPEAL


def test_when_the_chair_managed_the_case_the_appeal_goes_to_the_clerk(procedure, school, take, real_letters):
    school.school.clerk_to_governors = "Helen Ward"
    school.school.save()
    case = procedure.report(subject=school.headteacher.staff_records.get())
    assert case.case_manager == school.chair
    take("open_investigation", case, school.chair, investigating_officer=school.investigator)
    procedure.submit_report(case)
    take("refer_to_hearing", case, school.chair, panel=[school.governor], hearing_at=HEARING_AT)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    take("record_outcome", case, school.governor, outcome=Outcome.FIRST_WRITTEN_WARNING)
    words = pdf.text(case.letters.get(kind=Letter.Kind.OUTCOME).pdf.read())
    assert "write to Helen Ward, Clerk to the Governing Body" in words
    procedure.clock.move_to(HEARING_AT + timedelta(days=2), tick=False)
    with pytest.raises(ValidationError, match="managed the case and cannot hear the appeal"):
        take("lodge_appeal", case, school.chair, panel=[school.chair, school.governor])


def test_a_dismissal_is_notified_to_the_local_authority_which_gives_notice(procedure, school, take, real_letters):
    school.school.local_authority = "Cheshire East Council, Human Resources\nWestfields\nSandbach"
    school.school.save()
    case = dismissed(procedure, take, school, Outcome.DISMISSAL_WITH_NOTICE)

    notification = case.letters.get(kind=Letter.Kind.AUTHORITY_NOTIFICATION)
    assert notification.recipient_name == "Cheshire East Council, Human Resources"
    words = pdf.text(notification.pdf.read())
    assert "Please give the employee notice of dismissal within 14 days" in words
    outcome = pdf.text(case.letters.get(kind=Letter.Kind.OUTCOME).pdf.read())
    assert "it gives you notice of dismissal, not the school" in outcome
    assert "Your employment will end on" not in outcome

    def authority_due():
        return [due.on for due in deadlines_of(case) if due.label == "The local authority gives notice"]
    assert authority_due() == [(HEARING_AT + timedelta(days=14)).date()]
    take("record_authority_notice", case, school.headteacher)
    case.refresh_from_db()
    assert case.authority_notice_on is not None and authority_due() == []


def test_at_an_academy_the_school_gives_notice_itself(procedure, school, take):
    school.school.type = school.school.Type.ACADEMY
    school.school.save()
    case = dismissed(procedure, take, school, Outcome.DISMISSAL_WITH_NOTICE)
    assert not case.letters.filter(kind=Letter.Kind.AUTHORITY_NOTIFICATION).exists()
    assert case.authority_notice_due_on is None
    with pytest.raises(services.StepNotAvailable, match="local authority"):
        take("record_authority_notice", case, school.headteacher)
