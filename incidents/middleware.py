"""Responses that must not be kept by a browser or a proxy; requests too large to read; the second step
of signing in."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from incidents import two_factor


class NoStoreMiddleware:
    """Every page, download and export the app makes is marked `Cache-Control: no-store` (with
    `private` and `no-cache`), so no browser history, shared computer or proxy keeps a copy of
    case data after the person signs out. The app's CSS is served by WhiteNoise before this
    middleware runs and keeps its own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class RequestTooLargeMiddleware:
    """A form sent with more than the product takes (settings.MAX_UPLOAD_REQUEST_BYTES in all, or
    more fields or files than Django's DATA_UPLOAD_MAX_NUMBER_FIELDS and _FILES) gets a page saying
    so in plain words, status 413, before anything reads it: never a server error, and nothing saved.
    The form is read here, before any view, so that Django's own refusal cannot come later as a
    bare error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.MAX_UPLOAD_REQUEST_BYTES:
                return self.refused(request)
            try:
                request.POST  # noqa: B018  (read now, so that a refusal is ours)
                request.FILES  # noqa: B018
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                return self.refused(request)
        return self.get_response(request)

    def refused(self, request: HttpRequest) -> HttpResponseBase:
        megabytes = settings.MAX_UPLOAD_REQUEST_BYTES // (1024 * 1024)
        return render(request, "request_too_large.html", {"megabytes": megabytes,
                                                          "files": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
                      status=413)


class SecondFactorMiddleware:
    """Sends a person who must give a second factor (`incidents.two_factor`), and has not yet in
    this session, to the second step of signing in, whatever page they ask for (the case pages, the
    admin, everything): to set it up if they have none, otherwise to give a code; and back to the
    page they asked for once they have. The pages of signing in and out, of resetting a password,
    the accessibility statement and the letter links (which need no account) are let through.
    Runs after django-otp's `OTPMiddleware`, which tells whether this session gave a code."""

    OPEN_URL_NAMES = frozenset({
        "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
        "password_reset_complete", "incidents:two_factor_enrol", "incidents:two_factor_verify",
        "incidents:accessibility", "incidents:letter_link", "incidents:letter_link_download",
    })

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not two_factor.is_verified(request):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            if name not in self.OPEN_URL_NAMES and two_factor.must_use_second_factor(user):
                step = "incidents:two_factor_verify" if two_factor.has_second_factor(user) \
                    else "incidents:two_factor_enrol"
                target = reverse(step)
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
