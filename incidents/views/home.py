from typing import Any

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from incidents import deadlines, selectors
from incidents.models import Membership, Role
from incidents.views.access import SignedInMixin, signed_in_user


class HomeView(SignedInMixin, TemplateView):
    """What this person does here: report; manage the cases awaiting them; HR's overview."""

    template_name = "incidents/home.html"
    paginate_by = 25

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = signed_in_user(self.request)
        roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        # Ordered by next deadline in the database, so a page is the right 25 however many there are.
        cases = selectors.cases_awaiting(user)
        page = Paginator(cases, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            awaiting=[(case, deadlines.next_deadline(case)) for case in page],
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            overdue_count=cases.filter(deadlines.overdue_q()).count() if page.paginator.count else 0,
            is_hr=Role.HR_ADVISER in roles,
            visible_count=selectors.case_count(user) if roles - {Role.STAFF} else 0,
            count_limit=selectors.COUNT_LIMIT,
            my_reports=selectors.reports_by(user)[:5],
            **kwargs,
        )
