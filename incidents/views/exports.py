"""HR exports: the register, a case's bundle, subject access, and exports prepared in the background.

Thin views: each reads a form, calls one exporter in `incidents.exports`, and streams the
file. Who may export is decided by `selectors.cases_exportable_by` (pages of no one case) and
`permissions.can_export_case` (a case's bundle); everyone else gets a 403 or a 404.
"""

from typing import Any, TypeVar
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from incidents import clock, permissions, selectors
from incidents.exports import register, tasks
from incidents.exports.bundle import TECHNICAL_REFUSED, BundleError, Made, bundle_build
from incidents.exports.forms import (
    BundleForm,
    RegisterForm,
    SubjectAccessExtendForm,
    SubjectAccessPackForm,
    SubjectAccessRequestForm,
)
from incidents.exports.subject_access import live_lado_referrals, subject_access_build, subject_cases
from incidents.exports.subject_access_requests import (
    first_due_on,
    latest_due_on,
    packs_of,
    people_for_subject_access,
    requests_for,
    subject_access_complete,
    subject_access_extend,
    subject_access_request_record,
)
from incidents.forms import AccessibleForm
from incidents.models import PreparedExport, SubjectAccessExtension, SubjectAccessRequest
from incidents.models.exports import ExportKind
from incidents.timeline import date_words
from incidents.views.access import CaseMixin, SignedInMixin, signed_in_user

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _private(response: _Response) -> _Response:
    response["Cache-Control"] = "private, no-store"
    return response


def _zip(made: Made) -> FileResponse:
    return _private(FileResponse(made.file, as_attachment=True, filename=made.filename,
                                 content_type="application/zip"))


class ExporterMixin(SignedInMixin):
    """Signed in, and may export at least one case (else 403)."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not selectors.cases_exportable_by(request.user).exists():
            raise PermissionDenied("You cannot export case records.")
        return super().dispatch(request, *args, **kwargs)

    def register_form(self, data: QueryDict | None = None) -> RegisterForm:
        schools = selectors.cases_exportable_by(signed_in_user(self.request)).values("school")
        return RegisterForm(data, schools=schools)


class ExportsView(ExporterMixin, TemplateView):
    """The exports page: the register's filters and formats, and the exports prepared for this person."""

    template_name = "incidents/exports/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        prepared = PreparedExport.objects.filter(owner=signed_in_user(self.request))[:20]
        kwargs.setdefault("form", self.register_form())
        return super().get_context_data(
            prepared=prepared, waiting=any(p.status == PreparedExport.Status.PENDING for p in prepared), **kwargs)


class RegisterDownloadView(ExporterMixin, View):
    """GET: the register, streamed; POST: the same, prepared in the background."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        form = self.register_form(request.GET)
        if not form.is_valid():
            return ExportsView.as_view()(request, form=form)
        file_format = form.cleaned_data["file_format"]
        content, _, _ = register.register_export(by=signed_in_user(request), filters=form.filters(),
                                                 file_format=file_format)
        content_type = register.FORMATS[file_format][0]
        name = register.filename(file_format)
        if file_format == "xlsx":
            return _private(FileResponse(content, as_attachment=True, filename=name, content_type=content_type))
        response = StreamingHttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return _private(response)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = self.register_form(request.POST)
        if not form.is_valid():
            return ExportsView.as_view()(request, form=form)
        tasks.prepared_export_request(by=signed_in_user(request), kind=ExportKind.REGISTER, parameters={
            "format": form.cleaned_data["file_format"], "filters": form.filters().as_dict()})
        messages.success(request, "The register is being prepared. It will be listed below when it is ready.")
        return redirect("incidents:exports")


class PreparedDownloadView(SignedInMixin, View):
    """An export prepared in the background, for the person who asked for it only."""

    def get(self, request: HttpRequest, uuid: UUID) -> FileResponse:
        prepared = get_object_or_404(PreparedExport, uuid=uuid, owner=signed_in_user(request),
                                     status=PreparedExport.Status.READY)
        return _private(FileResponse(prepared.file.open("rb"), as_attachment=True, filename=prepared.filename,
                                     content_type=prepared.content_type))


class CaseBundleView(CaseMixin, FormView[BundleForm]):
    """A case's bundle for a hearing panel, an appeal panel or a tribunal, holding what that
    audience may see (`permissions.reading_for_audience`), with a technical appendix on request
    where the audience may have one (a tribunal)."""

    case_rule = staticmethod(permissions.can_export_case)
    template_name = "incidents/exports/case_bundle.html"
    form_class = BundleForm

    # The bundle itself answers a valid form: a file (FileResponse, a streaming response), where
    # django-stubs' FormMixin.form_valid says HttpResponse.
    def form_valid(self, form: BundleForm) -> HttpResponseBase:  # type: ignore[override]
        purpose, technical = form.cleaned_data["purpose"], form.cleaned_data["technical"]
        if technical and not permissions.reading_for_audience(self.case, purpose).technical_appendix:
            form.add_error("technical", TECHNICAL_REFUSED)
            return self.form_invalid(form)
        if "background" in self.request.POST:
            tasks.prepared_export_request(by=signed_in_user(self.request), kind=ExportKind.BUNDLE,
                                          parameters={"case": str(self.case.uuid), "purpose": purpose,
                                                      "technical": technical})
            messages.success(self.request, f"The bundle of {self.case.reference} is being prepared. "
                                           "It will be listed on the exports page when it is ready.")
            return redirect("incidents:exports")
        try:
            made = bundle_build(case=self.case, by=signed_in_user(self.request), purpose=purpose,
                                technical=technical)
        except BundleError as problem:
            form.add_error(None, str(problem))
            return self.form_invalid(form)
        return _zip(made)


def _refusal_to(form: AccessibleForm, refusal: ValidationError) -> None:
    """A service's refusal on the form it came from: by field where the field is on the form."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal.messages)


class SubjectAccessMixin(SignedInMixin):
    """The HR advisers of a school only; anyone else gets a 404, as if the page did not exist."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not people_for_subject_access(request.user).exists():
            raise Http404("No such page.")
        return super().dispatch(request, *args, **kwargs)


class SubjectAccessRequestsView(SubjectAccessMixin, FormView[SubjectAccessRequestForm]):
    """The subject access requests of the schools the HR adviser advises, open ones first, soonest
    due first, overdue ones marked; and recording a new one."""

    template_name = "incidents/exports/subject_access.html"
    form_class = SubjectAccessRequestForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"people": people_for_subject_access(signed_in_user(self.request))}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = clock.today()
        rows = [(item, item.is_overdue(today)) for item in requests_for(signed_in_user(self.request))[:200]]
        return super().get_context_data(rows=rows, overdue=sum(1 for _, late in rows if late), **kwargs)

    def form_valid(self, form: SubjectAccessRequestForm) -> HttpResponse:
        try:
            recorded = subject_access_request_record(
                staff=form.cleaned_data["staff_member"], received_on=form.cleaned_data["received_on"],
                received_how=form.cleaned_data["received_how"], by=signed_in_user(self.request))
        except ValidationError as refusal:
            _refusal_to(form, refusal)
            return self.form_invalid(form)
        messages.success(self.request, f"Request recorded. It is due by {date_words(recorded.due_on)}.")
        return redirect("incidents:subject_access_request", uuid=recorded.uuid)


class SubjectAccessRequestMixin(SignedInMixin):
    """Loads the request in the URL: the HR advisers of the requester's school only
    (`permissions.can_handle_subject_access`); a 404 for anyone else, as if it did not exist."""

    subject_access: SubjectAccessRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.subject_access = get_object_or_404(
            SubjectAccessRequest.objects.select_related("staff", "staff__school", "staff__user", "completed_by"),
            uuid=kwargs["uuid"])
        if not permissions.can_handle_subject_access(request.user, self.subject_access.staff.school):
            raise Http404("No such request.")
        return super().dispatch(request, *args, **kwargs)


class SubjectAccessRequestView(SubjectAccessRequestMixin, TemplateView):
    """One request: its dates, extending it (with the letter to the requester), making the pack,
    and marking it answered."""

    template_name = "incidents/exports/subject_access_request.html"

    def live_lado(self) -> list[str]:
        return live_lado_referrals(subject_cases(staff=self.subject_access.staff, by=signed_in_user(self.request)))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        item = self.subject_access
        kwargs.setdefault("extend_form", SubjectAccessExtendForm(
            requester=item.staff.full_name, latest=date_words(latest_due_on(item.received_on))))
        kwargs.setdefault("pack_form", SubjectAccessPackForm(live_lado=self.live_lado()))
        return super().get_context_data(
            item=item, overdue=item.is_overdue(clock.today()), first_due_on=first_due_on(item.received_on),
            latest_due_on=latest_due_on(item.received_on), extensions=list(item.extensions.select_related("by")),
            packs=list(packs_of(item).select_related("actor")), **kwargs)


class SubjectAccessExtendView(SubjectAccessRequestView):
    """POST: more time to answer, with the letter to the requester."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.subject_access
        form = SubjectAccessExtendForm(request.POST, requester=item.staff.full_name,
                                       latest=date_words(latest_due_on(item.received_on)))
        if form.is_valid():
            try:
                extension = subject_access_extend(request=item, due_on=form.cleaned_data["due_on"],
                                                  reason=form.cleaned_data["reason"], by=signed_in_user(request))
            except ValidationError as refusal:
                _refusal_to(form, refusal)
            else:
                messages.success(request, f"The request is now due by {date_words(extension.due_on)}. "
                                          f"Send {item.staff.full_name} the letter below.")
                return redirect("incidents:subject_access_request", uuid=item.uuid)
        return self.render_to_response(self.get_context_data(extend_form=form))


class SubjectAccessPackView(SubjectAccessRequestView):
    """POST: the pack, as a ZIP (or prepared in the background)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        item = self.subject_access
        form = SubjectAccessPackForm(request.POST, live_lado=self.live_lado())
        if form.is_valid():
            choices = {"redact_others": not form.cleaned_data["leave_names_in"],
                       "not_redacted_reason": form.cleaned_data["not_redacted_reason"],
                       "lado_considered": bool(form.cleaned_data.get("lado_considered"))}
            if "background" in request.POST:
                tasks.prepared_export_request(by=signed_in_user(request), kind=ExportKind.SUBJECT_ACCESS,
                                              parameters={"request": str(item.uuid), **choices})
                messages.success(request, f"The pack for {item.staff.full_name} is being prepared. "
                                          "It will be listed on the exports page when it is ready.")
                return redirect("incidents:exports")
            try:
                return _zip(subject_access_build(request=item, by=signed_in_user(request), **choices))
            except ValidationError as refusal:
                _refusal_to(form, refusal)
            except BundleError as problem:
                form.add_error(None, str(problem))
        return self.render_to_response(self.get_context_data(pack_form=form))


class SubjectAccessCompleteView(SubjectAccessRequestView):
    """POST: the request is answered (the pack was sent)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            subject_access_complete(request=self.subject_access, by=signed_in_user(request))
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, "The request is marked answered, and this is on the timeline of each case "
                                      "the pack held.")
        return redirect("incidents:subject_access_request", uuid=self.subject_access.uuid)


class SubjectAccessLetterView(SubjectAccessRequestMixin, View):
    """GET: the letter telling the requester of an extension."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        extension = get_object_or_404(SubjectAccessExtension, request=self.subject_access, uuid=kwargs["letter"])
        return _private(FileResponse(extension.pdf.open("rb"), as_attachment=True,
                                     filename=f"{extension.reference.replace('/', '-')}.pdf",
                                     content_type="application/pdf"))


__all__ = ["CaseBundleView", "ExportsView", "PreparedDownloadView", "RegisterDownloadView",
           "SubjectAccessCompleteView", "SubjectAccessExtendView", "SubjectAccessLetterView", "SubjectAccessPackView",
           "SubjectAccessRequestView", "SubjectAccessRequestsView"]
