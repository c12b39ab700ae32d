"""Notifications by email (issue 14, item 1), read from a real SMTP server on loopback: who is
told of what, what the email says and never says, the timeline, and a mail server that fails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import clock, services
from incidents.models import CaseEvent, StaffMember
from incidents.models.events import Notification
from incidents.notifications import NOTICES
from incidents.notifications_tasks import ATTEMPTS
from incidents.permissions import reading_for
from incidents.timeline import timeline_for
from incidents.workflow import State, inputs, step_named
from tests.procedure import HEARING_AT

pytestmark = pytest.mark.django_db

DESCRIPTION = "A post criticising parents of Year 4 in a public Facebook group."


def assert_tells_nothing_of_the_case(arrived, case) -> None:
    """No description, no person concerned, no link to the content, no evidence, no outcome."""
    text = arrived.subject + "\n" + arrived.body
    assert DESCRIPTION not in text and "Year 4" not in text
    assert case.subject.full_name not in text
    assert "facebook" not in text.lower()
    for evidence in case.evidence.all():
        assert evidence.original_name not in text
    for word in ("warning", "dismiss", "management advice", "no further action"):
        assert word not in text.lower()


def told_on_timeline(case) -> list[tuple[str, str]]:
    """(to whom, why) of each email on the case's timeline, as the case manager reads it."""
    entries = timeline_for(case, reading_for(case.case_manager, case))
    return [(dict(entry.details)["To"], dict(entry.details)["Why"])
            for entry in entries if entry.what == "Told by email"]


def test_every_notice_follows_a_real_step_or_the_report():
    for notice in NOTICES:
        for after in notice.after:
            assert after == "reported" or step_named(after)


def test_a_new_report_reaches_the_case_manager_and_the_reporter(procedure, school, smtp,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = procedure.report()

    manager = smtp.one_to(school.headteacher.email)
    assert manager.subject == f"{case.reference}: A new concern has been reported to you"
    assert f"https://casework.example{reverse('incidents:case_detail', args=[case.uuid])}" in manager.body
    assert "Read the report and decide the first step" in manager.body
    assert_tells_nothing_of_the_case(manager, case)

    receipt = smtp.one_to(school.staff.email)
    assert receipt.subject == f"{case.reference}: Your report has been received"
    assert f"https://casework.example{reverse('incidents:report_detail', args=[case.uuid])}" in receipt.body
    assert_tells_nothing_of_the_case(receipt, case)

    assert smtp.to(school.dsl.email) == []  # not a safeguarding concern
    assert len(smtp.arrived) == 2
    assert told_on_timeline(case) == [
        (school.headteacher.get_full_name(), "A new concern has been reported to you"),
        (school.staff.get_full_name(), "Your report has been received"),
    ]
    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {"sent"}


def test_the_timeline_holds_to_whom_and_why_never_the_body(procedure, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = procedure.report()
    events = case.events.filter(kind=CaseEvent.Kind.NOTIFIED)
    assert len(events) == 2
    for event in events:
        assert set(event.details) == {"to", "why"}
        assert event.actor is None


def test_a_step_records_its_one_event_and_the_emails_come_after_it_commits(procedure, school, smtp,
                                                                           django_capture_on_commit_callbacks):
    case = procedure.case_at(State.REPORTED)
    before = case.events.count()
    with django_capture_on_commit_callbacks() as queued:
        event = services.step_take(case=case, by=school.headteacher,
                                   given=inputs.OpenInvestigation(investigating_officer=school.investigator))
        assert case.events.count() == before + 1  # the step's own event, nothing else yet
    assert smtp.arrived == [] and len(queued) == 1  # nothing sent until the step has committed
    queued[0]()
    assert smtp.one_to(school.investigator.email)
    assert list(case.events.filter(sequence__gt=event.sequence).values_list("kind", flat=True)) == ["notified"]


def test_a_safeguarding_concern_reaches_the_dsl_at_once(procedure, school, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = procedure.report(safeguarding=True)
    dsl = smtp.one_to(school.dsl.email)
    assert dsl.subject == f"{case.reference}: A possible safeguarding concern has been reported"
    assert "within one working day" in dsl.body
    assert_tells_nothing_of_the_case(dsl, case)
    smtp.one_to(school.headteacher.email)


def test_a_report_about_the_headteacher_goes_to_the_chair(procedure, school, smtp,
                                                          django_capture_on_commit_callbacks):
    headteacher = StaffMember.objects.get(user=school.headteacher)
    with django_capture_on_commit_callbacks(execute=True):
        case = procedure.report(subject=headteacher)
    assert case.case_manager == school.chair
    smtp.one_to(school.chair.email)
    assert smtp.to(school.headteacher.email) == []  # the person concerned is never told this way


def test_an_appointment_reaches_the_person_appointed_not_the_one_who_made_it(
        procedure, school, smtp, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    officer = smtp.one_to(school.investigator.email)
    assert officer.subject == f"{case.reference}: You have been appointed to investigate a case"
    assert_tells_nothing_of_the_case(officer, case)
    assert [item.recipients for item in smtp.arrived] == [[school.investigator.email]]


def test_hearing_and_appeal_panels_are_told_when_appointed(procedure, school, smtp,
                                                           django_capture_on_commit_callbacks):
    case = procedure.case_ready_for_hearing()
    with django_capture_on_commit_callbacks(execute=True):
        procedure.refer_to_hearing(case, panel=[school.governor2, school.hr])
    for member in (school.governor2, school.hr):
        arrived = smtp.one_to(member.email)
        assert arrived.subject == f"{case.reference}: You have been asked to sit on a disciplinary hearing panel"
        assert_tells_nothing_of_the_case(arrived, case)
    assert len(smtp.arrived) == 2

    procedure.clock.move_to(HEARING_AT.replace(hour=14), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.governor2, given=inputs.RecordOutcome(
            outcome="final_written_warning", reasons="The post breached the policy."))
    # the hearing panel's outcome waits on the case manager, who is told; never what it was
    waiting = smtp.one_to(school.headteacher.email)
    assert waiting.subject == f"{case.reference}: The hearing panel has recorded its outcome"
    assert_tells_nothing_of_the_case(waiting, case)

    with django_capture_on_commit_callbacks(execute=True):
        procedure.lodge_appeal(case)  # heard by the chair and a governor
    for member in (school.chair, school.governor):
        arrived = smtp.one_to(member.email)
        assert arrived.subject == f"{case.reference}: You have been asked to sit on an appeal panel"
        assert_tells_nothing_of_the_case(arrived, case)


def test_the_reporter_is_told_the_case_closed_never_how(procedure, school, smtp, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.INVESTIGATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher, given=inputs.CloseNoCase(
            reason="The post was not made by the employee."))
    closed = smtp.one_to(school.staff.email)
    assert closed.subject == f"{case.reference}: The case about your report has closed"
    assert "not made by the employee" not in closed.body and "no case" not in closed.body.lower()
    assert_tells_nothing_of_the_case(closed, case)


def test_a_step_that_is_only_previewed_tells_nobody(procedure, school, smtp, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.REPORTED)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_preview(case=case, by=school.headteacher,
                              given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    assert smtp.arrived == []
    assert Notification.objects.count() == before


def test_a_person_without_an_email_address_is_on_the_timeline_and_shown_to_the_case_manager(
        procedure, school, smtp, client, django_capture_on_commit_callbacks):
    school.investigator.email = ""
    school.investigator.save()
    case = procedure.case_at(State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    assert smtp.arrived == []
    event = case.events.filter(kind=CaseEvent.Kind.NOTIFIED).last()
    assert event.details["not_sent"] == "No email address on record: tell them another way"
    assert (school.investigator.get_full_name(), "You have been appointed to investigate a case") in \
        told_on_timeline(case)

    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:case_detail", args=[case.uuid])).content.decode()
    assert "Emails that did not arrive" in page
    assert f"{school.investigator.get_full_name()} has no email address" in page


def test_a_failed_mail_server_neither_blocks_nor_undoes_the_step_and_the_case_manager_sees_it(
        procedure, school, dead_smtp, client, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION  # the step stands
    notification = Notification.objects.get(case=case, notice="investigating_officer_appointed")
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == ATTEMPTS  # tried again before giving up
    assert "refused" in notification.error.lower()
    assert case.events.filter(kind=CaseEvent.Kind.NOTIFIED).last().details["not_sent"] == (
        f"The mail server could not be reached after {ATTEMPTS} tries: tell them another way")

    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:case_detail", args=[case.uuid])).content.decode()
    assert "Emails that did not arrive" in page
    assert (f"The email to {school.investigator.get_full_name()} (You have been appointed to investigate a case) "
            f"could not be sent after {ATTEMPTS} tries") in page
    assert "refused" not in page.lower()  # the mail server's words are for the administrator

    client.force_login(school.investigator)
    page = client.get(reverse("incidents:case_detail", args=[case.uuid])).content.decode()
    assert "Emails that did not arrive" not in page  # only the case manager is shown


def test_a_notification_is_sent_once_however_often_its_task_runs(procedure, school, smtp,
                                                                 django_capture_on_commit_callbacks):
    from incidents.notifications_tasks import notification_send

    with django_capture_on_commit_callbacks(execute=True):
        case = procedure.report()
    notification = Notification.objects.get(case=case, notice="new_report")
    notification_send.enqueue(notification.pk)
    assert len(smtp.to(school.headteacher.email)) == 1


def test_with_a_queue_that_can_wait_a_failed_email_is_tried_again_later(
        procedure, school, dead_smtp, settings, django_capture_on_commit_callbacks):
    from incidents.notifications_tasks import RETRY_AFTER, notification_send

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # keeps what is queued
    case = procedure.case_at(State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    notification = Notification.objects.get(case=case, notice="investigating_officer_appointed")
    backend = notification_send.get_backend()
    assert [result.args for result in backend.results] == [[notification.pk]]

    notification_send.call(notification.pk)  # the worker's first try: refused
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.QUEUED, 1)
    retry = backend.results[-1]
    assert retry.args == [notification.pk] and retry.task.run_after == clock.now() + RETRY_AFTER[0]
    assert not case.events.filter(kind=CaseEvent.Kind.NOTIFIED).exists()  # not given up yet
