"""The monitoring dashboard and the governors' report: every figure against cases counted by hand,
small numbers suppressed, and only the people and schools allowed."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents import services
from incidents.models import Case, Role
from incidents.monitoring.figures import dashboard, period_parse, suppressed
from incidents.monitoring.policy import version_record
from incidents.workflow import State, inputs
from tests.factories import SchoolFactory, StaffMemberFactory, clause, person, rainow_policy
from tests.letters import pdf
from tests.procedure import LONDON

pytestmark = pytest.mark.django_db

SPRING = period_parse("2026-spring")


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=LONDON)


def removal_case(procedure, school, *, asked_on: int, removed_on: int, clauses) -> Case:
    """Reported on Monday 2 March 2026; removal asked on `asked_on` March; confirmed on `removed_on`."""
    procedure.clock.move_to(at(2), tick=False)
    case = procedure.report(clauses=clauses)
    procedure.clock.move_to(at(asked_on), tick=False)
    services.step_take(case=case, by=school.headteacher, given=inputs.RequestContentRemoval())
    procedure.clock.move_to(at(removed_on), tick=False)
    services.step_take(case=case, by=school.headteacher, given=inputs.ConfirmRemoved(how_confirmed="Checked the page."))
    return case


@pytest.fixture
def term(procedure, school):
    """Thirteen cases of Rainow in the spring term of 2026, counted by hand:

    - R1–R6: breaches reported on Monday 2 March; removal asked 1, 2, 3, 4, 8 and 1 working days later
      (3, 4, 5, 6, 12 and 3 March), each removal deadline one working day on; R1–R5 removed the next
      working day (on time), R6 two working days later (late). R1–R5 cite clause a; R6 a and e.
    - S1, S2: safeguarding concerns (clause c) reported on 2 March, never referred to the LADO.
    - P1–P4: compromised accounts reported on 2 March; P5 one reported on Monday 16 February.
    The dashboard is read on Friday 20 March 2026.
    """
    a, c, e = clause("a"), clause("c"), clause("e")
    for asked_on, removed_on, clauses in ((3, 4, [a]), (4, 5, [a]), (5, 6, [a]), (6, 9, [a]), (12, 13, [a]),
                                          (3, 5, [a, e])):
        removal_case(procedure, school, asked_on=asked_on, removed_on=removed_on, clauses=clauses)
    procedure.clock.move_to(at(2), tick=False)
    for _ in range(2):
        procedure.report(clauses=[c])
    for _ in range(4):
        procedure.report(kind=Case.Kind.COMPROMISED_ACCOUNT, subject=None)
    procedure.clock.move_to(at(16, 2), tick=False)
    procedure.report(kind=Case.Kind.COMPROMISED_ACCOUNT, subject=None)
    # Not counted: a case of another school, and one of Rainow in the autumn term of 2025.
    other = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")
    person(other, Role.HEADTEACHER)
    services.case_report(reporter=person(other, Role.STAFF), school=other, kind=Case.Kind.BREACH,
                         platform=Case.Platform.X, subject=StaffMemberFactory(school=other), description="Seen")
    procedure.clock.move_to(datetime(2025, 11, 10, 9, 0, tzinfo=LONDON), tick=False)
    procedure.report()
    procedure.clock.move_to(at(20), tick=False)
    return school


def board(school, period=SPRING):
    return dashboard([school.school], period, today=date(2026, 3, 20))


def test_cases_by_month_kind_and_stage(term):
    figures = board(term)
    by_month = figures.figure("by-month")
    assert [label for label, _ in by_month.rows] == ["January 2026", "February 2026", "March 2026"]
    assert by_month.value("January 2026") == "0"
    assert by_month.value("February 2026") == "fewer than 5"  # P5
    assert by_month.value("March 2026") == "not shown"  # 12, hidden: else February = 13 - 12
    assert by_month.value("All cases") == "13"
    by_kind = figures.figure("by-kind")
    assert by_kind.value("A suspected breach of the policy") == "8"
    assert by_kind.value("An account that may be compromised") == "5"
    by_stage = figures.figure("by-stage")
    assert by_stage.value("Content removed") == "6"
    assert by_stage.value("Reported") == "7"  # S1, S2, P1–P5
    assert by_stage.value("Hearing scheduled") == "0"


def test_cases_by_clause_count_a_case_under_each_clause_and_across_versions(term, procedure):
    by_clause = board(term).figure("by-clause")
    assert by_clause.value("a) Bring the school into disrepute") == "6"
    assert by_clause.value("c) Abuse position of trust with children") == "fewer than 5"
    assert by_clause.value("e) Discrimination, bullying or harassment") == "fewer than 5"
    assert by_clause.value("No clause cited") == "5"
    assert by_clause.total is None  # a case may cite several clauses

    new = version_record(previous=rainow_policy(), version="2026", approved_on=date(2026, 3, 19),
                         approved_by="Full Governing Body")
    term.school.refresh_from_db()
    procedure.report(clauses=[new.clauses.get(ref="a")])
    by_clause = board(term).figure("by-clause")
    assert [label for label, _ in by_clause.rows].count("a) Bring the school into disrepute") == 1
    assert by_clause.value("a) Bring the school into disrepute") == "7"


def test_working_days_in_each_stage_median_and_90th_percentile(term):
    times = board(term).figure("stage-times")
    # Reported: 1, 2, 3, 4, 8 and 1 working days -> sorted 1 1 2 3 4 8: median 2.5, 90th percentile
    # (nearest rank: the 6th of 6) 8.
    assert times.value("Reported", 0) == "6"
    assert times.value("Reported", 1) == "2.5"
    assert times.value("Reported", 2) == "8"
    # Removal asked: 1, 1, 1, 1 (R4 asked on Friday, removed on Monday), 1, 2.
    assert [times.value("Content removal requested", column) for column in range(3)] == ["6", "1", "2"]
    # A stage no stay has ended in shows nothing.
    assert times.value("Content removed", 0) == "0" and times.value("Content removed", 1) == "—"


def test_content_removal_lado_referrals_and_overdue(term):
    figures = board(term)
    removal = figures.figure("content-removal")
    assert removal.value("Removed after the deadline") == "fewer than 5"  # R6
    assert removal.value("Removed by the deadline") == "not shown"  # 5, hidden with it
    assert removal.value("Not removed (escalated, or still waiting)") == "0"
    assert removal.value("Cases where removal was asked") == "6"
    lado = figures.figure("lado-referrals")
    assert lado.value("Not referred") == "fewer than 5" and lado.value("Safeguarding cases") == "fewer than 5"
    overdue = figures.figure("overdue")
    assert overdue.value("Referral to the LADO") == "fewer than 5"
    assert overdue.value("Hearing") == "0"


def test_outcomes_and_appeals(procedure, school):
    procedure.case_at(State.APPEAL)
    figures = dashboard([school.school], SPRING, today=date(2026, 3, 20))
    assert figures.figure("outcomes").value("Final written warning") == "fewer than 5"
    assert figures.figure("outcomes").value("Cases with an outcome") == "fewer than 5"
    assert figures.figure("appeals").value("Not decided yet") == "fewer than 5"
    assert figures.figure("appeals").value("Upheld") == "0"


def test_another_period_or_school_counts_none_of_them(term):
    assert board(term, period_parse("2026-autumn")).figure("by-kind").value("All cases") == "0"
    autumn_2025 = board(term, period_parse("2025-autumn")).figure("by-kind")
    assert autumn_2025.value("All cases") == "fewer than 5"  # the one of November 2025
    year = board(term, period_parse("2025-26")).figure("by-kind")
    assert year.value("All cases") == "14"


def test_suppression_primary_and_secondary():
    assert suppressed([0, 1, 4, 5, 12], with_total=True) == [False, True, True, False, False]
    # One small count with a total shown: the smallest other non-zero count is hidden too.
    assert suppressed([3, 0, 9, 6], with_total=True) == [True, False, False, True]
    assert suppressed([3, 0, 9, 6], with_total=False) == [True, False, False, False]
    assert suppressed([0, 7, 0], with_total=True) == [False, False, False]


def test_periods_are_named_plainly_and_a_bad_one_is_refused():
    assert SPRING.first == date(2026, 1, 1) and SPRING.last == date(2026, 3, 31)
    autumn = period_parse("2026-autumn")
    assert (autumn.first, autumn.last, autumn.label) == (date(2026, 9, 1), date(2026, 12, 31),
                                                         "Autumn term 2026 (September to December)")
    assert period_parse("2026-27").last == date(2027, 8, 31)
    for bad in ("2026", "autumn", "2026-winter", "2026-28", ""):
        with pytest.raises(ValueError):
            period_parse(bad)


# --- The page ------------------------------------------------------------------------------

def test_the_dashboard_shows_each_figure_as_a_chart_a_table_and_a_csv(client, term):
    client.force_login(term.headteacher)
    page = client.get(reverse("incidents:monitoring"), {"period": "2026-spring"}).content.decode()
    assert "Rainow Primary School: Spring term 2026 (January to March)" in page
    assert page.count('role="img"') == 9  # every figure but the working days has a chart
    assert "<caption>Cases by kind</caption>" in page
    assert "fewer than 5" in page and "RAI-2026" not in page and "Alex Employee" not in page
    assert "style=" not in page and "<style" not in page and "<script" not in page
    response = client.get(reverse("incidents:monitoring_csv", args=["by-kind"]), {"period": "2026-spring"})
    assert response["Content-Disposition"] == 'attachment; filename="monitoring-by-kind-2026-spring.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["An account that may be compromised", "5"] in rows and ["All cases", "13"] in rows
    assert client.get(reverse("incidents:monitoring_csv", args=["nothing"]), {"period": "2026-spring"}
                      ).status_code == 404


def test_a_bad_filter_says_so_and_shows_no_figures(client, term):
    client.force_login(term.headteacher)
    page = client.get(reverse("incidents:monitoring"), {"period": "2026-winter", "school": "BOL"}).content.decode()
    assert "Select a valid choice" in page and 'role="img"' not in page


def test_governors_see_figures_and_no_case_and_others_see_nothing(client, term):
    for someone in (term.governor, term.chair, term.hr):
        client.force_login(someone)
        page = client.get(reverse("incidents:monitoring"), {"period": "2026-spring"}).content.decode()
        assert "Cases by kind" in page and "RAI-2026" not in page
    client.force_login(term.governor)
    assert client.get(Case.objects.first().get_absolute_url()).status_code == 404
    for someone in (term.staff, term.investigator, term.dsl):
        client.force_login(someone)
        assert client.get(reverse("incidents:monitoring")).status_code == 403
        assert client.get(reverse("incidents:monitoring_csv", args=["by-kind"])).status_code == 403
        assert client.get(reverse("incidents:monitoring_report")).status_code == 403


def test_a_schools_people_see_only_their_school_and_hr_see_all_theirs(client, term):
    from incidents.models import School

    bollington = School.objects.get(reference_prefix="BOL")
    client.force_login(term.headteacher)
    page = client.get(reverse("incidents:monitoring"), {"period": "2026-spring"}).content.decode()
    assert "Bollington Cross" not in page
    hr_both = person(bollington, Role.HR_ADVISER, username=term.hr.username, staff=False)
    client.force_login(hr_both)
    page = client.get(reverse("incidents:monitoring"), {"period": "2026-spring", "school": "all"}).content.decode()
    assert "All schools: Bollington Cross, Rainow Primary School" in page
    rows = list(csv.reader(io.StringIO(client.get(reverse("incidents:monitoring_csv", args=["by-kind"]),
                                                  {"period": "2026-spring", "school": "all"}).content.decode())))
    assert ["A suspected breach of the policy", "9"] in rows and ["All cases", "14"] in rows
    only_bol = person(bollington, Role.HR_ADVISER, staff=False)
    client.force_login(only_bol)
    page = client.get(reverse("incidents:monitoring"), {"period": "2026-spring", "school": "RAI"}).content.decode()
    assert "Select a valid choice" in page and "Cases by kind" not in page


# --- The report ------------------------------------------------------------------------------

def test_the_report_command_writes_the_figures_as_csv(term, tmp_path):
    out = tmp_path / "report.csv"
    call_command("monitoring_report", "--school", "RAI", "--period", "2026-spring", "--format", "csv",
                 "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Monitoring of the Social Media Policy", "Rainow Primary School",
                       "Spring term 2026 (January to March)"]
    assert ["March 2026", "not shown"] in rows and ["February 2026", "fewer than 5"] in rows
    assert ["Reported", "6", "2.5", "8"] in rows


def test_the_report_command_writes_a_tagged_pdf(term, tmp_path, real_letters):
    out = tmp_path / "report.pdf"
    call_command("monitoring_report", "--school", "RAI", "--period", "2026-spring", "--format", "pdf",
                 "--out", str(out))
    content = out.read_bytes()
    assert pdf.is_pdf_ua(content)
    words = pdf.text(content)
    assert "Monitoring of the Social Media Policy" in words and "Rainow Primary School" in words
    assert "fewer than 5" in words and "RAI-2026" not in words
    assert "is overdue: it was due on 1 July 2024" in words
    assert "Lessons learned" in words and "None was recorded." in words


def test_the_report_command_refuses_an_unknown_school_or_period_and_writes_nothing(term, tmp_path):
    out = tmp_path / "report.pdf"
    with pytest.raises(CommandError, match="No school has the reference prefix XYZ"):
        call_command("monitoring_report", "--school", "XYZ", "--period", "2026-spring", "--out", str(out))
    with pytest.raises(CommandError, match="Choose a term"):
        call_command("monitoring_report", "--school", "RAI", "--period", "2026-winter", "--out", str(out))
    assert not out.exists()


def test_the_dashboard_button_downloads_the_report(client, term):
    client.force_login(term.chair)
    response = client.get(reverse("incidents:monitoring_report"), {"period": "2026-spring"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="monitoring-report-2026-spring.pdf"'


def test_the_report_gives_the_lessons_learned_closing_cases_in_the_period_without_the_cases(
        procedure, school, tmp_path, take):
    first = procedure.case_at(State.REPORTED)
    take("close_no_case", first, school.headteacher, lessons="Ask the reporter for the link, not only a photo.")
    second = procedure.case_at(State.REPORTED)
    take("close_no_case", second, school.headteacher)  # no lesson given: nothing to report
    out = tmp_path / "report.csv"
    call_command("monitoring_report", "--school", "RAI", "--period", "2026-spring", "--format", "csv",
                 "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text())))
    at = rows.index(["Lessons learned: what case managers would do differently"])
    assert rows[at + 1:] == [["Ask the reporter for the link, not only a photo."]]
    assert first.reference not in out.read_text()
    out = tmp_path / "autumn.csv"
    call_command("monitoring_report", "--school", "RAI", "--period", "2026-autumn", "--format", "csv",
                 "--out", str(out))
    assert "Ask the reporter" not in out.read_text()
