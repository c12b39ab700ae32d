"""The forms of the product: reporting a concern, and the input each step of the procedure needs.

A step's form is made from the step's declared input (`step_form`): field names are the
input's names, so a refusal from the step (a ValidationError keyed by input) lands on the
right field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.forms.renderers import TemplatesSetting
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from incidents import clock
from incidents.evidence_checks import MAX_EVIDENCE_FILES, MAX_EVIDENCE_TOTAL_BYTES, check_evidence_file
from incidents.models import Case, Clause, Letter, LetterDelivery, Membership, School, StaffMember
from incidents.names import display_name
from incidents.text_checks import hidden_character_problem, without_hidden_characters
from incidents.workflow import Answer, Ask, Step, StepInput

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile
    from django.db import models
    from django.db.models import QuerySet


class FormRenderer(TemplatesSetting):
    """Render fields with the site's own accessible field template (label, hint, error)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


# A text field declared without a limit has this one: no text reaches a letter or the database unbounded.
DEFAULT_TEXT_LIMIT = 5000


class TextLimit(validators.MaxLengthValidator):
    """A text field's limit, refused in plain words."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit, message=f"This is too long: shorten it to {limit:,} characters or fewer.")


def limit_stated(field: forms.Field) -> None:
    """A text field's limit, enforced with a plain refusal and stated in its hint ("Up to 5,000
    characters."): the one declared on the field (for a step's input, the `max_length` of its
    `Ask`), else DEFAULT_TEXT_LIMIT. Idempotent: a hint set later is given the limit again."""
    if not isinstance(field, forms.CharField) or isinstance(field, forms.URLField) or field.widget.is_hidden:
        return
    if field.max_length is None:
        field.max_length = DEFAULT_TEXT_LIMIT
        field.widget.attrs.update(field.widget_attrs(field.widget))
    limit = field.max_length
    if limit < 100:
        return  # a code or a reference: the box itself holds no more
    if not any(isinstance(v, TextLimit) for v in field.validators):
        field.validators = [v for v in field.validators if not isinstance(v, validators.MaxLengthValidator)]
        field.validators.append(TextLimit(limit))
    stated = f"Up to {limit:,} characters."
    if not str(field.help_text).endswith(stated):
        field.help_text = f"{field.help_text} {stated}" if field.help_text else stated


class AccessibleForm(forms.Form):
    """Links each field to its hint and error message for screen readers; states and enforces every
    text field's limit, and refuses text holding hidden characters (`incidents.text_checks`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            limit_stated(field)

    def __getitem__(self, name: str) -> BoundField:
        limit_stated(self.fields[name])  # again, should a form have set the field's hint since
        return super().__getitem__(name)

    def clean(self) -> dict[str, Any] | None:
        cleaned = self.cleaned_data
        for name, value in list(cleaned.items()):
            for text in value if isinstance(value, (list, tuple)) else [value]:
                problem = hidden_character_problem(text) if isinstance(text, str) else ""
                if problem:
                    self.add_error(name, problem)
                    break
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            described_by = [f"id_{name}_helptext"] if field.help_text else []
            if name in self.errors:
                described_by.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files at once, each checked as evidence: at most MAX_EVIDENCE_FILES of them and
    MAX_EVIDENCE_TOTAL_BYTES in all."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Sequence[UploadedFile]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(f"Add at most {MAX_EVIDENCE_FILES} files at once; you chose {len(files)}.")
        if sum(upload.size or 0 for upload in files) > MAX_EVIDENCE_TOTAL_BYTES:
            raise ValidationError(f"These files come to more than {MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB "
                                  "in all. Add fewer or smaller files.")
        errors = []
        for upload in files:
            try:
                check_evidence_file(super().clean(upload, initial))
            except ValidationError as problem:
                errors.extend(problem.messages)
        if errors:
            raise ValidationError(errors)
        return files


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return display_name(user)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, user: User) -> str:
        return display_name(user)


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, clause: Clause) -> str:
        # A title a person understands; the policy's own words are shown behind it (report_form.html).
        return clause.short_title


class ReportForm(AccessibleForm):
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=None, label="Which school is this about?", empty_label=None)
    kind = forms.ChoiceField(choices=Case.Kind.choices, widget=forms.RadioSelect, label="What are you reporting?")
    subject: forms.ModelChoiceField[StaffMember] = forms.ModelChoiceField(
        queryset=None, required=False, label="Who is it about?", empty_label="I don’t know",
        help_text="The member of staff who posted it, or whose account it is.",
    )
    platform = forms.ChoiceField(choices=Case.Platform.choices, widget=forms.RadioSelect,
                                 label="Where did you see it?")
    content_url = forms.URLField(required=False, assume_scheme="https", max_length=2000, label="Link to the post",
                                 help_text="Copy the address from your browser, for example https://www.facebook.com/…")
    seen_on = forms.DateField(required=False, widget=DateInput, label="When did you see it?")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=10000,
                                  label="What happened?",
                                  help_text="Say what was posted or what looks wrong with the account. "
                                            "Do not include pupils’ names.")
    clauses = ClauseChoiceField(queryset=None, required=False, label="Which part of the policy may it breach?",
                                help_text="Leave these all unticked if you are not sure.")
    evidence = EvidenceField(required=False, label="Evidence",
                             help_text="Screenshots or documents: PNG, JPEG or PDF, up to 10 MB each, "
                                       f"at most {MAX_EVIDENCE_FILES} files and "
                                       f"{MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB in all.")
    remove_files = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Files you have already added",
        help_text="They will be sent with your report. Tick any you want to remove.")

    # The answers kept while the reporter checks them (`report_drafts`), as plain values.
    ANSWERS = ("school", "kind", "subject", "platform", "content_url", "seen_on", "description", "clauses")

    def __init__(self, *args: Any, reporter: User, kept_files: Sequence[tuple[str, str, int]] = (),
                 **kwargs: Any) -> None:
        """`kept_files`: the files of the draft being changed, as (key, name, size)."""
        super().__init__(*args, **kwargs)
        self.kept_files = list(kept_files)
        if kept_files:
            cast(forms.MultipleChoiceField, self.fields["remove_files"]).choices = [
                (key, f"{name} ({filesizeformat(size)})") for key, name, size in kept_files]
            self.fields["evidence"].label = "Add more evidence"
        else:
            del self.fields["remove_files"]
        schools = {m.school for m in Membership.objects.filter(user=reporter).select_related("school__policy")}
        school = cast("forms.ModelChoiceField[School]", self.fields["school"])
        school.queryset = School.objects.filter(pk__in=[s.pk for s in schools])
        if len(schools) == 1:
            school.widget = forms.HiddenInput()
            school.initial = next(iter(schools)).pk
        policies = {s.policy_id for s in schools}
        cast("forms.ModelChoiceField[StaffMember]", self.fields["subject"]).queryset = (
            StaffMember.objects.filter(school__in=schools).select_related("school"))
        cast(ClauseChoiceField, self.fields["clauses"]).queryset = (
            Clause.objects.filter(policy__in=policies).citable().prefetch_related("children"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        school, subject = cleaned.get("school"), cleaned.get("subject")
        if school and subject and subject.school_id != school.pk:
            self.add_error("subject", "Choose a member of staff of this school.")
        if cleaned.get("seen_on") and cleaned["seen_on"] > clock.today():
            self.add_error("seen_on", "The date you saw it cannot be in the future.")
        # the files kept from before count towards the report's limits with those added now
        removed = set(cleaned.get("remove_files") or ())
        sizes = [size for key, _, size in self.kept_files if key not in removed]
        sizes += [upload.size or 0 for upload in cleaned.get("evidence") or ()]
        if self.kept_files and "evidence" not in self.errors:
            if len(sizes) > MAX_EVIDENCE_FILES:
                self.add_error("evidence", f"A report can have at most {MAX_EVIDENCE_FILES} files; with those you "
                                           f"already added it would have {len(sizes)}. Remove some first.")
            elif sum(sizes) > MAX_EVIDENCE_TOTAL_BYTES:
                self.add_error("evidence", f"A report's files can come to at most "
                                           f"{MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB in all, with those "
                                           "you already added. Remove some first.")
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The cleaned answers as plain values, which bind this form again (`ReportForm(data=...)`)."""
        data = self.cleaned_data
        return {
            "school": data["school"].pk, "kind": data["kind"], "subject": data["subject"].pk if data["subject"] else "",
            "platform": data["platform"], "content_url": data["content_url"],
            "seen_on": data["seen_on"].isoformat() if data["seen_on"] else "", "description": data["description"],
            "clauses": [clause.pk for clause in data["clauses"]],
        }


class ReportEvidenceForm(AccessibleForm):
    """More evidence, added by the reporter to their own report."""

    evidence = EvidenceField(label="Evidence", error_messages={"required": "Choose a file to add."},
                             help_text="Screenshots or documents: PNG, JPEG or PDF, up to 10 MB each.")
    description = forms.CharField(required=False, max_length=500, label="What does it show?",
                                  error_messages={"max_length": "Say what it shows in at most 500 characters."})


# --- The steps of the procedure ------------------------------------------------------

class StepForm(AccessibleForm):
    """Input for one step, made from the step's declaration (`step_form`). `irreversible` steps
    ask the person to confirm. A date and time is asked as two fields, `<name>_date` and
    `<name>_time`; a refusal about `<name>` is shown beside the date."""

    step: Step
    irreversible = False
    confirm = forms.BooleanField(required=False, label="I understand that this cannot be undone")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)
        for name, ask in self.step.given.asks():
            if ask.answer in (Answer.PERSON, Answer.PEOPLE):
                cast(forms.ModelChoiceField, self.fields[name]).queryset = _among(ask)(case)
            if ask.initial is not None:
                self.fields[name].initial = ask.initial(case)
            if ask.in_letter:
                employee = case.subject.full_name if case.subject else "the employee"
                told = f"This goes into the letter to {employee}: write it to them."
                self.fields[name].help_text = f"{told} {ask.help}" if ask.help else told
        if not self.irreversible:
            del self.fields["confirm"]
        else:
            self.fields["confirm"].required = True
            self.fields["confirm"].error_messages["required"] = "Confirm that you understand this cannot be undone."
            self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name, ask in self.step.given.asks():
            if ask.answer == Answer.MOMENT:
                day, at = cleaned.pop(f"{name}_date", None), cleaned.pop(f"{name}_time", None)
                cleaned[name] = timezone.make_aware(datetime.combine(day, at)) if day and at else None
            elif ask.answer == Answer.CHECKLIST:
                done = cleaned.get(name) or []
                cleaned[name] = {choice: choice in done for choice in _choices(ask).values}
            elif ask.answer == Answer.PEOPLE:
                cleaned[name] = tuple(cleaned.get(name) or ())
        return cleaned

    def given(self) -> StepInput:
        """The step's input, from what the person entered."""
        return self.step.given(**{name: self.cleaned_data.get(name) if self.cleaned_data.get(name) is not None
                                  else ask.empty for name, ask in self.step.given.asks()})

    def add_service_error(self, error: ValidationError) -> None:
        """Show a refusal from the step beside the field it is about, or at the top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for argument, messages in error.message_dict.items():
            field = f"{argument}_date" if f"{argument}_date" in self.fields else argument
            self.add_error(field if field in self.fields else None, messages)


def _among(ask: Ask) -> Callable[[Case], QuerySet[Any]]:
    """Whom a person or people input chooses among (`person` and `people` always say)."""
    if ask.among is None:
        raise ValueError(f"“{ask.label}” asks for people but does not say among whom.")
    return ask.among


def _choices(ask: Ask) -> type[models.TextChoices]:
    """The choices of a choice or checklist input (`choice` and `checklist` always give them)."""
    if ask.choices is None:
        raise ValueError(f"“{ask.label}” asks for a choice but gives no choices.")
    return ask.choices


def _form_fields(ask: Ask, name: str) -> dict[str, forms.Field]:
    """The form field(s) that ask for one input."""
    common: dict[str, Any] = {"required": ask.required, "label": ask.label, "help_text": ask.help,
                              "error_messages": {"required": ask.missing}}
    answer = ask.answer
    if answer == Answer.TEXT:
        return {name: forms.CharField(widget=forms.Textarea(attrs={"rows": ask.rows}), max_length=ask.max_length,
                                      **common)}
    if answer == Answer.LINE:
        return {name: forms.CharField(max_length=ask.max_length, **common)}
    if answer == Answer.DATE:
        return {name: forms.DateField(widget=DateInput, **common)}
    if answer == Answer.MOMENT:
        return {f"{name}_date": forms.DateField(widget=DateInput, **common | {"label": f"Date of {ask.label}"}),
                f"{name}_time": forms.TimeField(widget=TimeInput, **common | {
                    "label": f"Time of {ask.label}", "help_text": ""})}
    if answer == Answer.CHOICE:
        choices = list(_choices(ask).choices)
        if ask.required:
            return {name: forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)}
        return {name: forms.ChoiceField(choices=[("", "—")] + choices, **common)}
    if answer == Answer.YES_NO:
        yes, no = ask.yes_no
        return {name: forms.TypedChoiceField(choices=[("yes", yes), ("no", no)], coerce=lambda value: value == "yes",
                                             widget=forms.RadioSelect, **common)}
    if answer == Answer.FLAG:
        return {name: forms.BooleanField(**common)}
    if answer == Answer.NUMBER:
        return {name: forms.IntegerField(min_value=ask.min_value, max_value=ask.max_value, **common)}
    if answer == Answer.PERSON:
        return {name: PersonChoiceField(queryset=get_user_model().objects.none(), **common)}
    if answer == Answer.PEOPLE:
        return {name: PeopleChoiceField(queryset=get_user_model().objects.none(), **common)}
    if answer == Answer.DOCUMENT:
        return {name: forms.FileField(**common)}
    if answer == Answer.CHECKLIST:
        return {name: forms.MultipleChoiceField(choices=_choices(ask).choices, widget=forms.CheckboxSelectMultiple,
                                                **common)}
    raise ValueError(f"No form field for {answer}.")


@functools.cache
def step_form(step: Step) -> type[StepForm]:
    """The form of `step`: a field for each of its inputs, in the order they are declared."""
    fields: dict[str, Any] = {}
    for name, ask in step.given.asks():
        fields |= _form_fields(ask, name)
    name = "".join(part.title() for part in step.name.split("_")) + "Form"
    return type(name, (StepForm,), fields | {"step": step, "irreversible": step.irreversible})


class CaseFilterForm(forms.Form):
    """The case list's filters; every field optional, bad values ignored."""

    q = forms.CharField(required=False, max_length=200, label="Reference, name or platform")
    stage = forms.ChoiceField(required=False, label="Stage")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind")] + list(Case.Kind.choices), label="Kind")
    clause = forms.ChoiceField(required=False, label="Clause")
    school = forms.ChoiceField(required=False, label="School")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[
        ("-reported_at", "Newest first"), ("reported_at", "Oldest first"), ("reference", "Reference"),
        ("stage", "Stage")])

    def __init__(self, *args: Any, schools: Iterable[School], clauses: Iterable[Clause], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from incidents.workflow import State

        cast(forms.ChoiceField, self.fields["stage"]).choices = [("", "Any stage")] + list(State.choices)
        cast(forms.ChoiceField, self.fields["clause"]).choices = (
            [("", "Any clause")] + [(c.ref, f"{c.ref}) {c.title}") for c in clauses])
        cast(forms.ChoiceField, self.fields["school"]).choices = (
            [("", "All schools")] + [(str(s.pk), s.name) for s in schools])

    def clean_q(self) -> str:
        return without_hidden_characters(self.cleaned_data["q"])


class LetterReissueForm(AccessibleForm):
    """A new version of a letter: its words corrected (each part a person wrote, as it reads now)
    and/or another format, with the reason. `parts`: (key, plain name) of the parts that may be
    corrected (`letters.services.correctable_parts`); `facts`: the letter's facts, to show them."""

    PREFIX = "text_"

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is a new version issued?",
                             help_text="For example: “The reasons had a typing mistake.” The recipient is told "
                                       "the new letter replaces the earlier one.")
    letter_format = forms.ChoiceField(choices=Letter.Format.choices, widget=forms.RadioSelect, label="Format")

    def __init__(self, *args: Any, parts: Sequence[tuple[str, str]] = (), facts: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        from incidents.letters.services import MAX_CORRECTION

        super().__init__(*args, **kwargs)
        self.parts = list(parts)
        self.facts = facts or {}
        for key, label in self.parts:
            self.fields[self.PREFIX + key] = forms.CharField(
                label=label, required=False, initial=self.facts.get(key, ""), strip=True, max_length=MAX_CORRECTION,
                widget=forms.Textarea(attrs={"rows": 4}))
        self.order_fields([self.PREFIX + key for key, _ in self.parts] + ["reason", "letter_format"])

    def changes(self) -> dict[str, str]:
        """The parts whose words were changed, by key, as now written."""
        return {key: self.cleaned_data[self.PREFIX + key] for key, _ in self.parts
                if self.PREFIX + key in self.data  # a part not sent at all is left as it was
                and self.cleaned_data.get(self.PREFIX + key, "") != str(self.facts.get(key, "")).strip()}

    def field_for(self, key: str) -> str | None:
        """The form's field for a key the service refused (None: a problem with the whole form)."""
        for name in (key, self.PREFIX + key):
            if name in self.fields:
                return name
        return None


class LetterCodeForm(AccessibleForm):
    """The one-time code that opens a letter emailed to its recipient (no account needed)."""

    code = forms.CharField(label="Code from the email", max_length=12, strip=True, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class HandedOverForm(AccessibleForm):
    """A letter posted or handed over: on which day, and how."""

    on = forms.DateField(widget=DateInput, label="Date it was posted or handed over")
    how = forms.ChoiceField(choices=LetterDelivery.HandedOver.choices, widget=forms.RadioSelect, label="How")


class LegalHoldForm(AccessibleForm):
    """A legal hold on a case: why it must be kept, and until when (empty: until lifted)."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             label="Why must the case be kept?",
                             error_messages={"required": "Say why the case must be kept."},
                             help_text="A claim, a tribunal, a police or LADO request.")
    until = forms.DateField(widget=DateInput, required=False, label="Keep it until",
                            help_text="Leave empty to keep it until someone lifts the hold.")
