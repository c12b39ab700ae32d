"""Test data: a school with a person in every role, and cases at any stage."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.core.management import call_command

from incidents.models import Clause, Membership, Policy, School, StaffMember

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


def person(school: School, role: str, username: str | None = None, *, staff: bool = True):
    """A user holding `role` at `school`, with a staff record unless told otherwise."""
    user = UserFactory(username=username) if username else UserFactory()
    Membership.objects.get_or_create(user=user, school=school, role=role)
    if staff:
        StaffMember.objects.get_or_create(
            school=school, user=user, defaults={"full_name": user.get_full_name(), "job_title": role}
        )
    return user


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
