"""The public description of the procedure's steps.

Each transition of `CaseProcedure` is declared with `step(...)`: its label, who may take it,
the stages it leaves from and goes to, its conditions (each with the sentence shown when it
does not hold), its input (a `StepInput` dataclass) and the letters it issues. Views, the
step runner (`incidents.services.step_take`), the letters, the timeline and the tests read
the steps through `steps()`, `step_named()` and `available_steps()`; nothing outside this
package reads django-fsm's private attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django_fsm import FSMField, transition

from incidents import permissions
from incidents.workflow.asking import StepInput

if TYPE_CHECKING:
    from incidents.models import Case

# (the case after the step, the step's input, the stage it left) -> the kinds of letter it issues
LetterRule = Callable[["Case", StepInput, str], list[str]]
Condition = Callable[["Case"], bool]


@dataclass(frozen=True)
class Who:
    """Who may take a step: in words, and as a rule of `incidents.permissions`."""

    words: str
    rule: Callable[[Any, Case], bool]

    def may(self, user: Any, case: Case) -> bool:
        return self.rule(user, case)


REPORTER = Who("the person who reported it", permissions.can_withdraw_report)
CASE_MANAGER = Who("the case manager", permissions.can_manage_case)
SAFEGUARDING = Who("the case manager or the designated safeguarding lead", permissions.can_refer_safeguarding)
INVESTIGATING_OFFICER = Who("the investigating officer", permissions.can_investigate)
HEARING_PANEL = Who("a member of the hearing panel", permissions.can_hear_case)
APPEAL_PANEL = Who("a member of the appeal panel", permissions.can_hear_appeal)


def no_letter(case: Case, given: StepInput, from_state: str) -> list[str]:
    return []


@dataclass(frozen=True)
class Step:
    """One step of the procedure, as declared on its transition."""

    name: str
    label: str
    done: str  # what the person is told once it is taken ("Suspension lifted.")
    who: Who
    machine: FSMField  # `state` or `suspension`
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    given: type[StepInput]
    conditions: tuple[Condition, ...]
    letters: LetterRule
    irreversible: bool
    keeps_stage: bool = False  # taken at any of its stages, it leaves the case there

    @property
    def field(self) -> str:
        """The name of the case's field this step moves: "state" or "suspension"."""
        return self.machine.name

    @property
    def may_issue_letters(self) -> bool:
        return self.letters is not no_letter

    def leaves_from(self, case: Case) -> bool:
        """The case is at a stage this step starts from."""
        return getattr(case, self.field) in self.sources

    def unmet_condition(self, case: Case) -> str | None:
        """The sentence of the first condition that does not hold, or None."""
        for condition in self.conditions:
            if not condition(case):
                return refusal_of(condition)
        return None

    def letters_issued(self, case: Case, given: StepInput, from_state: str) -> list[str]:
        """The kinds of letter this step, just taken on `case` with `given`, issues."""
        return self.letters(case, given, from_state)


_STEPS: dict[str, Step] = {}


def step(machine: FSMField, *, source: str | Sequence[str], target: Any, who: Who, label: str, done: str,
         given: type[StepInput], conditions: Sequence[Condition] = (), letters: LetterRule = no_letter,
         irreversible: bool = False) -> Callable:
    """Declare a transition of the procedure as a step (see `Step`). `target` may be a
    django-fsm `RETURN_VALUE(...)` when the step decides where the case goes."""
    sources = (source,) if isinstance(source, str) else tuple(source)
    # target None: the step keeps the case at whichever stage it is (django-fsm leaves it unchanged)
    targets = sources if target is None else tuple(getattr(target, "allowed_states", None) or (target,))

    def declare(method: Callable) -> Callable:
        declared = Step(name=method.__name__, label=label, done=done, who=who, machine=machine, sources=sources,
                        targets=targets, given=given, conditions=tuple(conditions), letters=letters,
                        irreversible=irreversible, keeps_stage=target is None)
        if method.__name__ in _STEPS or given.step:
            raise ValueError(f"Step {method.__name__} or its input {given.__name__} is declared twice.")
        _STEPS[method.__name__] = declared
        given.step = method.__name__

        def permission(case: Case, user: Any) -> bool:
            return who.may(user, case)

        fsm_rules: dict[str, Any] = {"permission": permission, "conditions": list(conditions)}
        return transition(field=machine, source=list(sources), target=target,
                          custom={"label": label, "who": who.words}, **fsm_rules)(method)

    return declare


def steps() -> list[Step]:
    """Every step of both machines, in the order they are declared."""
    return list(_STEPS.values())


def step_named(name: str) -> Step:
    """The step called `name`; KeyError if there is none."""
    return _STEPS[name]


def step_of(given: StepInput) -> Step:
    """The step that takes this input."""
    return _STEPS[type(given).step]


def step_label(name: str) -> str:
    """The step's name as people read it ("Refer to a disciplinary hearing")."""
    return _STEPS[name].label


def available_steps(case: Case, user: Any) -> list[Step]:
    """The steps `user` may take on `case` now: at this stage, permitted, conditions met."""
    return [step for step in _STEPS.values()
            if step.leaves_from(case) and step.who.may(user, case) and step.unmet_condition(case) is None]


def refusal(message: str) -> Callable[[Condition], Condition]:
    """Give a condition the sentence shown when it does not hold."""

    def mark(condition: Condition) -> Condition:
        condition.refusal = message  # type: ignore[attr-defined]
        return condition

    return mark


def refusal_of(condition: Condition) -> str:
    return getattr(condition, "refusal", "This step is not possible now.")
