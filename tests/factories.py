"""Test data: a school with a person in every role, and cases at any stage."""

import io
from datetime import date, timedelta

import factory
import pypdf
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase

from incidents.models import Clause, Membership, Policy, School, StaffMember
from incidents.roles import role_give, staff_record_link

User = get_user_model()


def rainow_policy() -> Policy:
    """The real Rainow policy, loaded from the fixture the product ships."""
    policy = Policy.objects.first()
    if policy is None:
        call_command("loaddata", "rainow_policy", verbosity=0)
        policy = Policy.objects.get()
    return policy


def clause(ref: str) -> Clause:
    return Clause.objects.get(policy=rainow_policy(), ref=ref)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    reference_prefix = factory.Sequence(lambda n: f"S{n:03d}")
    policy = factory.LazyFunction(rainow_policy)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    school = factory.SubFactory(SchoolFactory)
    full_name = factory.Faker("name")
    job_title = "Teacher"


def committed():
    """Run, at the end of the block, what the code in it left for after its transaction commits
    (the background re-granting of a role): a test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def person(school: School, role: str, username: str | None = None, *, staff: bool = True):
    """A user holding `role` at `school` (given through `incidents.roles`, so the school's cases
    are re-granted as in the product), with a staff record unless told otherwise."""
    user = UserFactory(username=username) if username else UserFactory()
    if not Membership.objects.filter(user=user, school=school, role=role).exists():
        with committed():
            role_give(user=user, school=school, role=role, by=None)
    if staff and not StaffMember.objects.filter(school=school, user=user).exists():
        record = StaffMember.objects.create(school=school, full_name=user.get_full_name(), job_title=role)
        staff_record_link(staff=record, user=user, by=None)
    return user


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def one_page_pdf() -> bytes:
    """A real one-page PDF, as a scanned statement would be."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
