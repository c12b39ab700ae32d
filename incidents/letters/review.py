"""Every letter a case can have, for review (`manage.py render_letters`).

A letter already issued is drawn again from the facts it was issued with. A letter not
issued yet is drawn from the case as it stands, with example input standing in for the
step that would issue it (marked as such in the file name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, cast

from django.utils import timezone

from incidents import clock
from incidents.letters.documents import LetterDraft, RequestLetterDraft, letter_draft, request_letter_draft
from incidents.letters.facts import letter_facts, subject_access_extension_facts
from incidents.letters.kinds import KINDS, SUBJECT_ACCESS_EXTENSION, Kind, Signatory, kinds_for_case
from incidents.models import Case, Letter, Membership, Role, StaffMember, SubjectAccessExtension
from incidents.workflow import LadoOutcome, Outcome, StepInput, inputs
from incidents.workflow.choices import SUMMARY_ON_FILE
from incidents.working_days import add_working_days

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class ReviewLetter:
    filename: str
    draft: LetterDraft | RequestLetterDraft
    issued: bool  # drawn from an issued letter (True) or from example input (False)


def _someone(case: Case, *roles: str) -> User:
    membership = (Membership.objects.filter(school=case.school, role__in=roles).select_related("user")
                  .order_by("role", "user_id").first())
    return membership.user if membership else case.case_manager


# For each kind of letter: the step that issues it, and what its example input must say to issue it.
ISSUED_BY: dict[str, tuple[type[StepInput], dict[str, Any]]] = {
    Kind.CONTENT_REMOVAL_REQUEST: (inputs.RequestContentRemoval, {}),
    Kind.PLATFORM_TAKEDOWN_REQUEST: (inputs.SecureAccount, {"checklist": {
        "password_changed": True, "two_factor_enabled": True, "takedown_requested": True}}),
    Kind.INVESTIGATION_NOTICE: (inputs.OpenInvestigation, {"meeting_place": "The meeting room"}),
    Kind.SUSPENSION: (inputs.Suspend, {
        "reason": "An allegation about your contact with a pupil through social media.",
        "why_needed": "To protect pupils, and the integrity of the investigation, while the facts are established.",
        "alternatives_considered": "A change of duties and working away from pupils: neither is possible here.",
        "contact_restrictions": "No contact with pupils or their families, including on social media."}),
    Kind.SUSPENSION_REVIEW: (inputs.ReviewSuspension, {
        "findings": "The investigation is still gathering statements from colleagues, and the reasons for the "
                    "suspension have not changed."}),
    Kind.SUSPENSION_LIFTED: (inputs.LiftSuspension, {
        "reason": "The investigation no longer needs you to be away from school."}),
    Kind.HEARING_INVITATION: (inputs.ReferToHearing, {}),
    Kind.OUTCOME: (inputs.RecordOutcome, {
        "reasons": "The panel found the allegations proved on the evidence and your own account."}),
    Kind.MANAGEMENT_ADVICE: (inputs.GiveManagementAdvice, {}),
    Kind.APPEAL_INVITATION: (inputs.LodgeAppeal, {}),
    Kind.APPEAL_OUTCOME: (inputs.DecideAppeal, {}),
    Kind.LADO_REFERRAL: (inputs.ReferToLado, {}),
    Kind.NO_FURTHER_ACTION: (inputs.CloseNoCase, {"reason": "The investigation found no case to answer."}),
    Kind.ALLEGATION_OUTCOME: (inputs.RecordLadoOutcome, {}),
    Kind.REPORT_CLOSED: (inputs.CloseNoCase, {}),
    Kind.AUTHORITY_REINSTATEMENT: (inputs.DecideAppeal, {"decision": "upheld"}),
    Kind.AUTHORITY_NOTIFICATION: (inputs.RecordOutcome, {
        "outcome": Outcome.DISMISSAL_WITH_NOTICE, "reasons": "The panel found the allegations proved.",
        "notice_weeks": 4}),
}


def example_arguments(case: Case, kind: str, variant: str = "") -> tuple[dict[str, Any], User]:
    """(input standing in for the step, who takes it) for letter `kind` on `case`: the example
    input its step declares, with what this letter needs to be issued."""
    arguments: dict[str, Any] = {}
    if kind in ISSUED_BY:
        given, overrides = ISSUED_BY[kind]
        example = given.example(case)
        if kind == Kind.OUTCOME:
            overrides = overrides | {"outcome": variant or case.outcome or Outcome.FIRST_WRITTEN_WARNING}
            if variant == Outcome.DISMISSAL_WITH_NOTICE:
                overrides |= {"termination_on": add_working_days(clock.today(), 20), "notice_weeks": 4}
        if kind == Kind.AUTHORITY_NOTIFICATION:
            overrides = overrides | {"termination_on": add_working_days(clock.today(), 20)}
        if kind == Kind.APPEAL_OUTCOME and case.appeal_decision:
            overrides = overrides | {"decision": case.appeal_decision}
        if kind == Kind.INVESTIGATION_NOTICE:
            overrides = overrides | {"meeting_at": datetime.combine(add_working_days(clock.today(), 3), time(14, 0),
                                                                    tzinfo=timezone.get_current_timezone())}
        if kind == Kind.LADO_REFERRAL:
            overrides = overrides | {"allegation": case.description}
        if kind == Kind.ALLEGATION_OUTCOME:
            outcome = variant or case.lado_outcome or LadoOutcome.UNFOUNDED
            overrides = overrides | {"lado_outcome": outcome, "investigate": outcome == LadoOutcome.SUBSTANTIATED,
                                     **({} if outcome in SUMMARY_ON_FILE else {"personnel_summary": ""})}
        if kind == Kind.HEARING_INVITATION and case.hearing_at:
            overrides = overrides | {"hearing_at": case.hearing_at, "place": case.hearing_place,
                                     "panel": tuple(case.hearing_panel.all())
                                     or cast(inputs.ReferToHearing, example).panel}
        arguments = replace(example, **overrides).arguments()
    by = case.case_manager
    if KINDS[kind].signatory == Signatory.ACTOR:
        panel = arguments.get("panel") or list(case.hearing_panel.all()) or [case.case_manager]
        signers: dict[str, User] = {Kind.OUTCOME: panel[0], Kind.AUTHORITY_NOTIFICATION: panel[0],
                                    Kind.APPEAL_OUTCOME: _someone(case, Role.CHAIR_OF_GOVERNORS),
                                    Kind.AUTHORITY_REINSTATEMENT: _someone(case, Role.CHAIR_OF_GOVERNORS)}
        by = signers.get(kind, _someone(case, Role.DSL))
    return arguments, by


# Letters drawn once for each of their outcomes: the fact that names it, and its values.
VARIANTS: dict[str, tuple[str, list[str]]] = {
    Kind.OUTCOME: ("outcome", list(Outcome.values)),
    Kind.ALLEGATION_OUTCOME: ("lado_outcome", list(LadoOutcome.values)),
}


def letters_for_review(case: Case, *, kinds: list[str] | None = None) -> list[ReviewLetter]:
    """Every letter `case` can have, each in standard and large print (not yet rendered).
    The outcome letters come in each of their outcomes."""
    review = []
    for kind in kinds or kinds_for_case(case):
        fact, variants = VARIANTS.get(kind, ("", [""]))
        issued = Letter.objects.filter(case=case, kind=kind).order_by("-version").first()
        for variant in variants:
            if issued and variant in ("", issued.facts.get(fact)):
                facts, version, source = issued.facts, issued.version, "issued"
            else:
                arguments, by = example_arguments(case, kind, variant)
                facts = letter_facts(case=case, kind=kind, by=by, arguments=arguments)
                version, source = (issued.version + 1 if issued else 1), "example"
            for letter_format in Letter.Format.values:
                draft = letter_draft(case=case, kind=kind, facts=facts, version=version, letter_format=letter_format)
                name = "_".join(part for part in (case.reference, kind, variant, source, letter_format) if part)
                review.append(ReviewLetter(f"{name}.pdf", draft, source == "issued"))
    return review


def sample_cases() -> dict[str, Case]:
    """For each kind of letter, the case of the demo data that best shows it: one where it was
    issued, or else one where it could be."""
    chosen = {}
    for kind in KINDS:
        letter = Letter.objects.filter(kind=kind).select_related("case").order_by("-issued_at").first()
        if letter:
            chosen[kind] = letter.case
            continue
        cases = Case.objects.exclude(subject=None).order_by("-reported_at")
        if kind in (Kind.SUSPENSION_REVIEW, Kind.SUSPENSION_LIFTED):
            cases = cases.filter(suspension="suspended")
        if kind == Kind.PLATFORM_TAKEDOWN_REQUEST:
            cases = cases.filter(kind=Case.Kind.COMPROMISED_ACCOUNT)
        if kind in (Kind.OUTCOME, Kind.APPEAL_INVITATION, Kind.APPEAL_OUTCOME):
            cases = cases.exclude(outcome="")
        case = cases.first() or Case.objects.exclude(subject=None).first()
        if case:
            chosen[kind] = case
    return chosen


def subject_access_samples() -> list[ReviewLetter]:
    """The letter telling a member of staff that their subject access request needs more time, in
    both formats: drawn from the latest extension in the data, else from an example request of a
    member of staff of a school with an HR adviser (nothing is stored)."""
    extension = (SubjectAccessExtension.objects.select_related("request__staff__school")
                 .order_by("-at", "-pk").first())
    if extension is not None:
        staff, reference, facts = extension.request.staff, extension.request.reference, extension.facts
        number = extension.request.extensions.filter(pk__lte=extension.pk).count()
        source = "issued"
    else:
        adviser = (Membership.objects.filter(role=Role.HR_ADVISER).select_related("user", "school")
                   .order_by("pk").first())
        example = (StaffMember.objects.filter(school=adviser.school).select_related("school").order_by("pk").first()
                   if adviser else None)
        if adviser is None or example is None:
            return []
        from incidents.exports.subject_access_requests import first_due_on, latest_due_on

        received_on = clock.today()
        staff, number, source = example, 1, "example"
        reference = f"{example.school.reference_prefix}-SAR-{received_on.year}-0001"
        facts = subject_access_extension_facts(
            staff=staff, request_reference=reference, received_on=received_on, received_how="By email",
            first_due_on=first_due_on(received_on), due_on=latest_due_on(received_on),
            reason="Your request covers four years of records across several cases, and the letters and notes "
                   "in them name other people, whose details we must take out before we send them to you.",
            by=adviser.user)
    return [ReviewLetter(f"{reference}_{SUBJECT_ACCESS_EXTENSION}_{source}_{letter_format}.pdf",
                         request_letter_draft(kind=SUBJECT_ACCESS_EXTENSION, request_reference=reference,
                                              number=number, recipient=staff, facts=facts,
                                              letter_format=letter_format),
                         source == "issued")
            for letter_format in Letter.Format.values]
