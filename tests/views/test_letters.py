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


def _outcome_case(procedure, school):
    case = procedure.case_at(State.OUTCOME_ISSUED)
    return case, case.letters.get(kind=Letter.Kind.OUTCOME)


def test_the_case_manager_corrects_the_words_of_a_letter_and_the_employee_is_given_the_new_one(
        client, procedure, school, real_letters):
    from incidents.models import LetterDelivery
    from tests.letters.test_issue import read

    case, first = _outcome_case(procedure, school)
    url = reverse("incidents:letter_reissue", args=[case.uuid, first.uuid])
    client.force_login(school.headteacher)
    form = client.get(url).content.decode()
    assert "Reasons for the decision" in form and first.facts["reasons"] in form  # the words as they read now
    assert "Correct or re-issue: outcome of the disciplinary hearing" in form
    response = client.post(url, {"text_reasons": "Clause a.2 was breached on 1 March 2026.",
                                 "text_improvement_expected": first.facts["improvement_expected"],
                                 "text_support_offered": first.facts["support_offered"],
                                 "text_final_pay": first.facts["final_pay"],
                                 "reason": "The date in the reasons was wrong.", "letter_format": "standard"},
                           follow=True)
    page = response.content.decode()
    assert "New version issued: Outcome of the disciplinary hearing, version 2" in page
    second = case.letters.get(kind=Letter.Kind.OUTCOME, version=2)
    assert second.supersedes == first and second.facts["reasons"] == "Clause a.2 was breached on 1 March 2026."
    words = read(second)
    assert "Clause a.2 was breached on 1 March 2026." in words and f"reference {first.reference}" in words
    assert "Clause a.2 was breached on 1 March 2026." not in read(first)  # the first stays as it was
    # the employee is given the corrected letter as they were given the first
    assert LetterDelivery.objects.filter(letter=second).exists()
    # both versions listed, the first marked as replaced and still downloadable
    assert "Replaced</span> <span class=\"hint\">by version 2 on 10 Mar 2026" in page
    assert client.get(reverse("incidents:letter_download", args=[case.uuid, first.uuid])).status_code == 200
    # the timeline shows the first letter with its step, and the correction with why and what
    entry = page[page.index("<h2>Timeline</h2>"):]
    assert "Record the hearing&#x27;s outcome" in entry and "Letter issued" in entry
    for shown in ("The date in the reasons was wrong.", "Replaces the letter", first.reference,
                  "Corrected", "Reasons for the decision"):
        assert shown in entry, shown


def test_a_correction_that_changes_nothing_or_empties_a_part_is_refused_and_changes_nothing(
        client, procedure, school):
    case, first = _outcome_case(procedure, school)
    url = reverse("incidents:letter_reissue", args=[case.uuid, first.uuid])
    client.force_login(school.headteacher)
    letters, events = case.letters.count(), case.events.count()
    unchanged = client.post(url, {"text_reasons": first.facts["reasons"], "reason": "Typo.",
                                  "letter_format": "standard"}).content.decode()
    assert "Nothing would change: correct the letter&#x27;s words, or choose another format." in unchanged
    emptied = client.post(url, {"text_reasons": "  ", "reason": "Typo.", "letter_format": "standard"})
    assert "Write the corrected words of “reasons for the decision”" in emptied.content.decode()
    assert 'href="#id_text_reasons"' in emptied.content.decode()  # the summary leads to the field
    no_reason = client.post(url, {"text_reasons": "Better words.", "reason": "", "letter_format": "standard"})
    assert "There is a problem" in no_reason.content.decode()
    too_long = client.post(url, {"text_reasons": "x" * 10001, "reason": "Typo.", "letter_format": "standard"})
    assert "This is too long: shorten it to 10,000 characters or fewer." in too_long.content.decode()
    assert (case.letters.count(), case.events.count()) == (letters, events)


def test_only_the_parts_people_wrote_can_be_corrected(procedure, school):
    from django.core.exceptions import ValidationError

    from incidents.letters.services import correctable_parts, letter_reissue

    case, first = _outcome_case(procedure, school)
    assert [key for key, _ in correctable_parts(first)][0] == "reasons"
    with pytest.raises(ValidationError, match="cannot be corrected"):
        letter_reissue(letter=first, by=school.headteacher, reason="Typo.", changes={"outcome": "summary_dismissal"})
    acknowledgement = case.letters.get(kind=Letter.Kind.ACKNOWLEDGEMENT)
    assert correctable_parts(acknowledgement) == []
    assert case.letters.filter(kind=Letter.Kind.OUTCOME).count() == 1


def test_the_reporter_sees_their_replaced_letter_marked_and_can_still_download_it(client, procedure, school):
    from incidents.letters.services import letter_reissue

    case = procedure.case_at(State.REPORTED)
    first = case.letters.get(kind=Letter.Kind.ACKNOWLEDGEMENT)
    second = letter_reissue(letter=first, by=school.headteacher, reason="Large print asked for.",
                            letter_format=Letter.Format.LARGE_PRINT)
    client.force_login(school.staff)
    page = client.get(reverse("incidents:report_detail", args=[case.uuid])).content.decode()
    assert "(replaced by the version of 2 March 2026)" in page
    for letter in (first, second):
        assert client.get(reverse("incidents:letter_download", args=[case.uuid, letter.uuid])).status_code == 200
