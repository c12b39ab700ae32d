"""The forms of the product: reporting a concern, and the input each step of the procedure needs.

Field names match the keyword arguments of the service they feed, so a refusal from the
service (a ValidationError keyed by argument) lands on the right field.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone

from incidents import clock
from incidents.evidence_checks import check_evidence_file
from incidents.models import Case, Clause, Letter, Membership, School, StaffMember
from incidents.workflow import (
    AppealDecision,
    ContainmentStep,
    EscalationReason,
    LadoOutcome,
    Outcome,
    RescheduleReason,
)

User = get_user_model()


class FormRenderer(TemplatesSetting):
    """Render fields with the site's own accessible field template (label, hint, error)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class AccessibleForm(forms.Form):
    """Links each field to its hint and error message for screen readers."""

    def full_clean(self):
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
    """Several files at once, each checked as evidence."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
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
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, clause):
        return f"{clause.ref}) {clause.title}: “{clause.text}”"


class ReportForm(AccessibleForm):
    school = forms.ModelChoiceField(queryset=None, label="Which school is this about?", empty_label=None)
    kind = forms.ChoiceField(choices=Case.Kind.choices, widget=forms.RadioSelect, label="What are you reporting?")
    subject = forms.ModelChoiceField(
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
                             help_text="Screenshots or documents: PNG, JPEG or PDF, up to 10 MB each.")

    def __init__(self, *args, reporter, **kwargs):
        super().__init__(*args, **kwargs)
        schools = {m.school for m in Membership.objects.filter(user=reporter).select_related("school__policy")}
        self.fields["school"].queryset = School.objects.filter(pk__in=[s.pk for s in schools])
        if len(schools) == 1:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = next(iter(schools)).pk
        policies = {s.policy_id for s in schools}
        self.fields["subject"].queryset = StaffMember.objects.filter(school__in=schools).select_related("school")
        self.fields["clauses"].queryset = Clause.objects.filter(policy__in=policies).citable()

    def clean(self):
        cleaned = super().clean()
        school, subject = cleaned.get("school"), cleaned.get("subject")
        if school and subject and subject.school_id != school.pk:
            self.add_error("subject", "Choose a member of staff of this school.")
        if cleaned.get("seen_on") and cleaned["seen_on"] > clock.today():
            self.add_error("seen_on", "The date you saw it cannot be in the future.")
        return cleaned


# --- The steps of the procedure ------------------------------------------------------

def _staff_of(case, *roles):
    memberships = Membership.objects.filter(school=case.school)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return User.objects.filter(pk__in=memberships.values("user")).order_by("first_name", "last_name")


class StepForm(AccessibleForm):
    """Input for one step. `irreversible` steps ask the person to confirm."""

    irreversible = False
    confirm = forms.BooleanField(required=False, label="I understand that this cannot be undone")

    def __init__(self, *args, case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        if not self.irreversible:
            del self.fields["confirm"]
        else:
            self.fields["confirm"].required = True
            self.fields["confirm"].error_messages["required"] = "Confirm that you understand this cannot be undone."
            self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])

    error_aliases: dict[str, str] = {}

    def arguments(self) -> dict:
        """The service's keyword arguments."""
        return {name: value for name, value in self.cleaned_data.items() if name != "confirm"}

    def add_service_error(self, error: ValidationError) -> None:
        """Show a refusal from the service beside the field it is about, or at the top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for argument, messages in error.message_dict.items():
            field = self.error_aliases.get(argument, argument)
            self.add_error(field if field in self.fields else None, messages)


class HearingTimeMixin:
    """A hearing's date and time, asked separately, given to the service as `hearing_at`."""

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.pop("hearing_date", None), cleaned.pop("hearing_time", None)
        if day and at:
            cleaned["hearing_at"] = timezone.make_aware(datetime.combine(day, at))
        return cleaned

    error_aliases = {"hearing_at": "hearing_date"}  # the service's argument, the person's field


class WithdrawForm(StepForm):
    irreversible = True
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Why (optional)")


class RequestContentRemovalForm(StepForm):
    deadline = forms.DateField(widget=DateInput, required=False, label="Remove by",
                               help_text="Leave empty for the school’s usual period (in working days).")


class ConfirmRemovedForm(StepForm):
    how_confirmed = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="How was the removal confirmed?")


class InvestigatingOfficerMixin(forms.Form):
    investigating_officer = PersonChoiceField(queryset=None, label="Investigating officer",
                                              help_text="Not the person who will hear the case.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigating_officer"].queryset = _staff_of(self.case)
        self.fields["investigating_officer"].initial = self.case.investigating_officer_id


class EscalateForm(InvestigatingOfficerMixin, StepForm):
    reason = forms.ChoiceField(choices=EscalationReason.choices, widget=forms.RadioSelect, label="Why escalate?")


class SecureAccountForm(StepForm):
    checklist = forms.MultipleChoiceField(choices=ContainmentStep.choices, widget=forms.CheckboxSelectMultiple,
                                          required=False, label="What has been done so far?")

    def arguments(self):
        return {"checklist": {step: step in self.cleaned_data["checklist"] for step in ContainmentStep.values}}


class ResolveForm(StepForm):
    irreversible = True
    what_was_done = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What was done to secure the account?")


class ReferToLadoForm(StepForm):
    allegation = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What was alleged, as told to the LADO")
    concern_arose_on = forms.DateField(widget=DateInput, required=False, label="When did the concern arise?",
                                       help_text="Leave empty if it is the date of the report.")
    late_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                  label="If the LADO is told late, why")


class RecordLowLevelConcernForm(StepForm):
    irreversible = True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is this below the harm threshold?")


class RecordLadoOutcomeForm(StepForm):
    lado_outcome = forms.ChoiceField(choices=LadoOutcome.choices, widget=forms.RadioSelect, label="The LADO’s outcome")
    advice = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="The LADO’s advice")
    investigate = forms.TypedChoiceField(choices=[("yes", "Investigate under the disciplinary procedure"),
                                                  ("no", "Close the case")],
                                         coerce=lambda v: v == "yes", widget=forms.RadioSelect, label="Next")
    investigating_officer = PersonChoiceField(queryset=None, required=False, label="Investigating officer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigating_officer"].queryset = _staff_of(self.case)


class OpenInvestigationForm(InvestigatingOfficerMixin, StepForm):
    pass


class CloseNoCaseForm(StepForm):
    irreversible = True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is the case closed?")


class GiveManagementAdviceForm(StepForm):
    irreversible = True
    advice = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="The advice given to the employee",
                             help_text="Management advice is not a disciplinary sanction.")


class ReferToHearingForm(HearingTimeMixin, StepForm):
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="The investigation’s findings")
    hearing_date = forms.DateField(widget=DateInput, label="Date of the hearing",
                                   help_text="After the school’s notice period, counted in working days.")
    hearing_time = forms.TimeField(widget=TimeInput, label="Time")
    place = forms.CharField(max_length=200, label="Place")
    panel = PeopleChoiceField(queryset=None, label="Who will hear the case?")
    gross_misconduct_alleged = forms.BooleanField(required=False, label="Gross misconduct is alleged",
                                                  help_text="Dismissal is then a possible outcome.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = _staff_of(self.case, "headteacher", "chair_of_governors", "governor")


class RescheduleForm(HearingTimeMixin, StepForm):
    hearing_date = forms.DateField(widget=DateInput, label="New date")
    hearing_time = forms.TimeField(widget=TimeInput, label="New time")
    reason = forms.ChoiceField(choices=RescheduleReason.choices, widget=forms.RadioSelect, label="Why")


class RecordOutcomeForm(StepForm):
    irreversible = True
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label="Outcome")
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Reasons for the decision")
    warning_months = forms.IntegerField(min_value=1, max_value=24, required=False, label="Months a warning stays live",
                                        help_text="Leave empty for the school’s usual period.")


class LodgeAppealForm(HearingTimeMixin, StepForm):
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="The employee’s grounds of appeal")
    received_on = forms.DateField(widget=DateInput, label="Date the appeal was received")
    hearing_date = forms.DateField(widget=DateInput, label="Date of the appeal hearing")
    hearing_time = forms.TimeField(widget=TimeInput, label="Time")
    place = forms.CharField(max_length=200, label="Place")
    panel = PeopleChoiceField(queryset=None, label="Appeal panel",
                              help_text="None of the hearing panel, and at least as many people.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = _staff_of(self.case, "headteacher", "chair_of_governors", "governor")


class DecideAppealForm(StepForm):
    irreversible = True
    decision = forms.ChoiceField(choices=AppealDecision.choices, widget=forms.RadioSelect, label="Decision")
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Reasons")
    new_outcome = forms.ChoiceField(choices=[("", "—")] + list(Outcome.choices), required=False,
                                    label="If partly upheld, the outcome that replaces it")


class CloseForm(StepForm):
    irreversible = True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Reason",
                             help_text="Needed if the appeal window is still open.")


class ReopenForm(StepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why reopen the case?")
    investigating_officer = PersonChoiceField(queryset=None, required=False, label="Investigating officer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigating_officer"].queryset = _staff_of(self.case)
        self.fields["investigating_officer"].initial = self.case.investigating_officer_id


class SuspendForm(StepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for the suspension")
    why_needed = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why suspension is needed")
    alternatives_considered = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                                              label="Alternatives considered")
    contact_restrictions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                           label="Any restriction on contact")
    named_contact = PersonChoiceField(queryset=None, label="The employee’s named contact")
    review_on = forms.DateField(widget=DateInput, label="Review date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_contact"].queryset = _staff_of(self.case)


class ReviewSuspensionForm(StepForm):
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why the suspension continues")
    review_on = forms.DateField(widget=DateInput, label="Next review date")


class LiftSuspensionForm(StepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why the suspension is lifted")


STEP_FORMS: dict[str, type[StepForm]] = {
    "withdraw": WithdrawForm,
    "request_content_removal": RequestContentRemovalForm,
    "confirm_removed": ConfirmRemovedForm,
    "escalate": EscalateForm,
    "secure_account": SecureAccountForm,
    "resolve": ResolveForm,
    "refer_to_lado": ReferToLadoForm,
    "record_low_level_concern": RecordLowLevelConcernForm,
    "record_lado_outcome": RecordLadoOutcomeForm,
    "open_investigation": OpenInvestigationForm,
    "close_no_case": CloseNoCaseForm,
    "give_management_advice": GiveManagementAdviceForm,
    "refer_to_hearing": ReferToHearingForm,
    "reschedule": RescheduleForm,
    "record_outcome": RecordOutcomeForm,
    "lodge_appeal": LodgeAppealForm,
    "decide_appeal": DecideAppealForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "suspend": SuspendForm,
    "review_suspension": ReviewSuspensionForm,
    "lift_suspension": LiftSuspensionForm,
}


class CaseFilterForm(forms.Form):
    """The case list's filters; every field optional, bad values ignored."""

    q = forms.CharField(required=False, label="Reference or name")
    stage = forms.ChoiceField(required=False, label="Stage")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind")] + list(Case.Kind.choices), label="Kind")
    clause = forms.ChoiceField(required=False, label="Clause")
    school = forms.ChoiceField(required=False, label="School")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[
        ("-reported_at", "Newest first"), ("reported_at", "Oldest first"), ("reference", "Reference"),
        ("stage", "Stage")])

    def __init__(self, *args, schools, clauses, **kwargs):
        super().__init__(*args, **kwargs)
        from incidents.workflow import State

        self.fields["stage"].choices = [("", "Any stage")] + list(State.choices)
        self.fields["clause"].choices = [("", "Any clause")] + [(c.ref, f"{c.ref}) {c.title}") for c in clauses]
        self.fields["school"].choices = [("", "All schools")] + [(str(s.pk), s.name) for s in schools]


class LetterReissueForm(AccessibleForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is a new version issued?")
    letter_format = forms.ChoiceField(choices=Letter.Format.choices, widget=forms.RadioSelect, label="Format")
