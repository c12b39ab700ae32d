"""The case pages of case managers, investigating officers, panels, the DSL and HR."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from incidents import audit, permissions, selectors, services
from incidents.forms import STEP_FORMS, CaseFilterForm, LetterReissueForm
from incidents.letters.kinds import STEP_LETTERS
from incidents.letters.services import letter_open, letter_preview, letter_reissue, letters_of_case
from incidents.models import CaseEvent, Clause, Membership, School
from incidents.views.access import CaseMixin, SignedInMixin
from incidents.workflow import State, Suspension


class CaseListView(SignedInMixin, ListView):
    template_name = "incidents/case_list.html"
    context_object_name = "cases"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
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

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        page = self.request.GET.get(self.page_kwarg, "")
        # Counted just far enough to reach the page asked for (see selectors.case_count); a page
        # number past any real list counts nothing more, and the paginator answers "no such page".
        number = int(page) if page.isdigit() and len(page) <= 6 else 0
        self.count_limit = max(selectors.COUNT_LIMIT, number * per_page)
        paginator.count = selectors.case_count(self.request.user, self.filters, limit=self.count_limit)
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        capped = not self.filters.narrowing and context["paginator"].count > self.count_limit
        context["more_than"] = self.count_limit if capped else None
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["rows"] = selectors.case_rows(context["cases"])
        return context


class CaseDetailView(CaseMixin, DetailView):
    template_name = "incidents/case_detail.html"

    def get_object(self):
        return self.case

    def get(self, request, *args, **kwargs):
        audit.access_record(case=self.case, by=request.user, kind=CaseEvent.Kind.VIEWED)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        case, user = self.case, self.request.user
        steps = services.available_steps(case, user)
        events = list(case.events.select_related("actor"))
        access = [event for event in events if event.kind in ACCESS_KINDS]
        special = permissions.can_view_special_category(user, case)
        letters = [letter for letter in letters_of_case(case)
                   if special or not permissions.holds_special_category(letter)]
        return super().get_context_data(
            clauses=case.clauses.all(),
            evidence=case.evidence.select_related("added_by"),
            timeline=[_timeline_entry(case, event, special=special) for event in events
                      if event.kind not in ACCESS_KINDS],
            access_record=[_timeline_entry(case, event) for event in access[-50:]],
            special_category=special,
            hearing_panel=case.hearing_panel.all(),
            appeal_panel=case.appeal_panel.all(),
            steps=[(name, STEP_FORMS[name].irreversible, _label(case, name)) for name in steps],
            deadline=selectors.next_deadline(case),
            letters=letters,
            can_reissue=permissions.can_manage_case(user, case),
            **kwargs,
        )


def _describe(value) -> str:
    if isinstance(value, dict):
        if "name" in value:
            return value["name"]
        return "; ".join(f"{k.replace('_', ' ')}: {_describe(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_describe(v) for v in value)
    return str(value)


SPECIAL_CATEGORY_WITHHELD = [("Details", "Special category data, shown to those who need it")]


def _timeline_entry(case, event, *, special: bool = True) -> dict:
    """One line of the timeline, in words; without the details of a step that recorded special
    category data, unless `special` (the reader may see it)."""
    states = dict(State.choices) | dict(Suspension.choices)
    what = _label(case, event.transition) if event.transition else event.get_kind_display()
    change = ""
    if event.from_state and event.to_state and event.from_state != event.to_state:
        change = f"{states.get(event.from_state)} → {states.get(event.to_state)}"
    details = [(key.replace("_", " ").capitalize(),
                ", ".join(letter["reference"] for letter in value) if key == "letters" else _describe(value))
               for key, value in event.details.items() if value not in ("", None, [], {}) and key != "case_manager"]
    if not special and event.transition in permissions.SPECIAL_CATEGORY_STEPS:
        details = SPECIAL_CATEGORY_WITHHELD
    who = event.actor.get_full_name() or event.actor.get_username() if event.actor else "Casework (automatic)"
    return {"at": event.at, "who": who, "what": what, "change": change, "details": details}


def _label(case, step: str) -> str:
    return next(iter(getattr(case, step)._django_fsm.transitions.values())).custom["label"]


ACCESS_KINDS = {CaseEvent.Kind.VIEWED, CaseEvent.Kind.DOWNLOADED, CaseEvent.Kind.EXPORTED}


class CaseStepView(CaseMixin, FormView):
    """One step of the procedure: the form asking what it needs, then the service."""

    template_name = "incidents/case_step.html"
    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_withdraw_report(user, case))

    def dispatch(self, request, *args, **kwargs):
        self.step = kwargs["step"]
        if self.step not in STEP_FORMS:
            raise Http404("No such step.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        meta = getattr(self.case, self.step)._django_fsm
        current = meta.field.get_state(self.case)
        transition = meta.get_transition(current) if meta.has_transition(current) else None
        if transition is None:
            messages.error(request, f"“{_label(self.case, self.step)}” is not possible at this stage.")
            return redirect(self._back())
        if not transition.has_perm(self.case, request.user):
            raise Http404("No such step for you.")
        return super().get(request, *args, **kwargs)

    def get_form_class(self):
        return STEP_FORMS[self.step]

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"case": self.case}

    def get_context_data(self, **kwargs):
        return super().get_context_data(step=self.step, label=_label(self.case, self.step), back=self._back(),
                                        issues_letter=self.step in STEP_LETTERS, **kwargs)

    def form_valid(self, form):
        """Take the step (or preview its letter); a refusal is shown beside the form, or, when
        the case has moved on, on the case page."""
        act = self.preview if "preview" in self.request.POST else self.take
        try:
            return act(form)
        except ValidationError as refused:
            form.add_service_error(refused)
            return self.form_invalid(form)
        except services.NotPermitted:
            raise Http404("No such step for you.") from None
        except (services.StepNotAvailable, services.CaseConflict) as refused:
            messages.error(self.request, str(refused))
            return redirect(self._back())

    def take(self, form):
        getattr(services, f"case_{self.step}")(case=self.case, by=self.request.user, **form.arguments())
        messages.success(self.request, f"Done: {_label(self.case, self.step)}. "
                                       f"The case is now at the stage “{self.case.get_state_display()}”.")
        return redirect(self._back())

    def preview(self, form):
        """The letter this step would issue with this input, shown and not stored."""
        field = "suspension" if self.step in ("suspend", "review_suspension", "lift_suspension") else "state"
        kinds = STEP_LETTERS[self.step](self.case, form.arguments(), getattr(self.case, field)) \
            if self.step in STEP_LETTERS else []
        if not kinds:
            messages.info(self.request, "With this input the step sends no letter.")
            return self.render_to_response(self.get_context_data(form=form))
        letter = letter_preview(case=self.case, kind=kinds[0], by=self.request.user, step=self.step,
                                arguments=form.arguments())
        # a preview holds the case's personal data as much as an issued letter does
        audit.access_record(case=self.case, by=self.request.user, kind=CaseEvent.Kind.DOWNLOADED,
                            what=f"Preview, not issued: {letter.title} ({letter.reference})")
        response = HttpResponse(letter.pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="preview.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _back(self) -> str:
        if permissions.can_view_case(self.request.user, self.case):
            return self.case.get_absolute_url()
        return reverse("incidents:report_detail", kwargs={"uuid": self.case.uuid})


class EvidenceDownloadView(CaseMixin, View):
    """Evidence is only ever sent as an attachment, to people who may see it."""

    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_view_own_report(user, case))

    def get(self, request, *args, **kwargs):
        evidence = get_object_or_404(self.case.evidence, uuid=kwargs["evidence"], file__gt="")
        audit.access_record(case=self.case, by=request.user, kind=CaseEvent.Kind.DOWNLOADED,
                                    what=f"Evidence: {evidence.original_name} ({evidence.sha256})")
        response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                                content_type=evidence.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class LetterDownloadView(CaseMixin, View):
    """An issued letter, checked against its SHA-256, as an attachment; each download is logged."""

    case_rule = staticmethod(lambda user, case: permissions.can_view_case(user, case)
                             or permissions.can_view_own_report(user, case))

    def get(self, request, *args, **kwargs):
        letter = get_object_or_404(self.case.letters, uuid=kwargs["letter"])
        if not permissions.can_download_letter(request.user, letter):
            raise Http404("No such letter.")
        content = letter_open(letter=letter, by=request.user)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.reference.replace("/", "-")}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class LetterReissueView(CaseMixin, FormView):
    """A correction, or the same letter in another format: a new version; the old one stays."""

    case_rule = staticmethod(permissions.can_manage_case)
    template_name = "incidents/letter_reissue.html"
    form_class = LetterReissueForm

    def get_letter(self):
        return get_object_or_404(self.case.letters, uuid=self.kwargs["letter"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(letter=self.get_letter(), **kwargs)

    def get_initial(self):
        return {"letter_format": self.get_letter().letter_format}

    def form_valid(self, form):
        try:
            letter = letter_reissue(letter=self.get_letter(), by=self.request.user, **form.cleaned_data)
        except ValidationError as refused:
            for field, problems in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Issued {letter.reference}, version {letter.version}. "
                                       "The earlier version is kept as it was.")
        return redirect(self.case.get_absolute_url())
