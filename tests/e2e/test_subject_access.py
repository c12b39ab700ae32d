"""The HR adviser's subject access journey in a real browser, each page checked for accessibility."""

from datetime import timedelta

import pytest

from incidents import clock
from incidents.exports.subject_access_requests import first_due_on, latest_due_on
from incidents.models import ExportRecord, SubjectAccessRequest
from incidents.timeline import date_words

pytestmark = pytest.mark.django_db(transaction=True)


def test_hr_records_extends_and_answers_a_subject_access_request(page, sign_in, accessible, school):
    today = clock.today()
    sign_in(school.hr)
    page.goto("/exports/subject-access/")
    accessible(page)
    page.get_by_label("Who asked").select_option(label="Alex Employee, Rainow Primary School")
    page.get_by_label("Date received").fill(today.isoformat())
    page.get_by_label("By email").check()
    page.get_by_role("button", name="Record the request").click()
    assert page.get_by_role("heading", name="Alex Employee asked for their records").is_visible()
    assert page.get_by_text(f"Request recorded. It is due by {date_words(first_due_on(today))}.").is_visible()
    accessible(page)

    too_late = latest_due_on(today) + timedelta(days=1)
    page.get_by_label("New due date").fill(too_late.isoformat())
    page.get_by_label("Why more time is needed").fill("Your request covers several cases.")
    page.get_by_role("button", name="Extend and make the letter").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("at most two further months").first.is_visible()
    accessible(page)
    assert SubjectAccessRequest.objects.get().due_on == first_due_on(today)

    page.get_by_label("New due date").fill(latest_due_on(today).isoformat())
    page.get_by_role("button", name="Extend and make the letter").click()
    assert page.get_by_role("link", name="Download the letter to Alex Employee").is_visible()
    accessible(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack").click()
    assert download.value.suggested_filename.startswith("subject-access-alex-employee")
    assert ExportRecord.objects.get().filters["redact_others"] is True
    page.get_by_role("button", name="Mark the request answered").click()
    assert page.get_by_text("The request is marked answered").is_visible()
    accessible(page)
    assert SubjectAccessRequest.objects.get().completed_at is not None
