"""Reminders of the deadlines declared in `incidents.deadlines`, sent by `python manage.py send_reminders`.

Run once a day by cron (see the README). For each deadline running on an open case:
- when it is due within `days_ahead` working days, or has passed, a **reminder** to the people who
  must act: those holding the deadline's permission on the case (`Deadline.role`), once for each
  case, deadline and date;
- once it has passed (from the day after its date), an **escalation**, once, to the person above
  them: when the case manager is among those who must act, the person above the case manager (the
  school's chair of governors; the school's HR advisers when the chair manages the case, as when
  it is about the headteacher); when others must act (the investigating officer, a panel), the
  case manager.

A deadline whose date changes (a hearing rearranged) is reminded of again, for its new date.

Each reminder is claimed by writing its `Reminder` row, unique for its case, deadline, date and
kind, in the transaction that writes its emails (`Notification`s: sent by the background worker
once that transaction commits, each then on the case's timeline as "Told by email"). A run that
cannot write the row, because an earlier run did or one running at the same moment is writing it
(the database makes the second wait on the unique index until the first commits), sends nothing
for it: running the command twice sends nothing the second time.

The emails follow the rules of `incidents.notifications`: the case's reference, the deadline,
its date, what to do and a link; never the description, the people concerned, the evidence or an
outcome. The employee a case is about is never told this way. Someone told as the person above
who cannot open the case (the chair of governors, over the headteacher) is not told which
deadline, only that one on a case the headteacher manages has passed, and is linked to the home
page, not to a case page that would refuse them.
"""

from __future__ import annotations

import functools
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.formats import date_format

from incidents import clock
from incidents.deadlines import DEADLINES, DEADLINES_BY_NAME, Deadline, deadlines_of
from incidents.models import Case, CaseUserObjectPermission, Membership, Role
from incidents.models.events import Notification, Reminder
from incidents.names import display_name
from incidents.notifications import Wording, notification_make, notifications_queue
from incidents.permissions import permission_id
from incidents.working_days import add_working_days

# Which email each reminder is (`Notification.notice`).
REMINDER = "deadline_reminder"
ESCALATION = "deadline_escalated"  # to someone who may open the case
ESCALATION_OUTSIDE = "deadline_escalated_outside"  # to someone who may not (the chair, over the headteacher)
NOTICES = (REMINDER, ESCALATION, ESCALATION_OUTSIDE)

DAYS_AHEAD = 2  # working days before its date that a deadline is first reminded of


@dataclass(frozen=True)
class Pending:
    """A reminder that a run finds due: of `deadline`, falling on `on` on `case`."""

    case: Case
    deadline: Deadline
    on: date
    kind: str


def reminders_pending(*, today: date | None = None, days_ahead: int = DAYS_AHEAD) -> list[Pending]:
    """The reminders and escalations due today and not yet sent, by case then deadline."""
    today = today or clock.today()
    until = add_working_days(today, days_ahead)
    near = functools.reduce(operator.or_, (deadline.condition & deadline.passed_q(until + timedelta(days=1))
                                           for deadline in DEADLINES))
    cases = list(Case.objects.filter(near).select_related("school", "subject", "case_manager").order_by("pk"))
    sent = set(Reminder.objects.filter(case__in=cases).values_list("case_id", "deadline", "due_on", "kind"))
    pending = []
    for case in cases:
        for due in deadlines_of(case):
            kinds = [Reminder.Kind.REMINDER] if due.on <= until else []
            kinds += [Reminder.Kind.ESCALATION] if due.on < today else []
            pending += [Pending(case, due.deadline, due.on, kind) for kind in kinds
                        if (case.pk, due.deadline.name, due.on, kind) not in sent]
    return pending


def reminders_send(*, today: date | None = None, days_ahead: int = DAYS_AHEAD) -> list[Reminder]:
    """Send every reminder and escalation due today that no run has sent: for each, write its
    `Reminder` row and its emails in one transaction; the background worker sends them once it
    commits. Returns the reminders this run sent (none of which another run will send)."""
    today = today or clock.today()
    sent = []
    for pending in _retrying(lambda: reminders_pending(today=today, days_ahead=days_ahead)):
        reminder = _retrying(lambda: _write(pending, today))  # noqa: B023 - called at once
        if reminder is not None:
            sent.append(reminder)
    return sent


T = TypeVar("T")
_TRIES = 20


def _retrying(work: Callable[[], T]) -> T:
    """`work`, tried again a little later while SQLite says the database is locked: SQLite lets one
    writer in at a time and, when it cannot wait for the other (or waited too long), refuses at
    once. PostgreSQL waits on the row or the unique index instead, and is never retried."""
    for attempt in range(_TRIES):
        try:
            return work()
        except OperationalError as problem:
            if connection.vendor != "sqlite" or "locked" not in str(problem) or attempt == _TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _write(pending: Pending, today: date) -> Reminder | None:
    case = pending.case
    with transaction.atomic():
        try:
            with transaction.atomic():  # the claim: its failure leaves the outer transaction usable
                reminder = Reminder.objects.create(
                    case=case, deadline=pending.deadline.name, due_on=pending.on, kind=pending.kind,
                    overdue=pending.on < today, created_at=clock.now())
        except IntegrityError:
            return None  # sent by another run
        acting = _holding(case, pending.deadline.role)
        if pending.kind == Reminder.Kind.REMINDER:
            told = [(person, REMINDER) for person in acting]
        else:
            viewers = {person.pk for person in _holding(case, "view_case")}
            told = [(person, ESCALATION if person.pk in viewers else ESCALATION_OUTSIDE)
                    for person in _above(case, acting)]
        notifications_queue([notification_make(case=case, person=person, notice=notice, reminder=reminder)
                             for person, notice in told])
    return reminder


def _holding(case: Case, codename: str) -> list[Any]:
    """The active people granted `codename` on `case`, never the employee it is about."""
    users = CaseUserObjectPermission.objects.filter(content_object=case, permission_id=permission_id(codename))
    people = get_user_model().objects.filter(pk__in=users.values("user_id"), is_active=True).order_by("pk")
    return [person for person in people if person.pk != _subject_user(case)]


def _subject_user(case: Case) -> int | None:
    return case.subject.user_id if case.subject is not None else None


def _above(case: Case, acting: list[Any]) -> list[Any]:
    """The person above those who must act: the case manager, over anyone else; over the case
    manager, the school's chair of governors, or its HR advisers when the chair manages the case
    (or the school has no chair). Never one of those who must act, nor the employee concerned."""
    acting_ids = {person.pk for person in acting}
    if case.case_manager_id not in acting_ids:
        above = [case.case_manager]
    else:
        chairs = _members(case, Role.CHAIR_OF_GOVERNORS)
        above = chairs if chairs and case.case_manager_id not in {chair.pk for chair in chairs} else []
        above = above or _members(case, Role.HR_ADVISER)
    return [person for person in above
            if person.pk not in acting_ids and person.pk != _subject_user(case) and person.is_active]


def _members(case: Case, role: str) -> list[Any]:
    return [membership.user for membership in
            Membership.objects.holding(role, case.school).select_related("user").order_by("user_id")]


def _on(day: date) -> str:
    return date_format(day, "l j F Y")


def reminder_wording(notification: Notification) -> Wording:
    """What a reminder's email says (`incidents.notifications.wording_of`): the deadline, its date
    and what to do; to someone told as the person above who cannot open the case, only that a
    deadline on a case the case manager manages has passed."""
    reminder = notification.reminder
    assert reminder is not None
    deadline = DEADLINES_BY_NAME[reminder.deadline]
    due = _on(reminder.due_on)
    if notification.notice == REMINDER:
        subject = f"Overdue: {deadline.label}, due {due}" if reminder.overdue else f"Reminder: {deadline.label}, {due}"
        return Wording(subject=subject, do=deadline.do, link="case", why=subject)
    waiting = deadline.waiting[0].upper() + deadline.waiting[1:]
    if notification.notice == ESCALATION:
        subject = f"Overdue, for you as the person above: {deadline.label}, due {due}"
        do = (f"{waiting} had to do this and it is not done yet: {deadline.do[0].lower()}{deadline.do[1:]} "
              "As the person above them, make sure it is done.")
        return Wording(subject=subject, do=do, link="case", why=subject)
    manager = display_name(notification.case.case_manager)
    return Wording(
        subject="Overdue: a deadline on a case at your school",
        do=(f"A deadline on this case was due on {due} and is not met yet. You are told as the person above "
            f"{manager}, who manages the case: ask them when it will be done. You cannot open the case "
            "yourself, and its details are kept from you."),
        link="home",
        why=f"Overdue: {deadline.label}, due {due} (told as the person above the case manager, "
            "without the case's details)")
