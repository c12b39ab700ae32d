"""The demo trust: two schools, a person in every role, and cases at every stage of the procedure.

`demo_seed()` is what `python manage.py seed_demo` runs. It is safe to run again: the
policy, the schools, the people and their roles are updated in place (every demo login
gets the demo password back), and a school's demo cases are created only when that
school has no case yet.

- `incidents.demo.people`: the schools, the logins and their roles, the employees, the policy;
- `incidents.demo.scenarios`: the cases, each built through `incidents.services` as a person
  would take each step, on the project's clock stopped at the moment the step was taken. The
  history is laid out in working days before today, so it stays believable whenever the
  command is run: the oldest case was reported about twelve weeks ago, hearings and appeals
  still to come are in the next few days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction

from incidents import clock
from incidents.demo.people import (
    BOLLINGTON,
    DEMO_PASSWORD,
    LONDON,
    RAINOW,
    acknowledgements_update,
    admin_update,
    people_update,
    policy_load,
    schools_update,
)
from incidents.demo.scenarios import BOLLINGTON_CASES, RAINOW_CASES, Demo, run_on_one_clock
from incidents.grants import access_sync_all
from incidents.models import Policy, School

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()

__all__ = ["DEMO_PASSWORD", "DemoResult", "demo_seed"]


@dataclass
class DemoResult:
    """What `demo_seed` did, for the command to report."""

    schools: list[School]
    policy: Policy
    admin: User
    users: list[User]
    cases_created: dict[str, int] = field(default_factory=dict)  # school name -> cases created now
    cases_existing: dict[str, int] = field(default_factory=dict)  # school name -> cases already there


@transaction.atomic
def demo_seed(*, password: str = DEMO_PASSWORD, now: datetime | None = None) -> DemoResult:
    """Load the policy and create (or bring back) the demo trust, its people and its cases, the
    last step of which is at `now` at the latest (by default, the clock's now).

    All of it lands or none of it does. Every demo login, the system administrator
    included, gets `password`.
    """
    now = (now or clock.now()).astimezone(LONDON)
    policy = policy_load()
    schools = schools_update(policy)
    users = people_update(schools, password)
    acknowledgements_update(schools, users)
    admin = admin_update(password)

    result = DemoResult(schools=list(schools.values()), policy=policy, admin=admin, users=list(users.values()))
    demo = Demo(schools=schools, users=users, policy=policy, now=now)
    scenarios: list[Iterator[datetime]] = []
    for prefix, school_scenarios in ((RAINOW, RAINOW_CASES), (BOLLINGTON, BOLLINGTON_CASES)):
        school = schools[prefix]
        existing = school.cases.count()
        if existing:
            result.cases_existing[school.name] = existing
            continue
        scenarios += [scenario(demo) for scenario in school_scenarios]
        result.cases_created[school.name] = len(school_scenarios)
    run_on_one_clock(scenarios, now=now)
    # Cases seeded before object permissions existed get theirs; new ones already have them.
    access_sync_all()
    return result
