"""The designated safeguarding lead's journey in a real browser: the harm threshold, the referral to
the LADO, a strategy meeting, the outcome and what is kept; each page checked for accessibility."""

from datetime import datetime

import pytest

from incidents import clock
from incidents.models import Letter
from incidents.workflow import State
from tests.e2e.steps import take_step

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dsl_takes_an_allegation_from_the_threshold_to_its_outcome(
        page, sign_in, accessible, school, procedure, time_machine):
    time_machine.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=clock.now().tzinfo), tick=True)
    case = procedure.report(safeguarding=True)
    sign_in(school.dsl)
    page.goto(case.get_absolute_url())
    assert page.get_by_text("Referral to the LADO").first.is_visible()  # due from the moment it is reported

    def threshold(p):
        for question in ("harmed a child", "criminal offence", "pose a risk of harm", "not be suitable"):
            group = p.get_by_role("group").filter(has_text=question).last
            group.get_by_label("Yes" if question == "pose a risk of harm" else "No").check()
        p.get_by_label("Your reasons").fill("Messages to a pupil asking her to keep them secret.")
    take_step(page, accessible, "Decide whether the harm threshold is met", threshold)

    def referral(p):
        p.get_by_label("What was alleged, as told to the LADO").fill("Secret messages to a Year 6 pupil.")
        p.get_by_label("The LADO's name").fill("Morgan Ellis")
        p.get_by_label("The LADO's local authority").fill("Rainow Borough Council")
    take_step(page, accessible, "Refer to the LADO", referral)

    def meeting(p):
        p.get_by_label("A strategy meeting or discussion").check()
        p.get_by_label("When was it held?").fill("2026-11-02")
        p.get_by_label("Who attended, and for which agency").fill("The LADO, the DSL, a police officer.")
        p.get_by_label("The actions agreed, and by whom").fill("The police speak to the pupil first.")
    take_step(page, accessible, "Record a meeting with the LADO", meeting)

    sign_in(school.headteacher)
    page.goto(case.get_absolute_url())

    def outcome(p):
        p.get_by_label("Unfounded").check()
        p.get_by_label("The LADO’s advice").fill("No further action by the LADO.")
        p.get_by_label("Summary for the confidential personnel file").fill(
            "An allegation of messages to a pupil was referred to the LADO and found unfounded.")
        p.get_by_label("Close the case").check()
    take_step(page, accessible, "Record the LADO's outcome", outcome)

    case.refresh_from_db()
    assert case.state == State.CLOSED and case.lado_outcome == "unfounded"
    assert case.letters.filter(kind=Letter.Kind.ALLEGATION_OUTCOME).exists()
    assert page.get_by_text("Summary on the personnel file").is_visible()
