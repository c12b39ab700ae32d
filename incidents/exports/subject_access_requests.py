"""Subject access requests: recorded with their date, answered within one calendar month,
extended by at most two further months with a reason and a letter, and marked answered.

UK GDPR art. 12(3): a request is answered at the latest one month after it is received; that
period may be extended by two further months where necessary, the requester being told of the
extension, with the reasons, within the first month. One month is a calendar month: the
corresponding day of the next month, or that month's last day when it has none (31 January →
28 or 29 February), which `months_after` computes.

The deadline is declared here, once: `due_on` on the request (one month, or the date it was
extended to), overdue from the day after (`overdue_q`), as every deadline of the product. It is
not in `incidents.deadlines`, whose deadlines are those of a case: a request belongs to a person
and may concern no case at all.

Each service takes domain objects (never a request from the browser), checks that the person is
an HR adviser of the requester's school (`permissions.can_handle_subject_access`), validates,
and changes nothing when it refuses. The pack itself is `subject_access.subject_access_build`.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Q, QuerySet

from incidents import clock
from incidents.audit import events_record
from incidents.exceptions import NotPermitted
from incidents.letters import render
from incidents.letters.documents import request_letter_draft
from incidents.letters.facts import subject_access_extension_facts
from incidents.letters.kinds import SUBJECT_ACCESS_EXTENSION
from incidents.models import (
    Case,
    CaseEvent,
    ExportRecord,
    Membership,
    Role,
    StaffMember,
    SubjectAccessExtension,
    SubjectAccessRequest,
)
from incidents.models.exports import ExportKind
from incidents.permissions import can_handle_subject_access
from incidents.storage import atomic_with_files
from incidents.timeline import date_words

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# UK GDPR art. 12(3): one month, extended by at most two further months.
ANSWER_WITHIN_MONTHS = 1
FURTHER_MONTHS_AT_MOST = 2


def months_after(day: date, months: int) -> date:
    """The corresponding day `months` calendar months after `day`, or the last day of that month
    when it has no such day (31 January + 1 → 28 February, or 29 in a leap year)."""
    return day + relativedelta(months=months)


def first_due_on(received_on: date) -> date:
    """When a request received on `received_on` must be answered, unless extended."""
    return months_after(received_on, ANSWER_WITHIN_MONTHS)


def latest_due_on(received_on: date) -> date:
    """The furthest an extension may take it: two further months."""
    return months_after(received_on, ANSWER_WITHIN_MONTHS + FURTHER_MONTHS_AT_MOST)


def overdue_q(today: date) -> Q:
    """Requests not answered by the end of their due date."""
    return Q(completed_at__isnull=True, due_on__lt=today)


def people_for_subject_access(user: User) -> QuerySet[StaffMember]:
    """The staff whose requests `user` may handle: those of the schools where they are an HR adviser."""
    schools = Membership.objects.filter(user_id=user.pk, role=Role.HR_ADVISER).values("school")
    return StaffMember.objects.filter(school__in=schools).select_related("school", "user").order_by("full_name")


def requests_for(user: User) -> QuerySet[SubjectAccessRequest]:
    """The requests `user` may handle, open ones first (soonest due first), then those answered."""
    return (SubjectAccessRequest.objects.filter(staff__in=people_for_subject_access(user).values("pk"))
            .select_related("staff", "staff__school", "completed_by")
            .order_by("completed_at", "due_on", "pk"))


def _check(by: User, staff: StaffMember) -> None:
    if not can_handle_subject_access(by, staff.school):
        raise NotPermitted(f"Only an HR adviser of {staff.school.name} can handle this request.")


def _next_reference(staff: StaffMember, received_on: date) -> str:
    prefix = f"{staff.school.reference_prefix}-SAR-{received_on.year}-"
    taken = SubjectAccessRequest.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def subject_access_request_record(*, staff: StaffMember, received_on: date, received_how: str,
                                  by: User) -> SubjectAccessRequest:
    """Record a subject access request from `staff` (the data subject), received on `received_on`
    in the way `received_how` says; it is due one calendar month later. Refuses a date in the future."""
    _check(by, staff)
    errors = {}
    if received_on > clock.today():
        errors["received_on"] = "The date received cannot be in the future."
    if received_how not in SubjectAccessRequest.Received.values:
        errors["received_how"] = "Choose how the request was received."
    if errors:
        raise ValidationError(errors)
    with atomic_with_files():
        return SubjectAccessRequest.objects.create(
            reference=_next_reference(staff, received_on), staff=staff, received_on=received_on,
            received_how=received_how, due_on=first_due_on(received_on), recorded_by=by, recorded_at=clock.now())


def subject_access_extend(*, request: SubjectAccessRequest, due_on: date, reason: str,
                          by: User) -> SubjectAccessExtension:
    """Extend the time to answer `request` to `due_on`, for `reason`, and issue the letter telling
    the requester (stored with the extension). Refused, changing nothing, when the request is
    answered, the reason is empty, the date is not after the present due date or is more than two
    further months after the first one, or the first month (in which the requester must be told)
    has passed."""
    _check(by, request.staff)
    first, latest = first_due_on(request.received_on), latest_due_on(request.received_on)
    reason = reason.strip()
    if not request.is_open:
        raise ValidationError("This request has been answered: it can no longer be extended.")
    if clock.today() > first:
        raise ValidationError(
            f"The requester must be told of an extension within one month of their request, by "
            f"{date_words(first)}. That date has passed, so the time can no longer be extended: answer the "
            f"request as soon as possible.")
    errors = {}
    if due_on <= request.due_on:
        errors["due_on"] = f"The new due date must be after the present one, {date_words(request.due_on)}."
    elif due_on > latest:
        errors["due_on"] = (f"The time can be extended by at most two further months: the latest due date for "
                            f"this request is {date_words(latest)}.")
    if not reason:
        errors["reason"] = "Say why more time is needed: the letter to the requester gives this reason."
    if errors:
        raise ValidationError(errors)
    number = request.extensions.count() + 1
    facts = subject_access_extension_facts(
        staff=request.staff, request_reference=request.reference, received_on=request.received_on,
        received_how=request.get_received_how_display(), first_due_on=first, due_on=due_on, reason=reason, by=by)
    draft = request_letter_draft(kind=SUBJECT_ACCESS_EXTENSION, request_reference=request.reference,
                                 number=number, recipient=request.staff, facts=facts)
    pdf = render.html_to_pdf(draft.html, resources=draft.resources)
    with atomic_with_files():
        locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.due_on != request.due_on or not locked.is_open:
            raise ValidationError("Someone else changed this request meanwhile: nothing was saved. Look at it again.")
        extension = SubjectAccessExtension(
            request=request, due_on=due_on, previous_due_on=request.due_on, reason=reason, by=by, at=clock.now(),
            reference=draft.reference, facts=facts, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
        extension.pdf.save("letter.pdf", ContentFile(pdf), save=False)
        extension.save()
        SubjectAccessRequest.objects.filter(pk=request.pk).update(due_on=due_on)
    request.due_on = due_on
    return extension


def packs_of(request: SubjectAccessRequest) -> QuerySet[ExportRecord]:
    """The packs made for `request` (each an `ExportRecord`), newest first."""
    return ExportRecord.objects.filter(kind=ExportKind.SUBJECT_ACCESS, filters__request=str(request.uuid))


def request_details(request: SubjectAccessRequest) -> dict[str, str]:
    """How a request is named on a case's timeline: by whom, when it arrived, when it is due."""
    return {"requested_by": request.staff.full_name, "request_received_on": request.received_on.isoformat(),
            "request_due_on": request.due_on.isoformat()}


def subject_access_complete(*, request: SubjectAccessRequest, by: User) -> SubjectAccessRequest:
    """Mark `request` answered (the pack was sent to the requester), and say so on the timeline of
    each case the latest pack held. Refused, changing nothing, when no pack was made or it is
    already answered."""
    _check(by, request.staff)
    if not request.is_open:
        raise ValidationError("This request has already been marked answered.")
    latest = packs_of(request).first()
    if latest is None:
        raise ValidationError("Make the pack for this request before marking it answered.")
    now = clock.now()
    with atomic_with_files():
        updated = SubjectAccessRequest.objects.filter(pk=request.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=by)
        if not updated:
            raise ValidationError("This request has already been marked answered.")
        late = {"answered_late": True} if clock.today() > request.due_on else {}
        events_record([CaseEvent(case=case, kind=CaseEvent.Kind.SUBJECT_ACCESS_DONE, actor=by,
                                 details=request_details(request) | late)
                       for case in Case.objects.filter(pk__in=latest.filters.get("cases", [])).order_by("pk")])
    request.completed_at, request.completed_by = now, by
    return request
