"""The log of low-level concerns about each adult, its patterns, and raising a concern about oneself.

Every page about an adult's log asks `permissions.can_see_low_level_concerns` (`ConcernLogMixin`):
anyone else gets a 404, as if the adult had no log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, ListView, TemplateView

from incidents import concerns, permissions
from incidents.concern_forms import ConcernForm, PatternReferForm, SelfReferralForm
from incidents.exceptions import NotPermitted
from incidents.models import StaffMember
from incidents.views.access import SIGNED_IN, SignedInMixin, signed_in_user


def _refused(form: Form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for field, problems in refused.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, refused.messages)


class ConcernLogMixin(SignedInMixin):
    """Loads `self.staff`, the adult in the URL, whose log only `can_see_low_level_concerns` opens."""

    access = SIGNED_IN
    staff: StaffMember

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.staff = get_object_or_404(StaffMember.objects.select_related("school"), uuid=kwargs["staff"])
        if not permissions.can_see_low_level_concerns(request.user, self.staff):
            raise Http404("No such log.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs["staff"] = self.staff  # not the UUID from the URL, which TemplateView passes in
        return super().get_context_data(**kwargs)  # type: ignore[misc]


class ConcernLogView(ConcernLogMixin, TemplateView):
    """The log about one adult, newest first, with its pattern if there is one."""

    template_name = "incidents/concerns/log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pattern = concerns.pattern_of(self.staff)
        return super().get_context_data(
            entries=concerns.concerns_about(self.staff), pattern=pattern,
            in_pattern=set(pattern.concerns) if pattern else set(), **kwargs)


class ConcernAddView(ConcernLogMixin, FormView[ConcernForm]):
    template_name = "incidents/concerns/add.html"
    form_class = ConcernForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"staff": self.staff}

    def form_valid(self, form: ConcernForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            concerns.concern_record(by=signed_in_user(self.request), staff=self.staff, raised_on=data["raised_on"],
                                    observed=data["observed"], action=data["action"], raised_by=form.raiser,
                                    self_referral=form.self_referral)
        except ValidationError as refused:
            _refused(form, refused)
            return self.form_invalid(form)
        messages.success(self.request, f"The concern about {self.staff.full_name} has been added to their log.")
        return redirect("incidents:concern_log", staff=self.staff.uuid)


class PatternReferView(ConcernLogMixin, FormView[PatternReferForm]):
    """Refer the pattern in an adult's log as a case."""

    template_name = "incidents/concerns/refer.html"
    form_class = PatternReferForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(pattern=concerns.pattern_of(self.staff), **kwargs)

    def form_valid(self, form: PatternReferForm) -> HttpResponse:
        try:
            case = concerns.pattern_refer(by=signed_in_user(self.request), staff=self.staff,
                                          reason=form.cleaned_data["reason"])
        except ValidationError as refused:
            _refused(form, refused)
            return self.form_invalid(form)
        messages.success(self.request, f"The pattern has been referred as case {case.reference}.")
        return redirect(case.get_absolute_url())


class ConcernPeopleView(SignedInMixin, ListView[StaffMember]):
    """The adults whose logs the designated safeguarding lead or the headteacher may open, with
    how many concerns each log holds (never their own)."""

    access = SIGNED_IN
    template_name = "incidents/concerns/people.html"
    context_object_name = "people"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[StaffMember]:
        user = signed_in_user(self.request)
        people = (StaffMember.objects.filter(school_id__in=permissions.low_level_concern_schools(user))
                  .exclude(user_id=user.pk).select_related("school")
                  .annotate(concern_count=Count("low_level_concerns")))
        search = self.request.GET.get("q", "").strip()
        if search:
            people = people.filter(Q(full_name__icontains=search) | Q(job_title__icontains=search))
        return people.order_by("-concern_count", "full_name", "pk")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.low_level_concern_schools(signed_in_user(request)).exists():
            raise Http404("No such page.")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        search = self.request.GET.get("q", "").strip()
        return super().get_context_data(search=search, query=f"q={search}" if search else "", **kwargs)


class SelfReferralView(SignedInMixin, FormView[SelfReferralForm]):
    """Any member of staff raises a low-level concern about themselves; only about themselves."""

    access = SIGNED_IN
    template_name = "incidents/concerns/self_referral.html"
    form_class = SelfReferralForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"user": signed_in_user(self.request)}

    def form_valid(self, form: SelfReferralForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            concerns.concern_self_refer(by=signed_in_user(self.request), school=data["school"],
                                        raised_on=data["raised_on"], observed=data["observed"],
                                        action=data["action"])
        except (ValidationError, NotPermitted) as refused:
            if isinstance(refused, NotPermitted):
                form.add_error(None, str(refused))
            else:
                _refused(form, refused)
            return self.form_invalid(form)
        messages.success(self.request, "Thank you. What you told us has been recorded; the designated safeguarding "
                                       "lead will read it.")
        return redirect("incidents:home")
