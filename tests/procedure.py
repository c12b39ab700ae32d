"""Bring a case to any stage of the procedure through the real services.

Tests start on Monday 2 March 2026 at 09:00 (London), a week clear of bank holidays,
and the clock moves forward as the procedure needs: to hold a hearing, to let an
appeal window pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from incidents import clock, services
from incidents.models import Case
from incidents.workflow import (
    DISMISSALS,
    Outcome,
    State,
    Suspension,
    inputs,
    steps,
)

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)  # a Monday
HEARING_AT = datetime(2026, 3, 10, 10, 0, tzinfo=LONDON)  # 6 working days later
APPEAL_HEARING_AT = datetime(2026, 3, 20, 10, 0, tzinfo=LONDON)


class Procedure:
    """Walks cases of `people.school` through the procedure, moving `clock` as it goes."""

    def __init__(self, people, clock):
        self.people = people
        self.clock = clock
        clock.move_to(START, tick=False)

    def report(self, *, kind: str = Case.Kind.BREACH, reporter=None, subject="employee", clauses=(),
               safeguarding: bool = False) -> Case:
        p = self.people
        return services.case_report(
            reporter=reporter or p.staff, school=p.school, kind=kind, platform=Case.Platform.FACEBOOK,
            subject=p.employee if subject == "employee" else subject, clauses=clauses,
            description="A post criticising parents of Year 4 in a public Facebook group.",
            content_url="https://facebook.example/posts/1", safeguarding=safeguarding,
        )

    def case_at(self, state: str, **report) -> Case:
        """A new case at `state`, reached by the usual route (the clock starts again at START)."""
        p = self.people
        self.clock.move_to(START, tick=False)
        if state == State.CONTAINMENT:
            report.setdefault("kind", Case.Kind.COMPROMISED_ACCOUNT)
        case = self.report(**report)
        manager = case.case_manager
        if state == State.REPORTED:
            return case
        if case.safeguarding and state != State.SAFEGUARDING_REFERRAL:
            self.decide_harm_threshold(case, met=False)  # below the threshold: the school's procedure goes on
        if state == State.WITHDRAWN:
            services.step_take(case=case, by=case.reporter, given=inputs.Withdraw(reason="I misread the post."))
        elif state in (State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED):
            services.step_take(case=case, by=manager, given=inputs.RequestContentRemoval())
            if state == State.CONTENT_REMOVED:
                services.step_take(case=case, by=manager, given=inputs.ConfirmRemoved(
                    how_confirmed="Checked the page: gone."))
        elif state == State.SAFEGUARDING_REFERRAL:
            self.decide_harm_threshold(case, met=True)
            services.step_take(case=case, by=manager, given=inputs.ReferToLado(
                allegation="Accepted a pupil's friend request.", lado_name="Morgan Ellis",
                lado_authority="Rainow Borough Council"))
        elif state == State.CONTAINMENT:
            services.step_take(case=case, by=manager, given=inputs.SecureAccount(
                checklist={"password_changed": True}))
        elif state == State.CLOSED:
            services.step_take(case=case, by=manager, given=inputs.CloseNoCase(
                reason="The post was not made by staff."))
        else:
            services.step_take(case=case, by=manager, given=inputs.OpenInvestigation(
                investigating_officer=p.investigator))
            if state != State.INVESTIGATION:
                self.refer_to_hearing(case)
            if state in (State.OUTCOME_ISSUED, State.APPEAL):
                self.hold_hearing(case)
            if state == State.APPEAL:
                self.lodge_appeal(case)
        assert case.state == state
        return case

    def decide_harm_threshold(self, case: Case, *, met: bool, by=None) -> None:
        """The case manager (or `by`) decides the harm threshold: met on the test of risk, or not met."""
        services.step_take(case=case, by=by or case.case_manager, given=inputs.DecideHarmThreshold(
            harmed=False, offence=False, risk=met, unsuitable=False,
            reasons="Messages to a pupil suggest a risk of harm." if met else "A single like; no child involved."))

    def case_ready_for_hearing(self, **report) -> Case:
        """A new case under investigation whose investigating officer has reported."""
        case = self.case_at(State.INVESTIGATION, **report)
        self.submit_report(case)
        return case

    def case_dismissed(self, state: str = State.OUTCOME_ISSUED) -> Case:
        """A new case ended in summary dismissal by a one-governor committee (the school's committee
        size set to 1), at `state`: the outcome issued, under appeal, or closed."""
        p = self.people
        p.school.dismissal_committee_size = 1
        p.school.save()
        case = self.case_ready_for_hearing()
        services.step_take(case=case, by=case.case_manager, given=inputs.ReferToHearing(
            hearing_at=HEARING_AT, place="Meeting room 1", panel=[p.chair], gross_misconduct_alleged=True))
        self.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
        services.step_take(case=case, by=p.chair, given=inputs.RecordOutcome(
            outcome=Outcome.SUMMARY_DISMISSAL, reasons="Gross misconduct was found."))
        if state == State.APPEAL:
            self.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
            services.step_take(case=case, by=case.case_manager, given=inputs.LodgeAppeal(
                grounds="Too severe.", received_on=clock.today(), hearing_at=APPEAL_HEARING_AT,
                place="Meeting room 2", panel=[p.governor]))
        elif state == State.CLOSED:
            services.step_take(case=case, by=case.case_manager, given=inputs.Close(
                reason="The employee said in writing they will not appeal."))
        assert case.state == state
        return case

    def submit_report(self, case: Case) -> None:
        """The investigating officer reports, recommending a hearing."""
        services.step_take(case=case, by=case.investigating_officer, given=inputs.SubmitInvestigationReport(
            findings="The post was made by the employee.", recommendation="hearing"))

    def refer_to_hearing(self, case: Case, panel=None) -> None:
        if case.investigation_reported_at is None:
            self.submit_report(case)
        p = self.people
        if panel is None:  # a staff dismissal committee when the employee's live warnings make dismissal possible
            panel = [p.chair, p.governor, p.governor2] if case.most_serious_outcome() in DISMISSALS else [p.headteacher]
        services.step_take(case=case, by=case.case_manager, given=inputs.ReferToHearing(
            hearing_at=HEARING_AT, place="Meeting room 1", panel=panel))

    def hold_hearing(self, case: Case, outcome: str = Outcome.FINAL_WRITTEN_WARNING) -> None:
        self.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
        member = case.hearing_panel.order_by("pk").first()
        services.step_take(case=case, by=member, given=inputs.RecordOutcome(
            outcome=outcome, reasons="The post breached clause a.2 and was left up after a request."))

    def lodge_appeal(self, case: Case) -> None:
        self.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
        services.step_take(case=case, by=case.case_manager, given=inputs.LodgeAppeal(
            grounds="The sanction is too severe.", received_on=clock.today(), hearing_at=APPEAL_HEARING_AT,
            place="Meeting room 2", panel=self.appeal_panel(case)))

    def appeal_panel(self, case: Case) -> list:
        """Two governors; after a committee of all three heard the case, three others not involved."""
        p = self.people
        if case.hearing_panel.filter(pk=p.chair.pk).exists():
            return [p.dsl, p.hr, p.staff2]
        return [p.chair, p.governor]


# --- Every step, for the tests that go through all of them ---------------------------

def all_steps() -> list[tuple[str, str]]:
    """Every (step, source stage) pair of both machines, from the procedure's declarations."""
    return sorted((step.name, source) for step in steps() for source in step.sources)


def reach(procedure, take, source: str, step: str) -> Case:
    """A case at `source`, ready for `step`."""
    if source in Suspension.values:
        case = procedure.case_at(State.INVESTIGATION)
        if source != Suspension.NOT_SUSPENDED:
            take("suspend", case, case.case_manager)
        if source == Suspension.LIFTED:
            take("lift_suspension", case, case.case_manager)
        return case
    if step == "record_authority_notice":
        return procedure.case_dismissed(source)
    if step == "record_barring_referrals":
        return referred_case_at(procedure, take, source, left=True)
    if step == "record_lado_meeting":
        return referred_case_at(procedure, take, source)
    if step == "lift_reporting_restriction" and source == State.CLOSED:
        case = procedure.case_at(State.REPORTED)
        take("restrict_reporting", case, case.case_manager)
        take("close_no_case", case, case.case_manager)
        return case
    kind = Case.Kind.COMPROMISED_ACCOUNT if step == "secure_account" else Case.Kind.BREACH
    case = procedure.case_at(source, kind=kind) if source != State.CONTAINMENT else procedure.case_at(source)
    if step == "refer_to_hearing":
        procedure.submit_report(case)
    if step == "record_outcome":
        procedure.clock.move_to(HEARING_AT + timedelta(hours=3), tick=False)
    if step == "lodge_appeal":
        procedure.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
    if step == "decide_appeal":
        procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=3), tick=False)
    if step in ("refer_to_lado", "record_low_level_concern"):
        procedure.decide_harm_threshold(case, met=step == "refer_to_lado")
    if step == "resume_procedure":
        take("pause_for_agencies", case, case.case_manager)
    if step == "lift_reporting_restriction":
        take("restrict_reporting", case, case.case_manager)
    return case


def referred_case_at(procedure, take, source: str, *, left: bool = False) -> Case:
    """A case referred to the LADO, now at `source`: the LADO found the allegation substantiated
    and the school investigates (then hears, decides, ...). `left`: the employee left on the way."""
    case = procedure.case_at(State.SAFEGUARDING_REFERRAL)
    if left:
        take("record_employee_left", case, case.case_manager)
    if source == State.SAFEGUARDING_REFERRAL:
        return case
    take("record_lado_outcome", case, case.case_manager, lado_outcome="substantiated", investigate=True,
         investigating_officer=procedure.people.investigator,
         personnel_summary="The allegation was substantiated and is investigated.")
    if source != State.INVESTIGATION:
        procedure.refer_to_hearing(case)
    if source in (State.OUTCOME_ISSUED, State.APPEAL):
        procedure.hold_hearing(case)
    if source == State.APPEAL:
        procedure.lodge_appeal(case)
    assert case.state == source
    return case


def who_may(step: str, case: Case, p) -> list:
    return {
        "withdraw": [case.reporter],
        **{name: [p.headteacher, *([p.dsl] if case.safeguarding else [])] for name in (
            "decide_harm_threshold", "refer_to_lado", "record_lado_meeting", "pause_for_agencies",
            "resume_procedure", "restrict_reporting", "lift_reporting_restriction")},
        "record_low_level_concern": [p.headteacher, *([p.dsl] if case.safeguarding else [])],
        "record_investigation_meeting": [p.investigator],
        "add_statement": [p.investigator],
        "submit_investigation_report": [p.investigator],
        "record_outcome": list(case.hearing_panel.order_by("pk")) or [p.headteacher],
        "decide_appeal": list(case.appeal_panel.order_by("pk")) or [p.chair, p.governor],
    }.get(step, [case.case_manager])
