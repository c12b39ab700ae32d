"""Hostile input, everywhere (issue 16, item 6): a decompression bomb, a picture of too many
megapixels, a PDF that runs JavaScript, launches a program or carries files, too many or too
large files, text too long, and hidden characters (null bytes, direction overrides). Each is
refused with a plain message and changes nothing: no case, event, evidence or file."""

from __future__ import annotations

import hashlib
import html
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from incidents.forms import LetterReissueForm, step_form
from incidents.models import Case, CaseEvent, Evidence
from incidents.workflow import Answer, State, step_named
from tests.procedure import all_steps, reach, who_may
from tests.views.test_cases import form_data
from tests.views.test_reporting import png_bytes, report_data, send_report

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


# --- Hostile files, made here ------------------------------------------------------------

def png_of(width: int, height: int) -> bytes:
    """A real PNG of black pixels, one bit each: tiny on disk, `width` x `height` once decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def pdf_with(what: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if what == "javascript":
        action = writer._add_object(DictionaryObject({  # run when the document opens, by name
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);")}))
        writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})})
    elif what == "launch":
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    elif what == "embedded":
        writer.add_attachment("invoice.exe", b"MZ" + b"\x00" * 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(settings) -> set[str]:
    root = settings.PRIVATE_STORAGE_ROOT
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


HOSTILE_FILES = {
    "a decompression bomb (20,000 x 20,000)": (
        lambda: file("bomb.png", png_of(20_000, 20_000)), "bomb.png is too large a picture: at most 40 megapixels."),
    "a picture of 48 megapixels": (
        lambda: file("huge.png", png_of(8_000, 6_000)), "huge.png is too large a picture: at most 40 megapixels."),
    "a PDF with JavaScript": (lambda: file("a.pdf", pdf_with("javascript")), "a.pdf is a PDF with JavaScript"),
    "a PDF with JavaScript under disguised names": (  # /Java#53cript is /JavaScript to a PDF reader
        lambda: file("d.pdf", pdf_with("javascript").replace(b"/JavaScript", b"/Java#53cript")
                     .replace(b"/JS ", b"/J#53 ")), "d.pdf is a PDF with JavaScript"),
    "a PDF with a launch action": (
        lambda: file("b.pdf", pdf_with("launch")), "b.pdf is a PDF with an action that launches a program"),
    "a PDF with a file inside": (lambda: file("c.pdf", pdf_with("embedded")), "c.pdf is a PDF with files inside it"),
}


def test_the_bomb_is_small_on_disk_and_would_be_huge_decoded():
    bomb = png_of(20_000, 20_000)
    assert len(bomb) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb))  # Pillow's own guard; ours, at 40 megapixels, comes first


# --- The report form ----------------------------------------------------------------------

@pytest.fixture
def staff_client(client, school):
    client.force_login(school.staff)
    return client


def assert_nothing_reported(settings) -> None:
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists() and not Evidence.objects.exists()
    assert stored_files(settings) == set()


@pytest.mark.parametrize("kind", HOSTILE_FILES)
def test_the_report_form_refuses_a_hostile_file_in_plain_words(staff_client, school, settings, kind):
    make, message = HOSTILE_FILES[kind]
    response = staff_client.post(reverse("incidents:report"),
                                 report_data(school, evidence=[file("fine.png", png_bytes()), make()]))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert_nothing_reported(settings)


def test_the_report_form_states_its_limits(staff_client):
    page = html.unescape(staff_client.get(reverse("incidents:report")).content.decode())
    assert "Up to 10,000 characters." in page
    assert "at most 10 files and 25 MB in all" in page
    assert 'maxlength="10000"' in page


def test_more_than_ten_files_in_a_report_are_refused(staff_client, school, settings):
    files = [file(f"shot{n}.png", png_bytes()) for n in range(11)]
    response = staff_client.post(reverse("incidents:report"), report_data(school, evidence=files))
    assert "Add at most 10 files at once; you chose 11." in html.unescape(response.content.decode())
    assert_nothing_reported(settings)


def test_files_of_more_than_25_mb_in_all_are_refused(staff_client, school, settings):
    files = [file(f"scan{n}.pdf", b"%PDF-1.7\n" + b"0" * (9 * MB)) for n in range(3)]
    response = staff_client.post(reverse("incidents:report"), report_data(school, evidence=files))
    assert "These files come to more than 25 MB in all." in html.unescape(response.content.decode())
    assert_nothing_reported(settings)


def test_a_request_of_more_than_30_mb_gets_a_page_saying_so_and_is_not_read(staff_client, school, settings):
    files = [file(f"scan{n}.pdf", b"%PDF-1.7\n" + b"0" * (9 * MB)) for n in range(4)]
    response = staff_client.post(reverse("incidents:report"), report_data(school, evidence=files))
    assert response.status_code == 413
    page = html.unescape(response.content.decode())
    assert "What you sent was too large" in page and "at most 30 MB in all" in page and "Nothing was saved." in page
    assert_nothing_reported(settings)


def test_a_request_with_more_files_than_django_reads_gets_the_same_page(staff_client, school, settings):
    files = [file(f"shot{n}.png", png_bytes()) for n in range(21)]
    response = staff_client.post(reverse("incidents:report"), report_data(school, evidence=files))
    assert response.status_code == 413
    assert "at most 20 files" in html.unescape(response.content.decode())
    assert_nothing_reported(settings)


@pytest.mark.parametrize("text,message", [
    ("x" * 10_001, "This is too long: shorten it to 10,000 characters or fewer."),
    ("x" * 1_000_000, "This is too long: shorten it to 10,000 characters or fewer."),
    ("A post\x00 about parents.", "Null characters are not allowed."),
    ("A post about \u202eparents.", "a hidden character that changes the direction of the text (at character 14)"),
    ("A post about \u2066parents.", "a hidden character that changes the direction of the text"),
    ("A post\x1b[2J about parents.", "a hidden control character"),
], ids=["10,001 characters", "1 MB", "a null byte", "a right-to-left override", "an isolate", "an escape"])
def test_the_report_form_refuses_hostile_text(staff_client, school, settings, text, message):
    response = staff_client.post(reverse("incidents:report"), report_data(school, description=text))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert_nothing_reported(settings)


# --- Images kept: the original as the record, a safe copy served ---------------------------

def jpeg_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x0131] = "Secret software"  # Software
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue() + b"trailing data hidden after the picture"


def test_an_image_is_kept_as_given_and_served_as_a_re_encoded_copy_without_its_metadata(staff_client, school):
    original = jpeg_with_location()
    assert Image.open(io.BytesIO(original)).getexif()
    send_report(staff_client, report_data(school, evidence=[file("photo.jpg", original)]))
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(original).hexdigest()
    with evidence.file.open("rb") as kept:
        assert kept.read() == original  # the record: exactly what was given

    response = staff_client.get(reverse("incidents:evidence_download", args=[evidence.case.uuid, evidence.uuid]))
    served = b"".join(response.streaming_content)
    assert served != original and b"Secret software" not in served and b"trailing data" not in served
    picture = Image.open(io.BytesIO(served))
    assert (picture.format, picture.size) == ("JPEG", (64, 48))
    assert not picture.getexif()
    assert response["Content-Disposition"].startswith("attachment") and "photo.jpg" in response["Content-Disposition"]


def test_a_pdf_without_active_content_is_kept_and_served_as_given(staff_client, school):
    plain = pdf_with("nothing")
    send_report(staff_client, report_data(school, evidence=[file("page.pdf", plain)]))
    evidence = Evidence.objects.get()
    assert not evidence.safe_file
    response = staff_client.get(reverse("incidents:evidence_download", args=[evidence.case.uuid, evidence.uuid]))
    assert b"".join(response.streaming_content) == plain


# --- Every step's form ---------------------------------------------------------------------

def _text_inputs(step: str) -> list[tuple[str, int]]:
    return [(name, ask.max_length) for name, ask in step_named(step).given.asks()
            if ask.answer in (Answer.TEXT, Answer.LINE)]


TEXT_STEPS = [(step, source) for step, source in all_steps() if _text_inputs(step)]


@pytest.mark.parametrize("step,source", TEXT_STEPS)
def test_each_steps_form_states_its_text_limits_and_refuses_hostile_text(
        client, procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    client.force_login(who_may(step, case, school)[0])
    url = reverse("incidents:case_step", args=[case.uuid, step])
    page = html.unescape(client.get(url).content.decode())
    for _name, limit in _text_inputs(step):
        assert f"Up to {limit:,} characters." in page

    name, limit = _text_inputs(step)[0]
    events, letters, files = case.events.count(), case.letters.count(), case.evidence.count()
    for text, message in [
        ("x" * (limit + 1), f"This is too long: shorten it to {limit:,} characters or fewer."),
        ("Seen by \x00 the chair.", "Null characters are not allowed."),
        ("Seen by \u202e the chair.", "changes the direction of the text"),
        ("Seen by \u2068 the chair.", "changes the direction of the text"),
    ]:
        for action in ({}, {"preview": "1"}):
            response = client.post(url, form_data(school, step) | {name: text} | action)
            assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
            assert message in html.unescape(response.content.decode()), (step, text[:20])
    case.refresh_from_db()
    assert (case.events.count(), case.letters.count(), case.evidence.count()) == (events, letters, files)
    assert case.state == source or case.suspension == source


@pytest.mark.parametrize("kind", HOSTILE_FILES)
def test_a_steps_document_refuses_a_hostile_file_and_stores_nothing(client, procedure, school, settings, kind):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.investigator)
    make, message = HOSTILE_FILES[kind]
    events, before = case.events.count(), stored_files(settings)
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "add_statement"]),
                           form_data(school, "add_statement") | {"document": make()})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert case.events.count() == events and not case.evidence.exists()
    assert stored_files(settings) == before


def test_every_step_form_has_a_limit_on_every_text_input():
    for step, _source in all_steps():
        for name, field in step_form(step_named(step)).base_fields.items():
            if type(field).__name__ == "CharField":
                assert field.max_length, (step, name)


# --- The other forms ---------------------------------------------------------------------

@pytest.mark.parametrize("reason,message", [
    ("x" * 5_001, "shorten it to 5,000 characters or fewer"),
    ("Asked by \u202d the chair", "changes the direction of the text"),
    ("Asked\x00", "Null characters are not allowed."),
])
def test_the_letter_reissue_form_refuses_hostile_text(reason, message):
    form = LetterReissueForm(data={"reason": reason, "letter_format": "standard"})
    assert not form.is_valid()
    assert message in " ".join(form.errors["reason"])
    assert "Up to 5,000 characters." in str(form["reason"].help_text)


def test_the_subject_access_extension_states_its_limit_beside_its_own_hint():
    from incidents.exports.forms import SubjectAccessExtendForm

    form = SubjectAccessExtendForm(requester="Sam Parent", latest="1 June 2026",
                                   data={"due_on": "2026-05-01", "reason": "\u202eMore records."})
    assert "This goes into the letter to Sam Parent" in str(form["reason"].help_text)
    assert str(form["reason"].help_text).endswith("Up to 5,000 characters.")
    assert not form.is_valid() and "changes the direction of the text" in " ".join(form.errors["reason"])


def test_the_case_list_search_with_a_null_byte_is_not_a_server_error(client, school):
    client.force_login(school.headteacher)
    assert client.get(reverse("incidents:case_list"), {"q": "RAI\x00"}).status_code == 200
    assert client.get(reverse("incidents:case_list"), {"q": "RAI\u202e"}).status_code == 200


def test_a_file_name_loses_its_hidden_characters(staff_client, school):
    send_report(staff_client, report_data(school, evidence=[file("invoice\u202egnp.png", png_bytes())]))
    assert Evidence.objects.get().original_name == "invoicegnp.png"


def test_the_case_page_says_which_copy_of_a_picture_is_downloaded(client, school):
    client.force_login(school.staff)
    send_report(client, report_data(school, evidence=[file("photo.jpg", jpeg_with_location())]))
    case = Case.objects.get()
    client.force_login(case.case_manager)
    page = html.unescape(client.get(case.get_absolute_url()).content.decode())
    assert "A picture downloads as a clean copy" in page and "the SHA-256 is the original’s" in page
