"""Reporting a concern, and what the reporter sees of it afterwards."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import HiddenInput
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, TemplateView

from incidents import permissions, report_drafts, selectors, services
from incidents.forms import ReportEvidenceForm, ReportForm
from incidents.letters.services import mark_replaced
from incidents.models import Case
from incidents.timeline import plain_status
from incidents.views.access import CaseMixin, SignedInMixin, signed_in_user
from incidents.workflow import available_steps


class ReportConcernView(SignedInMixin, FormView[ReportForm]):
    """The report form. A report that passes its checks is kept as a draft for this session
    (`report_drafts`, its files privately) while its reporter checks their answers; "Change" on
    that page comes back here (`?change`) with the answers and files as they were."""

    template_name = "incidents/report_form.html"
    form_class = ReportForm

    def changing(self) -> bool:
        return "change" in self.request.GET and report_drafts.draft_answers(self.request.session) is not None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.changing():  # a new report: any draft not sent is discarded
            report_drafts.draft_discard(request.session)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and self.changing():
            # the answers as they were, checked again: anything no longer right is shown as a problem
            kwargs["data"] = report_drafts.draft_answers(self.request.session)
        kept = [(item.key, item.name, item.size)
                for item in report_drafts.draft_files(self.request.session)] if self.changing() else []
        return kwargs | {"reporter": signed_in_user(self.request), "kept_files": kept}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(changing=self.changing(), **kwargs)

    def form_valid(self, form: ReportForm) -> HttpResponse:
        if not self.changing():
            report_drafts.draft_discard(self.request.session)
        report_drafts.draft_save(self.request.session, answers=form.answers(), uploads=form.cleaned_data["evidence"],
                                 remove=form.cleaned_data.get("remove_files") or ())
        return redirect("incidents:report_check")


class ReportCheckView(SignedInMixin, TemplateView):
    """Check your answers before sending (the GOV.UK pattern): each answer with a "Change" link
    back to its question; sending records the report (`services.case_report`) and discards the draft."""

    template_name = "incidents/report_check.html"

    def bound_form(self) -> ReportForm | None:
        answers = report_drafts.draft_answers(self.request.session)
        if answers is None:
            return None
        return ReportForm(data=answers, reporter=signed_in_user(self.request))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and report_drafts.draft_answers(request.session) is None:
            messages.info(request, "There is no report waiting to be sent: it was sent already, or it was "
                                   "started again. Fill in the form to report a concern.")
            return redirect("incidents:report")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.bound_form()
        if form is None or not form.is_valid():  # checked when saved; a clause or person may have gone since
            return redirect(reverse("incidents:report") + "?change")
        data = form.cleaned_data
        return self.render_to_response(self.get_context_data(
            answers=data, kind_label=Case.Kind(data["kind"]).label,
            platform_label=Case.Platform(data["platform"]).label,
            multiple_schools=not isinstance(form.fields["school"].widget, HiddenInput),
            files=report_drafts.draft_files(request.session)))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.bound_form()
        if form is None or not form.is_valid():
            messages.error(request, "Something in your report needs changing before it can be sent.")
            return redirect(reverse("incidents:report") + "?change")
        data = form.cleaned_data
        files = report_drafts.draft_evidence(request.session)
        try:
            case = services.case_report(
                reporter=signed_in_user(request), school=data["school"], kind=data["kind"],
                subject=data["subject"], platform=data["platform"], content_url=data["content_url"],
                seen_on=data["seen_on"], description=data["description"], clauses=data["clauses"], evidence=files,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect(reverse("incidents:report") + "?change")
        finally:
            for file in files:
                file.close()
        report_drafts.draft_discard(request.session)
        messages.success(request, f"Your report has been sent. Its reference is {case.reference}.")
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


class ReportEvidenceView(CaseMixin, FormView[ReportEvidenceForm]):
    """The reporter adds evidence to their own report while it is open; the case manager, and
    whoever may see the case's evidence, see it too (never anyone else)."""

    case_rule = staticmethod(lambda user, case: permissions.can_view_own_report(user, case) and case.is_open)
    template_name = "incidents/report_evidence.html"
    form_class = ReportEvidenceForm

    def form_valid(self, form: ReportEvidenceForm) -> HttpResponse:
        try:
            added = services.report_evidence_add(case=self.case, by=signed_in_user(self.request),
                                                 files=form.cleaned_data["evidence"],
                                                 description=form.cleaned_data["description"])
        except ValidationError as refused:
            for field, problems in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        names = ", ".join(item.original_name for item in added)
        messages.success(self.request, f"Added to your report: {names}. The person dealing with it can see it.")
        return redirect("incidents:report_detail", uuid=self.case.uuid)
