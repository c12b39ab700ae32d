"""What each letter says: the facts gathered from the case and the step's input.

`letter_facts` returns plain data (text, ISO dates, lists), which is stored with the
letter: a correction is drawn from the same facts, whatever has happened to the case
since. The text people typed stays text here; the templates escape it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.core.serializers.json import DjangoJSONEncoder

from incidents import clock
from incidents.deadlines import DEADLINES_BY_NAME, Period
from incidents.letters.kinds import KINDS, Kind, Recipient, Signatory
from incidents.letters.templatetags import as_date, as_datetime
from incidents.models import Case, CaseEvent, Membership, Role, School, StaffMember
from incidents.monitoring.policy import acknowledgement_of
from incidents.names import display_name
from incidents.school_days import MEANING, in_words
from incidents.workflow import (
    APPEALABLE,
    DISMISSALS,
    AppealDecision,
    ContainmentStep,
    EscalationReason,
    Outcome,
    RescheduleReason,
    warning_expiry,
    warning_months,
)
from incidents.workflow.choices import SUMMARY_ON_FILE, HarmTest
from incidents.workflow.procedure import AUTHORITY_NOTICE_DAYS
from incidents.working_days import add_working_days, working_days_before

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Roles in the order that names a person's capacity on a letter.
ROLE_TITLES = [
    (Role.HEADTEACHER, "Headteacher"),
    (Role.CHAIR_OF_GOVERNORS, "Chair of Governors"),
    (Role.DSL, "Designated Safeguarding Lead"),
    (Role.HR_ADVISER, "HR Adviser"),
    (Role.GOVERNOR, "Governor"),
    (Role.INVESTIGATING_OFFICER, "Investigating Officer"),
]

DEFAULT_WHAT_TO_REMOVE = (
    "The post at the link above, with any comments, replies, copies or shares of it that you control."
)


name_of = display_name


def role_title(user: User, school: School) -> str:
    """How a person signs a letter of `school`: their role, or their job title."""
    roles = set(Membership.objects.filter(user=user, school=school).values_list("role", flat=True))
    for role, title in ROLE_TITLES:
        if role in roles:
            return title
    record = StaffMember.objects.filter(user=user, school=school).only("job_title").first()
    return (record.job_title if record and record.job_title else "") or "Member of staff"


def person(user: User, school: School) -> dict[str, str]:
    return {"name": name_of(user), "title": role_title(user, school)}


def _person_from(value: User | dict[str, Any] | Literal[""] | None, school: School) -> dict[str, Any] | None:
    """A person given as a user, or as already recorded ({"name", "title"}, or an event's {"id", "name"});
    None when nobody was chosen (None, or "" from a form left empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return {"name": value.get("name", ""), "title": value.get("title", "")}
    return person(value, school)


def _local_date(moment: datetime | str) -> date:
    """The local date of `moment` (a date and time, or its ISO text); refuses anything else."""
    local = as_datetime(moment)
    if local is None:
        raise ValueError(f"Not a date and time: {moment!r}")
    return clock.localdate(local)


def _period(deadline: str) -> Period:
    """How the deadline a letter states is counted: as the step that sets it counts it."""
    period = DEADLINES_BY_NAME[deadline].period
    if period is None:
        raise ValueError(f"The deadline {deadline!r} is not counted from a day.")
    return period


def _day(value: object) -> date:
    """`value` (a date, a date and time, or its ISO text) as a date; refuses anything else."""
    day = as_date(value)
    if day is None:
        raise ValueError(f"Not a date: {value!r}")
    return day


def documents_deadline(hearing_at: datetime) -> date:
    """By default the employee sends their documents and witnesses 2 working days before the hearing."""
    return working_days_before(_local_date(hearing_at), 2)


def _clause_text(text: str) -> str:
    """A clause as a quotation: without the list punctuation it has inside the policy."""
    return re.sub(r"\s*[;,:]\s*(or|and)?\s*$", "", text.strip())


def _clauses(case: Case) -> list[dict[str, Any]]:
    return [
        {"ref": clause.ref, "title": clause.title, "text": _clause_text(clause.text), "section": clause.section,
         "gross_misconduct": clause.gross_misconduct}
        for clause in case.clauses.all()
    ]


def _evidence(case: Case) -> list[dict[str, Any]]:
    bundle = []
    for number, item in enumerate(case.evidence.all(), start=1):
        bundle.append({
            "index": f"E{number}",
            "description": item.description or item.original_name or item.link,
            "source": item.link or item.original_name,
            "is_link": bool(item.link),
            "sha256": item.sha256,
            "added_on": item.added_at,
        })
    return bundle


def _live_warnings(case: Case, today: date) -> list[dict[str, Any]]:
    """The employee's other warnings still live today (a warning is disregarded once expired)."""
    others = case.other_live_warnings(today)
    return [{"reference": other.reference, "outcome": Outcome(other.outcome).label,
             "given_on": other.outcome_on, "expires_on": other.warning_expires_on} for other in others]


def _step_details(case: Case, step: str) -> dict[str, Any]:
    event = case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition=step).order_by("-sequence").first()
    return event.details if event else {}


def _appeal_to(case: Case) -> dict[str, str]:
    """Appeals go to the chair of governors; when the chair managed or heard the case, to the clerk
    to the governing body, by name where the school has recorded it (the chair cannot sit)."""
    chair = (Membership.objects.filter(school=case.school, role=Role.CHAIR_OF_GOVERNORS)
             .select_related("user").first())
    if chair and chair.user_id != case.case_manager_id and not case.hearing_panel.filter(pk=chair.user_id).exists():
        return {"name": name_of(chair.user), "title": "Chair of Governors"}
    if case.school.clerk_to_governors:
        return {"name": case.school.clerk_to_governors, "title": "Clerk to the Governing Body"}
    return {"name": "The Clerk to the Governing Body", "title": ""}


def _consequences(clause: dict[str, Any], most_serious: str) -> str:
    """What finding this allegation may lead to: never more than the hearing may reach."""
    if most_serious == Outcome.SUMMARY_DISMISSAL:
        return ("Gross misconduct is alleged: if it is found, the outcome may be dismissal without notice "
                "(summary dismissal), or any lesser outcome.")
    if most_serious == Outcome.DISMISSAL_WITH_NOTICE:
        return ("If it is found, the outcome may be up to dismissal with notice, because you have a live "
                "final written warning.")
    return f"If it is found, the outcome may be up to a {Outcome(most_serious).label.lower()}."


# --- The facts of each kind ----------------------------------------------------

def _acknowledgement(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "reported_at": case.reported_at,
        "report_kind": Case.Kind(case.kind).label,
        "platform": Case.Platform(case.platform).label,
        "content_url": case.content_url,
        "seen_on": case.seen_on,
        "description": case.description,
        "case_manager": person(case.case_manager, case.school),
        "safeguarding": case.safeguarding,
    }


def _content_removal_request(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    period = _period("content_removal")
    deadline = a.get("deadline") or case.removal_deadline or period.after(case.school, today)
    return {
        "platform": Case.Platform(case.platform).label,
        "content_url": case.content_url,
        "seen_on": case.seen_on,
        "what_to_remove": (a.get("what_to_remove") or "").strip() or DEFAULT_WHAT_TO_REMOVE,
        "deadline": deadline,
        "period": in_words(period.between(case.school, today, _day(deadline)), period.counts),
        "period_means": MEANING[period.counts],
    }


def _platform_takedown_request(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    checklist = a.get("checklist") or {}
    return {
        "platform": Case.Platform(case.platform).label,
        "content_url": case.content_url,
        "account_holder": case.subject.full_name if case.subject else "",
        "description": case.description,
        "seen_on": case.seen_on,
        "steps_taken": [ContainmentStep(step).label for step, done in checklist.items()
                        if done and step in ContainmentStep.values],
    }


def _removal_asked(case: Case) -> dict[str, Any] | None:
    """What the employee was asked to remove, when, and whether it has been removed; None if they
    were never asked. An employee asked to remove a post must not then be told to keep it."""
    asked = (case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition="request_content_removal")
             .order_by("-sequence").first())
    if asked is None:
        return None
    return {
        "asked_on": clock.localdate(asked.at),
        # This letter does not print the link above, so the default names it.
        "what_to_remove": (asked.details.get("what_to_remove") or "").strip() or (
            f"The post at {case.content_url}, with any comments, replies, copies or shares of it that you control."
            if case.content_url else DEFAULT_WHAT_TO_REMOVE.replace(" at the link above", "")),
        "removed": case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition="confirm_removed",
                                      sequence__gt=asked.sequence).exists(),
        "evidence_kept": case.evidence.exists(),
    }


def _investigation_notice(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    background = ""
    if a.get("reason") in EscalationReason.values:
        background = EscalationReason(a["reason"]).label + "."
    elif a.get("lado_outcome"):
        background = ("The Local Authority Designated Officer has considered the matter and advised that the "
                      "school deals with it under its disciplinary procedure.")
    elif a.get("reason"):
        background = f"The case has been reopened: {a['reason']}"
    officer = a.get("investigating_officer") or case.investigating_officer
    return {
        "removal": _removal_asked(case),
        "description": case.description,
        "investigating_officer": _person_from(officer, case.school),
        "meeting_at": a.get("meeting_at"),
        "meeting_place": a.get("meeting_place", ""),
        "background": background,
        "safeguarding": case.safeguarding,
    }


def _suspension(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "from_date": today,
        "reason": a.get("reason", ""),
        "why_needed": a.get("why_needed", ""),
        "alternatives_considered": a.get("alternatives_considered", ""),
        "contact_restrictions": a.get("contact_restrictions", ""),
        "named_contact": _person_from(a.get("named_contact"), case.school),
        "welfare_contact": _person_from(a.get("welfare_contact") or a.get("named_contact"), case.school),
        "review_on": a.get("review_on") or case.suspension_review_on,
        "review_max_weeks": case.school.suspension_review_max_weeks,
    }


def _suspension_review(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    """The outcome of a review: why the suspension continues, the next review and whom to contact
    (the welfare contact given with the review, else the one named when the suspension began)."""
    began = (case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition="suspend")
             .order_by("-sequence").first())
    suspended = began.details if began else {}

    def recorded(value: Any) -> dict[str, Any] | None:
        # The suspension's event keeps people by id and name; the letter gives their role too.
        from django.contrib.auth import get_user_model

        pk = value.get("id") if isinstance(value, dict) else None
        user = get_user_model().objects.filter(pk=pk).first() if isinstance(pk, int) else None
        return person(user, case.school) if user else _person_from(value, case.school)

    return {
        "reviewed_on": today,
        "from_date": clock.localdate(began.at) if began else None,
        "findings": a.get("findings", ""),
        "review_on": a.get("review_on") or case.suspension_review_on,
        "review_max_weeks": case.school.suspension_review_max_weeks,
        "named_contact": recorded(suspended.get("named_contact")),
        "welfare_contact": _person_from(a.get("welfare_contact"), case.school)
                           or recorded(suspended.get("welfare_contact") or suspended.get("named_contact")),
    }


def _suspension_lifted(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    return {"lifted_on": today, "reason": a.get("reason", "")}


def _hearing_invitation(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    hearing_at = a.get("hearing_at") or case.hearing_at
    gross = bool(a.get("gross_misconduct_alleged", case.gross_misconduct_alleged))
    reschedule_reason = a.get("reason") if a.get("reason") in RescheduleReason.values else ""
    panel = a.get("panel")
    panel = [_person_from(member, case.school)
             for member in (panel if panel is not None else case.hearing_panel.all())]
    hearing_day = _local_date(hearing_at) if hearing_at else today
    # The one rule of what this hearing may reach, which the panel is then held to.
    most_serious = case.most_serious_outcome(today, gross_misconduct_alleged=gross)
    allegations = [dict(clause, consequences=_consequences(clause, most_serious)) for clause in _clauses(case)]
    return {
        "findings": case.investigation_findings,
        "allegations": allegations,
        "gross_misconduct_alleged": gross,
        "most_serious_outcome": most_serious,
        "most_serious_outcome_label": Outcome(most_serious).label.lower(),
        "hearing_at": hearing_at,
        "place": a.get("place") or case.hearing_place,
        "panel": panel,
        "notice_working_days": case.school.notice_working_days,
        "companion_latest": add_working_days(hearing_day, 5),
        "documents_by": a.get("documents_by") or (documents_deadline(hearing_at) if hearing_at else None),
        "evidence": _evidence(case),
        "live_warnings": _live_warnings(case, today),
        "adjustments_contact": (a.get("adjustments_contact") or "").strip() or case.school.hr_contact
                               or person(case.case_manager, case.school)["name"],
        "investigating_officer": _person_from(case.investigating_officer, case.school),
        "rearranged": RescheduleReason(reschedule_reason).label if reschedule_reason else "",
        # Did the employee know the rule? Their confirmation that they read the policy, or None.
        "acknowledgement": acknowledgement_of(case.subject, case.policy or case.school.policy),
    }


def _outcome(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    outcome = a.get("outcome") or case.outcome
    months = warning_months(case.school, outcome, a.get("warning_months"))
    appealable = outcome in APPEALABLE
    dismissal = outcome in DISMISSALS
    appeal_window = _period("appeal_window")
    return {
        "outcome": outcome,
        "outcome_label": Outcome(outcome).label,
        "reasons": a.get("reasons", ""),
        "hearing_at": case.hearing_at,
        "decided_on": case.outcome_on or today,
        "improvement_expected": a.get("improvement_expected", ""),
        "support_offered": a.get("support_offered", ""),
        "warning_months": months,
        "warning_expires_on": (case.warning_expires_on if case.outcome == outcome and case.warning_expires_on
                               else warning_expiry(case.school, outcome, case.outcome_on or today, months)),
        "appealable": appealable,
        "appeal_deadline": case.appeal_deadline or appeal_window.after(case.school, today),
        "appeal_window": in_words(appeal_window.length(case.school), appeal_window.counts),
        "appeal_to": _appeal_to(case),
        "termination_on": a.get("termination_on"),
        "notice_weeks": a.get("notice_weeks"),
        "final_pay": a.get("final_pay", ""),
        "local_authority_notified": dismissal and case.school.local_authority_is_employer,
        "authority_notice_due_on": case.authority_notice_due_on or today + timedelta(days=AUTHORITY_NOTICE_DAYS),
        "clauses": _clauses(case),
    }


def _authority_notification(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    """What the authority needs to give notice: who, what was decided, by whom, and by when."""
    outcome = a.get("outcome") or case.outcome
    return {
        "outcome": outcome,
        "outcome_label": Outcome(outcome).label.lower(),
        "decided_on": case.outcome_on or today,
        "hearing_at": case.hearing_at,
        "committee": [_person_from(member, case.school) for member in case.hearing_panel.all()],
        "termination_on": a.get("termination_on"),
        "notice_weeks": a.get("notice_weeks"),
        "notice_due_on": case.authority_notice_due_on or today + timedelta(days=AUTHORITY_NOTICE_DAYS),
        "appeal_deadline": case.appeal_deadline,
    }


def _authority_reinstatement(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    """What the authority needs once a dismissal it was notified of is overturned on appeal: not to
    give notice, or to withdraw it, and what stands instead."""
    dismissal = _step_details(case, "record_outcome").get("outcome") or case.outcome_before_appeal
    return {
        "dismissal": Outcome(dismissal).label.lower() if dismissal in Outcome.values else "dismissal",
        "dismissed_on": case.outcome_on,
        "decided_on": today,
        "appeal_hearing_at": case.appeal_hearing_at,
        "committee": [_person_from(member, case.school) for member in case.appeal_panel.all()],
        "outcome_now": Outcome(case.outcome).label.lower() if case.outcome else "",
        "notice_given_on": case.authority_notice_on,
    }


def _management_advice(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    return {"advice": a.get("advice", "")}


def _appeal_invitation(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    hearing_at = a.get("hearing_at") or case.appeal_hearing_at
    panel = a.get("panel")
    panel = [_person_from(member, case.school)
             for member in (panel if panel is not None else case.appeal_panel.all())]
    return {
        "outcome_label": Outcome(case.outcome).label if case.outcome else "",
        "outcome_on": case.outcome_on,
        "grounds": a.get("grounds", ""),
        "received_on": a.get("received_on") or case.appeal_received_on,
        "hearing_at": hearing_at,
        "place": a.get("place") or case.appeal_hearing_place,
        "panel": panel,
        "companion_latest": add_working_days(_local_date(hearing_at), 5) if hearing_at else None,
        "documents_by": documents_deadline(hearing_at) if hearing_at else None,
        "adjustments_contact": case.school.hr_contact or person(case.case_manager, case.school)["name"],
    }


def _appeal_outcome(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    decision = a.get("decision") or case.appeal_decision or AppealDecision.NOT_UPHELD
    appealed = _step_details(case, "record_outcome").get("outcome") or case.outcome
    return {
        "decision": decision,
        "decision_label": AppealDecision(decision).label,
        "reasons": a.get("reasons", ""),
        "appealed_outcome": Outcome(appealed).label if appealed else "",
        "outcome_now": Outcome(case.outcome).label if case.outcome else "",
        # an overturned dismissal: back at work as if never dismissed
        "reinstated": appealed in DISMISSALS and decision != AppealDecision.NOT_UPHELD,
        "dismissed_on": case.outcome_on,
        "warning_expires_on": case.warning_expires_on,
        "appeal_hearing_at": case.appeal_hearing_at,
    }


def _lado_referral(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    decided = (case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition="decide_harm_threshold")
               .order_by("-sequence").first())
    arose = decided.details.get("concern_arose_on") if decided else None
    return {
        "harm_tests": [(label, value in case.harm_tests_met) for value, label in HarmTest.choices],
        "harm_threshold_reasons": case.harm_threshold_reasons,
        "lado": {"name": case.lado_name or a.get("lado_name", ""),
                 "authority": case.lado_authority or a.get("lado_authority", ""),
                 "reference": case.lado_reference or a.get("lado_reference", "")},
        "allegation": a.get("allegation", ""),
        "employee": {"name": case.subject.full_name, "job_title": case.subject.job_title} if case.subject else None,
        "reported_at": case.reported_at,
        "reported_by": person(case.reporter, case.school),
        "description": case.description,
        "concern_arose_on": date.fromisoformat(arose) if arose else _local_date(case.reported_at),
        "referred_at": case.lado_referred_at or clock.now(),
        "lado_due_on": case.lado_due_on,
        "late_reason": a.get("late_reason", ""),
        "platform": Case.Platform(case.platform).label,
        "content_url": case.content_url,
    }


def _report_closed(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    """To the reporter: their report is closed. Never the outcome, nor anything about the colleague."""
    return {
        "reported_at": case.reported_at,
        "report_kind": Case.Kind(case.kind).label,
        "closed_on": today,
    }


def _no_further_action(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "reason": a.get("reason", ""),
        "investigating_officer": _person_from(case.investigating_officer, case.school),
    }


def _allegation_outcome(case: Case, a: dict[str, Any], today: date) -> dict[str, Any]:
    """The outcome in the employee's words: what it means, what is kept on their file and for
    how long, whether references mention it. The LADO's advice itself is not sent."""
    outcome = a.get("lado_outcome") or case.lado_outcome
    return {
        "lado_outcome": outcome,
        "summary_on_file": outcome in SUMMARY_ON_FILE,
        "personnel_summary": a.get("personnel_summary", "") if outcome in SUMMARY_ON_FILE else "",
        "investigate": bool(a.get("investigate")),
        "referred_on": _local_date(case.lado_referred_at) if case.lado_referred_at else None,
    }


# What letter of each kind says beyond what every letter says: (case, step's input, today) -> facts.
GATHER: dict[str, Callable[[Case, dict[str, Any], date], dict[str, Any]]] = {
    Kind.ACKNOWLEDGEMENT: _acknowledgement,
    Kind.CONTENT_REMOVAL_REQUEST: _content_removal_request,
    Kind.PLATFORM_TAKEDOWN_REQUEST: _platform_takedown_request,
    Kind.INVESTIGATION_NOTICE: _investigation_notice,
    Kind.SUSPENSION: _suspension,
    Kind.SUSPENSION_REVIEW: _suspension_review,
    Kind.SUSPENSION_LIFTED: _suspension_lifted,
    Kind.HEARING_INVITATION: _hearing_invitation,
    Kind.OUTCOME: _outcome,
    Kind.MANAGEMENT_ADVICE: _management_advice,
    Kind.APPEAL_INVITATION: _appeal_invitation,
    Kind.APPEAL_OUTCOME: _appeal_outcome,
    Kind.LADO_REFERRAL: _lado_referral,
    Kind.NO_FURTHER_ACTION: _no_further_action,
    Kind.ALLEGATION_OUTCOME: _allegation_outcome,
    Kind.REPORT_CLOSED: _report_closed,
    Kind.AUTHORITY_NOTIFICATION: _authority_notification,
    Kind.AUTHORITY_REINSTATEMENT: _authority_reinstatement,
}


def recipient_of(case: Case, kind: str) -> tuple[StaffMember | None, User | None, str, str]:
    """(staff record, user, name, address line) of the person or body the letter goes to.
    A letter to the employee needs the employee named on the case (ValueError otherwise)."""
    spec = KINDS[kind]
    if spec.recipient == Recipient.SUBJECT:
        subject = case.subject
        if subject is None:
            raise ValueError(f"A letter to the employee needs the employee named on case {case.reference}.")
        return subject, None, subject.full_name, subject.job_title
    if spec.recipient == Recipient.REPORTER:
        record = StaffMember.objects.filter(school=case.school, user=case.reporter).first()
        return record, case.reporter, name_of(case.reporter), record.job_title if record else ""
    if spec.recipient == Recipient.PLATFORM:
        return None, None, f"{Case.Platform(case.platform).label}: Trust and Safety team", ""
    if spec.recipient == Recipient.LOCAL_AUTHORITY:
        name, _, address = (case.school.local_authority.strip() or "The local authority").partition("\n")
        return None, None, name.strip(), ", ".join(line.strip() for line in address.splitlines() if line.strip())
    return None, None, "The Local Authority Designated Officer", "Local Authority Designated Officer service"


def letter_facts(*, case: Case, kind: str, by: User | None = None,
                 arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything letter `kind` says about `case`, as plain data.

    `arguments` are the step's input (the same keyword arguments as its service); a value
    missing there is read from the case. `by` is the person taking the step: they sign the
    letters a panel or the DSL issues; the case manager signs the others.
    """
    arguments = arguments or {}
    spec = KINDS[kind]
    today = clock.today()
    signer = by if (spec.signatory == Signatory.ACTOR and by is not None) else case.case_manager
    staff, user, name, line = recipient_of(case, kind)
    policy = case.policy or case.school.policy
    facts = {
        "date": today,
        "case_reference": case.reference,
        "recipient": {"name": name, "line": line},
        "signatory": dict(person(signer, case.school), capacity=spec.capacity),
        "employee": {"name": case.subject.full_name, "job_title": case.subject.job_title} if case.subject else None,
        "clauses": _clauses(case),
        "policy": {"title": policy.title, "version": policy.version} if policy else None,
        **GATHER[kind](case, arguments, today),
    }
    # Stored as it will read back, so a correction is drawn from exactly the same facts.
    return json.loads(json.dumps(facts, cls=DjangoJSONEncoder))


def subject_access_extension_facts(*, staff: StaffMember, request_reference: str, received_on: date,
                                   received_how: str, first_due_on: date, due_on: date, reason: str,
                                   by: User) -> dict[str, Any]:
    """What the letter telling a member of staff that their subject access request needs more time
    says: when it arrived and how, the date it was due, the new date and why (UK GDPR art. 12(3)),
    and how to complain. Plain data, as `letter_facts`."""
    recipient = {"name": staff.full_name, "line": staff.job_title}
    facts = {
        "date": clock.today(),
        "request_reference": request_reference,
        "recipient": recipient,
        "employee": recipient,  # it is about them: "private and confidential"
        "signatory": dict(person(by, staff.school), capacity=""),
        "received_on": received_on,
        "received_how": received_how,
        "first_due_on": first_due_on,
        "due_on": due_on,
        "reason": reason,
        "contact": staff.school.hr_contact or name_of(by),
    }
    return json.loads(json.dumps(facts, cls=DjangoJSONEncoder))
