"""The choices HR makes before an export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from incidents.exports.bundle import PURPOSES
from incidents.exports.register import FORMATS, RegisterFilters
from incidents.exports.subject_access import LADO_NOT_CONFIRMED, NOT_REDACTED_NEEDS_REASON
from incidents.forms import AccessibleForm, DateInput
from incidents.models import Case, Clause, School, StaffMember, SubjectAccessRequest
from incidents.workflow import Outcome, State

FORMAT_CHOICES = [
    ("csv", "CSV (opens in any spreadsheet)"), ("xlsx", "Excel workbook (XLSX)"), ("json", "JSON (for programs)")]
assert set(dict(FORMAT_CHOICES)) == set(FORMATS)  # every format the register is made in, and only those


class RegisterForm(AccessibleForm):
    file_format = forms.ChoiceField(label="Format", widget=forms.RadioSelect, initial="csv", choices=FORMAT_CHOICES)
    school = forms.ChoiceField(required=False, label="School")
    reported_from = forms.DateField(required=False, label="Reported on or after", widget=DateInput)
    reported_to = forms.DateField(required=False, label="Reported on or before", widget=DateInput)
    stage = forms.ChoiceField(required=False, label="Stage", choices=[("", "Any stage")] + list(State.choices))
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any kind")] + list(Case.Kind.choices))
    clause = forms.ChoiceField(required=False, label="Clause")
    outcome = forms.ChoiceField(required=False, label="Outcome", choices=[("", "Any outcome")] + list(Outcome.choices))

    def __init__(self, *args: Any, schools: Iterable[int] | QuerySet[Any, Any], **kwargs: Any) -> None:
        """`schools`: the ids of the schools offered (a list, or a query giving them)."""
        super().__init__(*args, **kwargs)
        offered = School.objects.filter(pk__in=schools).order_by("name")
        cast(forms.ChoiceField, self.fields["school"]).choices = (
            [("", "All schools")] + [(str(s.pk), s.name) for s in offered])
        clauses = Clause.objects.filter(policy__schools__in=offered).distinct().citable()
        cast(forms.ChoiceField, self.fields["clause"]).choices = (
            [("", "Any clause")] + [(c.ref, f"{c.ref}) {c.title}") for c in clauses])

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        start, end = self.cleaned_data.get("reported_from"), self.cleaned_data.get("reported_to")
        if start and end and start > end:
            self.add_error("reported_to", "The end date must be on or after the start date.")
        return data

    def filters(self) -> RegisterFilters:
        data = self.cleaned_data
        return RegisterFilters(school=int(data["school"]) if data["school"] else None,
                               reported_from=data["reported_from"], reported_to=data["reported_to"],
                               stage=data["stage"], kind=data["kind"], clause=data["clause"], outcome=data["outcome"])


class BundleForm(AccessibleForm):
    purpose = forms.ChoiceField(label="Who is the bundle for?", widget=forms.RadioSelect, initial="hearing",
                                choices=[(key, label[0].upper() + label[1:]) for key, label in PURPOSES.items()])
    technical = forms.BooleanField(
        required=False, label="Add a technical appendix",
        help_text="For a tribunal only: each event's record number and hash, who gained or lost access to the "
                  "case, and the ids and hashes of evidence and letters. A panel's bundle holds only what the "
                  "panel sees on the case page.")


class StaffMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.full_name}, {obj.school.name}"


class SubjectAccessRequestForm(AccessibleForm):
    """A subject access request as it arrived: who asked, when and how."""

    staff_member = StaffMemberField(queryset=None, label="Who asked (the member of staff the records are about)",
                                    empty_label="Choose a member of staff")
    received_on = forms.DateField(label="Date received", widget=DateInput,
                                  help_text="The answer is due one calendar month later.")
    received_how = forms.ChoiceField(label="How it was received", widget=forms.RadioSelect,
                                     choices=SubjectAccessRequest.Received.choices)

    def __init__(self, *args: Any, people: QuerySet[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffMemberField, self.fields["staff_member"]).queryset = people


class SubjectAccessExtendForm(AccessibleForm):
    """More time to answer: the new due date and why."""

    due_on = forms.DateField(label="New due date", widget=DateInput)
    # Required, but said by the service with the other refusals (`subject_access_extend`).
    reason = forms.CharField(required=False, label="Why more time is needed",
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, requester: str, latest: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].help_text = f"At most two further months: {latest} at the latest."
        self.fields["reason"].help_text = (f"This goes into the letter to {requester}: write it to them "
                                           "(for example, “Your request covers several years of records…”).")


class SubjectAccessPackForm(AccessibleForm):
    """The choices before the pack is made: other people's names, and any live LADO referral."""

    leave_names_in = forms.BooleanField(
        required=False, label="Leave other people's names in",
        help_text="By default the names of everyone but the requester (the reporter, witnesses, other staff) are "
                  "replaced by “[redacted]”, in the pages and in the enclosed letters, and evidence files are "
                  "listed but not included.")
    not_redacted_reason = forms.CharField(
        required=False, label="Why the names are left in", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only if you leave the names in; it is recorded with the pack.")
    lado_considered = forms.BooleanField(
        required=False, label="I have considered the live referral to the LADO before releasing these records")

    def __init__(self, *args: Any, live_lado: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live_lado = live_lado
        if not live_lado:
            del self.fields["lado_considered"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if self.cleaned_data.get("leave_names_in") and not self.cleaned_data.get("not_redacted_reason", "").strip():
            self.add_error("not_redacted_reason", NOT_REDACTED_NEEDS_REASON)
        if self.live_lado and not self.cleaned_data.get("lado_considered"):
            self.add_error("lado_considered", LADO_NOT_CONFIRMED)
        return data
