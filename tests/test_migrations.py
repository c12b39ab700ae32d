"""Data migrations carry what a school already holds to the new shape."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import CaseGroupObjectPermission, CaseUserObjectPermission, StaffMember
from incidents.workflow import State

BEFORE, AFTER = ("incidents", "0004_exports"), ("incidents", "0005_case_reported_at_grants_per_person")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_grants_held_through_a_school_role_group_become_each_members_own(procedure, school):
    """Before 0005, HR advisers and safeguarding leads held their permissions on cases through a
    group per school and role; afterwards each member holds them, never on a case about them."""
    about_dsl = procedure.case_at(State.INVESTIGATION, subject=StaffMember.objects.get(user=school.dsl),
                                  safeguarding=True)
    other = procedure.case_at(State.REPORTED, safeguarding=True)
    migrate_to(BEFORE)
    held_before = set(CaseUserObjectPermission.objects.values_list("content_object_id", "user_id", "permission_id"))
    # What 0004 kept instead: the school-wide grants, in a group for each school and role, the
    # safeguarding lead's on the case about them too.
    CaseUserObjectPermission.objects.filter(user__in=[school.hr, school.dsl]).delete()
    for role, member, codenames in (("hr_adviser", school.hr, ("view_case", "export_case")),
                                    ("dsl", school.dsl, ("view_case", "refer_safeguarding"))):
        group = Group.objects.create(name=f"RAI: {role}")
        member.groups.add(group)
        for case in (about_dsl, other):
            for codename in codenames:
                CaseGroupObjectPermission.objects.create(
                    content_object=case, group=group, permission=Permission.objects.get(codename=codename))

    migrate_to(AFTER)

    held_after = set(CaseUserObjectPermission.objects.values_list("content_object_id", "user_id", "permission_id"))
    assert held_after == held_before
    assert not CaseGroupObjectPermission.objects.exists()
    assert not Group.objects.filter(name__startswith="RAI: ").exists()
    assert not CaseUserObjectPermission.objects.filter(content_object=about_dsl, user=school.dsl).exists()
