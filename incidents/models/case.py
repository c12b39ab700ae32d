"""A case: a reported concern and the procedure it goes through."""

import uuid
from uuid import UUID

from django.conf import settings
from django.db import models
from django.urls import reverse

from incidents import clock
from incidents.workflow import CaseProcedure, is_open


class Case(CaseProcedure):
    """What was reported, by whom, about whom. The procedure's fields and steps are in
    `incidents.workflow.CaseProcedure`."""

    class Kind(models.TextChoices):
        BREACH = "breach", "A suspected breach of the policy"
        COMPROMISED_ACCOUNT = "compromised_account", "An account that may be compromised"

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        X = "x", "X (Twitter)"
        INSTAGRAM = "instagram", "Instagram"
        TIKTOK = "tiktok", "TikTok"
        YOUTUBE = "youtube", "YouTube"
        LINKEDIN = "linkedin", "LinkedIn"
        WHATSAPP = "whatsapp", "WhatsApp"
        BLOG = "blog", "A blog"
        FORUM = "forum", "A forum or message board"
        OTHER = "other", "Other"

    # The integer key stays internal (object permissions join on it); URLs use `uuid`.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)

    school = models.ForeignKey("incidents.School", on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports")
    subject = models.ForeignKey(
        "incidents.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
        help_text="The employee the case is about; empty while unknown.",
    )
    clauses = models.ManyToManyField("incidents.Clause", blank=True, related_name="cases")
    policy = models.ForeignKey(
        "incidents.Policy", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
        help_text="The version of the policy in force when the conduct happened (the day it was seen, or else "
                  "the day it was reported).")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    content_url = models.URLField(max_length=2000, blank=True)
    seen_on = models.DateField(null=True, blank=True)
    description = models.TextField()
    safeguarding = models.BooleanField(default=False, help_text="May concern a position of trust with children.")
    reported_at = models.DateTimeField(default=clock.now, editable=False)
    case_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_managed")

    class Meta:
        ordering = ["-reported_at"]
        # The case lists are read newest first: their first page walks this index and stops.
        indexes = [models.Index(fields=["reported_at"], name="case_reported_at")]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "number"], name="case_number_unique_per_school_year"),
        ]
        permissions = [
            ("manage_case", "Manage the case as case manager"),
            ("investigate_case", "Investigate the case"),
            ("hear_case", "Sit on the hearing panel"),
            ("hear_appeal", "Sit on the appeal panel"),
            ("refer_safeguarding", "Refer the case to the LADO"),
            ("view_own_report", "See one's own report"),
            ("withdraw_report", "Withdraw one's own report"),
            ("export_case", "Export the case record"),
            ("view_special_category", "See the case's special category data (LADO and safeguarding records)"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return self.url_for(self.uuid)

    @staticmethod
    def url_for(case_uuid: UUID | str) -> str:
        """The case page's address, from the case's UUID alone (as lists of plain values have it)."""
        return reverse("incidents:case_detail", kwargs={"uuid": case_uuid})

    @property
    def is_open(self) -> bool:
        return is_open(self.state)
