"""Whether to show the links to the exports: `{% load exports %}`, then `user|may_export` (any case)
or `user|may_export_case:case`. Both ask the same rules as the export pages."""

from django import template

from incidents import permissions, selectors

register = template.Library()


@register.filter
def may_export(user) -> bool:
    return bool(user.is_authenticated) and selectors.cases_exportable_by(user).exists()


@register.filter
def may_export_case(user, case) -> bool:
    return permissions.can_export_case(user, case)
