"""Reminders of deadlines (issue 14, items 3 and 7), read from a real SMTP server on loopback:
`send_reminders` tells the people who must act of every declared deadline, tells the person above
once a deadline has passed, never says anything of the case, and never sends the same reminder
twice, even when two runs overlap."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse

from incidents import reminders, services
from incidents.audit import audit_verify
from incidents.deadlines import DEADLINES_BY_NAME
from incidents.models import StaffMember
from incidents.models.events import Notification, Reminder
from incidents.notifications_tasks import notification_send
from incidents.workflow import State, inputs
from tests.notifications.test_notifications import assert_tells_nothing_of_the_case, told_on_timeline
from tests.procedure import HEARING_AT
from tests.test_deadlines import SCENARIOS, move_to, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_review_not_due(school):
    """These tests read the reminders of deadlines: the policy's review (reminded by the same command,
    tests/monitoring/test_policy.py) is years away here."""
    policy = school.school.policy
    policy.review_due = date(2099, 7, 1)
    policy.save()


def send_reminders(capture, *args: str) -> str:
    """Run the command as cron does; the emails go once its transactions commit."""
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def holders(school, role: str, case) -> set[str]:
    """The email addresses of everyone of the school who holds `role` on the case."""
    people = [school.staff, school.staff2, school.headteacher, school.investigator, school.chair,
              school.governor, school.governor2, school.dsl, school.hr]
    return {person.email for person in people if person.has_perm(f"incidents.{role}", case)}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_declared_deadline_reminds_the_people_who_must_act_and_says_nothing_of_the_case(
        procedure, take, school, smtp, django_capture_on_commit_callbacks, name):
    case, due = SCENARIOS[name](procedure, take, school)
    deadline = DEADLINES_BY_NAME[name]
    move_to(procedure, due - timedelta(days=1) if due.weekday() else due)  # the working day before, or the day

    send_reminders(django_capture_on_commit_callbacks)

    expected = holders(school, deadline.role, case)
    assert expected and {address for item in smtp.arrived for address in item.recipients} == expected
    for address in expected:
        arrived = smtp.one_to(address)
        assert arrived.subject == f"{case.reference}: Reminder: {deadline.label}, {due:%A} {due.day} {due:%B %Y}"
        assert deadline.do in " ".join(arrived.body.split())
        assert f"https://casework.example{reverse('incidents:case_detail', args=[case.uuid])}" in arrived.body
        assert_tells_nothing_of_the_case(arrived, case)
    assert sum(why.startswith(f"Reminder: {deadline.label}") for _, why in told_on_timeline(case)) == len(expected)


def test_running_send_reminders_twice_sends_nothing_the_second_time(procedure, school, smtp,
                                                                    django_capture_on_commit_callbacks):
    removal = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)  # due Tuesday 3 March
    hearing = procedure.case_at(State.HEARING_SCHEDULED)  # Tuesday 10 March
    move_to(procedure, date(2026, 3, 9))

    first = send_reminders(django_capture_on_commit_callbacks)
    arrived = len(smtp.arrived)
    assert f"{hearing.reference}: Hearing, due 10 March 2026: reminder (1 email(s))." in first
    assert f"{removal.reference}: Content to be removed, due 3 March 2026" in first
    assert arrived > 0

    second = send_reminders(django_capture_on_commit_callbacks)
    assert len(smtp.arrived) == arrived
    assert second.strip() == "0 reminder(s) sent; the background worker delivers the emails."
    assert Reminder.objects.count() == 3  # the hearing's reminder; the removal's reminder and escalation


def test_an_overdue_deadline_goes_once_to_the_chair_above_the_headteacher_who_is_not_told_what(
        procedure, school, smtp, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)  # the headteacher manages it; due 3 March
    move_to(procedure, date(2026, 3, 3))
    send_reminders(django_capture_on_commit_callbacks)
    assert [item.recipients for item in smtp.arrived] == [[school.headteacher.email]]  # not overdue yet

    move_to(procedure, date(2026, 3, 4))
    send_reminders(django_capture_on_commit_callbacks)
    chair = smtp.one_to(school.chair.email)
    assert chair.subject == f"{case.reference}: Overdue: a deadline on a case at your school"
    assert "was due on Tuesday 3 March 2026" in chair.body
    assert f"the person above {school.headteacher.get_full_name()}, who manages the case" in " ".join(
        chair.body.split())
    assert "Content to be removed" not in chair.body and "remove" not in chair.body.lower()
    assert f"https://casework.example{reverse('incidents:home')}" in chair.body  # not a case page they cannot open
    assert reverse("incidents:case_detail", args=[case.uuid]) not in chair.body
    assert_tells_nothing_of_the_case(chair, case)
    assert len(smtp.to(school.headteacher.email)) == 1  # reminded once, before

    for day in (date(2026, 3, 5), date(2026, 3, 9)):
        move_to(procedure, day)
        send_reminders(django_capture_on_commit_callbacks)
    assert len(smtp.arrived) == 2  # escalated once, however long it stays overdue
    assert (school.chair.get_full_name(), "Overdue: Content to be removed, due Tuesday 3 March 2026 (told as the "
            "person above the case manager, without the case's details)") in told_on_timeline(case)


def test_a_deadline_on_the_case_about_the_headteacher_goes_above_the_chair_to_hr(
        procedure, school, smtp, django_capture_on_commit_callbacks):
    headteacher = StaffMember.objects.get(user=school.headteacher)
    case = procedure.report(subject=headteacher)
    assert case.case_manager == school.chair
    services.step_take(case=case, by=school.chair, given=inputs.RequestContentRemoval())
    move_to(procedure, date(2026, 3, 4))  # a day late, never reminded before: reminded and escalated at once

    send_reminders(django_capture_on_commit_callbacks)

    overdue = smtp.one_to(school.chair.email)
    assert overdue.subject == f"{case.reference}: Overdue: Content to be removed, due Tuesday 3 March 2026"
    hr = smtp.one_to(school.hr.email)  # HR may open the case: told which deadline, with its link
    assert hr.subject == (f"{case.reference}: Overdue, for you as the person above: Content to be removed, "
                          "due Tuesday 3 March 2026")
    assert "The case manager had to do this and it is not done yet" in " ".join(hr.body.split())
    assert f"https://casework.example{reverse('incidents:case_detail', args=[case.uuid])}" in hr.body
    assert_tells_nothing_of_the_case(hr, case)
    assert smtp.to(school.headteacher.email) == []  # the person concerned is never told this way
    assert len(smtp.arrived) == 2


def test_an_investigation_past_its_target_goes_to_the_case_manager_above_the_investigating_officer(
        client, procedure, school, smtp, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.INVESTIGATION)  # opened Monday 2 March: 20 working days, 30 March
    client.force_login(school.headteacher)
    assert "Next deadline: Investigation to be finished, Monday 30 March 2026" in text(client.get(
        case.get_absolute_url()))

    move_to(procedure, date(2026, 3, 31))
    send_reminders(django_capture_on_commit_callbacks)
    officer = smtp.one_to(school.investigator.email)
    assert officer.subject == f"{case.reference}: Overdue: Investigation to be finished, due Monday 30 March 2026"
    manager = smtp.one_to(school.headteacher.email)
    assert manager.subject.startswith(f"{case.reference}: Overdue, for you as the person above: Investigation")
    assert "The investigating officer had to do this" in " ".join(manager.body.split())
    assert len(smtp.arrived) == 2


def test_a_rearranged_hearing_is_reminded_of_again_for_its_new_date(procedure, take, school, smtp,
                                                                   django_capture_on_commit_callbacks):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    move_to(procedure, date(2026, 3, 9))
    send_reminders(django_capture_on_commit_callbacks)
    take("reschedule", case, school.headteacher, hearing_at=HEARING_AT + timedelta(days=6))  # Monday 16 March
    send_reminders(django_capture_on_commit_callbacks)
    move_to(procedure, date(2026, 3, 13))
    send_reminders(django_capture_on_commit_callbacks)
    assert [item.subject for item in smtp.to(school.headteacher.email)] == [
        f"{case.reference}: Reminder: Hearing, Tuesday 10 March 2026",
        f"{case.reference}: Reminder: Hearing, Monday 16 March 2026",
    ]


def test_a_deadline_further_ahead_is_not_reminded_of_yet_and_a_wrong_option_sends_nothing(
        procedure, school, smtp, django_capture_on_commit_callbacks):
    procedure.case_at(State.HEARING_SCHEDULED)  # Tuesday 10 March
    move_to(procedure, date(2026, 3, 5))  # three working days before
    assert "0 reminder(s) sent" in send_reminders(django_capture_on_commit_callbacks)
    with pytest.raises(CommandError, match="must be 0 or more: nothing was sent"):
        send_reminders(django_capture_on_commit_callbacks, "--days-ahead", "-1")
    assert smtp.arrived == [] and not Reminder.objects.exists()
    assert "1 reminder(s) sent" in send_reminders(django_capture_on_commit_callbacks, "--days-ahead", "3")


def test_finding_what_is_due_costs_the_same_queries_however_many_cases(procedure, take, school,
                                                                       django_assert_num_queries):
    for scenario in SCENARIOS.values():
        scenario(procedure, take, school)
    move_to(procedure, date(2026, 4, 30))
    with django_assert_num_queries(2):  # the cases, and the reminders already sent
        many = reminders.reminders_pending()
    assert {pending.deadline.name for pending in many} == set(SCENARIOS)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(procedure, take, school, smtp, settings):
    """Two cron runs overlapping (on SQLite and on PostgreSQL): each reminder is claimed by one, and
    the worker, sending what both queued, sends each email once."""
    cases = [SCENARIOS[name](procedure, take, school)[0] for name in SCENARIOS for _ in range(2)]
    move_to(procedure, date(2026, 4, 30))
    smtp.arrived.clear()  # the emails of the steps above
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # keeps what is queued
    start = threading.Barrier(2)
    problems: list[BaseException] = []
    sent: list[list[Reminder]] = [[], []]

    def run(index: int) -> None:
        try:
            start.wait()
            sent[index] = reminders.reminders_send()
        except BaseException as problem:
            problems.append(problem)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert problems == [], problems
    claimed = [reminder.pk for run_sent in sent for reminder in run_sent]
    assert len(claimed) == len(set(claimed)) == Reminder.objects.count() > len(cases)
    emails = Notification.objects.filter(reminder__isnull=False)
    for notification_id in emails.values_list("pk", flat=True):  # the worker, sending what the runs queued
        notification_send.call(notification_id)
    assert set(emails.values_list("status", flat=True)) == {Notification.Status.SENT}
    delivered = [(address, item.subject) for item in smtp.arrived for address in item.recipients]
    assert len(delivered) == len(set(delivered)) == emails.count()
    assert not reminders.reminders_pending()
    assert audit_verify() is None, connection.vendor
