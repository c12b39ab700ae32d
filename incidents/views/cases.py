"""The case pages of case managers, investigating officers, panels, the DSL and HR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from incidents import audit, permissions, selectors
from incidents.forms import CaseFilterForm, LetterReissueForm
from incidents.letters.delivery import not_received_for
from incidents.letters.services import correctable_parts, letter_open, letter_reissue, mark_replaced
from incidents.models import Case, CaseEvent, Clause, Letter, LetterDelivery, Membership, School
from incidents.notifications import undelivered_for
from incidents.retention import may_hold, retention_for
from incidents.timeline import access_record_for, timeline_for
from incidents.views.access import CaseMixin, SignedInMixin, signed_in_user
from incidents.workflow.choices import REPORTING_RESTRICTION
from incidents.workflow.guidance import steps_for

if TYPE_CHECKING:
    from django.core.paginator import _SupportsPagination


class CaseListView(SignedInMixin, ListView[Case]):
    template_name = "incidents/case_list.html"
    context_object_name = "cases"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Case]:
        user = signed_in_user(self.request)
        schools = School.objects.filter(pk__in=Membership.objects.filter(user=user).values("school"))
        clauses = Clause.objects.filter(policy__schools__in=schools).distinct().citable()
        self.filter_form = CaseFilterForm(self.request.GET or None, schools=schools, clauses=clauses)
        self.filters = selectors.CaseFilters()
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            self.filters = selectors.CaseFilters(
                stage=data["stage"], kind=data["kind"], clause=data["clause"],
                school=int(data["school"]) if data["school"] else None, overdue=data["overdue"],
                search=data["q"], sort=data["sort"] or "-reported_at",
            )
        return selectors.case_list(user, self.filters)

    def get_paginator(self, queryset: _SupportsPagination[Any], per_page: int, orphans: int = 0,
                      allow_empty_first_page: bool = True, **kwargs: Any) -> Paginator[Any]:
        paginator = super().get_paginator(queryset, per_page, orphans=orphans,
                                          allow_empty_first_page=allow_empty_first_page, **kwargs)
        page = self.request.GET.get(self.page_kwarg, "")
        # Counted just far enough to reach the page asked for (see selectors.case_count); a page
        # number past any real list counts nothing more, and the paginator answers "no such page".
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        number = int(page) if page.isdecimal() and len(page) <= 6 else 0
        self.count_limit = max(selectors.COUNT_LIMIT, number * per_page)
        paginator.count = selectors.case_count(signed_in_user(self.request), self.filters, limit=self.count_limit)
        return paginator

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        capped = not self.filters.narrowing and context["paginator"].count > self.count_limit
        context["more_than"] = self.count_limit if capped else None
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["rows"] = selectors.case_rows(context["cases"])
        return context


class CaseDetailView(CaseMixin, DetailView[Case]):
    template_name = "incidents/case_detail.html"

    def get_object(self, queryset: QuerySet[Case] | None = None) -> Case:
        return self.case

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit.access_record(case=self.case, by=signed_in_user(request), kind=CaseEvent.Kind.VIEWED)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        case, user = self.case, signed_in_user(self.request)
        reading = permissions.reading_for(user, case)
        return super().get_context_data(
            clauses=case.clauses.all(),
            evidence=reading.evidence(case),
            timeline=timeline_for(case, reading),
            # HR may read the access changes and hashes, folded away below the timeline
            technical_timeline=timeline_for(case, reading, technical=True) if reading.technical_appendix else None,
            access_record=access_record_for(case, reading),
            special_category=reading.special_category,
            reporting_restriction=REPORTING_RESTRICTION,
            hearing_panel=case.hearing_panel.all(),
            appeal_panel=case.appeal_panel.all(),
            steps=steps_for(case, user),
            deadline=selectors.next_deadline(case),
            letters=mark_replaced(reading.letters(case)),
            can_reissue=permissions.can_manage_case(user, case),
            # letters to the employee not shown to have reached them: post them or hand them over
            not_received=not_received_for(case) if permissions.can_manage_case(user, case) else [],
            delivered=set(LetterDelivery.objects.filter(case=case).values_list("letter_id", flat=True))
            if permissions.can_manage_case(user, case) else set(),
            # emails that did not reach their person: the case manager tells them another way
            undelivered=undelivered_for(case) if permissions.can_manage_case(user, case) else [],
            retention=retention_for(case),
            can_hold=may_hold(user, case),
            **kwargs,
        )


class EvidenceDownloadView(CaseMixin, View):
    """Evidence is only ever sent as an attachment, to people who may see it: whoever may see
    the case, and the reporter the evidence they added themselves (any other item is a 404).
    An image is sent as its safe copy (re-encoded, without metadata); the original stays the record."""

    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_view_own_report(user, case))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        user = signed_in_user(request)
        evidence = get_object_or_404(self.case.evidence, uuid=kwargs["evidence"], file__gt="")
        if not permissions.reading_for(user, self.case).sees_evidence(evidence):
            raise Http404("No such evidence.")
        audit.access_record(case=self.case, by=user, kind=CaseEvent.Kind.DOWNLOADED,
                                    what=f"Evidence: {evidence.original_name} ({evidence.sha256})")
        stored = evidence.safe_file or evidence.file
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=evidence.original_name,
                                content_type=evidence.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class LetterDownloadView(CaseMixin, View):
    """An issued letter, checked against its SHA-256, as an attachment; each download is logged."""

    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_view_own_report(user, case))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = signed_in_user(request)
        letter = get_object_or_404(self.case.letters, uuid=kwargs["letter"])
        if not permissions.can_download_letter(user, letter):
            raise Http404("No such letter.")
        content = letter_open(letter=letter, by=user)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.reference.replace("/", "-")}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class LetterReissueView(CaseMixin, FormView[LetterReissueForm]):
    """A correction, or the same letter in another format: a new version; the old one stays."""

    case_rule = staticmethod(permissions.can_manage_case)
    template_name = "incidents/letter_reissue.html"
    form_class = LetterReissueForm

    def get_letter(self) -> Letter:
        if not hasattr(self, "_letter"):
            self._letter = get_object_or_404(self.case.letters, uuid=self.kwargs["letter"])
        return self._letter

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        letter = self.get_letter()
        replaced_by = Letter.objects.filter(supersedes=letter).order_by("version").first()
        return super().get_context_data(letter=letter, replaced_by=replaced_by, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        letter = self.get_letter()
        return super().get_form_kwargs() | {"parts": correctable_parts(letter), "facts": letter.facts}

    def get_initial(self) -> dict[str, Any]:
        return {"letter_format": self.get_letter().letter_format}

    def form_valid(self, form: LetterReissueForm) -> HttpResponse:
        try:
            letter = letter_reissue(letter=self.get_letter(), by=signed_in_user(self.request),
                                    reason=form.cleaned_data["reason"],
                                    letter_format=form.cleaned_data["letter_format"], changes=form.changes())
        except ValidationError as refused:
            if hasattr(refused, "error_dict"):
                for field, problems in refused.message_dict.items():
                    form.add_error(form.field_for(field), problems)
            else:
                form.add_error(None, refused.messages)
            return self.form_invalid(form)
        messages.success(self.request, f"New version issued: {letter.get_kind_display()}, version {letter.version}, "
                                       f"to {letter.recipient_name}. The earlier version stays on the case, "
                                       "marked as replaced.")
        return redirect(self.case.get_absolute_url())
