"""Every letter a case can have, for review (`manage.py render_letters`).

A letter already issued is drawn again from the facts it was issued with. A letter not
issued yet is drawn from the case as it stands, with example input standing in for the
step that would issue it (marked as such in the file name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from incidents import clock
from incidents.letters.documents import LetterDraft, letter_draft
from incidents.letters.facts import letter_facts
from incidents.letters.kinds import KINDS, Kind, Signatory, kinds_for_case
from incidents.models import Case, Letter, Membership, Role
from incidents.working_days import add_working_days
from incidents.workflow import AppealDecision, Outcome


@dataclass(frozen=True)
class ReviewLetter:
    filename: str
    draft: LetterDraft
    issued: bool  # drawn from an issued letter (True) or from example input (False)


def _someone(case: Case, *roles: str):
    membership = (Membership.objects.filter(school=case.school, role__in=roles).select_related("user")
                  .order_by("role", "user_id").first())
    return membership.user if membership else case.case_manager


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.now().tzinfo)


def example_arguments(case: Case, kind: str, variant: str = "") -> tuple[dict, object]:
    """(input standing in for the step, who takes it) for letter `kind` on `case`."""
    today = clock.today()
    place = "The meeting room, " + case.school.name
    hearing_at = case.hearing_at or _at(add_working_days(today, case.school.notice_working_days + 1), 10)
    panel = list(case.hearing_panel.all()) or [case.case_manager]
    examples = {
        Kind.PLATFORM_TAKEDOWN_REQUEST: {"checklist": {"password_changed": True, "two_factor_enabled": True,
                                                       "takedown_requested": True}},
        Kind.INVESTIGATION_NOTICE: {"investigating_officer": case.investigating_officer
                                    or _someone(case, Role.INVESTIGATING_OFFICER),
                                    "meeting_at": _at(add_working_days(today, 3), 14), "meeting_place": place},
        Kind.SUSPENSION: {
            "reason": "An allegation about your contact with a pupil through social media.",
            "why_needed": "To protect pupils, and the integrity of the investigation, while the facts are established.",
            "alternatives_considered": "A change of duties and working away from pupils: neither is possible here.",
            "contact_restrictions": "No contact with pupils or their families, including on social media.",
            "named_contact": _someone(case, Role.HR_ADVISER, Role.CHAIR_OF_GOVERNORS),
            "review_on": add_working_days(today, 10)},
        Kind.SUSPENSION_LIFTED: {"reason": "The investigation no longer needs you to be away from school."},
        Kind.HEARING_INVITATION: {"findings": "The investigation found that you made the post.",
                                  "hearing_at": hearing_at, "place": case.hearing_place or place, "panel": panel},
        Kind.OUTCOME: {"outcome": variant or case.outcome or Outcome.FIRST_WRITTEN_WARNING,
                       "reasons": "The panel found the allegations proved on the evidence and your own account.",
                       **({"termination_on": add_working_days(today, 20), "notice_weeks": 4}
                          if variant == Outcome.DISMISSAL_WITH_NOTICE else {})},
        Kind.MANAGEMENT_ADVICE: {"advice": "Keep the school's name off your personal profiles."},
        Kind.APPEAL_INVITATION: {"grounds": "The sanction is too severe.", "received_on": today,
                                 "hearing_at": case.appeal_hearing_at or _at(add_working_days(today, 6), 14),
                                 "place": case.appeal_hearing_place or place,
                                 "panel": list(case.appeal_panel.all()) or [_someone(case, Role.CHAIR_OF_GOVERNORS)]},
        Kind.APPEAL_OUTCOME: {"decision": case.appeal_decision or AppealDecision.NOT_UPHELD,
                              "reasons": "The panel found the hearing fair and its decision reasonable."},
        Kind.LADO_REFERRAL: {"allegation": case.description},
        Kind.NO_FURTHER_ACTION: {"reason": "The investigation found no case to answer."},
    }
    by = case.case_manager
    if KINDS[kind].signatory == Signatory.ACTOR:
        by = {Kind.OUTCOME: panel[0], Kind.APPEAL_OUTCOME: _someone(case, Role.CHAIR_OF_GOVERNORS)}.get(
            kind, _someone(case, Role.DSL))
    return examples.get(kind, {}), by


def letters_for_review(case: Case, *, kinds: list[str] | None = None) -> list[ReviewLetter]:
    """Every letter `case` can have, each in standard and large print (not yet rendered).
    The outcome letter comes in each of its outcomes."""
    review = []
    for kind in kinds or kinds_for_case(case):
        variants = Outcome.values if kind == Kind.OUTCOME else [""]
        issued = Letter.objects.filter(case=case, kind=kind).order_by("-version").first()
        for variant in variants:
            if issued and variant in ("", issued.facts.get("outcome")):
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
        if kind == Kind.SUSPENSION_LIFTED:
            cases = cases.filter(suspension="suspended")
        if kind == Kind.PLATFORM_TAKEDOWN_REQUEST:
            cases = cases.filter(kind=Case.Kind.COMPROMISED_ACCOUNT)
        if kind in (Kind.OUTCOME, Kind.APPEAL_INVITATION, Kind.APPEAL_OUTCOME):
            cases = cases.exclude(outcome="")
        case = cases.first() or Case.objects.exclude(subject=None).first()
        if case:
            chosen[kind] = case
    return chosen
