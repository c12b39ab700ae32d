"""The monitoring figures: how the policy operates, in aggregate, for a set of schools and a period.

Every figure is a count of cases (or a number of working days over cases), never a case: no
reference, name or date of any one case appears. Small numbers are suppressed (`suppressed`):

- **primary**: a count from 1 to 4 shows as "fewer than 5" (0 shows as 0);
- **secondary**: in a table whose rows add up to a total that is shown, one suppressed row could be
  worked out from the total and the others; so when exactly one row is suppressed, the smallest
  other non-zero row is suppressed too, and shows as "not shown";
- a median or a 90th percentile over fewer than 5 stays is not shown.

The cases of a period are those reported in it (`Period`). What a case is now (its stage, its
outcome, its appeal) is read as it stands today.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from incidents import clock
from incidents.deadlines import DEADLINES
from incidents.models import Case, CaseEvent, Clause, School
from incidents.monitoring.policy import current_clause
from incidents.workflow import AppealDecision, Outcome, State
from incidents.working_days import working_days_between

THRESHOLD = 5
FEWER = "fewer than 5"
HIDDEN = "not shown"  # a count of 5 or more hidden so that a smaller one cannot be worked out


# --- Periods ---------------------------------------------------------------------------------

TERMS = {  # term: (first month, last month), in the calendar year the term falls in
    "autumn": (9, 12),
    "spring": (1, 3),
    "summer": (4, 8),
}
TERM_MONTHS = {"autumn": "September to December", "spring": "January to March", "summer": "April to August"}


@dataclass(frozen=True)
class Period:
    """A term ("2026-autumn": autumn term 2026) or an academic year ("2026-27"), first and last day."""

    slug: str
    label: str
    first: date
    last: date

    @property
    def months(self) -> list[date]:
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month += relativedelta(months=1)
        return months


class PeriodError(ValueError):
    pass


def period_parse(slug: str) -> Period:
    """The period named `slug`: "2026-autumn", "2027-spring", "2027-summer" or "2026-27"."""
    text = (slug or "").strip().lower()
    year_text, _, rest = text.partition("-")
    if not year_text.isdigit() or len(year_text) != 4:
        raise PeriodError("Choose a term such as 2026-autumn, or a school year such as 2026-27.")
    year = int(year_text)
    if rest in TERMS:
        first_month, last_month = TERMS[rest]
        first = date(year, first_month, 1)
        last = date(year, last_month, 1) + relativedelta(months=1) - timedelta(days=1)
        return Period(text, f"{rest.capitalize()} term {year} ({TERM_MONTHS[rest]})", first, last)
    if rest.isdigit() and len(rest) == 2 and int(rest) == (year + 1) % 100:
        return Period(text, f"School year {year} to {year + 1} (September to August)", date(year, 9, 1),
                      date(year + 1, 8, 31))
    raise PeriodError("Choose a term such as 2026-autumn, or a school year such as 2026-27.")


def period_of(day: date) -> Period:
    """The term `day` falls in."""
    term = next(name for name, (first, last) in TERMS.items() if first <= day.month <= last)
    return period_parse(f"{day.year}-{term}")


def periods_around(day: date, count: int = 6) -> list[Period]:
    """The term of `day` and the terms before it, newest first, then the school years they fall in."""
    terms, current = [], period_of(day)
    for _ in range(count):
        terms.append(current)
        current = period_of(current.first - timedelta(days=1))
    years = sorted({term.first.year if term.first.month >= 9 else term.first.year - 1 for term in terms},
                   reverse=True)
    return terms + [period_parse(f"{year}-{(year + 1) % 100:02d}") for year in years]


# --- Figures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    value: float | None  # None: suppressed or not shown
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class Figure:
    """One table of figures, drawn as a bar chart of its first column when `chart`."""

    slug: str
    title: str
    note: str
    headers: list[str]
    rows: list[tuple[str, list[Cell]]]
    total: tuple[str, list[Cell]] | None = None
    chart: bool = True
    unit: str = "cases"
    extra: dict[str, str] = field(default_factory=dict)

    def value(self, label: str, column: int = 0) -> str:
        """The text shown for row `label` (or the total's label), for tests and the report."""
        for row_label, cells in self.rows + ([self.total] if self.total else []):
            if row_label == label:
                return cells[column].text
        raise KeyError(label)

    def csv_rows(self) -> list[list[str]]:
        rows = [self.headers] + [[label] + [cell.text for cell in cells] for label, cells in self.rows]
        if self.total:
            rows.append([self.total[0]] + [cell.text for cell in self.total[1]])
        return rows


def count_cell(count: int, suppressed: bool = False) -> Cell:
    if 0 < count < THRESHOLD:
        return Cell(None, FEWER)
    if suppressed:
        return Cell(None, HIDDEN)
    return Cell(count, str(count))


def suppressed(counts: Sequence[int], *, with_total: bool) -> list[bool]:
    """Which of `counts` are hidden: those from 1 to 4; and, when their total is shown and exactly
    one is hidden, the smallest other non-zero one too, so that none can be worked out."""
    hidden = [0 < count < THRESHOLD for count in counts]
    if with_total and sum(hidden) == 1:
        others = [(count, index) for index, count in enumerate(counts) if not hidden[index] and count > 0]
        if others:
            hidden[min(others)[1]] = True
    return hidden


def _counts_figure(slug: str, title: str, note: str, header: str, counts: list[tuple[str, int]], *,
                   total_label: str | None = "All cases", chart: bool = True) -> Figure:
    values = [count for _, count in counts]
    hidden = suppressed(values, with_total=total_label is not None)
    rows = [(label, [count_cell(count, hide)]) for (label, count), hide in zip(counts, hidden, strict=True)]
    total = (total_label, [count_cell(sum(values))]) if total_label is not None else None
    return Figure(slug=slug, title=title, note=note, headers=[header, "Cases"], rows=rows, total=total, chart=chart)


def _percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile: the smallest value at least `share` of the values reach."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def _local_day(moment: datetime) -> date:
    return clock.localdate(moment)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


@dataclass
class Dashboard:
    schools: list[School]
    period: Period
    figures: list[Figure]

    def figure(self, slug: str) -> Figure:
        return next(figure for figure in self.figures if figure.slug == slug)


def cases_in(schools: Iterable[School], period: Period) -> QuerySet[Case]:
    """The cases of `schools` reported in `period`."""
    return Case.objects.filter(school__in=list(schools), reported_at__gte=midnight(period.first),
                               reported_at__lt=midnight(period.last + timedelta(days=1)))


def dashboard(schools: Sequence[School], period: Period, *, today: date | None = None) -> Dashboard:
    """Every figure for the cases of `schools` reported in `period`."""
    today = today or clock.today()
    cases = cases_in(schools, period)
    columns = ("pk", "reported_at", "kind", "state", "outcome", "appeal_received_on", "appeal_decision",
               "safeguarding", "lado_due_on", "lado_referred_at", "removal_deadline")
    rows: list[dict[str, Any]] = [dict(row) for row in cases.values(*columns)]
    ids = [row["pk"] for row in rows]
    figures = [
        _by_month(rows, period), _by_clause(ids), _by_kind(rows), _by_stage(rows), _outcomes(rows),
        _stage_times(rows), _removal(rows), _lado(rows), _appeals(rows), _overdue(schools, today),
    ]
    return Dashboard(schools=list(schools), period=period, figures=figures)


def _by_month(rows: list[dict[str, Any]], period: Period) -> Figure:
    counted = Counter(_local_day(row["reported_at"]).replace(day=1) for row in rows)
    return _counts_figure("by-month", "Cases by month reported", "Each case counts in the month it was reported.",
                          "Month", [(date_format(month, "F Y"), counted[month]) for month in period.months])


def _by_clause(ids: list[int]) -> Figure:
    through = Case.clauses.through.objects.filter(case_id__in=ids)
    clause_ids = set(through.values_list("clause_id", flat=True))
    latest = {clause.replaces_id: clause for clause in Clause.objects.filter(replaces__isnull=False)}
    clauses = {clause.pk: clause for clause in Clause.objects.filter(pk__in=clause_ids)}
    per_clause: dict[int, set[int]] = defaultdict(set)
    citing = set()
    for case_id, clause_id in through.values_list("case_id", "clause_id"):
        now = current_clause(clauses[clause_id], latest)
        per_clause[now.pk].add(case_id)
        citing.add(case_id)
        clauses.setdefault(now.pk, now)
    ordered = sorted(per_clause, key=lambda pk: (len(clauses[pk].ref), clauses[pk].position))
    counts = [(f"{clauses[pk].ref}) {clauses[pk].title}", len(per_clause[pk])) for pk in ordered]
    counts.append(("No clause cited", len(set(ids) - citing)))
    return _counts_figure(
        "by-clause", "Cases by clause of the policy",
        "A case citing several clauses counts under each, so there is no total. A clause of an earlier version "
        "counts under the clause of the current version that replaced it.",
        "Clause", counts, total_label=None)


def _by_kind(rows: list[dict[str, Any]]) -> Figure:
    counted = Counter(row["kind"] for row in rows)
    return _counts_figure("by-kind", "Cases by kind", "", "Kind",
                          [(label, counted[value]) for value, label in Case.Kind.choices])


def _by_stage(rows: list[dict[str, Any]]) -> Figure:
    counted = Counter(row["state"] for row in rows)
    return _counts_figure("by-stage", "Cases by stage they are at now", "The stage of each case today.", "Stage",
                          [(label, counted[value]) for value, label in State.choices])


def _outcomes(rows: list[dict[str, Any]]) -> Figure:
    counted = Counter(row["outcome"] for row in rows if row["outcome"])
    return _counts_figure("outcomes", "Outcomes of hearings",
                          "The outcome that stands today, after any appeal, of the cases that reached one.",
                          "Outcome", [(label, counted[value]) for value, label in Outcome.choices],
                          total_label="Cases with an outcome")


def _stage_times(rows: list[dict[str, Any]]) -> Figure:
    """Working days each finished stay in a stage lasted: from the step that entered it to the step
    that left it. A stage a case is still at is not counted."""
    ids = [row["pk"] for row in rows]
    entered = {row["pk"]: (State.REPORTED.value, _local_day(row["reported_at"])) for row in rows}
    stays: dict[str, list[int]] = defaultdict(list)
    events = (CaseEvent.objects.filter(case_id__in=ids, kind=CaseEvent.Kind.TRANSITION, from_state__in=State.values,
                                       to_state__in=State.values).exclude(from_state="")
              .order_by("case_id", "sequence").values_list("case_id", "from_state", "to_state", "at"))
    for case_id, from_state, to_state, at in events:
        if from_state == to_state:
            continue
        state, since = entered[case_id]
        day = _local_day(at)
        stays[state].append(working_days_between(since, day))
        entered[case_id] = (to_state, day)
    figure_rows = []
    for value, label in State.choices:
        if value in (State.CLOSED, State.WITHDRAWN):
            continue
        days = stays.get(value, [])
        if len(days) >= THRESHOLD:
            cells = [count_cell(len(days)), Cell(statistics.median(days), _days(statistics.median(days))),
                     Cell(_percentile(days, 0.9), _days(_percentile(days, 0.9)))]
        else:
            blank = Cell(None, "not shown: fewer than 5 cases" if days else "—")
            cells = [count_cell(len(days)), blank, blank]
        figure_rows.append((label, cells))
    return Figure(
        slug="stage-times", title="Working days spent in each stage",
        note="Over the stays in a stage that have ended (a stage a case is still at is not counted). The 90th "
             "percentile is the number of working days that 9 in 10 stays did not exceed. Not shown over fewer "
             "than 5 stays.",
        headers=["Stage", "Stays ended", "Median (working days)", "90th percentile (working days)"],
        rows=figure_rows, chart=False, unit="working days")


def _days(value: float) -> str:
    return f"{value:g}"


def _removal(rows: list[dict[str, Any]]) -> Figure:
    asked = {row["pk"]: row["removal_deadline"] for row in rows if row["removal_deadline"]}
    removed = dict(CaseEvent.objects.filter(case_id__in=list(asked), kind=CaseEvent.Kind.TRANSITION,
                                            transition="confirm_removed").values_list("case_id", "at"))
    on_time = sum(1 for pk, by in asked.items() if pk in removed and _local_day(removed[pk]) <= by)
    late = sum(1 for pk, by in asked.items() if pk in removed and _local_day(removed[pk]) > by)
    return _counts_figure(
        "content-removal", "Content removed within its deadline",
        "Of the cases where the employee was asked to remove content.", "Removal",
        [("Removed by the deadline", on_time), ("Removed after the deadline", late),
         ("Not removed (escalated, or still waiting)", len(asked) - on_time - late)],
        total_label="Cases where removal was asked")


def _lado(rows: list[dict[str, Any]]) -> Figure:
    due = [row for row in rows if row["safeguarding"] and row["lado_due_on"]]
    referred = [(_local_day(row["lado_referred_at"]), row["lado_due_on"]) for row in due if row["lado_referred_at"]]
    on_time = sum(1 for day, by in referred if day <= by)
    late = len(referred) - on_time
    return _counts_figure(
        "lado-referrals", "Safeguarding referrals to the LADO within one working day",
        "Of the safeguarding cases, referred to the Local Authority Designated Officer (Keeping Children Safe in "
        "Education: within one working day).", "Referral",
        [("Referred within one working day", on_time), ("Referred later", late),
         ("Not referred", len(due) - on_time - late)],
        total_label="Safeguarding cases")


def _appeals(rows: list[dict[str, Any]]) -> Figure:
    lodged = [row for row in rows if row["appeal_received_on"]]
    counted = Counter(row["appeal_decision"] for row in lodged)
    return _counts_figure(
        "appeals", "Appeals and their results", "Of the appeals lodged against an outcome.", "Result",
        [(label.split(":")[0], counted[value]) for value, label in AppealDecision.choices]
        + [("Not decided yet", counted[""])], total_label="Appeals lodged")


def _overdue(schools: Sequence[School], today: date) -> Figure:
    """Open cases of the schools (whenever reported) with a deadline passed today, by deadline."""
    open_cases = Case.objects.filter(school__in=list(schools))
    counts = [(deadline.label, open_cases.filter(deadline.condition & deadline.passed_q(today)).count())
              for deadline in DEADLINES]
    figure = _counts_figure(
        "overdue", "Deadlines overdue today",
        "Open cases, whenever reported, with a deadline of the procedure passed. A case may be late on more than "
        "one deadline, so there is no total.", "Deadline", counts, total_label=None)
    return figure
