"""Who sees what: deny by default, and every role against every case page."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from incidents import services
from incidents.models import Role
from incidents.views.access import PUBLIC, SIGNED_IN, CaseMixin
from incidents.workflow import State, inputs
from tests.factories import SchoolFactory, person
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


def app_views(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin checks staff status and model permissions itself
            yield from app_views(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", pattern.callback)
            if view.__module__.startswith("django.contrib.auth"):
                continue  # sign in, sign out and password reset: open by nature
            yield f"{namespace}:{pattern.name}", view


def test_every_page_declares_who_may_open_it():
    views = list(app_views())
    assert len(views) >= 8
    for name, view in views:
        if isinstance(view, type) and issubclass(view, CaseMixin):
            assert callable(view.case_rule), name
        else:
            assert getattr(view, "access", None) in (PUBLIC, SIGNED_IN), f"{name} declares no access rule"


@pytest.fixture
def cast(school, procedure):
    """A case under investigation about a member of staff who has a login, with evidence; and the people."""
    p = school
    subject = p.staff2.staff_records.get()
    case = procedure.report(subject=subject)
    evidence = services.evidence_add(case=case, by=p.staff, file=upload("shot.png", png_bytes()))
    services.step_take(case=case, by=p.headteacher, given=inputs.OpenInvestigation(
        investigating_officer=p.investigator))
    other_school = SchoolFactory()
    people = {
        "staff": person(p.school, Role.STAFF),
        "reporter": p.staff,
        "subject": p.staff2,
        "headteacher": p.headteacher,
        "chair": p.chair,
        "governor": p.governor,
        "investigator (assigned)": p.investigator,
        "investigator (not assigned)": person(p.school, Role.INVESTIGATING_OFFICER),
        "dsl": p.dsl,
        "hr (this school)": p.hr,
        "hr (another school)": person(other_school, Role.HR_ADVISER, staff=False),
        "headteacher of another school": person(other_school, Role.HEADTEACHER),
    }
    return case, evidence, people


def pages(case, evidence):
    return {
        "case": reverse("incidents:case_detail", args=[case.uuid]),
        "step": reverse("incidents:case_step", args=[case.uuid, "close_no_case"]),
        "evidence": reverse("incidents:evidence_download", args=[case.uuid, evidence.uuid]),
        "report": reverse("incidents:report_detail", args=[case.uuid]),
        "hold": reverse("incidents:legal_hold", args=[case.uuid]),
        "add evidence": reverse("incidents:report_evidence", args=[case.uuid]),
    }


EXPECTED = {  # role -> the pages they may open; every other page is a 404
    "staff": set(),
    "reporter": {"evidence", "report", "add evidence"},
    "subject": set(),
    "headteacher": {"case", "step", "evidence", "hold"},
    "chair": set(),
    "governor": set(),
    "investigator (assigned)": {"case", "evidence"},
    "investigator (not assigned)": set(),
    "dsl": set(),  # not a safeguarding case
    "hr (this school)": {"case", "evidence", "hold"},
    "hr (another school)": set(),
    "headteacher of another school": set(),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_opens_exactly_the_pages_it_should_and_refusals_show_nothing(client, cast, role):
    case, evidence, people = cast
    client.force_login(people[role])
    for page, url in pages(case, evidence).items():
        response = client.get(url)
        expected = 200 if page in EXPECTED[role] else 404
        assert response.status_code == expected, f"{role} on {page}"
        if expected == 404:
            body = response.content.decode()
            for secret in (case.reference, case.description, case.subject.full_name, "shot.png"):
                assert secret not in body, f"{role} on {page} sees {secret}"


def test_the_headteacher_has_no_access_to_the_case_about_themselves(client, school, procedure):
    case = procedure.report(subject=school.headteacher.staff_records.get())
    evidence = services.evidence_add(case=case, by=school.staff, file=upload("shot.png", png_bytes()))
    client.force_login(school.headteacher)
    for page, url in pages(case, evidence).items():
        assert client.get(url).status_code == 404, page
    client.force_login(school.chair)
    assert client.get(reverse("incidents:case_detail", args=[case.uuid])).status_code == 200
    assert client.get(reverse("incidents:case_step", args=[case.uuid, "open_investigation"])).status_code == 200
    client.force_login(school.headteacher)
    assert case.reference not in client.get(reverse("incidents:case_list")).content.decode()
    assert case.reference not in client.get(reverse("incidents:home")).content.decode()


def test_the_dsl_sees_safeguarding_cases_only(client, school, procedure):
    safeguarding = procedure.case_at(State.REPORTED, safeguarding=True)
    ordinary = procedure.case_at(State.REPORTED)
    client.force_login(school.dsl)
    assert client.get(safeguarding.get_absolute_url()).status_code == 200
    assert client.get(ordinary.get_absolute_url()).status_code == 404
    listing = client.get(reverse("incidents:case_list")).content.decode()
    assert safeguarding.reference in listing and ordinary.reference not in listing


def test_panel_members_see_the_case_they_hear(client, school, procedure):
    case = procedure.case_at(State.APPEAL)
    for member in (school.headteacher, school.chair, school.governor):
        client.force_login(member)
        assert client.get(case.get_absolute_url()).status_code == 200
    client.force_login(school.governor2)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_case_lists_agree_with_the_rules(client, cast):
    case, _, people = cast
    for role, person_ in people.items():
        client.force_login(person_)
        listed = case.reference in client.get(reverse("incidents:case_list")).content.decode()
        assert listed == ("case" in EXPECTED[role]), role


def test_urls_carry_uuids_not_sequential_ids(cast):
    case, evidence, _ = cast
    for url in pages(case, evidence).values():
        assert str(case.uuid) in url and f"/{case.pk}/" not in url
