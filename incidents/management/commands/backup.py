"""python manage.py backup --out FILE: the database and every stored file, in one archive."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.backup import ENGINE_NAME, BackupError, backup_create


class Command(BaseCommand):
    help = ("Write the database (pg_dump on PostgreSQL, SQLite's backup API on SQLite) and every stored "
            "evidence, letter and export file into one archive (a .tar.gz, readable by its owner only) with "
            "a manifest of SHA-256 hashes. Restore it with `python manage.py restore FILE`.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="FILE", help="The archive to write; must not exist.")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        try:
            made = backup_create(out=Path(out))
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name in made.missing:
            self.stderr.write(f"Missing from storage, so not in the backup: {name}")
        cases = f"{made.cases} case{'s' if made.cases != 1 else ''}"
        files = f"{made.files} stored file{'s' if made.files != 1 else ''}"
        self.stdout.write(self.style.SUCCESS(
            f"Backed up the {ENGINE_NAME[made.engine]} database ({cases}) and {files} to {made.path}."))
        if made.missing:
            raise CommandError(f"{len(made.missing)} file(s) the database names were not in storage (listed above); "
                               "everything else is in the backup.")
