"""Retention: each rule's date, legal holds, and apply_retention's dry run and real run."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import DateField, Value
from django.db.utils import DatabaseError
from django.urls import reverse

from incidents import services
from incidents.audit import audit_verify
from incidents.exports.register import NAMES, register_rows
from incidents.exports.sql import PlusMonths
from incidents.models import Case, CaseEvent, Evidence, LegalHold, Letter, RetentionRecord
from incidents.retention import cases_due, legal_hold_place, retention_for
from incidents.workflow import Closure, LadoOutcome, Outcome, State, inputs
from tests.procedure import LONDON
from tests.views.test_reporting import png_bytes, upload

pytestmark = pytest.mark.django_db


def closed(procedure, **fields) -> Case:
    """A case closed (no case to answer) on Monday 2 March 2026, the day it was reported; `fields`
    then set as a later step would have (the rules read only the fields)."""
    case = procedure.case_at(State.CLOSED)
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
        case.refresh_from_db()
    return case


def register_row(case: Case) -> dict:
    return dict(zip(NAMES, register_rows(Case.objects.filter(pk=case.pk), guard=False).get(), strict=True))


RULE_DATES = [
    ("no case to answer", {}, date(2026, 9, 2), "No case to answer"),
    ("management advice", {"outcome": Outcome.MANAGEMENT_ADVICE}, date(2026, 9, 2), "Management advice"),
    ("management advice closure", {"closure": Closure.MANAGEMENT_ADVICE}, date(2026, 9, 2), "Management advice"),
    ("first written warning", {"outcome": Outcome.FIRST_WRITTEN_WARNING, "warning_expires_on": date(2026, 9, 10)},
     date(2027, 3, 10), "A written warning"),
    ("final written warning", {"outcome": Outcome.FINAL_WRITTEN_WARNING, "warning_expires_on": date(2027, 3, 10)},
     date(2027, 9, 10), "A written warning"),
    ("dismissal", {"outcome": Outcome.SUMMARY_DISMISSAL}, date(2032, 3, 2), "A dismissal"),
    ("compromised account", {"kind": Case.Kind.COMPROMISED_ACCOUNT}, date(2027, 3, 2), "A compromised account"),
    ("low-level concern", {"closure": Closure.LOW_LEVEL_CONCERN}, date(2032, 3, 2), "Kept six years"),
    ("false", {"safeguarding": True, "lado_outcome": LadoOutcome.FALSE}, date(2026, 3, 2),
     "A false or malicious allegation: removed when the case ends"),
    ("malicious", {"safeguarding": True, "lado_outcome": LadoOutcome.MALICIOUS}, date(2026, 3, 2),
     "A false or malicious allegation"),
    ("substantiated, no date of birth", {"safeguarding": True, "lado_outcome": LadoOutcome.SUBSTANTIATED},
     date(2036, 3, 2), "no date of birth is recorded"),
    ("unfounded, no date of birth", {"safeguarding": True, "lado_outcome": LadoOutcome.UNFOUNDED},
     date(2036, 3, 2), "ten years from the allegation"),
]


@pytest.mark.parametrize(("name", "fields", "until", "words"), RULE_DATES, ids=[r[0] for r in RULE_DATES])
def test_each_rule_gives_its_date_on_the_case_page_and_in_the_register(procedure, name, fields, until, words):
    case = closed(procedure, **fields)
    retention = retention_for(case)
    assert retention.until == until
    assert words in retention.rule
    assert register_row(case)["retain_until"] == until


@pytest.mark.parametrize(("born", "until"), [
    (date(1980, 5, 10), date(2047, 5, 10)),  # pension age (67) comes after ten years
    (date(1965, 6, 15), date(2036, 3, 2)),  # ten years from the allegation come after pension age
])
@pytest.mark.parametrize("outcome", [LadoOutcome.SUBSTANTIATED, LadoOutcome.UNSUBSTANTIATED, LadoOutcome.UNFOUNDED])
def test_a_safeguarding_allegation_is_kept_to_pension_age_or_ten_years_whichever_is_longer(
        school, procedure, born, until, outcome):
    school.employee.date_of_birth = born
    school.employee.save()
    case = closed(procedure, safeguarding=True, lado_outcome=outcome)
    retention = retention_for(case)
    assert retention.until == until
    assert "normal pension age or ten years" in retention.rule and "no date of birth" not in retention.rule
    assert register_row(case)["retain_until"] == until


def test_the_school_sets_its_own_periods(school, procedure):
    school.school.retain_no_case_months = 1
    school.school.retain_dismissal_years = 7
    school.school.save()
    assert retention_for(closed(procedure)).until == date(2026, 4, 2)
    assert retention_for(closed(procedure, outcome=Outcome.DISMISSAL_WITH_NOTICE)).until == date(2033, 3, 2)


def test_an_open_case_has_no_retention_date(school, procedure):
    case = procedure.case_at(State.INVESTIGATION)
    assert retention_for(case).until is None
    assert register_row(case)["retain_until"] is None


def test_months_end_on_the_last_day_of_a_shorter_month(procedure):
    case = closed(procedure)
    day, leap = Case.objects.filter(pk=case.pk).annotate(
        day=PlusMonths(Value(date(2026, 1, 31), output_field=DateField()), Value(1)),
        leap=PlusMonths(Value(date(2028, 2, 29), output_field=DateField()), Value(12)),
    ).values_list("day", "leap").get()
    assert (day, leap) == (date(2026, 2, 28), date(2029, 2, 28))


# --- apply_retention ---------------------------------------------------------------------------

@pytest.fixture
def cases(school, procedure):
    """On 2 March 2026: a case closed with evidence and letters (due on 3 September), one closed and
    held, one still open, one closed later (not due yet)."""
    due = procedure.report()
    evidence = services.evidence_add(case=due, by=school.staff, file=upload("shot.png", png_bytes()))
    services.step_take(case=due, by=due.case_manager, given=inputs.OpenInvestigation(
        investigating_officer=school.investigator))
    services.step_take(case=due, by=due.case_manager, given=inputs.CloseNoCase(reason="Not made by staff."))
    held = closed(procedure)
    legal_hold_place(case=held, by=school.hr, reason="An employment tribunal claim is expected.", until=None)
    still_open = procedure.case_at(State.INVESTIGATION)
    procedure.clock.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), tick=False)
    later = procedure.report()
    services.step_take(case=later, by=later.case_manager, given=inputs.CloseNoCase(reason="Not made by staff."))
    procedure.clock.move_to(datetime(2026, 9, 3, 9, 0, tzinfo=LONDON), tick=False)
    return {"due": due, "evidence": evidence, "held": held, "open": still_open, "later": later}


def counts():
    return (CaseEvent.objects.count(), Evidence.objects.count(), Letter.objects.count(),
            list(Case.objects.order_by("pk").values_list("description", flat=True)))


def test_the_dry_run_lists_what_is_due_and_why_and_changes_nothing(cases):
    before = counts()
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"{cases['due'].reference}: would remove its names, free text, timeline details, evidence" in text
    assert "No case to answer or no further action" in text and "kept until 2 September 2026" in text
    assert f"{cases['held'].reference}: kept under a legal hold" in text
    assert "An employment tribunal claim is expected." in text
    assert cases["open"].reference not in text and cases["later"].reference not in text
    assert "Nothing was changed" in text
    assert counts() == before
    assert not RetentionRecord.objects.exists()


def test_the_real_run_removes_files_and_personal_data_and_keeps_a_counted_skeleton(school, cases):
    case = cases["due"]
    storage = storages["private"]
    files = [cases["evidence"].file.name, cases["evidence"].safe_file.name]
    files += [letter.pdf.name for letter in case.letters.all()]
    assert len(files) >= 3 and all(storage.exists(name) for name in files)
    old_events = list(case.events.order_by("sequence"))
    held_before = list(cases["held"].events.values_list("hash", flat=True))
    open_before = list(cases["open"].events.values_list("hash", flat=True))

    out = StringIO()
    with transaction.atomic():  # the files go once the removal commits
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("apply_retention", stdout=out)
    assert f"{case.reference}: removed" in out.getvalue()
    assert "1 case(s) anonymised, 1 kept under a legal hold" in out.getvalue()

    assert not any(storage.exists(name) for name in files)
    case.refresh_from_db()
    assert not case.evidence.exists() and not case.letters.exists()
    assert case.description == "" and case.content_url == "" and case.subject is None
    assert case.investigating_officer is None and case.investigation_findings == ""
    # the skeleton: school, kind, stage, closure and the stages' dates
    assert (case.school, case.kind, case.state, case.closure) == (school.school, Case.Kind.BREACH, State.CLOSED,
                                                                  Closure.NO_CASE)
    events = list(case.events.order_by("sequence"))
    assert [e.to_state for e in events if e.kind == CaseEvent.Kind.TRANSITION] == [State.INVESTIGATION, State.CLOSED]
    assert all(e.note == "" and e.actor_id is None for e in events)
    assert "Not made by staff." not in str([e.details for e in events])
    assert events[-1].kind == CaseEvent.Kind.RETENTION_APPLIED
    assert events[-1].details["previous_chain"] == {"events": len(old_events), "head": old_events[-1].hash}
    # the log
    record = RetentionRecord.objects.get()
    assert (record.case, record.rule, record.retain_until) == (case, "no_case", date(2026, 9, 2))
    assert record.chain_head == old_events[-1].hash and record.chain_events == len(old_events)
    assert record.removed["files"] == len(files)
    # every chain still verifies, and the register still counts the case
    assert audit_verify() is None
    call_command("verify_audit", stdout=StringIO())
    row = register_row(case)
    assert row["stage"] == "Closed" and row["reported_on"] == date(2026, 3, 2)
    assert row["closed_on"] == date(2026, 3, 2) and row["investigation_on"] == date(2026, 3, 2)
    assert row["employee"] is None and row["retain_until"] == date(2026, 9, 2)
    # the held and the open case are untouched
    assert list(cases["held"].events.values_list("hash", flat=True)) == held_before
    assert list(cases["open"].events.values_list("hash", flat=True)) == open_before
    # a second run finds nothing to do
    again = StringIO()
    call_command("apply_retention", stdout=again)
    assert "0 case(s) anonymised" in again.getvalue()


def test_the_case_page_says_what_retention_did(client, school, cases):
    call_command("apply_retention", stdout=StringIO())
    client.force_login(school.hr)
    body = client.get(cases["due"].get_absolute_url()).content.decode()
    assert "was removed on 3 September 2026" in body
    assert "Personal data removed at the end of its retention" in body
    assert "shot.png" not in body and "A post criticising parents" not in body


def test_a_lifted_hold_lets_retention_run(school, cases):
    hold = LegalHold.objects.get(case=cases["held"])
    from incidents.retention import legal_hold_lift

    legal_hold_lift(hold=hold, by=school.hr)
    due, held = cases_due()
    assert {item.case for item in due} == {cases["due"], cases["held"]} and not held
    assert cases["held"].events.filter(kind=CaseEvent.Kind.LEGAL_HOLD_LIFTED).exists()


def test_the_retention_log_is_append_only(school, cases):
    call_command("apply_retention", stdout=StringIO())
    with pytest.raises(RetentionRecord.AppendOnly):
        RetentionRecord.objects.all().delete()
    with pytest.raises(RetentionRecord.AppendOnly):
        RetentionRecord.objects.get().save()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM incidents_retentionrecord")
        # and events may still not be deleted outside retention
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM incidents_caseevent")


def test_a_broken_chain_stops_the_removal_and_changes_nothing(school, cases):
    if connection.vendor == "postgresql":
        pytest.skip("the database refuses to change an event at all: nothing to break")
    case = cases["due"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_caseevent SET note = 'changed' WHERE case_id = %s AND sequence = 1",
                       [case.pk])
    with pytest.raises(CommandError):
        call_command("apply_retention", stdout=StringIO(), stderr=StringIO())
    case.refresh_from_db()
    assert case.description and case.evidence.exists() and not RetentionRecord.objects.exists()


def test_every_record_of_a_case_is_either_removed_or_kept_by_retention():
    from django.apps import apps

    from incidents.retention import KEPT_WITH_SKELETON, REMOVED_WITH_PERSONAL_DATA

    pointing = {model.__name__ for model in apps.get_models()
                if any(field.is_relation and field.related_model is Case and (field.many_to_one or field.one_to_one)
                       for field in model._meta.get_fields())}
    assert pointing == REMOVED_WITH_PERSONAL_DATA | KEPT_WITH_SKELETON, (
        "A model points at cases: say in incidents.retention whether retention removes it or keeps it")


# --- Legal holds on the case page ------------------------------------------------------------

def test_hr_places_a_legal_hold_from_the_case_page_and_it_is_on_the_timeline(client, school, procedure):
    case = closed(procedure)
    client.force_login(school.hr)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Kept until 2 September 2026" in page and "Place a legal hold" in page
    response = client.post(reverse("incidents:legal_hold", args=[case.uuid]),
                           {"reason": "Police asked us to keep it.", "until": "2027-01-31"})
    assert response.status_code == 302
    hold = LegalHold.objects.get(case=case)
    assert (hold.placed_by, hold.until) == (school.hr, date(2027, 1, 31))
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Legal hold:" in page and "Police asked us to keep it." in page and "until 31 January 2027" in page
    assert "Legal hold placed" in page  # the timeline


def test_a_hold_without_a_reason_or_ending_in_the_past_is_refused_and_changes_nothing(client, school, procedure):
    case = closed(procedure)
    events = case.events.count()
    client.force_login(school.headteacher)
    response = client.post(reverse("incidents:legal_hold", args=[case.uuid]), {"reason": " ", "until": ""})
    assert response.status_code == 200 and "Say why the case must be kept." in response.content.decode()
    response = client.post(reverse("incidents:legal_hold", args=[case.uuid]),
                           {"reason": "A claim.", "until": "2026-01-01"})
    assert "The hold cannot end in the past." in response.content.decode()
    assert not LegalHold.objects.exists() and case.events.count() == events


def test_only_the_case_manager_and_hr_may_place_a_hold(client, school, procedure):
    case = closed(procedure)
    for user in (school.staff, school.investigator, school.governor):
        client.force_login(user)
        response = client.post(reverse("incidents:legal_hold", args=[case.uuid]), {"reason": "Mine."})
        assert response.status_code == 404
    assert not LegalHold.objects.exists()
