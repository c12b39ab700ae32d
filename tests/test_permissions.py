"""Object permissions (django-guardian) follow the case: granted and revoked by its steps."""

import pytest
from django.urls import reverse
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from incidents import permissions, services
from incidents.grants import access_sync_all
from incidents.models import CaseGroupObjectPermission, CaseUserObjectPermission, Membership, Role
from incidents.workflow import State
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db


def test_cases_use_guardians_direct_foreign_key_tables(procedure):
    case = procedure.report()
    assert get_user_obj_perms_model(case) is CaseUserObjectPermission
    assert get_group_obj_perms_model(case) is CaseGroupObjectPermission
    assert CaseUserObjectPermission.objects.filter(content_object=case).exists()


def test_the_people_of_a_case_hold_their_permissions_through_has_perm(procedure, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    assert school.headteacher.has_perm("incidents.manage_case", case)
    assert school.investigator.has_perm("incidents.investigate_case", case)
    assert school.headteacher.has_perm("incidents.hear_case", case)
    assert school.staff.has_perm("incidents.view_own_report", case)
    assert school.hr.has_perm("incidents.export_case", case) and school.hr.has_perm("incidents.view_case", case)
    assert not school.staff.has_perm("incidents.view_case", case)
    assert not school.hr.has_perm("incidents.manage_case", case)
    assert not school.governor.has_perm("incidents.view_case", case)


def test_appointing_an_investigating_officer_grants_access_and_the_event_says_so(procedure, school):
    case = procedure.case_at(State.REPORTED)
    assert not permissions.can_view_case(school.investigator, case)
    event = services.case_open_investigation(case=case, by=school.headteacher,
                                             investigating_officer=school.investigator)
    assert permissions.can_view_case(school.investigator, case)
    name = school.investigator.get_full_name()
    assert f"{name}: view case" in event.details["access"]["granted"]
    assert f"{name}: investigate case" in event.details["access"]["granted"]


def test_replacing_the_investigating_officer_on_reopening_revokes_the_first(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    services.case_close_no_case(case=case, by=school.headteacher, reason="Nothing found.")
    other = person(school.school, Role.INVESTIGATING_OFFICER)
    event = services.case_reopen(case=case, by=school.headteacher, reason="New screenshots.",
                                 investigating_officer=other)
    assert permissions.can_view_case(other, case)
    assert not permissions.can_view_case(school.investigator, case)
    assert f"{school.investigator.get_full_name()}: view case" in event.details["access"]["revoked"]


def test_the_dsl_gains_access_when_the_case_becomes_a_safeguarding_case(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    assert not permissions.can_view_case(school.dsl, case)
    services.case_refer_to_lado(case=case, by=school.headteacher, allegation="Messages to a pupil.")
    assert permissions.can_view_case(school.dsl, case)


def test_an_hr_adviser_loses_access_the_moment_their_role_ends(client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.hr)
    assert client.get(case.get_absolute_url()).status_code == 200
    Membership.objects.filter(user=school.hr, role=Role.HR_ADVISER).delete()
    assert client.get(case.get_absolute_url()).status_code == 404
    Membership.objects.create(user=school.hr, school=school.school, role=Role.HR_ADVISER)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_an_hr_adviser_who_is_the_subject_sees_nothing_of_their_own_case(procedure, school):
    from incidents.models import StaffMember

    adviser_record = StaffMember.objects.create(school=school.school, user=school.hr, full_name="HR Person")
    case = procedure.report(subject=adviser_record)
    assert not permissions.can_view_case(school.hr, case)
    assert not permissions.can_export_case(school.hr, case)


def test_a_superuser_takes_no_part_in_cases(client, procedure, school):
    case = procedure.case_at(State.REPORTED)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert not permissions.can_view_case(root, case) and not permissions.can_manage_case(root, case)
    with pytest.raises(services.NotPermitted):
        services.case_close_no_case(case=case, by=root, reason="Because I can.")
    client.force_login(root)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert case.reference not in client.get(reverse("incidents:case_list")).content.decode()


def test_resyncing_every_case_changes_nothing_when_grants_are_right(procedure):
    procedure.case_at(State.APPEAL)
    procedure.case_at(State.CONTAINMENT)
    assert access_sync_all() == 0


def test_resyncing_restores_lost_grants_and_records_it(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    CaseUserObjectPermission.objects.filter(content_object=case).delete()
    assert not permissions.can_manage_case(school.headteacher, case)
    assert access_sync_all() == 1
    assert permissions.can_manage_case(school.headteacher, type(case).objects.get(pk=case.pk))
    assert case.events.filter(kind="access_granted").exists()
