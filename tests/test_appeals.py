"""Appeals that restore: an upheld appeal against a dismissal reinstates the employee with
continuity of service and back pay, a replaced outcome is stated with its new terms, and the
case page and the register keep the hearing's outcome beside the appeal's decision."""

import csv
import io
from datetime import timedelta

from django.urls import reverse

from incidents.models import Letter, School
from incidents.workflow import AppealDecision, Outcome, State
from tests.letters import pdf
from tests.procedure import APPEAL_HEARING_AT


def decided(procedure, take, school, **decision):
    case = procedure.case_dismissed(State.APPEAL)  # summary dismissal, appeal heard by a governor
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=3), tick=False)
    take("decide_appeal", case, school.governor, reasons="The panel did not weigh the apology.", **decision)
    case.refresh_from_db()
    return case


def appeal_letter(case) -> str:
    return pdf.text(case.letters.get(kind=Letter.Kind.APPEAL_OUTCOME).pdf.read())


def test_an_upheld_appeal_against_a_dismissal_reinstates_with_continuity_and_back_pay(
        procedure, school, take, real_letters):
    case = decided(procedure, take, school, decision=AppealDecision.UPHELD)
    assert (case.outcome, case.outcome_before_appeal) == (Outcome.NO_FURTHER_ACTION, Outcome.SUMMARY_DISMISSAL)
    words = appeal_letter(case)
    assert "You are reinstated in your post" in words
    assert "Your continuity of service is unbroken" in words
    assert "you will be paid in full for the time since then" in words
    # the local authority's notice is no longer due
    assert case.authority_notice_due_on is None


def test_a_lesser_outcome_on_appeal_is_stated_with_its_terms(procedure, school, take, real_letters):
    case = decided(procedure, take, school, decision=AppealDecision.PARTLY_UPHELD,
                   new_outcome=Outcome.FINAL_WRITTEN_WARNING)
    words = appeal_letter(case)
    assert "The outcome is now: final written warning, live until 10 March 2027" in words
    assert "You are reinstated in your post" in words


def test_an_appeal_not_upheld_reinstates_no_one(procedure, school, take, real_letters):
    case = decided(procedure, take, school, decision=AppealDecision.NOT_UPHELD)
    assert case.outcome == case.outcome_before_appeal == Outcome.SUMMARY_DISMISSAL
    assert "reinstated" not in appeal_letter(case)


def test_the_case_page_and_the_register_show_the_hearings_outcome_and_the_appeals_decision(
        client, procedure, school, take):
    case = decided(procedure, take, school, decision=AppealDecision.UPHELD)
    client.force_login(school.hr)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Upheld: the outcome is withdrawn (the hearing had decided: summary dismissal)" in page

    response = client.get(reverse("incidents:export_register"), {"file_format": "csv"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    [row] = [row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
             if row["Reference"] == case.reference]
    assert (row["Outcome"], row["Outcome before appeal"], row["Appeal decision"]) == (
        "No further action", "Summary dismissal", "Upheld: the outcome is withdrawn")


def test_the_local_authority_is_told_when_the_dismissal_it_was_asked_to_give_notice_of_is_overturned(
        procedure, school, take, real_letters):
    case = decided(procedure, take, school, decision=AppealDecision.UPHELD)
    notice = case.letters.get(kind=Letter.Kind.AUTHORITY_REINSTATEMENT)
    assert notice.recipient_name == "The local authority"
    words = pdf.text(notice.pdf.read())
    assert "the appeal committee has overturned that decision" in words
    assert "Please do not give notice of dismissal." in words
    assert "reinstated in their post, with continuity of service" in words
    assert "What stands now No further action" in words


def test_the_local_authority_asked_to_withdraw_the_notice_it_already_gave(procedure, school, take, real_letters):
    case = procedure.case_dismissed(State.APPEAL)
    take("record_authority_notice", case, case.case_manager, given_on=case.outcome_on)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=3), tick=False)
    take("decide_appeal", case, school.governor, decision=AppealDecision.PARTLY_UPHELD,
         new_outcome=Outcome.FINAL_WRITTEN_WARNING, reasons="Too severe for a first offence.")
    words = pdf.text(case.letters.get(kind=Letter.Kind.AUTHORITY_REINSTATEMENT).pdf.read())
    assert "Please withdraw the notice of dismissal you gave on 10 March 2026." in words
    assert "What stands now Final written warning" in words


def test_no_word_to_the_authority_when_the_dismissal_stands_or_the_school_employs_its_staff(
        procedure, school, take):
    case = decided(procedure, take, school, decision=AppealDecision.NOT_UPHELD)
    assert not case.letters.filter(kind=Letter.Kind.AUTHORITY_REINSTATEMENT).exists()
    school.school.type = School.Type.ACADEMY
    school.school.save()
    case = decided(procedure, take, school, decision=AppealDecision.UPHELD)
    assert not case.letters.filter(kind=Letter.Kind.AUTHORITY_REINSTATEMENT).exists()
