"""The policy: a member of staff reads the current version and confirms it; HR see who has not."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from incidents.models import PolicyAcknowledgement, StaffMember
from incidents.monitoring.policy import acknowledge, not_acknowledged
from incidents.views.access import SignedInMixin, signed_in_user


class PolicyView(SignedInMixin, TemplateView):
    """The current version of the policy of each school where the person works, and one button to
    confirm they have read it."""

    template_name = "monitoring/policy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = signed_in_user(self.request)
        records = list(StaffMember.objects.filter(user=user, school__policy__isnull=False)
                       .select_related("school", "school__policy").order_by("school__name"))
        done = {(a.staff_id, a.policy_id): a for a in PolicyAcknowledgement.objects.filter(staff__in=records)}
        shown = []
        for record in records:
            policy = record.school.policy
            assert policy is not None
            shown.append({"record": record, "policy": policy, "done": done.get((record.pk, policy.pk)),
                          "clauses": policy.clauses.order_by("position")})
        return super().get_context_data(shown=shown, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = signed_in_user(request)
        record = StaffMember.objects.filter(user=user, school__reference_prefix=request.POST.get("school", "")).first()
        if record is None:
            messages.error(request, "Choose the school whose policy you have read.")
            return redirect("incidents:policy")
        try:
            acknowledgement = acknowledge(user=user, staff=record)
        except ValidationError as problem:
            messages.error(request, " ".join(problem.messages))
            return redirect("incidents:policy")
        messages.success(request, f"Thank you: you have confirmed that you read the {acknowledgement.policy.title}, "
                                  f"version {acknowledgement.policy.version}.")
        return redirect("incidents:home")


class AcknowledgementsView(SignedInMixin, TemplateView):
    """For an HR adviser: at each of their schools, who has not confirmed reading the current policy."""

    template_name = "monitoring/acknowledgements.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        schools = not_acknowledged(signed_in_user(self.request))
        if not schools:
            raise PermissionDenied("Only an HR adviser sees who has read the policy.")
        return super().get_context_data(schools=schools, **kwargs)
