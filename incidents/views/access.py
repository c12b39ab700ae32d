"""How a page decides who may open it. Every view of the product declares one of these.

- `public`: anyone (the accessibility statement);
- `signed_in`: any signed-in person, who then sees only what the selectors give them;
- `CaseMixin.case_rule`: a rule from `incidents.permissions` about the case in the URL.
A person the rule refuses gets a 404, as if the case did not exist: nothing leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404

from incidents import permissions
from incidents.models import Case

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

PUBLIC = "public"
SIGNED_IN = "signed_in"


def signed_in_user(request: HttpRequest) -> User:
    """The person signed in, in a view behind `SignedInMixin` or `CaseMixin`, which turn anyone
    else away before the view runs (so the refusal here is never reached)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to see this page.")
    return user


class PublicMixin:
    access = PUBLIC


class SignedInMixin(LoginRequiredMixin):
    access = SIGNED_IN


class CaseMixin(AccessMixin):
    """Loads `self.case` from the UUID in the URL and applies `case_rule` to it."""

    case_rule: Callable[[User | AnonymousUser, Case], bool] = staticmethod(permissions.can_view_case)
    case: Case

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.case = get_object_or_404(
            Case.objects.select_related("school", "subject", "reporter", "case_manager", "investigating_officer"),
            uuid=kwargs["uuid"],
        )
        if not type(self).case_rule(request.user, self.case):
            raise Http404("No such case.")
        # AccessMixin is mixed into a View; django-stubs gives it no `dispatch` to call.
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Mixed into a view with a context (ContextMixin), which django-stubs cannot see from here.
        return super().get_context_data(case=self.case, **kwargs)  # type: ignore[misc]
