"""How a page decides who may open it. Every view of the product declares one of these.

- `public`: anyone (the accessibility statement);
- `signed_in`: any signed-in person, who then sees only what the selectors give them;
- `CaseMixin.case_rule`: a rule from `incidents.permissions` about the case in the URL.
A person the rule refuses gets a 404, as if the case did not exist: nothing leaks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404

from incidents import permissions
from incidents.models import Case

PUBLIC = "public"
SIGNED_IN = "signed_in"


class PublicMixin:
    access = PUBLIC


class SignedInMixin(LoginRequiredMixin):
    access = SIGNED_IN


class CaseMixin(AccessMixin):
    """Loads `self.case` from the UUID in the URL and applies `case_rule` to it."""

    case_rule: Callable = staticmethod(permissions.can_view_case)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.case = get_object_or_404(
            Case.objects.select_related("school", "subject", "reporter", "case_manager", "investigating_officer"),
            uuid=kwargs["uuid"],
        )
        if not type(self).case_rule(request.user, self.case):
            raise Http404("No such case.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)
