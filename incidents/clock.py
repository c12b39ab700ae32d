"""The one place the procedure asks what time it is (so tests can travel in time)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate()


def localdate(moment: datetime) -> date:
    """The date of `moment` in the school's time zone."""
    return timezone.localdate(moment)
