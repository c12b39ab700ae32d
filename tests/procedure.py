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
from incidents.workflow import Outcome, State

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
        if state == State.WITHDRAWN:
            services.case_withdraw(case=case, by=case.reporter, reason="I misread the post.")
        elif state in (State.CONTENT_REMOVAL_REQUESTED, State.CONTENT_REMOVED):
            services.case_request_content_removal(case=case, by=manager)
            if state == State.CONTENT_REMOVED:
                services.case_confirm_removed(case=case, by=manager, how_confirmed="Checked the page: gone.")
        elif state == State.SAFEGUARDING_REFERRAL:
            services.case_refer_to_lado(case=case, by=manager, allegation="Accepted a pupil's friend request.")
        elif state == State.CONTAINMENT:
            services.case_secure_account(case=case, by=manager, checklist={"password_changed": True})
        elif state == State.CLOSED:
            services.case_close_no_case(case=case, by=manager, reason="The post was not made by staff.")
        else:
            services.case_open_investigation(case=case, by=manager, investigating_officer=p.investigator)
            if state != State.INVESTIGATION:
                self.refer_to_hearing(case)
            if state in (State.OUTCOME_ISSUED, State.APPEAL):
                self.hold_hearing(case)
            if state == State.APPEAL:
                self.lodge_appeal(case)
        assert case.state == state
        return case

    def refer_to_hearing(self, case: Case, panel=None) -> None:
        services.case_refer_to_hearing(
            case=case, by=case.case_manager, findings="The post was made by the employee.",
            hearing_at=HEARING_AT, place="Meeting room 1", panel=panel or [self.people.headteacher],
        )

    def hold_hearing(self, case: Case, outcome: str = Outcome.FINAL_WRITTEN_WARNING) -> None:
        self.clock.move_to(HEARING_AT + timedelta(hours=2), tick=False)
        services.case_record_outcome(case=case, by=self.people.headteacher, outcome=outcome,
                                     reasons="The post breached clause a.2 and was left up after a request.")

    def lodge_appeal(self, case: Case) -> None:
        p = self.people
        self.clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
        services.case_lodge_appeal(
            case=case, by=case.case_manager, grounds="The sanction is too severe.",
            received_on=clock.today(), hearing_at=APPEAL_HEARING_AT, place="Meeting room 2",
            panel=[p.chair, p.governor],
        )
