"""The README shows the procedure as the code defines it."""

from pathlib import Path

from django.core.management import call_command


def test_readme_state_diagrams_match_the_state_machine(capsys):
    call_command("procedure_diagram")
    diagrams = capsys.readouterr().out.strip()
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert diagrams in readme, "README diagrams are stale: paste `python manage.py procedure_diagram` into it"


def test_graph_transitions_prints_every_step(capsys):
    call_command("graph_transitions", "incidents.Case")
    dot = capsys.readouterr().out
    for step in ("request_content_removal", "refer_to_lado", "record_outcome", "lodge_appeal", "decide_appeal",
                 "reopen", "suspend", "lift_suspension"):
        assert f"label={step}" in dot
