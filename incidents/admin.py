"""The admin is for reference data: schools, people, their roles, the policy.

Cases, their evidence, letters and timelines are not here. The system's administrators take
no part in cases, and every look at a case must pass the permission rules and be recorded on
its timeline: that happens only in the case pages (`incidents.views`).

Roles and the login of a staff record decide who sees which cases: the admin changes them
only through `incidents.roles`, never by saving the models itself.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from incidents import roles
from incidents.models import Clause, Membership, Policy, School, StaffMember, Trust
from incidents.models.people import SchoolClosure
from incidents.names import display_name


def _tell_access_updating(request: HttpRequest, schools: Iterable[School]) -> None:
    for school in schools:
        messages.info(request, f"Access to the cases of {school} is being updated in the background: "
                               "each case's timeline will say who gained or lost access, and why.")


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SchoolClosureInline(admin.TabularInline):
    """The school's calendar: the days it is closed, which deadlines counted in school days skip."""

    model = SchoolClosure
    fields = ["name", "kind", "first_day", "last_day"]
    extra = 1


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    inlines = [SchoolClosureInline]
    list_display = ["name", "reference_prefix", "trust", "type"]
    list_filter = ["trust", "type"]
    search_fields = ["name", "reference_prefix"]


class StaffMemberForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["school", "user", "full_name", "job_title", "email", "line_manager", "letter_format",
                  "date_of_birth"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user, school = cleaned.get("user"), cleaned.get("school")
        if user is not None and school is not None and "user" not in self.errors:
            others = StaffMember.objects.filter(school=school, user=user).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("user", f"{display_name(user)} already has a staff "
                                       f"record at {school}.")
        return cleaned


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """The login linked to a staff record changes through `roles.staff_record_link`: the
    person it now is loses access to the cases about that employee at once, and each case's
    timeline names the administrator who linked it."""

    form = StaffMemberForm
    list_display = ["full_name", "job_title", "school", "user", "letter_format"]
    list_filter = ["school", "letter_format"]
    search_fields = ["full_name", "email", "job_title"]
    autocomplete_fields = ["user", "line_manager"]

    def save_model(self, request, obj, form, change):
        user = obj.user
        with transaction.atomic():
            # The other fields are saved as edited, the login as it was; the service links it.
            obj.user_id = StaffMember.objects.filter(pk=obj.pk).values_list("user", flat=True).first()
            super().save_model(request, obj, form, change)
            roles.staff_record_link(staff=obj, user=user, by=request.user)


class MembershipForm(forms.ModelForm):
    """Refuses, in the service's words, a role the person already holds at that school."""

    class Meta:
        model = Membership
        fields = ["user", "school", "role"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        school, role = cleaned.get("school"), cleaned.get("role")
        if user is not None and school is not None and role and not self.errors:
            try:
                roles.role_check(user=user, school=school, role=role, membership=self.instance)
            except forms.ValidationError as refusal:
                self.add_error(None, refusal)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are given, changed and ended through `incidents.roles`. For a school-wide role
    (HR adviser, safeguarding lead) the school's cases are then re-granted in the background,
    which the page says; each case's timeline names the administrator who did it.

    The person of a role is fixed once given: to give it to someone else, end it and give it
    anew, so that each person's access follows their own roles."""

    form = MembershipForm
    list_display = ["user", "role", "school"]
    list_filter = ["role", "school"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            done = roles.role_change(membership=obj, role=obj.role, school=obj.school, by=request.user)
        else:
            done = roles.role_give(user=obj.user, school=obj.school, role=obj.role, by=request.user)
            obj.pk, obj._state.adding, obj._state.db = done.membership.pk, False, done.membership._state.db
        _tell_access_updating(request, done.schools_updating)

    def delete_model(self, request, obj):
        _tell_access_updating(request, roles.role_end(membership=obj, by=request.user).schools_updating)

    def delete_queryset(self, request, queryset):
        # One by one: each role ends with its own sentence on the timelines. Told once per school.
        updating: dict[int, School] = {}
        for membership in queryset.select_related("user", "school"):
            updating |= {school.pk: school for school in
                         roles.role_end(membership=membership, by=request.user).schools_updating}
        _tell_access_updating(request, updating.values())


class ClauseInline(admin.TabularInline):
    model = Clause
    fields = ["position", "ref", "section", "title", "plain_title", "safeguarding", "gross_misconduct"]
    extra = 0
    show_change_link = True


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "approved_on", "review_due"]
    inlines = [ClauseInline]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "section", "policy"]
    list_filter = ["policy", "section", "safeguarding"]
    search_fields = ["ref", "title", "text"]
