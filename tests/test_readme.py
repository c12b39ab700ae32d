"""The README shows the procedure as the code defines it."""

from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.diagram import mermaid
from incidents.models import Case


@pytest.mark.parametrize("field", ["state", "suspension"])
def test_readme_state_diagrams_match_the_state_machine(field):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = f"```mermaid\n{mermaid(Case, field)}\n```"
    assert block in readme, "README diagram is stale: paste `python manage.py procedure_diagram` into it"


def test_graph_transitions_prints_every_step(capsys):
    call_command("graph_transitions", "incidents.Case")
    dot = capsys.readouterr().out
    for step in ("request_content_removal", "refer_to_lado", "record_outcome", "lodge_appeal", "decide_appeal",
                 "reopen", "suspend", "lift_suspension"):
        assert f"label={step}" in dot
