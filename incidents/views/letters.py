"""A letter emailed to its recipient: the page that needs no account, and the case manager's page
of how a letter reached its recipient (`incidents.letters.delivery`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import FormView

from incidents import clock, permissions
from incidents.forms import HandedOverForm, LetterCodeForm
from incidents.letters import delivery as deliveries
from incidents.models import LetterDelivery
from incidents.views.access import CaseMixin, PublicMixin, signed_in_user

# Refusals (a link that does not work, a wrong code) from one address, in an hour, after which
# that address is turned away for the rest of the hour: guessing stays hopeless.
REFUSALS_PER_HOUR = 20
OPEN_FOR = timedelta(hours=1)  # how long a browser that gave the code may read the letter
SESSION_KEY = "letter_links"


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _too_many(request: HttpRequest) -> bool:
    return int(cache.get(f"letter-link-refused:{_address(request)}", 0)) >= REFUSALS_PER_HOUR


def _refused_once(request: HttpRequest) -> None:
    key = f"letter-link-refused:{_address(request)}"
    if not cache.add(key, 1, timeout=3600):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=3600)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    # the token never leaves in a Referer header to another site ("no-referrer" would make the
    # browser send "Origin: null" with the page's forms, which the CSRF check refuses)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refusal(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return _private(render(request, "incidents/letter_link_refused.html", {"reason": reason}, status=status))


def _opened_here(request: HttpRequest, delivery: LetterDelivery) -> bool:
    """Whether this browser gave the right code for this letter, and lately."""
    until = request.session.get(SESSION_KEY, {}).get(str(delivery.pk))
    return bool(until) and clock.now() < datetime.fromisoformat(until)


def _remember_opened(request: HttpRequest, delivery: LetterDelivery) -> None:
    until = min(clock.now() + OPEN_FOR, delivery.expires_at or clock.now())
    opened = dict(request.session.get(SESSION_KEY, {}))
    opened[str(delivery.pk)] = until.isoformat()
    request.session[SESSION_KEY] = opened


class LetterLinkMixin(PublicMixin):
    """Finds the delivery the link's token opens, refusing (with the reason, recording nothing)
    a link that does not work, has expired, or comes from an address that has been refused too often."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _too_many(request):
            return _refusal(request, "There have been too many tries from your connection. Wait an hour and "
                                     "try again, or ask the school to send the letter again.", 429)
        try:
            self.delivery = deliveries.delivery_for_link(kwargs["token"])
        except deliveries.LinkRefused as refused:
            _refused_once(request)
            return _refusal(request, str(refused), 404)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # mixed into a View


class LetterLinkView(LetterLinkMixin, View):
    """The recipient's page: ask for a code, give it, then download the letter and confirm receipt."""

    template_name = "incidents/letter_link.html"

    def page(self, request: HttpRequest, form: LetterCodeForm | None = None, status: int = 200) -> HttpResponse:
        delivery = self.delivery
        opened = _opened_here(request, delivery)
        code_sent = bool(delivery.code_hash) and delivery.code_expires_at is not None \
            and clock.now() < delivery.code_expires_at
        return _private(render(request, self.template_name, {
            "delivery": delivery, "school": delivery.case.school, "opened": opened,
            "letter": delivery.letter if opened else None,
            "code_sent": code_sent, "form": form or LetterCodeForm(),
            "minutes": deliveries.CODE_MINUTES,
        }, status=status))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.page(request)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action")
        try:
            if action == "send_code":
                deliveries.delivery_code_send(delivery=self.delivery)
                messages.success(request, "We have emailed you a code. It works for "
                                          f"{deliveries.CODE_MINUTES} minutes.")
            elif action == "confirm":
                if not _opened_here(request, self.delivery):
                    raise deliveries.LinkRefused("Open the letter with the code we email you first.")
                if deliveries.delivery_confirm(delivery=self.delivery):
                    messages.success(request, "Thank you: the school can see that you have received the letter.")
            else:
                form = LetterCodeForm(request.POST)
                if not form.is_valid() or not form.cleaned_data["code"]:
                    form.add_error("code", "Enter the code we emailed you.")
                    return self.page(request, form, status=400)
                self.delivery = deliveries.delivery_open(delivery=self.delivery, code=form.cleaned_data["code"])
                _remember_opened(request, self.delivery)
        except deliveries.LinkRefused as refused:
            _refused_once(request)
            self.delivery.refresh_from_db()
            about_the_code = action not in ("send_code", "confirm")
            form = LetterCodeForm({"code": request.POST.get("code", "") if about_the_code else ""})
            form.is_valid()
            form.add_error("code" if about_the_code else None, str(refused))
            return self.page(request, form, status=400)
        return redirect(request.path)


class LetterLinkDownloadView(LetterLinkMixin, View):
    """The letter, as an attachment, for the browser that opened it with the code."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _opened_here(request, self.delivery):
            _refused_once(request)
            return _refusal(request, "Open the letter with the code we email you first: go back to the link "
                                     "in the email.", 403)
        content = deliveries.delivery_pdf(self.delivery)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.delivery.letter.reference.replace("/", "-")}.pdf"')
        return _private(response)


class LetterDeliveryView(CaseMixin, FormView[HandedOverForm]):
    """How a letter reached the employee; once it needs it, recording it posted or handed over."""

    case_rule = staticmethod(permissions.can_manage_case)
    template_name = "incidents/letter_delivery.html"
    form_class = HandedOverForm

    def get_delivery(self) -> LetterDelivery:
        return get_object_or_404(LetterDelivery.objects.select_related("letter", "handed_over_by"),
                                 case=self.case, letter__uuid=self.kwargs["letter"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        delivery = self.get_delivery()
        return super().get_context_data(delivery=delivery, letter=delivery.letter,
                                        offer=deliveries.needs_handing_over(delivery),
                                        unopened_since=deliveries.unopened_since(delivery), **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"on": clock.today()}

    def form_valid(self, form: HandedOverForm) -> HttpResponse:
        try:
            deliveries.delivery_handed_over(delivery=self.get_delivery(), by=signed_in_user(self.request),
                                            **form.cleaned_data)
        except ValidationError as refused:
            if hasattr(refused, "error_dict"):
                for field, problems in refused.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, refused.messages)
            return self.form_invalid(form)
        messages.success(self.request, "Recorded on the case's timeline.")
        return redirect(self.case.get_absolute_url())
