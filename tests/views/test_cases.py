"""Case managers, panels and HR work on cases in the browser: list, detail, every step's form."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import selectors, services
from incidents.models import Case, CaseEvent
from incidents.views.cases import CaseListView
from incidents.workflow import State, Suspension, inputs, step_named
from tests.factories import clause, one_page_pdf
from tests.procedure import all_steps, reach, who_may

pytestmark = pytest.mark.django_db


def form_data(p, step: str) -> dict:
    """What a person fills in on each step's form."""
    return {
        "withdraw": {"reason": "Sent by mistake.", "confirm": "on"},
        "request_content_removal": {},
        "confirm_removed": {"how_confirmed": "Checked the page: the post is gone."},
        "escalate": {"reason": "refused", "investigating_officer": p.investigator.pk},
        "secure_account": {"checklist": ["password_changed", "takedown_requested"]},
        "resolve": {"what_was_done": "Password reset and two-factor on.", "confirm": "on"},
        "decide_harm_threshold": {"harmed": "no", "offence": "no", "risk": "yes", "unsuitable": "no",
                                  "reasons": "Private messages with a pupil."},
        "refer_to_lado": {"allegation": "Accepted a friend request from a pupil.", "lado_name": "Morgan Ellis",
                          "lado_authority": "Rainow Borough Council"},
        "record_low_level_concern": {"reason": "Below the harm threshold.", "confirm": "on"},
        "record_lado_meeting": {"meeting": "strategy", "held_on": "2026-03-02", "attended": "The LADO and the DSL.",
                                "agreed_actions": "The police speak to the pupil first."},
        "pause_for_agencies": {"agencies": "police", "what": "A police investigation."},
        "resume_procedure": {"reason": "The police have finished."},
        "record_lado_outcome": {"lado_outcome": "unfounded", "advice": "No further action.", "investigate": "no",
                                "personnel_summary": "Referred to the LADO and found unfounded."},
        "restrict_reporting": {"reason": "A pupil's allegation against a teacher."},
        "lift_reporting_restriction": {"reason": "The teacher was charged."},
        "record_employee_left": {"left_on": "2026-03-02", "how": "Resigned."},
        "record_barring_referrals": {"dbs_referral": "made", "dbs_referred_on": "2026-03-02",
                                     "dbs_reference": "DBS-1"},
        "open_investigation": {"investigating_officer": p.investigator.pk},
        "close_no_case": {"reason": "Not the employee's account.", "confirm": "on"},
        "give_management_advice": {"advice": "Keep the school name off your profile.", "confirm": "on"},
        "record_investigation_meeting": {
            "held_at_date": "2026-03-02", "held_at_time": "08:30", "attended": "The employee and the officer.",
            "notes": "The employee accepts writing the post."},
        "add_statement": {"what": "statement", "description": "Statement of a colleague",
                          "document": SimpleUploadedFile("statement.pdf", one_page_pdf())},
        "submit_investigation_report": {"findings": "The employee made the post.", "recommendation": "hearing"},
        "refer_to_hearing": {"hearing_at_date": "2026-03-10",
                             "hearing_at_time": "10:00", "place": "Meeting room 1", "panel": [p.headteacher.pk]},
        "reschedule": {"hearing_at_date": "2026-03-11", "hearing_at_time": "14:00", "reason": "companion_unavailable"},
        "record_outcome": {"outcome": "first_written_warning", "reasons": "Clause a.2 breached.", "confirm": "on"},
        "lodge_appeal": {"grounds": "Too severe.", "received_on": "2026-03-12", "hearing_at_date": "2026-03-20",
                         "hearing_at_time": "10:00", "place": "Meeting room 2", "panel": [p.chair.pk, p.governor.pk]},
        "decide_appeal": {"decision": "not_upheld", "reasons": "The warning was fair.", "confirm": "on"},
        "close": {"reason": "The employee will not appeal.", "confirm": "on"},
        "record_authority_notice": {"given_on": "2026-03-10"},
        "record_companion": {"companion": "Jo Booth", "companion_type": "union_representative"},
        "reopen": {"reason": "New screenshots.", "investigating_officer": p.investigator.pk},
        "suspend": {"reason": "Alleged contact with pupils.", "why_needed": "To protect pupils.",
                    "alternatives_considered": "No role away from pupils.", "contact_restrictions": "None.",
                    "named_contact": p.chair.pk, "review_on": "2026-03-16"},
        "review_suspension": {"findings": "Investigation continues.", "review_on": "2026-03-30"},
        "lift_suspension": {"reason": "Investigation closed."},
    }[step]


BAD_INPUT = {  # input the form or the procedure refuses; any step not listed gets an empty form
    "request_content_removal": ({"deadline": "2026-03-01"}, "The removal deadline must be a date in the future."),
    "secure_account": ({"checklist": ["reboot_router"]}, "Select a valid choice."),
    "refer_to_hearing": (None, "the earliest date is 9 March 2026"),
}


@pytest.mark.parametrize("step,source", all_steps())
def test_each_steps_form_takes_the_case_on(client, procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    actor = who_may(step, case, school)[0]
    client.force_login(actor)
    url = reverse("incidents:case_step", args=[case.uuid, step])
    assert client.get(url).status_code == 200

    response = client.post(url, form_data(school, step), follow=True)

    case.refresh_from_db()
    stage = case.get_state_display()
    told = f"{step_named(step).done} The case is at: {stage[:1].lower()}{stage[1:]}."
    assert told in html.unescape(response.content.decode()), response.content.decode()[:3000]
    field = "suspension" if source in Suspension.values else "state"
    assert getattr(case, field) != source or step_named(step).targets == (source,) or step_named(step).keeps_stage
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION).last().transition == step


@pytest.mark.parametrize("step,source", all_steps())
def test_each_steps_form_refuses_bad_input_with_a_clear_message_and_changes_nothing(
        client, procedure, school, take, step, source):
    case = reach(procedure, take, source, step)
    client.force_login(who_may(step, case, school)[0])
    events = case.events.count()
    data, message = BAD_INPUT.get(step, ({}, "There is a problem"))
    if data is None:
        data = form_data(school, step) | {"hearing_at_date": "2026-03-05"}

    response = client.post(reverse("incidents:case_step", args=[case.uuid, step]), data)

    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    case.refresh_from_db()
    assert case.events.count() == events


def test_closing_a_case_while_the_employee_is_suspended_says_to_lift_the_suspension_first(
        client, procedure, school, take):
    case = procedure.case_at(State.INVESTIGATION)
    take("suspend", case, school.headteacher)
    client.force_login(school.headteacher)
    events = case.events.count()

    response = client.post(reverse("incidents:case_step", args=[case.uuid, "close_no_case"]),
                           form_data(school, "close_no_case"))

    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Alex Employee is still suspended: lift the suspension first" in page
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION and case.events.count() == events


def test_a_case_manager_sees_only_the_steps_they_may_take(client, procedure, school):
    case = procedure.case_at(State.REPORTED)
    client.force_login(school.headteacher)
    page = client.get(case.get_absolute_url()).content.decode()
    for label in ("Ask the employee to remove the content", "Open an investigation", "Close: no case to answer"):
        assert label in page
    assert "Withdraw the report" not in page and "Record the hearing" not in page


def test_hr_sees_the_case_but_no_steps(client, procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    client.force_login(school.hr)
    page = client.get(case.get_absolute_url()).content.decode()
    assert case.reference in page and "What you can do now" not in page and "/steps/" not in page
    assert client.get(reverse("incidents:case_step", args=[case.uuid, "close_no_case"])).status_code == 404


def test_a_step_not_possible_at_this_stage_says_so(client, procedure, school):
    case = procedure.case_at(State.CLOSED)
    client.force_login(school.headteacher)
    response = client.get(reverse("incidents:case_step", args=[case.uuid, "open_investigation"]), follow=True)
    assert "is not possible at this stage" in response.content.decode()


def test_the_timeline_tells_the_story_in_words(client, procedure, school):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    client.force_login(school.headteacher)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Open an investigation</strong>: Reported → Investigation" in page
    assert "Refer to a disciplinary hearing</strong>: Investigation → Hearing scheduled" in page


def test_evidence_is_downloaded_as_an_attachment_by_those_who_may_see_it(client, procedure, school):
    from tests.views.test_reporting import png_bytes, upload

    case = procedure.report(clauses=[clause("a")])
    from incidents import services

    evidence = services.evidence_add(case=case, by=school.staff, file=upload("shot.png", png_bytes()))
    url = reverse("incidents:evidence_download", args=[case.uuid, evidence.uuid])
    for person, status in [(school.headteacher, 200), (school.staff, 200), (school.hr, 200),
                           (school.staff2, 404), (school.governor, 404)]:
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
        if status == 200:
            assert response["Content-Disposition"] == 'attachment; filename="shot.png"'
            assert b"".join(response.streaming_content) == png_bytes()


def test_the_case_list_filters_searches_and_sorts(client, procedure, school):
    breach = procedure.report(clauses=[clause("a")])
    account = procedure.case_at(State.CONTAINMENT)
    client.force_login(school.hr)
    url = reverse("incidents:case_list")

    def listed(**query):
        page = client.get(url, query).content.decode()
        return {case.reference for case in (breach, account) if case.reference in page}

    assert listed() == {breach.reference, account.reference}
    assert listed(kind="compromised_account") == {account.reference}
    assert listed(stage="reported") == {breach.reference}
    assert listed(clause="a") == {breach.reference}
    assert listed(q=breach.reference) == {breach.reference}
    assert listed(q="alex employ") == {breach.reference, account.reference}
    page = client.get(url, {"sort": "reference"}).content.decode()
    assert page.index(breach.reference) < page.index(account.reference)
    assert listed(stage="not-a-stage") == {breach.reference, account.reference}  # bad filter ignored


def test_each_row_of_the_case_list_shows_the_case_at_a_glance(client, procedure, school):
    removal = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED, clauses=[clause("b"), clause("a")])
    closed = procedure.case_at(State.CLOSED, subject=None)
    client.force_login(school.hr)
    page = client.get(reverse("incidents:case_list")).content.decode()
    rows = {case: next(row for row in page.split("<tr>") if case.reference in row) for case in (removal, closed)}

    assert f'<a href="/cases/{removal.uuid}/">{removal.reference}</a>' in rows[removal]
    for shown in (school.school.name, removal.subject.full_name, "Breach", "<td>a, b</td>", "Content removal requested",
                  f"Content to be removed: {removal.removal_deadline:%-d %b %Y}"):
        assert shown in rows[removal], shown
    assert "tag-closed" not in rows[removal]
    assert "Not known" in rows[closed] and '<span class="tag tag-closed">Closed</span>' in rows[closed]


def test_the_case_list_shows_overdue_cases(client, procedure, school):
    late = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    on_time = procedure.case_at(State.INVESTIGATION)
    procedure.clock.move_to("2026-03-05 09:00 +00:00", tick=False)
    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:case_list"), {"overdue": "on"}).content.decode()
    assert late.reference in page and on_time.reference not in page


def test_the_case_list_costs_the_same_queries_for_a_full_page(client, procedure, school):
    client.force_login(school.hr)
    url = reverse("incidents:case_list")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for _ in range(2):
        procedure.report(clauses=[clause("a"), clause("b")])
    few = queries()
    for _ in range(20):
        procedure.report(clauses=[clause("a")])
    assert queries() == few
    assert Case.objects.count() == 22


def test_a_long_case_list_is_counted_up_to_a_limit_and_still_pages_to_the_end(
        client, procedure, school, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    monkeypatch.setattr(CaseListView, "paginate_by", 2)
    cases = [procedure.report() for _ in range(5)]
    client.force_login(school.hr)
    url = reverse("incidents:case_list")
    first = client.get(url).content.decode()
    assert "More than 3 cases" in first and "Page 1<" in first and "Next page" in first
    last = client.get(url, {"page": 3}).content.decode()
    assert "5 cases" in last and "Page 3 of 3" in last and "Next page" not in last
    shown = {case.reference for case in cases for page in (first, last, client.get(url, {"page": 2}).content.decode())
             if case.reference in page}
    assert shown == {case.reference for case in cases}
    assert client.get(url, {"page": "9" * 30}).status_code == 404  # no such page, and nothing counted past it
    narrowed = client.get(url, {"stage": "reported"}).content.decode()
    assert "5 cases" in narrowed and "Page 1 of 3" in narrowed  # a filtered list is counted exactly
    home = client.get(reverse("incidents:home")).content.decode()
    assert "All cases of your schools (more than 3)" in home


def test_a_page_number_that_is_no_number_is_no_such_page(client, procedure, school):
    # "²" passes str.isdigit() but not int(): the case list said "server error" for it.
    procedure.report()
    client.force_login(school.hr)
    url = reverse("incidents:case_list")
    for page in ("²", "x", "-1"):
        assert client.get(url, {"page": page}).status_code == 404, page
    assert client.get(url, {"page": "1"}).status_code == 200


def test_the_count_of_cases_agrees_with_the_list_for_each_person(procedure, school):
    procedure.case_at(State.APPEAL)
    procedure.case_at(State.INVESTIGATION, clauses=[clause("c")])
    procedure.report(kind=Case.Kind.COMPROMISED_ACCOUNT)
    people = [school.headteacher, school.hr, school.dsl, school.investigator, school.governor, school.staff,
              school.chair]
    for filters in (selectors.CaseFilters(), selectors.CaseFilters(stage=State.INVESTIGATION),
                    selectors.CaseFilters(kind=Case.Kind.COMPROMISED_ACCOUNT)):
        for someone in people:
            assert selectors.case_count(someone, filters) == len(selectors.case_list(someone, filters)), someone


def test_home_shows_the_case_manager_their_cases_with_the_next_deadline(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    client.force_login(school.headteacher)
    page = client.get(reverse("incidents:home")).content.decode()
    assert case.reference in page and "Content to be removed: 3 March 2026" in page


def test_home_lists_to_each_person_the_open_cases_they_have_a_part_in(client, procedure, school):
    reported = procedure.case_at(State.REPORTED)
    investigated = procedure.case_at(State.INVESTIGATION)
    heard = procedure.case_at(State.HEARING_SCHEDULED)  # the headteacher sits on the panel here
    safeguarding = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    closed = procedure.case_at(State.CLOSED)
    expected = {
        school.headteacher: {reported, investigated, heard, safeguarding},
        school.investigator: {investigated, heard},
        school.dsl: {safeguarding},
        school.hr: set(),  # views and exports every case, acts on none
        school.staff: set(),  # reported them all
    }
    for someone, cases in expected.items():
        client.force_login(someone)
        page = client.get(reverse("incidents:home")).content.decode()
        listed = {case for case in (reported, investigated, heard, safeguarding, closed)
                  if f">{case.reference}</a></td>" in page}
        assert listed == cases, someone


def test_home_for_staff_offers_reporting_and_their_reports(client, procedure, school):
    case = procedure.report()
    client.force_login(school.staff)
    page = client.get(reverse("incidents:home")).content.decode()
    assert "Report a concern" in page and case.reference in page
    assert "Cases needing your action" not in page


def test_pages_need_signing_in(client, procedure):
    case = procedure.report()
    for url in (reverse("incidents:home"), reverse("incidents:case_list"), case.get_absolute_url(),
                reverse("incidents:report")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("incidents:accessibility")).status_code == 200


def test_password_reset_sends_an_email(client, school, mailoutbox):
    school.staff.email = "emma@example.org"
    school.staff.save()
    client.post(reverse("password_reset"), {"email": "emma@example.org"})
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["emma@example.org"]


SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize("step,source", all_steps())
def test_script_typed_into_a_steps_form_is_shown_as_text(client, procedure, school, take, step, source):
    from incidents.forms import step_form

    case = reach(procedure, take, source, step)
    client.force_login(who_may(step, case, school)[0])
    form = step_form(step_named(step))(case=case)
    data = form_data(school, step)
    text_fields = [name for name, field in form.fields.items()
                   if type(field).__name__ == "CharField" and name in data]
    data |= {name: f"{data[name]} {SCRIPT}" for name in text_fields}
    client.post(reverse("incidents:case_step", args=[case.uuid, step]), data)

    viewer = school.headteacher if step != "withdraw" else school.staff
    client.force_login(viewer)
    url = case.get_absolute_url() if step != "withdraw" else reverse("incidents:report_detail", args=[case.uuid])
    page = client.get(url).content.decode()
    assert SCRIPT not in page
    if text_fields and step != "withdraw":
        assert "&lt;script&gt;" in page


def test_a_wrong_password_is_refused_with_a_message(client, school):
    response = client.post(reverse("login"), {"username": school.staff.username, "password": "wrong"})
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_each_view_of_a_case_and_each_download_is_recorded(client, procedure, school):
    from incidents import services
    from tests.views.test_reporting import png_bytes, upload

    case = procedure.report()
    evidence = services.evidence_add(case=case, by=school.staff, file=upload("shot.png", png_bytes()))
    client.force_login(school.hr)
    client.get(case.get_absolute_url())
    client.get(reverse("incidents:evidence_download", args=[case.uuid, evidence.uuid]))
    viewed, downloaded = case.events.filter(kind__in=[CaseEvent.Kind.VIEWED, CaseEvent.Kind.DOWNLOADED])
    assert (viewed.kind, viewed.actor) == (CaseEvent.Kind.VIEWED, school.hr)
    assert (downloaded.kind, downloaded.actor) == (CaseEvent.Kind.DOWNLOADED, school.hr)
    assert "shot.png" in downloaded.details["what"]
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Who has looked at this case" in page


def test_a_refused_visit_is_not_recorded_and_shows_nothing(client, procedure, school):
    case = procedure.report()
    client.force_login(school.governor)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 404 and case.reference not in response.content.decode()
    assert not case.events.filter(kind=CaseEvent.Kind.VIEWED).exists()


def _heard_after_the_lado(procedure, school):
    """A safeguarding case the LADO sent back for investigation, now before a governor's hearing."""
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    services.step_take(case=case, by=school.headteacher, given=inputs.RecordLadoOutcome(
        lado_outcome="unsubstantiated", advice="Manage internally; the pupil's family has been told.",
        investigate=True, investigating_officer=school.investigator, personnel_summary="Unsubstantiated."))
    procedure.refer_to_hearing(case, panel=[school.governor])
    return case


def test_the_hearing_panel_sees_that_the_lado_was_told_but_not_what(client, procedure, school):
    case = _heard_after_the_lado(procedure, school)
    lado_letter = case.letters.get(kind="lado_referral")
    client.force_login(school.governor)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Refer to the LADO" in page and "Record the LADO&#x27;s outcome" in page
    assert "friend request" not in page and "pupil&#x27;s family" not in page
    assert "Special category data, shown to those who need it" in page
    assert lado_letter.reference not in page
    assert client.get(reverse("incidents:letter_download", args=[case.uuid, lado_letter.uuid])).status_code == 404
    assert not case.events.filter(kind=CaseEvent.Kind.DOWNLOADED).exists()


def test_the_hearing_panel_of_a_case_reopened_after_the_lado_does_not_see_the_lados_outcome_letter(
        client, procedure, school):
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    services.step_take(case=case, by=school.headteacher, given=inputs.RecordLadoOutcome(
        lado_outcome="unfounded", advice="The pupil's family withdrew the allegation.", investigate=False,
        personnel_summary="Referred to the LADO and found unfounded."))
    closing = case.letters.get(kind="allegation_outcome")
    assert closing.facts["lado_outcome"] == "unfounded"
    services.step_take(case=case, by=school.headteacher, given=inputs.Reopen(
        reason="New screenshots came to light.", investigating_officer=school.investigator))
    procedure.refer_to_hearing(case, panel=[school.governor])
    url = reverse("incidents:letter_download", args=[case.uuid, closing.uuid])

    client.force_login(school.governor)
    assert closing.reference not in client.get(case.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 404
    client.force_login(school.headteacher)
    assert closing.reference in client.get(case.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["headteacher", "investigator", "hr", "dsl"])
def test_those_who_need_it_see_what_the_lado_was_told_and_advised(client, procedure, school, who):
    case = _heard_after_the_lado(procedure, school)
    lado_letter = case.letters.get(kind="lado_referral")
    client.force_login(getattr(school, who))
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Accepted a pupil&#x27;s friend request." in page and "the pupil&#x27;s family has been told" in page
    assert lado_letter.reference in page
    assert client.get(reverse("incidents:letter_download", args=[case.uuid, lado_letter.uuid])).status_code == 200


def test_signing_in_is_paused_after_five_wrong_passwords_and_resumes_after_fifteen_minutes(
        client, school, time_machine):
    time_machine.move_to("2026-03-02 09:00 +00:00", tick=False)
    url, username = reverse("login"), school.staff.username
    for _ in range(4):
        refused = client.post(url, {"username": username, "password": "no"})
        assert "Please enter a correct username" in refused.content.decode()
    paused = client.post(url, {"username": username, "password": "no"})
    assert paused.status_code == 429 and "Signing in is paused" in paused.content.decode()
    assert "paused for 15 minutes" in paused.content.decode()
    school.staff.set_password("the-right-password-1")
    school.staff.save()
    right = {"username": username, "password": "the-right-password-1"}
    assert client.post(url, right).status_code == 429  # even the right password, while paused
    assert "_auth_user_id" not in client.session
    other = client.post(url, {"username": school.staff2.username, "password": "no"})
    assert "Please enter a correct username" in other.content.decode()  # only that username is paused
    time_machine.move_to("2026-03-02 09:16 +00:00", tick=False)
    assert client.post(url, right).status_code == 302 and "_auth_user_id" in client.session


def test_only_people_who_may_see_a_case_are_offered_the_cases_menu(client, procedure, school):
    procedure.case_at(State.INVESTIGATION)  # reported by staff; the others have a part in it
    cases_link = f'href="{reverse("incidents:case_list")}"'
    for person, offered in [(school.staff, False), (school.staff2, False), (school.headteacher, True),
                            (school.investigator, True), (school.hr, True)]:
        client.force_login(person)
        assert (cases_link in client.get(reverse("incidents:home")).content.decode()) is offered, person


def test_hr_finds_cases_by_the_reporters_name_and_by_the_platform(client, procedure, school):
    school.staff.first_name, school.staff.last_name = "Robin", "Reporter"
    school.staff.save()
    by_robin = procedure.report()
    by_other = procedure.report(reporter=school.staff2)
    Case.objects.filter(pk=by_other.pk).update(platform=Case.Platform.X)
    client.force_login(school.hr)
    url = reverse("incidents:case_list")

    def listed(q):
        page = client.get(url, {"q": q}).content.decode()
        return {case.reference for case in (by_robin, by_other) if case.reference in page}

    assert listed("robin reporter") == {by_robin.reference}
    assert listed("twitter") == {by_other.reference}  # the platform as the report form names it
    assert listed("facebook") == {by_robin.reference}
    assert listed("   ") == {by_robin.reference, by_other.reference}  # an empty search finds everything
    assert listed("nobody-called-this") == set()
    assert "Reference, name or platform" in client.get(url).content.decode()


def test_sorting_by_stage_follows_the_procedure(client, procedure, school):
    cases = [procedure.case_at(state) for state in (State.CLOSED, State.INVESTIGATION, State.REPORTED,
                                                    State.HEARING_SCHEDULED, State.CONTENT_REMOVAL_REQUESTED)]
    client.force_login(school.hr)
    page = client.get(reverse("incidents:case_list"), {"sort": "stage"}).content.decode()
    order = sorted(cases, key=lambda case: page.index(case.reference))
    assert [case.state for case in order] == [State.REPORTED, State.CONTENT_REMOVAL_REQUESTED,
                                              State.INVESTIGATION, State.HEARING_SCHEDULED, State.CLOSED]


def test_only_people_who_may_see_cases_are_offered_the_cases_menu(client, procedure, school):
    procedure.report()
    menu = '<a href="{}">Cases</a>'.format(reverse("incidents:case_list"))
    for person, offered in [(school.staff, False), (school.staff2, False), (school.hr, True),
                            (school.headteacher, True)]:
        client.force_login(person)
        assert (menu in client.get(reverse("incidents:home")).content.decode()) is offered, person
