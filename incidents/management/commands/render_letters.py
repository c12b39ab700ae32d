"""`python manage.py render_letters`: write a case's letters (or a sample of every kind) as PDFs for review."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.letters.render import html_to_pdf_many
from incidents.letters.review import letters_for_review, sample_cases, subject_access_samples
from incidents.models import Case


class Command(BaseCommand):
    help = (
        "Render every letter a case can have, in standard and large print, into a folder for review. "
        "Letters already issued are drawn from what they were issued with; the others from the case with "
        "example input ('example' in the file name). --sample renders every kind of letter from the demo "
        "data (python manage.py seed_demo). Nothing is stored in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--case", metavar="REF", help="The case's reference, e.g. RAI-2026-0007.")
        which.add_argument("--sample", action="store_true", help="Every kind of letter, from the demo data.")
        parser.add_argument("--out", required=True, metavar="DIR", help="The folder to write the PDFs to.")
        parser.add_argument("--processes", type=int, default=None,
                            help="Worker processes for rendering (default: one per core).")

    def handle(self, *args: Any, case: str | None, sample: bool, out: str, processes: int | None,
               **options: Any) -> None:
        if sample:
            chosen = sample_cases()
            if not chosen:
                raise CommandError("There are no cases to draw samples from: run `python manage.py seed_demo` first.")
            letters = [letter for kind, each in chosen.items() for letter in letters_for_review(each, kinds=[kind])]
            letters += subject_access_samples()  # a letter of no case: about a subject access request
        else:
            try:
                found = Case.objects.select_related("school", "subject", "case_manager").get(reference=case)
            except Case.DoesNotExist:
                raise CommandError(f"There is no case {case}.") from None
            letters = letters_for_review(found)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        pdfs = html_to_pdf_many([(letter.draft.html, letter.draft.resources) for letter in letters],
                                processes=processes)
        for letter, pdf in zip(letters, pdfs, strict=True):
            (folder / letter.filename).write_bytes(pdf)
            self.stdout.write(f"  {letter.filename}  ({len(pdf) // 1024} KB)")
        kinds = len({letter.draft.kind for letter in letters})
        self.stdout.write(self.style.SUCCESS(f"{len(letters)} letters of {kinds} kinds written to {folder}."))
