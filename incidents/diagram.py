"""The procedure drawn as a Mermaid state diagram, straight from the state machine.

The README embeds the output of `python manage.py procedure_diagram`; a test keeps the
two the same.
"""

from django_fsm import RETURN_VALUE


def mermaid(model, field_name: str) -> str:
    """A Mermaid `stateDiagram-v2` of every transition of `model.field_name`."""
    field = model._meta.get_field(field_name)
    order = {value: position for position, value in enumerate(dict(field.choices))}
    edges = set()
    for step in field.get_all_transitions(model):
        targets = step.target.allowed_states if isinstance(step.target, RETURN_VALUE) else [step.target]
        for target in targets:
            edges.add((step.source, target, step.name))
    lines = ["stateDiagram-v2", f"    [*] --> {field.default}"]
    for source, target, name in sorted(edges, key=lambda e: (order[e[0]], order[e[1]], e[2])):
        lines.append(f"    {source} --> {target}: {name}")
    return "\n".join(lines)
