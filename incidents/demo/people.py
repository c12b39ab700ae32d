"""The demo trust's people: its two schools, a login for every role, the employees with no
login, and the policy they work under.

Everything is updated in place when the demo is seeded again (every demo login gets the
demo password back). Roles are given and staff records linked to logins through
`incidents.roles`, as the admin does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management import call_command

from incidents.models import Membership, Policy, PolicyAcknowledgement, Role, School, StaffMember, Trust
from incidents.models.people import SchoolClosure
from incidents.roles import role_give, staff_record_link

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()

DEMO_PASSWORD = "rainow-demo-2026"
LONDON = ZoneInfo("Europe/London")

TRUST_NAME = "Peak Edge Learning Trust"
RAINOW = "RAI"
BOLLINGTON = "BOL"

SCHOOLS = {
    RAINOW: {
        "name": "Rainow Primary School",
        "type": School.Type.COMMUNITY,
        "address": "Sandy Lane\nRainow\nMacclesfield\nCheshire\nSK10 5UB",
        "motto": "Caring, Learning, Achieving.",
        "hr_contact": "Simon Fletcher, HR adviser, Peak Edge Learning Trust (simon.fletcher@example.org)",
        "clerk_to_governors": "Helen Ward",
        "local_authority": "Cheshire East Council, Human Resources\nWestfields, Middlewich Road\nSandbach\nCW11 1HZ",
    },
    BOLLINGTON: {
        "name": "Bollington Cross Primary School",
        "type": School.Type.ACADEMY,
        "address": "Grimshaw Lane\nBollington\nMacclesfield\nCheshire\nSK10 5JB",
        "motto": "Learning and growing together.",
        "hr_contact": "Joanne Reid, HR adviser, Peak Edge Learning Trust (joanne.reid@example.org)",
    },
}


# The 2026/27 school year as both schools record it (the usual shape of English term dates, with five
# INSET days): the days they are closed, which deadlines counted in school days (the appeal window) skip.
HOLIDAY, INSET = SchoolClosure.Kind.HOLIDAY, SchoolClosure.Kind.INSET
CLOSURES = (
    ("INSET day", INSET, date(2026, 9, 1), date(2026, 9, 1)),
    ("Autumn half term", HOLIDAY, date(2026, 10, 26), date(2026, 10, 30)),
    ("INSET day", INSET, date(2026, 11, 27), date(2026, 11, 27)),
    ("Christmas holiday", HOLIDAY, date(2026, 12, 21), date(2027, 1, 1)),
    ("INSET day", INSET, date(2027, 1, 4), date(2027, 1, 4)),
    ("Spring half term", HOLIDAY, date(2027, 2, 15), date(2027, 2, 19)),
    ("Easter holiday", HOLIDAY, date(2027, 3, 29), date(2027, 4, 9)),
    ("Summer half term", HOLIDAY, date(2027, 5, 31), date(2027, 6, 4)),
    ("INSET day", INSET, date(2027, 6, 7), date(2027, 6, 7)),
    ("INSET day", INSET, date(2027, 7, 22), date(2027, 7, 22)),
    ("Summer holiday", HOLIDAY, date(2027, 7, 23), date(2027, 8, 31)),
)


@dataclass(frozen=True)
class Login:
    """A demo login: the roles it holds, and its staff record where the person is an employee."""

    username: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (school prefix, role)
    job_title: str = ""  # empty: not an employee (governors, HR advisers)

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@example.org".lower()


LOGINS = (
    Login("staff", "Emma", "Clarke", ((RAINOW, Role.STAFF),), "Class teacher (Year 4)"),
    Login("staff2", "Hannah", "Lewis", ((RAINOW, Role.STAFF),), "Class teacher (Year 1)"),
    Login("headteacher", "Catherine", "Moss", ((RAINOW, Role.HEADTEACHER),), "Headteacher"),
    Login("investigator", "David", "Okafor", ((RAINOW, Role.INVESTIGATING_OFFICER),), "Deputy headteacher"),
    Login("chair", "Margaret", "Holt", ((RAINOW, Role.CHAIR_OF_GOVERNORS),)),
    Login("governor", "Peter", "Ashworth", ((RAINOW, Role.GOVERNOR),)),
    Login("governor2", "Nadia", "Hussain", ((RAINOW, Role.GOVERNOR),)),
    Login("dsl", "Fiona", "Grant", ((RAINOW, Role.DSL),),
          "Assistant headteacher and designated safeguarding lead"),
    Login("hr", "Simon", "Fletcher", ((RAINOW, Role.HR_ADVISER), (BOLLINGTON, Role.HR_ADVISER))),
    Login("hr2", "Joanne", "Reid", ((BOLLINGTON, Role.HR_ADVISER),)),
    Login("headteacher_bol", "Mark", "Jennings", ((BOLLINGTON, Role.HEADTEACHER),), "Headteacher"),
    Login("staff_bol", "Laura", "Whitworth", ((BOLLINGTON, Role.STAFF),), "Class teacher (Year 3)"),
)
HEADTEACHERS = {RAINOW: "headteacher", BOLLINGTON: "headteacher_bol"}

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class Employee:
    """An employee with no login: most cases are about someone like this."""

    school: str
    full_name: str
    job_title: str
    letter_format: str = StaffMember.LetterFormat.STANDARD

    @property
    def email(self) -> str:
        return f"{self.full_name.replace(' ', '.')}@example.org".lower()


EMPLOYEES = (
    Employee(RAINOW, "Jordan Blake", "Teaching assistant (Year 6)"),
    Employee(RAINOW, "Sam Patel", "Class teacher (Year 2)", StaffMember.LetterFormat.LARGE_PRINT),
    Employee(RAINOW, "Chris Doyle", "Site manager"),
    Employee(RAINOW, "Megan Hughes", "Teaching assistant (Year 3)"),
    Employee(RAINOW, "Tom Whitfield", "Class teacher (Year 6)"),
    Employee(RAINOW, "Aisha Rahman", "Midday supervisor"),
    Employee(RAINOW, "Priya Shah", "School business manager"),
    Employee(RAINOW, "Lucy Brennan", "School office administrator"),
    Employee(RAINOW, "Ellie Marsh", "Teaching assistant (Reception)"),
    Employee(RAINOW, "Ryan Cole", "Sports coach"),
    Employee(RAINOW, "Kieran Walsh", "Teaching assistant (Year 4)"),
    Employee(RAINOW, "Natalie Brooks", "Cover supervisor"),
    Employee(RAINOW, "Dean Foster", "Teaching assistant (Year 1)"),
    Employee(RAINOW, "Owen Price", "Class teacher (Year 5)"),
    Employee(BOLLINGTON, "Gareth Mills", "Teaching assistant (Year 5)"),
)



def _is_teacher(job_title: str) -> bool:
    """Class teachers and headteachers are teachers; teaching assistants are not."""
    return "teacher" in job_title.lower()


def policy_load() -> Policy:
    """The Rainow Social Media Policy and its clauses, from `fixtures/rainow_policy.json`."""
    call_command("loaddata", "rainow_policy", verbosity=0)
    return Policy.objects.filter(school_name="Rainow Primary School").latest("approved_on")


# Who confirmed reading the policy, and when: everyone at Rainow with a login but `staff` (whose home
# page then asks them to read it) and the investigating officer.
ACKNOWLEDGED = ("staff2", "headteacher", "chair", "governor", "governor2", "dsl")
ACKNOWLEDGED_AT = datetime(2025, 9, 3, 12, 0, tzinfo=LONDON)


def acknowledgements_update(schools: dict[str, School], users: dict[str, User]) -> None:
    """The demo staff's confirmations that they read the Rainow policy."""
    school = schools[RAINOW]
    if school.policy is None:
        return
    for username in ACKNOWLEDGED:
        record = StaffMember.objects.filter(school=school, user=users[username]).first()
        if record is not None:
            PolicyAcknowledgement.objects.get_or_create(staff=record, policy=school.policy,
                                                        defaults={"acknowledged_at": ACKNOWLEDGED_AT})


def schools_update(policy: Policy) -> dict[str, School]:
    """The demo trust and its schools (by reference prefix), under `policy`, with their 2026/27 calendar."""
    trust, _ = Trust.objects.get_or_create(name=TRUST_NAME)
    schools = {
        prefix: School.objects.update_or_create(
            reference_prefix=prefix, defaults={**details, "trust": trust, "policy": policy}
        )[0]
        for prefix, details in SCHOOLS.items()
    }
    for school in schools.values():  # and their calendars
        for name, kind, first_day, last_day in CLOSURES:
            SchoolClosure.objects.update_or_create(school=school, first_day=first_day,
                                                   defaults={"name": name, "kind": kind, "last_day": last_day})
    return schools


def people_update(schools: dict[str, School], password: str) -> dict[str, User]:
    """The demo logins (by username), their roles and staff records, and the employees with no login."""
    users = {}
    for login in LOGINS:
        user = _user_update(login.username, login.first_name, login.last_name, login.email, password)
        users[login.username] = user
        for prefix, role in login.roles:
            if not Membership.objects.filter(user=user, school=schools[prefix], role=role).exists():
                role_give(user=user, school=schools[prefix], role=role, by=None)
        if login.job_title:
            school = schools[login.roles[0][0]]
            record = StaffMember.objects.filter(school=school, user=user).first() or StaffMember(school=school)
            record.full_name, record.job_title, record.email = user.get_full_name(), login.job_title, login.email
            record.teacher = _is_teacher(login.job_title)
            linked = record.pk is not None
            record.save()
            if not linked:
                staff_record_link(staff=record, user=user, by=None)
    for employee in EMPLOYEES:
        StaffMember.objects.update_or_create(
            school=schools[employee.school], user=None, full_name=employee.full_name,
            defaults={"job_title": employee.job_title, "email": employee.email,
                      "letter_format": employee.letter_format, "teacher": _is_teacher(employee.job_title)},
        )
    # Everyone at a school reports to its headteacher, who reports to the governors.
    for prefix, school in schools.items():
        head = StaffMember.objects.get(school=school, user=users[HEADTEACHERS[prefix]])
        StaffMember.objects.filter(school=school).exclude(pk=head.pk).update(line_manager=head)
    return users


def _user_update(username: str, first_name: str, last_name: str, email: str, password: str,
                 *, administrator: bool = False) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": email, "is_active": True,
                  "is_staff": administrator, "is_superuser": administrator},
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def admin_update(password: str) -> User:
    """The system administrator, for the Django admin site only: no role at any school."""
    return _user_update(ADMIN_USERNAME, "System", "Administrator", "admin@example.org", password,
                        administrator=True)
