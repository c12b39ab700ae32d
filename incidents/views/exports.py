"""HR exports: the register, a case's bundle, subject access, and exports prepared in the background.

Thin views: each reads a form, calls one exporter in `incidents.exports`, and streams the
file. Who may export is decided by `selectors.cases_exportable_by` (pages of no one case) and
`permissions.can_export_case` (a case's bundle); everyone else gets a 403 or a 404.
"""

from typing import Any, TypeVar
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from incidents import permissions, selectors
from incidents.exports import register, tasks
from incidents.exports.bundle import TECHNICAL_REFUSED, BundleError, Made, bundle_build
from incidents.exports.forms import BundleForm, RegisterForm, SubjectAccessForm
from incidents.exports.subject_access import people_for_subject_access, subject_access_build
from incidents.models import PreparedExport
from incidents.models.exports import ExportKind
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


class SubjectAccessView(ExporterMixin, FormView[SubjectAccessForm]):
    """Everything held about one member of staff."""

    template_name = "incidents/exports/subject_access.html"
    form_class = SubjectAccessForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"people": people_for_subject_access(signed_in_user(self.request))}

    # The export itself answers a valid form: a file, as for the bundle above.
    def form_valid(self, form: SubjectAccessForm) -> HttpResponseBase:  # type: ignore[override]
        staff, redact = form.cleaned_data["staff_member"], form.cleaned_data["redact_others"]
        if "background" in self.request.POST:
            tasks.prepared_export_request(by=signed_in_user(self.request), kind=ExportKind.SUBJECT_ACCESS,
                                          parameters={"staff_member": staff.pk, "redact_others": redact})
            messages.success(self.request, f"The export about {staff.full_name} is being prepared.")
            return redirect("incidents:exports")
        try:
            made = subject_access_build(staff=staff, by=signed_in_user(self.request), redact_others=redact)
        except BundleError as problem:
            form.add_error(None, str(problem))
            return self.form_invalid(form)
        return _zip(made)


__all__ = ["CaseBundleView", "ExportsView", "PreparedDownloadView", "RegisterDownloadView",
           "SubjectAccessView"]
