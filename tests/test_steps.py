"""Each step is declared once: its form asks every input it takes, its letters print nothing no
step asks, its preview shows exactly the letters it issues, and its address tells a reporter
nothing."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.forms import step_form
from incidents.letters.facts import letter_facts
from incidents.models import CaseEvent, Letter
from incidents.workflow import Answer, AppealDecision, Outcome, State, Step, Suspension, inputs, step_named, steps
from tests.letters import pdf
from tests.procedure import APPEAL_HEARING_AT, HEARING_AT, LONDON, all_steps, reach, who_may

pytestmark = pytest.mark.django_db


# --- The form asks what the step takes ------------------------------------------------

def unasked_inputs(form_class: type[forms.Form], step: Step) -> list[str]:
    """The step's inputs that the form does not ask for (a date and time is asked as two fields)."""
    fields = form_class.base_fields
    missing = []
    for name, ask in step.given.asks():
        asked = {f"{name}_date", f"{name}_time"} <= set(fields) if ask.answer == Answer.MOMENT else name in fields
        if not asked:
            missing.append(name)
    return missing


@pytest.mark.parametrize("step", steps(), ids=lambda step: step.name)
def test_each_steps_form_asks_every_input_the_step_takes(step):
    assert unasked_inputs(step_form(step), step) == []


def test_a_form_that_misses_an_input_of_its_step_is_caught():
    step = step_named("record_outcome")
    fields = {name: field for name, field in step_form(step).base_fields.items() if name != "termination_on"}
    partial = type("PartialForm", (forms.Form,), fields)
    assert unasked_inputs(partial, step) == ["termination_on"]


class Reading(dict):
    """A step's input as the letters read it, noting each input they ask for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def branches(step: Step, case) -> list:
    """The step's example input, and each other input that changes which letters it issues."""
    example = step.given.example(case)
    if step.name == "secure_account":
        return [example, replace(example, checklist=example.checklist | {"takedown_requested": True})]
    if step.name == "record_lado_outcome":
        return [example, replace(example, investigate=True, investigating_officer=case.case_manager)]
    return [example]


def test_every_input_a_letter_prints_is_asked_by_a_step_that_issues_it(procedure, school, take):
    asked_by_issuers: dict[str, set[str]] = {}
    read_by_letter: dict[str, set[str]] = {}
    for name, source in all_steps():
        step = step_named(name)
        if not step.may_issue_letters:
            continue
        case = reach(procedure, take, source, name)
        actor = who_may(name, case, school)[0]
        for given in branches(step, case):
            for preview in services.step_preview(case=case, by=actor, given=given):
                asked_by_issuers.setdefault(preview.kind, set()).update(name for name, _ in given.asks())
                reading = Reading(given.arguments())
                letter_facts(case=case, kind=preview.kind, by=actor, arguments=reading)
                read_by_letter.setdefault(preview.kind, set()).update(reading.read)
    # a dismissal, heard by a staff dismissal committee, is also notified to the local authority
    case = procedure.case_ready_for_hearing()
    take("refer_to_hearing", case, school.headteacher, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor, school.governor2], hearing_at=HEARING_AT)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    dismissal = replace(step_named("record_outcome").given.example(case), outcome=Outcome.SUMMARY_DISMISSAL)
    # and a dismissal overturned on appeal is notified to it too
    appealed = procedure.case_dismissed(State.APPEAL)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=3), tick=False)
    overturned = replace(step_named("decide_appeal").given.example(appealed), decision=AppealDecision.UPHELD)
    for on, by, given in [(case, school.chair, dismissal), (appealed, school.governor, overturned)]:
        for preview in services.step_preview(case=on, by=by, given=given):
            asked_by_issuers.setdefault(preview.kind, set()).update(name for name, _ in given.asks())
            reading = Reading(given.arguments())
            letter_facts(case=on, kind=preview.kind, by=by, arguments=reading)
            read_by_letter.setdefault(preview.kind, set()).update(reading.read)
    assert set(asked_by_issuers) == set(Letter.Kind.values) - {Letter.Kind.ACKNOWLEDGEMENT}
    unasked = {kind: sorted(read - asked_by_issuers[kind]) for kind, read in read_by_letter.items()
               if read - asked_by_issuers[kind]}
    assert unasked == {}


# --- Previews ------------------------------------------------------------------------

@pytest.mark.parametrize("step,source", all_steps())
def test_a_preview_shows_exactly_the_letters_the_step_then_issues(procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    actor = who_may(step, case, school)[0]
    for number, given in enumerate(branches(step_named(step), case)):
        if number:  # each branch starts again from a case at the same stage
            case = reach(procedure, take, source, step)
        previewed = [letter.kind for letter in services.step_preview(case=case, by=actor, given=given)]
        event = services.step_take(case=case, by=actor, given=given)
        assert previewed == [letter["kind"] for letter in event.details.get("letters", [])]


def test_previewing_the_lados_outcome_with_an_investigation_shows_the_notice_of_investigation(
        client, procedure, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    client.force_login(school.headteacher)
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "record_lado_outcome"]), {
        "lado_outcome": "substantiated", "advice": "Investigate under your procedure.", "investigate": "yes",
        "personnel_summary": "Substantiated; investigated under the disciplinary procedure.",
        "investigating_officer": school.investigator.pk, "preview": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    previewed = case.events.last().details["what"]
    assert previewed.startswith("Preview, not issued: Outcome of the allegation")
    assert "Notice of investigation" in previewed
    case.refresh_from_db()
    assert case.state == State.SAFEGUARDING_REFERRAL


def test_previewing_a_step_that_sends_no_letter_says_so(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    client.force_login(school.headteacher)
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "confirm_removed"]),
                           {"how_confirmed": "Checked the page.", "preview": "1"})
    assert "With this input the step sends no letter." in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.CONTENT_REMOVAL_REQUESTED


# --- What the browser asks reaches the letter --------------------------------------------

def test_a_dismissal_recorded_in_the_browser_gives_its_termination_date_notice_and_final_pay(
        client, procedure, school, take, real_letters):
    school.school.type = school.school.Type.ACADEMY  # the school gives notice itself
    school.school.save()
    case = procedure.case_ready_for_hearing()  # gross misconduct alleged: dismissal is possible
    take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor, school.governor2])  # a staff dismissal committee
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    client.force_login(school.chair)
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "record_outcome"]), {
        "outcome": "dismissal_with_notice", "reasons": "Repeated breaches after a final written warning.",
        "termination_on": "2026-04-10", "notice_weeks": "4",
        "final_pay": "Your final pay, with accrued holiday, is paid on 10 April 2026.", "confirm": "on"}, follow=True)
    assert "Outcome recorded. The case is at: outcome issued." in response.content.decode()
    letter = case.letters.get(kind=Letter.Kind.OUTCOME)
    words = pdf.text(letter.pdf.read())
    assert "Your employment will end on Friday 10 April 2026, after 4 weeks' notice" in words
    assert "Your final pay, with accrued holiday, is paid on 10 April 2026." in words


def test_a_dismissal_with_notice_needs_its_last_day_of_employment(client, procedure, school, take):
    case = procedure.case_ready_for_hearing()  # gross misconduct alleged: dismissal is possible
    take("refer_to_hearing", case, school.headteacher, hearing_at=HEARING_AT, gross_misconduct_alleged=True,
         panel=[school.chair, school.governor, school.governor2])  # a staff dismissal committee
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    client.force_login(school.chair)
    events = case.events.count()
    response = client.post(reverse("incidents:case_step", args=[case.uuid, "record_outcome"]), {
        "outcome": "dismissal_with_notice", "reasons": "Repeated breaches.", "confirm": "on"})
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the last day of employment." in page
    case.refresh_from_db()
    assert case.state == State.HEARING_SCHEDULED and case.events.count() == events


def test_an_investigation_meeting_arranged_with_the_step_is_in_the_notice(client, procedure, school):
    case = procedure.case_at(State.REPORTED)
    client.force_login(school.headteacher)
    client.post(reverse("incidents:case_step", args=[case.uuid, "open_investigation"]), {
        "investigating_officer": school.investigator.pk, "meeting_at_date": "2026-03-05",
        "meeting_at_time": "14:00", "meeting_place": "The head's office"})
    notice = case.letters.get(kind=Letter.Kind.INVESTIGATION_NOTICE)
    assert notice.facts["meeting_place"] == "The head's office"
    assert notice.facts["meeting_at"].startswith("2026-03-05T14:00")


def test_reopening_arranges_the_investigation_meeting_it_is_given(procedure, school, take):
    case = procedure.case_at(State.CLOSED)
    take("reopen", case, school.headteacher, meeting_at=HEARING_AT, meeting_place="Meeting room 3")
    event = case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition="reopen").get()
    assert event.details["meeting_place"] == "Meeting room 3"
    assert case.letters.get(kind=Letter.Kind.INVESTIGATION_NOTICE).facts["meeting_place"] == "Meeting room 3"


def test_every_required_answer_left_empty_is_named_at_once_and_nothing_changes(procedure, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    events = case.events.count()
    with pytest.raises(ValidationError) as refused:
        services.step_take(case=case, by=school.headteacher, given=inputs.RecordLadoOutcome())
    assert set(refused.value.message_dict) == {"lado_outcome", "advice", "investigate"}
    case.refresh_from_db()
    assert case.state == State.SAFEGUARDING_REFERRAL and case.events.count() == events


# --- A reporter learns nothing through step addresses ----------------------------------

@pytest.mark.parametrize("state", [State.REPORTED, State.INVESTIGATION, State.HEARING_SCHEDULED, State.CLOSED])
def test_a_reporter_gets_not_found_from_every_step_address_whatever_the_stage(client, procedure, school, state):
    case = procedure.case_at(state)
    client.force_login(school.staff)
    for step in steps():
        url = reverse("incidents:case_step", args=[case.uuid, step.name])
        expected = 200 if (step.name == "withdraw" and state == State.REPORTED) else 404
        assert client.get(url).status_code == expected, step.name
        if expected == 404:
            assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404, step.name
    case.refresh_from_db()
    assert case.state == state and case.suspension == Suspension.NOT_SUSPENDED


def test_a_reporter_cannot_withdraw_a_safeguarding_concern_and_learns_nothing_trying(client, procedure, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    client.force_login(school.staff)
    url = reverse("incidents:case_step", args=[case.uuid, "withdraw"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    case.refresh_from_db()
    assert case.state == State.REPORTED


def test_outcome_choices_in_the_form_come_from_the_procedure():
    field = step_form(step_named("record_outcome")).base_fields["outcome"]
    assert [value for value, _ in field.choices] == list(Outcome.values)


def test_in_summer_time_a_hearing_counts_its_notice_by_the_date_in_london(procedure, school, take):
    procedure.clock.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), tick=False)  # a Monday, British Summer Time
    case = procedure.report()
    take("open_investigation", case, school.headteacher)
    procedure.submit_report(case)
    first_day = datetime(2026, 6, 8, 0, 30, tzinfo=LONDON)  # 23:30 on 7 June in UTC
    take("refer_to_hearing", case, school.headteacher, hearing_at=first_day)
    assert case.hearing_at == first_day


def test_the_example_hearing_is_at_ten_in_the_morning_in_london_in_summer(procedure, school, take):
    procedure.clock.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), tick=False)
    case = procedure.report()
    take("open_investigation", case, school.headteacher)
    example = step_named("refer_to_hearing").given.example(case)
    assert example.hearing_at.astimezone(LONDON).hour == 10


def test_a_field_that_goes_into_a_letter_says_to_whom_it_is_written(client, procedure, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:case_step", args=[case.uuid, "record_outcome"])).content.decode()
    assert "This goes into the letter to Alex Employee: write it to them." in page
    # declared once, on the input: no hint repeats it by hand
    for step in steps():
        for name, ask in step.given.asks():
            assert "goes into" not in ask.help.lower(), (step.name, name)
