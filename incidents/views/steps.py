"""A step of the procedure taken from the browser: the form asking what it needs, then the step."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView

from incidents import audit, permissions, services
from incidents.exceptions import CaseConflict, NotPermitted, StepNotAvailable
from incidents.forms import StepForm, step_form
from incidents.models import CaseEvent
from incidents.views.access import CaseMixin, signed_in_user
from incidents.workflow import Step, step_named


class CaseStepView(CaseMixin, FormView[StepForm]):
    """One step of the procedure: the form asking what it needs, then `services.step_take`.

    Who may take the step is asked before anything else: anyone else gets a 404 whatever the
    case's stage, so a step's address tells a reporter nothing about the case. A person who
    may see the case is told when the step is not possible at its stage."""

    template_name = "incidents/case_step.html"
    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_withdraw_report(user, case))
    step: Step

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            self.step = step_named(kwargs["step"])
        except KeyError:
            raise Http404("No such step.") from None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self._refused()
        return refused or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self._refused()
        return refused or super().post(request, *args, **kwargs)

    def _refused(self) -> HttpResponse | None:
        """None when the person may take the step now; else a 404, or back to the case saying why."""
        user = signed_in_user(self.request)
        if not self.step.who.may(user, self.case):
            raise Http404("No such step for you.")
        if self.step.leaves_from(self.case):
            unmet = self.step.unmet_condition(self.case)
        else:
            unmet = f"“{self.step.label}” is not possible at this stage."
        if unmet is None:
            return None
        if not permissions.can_view_case(user, self.case):
            raise Http404("No such step for you.")  # the reporter learns nothing of where the case is
        messages.error(self.request, unmet)
        return redirect(self._back())

    def get_form_class(self) -> type[StepForm]:
        return step_form(self.step)

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"case": self.case}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(step=self.step.name, label=self.step.label, back=self._back(),
                                        issues_letter=self.step.may_issue_letters, **kwargs)

    def form_valid(self, form: StepForm) -> HttpResponse:
        """Take the step (or preview its letters); a refusal is shown beside the form, or, when
        the case has moved on, on the case page."""
        act = self.preview if "preview" in self.request.POST else self.take
        try:
            return act(form)
        except ValidationError as refused:
            form.add_service_error(refused)
            return self.form_invalid(form)
        except NotPermitted:
            raise Http404("No such step for you.") from None
        except (StepNotAvailable, CaseConflict) as refused:
            messages.error(self.request, str(refused))
            return redirect(self._back())

    def take(self, form: StepForm) -> HttpResponse:
        services.step_take(case=self.case, by=signed_in_user(self.request), given=form.given())
        stage = self.case.get_state_display()
        messages.success(self.request, f"{self.step.done} The case is at: {stage[:1].lower()}{stage[1:]}.")
        return redirect(self._back())

    def preview(self, form: StepForm) -> HttpResponse:
        """The letters this step would issue with this input, shown and not stored."""
        user = signed_in_user(self.request)
        letters = services.step_preview(case=self.case, by=user, given=form.given())
        if not letters:
            messages.info(self.request, "With this input the step sends no letter.")
            return self.render_to_response(self.get_context_data(form=form))
        # a preview holds the case's personal data as much as an issued letter does
        previewed = "; ".join(f"{letter.title} ({letter.reference})" for letter in letters)
        audit.access_record(case=self.case, by=user, kind=CaseEvent.Kind.DOWNLOADED,
                            what=f"Preview, not issued: {previewed}")
        if len(letters) == 1:
            pdf = letters[0].pdf
        else:
            writer = pypdf.PdfWriter()
            for letter in letters:
                writer.append(io.BytesIO(letter.pdf))
            out = io.BytesIO()
            writer.write(out)
            pdf = out.getvalue()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="preview.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _back(self) -> str:
        if permissions.can_view_case(signed_in_user(self.request), self.case):
            return self.case.get_absolute_url()
        return reverse("incidents:report_detail", kwargs={"uuid": self.case.uuid})
