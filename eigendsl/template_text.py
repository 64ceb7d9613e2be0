"""A template's Jinja text (the user's scenario, ``say`` steps, gold arguments): the names it may
use, checked at compile time with their position, and its rendering with a task's parameters.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.meta

from eigendsl.dsl.functions import FUNCTIONS
from eigendsl.dsl.types import Type
from eigendsl.errors import Diagnostics, Span, did_you_mean, source_line

WHOLE_REF = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
JINJA = jinja2.Environment(
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
)


@lru_cache(maxsize=4096)
def _template(text: str) -> jinja2.Template:
    return JINJA.from_string(text)


def render_text(text: str, params: dict[str, Any]) -> str:
    """Render Jinja text with the task parameters (templates compiled once, then cached)."""
    return _template(text).render(params) if "{" in text else text


def jinja_vars(text: str, span: Span, diag: Diagnostics) -> set[str]:
    try:
        return set(jinja2.meta.find_undeclared_variables(JINJA.parse(text)))
    except jinja2.TemplateSyntaxError as exc:
        message = str(exc.message)
        unknown = re.fullmatch(r"No filter named '(\w+)'\.", message)
        # a near spelling only ("uper"): Jinja's many short filter names are close to most words
        close = (
            difflib.get_close_matches(unknown.group(1), JINJA.filters, 1, 0.8) if unknown else []
        )
        if close:
            message += f" Did you mean '{close[0]}'?"
        diag.error(
            Span(span.path, span.line + (exc.lineno or 1) - 1, span.col),
            f"template syntax error: {message}",
        )
        return set()


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
