"""The employee concerned, who has no login, opens a letter from the email and confirms receipt;
the case manager sees it on the timeline."""

import re
from datetime import datetime

import pytest

from incidents import clock, services
from incidents.workflow import inputs

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_employee_opens_a_letter_from_the_email_and_confirms_receipt(
        page, sign_in, accessible, school, procedure, time_machine, mailoutbox, live_server):
    time_machine.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=clock.now().tzinfo), tick=True)
    school.employee.email = "alex@home.example"
    school.employee.save()
    case = procedure.report()
    services.step_take(case=case, by=school.headteacher,
                       given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    email = [message for message in mailoutbox if message.to == ["alex@home.example"]][-1]
    assert email.subject == "A letter for you from Rainow Primary School"
    link = re.search(r"http\S+/letter/\S+/", email.body).group(0)
    path = link[link.index("/letter/"):]

    page.goto(path)
    accessible(page)
    assert page.get_by_role("heading", name="A letter for you").is_visible()
    page.get_by_role("button", name="Email me a code").click()
    assert page.get_by_role("status").filter(has_text="We have emailed you a code").is_visible()
    accessible(page)

    page.get_by_label("Code from the email").fill("999999")
    page.get_by_role("button", name="Open the letter").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("That code is not right.").first.is_visible()
    accessible(page)

    code = re.search(r"^\s*(\d{6})\s*$", mailoutbox[-1].body, re.MULTILINE).group(1)
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Open the letter").click()
    assert page.get_by_role("heading", name="Your letter from Rainow Primary School").is_visible()
    accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the letter (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("button", name="I confirm I have received this letter").click()
    assert page.get_by_role("status").filter(has_text="the school can see that you have received").is_visible()
    assert page.get_by_text("You confirmed that you received this letter").is_visible()
    accessible(page)

    sign_in(school.headteacher)
    page.goto(case.get_absolute_url())
    timeline = page.locator("#main")
    assert timeline.get_by_text("Opened the letter").is_visible()
    assert timeline.get_by_text("Confirmed receipt of the letter").is_visible()
    assert timeline.get_by_text("Alex Employee").first.is_visible()
