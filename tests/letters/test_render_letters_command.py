"""`manage.py render_letters`: every letter of a case, or every kind from the demo data, in both formats."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from incidents.letters import render
from incidents.models import Letter
from incidents.workflow import LadoOutcome, Outcome, State
from tests.factories import one_page_pdf
from tests.letters import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand_in_renderer(monkeypatch):
    """These tests are about which letters are written, not how they look (see test_issue.py)."""
    blank = one_page_pdf()
    monkeypatch.setattr(render, "html_to_pdf", lambda html, **kwargs: blank)


def test_every_letter_a_case_can_have_in_both_formats(procedure, tmp_path, stand_in_renderer):
    tmp_path = tmp_path / "out"
    case = procedure.case_at(State.HEARING_SCHEDULED)
    out = io.StringIO()

    call_command("render_letters", "--case", case.reference, "--out", str(tmp_path), "--processes", "1", stdout=out)

    names = {path.name for path in tmp_path.iterdir()}
    expected_kinds = set(Letter.Kind.values) - {Letter.Kind.PLATFORM_TAKEDOWN_REQUEST}
    for kind in expected_kinds:
        for letter_format in ("standard", "large_print"):
            assert any(name.startswith(f"{case.reference}_{kind}_") and name.endswith(f"_{letter_format}.pdf")
                       for name in names), (kind, letter_format)
    for outcome in Outcome.values:
        assert f"{case.reference}_outcome_{outcome}_example_standard.pdf" in names
    for lado_outcome in LadoOutcome.values:  # the employee's letter for each of the five outcomes
        assert f"{case.reference}_allegation_outcome_{lado_outcome}_example_standard.pdf" in names
    assert f"{case.reference}_hearing_invitation_issued_large_print.pdf" in names
    assert f"{len(names)} letters of {len(expected_kinds)} kinds" in out.getvalue()
    assert Letter.objects.filter(case=case).count() == 3  # nothing stored: acknowledgement, notice, invitation


def test_sample_renders_every_kind_from_the_demo_data(tmp_path, stand_in_renderer, settings):
    tmp_path = tmp_path / "out"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=io.StringIO())

    call_command("render_letters", "--sample", "--out", str(tmp_path), "--processes", "1", stdout=io.StringIO())

    names = [path.name for path in tmp_path.iterdir()]
    for kind in [*Letter.Kind.values, "subject_access_extension"]:  # the last belongs to no case
        for letter_format in ("standard", "large_print"):
            assert any(f"_{kind}_" in name and name.endswith(f"_{letter_format}.pdf") for name in names), kind


def test_an_unknown_case_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="There is no case RAI-2026-9999"):
        call_command("render_letters", "--case", "RAI-2026-9999", "--out", str(tmp_path))


def test_the_schools_logo_heads_its_letters(procedure, school):
    image = io.BytesIO()
    Image.new("RGB", (120, 60), "navy").save(image, "PNG")
    school.school.logo = SimpleUploadedFile("crest.png", image.getvalue())
    school.school.full_clean()
    school.school.save()

    case = procedure.report()

    acknowledgement = case.letters.get()
    with acknowledgement.pdf.open("rb") as file:
        assert pdf.images(file.read()) == 1
    school.school.logo = SimpleUploadedFile("crest.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(Exception, match="PNG or JPEG"):
        school.school.full_clean()
