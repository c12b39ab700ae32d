"""Filters for letter templates: dates as a reader expects them ("9 March 2026").

Facts are stored as JSON, so a date may arrive as a `date` or as its ISO text.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

register = template.Library()


def as_datetime(value: object) -> datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return None


def as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        moment = as_datetime(value)
        return moment.date() if moment else None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value[:10]) if len(value) >= 10 else None
    return None


@register.filter
def long_date(value: object) -> str:
    """9 March 2026"""
    day = as_date(value)
    return date_format(day, "j F Y") if day else ""


@register.filter
def day_date(value: object) -> str:
    """Monday 9 March 2026"""
    day = as_date(value)
    return date_format(day, "l j F Y") if day else ""


@register.filter
def long_datetime(value: object) -> str:
    """Tuesday 10 March 2026 at 10:00"""
    moment = as_datetime(value)
    return f"{date_format(moment, 'l j F Y')} at {moment:%H:%M}" if moment else ""
