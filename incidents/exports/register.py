"""The register of cases: one row per case, its columns declared once, below.

Every column is a database expression, so the register is one query however many cases
it holds, read in chunks (`.iterator(chunk_size=...)`): memory does not grow with the
number of cases, and the number of queries does not either. The same query feeds every
format:

- CSV: streamed row by row; on PostgreSQL, PostgreSQL's own `COPY (query) TO STDOUT`;
- XLSX: xlsxwriter in constant-memory mode, into a temporary file that is then streamed;
- JSON: an array streamed one object at a time, with the data as it is (no formula guard).

Which cases: only those `selectors.cases_exportable_by(user)` gives, filtered by school,
date reported, stage, kind, clause and outcome.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import (
    Case as CaseWhen,
    CharField,
    DateField,
    Expression,
    F,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncDate

from incidents import clock
from incidents.exports.formula import Neutralised
from incidents.exports.sql import JoinedText, WorkingDaysBetween
from incidents.models import Case
from incidents.retention import retain_until
from incidents.selectors import cases_exportable_by, cases_matching
from incidents.workflow import AppealDecision, LadoOutcome, Outcome, State, Suspension
from incidents.workflow.choices import REPORTING_RESTRICTION

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from incidents.models import ExportRecord

CHUNK = 2000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
}

ENDED = [State.CLOSED, State.WITHDRAWN]


# --- The columns -----------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # the JSON key, and the column's alias in SQL
    header: str  # the CSV and XLSX heading
    expression: Callable[[], Combinable]  # an expression, an F() or a subquery
    kind: str = "text"  # text | date | number


def _label(field: str, choices: Iterable[tuple[Any, str]]) -> Expression:
    return CaseWhen(When(**{field: ""}, then=Value(None, output_field=CharField())),
                    *[When(**{field: value}, then=Value(label)) for value, label in choices],
                 default=F(field), output_field=CharField())


def _full_name(prefix: str) -> Expression:
    name = Trim(Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"), output_field=CharField()))
    return Coalesce(NullIf(name, Value("")), F(f"{prefix}username"), output_field=CharField())


def _panel(through: type[Model]) -> Subquery:
    names = (through._default_manager.filter(case=OuterRef("pk")).order_by().values("case")
             .annotate(names=JoinedText(_full_name("user__"), separator="; ")).values("names"))
    return Subquery(names, output_field=CharField())


def _clauses() -> Subquery:
    # django-stubs does not see an annotation made after .values(), and calls "refs" unknown.
    refs = (Case.clauses.through.objects.filter(case=OuterRef("pk")).order_by().values("case")  # type: ignore[misc]
            .annotate(refs=JoinedText(F("clause__ref"))).values("refs"))
    return Subquery(refs, output_field=CharField())


def _entered(states: Sequence[str], first: bool = True) -> Expression:
    """The date (school time) the case first (or last) entered one of `states`: an aggregate over
    the case's events, so the register joins the events once rather than once per column."""
    moment = (Min if first else Max)("events__at", filter=Q(events__to_state__in=states))
    return TruncDate(moment)


def _ended_on() -> Expression:
    return CaseWhen(When(state__in=ENDED, then=_entered(ENDED, first=False)), default=None, output_field=DateField())


def _working_days_open() -> Expression:
    until = CaseWhen(When(state__in=ENDED, then=_entered(ENDED, first=False)), default=Value(clock.today()),
                  output_field=DateField())
    return WorkingDaysBetween(TruncDate("reported_at"), until)


def _suspended_from() -> Expression:
    """The day the latest suspension began (none if the employee was never suspended)."""
    return TruncDate(Max("events__at", filter=Q(events__transition="suspend")))


def _suspended_to() -> Expression:
    """The day the latest suspension was lifted; none while it lasts."""
    return CaseWhen(When(suspension=Suspension.LIFTED,
                         then=TruncDate(Max("events__at", filter=Q(events__transition="lift_suspension")))),
                    default=None, output_field=DateField())


def _entered_state(state: str) -> Callable[[], Expression]:
    return lambda: _entered([state])


COLUMNS: list[Column] = [
    Column("reference", "Reference", lambda: F("reference")),
    Column("school", "School", lambda: F("school__name")),
    Column("reporting_restriction", "Reporting restriction", lambda: CaseWhen(
        When(reporting_restricted=True, then=Value(REPORTING_RESTRICTION)), default=Value(""),
        output_field=CharField())),
    Column("kind", "Kind", lambda: _label("kind", Case.Kind.choices)),
    Column("clauses", "Clauses", _clauses),
    Column("stage", "Stage now", lambda: _label("state", State.choices)),
    *[Column(f"{state}_on", f"{label}: began", _entered_state(state), "date")
      for state, label in State.choices],
    Column("outcome", "Outcome", lambda: _label("outcome", Outcome.choices)),
    Column("outcome_before_appeal", "Outcome before appeal", lambda: _label("outcome_before_appeal", Outcome.choices)),
    Column("appeal_decision", "Appeal decision", lambda: _label("appeal_decision", AppealDecision.choices)),
    Column("suspended_from", "Suspended from", _suspended_from, "date"),
    Column("suspended_to", "Suspended to", _suspended_to, "date"),
    Column("lado_outcome", "LADO outcome", lambda: _label("lado_outcome", LadoOutcome.choices)),
    Column("warning_expires_on", "Warning expires", lambda: F("warning_expires_on"), "date"),
    Column("ended_on", "Ended", _ended_on, "date"),
    Column("working_days_open", "Working days open", _working_days_open, "number"),
    Column("employee", "Employee concerned", lambda: F("subject__full_name")),
    Column("reporter", "Reported by", lambda: _full_name("reporter__")),
    Column("case_manager", "Case manager", lambda: _full_name("case_manager__")),
    Column("investigating_officer", "Investigating officer", lambda: _full_name("investigating_officer__")),
    Column("hearing_panel", "Hearing panel", lambda: _panel(Case.hearing_panel.through)),
    Column("appeal_panel", "Appeal panel", lambda: _panel(Case.appeal_panel.through)),
    Column("retain_until", "Retain until", retain_until, "date"),
]
HEADERS = [column.header for column in COLUMNS]
NAMES = [column.name for column in COLUMNS]


# --- Which cases ---------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilters:
    school: int | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    stage: str = ""
    kind: str = ""
    clause: str = ""
    outcome: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegisterFilters:
        data = dict(data)
        for key in ("reported_from", "reported_to"):
            if isinstance(data.get(key), str):
                data[key] = date.fromisoformat(data[key])
        return cls(**data)


def register_cases(user: User, filters: RegisterFilters) -> QuerySet[Case]:
    """The cases of the register: those `user` may export, filtered."""
    cases = cases_matching(Case.objects.filter(pk__in=cases_exportable_by(user).values("pk")),
                           stage=filters.stage, kind=filters.kind, clause=filters.clause, school=filters.school)
    if filters.reported_from:
        cases = cases.filter(reported_at__date__gte=filters.reported_from)
    if filters.reported_to:
        cases = cases.filter(reported_at__date__lte=filters.reported_to)
    if filters.outcome:
        cases = cases.filter(outcome=filters.outcome)
    return cases


def register_rows(cases: QuerySet[Case], *, guard: bool = True) -> QuerySet[Case, tuple[Any, ...]]:
    """The register's rows for `cases`, as tuples in the order of COLUMNS. With `guard`, text
    cells that a spreadsheet would run as a formula are neutralised (in SQL)."""
    annotations: dict[str, Combinable] = {}
    for column in COLUMNS:
        expression = column.expression()
        if guard and column.kind == "text":
            expression = Neutralised(expression)
        annotations[f"r_{column.name}"] = expression
    return (cases.order_by().annotate(**annotations).order_by("reported_at", "pk")
            .values_list(*annotations))


# --- The formats ----------------------------------------------------------------------

class _Line:
    """A file-like object that hands back what csv.writer wrote."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> None:
        self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


BOM = "\ufeff"  # so that Excel reads the file as UTF-8


def _cell(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def register_csv(cases: QuerySet[Case]) -> Iterator[bytes]:
    """The register as CSV, chunk by chunk (UTF-8 with a byte-order mark, so Excel reads it as such)."""
    rows = register_rows(cases, guard=True)
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")  # RFC 4180; a CR in a cell is then quoted too
    writer.writerow(HEADERS)
    yield (BOM + line.take()).encode()
    if connection.vendor == "postgresql":
        yield from _copy_csv(rows)
        return
    batch = []
    for row in rows.iterator(chunk_size=CHUNK):
        writer.writerow([_cell(value) for value in row])
        batch.append(line.take())
        if len(batch) >= 200:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def _copy_csv(rows: QuerySet[Case, tuple[Any, ...]]) -> Iterator[bytes]:
    """PostgreSQL's own COPY of the register's query, passed on as it comes."""
    sql, params = rows.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for data in copy:
                yield bytes(data)


WIDTHS = {"date": 12, "number": 10, "text": 22}
WIDE = {"description", "clauses", "hearing_panel", "appeal_panel", "appeal_decision", "kind"}


def _width(column: Column) -> int:
    """A column wide enough for its heading (plus the filter button) and a typical value;
    long headings wrap rather than being cut off."""
    typical = 34 if column.name in WIDE else WIDTHS[column.kind]
    return max(typical, min(len(column.header) + 4, 30))


def register_xlsx(cases: QuerySet[Case]) -> tuple[IO[bytes], int]:
    """The register as an XLSX workbook in a temporary file (already unlinked): returns the open
    file, positioned at its start, and its size."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
        sheet = workbook.add_worksheet("Register")
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        sheet.write_row(0, 0, HEADERS, bold)
        sheet.freeze_panes(1, 0)  # the headings stay in view while scrolling
        sheet.autofilter(0, 0, 0, len(COLUMNS) - 1)  # its range grows with the rows below it in Excel
        for index, column in enumerate(COLUMNS):
            sheet.set_column(index, index, _width(column))
        kinds = [column.kind for column in COLUMNS]
        for number, row in enumerate(register_rows(cases, guard=True).iterator(chunk_size=CHUNK), start=1):
            for index, value in enumerate(row):
                if value is None:
                    continue
                if kinds[index] == "date":
                    sheet.write_datetime(number, index, value, day)
                elif kinds[index] == "number":
                    sheet.write_number(number, index, value)
                else:
                    sheet.write_string(number, index, value)
        workbook.close()
        file = open(path, "rb")  # noqa: SIM115  (handed to the caller, who closes it)
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return file, size


def register_json(cases: QuerySet[Case]) -> Iterator[bytes]:
    """The register as a JSON array of objects keyed by column name, one object at a time.
    Values are kept as they are (no formula guard: JSON is not run by spreadsheets)."""
    yield b"["
    first = True
    batch = []
    for row in register_rows(cases, guard=False).iterator(chunk_size=CHUNK):
        text = json.dumps(dict(zip(NAMES, row, strict=True)), cls=DjangoJSONEncoder, ensure_ascii=False)
        batch.append(("\n" if first else ",\n") + text)
        first = False
        if len(batch) >= 200:
            yield "".join(batch).encode()
            batch = []
    batch.append("\n]\n")
    yield "".join(batch).encode()


def filename(file_format: str) -> str:
    return f"case-register-{clock.today().isoformat()}.{FORMATS[file_format][1]}"


def register_export(
    *, by: User, filters: RegisterFilters, file_format: str
) -> tuple[Iterator[bytes] | IO[bytes], int, ExportRecord]:
    """The register of the cases `by` may export, filtered, in `file_format`; records the export
    first (who, filters, number of rows). Returns (content, rows, record): for CSV and JSON an iterator
    of bytes, for XLSX an open file; and the `ExportRecord`."""
    from incidents.exports.records import export_record
    from incidents.models.exports import ExportKind

    if file_format not in FORMATS:
        raise ValueError(f"Unknown format: {file_format}")
    cases = register_cases(by, filters)
    rows = cases.count()
    record = export_record(by=by, kind=ExportKind.REGISTER, file_format=file_format, filters=filters.as_dict(),
                           rows=rows)
    if file_format == "csv":
        return register_csv(cases), rows, record
    if file_format == "json":
        return register_json(cases), rows, record
    return register_xlsx(cases)[0], rows, record
