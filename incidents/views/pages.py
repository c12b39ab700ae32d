from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import TemplateView

from incidents.views.access import PublicMixin


class AccessibilityStatementView(PublicMixin, TemplateView):
    template_name = "pages/accessibility.html"


def signing_in_paused(request: HttpRequest, original_response: HttpResponse | None = None,
                      credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What someone sees in place of the sign-in page once django-axes has paused it for their
    username and address (settings.AXES_*): not a URL of its own, so it needs no access rule."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html",
                  {"attempts": settings.AXES_FAILURE_LIMIT, "minutes": minutes}, status=429)
