"""Subject access requests (UK GDPR art. 15): a request from a member of staff for everything
held about them, dated, with its one-month clock, any extension and the letter telling them of it.

The rules (when it is due, how far it may be extended, what is overdue) and the services that
record a request, extend it and mark it answered are in `incidents.exports.subject_access_requests`;
the pack itself is made by `incidents.exports.subject_access`.
"""

import uuid
from datetime import date
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from incidents.models.evidence import private_storage
from incidents.models.people import StaffMember


class SubjectAccessRequest(models.Model):
    """One request: who asked (the data subject, a member of staff), when and how it arrived, when
    it is due (one calendar month after it arrived, or later once extended), and when it was answered."""

    class Received(models.TextChoices):
        EMAIL = "email", "By email"
        LETTER = "letter", "By letter"
        IN_PERSON = "in_person", "In person"
        TELEPHONE = "telephone", "By telephone"
        OTHER = "other", "In another way"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=30, unique=True, editable=False)
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="subject_access_requests",
                              help_text="The data subject, who made the request.")
    received_on = models.DateField("date received")
    received_how = models.CharField("how it was received", max_length=20, choices=Received.choices)
    due_on = models.DateField(help_text="One calendar month after it was received, or the date it was extended to.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["completed_at", "due_on"], name="subject_access_open_due")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    def is_overdue(self, today: date) -> bool:
        """Not answered by the end of its due date."""
        return self.is_open and today > self.due_on


def extension_letter_path(instance: "SubjectAccessExtension", filename: str) -> str:
    # Never a name anyone typed: a random name inside the request's folder.
    return f"subject-access/{instance.request.uuid}/{uuid.uuid4()}.pdf"


class SubjectAccessExtension(models.Model):
    """An extension of a request's time limit, with its reason and the letter telling the
    requester (rendered by `incidents.letters`, stored privately with its SHA-256, never changed)."""

    class Immutable(Exception):
        pass

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.PROTECT, related_name="extensions")
    due_on = models.DateField(help_text="The new due date.")
    previous_due_on = models.DateField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reference = models.CharField(max_length=40)
    facts = models.JSONField(default=dict, encoder=DjangoJSONEncoder, help_text="What the letter says.")
    pdf = models.FileField(upload_to=extension_letter_path, storage=private_storage)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["request", "at", "pk"]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.Immutable("An extension and its letter cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.Immutable("An extension and its letter cannot be deleted.")
