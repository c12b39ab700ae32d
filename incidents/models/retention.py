"""Legal holds on cases, and the append-only log of what retention removed (`incidents.retention`)."""

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from incidents import clock


class LegalHold(models.Model):
    """A case that must not be touched by retention: who placed the hold, why, and until when.

    A hold stands from when it is placed until its date has passed or it is lifted; while any hold
    on a case stands, `apply_retention` leaves the case as it is. Placing and lifting are on the
    case's timeline.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="legal_holds")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=clock.now, editable=False)
    reason = models.TextField(help_text="Why the case must be kept: a claim, a tribunal, a police request.")
    until = models.DateField(null=True, blank=True, help_text="Empty: until someone lifts it.")
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "placed_at", "pk"]

    def __str__(self) -> str:
        return f"Legal hold on {self.case} until {self.until or 'lifted'}"

    def stands_on(self, day: Any) -> bool:
        return self.lifted_at is None and (self.until is None or self.until >= day)


class RetentionRecordQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise RetentionRecord.AppendOnly("The retention log is append-only and cannot be changed.")

    def delete(self) -> NoReturn:
        raise RetentionRecord.AppendOnly("The retention log is append-only and cannot be deleted.")


class RetentionRecord(models.Model):
    """One case whose personal data retention removed: which rule, what was removed, and the
    case's chain of events as it stood, verified, before it was replaced. Never changed or
    deleted (on PostgreSQL a trigger refuses it)."""

    class AppendOnly(Exception):
        pass

    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="retention_records")
    reference = models.CharField(max_length=20)
    at = models.DateTimeField(default=clock.now, editable=False)
    rule = models.CharField(max_length=40)
    rule_words = models.CharField(max_length=300)
    retain_until = models.DateField()
    removed = models.JSONField(default=dict, encoder=DjangoJSONEncoder,
                               help_text="How many files, evidence items, letters and events were removed.")
    chain_events = models.PositiveIntegerField(help_text="Events in the case's chain before it was replaced.")
    chain_head = models.CharField(max_length=64, help_text="The hash of the last of them, verified before removal.")

    objects = RetentionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.rule_words} ({self.at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.AppendOnly("The retention log is append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.AppendOnly("The retention log is append-only and cannot be deleted.")
