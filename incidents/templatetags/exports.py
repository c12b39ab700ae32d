"""Whether to show the links to the exports: `{% load exports %}`, then `user|may_export` (any case)
or `user|may_export_case:case`. Both ask the same rules as the export pages."""

from django import template
from django.contrib.auth.models import AnonymousUser, User

from incidents import permissions, selectors
from incidents.models import Case

register = template.Library()


@register.filter
def may_export(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated) and selectors.cases_exportable_by(user).exists()


@register.filter
def may_export_case(user: User | AnonymousUser, case: Case) -> bool:
    return permissions.can_export_case(user, case)
