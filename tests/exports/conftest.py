import pytest

from incidents.models import Role
from incidents.workflow import State
from tests.factories import SchoolFactory, StaffMemberFactory, person


@pytest.fixture
def register_cases(school, procedure):
    """A case at every stage of the procedure at Rainow, and one case at another school."""
    cases = {state: procedure.case_at(state) for state in State.values}
    other = SchoolFactory(name="Bollington Cross", reference_prefix="BOL")
    other_people = type("P", (), {})()
    other_people.school = other
    other_people.staff = person(other, Role.STAFF)
    other_people.headteacher = person(other, Role.HEADTEACHER)
    other_people.hr = person(other, Role.HR_ADVISER, staff=False)
    other_people.employee = StaffMemberFactory(school=other)
    from tests.procedure import Procedure

    elsewhere = Procedure(other_people, procedure.clock).report()
    return cases, elsewhere, other_people
