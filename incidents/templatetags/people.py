"""`{{ user|display_name }}`: a person named as everywhere else in the product."""

from typing import Any

from django import template

from incidents.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    return _display_name(user)


@register.filter
def may_see_cases(user: Any) -> bool:
    """Whether any case is open to this person (the menu's "Cases" leads somewhere): one probe of
    their own grants."""
    from incidents.selectors import cases_visible_to

    return cases_visible_to(user).exists()
