"""Every kind of letter: its template, to whom it goes, who signs it, and which steps issue it.

Read with `incidents.workflow`: the table `STEP_LETTERS` says which letter each step of the
procedure sends. What each letter says is gathered in `incidents.letters.facts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from incidents.models import Case, Letter
from incidents.workflow import State

Kind = Letter.Kind


class Recipient:
    SUBJECT = "subject"  # the employee the case is about
    REPORTER = "reporter"  # the member of staff who reported the concern
    PLATFORM = "platform"  # the social media platform's safety team
    LADO = "lado"  # the Local Authority Designated Officer


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

    @property
    def template(self) -> str:
        return f"letters/{self.kind}.html"

    @property
    def label(self) -> str:
        return Kind(self.kind).label


KINDS: dict[str, LetterKind] = {spec.kind: spec for spec in [
    LetterKind(Kind.ACKNOWLEDGEMENT, "ACK", Recipient.REPORTER, Signatory.CASE_MANAGER),
    LetterKind(Kind.CONTENT_REMOVAL_REQUEST, "CRR", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.PLATFORM_TAKEDOWN_REQUEST, "TDR", Recipient.PLATFORM, Signatory.CASE_MANAGER),
    LetterKind(Kind.INVESTIGATION_NOTICE, "INV", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.SUSPENSION, "SUS", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.SUSPENSION_LIFTED, "SUL", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.HEARING_INVITATION, "HRG", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.OUTCOME, "OUT", Recipient.SUBJECT, Signatory.ACTOR, "for the disciplinary hearing panel"),
    LetterKind(Kind.MANAGEMENT_ADVICE, "MGA", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.APPEAL_INVITATION, "APL", Recipient.SUBJECT, Signatory.CASE_MANAGER),
    LetterKind(Kind.APPEAL_OUTCOME, "APO", Recipient.SUBJECT, Signatory.ACTOR, "for the appeal panel"),
    LetterKind(Kind.LADO_REFERRAL, "LAD", Recipient.LADO, Signatory.ACTOR),
    LetterKind(Kind.NO_FURTHER_ACTION, "NFA", Recipient.SUBJECT, Signatory.CASE_MANAGER),
]}


def _subject_known(kind: str) -> Callable[[Case, dict, str], list[str]]:
    """A letter to the employee: only once we know who the employee is."""
    return lambda case, arguments, from_state: [kind] if case.subject_id else []


def _takedown(case: Case, arguments: dict, from_state: str) -> list[str]:
    # The letter is the takedown request: sent when the checklist says it was made.
    return [Kind.PLATFORM_TAKEDOWN_REQUEST] if (arguments.get("checklist") or {}).get("takedown_requested") else []


def _lado_outcome(case: Case, arguments: dict, from_state: str) -> list[str]:
    if not case.subject_id:
        return []
    return [Kind.INVESTIGATION_NOTICE] if case.state == State.INVESTIGATION else [Kind.NO_FURTHER_ACTION]


def _no_case(case: Case, arguments: dict, from_state: str) -> list[str]:
    # Closed straight from the report, the employee may never have been told of it: no letter.
    return [Kind.NO_FURTHER_ACTION] if case.subject_id and from_state == State.INVESTIGATION else []


# step -> which letters it issues, given the case after the step, the step's input and the
# stage it started from. "report" is the report itself (`services.case_report`).
STEP_LETTERS: dict[str, Callable[[Case, dict, str], list[str]]] = {
    "report": lambda case, arguments, from_state: [Kind.ACKNOWLEDGEMENT],
    "request_content_removal": _subject_known(Kind.CONTENT_REMOVAL_REQUEST),
    "secure_account": _takedown,
    "open_investigation": _subject_known(Kind.INVESTIGATION_NOTICE),
    "escalate": _subject_known(Kind.INVESTIGATION_NOTICE),
    "reopen": _subject_known(Kind.INVESTIGATION_NOTICE),
    "record_lado_outcome": _lado_outcome,
    "refer_to_lado": lambda case, arguments, from_state: [Kind.LADO_REFERRAL],
    "suspend": _subject_known(Kind.SUSPENSION),
    "lift_suspension": _subject_known(Kind.SUSPENSION_LIFTED),
    "refer_to_hearing": _subject_known(Kind.HEARING_INVITATION),
    "reschedule": _subject_known(Kind.HEARING_INVITATION),
    "record_outcome": _subject_known(Kind.OUTCOME),
    "give_management_advice": _subject_known(Kind.MANAGEMENT_ADVICE),
    "close_no_case": _no_case,
    "lodge_appeal": _subject_known(Kind.APPEAL_INVITATION),
    "decide_appeal": _subject_known(Kind.APPEAL_OUTCOME),
    # withdraw, confirm_removed, resolve, record_low_level_concern, review_suspension, close: no letter
}


def kinds_for_step(case: Case, step: str, arguments: dict, from_state: str) -> list[str]:
    """The kinds of letter that `step`, just taken on `case` with `arguments`, issues."""
    rule = STEP_LETTERS.get(step)
    return rule(case, arguments, from_state) if rule else []


def kinds_for_case(case: Case) -> list[str]:
    """Every kind of letter a case of this kind can have, in the order of the procedure."""
    if case.kind == Case.Kind.COMPROMISED_ACCOUNT:
        excluded = {Kind.CONTENT_REMOVAL_REQUEST}
    else:
        excluded = {Kind.PLATFORM_TAKEDOWN_REQUEST}
    return [kind for kind in KINDS if kind not in excluded]
