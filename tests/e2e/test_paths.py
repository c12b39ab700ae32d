"""The main paths, walked in a real browser, each page checked for accessibility."""

import io
from datetime import datetime, time, timedelta

import pytest
from PIL import Image

from incidents import clock
from incidents.models import Case
from incidents.workflow import State
from incidents.working_days import add_working_days
from tests.e2e.steps import take_step
from tests.factories import one_page_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def screenshot_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def test_staff_report_a_breach_with_a_screenshot(page, sign_in, accessible, school):
    sign_in(school.staff)
    accessible(page)
    page.get_by_role("link", name="Report a concern").first.click()
    accessible(page)

    page.get_by_role("button", name="Continue").click()  # nothing filled in
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    accessible(page)

    page.get_by_label("A suspected breach of the policy").check()
    page.get_by_label("Who is it about?").select_option(label="Alex Employee (Teacher)")
    page.get_by_label("Facebook").check()
    page.get_by_label("Link to the post").fill("https://www.facebook.com/groups/rainow/posts/1")
    page.get_by_label("What happened?").fill("A post calling Year 4 parents idiots.")
    page.get_by_label("Bringing the school into disrepute").check()
    page.get_by_label("Evidence").set_input_files(
        {"name": "screenshot.png", "mimeType": "image/png", "buffer": screenshot_png()})
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending your report").wait_for()
    accessible(page)
    page.get_by_role("button", name="Send report").click()

    case = Case.objects.get()
    assert page.get_by_text(f"Its reference is {case.reference}").is_visible()
    assert page.get_by_role("link", name="screenshot.png").is_visible()
    assert page.get_by_text("With the headteacher").is_visible()
    accessible(page)
    assert case.evidence.get().original_name == "screenshot.png"


def test_the_reporter_checks_their_answers_changes_one_and_sends_the_report(page, sign_in, accessible, school):
    sign_in(school.staff)
    page.goto("/report/")
    page.get_by_label("A suspected breach of the policy").check()
    page.get_by_label("Facebook").check()
    page.get_by_label("What happened?").fill("A post calling Year 4 parents idiots.")
    clause = page.get_by_label("Breaking confidentiality")
    clause.check()
    # the policy's own words are folded away under the plain title, and open on request
    words = page.get_by_text("giving away confidential information about an individual", exact=False)
    assert not words.is_visible()
    page.get_by_text("Show the policy’s words for “Breaking confidentiality”", exact=False).click()
    assert words.is_visible()
    assert clause.is_checked()  # opening the words does not untick or tick the box
    page.get_by_label("Evidence").set_input_files(
        {"name": "screenshot.png", "mimeType": "image/png", "buffer": screenshot_png()})
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Check your answers before sending your report").wait_for()
    accessible(page)
    assert not Case.objects.exists()  # nothing sent yet
    summary = page.locator("dl.check-answers")
    for shown in ("A suspected breach of the policy", "Breaking confidentiality", "screenshot.png",
                  "A post calling Year 4 parents idiots."):
        assert summary.get_by_text(shown, exact=False).first.is_visible(), shown
    page.get_by_role("link", name="Change what happened").click()
    description = page.get_by_label("What happened?")
    assert description.input_value() == "A post calling Year 4 parents idiots."
    assert page.get_by_text("screenshot.png", exact=False).is_visible()  # the file is kept, not asked again
    accessible(page)
    description.fill("A post calling Year 4 parents fools.")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("dl.check-answers").get_by_text("parents fools.", exact=False).is_visible()
    page.get_by_role("button", name="Send report").click()

    page.get_by_text("Your report has been sent").wait_for()
    case = Case.objects.get()
    assert page.get_by_text(f"Its reference is {case.reference}").is_visible()
    assert case.description == "A post calling Year 4 parents fools."
    assert case.evidence.get().original_name == "screenshot.png"
    assert list(case.clauses.values_list("ref", flat=True)) == ["b"]
    accessible(page)


def test_headteacher_takes_a_breach_from_removal_to_a_final_warning_and_closes_it(
        page, sign_in, accessible, school, procedure, time_machine):
    time_machine.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=clock.now().tzinfo), tick=True)
    case = procedure.report()
    sign_in(school.headteacher)
    page.goto(case.get_absolute_url())
    accessible(page)

    take_step(page, accessible, "Ask the employee to remove the content")
    take_step(page, accessible, "Confirm the content has been removed",
              lambda p: p.get_by_label("How was the removal confirmed?").fill("Checked the group: gone."))
    take_step(page, accessible, "Open an investigation",
              lambda p: p.get_by_label("Investigating officer").select_option(str(school.investigator.pk)))

    # The investigating officer's part: a meeting, a signed statement, the report.
    sign_in(school.investigator)
    page.goto(case.get_absolute_url())
    assert page.get_by_text("Submit the investigation report").first.is_visible()

    def meeting(p):
        p.get_by_label("Date of the meeting").fill(clock.today().isoformat())
        p.get_by_label("Time of the meeting").fill("08:30")
        p.get_by_label("Who attended, and in what capacity").fill("The employee and the investigating officer.")
        p.get_by_label("The employee’s companion, if any").fill("Jo Booth")
        p.get_by_label("Notes of the meeting").fill("The employee accepts writing the post.")
    take_step(page, accessible, "Record an investigation meeting", meeting)

    def add_statement(p):
        p.get_by_label("A signed statement").check()
        p.get_by_label("Whose statement, or what the evidence shows").fill("Statement of Ann Lee")
        p.get_by_label("The file").set_input_files(
            {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": one_page_pdf()})
    take_step(page, accessible, "Add a statement or evidence", add_statement)
    assert page.get_by_role("cell", name="Signed statement: Statement of Ann Lee").is_visible()

    def report(p):
        p.get_by_label("Findings").fill("The employee made the post and left it up.")
        p.get_by_label("A disciplinary hearing").check()
    take_step(page, accessible, "Submit the investigation report", report)
    assert page.get_by_text("The employee made the post and left it up.", exact=True).is_visible()

    sign_in(school.headteacher)
    page.goto(case.get_absolute_url())
    hearing_day = add_working_days(clock.today(), 5)

    def hearing(p):
        p.get_by_label("Date of the hearing").fill(hearing_day.isoformat())
        p.get_by_label("Time of the hearing").fill("10:00")
        p.get_by_label("Place").fill("Meeting room 1")
        p.get_by_label(school.headteacher.get_full_name()).check()
    take_step(page, accessible, "Refer to a disciplinary hearing", hearing)
    assert page.get_by_text("Hearing scheduled").first.is_visible()

    time_machine.move_to(datetime.combine(hearing_day, time(12, 0), tzinfo=clock.now().tzinfo), tick=True)
    sign_in(school.headteacher)  # a week later: the session ended after 30 idle minutes
    page.goto(case.get_absolute_url())

    def outcome(p):
        p.get_by_label("Final written warning").check()
        p.get_by_label("Reasons for the decision").fill("The post breached clause a and stayed up after a request.")
    take_step(page, accessible, "Record the hearing's outcome", outcome, confirm=True)
    case.refresh_from_db()
    assert case.state == State.OUTCOME_ISSUED and case.warning_expires_on is not None

    time_machine.move_to(datetime.combine(case.appeal_deadline + timedelta(days=1), time(9, 0),
                                          tzinfo=clock.now().tzinfo), tick=True)
    sign_in(school.headteacher)  # weeks later: a new session
    page.goto(case.get_absolute_url())
    take_step(page, accessible, "Close the case", confirm=True)
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert page.get_by_text("Closed").first.is_visible()


def test_a_compromised_account_is_reported_secured_and_closed(page, browser, live_server, sign_in, accessible,
                                                             school):
    sign_in(school.staff2)
    page.goto("/report/")
    page.get_by_label("An account that may be compromised").check()
    page.get_by_label("Instagram").check()
    page.get_by_label("What happened?").fill("My Instagram is posting crypto adverts; I cannot log in.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("Your report has been sent").wait_for()
    case = Case.objects.get()
    assert case.kind == Case.Kind.COMPROMISED_ACCOUNT

    page.get_by_role("button", name="Sign out").click()
    sign_in(school.headteacher)
    page.goto(case.get_absolute_url())

    def checklist(p):
        p.get_by_label("Password changed").check()
        p.get_by_label("Takedown of the posts requested from the platform").check()
    take_step(page, accessible, "Secure the account", checklist)
    take_step(page, accessible, "Close: the account is secure",
              lambda p: p.get_by_label("What was done to secure the account?").fill("Recovered; two-factor on."),
              confirm=True)
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_everything_works_by_keyboard_alone(page, sign_in, school):
    sign_in(school.staff)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")  # to the main content, past the navigation
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent").strip()
    assert focused == "Report a concern"
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/")
