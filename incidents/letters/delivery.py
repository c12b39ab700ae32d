"""Letters delivered and acknowledged: a letter to the employee reaches them by email as a link.

The employee a case is about usually has no login. When a letter to them is issued
(`letters_store`), `deliveries_for` writes a `LetterDelivery`; once the step's transaction
commits, the background worker (`incidents.letters.delivery_tasks`) emails them a link to a page
that needs no account. The email says only that the school has a letter for them; the link is an
unguessable token (`secrets.token_urlsafe`, 256 bits) of which only the SHA-256 is stored, that
works for `LETTER_LINK_DAYS` days and opens the letter at most `LETTER_LINK_OPENS` times.

Who opens it must prove they are the recipient: the page emails a one-time code to the address
the link was sent to, and the letter opens only with it (why a code and not a date of birth: the
README, "Letters by email"). A code works for `CODE_MINUTES` minutes and `CODE_TRIES` tries; a
link sends at most `CODES_PER_LINK` codes. Opening the letter with a code, and confirming receipt,
go on the case's timeline in the recipient's name; a refusal records nothing.

A letter not opened within `UNOPENED_AFTER_WORKING_DAYS` working days of being emailed (or that
could not be emailed, or whose recipient has no email address) is shown to the case manager on
the case page, whose letter page then offers to record it posted or handed over.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac

from incidents import clock, permissions
from incidents.audit import event_record
from incidents.exceptions import LetterTampered, NotPermitted
from incidents.letters.kinds import KINDS, Recipient
from incidents.models import Case, CaseEvent, Letter, LetterDelivery
from incidents.working_days import add_working_days

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CODE_MINUTES = 15
CODE_TRIES = 5
CODES_PER_LINK = 5
UNOPENED_AFTER_WORKING_DAYS = 2
HandedOver = LetterDelivery.HandedOver


class LinkRefused(Exception):
    """The link, or the code given with it, is refused; the message says why, in plain words."""


# --- Issuing ------------------------------------------------------------------------------

def delivered_by_email(letter: Letter) -> bool:
    """Letters to the employee concerned are delivered by email; the reporter reads theirs in the
    product, and the platform's and the LADO's are sent by the school itself."""
    return KINDS[letter.kind].recipient == Recipient.SUBJECT and letter.recipient_staff_id is not None


def deliveries_for(letters: list[Letter]) -> list[LetterDelivery]:
    """Write a delivery for each of `letters` delivered by email, and have the worker email the
    link once the transaction that issues them commits (nothing is sent if it rolls back).
    A recipient with no email address gets a delivery too: the case manager is offered to record
    it posted or handed over from the start."""
    made = []
    for letter in letters:
        if not delivered_by_email(letter):
            continue
        address = (letter.recipient_staff.email or "").strip() if letter.recipient_staff else ""
        made.append(LetterDelivery.objects.create(
            letter=letter, case=letter.case, address=address, created_at=clock.now(),
            status=LetterDelivery.Status.QUEUED if address else LetterDelivery.Status.NO_ADDRESS))
    queued = [delivery.pk for delivery in made if delivery.status == LetterDelivery.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: _queue(queued), robust=True)  # a queue that fails leaves the step done
    return made


def _queue(delivery_ids: list[int]) -> None:
    from incidents.letters.delivery_tasks import delivery_send

    for delivery_id in delivery_ids:
        delivery_send.enqueue(delivery_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_new(delivery: LetterDelivery) -> str:
    """A fresh link for `delivery`: stores the hash of a new token and when it expires (an earlier
    link stops working), and returns the address to email. Call with the delivery locked."""
    token = secrets.token_urlsafe(32)
    delivery.token_hash = token_hash(token)
    delivery.expires_at = clock.now() + timedelta(days=settings.LETTER_LINK_DAYS)
    return settings.SITE_URL + reverse("incidents:letter_link", args=[token])


def link_email(delivery: LetterDelivery, link: str) -> EmailMessage:
    """The email that carries the link: the school's name, that there is a letter, the link. No
    case, no reference, no name of the letter; and when the letter invites them to a meeting, the
    meeting's calendar invitation, which says no more (`incidents.calendar`)."""
    from incidents.calendar import invitation_for_letter

    school = delivery.case.school.name
    invitation = invitation_for_letter(delivery.letter, attendee=delivery.address)
    body = render_to_string("emails/letter_link.txt", {
        "school": school, "link": link, "expires": _moment(delivery.expires_at),
        "opens": settings.LETTER_LINK_OPENS, "invitation": invitation is not None})
    message = EmailMessage(subject=f"A letter for you from {school}", body=body, to=[delivery.address])
    if invitation is not None:
        message.attach(invitation)
    return message


def _moment(value: datetime | None) -> str:
    from incidents.timeline import moment_words

    return moment_words(value) if value else ""


def _letter_details(delivery: LetterDelivery) -> dict[str, Any]:
    letter = delivery.letter
    return {"letters": [{"letter": str(letter.uuid), "kind": letter.kind, "reference": letter.reference,
                         "version": letter.version, "recipient": letter.recipient_name}]}


def delivery_recorded(delivery: LetterDelivery) -> CaseEvent:
    """Put the emailing of `delivery` on the timeline: to whom, and why it was not sent if it was not."""
    details = {"to": delivery.letter.recipient_name} | _letter_details(delivery)
    if delivery.status == LetterDelivery.Status.FAILED:
        details["not_sent"] = (f"The mail server could not be reached after {delivery.attempts} tries: "
                               "post it or hand it over")
    return event_record(case=delivery.case, kind=CaseEvent.Kind.LETTER_EMAILED, details=details)


# --- The recipient's page -----------------------------------------------------------------------

def delivery_for_link(token: str) -> LetterDelivery:
    """The delivery `token` opens, if it still works. LinkRefused otherwise, with the reason."""
    delivery = (LetterDelivery.objects.select_related("case__school", "letter").filter(token_hash=token_hash(token))
                .exclude(token_hash="").first())
    if delivery is None:
        raise LinkRefused("This link does not work. Check that you used the whole link from the email, "
                          "or ask the school to send the letter again.")
    school = delivery.case.school.name
    if delivery.expires_at is None or clock.now() >= delivery.expires_at:
        raise LinkRefused(f"This link stopped working on {_moment(delivery.expires_at)}. "
                          f"Ask {school} to send the letter again.")
    return delivery


def _refuse_used_up(delivery: LetterDelivery) -> None:
    if delivery.opens >= settings.LETTER_LINK_OPENS:
        raise LinkRefused(f"This link has opened the letter {delivery.opens} times, as many as it may. "
                          f"Ask {delivery.case.school.name} to send the letter again.")


def _code_hash(delivery: LetterDelivery, code: str) -> str:
    return salted_hmac(f"letter-code-{delivery.pk}", code.strip(), algorithm="sha256").hexdigest()


def _locked(delivery: LetterDelivery) -> LetterDelivery:
    return LetterDelivery.objects.select_for_update().select_related("case__school", "letter").get(pk=delivery.pk)


def delivery_code_send(*, delivery: LetterDelivery) -> None:
    """Email a one-time code to the address the link was sent to. LinkRefused when the link has
    opened the letter as often as it may, has sent as many codes as it may, or the mail server
    refuses (the code then does not count). Records nothing on the timeline."""
    with transaction.atomic():
        delivery = _locked(delivery)
        _refuse_used_up(delivery)
        if delivery.codes_sent >= CODES_PER_LINK:
            raise LinkRefused(f"This link has sent {delivery.codes_sent} codes, as many as it may. "
                              f"Ask {delivery.case.school.name} to send the letter again.")
        code = f"{secrets.randbelow(10 ** 6):06d}"
        school = delivery.case.school.name
        body = render_to_string("emails/letter_code.txt", {"school": school, "code": code, "minutes": CODE_MINUTES})
        try:
            EmailMessage(subject=f"Your code to open the letter from {school}", body=body,
                         to=[delivery.address]).send()
        except Exception:  # any failure of the mail server: the person is told to try again
            raise LinkRefused("The code could not be sent just now. Try again in a few minutes.") from None
        delivery.code_hash = _code_hash(delivery, code)
        delivery.code_expires_at = clock.now() + timedelta(minutes=CODE_MINUTES)
        delivery.code_tries = 0
        delivery.codes_sent += 1
        delivery.save(update_fields=["code_hash", "code_expires_at", "code_tries", "codes_sent"])


def delivery_open(*, delivery: LetterDelivery, code: str) -> LetterDelivery:
    """The recipient opens the letter with the code emailed to them: counts an opening and records
    'opened the letter' on the timeline, in their name. LinkRefused (nothing recorded on the
    timeline) when the code is wrong, expired or tried too often, or the link is used up."""
    with transaction.atomic():
        delivery = _locked(delivery)
        _refuse_used_up(delivery)
        if not delivery.code_hash or delivery.code_expires_at is None:
            raise LinkRefused("Ask for a code first: we email it to you.")
        if clock.now() >= delivery.code_expires_at or delivery.code_tries >= CODE_TRIES:
            raise LinkRefused("This code no longer works. Ask for a new one.")
        if not hmac.compare_digest(delivery.code_hash, _code_hash(delivery, code or "")):
            delivery.code_tries += 1
            delivery.save(update_fields=["code_tries"])
            left = CODE_TRIES - delivery.code_tries
            wrong = "That code is not right. " + (
                f"You can try {left} more time{'s' if left != 1 else ''}." if left else "Ask for a new code.")
        else:
            wrong = ""
            _opened(delivery)
    if wrong:
        raise LinkRefused(wrong)  # once the try is counted
    return delivery


def _opened(delivery: LetterDelivery) -> None:
    """The right code: the code is spent, an opening counted and recorded on the timeline."""
    delivery.code_hash = ""
    delivery.code_expires_at = None
    delivery.opens += 1
    delivery.opened_at = delivery.opened_at or clock.now()
    delivery.save(update_fields=["code_hash", "code_expires_at", "opens", "opened_at"])
    event_record(case=delivery.case, kind=CaseEvent.Kind.LETTER_OPENED,
                 details={"who": delivery.letter.recipient_name} | _letter_details(delivery))


def delivery_confirm(*, delivery: LetterDelivery) -> bool:
    """The recipient confirms they have received the letter: records 'confirmed receipt' on the
    timeline, once (False if they had already confirmed). Only after opening it with a code,
    which the page checks."""
    with transaction.atomic():
        delivery = _locked(delivery)
        if delivery.opened_at is None:
            raise LinkRefused("Open the letter with the code we email you before confirming you have received it.")
        if delivery.confirmed_at is not None:
            return False
        delivery.confirmed_at = clock.now()
        delivery.save(update_fields=["confirmed_at"])
        event_record(case=delivery.case, kind=CaseEvent.Kind.LETTER_CONFIRMED,
                     details={"who": delivery.letter.recipient_name} | _letter_details(delivery))
    return True


def delivery_pdf(delivery: LetterDelivery) -> bytes:
    """The letter's PDF, checked against the SHA-256 it was issued with."""
    letter = delivery.letter
    with letter.pdf.open("rb") as file:
        content = file.read()
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise LetterTampered(f"The stored file of letter {letter.reference} does not match what was issued.")
    return content


# --- The case manager ---------------------------------------------------------------------------

def unopened_since(delivery: LetterDelivery) -> date | None:
    """The day from which an emailed letter counts as not opened in time."""
    if delivery.sent_at is None:
        return None
    return add_working_days(clock.localdate(delivery.sent_at), UNOPENED_AFTER_WORKING_DAYS)


def needs_handing_over(delivery: LetterDelivery) -> bool:
    """Whether the case manager should post it or hand it over: no email address; the email could
    not be sent; or it was not opened within two working days of being emailed. Not once opened or
    recorded as posted or handed over."""
    if delivery.opened_at is not None or delivery.handed_over_on is not None:
        return False
    if delivery.status in (LetterDelivery.Status.NO_ADDRESS, LetterDelivery.Status.FAILED):
        return True
    since = unopened_since(delivery)
    return since is not None and clock.today() > since


@dataclass(frozen=True)
class NotReceived:
    """A letter the case manager should post or hand over, as the case page says."""

    delivery: LetterDelivery
    why: str


def not_received_for(case: Case) -> list[NotReceived]:
    """The case's letters to the employee not yet shown to have reached them, oldest first; not a
    letter a newer version has replaced (that one is listed until it arrives)."""
    found = []
    replaced = Letter.objects.filter(case=case, supersedes__isnull=False).values("supersedes")
    for delivery in LetterDelivery.objects.filter(
            case=case, opened_at__isnull=True, handed_over_on__isnull=True).exclude(
            letter__in=replaced).select_related("letter").order_by("pk"):
        if not needs_handing_over(delivery):
            continue
        if delivery.status == LetterDelivery.Status.NO_ADDRESS:
            why = "has no email address on record"
        elif delivery.status == LetterDelivery.Status.FAILED:
            why = "could not be emailed"
        else:
            why = f"was emailed on {_moment(delivery.sent_at)} and has not been opened"
        found.append(NotReceived(delivery=delivery, why=why))
    return found


def delivery_handed_over(*, delivery: LetterDelivery, by: User, on: date | None, how: str) -> LetterDelivery:
    """The case manager records that the letter was posted or handed over (on which day, how):
    on the timeline. Offered once the letter needs it (`needs_handing_over`); refused before,
    with the reason, and for anyone but the case manager."""
    case = delivery.case
    if not permissions.can_manage_case(by, case):
        raise NotPermitted("Only the case manager can record how a letter was delivered.")
    with transaction.atomic():
        delivery = _locked(delivery)
        if delivery.handed_over_on is not None:
            how = delivery.get_handed_over_how_display().lower()
            raise ValidationError(f"This letter was already recorded as posted or handed over ({how}) "
                                  f"on {_day(delivery.handed_over_on)}.")
        if not needs_handing_over(delivery):
            if delivery.opened_at is not None:
                raise ValidationError(f"{delivery.letter.recipient_name} opened this letter on "
                                      f"{_moment(delivery.opened_at)}: there is no need to post it.")
            since = unopened_since(delivery)
            raise ValidationError("The letter has been emailed; if it is not opened by "
                                  f"{_day(since) if since else 'two working days after'}, you can record it "
                                  "posted or handed over.")
        errors = {}
        if how not in HandedOver.values:
            errors["how"] = "Choose how the letter was delivered."
        if on is None:
            errors["on"] = "Enter the date it was posted or handed over."
        elif on > clock.today():
            errors["on"] = "The date cannot be in the future."
        elif on < clock.localdate(delivery.letter.issued_at):
            errors["on"] = f"The date cannot be before the letter was issued ({_day(delivery.letter.issued_at)})."
        if errors:
            raise ValidationError(errors)
        delivery.handed_over_on = on
        delivery.handed_over_how = how
        delivery.handed_over_by = by
        delivery.save(update_fields=["handed_over_on", "handed_over_how", "handed_over_by"])
        event_record(case=case, kind=CaseEvent.Kind.LETTER_HANDED_OVER, actor=by,
                     details={"handed_over_on": on, "how": how} | _letter_details(delivery))
    return delivery


def _day(value: date | datetime) -> str:
    from incidents.timeline import date_words

    return date_words(clock.localdate(value) if isinstance(value, datetime) else value)
