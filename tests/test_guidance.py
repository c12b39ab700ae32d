"""The case page says what happens next and who does it, the recommended step first."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from incidents.workflow import State, steps
from incidents.workflow.guidance import ALTERNATIVES, RECOMMENDED, what_happens_next
from tests.procedure import HEARING_AT, LONDON

pytestmark = pytest.mark.django_db


def test_every_step_of_the_procedure_is_either_recommended_or_an_alternative_once():
    main = [step.name for step in steps() if step.field == "state"]
    listed = list(RECOMMENDED) + list(ALTERNATIVES)
    assert sorted(listed) == sorted(main)


def page_of(client, case, user) -> str:
    client.force_login(user)
    return client.get(case.get_absolute_url()).content.decode()


def test_a_new_breach_recommends_asking_for_the_content_to_be_removed_and_offers_the_rest(
        client, procedure, school):
    case = procedure.case_at(State.REPORTED)
    page = page_of(client, case, school.headteacher)
    next_part, others = page.split("What happens next")[1].split("Other actions")
    assert "Ask the employee to remove the content</strong>: the case manager." in next_part
    assert reverse("incidents:case_step", args=[case.uuid, "request_content_removal"]) in next_part
    assert "Open an investigation" in others and "Close: no case to answer" in others
    assert "Ask the employee to remove the content" not in others


def test_a_compromised_account_recommends_securing_it(procedure, school):
    from incidents.models import Case

    case = procedure.case_at(State.REPORTED, kind=Case.Kind.COMPROMISED_ACCOUNT)
    assert what_happens_next(case).step.name == "secure_account"


def test_a_safeguarding_concern_recommends_the_threshold_decision_then_the_referral(procedure, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    assert what_happens_next(case).step.name == "decide_harm_threshold"
    procedure.decide_harm_threshold(case, met=True)
    assert what_happens_next(case).step.name == "refer_to_lado"


def test_once_the_lado_advised_an_investigation_the_referral_is_not_recommended_again(procedure, school, take):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    take("record_lado_outcome", case, school.headteacher, investigate=True, investigating_officer=school.investigator)
    assert case.state == State.INVESTIGATION and case.safeguarding
    assert what_happens_next(case).step.name == "submit_investigation_report"


def test_before_the_hearing_the_outcome_waits_for_it_and_nobody_is_offered_it(client, procedure, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    page = page_of(client, case, school.headteacher)  # the case manager, and on the panel
    assert ("Record the hearing&#x27;s outcome</strong>: a member of the hearing panel, after the hearing on "
            "Tuesday 10 March 2026, 10:00.") in page
    assert reverse("incidents:case_step", args=[case.uuid, "record_outcome"]) not in page
    procedure.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
    page = page_of(client, case, school.headteacher)
    assert reverse("incidents:case_step", args=[case.uuid, "record_outcome"]) in page.split("Other actions")[0]


def test_after_a_warning_the_appeal_is_awaited_until_the_window_closes_then_the_case_closes(
        client, procedure, school):
    case = procedure.case_at(State.OUTCOME_ISSUED)
    page = page_of(client, case, school.headteacher)
    assert ("Lodge the employee&#x27;s appeal</strong>: the case manager, "
            "if the employee appeals by Tuesday 24 March 2026.") in page
    procedure.clock.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=LONDON), tick=False)
    assert what_happens_next(case).step.name == "close"


def test_a_closed_case_has_nothing_next(client, procedure, school):
    case = procedure.case_at(State.CLOSED)
    assert what_happens_next(case) is None
    assert "What happens next" not in page_of(client, case, school.headteacher)
