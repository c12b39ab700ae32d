"""Subject access requests: dated, due one calendar month later, extended by at most two further
months with a letter, answered with a pack in which other people's names are redacted by default
(in the enclosed letters too), with a warning when a live LADO referral is in scope."""

import io
import json
import re
import zipfile
from datetime import date, datetime

import pytest
from django.urls import reverse

from incidents import clock, services
from incidents.exports.archive import archive_verify
from incidents.exports.subject_access_requests import (
    first_due_on,
    latest_due_on,
    months_after,
    overdue_q,
    subject_access_request_record,
)
from incidents.models import (
    Case,
    CaseEvent,
    ExportRecord,
    PreparedExport,
    Role,
    StaffMember,
    SubjectAccessExtension,
    SubjectAccessRequest,
)
from incidents.permissions import reading_for
from incidents.timeline import timeline_for
from incidents.workflow import State, inputs
from tests.factories import SchoolFactory, person
from tests.letters import pdf
from tests.procedure import LONDON
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


def request_from(staff, by, received_on=None, how="email"):
    return subject_access_request_record(staff=staff, received_on=received_on or clock.today(), received_how=how,
                                         by=by)


def page(item):
    return reverse("incidents:subject_access_request", args=[item.uuid])


def pack(client, item, **data) -> zipfile.ZipFile:
    response = client.post(reverse("incidents:subject_access_pack", args=[item.uuid]), data)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip", response.content[:500]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


LEAVE_NAMES_IN = {"leave_names_in": "on", "not_redacted_reason": "They acted in their roles at the school."}


@pytest.fixture
def cases_about_alex(school, procedure):
    """A case about Alex Employee at the outcome, with evidence; a case reported with nobody named;
    a case about someone else."""
    about = procedure.case_at(State.OUTCOME_ISSUED)
    services.evidence_add(case=about, by=school.headteacher, file=upload("post.png", png_bytes()))
    reported_by_staff = procedure.report(subject=None)
    unrelated = procedure.report(subject=StaffMember.objects.create(school=school.school, full_name="Sam Other"))
    return about, reported_by_staff, unrelated


@pytest.fixture
def named_by_the_reporter(school, procedure):
    """A case about Alex whose report, in the reporter's words, names the reporter; under investigation,
    so Alex has the notice of investigation, which quotes the report and is signed by the headteacher."""
    reporter = school.staff.get_full_name()
    case = services.case_report(
        reporter=school.staff, school=school.school, kind=Case.Kind.BREACH, platform=Case.Platform.FACEBOOK,
        subject=school.employee, clauses=(), content_url="https://facebook.example/posts/2",
        description=f"I, {reporter}, saw Alex's post about the parents of Year 4 in a public group.")
    services.step_take(case=case, by=school.headteacher,
                       given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    return case


# --- The one-month clock ------------------------------------------------------------------------

@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 3, 2), date(2026, 4, 2)),
    (date(2027, 1, 31), date(2027, 2, 28)),  # no 31 February: the month's last day
    (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
    (date(2026, 12, 15), date(2027, 1, 15)),
    (date(2026, 8, 31), date(2026, 9, 30)),
])
def test_a_request_is_due_one_calendar_month_after_it_is_received(received, due):
    assert first_due_on(received) == due == months_after(received, 1)


def test_an_extension_reaches_at_most_three_calendar_months_after_receipt():
    assert latest_due_on(date(2027, 1, 31)) == date(2027, 4, 30)
    assert latest_due_on(date(2026, 11, 30)) == date(2027, 2, 28)


def test_hr_records_a_request_with_its_date_and_how_it_came(client, school, time_machine):
    time_machine.move_to(datetime(2027, 2, 3, 10, 0, tzinfo=LONDON), tick=False)
    client.force_login(school.hr)
    response = client.post(reverse("incidents:export_subject_access"), {
        "staff_member": school.employee.pk, "received_on": "2027-01-31", "received_how": "letter"})
    item = SubjectAccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == page(item)
    assert (item.staff, item.received_on, item.received_how, item.due_on) == (
        school.employee, date(2027, 1, 31), "letter", date(2027, 2, 28))
    shown = client.get(page(item)).content.decode()
    assert "Alex Employee asked for their records" in shown and "Sunday 28 February 2027" in shown
    assert "Sunday 31 January 2027, by letter" in shown


def test_a_request_dated_in_the_future_is_refused_and_nothing_is_recorded(client, school, procedure):
    client.force_login(school.hr)
    response = client.post(reverse("incidents:export_subject_access"), {
        "staff_member": school.employee.pk, "received_on": "2026-03-03", "received_how": "email"})
    assert response.status_code == 200
    assert "The date received cannot be in the future." in response.content.decode()
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_not_answered_by_its_due_date_is_overdue_on_the_hr_page(client, school, procedure, time_machine):
    item = request_from(school.employee, school.hr)  # Monday 2 March 2026: due Thursday 2 April
    time_machine.move_to(datetime(2026, 4, 2, 17, 0, tzinfo=LONDON), tick=False)
    client.force_login(school.hr)
    listed = client.get(reverse("incidents:export_subject_access")).content.decode()
    assert "Overdue" not in listed and "2 April 2026" in listed
    time_machine.move_to(datetime(2026, 4, 3, 9, 0, tzinfo=LONDON), tick=False)
    client.force_login(school.hr)
    listed = client.get(reverse("incidents:export_subject_access")).content.decode()
    assert "Overdue: due 2 April 2026" in listed and "1 overdue" in listed
    assert "Overdue" in client.get(page(item)).content.decode()
    assert list(SubjectAccessRequest.objects.filter(overdue_q(clock.today()))) == [item]


# --- More time ----------------------------------------------------------------------------------

def test_an_extension_moves_the_due_date_and_writes_to_the_requester(client, school, procedure, real_letters):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    reason = "Your request covers several cases, and other people's details must be taken out of the letters."
    response = client.post(reverse("incidents:subject_access_extend", args=[item.uuid]),
                           {"due_on": "2026-06-02", "reason": reason})
    assert response.status_code == 302
    item.refresh_from_db()
    extension = item.extensions.get()
    assert item.due_on == date(2026, 6, 2) and extension.previous_due_on == date(2026, 4, 2)
    shown = client.get(page(item)).content.decode()
    assert "Tuesday 2 June 2026" in shown and "extended from 2 April 2026" in shown
    letter = client.get(reverse("incidents:subject_access_letter", args=[item.uuid, extension.uuid]))
    content = b"".join(letter.streaming_content)
    assert letter["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    words = pdf.text(content)
    assert "Dear Alex Employee" in words and "Tuesday 2 June 2026" in words and "2 April 2026" in words
    assert "several cases" in words and "Information Commissioner" in words
    assert item.reference in words


def test_an_extension_beyond_two_further_months_is_refused_and_changes_nothing(client, school, procedure):
    item = request_from(school.employee, school.hr)  # received 2 March 2026: at most 2 June
    client.force_login(school.hr)
    response = client.post(reverse("incidents:subject_access_extend", args=[item.uuid]),
                           {"due_on": "2026-06-03", "reason": "A great many records."})
    assert response.status_code == 200
    assert ("The time can be extended by at most two further months: the latest due date for this request is "
            "2 June 2026.") in response.content.decode()
    item.refresh_from_db()
    assert item.due_on == date(2026, 4, 2) and not SubjectAccessExtension.objects.exists()


def test_an_extension_needs_a_reason_and_a_later_date(client, school, procedure):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    response = client.post(reverse("incidents:subject_access_extend", args=[item.uuid]),
                           {"due_on": "2026-04-01", "reason": "  "})
    text = response.content.decode()
    assert "The new due date must be after the present one, 2 April 2026." in text
    assert "Say why more time is needed: the letter to the requester gives this reason." in text
    assert not SubjectAccessExtension.objects.exists()


def test_an_extension_after_the_first_month_is_refused(client, school, procedure, time_machine):
    item = request_from(school.employee, school.hr)
    time_machine.move_to(datetime(2026, 4, 3, 9, 0, tzinfo=LONDON), tick=False)
    client.force_login(school.hr)
    response = client.post(reverse("incidents:subject_access_extend", args=[item.uuid]),
                           {"due_on": "2026-05-02", "reason": "A great many records."})
    assert "must be told of an extension within one month of their request, by 2 April 2026" in (
        response.content.decode().replace("&#x27;", "'"))
    item.refresh_from_db()
    assert item.due_on == date(2026, 4, 2) and not SubjectAccessExtension.objects.exists()


# --- The pack -----------------------------------------------------------------------------------

def test_the_pack_holds_everything_about_the_employee(client, school, cases_about_alex):
    about, _, unrelated = cases_about_alex
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    archive = pack(client, item, **LEAVE_NAMES_IN)
    document = json.loads(archive.read("subject-access.json"))
    assert [case["reference"] for case in document["cases"]] == [about.reference]
    held = document["cases"][0]
    assert held["roles"] == ["employee concerned"]
    assert held["people"]["case manager"] == school.headteacher.get_full_name()
    assert {letter["reference"] for letter in held["letters"]} == {
        letter.reference for letter in about.letters.filter(recipient_staff=school.employee)}
    assert held["evidence"][0]["file"] and held["evidence"][0]["file"] in archive.namelist()
    assert "Alex Employee" in archive.read("subject-access.html").decode()
    assert archive_verify(archive.fp).ok
    record = ExportRecord.objects.get()
    assert record.kind == "subject_access" and record.filters["request"] == str(item.uuid)
    assert record.filters["not_redacted_reason"] == LEAVE_NAMES_IN["not_redacted_reason"]
    assert about.events.filter(kind=CaseEvent.Kind.EXPORTED, actor=school.hr).count() == 1
    assert not unrelated.events.filter(kind=CaseEvent.Kind.EXPORTED).exists()


def test_a_reporter_sees_the_cases_they_reported(client, school, cases_about_alex):
    about, reported, unrelated = cases_about_alex
    item = request_from(school.staff.staff_records.get(), school.hr)
    client.force_login(school.hr)
    document = json.loads(pack(client, item).read("subject-access.json"))
    roles = {case["reference"]: case["roles"] for case in document["cases"]}
    assert roles == {about.reference: ["reporter"], reported.reference: ["reporter"],
                     unrelated.reference: ["reporter"]}


def test_other_peoples_names_are_redacted_by_default(client, school, cases_about_alex):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    form = client.get(page(item)).content.decode()
    assert 'name="leave_names_in"' in form and 'name="leave_names_in" checked' not in form
    archive = pack(client, item)
    text = archive.read("subject-access.json").decode() + archive.read("subject-access.html").decode()
    for other in (school.headteacher, school.investigator, school.staff):
        assert other.get_full_name() not in text, other
    assert "[redacted]" in text and "Alex Employee" in text
    held = json.loads(archive.read("subject-access.json"))["cases"][0]
    assert held["people"]["case manager"] == "[redacted]"
    assert held["evidence"][0]["file"] is None and not any(n.startswith("evidence/") for n in archive.namelist())
    assert ExportRecord.objects.get().filters["redact_others"] is True


def test_the_enclosed_letters_are_redacted_too(client, school, named_by_the_reporter, real_letters):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    archive = pack(client, item)
    letters = [name for name in archive.namelist() if name.startswith("letters/")]
    assert letters
    notice = pdf.text(archive.read(next(name for name in letters if "INV" in name)))
    assert school.staff.get_full_name() not in notice  # the reporter
    assert school.headteacher.get_full_name() not in notice and school.investigator.get_full_name() not in notice
    assert "[redacted]" in notice and "Alex Employee" in notice
    assert "copy made" in notice and "subject access request" in notice
    assert archive_verify(archive.fp).ok
    issued = named_by_the_reporter.letters.get(kind="investigation_notice")
    with issued.pdf.open("rb") as file:  # the letter as issued is unchanged
        assert school.staff.get_full_name() in pdf.text(file.read())


def test_names_are_left_in_only_with_a_recorded_reason(client, school, named_by_the_reporter, real_letters):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    refused = client.post(reverse("incidents:subject_access_pack", args=[item.uuid]), {"leave_names_in": "on"})
    assert refused.status_code == 200 and "Say why other people" in refused.content.decode()
    assert not ExportRecord.objects.exists()
    assert not named_by_the_reporter.events.filter(kind=CaseEvent.Kind.SUBJECT_ACCESS_PACK).exists()
    archive = pack(client, item, **LEAVE_NAMES_IN)
    notice = next(name for name in archive.namelist() if "INV" in name)
    assert school.staff.get_full_name() in pdf.text(archive.read(notice))
    assert LEAVE_NAMES_IN["not_redacted_reason"] in archive.read("subject-access.html").decode().replace(
        "&#x27;", "'")


# --- A live referral to the LADO ----------------------------------------------------------------

def test_a_live_lado_referral_in_scope_must_be_considered_before_export(client, school, procedure):
    case = procedure.report(safeguarding=True)
    procedure.decide_harm_threshold(case, met=True)
    services.step_take(case=case, by=school.headteacher, given=inputs.ReferToLado(
        allegation="Accepted a pupil's friend request.", lado_name="Morgan Ellis", lado_authority="Rainow"))
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    shown = client.get(page(item)).content.decode()
    assert "A live referral to the LADO, or an enquiry by the police or children's social care, is in scope" in shown
    assert f"Case {case.reference}: referred to the LADO on 2 March 2026, awaiting its advice." in shown
    refused = client.post(reverse("incidents:subject_access_pack", args=[item.uuid]), {})
    assert refused.status_code == 200 and "Confirm that you have considered it" in refused.content.decode()
    assert not ExportRecord.objects.exists()
    assert not case.events.filter(kind__in=[CaseEvent.Kind.EXPORTED, CaseEvent.Kind.SUBJECT_ACCESS_PACK]).exists()
    pack(client, item, lado_considered="on")
    assert ExportRecord.objects.get().filters["lado_considered"] == [
        f"Case {case.reference}: referred to the LADO on 2 March 2026, awaiting its advice."]
    recorded = case.events.get(kind=CaseEvent.Kind.SUBJECT_ACCESS_PACK)
    assert recorded.details["lado_referral"] == "Considered by the HR adviser before the export"


def test_the_police_acting_on_a_case_in_scope_must_be_considered_before_export(client, school, procedure):
    case = procedure.case_at(State.INVESTIGATION)
    services.step_take(case=case, by=school.headteacher, given=inputs.PauseForAgencies(
        agencies="police", what="A police investigation into harassment."))
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    shown = client.get(page(item)).content.decode()
    assert f"Case {case.reference}: the police acting on it since 2 March 2026." in shown
    refused = client.post(reverse("incidents:subject_access_pack", args=[item.uuid]), {})
    assert "Confirm that you have considered it" in refused.content.decode() and not ExportRecord.objects.exists()


def test_no_warning_when_no_lado_referral_is_live(client, school, cases_about_alex):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    shown = client.get(page(item)).content.decode()
    assert "LADO" not in shown and 'name="lado_considered"' not in shown


# --- On the timelines, and answered ----------------------------------------------------------------

def test_the_pack_and_the_answer_are_on_the_case_timeline_in_plain_words(client, school, cases_about_alex):
    about, _, _ = cases_about_alex
    item = request_from(school.employee, school.hr, received_on=date(2026, 3, 2))
    client.force_login(school.hr)
    refused = client.post(reverse("incidents:subject_access_complete", args=[item.uuid]), follow=True)
    assert "Make the pack for this request before marking it answered." in refused.content.decode()
    item.refresh_from_db()
    assert item.completed_at is None
    pack(client, item)
    client.post(reverse("incidents:subject_access_complete", args=[item.uuid]))
    item.refresh_from_db()
    assert item.completed_at is not None and item.completed_by == school.hr
    entries = {entry.what: entry for entry in timeline_for(about, reading_for(school.headteacher, about))}
    gathered = entries["Records gathered for a subject access request"]
    answered = entries["Subject access request answered"]
    assert dict(gathered.details) == {"Requested by": "Alex Employee", "Request received": "2 March 2026",
                                      "Due": "2 April 2026", "Other people's names": "Redacted"}
    assert dict(answered.details)["Requested by"] == "Alex Employee"
    assert gathered.who == answered.who == school.hr.get_full_name()
    words = " ".join(f"{label} {text}" for entry in (gathered, answered) for label, text in entry.details)
    assert str(item.uuid) not in words and item.reference not in words
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}|\bid\b|_", words)  # no ids, no codes
    page_html = client.get(about.get_absolute_url()).content.decode()
    assert "Subject access request answered" in page_html
    again = client.post(reverse("incidents:subject_access_complete", args=[item.uuid]), follow=True)
    assert "already been marked answered" in again.content.decode()
    assert about.events.filter(kind=CaseEvent.Kind.SUBJECT_ACCESS_DONE).count() == 1


def test_the_pack_can_be_prepared_in_the_background(client, school, cases_about_alex):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    response = client.post(reverse("incidents:subject_access_pack", args=[item.uuid]), {"background": "1"})
    assert response.status_code == 302
    prepared = PreparedExport.objects.get()
    assert prepared.status == PreparedExport.Status.READY, prepared.error
    assert ExportRecord.objects.get().filters["redact_others"] is True


# --- Who may ------------------------------------------------------------------------------------

def test_only_hr_advisers_of_the_school_handle_its_requests(client, school, cases_about_alex):
    item = request_from(school.employee, school.hr)
    client.force_login(school.hr)
    client.post(reverse("incidents:subject_access_extend", args=[item.uuid]),
                {"due_on": "2026-05-02", "reason": "Many records."})
    extension = item.extensions.get()
    other = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")
    urls = {
        "list": ("get", reverse("incidents:export_subject_access")),
        "request": ("get", page(item)),
        "letter": ("get", reverse("incidents:subject_access_letter", args=[item.uuid, extension.uuid])),
        "extend": ("post", reverse("incidents:subject_access_extend", args=[item.uuid])),
        "pack": ("post", reverse("incidents:subject_access_pack", args=[item.uuid])),
        "answered": ("post", reverse("incidents:subject_access_complete", args=[item.uuid])),
    }
    for url_name, (method, url) in urls.items():
        client.force_login(school.hr)
        if method == "get":
            assert client.get(url).status_code == 200, url_name
        outsiders = [school.headteacher, school.staff, school.dsl, school.chair, school.investigator]
        elsewhere = person(other, Role.HR_ADVISER, staff=False)
        for outsider in [*outsiders, elsewhere] if url_name != "list" else outsiders:
            client.force_login(outsider)
            assert getattr(client, method)(url, {"due_on": "2026-06-02", "reason": "x"}).status_code == 404, (
                url_name, outsider)
        client.logout()
        assert getattr(client, method)(url).status_code == 302
    item.refresh_from_db()
    assert item.due_on == date(2026, 5, 2) and item.completed_at is None
    assert not ExportRecord.objects.exists()


def test_hr_of_another_school_cannot_record_a_request_from_this_school_staff(client, school, register_cases):
    _, _, other = register_cases
    client.force_login(other.hr)
    response = client.post(reverse("incidents:export_subject_access"), {
        "staff_member": school.employee.pk, "received_on": "2026-03-02", "received_how": "email"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not SubjectAccessRequest.objects.exists()
