"""Responses that must not be kept by a browser or a proxy."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
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
