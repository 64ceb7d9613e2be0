"""A turn limit too short for a gold plan is one lint error per task, the cause: it was the turn
limit's error plus one per failed statement of the check, each saying the user had ended the
conversation (its last message) where the limit did."""

from __future__ import annotations

from pathlib import Path

from eigendsl.lint import lint
from tests.conftest import edit


def test_a_short_turn_limit_is_one_error_per_task(mini: Path) -> None:
    edit(
        mini,
        "domain.yaml",
        "policy: policy.md",
        "policy: policy.md\nuser_simulator: {max_turns: 2}",
    )
    report = lint(mini, samples=2)
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors and all(f.kind == "unsolvable" for f in errors), [str(f) for f in errors]
    assert all("reached the turn limit (2 turns) before gold step" in f.message for f in errors)
    assert not [f for f in errors if "fails check" in f.message], [str(f) for f in errors]
    written = [f for f in errors if 'task "cancel-ann"' in f.message]
    assert len(written) == 1, [str(f) for f in errors]
    assert "user_simulator: {max_turns: ...}" in written[0].message
    # the agent's last words, as JSON
    assert (
        'last agent message: "To help you, I need your email. Could you share it?"; give the'
        in written[0].message
    ), written[0].message


def test_a_turn_limit_after_a_call_shows_the_call_with_its_values_as_json(mini: Path) -> None:
    # it was Python's text of a dict in quotes: 'find_user({'email': 'ann@example.com'})'
    edit(
        mini,
        "domain.yaml",
        "policy: policy.md",
        "policy: policy.md\nuser_simulator: {max_turns: 3}",
    )
    report = lint(mini, samples=1)
    [written] = [f for f in report.errors if 'task "cancel-ann"' in f.message]
    assert 'last agent message: find_user(email="ann@example.com"); give the' in (
        written.message
    ), written.message
