"""The admin is for reference data: schools, people, their roles, the policy.

Cases, their evidence, letters and timelines are not here. The system's administrators take
no part in cases, and every look at a case must pass the permission rules and be recorded on
its timeline: that happens only in the case pages (`incidents.views`).
"""

from django.contrib import admin

from incidents.models import Clause, Membership, Policy, School, StaffMember, Trust


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "reference_prefix", "trust", "type"]
    list_filter = ["trust", "type"]
    search_fields = ["name", "reference_prefix"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["full_name", "job_title", "school", "user", "letter_format"]
    list_filter = ["school", "letter_format"]
    search_fields = ["full_name", "email", "job_title"]
    autocomplete_fields = ["user", "line_manager"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """A role given or ended here changes who may see the school's cases at once
    (`incidents.signals`); each case's timeline names the administrator who did it."""

    list_display = ["user", "role", "school"]
    list_filter = ["role", "school"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj.changed_by = request.user
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:  # one by one, so that each ends its access with a name on it
            self.delete_model(request, membership)


class ClauseInline(admin.TabularInline):
    model = Clause
    fields = ["position", "ref", "section", "title", "safeguarding", "gross_misconduct"]
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
