from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.audit import audit_verify


class Command(BaseCommand):
    help = "Check every case's hash-chained timeline; name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit_verify()
        if broken:
            raise CommandError(f"Audit trail broken: {broken}")
        self.stdout.write(self.style.SUCCESS("All audit chains hold."))
