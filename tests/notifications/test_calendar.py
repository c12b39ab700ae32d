"""Calendar invitations (issue 14, item 4), read from a real SMTP server on loopback: the hearing,
the appeal hearing and the investigation meeting reach the employee (with their letter's link)
and the panel or the investigating officer as an .ics saying only "Meeting at <school>", when
and where; a rearranged hearing is the same event (UID) with a higher SEQUENCE; a cancellation
is METHOD:CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from incidents import calendar, services
from incidents.workflow import RescheduleReason, inputs
from tests.procedure import APPEAL_HEARING_AT, HEARING_AT, LONDON

pytestmark = pytest.mark.django_db

EMPLOYEE_EMAIL = "alex.employee@home.example"


def invitation(arrived) -> tuple[Calendar, str]:
    """The .ics an email carries, parsed, and its text."""
    parts = [part for part in arrived.message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in arrived.message.iter_attachments()]
    part = parts[0]
    text = part.get_content()
    assert part.get_param("method") == Calendar.from_ical(text)["METHOD"]
    return Calendar.from_ical(text), text


def the_event(ics: Calendar):
    events = list(ics.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def assert_only_when_and_where(text: str, case) -> None:
    for detail in (case.reference, "Year 4", "acebook", "Alex Employee", "disciplinary", "hearing", "appeal",
                   "investigation", str(case.uuid)):
        assert detail.lower() not in text.lower(), detail
    assert "DESCRIPTION" not in text


@pytest.fixture
def employee_has_email(school):
    school.employee.email = EMPLOYEE_EMAIL
    school.employee.save()


def test_a_hearing_reaches_the_employee_and_the_panel_as_one_event(school, procedure, smtp, employee_has_email,
                                                                    django_capture_on_commit_callbacks):
    case = procedure.case_at("investigation")
    smtp.arrived.clear()
    with django_capture_on_commit_callbacks(execute=True):
        procedure.refer_to_hearing(case, panel=[school.chair, school.governor])

    employee = smtp.one_to(EMPLOYEE_EMAIL)
    assert employee.subject == "A letter for you from Rainow Primary School"
    ics, text = invitation(employee)
    assert_only_when_and_where(text, case)
    assert ics["METHOD"] == "REQUEST"
    event = the_event(ics)
    assert str(event["SUMMARY"]) == "Meeting at Rainow Primary School"
    assert str(event["LOCATION"]) == "Meeting room 1"
    assert event.decoded("DTSTART") == HEARING_AT.astimezone(UTC)
    assert event.decoded("DTEND") == HEARING_AT.astimezone(UTC) + timedelta(hours=2)
    assert event["SEQUENCE"] == 0
    assert str(event["ATTENDEE"]) == f"mailto:{EMPLOYEE_EMAIL}"

    uids = {str(event["UID"])}
    for member in (school.chair, school.governor):
        panel_ics, panel_text = invitation(smtp.one_to(member.email))
        assert_only_when_and_where(panel_text, case)
        panel_event = the_event(panel_ics)
        uids.add(str(panel_event["UID"]))
        assert panel_event.decoded("DTSTART") == HEARING_AT.astimezone(UTC)
        assert str(panel_event["ATTENDEE"]) == f"mailto:{member.email}"  # each sees only themselves
    assert len(uids) == 1


def test_a_rearranged_hearing_is_the_same_event_with_a_higher_sequence(school, procedure, smtp, employee_has_email,
                                                                       django_capture_on_commit_callbacks):
    case = procedure.case_at("investigation")
    with django_capture_on_commit_callbacks(execute=True):
        procedure.refer_to_hearing(case, panel=[school.chair])
    first = the_event(invitation(smtp.one_to(school.chair.email))[0])
    smtp.arrived.clear()

    new_time = HEARING_AT + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher, given=inputs.Reschedule(
            hearing_at=new_time, reason=RescheduleReason.COMPANION_UNAVAILABLE))

    for address in (EMPLOYEE_EMAIL, school.chair.email):
        ics, text = invitation(smtp.one_to(address))
        assert_only_when_and_where(text, case)
        assert ics["METHOD"] == "REQUEST"
        update = the_event(ics)
        assert str(update["UID"]) == str(first["UID"])
        assert update["SEQUENCE"] == 1
        assert update.decoded("DTSTART") == new_time.astimezone(UTC)


def test_the_appeal_hearing_is_another_event(school, procedure, smtp, employee_has_email,
                                            django_capture_on_commit_callbacks):
    case = procedure.case_at("outcome_issued")
    hearing_uid = calendar.meeting_uid(case, calendar.HEARING)
    smtp.arrived.clear()
    with django_capture_on_commit_callbacks(execute=True):
        procedure.lodge_appeal(case)
    for address in (EMPLOYEE_EMAIL, school.chair.email, school.governor.email):
        ics, text = invitation(smtp.one_to(address))
        assert_only_when_and_where(text, case)
        event = the_event(ics)
        assert str(event["UID"]) != hearing_uid
        assert str(event["LOCATION"]) == "Meeting room 2"
        assert event.decoded("DTSTART") == APPEAL_HEARING_AT.astimezone(UTC)


def test_an_investigation_meeting_reaches_the_employee_and_the_investigating_officer(
        school, procedure, smtp, employee_has_email, django_capture_on_commit_callbacks):
    case = procedure.report()
    meeting_at = datetime(2026, 3, 5, 14, 0, tzinfo=LONDON)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
            investigating_officer=school.investigator, meeting_at=meeting_at, meeting_place="The library"))
    for address in (EMPLOYEE_EMAIL, school.investigator.email):
        ics, text = invitation(smtp.one_to(address))
        assert_only_when_and_where(text, case)
        event = the_event(ics)
        assert event.decoded("DTSTART") == meeting_at.astimezone(UTC)
        assert event.decoded("DTEND") == meeting_at.astimezone(UTC) + timedelta(hours=1)
        assert str(event["LOCATION"]) == "The library"


def test_no_meeting_no_invitation(school, procedure, smtp, employee_has_email, django_capture_on_commit_callbacks):
    case = procedure.report()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
            investigating_officer=school.investigator))
    for address in (EMPLOYEE_EMAIL, school.investigator.email):
        assert list(smtp.one_to(address).message.iter_attachments()) == []


def test_a_cancellation_is_the_same_event_cancelled_with_a_higher_sequence(school, procedure):
    case = procedure.report()
    meeting = calendar.Meeting(uid=calendar.meeting_uid(case, calendar.HEARING), school="Rainow Primary School",
                               start=HEARING_AT, place="Meeting room 1", sequence=1)
    request = Calendar.from_ical(calendar.meeting_ics(meeting, attendee="a@example.org"))
    cancel_text = calendar.meeting_ics(meeting, attendee="a@example.org", method=calendar.CANCEL)
    cancel = Calendar.from_ical(cancel_text)
    assert cancel["METHOD"] == "CANCEL"
    assert the_event(cancel)["STATUS"] == "CANCELLED"
    assert str(the_event(cancel)["UID"]) == str(the_event(request)["UID"])
    assert the_event(cancel)["SEQUENCE"] == the_event(request)["SEQUENCE"] + 1 == 2
    part = calendar.meeting_attachment(meeting, attendee="a@example.org", method=calendar.CANCEL)
    assert part.get_param("method") == "CANCEL"
    with pytest.raises(ValueError):
        calendar.meeting_ics(meeting, attendee="a@example.org", method="PUBLISH")


def test_every_meeting_declared_with_a_letter_or_a_notice_is_one_the_calendar_knows():
    from incidents.letters.kinds import KINDS
    from incidents.notifications import NOTICES

    declared = {spec.meeting for spec in KINDS.values() if spec.meeting} | {n.calendar for n in NOTICES if n.calendar}
    assert declared == set(calendar.LASTS)
