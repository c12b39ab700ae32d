"""Run by tests/test_production.py in a process of its own, on a new SQLite file (DATABASE_URL):
several people at once report concerns and open a case, each in a thread with its own
connection, as gunicorn's threads or the development server's would. Prints a JSON summary."""

import json
import os
import sys
import threading
import traceback

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from incidents import audit, services  # noqa: E402
from incidents.models import Case, CaseEvent, Role  # noqa: E402
from tests.factories import SchoolFactory, StaffMemberFactory, person  # noqa: E402

PEOPLE, REPORTS_EACH = int(sys.argv[1]), int(sys.argv[2])

call_command("migrate", verbosity=0)
school = SchoolFactory(name="Rainow Primary School", reference_prefix="RAI")
headteacher = person(school, Role.HEADTEACHER)
reporters = [person(school, Role.STAFF) for _ in range(PEOPLE)]
employee = StaffMemberFactory(school=school, full_name="Alex Employee")
shared = services.case_report(reporter=reporters[0], school=school, kind=Case.Kind.BREACH,
                              platform=Case.Platform.FACEBOOK, subject=employee, description="The first report.")
connections.close_all()

errors: list[str] = []
start = threading.Barrier(PEOPLE)


def work(reporter):
    try:
        start.wait()
        for n in range(REPORTS_EACH):
            services.case_report(reporter=reporter, school=school, kind=Case.Kind.BREACH,
                                 platform=Case.Platform.FACEBOOK, subject=employee,
                                 description=f"Report {n} by {reporter.username}.")
            # Every view of a case writes an event on it: all of them on the same case at once.
            audit.access_record(case=shared, by=headteacher, kind=CaseEvent.Kind.VIEWED)
    except Exception:
        errors.append(traceback.format_exc())
    finally:
        connection.close()


threads = [threading.Thread(target=work, args=(reporter,)) for reporter in reporters]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
print(json.dumps({
    "errors": errors,
    "cases": Case.objects.count(),
    "views": shared.events.filter(kind=CaseEvent.Kind.VIEWED).count(),
    "chains_hold": audit.audit_verify() is None,
    "journal_mode": journal_mode,
}))
