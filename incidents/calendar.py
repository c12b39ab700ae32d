"""Calendar invitations (iCalendar, `.ics`) to the meetings of the procedure: the disciplinary
hearing, the appeal hearing and the investigation meeting.

An invitation says only "Meeting at <school>", when and where: no case, no reference, no people,
no purpose (emails carry no case details, and neither do their attachments). Each meeting of a
case has one UID for good, so a calendar replaces the event it holds: a rearranged meeting is sent
again with the same UID and a higher SEQUENCE, a cancelled one with METHOD:CANCEL.

`meeting_ics` is the one builder, callable from anywhere (a new step with a meeting calls it
with a `Meeting`); `invitation_for_letter` and `invitation_for_notice` attach it to the email
that carries a letter to the employee (`incidents.letters.delivery`) and to the emails that tell
the panel (`incidents.notifications`), as the letter kind (`LetterKind.meeting`) and the notice
(`Notice.calendar`) declare.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from incidents import clock

if TYPE_CHECKING:
    from incidents.models import Case, Letter
    from incidents.models.events import Notification

HEARING = "hearing"
APPEAL_HEARING = "appeal_hearing"
INVESTIGATION_MEETING = "investigation_meeting"
# How long each meeting is held in people's calendars (the procedure records only when it starts).
LASTS = {HEARING: timedelta(hours=2), APPEAL_HEARING: timedelta(hours=2), INVESTIGATION_MEETING: timedelta(hours=1)}
# The steps that move a meeting: each one taken raises the meeting's SEQUENCE by one.
REARRANGED_BY = {HEARING: ("reschedule",), APPEAL_HEARING: (), INVESTIGATION_MEETING: ()}

REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Meeting:
    """One meeting, as a calendar holds it: nothing of the case but when and where."""

    uid: str
    school: str
    start: datetime  # aware
    place: str
    sequence: int = 0
    lasts: timedelta = timedelta(hours=1)


def meeting_uid(case: Case, kind: str) -> str:
    """The meeting's UID, the same for every invitation to it: drawn from the case's UUID (which no
    one can read back from it) and the kind of meeting."""
    return f"{uuid.uuid5(case.uuid, kind)}@casework"


def meeting_ics(meeting: Meeting, *, attendee: str, method: str = REQUEST) -> bytes:
    """The iCalendar file inviting `attendee` (an email address) to `meeting`, or cancelling it
    (`method=CANCEL`, with a SEQUENCE one higher than the meeting's). Summary "Meeting at <school>",
    the time in UTC and the place; nothing else."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"An invitation is a {REQUEST} or a {CANCEL}, not {method!r}.")
    if timezone.is_naive(meeting.start):
        raise ValueError("A meeting's start needs a time zone.")
    calendar = Calendar()
    calendar.add("prodid", "-//Casework//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence + (1 if method == CANCEL else 0))
    event.add("dtstamp", clock.now())
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", (meeting.start + meeting.lasts).astimezone(UTC))
    event.add("summary", f"Meeting at {meeting.school}")
    if meeting.place:
        event.add("location", meeting.place)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(meeting.school)
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["role"] = vText("REQ-PARTICIPANT")
    guest.params["partstat"] = vText("NEEDS-ACTION")
    guest.params["rsvp"] = vText("FALSE")
    event.add("attendee", guest)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def meeting_attachment(meeting: Meeting, *, attendee: str, method: str = REQUEST) -> MIMEBase:
    """`meeting_ics` as an email attachment (text/calendar, with its method), for
    `EmailMessage.attach`."""
    part = MIMEText(meeting_ics(meeting, attendee=attendee, method=method).decode(), "calendar", "utf-8")
    part.set_param("method", method)
    filename = "cancelled.ics" if method == CANCEL else "invitation.ics"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value)
    return value if isinstance(value, datetime) else None


def _sequence(case: Case, kind: str, *, up_to: int | None = None) -> int:
    """How many times the meeting has been rearranged (up to event number `up_to`)."""
    steps = REARRANGED_BY[kind]
    if not steps:
        return 0
    events = case.events.filter(transition__in=steps)
    if up_to is not None:
        events = events.filter(sequence__lte=up_to)
    return events.count()


def meeting_of(case: Case, kind: str, *, start: Any, place: str, up_to: int | None = None) -> Meeting | None:
    """The `kind` meeting of `case` starting at `start` (a datetime or its ISO text) in `place`;
    None when no time is set."""
    when = _moment(start)
    if when is None:
        return None
    return Meeting(uid=meeting_uid(case, kind), school=case.school.name, start=when, place=place or "",
                   sequence=_sequence(case, kind, up_to=up_to), lasts=LASTS[kind])


def invitation_for_letter(letter: Letter, *, attendee: str) -> MIMEBase | None:
    """The invitation to attach to the email that carries `letter` to `attendee`, if the letter
    invites them to a meeting (`LetterKind.meeting`): the meeting as the letter gives it."""
    from incidents.letters.kinds import KINDS

    kind = KINDS[letter.kind].meeting
    if not kind:
        return None
    facts = letter.facts
    if kind == INVESTIGATION_MEETING:
        start, place = facts.get("meeting_at"), facts.get("meeting_place", "")
    else:
        start, place = facts.get("hearing_at"), facts.get("place", "")
    meeting = meeting_of(letter.case, kind, start=start, place=place, up_to=letter.event.sequence)
    return meeting_attachment(meeting, attendee=attendee) if meeting else None


def invitation_for_notice(notification: Notification) -> MIMEBase | None:
    """The invitation (or cancellation) to attach to a notification whose notice declares a
    meeting (`Notice.calendar`): the meeting as the case now holds it."""
    from incidents.notifications import NOTICES_BY_NAME

    if notification.reminder_id is not None:
        return None  # a reminder of a deadline (incidents.reminders) carries no meeting
    notice = NOTICES_BY_NAME[notification.notice]
    if not notice.calendar:
        return None
    case = notification.case
    if notice.calendar == HEARING:
        meeting = meeting_of(case, HEARING, start=case.hearing_at, place=case.hearing_place)
    elif notice.calendar == APPEAL_HEARING:
        meeting = meeting_of(case, APPEAL_HEARING, start=case.appeal_hearing_at, place=case.appeal_hearing_place)
    else:
        # not kept on the case: as the latest step that arranged it recorded it
        arranged = case.events.filter(transition__in=notice.after).order_by("-sequence").first()
        details = arranged.details if arranged else {}
        meeting = meeting_of(case, INVESTIGATION_MEETING, start=details.get("meeting_at"),
                             place=str(details.get("meeting_place", "")))
    if meeting is None:
        return None
    return meeting_attachment(meeting, attendee=notification.address, method=CANCEL if notice.cancels else REQUEST)
