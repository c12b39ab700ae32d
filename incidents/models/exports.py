"""What left the product: every export recorded (append-only), and exports prepared in the background."""

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from incidents import clock
from incidents.models.events import SealedChain
from incidents.models.evidence import private_storage


class ExportKind(models.TextChoices):
    REGISTER = "register", "Case register"
    BUNDLE = "bundle", "Case bundle"
    SUBJECT_ACCESS = "subject_access", "Subject access"


class ExportRecordQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ExportRecord.AppendOnly("Export records are append-only and cannot be changed.")

    def delete(self) -> NoReturn:
        raise ExportRecord.AppendOnly("Export records are append-only and cannot be deleted.")


class ExportRecord(models.Model):
    """One export: who took what out, with which filters, and how many rows or files.

    One record per export, however many cases it holds (a register of the whole trust is one
    record, not one event per case); a bundle and a subject access export are also recorded on
    the timeline of each case they hold. Never changed or deleted.
    """

    class AppendOnly(Exception):
        pass

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now, editable=False)
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    file_format = models.CharField("format", max_length=10)
    filters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder,
                               help_text="The filters or choices the export was made with.")
    rows = models.PositiveIntegerField(help_text="Cases in a register; files in a bundle or subject access export.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the file, when it was made whole.")

    objects = ExportRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.file_format}) by {self.actor} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.AppendOnly("Export records are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.AppendOnly("Export records are append-only and cannot be deleted.")


class ExportSeal(SealedChain):
    """The export's place in the chain of exports (`incidents.exports.records`), sealed with the
    audit key over what the record says: a record changed, or removed with its seal, is found by
    `verify_audit`."""

    record = models.OneToOneField(ExportRecord, on_delete=models.PROTECT, related_name="seal")

    def __str__(self) -> str:
        return f"Export seal #{self.position} of record {self.record_id}"

    def sealed_content(self) -> dict[str, Any]:
        record = self.record
        return {"record": record.pk, "actor": record.actor_id, "at": record.at.isoformat(), "kind": record.kind,
                "format": record.file_format, "filters": record.filters, "rows": record.rows,
                "sha256": record.sha256}


def prepared_export_path(instance: "PreparedExport", filename: str) -> str:
    return f"exports/{instance.uuid}"


class PreparedExport(models.Model):
    """A long export made by the background worker, kept for its owner to download."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    parameters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to=prepared_export_path, storage=private_storage, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=clock.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    record = models.ForeignKey(ExportRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.owner}: {self.get_status_display()}"
