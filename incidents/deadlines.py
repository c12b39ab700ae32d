"""Every deadline of the procedure, declared once.

A deadline is one entry in `DEADLINES`: what people read ("Hearing"), which cases it applies to
(a `Q` on the case's own fields: its stage, its suspension, what has been done), the date field
it reads, and who is waiting on it (in words, and as the permission on the case of those who
must act, so that a reminder can find them through the grants). From this one list come:

- `deadlines_of(case)` and `next_deadline(case)`: the case page, the home page and each row of
  the case list (which reads only `FIELDS`, so a row's values do as well as a `Case`);
- `overdue_q()`: the database query behind the case list's "overdue only" filter and the home
  page's count;
- `next_due_on()`: the next deadline's date as a database expression, to order a list by it.

Rules shared by every deadline, so that no entry can forget them:
- a deadline applies only to an open case. A closed or withdrawn case waits on nobody: in
  particular a case closed by a dismissal may leave the suspension in place (the employment
  ended with it, see `CaseProcedure.close`), and its review must not stay overdue for ever; if
  the case is reopened while the employee is still suspended, the review is due again;
- a deadline without its date is no deadline;
- a date field is due on its date; a date and time (a hearing) is due on its date in the
  school's time zone;
- a deadline is overdue from the day after the day it is due (a content-removal deadline means
  "by the end of that day"; a hearing held with no outcome recorded by the end of the day is late).

Each `applies` uses only the lookups `exact`, `in` and `isnull` on the case's own fields, so
the same `Q` is both the database filter and, read by `_holds`, the test of one case in memory.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, NamedTuple

from django.db import models
from django.db.models import Q, Value
from django.db.models.expressions import Case as CaseWhen, Combinable, When
from django.db.models.functions import Least, NullIf, TruncDate
from django.utils import timezone

from incidents import clock
from incidents.models import Case, School
from incidents.permissions import CASE_PERMISSIONS
from incidents.school_days import Counting, add_days, days_between
from incidents.workflow import APPEALABLE, OPEN_STATES, State, Suspension
from incidents.working_days import working_days_between

LOOKUPS = ("exact", "in", "isnull")


# --- Reading a Q on one case in memory ------------------------------------------------

def _lookups(q: Q) -> list[str]:
    """The lookups `q` is made of ("state__in", ...), however nested."""
    found: list[str] = []
    for child in q.children:
        found.extend(_lookups(child) if isinstance(child, Q) else [_condition(child)[0]])
    return found


def _condition(child: Any) -> tuple[str, Any]:
    lookup, wanted = child  # a Q's leaf: (lookup, value)
    return lookup, wanted


def _holds(q: Q, case: Any) -> bool:
    """Whether `case` is among the cases `q` selects, read from its attributes (no query)."""
    if q.connector not in (Q.AND, Q.OR):
        raise ValueError(f"Cannot read a {q.connector} of conditions.")
    results = (_holds(child, case) if isinstance(child, Q) else _matches(case, *_condition(child))
               for child in q.children)
    held = all(results) if q.connector == Q.AND else any(results)
    return held != q.negated


def _matches(case: Any, lookup: str, wanted: Any) -> bool:
    name, _, kind = lookup.partition("__")
    value = getattr(case, name)
    if kind == "isnull":
        return (value is None) == bool(wanted)
    if kind == "in":
        return value in wanted
    return value == wanted


@dataclass(frozen=True)
class Period:
    """How a deadline's date is counted from the day its clock starts: `days` (a number, or the
    name of the School's setting that holds it) of working days or of school days (`counts`:
    a school day is a working day on which the school is not closed, `incidents.school_days`)."""

    days: int | str
    counts: Counting

    def length(self, school: School) -> int:
        return self.days if isinstance(self.days, int) else int(getattr(school, self.days))

    def after(self, school: School, start: date) -> date:
        """The date `length` days after `start` (which does not count) at `school`."""
        return add_days(school=school, start=start, days=self.length(school), counting=self.counts)

    def between(self, school: School, start: date, end: date) -> int:
        """How many of its days fall after `start` up to and including `end`, at `school`."""
        return days_between(school=school, start=start, end=end, counting=self.counts)


@dataclass(frozen=True, eq=False)  # each deadline is itself: compared and hashed by identity
class Deadline:
    """One deadline of the procedure. `applies` says which open cases it concerns; `field` is the
    Case's DateField or DateTimeField holding the date; `waiting` says who must act by then, in
    words, and `role` the permission on the case they hold (the reminders find them by it); `do`
    is what their reminder asks of them. `period`, for a date counted from the day its clock
    starts (not chosen by a person at a step), says how it is counted: the steps that set the
    date and the letters that state it both ask `due_after`."""

    name: str
    label: str
    applies: Q
    field: str
    waiting: str
    role: str
    do: str
    period: Period | None = None
    # While the police or children's social care act, the school's procedure and its deadlines
    # wait (CaseProcedure.pause_for_agencies); a deadline owed to someone else does not.
    pauses: bool = True

    def __post_init__(self) -> None:
        model_field = Case._meta.get_field(self.field)
        if not isinstance(model_field, models.DateField):  # a DateTimeField is one too
            raise TypeError(f"Deadline {self.name!r}: {self.field} is not a date or a date and time.")
        if self.role not in CASE_PERMISSIONS:
            raise ValueError(f"Deadline {self.name!r}: {self.role!r} is not a permission on a case.")
        for lookup in _lookups(self.applies):
            name, _, kind = lookup.partition("__")
            if kind not in ("", *LOOKUPS) or Case._meta.get_field(name).is_relation:
                raise ValueError(f"Deadline {self.name!r}: {lookup!r} cannot be read from a case in memory; "
                                 f"use {', '.join(LOOKUPS)} on the case's own fields.")
        if self.period is not None and isinstance(self.period.days, str):
            School._meta.get_field(self.period.days)  # FieldDoesNotExist: no such setting

    def due_after(self, school: School, start: date) -> date:
        """The date this deadline falls on at `school` when its clock starts on `start`."""
        if self.period is None:
            raise ValueError(f"Deadline {self.name!r} is a date chosen at a step, not counted.")
        return self.period.after(school, start)

    @property
    def has_time(self) -> bool:
        return isinstance(Case._meta.get_field(self.field), models.DateTimeField)

    @property
    def condition(self) -> Q:
        """The cases on which this deadline runs: open, at the stage it concerns, with its date set,
        and not paused (unless it runs on while the procedure is paused)."""
        running = Q(state__in=OPEN_STATES) & self.applies & Q(**{f"{self.field}__isnull": False})
        return running & Q(paused_on__isnull=True) if self.pauses else running

    def due_on(self, case: Any) -> date | None:
        """Its date on `case` (a Case, or any object with the case's `FIELDS`), or None when it does
        not apply."""
        if not _holds(self.condition, case):
            return None
        value = getattr(case, self.field)
        return clock.localdate(value) if self.has_time else value

    def passed_q(self, today: date) -> Q:
        """The cases whose date for this deadline is before `today` (a time, before its midnight)."""
        if self.has_time:
            midnight = timezone.make_aware(datetime.combine(today, time()))
            return Q(**{f"{self.field}__lt": midnight})
        return Q(**{f"{self.field}__lt": today})

    def date_expression(self) -> Combinable:
        """Its field's date as a database expression (a time read as its date in the school's time zone)."""
        return TruncDate(self.field) if self.has_time else models.F(self.field)


DEADLINES: tuple[Deadline, ...] = (
    Deadline(
        name="content_removal", label="Content to be removed",
        applies=Q(state=State.CONTENT_REMOVAL_REQUESTED), field="removal_deadline",
        waiting="the case manager", role="manage_case",  # who checks, then confirms or escalates
        do="Check whether the content has been removed: confirm that it has, or escalate the case to an "
           "investigation.",
        # Working days: the policy asks for removal at once, and a school holiday gives no longer.
        period=Period("removal_deadline_working_days", Counting.WORKING_DAYS),
    ),
    Deadline(
        # KCSIE part 4: one working day from when the concern arose. Due from the report of a
        # safeguarding concern (services.case_report sets lado_due_on) until the referral is made,
        # at the stages the referral is made from (CaseProcedure.refer_to_lado).
        name="lado_referral", label="Referral to the LADO",
        applies=Q(state__in=[State.REPORTED, State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED,
                             State.INVESTIGATION], lado_referred_at__isnull=True),
        field="lado_due_on",
        waiting="the case manager or the designated safeguarding lead", role="refer_safeguarding",
        do="Decide whether the harm threshold is met and, if it is, refer the case to the LADO today.",
        period=Period(1, Counting.WORKING_DAYS),  # KCSIE's working day: the LADO works in the holidays too
        pauses=False,  # the LADO is told at once, whoever else is acting
    ),
    Deadline(
        # A target, not a limit (the school's setting, 20 working days by default), from the day the
        # investigation opens (or opens again: after the LADO's advice, or when the case is reopened).
        name="investigation_target", label="Investigation to be finished",
        # Met once the investigating officer submits the report.
        applies=Q(state=State.INVESTIGATION, investigation_reported_at__isnull=True), field="investigation_due_on",
        waiting="the investigating officer", role="investigate_case",
        do="Finish establishing the facts and submit your investigation report, or tell the case manager why "
           "the investigation needs longer.",
        # Working days, as the model procedures based on the ACAS Code set the investigation's target.
        period=Period("investigation_target_working_days", Counting.WORKING_DAYS),
    ),
    Deadline(
        name="hearing", label="Hearing",
        applies=Q(state=State.HEARING_SCHEDULED), field="hearing_at",
        waiting="the hearing panel", role="hear_case",  # who holds it and records the outcome
        do="Hold the hearing, then record its outcome.",
    ),
    Deadline(
        # Only a warning or a dismissal can be appealed: after any other outcome no window runs.
        name="appeal_window", label="Appeal window closes",
        applies=Q(state=State.OUTCOME_ISSUED, outcome__in=sorted(APPEALABLE)), field="appeal_deadline",
        waiting="the case manager", role="manage_case",  # who closes the case once it has passed
        do="Lodge the employee's appeal if it arrives by then; once the window has passed with no appeal, "
           "close the case.",
        # School days: the employee prepares and lodges the appeal with the school, which can neither
        # receive it nor arrange its hearing while closed (an outcome before Christmas is not
        # appealable only over the holiday).
        period=Period("appeal_window_working_days", Counting.SCHOOL_DAYS),
    ),
    Deadline(
        name="appeal_hearing", label="Appeal hearing",
        applies=Q(state=State.APPEAL), field="appeal_hearing_at",
        waiting="the appeal panel", role="hear_appeal",
        do="Hold the appeal hearing, then record the decision.",
    ),
    Deadline(
        # School Staffing (England) Regulations 2009: the local authority, notified of a dismissal,
        # gives notice within 14 days; the case manager records when it has.
        name="authority_notice", label="The local authority gives notice",
        applies=Q(authority_notice_on__isnull=True), field="authority_notice_due_on",
        waiting="the case manager", role="manage_case",
        do="Check that the local authority has given the notice it was asked to give, and record the date it "
           "did; if it has not, ask it to.",
    ),
    Deadline(
        # KCSIE part 4 and the DBS's guidance: after a dismissal, or when the employee left, where
        # the harm threshold was met (and for a teacher where serious misconduct was found), the
        # referral is made promptly; the case cannot close until it is recorded
        # (CaseProcedure.record_barring_referrals). A month, as the DBS asks of employers.
        name="barring_referral", label="Referrals to the DBS and the TRA",
        applies=Q(), field="barring_referral_due_on",
        waiting="the case manager", role="manage_case",
        do="Refer the employee to the Disclosure and Barring Service (and, for a teacher, consider a referral to "
           "the Teaching Regulation Agency), then record the referral or why it is not required.",
        period=Period(20, Counting.WORKING_DAYS),
        pauses=False,  # a duty to the DBS, whoever else is acting
    ),
    Deadline(
        name="suspension_review", label="Suspension review",
        applies=Q(suspension=Suspension.SUSPENDED), field="suspension_review_on",
        waiting="the case manager", role="manage_case",
        do="Review the suspension and record the review with the date of the next one, or lift it.",
        pauses=False,  # a suspended employee is owed its reviews while others act
    ),
)
DEADLINES_BY_NAME: dict[str, Deadline] = {deadline.name: deadline for deadline in DEADLINES}


def due_after(name: str, school: School, start: date) -> date:
    """The date the deadline `name` falls on at `school` when its clock starts on `start`: what the
    step that sets it records and what a letter stating it prints."""
    return DEADLINES_BY_NAME[name].due_after(school, start)

# What a case list's row must read to show its deadlines (`Case.objects.values(*FIELDS)`).
FIELDS: tuple[str, ...] = tuple(dict.fromkeys([
    "state",
    "paused_on",
    *(lookup.partition("__")[0] for deadline in DEADLINES for lookup in _lookups(deadline.applies)),
    *(deadline.field for deadline in DEADLINES),
]))


class Due(NamedTuple):
    """A deadline as it falls on one case. Read as a pair too: `due.0` is the date, `due.1` the label."""

    on: date
    label: str
    deadline: Deadline

    @property
    def overdue(self) -> bool:
        return self.on < clock.today()

    @property
    def working_days_late(self) -> int:
        """How many working days have passed since it was due (0 when it is not overdue)."""
        return working_days_between(self.on, clock.today())

    @property
    def waiting(self) -> str:
        return self.deadline.waiting


def deadlines_of(case: Any) -> list[Due]:
    """The deadlines running on `case` (a Case, or any object with its `FIELDS`), soonest first."""
    dues = [Due(on, deadline.label, deadline) for deadline in DEADLINES
            if (on := deadline.due_on(case)) is not None]
    return sorted(dues, key=lambda due: (due.on, DEADLINES.index(due.deadline)))


def next_deadline(case: Any) -> Due | None:
    """The next date by which something must happen on `case`, and what; None if nothing is due."""
    dues = deadlines_of(case)
    return dues[0] if dues else None


def moved_after_pause(case: Any, since: date, until: date) -> dict[str, date]:
    """The counted dates on `case` that waited while its procedure was paused from `since` to
    `until`, each moved on by the days it was paused, counted as its deadline counts: by field."""
    moved: dict[str, date] = {}
    for deadline in DEADLINES:
        if not deadline.pauses or deadline.period is None:
            continue
        if not _holds(Q(state__in=OPEN_STATES) & deadline.applies, case) or getattr(case, deadline.field) is None:
            continue
        period = deadline.period
        paused_days = period.between(case.school, since, until)
        moved[deadline.field] = add_days(school=case.school, start=getattr(case, deadline.field),
                                         days=paused_days, counting=period.counts)
    return moved


def overdue_q() -> Q:
    """The cases with a deadline that has passed (as of today): a filter for any case queryset."""
    today = clock.today()
    return functools.reduce(operator.or_, (deadline.condition & deadline.passed_q(today) for deadline in DEADLINES))


NO_DEADLINE = date(9999, 12, 31)


def next_due_on() -> Combinable:
    """The date of the case's next deadline as a database expression, NULL when none runs: to
    annotate and order a queryset. `Least` ignores NULLs on PostgreSQL but not on SQLite, so each
    deadline that does not apply counts as a date far ahead, and that date is NULL again after."""
    dates = [CaseWhen(When(deadline.condition, then=deadline.date_expression()), default=Value(NO_DEADLINE),
                      output_field=models.DateField()) for deadline in DEADLINES]
    soonest = Least(*dates) if len(dates) > 1 else dates[0]
    return NullIf(soonest, Value(NO_DEADLINE), output_field=models.DateField())
