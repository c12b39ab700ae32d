"""Evidence attached to a case: an uploaded file or a link, kept privately."""

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models

from incidents import clock
from incidents.workflow.choices import DocumentKind


def private_storage() -> Storage:
    return storages["private"]


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Never the uploader's file name: a random name inside the case's folder.
    return f"evidence/{instance.case.uuid}/{instance.uuid}"


def safe_copy_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.case.uuid}/{instance.uuid}-safe"


class Evidence(models.Model):
    """A file or link on a case: evidence given with a report or later, or one of the
    investigation's own documents (a signed statement, meeting notes, the report)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, storage=private_storage, blank=True)
    # An image re-encoded from its pixels alone (no metadata, nothing hidden after them): what people
    # download. `file` stays as given, with its `sha256`, the record of what was added.
    safe_file = models.FileField(upload_to=safe_copy_path, storage=private_storage, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    link = models.URLField(max_length=2000, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=30, choices=DocumentKind.choices, default=DocumentKind.EVIDENCE)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""), name="evidence_is_a_file_or_a_link"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.link
