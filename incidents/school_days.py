"""Counting the days of a deadline: working days, or school days at one school.

A working day is Monday to Friday, not a bank holiday of England and Wales
(`incidents.working_days`). A school day is a working day on which the school is open: not one of
the closures it records (`SchoolClosure`: holidays, INSET days and other closures, edited in the
admin). Each deadline of `incidents.deadlines` says which it counts (`Period.counts`); the step
that sets its date, the letter that states it and the page that shows it all count through here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import models

from incidents.models.people import School, SchoolClosure
from incidents.working_days import is_working_day


class Counting(models.TextChoices):
    WORKING_DAYS = "working_days", "working days"
    SCHOOL_DAYS = "school_days", "school days"


# What the days skip, as a letter explains the period it states.
MEANING = {
    Counting.WORKING_DAYS: "working days exclude weekends and bank holidays",
    Counting.SCHOOL_DAYS: "school days exclude weekends, bank holidays and the days the school is closed",
}


def in_words(days: int, counting: str) -> str:
    """"1 working day", "10 school days"."""
    words = Counting(counting).label
    return f"{days} {words[:-1] if days == 1 else words}"


def closed_days(school: School, start: date) -> frozenset[date]:
    """The days from `start` on that `school` records itself closed (one query)."""
    days: set[date] = set()
    for first, last in SchoolClosure.objects.filter(school=school, last_day__gte=start).values_list(
            "first_day", "last_day"):
        day = max(first, start)
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def _counted(counting: str, school: School, start: date) -> Callable[[date], bool]:
    if counting == Counting.WORKING_DAYS:
        return is_working_day
    closed = closed_days(school, start)
    return lambda day: is_working_day(day) and day not in closed


def add_days(*, school: School, start: date, days: int, counting: str) -> date:
    """The date `days` days of `counting` after `start` (which does not count) at `school`."""
    if days < 0:
        raise ValueError("days must not be negative")
    counts = _counted(counting, school, start)
    day, remaining = start, days
    while remaining:
        day += timedelta(days=1)
        if counts(day):
            remaining -= 1
    return day


def days_between(*, school: School, start: date, end: date, counting: str) -> int:
    """How many days of `counting` fall after `start` up to and including `end` (0 if end <= start)."""
    counts = _counted(counting, school, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += counts(day)
    return count
