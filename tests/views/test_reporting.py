"""A member of staff reports a concern, and sees what they sent and where it is, nothing more."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from incidents.models import Case, CaseEvent, Evidence
from incidents.workflow import State
from tests.factories import clause

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def staff_client(client, school):
    client.force_login(school.staff)
    return client


def send_report(client, data, **kwargs):
    """Fill in the report form and, if it is accepted, send it from the check-your-answers page."""
    response = client.post(reverse("incidents:report"), data)
    if response.status_code != 302:
        return response
    assert response["Location"] == reverse("incidents:report_check")
    return client.post(reverse("incidents:report_check"), **kwargs)


def report_data(school, **overrides):
    data = {
        "school": school.school.pk, "kind": Case.Kind.BREACH, "subject": school.employee.pk,
        "platform": Case.Platform.FACEBOOK, "content_url": "https://www.facebook.com/groups/rainow/posts/1",
        "seen_on": "2026-03-01", "description": "A post calling Year 4 parents idiots.",
        "clauses": [clause("a").pk],
    }
    return data | overrides


def test_staff_report_a_breach_with_a_screenshot_and_get_a_reference(staff_client, school, procedure):
    response = send_report(staff_client, report_data(school, evidence=[upload("screenshot.png", png_bytes()),
                                                                  upload("page.pdf", pdf_bytes())]), follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("incidents:report_detail", args=[case.uuid])
    page = response.content.decode()
    assert "Your report has been sent. Its reference is RAI-2026-0001." in page
    assert "With the headteacher" in page and "screenshot.png" in page and "page.pdf" in page
    assert case.reporter == school.staff and case.case_manager == school.headteacher
    assert list(case.clauses.values_list("ref", flat=True)) == ["a"]
    assert sorted(case.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    stored = case.evidence.get(original_name="screenshot.png")
    assert len(stored.sha256) == 64 and stored.file.name == f"evidence/{case.uuid}/{stored.uuid}"


def test_the_report_form_shows_the_policy_text_and_allows_not_sure(staff_client, school):
    page = staff_client.get(reverse("incidents:report")).content.decode()
    assert "bring our school into disrepute" in page
    assert "Leave these all unticked if you are not sure." in page
    response = send_report(staff_client, report_data(school, clauses=[]))
    assert response.status_code == 302 and not Case.objects.get().clauses.exists()


@pytest.mark.parametrize("field,value,message", [
    ("kind", "", "This field is required."),
    ("platform", "myspace", "Select a valid choice."),
    ("description", "", "This field is required."),
    ("content_url", "not a link", "Enter a valid URL."),
    ("seen_on", "2099-01-01", "cannot be in the future"),
])
def test_a_report_with_a_mistake_is_refused_with_a_summary_and_nothing_stored(staff_client, school, field, value,
                                                                             message):
    response = send_report(staff_client, report_data(school, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


HOSTILE_FILES = [
    ("an executable renamed .png", "holiday.png", b"MZ\x90\x00\x03" + b"\x00" * 200, "is not really a PNG file"),
    ("an SVG", "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "must be a PNG, JPEG or PDF file"),
    ("an empty PDF", "empty.pdf", b"", "is empty"),
    ("a corrupt PDF", "broken.pdf", b"%PDF-1.7\n garbage garbage", "is damaged and cannot be opened"),
    ("a corrupt PNG", "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "is damaged and cannot be opened"),
]


@pytest.mark.parametrize("what,name,content,message", HOSTILE_FILES, ids=[h[0] for h in HOSTILE_FILES])
def test_hostile_evidence_is_refused_and_nothing_is_stored(staff_client, school, settings, what, name, content,
                                                          message):
    response = send_report(staff_client,
                                 report_data(school, evidence=[upload("good.png", png_bytes()),
                                                               upload(name, content)]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists() and not Evidence.objects.exists()
    assert not (settings.PRIVATE_STORAGE_ROOT / "evidence").exists()


def test_a_file_over_10_mb_is_refused(staff_client, school):
    big = upload("huge.pdf", b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "application/pdf")
    response = send_report(staff_client, report_data(school, evidence=[big]))
    assert "huge.pdf is larger than 10 MB." in response.content.decode()
    assert not Case.objects.exists()


def test_a_path_in_the_file_name_goes_nowhere(staff_client, school, settings):
    send_report(staff_client,
                      report_data(school, evidence=[upload("../../../etc/cron.d/evil.png", png_bytes())]))
    evidence = Evidence.objects.get()
    assert evidence.original_name == "evil.png"
    stored = settings.PRIVATE_STORAGE_ROOT / evidence.file.name
    assert stored.exists() and stored.resolve().is_relative_to(settings.PRIVATE_STORAGE_ROOT.resolve())


def test_script_in_every_text_field_is_shown_as_text(staff_client, school):
    script = "<script>alert('x')</script>"
    send_report(staff_client, report_data(school, description=script,
                                                               content_url="https://example.org/?q=<script>"))
    case = Case.objects.get()
    assert case.description == script  # stored as typed...
    page = staff_client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert script not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # ...shown as text


def test_reporter_sees_the_stage_but_not_the_investigation(client, school, procedure):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "With the headteacher" in page
    for secret in ("Meeting room 1", "The post was made by the employee", school.investigator.get_full_name(),
                   "Hearing"):
        assert secret not in page
    assert client.get(reverse("incidents:case_detail", args=[case.uuid])).status_code == 404


def test_a_report_about_the_headteacher_is_with_the_chair(client, school, procedure):
    case = procedure.report(subject=school.headteacher.staff_records.get())
    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "With the chair of governors" in page


def test_reporter_can_withdraw_and_sees_it_withdrawn(client, school, procedure):
    case = procedure.case_at(State.REPORTED)
    client.force_login(school.staff)
    url = reverse("incidents:case_step", args=[case.uuid, "withdraw"])
    refused = client.post(url, {"reason": "Mistake"})
    assert "Confirm that you understand this cannot be undone." in refused.content.decode()
    response = client.post(url, {"reason": "Mistake", "confirm": "on"}, follow=True)
    assert "Withdrawn by you" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN


def test_another_member_of_staff_cannot_see_someone_elses_report(client, school, procedure):
    case = procedure.case_at(State.REPORTED)
    client.force_login(school.staff2)
    assert client.get(reverse("incidents:report_detail", args=[case.uuid])).status_code == 404
    assert client.get(reverse("incidents:case_step", args=[case.uuid, "withdraw"])).status_code == 404


def test_my_reports_lists_only_mine(client, school, procedure):
    mine = procedure.report()
    theirs = procedure.report(reporter=school.staff2)
    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_list")).content.decode()
    assert mine.reference in page and theirs.reference not in page


def test_reporter_sees_and_downloads_only_the_evidence_they_gave(client, school, procedure, take):
    from incidents import services

    case = procedure.report()
    given = services.evidence_add(case=case, by=school.staff, file=upload("my-screenshot.png", png_bytes()))
    # the case goes on to be investigated, and the investigating officer adds evidence
    take("open_investigation", case, school.headteacher, investigating_officer=school.investigator)
    added = services.evidence_add(case=case, by=school.investigator, file=upload("officer-notes.png", png_bytes()))

    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "my-screenshot.png" in page and "officer-notes.png" not in page
    assert str(added.uuid) not in page
    mine = client.get(reverse("incidents:evidence_download", args=[case.uuid, given.uuid]))
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == png_bytes()
    theirs = client.get(reverse("incidents:evidence_download", args=[case.uuid, added.uuid]))
    assert theirs.status_code == 404 and b"officer-notes" not in theirs.content
    downloads = case.events.filter(kind=CaseEvent.Kind.DOWNLOADED)
    assert [event.details["what"].split(" (")[0] for event in downloads] == ["Evidence: my-screenshot.png"]

    client.force_login(school.headteacher)  # those who see the case see both
    assert client.get(reverse("incidents:evidence_download", args=[case.uuid, added.uuid])).status_code == 200


# --- Plain clause titles, check your answers, and evidence added later ---------------------

def test_the_report_form_names_each_clause_plainly_with_the_policys_words_behind_it(staff_client, school):
    page = staff_client.get(reverse("incidents:report")).content.decode()
    assert ">Bringing the school into disrepute</label>" in page
    assert ">Naming the school in an online profile</label>" in page
    for slug in ("security)", "profile-name)", "a)"):
        assert slug not in page, slug
    words = page[page.index("Bringing the school into disrepute"):]
    words = words[:words.index("</details>")]
    assert "Show the policy’s words" in words and "<details" in words
    assert "bring our school into disrepute" in words and "criticising Rainow School;" in words  # its bullets too


def test_nothing_is_sent_until_the_reporter_has_checked_their_answers(staff_client, school, settings):
    response = staff_client.post(reverse("incidents:report"),
                                 report_data(school, evidence=[upload("screenshot.png", png_bytes())]))
    assert response.status_code == 302 and response["Location"] == reverse("incidents:report_check")
    assert not Case.objects.exists() and not Evidence.objects.exists()
    drafts = list((settings.PRIVATE_STORAGE_ROOT / "report-drafts").iterdir())
    assert len(drafts) == 1 and drafts[0].read_bytes() == png_bytes()  # kept privately meanwhile

    page = staff_client.get(reverse("incidents:report_check")).content.decode()
    assert "Check your answers before sending your report" in page
    for shown in ("A suspected breach of the policy", "Alex Employee", "Facebook", "1 March 2026",
                  "https://www.facebook.com/groups/rainow/posts/1", "A post calling Year 4 parents idiots.",
                  "Bringing the school into disrepute", "screenshot.png"):
        assert shown in page, shown
    assert page.count(">Change<span") == 8
    assert f'href="{reverse("incidents:report")}?change#id_description"' in page

    response = staff_client.post(reverse("incidents:report_check"), follow=True)
    case = Case.objects.get()
    assert "Your report has been sent. Its reference is RAI-2026-0001." in response.content.decode()
    assert case.evidence.get().original_name == "screenshot.png"
    assert not list((settings.PRIVATE_STORAGE_ROOT / "report-drafts").iterdir())  # the draft is gone
    again = staff_client.post(reverse("incidents:report_check"), follow=True)  # sent twice: once only
    assert "There is no report waiting to be sent" in again.content.decode() and Case.objects.count() == 1


def test_change_goes_back_to_the_form_with_the_answers_and_files_kept(staff_client, school, settings):
    staff_client.post(reverse("incidents:report"),
                      report_data(school, evidence=[upload("first.png", png_bytes()),
                                                    upload("second.pdf", pdf_bytes())]))
    form = staff_client.get(reverse("incidents:report") + "?change").content.decode()
    assert "A post calling Year 4 parents idiots.</textarea>" in form and 'value="2026-03-01"' in form
    assert "Files you have already added" in form and "first.png" in form and "second.pdf" in form
    assert "There is a problem" not in form
    kept = {choice[1].split(" (")[0]: choice[0]
            for choice in staff_client.get(reverse("incidents:report") + "?change").context["form"]
            .fields["remove_files"].choices}
    response = staff_client.post(reverse("incidents:report") + "?change",
                                 report_data(school, description="A post calling Year 4 parents fools.",
                                             remove_files=[kept["first.png"]],
                                             evidence=[upload("third.png", png_bytes())]))
    assert response["Location"] == reverse("incidents:report_check")
    page = staff_client.get(reverse("incidents:report_check")).content.decode()
    assert "parents fools." in page and "parents idiots." not in page
    assert "second.pdf" in page and "third.png" in page and "first.png" not in page
    assert len(list((settings.PRIVATE_STORAGE_ROOT / "report-drafts").iterdir())) == 2
    staff_client.post(reverse("incidents:report_check"))
    assert sorted(Case.objects.get().evidence.values_list("original_name", flat=True)) == ["second.pdf", "third.png"]


def test_a_change_that_is_wrong_is_refused_and_the_draft_stays_as_it_was(staff_client, school):
    staff_client.post(reverse("incidents:report"), report_data(school))
    response = staff_client.post(reverse("incidents:report") + "?change", report_data(school, description=""))
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    check = staff_client.get(reverse("incidents:report_check")).content.decode()
    assert "A post calling Year 4 parents idiots." in check
    assert not Case.objects.exists()


def test_a_new_report_starts_afresh_and_a_draft_is_only_its_own_sessions(client, staff_client, school, settings):
    staff_client.post(reverse("incidents:report"), report_data(school, evidence=[upload("shot.png", png_bytes())]))
    from django.test import Client

    other = Client()
    other.force_login(school.staff2)
    assert other.get(reverse("incidents:report_check"))["Location"] == reverse("incidents:report")
    assert other.post(reverse("incidents:report_check")).status_code == 302 and not Case.objects.exists()
    staff_client.get(reverse("incidents:report"))  # starting again discards the draft and its file
    assert not list((settings.PRIVATE_STORAGE_ROOT / "report-drafts").iterdir())
    assert staff_client.get(reverse("incidents:report_check"))["Location"] == reverse("incidents:report")


def test_the_reporter_adds_evidence_later_and_only_those_who_may_see_evidence_see_it(client, school, procedure):
    case = procedure.report()
    client.force_login(school.staff)
    detail = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    url = reverse("incidents:report_evidence", args=[case.uuid])
    assert f'href="{url}"' in detail
    refused = client.post(url, {"description": "Nothing chosen"})
    assert "Choose a file to add." in refused.content.decode() and 'href="#id_evidence"' in refused.content.decode()
    hostile = client.post(url, {"evidence": [upload("good.png", png_bytes()), upload("logo.svg", b"<svg/>")]})
    assert "must be a PNG, JPEG or PDF file" in hostile.content.decode()
    assert not case.evidence.exists()

    response = client.post(url, {"evidence": [upload("later.png", png_bytes())],
                                 "description": "A second post, the next day."}, follow=True)
    assert "Added to your report: later.png." in response.content.decode()
    added = case.evidence.get()
    assert added.added_by == school.staff and added.description == "A second post, the next day."
    event = case.events.get(kind=CaseEvent.Kind.EVIDENCE_ADDED)
    assert event.actor == school.staff

    client.force_login(school.headteacher)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "later.png" in page and "A second post, the next day." in page
    timeline = page[page.index("<h2>Timeline</h2>"):]
    assert "Evidence added" in timeline and "later.png" in timeline
    download = reverse("incidents:evidence_download", args=[case.uuid, added.uuid])
    assert client.get(download).status_code == 200
    for outsider in (school.staff2, school.governor):
        client.force_login(outsider)
        assert client.get(download).status_code == 404
        assert client.get(url).status_code == 404


def test_a_closed_report_takes_no_more_evidence(client, school, procedure):
    case = procedure.case_at(State.CLOSED)
    client.force_login(school.staff)
    assert "Add evidence" not in client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    url = reverse("incidents:report_evidence", args=[case.uuid])
    assert client.post(url, {"evidence": [upload("late.png", png_bytes())]}).status_code == 404
    assert not case.evidence.exists()


def test_files_kept_from_before_count_towards_the_reports_limit(staff_client, school, monkeypatch):
    monkeypatch.setattr("incidents.forms.MAX_EVIDENCE_FILES", 2)
    staff_client.post(reverse("incidents:report"),
                      report_data(school, evidence=[upload("one.png", png_bytes()), upload("two.png", png_bytes())]))
    response = staff_client.post(reverse("incidents:report") + "?change",
                                 report_data(school, evidence=[upload("three.png", png_bytes())]))
    assert "A report can have at most 2 files; with those you already added it would have 3." in (
        response.content.decode())
    check = staff_client.get(reverse("incidents:report_check")).content.decode()
    assert "one.png" in check and "two.png" in check and "three.png" not in check  # the draft as it was
