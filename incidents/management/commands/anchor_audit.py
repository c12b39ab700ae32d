"""python manage.py anchor_audit: once, after upgrading to keyed audit trails."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.audit import anchor_existing


class Command(BaseCommand):
    help = ("Once, after upgrading: anchor every case timeline recorded before the audit key (their events keep "
            "their plain SHA-256; nothing without the key may follow them), and put every export recorded before "
            "on the chain of exports. Checks each timeline first, and anchors nothing if one is broken.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cases, exports = anchor_existing()
        except ValueError as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Anchored {cases} case timeline{'s' if cases != 1 else ''} and put {exports} "
            f"export{'s' if exports != 1 else ''} on the chain of exports."))
