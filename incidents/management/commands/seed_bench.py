"""`python manage.py seed_bench`: a large, realistic data set for measuring speed."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from incidents.bench_data import AlreadySeeded, bench_seed


class Command(BaseCommand):
    help = (
        "Fill the database with made-up schools, people and cases at every stage of the procedure, "
        "with their timelines, letters, evidence and access grants, to measure speed at scale. "
        "Refuses a database that already holds cases unless --force. Never on a live database."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--schools", type=int, default=200, help="How many schools (default 200).")
        parser.add_argument("--cases", type=int, default=100_000, help="How many cases in all (default 100,000).")
        parser.add_argument("--force", action="store_true",
                            help="Add to a database that already holds cases (made-up ones, certainly).")

    def handle(self, *args: Any, schools: int, cases: int, force: bool, **options: Any) -> None:
        if schools < 1 or cases < 0:
            raise CommandError("Give at least one school and a number of cases of 0 or more.")
        self.stdout.write(f"Seeding {cases:,} cases at {schools:,} schools into {connection.vendor} "
                          f"database {connection.settings_dict['NAME']}...")
        try:
            made = bench_seed(schools=schools, cases=cases, force=force)
        except AlreadySeeded as refusal:
            raise CommandError(f"{refusal} Nothing was added. Seed an empty database, or pass --force "
                               "if these cases are made-up ones.") from refusal
        self.stdout.write(self.style.SUCCESS(
            f"Made {made.schools:,} schools, {made.users:,} people, {made.cases:,} cases, {made.events:,} events "
            f"(the longest timeline {made.longest_timeline:,}), {made.letters:,} letters, {made.evidence:,} evidence "
            f"items and {made.grants:,} access grants in {made.seconds:.1f} s."))
        for path, count in sorted(made.stages.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {count:>8,}  {path}")
