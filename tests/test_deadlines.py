"""Deadlines, declared once in incidents/deadlines.py: each shows on the case page, on the home page
and in the case list, and goes overdue the day after it is due, through the real steps."""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import deadlines, selectors
from incidents.deadlines import DEADLINES
from incidents.models import Case
from incidents.school_days import Counting
from incidents.views.home import HomeView
from incidents.workflow import Outcome, RescheduleReason, State, Suspension
from tests.procedure import APPEAL_HEARING_AT, HEARING_AT, LONDON, Procedure

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """A page as a person reads it: the words, without the markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def move_to(procedure: Procedure, day: date, hour: int = 9) -> None:
    procedure.clock.move_to(datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON), tick=False)


def overdue(someone) -> set[Case]:
    """The cases the case list's "overdue only" filter shows this person."""
    return set(selectors.case_list(someone, selectors.CaseFilters(overdue=True)))


# --- Each deadline, brought about by the real steps ---------------------------------
# Each returns a case on which the deadline runs, and the day it is due.

def content_removal(procedure, take, school) -> tuple[Case, date]:
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    return case, case.removal_deadline


def lado_referral(procedure, take, school) -> tuple[Case, date]:
    case = procedure.report(safeguarding=True)
    return case, date(2026, 3, 3)  # one working day after Monday's report


def investigation_target(procedure, take, school) -> tuple[Case, date]:
    case = procedure.case_at(State.INVESTIGATION)  # opened on Monday 2 March
    return case, date(2026, 3, 30)  # the school's 20 working days later


def hearing(procedure, take, school) -> tuple[Case, date]:
    return procedure.case_at(State.HEARING_SCHEDULED), HEARING_AT.date()


def appeal_window(procedure, take, school) -> tuple[Case, date]:
    case = procedure.case_at(State.OUTCOME_ISSUED)  # a final written warning
    return case, case.appeal_deadline


def appeal_hearing(procedure, take, school) -> tuple[Case, date]:
    return procedure.case_at(State.APPEAL), APPEAL_HEARING_AT.date()


def suspension_review(procedure, take, school) -> tuple[Case, date]:
    case = procedure.case_at(State.INVESTIGATION)
    take("suspend", case, case.case_manager, review_on=date(2026, 3, 16))
    return case, date(2026, 3, 16)


def authority_notice(procedure, take, school) -> tuple[Case, date]:
    school.school.appeal_window_working_days = 15  # so that the authority's notice is the next deadline
    school.school.save()
    case = procedure.case_dismissed()  # at a community school, whose employer is the local authority
    return case, HEARING_AT.date() + timedelta(days=14)


def barring_referral(procedure, take, school) -> tuple[Case, date]:
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)  # the harm threshold was met
    take("record_employee_left", case, case.case_manager, left_on=date(2026, 3, 2))
    return case, date(2026, 3, 30)  # 20 working days on


SCENARIOS: dict[str, Callable] = {
    "content_removal": content_removal,
    "lado_referral": lado_referral,
    "investigation_target": investigation_target,
    "hearing": hearing,
    "appeal_window": appeal_window,
    "appeal_hearing": appeal_hearing,
    "suspension_review": suspension_review,
    "authority_notice": authority_notice,
    "barring_referral": barring_referral,
}
BY_NAME = {deadline.name: deadline for deadline in DEADLINES}


def test_every_declared_deadline_is_brought_about_by_a_test():
    assert set(SCENARIOS) == set(BY_NAME), "add a scenario below for each deadline declared"


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_deadline_shows_on_the_case_page_and_goes_overdue_the_day_after(client, procedure, take, school,
                                                                             name):
    case, due = SCENARIOS[name](procedure, take, school)
    label = BY_NAME[name].label

    move_to(procedure, due, hour=17)  # the day it is due: not late yet
    client.force_login(school.hr)  # a session lasts a working day
    assert f"Next deadline: {label}, {due:%A} {due.day} {due:%B %Y}" in text(client.get(case.get_absolute_url()))
    assert case not in overdue(school.hr)

    move_to(procedure, due + timedelta(days=1), hour=0)  # the day after, just past midnight
    assert overdue(school.hr) == {case}
    row = text(client.get(reverse("incidents:case_list"), {"overdue": "on"}))
    assert f"{case.reference}" in row and f"{label}: Overdue: due {due.day} {due:%b %Y}" in row


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_declared_deadline_once_past_is_found_by_the_page_the_list_and_the_overdue_filter(
        procedure, take, school, name):
    """The case page and rows (read in memory), the overdue filter and the home page's order (read
    by the database) all come from the one declaration; each finds the deadline it declares."""
    case, due = SCENARIOS[name](procedure, take, school)
    move_to(procedure, due + timedelta(days=3))
    case = Case.objects.get(pk=case.pk)

    shown = selectors.next_deadline(case)
    assert shown is not None and shown.deadline is BY_NAME[name] and shown.on == due and shown.overdue
    assert BY_NAME[name] in [d.deadline for d in deadlines.deadlines_of(case)]
    row = selectors.case_rows(Case.objects.filter(pk=case.pk))[0]
    assert row.deadline == shown
    assert Case.objects.filter(deadlines.overdue_q()).get() == case
    annotated = Case.objects.annotate(due=deadlines.next_due_on()).get(pk=case.pk)
    assert annotated.due == due


def test_the_database_and_the_case_page_agree_on_every_stage(procedure, take, school):
    """The next deadline's date computed by the database (which orders the home page) is the one the
    case page shows, and a case is overdue by the filter exactly when its page says so."""
    cases = [procedure.case_at(state) for state in State.values]
    cases += [procedure.report(safeguarding=True), procedure.case_at(State.INVESTIGATION, safeguarding=True)]
    cases.append(suspension_review(procedure, take, school)[0])
    for day in (date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 17), date(2026, 4, 30)):
        move_to(procedure, day)
        late = set(Case.objects.filter(deadlines.overdue_q()))
        dates = dict(Case.objects.annotate(due=deadlines.next_due_on()).values_list("pk", "due"))
        for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
            shown = selectors.next_deadline(case)
            assert dates[case.pk] == (shown.on if shown else None), (day, case.state)
            assert (case in late) == any(due.overdue for due in deadlines.deadlines_of(case)), (day, case.state)


# --- The safeguarding referral ---------------------------------------------------------

def test_safeguarding_concern_not_yet_referred_goes_overdue_after_one_working_day(client, procedure, take, school):
    case = procedure.report(safeguarding=True)  # Monday 2 March
    client.force_login(school.dsl)
    assert "Next deadline: Referral to the LADO, Tuesday 3 March 2026" in text(client.get(case.get_absolute_url()))
    home = text(client.get(reverse("incidents:home")))
    assert f"{case.reference} Reported Referral to the LADO: 3 March 2026" in home
    assert "The case manager or the designated safeguarding lead" in home

    move_to(procedure, date(2026, 3, 3), hour=17)
    assert overdue(school.dsl) == set()

    move_to(procedure, date(2026, 3, 4))
    assert overdue(school.dsl) == overdue(school.headteacher) == {case}
    home = text(client.get(reverse("incidents:home")))
    assert "1 open case, 1 overdue" in home
    assert "Referral to the LADO: Overdue: due 3 March 2026 (1 working day late)" in home

    take("decide_harm_threshold", case, school.dsl)  # met
    take("refer_to_lado", case, school.dsl, late_reason="The DSL was away; the deputy was off sick.")
    assert overdue(school.dsl) == set()
    assert selectors.next_deadline(case) is None  # now the LADO's advice is awaited
    assert "Next deadline" not in text(client.get(case.get_absolute_url()))


def test_the_referral_is_due_one_working_day_after_the_report_skipping_the_easter_weekend(procedure, school):
    move_to(procedure, date(2026, 4, 2))  # Maundy Thursday; Good Friday and Easter Monday are bank holidays
    case = procedure.report(safeguarding=True)
    assert selectors.next_deadline(case)[:2] == (date(2026, 4, 7), "Referral to the LADO")
    move_to(procedure, date(2026, 4, 7), hour=17)
    assert overdue(school.dsl) == set()
    move_to(procedure, date(2026, 4, 8))
    assert overdue(school.dsl) == {case}


def test_a_concern_found_to_meet_the_threshold_during_an_investigation_owes_the_referral(procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION, safeguarding=True)  # found below the threshold at first
    assert selectors.next_deadline(case).label != "Referral to the LADO"
    move_to(procedure, date(2026, 3, 5))
    take("decide_harm_threshold", case, school.dsl)  # new messages come to light: met
    assert selectors.next_deadline(case)[:2] == (date(2026, 3, 6), "Referral to the LADO")
    assert overdue(school.dsl) == set()
    move_to(procedure, date(2026, 3, 9))
    assert overdue(school.dsl) == {case}


# --- Only while the case is open, and only what the stage owes --------------------------

def test_a_case_closed_by_dismissal_leaves_no_suspension_review_overdue(procedure, take, school):
    case, review_on = suspension_review(procedure, take, school)
    # gross misconduct alleged, so dismissal is possible
    procedure.submit_report(case)
    take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor, school.governor2])  # a staff dismissal committee
    move_to(procedure, HEARING_AT.date(), hour=14)
    take("record_outcome", case, school.chair, outcome=Outcome.DISMISSAL_WITH_NOTICE,
         termination_on=date(2026, 4, 7), notice_weeks=4, final_pay="Paid on the last day, with holiday owed.")
    take("close", case, case.case_manager)
    assert case.state == State.CLOSED and case.suspension == Suspension.SUSPENDED  # employment ended with it

    move_to(procedure, review_on + timedelta(days=10))
    assert selectors.next_deadline(case) is None
    assert overdue(school.hr) == set()


def test_an_outcome_that_cannot_be_appealed_has_no_appeal_window(procedure, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.hold_hearing(case, outcome=Outcome.NO_FURTHER_ACTION)
    assert selectors.next_deadline(case) is None
    move_to(procedure, case.appeal_deadline + timedelta(days=1))
    assert overdue(school.hr) == set()


def test_a_hearing_late_at_night_is_due_on_its_date_in_the_schools_time_zone(procedure, take, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    # British Summer Time: 00:30 on 1 April in London is still 31 March in UTC.
    take("reschedule", case, case.case_manager, hearing_at=datetime(2026, 4, 1, 0, 30, tzinfo=LONDON),
         reason=RescheduleReason.OTHER)
    assert selectors.next_deadline(case).on == date(2026, 4, 1)
    assert Case.objects.annotate(due=deadlines.next_due_on()).get(pk=case.pk).due == date(2026, 4, 1)
    move_to(procedure, date(2026, 4, 1), hour=23)
    assert overdue(school.hr) == set()
    move_to(procedure, date(2026, 4, 2), hour=0)
    assert overdue(school.hr) == {case}


def test_a_declared_deadline_must_be_readable_in_memory_and_name_a_date_and_a_role():
    with pytest.raises(ValueError, match="cannot be read from a case in memory"):
        deadlines.Deadline(name="x", label="X", applies=Q(removal_deadline__gte=date(2026, 1, 1)),
                           field="removal_deadline", waiting="the case manager", role="manage_case", do="Act.")
    with pytest.raises(TypeError, match="not a date"):
        deadlines.Deadline(name="x", label="X", applies=Q(), field="reference",
                           waiting="the case manager", role="manage_case", do="Act.")
    with pytest.raises(ValueError, match="not a permission"):
        deadlines.Deadline(name="x", label="X", applies=Q(), field="removal_deadline",
                           waiting="the case manager", role="case_manager", do="Act.")
    with pytest.raises(FieldDoesNotExist):
        deadlines.Deadline(name="x", label="X", applies=Q(), field="removal_deadline", waiting="the case manager",
                           role="manage_case", do="Act.",
                           period=deadlines.Period("removal_days", Counting.WORKING_DAYS))


def test_a_case_list_row_reads_every_field_the_deadlines_need():
    fields = {lookup.partition("__")[0] for deadline in DEADLINES for lookup in deadlines._lookups(deadline.condition)}
    assert fields | {deadline.field for deadline in DEADLINES} <= set(deadlines.FIELDS)


# --- The home page -------------------------------------------------------------------

def test_home_lists_the_cases_soonest_deadline_first_with_the_overdue_ones_marked(client, procedure, take, school,
                                                                                   monkeypatch):
    appeal, _ = appeal_hearing(procedure, take, school)  # 20 March
    removal, _ = content_removal(procedure, take, school)  # 3 March
    no_deadline = procedure.case_at(State.INVESTIGATION)
    heard, _ = hearing(procedure, take, school)  # 10 March
    move_to(procedure, date(2026, 3, 5))
    client.force_login(school.headteacher)
    page = text(client.get(reverse("incidents:home")))
    order = [case.reference for case in (removal, heard, appeal, no_deadline)]
    assert sorted(order, key=page.index) == order
    assert "4 open cases, 1 overdue" in page
    assert "Content to be removed: Overdue: due 3 March 2026 (2 working days late)" in page
    assert "Hearing: 10 March 2026 The hearing panel" in page

    monkeypatch.setattr(HomeView, "paginate_by", 2)  # paged in the database, in the same order
    first, second = (text(client.get(reverse("incidents:home"), {"page": n})) for n in (1, 2))
    assert removal.reference in first and heard.reference in first and appeal.reference not in first
    assert appeal.reference in second and no_deadline.reference in second and "Page 2 of 2" in second


def test_home_costs_the_same_queries_however_many_cases_await(client, procedure, take, school,
                                                              django_assert_max_num_queries):
    client.force_login(school.headteacher)
    content_removal(procedure, take, school)
    suspension_review(procedure, take, school)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("incidents:home")).status_code == 200
    for scenario in SCENARIOS.values():
        for _ in range(4):
            scenario(procedure, take, school)
    move_to(procedure, date(2026, 4, 30))
    client.force_login(school.headteacher)
    with django_assert_max_num_queries(len(few)):
        page = text(client.get(reverse("incidents:home")))
    assert "Overdue" in page
