"""python manage.py verify_audit: does every case's timeline, the anchors and the chain of exports hold?"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.audit import audit_problems, chain_heads


class Command(BaseCommand):
    help = ("Check every case's timeline against its seals and anchors, and the chain of exports; name each "
            "case whose record was rewritten or has events missing. Exits with an error if any has.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_problems())
        for problem in problems:
            self.stderr.write(f"Audit trail broken: {problem}")
        if problems:
            raise CommandError(f"Audit trail broken: {problems[0]}" + (
                f" (and {len(problems) - 1} more problem{'s' if len(problems) != 2 else ''}, above)"
                if len(problems) > 1 else ""))
        self.stdout.write(self.style.SUCCESS("All audit chains hold."))
        self.stdout.write(f"Last links, to note somewhere else (fewer later means links were deleted): {chain_heads()}")
