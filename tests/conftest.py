import functools
import io
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest

from incidents import services
from incidents.models import Role
from incidents.workflow import step_named
from tests.factories import SchoolFactory, StaffMemberFactory, person
from tests.procedure import Procedure

LETTER_TESTS = Path(__file__).resolve().parent / "letters"


@functools.cache
def _blank_page() -> bytes:
    """One blank A4 page: a PDF that readers and pypdf open, as a real letter would be."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_stand_in(html, *, resources=None, fetcher=None) -> bytes:
    """Stands in for WeasyPrint: letters are rendered by it in tests/letters/ and `real_letters`."""
    return _blank_page()


@pytest.fixture(autouse=True)
def quick_letters(request, monkeypatch):
    """Letters are laid out in every test, but turned into PDF by WeasyPrint (a few tenths of a
    second each) only in tests/letters/ and in tests that ask for `real_letters`."""
    if LETTER_TESTS in Path(request.node.path).parents or "real_letters" in request.fixturenames:
        return
    monkeypatch.setattr("incidents.letters.render.html_to_pdf", _pdf_stand_in)


@pytest.fixture
def real_letters():
    """Render letters with WeasyPrint in this test."""


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background work (long exports) runs in the test itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def signing_in(request, settings):
    """Signing in as in production, with the second step (incidents/two_factor.py) and sessions that
    end after 30 idle minutes, in the browser tests (whose `sign_in` gives the code) and in the tests
    that ask for `production_sign_in`. Elsewhere a `client.force_login` stands for a whole sign-in,
    password and code, and lasts however far the test moves the clock."""
    e2e = Path(__file__).resolve().parent / "e2e"
    if e2e in Path(request.node.path).parents or "production_sign_in" in request.fixturenames:
        return
    settings.TWO_FACTOR_REQUIRED = False
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def production_sign_in():
    """Sign in as in production in this test: the second factor, and sessions that end."""


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Argon2 (the product's hasher) takes a second a password on this machine: the tests hash
    with MD5, except test_two_factor.py's test of the hasher itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder in every test."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def school(db):
    """A school with one person in every role, and an employee with no login."""
    school = SchoolFactory(name="Rainow Primary School", reference_prefix="RAI")
    people = SimpleNamespace(
        school=school,
        staff=person(school, Role.STAFF),
        staff2=person(school, Role.STAFF),
        headteacher=person(school, Role.HEADTEACHER),
        investigator=person(school, Role.INVESTIGATING_OFFICER),
        chair=person(school, Role.CHAIR_OF_GOVERNORS),
        governor=person(school, Role.GOVERNOR),
        governor2=person(school, Role.GOVERNOR),
        dsl=person(school, Role.DSL),
        hr=person(school, Role.HR_ADVISER, staff=False),
        employee=StaffMemberFactory(school=school, full_name="Alex Employee"),
    )
    return people


@pytest.fixture
def procedure(school, time_machine):
    """Cases at any stage of the procedure, on a clock that starts on Monday 2 March 2026."""
    return Procedure(school, time_machine)


@pytest.fixture
def take(school):
    """Take a step through `services.step_take`, with the example input its declaration gives
    unless `overrides` say otherwise."""

    def take(step: str, case, by, **overrides):
        given = replace(step_named(step).given.example(case), **overrides)
        return services.step_take(case=case, by=by, given=given)

    return take


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: the letter links' count of refusals per address lives there."""
    from django.core.cache import cache

    cache.clear()
