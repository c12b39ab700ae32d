"""Signing in: the password, then a code from an authenticator app or a backup code for everyone
who can open a case and for the administrators; sessions that end; Argon2 hashes."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import two_factor
from incidents.models import Case
from incidents.workflow import State
from tests.views.test_reporting import png_bytes, report_data, send_report, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_sign_in")]

PASSWORD = "a-strong-test-password"
START = "2026-03-02 09:00 +00:00"


def sign_in_with_password(client, user):
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return response


def code_for(device) -> str:
    return str(TOTP(device.bin_key).token()).zfill(6)


def app_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)


def text(response) -> str:
    return response.content.decode()


def test_each_role_that_can_open_a_case_must_give_a_code_the_staff_who_report_need_not(school):
    for person in (school.headteacher, school.chair, school.governor, school.investigator, school.dsl, school.hr):
        assert two_factor.must_use_second_factor(person), person
    admin = User.objects.create_superuser("root", password=PASSWORD)
    assert two_factor.must_use_second_factor(admin)
    assert not two_factor.must_use_second_factor(school.staff)
    app_for(school.staff)  # set up of their own accord: then asked for, like everyone else
    assert two_factor.must_use_second_factor(school.staff)


@pytest.mark.parametrize("role", ["headteacher", "chair", "governor", "investigator", "dsl", "hr"])
def test_with_a_password_only_no_case_page_opens_until_the_code_is_given(client, school, procedure, role):
    case = procedure.case_at(State.INVESTIGATION)
    person = getattr(school, role)
    sign_in_with_password(client, person)
    for url in (reverse("incidents:case_detail", args=[case.uuid]), reverse("incidents:case_list"),
                reverse("incidents:home"), reverse("incidents:report"), reverse("incidents:exports")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("incidents:two_factor_enrol") + "?next="), url
        assert case.reference not in text(client.get(url, follow=True))
    # once an app is set up, the password alone leads to the code, not to setting up
    app_for(person)
    response = client.get(reverse("incidents:case_detail", args=[case.uuid]))
    assert response["Location"] == (reverse("incidents:two_factor_verify") + "?next="
                                    + reverse("incidents:case_detail", args=[case.uuid]).replace("/", "%2F"))
    # and they cannot set up another app in place of the one they have
    assert client.get(reverse("incidents:two_factor_enrol"))["Location"].startswith(
        reverse("incidents:two_factor_verify"))
    # a step posted with the password alone changes nothing
    before = case.events.count()
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "close_no_case"]), {"reason": "x"})
    assert response.status_code == 302 and case.events.count() == before


def test_the_admin_needs_the_code_too(client, db):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    sign_in_with_password(client, admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("incidents:two_factor_enrol"))
    device = app_for(admin)
    client.post(reverse("incidents:two_factor_verify"), {"code": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_first_sign_in_sets_up_the_app_then_shows_backup_codes_once_then_the_case(client, school, procedure):
    case = procedure.case_at(State.INVESTIGATION)
    case_url = reverse("incidents:case_detail", args=[case.uuid])
    sign_in_with_password(client, school.headteacher)
    setting_up = client.get(case_url, follow=True)
    page = text(setting_up)
    assert "Set up two-factor authentication" in page
    assert re.search(r'<svg role="img" aria-label="QR code to scan with your authenticator app"', page)
    assert 'autocomplete="one-time-code"' in page
    assert "<script" not in page and "style=" not in page  # the CSP allows neither
    device = TOTPDevice.objects.get(user=school.headteacher, confirmed=False)
    assert two_factor.secret_text(device) in page  # the key in plain text, for typing in
    assert "default-src 'none'" in setting_up["Content-Security-Policy"]

    next_ = {"next": case_url}
    enrol = reverse("incidents:two_factor_enrol")
    empty = client.post(enrol, {"code": ""} | next_)
    assert empty.status_code == 400 and "Enter the 6-digit code from your authenticator app" in text(empty)
    wrong = client.post(enrol, {"code": "000000" if code_for(device) != "000000" else "111111"} | next_)
    assert wrong.status_code == 400 and "That code is not right" in text(wrong)
    assert client.get(case_url).status_code == 302  # signed in no further
    assert not TOTPDevice.objects.filter(user=school.headteacher, confirmed=True).exists()

    procedure.clock.shift(timedelta(seconds=31))  # the wait after a wrong code, and a new code
    pasted = code_for(device)[:3] + " " + code_for(device)[3:]  # pasted with a space, as some apps show it
    shown = client.post(enrol, {"code": pasted} | next_)
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", text(shown))
    assert len(codes) == 10 and "shown only now" in text(shown)
    assert f'href="{case_url}"' in text(shown)
    assert case.reference in text(client.get(case_url))
    # shown once: nowhere else, and not again
    assert not any(code in text(client.get(reverse("incidents:two_factor_enrol"))) for code in codes)


def test_a_wrong_code_at_sign_in_is_refused_clearly_and_signs_nobody_in(client, school, procedure):
    device = app_for(school.headteacher)
    sign_in_with_password(client, school.headteacher)
    verify = reverse("incidents:two_factor_verify")
    page = text(client.get(verify))
    assert "Enter your code" in page and 'autocomplete="one-time-code"' in page
    wrong = client.post(verify, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right. Enter the 6-digit code your authenticator app shows now" in text(wrong)
    assert "There is a problem" in text(wrong)
    too_soon = client.post(verify, {"code": code_for(device)})  # at once after a wrong one: wait
    assert too_soon.status_code == 400 and "Wait a few seconds" in text(too_soon)
    assert client.get(reverse("incidents:home")).status_code == 302
    procedure.clock.shift(timedelta(seconds=5))
    right = client.post(verify, {"code": code_for(device), "next": reverse("incidents:case_list")})
    assert right.status_code == 302 and right["Location"] == reverse("incidents:case_list")
    assert client.get(reverse("incidents:home")).status_code == 200
    # a code from elsewhere is never followed off the site
    client.logout()
    sign_in_with_password(client, school.headteacher)
    procedure.clock.shift(timedelta(seconds=31))
    offsite = client.post(verify, {"code": code_for(device), "next": "https://evil.example/"})
    assert offsite["Location"] == reverse("incidents:home")


def test_a_code_is_accepted_once(client, school, procedure):
    device = app_for(school.headteacher)
    sign_in_with_password(client, school.headteacher)
    code = code_for(device)
    assert client.post(reverse("incidents:two_factor_verify"), {"code": code}).status_code == 302
    client.logout()
    sign_in_with_password(client, school.headteacher)
    again = client.post(reverse("incidents:two_factor_verify"), {"code": code})
    assert again.status_code == 400 and "That code is not right" in text(again)


def test_a_backup_code_works_once_only(client, school, procedure):
    app_for(school.headteacher)
    codes = two_factor.make_backup_codes(school.headteacher)
    verify = reverse("incidents:two_factor_verify")
    sign_in_with_password(client, school.headteacher)
    used = client.post(verify, {"code": codes[0].upper()}, follow=True)  # as typed from paper, in capitals
    assert used.status_code == 200 and "You have 9 left" in text(used)
    assert StaticToken.objects.filter(device__user=school.headteacher).count() == 9
    client.logout()

    procedure.clock.shift(timedelta(minutes=1))
    sign_in_with_password(client, school.headteacher)
    again = client.post(verify, {"code": codes[0]})
    assert again.status_code == 400 and "That code is not right" in text(again)
    assert client.get(reverse("incidents:home")).status_code == 302
    procedure.clock.shift(timedelta(minutes=1))
    assert client.post(verify, {"code": codes[1]}).status_code == 302
    assert StaticDevice.objects.get(user=school.headteacher).token_set.count() == 8


def test_a_reporter_reports_without_a_second_factor(client, school, procedure):
    sign_in_with_password(client, school.staff)
    assert client.get(reverse("incidents:report")).status_code == 200
    response = send_report(client, report_data(school, evidence=[upload("shot.png", png_bytes())]), follow=True)
    assert "Your report has been sent" in text(response)
    assert Case.objects.get().reporter == school.staff
    # and may set it up if they wish
    assert "Set up two-factor authentication" in text(client.get(reverse("incidents:two_factor_enrol")))


def test_a_session_ends_after_30_idle_minutes_and_with_the_browser(client, school, time_machine):
    time_machine.move_to(START, tick=False)
    response = sign_in_with_password(client, school.staff)
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]  # a cookie the browser drops when it closes
    home = reverse("incidents:home")
    for _ in range(3):  # each request starts the 30 minutes again
        time_machine.shift(timedelta(minutes=29))
        assert client.get(home).status_code == 200
    time_machine.shift(timedelta(minutes=31))
    ended = client.get(home)
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))


def test_the_idle_time_is_a_setting(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_passwords_are_hashed_with_argon2(client, school, settings):
    from casework import settings as product_settings

    settings.PASSWORD_HASHERS = product_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    sign_in_with_password(client, school.staff)
    assert User.objects.get(pk=school.staff.pk).password.startswith("argon2$")


def test_with_debug_settings_only_those_who_set_it_up_are_asked(client, school, settings):
    settings.TWO_FACTOR_REQUIRED = False  # as with DJANGO_DEBUG=1 (`make run`)
    sign_in_with_password(client, school.headteacher)
    assert client.get(reverse("incidents:home")).status_code == 200
    client.logout()
    app_for(school.headteacher)
    sign_in_with_password(client, school.headteacher)
    assert client.get(reverse("incidents:home"))["Location"].startswith(reverse("incidents:two_factor_verify"))


def test_the_session_is_verified_only_until_sign_out(client, school):
    device = app_for(school.dsl)
    sign_in_with_password(client, school.dsl)
    client.post(reverse("incidents:two_factor_verify"), {"code": code_for(device)})
    assert client.get(reverse("incidents:home")).status_code == 200
    client.post(reverse("logout"))
    sign_in_with_password(client, school.dsl)
    assert client.get(reverse("incidents:home")).status_code == 302


def test_the_admin_can_remove_a_persons_app_but_never_sees_its_key_or_backup_codes(client, school):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    device = app_for(school.headteacher)
    codes = two_factor.make_backup_codes(school.headteacher)
    client.force_login(admin)
    client.post(reverse("incidents:two_factor_verify"), {"code": code_for(app_for(admin))})
    page = text(client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])))
    assert school.headteacher.username in page and device.key not in page
    backup = StaticDevice.objects.get(user=school.headteacher)
    page = text(client.get(reverse("admin:otp_static_staticdevice_change", args=[backup.pk])))
    assert not any(code.replace("-", "") in page for code in codes)
    client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not two_factor.has_second_factor(school.headteacher)
