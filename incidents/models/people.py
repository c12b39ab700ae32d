"""Schools, the people who work in them, and the roles they hold in the procedure."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator
from django.db import models


def _private_storage() -> Storage:
    return storages["private"]


def school_logo_path(instance: "School", filename: str) -> str:
    # Never the uploader's file name.
    return f"logos/{uuid.uuid4()}"


def validate_logo(file: File) -> None:
    """A logo is drawn on every letter: PNG or JPEG only (read from its content), at most 2 MB."""
    if file.size > 2 * 1024 * 1024:
        raise ValidationError("The logo must be at most 2 MB.")
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
        raise ValidationError("The logo must be a PNG or JPEG image.")


class Trust(models.Model):
    """A multi-academy trust or local authority grouping several schools."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Type(models.TextChoices):
        ACADEMY = "academy", "Academy"
        COMMUNITY = "community", "Community school"
        VOLUNTARY_CONTROLLED = "voluntary_controlled", "Voluntary-controlled school"
        VOLUNTARY_AIDED = "voluntary_aided", "Voluntary-aided school"
        FOUNDATION = "foundation", "Foundation school"

    name = models.CharField(max_length=200)
    reference_prefix = models.CharField(
        max_length=5, unique=True, help_text="Starts every case reference, e.g. RAI in RAI-2026-0007."
    )
    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools")
    type = models.CharField(max_length=30, choices=Type.choices, default=Type.COMMUNITY)
    address = models.TextField(blank=True)
    motto = models.CharField(max_length=200, blank=True)
    logo = models.FileField(upload_to=school_logo_path, storage=_private_storage, blank=True,
                            validators=[validate_logo],
                            help_text="PNG or JPEG, printed at the head of every letter. Letters without one "
                                      "carry the school's name as a text letterhead.")
    hr_contact = models.CharField(max_length=200, blank=True, help_text="Name, email or phone of HR support.")
    policy = models.ForeignKey(
        "incidents.Policy", null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )

    # The school's own periods; the defaults follow the ACAS Code and common model procedures.
    notice_working_days = models.PositiveSmallIntegerField(
        default=5, help_text="Working days' notice of a hearing."
    )
    appeal_window_working_days = models.PositiveSmallIntegerField(
        "appeal window (school days)", default=10,
        help_text="School days after an outcome in which an appeal may be lodged: weekends, bank holidays and "
                  "the school's closures do not count."
    )
    removal_deadline_working_days = models.PositiveSmallIntegerField(
        default=1, help_text="Working days the employee is given to remove content."
    )
    investigation_target_working_days = models.PositiveSmallIntegerField(
        default=20, help_text="Working days from the opening of an investigation by which it should be finished "
                              "(a target: the investigating officer and the case manager are reminded of it)."
    )
    suspension_review_max_weeks = models.PositiveSmallIntegerField(
        default=4, help_text="Weeks at most between reviews of a precautionary suspension."
    )
    dismissal_committee_size = models.PositiveSmallIntegerField(
        default=3, help_text="Governors at least on a staff dismissal committee, and so on an appeal against a "
                             "dismissal (School Staffing (England) Regulations 2009).")
    clerk_to_governors = models.CharField(
        max_length=200, blank=True,
        help_text="The clerk to the governing body, by name: appeals go to them when the chair of governors "
                  "managed or heard the case.")
    local_authority = models.TextField(
        blank=True, help_text="For a community or voluntary-controlled school: the local authority's name and "
                              "address. It is the employer: it is notified of a dismissal and gives the notice.")
    first_warning_months = models.PositiveSmallIntegerField(default=6)
    final_warning_months = models.PositiveSmallIntegerField(default=12)
    # KCSIE part 4: low-level concerns about one adult that together may make a pattern to review.
    concern_pattern_count = models.PositiveSmallIntegerField(
        "low-level concerns that make a pattern", default=3,
        validators=[MinValueValidator(2)],
        help_text="How many low-level concerns about one adult, within the months below, are shown to the "
                  "designated safeguarding lead and the headteacher as a pattern to review.")
    concern_pattern_months = models.PositiveSmallIntegerField(
        "months in which a pattern is counted", default=12,
        validators=[MinValueValidator(1)],
        help_text="The low-level concerns that make a pattern must have been raised within this many months.")

    # How long a case's personal data is kept once the case has ended (`incidents.retention`,
    # which says where each default comes from). Zero means: removed as soon as the case ends.
    retain_no_case_months = models.PositiveSmallIntegerField(
        "keep 'no case to answer' for (months)", default=6,
        help_text="After a case ends with no case to answer, no further action, or a withdrawn report. The IRMS "
                  "toolkit for schools says to dispose of the record at the end of the case; six months leaves time "
                  "for an employment tribunal claim (three months less a day, plus early conciliation).")
    retain_management_advice_months = models.PositiveSmallIntegerField(
        "keep management advice for (months)", default=6,
        help_text="After a case ends in management advice: the IRMS toolkit keeps an oral warning six months.")
    retain_warning_margin_months = models.PositiveSmallIntegerField(
        "keep a warning after it expires for (months)", default=6,
        help_text="Added to the day a written warning stops being live (the IRMS toolkit: a first written warning "
                  "its live period plus six months, a final warning eighteen months in all).")
    retain_dismissal_years = models.PositiveSmallIntegerField(
        "keep a dismissal for (years)", default=6,
        help_text="After a case ends in dismissal: the IRMS toolkit keeps a personnel file six years from the end "
                  "of employment (the Limitation Act 1980 period for claims).")
    retain_safeguarding_years = models.PositiveSmallIntegerField(
        "keep a safeguarding allegation for at least (years)", default=10,
        help_text="From the allegation, for a safeguarding case found substantiated, unsubstantiated or unfounded: "
                  "KCSIE keeps it until the normal pension age or ten years, whichever is longer.")
    normal_pension_age = models.PositiveSmallIntegerField(
        default=67, help_text="The employee's normal pension age, in years (the Teachers' Pension Scheme and the "
                              "Local Government Pension Scheme use the State Pension age: 67 for most staff).")
    retain_compromised_account_months = models.PositiveSmallIntegerField(
        "keep a compromised account case for (months)", default=12,
        help_text="After a compromised-account case ends: long enough to see the same account compromised again.")
    retain_other_years = models.PositiveSmallIntegerField(
        "keep any other case for (years)", default=6,
        help_text="After any other case ends (a low-level concern, for one): six years, the Limitation Act 1980 "
                  "period for claims. KCSIE keeps a low-level concern at least until the person leaves.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_authority_is_employer(self) -> bool:
        """At community and voluntary-controlled schools a dismissal must be notified to the LA."""
        return self.type in {self.Type.COMMUNITY, self.Type.VOLUNTARY_CONTROLLED}


class SchoolClosure(models.Model):
    """Days a school is closed: a holiday, an INSET (training) day, or another closure, from its
    first day to its last, both included. Deadlines that count school days skip them
    (`incidents.school_days`); those that count working days do not."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        INSET = "inset", "INSET (training) day"
        OTHER = "other", "Other closure"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(max_length=200, help_text="As the school calls it, e.g. Christmas holiday.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)
    first_day = models.DateField()
    last_day = models.DateField(help_text="The last day it is closed; the same as the first for one day.")

    class Meta:
        ordering = ["school", "first_day"]
        verbose_name = "school closure"
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")),
                                   name="closure_ends_on_or_after_it_starts",
                                   violation_error_message="The last day cannot be before the first day."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%d/%m/%Y} to {self.last_day:%d/%m/%Y})"


class StaffMember(models.Model):
    """An employee of a school. The person a case is about may have no login at all."""

    class LetterFormat(models.TextChoices):
        STANDARD = "standard", "Standard print"
        LARGE_PRINT = "large_print", "Large print"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_records"
    )
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    teacher = models.BooleanField(
        default=False, help_text="A qualified or unqualified teacher: the Teaching Regulation Agency's rules apply.")
    email = models.EmailField(blank=True)
    # Addresses the adult's log of low-level concerns; the integer key stays internal. Empty on
    # records only while migration 0018 runs, which gives every existing record one.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, null=True, editable=False)
    date_of_birth = models.DateField(
        null=True, blank=True,
        help_text="Optional. Only used to keep a safeguarding allegation until the normal pension age "
                  "(without it, ten years from the allegation).")
    line_manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    letter_format = models.CharField(
        max_length=20, choices=LetterFormat.choices, default=LetterFormat.STANDARD,
        help_text="The format in which this person receives letters.",
    )

    class Meta:
        ordering = ["full_name"]
        verbose_name = "staff member"
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="one_staff_record_per_user_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.job_title})" if self.job_title else self.full_name


class Role(models.TextChoices):
    STAFF = "staff", "Member of staff"
    HEADTEACHER = "headteacher", "Headteacher"
    INVESTIGATING_OFFICER = "investigating_officer", "Investigating officer"
    CHAIR_OF_GOVERNORS = "chair_of_governors", "Chair of governors"
    GOVERNOR = "governor", "Governor"
    DSL = "dsl", "Designated safeguarding lead"
    HR_ADVISER = "hr_adviser", "HR adviser"


class MembershipQuerySet(models.QuerySet):
    def holding(self, role: str, school: School) -> "MembershipQuerySet":
        return self.filter(role=role, school=school)


class Membership(models.Model):
    """A user's role at a school. A person may hold several roles, at several schools."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="one_membership_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.school}"
