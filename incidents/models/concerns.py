"""Low-level concerns about an adult (KCSIE part 4, section two): a log per adult, append-only."""

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from incidents import clock


class AppendOnlyConcern(Exception):
    """Raised on any attempt to change or delete an entry of a low-level concern log."""


class LowLevelConcernQuerySet(models.QuerySet["LowLevelConcern"]):
    def update(self, **kwargs: Any) -> int:
        # The one change an entry takes after it is written: the case its pattern was referred as.
        if set(kwargs) != {"referred_to"}:
            raise AppendOnlyConcern("Low-level concerns are kept as written: record a new entry to correct one.")
        return super().update(**kwargs)

    def delete(self) -> NoReturn:
        raise AppendOnlyConcern("Low-level concerns are kept as written and cannot be deleted.")


class LowLevelConcern(models.Model):
    """One low-level concern about one adult: who raised it (or that the adult referred
    themselves), when, what was seen and what was done. Seen by the school's designated
    safeguarding lead and headteacher only (`permissions.can_see_low_level_concerns`). Entries
    are never changed or deleted: a correction is a new entry."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("incidents.School", on_delete=models.PROTECT, related_name="low_level_concerns")
    staff = models.ForeignKey("incidents.StaffMember", on_delete=models.PROTECT, related_name="low_level_concerns",
                              help_text="The adult the concern is about.")
    self_referral = models.BooleanField(default=False, help_text="The adult raised it about themselves.")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="Who raised it; empty for a self-referral made "
                                                              "in person by an adult with no login.")
    raised_on = models.DateField()
    observed = models.TextField(help_text="What was seen or heard.")
    action = models.TextField(blank=True, help_text="What was done about it.")
    case = models.ForeignKey("incidents.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="low_level_concerns", help_text="The case it came from, if any.")
    referred_to = models.ForeignKey("incidents.Case", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="referred_concerns",
                                    help_text="The case this concern's pattern was referred as.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=clock.now, editable=False)

    objects = LowLevelConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-recorded_at"]
        indexes = [models.Index(fields=["school", "staff", "raised_on"], name="concern_school_staff_raised")]
        constraints = [
            models.CheckConstraint(condition=models.Q(self_referral=True) | models.Q(raised_by__isnull=False),
                                   name="concern_raised_by_someone",
                                   violation_error_message="Say who raised the concern."),
        ]

    def __str__(self) -> str:
        return f"Low-level concern raised on {self.raised_on:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyConcern("Low-level concerns are kept as written: record a new entry to correct one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyConcern("Low-level concerns are kept as written and cannot be deleted.")

    @property
    def raised_by_words(self) -> str:
        from incidents.names import display_name

        if self.self_referral:
            return "The adult themselves (self-referral)"
        return display_name(self.raised_by) if self.raised_by is not None else ""
