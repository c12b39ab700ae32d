"""Reporting a concern, and what the reporter sees of it afterwards."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, ListView

from incidents import permissions, selectors, services
from incidents.forms import ReportForm
from incidents.timeline import plain_status
from incidents.views.access import CaseMixin, SignedInMixin
from incidents.workflow import available_steps


class ReportConcernView(SignedInMixin, FormView):
    template_name = "incidents/report_form.html"
    form_class = ReportForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"reporter": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            case = services.case_report(
                reporter=self.request.user, school=data["school"], kind=data["kind"], subject=data["subject"],
                platform=data["platform"], content_url=data["content_url"], seen_on=data["seen_on"],
                description=data["description"], clauses=data["clauses"], evidence=data["evidence"],
            )
        except ValidationError as refused:
            for field, problems in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Your report has been sent. Its reference is {case.reference}.")
        return redirect("incidents:report_detail", uuid=case.uuid)


class MyReportsView(SignedInMixin, ListView):
    template_name = "incidents/report_list.html"
    context_object_name = "reports"
    paginate_by = 25

    def get_queryset(self):
        return selectors.reports_by(self.request.user)


class MyReportDetailView(CaseMixin, DetailView):
    """The reporter's own report: what they gave (their words and the evidence they added), the
    letters sent to them and the plain status (`permissions.own_report_reading`); nothing the
    school added or decided."""

    case_rule = staticmethod(permissions.can_view_own_report)
    template_name = "incidents/report_detail.html"

    def get_object(self):
        return self.case

    def get_context_data(self, **kwargs):
        case = self.case
        own = permissions.own_report_reading(self.request.user, case)
        return super().get_context_data(
            stage=plain_status(case),
            evidence=own.evidence(case),
            letters=own.letters(case),
            can_withdraw=any(step.name == "withdraw" for step in available_steps(case, self.request.user)),
            **kwargs,
        )
