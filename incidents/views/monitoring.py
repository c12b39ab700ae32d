"""The monitoring dashboard: figures in aggregate for the schools a person monitors.

Who may see a school's figures is `permissions.schools_monitored_by` (its headteacher, chair,
governors and HR advisers); anyone else gets a 403. The figures hold no case: counts, with small
ones suppressed (`incidents.monitoring.figures`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView, View

from incidents import clock, permissions
from incidents.forms import AccessibleForm
from incidents.models import School
from incidents.monitoring.charts import bar_chart
from incidents.monitoring.figures import Period, PeriodError, dashboard, period_of, period_parse, periods_around
from incidents.monitoring.report import figures_csv, report_pdf, scope_label
from incidents.views.access import SignedInMixin, signed_in_user

ALL = "all"


class MonitoringFilterForm(AccessibleForm):
    school = forms.ChoiceField(label="School")
    period = forms.ChoiceField(label="Period")
    large_print = forms.BooleanField(label="Large print (for the report)", required=False)

    def __init__(self, data: Any, *, schools: list[School]) -> None:
        super().__init__(data)
        choices = [(school.reference_prefix, school.name) for school in schools]
        if len(schools) > 1:
            choices.insert(0, (ALL, "All your schools"))
        self.fields["school"].choices = choices  # type: ignore[attr-defined]
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (period.slug, period.label) for period in periods_around(clock.today())]

    def clean_period(self) -> Period:
        try:
            return period_parse(self.cleaned_data["period"])
        except PeriodError as problem:
            raise forms.ValidationError(str(problem)) from problem


class MonitoringMixin(SignedInMixin):
    """The schools this person monitors (403 if none), and the filter chosen."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not permissions.schools_monitored_by(request.user).exists():
            raise PermissionDenied("Only the headteacher, the governors and HR see the monitoring figures.")
        return super().dispatch(request, *args, **kwargs)

    def chosen(self) -> tuple[MonitoringFilterForm, list[School], Period]:
        schools = list(permissions.schools_monitored_by(signed_in_user(self.request)))
        data = self.request.GET.copy()
        data.setdefault("school", ALL if len(schools) > 1 else schools[0].reference_prefix)
        data.setdefault("period", period_of(clock.today()).slug)
        form = MonitoringFilterForm(data, schools=schools)
        if not form.is_valid():
            return form, [], period_of(clock.today())
        chosen = form.cleaned_data["school"]
        picked = schools if chosen == ALL else [school for school in schools if school.reference_prefix == chosen]
        return form, picked, form.cleaned_data["period"]


class DashboardView(MonitoringMixin, TemplateView):
    template_name = "monitoring/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form, schools, period = self.chosen()
        board = dashboard(schools, period) if schools else None
        figures = [(figure, bar_chart(figure, ident=f"chart-{figure.slug}") if figure.chart else None)
                   for figure in board.figures] if board else []
        return super().get_context_data(form=form, board=board, figures=figures, period=period,
                                        scope=scope_label(schools) if schools else "",
                                        query=self.request.GET.urlencode(), **kwargs)


class FigureCsvView(MonitoringMixin, View):
    """One figure's table as CSV, for the schools and period chosen."""

    def get(self, request: HttpRequest, figure: str) -> HttpResponse:
        form, schools, period = self.chosen()
        if not schools:
            return HttpResponse("Choose a school and a period.", status=400, content_type="text/plain")
        board = dashboard(schools, period)
        wanted = [item for item in board.figures if item.slug == figure]
        if not wanted:
            return HttpResponse("No such figure.", status=404, content_type="text/plain")
        response = HttpResponse(figures_csv(wanted, scope=scope_label(schools), period=period),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="monitoring-{figure}-{period.slug}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class ReportPdfView(MonitoringMixin, View):
    """The governors' termly report as a PDF, for the schools and period chosen."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, schools, period = self.chosen()
        if not schools:
            return HttpResponse("Choose a school and a period.", status=400, content_type="text/plain")
        pdf = report_pdf(schools, period, large_print=bool(form.cleaned_data.get("large_print")))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="monitoring-report-{period.slug}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
