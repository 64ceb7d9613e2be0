"""A template's Jinja text runs in a sandbox: no walk through Python's attributes (it wrote
``object.__subclasses__()`` into tasks.jsonl), and bounded results (``range(100000000)`` or
``'x' * 10000000000`` kept a compile running past a minute)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.template_text import MAX_TEXT, TextTooLong, render_text
from tests.conftest import edit

TASKS = "tasks/cancel.yaml"
REASON = "I want to cancel order {{ order_id }} because"


def _errors(mini: Path, tmp_path: Path, reason: str) -> list[str]:
    edit(mini, TASKS, REASON, reason)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    return [str(d) for d in info.value.diagnostics]


def test_attribute_walk_is_an_error_at_the_text(mini: Path, tmp_path: Path) -> None:
    reason = "I want {{ ''.__class__.__mro__[1].__subclasses__() }} {{ order_id }} because"
    errors = _errors(mini, tmp_path, reason)
    assert errors[0] == (
        "mini/tasks/cancel.yaml:9:29: template text cannot use '__class__': a template's text "
        "reads its parameters and their fields, not Python's internals"
    )
    assert len(errors) == 3  # __class__, __mro__, __subclasses__


def test_attribute_by_subscript_is_an_error(mini: Path, tmp_path: Path) -> None:
    errors = _errors(mini, tmp_path, "I want {{ order_id['__class__'] }} because")
    assert errors[0].startswith("mini/tasks/cancel.yaml:9:36: template text cannot use '__class__'")


@pytest.mark.parametrize(
    ("jinja", "problem"),
    [
        ("{% for i in range(100000000) %}x{% endfor %}", "range() of 100000000 numbers"),
        ("{{ 'x' * 10000000000 }}", "'*' repeats 1 items 10000000000 times"),
        ("{{ 'x' | center(10000000000) }}", "'center' to 10000000000 characters"),
    ],
)
def test_huge_text_is_refused(mini: Path, tmp_path: Path, jinja: str, problem: str) -> None:
    errors = _errors(mini, tmp_path, f"{jinja} {{{{ order_id }}}} because")
    assert any(problem in e and "cannot be rendered" in e for e in errors), errors


def test_rendered_text_is_bounded() -> None:
    with pytest.raises(TextTooLong, match="more than 100000 characters"):
        render_text("{% for i in range(9000) %}{{ s }}{% endfor %}", {"s": "y" * 20})
    assert len(render_text("{{ s }}", {"s": "y" * MAX_TEXT})) == MAX_TEXT
