"""The demo's cases, each told as its history, and the clock that plays them.

A scenario is a generator: `yield d.ago(n, hh, mm)` stops the clock (`incidents.clock.frozen`)
at hh:mm, n working days before today, and the lines after it are what happened then, taken
through `incidents.services` as a person would take each step: the timelines, deadlines and
letters are the real ones. `run_on_one_clock` plays every scenario's steps in time order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from incidents import clock, concerns, services
from incidents.demo.people import BOLLINGTON, LONDON, RAINOW
from incidents.letters import render
from incidents.models import Case, Clause, Policy, School, StaffMember
from incidents.names import display_name
from incidents.workflow import AppealDecision, EscalationReason, LadoOutcome, Outcome, RescheduleReason, inputs
from incidents.workflow.choices import Agencies, BarringReferral, DocumentKind, LadoMeeting, Recommendation
from incidents.working_days import add_working_days, is_working_day

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()


# --- The clock the cases are built on ------------------------------------------------

class Demo:
    """What a case scenario needs: the schools, the people, the clauses and the calendar."""

    def __init__(self, *, schools: dict[str, School], users: dict[str, User], policy: Policy, now: datetime) -> None:
        self.rainow = schools[RAINOW]
        self.bollington = schools[BOLLINGTON]
        self.users = users
        self.policy = policy
        self.today = now.astimezone(LONDON).date()

    def user(self, username: str) -> User:
        return self.users[username]

    def staff(self, full_name: str) -> StaffMember:
        return StaffMember.objects.get(full_name=full_name, user=None)

    def staff_record(self, username: str) -> StaffMember:
        return StaffMember.objects.get(user=self.users[username])

    def clauses(self, *refs: str) -> list[Clause]:
        clauses = list(Clause.objects.filter(policy=self.policy, ref__in=refs))
        missing = set(refs) - {clause.ref for clause in clauses}
        if missing:
            raise LookupError(f"The policy has no clause {', '.join(sorted(missing))}.")
        return clauses

    def day(self, working_days_ago: int) -> date:
        """The working day `working_days_ago` working days before today (1 is the last one before today)."""
        day = self.today
        remaining = working_days_ago
        while remaining:
            day -= timedelta(days=1)
            if is_working_day(day):
                remaining -= 1
        return day

    def ago(self, working_days_ago: int, hour: int, minute: int = 0) -> datetime:
        return self.at(self.day(working_days_ago), hour, minute)

    @staticmethod
    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=LONDON)

    @staticmethod
    def after(day: date, working_days: int) -> date:
        return add_working_days(day, working_days)



def run_on_one_clock(scenarios: list[Iterator[datetime]], *, now: datetime) -> None:
    """Play the scenarios' steps in time order, whatever case they belong to.

    A scenario is a generator: it yields the moment of its next step, and is resumed with
    the clock stopped at that moment. Playing every case on one clock numbers the cases
    in the order they were reported, as at a real school.
    """
    queue: list[tuple[datetime, int, Iterator[datetime]]] = []

    def advance(order: int, scenario: Iterator[datetime], previous: datetime | None) -> None:
        moment = next(scenario, None)
        if moment is None:
            return
        if moment > now:
            raise ValueError(f"A demo step is set in the future ({moment:%Y-%m-%d %H:%M}).")
        if previous is not None and moment < previous:
            raise ValueError(f"A demo step goes back in time ({moment:%Y-%m-%d %H:%M}).")
        heapq.heappush(queue, (moment, order, scenario))

    for order, scenario in enumerate(scenarios):
        advance(order, scenario, None)
    while queue:
        moment, order, scenario = heapq.heappop(queue)
        with clock.frozen(moment):
            advance(order, scenario, moment)


# --- The cases at Rainow --------------------------------------------------------------
def _statement_pdf(witness: str, school: School, text: str) -> SimpleUploadedFile:
    """A witness statement as the investigating officer would scan it: a signed one-page PDF."""
    html = render_to_string("demo/statement.html", {"witness": witness, "school": school, "text": text})
    return SimpleUploadedFile("statement.pdf", render.html_to_pdf(html), content_type="application/pdf")


def investigated(d: Demo, case: Case, *, met: int, statement: int, reported: int,
                 findings: str) -> Iterator[datetime]:
    """The investigating officer's part: a meeting with the employee `met` working days ago, a
    colleague's signed statement, then the report recommending a hearing."""
    officer = case.investigating_officer
    employee = case.subject.full_name if case.subject else "The employee"
    yield d.ago(met, 10, 0)
    services.step_take(case=case, by=officer, given=inputs.RecordInvestigationMeeting(
        held_at=d.ago(met, 9, 0), companion="Jo Booth, a colleague",
        attended=f"{employee}; {display_name(officer)}, investigating officer; "
                 "Simon Fletcher, HR adviser, taking notes.",
        notes=f"{employee} was shown the evidence and asked about it, and had the chance to respond to each point. "
              f"{findings.split('. ')[0]}. The notes were read back and agreed."))
    yield d.ago(statement, 15, 0)
    services.step_take(case=case, by=officer, given=inputs.AddStatement(
        what=DocumentKind.STATEMENT, description="Statement of a colleague who saw the post",
        document=_statement_pdf("A colleague who saw the post", case.school,
                                "I saw the post on the evening it was made and told the office the next morning.")))
    yield d.ago(reported, 16, 0)
    services.step_take(case=case, by=officer, given=inputs.SubmitInvestigationReport(
        findings=findings, recommendation=Recommendation.HEARING))


# Each scenario reads as the case's history: `yield d.ago(n, hh, mm)` moves the clock to
# hh:mm, n working days before today, and the lines after it are what happened then.

Scenario = Callable[[Demo], Iterator[datetime]]


def sam_patel_appeal_decided(d: Demo) -> Iterator[datetime]:
    """Closed after an appeal: a final written warning reduced to a first written warning."""
    head, chair = d.user("headteacher"), d.user("chair")
    yield d.ago(60, 16, 40)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Sam Patel"),
        platform=Case.Platform.X, clauses=d.clauses("b.1", "b.2"), seen_on=d.day(60),
        content_url="https://x.com/mrpatel_teaches/status/1829512204418211840",
        description=(
            "Sam posted on X a photo of his class's reading assessment tracker with the caption "
            "\"So proud of my lot this term!\". The sheet shows every pupil's first name, reading age and "
            "which pupils have extra support (two are marked SEN). His account is public. This reveals "
            "information owned by the school (b.1) and confidential information about children (b.2)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The post on X, as I saw it.")
    yield d.ago(59, 9, 0)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield from investigated(
        d, case, met=55, statement=52, reported=47,
        findings="Sam accepts he posted the photo. It was public for four days and was shared twice before he "
            "deleted it. He had completed the policy training in September. The information about pupils' "
            "support needs is special category data.")
    yield d.ago(45, 15, 30)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.ago(38, 10), place="The meeting room, Rainow Primary School", panel=(head,)))
    yield d.ago(38, 15, 0)
    services.step_take(case=case, by=head, given=inputs.RecordOutcome(
        outcome=Outcome.FINAL_WRITTEN_WARNING,
        reasons="Publishing pupils' names with their support needs is a serious breach of confidentiality (b.2). "
            "Sam knew the policy. A final written warning, live for 12 months."))
    yield d.ago(33, 10, 0)
    services.step_take(case=case, by=head, given=inputs.LodgeAppeal(
        received_on=d.day(34), hearing_at=d.ago(26, 14), place="The meeting room, Rainow Primary School",
        panel=(chair, d.user("governor")),
        grounds="Sam says a final written warning is too severe for a first offence: he deleted the post as soon "
            "as he was told, has apologised to the parents concerned, and has a clean record of eleven years."))
    yield d.ago(26, 16, 30)
    services.step_take(case=case, by=chair, given=inputs.DecideAppeal(
        decision=AppealDecision.PARTLY_UPHELD, new_outcome=Outcome.FIRST_WRITTEN_WARNING,
        reasons="The breach was serious, but the panel gives weight to Sam's record, his prompt removal of the post "
            "and his apology. A first written warning replaces the final written warning."))


def natalie_brooks_outcome_final(d: Demo) -> Iterator[datetime]:
    """Closed when the appeal window passed: a first written warning, not appealed."""
    head = d.user("headteacher")
    yield d.ago(55, 21, 5)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Natalie Brooks"),
        platform=Case.Platform.INSTAGRAM, clauses=d.clauses("e.2", "a.2"), seen_on=d.day(55),
        content_url="https://www.instagram.com/p/C9xQ2mLsT4u/",
        description=(
            "Natalie commented on a colleague's public Instagram photo from a staff night out: \"Someone's let "
            "themselves go, no wonder she's always off sick\". Other staff have liked the comment and the "
            "colleague is very upset. Using social media to bully a colleague (e.2) and arguing with a "
            "colleague in public (a.2)."
        ),
    )
    yield d.ago(54, 9, 15)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield from investigated(
        d, case, met=50, statement=48, reported=46,
        findings="Natalie accepts she wrote the comment and says it was a joke between friends. The colleague "
            "has been absent since and says she feels she cannot come back to the staff room.")
    yield d.ago(44, 14, 0)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.ago(37, 10), place="The meeting room, Rainow Primary School", panel=(head,)))
    yield d.ago(37, 15, 0)
    services.step_take(case=case, by=head, given=inputs.RecordOutcome(
        outcome=Outcome.FIRST_WRITTEN_WARNING,
        reasons="A public comment mocking a colleague's appearance and health is bullying (e.2). First offence."))
    yield d.ago(25, 9, 0)
    services.step_take(case=case, by=head, given=inputs.Close(reason="The appeal window passed without an appeal."))


def kieran_walsh_lado_closed(d: Demo) -> Iterator[datetime]:
    """Closed on the LADO's outcome: the allegation was false."""
    yield d.ago(45, 9, 15)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Kieran Walsh"),
        platform=Case.Platform.OTHER, clauses=d.clauses("c.2"), seen_on=d.day(45),
        description=(
            "A Year 4 pupil told me this morning that \"Mr Walsh\" is on her Snapchat and added her as a friend. "
            "Kieran is the teaching assistant in Year 4. I have not seen the account myself. If true, this is "
            "accepting a pupil's request to be a named friend (c.2)."
        ),
    )
    yield d.ago(45, 11, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.DecideHarmThreshold(
        harmed=False, offence=False, risk=True, unsuitable=True,
        reasons="An adult at the school privately befriending a 9-year-old pupil on Snapchat would indicate a risk "
                "of harm and unsuitability to work with children, if true."))
    yield d.ago(45, 11, 30)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.ReferToLado(
        allegation="A Year 4 pupil says a teaching assistant added her as a friend on Snapchat.",
        lado_name="Morgan Ellis", lado_authority="Rainow Borough Council", lado_reference="LADO/2026/0311"))
    yield d.ago(43, 10, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.RecordLadoMeeting(
        meeting=LadoMeeting.EVALUATION, held_on=d.day(43),
        attended="Morgan Ellis (LADO); Rachel Green (designated safeguarding lead); Catherine Moss (headteacher).",
        agreed_actions="The LADO to speak to the pupil's parents about the Snapchat account; the school to take no "
                       "action and not to speak to Kieran until then."))
    yield d.ago(41, 14, 0)
    services.step_take(case=case, by=d.user("headteacher"), given=inputs.RecordLadoOutcome(
        lado_outcome=LadoOutcome.FALSE, investigate=False,
        advice="The LADO checked with the pupil's parents: the Snapchat account belongs to the pupil's "
            "15-year-old cousin, also called Walsh, not to Kieran. No further action by the LADO or the "
            "school. Kieran to be told the outcome in writing and offered support."))


def ryan_cole_low_level_concern(d: Demo) -> Iterator[datetime]:
    """Closed by the DSL as a low-level concern, below the harm threshold: the third low-level
    concern about Ryan within a year (the first he raised himself), so a pattern to review."""
    yield d.ago(150, 8, 20)
    concerns.concern_record(
        by=d.user("dsl"), staff=d.staff("Ryan Cole"), raised_on=d.day(150), self_referral=True,
        observed="Ryan came to tell me that he gave a Year 6 pupil a lift home after football practice, in the "
            "rain, with no other adult in the car. The pupil's mother had asked him to.",
        action="Thanked Ryan for telling me. Reminded him that staff do not give pupils lifts alone, and told "
            "the football club's parents the same in the newsletter.")
    yield d.ago(80, 12, 45)
    concerns.concern_record(
        by=d.user("dsl"), staff=d.staff("Ryan Cole"), raised_on=d.day(80), raised_by=d.user("staff"),
        observed="Seen letting two Year 5 boys stay in the PE store with him at lunchtime, door closed, "
            "to 'help with the kit'.",
        action="Spoke to Ryan the same day about keeping doors open and staying in sight of other adults.")
    yield d.ago(35, 15, 40)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Ryan Cole"),
        platform=Case.Platform.FACEBOOK, clauses=d.clauses("c.1"), seen_on=d.day(36),
        description=(
            "Ryan sent a Facebook Messenger message to a Year 5 parent he does not otherwise know, offering her "
            "son a place in his Saturday football club (run privately, not by the school). The parent mentioned "
            "it to me at the gate; she was not upset but found it odd. Contacting families through social media "
            "without the headteacher's approval (c.1)."
        ),
    )
    yield d.ago(34, 10, 45)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.DecideHarmThreshold(
        harmed=False, offence=False, risk=False, unsuitable=False,
        reasons="One message to a parent, about a club, with no contact with a child: none of the four tests is met."))
    yield d.ago(34, 11, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.RecordLowLevelConcern(
        reason="One message, to a parent, about a club: nothing suggests a risk to a child, so the harm threshold "
            "is not met. Kept as a low-level concern. Ryan reminded of the policy and asked to advertise his "
            "club through the school office."))


def aisha_rahman_appeal(d: Demo) -> Iterator[datetime]:
    """Appeal lodged against a final written warning; the appeal hearing is in a few days."""
    head = d.user("headteacher")
    yield d.ago(40, 13, 10)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Aisha Rahman"),
        platform=Case.Platform.FACEBOOK, clauses=d.clauses("a", "a.3"), seen_on=d.day(40),
        content_url="https://www.facebook.com/groups/macclesfieldparents/posts/2290417755",
        description=(
            "In the 'Macclesfield Mums & Dads' Facebook group (about 11,000 members), Aisha wrote under a post "
            "asking for nursery recommendations: \"Avoid Little Acorns at all costs, they cover up accidents and "
            "the manager lies to Ofsted. I work at Rainow Primary, I see what comes through from there.\" The "
            "nursery's owner has written to the headteacher. Defamatory comments about another organisation "
            "(a.3), made as one of our staff, which brings the school into disrepute (a)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The comment in the group, with the nursery's name.")
    yield d.ago(39, 9, 0)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield from investigated(
        d, case, met=30, statement=26, reported=22,
        findings="Aisha accepts writing the comment and removed it the same evening. She has no evidence for the "
            "claims about the nursery. The nursery has taken legal advice. The school's name was used.")
    yield d.ago(20, 14, 30)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.ago(13, 10), place="The meeting room, Rainow Primary School", panel=(head,)))
    yield d.ago(13, 15, 0)
    services.step_take(case=case, by=head, given=inputs.RecordOutcome(
        outcome=Outcome.FINAL_WRITTEN_WARNING,
        reasons="Unfounded public allegations against a local nursery, made in the school's name, expose the school "
            "to legal action and damage its relationship with a partner setting (a, a.3)."))
    yield d.ago(6, 10, 0)
    services.step_take(case=case, by=head, given=inputs.LodgeAppeal(
        received_on=d.day(7), hearing_at=d.at(d.after(d.day(6), 7), 14),
        place="The meeting room, Rainow Primary School", panel=(d.user("chair"), d.user("governor")),
        grounds="Aisha says the sanction is too severe for a first offence: she removed the comment the same "
            "evening, has apologised to the nursery in writing, and has a clean record of nine years."))


def priya_shah_no_case(d: Demo) -> Iterator[datetime]:
    """Closed after investigation: no case to answer."""
    head = d.user("headteacher")
    yield d.ago(30, 12, 5)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Priya Shah"),
        platform=Case.Platform.X, clauses=d.clauses("a.1", "b.1"), seen_on=d.day(30),
        content_url="https://x.com/RainowStaffRoom",
        description=(
            "An anonymous X account, @RainowStaffRoom, has posted six times this week about \"what really goes "
            "on\" at Rainow: the budget deficit and who is about to be made redundant. Several colleagues think "
            "it is Priya, as the posts quote figures from the finance committee papers she prepares. Criticising "
            "the school (a.1) and revealing information owned by the school (b.1)."
        ),
    )
    yield d.ago(29, 9, 30)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield d.ago(27, 11, 0)
    services.evidence_add(case=case, by=d.user("investigator"), link=case.content_url,
                          description="The account's posts, read by the investigating officer.")
    yield d.ago(24, 15, 0)
    services.step_take(case=case, by=head, given=inputs.CloseNoCase(
        reason="The account posted twice while Priya was on the Year 6 residential with no phone signal, and its "
            "figures come from the governing body's published minutes, not the finance papers. Nothing links "
            "Priya to it. She has been told in writing and offered support."))


def ellie_marsh_management_advice(d: Demo) -> Iterator[datetime]:
    """Content removed, then closed with management advice (not a sanction)."""
    head = d.user("headteacher")
    yield d.ago(27, 18, 0)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Ellie Marsh"),
        platform=Case.Platform.YOUTUBE, clauses=d.clauses("d.1", "d.2"), seen_on=d.day(27),
        content_url="https://www.youtube.com/watch?v=Qm4sT7rXw2E",
        description=(
            "Ellie uploaded to her public YouTube channel a full read-aloud of a recently published picture "
            "book, every page shown, titled \"Story time with Miss Marsh\". The publisher allows short extracts "
            "only, and neither author nor illustrator is credited. Using someone else's images and written "
            "content without permission (d.1), without acknowledgement (d.2)."
        ),
    )
    yield d.ago(26, 8, 20)
    services.step_take(case=case, by=head, given=inputs.RequestContentRemoval())
    yield d.ago(25, 12, 0)
    services.step_take(case=case, by=head, given=inputs.ConfirmRemoved(
        how_confirmed="Checked the channel while logged out: the video has gone. Ellie confirmed by email."))
    yield d.ago(23, 15, 30)
    services.step_take(case=case, by=head, given=inputs.GiveManagementAdvice(
        advice="Ellie had not realised a read-aloud needs the publisher's permission. Ask the English lead before "
            "sharing any reading online, and use the school's licensed story service for recordings. This is "
            "advice, not a disciplinary sanction."))


def megan_hughes_outcome_issued(d: Demo) -> Iterator[datetime]:
    """Outcome issued (first written warning); the appeal window is still open."""
    head = d.user("headteacher")
    yield d.ago(22, 8, 35)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Megan Hughes"),
        platform=Case.Platform.WHATSAPP, clauses=d.clauses("e.2", "e.3"), seen_on=d.day(23),
        description=(
            "Megan set up a WhatsApp group, \"Y3 team (the real one)\", with every member of the Year 3 team "
            "except one colleague, and posts memes mocking that colleague's accent and the way she runs the "
            "phonics group. A member of the group showed me the messages because she felt uncomfortable. "
            "Using social media to bully a colleague (e.2) and to exclude her (e.3)."
        ),
    )
    yield d.ago(21, 10, 0)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield from investigated(
        d, case, met=17, statement=15, reported=12,
        findings="Three members of the group confirm the messages; Megan accepts setting up the group and says the "
            "memes were \"banter\". The colleague concerned has raised a grievance.")
    yield d.ago(10, 14, 0)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.ago(3, 10), place="The meeting room, Rainow Primary School", panel=(head,)))
    yield d.ago(3, 15, 30)
    services.step_take(case=case, by=head, given=inputs.RecordOutcome(
        outcome=Outcome.FIRST_WRITTEN_WARNING,
        reasons="Mocking a colleague's accent in a group set up to leave her out is bullying and exclusion (e.2, "
            "e.3). Megan is expected to leave the group, take part in mediation and follow the policy."))


def dean_foster_dismissed(d: Demo) -> Iterator[datetime]:
    """Gross misconduct alleged, heard by a staff dismissal committee of three governors: summary
    dismissal, notified to the local authority (Rainow is a community school), whose notice is awaited."""
    head = d.user("headteacher")
    committee = (d.user("chair"), d.user("governor"), d.user("governor2"))
    yield d.ago(32, 16, 20)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Dean Foster"),
        platform=Case.Platform.FACEBOOK, clauses=d.clauses("e.2"), seen_on=d.day(32),
        description=(
            "Dean posted on his public Facebook page a video he filmed in the staff room without asking, of a "
            "colleague upset after a difficult lesson, with captions mocking her. It has been shared over 200 "
            "times and parents have commented on it. Using social media to humiliate a colleague (e.2)."
        ),
    )
    yield d.ago(31, 9, 0)
    services.step_take(case=case, by=head, given=inputs.OpenInvestigation(
        investigating_officer=d.user("investigator")))
    yield from investigated(
        d, case, met=27, statement=24, reported=20,
        findings="Dean accepts filming and posting the video and writing the captions. The colleague did not "
            "know she was filmed and has been off work since. The video stayed up for three days.")
    yield d.ago(19, 11, 0)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.ago(10, 10), place="The meeting room, Rainow Primary School", panel=committee,
        gross_misconduct_alleged=True))
    yield d.ago(10, 15, 0)
    services.step_take(case=case, by=committee[0], given=inputs.RecordOutcome(
        outcome=Outcome.SUMMARY_DISMISSAL,
        reasons="Secretly filming a colleague in distress and publishing it to mock her is gross misconduct (e.2). "
            "The committee considered a final written warning and found the trust between Dean and the school "
            "cannot be restored."))


def tom_whitfield_investigation(d: Demo) -> Iterator[datetime]:
    """Referred to the LADO, who advised a disciplinary investigation: under investigation."""
    yield d.ago(20, 10, 40)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Tom Whitfield"),
        platform=Case.Platform.TIKTOK, clauses=d.clauses("c.3", "personal-use-own-devices"), seen_on=d.day(20),
        content_url="https://www.tiktok.com/@mr_w_teaches",
        description=(
            "A parent sent the office a link to a TikTok account, @mr_w_teaches, with about 4,000 followers. The "
            "videos are of Year 6 lessons in Tom's classroom: in at least three, pupils' faces are visible, and "
            "in one a pupil's name can be read on her book. They seem to be filmed on his own phone during "
            "lessons. Uploading images of pupils outside the school's procedures (c.3)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The TikTok account the parent sent.")
    yield d.ago(20, 14, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.DecideHarmThreshold(
        harmed=False, offence=False, risk=True, unsuitable=False,
        reasons="Identifiable pupils shown to 4,000 strangers, one by name, may put them at risk of harm."))
    yield d.ago(20, 14, 15)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.ReferToLado(
        allegation="A Year 6 teacher has posted classroom videos showing identifiable pupils on a public personal "
            "TikTok account with 4,000 followers.",
        lado_name="Morgan Ellis", lado_authority="Rainow Borough Council", lado_reference="LADO/2026/0402"))
    yield d.ago(15, 11, 0)
    services.step_take(case=case, by=d.user("headteacher"), given=inputs.RecordLadoOutcome(
        lado_outcome=LadoOutcome.UNSUBSTANTIATED, investigate=True, investigating_officer=d.user("investigator"),
        personnel_summary="An allegation that classroom videos you posted on TikTok put pupils at risk was referred "
                          "to the LADO, who found no evidence that any pupil was targeted or harmed. The conduct is "
                          "dealt with under the school's disciplinary procedure.",
        advice="Nothing suggests pupils were targeted or harmed: the harm threshold is not met. The LADO advises "
            "the school to deal with the conduct under its disciplinary procedure, to have the videos removed "
            "and to tell the parents of the pupils shown."))
    yield d.ago(12, 13, 0)
    services.evidence_add(
        case=case, by=d.user("investigator"), link="https://www.tiktok.com/@mr_w_teaches/video/7431180255409196320",
        description="The video in which a pupil's name can be read, archived by the investigating officer.",
    )


def catherine_moss_investigation(d: Demo) -> Iterator[datetime]:
    """About the headteacher: the chair of governors manages it; she refused to remove the post."""
    chair = d.user("chair")
    yield d.ago(12, 19, 45)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff_record("headteacher"),
        platform=Case.Platform.LINKEDIN, clauses=d.clauses("b.2", "a.2"), seen_on=d.day(12),
        content_url="https://www.linkedin.com/pulse/supporting-struggling-teacher-back-good-catherine-moss",
        description=(
            "Catherine (our headteacher) published a LinkedIn article, \"What I learned supporting a struggling "
            "teacher back to good\", describing a current capability process at our school: the teacher's year "
            "group, that it is her first year at Rainow, the targets she missed and a period of sickness absence. "
            "Colleagues have recognised her. Confidential information about a colleague (b.2), and criticism of "
            "a colleague in public (a.2). As it is about the headteacher, I understand the chair deals with it."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The LinkedIn article, public under Catherine's job title.")
    yield d.ago(11, 9, 0)
    services.step_take(case=case, by=chair, given=inputs.RequestContentRemoval())
    yield d.ago(10, 16, 0)
    services.step_take(case=case, by=chair, given=inputs.Escalate(
        reason=EscalationReason.REFUSED, investigating_officer=d.user("investigator")))


def sam_patel_hearing_scheduled(d: Demo) -> Iterator[datetime]:
    """Content not removed by the deadline; investigated; the hearing was rearranged for his companion."""
    head = d.user("headteacher")
    yield d.ago(16, 20, 10)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Sam Patel"),
        platform=Case.Platform.FACEBOOK, clauses=d.clauses("a.2", "b.2"), seen_on=d.day(16),
        content_url="https://www.facebook.com/groups/rainowparentschat/posts/7712093381",
        description=(
            "In the 'Rainow Parents Chat' Facebook group, Sam replied to a thread about the Year 2 trip: "
            "\"Maybe if some parents actually read the letters we send home we wouldn't have this every single "
            "time. You know who you are.\" He then gave a pupil's late pick-ups as an example, naming her mum. "
            "Criticising families in public (a.2) and giving away information about a pupil and her family (b.2)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The thread in the parents' group.")
    yield d.ago(15, 8, 30)
    services.step_take(case=case, by=head, given=inputs.RequestContentRemoval())
    yield d.ago(13, 9, 0)
    services.step_take(case=case, by=head, given=inputs.Escalate(
        reason=EscalationReason.DEADLINE_MISSED, investigating_officer=d.user("investigator")))
    yield d.ago(12, 12, 30)
    services.evidence_add(case=case, by=d.user("investigator"), link=case.content_url,
                          description="The comment still visible the day after the removal deadline.")
    yield from investigated(
        d, case, met=9, statement=7, reported=5,
        findings="Sam accepts writing the comment. It stayed up two days after the removal deadline; he says he did "
            "not read the email. Sam has a live first written warning for a breach of confidentiality (b.2).")
    yield d.ago(4, 15, 0)
    first_date = d.after(d.day(4), 6)
    services.step_take(case=case, by=head, given=inputs.ReferToHearing(
        hearing_at=d.at(first_date, 10), place="The meeting room, Rainow Primary School", panel=(head,)))
    yield d.ago(1, 11, 0)
    services.step_take(case=case, by=head, given=inputs.Reschedule(
        reason=RescheduleReason.COMPANION_UNAVAILABLE, hearing_at=d.at(d.after(first_date, 2), 13, 30)))


def ellie_marsh_withdrawn(d: Demo) -> Iterator[datetime]:
    """Withdrawn by the reporter: a case of mistaken identity."""
    yield d.ago(9, 13, 0)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Ellie Marsh"),
        platform=Case.Platform.TIKTOK, clauses=d.clauses("a.1"), seen_on=d.day(9),
        content_url="https://www.tiktok.com/@elliem_x/video/7433301842955119904",
        description=(
            "A TikTok video of the school building at night, captioned \"where the heating never works and "
            "neither do the managers\". I think the account, @elliem_x, is Ellie's. Criticising the school (a.1)."
        ),
    )
    yield d.ago(8, 8, 50)
    services.step_take(case=case, by=case.reporter, given=inputs.Withdraw(
        reason="The account belongs to a parent called Ellie, not to our colleague. My mistake."))


def chris_doyle_content_removed(d: Demo) -> Iterator[datetime]:
    """The post has been taken down; the headteacher has yet to decide what follows."""
    head = d.user("headteacher")
    yield d.ago(8, 17, 30)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Chris Doyle"),
        platform=Case.Platform.FACEBOOK, clauses=d.clauses("a.2"), seen_on=d.day(8),
        content_url="https://www.facebook.com/groups/rainowvillagenoticeboard/posts/1048822917",
        description=(
            "In the public 'Rainow Village Noticeboard' Facebook group (2,300 members), Chris posted photos of "
            "cars parked on the zig-zag lines outside school at drop-off, number plates readable, and wrote: "
            "\"Same selfish parents every morning. I know exactly whose cars these are.\" One parent has "
            "commented that it is her car. Criticising families of the school in public (a.2)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The post in the village group.")
    yield d.ago(7, 8, 15)
    services.step_take(case=case, by=head, given=inputs.RequestContentRemoval())
    yield d.ago(6, 9, 5)
    services.step_take(case=case, by=head, given=inputs.ConfirmRemoved(
        how_confirmed="Checked the group from the school office: the post and its photos have gone."))


def hannah_lewis_containment(d: Demo) -> Iterator[datetime]:
    """A member of staff reports her own account compromised: being secured."""
    yield d.ago(4, 7, 50)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.COMPROMISED_ACCOUNT,
        subject=d.staff_record("staff2"), platform=Case.Platform.INSTAGRAM,
        clauses=d.clauses("security.2", "security.4"), seen_on=d.day(4),
        content_url="https://www.instagram.com/hannah.lewis.reads/",
        description=(
            "My personal Instagram has been posting adverts for a \"crypto giveaway\" overnight and sending the "
            "same link by direct message to my followers, who include some parents. I cannot log in: the email "
            "and password were changed at 02:14. I am telling you straight away, as the policy asks (security.2)."
        ),
    )
    yield d.ago(4, 10, 30)
    services.step_take(case=case, by=d.user("headteacher"), given=inputs.SecureAccount(
        checklist={"password_changed": False, "two_factor_enabled": False,
                   "platform_recovery_requested": True, "takedown_requested": True}))


def jordan_blake_referred_and_suspended(d: Demo) -> Iterator[datetime]:
    """Harm threshold met: referred to the LADO, and the employee suspended as a precaution."""
    head = d.user("headteacher")
    yield d.ago(3, 15, 25)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Jordan Blake"),
        platform=Case.Platform.INSTAGRAM, clauses=d.clauses("c.1", "c.2"), seen_on=d.day(3),
        content_url="https://www.instagram.com/jordanblake_94/",
        description=(
            "At pick-up a Year 6 parent showed me her daughter's phone: Jordan accepted the pupil's follow "
            "request on his personal Instagram and they have exchanged direct messages for two weeks, including "
            "one from Jordan saying \"don't tell your mum I'm on here lol\". The pupil is 10. Accepting a pupil's "
            "request to be a friend (c.2) and contacting a child through social media (c.1). I have not spoken "
            "to Jordan."
        ),
    )
    yield d.ago(2, 9, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.DecideHarmThreshold(
        harmed=True, offence=False, risk=True, unsuitable=True,
        reasons="Private messages with a 10-year-old, asking her to keep them secret, may have harmed her and "
                "indicate a risk of harm to children."))
    yield d.ago(2, 9, 20)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.ReferToLado(
        allegation="A teaching assistant accepted a 10-year-old pupil's follow request on his personal Instagram and "
            "exchanged private messages with her, asking her to keep the contact from her mother.",
        lado_name="Morgan Ellis", lado_authority="Rainow Borough Council", lado_reference="LADO/2026/0498"))
    yield d.ago(2, 14, 30)
    services.step_take(case=case, by=head, given=inputs.Suspend(
        named_contact=d.user("hr"), review_on=d.after(d.day(2), 10),
        reason="An allegation, referred to the LADO, that Jordan contacted a pupil privately and asked her to keep "
            "it secret.",
        why_needed="Jordan works one-to-one with pupils in Year 6, including the pupil concerned, and the LADO asked "
            "that he has no contact with pupils while the strategy discussion takes place.",
        alternatives_considered="A move to another class (rejected: every class has pupils); "
                                "office duties (rejected: the office is "
            "on the pupils' route to the hall). No role away from children exists in a school of this size.",
        contact_restrictions="No contact with pupils or their families, including on social media. "
                             "Do not discuss the allegation "
            "with colleagues other than your named contact and your trade union representative."))
    yield d.ago(1, 11, 0)
    services.step_take(case=case, by=d.user("dsl"), given=inputs.RecordLadoMeeting(
        meeting=LadoMeeting.STRATEGY, held_on=d.day(1),
        attended="Morgan Ellis (LADO); Rachel Green (designated safeguarding lead); Catherine Moss (headteacher); "
                 "a social worker from the children's services front door.",
        agreed_actions="The pupil's family to be supported by children's social care; the school to keep Jordan "
                       "suspended and take no action of its own until the LADO's next meeting."))
    yield d.ago(1, 16, 0)
    services.step_take(case=case, by=head, given=inputs.RecordEmployeeLeft(
        left_on=d.day(1), how="Resigned with immediate effect by email to the headteacher."))
    services.step_take(case=case, by=head, given=inputs.RecordBarringReferrals(
        dbs_referral=BarringReferral.MADE, dbs_referred_on=d.day(1), dbs_reference="DBS-RF-2026-88412"))


def owen_price_pupil_allegation(d: Demo) -> Iterator[datetime]:
    """A pupil's allegation against a teacher: the reporting restriction recorded, the LADO told, and the
    school's procedure paused while the police act."""
    dsl = d.user("dsl")
    yield d.ago(6, 8, 50)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Owen Price"),
        platform=Case.Platform.TIKTOK, clauses=d.clauses("c.1"), seen_on=d.day(6),
        description=(
            "A Year 5 pupil told me before registration that Mr Price has been sending her messages on TikTok "
            "about her videos, and that he told her not to tell anyone. She showed me one message. I have not "
            "spoken to Mr Price."
        ),
    )
    yield d.ago(6, 10, 0)
    services.step_take(case=case, by=dsl, given=inputs.DecideHarmThreshold(
        harmed=False, offence=True, risk=True, unsuitable=True,
        reasons="Secret private messages from a teacher to a 10-year-old may be grooming, an offence, and indicate "
                "a risk of harm to children."))
    services.step_take(case=case, by=dsl, given=inputs.RestrictReporting(
        reason="An allegation by a Year 5 pupil against her class teacher."))
    yield d.ago(6, 10, 30)
    services.step_take(case=case, by=dsl, given=inputs.ReferToLado(
        allegation="A Year 5 pupil says her class teacher sends her private messages on TikTok about her videos and "
                   "told her to keep them secret.",
        lado_name="Morgan Ellis", lado_authority="Rainow Borough Council", lado_reference="LADO/2026/0467"))
    yield d.ago(5, 14, 0)
    services.step_take(case=case, by=dsl, given=inputs.RecordLadoMeeting(
        meeting=LadoMeeting.STRATEGY, held_on=d.day(5),
        attended="Morgan Ellis (LADO); DC Sarah Patel (police); Rachel Green (designated safeguarding lead); "
                 "Catherine Moss (headteacher).",
        agreed_actions="The police to investigate; the school not to speak to Mr Price or the pupil about the "
                       "allegation until the police say it may."))
    services.step_take(case=case, by=dsl, given=inputs.PauseForAgencies(
        agencies=Agencies.POLICE, what="A police investigation into possible grooming; the LADO asked the school to "
                                       "wait."))


def lucy_brennan_removal_requested(d: Demo) -> Iterator[datetime]:
    """Asked to remove the post: the deadline has not passed yet."""
    yield d.ago(2, 12, 20)
    case = services.case_report(
        reporter=d.user("staff2"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Lucy Brennan"),
        platform=Case.Platform.X, clauses=d.clauses("b.1", "b.2"), seen_on=d.day(2),
        content_url="https://x.com/lucyb_macc/status/1861234567890123456",
        description=(
            "A photo on X of the school office captioned \"Monday mornings in the office\". Behind the mug the "
            "staff absence whiteboard is readable: it names two colleagues and the reasons for their absence, "
            "one medical. Information owned by the school (b.1) and confidential information about individuals "
            "(b.2). The account is public, with about 900 followers."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url, description="The post on X.")
    yield d.ago(1, 8, 40)
    services.step_take(case=case, by=d.user("headteacher"), given=inputs.RequestContentRemoval())


def ryan_cole_reported(d: Demo) -> Iterator[datetime]:
    """Just reported: waiting for the headteacher."""
    yield d.ago(1, 16, 5)
    case = services.case_report(
        reporter=d.user("staff"), school=d.rainow, kind=Case.Kind.BREACH, subject=d.staff("Ryan Cole"),
        platform=Case.Platform.INSTAGRAM, clauses=d.clauses("profile-name", "a.2"), seen_on=d.day(1),
        content_url="https://www.instagram.com/coachryan_rainowprimary/",
        description=(
            "Ryan's public Instagram profile is called \"Coach Ryan - Rainow Primary\", which names the school. "
            "Last night he posted a story answering a parent who had complained at the gate about team selection: "
            "\"Some parents need to remember I give up my time. If your child isn't picked, take it up with me, "
            "not the whole village.\" The parent is easy to identify. Arguing with a family in public (a.2)."
        ),
    )
    services.evidence_add(case=case, by=case.reporter, link=case.content_url,
                          description="The profile, showing the school's name in the profile name.")


RAINOW_CASES: list[Scenario] = [
    sam_patel_appeal_decided,
    natalie_brooks_outcome_final,
    kieran_walsh_lado_closed,
    aisha_rahman_appeal,
    ryan_cole_low_level_concern,
    priya_shah_no_case,
    ellie_marsh_management_advice,
    megan_hughes_outcome_issued,
    dean_foster_dismissed,
    tom_whitfield_investigation,
    sam_patel_hearing_scheduled,
    catherine_moss_investigation,
    ellie_marsh_withdrawn,
    chris_doyle_content_removed,
    hannah_lewis_containment,
    jordan_blake_referred_and_suspended,
    owen_price_pupil_allegation,
    lucy_brennan_removal_requested,
    ryan_cole_reported,
]

# --- The cases at Bollington Cross ----------------------------------------------------

def laura_whitworth_account_secured(d: Demo) -> Iterator[datetime]:
    """An impostor profile, taken down: closed once the account was secure."""
    head = d.user("headteacher_bol")
    yield d.ago(15, 8, 10)
    case = services.case_report(
        reporter=d.user("staff_bol"), school=d.bollington, kind=Case.Kind.COMPROMISED_ACCOUNT,
        subject=d.staff_record("staff_bol"), platform=Case.Platform.FACEBOOK, clauses=d.clauses("security.2"),
        seen_on=d.day(15),
        description=(
            "Someone has copied my Facebook profile, with my photos and \"Teacher at Bollington Cross\", and is "
            "sending friend requests to Year 3 parents, then asking them for money. I reported it to Facebook "
            "this morning and am telling you straight away, as the policy asks (security.2)."
        ),
    )
    yield d.ago(15, 11, 0)
    services.step_take(case=case, by=head, given=inputs.SecureAccount(
        checklist={"password_changed": True, "two_factor_enabled": True,
                   "platform_recovery_requested": True, "takedown_requested": True}))
    yield d.ago(12, 10, 0)
    services.step_take(case=case, by=head, given=inputs.Resolve(
        what_was_done="Facebook removed the impostor profile. Laura's own account has a new password and two-factor "
            "authentication. Year 3 parents were told through the school app not to accept the requests."))


def gareth_mills_content_removed(d: Demo) -> Iterator[datetime]:
    """A photo showing pupils' reports, taken down on request."""
    head = d.user("headteacher_bol")
    yield d.ago(6, 16, 45)
    case = services.case_report(
        reporter=d.user("staff_bol"), school=d.bollington, kind=Case.Kind.BREACH, subject=d.staff("Gareth Mills"),
        platform=Case.Platform.INSTAGRAM, clauses=d.clauses("b.2", "security.3"), seen_on=d.day(6),
        content_url="https://www.instagram.com/p/DBn7kQ2tY9a/",
        description=(
            "Gareth posted an Instagram photo of the Year 5 classroom captioned \"report writing season\". The "
            "top report on the pile is readable: a pupil's full name and comments on her behaviour. Confidential "
            "information about a child (b.2), recorded on social media (security.3)."
        ),
    )
    yield d.ago(5, 8, 30)
    services.step_take(case=case, by=head, given=inputs.RequestContentRemoval())
    yield d.ago(4, 9, 10)
    services.step_take(case=case, by=head, given=inputs.ConfirmRemoved(
        how_confirmed="Gareth deleted the post in front of me and showed me his profile."))


BOLLINGTON_CASES: list[Scenario] = [
    laura_whitworth_account_secured,
    gareth_mills_content_removed,
]
