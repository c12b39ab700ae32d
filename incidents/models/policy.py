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
