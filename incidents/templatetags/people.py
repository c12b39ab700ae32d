"""`{{ user|display_name }}`: a person named as everywhere else in the product."""

from typing import Any

from django import template

from incidents.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    return _display_name(user)
