"""Working-day arithmetic for every deadline in the procedure.

A working day is Monday to Friday, excluding the bank holidays of England and Wales
(which are the same; Scotland and Northern Ireland differ).
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year`, substitute days included."""
    return frozenset(holidays.UnitedKingdom(subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (`start` itself does not count).

    `add_working_days(friday, 1)` is the next Monday, or Tuesday after a bank holiday
    Monday. With `days=0` the answer is `start` itself.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_before(end: date, days: int) -> date:
    """The date `days` working days before `end` (`end` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = end
    remaining = days
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
