"""The school's Social Media Policy and the clauses a case may cite."""

from django.db import models
from django.db.models.functions import Length


class Policy(models.Model):
    title = models.CharField(max_length=200)
    school_name = models.CharField(max_length=200, help_text="The school named in the policy text.")
    version = models.CharField(max_length=50)
    approved_on = models.DateField()
    approved_by = models.CharField(max_length=200)
    reviewed_note = models.CharField(max_length=200, blank=True)
    review_due = models.DateField(help_text="The policy is reviewed at least every 3 years.")
    member_responsible = models.CharField(max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        help_text="The version this one replaces: it is in force from its approval date until this one's.")

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class ClauseQuerySet(models.QuerySet):
    def citable(self) -> "ClauseQuerySet":
        """The top-level rules a report may say were breached: the lettered breach heads (a–e)
        first, then the other rules. Not the disciplinary section, which states consequences."""
        return (self.filter(parent__isnull=True).exclude(section__iexact="Disciplinary action")
                .order_by(Length("ref"), "position"))


class Clause(models.Model):
    """One citable part of the policy: a lettered breach head (a–e), a bullet, or a rule."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="clauses")
    ref = models.CharField(max_length=40, help_text="Short code, e.g. 'c' or 'c.2'.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    plain_title = models.CharField(
        max_length=80, blank=True,
        help_text="A short title a member of staff understands at a glance, shown on the report form "
                  "with the policy's words behind it; empty: the title.")
    text = models.TextField()
    safeguarding = models.BooleanField(
        default=False, help_text="Concerns a position of trust with children (Keeping Children Safe in Education)."
    )
    gross_misconduct = models.BooleanField(default=False)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by",
        help_text="The clause of the previous version this one replaces, so that figures run across versions.")

    objects = ClauseQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "ref"], name="clause_ref_unique_in_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.title}"

    @property
    def short_title(self) -> str:
        """What the report form calls the clause: its plain title, else its title."""
        return self.plain_title or self.title

class PolicyAcknowledgement(models.Model):
    """A member of staff confirmed they have read one version of their school's policy."""

    staff = models.ForeignKey("incidents.StaffMember", on_delete=models.CASCADE, related_name="acknowledgements")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["staff", "acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "policy"], name="one_acknowledgement_per_staff_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} read {self.policy} on {self.acknowledged_at:%d/%m/%Y}"


class PolicyReviewReminder(models.Model):
    """One email to a school's headteachers that its policy's review is near or overdue, sent once
    for each policy, review date and kind (`send_reminders`); the row is the claim, as `Reminder`'s."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Review due within three months"
        OVERDUE = "overdue", "Review overdue"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="review_reminders")
    school = models.ForeignKey("incidents.School", on_delete=models.CASCADE, related_name="+")
    review_due = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "school", "review_due", "kind"],
                                    name="one_review_reminder_per_policy_school_date_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.policy}, review due {self.review_due}"
