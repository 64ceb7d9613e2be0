"""A template's text that fails to render is one error, at that text, naming its key: it was two
(the written task's and the sampled tasks'), both pointing at ``params:`` or the task's line, and
``{{ 1/0 }}`` showed Python's ``ZeroDivisionError``."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit

TASKS = "tasks/cancel.yaml"


def _errors(mini: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    return [str(d) for d in info.value.diagnostics if d.severity == "error"]


def _at(mini: Path, text: str) -> str:
    lines = (mini / TASKS).read_text().splitlines()
    line = next(n for n, t in enumerate(lines, start=1) if text in t)
    return f"mini/{TASKS}:{line}:{lines[line - 1].index(text) + 1}"


def test_a_gold_text_is_said_once_at_its_key(mini: Path, tmp_path: Path) -> None:
    edit(mini, TASKS, '"Your order {{ order_id }} is cancelled."', '"{{ 1 / 0 }}"')
    errors = _errors(mini, tmp_path)
    at = _at(mini, '"{{ 1 / 0 }}"')
    assert errors == [
        f"{at}: task 'cancel-ann': gold step 4 (say) cannot be rendered "
        "(with order_id='#1', email='ann@example.com', reason='no longer needed'): division by "
        "zero"
    ], errors


def test_a_sampled_only_failure_names_the_template(mini: Path, tmp_path: Path) -> None:
    edit(mini, TASKS, "tasks:\n", "tasks: []\n")
    edit(mini, TASKS, "  - {id: cancel-ann", "#  - {id: cancel-ann")
    edit(mini, TASKS, 'known: {email: "{{ email }}"', 'known: {email: "{{ email.nope.no }}"')
    (error,) = _errors(mini, tmp_path)
    at = _at(mini, '"{{ email.nope.no }}"')
    assert error.startswith(f"{at}: template 'cancel': ")
    assert "user.known.email cannot be rendered (with order_id=" in error, error


def test_a_tasks_own_user_text_is_pointed_at_in_the_task(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        TASKS,
        "reason: no longer needed}}",
        'reason: no longer needed}, user: {reason: "{{ range(100001) | list }}"}}',
    )
    (error,) = _errors(mini, tmp_path)
    at = _at(mini, '"{{ range(100001)')
    assert error.startswith(f"{at}: task 'cancel-ann': user.reason ")
    assert error.endswith("range() of 100001 numbers; a template's text counts at most 10000")
