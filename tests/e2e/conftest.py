"""Browser tests: Playwright driving Debian's Chromium (no browser download), with axe-core.

They run wherever /usr/bin/chromium exists; in CI (CI=true) a missing browser fails the
run instead of skipping it.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# to set up data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: CI must install it (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def accessible():
    """Check the page in front of the browser with axe-core: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        violations = axe.run(page).response["violations"]
        serious = [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']]}"
                   for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, f"{page.url}: " + "; ".join(serious)

    return check


@pytest.fixture
def sign_in(page, accessible):
    """Signs a person in as they would: their password, then, if they must give one (every role
    that can open a case), a code from an authenticator app set up beforehand, computed here.
    The first sign-in, setting the app up, is tested in test_two_factor.py."""

    def sign_in(user, password="a-strong-test-password"):
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from incidents import two_factor

        user.set_password(password)
        user.save()
        device = None
        if two_factor.must_use_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
                TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)
            # A code is accepted once: let a second sign-in in the same 30 seconds use it again.
            TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        page.goto("/accounts/login/")
        accessible(page)
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        if device is not None:
            page.wait_for_url("**/account/two-factor/code/**")
            page.get_by_label("Code", exact=True).fill(TOTP(device.bin_key).token().__str__().zfill(6))
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/")

    return sign_in
