"""The one place the procedure asks what time it is.

Everything that dates a case (its events, deadlines, letters, exports) asks `now()` or `today()`
here, so that a clock stopped with `frozen(moment)` dates all of it at that moment: the demo
plays each case's history on it (`incidents.demo`). Tests may also move time with the
time-machine package, which `timezone.now()` below follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from django.utils import timezone

# A contextvar rather than a module global: a clock stopped in one thread (or one asyncio task)
# leaves the others on the real time.
_stopped_at: ContextVar[datetime | None] = ContextVar("clock_stopped_at", default=None)


def now() -> datetime:
    """The current moment (aware, in UTC like `django.utils.timezone.now`), or the moment the
    clock is stopped at."""
    stopped = _stopped_at.get()
    return stopped if stopped is not None else timezone.now()


def today() -> date:
    """Today's date in the school's time zone (settings.TIME_ZONE), by `now()`."""
    return timezone.localdate(now())


def localdate(moment: datetime) -> date:
    """The date of `moment` in the school's time zone."""
    return timezone.localdate(moment)


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Within the block, `now()` answers `moment` and `today()` its date, however long the block
    takes; the clock runs again afterwards (blocks may nest: the inner one wins until it ends).

    `moment` must be aware (a naive time is ambiguous across a change of the clocks): a
    ValueError says so. Only what asks this module is affected; Django's own timestamps (a
    login's `last_login`, the admin's log) keep the real time.
    """
    if timezone.is_naive(moment):
        raise ValueError("The clock can only be stopped at a moment with a time zone.")
    token = _stopped_at.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _stopped_at.reset(token)
