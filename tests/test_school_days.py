"""School calendars (issue 14, item 6): a school records the days it is closed; each deadline says
whether it counts working days or school days, and the school-day ones skip the closures, on the
case page and in the letters alike."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from incidents import services
from incidents.deadlines import DEADLINES
from incidents.demo.people import policy_load, schools_update
from incidents.models import Letter
from incidents.models.people import SchoolClosure
from incidents.school_days import Counting, add_days, closed_days, days_between, in_words
from incidents.workflow import Outcome, inputs
from incidents.working_days import add_working_days
from tests.factories import UserFactory
from tests.procedure import LONDON
from tests.test_deadlines import text

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"


def christmas(school) -> None:
    """The school closes for Christmas from Monday 21 December to Friday 1 January, then an INSET day."""
    SchoolClosure.objects.create(school=school, name="Christmas holiday", first_day=date(2026, 12, 21),
                                 last_day=date(2027, 1, 1))
    SchoolClosure.objects.create(school=school, name="INSET day", kind=SchoolClosure.Kind.INSET,
                                 first_day=date(2027, 1, 4), last_day=date(2027, 1, 4))


def test_school_days_skip_weekends_bank_holidays_and_the_schools_closures(school):
    christmas(school.school)
    thursday = date(2026, 12, 10)
    assert add_days(school=school.school, start=thursday, days=10, counting=Counting.WORKING_DAYS) == date(2026, 12, 24)
    assert add_days(school=school.school, start=thursday, days=10, counting=Counting.SCHOOL_DAYS) == date(2027, 1, 8)
    assert days_between(school=school.school, start=thursday, end=date(2027, 1, 8),
                        counting=Counting.SCHOOL_DAYS) == 10
    assert days_between(school=school.school, start=thursday, end=date(2027, 1, 8),
                        counting=Counting.WORKING_DAYS) == 18  # Christmas Day and the Boxing Day substitute skipped
    assert date(2026, 12, 24) in closed_days(school.school, date(2026, 12, 1))
    assert in_words(1, Counting.WORKING_DAYS) == "1 working day"
    assert in_words(10, Counting.SCHOOL_DAYS) == "10 school days"
    other = type(school.school).objects.create(name="Elsewhere", reference_prefix="ELS")  # its own calendar: none
    assert add_days(school=other, start=thursday, days=10, counting=Counting.SCHOOL_DAYS) == date(2026, 12, 24)


def hearing_outcome_on_10_december(procedure, school):
    """A case whose hearing is on Thursday 10 December 2026 and ends in a final written warning."""
    procedure.clock.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), tick=False)
    case = procedure.report()
    services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
        investigating_officer=school.investigator))
    procedure.submit_report(case)
    services.step_take(case=case, by=school.headteacher, given=inputs.ReferToHearing(
        hearing_at=datetime(2026, 12, 10, 10, 0, tzinfo=LONDON),
        place="Meeting room 1", panel=[school.headteacher]))
    procedure.clock.move_to(datetime(2026, 12, 10, 14, 0, tzinfo=LONDON), tick=False)
    services.step_take(case=case, by=school.headteacher, given=inputs.RecordOutcome(
        outcome=Outcome.FINAL_WRITTEN_WARNING, reasons="The post breached the policy."))
    case.refresh_from_db()
    return case


def test_an_appeal_window_that_would_end_on_christmas_eve_moves_past_the_holiday(client, procedure, school):
    """Ten working days from Thursday 10 December end on Christmas Eve; the appeal window counts
    school days, so at a school closed for Christmas it ends on Friday 8 January, on the case page,
    in the outcome letter and for lodging the appeal alike."""
    assert add_working_days(date(2026, 12, 10), 10) == date(2026, 12, 24)
    christmas(school.school)
    case = hearing_outcome_on_10_december(procedure, school)

    assert case.appeal_deadline == date(2027, 1, 8)
    client.force_login(school.headteacher)
    assert "Next deadline: Appeal window closes, Friday 8 January 2027" in text(client.get(case.get_absolute_url()))
    letter = case.letters.get(kind=Letter.Kind.OUTCOME)
    assert letter.facts["appeal_deadline"] == "2027-01-08"
    assert letter.facts["appeal_window"] == "10 school days"

    procedure.clock.move_to(datetime(2027, 1, 8, 16, 0, tzinfo=LONDON), tick=False)  # the last day: still open
    services.step_take(case=case, by=school.headteacher, given=inputs.LodgeAppeal(
        grounds="The sanction is too severe.", received_on=date(2027, 1, 8),
        hearing_at=datetime(2027, 1, 20, 10, 0, tzinfo=LONDON), place="Meeting room 2",
        panel=[school.chair]))
    assert case.appeal_received_on == date(2027, 1, 8)


def test_at_a_school_that_records_no_closures_the_appeal_window_ends_on_christmas_eve(procedure, school):
    case = hearing_outcome_on_10_december(procedure, school)
    assert case.appeal_deadline == date(2026, 12, 24)


def test_a_deadline_counted_in_working_days_does_not_skip_the_holiday(procedure, school):
    """The removal of content is asked for at once: the holiday gives no longer, and the letter says so."""
    christmas(school.school)
    procedure.clock.move_to(datetime(2026, 12, 18, 9, 0, tzinfo=LONDON), tick=False)  # the last day of term
    case = procedure.report()
    services.step_take(case=case, by=school.headteacher, given=inputs.RequestContentRemoval())
    assert case.removal_deadline == date(2026, 12, 21)  # the Monday, in the holiday
    letter = case.letters.get(kind=Letter.Kind.CONTENT_REMOVAL_REQUEST)
    assert letter.facts["period"] == "1 working day"
    assert letter.facts["period_means"] == "working days exclude weekends and bank holidays"


def test_the_readme_says_which_deadline_counts_which():
    readme = README.read_text()
    for deadline in DEADLINES:
        counted = deadline.period.counts.label if deadline.period else "—"
        row = re.search(rf"^\| {re.escape(deadline.label)} \|.*\| ([^|]+) \|$", readme, re.MULTILINE)
        assert row is not None, f"the README's table of deadlines has no row for {deadline.label}"
        assert row.group(1).strip() == counted, deadline.label


def test_a_closure_is_recorded_in_the_admin_and_a_backwards_one_is_refused(client, school):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    url = reverse("admin:incidents_school_change", args=[school.school.pk])
    page = client.get(url)
    assert page.status_code == 200 and "School closures" in page.content.decode()
    form = {field: value for field, value in page.context["adminform"].form.initial.items()
            if value is not None and field != "logo"}
    form |= {"policy": "", "trust": "", "closures-TOTAL_FORMS": "1", "closures-INITIAL_FORMS": "0",
             "closures-MIN_NUM_FORMS": "0", "closures-MAX_NUM_FORMS": "1000",
             "closures-0-name": "Christmas holiday", "closures-0-kind": "holiday",
             "closures-0-first_day": "2027-01-01", "closures-0-last_day": "2026-12-21"}
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "The last day cannot be before the first day." in refused.content.decode()
    assert not SchoolClosure.objects.exists()

    form |= {"closures-0-first_day": "2026-12-21", "closures-0-last_day": "2027-01-01"}
    assert client.post(url, form).status_code == 302
    assert SchoolClosure.objects.get().last_day == date(2027, 1, 1)


def test_the_demo_schools_close_for_christmas_2026(db):
    for school in schools_update(policy_load()).values():
        assert date(2026, 12, 24) in closed_days(school, date(2026, 9, 1))
        assert school.closures.get(name="Christmas holiday").first_day == date(2026, 12, 21)
        assert school.closures.filter(kind=SchoolClosure.Kind.INSET).count() == 5


def test_the_schools_periods_are_read_only_through_their_deadlines():
    """A step or a letter that read a school's period itself could count it otherwise than its
    deadline declares (working days where the deadline counts school days): none does."""
    root = Path(__file__).resolve().parent.parent
    settings = {deadline.period.days for deadline in DEADLINES
                if deadline.period is not None and isinstance(deadline.period.days, str)}
    allowed = {root / "incidents" / "deadlines.py", root / "incidents" / "models" / "people.py"}
    sources = [*(root / "incidents").rglob("*.py"), *(root / "templates").rglob("*.*")]
    readers = {str(path.relative_to(root)) for path in sources
               if path not in allowed and "migrations" not in path.parts
               and any(setting in path.read_text() for setting in settings)}
    assert readers == set()
