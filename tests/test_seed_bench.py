"""`manage.py seed_bench`: a large data set for measuring speed, here at a tiny size on SQLite."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from incidents import selectors
from incidents.audit import audit_verify
from incidents.grants import access_sync
from incidents.models import (
    Case,
    CaseEvent,
    CaseUserObjectPermission,
    Evidence,
    Letter,
    Membership,
    Role,
    School,
)
from incidents.workflow import State

User = get_user_model()

pytestmark = pytest.mark.django_db


def seed_bench(*args: str) -> str:
    out = StringIO()
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


def test_fills_schools_with_cases_at_every_stage_with_their_records():
    output = seed_bench("--schools", "2", "--cases", "50")

    assert School.objects.count() == 2 and Case.objects.count() == 50
    assert set(Case.objects.values_list("school__reference_prefix", flat=True)) <= {"B001", "B002"}
    assert Case.objects.values("state").distinct().count() >= 5
    events = CaseEvent.objects.count()
    assert 10 * 50 <= events <= 40 * 50
    assert Letter.objects.count() >= 50 and Evidence.objects.count() == 50
    assert Membership.objects.filter(role=Role.HR_ADVISER).count() == 2
    assert "50 cases" in output and f"{events:,} events" in output and " s." in output
    # the rows are what the product itself would hold
    assert audit_verify() is None  # every chain, from the report on
    # the grants are those the access rules give (syncing them changes nothing)
    grants = CaseUserObjectPermission.objects.count()
    for case in Case.objects.select_related("school", "subject").order_by("?")[:8]:
        assert access_sync(case=case) == {}, case.reference
    assert grants >= 50 * 8 and CaseUserObjectPermission.objects.count() == grants


def test_hr_adviser_opens_the_case_list_and_a_seeded_case():
    seed_bench("--schools", "2", "--cases", "50")
    hr = User.objects.get(memberships__role=Role.HR_ADVISER, memberships__school__reference_prefix="B001")
    client = Client()
    client.force_login(hr)

    listed = client.get(reverse("incidents:case_list"), secure=True)
    assert listed.status_code == 200
    assert selectors.case_count(hr) == Case.objects.count()
    case = Case.objects.filter(state=State.INVESTIGATION).first() or Case.objects.first()
    page = client.get(case.get_absolute_url(), secure=True)
    assert page.status_code == 200
    assert case.reference in page.content.decode()


def test_refuses_a_database_that_already_holds_cases_unless_forced():
    seed_bench("--schools", "1", "--cases", "3")

    with pytest.raises(CommandError, match="already holds 3 cases"):
        seed_bench("--schools", "1", "--cases", "3")
    assert Case.objects.count() == 3 and School.objects.count() == 1

    seed_bench("--schools", "1", "--cases", "3", "--force")
    assert Case.objects.count() == 6 and School.objects.count() == 2
