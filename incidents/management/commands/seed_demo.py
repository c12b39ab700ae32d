"""`python manage.py seed_demo`: the demo trust, its people in every role and cases at every stage."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.test.utils import override_settings

from incidents.demo import DEMO_PASSWORD, demo_seed
from incidents.models import Case, Membership, Role
from incidents.workflow import State, Suspension

ADMIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    help = (
        "Load the Rainow policy and create the demo trust (Rainow Primary School and Bollington Cross "
        "Primary School), a login for every role and demo cases at every stage of the procedure. "
        "Safe to run again: nothing is duplicated, and every demo login gets the demo password back. "
        "For development and demonstrations only."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help=f"The password for every demo login (default: {DEMO_PASSWORD}).")
        parser.add_argument("--force", action="store_true",
                            help="Seed even though DJANGO_DEBUG is off (never on a live database).")

    def handle(self, *args: Any, password: str, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            # It resets the demo logins, `admin` included, to a published password.
            raise CommandError("seed_demo is for development: set DJANGO_DEBUG=1, or pass --force "
                               "if this database is certainly not a live one.")
        if not password.strip():
            raise CommandError("The demo password cannot be empty.")
        # The demo's history would email its made-up people (64 emails): with the immediate task
        # backend of development they are sent as the cases are built, into memory, not the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            result = demo_seed(password=password)
        out = self.stdout

        out.write(f"Policy loaded: {result.policy} with {result.policy.clauses.count()} clauses.")
        out.write("Schools: " + "; ".join(f"{s.name} ({s.reference_prefix}), {s.trust}" for s in result.schools))
        for school, count in result.cases_created.items():
            out.write(self.style.SUCCESS(f"Created {count} demo cases at {school}."))
        for school, count in result.cases_existing.items():
            out.write(self.style.WARNING(
                f"The demo cases already exist at {school} ({count} cases): none created again."
            ))

        out.write("")
        out.write(self.style.MIGRATE_HEADING("Demo logins (the same password for every account)"))
        rows: list[tuple[str, ...]] = [("Username", "Name", "Role(s)", "School(s)", "Password")]
        for user in result.users:
            memberships = list(Membership.objects.filter(user=user).select_related("school").order_by("school_id"))
            roles = list(dict.fromkeys(Role(m.role).label for m in memberships))
            schools = list(dict.fromkeys(m.school.name for m in memberships))
            rows.append((user.username, user.get_full_name(), ", ".join(roles), ", ".join(schools), password))
        self._table(rows)

        out.write("")
        out.write(self.style.MIGRATE_HEADING("System administrator (the Django admin site only, no school role)"))
        out.write(f"  {ADMIN_URL}  username: {result.admin.username}  password: {password}")

        out.write("")
        out.write(self.style.MIGRATE_HEADING("Cases per state (all schools)"))
        counts = dict(Case.objects.values_list("state").annotate(n=Count("pk")))
        rows = [("State", "Cases")]
        rows += [(label, str(counts.get(value, 0))) for value, label in State.choices]
        rows.append(("Total", str(sum(counts.values()))))
        self._table(rows)
        suspended = Case.objects.filter(suspension=Suspension.SUSPENDED).count()
        out.write(f"  Precautionary suspension in place: {suspended} case(s).")

    def _table(self, rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for n, row in enumerate(rows):
            line = "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            self.stdout.write(line.rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
