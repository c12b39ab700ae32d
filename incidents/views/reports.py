"""Reporting a concern, and what the reporter sees of it afterwards."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, ListView

from incidents import permissions, selectors, services
from incidents.forms import ReportForm
from incidents.letters.services import mark_replaced
from incidents.models import Case
from incidents.timeline import plain_status
from incidents.views.access import CaseMixin, SignedInMixin, signed_in_user
from incidents.workflow import available_steps


class ReportConcernView(SignedInMixin, FormView[ReportForm]):
    template_name = "incidents/report_form.html"
    form_class = ReportForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"reporter": signed_in_user(self.request)}

    def form_valid(self, form: ReportForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            case = services.case_report(
                reporter=signed_in_user(self.request), school=data["school"], kind=data["kind"],
                subject=data["subject"], platform=data["platform"], content_url=data["content_url"],
                seen_on=data["seen_on"], description=data["description"],
                clauses=data["clauses"], evidence=data["evidence"],
            )
        except ValidationError as refused:
            for field, problems in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Your report has been sent. Its reference is {case.reference}.")
        return redirect("incidents:report_detail", uuid=case.uuid)


class MyReportsView(SignedInMixin, ListView[Case]):
    template_name = "incidents/report_list.html"
    context_object_name = "reports"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.reports_by(signed_in_user(self.request))


class MyReportDetailView(CaseMixin, DetailView[Case]):
    """The reporter's own report: what they gave (their words and the evidence they added), the
    letters sent to them and the plain status (`permissions.own_report_reading`); nothing the
    school added or decided."""

    case_rule = staticmethod(permissions.can_view_own_report)
    template_name = "incidents/report_detail.html"

    def get_object(self, queryset: QuerySet[Case] | None = None) -> Case:
        return self.case

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        case, user = self.case, signed_in_user(self.request)
        own = permissions.own_report_reading(user, case)
        return super().get_context_data(
            stage=plain_status(case),
            evidence=own.evidence(case),
            letters=mark_replaced(own.letters(case)),
            can_withdraw=any(step.name == "withdraw" for step in available_steps(case, user)),
            **kwargs,
        )
