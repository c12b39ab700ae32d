"""Reading cases: who may see which, and the lists the pages show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Case as CaseWhen, CharField, F, IntegerField, OrderBy, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from incidents import deadlines, permissions
from incidents.deadlines import Due
from incidents.models import Case, CaseUserObjectPermission, Membership, Role
from incidents.workflow import OPEN_STATES, State

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def _grants(user: User | AnonymousUser, *codenames: str) -> QuerySet[CaseUserObjectPermission]:
    """The user's own grants of `codenames` (guardian's direct table). Every grant is a person's own
    and none is on a case about them (`permissions.deserved_grants`), so these are exactly the cases
    on which they hold it.

    The permission goes in as its id, not as a join on its codename: the planner then knows from its
    statistics how many rows this person holds, and walks the cases in list order, probing the unique
    (user, permission, case) index for each, instead of gathering every grant first
    (tests/bench/bench_permissions.py)."""
    if not user.is_authenticated or user.is_superuser:
        return CaseUserObjectPermission.objects.none()
    ids = [permissions.permission_id(codename) for codename in codenames]
    return CaseUserObjectPermission.objects.filter(user=user, permission_id__in=ids)


def _cases_granted(user: User | AnonymousUser, codename: str) -> QuerySet[Case]:
    """The cases on which the user holds `codename`. A join, not `pk__in` a subquery: a person
    holds a permission on a case at most once (the unique index), so no case comes twice, and
    the plan is the same with less for Django to build on every list."""
    if not user.is_authenticated or user.is_superuser:
        return Case.objects.none()
    return Case.objects.filter(user_grants__user=user, user_grants__permission_id=permissions.permission_id(codename))


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases this user may see in full (the query form of permissions.can_view_case)."""
    return _cases_granted(user, "view_case")


def reports_by(user: User | AnonymousUser) -> QuerySet[Case]:
    """The reports this user made, newest first (none for someone not signed in)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(reporter=user).select_related("school", "case_manager").order_by("-reported_at")


@dataclass(frozen=True)
class CaseFilters:
    stage: str = ""
    kind: str = ""
    clause: str = ""  # a clause ref
    school: int | None = None
    overdue: bool = False
    search: str = ""
    sort: str = "-reported_at"

    @property
    def narrowing(self) -> bool:
        """Whether these filters leave out any case (sorting does not)."""
        return any((self.stage, self.kind, self.clause, self.school, self.overdue, self.search.strip()))


def stage_order() -> CaseWhen:
    """A case's stage as its place in the procedure (reported first, closed and withdrawn last),
    so that sorting by stage follows the procedure, not the alphabet of internal names."""
    return CaseWhen(*[When(state=state, then=Value(place)) for place, state in enumerate(State.values)],
                    default=Value(len(State.values)), output_field=IntegerField())


SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "-reported_at": ("-reported_at",),
    "reported_at": ("reported_at",),
    "reference": ("reference",),
    "stage": (OrderBy(stage_order()), "-reported_at"),
}


def search_q(term: str) -> Q:
    """The cases a search for `term` finds: by reference, the employee's name, the reporter's
    name, or the platform as it is shown ("twitter" finds X (Twitter))."""
    platforms = [value for value, label in Case.Platform.choices if term.lower() in label.lower()]
    return (Q(reference__icontains=term) | Q(subject__full_name__icontains=term)
            | Q(reporter_name__icontains=term) | Q(platform__in=platforms))


def cases_matching(cases: QuerySet[Case], *, stage: str = "", kind: str = "", clause: str = "",
                   school: int | None = None) -> QuerySet[Case]:
    """`cases` narrowed by the filters the case list and the register share (empty: no filter)."""
    if stage:
        cases = cases.filter(state=stage)
    if kind:
        cases = cases.filter(kind=kind)
    if clause:
        # A subquery, not a join: a join would repeat cases and need DISTINCT over every row.
        cases = cases.filter(pk__in=Case.clauses.through.objects.filter(clause__ref=clause).values("case"))
    if school:
        cases = cases.filter(school_id=school)
    return cases


def case_list(user: User | AnonymousUser, filters: CaseFilters) -> QuerySet[Case]:
    """The case list a case manager or HR adviser sees, filtered, searched and sorted."""
    cases = cases_matching(cases_visible_to(user), stage=filters.stage, kind=filters.kind, clause=filters.clause,
                           school=filters.school)
    if filters.overdue:
        cases = cases.filter(deadlines.overdue_q())
    if filters.search.strip():
        cases = cases.annotate(reporter_name=Concat("reporter__first_name", Value(" "), "reporter__last_name",
                                                    output_field=CharField()))
        cases = cases.filter(search_q(filters.search.strip()))
    return cases.order_by(*SORTS.get(filters.sort, SORTS["-reported_at"]))


@dataclass(frozen=True)
class CaseRow:
    """One line of a case list. Read as plain values: a model instance for each case, its school
    and its subject would cost more than the rest of the page (tests/bench/bench_permissions.py)."""

    uuid: UUID
    reference: str
    school: str
    about: str  # the subject's name; empty when not known
    kind: str  # a Case.Kind
    state: str
    clauses: list[str]  # their refs, in the policy's order
    deadline: Due | None

    @property
    def stage(self) -> str:
        return State(self.state).label

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def get_absolute_url(self) -> str:
        return Case.url_for(self.uuid)


def case_rows(cases: QuerySet[Case]) -> list[CaseRow]:
    """A page of a case list (the page's queryset) as its rows show it, in two queries: each
    case with its school, subject, stage and next deadline, and the clauses each cites."""
    listed = list(cases.values("pk", "uuid", "reference", "kind", "school__name", "subject__full_name",
                              *deadlines.FIELDS))
    clauses = defaultdict(list)
    cited = Case.clauses.through.objects.filter(case_id__in=[values["pk"] for values in listed])
    for case_id, ref in cited.order_by("clause__position").values_list("case_id", "clause__ref"):
        clauses[case_id].append(ref)
    return [
        CaseRow(uuid=values["uuid"], reference=values["reference"], school=values["school__name"],
                about=values["subject__full_name"] or "", kind=values["kind"], state=values["state"],
                clauses=clauses[values["pk"]], deadline=deadlines.next_deadline(SimpleNamespace(**values)))
        for values in listed
    ]


COUNT_LIMIT = 1000  # beyond this, the whole case list says "more than 1,000 cases"


def case_count(user: User | AnonymousUser, filters: CaseFilters = CaseFilters(), *, limit: int | None = None) -> int:
    """How many cases `case_list(user, filters)` holds.

    The whole list is counted from the person's own grants, a range of one index, and no
    further than `limit` (default COUNT_LIMIT) + 1: an exact count of a trust's 100,000 cases
    would cost more than the page itself. A list narrowed by filters is counted exactly, over
    the cases.
    """
    if filters.narrowing:
        return case_list(user, filters).count()
    limit = COUNT_LIMIT if limit is None else limit
    return _grants(user, "view_case")[: limit + 1].count()


# The permissions of those with a part to play in a case: its case manager, investigating
# officer, panels and, on a safeguarding case, the safeguarding lead.
ACTING = ("manage_case", "investigate_case", "hear_case", "hear_appeal", "refer_safeguarding")


def cases_awaiting(user: User | AnonymousUser) -> QuerySet[Case]:
    """Open cases in which this user has a part to play (they manage, investigate or hear it,
    or may refer it to the LADO): the home page's cases needing their action, soonest deadline
    first (`next_due_on` is annotated: the date, or None), then the cases with none, oldest first.
    Read from their grants of those permissions, so an HR adviser, who only views and exports,
    costs nothing."""
    acting = _grants(user, *ACTING).values("content_object_id")
    return (Case.objects.filter(pk__in=acting, state__in=OPEN_STATES)
            .annotate(next_due_on=deadlines.next_due_on())
            .select_related("school", "subject")
            .order_by(F("next_due_on").asc(nulls_last=True), "reported_at", "pk"))


# The case page, the home page and the case list read deadlines by these names (incidents.deadlines).
next_deadline = deadlines.next_deadline
overdue_q = deadlines.overdue_q


def cases_exportable_by(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases this user may export (registers, bundles, subject access): the query form of
    permissions.can_export_case; every export goes through this one function."""
    return _cases_granted(user, "export_case")


def safeguarding_cases_for(user: User | AnonymousUser) -> QuerySet[Case]:
    """The open safeguarding cases of the schools where `user` is the designated safeguarding lead,
    as they may see them (their grants: never a case about themselves): the DSL's home page's list,
    soonest deadline first (`next_due_on` annotated), then those with none, oldest first."""
    if not user.is_authenticated or user.is_superuser:
        return Case.objects.none()
    schools = Membership.objects.filter(user=user, role=Role.DSL).values("school_id")
    return (Case.objects.filter(pk__in=_grants(user, "view_case").values("content_object_id"), safeguarding=True,
                                state__in=OPEN_STATES, school_id__in=schools)
            .annotate(next_due_on=deadlines.next_due_on())
            .select_related("school", "subject")
            .order_by(F("next_due_on").asc(nulls_last=True), "reported_at", "pk"))
