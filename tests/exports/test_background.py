"""Long exports prepared by the background worker (the immediate backend in tests)."""

import csv
import io

import pytest
from django.urls import reverse

from incidents.models import ExportRecord, PreparedExport
from incidents.workflow import State

pytestmark = pytest.mark.django_db


def test_a_register_prepared_in_the_background_is_listed_then_downloaded_by_its_owner_only(
        client, school, register_cases):
    cases, _, other = register_cases
    client.force_login(school.hr)
    response = client.post(reverse("incidents:export_register"), {"file_format": "csv", "stage": State.CLOSED})
    assert response.status_code == 302
    prepared = PreparedExport.objects.get()
    assert prepared.status == PreparedExport.Status.READY, prepared.error
    assert prepared.record == ExportRecord.objects.get()
    page = client.get(reverse("incidents:exports")).content.decode()
    url = reverse("incidents:export_prepared", args=[prepared.uuid])
    assert url in page
    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert [row["Reference"] for row in csv.DictReader(io.StringIO(body))] == [cases[State.CLOSED].reference]
    client.force_login(other.hr)
    assert client.get(url).status_code == 404


def test_a_bundle_prepared_in_the_background(client, school, procedure, real_letters):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.hr)
    response = client.post(reverse("incidents:case_bundle", args=[case.uuid]),
                           {"purpose": "hearing", "background": "1"})
    assert response.status_code == 302
    prepared = PreparedExport.objects.get()
    assert prepared.status == PreparedExport.Status.READY, prepared.error
    assert prepared.filename.endswith(".zip") and prepared.record.kind == "bundle"


def test_the_exports_page_is_linked_from_the_case_list_for_hr_only(client, school, register_cases):
    client.force_login(school.hr)
    assert reverse("incidents:exports") in client.get(reverse("incidents:case_list")).content.decode()
    page = client.get(reverse("incidents:exports"))
    assert page.status_code == 200 and "Download the register" in page.content.decode()
    client.force_login(school.headteacher)
    assert reverse("incidents:exports") not in client.get(reverse("incidents:case_list")).content.decode()
