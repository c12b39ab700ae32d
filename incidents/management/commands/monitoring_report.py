from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.models import School
from incidents.monitoring.figures import PeriodError, period_parse
from incidents.monitoring.report import report_csv, report_pdf


class Command(BaseCommand):
    help = ("Write the governors' termly monitoring report of a school (or, with --school ALL, of every school) "
            "for a period, as a tagged PDF or a CSV: anonymised figures, counts from 1 to 4 suppressed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True,
                            help="The school's reference prefix, e.g. RAI; several separated by commas; or ALL.")
        parser.add_argument("--period", required=True, help="A term such as 2026-autumn, or a school year: 2026-27.")
        parser.add_argument("--format", choices=["pdf", "csv"], default="pdf")
        parser.add_argument("--large-print", action="store_true", help="The PDF in large print.")
        parser.add_argument("--out", required=True, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_parse(options["period"])
        except PeriodError as problem:
            raise CommandError(f"{problem} Nothing was written.") from problem
        wanted = [prefix.strip().upper() for prefix in options["school"].split(",") if prefix.strip()]
        if wanted == ["ALL"]:
            schools = list(School.objects.order_by("name"))
        else:
            schools = list(School.objects.filter(reference_prefix__in=wanted).order_by("name"))
            unknown = sorted(set(wanted) - {school.reference_prefix for school in schools})
            if unknown or not schools:
                raise CommandError(f"No school has the reference prefix {', '.join(unknown) or '(none given)'}. "
                                   "Nothing was written.")
        out = Path(options["out"])
        if options["format"] == "pdf":
            out.write_bytes(report_pdf(schools, period, large_print=options["large_print"]))
        else:
            out.write_text(report_csv(schools, period), encoding="utf-8")
        self.stdout.write(f"Wrote the monitoring report for {period.label} to {out}.")
