"""One reading rule: what each reader may see of a case, for the case page, the bundles, the
reporter's page and subject access alike."""

import pytest

from incidents import services
from incidents.permissions import (
    NOTHING,
    own_report_reading,
    reading_for,
    reading_for_audience,
    reading_for_subject_access,
)
from incidents.workflow import LadoOutcome
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard_after_the_lado(school, procedure, take):
    """A safeguarding case the LADO sent back to be investigated, before a governor's hearing,
    with evidence from the reporter and from the investigating officer."""
    case = procedure.report()
    services.evidence_add(case=case, by=school.staff, file=upload("reported.png", png_bytes()))
    procedure.decide_harm_threshold(case, met=True)
    take("refer_to_lado", case, school.headteacher, allegation="Accepted a pupil's friend request.")
    take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.UNSUBSTANTIATED,
         advice="Manage internally.", investigate=True, investigating_officer=school.investigator)
    services.evidence_add(case=case, by=school.investigator, file=upload("notes.png", png_bytes()))
    procedure.refer_to_hearing(case, panel=[school.governor])
    return case


def test_a_panels_bundle_is_read_as_the_panel_reads_the_case_page(school, heard_after_the_lado):
    case = heard_after_the_lado
    panel = reading_for(school.governor, case)
    assert panel == reading_for_audience(case, "hearing")
    assert panel.whole_case and not panel.special_category and not panel.technical_appendix
    assert not any(letter.kind == "lado_referral" for letter in panel.letters(case))
    assert reading_for(school.hr, case) == reading_for_audience(case, "tribunal")
    assert any(letter.kind == "lado_referral" for letter in reading_for_audience(case, "tribunal").letters(case))


def test_the_reporter_reads_only_what_they_gave_and_the_letters_to_them(school, heard_after_the_lado):
    case = heard_after_the_lado
    reporter = reading_for(school.staff, case)
    assert not reporter.whole_case and not reporter.special_category
    assert [item.original_name for item in reporter.evidence(case)] == ["reported.png"]
    assert {letter.kind for letter in reporter.letters(case)} == {"acknowledgement"}
    assert own_report_reading(school.staff, case) == reporter
    assert [item.original_name for item in reading_for(school.headteacher, case).evidence(case)] == [
        "reported.png", "notes.png"]


def test_those_with_no_part_read_nothing(school, heard_after_the_lado):
    case = heard_after_the_lado
    for outsider in (school.staff2, school.governor2):
        reading = reading_for(outsider, case)
        assert reading == NOTHING and not reading.evidence(case).exists() and reading.letters(case) == []


def test_subject_access_gives_the_employee_everything_about_them_and_the_reporter_their_report(
        school, heard_after_the_lado):
    case = heard_after_the_lado
    employee = reading_for_subject_access(school.employee, case)
    assert employee.whole_case and employee.special_category and not employee.technical_appendix
    reporter = reading_for_subject_access(school.staff.staff_records.get(), case)
    assert reporter == reading_for(school.staff, case)
    governor = reading_for_subject_access(school.governor.staff_records.get(), case)
    assert governor == reading_for(school.governor, case)
