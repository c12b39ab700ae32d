"""The disciplinary procedure: its stages, its steps and what each step asks.

- `procedure.py`: the state machine, every step declared once on its transition (read it top
  to bottom for the whole procedure);
- `inputs.py`: what each step asks, one dataclass per step;
- `steps.py`: the public description of the steps that views, services, letters and tests read;
- `asking.py`: how an input says how to ask for it;
- `choices.py`: stages, outcomes and the other answers, with the rules about them.
"""

from incidents.workflow.asking import Answer, Ask, StepInput
from incidents.workflow.choices import (
    APPEALABLE,
    DISMISSALS,
    ENDED_STATES,
    OPEN_STATES,
    SEVERITY,
    WARNINGS,
    AppealDecision,
    Closure,
    ContainmentStep,
    EscalationReason,
    LadoOutcome,
    Outcome,
    RescheduleReason,
    State,
    Suspension,
    is_open,
    warning_expiry,
    warning_months,
)
from incidents.workflow.procedure import CaseProcedure
from incidents.workflow.steps import Step, available_steps, step_label, step_named, step_of, steps

__all__ = [
    "APPEALABLE", "DISMISSALS", "ENDED_STATES", "OPEN_STATES", "SEVERITY", "WARNINGS", "AppealDecision", "Answer",
    "Ask", "CaseProcedure", "Closure", "ContainmentStep", "EscalationReason", "LadoOutcome", "Outcome",
    "RescheduleReason", "State", "Step", "StepInput", "Suspension", "available_steps", "is_open", "step_label",
    "step_named", "step_of", "steps", "warning_expiry", "warning_months",
]
