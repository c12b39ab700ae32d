"""`manage.py seed_demo`: the demo trust, a login for every role and a case at every stage."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents import clock, selectors
from incidents.audit import audit_verify
from incidents.demo import DEMO_PASSWORD, demo_seed
from incidents.models import Case, CaseEvent, Evidence, Membership, Role, School, StaffMember
from incidents.workflow import Closure, State, Suspension
from incidents.working_days import is_working_day

User = get_user_model()

pytestmark = pytest.mark.django_db

USERNAMES = ["staff", "staff2", "headteacher", "investigator", "chair", "governor", "governor2", "dsl",
             "hr", "hr2", "headteacher_bol", "staff_bol", "admin"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The demo sets a dozen passwords per run; the real hasher would make this file slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", *args, stdout=out)
    return out.getvalue()


def test_refuses_to_run_without_debug_unless_forced():
    with pytest.raises(CommandError, match="seed_demo is for development"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (User, Membership, StaffMember, School, Case, CaseEvent, Evidence)}


def test_every_demo_login_works_with_the_printed_password():
    output = seed_demo()

    for username in USERNAMES:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username
        assert username in output
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:8000/admin/" in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not Membership.objects.filter(user=admin).exists()
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()


def test_the_password_can_be_chosen():
    seed_demo("--password", "another-demo-password")

    assert User.objects.get(username="headteacher").check_password("another-demo-password")
    assert not User.objects.get(username="headteacher").check_password(DEMO_PASSWORD)


def test_people_hold_their_roles_at_their_schools():
    seed_demo()
    rainow = School.objects.get(reference_prefix="RAI")
    bollington = School.objects.get(reference_prefix="BOL")

    def roles(username):
        return set(Membership.objects.filter(user__username=username).values_list("school__reference_prefix", "role"))

    assert roles("headteacher") == {("RAI", Role.HEADTEACHER)}
    assert roles("chair") == {("RAI", Role.CHAIR_OF_GOVERNORS)}
    assert roles("hr") == {("RAI", Role.HR_ADVISER), ("BOL", Role.HR_ADVISER)}
    assert roles("hr2") == {("BOL", Role.HR_ADVISER)}
    assert roles("headteacher_bol") == {("BOL", Role.HEADTEACHER)}
    assert rainow.trust == bollington.trust and rainow.trust.name == "Peak Edge Learning Trust"
    assert rainow.policy == bollington.policy is not None
    # Governors and HR advisers are not employees; the others have a staff record.
    assert not StaffMember.objects.filter(user__username__in=["chair", "governor", "governor2", "hr", "hr2"]).exists()
    assert StaffMember.objects.filter(school=rainow, user__username="headteacher", job_title="Headteacher").exists()
    assert StaffMember.objects.filter(school=rainow, user=None,
                                      letter_format=StaffMember.LetterFormat.LARGE_PRINT).exists()


def test_there_is_a_case_at_every_stage_and_one_suspended():
    output = seed_demo()

    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(State.values)
    closures = set(Case.objects.filter(state=State.CLOSED).values_list("closure", flat=True))
    assert {Closure.NO_CASE, Closure.MANAGEMENT_ADVICE, Closure.APPEAL_DECIDED, Closure.LOW_LEVEL_CONCERN} <= closures
    assert Case.objects.filter(suspension=Suspension.SUSPENDED).exists()
    assert Case.objects.filter(school__reference_prefix="BOL").exists()
    assert "Hearing scheduled" in output and "Total" in output
    # A pattern of low-level concerns for the DSL to review: three about Ryan Cole, one he raised himself.
    from incidents import concerns

    dsl = User.objects.get(username="dsl")
    patterns = concerns.patterns_for(dsl)
    assert [(pattern.staff_name, pattern.count) for pattern in patterns] == [("Ryan Cole", 3)]
    assert StaffMember.objects.get(full_name="Ryan Cole").low_level_concerns.filter(self_referral=True).count() == 1


def test_every_case_has_an_unbroken_timeline_built_by_the_services():
    seed_demo()

    for case in Case.objects.all():
        sequences = list(case.events.values_list("sequence", flat=True))
        assert sequences == list(range(1, len(sequences) + 1)), case.reference
        first = case.events.get(sequence=1)
        assert first.kind == CaseEvent.Kind.REPORTED and first.actor == case.reporter
        # The stage the case is at is the one its last step led to.
        steps = [event.to_state for event in case.events.all() if event.to_state in State.values]
        assert steps[-1] == case.state, case.reference
    assert audit_verify() is None
    # Each school numbers its cases in the order they were reported, from 1 each year.
    for school in School.objects.all():
        for year in set(school.cases.values_list("year", flat=True)):
            numbers = list(school.cases.filter(year=year).order_by("reported_at").values_list("number", flat=True))
            assert numbers == list(range(1, len(numbers) + 1))


def test_the_case_about_the_headteacher_is_managed_by_the_chair():
    seed_demo()

    case = Case.objects.get(subject__user__username="headteacher")
    assert case.case_manager.username == "chair"


def test_cases_at_bollington_are_reported_and_managed_by_its_own_people():
    seed_demo()

    cases = Case.objects.filter(school__reference_prefix="BOL")
    assert cases.exists()
    for case in cases:
        assert Membership.objects.filter(user=case.reporter, school=case.school).exists()
        assert case.case_manager.username == "headteacher_bol"


def test_running_it_again_changes_nothing():
    seed_demo()
    before = counts()
    states = dict(Case.objects.values_list("reference", "state"))

    output = seed_demo()

    assert counts() == before
    assert dict(Case.objects.values_list("reference", "state")) == states
    assert "already exist" in output
    assert User.objects.get(username="staff").check_password(DEMO_PASSWORD)


def test_the_cases_are_played_on_the_products_clock_in_the_past_and_it_runs_again_afterwards():
    london = ZoneInfo("Europe/London")
    evening = datetime(2026, 3, 2, 18, 0, tzinfo=london)  # a Monday
    demo_seed(now=evening)

    moments = sorted(CaseEvent.objects.values_list("at", flat=True))
    assert evening - timedelta(weeks=14) < moments[0] and moments[-1] <= evening
    assert all(is_working_day(moment.astimezone(london).date()) for moment in moments)
    first = Case.objects.order_by("reported_at").first()
    assert first.year == 2025 and first.reported_at == first.events.get(sequence=1).at
    assert abs(clock.now() - datetime.now(tz=london)) < timedelta(seconds=5)


def test_the_hr_advisers_see_every_case_of_their_schools():
    seed_demo()

    assert selectors.case_count(User.objects.get(username="hr")) == Case.objects.count()
    assert selectors.case_count(User.objects.get(username="hr2")) == Case.objects.filter(
        school__reference_prefix="BOL").count()
