"""Low-level concerns (KCSIE part 4, section two): a log per adult, read by the designated
safeguarding lead and the headteacher only; patterns flagged and referred as cases; and the
DSL's home page."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import concerns, services
from incidents.exceptions import NotPermitted
from incidents.models import Case, CaseEvent, LowLevelConcern, Role, StaffMember
from incidents.models.concerns import AppendOnlyConcern
from incidents.workflow import Closure, State, inputs
from tests.factories import SchoolFactory, StaffMemberFactory, person
from tests.procedure import LONDON

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def record(school, staff, raised_on, *, by=None, raised_by=None, observed="Gave a pupil a lift home alone.",
           action="Spoken to and reminded of the code of conduct."):
    return concerns.concern_record(by=by or school.dsl, staff=staff, raised_on=raised_on, observed=observed,
                                   action=action, raised_by=raised_by or school.staff)


@pytest.fixture
def adult(school):
    """A member of staff with a login, whom concerns are about."""
    return school.staff2.staff_records.get()


def log_url(staff):
    return reverse("incidents:concern_log", kwargs={"staff": staff.uuid})


# --- Who reads the log ------------------------------------------------------------------

def test_only_the_dsl_and_the_headteacher_read_an_adults_log(client, procedure, school, adult):
    record(school, adult, date(2026, 2, 2), observed="Messaged a pupil's older sister on Instagram.")
    other_school = SchoolFactory()
    readers = {school.dsl: 200, school.headteacher: 200}
    refused = [school.hr, school.governor, school.chair, school.investigator,
               school.staff,  # who raised the concern
               school.staff2,  # the adult it is about
               person(other_school, Role.DSL), person(other_school, Role.HEADTEACHER),
               person(other_school, Role.HR_ADVISER, staff=False)]
    pages = [log_url(adult), reverse("incidents:concern_add", kwargs={"staff": adult.uuid}),
             reverse("incidents:concern_refer", kwargs={"staff": adult.uuid})]
    for someone in [*readers, *refused]:
        client.force_login(someone)
        for url in pages:
            response = client.get(url)
            assert response.status_code == readers.get(someone, 404), (someone, url)
            if response.status_code == 200 and url == log_url(adult):
                assert "Messaged a pupil&#x27;s older sister on Instagram." in response.content.decode()
        people = client.get(reverse("incidents:concern_people"))
        reads_a_school = someone in readers or someone.memberships.filter(role__in=[Role.DSL, Role.HEADTEACHER])
        assert people.status_code == (200 if reads_a_school else 404), someone
        assert (log_url(adult) in people.content.decode()) is (someone in readers), someone
    client.logout()
    assert client.get(log_url(adult)).status_code == 302  # to sign in


def test_a_headteacher_the_concerns_are_about_does_not_read_them(client, procedure, school):
    about_head = school.headteacher.staff_records.get()
    record(school, about_head, date(2026, 2, 2))
    client.force_login(school.headteacher)
    assert client.get(log_url(about_head)).status_code == 404
    assert log_url(about_head) not in client.get(reverse("incidents:concern_people")).content.decode()
    client.force_login(school.dsl)
    assert client.get(log_url(about_head)).status_code == 200
    with pytest.raises(NotPermitted):
        record(school, about_head, date(2026, 2, 3), by=school.headteacher)


def test_the_log_is_addressed_by_a_random_id_never_a_number(school, adult):
    assert str(adult.uuid) in log_url(adult) and f"/{adult.pk}/" not in log_url(adult)
    assert StaffMember.objects.filter(uuid__isnull=True).count() == 0


# --- Recording ----------------------------------------------------------------------------

def test_the_dsl_adds_a_concern_and_it_shows_in_the_log(client, procedure, school, adult):
    client.force_login(school.dsl)
    response = client.post(reverse("incidents:concern_add", kwargs={"staff": adult.uuid}), {
        "raised_by": str(school.staff.pk), "raised_on": "2026-02-27",
        "observed": "Stayed alone with a pupil in a classroom with the door shut.",
        "action": "Reminded of the code of conduct on open doors."})
    assert response.status_code == 302 and response["Location"] == log_url(adult)
    entry = LowLevelConcern.objects.get()
    assert (entry.staff, entry.raised_by, entry.recorded_by, entry.self_referral) == (
        adult, school.staff, school.dsl, False)
    page = text(client.get(log_url(adult)))
    assert "27 February 2026" in page and "Reminded of the code of conduct on open doors." in page
    assert "Pattern to review" not in page


@pytest.mark.parametrize("changed, message", [
    ({"observed": "  "}, "Say what was seen or heard."),
    ({"action": ""}, "Say what was done about it."),
    ({"raised_on": "2026-03-03"}, "The date the concern was raised cannot be in the future."),
    ({"raised_by": ""}, "Say who raised the concern."),
    ({"raised_by": "12345"}, "Select a valid choice."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_recorded(client, procedure, school, adult,
                                                                     changed, message):
    client.force_login(school.dsl)
    data = {"raised_by": str(school.staff.pk), "raised_on": "2026-02-27", "observed": "Seen.", "action": "Done."}
    response = client.post(reverse("incidents:concern_add", kwargs={"staff": adult.uuid}), data | changed)
    assert response.status_code == 200 and message in response.content.decode()
    assert not LowLevelConcern.objects.exists()


def test_the_services_refuse_bad_input_too(procedure, school, adult):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        concerns.concern_record(by=school.dsl, staff=adult, raised_on=None, observed="", action="")
    assert set(refused.value.message_dict) == {"raised_on", "observed", "action", "raised_by"}
    with pytest.raises(ValidationError, match="Choose someone who works at this school."):
        record(school, adult, date(2026, 2, 2), raised_by=person(SchoolFactory(), Role.STAFF))
    with pytest.raises(NotPermitted):
        record(school, adult, date(2026, 2, 2), by=school.hr)
    assert not LowLevelConcern.objects.exists()


def test_entries_are_kept_as_written(procedure, school, adult):
    entry = record(school, adult, date(2026, 2, 2))
    entry.observed = "Something else."
    with pytest.raises(AppendOnlyConcern):
        entry.save()
    with pytest.raises(AppendOnlyConcern):
        entry.delete()
    with pytest.raises(AppendOnlyConcern):
        LowLevelConcern.objects.filter(pk=entry.pk).update(observed="Something else.")
    with pytest.raises(AppendOnlyConcern):
        LowLevelConcern.objects.all().delete()


def test_a_member_of_staff_refers_themselves_and_only_about_themselves(client, procedure, school, adult):
    client.force_login(school.staff2)
    assert "Tell the designated safeguarding lead about something you did" in text(
        client.get(reverse("incidents:home")))
    url = reverse("incidents:concern_self_referral")
    response = client.post(url, {"school": school.school.pk, "raised_on": "2026-03-02",
                                 "observed": "I accepted a pupil's friend request on Facebook by mistake.",
                                 "action": "I removed it straight away.", "staff": StaffMember.objects.exclude(
                                     pk=adult.pk).first().pk})  # no such field: it can only be about them
    assert response.status_code == 302
    entry = LowLevelConcern.objects.get()
    assert (entry.staff, entry.self_referral, entry.raised_by) == (adult, True, school.staff2)
    assert client.get(log_url(adult)).status_code == 404  # they do not read their own log
    client.force_login(school.dsl)
    page = text(client.get(log_url(adult)))
    assert "The adult themselves (self-referral)" in page and "I removed it straight away." in page


def test_a_self_referral_needs_what_happened_and_a_staff_record(client, procedure, school):
    client.force_login(school.staff2)
    url = reverse("incidents:concern_self_referral")
    response = client.post(url, {"school": school.school.pk, "raised_on": "2026-03-02", "observed": ""})
    assert "Say what happened." in response.content.decode()
    client.force_login(school.hr)  # no staff record at any school
    assert "You have no staff record" in text(client.get(url))
    assert client.post(url, {"school": school.school.pk, "raised_on": "2026-03-02",
                             "observed": "Something."}).status_code == 200
    with pytest.raises(NotPermitted):
        concerns.concern_self_refer(by=school.hr, school=school.school, raised_on=date(2026, 3, 2),
                                    observed="Something.")
    assert not LowLevelConcern.objects.exists()


def test_the_dsl_records_a_self_referral_made_in_person(procedure, school):
    no_login = StaffMemberFactory(school=school.school, full_name="Pat Nologin")
    entry = concerns.concern_record(by=school.dsl, staff=no_login, raised_on=date(2026, 2, 2),
                                    observed="Told me they had driven a pupil home.", action="Advised.",
                                    self_referral=True)
    assert entry.self_referral and entry.raised_by is None
    assert entry.raised_by_words == "The adult themselves (self-referral)"


def test_closing_a_case_as_a_low_level_concern_writes_an_entry_in_the_adults_log(procedure, school, take):
    case = procedure.report(safeguarding=True)
    procedure.decide_harm_threshold(case, met=False, by=school.dsl)
    take("record_low_level_concern", case, school.dsl, reason="A single like; below the harm threshold.")
    assert case.closure == Closure.LOW_LEVEL_CONCERN
    entry = LowLevelConcern.objects.get()
    assert (entry.staff, entry.case, entry.raised_by, entry.raised_on) == (
        school.employee, case, school.staff, date(2026, 3, 2))
    assert entry.observed == case.description and "A single like; below the harm threshold." in entry.action
    unknown = procedure.report(safeguarding=True, subject=None)  # about no one known yet: no log to write in
    procedure.decide_harm_threshold(unknown, met=False, by=school.dsl)
    take("record_low_level_concern", unknown, school.dsl)
    assert LowLevelConcern.objects.count() == 1


def test_a_refused_step_writes_no_entry(procedure, school, take):
    case = procedure.report(safeguarding=True)
    procedure.decide_harm_threshold(case, met=False, by=school.dsl)
    with pytest.raises(NotPermitted):
        take("record_low_level_concern", case, school.hr)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        take("record_low_level_concern", case, school.dsl, reason="")
    assert not LowLevelConcern.objects.exists() and case.state == State.REPORTED


# --- Patterns -----------------------------------------------------------------------------

def test_three_concerns_within_twelve_months_are_a_pattern_and_over_thirteen_are_not(procedure, school, adult):
    other = StaffMemberFactory(school=school.school, full_name="Over Thirteen")
    for day in (date(2025, 4, 1), date(2025, 10, 1), date(2026, 3, 1)):
        record(school, adult, day)
    for day in (date(2025, 2, 1), date(2025, 8, 1), date(2026, 3, 1)):
        record(school, other, day)
    pattern = concerns.pattern_of(adult)
    assert pattern is not None and pattern.count == 3
    assert pattern.words == "3 low-level concerns between 1 April 2025 and 1 March 2026"
    assert concerns.pattern_of(other) is None
    assert [p.staff_name for p in concerns.patterns_for(school.dsl)] == [adult.full_name]
    assert [p.staff_name for p in concerns.patterns_for(school.headteacher)] == [adult.full_name]
    assert concerns.patterns_for(school.hr) == [] and concerns.patterns_for(school.governor) == []
    assert concerns.patterns_for(school.staff2) == []  # the adult never sees their own pattern


def test_two_concerns_are_no_pattern(procedure, school, adult):
    record(school, adult, date(2026, 2, 1))
    record(school, adult, date(2026, 3, 1))
    assert concerns.pattern_of(adult) is None


def test_the_schools_setting_decides_what_makes_a_pattern(procedure, school, adult):
    other = StaffMemberFactory(school=school.school, full_name="Over Thirteen")
    for day in (date(2025, 4, 1), date(2025, 10, 1), date(2026, 3, 1)):
        record(school, adult, day)
    for day in (date(2025, 2, 1), date(2025, 8, 1), date(2026, 3, 1)):
        record(school, other, day)
    school.school.concern_pattern_months = 14
    school.school.save()
    assert concerns.pattern_of(other) is not None
    school.school.concern_pattern_count = 4
    school.school.save()
    assert concerns.pattern_of(adult) is None and concerns.pattern_of(other) is None
    record(school, adult, date(2026, 3, 2))
    assert concerns.pattern_of(adult).count == 4


def test_a_pattern_is_flagged_on_the_log_and_on_the_dsls_home_page(client, procedure, school, adult):
    for day in (date(2025, 4, 1), date(2025, 10, 1), date(2026, 3, 1)):
        record(school, adult, day)
    client.force_login(school.dsl)
    log = text(client.get(log_url(adult)))
    assert "Pattern to review" in log and log.count("Part of the pattern") == 3 and "Refer as a case" in log
    home = text(client.get(reverse("incidents:home")))
    assert f"{adult.full_name} {school.school.name} Pattern to review 3 low-level concerns" in home
    client.force_login(school.hr)
    assert adult.full_name not in text(client.get(reverse("incidents:home")))


# --- Referring a pattern as a case -----------------------------------------------------

def test_a_pattern_referred_becomes_a_safeguarding_case_linked_to_its_concerns(client, procedure, school, adult):
    entries = [record(school, adult, day) for day in (date(2025, 4, 1), date(2025, 10, 1), date(2026, 3, 1))]
    client.force_login(school.dsl)
    url = reverse("incidents:concern_refer", kwargs={"staff": adult.uuid})
    response = client.post(url, {"reason": "Three times alone with pupils after school this year."})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert (case.subject, case.reporter, case.safeguarding, case.state) == (adult, school.dsl, True, State.REPORTED)
    assert case.description == "Three times alone with pupils after school this year."
    assert case.lado_due_on is not None  # the harm threshold is decided as for any safeguarding concern
    assert {entry.pk for entry in case.referred_concerns.all()} == {entry.pk for entry in entries}
    event = case.events.get(kind=CaseEvent.Kind.CONCERNS_REFERRED)
    assert event.actor == school.dsl
    assert "3 low-level concerns between 1 April 2025 and 1 March 2026" in event.note
    page = text(client.get(case.get_absolute_url()))
    assert "Referred from low-level concerns" in page
    log = text(client.get(log_url(adult)))
    assert "Pattern to review" not in log and log.count(f"Referred as {case.reference}") == 3
    assert adult.full_name not in text(client.get(reverse("incidents:home"))).split("Low-level concerns")[1]


def test_a_referral_needs_a_reason_and_a_pattern(client, procedure, school, adult):
    record(school, adult, date(2026, 3, 1))
    client.force_login(school.dsl)
    url = reverse("incidents:concern_refer", kwargs={"staff": adult.uuid})
    response = client.post(url, {"reason": "Referring."})
    assert response.status_code == 200 and "There is no pattern of low-level concerns" in text(response)
    record(school, adult, date(2026, 2, 1))
    record(school, adult, date(2026, 1, 5))
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Say what the case is about and why the pattern is referred." in text(
        response)
    client.force_login(school.hr)
    assert client.post(url, {"reason": "Referring."}).status_code == 404
    assert not Case.objects.exists() and not LowLevelConcern.objects.filter(referred_to__isnull=False).exists()


# --- The DSL's home page ------------------------------------------------------------------

def report_safeguarding_on(procedure, day: date) -> Case:
    procedure.clock.move_to(datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON), tick=False)
    return procedure.report(safeguarding=True)


def test_the_dsls_home_lists_every_safeguarding_case_next_deadline_first(client, procedure, school):
    later = report_safeguarding_on(procedure, date(2026, 3, 4))  # due Thursday 5 March
    sooner = report_safeguarding_on(procedure, date(2026, 3, 2))  # due Tuesday 3 March
    referred = report_safeguarding_on(procedure, date(2026, 3, 2))
    procedure.decide_harm_threshold(referred, met=True, by=school.dsl)
    services.step_take(case=referred, by=school.dsl, given=inputs.ReferToLado(
        allegation="Messages to a pupil.", lado_name="Morgan Ellis", lado_authority="Rainow Borough Council"))
    not_safeguarding = procedure.report()
    procedure.clock.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    client.force_login(school.dsl)
    page = text(client.get(reverse("incidents:home")))
    section = page.split("Safeguarding cases")[1].split("Low-level concerns")[0]
    assert "3 open cases, 1 overdue" in section and "every open safeguarding case" in section
    assert section.index(sooner.reference) < section.index(later.reference) < section.index(referred.reference)
    assert f"{sooner.reference} Reported Referral to the LADO: Overdue: due 3 March 2026" in section
    assert f"{later.reference} Reported Referral to the LADO: 5 March 2026" in section
    assert "The case manager or the designated safeguarding lead Alex Employee" in section
    assert not_safeguarding.reference not in page
    assert page.count(sooner.reference) == 1  # not listed again among the cases needing action


def test_the_dsls_home_is_paged_in_the_database(client, procedure, school, monkeypatch):
    from incidents.views.home import HomeView

    monkeypatch.setattr(HomeView, "paginate_by", 2)
    cases = [report_safeguarding_on(procedure, day) for day in (date(2026, 3, 2), date(2026, 3, 3),
                                                                 date(2026, 3, 4))]
    client.force_login(school.dsl)
    first = text(client.get(reverse("incidents:home")))
    second = text(client.get(reverse("incidents:home"), {"safeguarding_page": 2}))
    assert cases[0].reference in first and cases[1].reference in first and cases[2].reference not in first
    assert cases[2].reference in second and "Page 2 of 2" in second


def test_the_dsls_home_costs_the_same_queries_however_many_cases_and_patterns(client, procedure, school):
    def add(count: int) -> None:
        for n in range(count):
            report_safeguarding_on(procedure, date(2026, 3, 2 + n % 3))
            adult = StaffMemberFactory(school=school.school)
            for day in (date(2025, 6, 1), date(2025, 9, 1), date(2026, 2, 2)):
                record(school, adult, day)

    add(1)
    client.force_login(school.dsl)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("incidents:home")).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        page = text(client.get(reverse("incidents:home")))
    assert "13 open cases" in page and page.count("Pattern to review") == 13
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
