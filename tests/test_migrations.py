"""Data migrations carry what a school already holds to the new shape."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, StaffMember
from incidents.workflow import State

BEFORE, AFTER = ("incidents", "0004_exports"), ("incidents", "0005_case_reported_at_grants_per_person")


def migrate_to(target=None):
    """Migrate the test database to `target`, or to the latest migrations."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_grants_held_through_a_school_role_group_become_each_members_own(procedure, school):
    """Before 0005, HR advisers and safeguarding leads held their permissions on cases through a
    group per school and role; afterwards each member holds them, never on a case about them."""
    about_dsl = procedure.case_at(State.INVESTIGATION, subject=StaffMember.objects.get(user=school.dsl),
                                  safeguarding=True)
    other = procedure.case_at(State.REPORTED, safeguarding=True)
    migrate_to(BEFORE)
    held_before = set(CaseUserObjectPermission.objects.values_list(
        "content_object_id", "user_id", "permission__codename"))
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

    def held():
        return set(CaseUserObjectPermission.objects.values_list("content_object_id", "user_id", "permission__codename"))

    assert not CaseGroupObjectPermission.objects.exists()
    assert not Group.objects.filter(name__startswith="RAI: ").exists()
    assert not CaseUserObjectPermission.objects.filter(content_object=about_dsl, user=school.dsl).exists()
    # view_special_category came later (0006): `sync_access` grants it after the upgrade.
    later = {(case, user, codename) for case, user, codename in held_before
             if codename == "view_special_category" and user in (school.hr.pk, school.dsl.pk)}
    assert held() == held_before - later
    migrate_to()
    call_command("sync_access", stdout=StringIO())
    assert held() == held_before


@pytest.mark.django_db(transaction=True)
def test_an_investigation_open_before_the_upgrade_gets_its_target_from_the_day_it_opened(procedure, school):
    """0012 added the investigation's target date: one already open is given it, counted from the
    day it opened (Monday 2 March: 20 working days, Monday 30 March), as if opened afterwards."""
    investigating = procedure.case_at(State.INVESTIGATION)
    reported = procedure.case_at(State.REPORTED)
    migrate_to(("incidents", "0011_letter_delivery"))
    migrate_to()
    dates = dict(Case.objects.values_list("pk", "investigation_due_on"))
    assert dates[investigating.pk] == date(2026, 3, 30) and dates[reported.pk] is None
