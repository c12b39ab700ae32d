"""How an issued letter reached its recipient: emailed as a link to a page that needs no account,
opened, receipt confirmed; or posted or handed over, as the case manager records.

The letter itself never changes once issued; its delivery does (a link is sent, opened, a code
is tried), which the append-only timeline cannot hold: the state is kept here, and each thing a
person would want proved (sent, opened, confirmed, posted or handed over) is also an event on
the case's timeline.
"""

from django.conf import settings
from django.db import models


class LetterDelivery(models.Model):
    """The delivery of one letter to the employee it is addressed to (`incidents.letters.delivery`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be emailed"
        SENT = "sent", "Emailed"
        FAILED = "failed", "Could not be emailed"
        NO_ADDRESS = "no_address", "No email address"

    class HandedOver(models.TextChoices):
        FIRST_CLASS_POST = "first_class_post", "First-class post"
        RECORDED_DELIVERY = "recorded_delivery", "Recorded delivery"
        BY_HAND = "by_hand", "By hand"

    letter = models.OneToOneField("incidents.Letter", on_delete=models.PROTECT, related_name="delivery")
    case = models.ForeignKey("incidents.Case", on_delete=models.PROTECT, related_name="deliveries")
    address = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="The mail server's last answer, for the administrator.")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    # The link: only the SHA-256 of its token is kept, so a copy of the database opens nothing.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveSmallIntegerField(default=0, help_text="Times the recipient opened it with a code.")
    # The one-time code that proves the person opening the link is the recipient (hashed too).
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_tries = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)

    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the recipient first opened it.")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    handed_over_on = models.DateField(null=True, blank=True)
    handed_over_how = models.CharField(max_length=20, choices=HandedOver.choices, blank=True)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")

    class Meta:
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"Delivery of letter {self.letter_id}: {self.status}"
