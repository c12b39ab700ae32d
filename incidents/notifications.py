"""Every email the procedure sends to the people of a case, declared once.

A notice is one entry in `NOTICES`: after which report or step (`after`), on which cases
(`when`), to whom (`to`), the subject people read, and what the email asks them to do. From this
one list, `notifications_after(case, event)`, called by `incidents.services` inside the
transaction of the report or the step, writes a `Notification` for each email and queues the
sending for the background worker (`incidents.notifications_tasks`) once that transaction commits;
the worker sends it and puts it on the case's timeline (a 'notified' event: to whom and why, never
the body). A slow or failed mail server therefore never holds up or undoes a step; a failed email
is tried again and, failing that, shown to the case manager on the case page and the timeline.

Why the worker, not the step, records the timeline entry: the step's transaction keeps one event,
the step's own, and the entry can say what happened to the email (sent, or not sent and why)
rather than that it was meant to be.

Rules shared by every notice, so that no entry can forget them:
- an email names the case's reference, what to do and a link, and never the description, the
  people concerned, the evidence or an outcome: it is written from `templates/emails/notice.txt`
  with nothing else of the case;
- nobody is told of the step they took themselves, except where a notice says so (the reporter's
  receipt);
- the employee a case is about is never told through these emails (their letters tell them);
- each person is told once per step: when several notices reach one person, the first in
  `NOTICES` is the one sent;
- a person with no email address is recorded on the timeline as not told by email, and shown to
  the case manager, who must tell them another way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from incidents import calendar, clock
from incidents.audit import event_record
from incidents.models import Case, CaseEvent, Membership, Role
from incidents.models.events import Notification
from incidents.workflow import State
from incidents.workflow.asking import person_recorded

REPORTED = CaseEvent.Kind.REPORTED.value  # `after` for the report itself; any other is a step's name


@dataclass(frozen=True)
class Recipients:
    """Who a notice goes to: in words, and how to find them on a case."""

    words: str
    people: Callable[[Case], Iterable[Any]]


def _one(person: Any) -> list[Any]:
    return [person] if person is not None else []


CASE_MANAGER = Recipients("the case manager", lambda case: _one(case.case_manager))
SAFEGUARDING_LEADS = Recipients(
    "the school's designated safeguarding leads",
    lambda case: [membership.user for membership in
                  Membership.objects.holding(Role.DSL, case.school).select_related("user").order_by("user_id")])
INVESTIGATING_OFFICER = Recipients("the investigating officer", lambda case: _one(case.investigating_officer))
HEARING_PANEL = Recipients("the hearing panel", lambda case: case.hearing_panel.order_by("pk"))
APPEAL_PANEL = Recipients("the appeal panel", lambda case: case.appeal_panel.order_by("pk"))
REPORTER = Recipients("the person who reported it", lambda case: _one(case.reporter))


def _always(case: Case) -> bool:
    return True


def _safeguarding(case: Case) -> bool:
    return bool(case.safeguarding)


def _investigating(case: Case) -> bool:
    return case.state == State.INVESTIGATION


def _closed(case: Case) -> bool:
    return case.state == State.CLOSED


# Where an email links to: the case page, the reporter's page of their own report, or the home page
# (for someone told of a case they cannot open: the person above the case manager).
LINKS = ("case", "report", "home")


@dataclass(frozen=True)
class Notice:
    """One email of the procedure. `after`: "reported" or the names of the steps it follows;
    `when`: on which cases, read after the step; `subject`: the email's subject after the case's
    reference, and why the person was told, on the timeline; `do`: what the email asks them to do;
    `link`: "case" (the case page) or "report" (the reporter's page of their own report)."""

    name: str
    after: tuple[str, ...]
    to: Recipients
    subject: str
    do: str
    when: Callable[[Case], bool] = _always
    link: str = "case"
    to_the_actor: bool = False
    # the meeting the email invites to (incidents.calendar): it carries an .ics for it, a
    # cancellation when `cancels`
    calendar: str = ""
    cancels: bool = False

    def __post_init__(self) -> None:
        from incidents.workflow import step_named

        for after in self.after:
            if after != REPORTED:
                step_named(after)  # KeyError: no such step
        if self.link not in LINKS:
            raise ValueError(f"Notice {self.name!r}: the link is to the 'case' or the 'report'.")
        if self.calendar and self.calendar not in calendar.LASTS:
            raise ValueError(f"Notice {self.name!r}: no such meeting {self.calendar!r}.")


CLOSING_STEPS = ("resolve", "record_low_level_concern", "record_lado_outcome", "close_no_case",
                 "give_management_advice", "decide_appeal", "close")

NOTICES: tuple[Notice, ...] = (
    # --- A new report ---
    Notice(
        # KCSIE: a possible safeguarding concern goes to the DSL at once; first, so that a case
        # manager who is also the DSL is told of the referral's deadline.
        name="safeguarding_report", after=(REPORTED,), when=_safeguarding, to=SAFEGUARDING_LEADS,
        subject="A possible safeguarding concern has been reported",
        do="Decide today whether the harm threshold is met: a referral to the LADO is due within one "
           "working day of the report.",
    ),
    Notice(
        name="new_report", after=(REPORTED,), to=CASE_MANAGER,
        subject="A new concern has been reported to you",
        do="Read the report and decide the first step of the procedure.",
    ),
    Notice(
        name="report_received", after=(REPORTED,), to=REPORTER, to_the_actor=True, link="report",
        subject="Your report has been received",
        do="Nothing more is needed from you now. You can see where your report is at any time.",
    ),
    # --- Appointments ---
    Notice(
        name="investigating_officer_appointed",
        after=("open_investigation", "escalate", "reopen", "record_lado_outcome"), when=_investigating,
        to=INVESTIGATING_OFFICER,
        subject="You have been appointed to investigate a case",
        do="Read the case and establish the facts: record each investigation meeting, add the signed "
           "statements, then submit your report with its findings and recommendation.",
        calendar=calendar.INVESTIGATION_MEETING,
    ),
    Notice(
        name="hearing_panel_appointed", calendar=calendar.HEARING,
        after=("refer_to_hearing",), to=HEARING_PANEL,
        subject="You have been asked to sit on a disciplinary hearing panel",
        do="Read the case and note the hearing's date and place; after the hearing, record its outcome.",
    ),
    Notice(
        name="hearing_rearranged", calendar=calendar.HEARING,
        after=("reschedule",), to=HEARING_PANEL,
        subject="A disciplinary hearing you sit on has been rearranged",
        do="Read the case for the hearing's new date and time.",
    ),
    Notice(
        name="appeal_panel_appointed", calendar=calendar.APPEAL_HEARING,
        after=("lodge_appeal",), to=APPEAL_PANEL,
        subject="You have been asked to sit on an appeal panel",
        do="Read the case and note the appeal hearing's date and place; after it, record the decision.",
    ),
    # --- Steps that wait on the case manager, taken by someone else ---
    Notice(
        name="lado_outcome_awaited", after=("refer_to_lado",), to=CASE_MANAGER,
        subject="A case you manage has been referred to the LADO",
        do="Record the LADO's outcome when you receive it; until then, no one is interviewed.",
    ),
    Notice(
        name="investigation_report_submitted", after=("submit_investigation_report",), to=CASE_MANAGER,
        subject="The investigation report is ready",
        do="Read the findings and the recommendation, then decide: no case to answer, management advice, "
           "or a disciplinary hearing.",
    ),
    Notice(
        name="hearing_outcome_recorded", after=("record_outcome",), to=CASE_MANAGER,
        subject="The hearing panel has recorded its outcome",
        do="Read the case: lodge the employee's appeal if one arrives within the appeal window, or close the case.",
    ),
    Notice(
        name="closed_by_another", after=("record_low_level_concern", "decide_appeal"), to=CASE_MANAGER,
        subject="A case you manage has been closed",
        do="Read the case for what was decided; nothing more is needed from you.",
    ),
    Notice(
        name="report_withdrawn", after=("withdraw",), to=CASE_MANAGER,
        subject="A report to you has been withdrawn",
        do="Nothing more is needed from you; the case stays on record.",
    ),
    # --- The reporter, when it closes (never how) ---
    Notice(
        name="report_closed", after=CLOSING_STEPS, when=_closed, to=REPORTER, link="report",
        subject="The case about your report has closed",
        do="Nothing more is needed from you. Thank you for reporting your concern.",
    ),
)

NOTICES_BY_NAME: dict[str, Notice] = {notice.name: notice for notice in NOTICES}


def notifications_after(case: Case, event: CaseEvent) -> list[Notification]:
    """Tell the people of `case` what `event` (the report, or a step just taken) asks of them.

    Call it inside the transaction of the report or the step. Writes a `Notification` for each
    email due (`NOTICES`) and, once the transaction commits, has the background worker send them
    and put each on the case's timeline (`incidents.notifications_tasks`): if the step rolls back,
    nothing is sent or recorded. The step's own event stays the one event of the step's
    transaction. Returns the notifications, those to people without an email address included."""
    after = event.transition or event.kind
    subject_user = case.subject.user_id if case.subject_id and case.subject else None
    told: set[int] = set()
    made: list[Notification] = []
    for notice in NOTICES:
        if after not in notice.after or not notice.when(case):
            continue
        for person in notice.to.people(case):
            if (person.pk in told or person.pk == subject_user
                    or (person.pk == event.actor_id and not notice.to_the_actor)):
                continue
            told.add(person.pk)
            made.append(notification_make(case=case, person=person, notice=notice.name))
    notifications_queue(made)
    return made


def notification_make(*, case: Case, person: Any, notice: str, reminder: Any = None) -> Notification:
    """Write the email `notice` to `person` about `case` (waiting to be sent, or never sent when they
    have no email address); `notifications_queue` then has it sent."""
    address = (person.email or "").strip()
    return Notification.objects.create(
        case=case, recipient=person, notice=notice, reminder=reminder, address=address, created_at=clock.now(),
        status=Notification.Status.QUEUED if address else Notification.Status.NO_ADDRESS)


def notifications_queue(made: list[Notification]) -> None:
    """Once the current transaction commits, have the background worker send `made` and put each on
    its case's timeline; if it rolls back, nothing is sent or recorded."""
    if made:
        ids = [notification.pk for notification in made]
        transaction.on_commit(lambda: _queue(ids), robust=True)  # a queue that fails leaves the step done


def notification_recorded(notification: Notification) -> CaseEvent:
    """Put `notification` on its case's timeline: to whom and why, and why it was not sent if it
    was not; never its body."""
    details: dict[str, Any] = {"to": person_recorded(notification.recipient), "why": wording_of(notification).why}
    if notification.status == Notification.Status.NO_ADDRESS:
        details["not_sent"] = "No email address on record: tell them another way"
    elif notification.status == Notification.Status.FAILED:
        details["not_sent"] = (f"The mail server could not be reached after {notification.attempts} tries: "
                               "tell them another way")
    return event_record(case=notification.case, kind=CaseEvent.Kind.NOTIFIED, details=details)


def _queue(notification_ids: list[int]) -> None:
    from incidents.notifications_tasks import notification_send

    for notification_id in notification_ids:
        notification_send.enqueue(notification_id)


@dataclass(frozen=True)
class Wording:
    """What an email says: its subject (after the case's reference), what to do, where it links
    (`LINKS`), and why the person was told, as the timeline and the case page say it."""

    subject: str
    do: str
    link: str
    why: str


def wording_of(notification: Notification) -> Wording:
    """The words of `notification`: its notice's, or, for a reminder of a deadline, the reminder's
    (`incidents.reminders`)."""
    if notification.reminder_id is not None:
        from incidents.reminders import reminder_wording

        return reminder_wording(notification)
    notice = NOTICES_BY_NAME[notification.notice]
    return Wording(subject=notice.subject, do=notice.do, link=notice.link, why=notice.subject)


def link_for(notification: Notification) -> str:
    """The address the email links to: the case page, the reporter's page of their report, or the
    home page."""
    link = wording_of(notification).link
    if link == "home":
        return settings.SITE_URL + reverse("incidents:home")
    name = "incidents:report_detail" if link == "report" else "incidents:case_detail"
    return settings.SITE_URL + reverse(name, args=[notification.case.uuid])


@dataclass(frozen=True)
class Undelivered:
    """An email that did not reach its person, as the case page tells the case manager."""

    person: Any
    why: str
    no_address: bool
    attempts: int
    tried_at: datetime | None


def undelivered_for(case: Case) -> list[Undelivered]:
    """The emails of `case` that did not reach their person (failed after every try, or no email
    address), oldest first: for the case manager, who must tell them another way."""
    return [Undelivered(person=notification.recipient, why=wording_of(notification).why,
                        no_address=notification.status == Notification.Status.NO_ADDRESS,
                        attempts=notification.attempts, tried_at=notification.tried_at)
            for notification in Notification.objects.filter(
                case=case, status__in=[Notification.Status.FAILED, Notification.Status.NO_ADDRESS],
            ).select_related("recipient", "reminder").order_by("pk")]


def subject_of(notification: Notification) -> str:
    """The email's subject: the case's reference, then what happened."""
    return f"{notification.case.reference}: {wording_of(notification).subject}"
