from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.deadlines import DEADLINES_BY_NAME
from incidents.models.events import Reminder
from incidents.monitoring.policy import review_reminders_send
from incidents.reminders import DAYS_AHEAD, reminders_send


class Command(BaseCommand):
    help = ("Remind the people who must act of every deadline coming up or passed, and tell the person above "
            "of each passed one, once; tell the headteacher once when the policy's review is near and once when it "
            "is overdue (run daily from cron; running it again sends nothing new).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days-ahead", type=int, default=DAYS_AHEAD,
                            help=f"Working days before its date that a deadline is reminded of (default {DAYS_AHEAD}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days_ahead"] < 0:
            raise CommandError("--days-ahead must be 0 or more: nothing was sent.")
        sent = reminders_send(days_ahead=options["days_ahead"])
        for reminder in sent:
            what = "reminder" if reminder.kind == Reminder.Kind.REMINDER else "overdue, told to the person above"
            label, emails = DEADLINES_BY_NAME[reminder.deadline].label, reminder.notifications.count()
            self.stdout.write(f"{reminder.case.reference}: {label}, due {reminder.due_on.day} {reminder.due_on:%B %Y}: "
                              f"{what} ({emails} email(s)).")
        self.stdout.write(f"{len(sent)} reminder(s) sent; the background worker delivers the emails.")
        for review in review_reminders_send():
            self.stdout.write(f"{review.school.name}: the policy's review, due {review.review_due.day} "
                              f"{review.review_due:%B %Y}: {review.get_kind_display().lower()} (told the headteacher).")
