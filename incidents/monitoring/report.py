"""The governors' termly report: the monitoring figures as a tagged PDF, or as one CSV.

Rendered by WeasyPrint through `incidents.letters.render` (tagged PDF/UA, and a fetcher that loads
only the application's own stylesheet: nothing external), from the same `Dashboard` the page shows,
so the report and the dashboard cannot disagree. Anonymised: counts only, small ones suppressed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta

from django.template import Context

from incidents import clock
from incidents.exports.formula import neutralise
from incidents.letters import render
from incidents.letters.documents import engine
from incidents.models import CaseEvent, School
from incidents.monitoring.charts import bar_chart
from incidents.monitoring.figures import Dashboard, Figure, Period, dashboard, midnight
from incidents.monitoring.policy import review_notice

TEMPLATE = "monitoring/report_document.html"
# The steps that close a case and ask the case manager what they would do differently.
CLOSING_STEPS = ("resolve", "close_no_case", "give_management_advice", "close")


def lessons_learned(schools: Sequence[School], period: Period) -> list[str]:
    """What case managers wrote they would do differently, closing a case in `period` at `schools`,
    oldest first: the text alone, with no case, date or name."""
    events = CaseEvent.objects.filter(
        kind=CaseEvent.Kind.TRANSITION, transition__in=CLOSING_STEPS, case__school__in=list(schools),
        at__gte=midnight(period.first), at__lt=midnight(period.last + timedelta(days=1))).order_by("at", "pk")
    return [lesson.strip() for lesson in (event.details.get("lessons") or "" for event in events) if lesson.strip()]


def scope_label(schools: Sequence[School]) -> str:
    if len(schools) == 1:
        return schools[0].name
    return "All schools: " + ", ".join(school.name for school in schools)


def report_pdf(schools: Sequence[School], period: Period, *, large_print: bool = False) -> bytes:
    board = dashboard(schools, period)
    context = {
        "board": board, "scope": scope_label(schools), "made_on": clock.today(), "large_print": large_print,
        "figures": [(figure, bar_chart(figure, ident=f"chart-{figure.slug}") if figure.chart else None)
                    for figure in board.figures],
        "reviews": [notice for school in schools if (notice := review_notice(school)) is not None],
        "lessons": lessons_learned(schools, period),
    }
    html = engine().get_template(TEMPLATE).render(Context(context))
    return render.html_to_pdf(html)


def figures_csv(figures: Sequence[Figure], *, scope: str, period: Period, lessons: Sequence[str] = ()) -> str:
    """The figures as one CSV: for each, its title, its table, and a blank line; then the lessons learned."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Monitoring of the Social Media Policy", scope, period.label])
    for figure in figures:
        writer.writerow([])
        writer.writerow([figure.title])
        writer.writerows([neutralise(cell) for cell in row] for row in figure.csv_rows())
    if lessons:
        writer.writerow([])
        writer.writerow(["Lessons learned: what case managers would do differently"])
        writer.writerows([neutralise(lesson)] for lesson in lessons)
    return out.getvalue()


def report_csv(schools: Sequence[School], period: Period) -> str:
    board: Dashboard = dashboard(schools, period)
    return figures_csv(board.figures, scope=scope_label(schools), period=period,
                       lessons=lessons_learned(schools, period))
