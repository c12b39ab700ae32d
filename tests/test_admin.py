"""The admin keeps the reference data; no case is read there, not even by a superuser."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from incidents.models import Case, CaseEvent, Evidence, Letter, Membership
from incidents.workflow import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_the_reference_data_is_in_the_admin_and_its_lists_open(admin_client, procedure):
    procedure.case_at(State.HEARING_SCHEDULED)
    models = {m for m in admin.site._registry if m._meta.app_label == "incidents"}
    assert {m.__name__ for m in models} == {"School", "Trust", "StaffMember", "Membership", "Policy", "Clause"}
    for model in models:
        url = reverse(f"admin:incidents_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", [Case, Evidence, CaseEvent, Letter])
def test_no_case_data_is_in_the_admin(admin_client, procedure, model):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:incidents_{model._meta.model_name}_changelist")
    page = admin_client.get(f"/admin/incidents/{model._meta.model_name}/").content.decode()
    assert case.reference not in page and case.description not in page


def test_a_role_given_and_ended_in_the_admin_is_on_each_cases_timeline_with_who_did_it(
        admin_client, procedure, school, django_capture_on_commit_callbacks):
    case = procedure.case_at(State.INVESTIGATION)
    adviser = UserFactory(first_name="Nia", last_name="Adviser")
    with django_capture_on_commit_callbacks(execute=True):
        added = admin_client.post(reverse("admin:incidents_membership_add"),
                                  {"user": adviser.pk, "school": school.school.pk, "role": "hr_adviser"})
    assert added.status_code == 302
    granted = case.events.get(kind=CaseEvent.Kind.ACCESS_GRANTED)
    assert granted.actor.username == "admin" and "Nia Adviser: view case" in granted.details["granted"]
    membership = Membership.objects.get(user=adviser)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:incidents_membership_changelist"),
                          {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"})
    revoked = case.events.get(kind=CaseEvent.Kind.ACCESS_REVOKED)
    assert revoked.actor.username == "admin"
    assert revoked.details["because"] == f"Role “HR adviser” at {school.school} ended for Nia Adviser"
    assert not Membership.objects.filter(user=adviser).exists()
