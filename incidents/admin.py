"""The admin is for reference data (schools, people, roles, the policy).

Cases, evidence and events are read-only here: a case changes only through the
procedure's services, which check permissions and record every step.
"""

from django.contrib import admin

from incidents.models import Case, CaseEvent, Clause, Evidence, Letter, Membership, Policy, School, StaffMember, Trust


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = ["user", "role", "school"]
    list_filter = ["role", "school"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


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


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["sequence", "at", "kind", "actor", "transition", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "school", "kind", "state", "suspension", "case_manager", "reported_at"]
    list_filter = ["school", "kind", "state", "suspension", "safeguarding"]
    search_fields = ["reference", "subject__full_name"]
    inlines = [CaseEventInline]
    fieldsets = [
        ("The report", {"fields": ["reference", "school", "kind", "reporter", "subject", "clauses", "platform",
                                   "content_url", "seen_on", "description", "safeguarding", "reported_at"]}),
        ("The procedure", {"fields": ["state", "closure", "case_manager", "investigating_officer",
                                      "removal_deadline", "lado_due_on", "lado_referred_at", "lado_outcome"]}),
        ("Hearing and outcome", {"fields": ["hearing_at", "hearing_place", "hearing_panel",
                                            "gross_misconduct_alleged", "outcome", "outcome_on",
                                            "warning_expires_on", "appeal_deadline"]}),
        ("Appeal", {"fields": ["appeal_received_on", "appeal_hearing_at", "appeal_hearing_place", "appeal_panel",
                               "appeal_decision"]}),
        ("Precautionary suspension", {"fields": ["suspension", "suspension_review_on"]}),
    ]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["case", "original_name", "link", "content_type", "size", "added_by", "added_at"]
    exclude = ["file"]  # downloaded only through the permission-checked view


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "sequence", "at", "kind", "actor", "transition", "from_state", "to_state"]
    list_filter = ["kind", "transition"]
    search_fields = ["case__reference"]


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "version", "recipient_name", "letter_format", "issued_by", "issued_at"]
    list_filter = ["kind", "letter_format"]
    search_fields = ["reference", "case__reference", "recipient_name"]
    exclude = ["pdf", "facts"]  # opened only through the permission-checked, logged download
