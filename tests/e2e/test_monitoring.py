"""The monitoring dashboard and the policy's pages in a real browser, each checked with axe."""

import pytest

from incidents import services
from incidents.models import Case, PolicyAcknowledgement

pytestmark = pytest.mark.django_db(transaction=True)


def report(school, kind=Case.Kind.BREACH):
    return services.case_report(reporter=school.staff, school=school.school, kind=kind,
                                platform=Case.Platform.FACEBOOK,
                                subject=school.employee if kind == Case.Kind.BREACH else None,
                                description="A post about the school.")


def test_the_headteacher_reads_the_figures_as_charts_and_tables(page, sign_in, accessible, school):
    for _ in range(6):
        report(school)
    report(school, Case.Kind.COMPROMISED_ACCOUNT)
    sign_in(school.headteacher)
    assert page.get_by_role("heading", name="The policy's review is overdue").is_visible()
    accessible(page)

    page.get_by_role("link", name="Monitoring the policy: figures for governors and HR").click()
    assert page.get_by_role("heading", name="Monitoring the policy", exact=True).is_visible()
    accessible(page)
    chart = page.get_by_role("img", name="Cases by kind")
    assert chart.is_visible()
    table = page.get_by_role("table", name="Cases by kind")
    # One compromised account: fewer than 5; the six breaches are hidden too, else 7 - 6 would give it.
    assert table.get_by_role("row", name="An account that may be compromised fewer than 5").is_visible()
    assert table.get_by_role("row", name="A suspected breach of the policy not shown").is_visible()
    assert table.get_by_role("row", name="All cases 7").is_visible()
    assert page.get_by_role("link", name="Download “Cases by kind” as CSV").is_visible()
    assert page.get_by_role("link", name="Download the governors' report (PDF)").is_visible()

    page.get_by_label("Period", exact=True).select_option(label="Spring term 2026 (January to March)")
    page.get_by_role("button", name="Show the figures").click()
    assert page.get_by_role("heading", name="Rainow Primary School: Spring term 2026 (January to March)").is_visible()
    assert page.get_by_role("table", name="Cases by kind").get_by_role("row", name="All cases 0").is_visible()
    accessible(page)


def test_a_member_of_staff_confirms_reading_the_policy(page, sign_in, accessible, school):
    sign_in(school.staff)
    assert page.get_by_role("heading", name="Read the Social Media Policy").is_visible()
    page.get_by_role("link", name="Read the policy").click()
    accessible(page)
    page.get_by_role("button", name="I have read this version of the policy").click()
    assert page.get_by_text("you have confirmed that you read the Social Media Policy, version 2021").is_visible()
    accessible(page)
    assert PolicyAcknowledgement.objects.filter(staff__user=school.staff).exists()

    sign_in(school.hr)
    page.goto("/policy/who-has-read-it/")
    assert page.get_by_role("table", name="Staff of Rainow Primary School who have not confirmed reading "
                                          "version 2021").get_by_role("cell", name="Alex Employee").is_visible()
    accessible(page)
