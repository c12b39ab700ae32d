"""Sending the emails of `incidents.notifications`: the background worker's part.

`notifications_after` queues `notification_send` once the step's transaction commits; the worker
(`python manage.py db_worker`; at once with the immediate backend, as in `make run` and the tests)
sends it through Django's mail. A failed send is tried again, `ATTEMPTS` times in all: later, by
the worker, when the task backend can defer a task (the database queue), else at once. After the
last try the notification is marked failed, and the case page shows it to the case manager.
Once sent or given up (at once for a person with no email address), it is put on the case's
timeline: to whom, why, and why it was not sent if it was not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django_tasks import task

from incidents import clock
from incidents.models.events import Notification
from incidents.names import display_name

ATTEMPTS = 3
# How long the worker waits before trying again, after the first and the second failure.
RETRY_AFTER = (timedelta(minutes=2), timedelta(minutes=15))
# The words before the email's link, by where it leads (`notifications.LINKS`).
OPEN_WORDS = {"case": "Open the case here", "report": "See your report here", "home": "Sign in to Casework here"}


def _message(notification: Notification) -> EmailMessage:
    from incidents.calendar import invitation_for_notice
    from incidents.notifications import link_for, subject_of, wording_of

    wording = wording_of(notification)
    body = render_to_string("emails/notice.txt", {
        "name": display_name(notification.recipient),
        "subject": wording.subject,
        "reference": notification.case.reference,
        "school": notification.case.school.name,
        "do": wording.do,
        "link": link_for(notification),
        "open_words": OPEN_WORDS[wording.link],
    })
    message = EmailMessage(subject=subject_of(notification), body=body, to=[notification.address])
    invitation = invitation_for_notice(notification)  # a hearing's or a meeting's .ics, when the notice has one
    if invitation is not None:
        message.attach(invitation)
    return message


def _try_once(notification_id: int) -> bool | None:
    """One try: True if sent, False if it failed and may be tried again, None when nothing is
    left to do. Once sent or given up, the notification is put on the case's timeline."""
    from incidents.notifications import notification_recorded

    with transaction.atomic():
        notification = (Notification.objects.select_for_update()
                        .select_related("case__school", "recipient").get(pk=notification_id))
        if notification.event_id is not None:
            return None  # done by an earlier run of this task
        if notification.status == Notification.Status.QUEUED:
            notification.attempts += 1
            notification.tried_at = clock.now()
            try:
                _message(notification).send()
            except Exception as problem:  # any failure of the mail server: kept, tried again, shown
                notification.error = f"{problem.__class__.__name__}: {problem}"[:2000]
                if notification.attempts < ATTEMPTS:
                    notification.save()
                    return False
                notification.status = Notification.Status.FAILED
            else:
                notification.status = Notification.Status.SENT
                notification.sent_at = clock.now()
                notification.error = ""
        notification.event = notification_recorded(notification)
        notification.save()
        return notification.status == Notification.Status.SENT


def sent_with_retries(send: Any, try_once: Callable[[int], bool | None], model: type[Model], pk: int) -> None:
    """Run `try_once(pk)` (True: sent; False: failed, may be tried again; None: nothing left) until
    it is done. After a failure the task `send` is queued again after `RETRY_AFTER` when the task
    backend can defer it (the database queue), else tried again at once (the immediate backend)."""
    while try_once(pk) is False:
        if send.get_backend().supports_defer:
            attempts = model._default_manager.values_list("attempts", flat=True).get(pk=pk)
            delay = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
            send.using(run_after=clock.now() + delay).enqueue(pk)
            return


@task()
def notification_send(notification_id: int) -> None:
    """Send one queued notification; a failure is recorded and retried, never raised."""
    sent_with_retries(notification_send, _try_once, Notification, notification_id)
