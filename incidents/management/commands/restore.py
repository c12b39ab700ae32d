"""python manage.py restore FILE: a backup into an empty database and an empty storage folder."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.backup import ENGINE_NAME, BackupError, RestoreRefused, backup_restore


class Command(BaseCommand):
    help = ("Restore an archive made by `python manage.py backup` into the database DATABASE_URL names and "
            "the folder PRIVATE_STORAGE_ROOT names, both empty. Every file is checked against the archive's "
            "manifest first: if the database or the folder is not empty, or any file does not match, nothing "
            "changes. Then every case's audit chain is checked.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup archive.")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            restored = backup_restore(path=Path(file))
        except (RestoreRefused, BackupError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored the {ENGINE_NAME[restored.engine]} database ({restored.cases} case"
                          f"{'s' if restored.cases != 1 else ''}) and {restored.files} stored file"
                          f"{'s' if restored.files != 1 else ''}; every file matches its SHA-256 in the manifest"
                          f"{'' if not restored.changed else ', except those below'}.")
        for name in restored.changed:
            self.stderr.write(f"Does not match the manifest after restoring: {name}")
        if restored.broken:
            raise CommandError(f"Restored, but an audit chain is broken: {restored.broken}")
        if restored.changed:
            raise CommandError(f"Restored, but {len(restored.changed)} file(s) do not match the manifest.")
        self.stdout.write(self.style.SUCCESS("All audit chains hold."))
