"""Subject access: everything held about one member of staff, with other people's names redacted on request."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from incidents import services
from incidents.exports.archive import archive_verify
from incidents.models import CaseEvent, ExportRecord, StaffMember
from incidents.workflow import State
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases_about_alex(school, procedure):
    about = procedure.case_at(State.OUTCOME_ISSUED)
    services.evidence_add(case=about, by=school.headteacher, file=upload("post.png", png_bytes()))
    reported_by_staff = procedure.report(subject=None)
    unrelated = procedure.report(subject=StaffMember.objects.create(school=school.school, full_name="Sam Other"))
    return about, reported_by_staff, unrelated


def export(client, staff, redact=False) -> zipfile.ZipFile:
    data = {"staff_member": staff.pk}
    if redact:
        data["redact_others"] = "on"
    response = client.post(reverse("incidents:export_subject_access"), data)
    assert response.status_code == 200, response.content[:300]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_everything_held_about_the_employee(client, school, cases_about_alex):
    about, _, unrelated = cases_about_alex
    client.force_login(school.hr)
    archive = export(client, school.employee)
    document = json.loads(archive.read("subject-access.json"))
    assert [case["reference"] for case in document["cases"]] == [about.reference]
    held = document["cases"][0]
    assert held["roles"] == ["employee concerned"]
    assert held["people"]["case manager"] == school.headteacher.get_full_name()
    assert {letter["reference"] for letter in held["letters"]} == {
        letter.reference for letter in about.letters.filter(recipient_staff=school.employee)}
    assert held["evidence"][0]["file"] and held["evidence"][0]["file"] in archive.namelist()
    assert "Alex Employee" in archive.read("subject-access.html").decode()
    assert archive_verify(archive.fp).ok
    assert ExportRecord.objects.get().kind == "subject_access"
    assert about.events.filter(kind=CaseEvent.Kind.EXPORTED, actor=school.hr).count() == 1
    assert not unrelated.events.filter(kind=CaseEvent.Kind.EXPORTED).exists()


def test_a_reporter_sees_the_cases_they_reported(client, school, cases_about_alex):
    about, reported, unrelated = cases_about_alex
    client.force_login(school.hr)
    document = json.loads(export(client, school.staff.staff_records.get()).read("subject-access.json"))
    roles = {case["reference"]: case["roles"] for case in document["cases"]}
    assert roles == {about.reference: ["reporter"], reported.reference: ["reporter"],
                     unrelated.reference: ["reporter"]}


def test_other_peoples_names_are_redacted_when_hr_chooses(client, school, cases_about_alex):
    client.force_login(school.hr)
    archive = export(client, school.employee, redact=True)
    text = archive.read("subject-access.json").decode() + archive.read("subject-access.html").decode()
    for other in (school.headteacher, school.investigator, school.staff):
        assert other.get_full_name() not in text, other
    assert "[redacted]" in text and "Alex Employee" in text
    held = json.loads(archive.read("subject-access.json"))["cases"][0]
    assert held["people"]["case manager"] == "[redacted]"
    assert held["evidence"][0]["file"] is None and not any(n.startswith("evidence/") for n in archive.namelist())
    assert ExportRecord.objects.get().filters["redact_others"] is True


def test_hr_of_another_school_cannot_export_this_school_staff(client, school, register_cases):
    _, _, other = register_cases
    client.force_login(other.hr)
    response = client.post(reverse("incidents:export_subject_access"), {"staff_member": school.employee.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ExportRecord.objects.exists()
