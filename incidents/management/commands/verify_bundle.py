"""python manage.py verify_bundle FILE.zip: did the school sign it, and does every file still match?"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import keys
from incidents.exports.archive import archive_verify


class Command(BaseCommand):
    help = ("Check a case bundle or subject access ZIP: that its manifest.json is signed with the school's key "
            "(this installation's, or the public key given), saying who signed, and that every file matches the "
            "manifest, naming every file that is missing, changed, damaged or not listed. Exits with an error if "
            "anything is.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--public-key", metavar="PEM_FILE",
                            help="The school's public key (from `signing_key`), to check a bundle away from the "
                                 "server that made it.")

    def handle(self, *args: Any, file: str, public_key: str | None = None, **options: Any) -> None:
        trusted = None
        if public_key:
            try:
                trusted = keys.public_key_from_text(Path(public_key).read_bytes())
            except OSError as problem:
                raise CommandError(f"{public_key}: cannot be read ({problem.strerror}).") from None
            except ValueError:
                raise CommandError(f"{public_key}: not an Ed25519 public key.") from None
        result = archive_verify(file, trusted)
        if not result.ok:
            for found in result.problems:
                self.stderr.write(found)
            raise CommandError(f"{file}: {len(result.problems)} problem{'s' if len(result.problems) != 1 else ''}; "
                               "the bundle is not as it was made.")
        self.stdout.write(f"{file}: signed by {result.signer or 'the school'} (key {result.fingerprint}); "
                          f"all {result.checked} files match the manifest.")
