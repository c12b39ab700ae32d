"""Letters issued on a case: rendered once, stored privately with their SHA-256, never changed.

A correction, or the same letter in another format, is a new version of the letter: the
earlier versions stay as they were issued.
"""

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from incidents.models.evidence import private_storage
from incidents.models.people import StaffMember


class Immutable(Exception):
    """Raised on any attempt to change or delete an issued letter."""


class LetterQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise Immutable("Issued letters cannot be changed: issue a new version instead.")

    def delete(self) -> NoReturn:
        raise Immutable("Issued letters cannot be deleted.")


def letter_path(instance: "Letter", filename: str) -> str:
    # Never a name anyone typed: a random name inside the case's folder.
    return f"letters/{instance.case.uuid}/{uuid.uuid4()}.pdf"


class Letter(models.Model):
    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of the report"
        CONTENT_REMOVAL_REQUEST = "content_removal_request", "Request to remove content"
        PLATFORM_TAKEDOWN_REQUEST = "platform_takedown_request", "Takedown request to the platform"
        INVESTIGATION_NOTICE = "investigation_notice", "Notice of investigation"
        SUSPENSION = "suspension", "Precautionary suspension"
        SUSPENSION_REVIEW = "suspension_review", "Review of the precautionary suspension"
        SUSPENSION_LIFTED = "suspension_lifted", "Precautionary suspension lifted"
        HEARING_INVITATION = "hearing_invitation", "Invitation to a disciplinary hearing"
        OUTCOME = "outcome", "Outcome of the disciplinary hearing"
        MANAGEMENT_ADVICE = "management_advice", "Management advice"
        APPEAL_INVITATION = "appeal_invitation", "Invitation to an appeal hearing"
        APPEAL_OUTCOME = "appeal_outcome", "Outcome of the appeal"
        LADO_REFERRAL = "lado_referral", "Record of the referral to the LADO"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        ALLEGATION_OUTCOME = "allegation_outcome", "Outcome of the allegation referred to the LADO"
        REPORT_CLOSED = "report_closed", "Your report has been closed"
        AUTHORITY_NOTIFICATION = "authority_notification", "Notification of a dismissal to the local authority"
        AUTHORITY_REINSTATEMENT = "authority_reinstatement", ("Notification to the local authority that a dismissal "
                                                              "was overturned on appeal")

    Format = StaffMember.LetterFormat

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    version = models.PositiveSmallIntegerField(default=1, help_text="1 for the first letter of its kind on the case.")
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, help_text="Why this version was issued (a correction, another format).")
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=200)

    recipient_staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="letters")
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    recipient_name = models.CharField(max_length=200)
    letter_format = models.CharField(max_length=20, choices=Format.choices, default=Format.STANDARD)
    facts = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder,
                             help_text="What the letter says, as gathered when it was issued.")

    pdf = models.FileField(upload_to=letter_path, storage=private_storage)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="Empty when the system issued it.")
    issued_at = models.DateTimeField()
    event = models.ForeignKey("incidents.CaseEvent", on_delete=models.PROTECT, related_name="letters",
                              help_text="The step (or the re-issue) the letter was issued with.")

    objects = LetterQuerySet.as_manager()

    # The version that replaced this one, when a list of letters says so (`letters.services.mark_replaced`):
    # not stored, since an issued letter never changes.
    replaced_by: "Letter | None" = None

    class Meta:
        ordering = ["case", "issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="one_letter_per_kind_and_version"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Immutable("Issued letters cannot be changed: issue a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Immutable("Issued letters cannot be deleted.")

    @property
    def is_large_print(self) -> bool:
        return self.letter_format == self.Format.LARGE_PRINT
