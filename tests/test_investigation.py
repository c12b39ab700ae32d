"""The investigation done in the product: the investigating officer's meetings, statements and
report, and the hearing that waits for the report (ACAS Code: establish the facts first)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents import clock, services
from incidents.models import CaseEvent, Evidence, Letter
from incidents.models.events import Notification
from incidents.workflow import State
from incidents.workflow.choices import DocumentKind, Recommendation
from incidents.workflow.guidance import what_happens_next
from tests.factories import one_page_pdf
from tests.letters import pdf
from tests.procedure import HEARING_AT


def statement(name: str = "statement.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, one_page_pdf() if content is None else content, content_type="application/pdf")


def snapshot(case):
    case.refresh_from_db()
    return (case.state, case.investigation_reported_at, case.events.count(), case.evidence.count())


def test_a_hearing_cannot_be_arranged_before_the_investigating_officer_reports(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    before = snapshot(case)
    with pytest.raises(services.StepNotAvailable, match="skip the first step of the ACAS Code"):
        take("refer_to_hearing", case, school.headteacher)
    assert snapshot(case) == before and not case.hearing_panel.exists()


def test_the_investigating_officers_meeting_statement_and_report_are_on_the_case(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    officer = school.investigator

    take("record_investigation_meeting", case, officer, companion="Jo Booth", signed_notes=statement("notes.pdf"),
         attended="The employee; the investigating officer.", notes="The employee accepts writing the post.")
    take("add_statement", case, officer, what=DocumentKind.STATEMENT, description="Statement of Ann Lee",
         document=statement())
    take("submit_investigation_report", case, officer, findings="The employee wrote the post and left it up.",
         recommendation=Recommendation.HEARING)

    case.refresh_from_db()
    assert case.state == State.INVESTIGATION
    assert case.investigation_findings == "The employee wrote the post and left it up."
    kinds = [(item.kind, item.description, item.added_by) for item in case.evidence.order_by("added_at", "pk")]
    assert kinds == [(DocumentKind.MEETING_NOTES, "Notes of an investigation meeting", officer),
                     (DocumentKind.STATEMENT, "Statement of Ann Lee", officer)]
    meeting = case.events.get(transition="record_investigation_meeting")
    assert meeting.details["companion"] == "Jo Booth"
    assert meeting.details["signed_notes"]["name"] == "notes.pdf"
    assert meeting.details["signed_notes"]["sha256"] == case.evidence.get(kind=DocumentKind.MEETING_NOTES).sha256


def test_the_hearing_invitation_gives_the_reports_findings(procedure, school, take, real_letters):
    case = procedure.case_at(State.INVESTIGATION)
    take("submit_investigation_report", case, school.investigator,
         findings="The employee wrote the post and left it up for four days.")
    take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT)
    invitation = case.letters.get(kind=Letter.Kind.HEARING_INVITATION)
    assert "The employee wrote the post and left it up for four days." in pdf.text(invitation.pdf.read())


def test_a_meeting_cannot_be_recorded_before_it_has_taken_place(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    before = snapshot(case)
    with pytest.raises(ValidationError, match="its time cannot be in the future"):
        take("record_investigation_meeting", case, school.investigator,
             held_at=clock.now() + timedelta(days=1))
    assert snapshot(case) == before


def test_a_damaged_statement_is_refused_and_nothing_is_kept(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        take("add_statement", case, school.investigator, document=statement(content=b"%PDF-1.7 not really"))
    assert refused.value.message_dict == {"document": ["statement.pdf is damaged and cannot be opened."]}
    assert snapshot(case) == before and not Evidence.objects.filter(case=case).exists()


def test_only_the_investigating_officer_records_the_investigation(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    for person in (school.headteacher, school.staff, school.governor, school.hr):
        with pytest.raises(services.NotPermitted, match="^Only the investigating officer"):
            take("submit_investigation_report", case, person)
    assert case.investigation_reported_at is None


def test_the_reporter_never_sees_the_investigations_documents(client, procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    take("add_statement", case, school.investigator, description="Statement of Ann Lee", document=statement())
    added = case.evidence.get(kind=DocumentKind.STATEMENT)

    client.force_login(case.reporter)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "Ann Lee" not in page and "statement.pdf" not in page
    download = reverse("incidents:evidence_download", args=[case.uuid, added.uuid])
    assert client.get(download).status_code == 404

    client.force_login(school.headteacher)
    assert "Statement of Ann Lee" in client.get(case.get_absolute_url()).content.decode()
    assert client.get(download).status_code == 200


def test_what_happens_next_follows_the_reports_recommendation(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    assert what_happens_next(case).step.name == "submit_investigation_report"
    take("submit_investigation_report", case, school.investigator, recommendation=Recommendation.MANAGEMENT_ADVICE)
    advice = what_happens_next(case)
    assert (advice.step.name, advice.when) == ("give_management_advice", "as the investigation report recommends")


def test_the_case_manager_is_told_when_the_report_is_submitted(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    take("submit_investigation_report", case, school.investigator)
    told = Notification.objects.get(case=case, notice="investigation_report_submitted")
    assert told.recipient == case.case_manager


def test_a_reopened_case_needs_a_new_report_before_a_hearing(procedure, school, take):
    case = procedure.case_ready_for_hearing()
    take("close_no_case", case, school.headteacher, reason="The employee was not the author.")
    take("reopen", case, school.headteacher)
    assert case.state == State.INVESTIGATION and case.investigation_reported_at is None
    with pytest.raises(services.StepNotAvailable, match="has not submitted the investigation report"):
        take("refer_to_hearing", case, school.headteacher)


def test_the_investigating_officer_adds_a_statement_from_the_browser(client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.investigator)
    url = reverse("incidents:case_step", args=[case.uuid, "add_statement"])
    response = client.post(url, {"what": "statement", "description": "Statement of Ann Lee",
                                 "document": statement()}, follow=True)
    assert "Added to the investigation. The case is at: investigation." in response.content.decode()
    assert case.evidence.get().original_name == "statement.pdf"
    event = case.events.filter(kind=CaseEvent.Kind.TRANSITION).last()
    assert event.transition == "add_statement" and event.details["document"]["name"] == "statement.pdf"
