"""The forms of the log of low-level concerns (`incidents.concerns`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model

from incidents.forms import AccessibleForm, DateInput
from incidents.models import Membership, School, StaffMember
from incidents.names import display_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SELF = "self"



class ConcernForm(AccessibleForm):
    """The designated safeguarding lead or the headteacher records a concern about one adult."""

    raised_by = forms.ChoiceField(label="Who raised the concern?",
                                  error_messages={"required": "Say who raised the concern."})
    raised_on = forms.DateField(widget=DateInput, label="When was it raised?",
                                error_messages={"required": "Give the date the concern was raised."})
    observed = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10000,
                               label="What was seen or heard?",
                               error_messages={"required": "Say what was seen or heard."},
                               help_text="Say what happened, as it was told. Do not include pupils’ names.")
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000,
                             label="What was done about it?",
                             error_messages={"required": "Say what was done about it."},
                             help_text="For example: spoken to, reminded of the code of conduct, training offered.")

    def __init__(self, *args: Any, staff: StaffMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (get_user_model().objects.filter(
            pk__in=Membership.objects.filter(school_id=staff.school_id).values("user_id"))
            .exclude(pk=staff.user_id or 0).order_by("first_name", "last_name", "username"))
        choices: list[tuple[str, str]] = [("", "Choose who raised it"),
                                          (SELF, f"{staff.full_name}, about themselves (a self-referral)")]
        choices += [(str(user.pk), display_name(user)) for user in people]
        cast(forms.ChoiceField, self.fields["raised_by"]).choices = choices
        self.people = {str(user.pk): user for user in people}

    @property
    def self_referral(self) -> bool:
        return self.cleaned_data.get("raised_by") == SELF

    @property
    def raiser(self) -> User | None:
        return self.people.get(self.cleaned_data.get("raised_by") or "")


class SelfReferralForm(AccessibleForm):
    """A member of staff raises a concern about themselves: no choice of whom it is about."""

    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=None, label="At which school?", empty_label=None)
    raised_on = forms.DateField(widget=DateInput, label="When did it happen?",
                                error_messages={"required": "Give the date it happened."})
    observed = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10000,
                               label="What happened?", error_messages={"required": "Say what happened."},
                               help_text="Something you did, or that could be seen as not quite right, "
                                         "that you want the designated safeguarding lead to know about. "
                                         "Do not include pupils’ names.")
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, required=False,
                             label="Anything you have already done about it (optional)")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[School]", self.fields["school"])
        field.queryset = School.objects.filter(staff__user=user).order_by("name")
        if field.queryset.count() == 1:
            field.widget = forms.HiddenInput()
            field.initial = field.queryset.get().pk


class PatternReferForm(AccessibleForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=10000,
                             label="What should the case say?",
                             error_messages={"required": "Say what the case is about and why the pattern is "
                                                         "referred."},
                             help_text="Those who handle the case read this, not the log: say what the concerns "
                                       "have in common and why you are referring them.")
