"""python manage.py export_cases --as USERNAME --format csv|xlsx|json [filters] --out FILE"""

import shutil
from datetime import date
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.exports.register import FORMATS, RegisterFilters, register_export
from incidents.models import School


class Command(BaseCommand):
    help = ("Write the register of cases to a file, as the named user may export it (their cases only), "
            "and record the export.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True,
                            help="The person making the export: the register holds the cases they may export.")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument("--out", required=True, help="The file to write ('-' for standard output; not XLSX).")
        parser.add_argument("--school", help="A school's reference prefix (e.g. RAI) or id.")
        parser.add_argument("--from", dest="reported_from", type=date.fromisoformat,
                            help="Reported on or after (YYYY-MM-DD).")
        parser.add_argument("--to", dest="reported_to", type=date.fromisoformat,
                            help="Reported on or before (YYYY-MM-DD).")
        parser.add_argument("--stage", default="")
        parser.add_argument("--kind", default="")
        parser.add_argument("--clause", default="", help="A clause reference, e.g. a or c.2.")
        parser.add_argument("--outcome", default="")

    def handle(self, *args: Any, username: str, format: str, out: str, school: str | None, **filters: Any) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username}.") from None
        school_id = None
        if school:
            found = School.objects.filter(reference_prefix__iexact=school).first()
            if found is None and school.isdigit():
                found = School.objects.filter(pk=int(school)).first()
            if found is None:
                raise CommandError(f"No school {school}.")
            school_id = found.pk
        if out == "-" and format == "xlsx":
            raise CommandError("Write an XLSX workbook to a file (--out FILE).")
        content, rows, _ = register_export(by=user, file_format=format, filters=RegisterFilters(
            school=school_id, reported_from=filters["reported_from"], reported_to=filters["reported_to"],
            stage=filters["stage"], kind=filters["kind"], clause=filters["clause"], outcome=filters["outcome"]))
        if out == "-":
            buffer = getattr(self.stdout, "buffer", None)  # the bytes under a real terminal or pipe
            for chunk in content:
                if buffer is not None:
                    buffer.write(chunk)
                else:
                    self.stdout.write(chunk.decode(), ending="")
            return
        with open(out, "wb") as file:
            if format == "xlsx":
                with cast(IO[bytes], content) as workbook:  # XLSX comes as an open file
                    shutil.copyfileobj(workbook, file)
            else:
                for chunk in content:
                    file.write(chunk)
        self.stderr.write(f"{rows} case{'s' if rows != 1 else ''} written to {out}.")
