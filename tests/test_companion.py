"""The right to be accompanied, in full: who may accompany, what they may do, and the companion
recorded once known, with union membership kept as special category data."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Letter
from incidents.permissions import reading_for_audience
from incidents.timeline import timeline_for
from incidents.workflow import State
from incidents.workflow.choices import Companion
from tests.letters import pdf


def test_the_invitation_says_who_may_accompany_and_what_they_may_and_may_not_do(procedure, real_letters):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    words = pdf.text(case.letters.get(kind=Letter.Kind.HEARING_INVITATION).pdf.read())
    assert "an official employed by a trade union" in words
    assert "respond on your behalf to any view expressed at the hearing" in words
    assert "They may not answer questions put to you" in words


def test_the_companion_is_recorded_and_only_special_category_readers_see_they_are_from_a_union(
        client, procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    take("record_companion", case, school.headteacher, companion="Jo Booth",
         companion_type=Companion.UNION_REPRESENTATIVE, adjustments="A break every hour.")
    assert case.state == State.HEARING_SCHEDULED

    client.force_login(school.headteacher)  # the case manager sees special category data
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Record the employee&#x27;s companion" in page and "A trade union representative" in page
    # a hearing panel's bundle holds no special category data: the step is there, not what it recorded
    [entry] = [entry for entry in timeline_for(case, reading_for_audience(case, "hearing"))
               if entry.step == "record_companion"]
    assert entry.what == "Record the employee's companion"
    assert entry.details == (("Details", "Special category data, shown to those who need it"),)


def test_a_companion_without_who_they_are_is_refused_and_nothing_is_recorded(procedure, school, take):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    events = case.events.count()
    with pytest.raises(ValidationError, match="Choose who the companion is"):
        take("record_companion", case, school.headteacher, companion_type="")
    assert case.events.count() == events
