"""The governors' termly report: the monitoring figures as a tagged PDF, or as one CSV.

Rendered by WeasyPrint through `incidents.letters.render` (tagged PDF/UA, and a fetcher that loads
only the application's own stylesheet: nothing external), from the same `Dashboard` the page shows,
so the report and the dashboard cannot disagree. Anonymised: counts only, small ones suppressed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.template import Context

from incidents import clock
from incidents.exports.formula import neutralise
from incidents.letters import render
from incidents.letters.documents import engine
from incidents.models import School
from incidents.monitoring.charts import bar_chart
from incidents.monitoring.figures import Dashboard, Figure, Period, dashboard
from incidents.monitoring.policy import review_notice

TEMPLATE = "monitoring/report_document.html"


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
    }
    html = engine().get_template(TEMPLATE).render(Context(context))
    return render.html_to_pdf(html)


def figures_csv(figures: Sequence[Figure], *, scope: str, period: Period) -> str:
    """The figures as one CSV: for each, its title, its table, and a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Monitoring of the Social Media Policy", scope, period.label])
    for figure in figures:
        writer.writerow([])
        writer.writerow([figure.title])
        writer.writerows([neutralise(cell) for cell in row] for row in figure.csv_rows())
    return out.getvalue()


def report_csv(schools: Sequence[School], period: Period) -> str:
    board: Dashboard = dashboard(schools, period)
    return figures_csv(board.figures, scope=scope_label(schools), period=period)
