"""The procedure drawn as a Mermaid state diagram, from the steps' declarations.

The README embeds the output of `python manage.py procedure_diagram`; a test keeps the
two the same.
"""

from typing import Any

from django.db import models

from incidents.workflow import OPEN_STATES, steps


def mermaid(model: type[models.Model], field_name: str) -> str:
    """A Mermaid `stateDiagram-v2` of every step that moves `model.field_name`."""
    field: Any = model._meta.get_field(field_name)
    order = {value: position for position, value in enumerate(dict(field.choices))}
    drawn = [step for step in steps() if step.field == field_name]
    # A step that keeps the stage and can be taken at every open stage would loop on each of them:
    # it is named once, in a note, instead.
    anywhere = sorted(step.name for step in drawn if step.keeps_stage and set(OPEN_STATES) <= set(step.sources))
    edges = {(source, target, step.name) for step in drawn if step.name not in anywhere
             for source in step.sources for target in ((source,) if step.keeps_stage else step.targets)}
    lines = ["stateDiagram-v2", f"    [*] --> {field.default}"]
    for source, target, name in sorted(edges, key=lambda e: (order[e[0]], order[e[1]], e[2])):
        lines.append(f"    {source} --> {target}: {name}")
    if anywhere:
        lines += [f"    note right of {field.default}", f"        At any open stage: {', '.join(anywhere)}",
                  "    end note"]
    return "\n".join(lines)
