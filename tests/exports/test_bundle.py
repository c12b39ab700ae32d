"""The case bundle: a PDF with every part and letter bookmarked, a ZIP that verifies, and a tampered one that does not."""

import io
import json
import zipfile

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents import services
from incidents.exports.archive import archive_verify
from incidents.exports.bundle import BundleError, bundle_build
from incidents.models import CaseEvent, ExportRecord
from incidents.workflow import State
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal_case(school, procedure, real_letters):
    case = procedure.report()
    services.evidence_add(case=case, by=school.staff, file=upload("post.png", png_bytes()))
    services.case_open_investigation(case=case, by=school.headteacher, investigating_officer=school.investigator)
    procedure.refer_to_hearing(case)
    procedure.hold_hearing(case)
    procedure.lodge_appeal(case)
    return case


def bundle_zip(client, case, purpose="appeal") -> bytes:
    response = client.post(reverse("incidents:case_bundle", args=[case.uuid]), {"purpose": purpose})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def test_hr_downloads_a_bundle_that_verifies(client, school, appeal_case, tmp_path):
    client.force_login(school.hr)
    body = bundle_zip(client, appeal_case)
    path = tmp_path / "bundle.zip"
    path.write_bytes(body)
    archive = zipfile.ZipFile(path)
    names = archive.namelist()
    letters = list(appeal_case.letters.order_by("issued_at", "pk"))
    assert f"{appeal_case.reference}-bundle.pdf" in names
    assert "evidence/01-post.png" in names
    assert len([n for n in names if n.startswith("letters/")]) == len(letters) >= 4
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"] == appeal_case.reference and len(manifest["files"]) == len(names) - 1
    assert archive.read("evidence/01-post.png") == png_bytes()
    assert archive_verify(path).ok
    call_command("verify_bundle", str(path))

    pdf = pypdf.PdfReader(io.BytesIO(archive.read(f"{appeal_case.reference}-bundle.pdf")))
    text = " ".join(page.extract_text() for page in pdf.pages)
    for part in ("Index", "Chronology of events", "The report", "The investigation record", "Evidence",
                 "Letters issued", "the appeal panel", appeal_case.evidence.get().sha256[:32]):
        assert part in text, part
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert "1. Chronology of events" in outline and "The letters, as issued" in outline
    nested = next(item for item in pdf.outline if isinstance(item, list) and item and "(" in item[0].title)
    assert [item.title for item in nested] == [f"{letter.title} ({letter.reference})" for letter in letters]
    first_letter_page = pdf.get_destination_page_number(nested[0])
    assert letters[0].reference.split("/")[0] in pdf.pages[first_letter_page].extract_text()


def test_a_tampered_bundle_fails_naming_the_file(client, school, appeal_case, tmp_path):
    client.force_login(school.hr)
    original = zipfile.ZipFile(io.BytesIO(bundle_zip(client, appeal_case)))
    target = next(name for name in original.namelist() if name.startswith("letters/"))
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name in original.namelist():
            content = bytearray(original.read(name))
            if name == target:
                content[len(content) // 2] ^= 0x01  # one byte
            out.writestr(name, bytes(content))
    result = archive_verify(tampered)
    assert result.problems == [f"{target}: does not match its SHA-256 in the manifest"]
    with pytest.raises(CommandError):
        call_command("verify_bundle", str(tampered))

    damaged = tmp_path / "damaged.zip"  # one byte of the ZIP file itself changed
    raw = bytearray((tmp_path / "tampered.zip").read_bytes())
    info = zipfile.ZipFile(tampered).getinfo("evidence/01-post.png")
    raw[info.header_offset + 30 + len(info.filename) + 10] ^= 0x01
    damaged.write_bytes(bytes(raw))
    assert any(problem.startswith("evidence/01-post.png: ") for problem in archive_verify(damaged).problems)


def test_the_bundle_is_recorded_on_the_case(client, school, appeal_case):
    client.force_login(school.hr)
    bundle_zip(client, appeal_case, purpose="tribunal")
    record = ExportRecord.objects.get()
    assert (record.actor, record.kind, record.filters["purpose"]) == (school.hr, "bundle", "tribunal")
    event = appeal_case.events.filter(kind=CaseEvent.Kind.EXPORTED).get()
    assert event.actor == school.hr and event.details["sha256"] == record.sha256


def test_evidence_changed_in_storage_stops_the_bundle_naming_it(school, appeal_case):
    evidence = appeal_case.evidence.get()
    with open(evidence.file.path, "ab") as file:
        file.write(b"!")
    with pytest.raises(BundleError, match="post.png"):
        bundle_build(case=appeal_case, by=school.hr, purpose="hearing")
    assert not ExportRecord.objects.exists()


def test_only_those_who_may_export_the_case_open_its_bundle(client, school, procedure, register_cases):
    cases, elsewhere, other = register_cases
    case = cases[State.INVESTIGATION]
    url = reverse("incidents:case_bundle", args=[case.uuid])
    for user in (school.headteacher, school.investigator, school.staff, school.dsl, other.hr):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"purpose": "hearing"}).status_code == 404, user
    client.force_login(school.hr)
    page = client.get(url)
    assert page.status_code == 200 and "Case bundle" in page.content.decode()
    detail = client.get(case.get_absolute_url()).content.decode()
    assert url in detail
    client.force_login(school.headteacher)
    assert url not in client.get(case.get_absolute_url()).content.decode()
