"""The case timeline: one event per step, append-only, hash-chained, all-or-nothing."""

import threading
from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from incidents import services
from incidents.audit import audit_verify
from incidents.models import Case, CaseEvent, Letter
from incidents.models.events import AppendOnly
from incidents.workflow import State, Suspension, inputs

pytestmark = pytest.mark.django_db


def test_each_event_records_who_did_what_from_which_stage_to_which(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    events = list(case.events.all())
    assert [e.sequence for e in events] == [1, 2]
    opened = events[1]
    assert (opened.actor, opened.transition, opened.from_state, opened.to_state) == (
        school.headteacher, "open_investigation", State.REPORTED, State.INVESTIGATION)
    assert opened.details["investigating_officer"]["id"] == school.investigator.pk
    assert opened.previous_hash == events[0].hash


def test_events_cannot_be_changed_or_deleted(procedure):
    case = procedure.case_at(State.REPORTED)
    event = case.events.get()
    event.note = "rewritten"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        CaseEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AppendOnly):
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_verify_audit_names_the_first_tampered_event(procedure, capsys):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    call_command("verify_audit")
    assert "All audit chains hold." in capsys.readouterr().out

    with connection.cursor() as cursor:  # tampering behind the application's back
        if connection.vendor == "postgresql":  # a superuser past the trigger that refuses updates
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE incidents_caseevent SET note = %s WHERE case_id = %s AND sequence = 2",
                       ["edited", case.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert str(audit_verify()) == (f"case {case.reference}, event #2: 'Open an investigation' was changed: its "
                                   "content does not match its seal (rewritten, or sealed with another key)")
    with pytest.raises(CommandError, match=f"case {case.reference}, event #2"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_the_database_itself_refuses_to_change_or_delete_an_event(procedure):
    from django.db import DatabaseError, transaction

    case = procedure.case_at(State.REPORTED)
    for statement in ("UPDATE incidents_caseevent SET note = 'x' WHERE case_id = %s",
                      "DELETE FROM incidents_caseevent WHERE case_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [case.pk])
    assert case.events.get().note == ""


def test_a_failure_after_the_state_changes_leaves_nothing_behind(procedure, school):
    case = procedure.case_at(State.REPORTED)
    with mock.patch("incidents.services.event_record", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
                investigating_officer=school.investigator))
    assert case.state == State.REPORTED and case.investigating_officer is None
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == State.REPORTED and stored.investigating_officer is None
    assert stored.events.count() == 1


def test_a_failure_after_the_panel_is_chosen_leaves_no_panel(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    with mock.patch("incidents.services.event_record", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            procedure.refer_to_hearing(case)
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == State.INVESTIGATION
    assert not stored.hearing_panel.exists() and stored.hearing_at is None


def test_acting_on_a_stale_copy_of_a_case_is_refused(procedure, school):
    case = procedure.case_at(State.REPORTED)
    stale = Case.objects.get(pk=case.pk)
    services.step_take(case=case, by=school.headteacher, given=inputs.RequestContentRemoval())
    with pytest.raises(services.CaseConflict, match="Someone else changed case RAI-2026-0001"):
        services.step_take(case=stale, by=school.headteacher, given=inputs.CloseNoCase(reason="Duplicate report."))
    assert stale.state == State.CONTENT_REMOVAL_REQUESTED  # reloaded, so the page shows the truth
    assert Case.objects.get(pk=case.pk).state == State.CONTENT_REMOVAL_REQUESTED
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION).count() == 1


def test_suspending_from_a_stale_copy_after_someone_else_suspended_is_refused(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    stale = Case.objects.get(pk=case.pk)
    suspension = dict(reason="Alleged contact with a pupil online.", why_needed="To protect pupils.",
                      alternatives_considered="None was possible.", contact_restrictions="No contact with pupils.",
                      named_contact=school.chair, review_on=date(2026, 3, 16))
    services.step_take(case=case, by=school.headteacher, given=inputs.Suspend(**suspension))
    recorded = case.events.count()
    with pytest.raises(services.CaseConflict, match="Someone else changed case RAI-2026-0001"):
        services.step_take(case=stale, by=school.headteacher, given=inputs.Suspend(**suspension))
    assert stale.suspension == Suspension.SUSPENDED  # reloaded, so the page shows the truth
    assert case.events.count() == recorded
    assert case.letters.filter(kind=Letter.Kind.SUSPENSION).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks")
@pytest.mark.django_db(transaction=True)
def test_people_acting_at_once_on_one_case_cannot_both_win(procedure, school):
    case = procedure.case_at(State.REPORTED)
    attempts = [
        lambda c: services.step_take(case=c, by=school.headteacher, given=inputs.RequestContentRemoval()),
        lambda c: services.step_take(case=c, by=school.headteacher, given=inputs.OpenInvestigation(
            investigating_officer=school.investigator)),
        lambda c: services.step_take(case=c, by=school.headteacher, given=inputs.CloseNoCase(reason="Duplicate.")),
        lambda c: services.step_take(case=c, by=school.staff, given=inputs.Withdraw(reason="Sent by mistake.")),
    ]
    copies = [Case.objects.get(pk=case.pk) for _ in attempts]
    start = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def act(index):
        try:
            start.wait()
            attempts[index](copies[index])
            results[index] = "won"
        except services.CaseConflict as conflict:
            results[index] = str(conflict)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results.count("won") == 1, results
    assert all("Someone else changed case" in r for r in results if r != "won"), results
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION).count() == 1
    assert audit_verify() is None
