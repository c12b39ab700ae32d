"""The admin shows everything; cases, evidence and events cannot be edited there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from incidents.models import Case, CaseEvent
from incidents.workflow import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_every_model_is_in_the_admin_and_its_list_opens(admin_client, procedure):
    procedure.case_at(State.HEARING_SCHEDULED)
    models = [m for m in admin.site._registry if m._meta.app_label == "incidents"]
    assert {m.__name__ for m in models} >= {"School", "Trust", "StaffMember", "Membership", "Policy", "Clause",
                                           "Case", "Evidence", "CaseEvent"}
    for model in models:
        url = reverse(f"admin:incidents_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


def test_a_case_is_shown_read_only_and_its_state_cannot_be_posted(admin_client, procedure):
    case = procedure.case_at(State.INVESTIGATION)
    url = reverse("admin:incidents_case_change", args=[case.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b"Investigation" in page.content and b'name="state"' not in page.content
    admin_client.post(url, {"state": State.CLOSED})
    assert Case.objects.get(pk=case.pk).state == State.INVESTIGATION


def test_events_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, procedure):
    case = procedure.case_at(State.REPORTED)
    event = case.events.get()
    assert admin_client.get(reverse("admin:incidents_caseevent_add")).status_code == 403
    delete = reverse("admin:incidents_caseevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()
