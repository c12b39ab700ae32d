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


def report_data(school, **overrides):
    data = {
        "school": school.school.pk, "kind": Case.Kind.BREACH, "subject": school.employee.pk,
        "platform": Case.Platform.FACEBOOK, "content_url": "https://www.facebook.com/groups/rainow/posts/1",
        "seen_on": "2026-03-01", "description": "A post calling Year 4 parents idiots.",
        "clauses": [clause("a").pk],
    }
    return data | overrides


def test_staff_report_a_breach_with_a_screenshot_and_get_a_reference(staff_client, school, procedure):
    response = staff_client.post(reverse("incidents:report"),
                                 report_data(school, evidence=[upload("screenshot.png", png_bytes()),
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
    response = staff_client.post(reverse("incidents:report"), report_data(school, clauses=[]))
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
    response = staff_client.post(reverse("incidents:report"), report_data(school, **{field: value}))
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
    response = staff_client.post(reverse("incidents:report"),
                                 report_data(school, evidence=[upload("good.png", png_bytes()),
                                                               upload(name, content)]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists() and not Evidence.objects.exists()
    assert not (settings.PRIVATE_STORAGE_ROOT / "evidence").exists()


def test_a_file_over_10_mb_is_refused(staff_client, school):
    big = upload("huge.pdf", b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "application/pdf")
    response = staff_client.post(reverse("incidents:report"), report_data(school, evidence=[big]))
    assert "huge.pdf is larger than 10 MB." in response.content.decode()
    assert not Case.objects.exists()


def test_a_path_in_the_file_name_goes_nowhere(staff_client, school, settings):
    staff_client.post(reverse("incidents:report"),
                      report_data(school, evidence=[upload("../../../etc/cron.d/evil.png", png_bytes())]))
    evidence = Evidence.objects.get()
    assert evidence.original_name == "evil.png"
    stored = settings.PRIVATE_STORAGE_ROOT / evidence.file.name
    assert stored.exists() and stored.resolve().is_relative_to(settings.PRIVATE_STORAGE_ROOT.resolve())


def test_script_in_every_text_field_is_shown_as_text(staff_client, school):
    script = "<script>alert('x')</script>"
    staff_client.post(reverse("incidents:report"), report_data(school, description=script,
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
