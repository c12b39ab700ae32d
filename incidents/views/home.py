from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.views.generic import TemplateView

from incidents import concerns, deadlines, permissions, selectors
from incidents.models import Case, Membership, Role, StaffMember
from incidents.monitoring.policy import review_notices, unacknowledged_for
from incidents.views.access import SignedInMixin, signed_in_user


class HomeView(SignedInMixin, TemplateView):
    """What this person does here: report; manage the cases awaiting them; HR's overview; and, for
    the designated safeguarding lead, every open safeguarding case of their schools and the
    patterns of low-level concerns to review (the headteacher sees the patterns too)."""

    template_name = "incidents/home.html"
    paginate_by = 25

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = signed_in_user(self.request)
        roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        # Ordered by next deadline in the database, so a page is the right 25 however many there are.
        cases = selectors.cases_awaiting(user)
        safeguarding = selectors.safeguarding_cases_for(user) if Role.DSL in roles else None
        if safeguarding is not None:
            cases = cases.exclude(pk__in=safeguarding.values("pk"))  # listed with the safeguarding cases
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
            **self._safeguarding(safeguarding),
            reads_concerns=bool(roles & set(permissions.LOW_LEVEL_CONCERN_ROLES)),
            patterns=concerns.patterns_for(user) if roles & set(permissions.LOW_LEVEL_CONCERN_ROLES) else [],
            may_refer_self=StaffMember.objects.filter(user=user).exists(),
            policy_reviews=review_notices(user),
            policy_unread=unacknowledged_for(user),
            may_monitor=permissions.schools_monitored_by(user).exists(),
            **kwargs,
        )

    def _safeguarding(self, cases: QuerySet[Case] | None) -> dict[str, Any]:
        """The DSL's safeguarding cases, a page of them (`safeguarding_page`) at a time."""
        if cases is None:
            return {}
        page = Paginator(cases, self.paginate_by).get_page(self.request.GET.get("safeguarding_page"))
        return {
            "safeguarding": [(case, deadlines.next_deadline(case)) for case in page],
            "safeguarding_page": page,
            "safeguarding_overdue": cases.filter(deadlines.overdue_q()).count() if page.paginator.count else 0,
        }
