"""The case timeline: an append-only, hash-chained record of everything that happened, sealed with
the audit key (`incidents.keys`), and the anchors that hold how long each case's timeline is."""

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
        NOTIFIED = "notified", "Told by email"
        LETTER_EMAILED = "letter_emailed", "Letter sent by email"
        LETTER_OPENED = "letter_opened", "Opened the letter"
        LETTER_CONFIRMED = "letter_confirmed", "Confirmed receipt of the letter"
        LETTER_HANDED_OVER = "letter_handed_over", "Letter posted or handed over"
        SUBJECT_ACCESS_PACK = "subject_access_pack", "Records gathered for a subject access request"
        SUBJECT_ACCESS_DONE = "subject_access_done", "Subject access request answered"
        CONCERNS_REFERRED = "concerns_referred", "Referred from low-level concerns"
        LEGAL_HOLD_PLACED = "legal_hold_placed", "Legal hold placed"
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", "Legal hold lifted"
        RETENTION_APPLIED = "retention_applied", "Personal data removed at the end of its retention"

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
    keyed = models.BooleanField(default=True, help_text="Sealed with the audit key (HMAC-SHA256); events "
                                "recorded before there was one hold a plain SHA-256.")

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
        """HMAC-SHA256, with the audit key, over this event's content and its predecessor's hash
        (a plain SHA-256 for an event recorded before the key: `keyed` false)."""
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
        if not self.keyed:
            return hashlib.sha256(encoded.encode()).hexdigest()
        from incidents.keys import seal

        return seal(b"event\n" + encoded.encode())


class SealedChainQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("This record is append-only and cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnly("This record is append-only and cannot be deleted.")


class SealedChain(models.Model):
    """One link of an append-only chain numbered across the whole product (`position`), each sealed
    with the audit key over its content and the seal before it: a link removed from the middle
    leaves a gap, and one changed no longer matches its seal, without the key to seal it again."""

    position = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    previous_seal = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64)

    objects = SealedChainQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("This record is append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("This record is append-only and cannot be deleted.")

    def sealed_content(self) -> dict[str, Any]:
        raise NotImplementedError

    def compute_seal(self) -> str:
        from incidents.keys import seal

        content = {**self.sealed_content(), "position": self.position, "at": self.at.isoformat(),
                   "previous": self.previous_seal}
        encoded = json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        return seal(f"{self._meta.model_name}\n{encoded}".encode())


class CaseAnchor(SealedChain):
    """How long a case's timeline was, and its last hash, written in the transaction of each event
    (`incidents.audit`): deleting a case's last events, or all of them, leaves the latest anchor
    counting more events than there are."""

    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="anchors")
    events = models.PositiveIntegerField(help_text="How many events the case's timeline then held.")
    head_hash = models.CharField(max_length=64, help_text="The hash of its last event.")

    class Meta(SealedChain.Meta):
        indexes = [models.Index(fields=["case", "-position"], name="anchor_latest_of_case")]

    def __str__(self) -> str:
        return f"Anchor #{self.position}: case {self.case_id} at {self.events} events"

    def sealed_content(self) -> dict[str, Any]:
        return {"case": str(self.case.uuid), "events": self.events, "head": self.head_hash}


class Notification(models.Model):
    """One email telling a person about a case (declared in `incidents.notifications`).

    Written in the transaction of the step or report it follows; sent by the background worker once
    that transaction commits, which then puts it on the timeline (a 'notified' event: to whom, why,
    and whether it could not be sent). Its status changes as it is tried, which the append-only
    timeline cannot hold: the tries and the mail server's last answer are kept here, and a failure is
    shown to the case manager on the case page.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        NO_ADDRESS = "no_address", "No email address"

    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="notifications")
    reminder = models.ForeignKey("incidents.Reminder", on_delete=models.PROTECT, related_name="notifications",
                                 null=True, blank=True,
                                 help_text="The reminder of a deadline it is, if it is one (incidents.reminders).")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                              help_text="The 'notified' event that put it on the timeline, once sent or given up.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notice = models.CharField(max_length=50, help_text="Which notice of incidents.notifications it is.")
    address = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="The mail server's last answer, for the administrator.")
    created_at = models.DateTimeField()
    tried_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.notice} to {self.recipient_id}: {self.status}"


class Reminder(models.Model):
    """One reminder of a deadline on a case (`incidents.reminders`, sent by `send_reminders`).

    A row is written before its emails, in the same transaction, and the unique constraint on the
    case, the deadline, its date and the kind makes the row the claim: a second run, even one at
    the same moment, cannot write it again and so sends nothing. A deadline whose date changes (a
    hearing rearranged) is reminded of again, for its new date.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder to the people who must act"
        ESCALATION = "escalation", "Overdue: told to the person above"

    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="reminders")
    deadline = models.CharField(max_length=50, help_text="Which deadline of incidents.deadlines it is.")
    due_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    overdue = models.BooleanField(help_text="Whether the deadline had passed when it was sent.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "deadline", "due_on", "kind"],
                                    name="one_reminder_per_deadline_date_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.deadline} due {self.due_on} on case {self.case_id}"
