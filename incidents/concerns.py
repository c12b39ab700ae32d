"""Low-level concerns about adults (KCSIE part 4, section two): the log kept about each adult,
the patterns in it, and referring a pattern as a case.

A low-level concern is one that does not meet the harm threshold. Each is an entry in the log
of the adult it is about (a `LowLevelConcern`): who raised it (or that the adult referred
themselves), when, what was seen and what was done. Entries come from the designated
safeguarding lead or the headteacher (`concern_record`), from a member of staff about
themselves (`concern_self_refer`), and from a case closed as a low-level concern (the
procedure's `record_low_level_concern` step, `concern_from_case`). They are never changed:
a correction is a new entry.

Concerns about one adult that together reach the school's setting (three within twelve months
by default: `School.concern_pattern_count` and `concern_pattern_months`) make a pattern, shown
for review on the adult's log and on the safeguarding lead's home page, until it is referred as
a case (`pattern_refer`). Who reads any of it is one rule: `permissions.can_see_low_level_concerns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from incidents import clock, permissions
from incidents.audit import event_record
from incidents.exceptions import NotPermitted
from incidents.models import Case, CaseEvent, LowLevelConcern, Membership, School, StaffMember

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- Reading ----------------------------------------------------------------------------

def concerns_about(staff: StaffMember) -> QuerySet[LowLevelConcern]:
    """The log of low-level concerns about `staff`, newest first, with who raised and recorded
    each and the cases they came from or were referred as. Ask `can_see_low_level_concerns` first."""
    return (LowLevelConcern.objects.filter(staff=staff)
            .select_related("raised_by", "recorded_by", "case", "referred_to")
            .order_by("-raised_on", "-recorded_at", "-pk"))


@dataclass(frozen=True)
class Pattern:
    """Low-level concerns about one adult, not yet referred, that reach their school's setting
    within its months: to be reviewed, and referred if need be."""

    staff_uuid: UUID
    staff_name: str
    school: str
    concerns: tuple[UUID, ...]  # the concerns of the pattern, oldest first
    first_on: date
    last_on: date  # the day the pattern was made: the concern that completed it
    count_needed: int
    months: int

    @property
    def count(self) -> int:
        return len(self.concerns)

    @property
    def words(self) -> str:
        return (f"{self.count} low-level concerns between {_long_date(self.first_on)} and "
                f"{_long_date(self.last_on)}")


def _pattern_in(raised: Sequence[tuple[date, UUID]], *, count: int, months: int) -> list[tuple[date, UUID]]:
    """The latest run of `count` or more of `raised` (their dates, oldest first) within `months`
    months of the first of them; empty if none."""
    found: list[tuple[date, UUID]] = []
    start = 0
    for end in range(len(raised)):
        while raised[end][0] > raised[start][0] + relativedelta(months=months):
            start += 1
        if end - start + 1 >= count:
            found = list(raised[start:end + 1])
    return found


def _patterns(concerns: QuerySet[LowLevelConcern]) -> list[Pattern]:
    """The patterns among `concerns` (not yet referred), one per adult, longest waiting first:
    one query, however many concerns and adults."""
    rows = (concerns.filter(referred_to__isnull=True)
            .order_by("staff_id", "raised_on", "recorded_at", "pk")
            .values_list("staff_id", "raised_on", "uuid", "staff__uuid", "staff__full_name", "school__name",
                         "school__concern_pattern_count", "school__concern_pattern_months"))
    by_staff: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_staff.setdefault(row[0], []).append(row)
    patterns = []
    for staff_rows in by_staff.values():
        _, _, _, staff_uuid, name, school, count, months = staff_rows[0]
        found = _pattern_in([(row[1], row[2]) for row in staff_rows], count=count, months=months)
        if found:
            patterns.append(Pattern(staff_uuid=staff_uuid, staff_name=name, school=school,
                                    concerns=tuple(uuid for _, uuid in found), first_on=found[0][0],
                                    last_on=found[-1][0], count_needed=count, months=months))
    return sorted(patterns, key=lambda pattern: (pattern.last_on, pattern.staff_name))


def patterns_for(user: User | AnonymousUser) -> list[Pattern]:
    """The patterns `user` may review: at the schools where they are the designated safeguarding
    lead or the headteacher (`permissions.low_level_concern_schools`), never about themselves."""
    concerns = LowLevelConcern.objects.filter(school_id__in=permissions.low_level_concern_schools(user))
    if user.is_authenticated:
        concerns = concerns.exclude(staff__user_id=user.pk)
    return _patterns(concerns)


def pattern_of(staff: StaffMember) -> Pattern | None:
    """The pattern in the log of `staff`, if there is one."""
    found = _patterns(LowLevelConcern.objects.filter(staff=staff))
    return found[0] if found else None


# --- Recording --------------------------------------------------------------------------

def _checked(*, raised_on: date | None, observed: str, action: str, action_needed: bool = True) -> dict[str, str]:
    errors = {}
    if raised_on is None:
        errors["raised_on"] = "Give the date the concern was raised."
    elif raised_on > clock.today():
        errors["raised_on"] = "The date the concern was raised cannot be in the future."
    if not (observed or "").strip():
        errors["observed"] = "Say what was seen or heard."
    if action_needed and not (action or "").strip():
        errors["action"] = "Say what was done about it."
    return errors


@transaction.atomic
def concern_record(*, by: User, staff: StaffMember, raised_on: date | None, observed: str, action: str,
                   raised_by: User | None = None, self_referral: bool = False) -> LowLevelConcern:
    """The designated safeguarding lead or the headteacher records a low-level concern about
    `staff`, raised by `raised_by` (a member of the school) or by the adult themselves
    (`self_referral`). Refused with a message, and nothing recorded, if anything is missing."""
    if not permissions.can_see_low_level_concerns(by, staff):
        raise NotPermitted("Only the designated safeguarding lead and the headteacher can record low-level "
                           "concerns.")
    errors = _checked(raised_on=raised_on, observed=observed, action=action)
    if self_referral:
        raised_by = staff.user
    elif raised_by is None:
        errors["raised_by"] = "Say who raised the concern."
    elif not Membership.objects.filter(user=raised_by, school_id=staff.school_id).exists():
        errors["raised_by"] = "Choose someone who works at this school."
    if errors or raised_on is None:
        raise ValidationError(errors)
    return LowLevelConcern.objects.create(
        school_id=staff.school_id, staff=staff, raised_by=raised_by, self_referral=self_referral,
        raised_on=raised_on, observed=observed.strip(), action=action.strip(), recorded_by=by)


@transaction.atomic
def concern_self_refer(*, by: User, school: School, raised_on: date | None, observed: str,
                       action: str = "") -> LowLevelConcern:
    """A member of staff raises a low-level concern about themselves (KCSIE encourages it): it can
    only be about them. The school's safeguarding lead and headteacher read it; they do not."""
    staff = StaffMember.objects.filter(school=school, user_id=by.pk).first()
    if staff is None or not permissions.can_refer_self(by, school):
        raise NotPermitted(f"You have no staff record at {school}, so you cannot raise a concern about "
                           "yourself there.")
    errors = _checked(raised_on=raised_on, observed=observed, action=action, action_needed=False)
    if errors or raised_on is None:
        raise ValidationError(errors)
    return LowLevelConcern.objects.create(
        school=school, staff=staff, raised_by=by, self_referral=True, raised_on=raised_on,
        observed=observed.strip(), action=action.strip(), recorded_by=by)


def concern_from_case(case: Any, *, reason: str) -> LowLevelConcern | None:
    """The entry a case closed as a low-level concern makes in the log of the adult it is about
    (none while that adult is not known): what the reporter saw, and why it was kept as a
    low-level concern. Called by the procedure's step, in its transaction."""
    if case.subject_id is None:
        return None
    subject = StaffMember.objects.get(pk=case.subject_id)
    return LowLevelConcern.objects.create(
        school_id=case.school_id, staff=subject, raised_by_id=case.reporter_id,
        self_referral=subject.user_id is not None and subject.user_id == case.reporter_id,
        raised_on=clock.localdate(case.reported_at), observed=case.description,
        action=f"Reported as case {case.reference}, which was closed as a low-level concern: {reason.strip()}",
        case_id=case.pk)


# --- Referring a pattern ----------------------------------------------------------------

@transaction.atomic
def pattern_refer(*, by: User, staff: StaffMember, reason: str) -> Case:
    """Refer the pattern of low-level concerns about `staff` as a case: reported through
    `services.case_report` by `by` as a safeguarding concern (so the harm threshold is decided
    and the LADO's deadline runs), the pattern's concerns linked to it, and the referral on its
    timeline. The concerns' own words stay in the log: the case holds `reason`, which the
    referrer writes for those who will handle the case."""
    from incidents import services

    if not permissions.can_see_low_level_concerns(by, staff):
        raise NotPermitted("Only the designated safeguarding lead and the headteacher can refer low-level "
                           "concerns.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say what the case is about and why the pattern is referred."})
    pattern = pattern_of(staff)
    if pattern is None:
        raise ValidationError(f"There is no pattern of low-level concerns about {staff.full_name} to refer.")
    school = School.objects.get(pk=staff.school_id)
    case = services.case_report(reporter=by, school=school, kind=Case.Kind.BREACH, subject=staff,
                                platform=Case.Platform.OTHER, description=reason.strip(), safeguarding=True)
    linked = LowLevelConcern.objects.filter(uuid__in=pattern.concerns, referred_to__isnull=True)
    linked.update(referred_to=case)
    event_record(case=case, kind=CaseEvent.Kind.CONCERNS_REFERRED, actor=by, note=(
        f"Referred from a pattern of {pattern.words} about {staff.full_name}. They are kept in the log of "
        "low-level concerns about them, which only the designated safeguarding lead and the headteacher read."))
    return case


__all__ = ["Pattern", "concern_from_case", "concern_record", "concern_self_refer", "concerns_about",
           "pattern_of", "pattern_refer", "patterns_for"]
