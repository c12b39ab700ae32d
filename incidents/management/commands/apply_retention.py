from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import clock
from incidents.models import Evidence, Letter
from incidents.names import display_name
from incidents.retention import Due, RetentionRefused, cases_due, holds_standing, retention_apply


def _what(due: Due) -> str:
    evidence = Evidence.objects.filter(case=due.case)
    files = (evidence.exclude(file="").count() + evidence.exclude(safe_file="").count()
             + Letter.objects.filter(case=due.case).count())
    return (f"its names, free text, timeline details, evidence and letters ({files} file{'s' if files != 1 else ''}); "
            "an anonymised record stays for the register")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _why(due: Due) -> str:
    return f"rule: {due.words}; kept until {_day(due.until)}"


class Command(BaseCommand):
    help = ("Remove the personal data of ended cases whose retention period has passed, keeping an anonymised "
            "record of each (run daily). --dry-run lists what it would remove, and why, and changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        due, held = cases_due()
        for item in held:
            holds = holds_standing(clock.today()).filter(case=item.case).select_related("placed_by")
            for hold in holds:
                until = f"until {_day(hold.until)}" if hold.until else "until lifted"
                self.stdout.write(f"{item.case.reference}: kept under a legal hold placed by "
                                  f"{display_name(hold.placed_by)} {until} (“{hold.reason}”); {_why(item)}.")
        refused = []
        for item in due:
            if dry_run:
                self.stdout.write(f"{item.case.reference}: would remove {_what(item)}; {_why(item)}.")
                continue
            what = _what(item)
            try:
                retention_apply(item)
            except RetentionRefused as refusal:
                refused.append(str(refusal))
                self.stderr.write(f"Not removed: {refusal}")
                continue
            self.stdout.write(f"{item.case.reference}: removed {what}; {_why(item)}.")
        done = len(due) - len(refused)
        if dry_run:
            self.stdout.write(f"Dry run: {len(due)} case(s) would be anonymised, {len(held)} kept under a legal "
                              "hold. Nothing was changed.")
        else:
            self.stdout.write(f"{done} case(s) anonymised, {len(held)} kept under a legal hold.")
        if refused:
            raise CommandError(f"{len(refused)} case(s) could not be anonymised: see above.")
