"""A template's Jinja text runs in a sandbox: no walk through Python's attributes (it wrote
``object.__subclasses__()`` into tasks.jsonl), and bounded results (``range(100000000)`` or
``'x' * 10000000000`` kept a compile running past a minute), and bounded work in one rendering
(loops inside loops, each within the limits, kept it running for hours)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from jinja2.sandbox import SecurityError

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


NESTED = (
    "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
    "{% endfor %}{% endfor %}{% endfor %}"
)


@pytest.mark.parametrize(
    "jinja",
    [
        NESTED,  # every range within its limit, nothing written: 10**12 rounds
        "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        "{% set s = 'x' * 90000 %}{% for i in range(1000) %}{% set y = s | sort %}{% endfor %}",
    ],
)
def test_work_of_one_rendering_is_bounded(jinja: str) -> None:
    started = time.monotonic()
    with pytest.raises(SecurityError, match="more than 100000 steps to render"):
        render_text(jinja, {})
    assert time.monotonic() - started < 5


def test_nested_loops_are_an_error_of_the_compile(mini: Path, tmp_path: Path) -> None:
    errors = _errors(mini, tmp_path, f"{NESTED} {{{{ order_id }}}} because")
    assert any("more than 100000 steps to render" in e for e in errors), errors


def test_ordinary_text_renders_as_before() -> None:
    text = (
        "{% for x in xs %}{{ loop.index }}:{{ x | upper }} {% endfor %}{{ xs | join(', ') }} "
        "{{ '%05d' | format(n) }} {{ range(3) | list }}{% for i in range(10000) %}{% endfor %}"
    )
    assert render_text(text, {"xs": ["a", "b"], "n": 3}) == "1:A 2:B a, b 00003 [0, 1, 2]"
    # the budget is one rendering's: many renderings each get all of it
    for _ in range(20):
        render_text("{% for i in range(10000) %}{% endfor %}{{ n }}", {"n": 1})


def test_a_method_shown_in_the_text_is_an_error(mini: Path, tmp_path: Path) -> None:
    """Newcomer G's L7: `{{ order_id.format_map }}` wrote `<built-in method format_map of str
    object at 0x7f...>` into tasks.jsonl, an address that differs from run to run."""
    errors = _errors(mini, tmp_path, "I want {{ order_id.format_map }} {{ order_id }} because")
    assert any(
        "cannot be rendered" in e and "shows 'format_map', a method or function, not a value" in e
        for e in errors
    ), errors
    assert render_text("{{ s | upper }} {{ s.upper() }}", {"s": "ok"}) == "OK OK"
