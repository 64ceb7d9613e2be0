"""A template's Jinja text (the user's scenario, ``say`` steps, gold arguments): the names it may
use, checked at compile time with their position, and its rendering with a task's parameters.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes
import jinja2.sandbox

from eigendsl.dsl.functions import FUNCTIONS
from eigendsl.dsl.types import Type
from eigendsl.errors import Diagnostics, Span, did_you_mean, source_line
from eigendsl.template_syntax import syntax_error

WHOLE_REF = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")

#: The most characters a template's text may render to, and the most items a ``range`` in it
#: may count: a user's message is a few sentences, and ``range(100000000)`` or ``'x' * 10**10``
#: kept a compile running (and allocating) for minutes.
MAX_TEXT = 100_000
MAX_RANGE = 10_000

#: The most steps one rendering of a text may take: each item a loop goes through, each call,
#: each number a ``range`` counts and each item a filter reads. Loops inside loops kept a compile
#: running for hours while every ``range`` and the text itself stayed small.
MAX_STEPS = 100_000

#: The steps the rendering in progress has taken (a one-item list, so it can be added to).
_STEPS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("_steps", default=None)


class TextTooLong(jinja2.sandbox.SecurityError):
    """A template's text that renders to more than :data:`MAX_TEXT` characters."""


class TooMuchWork(jinja2.sandbox.SecurityError):
    """A template's text whose rendering takes more than :data:`MAX_STEPS` steps."""


def _spend(steps: int) -> None:
    """Count ``steps`` against the rendering in progress; past :data:`MAX_STEPS`, stop it."""
    spent = _STEPS.get()
    if spent is None:
        return
    spent[0] += steps
    if spent[0] > MAX_STEPS:
        raise TooMuchWork(
            f"the text takes more than {MAX_STEPS} steps to render (loop rounds, calls, range "
            "numbers and filtered items, counted together, loops inside loops multiplying); "
            "a user's message needs a few: loop over a parameter's items, not over range()s"
        )


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TextTooLong(
            f"range() of {len(numbers)} numbers; a template's text counts at most {MAX_RANGE}"
        )
    _spend(len(numbers))
    return numbers


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    """A ``{% for %}`` loop's items, each round counted as a step."""
    for item in items:
        _spend(1)
        yield item


def _charged(func: Any) -> Any:
    """A filter that counts the items of the value it reads (``sort``, ``join``) as steps."""
    pass_arg = getattr(func, "jinja_pass_arg", None)  # set by jinja2.pass_context and the like

    def charged(*args: Any, **kwargs: Any) -> Any:
        value = args[1 if pass_arg is not None else 0] if args else None
        _spend(len(value) if isinstance(value, (str, list, tuple, dict)) else 1)
        return func(*args, **kwargs)

    charged.__name__ = getattr(func, "__name__", "filter")
    if pass_arg is not None:
        charged.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return charged


def _width_checked(name: str, func: Any) -> Any:
    """A filter whose width argument sizes its result (``center``, ``indent``), bounded."""

    def checked(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        if isinstance(width, int) and width > MAX_TEXT:
            raise TextTooLong(
                f"'{name}' to {width} characters; a template's text renders to at most {MAX_TEXT}"
            )
        return func(value, width, *args, **kwargs)

    return checked


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja for a template's text: no attribute walks (``''.__class__``), no changing a
    parameter's value, and bounded results (``range``, ``*`` of text or lists, widths)."""

    intercepted_binops = frozenset(["*", "**"])

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend(1)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise TextTooLong(f"'**' to the power {right}; a template's text takes at most 64")
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(times, int):
                    if len(sized) * times > MAX_TEXT:
                        raise TextTooLong(
                            f"'*' repeats {len(sized)} items {times} times; a template's text "
                            f"renders to at most {MAX_TEXT} characters"
                        )
        return super().call_binop(context, operator, left, right)


class NotAValue(jinja2.sandbox.SecurityError):
    """A template's text that shows a method or function rather than a value."""


def _shown(value: Any) -> Any:
    """What ``{{ ... }}`` writes into the text: a value, never a method or function, whose
    ``<function ... at 0x7f...>`` would differ from run to run (``slot_id.format_map``)."""
    if callable(value):
        name = getattr(value, "__name__", type(value).__name__)
        raise NotAValue(
            f"the text shows '{name}', a method or function, not a value; call it, or write the "
            "parameter itself"
        )
    return value


JINJA = _Sandbox(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
    finalize=_shown,
)
JINJA.globals["range"] = _range
JINJA.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs
for _name in ("center", "indent"):
    JINJA.filters[_name] = _width_checked(_name, JINJA.filters[_name])
JINJA.filters = {name: _charged(func) for name, func in JINJA.filters.items()}
JINJA.filters["_counted"] = _counted


@lru_cache(maxsize=4096)
def _template(text: str) -> jinja2.Template:
    """``text`` compiled, each ``{% for %}`` loop's items read through :func:`_counted`."""
    tree = JINJA.parse(text)
    for loop in tree.find_all(jinja2.nodes.For):
        loop.iter = jinja2.nodes.Filter(loop.iter, "_counted", [], [], None, None)
    return JINJA.from_string(tree)


def render_text(text: str, params: dict[str, Any]) -> str:
    """Render Jinja text with the task parameters (templates compiled once, then cached); more
    than :data:`MAX_TEXT` characters or :data:`MAX_STEPS` steps is an error, found before they
    are all made."""
    if "{" not in text:
        return text
    parts, size = [], 0
    token = _STEPS.set([0])
    try:
        for part in _template(text).generate(params):
            size += len(part)
            if size > MAX_TEXT:
                raise TextTooLong(f"the text renders to more than {MAX_TEXT} characters")
            parts.append(part)
    finally:
        _STEPS.reset(token)
    return "".join(parts)


def jinja_vars(text: str, span: Span, diag: Diagnostics) -> set[str]:
    try:
        tree = JINJA.parse(text)
        names = set(jinja2.meta.find_undeclared_variables(tree))  # unknown filters raise here
    except jinja2.TemplateSyntaxError as exc:
        diag.error(*syntax_error(text, span, exc, JINJA))
        return set()
    for node in tree.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        attr = node.attr if isinstance(node, jinja2.nodes.Getattr) else getattr(node, "arg", None)
        attr = getattr(attr, "value", "") if isinstance(attr, jinja2.nodes.Const) else attr
        if isinstance(attr, str) and attr.startswith("_"):
            diag.error(
                _attr_span(span, attr),
                f"template text cannot use '{attr}': a template's text reads its parameters "
                "and their fields, not Python's internals",
            )
    return names


def _attr_span(span: Span, attr: str) -> Span:
    """Where ``attr`` is on the text's first line, else ``span``."""
    line = source_line(span)
    found = line.find(attr, max(span.col - 1, 0)) if line else -1
    return (
        span
        if found < 0
        else Span(span.path, span.line, found + 1, span.line, found + 1 + len(attr))
    )


def check_text(
    text: str, span: Span, params: dict[str, Type], diag: Diagnostics, what: str
) -> None:
    for var in sorted(jinja_vars(text, span, diag)):
        if var not in params:
            diag.error(
                _var_span(span, var),
                f"{what} uses '{{{{ {var} }}}}', which is not a parameter of "
                f"the template{did_you_mean(var, params)}" + _text_hint(var),
            )


def _text_hint(var: str) -> str:
    """How to have in a template's text what ``{{ var }}`` reached for."""
    if var == "today":
        return "; the domain sets no date: add 'today: YYYY-MM-DD' to domain.yaml"
    if var == "now":
        return "; the domain sets no time of day: add 'now: HH:MM' to domain.yaml"
    return (
        "; a template's text sees its parameters, not the checker DSL's functions or db: give "
        "the value a parameter whose source computes it (amount: {type: float, from: "
        "'abs(difference)'}), or use a Jinja filter ({{ difference | abs }})"
        if var in FUNCTIONS or var == "db"
        else ""
    )


_JINJA_BLOCK = re.compile(r"\{[{%].*?[}%]\}")


def _var_span(span: Span, var: str) -> Span:
    """Where ``var`` is used inside ``{{ }}``/``{% %}`` on the text's first line, else ``span``."""
    line = source_line(span)
    if line is None:
        return span
    word = re.compile(rf"\b{re.escape(var)}\b")
    for block in _JINJA_BLOCK.finditer(line, max(span.col - 1, 0)):
        found = word.search(line, block.start(), block.end())
        if found:
            return Span(span.path, span.line, found.start() + 1, span.line, found.end() + 1)
    return span


def render_value(value: Any, params: dict[str, Any]) -> Any:
    """Render Jinja in a gold argument; ``"{{ name }}"`` alone keeps the parameter's own type."""
    if isinstance(value, str):
        whole = WHOLE_REF.match(value)
        if whole and whole.group(1) in params:
            return params[whole.group(1)]
        return render_text(value, params)
    if isinstance(value, list):
        return [render_value(v, params) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, params) for k, v in value.items()}
    return value
