"""The policy itself: versions tied to cases, its review reminded, and staff acknowledgements cited."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context
from django.urls import reverse

from incidents import services
from incidents.exports.bundle import bundle_pdf
from incidents.letters import render
from incidents.letters.documents import engine
from incidents.letters.facts import letter_facts
from incidents.models import Case, Letter, Policy, PolicyAcknowledgement, PolicyReviewReminder, Role
from incidents.monitoring.policy import (
    acknowledge,
    acknowledgement_of,
    policy_in_force,
    review_due_after,
    review_reminders_send,
    version_record,
)
from incidents.workflow import inputs
from tests.factories import SchoolFactory, clause, person, rainow_policy
from tests.procedure import HEARING_AT, LONDON

pytestmark = pytest.mark.django_db


def new_version(approved_on=date(2026, 1, 15)) -> Policy:
    return version_record(previous=rainow_policy(), version="2026", approved_on=approved_on,
                          approved_by="Full Governing Body", clause_map={})


# --- Versions ------------------------------------------------------------------------------

def test_a_new_version_is_reviewed_three_years_on_copies_its_clauses_mapped_to_the_old_and_replaces_it(school):
    old = rainow_policy()
    new = new_version()
    assert new.review_due == date(2029, 1, 15) == review_due_after(date(2026, 1, 15))
    assert new.replaces == old and new.approved_by == "Full Governing Body"
    assert new.clauses.count() == old.clauses.count()
    assert new.clauses.get(ref="c").replaces == old.clauses.get(ref="c")
    assert new.clauses.get(ref="c.2").parent == new.clauses.get(ref="c")
    school.school.refresh_from_db()
    assert school.school.policy == new


def test_a_new_version_needs_a_name_an_approver_and_a_later_date(school):
    for bad in ({"version": " "}, {"approved_by": ""}, {"approved_on": date(2020, 1, 1)}):
        arguments = {"previous": rainow_policy(), "version": "2026", "approved_on": date(2026, 1, 15),
                     "approved_by": "FGB"} | bad
        with pytest.raises(ValidationError):
            version_record(**arguments)
    assert Policy.objects.count() == 1


def test_a_case_is_tied_to_the_version_in_force_when_the_conduct_happened(procedure, school):
    old = rainow_policy()
    new = new_version(approved_on=date(2026, 2, 1))
    school.school.refresh_from_db()
    assert policy_in_force(school.school, date(2026, 1, 31)) == old
    assert policy_in_force(school.school, date(2026, 2, 1)) == new
    assert policy_in_force(school.school, date(2019, 1, 1)) == old  # before any: the oldest

    before = services.case_report(reporter=school.staff, school=school.school, kind=Case.Kind.BREACH,
                                  platform=Case.Platform.FACEBOOK, subject=school.employee, description="Seen",
                                  seen_on=date(2026, 1, 20))
    after = procedure.report()  # seen on no given day: reported on 2 March 2026
    assert before.policy == old and after.policy == new


# --- The review ----------------------------------------------------------------------------

def test_the_headteacher_is_told_plainly_on_their_home_page_that_the_review_is_overdue(client, procedure, school):
    # The Rainow policy's review was due on 1 July 2024; the clock reads March 2026.
    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:home")).content.decode()
    assert "The policy&#x27;s review is overdue" in page or "The policy's review is overdue" in page
    assert "is overdue: it was due on 1 July 2024" in page
    client.force_login(school.staff)
    assert "review is overdue" not in client.get(reverse("incidents:home")).content.decode()


def test_three_months_before_the_review_the_headteacher_is_told_it_is_due(client, procedure, school):
    policy = rainow_policy()
    policy.review_due = date(2026, 6, 1)  # within three months of 2 March 2026
    policy.save()
    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:home")).content.decode()
    assert "is due on 1 June 2026" in page and "review is due soon" in page and "overdue" not in page
    policy.review_due = date(2026, 6, 3)  # more than three months ahead: nothing yet
    policy.save()
    assert "review is due soon" not in client.get(reverse("incidents:home")).content.decode()
    assert "is due on 3 June 2026" not in client.get(reverse("incidents:home")).content.decode()


def test_send_reminders_emails_the_headteacher_once_with_no_case_details(procedure, school, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    case = procedure.report()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    reviews = [mail for mail in mailoutbox if "review of the Social Media Policy" in mail.subject]
    assert len(reviews) == 1 and reviews[0].to == [school.headteacher.email]
    assert reviews[0].subject == "Overdue: the review of the Social Media Policy"
    assert "due on 1 July 2024" in reviews[0].body
    assert case.reference not in reviews[0].body and "Alex Employee" not in reviews[0].body
    with django_capture_on_commit_callbacks(execute=True):
        again = review_reminders_send()
    assert again == [] and PolicyReviewReminder.objects.count() == 1


# --- Acknowledgements ----------------------------------------------------------------------

def test_staff_are_reminded_until_they_confirm_reading_the_current_version(client, school):
    client.force_login(school.staff)
    home = client.get(reverse("incidents:home")).content.decode()
    assert "Read the Social Media Policy" in home
    page = client.get(reverse("incidents:policy")).content.decode()
    assert "I have read this version of the policy" in page and "version 2021" in page
    response = client.post(reverse("incidents:policy"), {"school": school.school.reference_prefix}, follow=True)
    assert "you have confirmed that you read the Social Media Policy, version 2021" in response.content.decode()
    assert PolicyAcknowledgement.objects.filter(staff__user=school.staff).count() == 1
    assert "Read the Social Media Policy" not in client.get(reverse("incidents:home")).content.decode()
    assert "You confirmed that you read this version on" in client.get(reverse("incidents:policy")).content.decode()


def test_confirming_for_a_school_one_does_not_work_at_changes_nothing(client, school):
    other = SchoolFactory(reference_prefix="OTH")
    client.force_login(school.staff)
    response = client.post(reverse("incidents:policy"), {"school": other.reference_prefix}, follow=True)
    assert "Choose the school whose policy you have read." in response.content.decode()
    assert not PolicyAcknowledgement.objects.exists()


def test_a_new_version_must_be_confirmed_again(client, school):
    acknowledge(user=school.staff, staff=school.staff.staff_records.get())
    new_version()
    client.force_login(school.staff)
    assert "version 2026" in client.get(reverse("incidents:home")).content.decode()


def test_hr_sees_who_has_not_confirmed_at_each_of_their_schools_and_no_one_else_does(client, school):
    acknowledge(user=school.staff, staff=school.staff.staff_records.get())
    other = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")
    hr_other = person(other, Role.HR_ADVISER, staff=False)
    client.force_login(school.hr)
    page = client.get(reverse("incidents:policy_acknowledgements")).content.decode()
    assert "Rainow Primary School: version 2021" in page
    assert "Alex Employee" in page and school.staff2.get_full_name() in page
    assert school.staff.get_full_name() not in page  # has confirmed
    assert "1 member of staff has confirmed reading it" in page
    assert "Bollington Cross" not in page
    client.force_login(hr_other)
    assert "Alex Employee" not in client.get(reverse("incidents:policy_acknowledgements")).content.decode()
    for someone in (school.headteacher, school.governor, school.staff):
        client.force_login(someone)
        assert client.get(reverse("incidents:policy_acknowledgements")).status_code == 403


# --- Cited in the hearing invitation and the bundle -----------------------------------------

def _invitation_html(case: Case) -> str:
    facts = letter_facts(case=case, kind=Letter.Kind.HEARING_INVITATION,
                         arguments={"hearing_at": HEARING_AT, "place": "Room 1"})
    return engine().get_template("letters/hearing_invitation.html").render(
        Context(facts | {"letter": {}, "school": {}}))


def test_the_hearing_invitation_says_when_there_is_no_acknowledgement(procedure, school):
    case = procedure.case_ready_for_hearing(clauses=[clause("e.2")])
    assert acknowledgement_of(case.subject, case.policy) is None
    assert "Our records hold no confirmation from you that you had read the school's Social Media Policy" in (
        _invitation_html(case))


def test_the_hearing_invitation_and_the_bundle_cite_the_employees_acknowledgement(procedure, school, monkeypatch):
    employee = school.staff2.staff_records.get()
    PolicyAcknowledgement.objects.create(staff=employee, policy=rainow_policy(),
                                         acknowledged_at=datetime(2025, 9, 3, 12, 0, tzinfo=LONDON))
    case = procedure.case_ready_for_hearing(subject=employee, clauses=[clause("e.2")])
    services.step_take(case=case, by=school.headteacher, given=inputs.ReferToHearing(
        hearing_at=HEARING_AT, place="Room 1", panel=[school.chair, school.governor, school.governor2]))
    facts = case.letters.get(kind=Letter.Kind.HEARING_INVITATION).facts
    assert facts["acknowledgement"] == {"version": "2021", "title": "Social Media Policy", "on": "2025-09-03"}
    html = _invitation_html(case)
    assert "you confirmed on 3 September 2025 that you had read the Social Media Policy, version 2021" in html

    captured = {}
    original = render.html_to_pdf

    def keep(html, **kwargs):
        captured["html"] = html
        return original(html, **kwargs)

    monkeypatch.setattr("incidents.letters.render.html_to_pdf", keep)
    bundle_pdf(case, purpose="hearing", by=school.hr)
    assert "Version 2021, confirmed on 3 September 2025" in captured["html"]
    assert "Social Media Policy, version 2021, approved on 1 July 2021" in captured["html"]


@pytest.mark.django_db(transaction=True)
def test_existing_cases_are_tied_to_their_schools_policy_by_the_migration(procedure, school):
    """Before 0023 a school had one version, with nothing it replaced: each existing case is tied to it."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate_to(target=None):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target] if target else executor.loader.graph.leaf_nodes())

    case = procedure.report()
    Case.objects.update(policy=None)
    migrate_to(("incidents", "0022_clause_plain_title"))
    migrate_to()
    assert Case.objects.get(pk=case.pk).policy_id == rainow_policy().pk


def test_the_demo_asks_staff_to_read_the_policy_and_tells_the_headteacher_the_review_is_overdue(client, settings):
    from django.contrib.auth.models import User

    from incidents.demo import demo_seed

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed()

    client.force_login(User.objects.get(username="staff"))
    assert "Read the Social Media Policy" in client.get(reverse("incidents:home")).content.decode()
    client.force_login(User.objects.get(username="staff2"))
    assert "Read the Social Media Policy" not in client.get(reverse("incidents:home")).content.decode()
    client.force_login(User.objects.get(username="headteacher"))
    assert "is overdue: it was due on 1 July 2024" in client.get(reverse("incidents:home")).content.decode()
