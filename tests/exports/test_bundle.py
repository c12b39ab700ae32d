"""The case bundle: a PDF with every part and letter bookmarked, a ZIP that verifies, and a
tampered one that does not."""

import io
import json
import re
import zipfile

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents import services
from incidents.exports.archive import archive_verify
from incidents.exports.bundle import BundleError, bundle_build
from incidents.models import CaseEvent, ExportRecord
from incidents.workflow import LadoOutcome, State, inputs
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal_case(school, procedure, real_letters):
    case = procedure.report()
    services.evidence_add(case=case, by=school.staff, file=upload("post.png", png_bytes()))
    services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
        investigating_officer=school.investigator))
    procedure.refer_to_hearing(case)
    procedure.hold_hearing(case)
    procedure.lodge_appeal(case)
    return case


def bundle_zip(client, case, purpose="appeal", **choices) -> bytes:
    response = client.post(reverse("incidents:case_bundle", args=[case.uuid]), {"purpose": purpose, **choices})
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
    assert manifest["case"] == appeal_case.reference and len(manifest["files"]) == len(names) - 2  # and its signature
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


# --- What a bundle holds is what its audience may see; its chronology reads as a person writes ---

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ALLEGATION = "Accepted a pupil's friend request."
LADO_ADVICE = "Manage internally; the pupil's family has been told."


@pytest.fixture
def heard_after_the_lado(school, procedure, take, real_letters):
    """A safeguarding case referred to the LADO, which sent it back to be investigated; now
    before a governor's disciplinary hearing."""
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.UNSUBSTANTIATED,
         advice=LADO_ADVICE, investigate=True, investigating_officer=school.investigator)
    procedure.refer_to_hearing(case, panel=[school.governor])
    return case


def bundle_contents(client, case, purpose, **choices) -> tuple[list[str], str]:
    """The files of the bundle's ZIP, and the text of the bundle's own pages (before the letters)."""
    archive = zipfile.ZipFile(io.BytesIO(bundle_zip(client, case, purpose, **choices)))
    pdf = pypdf.PdfReader(io.BytesIO(archive.read(f"{case.reference}-bundle.pdf")))
    letters = next((item for item in pdf.outline if isinstance(item, list) and item and "(" in item[0].title), [])
    own_pages = pdf.get_destination_page_number(letters[0]) if letters else len(pdf.pages)
    return archive.namelist(), " ".join(page.extract_text() for page in pdf.pages[:own_pages])


def test_hearing_panel_bundle_holds_no_lado_referral_or_outcome(client, school, heard_after_the_lado):
    case = heard_after_the_lado
    referral = case.letters.get(kind="lado_referral")
    client.force_login(school.hr)

    names, text = bundle_contents(client, case, "hearing")
    assert not any("LAD" in name for name in names)
    for secret in (referral.reference, referral.title, "friend request", "pupil's family", "Unsubstantiated"):
        assert secret not in text, secret
    assert "Refer to the LADO" in text  # the panel sees that the step was taken, as on the case page
    assert "Special category data, shown to those who need it" in text

    names, text = bundle_contents(client, case, "tribunal")
    assert any(referral.reference.replace("/", "-") in name for name in names)
    for held in (referral.reference, "friend request", "pupil's family", "Unsubstantiated"):
        assert held in text, held


def test_the_bundles_chronology_reads_as_a_person_would_write_it(client, school, appeal_case):
    client.force_login(school.hr)
    _, text = bundle_contents(client, appeal_case, "tribunal")
    heading = "1. Chronology of events"
    chronology = text[text.index(heading, text.index(heading) + 1):].split("4. Evidence")[0]
    assert "Final written warning" in chronology and "final_written_warning" not in chronology
    assert "The hearing: Tuesday 10 March 2026, 10:00" in chronology.replace("\n", " ")
    assert "Invitation to a disciplinary hearing (" in chronology and ", to Alex Employee" in chronology
    assert school.headteacher.get_full_name() in chronology
    assert not UUID.search(chronology)
    assert "T10:00:00" not in chronology and "+00:00" not in chronology
    for word in ("view case", "Granted:", "granted:", "Access:", "SHA-256", "Hash"):  # not "Grant": a name
        assert word not in chronology, word
    assert "Technical appendix" not in text


def test_hr_may_add_a_technical_appendix_to_a_tribunal_bundle_only(client, school, appeal_case):
    client.force_login(school.hr)
    _, text = bundle_contents(client, appeal_case, "tribunal", technical="on")
    appendix = text[text.rindex("6. Technical appendix"):]
    first = appeal_case.events.order_by("sequence").first()
    assert "Record number: 1" in appendix and first.hash[:20] in appendix.replace("\n", "")
    assert "view case" in appendix  # who was granted what
    assert ExportRecord.objects.get().filters["technical"] is True

    url = reverse("incidents:case_bundle", args=[appeal_case.uuid])
    for purpose in ("hearing", "appeal"):
        refused = client.post(url, {"purpose": purpose, "technical": "on"})
        assert refused.status_code == 200
        assert "A technical appendix goes only into a bundle for a tribunal" in refused.content.decode()
    assert ExportRecord.objects.count() == 1
