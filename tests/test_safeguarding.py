"""Allegations against staff as Keeping Children Safe in Education part 4 requires: the harm
threshold decided on its four tests, nothing internal until the LADO advises, the LADO's part
recorded, outcomes that decide what is kept, the duty to refer to the DBS and the TRA, and the
reporting restriction on a pupil's allegation against a teacher."""

import csv
import html
import io
import zipfile
from datetime import date, datetime, timedelta

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import deadlines
from incidents.exceptions import StepNotAvailable
from incidents.exports.bundle import bundle_build
from incidents.exports.subject_access_requests import subject_access_request_record
from incidents.models import Case, CaseEvent, Letter
from incidents.workflow import LadoOutcome, Outcome, State, Suspension
from incidents.workflow.choices import REPORTING_RESTRICTION
from tests.letters import pdf
from tests.procedure import HEARING_AT, LONDON, referred_case_at


def threshold_met(procedure, take, case, by=None):
    take("decide_harm_threshold", case, by or case.case_manager, harmed=False, offence=False, risk=True,
         unsuitable=False, reasons="Private messages to a pupil suggest a risk of harm.")
    case.refresh_from_db()
    return case


def unchanged(case, step_call, match):
    """`step_call` is refused with a message matching `match`, and the case is as it was."""
    before = (case.state, case.events.count(), case.letters.count())
    with pytest.raises((StepNotAvailable, ValidationError), match=match):
        step_call()
    case.refresh_from_db()
    assert (case.state, case.events.count(), case.letters.count()) == before


# --- 1. The harm threshold is a decision someone records ------------------------------------

def test_a_concern_under_any_clause_found_to_meet_the_threshold_is_due_to_the_lado_at_once(procedure, take):
    case = procedure.case_at(State.REPORTED)  # a breach of clause a, not marked safeguarding
    assert not case.safeguarding and deadlines.next_deadline(case) is None
    procedure.clock.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=LONDON), tick=False)  # two days later
    threshold_met(procedure, take, case)
    assert case.safeguarding and case.harm_threshold_met is True
    due = deadlines.next_deadline(case)
    # one working day from the report (Monday 2 March), so already late on Wednesday
    assert (due.label, due.on, due.overdue) == ("Referral to the LADO", date(2026, 3, 3), True)
    assert Case.objects.filter(deadlines.overdue_q(), pk=case.pk).exists()


def test_a_safeguarding_concern_shows_its_lado_deadline_from_the_moment_it_is_reported(procedure):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    assert deadlines.next_deadline(case).label == "Referral to the LADO"


def test_every_one_of_the_four_tests_must_be_answered(procedure, take, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    with pytest.raises(ValidationError) as refused:
        take("decide_harm_threshold", case, school.dsl, offence=None, reasons="")
    assert set(refused.value.message_dict) == {"offence", "reasons"}
    assert "criminal offence" not in refused.value.message_dict["reasons"][0]
    case.refresh_from_db()
    assert case.harm_threshold_met is None and not case.events.filter(transition="decide_harm_threshold").exists()


def test_a_threshold_not_met_lets_the_case_go_on_with_the_reasons_on_the_timeline(procedure, take, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    take("decide_harm_threshold", case, school.dsl, harmed=False, offence=False, risk=False, unsuitable=False,
         reasons="A like on a parent's post; no child involved.")
    case.refresh_from_db()
    assert case.harm_threshold_met is False and deadlines.next_deadline(case) is None
    event = case.events.get(transition="decide_harm_threshold")
    assert event.details["reasons"] == "A like on a parent's post; no child involved."
    take("record_low_level_concern", case, school.dsl)
    assert case.state == State.CLOSED


def test_a_low_level_concern_needs_the_threshold_found_not_met_first(procedure, take, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    unchanged(case, lambda: take("record_low_level_concern", case, school.dsl), "harm threshold is not met")


# --- 2. Nothing internal until the LADO advises ---------------------------------------------

@pytest.mark.parametrize("step", ["open_investigation", "close_no_case", "request_content_removal"])
def test_a_safeguarding_concern_is_neither_investigated_nor_closed_before_the_threshold_is_decided(
        procedure, take, school, step):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    unchanged(case, lambda: take(step, case, school.headteacher), "first decide whether the harm threshold is met")


@pytest.mark.parametrize("step", ["open_investigation", "close_no_case", "request_content_removal"])
def test_nothing_is_done_under_the_schools_procedure_until_the_lado_advises(procedure, take, school, step):
    case = threshold_met(procedure, take, procedure.case_at(State.REPORTED))
    unchanged(case, lambda: take(step, case, school.headteacher), "until the LADO advises")


def test_while_the_lado_advises_nobody_is_interviewed_during_an_investigation(procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)
    threshold_met(procedure, take, case)
    unchanged(case, lambda: take("record_investigation_meeting", case, school.investigator), "until the LADO advises")
    unchanged(case, lambda: take("submit_investigation_report", case, school.investigator), "until the LADO advises")
    take("refer_to_lado", case, school.headteacher)  # the referral itself remains possible
    assert case.state == State.SAFEGUARDING_REFERRAL


def test_suspension_and_the_referral_remain_possible_while_the_lado_is_awaited(procedure, take, school):
    case = threshold_met(procedure, take, procedure.case_at(State.REPORTED))
    take("suspend", case, school.headteacher)
    take("refer_to_lado", case, school.dsl)
    take("record_lado_meeting", case, school.dsl)
    case.refresh_from_db()
    assert case.state == State.SAFEGUARDING_REFERRAL and case.suspension == Suspension.SUSPENDED


# --- 3. The LADO's part recorded ------------------------------------------------------------

def test_the_referral_record_gives_the_four_tests_the_reasons_and_the_lado(procedure, take, school, real_letters):
    case = threshold_met(procedure, take, procedure.case_at(State.REPORTED, safeguarding=True), by=school.dsl)
    take("refer_to_lado", case, school.dsl, lado_name="Morgan Ellis", lado_authority="Rainow Borough Council",
         lado_reference="LADO/2026/117")
    case.refresh_from_db()
    assert (case.lado_name, case.lado_authority, case.lado_reference) == (
        "Morgan Ellis", "Rainow Borough Council", "LADO/2026/117")
    words = pdf.text(case.letters.get(kind=Letter.Kind.LADO_REFERRAL).pdf.read())
    assert "To Morgan Ellis, Rainow Borough Council" in words
    assert "LADO/2026/117" in words
    for test, answer in [("has harmed a child, or may have harmed a child", "No"),
                         ("Possibly committed a criminal offence against or related to a child", "No"),
                         ("may pose a risk of harm to children", "Yes"),
                         ("may not be suitable to work with children", "No")]:
        assert f"{test} {answer}" in words
    assert "Private messages to a pupil suggest a risk of harm." in words


def test_the_lado_cannot_be_referred_to_before_the_threshold_is_found_met(procedure, take, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    unchanged(case, lambda: take("refer_to_lado", case, school.dsl), "harm threshold is met")


def test_a_strategy_meeting_is_kept_on_the_record(procedure, take, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_meeting", case, school.dsl, meeting="strategy", held_on=date(2026, 3, 2),
         attended="The LADO; the headteacher; DC Patel.", agreed_actions="The police speak to the pupil first.")
    event = case.events.get(transition="record_lado_meeting")
    assert event.details["agreed_actions"] == "The police speak to the pupil first."
    unchanged(case, lambda: take("record_lado_meeting", case, school.dsl, held_on=date(2026, 3, 9)),
              "cannot be in the future")


def test_while_the_police_act_the_procedure_waits_and_its_deadlines_stop(procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)  # investigation due 20 working days from Monday 2 March
    assert case.investigation_due_on == date(2026, 3, 30)
    take("pause_for_agencies", case, school.headteacher, agencies="police",
         what="The police are investigating a possible offence.")
    case.refresh_from_db()
    assert deadlines.next_deadline(case) is None
    procedure.clock.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=LONDON), tick=False)
    assert not Case.objects.filter(deadlines.overdue_q(), pk=case.pk).exists()
    unchanged(case, lambda: take("record_investigation_meeting", case, school.investigator),
              "paused while the police or children's social care act")
    take("resume_procedure", case, school.headteacher)
    case.refresh_from_db()
    # paused from Monday 2 March to Wednesday 1 April: 22 working days, so the target moves on by them
    # (past Good Friday and Easter Monday) from Monday 30 March to Friday 1 May
    assert case.paused_on is None and case.investigation_due_on == date(2026, 5, 1)
    take("record_investigation_meeting", case, school.investigator)


def test_the_case_page_says_the_procedure_is_paused_and_shows_the_lado_to_the_dsl(client, procedure, take, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL, safeguarding=True)
    take("pause_for_agencies", case, school.dsl, agencies="childrens_social_care", what="A section 47 enquiry.")
    client.force_login(school.dsl)
    page = html.unescape(client.get(case.get_absolute_url()).content.decode())
    assert "The school's procedure is paused while children's social care act" in page
    assert "Referred 2 March 2026, 09:00 to Morgan Ellis, Rainow Borough Council" in page
    assert "Met: behaved towards a child or children in a way that indicates they may pose a risk" in page


# --- 4. Outcomes drive records --------------------------------------------------------------

SUMMARY = "An allegation that you messaged a pupil privately was referred to the LADO and followed up."


@pytest.mark.parametrize("outcome,says,file_words", [
    (LadoOutcome.UNSUBSTANTIATED, "not enough evidence either to prove or to disprove it",
     "kept on your confidential personnel file"),
    (LadoOutcome.UNFOUNDED, "no evidence or proper basis to support it", "kept on your confidential personnel file"),
    (LadoOutcome.FALSE, "enough evidence to disprove it", "removed from your personnel records"),
    (LadoOutcome.MALICIOUS, "made deliberately to deceive", "removed from your personnel records"),
])
def test_the_employee_is_told_the_outcome_and_what_is_kept_in_words_written_for_them(
        procedure, take, school, real_letters, outcome, says, file_words):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    on_file = outcome in (LadoOutcome.UNSUBSTANTIATED, LadoOutcome.UNFOUNDED)
    take("record_lado_outcome", case, school.headteacher, lado_outcome=outcome,
         advice="LADO: internal note for the school only.", personnel_summary=SUMMARY if on_file else "",
         action_about_maker="The school will speak to the pupil's parents." if outcome == "malicious" else "")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.personnel_summary == (SUMMARY if on_file else "")
    words = pdf.text(case.letters.get(kind=Letter.Kind.ALLEGATION_OUTCOME).pdf.read())
    assert says in words and file_words in words
    assert (SUMMARY in words) == on_file
    assert "internal note for the school only" not in words  # the LADO's advice is not pasted in
    assert ("until you reach normal pension age, or for ten years" in words) == on_file
    assert ("action to take about the person who made the allegation" in words) == (outcome == "malicious")


def test_a_substantiated_allegation_is_investigated_and_its_summary_kept(procedure, take, school, real_letters):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.SUBSTANTIATED, investigate=True,
         investigating_officer=school.investigator, personnel_summary=SUMMARY)
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION
    kinds = set(case.letters.values_list("kind", flat=True))
    assert {Letter.Kind.ALLEGATION_OUTCOME, Letter.Kind.INVESTIGATION_NOTICE} <= kinds
    words = pdf.text(case.letters.get(kind=Letter.Kind.ALLEGATION_OUTCOME).pdf.read())
    assert "substantiated" in words and "may be mentioned in a reference" in words and SUMMARY in words


@pytest.mark.parametrize("outcome,given,match", [
    (LadoOutcome.UNFOUNDED, {"personnel_summary": ""}, "summary for the personnel file"),
    (LadoOutcome.FALSE, {"personnel_summary": SUMMARY}, "leave the summary empty"),
    (LadoOutcome.MALICIOUS, {"personnel_summary": "", "action_about_maker": ""}, "whoever made the malicious"),
])
def test_each_outcome_asks_for_what_it_keeps_and_refuses_what_it_does_not(procedure, take, school, outcome, given,
                                                                         match):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    unchanged(case, lambda: take("record_lado_outcome", case, school.headteacher, lado_outcome=outcome, **given),
              match)


# --- 6. Referral duties ---------------------------------------------------------------------

def dismissed_after_threshold(procedure, take, school, *, teacher=False):
    school.employee.teacher = teacher
    school.employee.save()
    case = referred_case_at(procedure, take, State.INVESTIGATION)
    school.school.dismissal_committee_size = 1
    school.school.save()
    procedure.submit_report(case)
    take("refer_to_hearing", case, case.case_manager, hearing_at=HEARING_AT, place="Room 1", panel=[school.chair],
         gross_misconduct_alleged=True)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    take("record_outcome", case, school.chair, outcome=Outcome.SUMMARY_DISMISSAL, reasons="Found.")
    case.refresh_from_db()
    return case


def test_a_dismissal_after_the_harm_threshold_cannot_close_until_the_dbs_referral_is_recorded(
        procedure, take, school):
    case = dismissed_after_threshold(procedure, take, school)
    assert case.barring_referral_due_on is not None
    assert "Referrals to the DBS and the TRA" in [due.label for due in deadlines.deadlines_of(case)]
    procedure.clock.move_to(datetime(2026, 3, 30, 9, 0, tzinfo=LONDON), tick=False)
    unchanged(case, lambda: take("close", case, school.headteacher), "Disclosure and Barring Service")
    unchanged(case, lambda: take("record_barring_referrals", case, school.headteacher, dbs_reference=""),
              "reference the referral was given")
    take("record_barring_referrals", case, school.headteacher)
    take("close", case, school.headteacher)
    assert case.state == State.CLOSED


def test_a_teacher_needs_the_tra_referral_recorded_too(procedure, take, school):
    case = dismissed_after_threshold(procedure, take, school, teacher=True)
    take("record_barring_referrals", case, school.headteacher, tra_referral="")
    case.refresh_from_db()
    assert case.dbs_referral == "made" and case.barring_referral_outstanding()
    procedure.clock.move_to(datetime(2026, 3, 30, 9, 0, tzinfo=LONDON), tick=False)
    unchanged(case, lambda: take("close", case, school.headteacher), "Teaching Regulation Agency")
    unchanged(case, lambda: take("record_barring_referrals", case, school.headteacher, tra_referral="not_required",
                                 tra_reasons=""), "reasons a referral is not required")
    take("record_barring_referrals", case, school.headteacher)
    case.refresh_from_db()
    assert not case.barring_referral_outstanding() and case.barring_referral_due_on is None


def test_an_employee_who_leaves_after_the_threshold_is_met_is_still_referred(procedure, take, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_employee_left", case, school.headteacher, left_on=date(2026, 3, 2), how="Resigned.")
    case.refresh_from_db()
    assert case.barring_referral_due_on is not None
    unchanged(case, lambda: take("record_lado_outcome", case, school.headteacher), "Disclosure and Barring Service")


def test_no_referral_is_due_for_a_dismissal_without_harm_to_children(procedure):
    case = procedure.case_dismissed(State.CLOSED)  # gross misconduct about parents, not a teacher
    assert case.barring_referral_due_on is None


# --- 7. Reporting restrictions --------------------------------------------------------------

def test_a_pupils_allegation_against_a_teacher_carries_the_restriction_everywhere(
        client, procedure, take, school, real_letters):
    case = procedure.case_at(State.INVESTIGATION)
    take("restrict_reporting", case, school.headteacher)
    client.force_login(school.hr)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "must not be identified publicly, by anyone, until they are charged" in page

    response = client.get(reverse("incidents:export_register"), {"file_format": "csv"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    [row] = [row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig"))) if row["Reference"] == case.reference]
    assert row["Reporting restriction"] == REPORTING_RESTRICTION

    made = bundle_build(case=case, by=school.hr, purpose="tribunal")
    archive = zipfile.ZipFile(made.file)
    cover = pypdf.PdfReader(io.BytesIO(archive.read(f"{case.reference}-bundle.pdf"))).pages[0].extract_text()
    assert "must not be identified publicly" in " ".join(cover.split())

    request = subject_access_request_record(staff=school.employee, received_on=date(2026, 3, 2),
                                            received_how="email", by=school.hr)
    response = client.post(reverse("incidents:subject_access_pack", args=[request.uuid]), {})
    records = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert REPORTING_RESTRICTION in records.read("subject-access.html").decode().replace("&#x27;", "'")


def test_the_restriction_and_its_lifting_are_on_the_timeline(procedure, take, school):
    case = procedure.case_at(State.INVESTIGATION)
    take("restrict_reporting", case, school.headteacher)
    take("lift_reporting_restriction", case, school.headteacher, reason="The teacher was charged on 5 March.")
    case.refresh_from_db()
    assert not case.reporting_restricted
    steps = list(case.events.filter(kind=CaseEvent.Kind.TRANSITION).values_list("transition", flat=True))
    assert steps[-2:] == ["restrict_reporting", "lift_reporting_restriction"]
    unchanged(case, lambda: take("lift_reporting_restriction", case, school.headteacher), "No reporting restriction")
