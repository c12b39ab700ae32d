"""python manage.py verify_bundle FILE.zip: does every file still match the bundle's manifest?"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.exports.archive import archive_verify


class Command(BaseCommand):
    help = ("Check a case bundle or subject access ZIP against its manifest.json: names every file that is "
            "missing, changed, damaged or not listed. Exits with an error if any is.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        result = archive_verify(file)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: {len(result.problems)} problem{'s' if len(result.problems) != 1 else ''}; "
                               "the bundle is not as it was made.")
        self.stdout.write(f"{file}: all {result.checked} files match the manifest.")
