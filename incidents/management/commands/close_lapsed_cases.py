from typing import Any

from django.core.management.base import BaseCommand

from incidents.services import cases_close_after_appeal_window


class Command(BaseCommand):
    help = "Close the cases whose appeal window has passed with no appeal (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = cases_close_after_appeal_window()
        for case in closed:
            self.stdout.write(f"Closed {case.reference}: the appeal window closed on {case.appeal_deadline:%d %B %Y}.")
        self.stdout.write(f"{len(closed)} case(s) closed.")
