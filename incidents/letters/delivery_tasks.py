"""Emailing letters' links: the background worker's part of `incidents.letters.delivery`.

`deliveries_for` queues `delivery_send` once the step's transaction commits; the worker makes the
link (a fresh token, of which only the hash is kept) and emails it, tried again as notifications
are (`incidents.notifications_tasks`). Once sent or given up, it goes on the case's timeline.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from incidents import clock
from incidents.models import LetterDelivery
from incidents.notifications_tasks import ATTEMPTS, sent_with_retries


def _try_once(delivery_id: int) -> bool | None:
    """One try: True if sent, False if it failed and may be tried again, None when nothing is left."""
    from incidents.letters.delivery import delivery_recorded, link_email, link_new

    with transaction.atomic():
        delivery = (LetterDelivery.objects.select_for_update()
                    .select_related("case__school", "letter").get(pk=delivery_id))
        if delivery.status != LetterDelivery.Status.QUEUED:
            return None  # done by an earlier run of this task
        delivery.attempts += 1
        link = link_new(delivery)
        try:
            link_email(delivery, link).send()
        except Exception as problem:  # any failure of the mail server: kept, tried again, shown
            delivery.error = f"{problem.__class__.__name__}: {problem}"[:2000]
            delivery.token_hash = ""  # the link was never sent: it opens nothing
            if delivery.attempts < ATTEMPTS:
                delivery.save()
                return False
            delivery.status = LetterDelivery.Status.FAILED
        else:
            delivery.status = LetterDelivery.Status.SENT
            delivery.sent_at = clock.now()
            delivery.error = ""
        delivery.save()
        delivery_recorded(delivery)
        return delivery.status == LetterDelivery.Status.SENT


@task()
def delivery_send(delivery_id: int) -> None:
    """Email the link of one delivery; a failure is recorded and retried, never raised."""
    sent_with_retries(delivery_send, _try_once, LetterDelivery, delivery_id)
