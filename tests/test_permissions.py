"""Object permissions (django-guardian) follow the case: granted and revoked by its steps."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from incidents import grants, permissions, roles, selectors, services
from incidents.audit import audit_verify
from incidents.grants import access_sync_all
from incidents.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Membership, Role, StaffMember
from incidents.workflow import State, inputs
from tests.factories import SchoolFactory, UserFactory, clause, committed, person

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
    for someone in (school.headteacher, school.investigator, school.hr):
        assert someone.has_perm("incidents.view_special_category", case)
    assert not school.dsl.has_perm("incidents.view_special_category", case)  # not a safeguarding case


def test_appointing_an_investigating_officer_grants_access_and_the_event_says_so(procedure, school):
    case = procedure.case_at(State.REPORTED)
    assert not permissions.can_view_case(school.investigator, case)
    event = services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
        investigating_officer=school.investigator))
    assert permissions.can_view_case(school.investigator, case)
    name = school.investigator.get_full_name()
    assert f"{name}: view case" in event.details["access"]["granted"]
    assert f"{name}: investigate case" in event.details["access"]["granted"]


def test_replacing_the_investigating_officer_on_reopening_revokes_the_first(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    services.step_take(case=case, by=school.headteacher, given=inputs.CloseNoCase(reason="Nothing found."))
    other = person(school.school, Role.INVESTIGATING_OFFICER)
    event = services.step_take(case=case, by=school.headteacher, given=inputs.Reopen(
        reason="New screenshots.", investigating_officer=other))
    assert permissions.can_view_case(other, case)
    assert not permissions.can_view_case(school.investigator, case)
    assert f"{school.investigator.get_full_name()}: view case" in event.details["access"]["revoked"]


def test_the_dsl_gains_access_when_the_case_becomes_a_safeguarding_case(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    assert not permissions.can_view_case(school.dsl, case)
    services.step_take(case=case, by=school.headteacher, given=inputs.DecideHarmThreshold(
        harmed=False, offence=False, risk=True, unsuitable=False, reasons="Messages to a pupil."))
    assert permissions.can_view_case(school.dsl, case)


def test_an_hr_adviser_loses_access_the_moment_their_role_ends(client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.hr)
    assert client.get(case.get_absolute_url()).status_code == 200
    with committed():
        roles.role_end(membership=Membership.objects.get(user=school.hr, role=Role.HR_ADVISER), by=None)
    assert client.get(case.get_absolute_url()).status_code == 404
    revoked = case.events.get(kind="access_revoked")
    assert revoked.details["because"].startswith("Role “HR adviser” at Rainow Primary School ended for")
    with committed():
        roles.role_give(user=school.hr, school=school.school, role=Role.HR_ADVISER, by=None)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_an_hr_role_changed_to_another_role_or_school_takes_away_the_access_it_gave(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    membership = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)
    with committed():
        roles.role_change(membership=membership, role=Role.STAFF, by=None)
    assert not permissions.can_view_case(school.hr, type(case).objects.get(pk=case.pk))
    revoked = case.events.get(kind="access_revoked")
    assert revoked.details["because"].startswith("Role “HR adviser” at Rainow Primary School ended for")

    with committed():
        roles.role_change(membership=membership, role=Role.HR_ADVISER, by=None)
    assert permissions.can_view_case(school.hr, type(case).objects.get(pk=case.pk))
    with committed():
        roles.role_change(membership=membership, school=SchoolFactory(name="Bollington Cross", reference_prefix="BOL"),
                          by=None)
    assert not permissions.can_view_case(school.hr, type(case).objects.get(pk=case.pk))
    assert selectors.case_count(school.hr) == 0


def test_an_hr_adviser_who_is_the_subject_sees_nothing_of_their_own_case(procedure, school):
    adviser_record = StaffMember.objects.create(school=school.school, user=school.hr, full_name="HR Person")
    case = procedure.report(subject=adviser_record)
    assert not permissions.can_view_case(school.hr, case)
    assert not permissions.can_export_case(school.hr, case)
    assert not CaseUserObjectPermission.objects.filter(content_object=case, user=school.hr).exists()
    assert case not in selectors.cases_visible_to(school.hr) and selectors.case_count(school.hr) == 0


def test_a_new_hr_adviser_is_granted_every_case_of_the_school_and_each_timeline_says_so(procedure, school):
    cases = [procedure.case_at(State.INVESTIGATION), procedure.case_at(State.REPORTED)]
    adviser = UserFactory(first_name="Nia", last_name="Adviser")
    assert selectors.case_count(adviser) == 0
    with committed():
        roles.role_give(user=adviser, school=school.school, role=Role.HR_ADVISER, by=None)
    assert set(selectors.cases_visible_to(adviser)) == set(cases) and selectors.case_count(adviser) == 2
    for case in cases:
        event = case.events.get(kind="access_granted")
        assert event.details["granted"] == ["Nia Adviser: export case", "Nia Adviser: view case",
                                            "Nia Adviser: view special category"]
        assert event.details["because"] == f"Role “HR adviser” at {school.school} given to Nia Adviser"
        assert event.actor is None


def test_giving_a_role_at_a_school_costs_the_same_queries_for_many_cases_as_for_few(procedure, school, monkeypatch):
    monkeypatch.setattr(grants, "BATCH", 4)

    def give_role() -> int:
        adviser = UserFactory()
        with CaptureQueriesContext(connection) as captured, committed():
            roles.role_give(user=adviser, school=school.school, role=Role.HR_ADVISER, by=None)
        assert selectors.case_count(adviser) == Case.objects.count()
        return len(captured)

    cases = [procedure.case_at(State.APPEAL)]
    one = give_role()
    cases += [procedure.case_at(State.HEARING_SCHEDULED), procedure.report(), procedure.case_at(State.CLOSED)]
    assert give_role() == one  # four cases, one batch: the same queries as for one case
    # every case's timeline says so, each event chained after the one before it
    assert [case.events.filter(kind="access_granted").count() for case in cases] == [2, 1, 1, 1]
    assert all(case.events.last().kind == "access_granted" for case in cases)
    assert audit_verify() is None


def test_an_hr_adviser_of_another_school_is_granted_nothing_here(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    elsewhere = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")
    adviser = person(elsewhere, Role.HR_ADVISER, staff=False)
    assert not permissions.can_view_case(adviser, case) and selectors.case_count(adviser) == 0
    assert not case.events.filter(kind="access_granted").exists()


def test_a_dsl_who_is_the_subject_of_a_safeguarding_case_gets_no_access_to_it(procedure, school):
    own_record = StaffMember.objects.get(user=school.dsl)
    about_dsl = procedure.report(subject=own_record, clauses=[clause("c")])
    other = procedure.report(clauses=[clause("c")])
    assert about_dsl.safeguarding and other.safeguarding
    assert list(selectors.cases_visible_to(school.dsl)) == [other]
    assert not permissions.can_refer_safeguarding(school.dsl, about_dsl)


def test_linking_a_staff_record_to_a_login_takes_away_that_persons_access_to_cases_about_them(
        procedure, school):
    adviser = person(school.school, Role.HR_ADVISER, staff=False)
    case = procedure.report(subject=school.employee)
    assert permissions.can_view_case(adviser, case)
    roles.staff_record_link(staff=school.employee, user=adviser, by=None)
    case = type(case).objects.get(pk=case.pk)
    assert not CaseUserObjectPermission.objects.filter(content_object=case, user=adviser).exists()
    assert selectors.case_count(adviser) == 0
    revoked = case.events.get(kind="access_revoked")
    assert revoked.details["because"] == "Staff record of Alex Employee linked to a login"


def test_a_superuser_takes_no_part_in_cases(client, procedure, school):
    case = procedure.case_at(State.REPORTED)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert not permissions.can_view_case(root, case) and not permissions.can_manage_case(root, case)
    with pytest.raises(services.NotPermitted):
        services.step_take(case=case, by=root, given=inputs.CloseNoCase(reason="Because I can."))
    client.force_login(root)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert case.reference not in client.get(reverse("incidents:case_list")).content.decode()


def test_resyncing_every_case_changes_nothing_when_grants_are_right(procedure):
    procedure.case_at(State.APPEAL)
    procedure.case_at(State.CONTAINMENT)
    assert access_sync_all() == 0


def test_resyncing_restores_lost_grants_removes_stray_ones_and_records_both(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    CaseUserObjectPermission.objects.filter(content_object=case).delete()
    CaseUserObjectPermission.objects.create(content_object=case, user=school.staff2,
                                            permission_id=permissions.permission_id("view_case"))
    assert not permissions.can_manage_case(school.headteacher, case)
    assert access_sync_all() == 1
    case = type(case).objects.get(pk=case.pk)
    assert permissions.can_manage_case(school.headteacher, case)
    assert not permissions.can_view_case(school.staff2, case)
    granted, revoked = case.events.order_by("-sequence")[1], case.events.last()
    assert granted.kind == "access_granted" and revoked.kind == "access_revoked"
    assert revoked.details["revoked"] == [f"{school.staff2.get_full_name()}: view case"]
    assert audit_verify() is None
