"""A headteacher's first sign-in, in a real browser: the password, then setting up an authenticator
app from the page (its key read off the page, the code computed here as the app would), the backup
codes shown once, then their cases."""

import base64
from datetime import timedelta

import pytest
from django_otp.oath import TOTP

from incidents.workflow import State

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_headteachers_first_sign_in_sets_up_two_factor_then_shows_their_cases(page, accessible, school,
                                                                                 procedure):
    case = procedure.case_at(State.INVESTIGATION)
    headteacher = school.headteacher
    headteacher.set_password("a-strong-test-password")
    headteacher.save()

    page.goto(f"/cases/{case.uuid}/")  # a case page, asked for before signing in
    page.get_by_label("Username").fill(headteacher.username)
    page.get_by_label("Password").fill("a-strong-test-password")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/account/two-factor/?next=**")
    assert page.get_by_role("heading", name="Set up two-factor authentication").is_visible()
    assert page.get_by_role("img", name="QR code to scan with your authenticator app").is_visible()
    accessible(page)
    code_box = page.get_by_label("Code", exact=True)
    assert code_box.get_attribute("autocomplete") == "one-time-code"
    assert case.reference not in page.content()

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret)

    def code() -> str:
        return str(TOTP(key).token()).zfill(6)

    wrong = "000000" if code() != "000000" else "111111"
    code_box.fill(wrong)
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_role("link", name="That code is not right").is_visible()
    accessible(page)

    procedure.clock.shift(timedelta(seconds=31))  # the next code, after the pause a wrong one asks
    page.get_by_label("Code", exact=True).fill(code())
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Your backup codes").is_visible()
    assert page.locator(".backup-codes li").count() == 10
    accessible(page)

    page.get_by_role("link", name="I have kept my backup codes: continue").click()
    page.wait_for_url(f"**/cases/{case.uuid}/")
    assert page.get_by_text(case.reference).first.is_visible()
    page.get_by_role("link", name="Cases", exact=True).click()
    assert page.get_by_role("link", name=case.reference).is_visible()
    accessible(page)
