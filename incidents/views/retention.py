"""Legal holds on a case: placed and lifted by the case manager or the school's HR adviser."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from incidents.forms import LegalHoldForm
from incidents.retention import legal_hold_lift, legal_hold_place, may_hold, retention_for
from incidents.views.access import CaseMixin, signed_in_user


class LegalHoldView(CaseMixin, FormView[LegalHoldForm]):
    """The case's legal holds, and a form to place one."""

    case_rule = staticmethod(may_hold)
    template_name = "incidents/legal_hold.html"
    form_class = LegalHoldForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(retention=retention_for(self.case), **kwargs)

    def form_valid(self, form: LegalHoldForm) -> HttpResponse:
        try:
            legal_hold_place(case=self.case, by=signed_in_user(self.request), **form.cleaned_data)
        except ValidationError as refused:
            for field, problems in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Case {self.case.reference} is under a legal hold: retention will not "
                                       "remove anything from it while the hold stands.")
        return redirect(self.case.get_absolute_url())


class LegalHoldLiftView(CaseMixin, View):
    """Lift a hold (a POST from the legal hold page)."""

    case_rule = staticmethod(may_hold)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        hold = get_object_or_404(self.case.legal_holds, uuid=kwargs["hold"], lifted_at__isnull=True)
        legal_hold_lift(hold=hold, by=signed_in_user(request))
        messages.success(request, "The legal hold is lifted.")
        return redirect(self.case.get_absolute_url())
