"""Private files: evidence and letters stay on disk only when the record naming them does."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.letters import services as letter_services
from incidents.models import Case, Letter
from incidents.workflow import State
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


def stored_files(settings) -> set[str]:
    root = settings.PRIVATE_STORAGE_ROOT
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_a_report_refused_for_its_second_file_leaves_no_file_behind(school, settings):
    with pytest.raises(ValidationError, match="must be a PNG, JPEG or PDF file"):
        services.case_report(reporter=school.staff, school=school.school, kind=Case.Kind.BREACH,
                             platform=Case.Platform.FACEBOOK, description="A post about a parent.",
                             evidence=[upload("good.png", png_bytes()), upload("notes.txt", b"hello", "text/plain")])
    assert not Case.objects.exists()
    assert stored_files(settings) == set()  # neither the first file nor the acknowledgement letter


def test_a_step_that_fails_after_storing_its_letter_leaves_no_letter_file(procedure, school, settings):
    case = procedure.case_at(State.INVESTIGATION)
    before, letters = stored_files(settings), case.letters.count()

    def stored_then_failed(*args, **kwargs):
        letter_services.letters_store(*args, **kwargs)
        raise RuntimeError("the database went away")

    with mock.patch("incidents.services.letters_store", side_effect=stored_then_failed):
        with pytest.raises(RuntimeError):
            procedure.refer_to_hearing(case)
    assert case.letters.count() == letters
    assert stored_files(settings) == before

    procedure.refer_to_hearing(case)  # and when it succeeds, the invitation is kept
    invitation = case.letters.get(kind=Letter.Kind.HEARING_INVITATION)
    assert invitation.pdf.name in stored_files(settings) - before
