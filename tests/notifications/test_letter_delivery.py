"""Letters delivered and acknowledged (issue 14, item 2), read from a real SMTP server on loopback:
a letter to the employee is emailed as a link with nothing of the case in it; the page needs no
account but a code emailed to the recipient; opening and confirming go on the timeline; a link
that has expired, is used up, or is used by someone without the code opens nothing and records
nothing; a letter not opened in two working days is flagged to the case manager, who records it
posted or handed over."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.letters import delivery as deliveries
from incidents.letters.services import letter_reissue
from incidents.models import CaseEvent, LetterDelivery
from incidents.permissions import reading_for
from incidents.timeline import timeline_for
from incidents.workflow import inputs
from tests.procedure import START

pytestmark = pytest.mark.django_db

EMPLOYEE_EMAIL = "alex.employee@home.example"
LINK = re.compile(r"https://casework\.example(/letter/[^/\s]+/)")
CODE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


@pytest.fixture
def emailed(school, procedure, smtp, django_capture_on_commit_callbacks):
    """A case under investigation whose notice of investigation was emailed to the employee:
    (case, the link's path)."""
    school.employee.email = EMPLOYEE_EMAIL
    school.employee.save()
    case = procedure.report()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    arrived = smtp.one_to(EMPLOYEE_EMAIL)
    match = LINK.search(arrived.body)
    assert match, arrived.body
    return case, match.group(1)


def timeline_words(case) -> list[tuple[str, str]]:
    """(who, what) of each entry of the case's timeline, as the case manager reads it."""
    return [(entry.who, entry.what) for entry in timeline_for(case, reading_for(case.case_manager, case))]


def events(case) -> list[str]:
    """The case's events but views of the case page (which the case manager's checks add)."""
    return list(case.events.exclude(kind=CaseEvent.Kind.VIEWED).order_by("sequence").values_list("kind", flat=True))


def ask_code(client: Client, link: str, smtp) -> str:
    before = len(smtp.to(EMPLOYEE_EMAIL))
    response = client.post(link, {"action": "send_code"})
    assert response.status_code == 302, response.content.decode()[:500]
    sent = smtp.to(EMPLOYEE_EMAIL)
    assert len(sent) == before + 1
    return CODE.search(sent[-1].body).group(1)


def open_letter(client: Client, link: str, smtp) -> None:
    code = ask_code(client, link, smtp)
    response = client.post(link, {"action": "open", "code": code})
    assert response.status_code == 302, response.content.decode()[:1500]


def test_the_email_names_the_school_and_a_link_and_nothing_of_the_case(emailed, smtp, school):
    case, link = emailed
    arrived = smtp.one_to(EMPLOYEE_EMAIL)
    assert arrived.subject == "A letter for you from Rainow Primary School"
    text = arrived.subject + arrived.body
    for detail in (case.reference, "Year 4", "Facebook", "investigation", "Alex Employee",
                   school.investigator.last_name):
        assert detail not in text
    token = link.split("/")[2]
    delivery = LetterDelivery.objects.get()
    assert delivery.token_hash == deliveries.token_hash(token) and token not in str(vars(delivery))
    assert len(token) >= 40  # 256 random bits
    assert ("Casework (automatic)", "Letter sent by email") in timeline_words(case)


def test_the_recipient_opens_downloads_and_confirms_and_the_timeline_says_so(emailed, smtp, client):
    case, link = emailed
    page = client.get(link)
    assert page.status_code == 200
    assert "A letter for you" in page.content.decode() and case.reference not in page.content.decode()
    assert client.get(link + "letter.pdf").status_code == 403  # not before the code

    code_email = None
    open_letter(client, link, smtp)
    code_email = smtp.to(EMPLOYEE_EMAIL)[-1]
    assert code_email.subject == "Your code to open the letter from Rainow Primary School"
    assert case.reference not in code_email.body

    page = client.get(link).content.decode()
    assert "Notice of investigation" in page and "I confirm I have received this letter" in page
    download = client.get(link + "letter.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content.startswith(b"%PDF")

    assert client.post(link, {"action": "confirm"}).status_code == 302
    assert client.post(link, {"action": "confirm"}).status_code == 302  # once is recorded
    assert timeline_words(case)[-2:] == [("Alex Employee", "Opened the letter"),
                                         ("Alex Employee", "Confirmed receipt of the letter")]
    opened = [entry for entry in timeline_for(case, reading_for(case.case_manager, case))
              if entry.what == "Opened the letter"][0]
    assert dict(opened.details)["Letters"].startswith("Notice of investigation (")
    assert "You confirmed that you received this letter" in client.get(link).content.decode()


def test_an_expired_link_is_refused_and_records_nothing(emailed, procedure, client):
    case, link = emailed
    before = events(case)
    procedure.clock.move_to(START + timedelta(days=15))
    response = client.get(link)
    assert response.status_code == 404
    assert "This link stopped working on" in response.content.decode()
    assert client.post(link, {"action": "send_code"}).status_code == 404
    assert events(case) == before


def test_a_link_used_up_is_refused_and_records_nothing(emailed, smtp, settings):
    case, link = emailed
    settings.LETTER_LINK_OPENS = 2
    open_letter(Client(), link, smtp)
    open_letter(Client(), link, smtp)
    before = events(case)
    third = Client()
    response = third.post(link, {"action": "send_code"})
    assert response.status_code == 400
    assert "This link has opened the letter 2 times, as many as it may" in response.content.decode()
    assert third.get(link + "letter.pdf").status_code == 403
    assert events(case) == before


def test_someone_else_with_the_link_but_not_the_code_opens_nothing(emailed, smtp, client):
    case, link = emailed
    ask_code(Client(), link, smtp)  # the recipient asks for a code; someone else has the link
    before = events(case)
    response = client.post(link, {"action": "open", "code": "000000"})
    assert response.status_code == 400
    assert "That code is not right. You can try 4 more times." in response.content.decode()
    for _ in range(4):
        client.post(link, {"action": "open", "code": "000000"})
    response = client.post(link, {"action": "open", "code": "000000"})
    assert "This code no longer works. Ask for a new one." in response.content.decode()
    assert client.get(link + "letter.pdf").status_code == 403
    assert events(case) == before
    assert LetterDelivery.objects.get().opened_at is None


def test_a_browser_that_opened_one_letter_cannot_open_another(emailed, smtp, client, school, take,
                                                              django_capture_on_commit_callbacks):
    case, link = emailed
    open_letter(client, link, smtp)
    with django_capture_on_commit_callbacks(execute=True):
        take("suspend", case, school.headteacher)
    other = LINK.search(smtp.to(EMPLOYEE_EMAIL)[-1].body).group(1)
    assert other != link
    assert client.get(other + "letter.pdf").status_code == 403


def test_a_made_up_link_is_refused_and_guessing_is_stopped(client, school, db):
    for _ in range(20):
        response = client.get(reverse("incidents:letter_link", args=["made-up-token"]))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    response = client.get(reverse("incidents:letter_link", args=["made-up-token"]))
    assert response.status_code == 429
    assert "too many tries from your connection" in response.content.decode()


# --- The case manager ---------------------------------------------------------------------------

def test_a_letter_not_opened_in_two_working_days_is_flagged_and_can_be_recorded_posted(emailed, procedure, client):
    case, _ = emailed
    manager = case.case_manager
    client.force_login(manager)
    delivery = LetterDelivery.objects.get()
    page = reverse("incidents:letter_delivery", args=[case.uuid, delivery.letter.uuid])

    # Monday: emailed; Wednesday still within two working days
    procedure.clock.move_to(START + timedelta(days=2))
    assert "Letters not yet received" not in client.get(case.get_absolute_url()).content.decode()
    before = events(case)
    refused = client.post(page, {"on": "2026-03-04", "how": "by_hand"})
    assert "if it is not opened by Wednesday 4 March 2026" in refused.content.decode().replace("\n", " ") \
        or "if it is not opened by 4 March 2026" in refused.content.decode()
    assert events(case) == before

    procedure.clock.move_to(START + timedelta(days=3))  # Thursday
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert "Letters not yet received" in case_page
    assert "was emailed on Monday 2 March 2026" in case_page and "has not been opened" in case_page
    form = client.get(page).content.decode()
    assert "Record posted or handed over" in form

    refused = client.post(page, {"on": "2026-03-06", "how": "first_class_post"})
    assert "The date cannot be in the future." in refused.content.decode()
    assert events(case) == before

    assert client.post(page, {"on": "2026-03-05", "how": "recorded_delivery"}).status_code == 302
    entry = timeline_for(case, reading_for(manager, case))[-1]
    assert entry.what == "Letter posted or handed over"
    assert dict(entry.details)["How"] == "Recorded delivery"
    assert dict(entry.details)["Posted or handed over on"] == "5 March 2026"
    assert "Letters not yet received" not in client.get(case.get_absolute_url()).content.decode()


def test_an_opened_letter_is_not_flagged(emailed, procedure, smtp):
    case, link = emailed
    open_letter(Client(), link, smtp)
    procedure.clock.move_to(START + timedelta(days=7))
    assert deliveries.not_received_for(case) == []


def test_a_recipient_without_an_email_address_is_offered_from_the_start(school, procedure, smtp, client,
                                                                          django_capture_on_commit_callbacks):
    case = procedure.report()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_take(case=case, by=school.headteacher,
                           given=inputs.OpenInvestigation(investigating_officer=school.investigator))
    assert smtp.to(EMPLOYEE_EMAIL) == []
    assert not case.events.filter(kind=CaseEvent.Kind.LETTER_EMAILED).exists()
    client.force_login(case.case_manager)
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert "to Alex Employee has no email address on record" in case_page
    delivery = LetterDelivery.objects.get()
    page = reverse("incidents:letter_delivery", args=[case.uuid, delivery.letter.uuid])
    assert client.post(page, {"on": "2026-03-02", "how": "by_hand"}).status_code == 302
    assert timeline_for(case, reading_for(case.case_manager, case))[-1].what == "Letter posted or handed over"


def test_only_the_case_manager_records_a_letter_posted(school, procedure, client):
    case = procedure.case_at("investigation")
    delivery = LetterDelivery.objects.get(case=case)
    client.force_login(school.investigator)
    page = reverse("incidents:letter_delivery", args=[case.uuid, delivery.letter.uuid])
    assert client.post(page, {"on": "2026-03-02", "how": "by_hand"}).status_code == 404
    assert LetterDelivery.objects.get(pk=delivery.pk).handed_over_on is None


def test_a_letter_replaced_by_a_new_version_is_no_longer_flagged(school, procedure, django_capture_on_commit_callbacks):
    case = procedure.case_at("investigation")  # the employee has no email address: flagged at once
    first = LetterDelivery.objects.get(case=case)
    assert [item.delivery for item in deliveries.not_received_for(case)] == [first]
    with django_capture_on_commit_callbacks(execute=True):
        letter_reissue(letter=first.letter, by=case.case_manager, reason="Large print, as asked.",
                       letter_format="large_print")
    assert [item.delivery.letter.version for item in deliveries.not_received_for(case)] == [2]

