"""The case timeline: an append-only, hash-chained record of everything that happened."""

import hashlib
import json
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnly(Exception):
    """Raised on any attempt to change or delete a recorded event."""


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Case events are append-only and cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnly("Case events are append-only and cannot be deleted.")


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        REPORTED = "reported", "Reported"
        TRANSITION = "transition", "Step taken"
        EVIDENCE_ADDED = "evidence_added", "Evidence added"
        VIEWED = "viewed", "Viewed"
        DOWNLOADED = "downloaded", "Downloaded"
        EXPORTED = "exported", "Exported"
        LETTER_ISSUED = "letter_issued", "Letter issued"
        ACCESS_GRANTED = "access_granted", "Access granted"
        ACCESS_REVOKED = "access_revoked", "Access revoked"

    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField(help_text="Position in this case's timeline, from 1.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty when the system acted on its own.")
    transition = models.CharField(max_length=50, blank=True)
    from_state = models.CharField(max_length=50, blank=True)
    to_state = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["case", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="one_event_per_position_in_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.sequence} {self.kind} {self.transition}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Case events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Case events are append-only and cannot be deleted.")

    def compute_hash(self) -> str:
        """SHA-256 over this event's content and its predecessor's hash."""
        content = {
            "case": str(self.case.uuid),
            "sequence": self.sequence,
            "kind": self.kind,
            "actor": self.actor_id,
            "transition": self.transition,
            "from": self.from_state,
            "to": self.to_state,
            "note": self.note,
            "details": self.details,
            "at": self.at.isoformat(),
            "previous": self.previous_hash,
        }
        encoded = json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()
