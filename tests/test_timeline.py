"""One presenter: a case's timeline in plain words, the same on the case page, in the case
bundle and in the subject access export for the same reader."""

import json
import re
import zipfile
from datetime import datetime, timedelta

import pytest

from incidents import clock
from incidents.exports.bundle import bundle_parts
from incidents.exports.subject_access import subject_access_build
from incidents.exports.subject_access_requests import subject_access_request_record
from incidents.permissions import Reading, reading_for, reading_for_audience
from incidents.timeline import date_words, moment_words, timeline_for
from incidents.workflow import LadoOutcome, Outcome, State
from tests.procedure import HEARING_AT, LONDON

pytestmark = pytest.mark.django_db


def test_times_are_written_in_the_schools_time_zone():
    assert moment_words("2026-12-08T10:00:00Z") == "Tuesday 8 December 2026, 10:00"
    assert moment_words("2026-06-09T09:00:00Z") == "Tuesday 9 June 2026, 10:00"  # British Summer Time
    assert date_words("2026-12-08") == "8 December 2026"


def test_each_step_reads_in_plain_words(school, procedure, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    take("reschedule", case, case.case_manager, hearing_at=HEARING_AT + timedelta(days=1))
    procedure.clock.move_to(HEARING_AT + timedelta(days=1, hours=3), tick=False)
    take("record_outcome", case, school.headteacher, outcome=Outcome.FINAL_WRITTEN_WARNING)
    entries = timeline_for(case, reading_for(school.hr, case))
    text = json.dumps([[entry.who, entry.what, entry.change, entry.details] for entry in entries],
                      ensure_ascii=False)
    assert "Refer to a disciplinary hearing" in text and "Investigation → Hearing scheduled" in text
    assert "Tuesday 10 March 2026, 10:00" in text and "Wednesday 11 March 2026, 10:00" in text
    assert "The employee's companion cannot attend" in text.replace("’", "'")
    assert "Final written warning" in text and "final_written_warning" not in text
    assert re.search(r"Invitation to a disciplinary hearing \(RAI-2026-\d{4}/HRG-1\), to Alex Employee", text)
    assert school.headteacher.get_full_name() in text and school.investigator.get_full_name() in text
    for code in ("T10:00:00", "companion_unavailable", "view case", "sha256", '"id"'):
        assert code not in text, code
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text)


def test_grants_hashes_and_record_numbers_are_only_in_the_technical_appendix(school, procedure):
    case = procedure.case_at(State.INVESTIGATION)
    hr = reading_for(school.hr, case)
    plain = timeline_for(case, hr)
    technical = timeline_for(case, hr, technical=True)
    assert not any(label in ("Access", "Hash", "Record number") for entry in plain for label, _ in entry.details)
    details = dict(technical[0].details)
    assert details["Record number"] == "1" and details["Hash"] == case.events.get(sequence=1).hash
    assert "view case" in details["Access"]
    with pytest.raises(ValueError):
        timeline_for(case, reading_for(school.headteacher, case), technical=True)


def test_a_reporter_reads_only_their_own_part(school, procedure):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    entries = timeline_for(case, Reading(reader=school.staff.pk))
    assert [entry.what for entry in entries] == ["Reported"]
    assert all(label != "Case manager" for label, _ in entries[0].details)


def test_the_case_page_the_bundle_and_subject_access_show_the_same_timeline(client, school, procedure, take):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_outcome", case, school.headteacher, lado_outcome=LadoOutcome.UNSUBSTANTIATED,
         advice="Manage internally.", investigate=True, investigating_officer=school.investigator)
    procedure.refer_to_hearing(case, panel=[school.governor])

    def shown(entries):
        return [(entry.when_words, entry.who, entry.what, entry.change, list(entry.details)) for entry in entries]

    client.force_login(school.governor)  # on the hearing panel: no special category data
    page = client.get(case.get_absolute_url())
    on_the_page = shown(page.context["timeline"])
    in_the_bundle = shown(bundle_parts(case, reading_for_audience(case, "hearing"))["chronology"])
    request = subject_access_request_record(staff=school.governor.staff_records.get(), received_on=clock.today(),
                                            received_how="email", by=school.hr)
    made = subject_access_build(request=request, by=school.hr, redact_others=False,
                                not_redacted_reason="The governor acted in their role at the school.",
                                lado_considered=True)  # the LADO has advised; the case is still open
    held = json.loads(zipfile.ZipFile(made.file).read("subject-access.json"))["cases"][0]["timeline"]
    in_subject_access = [(e["when_words"], e["who"], e["what"], e["change"],
                          [(d["label"], d["text"]) for d in e["details"]]) for e in held]
    assert on_the_page == in_the_bundle == in_subject_access
    assert ("Details", "Special category data, shown to those who need it") in on_the_page[1][4]
    html = page.content.decode()
    for when, _, what, _, _ in on_the_page:
        assert when in html and what.replace("'", "&#x27;") in html


def test_hr_finds_who_was_given_access_in_the_case_pages_technical_record_and_the_case_manager_does_not(
        client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.hr)
    page = client.get(case.get_absolute_url()).content.decode()
    technical = page.split("Technical record:")[1]
    assert school.investigator.get_full_name() in technical and "investigate case" in technical
    client.force_login(school.headteacher)
    assert "Technical record:" not in client.get(case.get_absolute_url()).content.decode()


def test_the_case_page_says_plainly_when_a_deadline_is_overdue(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    client.force_login(school.headteacher)
    assert "Overdue" not in client.get(case.get_absolute_url()).content.decode()
    procedure.clock.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Content to be removed, Tuesday 3 March 2026" in page
    assert "Overdue</strong> (2 working days late)" in page
