"""Every kind of letter: its template, to whom it goes and who signs it.

Which step issues which letter is declared with the step (`letters=` in
`incidents.workflow.procedure`). What each letter says is gathered in `incidents.letters.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import Case, Letter

Kind = Letter.Kind


class Recipient:
    SUBJECT = "subject"  # the employee the case is about
    REPORTER = "reporter"  # the member of staff who reported the concern
    PLATFORM = "platform"  # the social media platform's safety team
    LADO = "lado"  # the Local Authority Designated Officer
    LOCAL_AUTHORITY = "local_authority"  # the employer at a community or voluntary-controlled school


class Signatory:
    CASE_MANAGER = "case_manager"
    ACTOR = "actor"  # whoever took the step: the hearing or appeal panel member, the DSL


@dataclass(frozen=True)
class LetterKind:
    kind: str
    code: str  # in the letter's reference: RAI-2026-0007/HRG-1
    recipient: str
    signatory: str
    capacity: str = ""  # the capacity the signatory signs in, when not their own role
    meeting: str = ""  # the meeting it invites to (incidents.calendar): its email carries an .ics
    # The parts of its text a correction may rewrite: (the fact's key, what the part is, in plain words).
    # Only words people wrote; dates, names and outcomes come from the case and are put right by its steps.
    corrects: tuple[tuple[str, str], ...] = ()

    @property
    def template(self) -> str:
        return f"letters/{self.kind}.html"

    @property
    def label(self) -> str:
        return Kind(self.kind).label


KINDS: dict[str, LetterKind] = {spec.kind: spec for spec in [
    LetterKind(Kind.ACKNOWLEDGEMENT, "ACK", Recipient.REPORTER, Signatory.CASE_MANAGER),
    LetterKind(Kind.CONTENT_REMOVAL_REQUEST, "CRR", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("what_to_remove", "What is to be removed"),)),
    LetterKind(Kind.PLATFORM_TAKEDOWN_REQUEST, "TDR", Recipient.PLATFORM, Signatory.CASE_MANAGER),
    LetterKind(Kind.INVESTIGATION_NOTICE, "INV", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               meeting="investigation_meeting", corrects=(("meeting_place", "Where the meeting is"),)),
    LetterKind(Kind.SUSPENSION, "SUS", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("reason", "Reason for the suspension"), ("why_needed", "Why suspension is needed"),
                         ("contact_restrictions", "Any restriction on contact"))),
    LetterKind(Kind.SUSPENSION_REVIEW, "SUR", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("findings", "Why the suspension continues"),)),
    LetterKind(Kind.SUSPENSION_LIFTED, "SUL", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("reason", "Why the suspension is lifted"),)),
    LetterKind(Kind.HEARING_INVITATION, "HRG", Recipient.SUBJECT, Signatory.CASE_MANAGER, meeting="hearing",
               corrects=(("place", "Where the hearing is"),)),
    LetterKind(Kind.OUTCOME, "OUT", Recipient.SUBJECT, Signatory.ACTOR, "for the disciplinary hearing panel",
               corrects=(("reasons", "Reasons for the decision"), ("improvement_expected", "Improvement expected"),
                         ("support_offered", "Support offered"), ("final_pay", "Final pay"))),
    LetterKind(Kind.MANAGEMENT_ADVICE, "MGA", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("advice", "The advice"),)),
    LetterKind(Kind.APPEAL_INVITATION, "APL", Recipient.SUBJECT, Signatory.CASE_MANAGER, meeting="appeal_hearing",
               corrects=(("grounds", "The grounds of appeal"), ("place", "Where the appeal hearing is"))),
    LetterKind(Kind.APPEAL_OUTCOME, "APO", Recipient.SUBJECT, Signatory.ACTOR, "for the appeal panel",
               corrects=(("reasons", "Reasons for the decision"),)),
    LetterKind(Kind.LADO_REFERRAL, "LAD", Recipient.LADO, Signatory.ACTOR,
               corrects=(("allegation", "The allegation"), ("late_reason", "Why the referral is late"))),
    LetterKind(Kind.NO_FURTHER_ACTION, "NFA", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("reason", "Why no further action is taken"),)),
    LetterKind(Kind.ALLEGATION_OUTCOME, "ALO", Recipient.SUBJECT, Signatory.CASE_MANAGER,
               corrects=(("personnel_summary", "The summary for the personnel file"),)),
    LetterKind(Kind.REPORT_CLOSED, "CLR", Recipient.REPORTER, Signatory.CASE_MANAGER),
    LetterKind(Kind.AUTHORITY_NOTIFICATION, "LAN", Recipient.LOCAL_AUTHORITY, Signatory.ACTOR,
               "for the staff dismissal committee"),
    LetterKind(Kind.AUTHORITY_REINSTATEMENT, "LAR", Recipient.LOCAL_AUTHORITY, Signatory.ACTOR,
               "for the appeal committee"),
]}


# Letters that belong to no case: to a member of staff about their subject access request
# (`incidents.exports.subject_access_requests`), laid out by `documents.request_letter_draft`,
# signed by the HR adviser who acts. Kind -> (code in the reference, title).
SUBJECT_ACCESS_EXTENSION = "subject_access_extension"
REQUEST_LETTERS: dict[str, tuple[str, str]] = {
    SUBJECT_ACCESS_EXTENSION: ("SAE", "More time to answer your subject access request"),
}


def kinds_for_case(case: Case) -> list[str]:
    """Every kind of letter a case of this kind can have, in the order of the procedure."""
    if case.kind == Case.Kind.COMPROMISED_ACCOUNT:
        excluded = {Kind.CONTENT_REMOVAL_REQUEST}
    else:
        excluded = {Kind.PLATFORM_TAKEDOWN_REQUEST}
    if not case.school.local_authority_is_employer:
        excluded |= {Kind.AUTHORITY_NOTIFICATION, Kind.AUTHORITY_REINSTATEMENT}
    return [kind for kind in KINDS if kind not in excluded]
