"""HTML to PDF, and nothing else: a pure function over WeasyPrint.

A letter may load only the application's own static files (its stylesheet, through
`STATIC_BASE`) and the in-memory resources its caller hands over by name (the school's
logo, through `RESOURCE_BASE`). Every other URL — `file:`, `http:`, `https:`, `data:`,
or anything else — is refused by `LetterURLFetcher` before any byte is read, so text
that reaches a letter can never make the renderer read a local file or call a server.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A name that never resolves: the letter's own resources live "there" and nowhere else.
ORIGIN = "https://letter.invalid"
BASE_URL = f"{ORIGIN}/"
STATIC_BASE = f"{ORIGIN}/static/"
RESOURCE_BASE = f"{ORIGIN}/resource/"

PDF_VARIANT = "pdf/ua-1"  # tagged PDF: headings, lists, tables and reading order for screen readers

# What a letter may load from the static files: stylesheets and images.
STATIC_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# Resources handed over by the caller: name -> (content, MIME type).
Resources = Mapping[str, tuple[bytes, str]]


class ResourceRefused(ValueError):
    """The letter asked for a URL it may not load."""


class LetterURLFetcher(URLFetcher):
    """Serves the app's static files (found by Django's staticfiles finders, read from disk)
    and the caller's named resources; refuses every other URL.

    `requested` and `refused` list the URLs asked for, so a test can see what was tried.
    """

    def __init__(self, resources: Resources | None = None) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.resources = dict(resources or {})
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        try:
            body, content_type = self._resolve(url)
        except ResourceRefused:
            self.refused.append(url)
            logger.warning("A letter asked for %.200s: refused.", url)
            raise
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def _resolve(self, url: str) -> tuple[bytes, str]:
        if url.startswith(RESOURCE_BASE):
            name = url[len(RESOURCE_BASE):]
            if name in self.resources:
                return self.resources[name]
            raise ResourceRefused(url)
        if not url.startswith(STATIC_BASE):
            raise ResourceRefused(url)
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise ResourceRefused(url)
        relative = unquote(parts.path[len("/static/"):])
        path = PurePosixPath(relative)
        if not relative or path.is_absolute() or ".." in path.parts or "\\" in relative or "\x00" in relative:
            raise ResourceRefused(url)
        content_type = STATIC_TYPES.get(path.suffix.lower())
        if content_type is None:
            raise ResourceRefused(url)
        found = finders.find(str(path))
        if not found or not os.path.isfile(found):
            raise ResourceRefused(url)
        with open(found, "rb") as file:
            return file.read(), content_type


def html_to_pdf(html: str, *, resources: Resources | None = None, fetcher: LetterURLFetcher | None = None) -> bytes:
    """Render a letter's HTML to a tagged PDF (PDF/UA-1). The PDF's title and language are
    the HTML's `<title>` and `<html lang>`. Pure: reads only the static files and `resources`."""
    fetcher = fetcher or LetterURLFetcher(resources)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)


def _render_one(job: tuple[str, Resources | None]) -> bytes:
    html, resources = job
    return html_to_pdf(html, resources=resources)


def html_to_pdf_many(jobs: Sequence[tuple[str, Resources | None]], *, processes: int | None = None) -> list[bytes]:
    """Render many letters on every core: `jobs` are (html, resources) pairs; the PDFs come
    back in the same order. The workers only render; they never touch the database."""
    processes = min(processes or os.cpu_count() or 1, len(jobs))
    if processes <= 1:
        return [_render_one(job) for job in jobs]
    # Forked workers start warm (WeasyPrint, fonts and Django already loaded).
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return list(pool.map(_render_one, jobs, chunksize=max(1, len(jobs) // (processes * 4))))

