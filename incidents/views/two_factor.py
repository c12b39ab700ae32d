"""The second step of signing in (incidents/two_factor.py): setting up an authenticator app, and
giving a code from it or a backup code. Both are open to anyone signed in with their password, who
has not yet given a code in this session; `SecondFactorMiddleware` sends people here."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View

from incidents import two_factor
from incidents.views.access import SignedInMixin, signed_in_user


class CodeForm(forms.Form):
    """One box for the code, which may be pasted (no script, no split boxes, no puzzle)."""

    code = forms.CharField(
        label="Code", max_length=40,
        error_messages={"required": two_factor.CODE_MISSING, "max_length": two_factor.CODE_MISSING},
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off",
            "class": "input-code",
        }),
        help_text="The 6 digits your authenticator app shows, with or without a space. You can paste it.",
    )


class SignInCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = ("The 6 digits your authenticator app shows, or one of your backup codes "
                                         "(such as k7fm-2wqa). You can paste it.")


def next_page(request: HttpRequest) -> str:
    """Where to go once the code is given: the page first asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("incidents:home")


class TwoFactorEnrolView(SignedInMixin, View):
    """Setting up an authenticator app: the QR code (an SVG drawn in the page) and the secret in
    plain text, then a code from the app; then the backup codes, shown once."""

    template_name = "registration/two_factor_enrol.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and two_factor.has_second_factor(user) and not two_factor.is_verified(request):
            return redirect(reverse("incidents:two_factor_verify") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def page(self, request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
        user = signed_in_user(request)
        device = two_factor.enrolment_device(user)
        return render(request, self.template_name, {
            "form": form,
            # SVG markup drawn by segno from the device's own set-up address: no user text in it.
            "qr_code": mark_safe(two_factor.qr_code_svg(device)),
            "secret": two_factor.secret_text(device),
            "already": two_factor.has_second_factor(user),
            "required": two_factor.must_use_second_factor(user),
            "next": next_page(request),
        }, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        checked, codes = two_factor.confirm_enrolment(request, two_factor.enrolment_device(user),
                                                      form.cleaned_data["code"])
        if checked.device is None:
            form.add_error("code", checked.error)
            return self.page(request, form, status=400)
        return render(request, "registration/two_factor_backup_codes.html",
                      {"codes": codes, "next": next_page(request)})


class TwoFactorVerifyView(SignedInMixin, View):
    """The second step of signing in for someone who has set it up: a code from the app, or a backup code."""

    template_name = "registration/two_factor_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not two_factor.has_second_factor(user):
            return redirect(reverse("incidents:two_factor_enrol") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if two_factor.is_verified(request):
            return redirect(next_page(request))
        return render(request, self.template_name, {"form": SignInCodeForm(), "next": next_page(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        form = SignInCodeForm(request.POST)
        checked = two_factor.check_code(request, user, form.cleaned_data["code"]) if form.is_valid() else None
        if checked is None or checked.device is None:
            if checked is not None:
                form.add_error("code", checked.error)
            return render(request, self.template_name, {"form": form, "next": next_page(request)}, status=400)
        if checked.backup_codes_left is not None:
            messages.warning(request, f"You used a backup code: each works once. You have {checked.backup_codes_left} "
                                      "left. Set up your authenticator app again for new ones.")
        return redirect(next_page(request))
