from django.views.generic import TemplateView

from incidents import selectors
from incidents.models import Membership, Role
from incidents.views.access import SignedInMixin


class HomeView(SignedInMixin, TemplateView):
    """What this person does here: report; manage the cases awaiting them; HR's overview."""

    template_name = "incidents/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        awaiting = [(case, selectors.next_deadline(case)) for case in selectors.cases_awaiting(user)]
        awaiting.sort(key=lambda pair: (pair[1] is None, pair[1] or ()))
        return super().get_context_data(
            awaiting=awaiting,
            is_hr=Role.HR_ADVISER in roles,
            visible_count=selectors.case_count(user) if roles - {Role.STAFF} else 0,
            count_limit=selectors.COUNT_LIMIT,
            my_reports=selectors.reports_by(user)[:5],
            **kwargs,
        )
