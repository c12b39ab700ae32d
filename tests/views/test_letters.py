"""Letters in the browser: listed on the case, previewed before the step, downloaded by those
allowed (and logged), re-issued as a new version."""

import pytest
from django.urls import reverse

from incidents.models import CaseEvent, Letter
from incidents.workflow import State, step_named
from tests.procedure import all_steps, reach, who_may
from tests.views.test_cases import form_data

pytestmark = pytest.mark.django_db


def test_the_case_lists_its_letters_and_those_who_may_see_it_download_them(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    letter = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST)
    url = reverse("incidents:letter_download", args=[case.uuid, letter.uuid])
    client.force_login(school.headteacher)
    assert "Request to remove content" in client.get(case.get_absolute_url()).content.decode()
    for person, status in [(school.headteacher, 200), (school.hr, 200), (school.staff2, 404), (school.governor, 404)]:
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
        if status == 200:
            assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
            assert response["Content-Disposition"].startswith("attachment;")
    assert case.events.filter(kind=CaseEvent.Kind.DOWNLOADED, details__reference=letter.reference).count() == 2


def test_the_reporter_downloads_their_acknowledgement_but_no_other_letter(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    acknowledgement = case.letters.get(kind=Letter.Kind.ACKNOWLEDGEMENT)
    removal = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST)
    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "Acknowledgement of the report" in page and "Request to remove content" not in page
    assert client.get(reverse("incidents:letter_download", args=[case.uuid, acknowledgement.uuid])).status_code == 200
    assert client.get(reverse("incidents:letter_download", args=[case.uuid, removal.uuid])).status_code == 404


def test_previewing_a_steps_letter_shows_it_changes_nothing_and_is_on_the_access_record(
        client, procedure, school, real_letters):
    case = procedure.case_ready_for_hearing()
    letters, events = case.letters.count(), case.events.count()
    client.force_login(school.headteacher)
    url = reverse("incidents:case_step", args=[case.uuid, "refer_to_hearing"])
    assert "Preview the letter" in client.get(url).content.decode()

    response = client.post(url, form_data(school, "refer_to_hearing") | {"preview": "1"})

    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("inline;")
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION
    assert (case.letters.count(), case.events.count()) == (letters, events + 1)
    preview = case.events.last()
    assert (preview.kind, preview.actor) == (CaseEvent.Kind.DOWNLOADED, school.headteacher)
    assert preview.details["what"].startswith("Preview, not issued: Invitation to a disciplinary hearing")
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Preview, not issued: Invitation to a disciplinary hearing" in page


def test_previewing_with_bad_input_shows_the_same_message_as_the_step(client, procedure, school):
    case = procedure.case_ready_for_hearing()
    client.force_login(school.headteacher)
    data = form_data(school, "refer_to_hearing") | {"hearing_at_date": "2026-03-05", "preview": "1"}
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "refer_to_hearing"]), data)
    assert "the earliest date is 9 March 2026" in response.content.decode()


def test_a_new_version_leaves_the_first_as_it_was(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    first = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST)
    url = reverse("incidents:letter_reissue", args=[case.uuid, first.uuid])
    client.force_login(school.headteacher)
    refused = client.post(url, {"reason": "", "letter_format": "large_print"})
    assert "There is a problem" in refused.content.decode()
    client.post(url, {"reason": "The employee asked for large print.", "letter_format": "large_print"})
    second = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST, version=2)
    assert second.letter_format == "large_print" and second.supersedes == first
    first.refresh_from_db()
    assert first.version == 1 and first.letter_format == "standard"


def test_only_the_case_manager_issues_new_versions(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    letter = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST)
    client.force_login(school.hr)
    url = reverse("incidents:letter_reissue", args=[case.uuid, letter.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "letter_format": "standard"}).status_code == 404
    assert case.letters.count() == 2


@pytest.mark.parametrize("step,source", all_steps())
def test_previewing_any_step_from_its_form_shows_its_letters_or_says_there_are_none(
        client, procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    client.force_login(who_may(step, case, school)[0])
    events = case.events.count()

    response = client.post(reverse("incidents:case_step", args=[case.uuid, step]),
                           form_data(school, step) | {"preview": "1"})

    assert response.status_code == 200
    if response["Content-Type"] == "application/pdf":
        assert step_named(step).may_issue_letters
        assert case.events.count() == events + 1  # the preview, on the access record
    else:
        assert "With this input the step sends no letter." in response.content.decode()
        assert case.events.count() == events
    case.refresh_from_db()
    assert getattr(case, step_named(step).field) == source
