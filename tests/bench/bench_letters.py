"""Benchmark: what a letter costs beside the bare WeasyPrint render of its HTML, and a batch of 100.

Run with `make bench` (not part of the test suite). It builds the demo data in a temporary
SQLite database, then prints:

- per kind of letter, the median time of a whole letter (facts gathered from the database,
  template, render) against bare WeasyPrint rendering the very same HTML (target: at most 1.15x);
- 100 letters drafted and rendered on every core, against 100 serial bare renders of the same
  HTML (target: at most 0.6x on two cores).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="letters-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
os.environ.setdefault("CASEWORK_DEV_KEYS", "1")  # the development audit and signing keys
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["PRIVATE_STORAGE_ROOT"] = str(WORK / "private")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from weasyprint import HTML  # noqa: E402

from incidents.letters import render  # noqa: E402
from incidents.letters.documents import letter_draft  # noqa: E402
from incidents.letters.facts import letter_facts  # noqa: E402
from incidents.letters.render import html_to_pdf_many  # noqa: E402
from incidents.letters.services import letter_preview  # noqa: E402
from incidents.models import Letter  # noqa: E402

REPEATS = 7
BATCH = 100


def bare_html(html: str) -> str:
    """The same HTML, its stylesheets given as files, for WeasyPrint with none of our code around it."""
    for name in ("letters/letter.css", "letters/large-print.css"):
        html = html.replace(f"{render.STATIC_BASE}{name}", Path(finders.find(name)).as_uri())
    return html


def bare_render(html: str) -> bytes:
    return HTML(string=html, base_url=str(ROOT)).write_pdf(pdf_variant=render.PDF_VARIANT)


def seed() -> list[Letter]:
    call_command("migrate", verbosity=0)
    real = render.html_to_pdf
    render.html_to_pdf = lambda html, **kwargs: b"%PDF-1.7"  # the demo's own letters are not what we time
    try:
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", "--force", stdout=quiet)
    finally:
        render.html_to_pdf = real
    latest = {}
    for letter in Letter.objects.select_related("case", "issued_by").order_by("issued_at"):
        latest[letter.kind] = letter
    return list(latest.values())


def per_letter(samples: list[Letter]) -> None:
    print(f"\nOne letter: median of {REPEATS}, whole letter vs bare WeasyPrint on the same HTML (target <= 1.15x)")
    print(f"  {'kind':28} {'letter ms':>10} {'bare ms':>10} {'ratio':>7}")
    ratios = []
    for letter in samples:
        kind, case, by = letter.kind, letter.case, letter.issued_by
        letter_preview(case=case, kind=kind, by=by, arguments=letter.facts)  # warm the template cache
        whole, bare = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            preview = letter_preview(case=case, kind=kind, by=by, arguments=letter.facts)
            whole.append(time.perf_counter() - started)
            html = bare_html(preview.html)
            started = time.perf_counter()
            bare_render(html)
            bare.append(time.perf_counter() - started)
        ratio = statistics.median(whole) / statistics.median(bare)
        ratios.append(ratio)
        print(f"  {kind:28} {statistics.median(whole) * 1000:10.1f} {statistics.median(bare) * 1000:10.1f} "
              f"{ratio:7.3f}")
    print(f"  {'all kinds (geometric mean)':28} {'':10} {'':10} {statistics.geometric_mean(ratios):7.3f}"
          f"   worst {max(ratios):.3f}")


def batch(samples: list[Letter]) -> None:
    chosen = [samples[i % len(samples)] for i in range(BATCH)]
    started = time.perf_counter()
    drafts = []
    for letter in chosen:
        facts = letter_facts(case=letter.case, kind=letter.kind, by=letter.issued_by, arguments=letter.facts)
        drafts.append(letter_draft(case=letter.case, kind=letter.kind, facts=facts, version=letter.version + 1))
    drafted = time.perf_counter() - started
    pdfs = html_to_pdf_many([(draft.html, draft.resources) for draft in drafts])
    parallel = time.perf_counter() - started
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)

    htmls = [bare_html(draft.html) for draft in drafts]
    started = time.perf_counter()
    for html in htmls:
        bare_render(html)
    serial = time.perf_counter() - started
    print(f"\nA batch of {BATCH} letters on {os.cpu_count()} cores vs {BATCH} serial bare renders (target <= 0.6x)")
    print(f"  letters drafted (facts + templates): {drafted:6.2f} s")
    print(f"  letters drafted and rendered:        {parallel:6.2f} s")
    print(f"  {BATCH} serial bare renders:            {serial:6.2f} s")
    print(f"  ratio:                               {parallel / serial:6.3f}")


if __name__ == "__main__":
    print(f"Seeding the demo data in {WORK} ...")
    letters = seed()
    per_letter(letters)
    batch(letters)
