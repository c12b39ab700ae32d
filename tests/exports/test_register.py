"""The register: read back in every format, only the cases the person may export, formulas neutralised."""

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.exports import register
from incidents.exports.formula import neutralise
from incidents.exports.register import HEADERS, NAMES, RegisterFilters
from incidents.models import ExportRecord, Role
from incidents.workflow import State
from incidents.working_days import working_days_between
from tests.factories import person

pytestmark = pytest.mark.django_db


def download(client, **params):
    response = client.get(reverse("incidents:export_register"), params)
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def read_csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    # XLSX stores a carriage return as the escape _x000D_, which openpyxl's reader leaves as it is.
    rows = [[v.replace("_x000D_", "\r") if isinstance(v, str) else v for v in row]
            for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


@pytest.fixture
def every_stage(register_cases):
    cases, elsewhere, other = register_cases
    return cases, elsewhere, other


def test_hr_downloads_the_register_as_csv_with_one_row_per_case_they_may_export(client, school, every_stage):
    cases, elsewhere, _ = every_stage
    client.force_login(school.hr)
    response, body = download(client, file_format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(body)
    assert list(rows[0]) == HEADERS
    assert sorted(row["Reference"] for row in rows) == sorted(case.reference for case in cases.values())
    assert elsewhere.reference not in body.decode()
    appeal = next(row for row in rows if row["Reference"] == cases[State.APPEAL].reference)
    assert appeal["Stage now"] == "Appeal"
    assert appeal["Reported: began"] == "2026-03-02"
    assert appeal["Hearing scheduled: began"] == "2026-03-02"
    assert appeal["Outcome issued: began"] == "2026-03-10"
    assert appeal["Appeal: began"] == "2026-03-12"
    assert appeal["Outcome"] == "Final written warning"
    assert appeal["Warning expires"] == "2027-03-10"
    assert appeal["Employee concerned"] == "Alex Employee"
    assert appeal["Case manager"] == school.headteacher.get_full_name()
    assert appeal["Investigating officer"] == school.investigator.get_full_name()
    # the earlier cases left the employee a live final written warning: a staff dismissal committee heard it
    assert set(appeal["Hearing panel"].split("; ")) == {
        school.chair.get_full_name(), school.governor.get_full_name(), school.governor2.get_full_name()}
    assert set(appeal["Appeal panel"].split("; ")) == {
        person.get_full_name() for person in cases[State.APPEAL].appeal_panel.all()}
    assert appeal["Retain until"] == ""  # still open
    closed = next(row for row in rows if row["Reference"] == cases[State.CLOSED].reference)
    assert closed["Ended"] == "2026-03-02" and closed["Retain until"] == "2026-09-02"  # no case to answer: six months


def test_xlsx_and_json_hold_the_same_rows_as_csv(client, school, every_stage):
    client.force_login(school.hr)
    _, as_csv = download(client, file_format="csv")
    response, as_xlsx = download(client, file_format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _, as_json = download(client, file_format="json")
    csv_rows = read_csv(as_csv)
    xlsx_rows = read_xlsx(as_xlsx)
    json_rows = json.loads(as_json)
    assert len(csv_rows) == len(xlsx_rows) == len(json_rows) == 11
    for row_csv, row_xlsx, row_json in zip(csv_rows, xlsx_rows, json_rows, strict=False):
        assert list(row_json) == NAMES
        for header, name in zip(HEADERS, NAMES, strict=False):
            value = row_xlsx[header]
            value = value.date().isoformat() if hasattr(value, "date") else "" if value is None else str(value)
            assert value == row_csv[header], header
            assert ("" if row_json[name] is None else str(row_json[name])) == row_csv[header], name


def test_filters_narrow_the_register(client, school, every_stage):
    cases, _, _ = every_stage
    client.force_login(school.hr)
    by_stage = read_csv(download(client, file_format="csv", stage=State.APPEAL)[1])
    assert [row["Reference"] for row in by_stage] == [cases[State.APPEAL].reference]
    by_kind = read_csv(download(client, file_format="csv", kind="compromised_account")[1])
    assert [row["Reference"] for row in by_kind] == [cases[State.CONTAINMENT].reference]
    by_outcome = read_csv(download(client, file_format="csv", outcome="final_written_warning")[1])
    assert {row["Reference"] for row in by_outcome} == {cases[State.OUTCOME_ISSUED].reference,
                                                        cases[State.APPEAL].reference}
    assert read_csv(download(client, file_format="csv", reported_from="2026-03-03")[1]) == []
    assert len(read_csv(download(client, file_format="csv", reported_to="2026-03-02",
                                 school=str(school.school.pk))[1])) == 11


def test_filter_by_clause(client, school, procedure):
    from tests.factories import clause

    cited = procedure.report(clauses=[clause("a")])
    procedure.report()
    client.force_login(school.hr)
    rows = read_csv(download(client, file_format="csv", clause="a")[1])
    assert [(row["Reference"], row["Clauses"]) for row in rows] == [(cited.reference, "a")]


def test_an_hr_adviser_of_another_school_gets_only_their_own_school(client, every_stage):
    _, elsewhere, other = every_stage
    client.force_login(other.hr)
    rows = read_csv(download(client, file_format="csv")[1])
    assert [row["Reference"] for row in rows] == [elsewhere.reference]


def test_an_hr_adviser_with_no_cases_and_other_roles_cannot_export(client, school, every_stage):
    lonely = person(every_stage[2].school.__class__.objects.create(name="Empty", reference_prefix="EMP"),
                    Role.HR_ADVISER, staff=False)
    for user in (school.staff, school.headteacher, school.dsl, school.investigator, lonely):
        client.force_login(user)
        for name in ("incidents:exports", "incidents:export_register"):
            assert client.get(reverse(name), {"file_format": "csv"}).status_code == 403, (user, name)
    client.logout()
    assert client.get(reverse("incidents:export_register")).status_code == 302


def test_formula_cells_are_neutralised_in_csv_and_xlsx_but_json_keeps_the_data(client, school, procedure):
    from incidents.models import StaffMember

    for text in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"):
        employee = StaffMember.objects.create(school=school.school, full_name=text)
        procedure.report(subject=employee)
    client.force_login(school.hr)
    csv_names = [row["Employee concerned"] for row in read_csv(download(client, file_format="csv")[1])]
    xlsx_names = [row["Employee concerned"] for row in read_xlsx(download(client, file_format="xlsx")[1])]
    json_names = [row["employee"] for row in json.loads(download(client, file_format="json")[1])]
    expected = ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTab", "'\rReturn"]
    assert csv_names == expected
    assert xlsx_names == expected
    assert json_names == [name[1:] for name in expected]
    assert [neutralise(name[1:]) for name in expected] == expected
    assert neutralise("Plain") == "Plain" and neutralise(5) == 5


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(school, procedure):
    def queries(file_format):
        cases = register.register_cases(school.hr, RegisterFilters())
        with CaptureQueriesContext(connection) as captured:
            if file_format == "xlsx":
                register.register_xlsx(cases)[0].close()
            else:
                b"".join(getattr(register, f"register_{file_format}")(cases))
        return len(captured)

    procedure.case_at(State.APPEAL)
    few = {f: queries(f) for f in ("csv", "xlsx", "json")}
    for state in (State.CLOSED, State.INVESTIGATION, State.OUTCOME_ISSUED, State.REPORTED):
        procedure.case_at(state)
    assert {f: queries(f) for f in ("csv", "xlsx", "json")} == few
    assert max(few.values()) <= 3


def test_working_days_open_agree_with_the_working_day_calendar(school, procedure, time_machine):
    case = procedure.case_at(State.INVESTIGATION)
    for today in (date(2026, 3, 2), date(2026, 3, 6), date(2026, 4, 10), date(2026, 12, 29)):
        time_machine.move_to(today, tick=False)
        rows = json.loads(b"".join(register.register_json(register.register_cases(school.hr, RegisterFilters()))))
        assert rows[0]["working_days_open"] == working_days_between(date(2026, 3, 2), today), today
        assert rows[0]["reference"] == case.reference


def test_every_export_is_recorded_with_who_what_filters_and_rows(client, school, every_stage):
    client.force_login(school.hr)
    download(client, file_format="json", stage=State.CLOSED)
    record = ExportRecord.objects.get()
    assert (record.actor, record.kind, record.file_format, record.rows) == (school.hr, "register", "json", 1)
    assert record.filters == {"stage": State.CLOSED}
    with pytest.raises(ExportRecord.AppendOnly):
        record.save()
    with pytest.raises(ExportRecord.AppendOnly):
        ExportRecord.objects.all().delete()


def test_the_command_writes_the_register(school, every_stage, tmp_path):
    out = tmp_path / "register.csv"
    call_command("export_cases", "--as", school.hr.username, "--format", "csv", "--stage", "closed",
                 "--out", str(out))
    rows = read_csv(out.read_bytes())
    assert [row["Stage now"] for row in rows] == ["Closed"]
    call_command("export_cases", "--as", school.hr.username, "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"))
    assert len(read_xlsx((tmp_path / "r.xlsx").read_bytes())) == 11
    call_command("export_cases", "--as", school.staff.username, "--format", "json", "--out", str(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_bytes()) == []
    assert ExportRecord.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_on_postgresql_the_csv_is_postgresqls_copy_of_the_same_rows(school, every_stage):
    cases = register.register_cases(school.hr, RegisterFilters())
    copied = read_csv(b"".join(register.register_csv(cases)))
    rows = [[("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in row]
            for row in register.register_rows(cases)]
    assert [list(row.values()) for row in copied] == rows


def test_the_register_shows_the_suspension_and_the_lados_outcome(client, school, procedure):
    from incidents import services
    from incidents.workflow import inputs

    suspended = procedure.case_at(State.INVESTIGATION)
    services.step_take(case=suspended, by=school.headteacher, given=inputs.Suspend.example(suspended))
    lifted = procedure.case_at(State.INVESTIGATION)
    services.step_take(case=lifted, by=school.headteacher, given=inputs.Suspend.example(lifted))
    procedure.clock.move_to("2026-03-09 09:00 +00:00", tick=False)
    services.step_take(case=lifted, by=school.headteacher, given=inputs.LiftSuspension.example(lifted))
    lado = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    services.step_take(case=lado, by=school.headteacher, given=inputs.RecordLadoOutcome(
        lado_outcome="unfounded", advice="No further action by the LADO.", investigate=False,
        personnel_summary="Referred to the LADO, who found no evidence for it."))
    client.force_login(school.hr)
    rows = {row["Reference"]: row for row in read_csv(download(client, file_format="csv")[1])}
    assert (rows[suspended.reference]["Suspended from"], rows[suspended.reference]["Suspended to"]) == (
        "2026-03-02", "")
    assert (rows[lifted.reference]["Suspended from"], rows[lifted.reference]["Suspended to"]) == (
        "2026-03-02", "2026-03-09")
    assert rows[lado.reference]["LADO outcome"] == "Unfounded"
    assert rows[lado.reference]["Suspended from"] == rows[lado.reference]["LADO outcome"][:0] == ""
    xlsx = {row["Reference"]: row for row in read_xlsx(download(client, file_format="xlsx")[1])}
    assert xlsx[lifted.reference]["Suspended to"].date() == date(2026, 3, 9)
    assert xlsx[lado.reference]["LADO outcome"] == "Unfounded"


def test_the_xlsx_register_has_a_filter_a_frozen_header_and_headings_that_fit(client, school, every_stage):
    client.force_login(school.hr)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, file_format="xlsx")[1])).active
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(HEADERS))}1"
    assert sheet.freeze_panes == "A2"
    widths = {index: dimension.width for dimension in sheet.column_dimensions.values()
              for index in range(dimension.min, dimension.max + 1)}  # columns of one width are stored as a range
    for index, header in enumerate(HEADERS, start=1):
        width = widths[index]
        assert width >= min(len(header) + 2, 30), header  # the heading is not cut off (long ones wrap)
    assert sheet["A1"].font.bold and sheet["A1"].alignment.wrap_text
