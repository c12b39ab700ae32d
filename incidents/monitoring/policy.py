"""The policy itself: its versions, their review, and the staff's acknowledgement of them.

- A version (`Policy`) is approved on a date by someone and reviewed three years on
  (`REVIEW_YEARS`); a new version `replaces` the one before, and each of its clauses may say
  which clause of the old version it `replaces`, so that figures run across versions.
- A case is tied to the version in force when the conduct happened (`policy_in_force`).
- The headteacher is told on their home page from three months before a review is due, and
  plainly once it is overdue (`review_notices`); `send_reminders` emails them once for each
  (`review_reminders_send`): the policy's name and the date only, never a case.
- Each member of staff confirms they have read the current version of their school's policy
  (`acknowledge`); until they do, their home page reminds them (`unacknowledged_for`); HR see
  who has not (`not_acknowledged`); a hearing invitation and a case bundle cite the employee's
  acknowledgement, or say there is none (`acknowledgement_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils.formats import date_format

from incidents import clock
from incidents.models import (
    Membership,
    Policy,
    PolicyAcknowledgement,
    PolicyReviewReminder,
    Role,
    School,
    StaffMember,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from incidents.models import Case

REVIEW_YEARS = 3
WARN_MONTHS = 3  # months before the review is due that the headteacher is first told


def review_due_after(approved_on: date) -> date:
    """The review date of a version approved on `approved_on`: three years on."""
    return approved_on + relativedelta(years=REVIEW_YEARS)


def versions(policy: Policy | None) -> list[Policy]:
    """`policy` and every version it replaces, newest first."""
    chain: list[Policy] = []
    while policy is not None and policy not in chain:
        chain.append(policy)
        policy = policy.replaces
    return chain


def policy_in_force(school: School, on: date) -> Policy | None:
    """The version of `school`'s policy in force on `on`: the newest approved on or before it
    (the oldest version, for conduct before any was approved)."""
    chain = versions(school.policy)
    if not chain:
        return None
    return next((policy for policy in chain if policy.approved_on <= on), chain[-1])


def conduct_day(case: Case) -> date:
    """The day the conduct happened, as far as the case says: the day it was seen, or else reported."""
    return case.seen_on or clock.localdate(case.reported_at)


def version_record(*, previous: Policy, version: str, approved_on: date, approved_by: str,
                   clause_map: dict[str, str] | None = None) -> Policy:
    """A new version of `previous`, approved on `approved_on` by `approved_by`, reviewed three years
    on, with `previous`'s clauses copied; `clause_map` maps a new clause's reference to the old one it
    replaces when the reference changed (the same reference replaces the same reference). The schools
    under `previous` move to the new version."""
    if not version.strip():
        raise ValidationError({"version": "Give the new version a name, e.g. 2026."})
    if not approved_by.strip():
        raise ValidationError({"approved_by": "Say who approved the new version."})
    if approved_on <= previous.approved_on:
        raise ValidationError({"approved_on": "A new version is approved after the one it replaces."})
    clause_map = clause_map or {}
    with transaction.atomic():
        new = Policy.objects.create(
            title=previous.title, school_name=previous.school_name, version=version.strip(), approved_on=approved_on,
            approved_by=approved_by.strip(), review_due=review_due_after(approved_on),
            member_responsible=previous.member_responsible, replaces=previous)
        old = {clause.ref: clause for clause in previous.clauses.all()}
        copies = {}
        for clause in previous.clauses.order_by("position"):
            copies[clause.pk] = new.clauses.create(
                ref=clause.ref, position=clause.position, section=clause.section, title=clause.title,
                plain_title=clause.plain_title,
                text=clause.text, safeguarding=clause.safeguarding, gross_misconduct=clause.gross_misconduct,
                replaces=old.get(clause_map.get(clause.ref, clause.ref)))
        for clause in previous.clauses.filter(parent__isnull=False):
            copies[clause.pk].parent = copies[clause.parent_id]
            copies[clause.pk].save(update_fields=["parent"])
        School.objects.filter(policy=previous).update(policy=new)
    return new


def current_clause(clause: Any, latest: dict[int, Any]) -> Any:
    """The clause of the newest version that `clause` became (`latest`: clause id -> the clause that
    replaces it), so that a figure by clause counts a rule once across versions."""
    seen = set()
    while clause.pk in latest and clause.pk not in seen:
        seen.add(clause.pk)
        clause = latest[clause.pk]
    return clause


# --- The review -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewNotice:
    school: School
    policy: Policy
    due_on: date
    overdue: bool

    @property
    def text(self) -> str:
        due = date_format(self.due_on, "j F Y")
        if self.overdue:
            return (f"The review of {self.school.name}'s {self.policy.title} (version {self.policy.version}) is "
                    f"overdue: it was due on {due}. The policy must be reviewed at least every three years; "
                    "until it is, cases are judged against a policy past its review date.")
        return (f"The review of {self.school.name}'s {self.policy.title} (version {self.policy.version}) is due "
                f"on {due}. Plan it with the governing body.")


def review_notice(school: School, today: date | None = None) -> ReviewNotice | None:
    """What the headteacher is told of the review of `school`'s policy today, if anything."""
    today = today or clock.today()
    policy = school.policy
    if policy is None or today < policy.review_due - relativedelta(months=WARN_MONTHS):
        return None
    return ReviewNotice(school=school, policy=policy, due_on=policy.review_due, overdue=today > policy.review_due)


def review_notices(user: User | AnonymousUser, today: date | None = None) -> list[ReviewNotice]:
    """The review notices for the schools where `user` is headteacher."""
    if not user.is_authenticated:
        return []
    schools = School.objects.filter(memberships__user=user, memberships__role=Role.HEADTEACHER).select_related(
        "policy").distinct()
    return [notice for school in schools if (notice := review_notice(school, today)) is not None]


def review_reminders_send(today: date | None = None) -> list[PolicyReviewReminder]:
    """Email each school's headteachers once when its policy's review falls due within three months,
    and once when it is overdue. The email names the policy and the date, nothing of any case."""
    today = today or clock.today()
    sent = []
    for school in School.objects.filter(policy__isnull=False).select_related("policy").order_by("pk"):
        notice = review_notice(school, today)
        if notice is None:
            continue
        kind = PolicyReviewReminder.Kind.OVERDUE if notice.overdue else PolicyReviewReminder.Kind.DUE_SOON
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reminder = PolicyReviewReminder.objects.create(
                        policy=notice.policy, school=school, review_due=notice.due_on, kind=kind,
                        created_at=clock.now())
            except IntegrityError:
                continue
            heads = [m.user for m in Membership.objects.holding(Role.HEADTEACHER, school).select_related("user")
                     if m.user.is_active and m.user.email]
            subject = ("Overdue: the review of the Social Media Policy" if notice.overdue
                       else "Reminder: the review of the Social Media Policy is due soon")
            for head in heads:
                message = EmailMessage(subject=subject, body=f"{notice.text}\n\nSign in to see it on your home page.\n",
                                       from_email=settings.DEFAULT_FROM_EMAIL, to=[head.email])
                transaction.on_commit(message.send)
        sent.append(reminder)
    return sent


# --- Acknowledgements ----------------------------------------------------------------------

def _records(user: User | AnonymousUser) -> list[StaffMember]:
    if not user.is_authenticated:
        return []
    return list(StaffMember.objects.filter(user=user, school__policy__isnull=False).select_related(
        "school", "school__policy"))


def unacknowledged_for(user: User | AnonymousUser) -> list[StaffMember]:
    """The staff records of `user` whose school's current policy they have not confirmed reading."""
    records = _records(user)
    done = set(PolicyAcknowledgement.objects.filter(staff__in=records).values_list("staff_id", "policy_id"))
    return [record for record in records if (record.pk, record.school.policy_id) not in done]


def acknowledge(*, user: User | AnonymousUser, staff: StaffMember) -> PolicyAcknowledgement:
    """`user` confirms they have read the current version of their school's policy."""
    if not user.is_authenticated or staff.user_id != user.pk:
        raise ValidationError("You can confirm only that you have read the policy yourself.")
    policy = staff.school.policy
    if policy is None:
        raise ValidationError("Your school has no policy recorded yet.")
    acknowledgement, _ = PolicyAcknowledgement.objects.get_or_create(
        staff=staff, policy=policy, defaults={"acknowledged_at": clock.now()})
    return acknowledgement


def acknowledgement_of(staff: StaffMember | None, policy: Policy | None) -> dict[str, Any] | None:
    """The employee's acknowledgement of `policy` (the case's version), or of the newest version they
    acknowledged before it, as plain data for a letter: {"version", "on"}; None if there is none."""
    if staff is None or policy is None:
        return None
    chain = versions(policy)
    found = (PolicyAcknowledgement.objects.filter(staff=staff, policy__in=chain).select_related("policy")
             .order_by("-policy__approved_on").first())
    if found is None:
        return None
    return {"version": found.policy.version, "title": found.policy.title,
            "on": clock.localdate(found.acknowledged_at)}


@dataclass(frozen=True)
class SchoolAcknowledgements:
    school: School
    policy: Policy
    missing: list[StaffMember]
    done: int


def not_acknowledged(user: User | AnonymousUser) -> list[SchoolAcknowledgements]:
    """For each school where `user` is an HR adviser: its staff who have not confirmed reading the
    current version of its policy, and how many have."""
    if not user.is_authenticated:
        return []
    schools = School.objects.filter(memberships__user=user, memberships__role=Role.HR_ADVISER,
                                    policy__isnull=False).select_related("policy").distinct().order_by("name")
    result = []
    for school in schools:
        done = set(PolicyAcknowledgement.objects.filter(policy=school.policy, staff__school=school)
                   .values_list("staff_id", flat=True))
        staff = list(StaffMember.objects.filter(school=school).select_related("user").order_by("full_name"))
        assert school.policy is not None
        result.append(SchoolAcknowledgements(school=school, policy=school.policy,
                                             missing=[s for s in staff if s.pk not in done], done=len(done)))
    return result
