"""Letters issued with the steps of the procedure, read back as the employee would read them."""

import hashlib
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.letters import render
from incidents.letters.services import LetterTampered, letter_open, letter_reissue
from incidents.models import Case, CaseEvent, Letter, StaffMember
from incidents.models.letter import Immutable
from incidents.workflow import AppealDecision, Outcome, State, Suspension, inputs
from tests.factories import clause
from tests.letters import pdf
from tests.procedure import APPEAL_HEARING_AT, HEARING_AT, LONDON

pytestmark = pytest.mark.django_db

COMPANION = "Your companion may speak for you to put and sum up your case"


def letter(case: Case, kind: str) -> Letter:
    return case.letters.filter(kind=kind).latest("version")


def read(item: Letter) -> str:
    with item.pdf.open("rb") as file:
        return pdf.text(file.read())


def large_print(p) -> None:
    p.employee.letter_format = StaffMember.LetterFormat.LARGE_PRINT
    p.employee.save()


def test_removal_request_cites_the_post_the_clause_and_a_deadline_after_the_bank_holiday(procedure, school):
    case = procedure.report(clauses=[clause("a.2")])
    procedure.clock.move_to(datetime(2026, 5, 1, 15, 0, tzinfo=LONDON), tick=False)  # Friday before a bank holiday

    event = services.step_take(case=case, by=school.headteacher, given=inputs.RequestContentRemoval())

    removal = letter(case, Letter.Kind.CONTENT_REMOVAL_REQUEST)
    words = read(removal)
    assert removal.recipient_staff == school.employee and removal.event == event
    assert "Dear Alex Employee" in words
    assert "https://facebook.example/posts/1" in words
    assert "Clause a.2, Criticising or arguing with management, colleagues, children or families" in words
    assert "“criticising or arguing with management, colleagues, children or their families”" in words
    # Monday 4 May 2026 is a bank holiday: one working day after Friday is Tuesday.
    assert "remove it immediately, and in any case by the end of Tuesday 5 May 2026, which is 1 working day" in words
    assert "will be investigated under the school's disciplinary procedure" in words
    assert "1 May 2026" in words and f"{case.reference}/CRR-1" in words
    # The step's event lists the letter with its fingerprint, so the audit chain covers the PDF.
    assert event.details["letters"][0]["sha256"] == removal.sha256
    with removal.pdf.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == removal.sha256


def test_hearing_invitation_gives_allegations_rights_dates_and_the_evidence_bundle(procedure, school):
    case = procedure.case_ready_for_hearing(clauses=[clause("e.2")])
    services.evidence_add(case=case, by=school.investigator, link="https://facebook.example/posts/1",
                          description="The post, archived by the investigating officer.")
    services.step_take(case=case, by=school.headteacher, given=inputs.ReferToHearing(
        hearing_at=HEARING_AT, place="Meeting room 1",
        panel=[school.chair, school.governor, school.governor2], gross_misconduct_alleged=True))

    invitation = letter(case, Letter.Kind.HEARING_INVITATION)
    words = read(invitation)
    chair = school.chair.get_full_name()
    assert "Tuesday 10 March 2026 at 10:00, at Meeting room 1" in words
    assert "at least 5 working days' notice" in words
    assert "That you breached clause e.2 of the policy, Using social media to bully someone" in words
    assert "“using social media to bully another individual”" in words
    assert "the outcome may be dismissal without notice" in words
    assert "The allegations are of gross misconduct" in words
    assert f"{chair}, Chair of Governors" in words  # on the staff dismissal committee
    assert COMPANION in words
    # Companion unavailable: another time within 5 working days of Tuesday 10 March.
    assert "by Tuesday 17 March 2026 at the latest" in words
    # Documents and witnesses: by default 2 working days before the hearing.
    assert "to me by Friday 6 March 2026" in words
    assert "E1 The post, archived by the investigating officer." in words
    assert "Enclosed: evidence bundle, items E1 to E1" in words
    assert "You have no live warning on your record" in words
    assert "adjustment to take part, or this letter in another format" in words
    assert "Yours sincerely" in words and pdf.page_count(invitation.pdf.open("rb").read()) >= 2


def test_outcome_letter_in_large_print_for_a_final_written_warning(procedure, school):
    large_print(school)
    case = procedure.case_at(State.OUTCOME_ISSUED)  # final written warning on Tuesday 10 March 2026

    outcome = letter(case, Letter.Kind.OUTCOME)
    with outcome.pdf.open("rb") as file:
        document = file.read()
    words = pdf.text(document)
    assert outcome.letter_format == Letter.Format.LARGE_PRINT
    assert "The panel decided to give you a final written warning" in words
    assert "The post breached clause a.2 and was left up after a request." in words
    assert "live, for 12 months, until 10 March 2027" in words
    assert "Further misconduct while this warning is live may lead to your dismissal" in words
    assert f"write to {school.chair.get_full_name()}, Chair of Governors" in words
    assert "by Tuesday 24 March 2026 (10 school days from the date of the decision)" in words
    assert "for the disciplinary hearing panel" in words
    # Large print: every piece of text at least 16 pt, in the one sans-serif typeface.
    sizes = pdf.font_sizes(document)
    assert min(sizes) >= 16, sizes
    fonts = {str(font) for page in pdf.reader(document).pages
             for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()["/BaseFont"]]}
    assert all("DejaVu-Sans" in font and "Oblique" not in font for font in fonts), fonts
    assert pdf.is_pdf_ua(document) and pdf.language(document) == "en-GB"
    assert pdf.title(document) == f"Outcome of the disciplinary hearing: {case.reference}"


def test_appeal_deadline_in_the_outcome_letter_skips_easter(procedure, school):
    case = procedure.case_ready_for_hearing()
    procedure.clock.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=LONDON), tick=False)
    services.step_take(case=case, by=school.headteacher, given=inputs.ReferToHearing(
        place="Room 1", hearing_at=datetime(2026, 3, 30, 10, 0, tzinfo=LONDON),
        panel=[school.chair, school.governor, school.governor2], gross_misconduct_alleged=True))
    procedure.clock.move_to(datetime(2026, 3, 30, 15, 0, tzinfo=LONDON), tick=False)
    services.step_take(case=case, by=school.chair, given=inputs.RecordOutcome(
        outcome=Outcome.DISMISSAL_WITH_NOTICE, reasons="Repeated breaches.", termination_on=date(2026, 4, 30),
        notice_weeks=4, final_pay="Your final pay, with accrued holiday, is paid on 30 April 2026."))

    words = read(letter(case, Letter.Kind.OUTCOME))
    assert "The panel decided to dismiss you, with notice" in words
    # the local authority is the employer: it gives the notice, asked for the date the committee chose
    assert "it gives you notice of dismissal, not the school" in words
    assert "asked that your employment end on Thursday 30 April 2026, after 4 weeks' notice" in words
    assert "Your final pay, with accrued holiday, is paid on 30 April 2026." in words
    assert "by Wednesday 15 April 2026" in words  # skipping Good Friday and Easter Monday


def test_suspension_and_its_lifting(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    services.step_take(case=case, by=school.headteacher, given=inputs.Suspend(
        reason="Alleged contact with a pupil online.",
        why_needed="To protect pupils while the facts are established.",
        alternatives_considered="Working away from pupils was not possible.",
        contact_restrictions="No contact with pupils or parents.", named_contact=school.chair,
        welfare_contact=school.hr, review_on=date(2026, 3, 16)))
    words = read(letter(case, Letter.Kind.SUSPENSION))
    assert "This suspension is not a disciplinary sanction" in words
    assert "You will receive your full pay and benefits throughout" in words
    for phrase in ("Alleged contact with a pupil online.", "To protect pupils while the facts are established.",
                   "Working away from pupils was not possible.", "No contact with pupils or parents.",
                   f"Your named contact during the suspension is {school.chair.get_full_name()}, Chair of Governors",
                   "reviewed by Monday 16 March 2026, and then at least every 4 weeks while it lasts",
                   "For support with your wellbeing while you are away from work, you can contact "
                   f"{school.hr.get_full_name()}, HR Adviser."):
        assert phrase in words

    # Each review is told in writing, as the suspension letter promises.
    procedure.clock.move_to(datetime(2026, 3, 16, 9, 0, tzinfo=LONDON), tick=False)
    event = services.step_take(case=case, by=school.headteacher, given=inputs.ReviewSuspension(
        findings="Statements from colleagues are still being gathered.", review_on=date(2026, 4, 10)))
    review = letter(case, Letter.Kind.SUSPENSION_REVIEW)
    assert review.recipient_staff == school.employee and review.event == event
    reviewed = read(review)
    for phrase in ("Dear Alex Employee", "Review of your precautionary suspension",
                   "which began on Monday 2 March 2026. The suspension was reviewed on Monday 16 March 2026, "
                   "and it continues", "still not a disciplinary sanction", "full pay and benefits",
                   "Statements from colleagues are still being gathered.",
                   "reviewed again by Friday 10 April 2026. It is reviewed at least every 4 weeks",
                   f"Your named contact is still {school.chair.get_full_name()}, Chair of Governors",
                   f"you can contact {school.hr.get_full_name()}, HR Adviser",
                   f"{case.reference}/SUR-1", school.headteacher.get_full_name()):
        assert phrase in reviewed

    services.step_take(case=case, by=school.headteacher, given=inputs.LiftSuspension(
        reason="The LADO advised no further action."))
    lifted = read(letter(case, Letter.Kind.SUSPENSION_LIFTED))
    assert "lifted with effect from Monday 16 March 2026" in lifted and "The LADO advised no further action." in lifted
    assert case.suspension == Suspension.LIFTED


def test_the_whole_procedure_issues_its_letters_through_to_a_final_appeal_decision(procedure, school):
    case = procedure.case_at(State.APPEAL)
    procedure.clock.move_to(APPEAL_HEARING_AT + timedelta(hours=2), tick=False)
    services.step_take(case=case, by=school.chair, given=inputs.DecideAppeal(
        decision=AppealDecision.PARTLY_UPHELD, new_outcome=Outcome.FIRST_WRITTEN_WARNING,
        reasons="A clean record of ten years."))

    kinds = list(case.letters.order_by("issued_at", "pk").values_list("kind", flat=True))
    assert kinds == [Letter.Kind.ACKNOWLEDGEMENT, Letter.Kind.INVESTIGATION_NOTICE, Letter.Kind.HEARING_INVITATION,
                     Letter.Kind.OUTCOME, Letter.Kind.APPEAL_INVITATION, Letter.Kind.APPEAL_OUTCOME,
                     Letter.Kind.REPORT_CLOSED]  # the reporter is told the case is closed, and no more
    acknowledgement = read(letter(case, Letter.Kind.ACKNOWLEDGEMENT))
    assert f"Dear {school.staff.get_full_name()}" in acknowledgement and case.reference in acknowledgement
    notice = read(letter(case, Letter.Kind.INVESTIGATION_NOTICE))
    assert school.investigator.get_full_name() in notice
    assert "has been appointed as investigating officer" in notice
    appeal = read(letter(case, Letter.Kind.APPEAL_INVITATION))
    assert "Friday 20 March 2026 at 10:00, at Meeting room 2" in appeal
    assert "respond on your behalf to any view expressed at the appeal hearing" in appeal
    assert f"{school.chair.get_full_name()}" in appeal and "The decision of the appeal panel will be final" in appeal
    decision = read(letter(case, Letter.Kind.APPEAL_OUTCOME))
    assert "Your appeal is partly upheld: a lesser outcome replaces it" in decision
    assert "The outcome is now: first written warning, live until 10 September 2026" in decision
    assert "This decision is final. There is no further right of appeal" in decision
    # Every letter is on the timeline, in the event of the step that issued it.
    for item in case.letters.all():
        assert {entry["letter"] for entry in item.event.details["letters"]} >= {str(item.uuid)}


def test_lado_referral_record_and_no_further_action(procedure, school):
    case = procedure.case_at(State.REPORTED, safeguarding=True)
    procedure.decide_harm_threshold(case, met=True, by=school.dsl)
    services.step_take(case=case, by=school.dsl, given=inputs.ReferToLado(
        allegation="Accepted a pupil's friend request.", lado_name="Morgan Ellis", lado_authority="Rainow"))
    record = letter(case, Letter.Kind.LADO_REFERRAL)
    words = read(record)
    assert record.recipient_name == "The Local Authority Designated Officer"
    assert "Accepted a pupil's friend request." in words
    assert "Referred Monday 2 March 2026 at 09:00, by" in words and school.dsl.get_full_name() in words
    assert "Due by 3 March 2026" in words and "When it arose 2 March 2026" in words
    assert f"by {school.staff.get_full_name()}" in words
    assert "No one, including the member of staff concerned, will be interviewed" in words

    services.step_take(case=case, by=school.headteacher, given=inputs.RecordLadoOutcome(
        lado_outcome="unfounded", advice="No further action by the LADO.", investigate=False,
        personnel_summary="Referred to the LADO, who found no evidence for it."))
    closing = read(letter(case, Letter.Kind.ALLEGATION_OUTCOME))
    assert "The allegation has been found to be unfounded" in closing
    assert "The school will take no further action about the allegation" in closing


def test_hostile_text_is_printed_as_text_and_fetches_nothing(procedure, school):
    hostile = ('<script>alert(1)</script> <img src="file:///etc/passwd"> '
               '<link href="http://127.0.0.1:9/x.css"> url(data:image/png;base64,AAAA)')
    fetched = []
    original = render.LetterURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    with mock.patch.object(render.LetterURLFetcher, "fetch", spy):
        case = procedure.report()
        services.step_take(case=case, by=school.headteacher, given=inputs.OpenInvestigation(
            investigating_officer=school.investigator))
        services.step_take(case=case, by=school.headteacher, given=inputs.CloseNoCase(reason=hostile))

    words = read(letter(case, Letter.Kind.NO_FURTHER_ACTION)).replace(" ", "")  # lines may wrap inside a URL
    for piece in ("<script>alert(1)</script>", '<img src="file:///etc/passwd">',
                  '<link href="http://127.0.0.1:9/x.css">', "url(data:image/png;base64,AAAA)"):
        assert piece.replace(" ", "") in words
    assert set(fetched) == {f"{render.STATIC_BASE}letters/letter.css"}


def test_a_letter_that_cannot_be_rendered_stops_the_step(procedure, school):
    case = procedure.case_ready_for_hearing()
    events = case.events.count()
    with mock.patch("incidents.letters.render.html_to_pdf", side_effect=OSError("Pango is missing")):
        with pytest.raises(OSError):
            procedure.refer_to_hearing(case)
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == State.INVESTIGATION and stored.hearing_at is None and not stored.hearing_panel.exists()
    assert stored.events.count() == events
    assert not stored.letters.filter(kind=Letter.Kind.HEARING_INVITATION).exists()


def test_a_correction_is_a_new_version_and_the_first_stays_as_issued(procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    first = letter(case, Letter.Kind.CONTENT_REMOVAL_REQUEST)
    with first.pdf.open("rb") as file:
        first_bytes = file.read()

    with pytest.raises(ValidationError):
        letter_reissue(letter=first, by=school.headteacher, reason="")
    with pytest.raises(services.NotPermitted):
        letter_reissue(letter=first, by=school.staff, reason="Typo.")
    second = letter_reissue(letter=first, by=school.headteacher, reason="The photos must go too.",
                            changes={"what_to_remove": "The post and the two photos under it."},
                            letter_format=Letter.Format.LARGE_PRINT)

    assert (second.version, second.supersedes, second.letter_format) == (2, first, Letter.Format.LARGE_PRINT)
    words = read(second)
    assert "The post and the two photos under it." in words
    assert f"replaces our letter of 2 March 2026 (reference {first.reference})" in words
    first.refresh_from_db()
    with first.pdf.open("rb") as file:
        assert file.read() == first_bytes and hashlib.sha256(first_bytes).hexdigest() == first.sha256
    issued = case.events.get(kind=CaseEvent.Kind.LETTER_ISSUED)
    assert issued.note == "The photos must go too." and issued.details["letters"][0]["version"] == 2


def test_issued_letters_cannot_be_changed_or_deleted(procedure, school):
    case = procedure.case_at(State.REPORTED)
    issued = letter(case, Letter.Kind.ACKNOWLEDGEMENT)
    issued.title = "Rewritten"
    for attempt in (issued.save, issued.delete, lambda: Letter.objects.filter(pk=issued.pk).update(title="x"),
                    lambda: Letter.objects.filter(pk=issued.pk).delete()):
        with pytest.raises(Immutable):
            attempt()
    assert Letter.objects.get(pk=issued.pk).title != "Rewritten"


def test_downloads_are_for_those_allowed_and_logged(procedure, school):
    case = procedure.case_at(State.REPORTED)
    acknowledgement = letter(case, Letter.Kind.ACKNOWLEDGEMENT)
    assert letter_open(letter=acknowledgement, by=school.headteacher).startswith(b"%PDF")
    assert letter_open(letter=acknowledgement, by=school.staff)  # the reporter, for their own acknowledgement
    with pytest.raises(PermissionDenied):
        letter_open(letter=acknowledgement, by=school.staff2)
    downloads = case.events.filter(kind=CaseEvent.Kind.DOWNLOADED)
    assert [event.actor for event in downloads] == [school.headteacher, school.staff]
    assert downloads[0].details["reference"] == acknowledgement.reference

    with acknowledgement.pdf.open("wb") as file:  # altered on disk, behind the application's back
        file.write(b"%PDF-1.7 forged")
    with pytest.raises(LetterTampered):
        letter_open(letter=acknowledgement, by=school.headteacher)


def test_preview_shows_the_letter_the_step_would_issue_and_stores_nothing(procedure, school):
    case = procedure.case_ready_for_hearing()
    before = (Letter.objects.count(), CaseEvent.objects.count())

    [preview] = services.step_preview(case=case, by=school.headteacher, given=inputs.ReferToHearing(
        hearing_at=HEARING_AT, place="Meeting room 1", panel=(school.headteacher,),
        documents_by=date(2026, 3, 5)))

    words = pdf.text(preview.pdf)
    assert "Tuesday 10 March 2026 at 10:00" in words and "to me by Thursday 5 March 2026" in words
    assert preview.reference == f"{case.reference}/HRG-1"
    assert (Letter.objects.count(), CaseEvent.objects.count()) == before
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == State.INVESTIGATION and not stored.hearing_panel.exists()
    assert case.state == State.INVESTIGATION
    with pytest.raises(ValidationError, match="documents and witnesses must be after today and before the hearing"):
        services.step_preview(case=case, by=school.headteacher, given=inputs.ReferToHearing(
            hearing_at=HEARING_AT, place="Room 1", panel=(school.headteacher,),
            documents_by=date(2026, 3, 11)))
    with pytest.raises(services.NotPermitted):
        services.step_preview(case=case, by=school.staff, given=inputs.ReferToHearing(
            hearing_at=HEARING_AT, place="Room 1", panel=(school.headteacher,)))
