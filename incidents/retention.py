"""How long a case's personal data is kept once the case has ended, and its removal.

The rules are declared once, below (`RULES`), as database expressions: the register's "Retain
until" column, the case page and `python manage.py apply_retention` all read them, so they
cannot disagree. Each school sets its own periods (the `retain_*` fields of `School`, in the
admin); the defaults and where they come from:

1. **False or malicious allegation** (the LADO's outcome): removed when the case ends. KCSIE
   (part 4): a false or malicious allegation is removed from personnel records.
2. **Safeguarding allegation** (the LADO's outcome substantiated, unsubstantiated or unfounded,
   or any case flagged as safeguarding without a false or malicious outcome): kept until the
   employee's normal pension age or ten years from the allegation, whichever is longer (KCSIE
   part 4; the IRMS toolkit for schools). Without a recorded date of birth, ten years from the
   allegation, and the case page says so.
3. **Dismissal**: six years from the end of the case (the IRMS toolkit keeps a personnel file
   six years after employment ends: the Limitation Act 1980 period for claims).
4. **Written warning**: until the warning stops being live, plus six months (the IRMS toolkit:
   a first written warning its live period plus six months; a final warning 18 months in all).
5. **Management advice**: six months from the end (the IRMS toolkit keeps an oral warning six
   months).
6. **Compromised account**: twelve months from the end (this product's choice: long enough to
   see the same account compromised again; no statute or toolkit names a period).
7. **No case to answer, no further action, or a withdrawn report**: six months from the end
   (the IRMS toolkit disposes of the record at the end of the case; six months leaves time for
   an employment tribunal claim: three months less a day, plus early conciliation).
8. **Any other ended case** (a low-level concern, for one): six years from the end, the
   Limitation Act 1980 period. KCSIE keeps low-level concerns at least until the person leaves.

A case is kept through its "retain until" day and is due the day after. A case with a legal
hold that stands (`LegalHold`) is never touched; neither is an open case.

**What removal does** (`retention_apply`): the evidence and letter files and their rows, the
emails and letter deliveries, the names and free text of the case (the employee concerned, the
investigating officer and panels, the description, findings and every other free-text field)
are deleted. What remains is an anonymised skeleton: the school, kind, clauses, stages with their
dates, outcome and closure, so the register and monitoring figures still count the case.

**The audit chain**: the case's events hold personal text, so they cannot stay. Before removing
anything the case's chain is verified (`incidents.audit.audit_verify`); a broken chain stops the
removal (it is evidence of tampering, and is reported). The chain's length and the hash of its
last event are written to the append-only retention log (`RetentionRecord`) and to the new
chain, which replaces the old one: one event per step the case went through (its kind, stages
and time, nobody's name, no text), then one "personal data removed" event naming the rule and
what was removed. The new chain is hash-chained like any other, so `verify_audit` checks it; the
old head hash in the log ties it to what the chain was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import Case as CaseWhen, DateField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate

from incidents import clock
from incidents.exports.sql import PlusMonths
from incidents.models import Case, CaseEvent, Evidence, LegalHold, Letter, LetterDelivery, RetentionRecord
from incidents.models.events import Notification
from incidents.workflow import LadoOutcome, Outcome, State
from incidents.workflow.choices import DISMISSALS, ENDED_STATES, WARNINGS, Closure

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# --- The rules -------------------------------------------------------------------------------

def ended_on() -> Any:
    """The day (school time) the case last entered an ended stage; None while it is open."""
    return TruncDate(Max("events__at", filter=Q(events__to_state__in=ENDED_STATES)))


def _months(setting: str, times: int = 1) -> Any:
    return F(f"school__{setting}") * times if times != 1 else F(f"school__{setting}")


def _after_end(setting: str, times: int = 1) -> Callable[[], Any]:
    return lambda: PlusMonths(ended_on(), _months(setting, times))


def _ten_years() -> Any:
    return PlusMonths(TruncDate("reported_at"), _months("retain_safeguarding_years", 12))


def _pension_age_or_ten_years() -> Any:
    pension_day = PlusMonths(F("subject__date_of_birth"), _months("normal_pension_age", 12))
    return Greatest(_ten_years(), Coalesce(pension_day, _ten_years()))


@dataclass(frozen=True)
class Rule:
    key: str
    words: str  # what the case page, the dry run and the log say
    source: str  # where the default comes from, in plain words
    applies: Q | None  # which ended cases it covers (the first that does decides); None: every other
    until: Callable[[], Any]  # the last day the case is kept, a database expression


SAFEGUARDING_KEPT = [LadoOutcome.SUBSTANTIATED, LadoOutcome.UNSUBSTANTIATED, LadoOutcome.UNFOUNDED]
_SAFEGUARDING = ((Q(lado_outcome__in=SAFEGUARDING_KEPT) | Q(safeguarding=True))
                 & ~Q(lado_outcome__in=[LadoOutcome.FALSE, LadoOutcome.MALICIOUS]))

RULES: list[Rule] = [
    Rule("false_or_malicious", "A false or malicious allegation: removed when the case ends",
         "KCSIE part 4: false and malicious allegations are removed from personnel records.",
         Q(lado_outcome__in=[LadoOutcome.FALSE, LadoOutcome.MALICIOUS]), ended_on),
    Rule("safeguarding_pension_age",
         "A safeguarding allegation: kept until the employee's normal pension age or ten years from the "
         "allegation, whichever is longer",
         "KCSIE part 4 and the IRMS toolkit for schools.",
         _SAFEGUARDING & Q(subject__date_of_birth__isnull=False), _pension_age_or_ten_years),
    Rule("safeguarding_ten_years",
         "A safeguarding allegation: kept ten years from the allegation (no date of birth is recorded for the "
         "employee, so the normal pension age cannot be worked out)",
         "KCSIE part 4 and the IRMS toolkit for schools: pension age or ten years, whichever is longer.",
         _SAFEGUARDING, _ten_years),
    Rule("dismissal", "A dismissal: kept six years (the school's period) from the end of the case",
         "The IRMS toolkit: a personnel file is kept six years after employment ends (Limitation Act 1980).",
         Q(outcome__in=DISMISSALS), _after_end("retain_dismissal_years", 12)),
    Rule("warning", "A written warning: kept until it expires, plus the school's margin",
         "The IRMS toolkit: a warning is kept for its live period plus six months.",
         Q(outcome__in=WARNINGS),
         lambda: PlusMonths(Coalesce("warning_expires_on", ended_on(), output_field=DateField()),
                            _months("retain_warning_margin_months"))),
    Rule("management_advice", "Management advice: kept for the school's period from the end of the case",
         "The IRMS toolkit keeps an oral warning six months.",
         Q(outcome=Outcome.MANAGEMENT_ADVICE) | Q(closure=Closure.MANAGEMENT_ADVICE),
         _after_end("retain_management_advice_months")),
    Rule("compromised_account", "A compromised account: kept for the school's period from the end of the case",
         "This product's choice (twelve months by default): long enough to see the same account compromised "
         "again; no statute or toolkit names a period.",
         Q(kind=Case.Kind.COMPROMISED_ACCOUNT), _after_end("retain_compromised_account_months")),
    Rule("no_case", "No case to answer or no further action: kept for the school's period from the end of the case",
         "The IRMS toolkit disposes of the record at the end of the case; six months by default leaves time for "
         "an employment tribunal claim.",
         Q(outcome=Outcome.NO_FURTHER_ACTION) | Q(closure=Closure.NO_CASE) | Q(state=State.WITHDRAWN),
         _after_end("retain_no_case_months")),
    Rule("other", "Kept six years (the school's period) from the end of the case",
         "The Limitation Act 1980 period for claims; KCSIE keeps a low-level concern at least until the person "
         "leaves.",
         None, _after_end("retain_other_years", 12)),
]
RULE_WORDS = {rule.key: rule.words for rule in RULES}


def _retained_until() -> Subquery:
    """Once retention has run, the date it worked to (the skeleton has lost what the rule read)."""
    return Subquery(RetentionRecord.objects.filter(case=OuterRef("pk")).order_by("-at").values("retain_until")[:1],
                    output_field=DateField())


def retain_until() -> Any:
    """The last day the case is kept, as a database expression: None while it is open."""
    return Coalesce(_retained_until(), CaseWhen(
        When(~Q(state__in=ENDED_STATES), then=Value(None, output_field=DateField())),
        *[When(rule.applies, then=rule.until()) for rule in RULES if rule.applies is not None],
        default=RULES[-1].until(), output_field=DateField(),
    ), output_field=DateField())


def retention_rule() -> Any:
    """Which rule decides the case's retention (its key), as a database expression; '' while open."""
    return CaseWhen(
        When(~Q(state__in=ENDED_STATES), then=Value("")),
        *[When(rule.applies, then=Value(rule.key)) for rule in RULES if rule.applies is not None],
        default=Value(RULES[-1].key), output_field=models.CharField(),
    )


def holds_standing(day: date) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gte=day))


@dataclass(frozen=True)
class Retention:
    """What the case page says of a case's retention."""

    until: date | None
    rule: str  # the rule's words, '' while the case is open
    removed_on: date | None  # when retention removed its personal data, if it has
    holds: list[LegalHold]


def retention_for(case: Case) -> Retention:
    """The case's retention: its date and rule (one query), its holds, and whether it was applied."""
    until, key = (Case.objects.filter(pk=case.pk).annotate(r_until=retain_until(), r_rule=retention_rule())
                  .values_list("r_until", "r_rule").get())
    record = case.retention_records.order_by("-at").first()
    holds = [hold for hold in case.legal_holds.select_related("placed_by") if hold.stands_on(clock.today())]
    return Retention(until=until, rule=RULE_WORDS.get(key, ""), removed_on=record.at.date() if record else None,
                     holds=holds)


# --- Which cases are due -----------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    case: Case
    until: date
    rule: str  # the rule's key

    @property
    def words(self) -> str:
        return RULE_WORDS[self.rule]


def cases_due(today: date | None = None) -> tuple[list[Due], list[Due]]:
    """The ended cases whose retention has passed and whose personal data has not yet been removed,
    oldest date first: (those to remove, those a standing legal hold keeps)."""
    today = today or clock.today()
    rows = (Case.objects.filter(state__in=ENDED_STATES)
            .exclude(Exists(RetentionRecord.objects.filter(case=OuterRef("pk"))))
            .annotate(r_until=retain_until(), r_rule=retention_rule())
            .filter(r_until__lt=today)
            .annotate(held=Exists(holds_standing(today).filter(case=OuterRef("pk"))))
            .select_related("school").order_by("r_until", "pk"))
    due: list[Due] = []
    held: list[Due] = []
    for case in rows:
        item = Due(case=case, until=case.r_until, rule=case.r_rule)
        (held if case.held else due).append(item)
    return due, held


# --- Removing personal data --------------------------------------------------------------------

class RetentionRefused(Exception):
    """The case cannot be anonymised as it stands (its chain is broken, it is held, or open)."""


# Fields of the case the skeleton keeps: what monitoring counts. Every other text field is
# emptied, every other optional link to a person cleared, whatever fields the case gains later.
SKELETON = {"id", "uuid", "reference", "year", "number", "school", "kind", "state", "suspension", "reported_at",
            "safeguarding", "reporter", "case_manager", "clauses"}
NAME_REMOVED = "Name removed at the end of retention"
# Every model that points at a case is one or the other (a test holds every new one to it):
# removed with the personal data, or kept with the skeleton, holding no personal text.
REMOVED_WITH_PERSONAL_DATA = frozenset({"Evidence", "Letter", "LetterDelivery", "Notification", "CaseEvent"})
KEPT_WITH_SKELETON = frozenset({"LegalHold", "RetentionRecord", "Reminder", "CaseUserObjectPermission",
                                "CaseGroupObjectPermission", "CaseAnchor",  # anchors: counts and hashes only
                                # the adult's log of low-level concerns is kept by its own rule (KCSIE:
                                # at least until they leave), not the case's: it only points at the case
                                "LowLevelConcern"})


def _anonymised_fields() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in Case._meta.concrete_fields:
        if field.name in SKELETON or field.primary_key or field.choices:
            continue  # a choice is a code (a stage, an outcome), not anyone's words
        if isinstance(field, models.JSONField):
            values[field.name] = field.get_default()
        elif isinstance(field, (models.CharField, models.TextField)):
            values[field.name] = ""
        elif field.is_relation and field.null:
            values[field.name] = None
    return values


def retention_apply(due: Due, *, today: date | None = None) -> RetentionRecord:
    """Remove the personal data of the case `due` names and keep its anonymised skeleton; log it.

    In one transaction: re-checks that the case is ended, not held and not already done, and
    verifies its chain of events (RetentionRefused otherwise, and nothing changes); then deletes
    its letters, evidence, emails and deliveries, empties its names and free text, replaces its
    chain (see the module's docstring) and writes the retention log. The files are deleted from
    storage once the transaction has committed.
    """
    from incidents.audit import audit_verify, chain_replace

    today = today or clock.today()
    case = due.case
    files: list[Any] = []
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.is_open:
            raise RetentionRefused(f"{case.reference} is open.")
        if holds_standing(today).filter(case=case).exists():
            raise RetentionRefused(f"{case.reference} is under a legal hold.")
        if case.retention_records.exists():
            raise RetentionRefused(f"{case.reference}: its personal data has already been removed.")
        broken = audit_verify(Case.objects.filter(pk=case.pk))
        if broken:
            raise RetentionRefused(f"{case.reference}: its timeline does not verify ({broken}); nothing was removed.")
        old = list(case.events.order_by("sequence").only("sequence", "hash", "kind", "transition", "from_state",
                                                         "to_state", "at"))
        evidence = Evidence.objects.filter(case=case)
        letters = Letter._base_manager.filter(case=case)
        files = ([stored.file for stored in evidence if stored.file]
                 + [stored.safe_file for stored in evidence if stored.safe_file] + [letter.pdf for letter in letters])
        removed = {"files": len(files), "evidence": evidence.count(), "letters": letters.count(),
                   "events": len(old)}
        LetterDelivery.objects.filter(case=case).delete()
        Notification.objects.filter(case=case).delete()
        letters._raw_delete(letters.db)  # one statement: versions point at the letters they replace
        evidence.delete()
        Case.objects.filter(pk=case.pk).update(**_anonymised_fields())
        for field in Case._meta.many_to_many:
            if field.name not in SKELETON:
                getattr(case, field.name).clear()
        skeleton = [CaseEvent(case=case, kind=event.kind, transition=event.transition, from_state=event.from_state,
                              to_state=event.to_state, at=event.at, details={"who": NAME_REMOVED})
                    for event in old if event.kind in (CaseEvent.Kind.REPORTED, CaseEvent.Kind.TRANSITION)]
        skeleton.append(CaseEvent(case=case, kind=CaseEvent.Kind.RETENTION_APPLIED, at=clock.now(), details={
            "rule": RULE_WORDS[due.rule], "retain_until": due.until, "removed": removed,
            "previous_chain": {"events": len(old), "head": old[-1].hash if old else ""}}))
        chain_replace(case, skeleton)
        record = RetentionRecord.objects.create(
            case=case, reference=case.reference, rule=due.rule, rule_words=RULE_WORDS[due.rule],
            retain_until=due.until, removed=removed, chain_events=len(old), chain_head=old[-1].hash if old else "")
        transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files])
    return record


# --- Legal holds -------------------------------------------------------------------------------

def legal_hold_place(*, case: Case, by: User, reason: str, until: date | None) -> LegalHold:
    """Place a legal hold on the case (by HR or the case manager): retention leaves it alone."""
    from django.core.exceptions import ValidationError

    from incidents.audit import event_record
    from incidents.exceptions import NotPermitted

    if not may_hold(by, case):
        raise NotPermitted("Only the case manager or the school's HR adviser can place a legal hold.")
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Say why the case must be kept."
    if until is not None and until < clock.today():
        errors["until"] = "The hold cannot end in the past."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hold = LegalHold.objects.create(case=case, placed_by=by, reason=reason.strip(), until=until)
        event_record(case=case, kind=CaseEvent.Kind.LEGAL_HOLD_PLACED, actor=by,
                     details={"reason": hold.reason, "until": until})
    return hold


def legal_hold_lift(*, hold: LegalHold, by: User) -> None:
    from incidents.audit import event_record
    from incidents.exceptions import NotPermitted

    if not may_hold(by, hold.case):
        raise NotPermitted("Only the case manager or the school's HR adviser can lift a legal hold.")
    with transaction.atomic():
        lifted = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(lifted_by=by,
                                                                                     lifted_at=clock.now())
        if lifted:
            event_record(case=hold.case, kind=CaseEvent.Kind.LEGAL_HOLD_LIFTED, actor=by,
                         details={"reason": hold.reason})


def may_hold(user: Any, case: Case) -> bool:
    """Place or lift a legal hold: the case manager, or an HR adviser of the school who sees the case."""
    from incidents import permissions
    from incidents.models import Role

    return permissions.can_manage_case(user, case) or (
        permissions.can_view_case(user, case) and permissions.has_role(user, case.school, Role.HR_ADVISER))

