from typing import Any

from django.core.management.base import BaseCommand

from incidents.diagram import mermaid
from incidents.models import Case


class Command(BaseCommand):
    help = "Print the case procedure and the suspension procedure as Mermaid state diagrams."

    def handle(self, *args: Any, **options: Any) -> None:
        for field_name in ("state", "suspension"):
            self.stdout.write("```mermaid")
            self.stdout.write(mermaid(Case, field_name))
            self.stdout.write("```")
