"""Roles at schools and staff records' logins change through `incidents.roles`: a school-wide
role re-grants the school's cases in the background, after the change is committed, and every
case's timeline says who changed what, and why."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from incidents import permissions, roles, selectors
from incidents.models import Case, CaseEvent, CaseUserObjectPermission, Membership, Role, StaffMember
from incidents.workflow import State
from tests.factories import SchoolFactory, UserFactory, committed, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", first_name="Sys", last_name="Admin",
                                   is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def worker_queue(settings):
    """Background work waits in the database until the worker runs, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def worker_run() -> None:
    """Run each task waiting in the queue as `manage.py db_worker` does (its loop also closes and
    opens database connections, which a test's transaction does not allow)."""
    for waiting in DBTaskResult.objects.ready():
        waiting.claim("test-worker")
        waiting.set_successful(waiting.task.call(*waiting.task_result.args, **waiting.task_result.kwargs))
    assert not DBTaskResult.objects.ready().exists()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_role_given_in_the_admin_grants_the_schools_cases_in_the_background_in_the_admins_name(
        admin_client, procedure, school, worker_queue):
    cases = [procedure.case_at(State.INVESTIGATION), procedure.report()]
    adviser = UserFactory(first_name="Nia", last_name="Adviser")

    with committed():
        page = admin_client.post(reverse("admin:incidents_membership_add"),
                                 {"user": adviser.pk, "school": school.school.pk, "role": Role.HR_ADVISER},
                                 follow=True)
    told = [str(message) for message in get_messages(page.wsgi_request)]
    assert any("Access to the cases of Rainow Primary School is being updated in the background" in message
               for message in told), told
    assert not any("grant" in message.lower() for message in told)
    # The request gave the role and queued the work: nobody's access has changed yet.
    assert Membership.objects.filter(user=adviser, school=school.school, role=Role.HR_ADVISER).exists()
    assert DBTaskResult.objects.filter(task_path="incidents.grants.access_update_school", status="READY").count() == 1
    assert selectors.case_count(adviser) == 0
    assert not CaseEvent.objects.filter(actor__username="admin").exists()

    worker_run()

    assert selectors.case_count(adviser) == 2
    for case in cases:
        assert permissions.can_view_case(adviser, fresh(case))
        granted = case.events.get(kind=CaseEvent.Kind.ACCESS_GRANTED, actor__username="admin")
        assert granted.details["granted"] == ["Nia Adviser: export case", "Nia Adviser: view case",
                                              "Nia Adviser: view special category"]
        assert granted.details["because"] == "Role “HR adviser” at Rainow Primary School given to Nia Adviser"


def test_ending_a_role_in_the_admin_takes_away_the_access_it_gave(admin_client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    assert permissions.can_view_case(school.hr, case)
    membership = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)

    with committed():
        page = admin_client.post(reverse("admin:incidents_membership_delete", args=[membership.pk]),
                                 {"post": "yes"}, follow=True)

    assert "being updated in the background" in " ".join(str(m) for m in get_messages(page.wsgi_request))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not permissions.can_view_case(school.hr, fresh(case)) and selectors.case_count(school.hr) == 0
    revoked = case.events.get(kind=CaseEvent.Kind.ACCESS_REVOKED)
    assert revoked.actor.username == "admin"
    name = school.hr.get_full_name()
    assert revoked.details["because"] == f"Role “HR adviser” at Rainow Primary School ended for {name}"


def test_a_role_changed_in_the_admin_moves_the_access_with_it(admin_client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    membership = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)
    elsewhere = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")

    with committed():
        moved = admin_client.post(reverse("admin:incidents_membership_change", args=[membership.pk]),
                                  {"school": elsewhere.pk, "role": Role.HR_ADVISER})

    assert moved.status_code == 302
    membership.refresh_from_db()
    assert membership.school == elsewhere and membership.user == school.hr
    assert not permissions.can_view_case(school.hr, fresh(case))
    assert case.events.get(kind=CaseEvent.Kind.ACCESS_REVOKED).actor.username == "admin"


def test_a_role_saved_in_the_admin_that_changes_nothing_regrants_nothing(admin_client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    membership = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)
    events = case.events.count()

    with committed() as callbacks:
        page = admin_client.post(reverse("admin:incidents_membership_change", args=[membership.pk]),
                                 {"school": school.school.pk, "role": Role.HR_ADVISER}, follow=True)

    assert page.status_code == 200 and callbacks == []
    assert "background" not in " ".join(str(m) for m in get_messages(page.wsgi_request))
    assert case.events.count() == events and permissions.can_view_case(school.hr, fresh(case))


def test_a_role_the_person_already_holds_is_refused_in_the_admin_and_nothing_changes(
        admin_client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    events, memberships = case.events.count(), Membership.objects.count()

    with committed() as callbacks:
        page = admin_client.post(reverse("admin:incidents_membership_add"),
                                 {"user": school.hr.pk, "school": school.school.pk, "role": Role.HR_ADVISER})

    assert page.status_code == 200  # the form again, with the reason
    assert f"{school.hr.get_full_name()} is already HR adviser at Rainow Primary School." in page.content.decode()
    assert callbacks == [] and Membership.objects.count() == memberships and case.events.count() == events


def test_the_person_of_a_role_cannot_be_changed_in_the_admin(admin_client, school):
    membership = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)
    admin_client.post(reverse("admin:incidents_membership_change", args=[membership.pk]),
                      {"user": school.staff.pk, "school": school.school.pk, "role": Role.HR_ADVISER})
    membership.refresh_from_db()
    assert membership.user == school.hr


def test_refused_roles_change_nothing(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    events, memberships = case.events.count(), set(Membership.objects.values_list("pk", "user", "school", "role"))
    hr_role = Membership.objects.get(user=school.hr, role=Role.HR_ADVISER)
    dsl_role = Membership.objects.get(user=school.dsl, role=Role.DSL)
    roles.role_give(user=school.dsl, school=school.school, role=Role.HR_ADVISER, by=None)
    second_role = Membership.objects.get(user=school.dsl, role=Role.HR_ADVISER)
    clerk = UserFactory(username="clerk", is_staff=True)  # signs in to the admin, may not change roles

    with committed() as callbacks:
        with pytest.raises(ValidationError, match="is already HR adviser at Rainow Primary School"):
            roles.role_give(user=school.hr, school=school.school, role=Role.HR_ADVISER, by=None)
        with pytest.raises(ValidationError, match="is already HR adviser at Rainow Primary School"):
            roles.role_change(membership=dsl_role, role=Role.HR_ADVISER, by=None)
        with pytest.raises(ValidationError, match="is not a role"):
            roles.role_give(user=school.staff, school=school.school, role="caretaker", by=None)
        with pytest.raises(PermissionDenied, match="may not change people's roles"):
            roles.role_give(user=school.staff, school=school.school, role=Role.HR_ADVISER, by=clerk)
        with pytest.raises(PermissionDenied, match="may not change people's roles"):
            roles.role_end(membership=hr_role, by=clerk)

    assert callbacks == []  # the refusals queued nothing
    assert set(Membership.objects.values_list("pk", "user", "school", "role")) == memberships | {
        (second_role.pk, school.dsl.pk, school.school.pk, Role.HR_ADVISER)}
    assert case.events.count() == events


def test_linking_a_staff_record_to_a_login_in_the_admin_takes_away_that_persons_access_at_once(
        admin_client, procedure, school):
    adviser = person(school.school, Role.HR_ADVISER, staff=False)
    case = procedure.report(subject=school.employee)
    other = procedure.report(subject=StaffMember.objects.get(user=school.staff2))
    assert permissions.can_view_case(adviser, case)
    employee = school.employee

    changed = admin_client.post(reverse("admin:incidents_staffmember_change", args=[employee.pk]), {
        "school": school.school.pk, "user": adviser.pk, "full_name": "Alex Employee", "job_title": "Teacher",
        "email": "", "line_manager": "", "letter_format": StaffMember.LetterFormat.STANDARD})

    assert changed.status_code == 302
    employee.refresh_from_db()
    assert employee.user == adviser and employee.job_title == "Teacher"
    assert not CaseUserObjectPermission.objects.filter(content_object=case, user=adviser).exists()
    assert permissions.can_view_case(adviser, fresh(other))  # the cases about someone else are unchanged
    revoked = case.events.get(kind=CaseEvent.Kind.ACCESS_REVOKED)
    assert revoked.actor.username == "admin"
    assert revoked.details["because"] == "Staff record of Alex Employee linked to a login"
    assert not other.events.filter(kind=CaseEvent.Kind.ACCESS_REVOKED).exists()


def test_unlinking_a_staff_record_gives_back_what_the_persons_roles_give(procedure, school):
    adviser = person(school.school, Role.HR_ADVISER, staff=False)
    case = procedure.report(subject=school.employee)
    roles.staff_record_link(staff=school.employee, user=adviser, by=None)
    assert not permissions.can_view_case(adviser, fresh(case))

    roles.staff_record_link(staff=school.employee, user=None, by=None)

    assert permissions.can_view_case(adviser, fresh(case))
    granted = case.events.filter(kind=CaseEvent.Kind.ACCESS_GRANTED).last()
    assert granted.details["because"] == "Staff record of Alex Employee no longer linked to a login"


def test_a_login_with_a_staff_record_at_the_school_is_refused_for_another_and_nothing_changes(
        admin_client, procedure, school):
    case = procedure.report(subject=school.employee)
    events = case.events.count()
    with pytest.raises(ValidationError, match="already has a staff record at Rainow Primary School"):
        roles.staff_record_link(staff=school.employee, user=school.staff, by=None)

    page = admin_client.post(reverse("admin:incidents_staffmember_change", args=[school.employee.pk]), {
        "school": school.school.pk, "user": school.staff.pk, "full_name": "Someone Else", "job_title": "Teacher",
        "email": "", "line_manager": "", "letter_format": StaffMember.LetterFormat.STANDARD})

    assert page.status_code == 200 and "already has a staff record at Rainow Primary School" in page.content.decode()
    school.employee.refresh_from_db()
    assert school.employee.user is None and school.employee.full_name == "Alex Employee"
    assert case.events.count() == events


def test_linking_the_login_a_record_already_has_changes_nothing(procedure, school):
    record = StaffMember.objects.get(user=school.staff)
    case = procedure.report(subject=record, reporter=school.staff2)
    events = case.events.count()
    roles.staff_record_link(staff=record, user=school.staff, by=None)
    assert case.events.count() == events

