"""Responses that must not be kept by a browser or a proxy; requests too large to read."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


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
