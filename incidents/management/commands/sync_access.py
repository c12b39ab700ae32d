from typing import Any

from django.core.management.base import BaseCommand

from incidents.grants import access_sync_all


class Command(BaseCommand):
    help = ("Re-apply the rules of who may see and do what to every case (after an upgrade that changes "
            "them); each case whose grants change records it on its timeline.")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = access_sync_all()
        self.stdout.write(f"{changed} case{'s' if changed != 1 else ''} re-granted; the others were already right.")
