"""python manage.py signing_key: the school's public key, to give to those who check its bundles;
`--new FILE` makes a new private key for CASEWORK_SIGNING_KEY_FILE."""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import keys


class Command(BaseCommand):
    help = ("Print the public key that signs bundles and subject access exports, and its fingerprint (give them "
            "to whoever checks a bundle with `verify_bundle --public-key`). With --new FILE, write a new private "
            "key to FILE (readable only by its owner) for CASEWORK_SIGNING_KEY_FILE.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new", metavar="FILE", help="Write a new Ed25519 private key to FILE (never overwrites).")

    def handle(self, *args: Any, new: str | None = None, **options: Any) -> None:
        if new:
            path = Path(new)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise CommandError(f"{path} already exists: it was not overwritten.") from None
            except OSError as problem:
                raise CommandError(f"{path}: cannot be written ({problem.strerror}).") from None
            with os.fdopen(descriptor, "wb") as file:
                file.write(keys.new_signing_key_pem())
            self.stdout.write(f"Wrote a new signing key to {path}. Set CASEWORK_SIGNING_KEY_FILE={path}.")
            return
        public = keys.signing_key().public_key()
        self.stdout.write(keys.public_key_pem(public), ending="")
        self.stdout.write(f"Fingerprint: {keys.fingerprint(public)}")
