"""A template user's change of mind (``change_mind: name=first value``): checked, and rendered
into the task's scenario.

The user asks first with the first value (its request and the facts it gives say it), the agent
proposes the write with it, and when asked to confirm the user changes its mind to the task's own
value. A draw whose own value is the first value has no change of mind: the user asks for it and
agrees. The user says the value it changes its mind to, so a parameter ``user.unknown`` names
cannot change.
"""

from __future__ import annotations

from typing import Any

from eigendsl import support as rt
from eigendsl.dsl.types import Type
from eigendsl.errors import Diagnostics, Span, did_you_mean
from eigendsl.task_spec import Template
from eigendsl.template_text import WHOLE_REF


def check_change_mind(
    change: str,
    span: Span,
    template: Template,
    param_types: dict[str, Type],
    writes: set[str],
    diag: Diagnostics,
) -> None:
    """The agent proposes a write with the first value where the task's own is a whole argument
    (``"{{ name }}"``): with no such argument nothing is proposed with it, and nothing changes."""
    name, _, first = (part.strip() for part in change.partition("="))
    param = template.params.get(name)
    if "=" not in change or param is None:
        diag.error(
            span,
            "change_mind must be 'name=first value', with name a template parameter: the value "
            "the user asks for first, before changing its mind to the task's own"
            + did_you_mean(name, param_types),
        )
    elif (why := _unfit_text(first, param_types[name])) is not None:
        diag.error(span, f"change_mind's first value for '{name}' is {first!r}, {why}")
    elif not any(
        step.tool in writes
        and any(isinstance(v, str) and _whole_ref(v) == name for v in step.args.values())
        for step in template.gold
    ):
        diag.error(
            span,
            f"change_mind names '{name}', which no write of the gold plan takes as a whole "
            f"argument ('{{{{ {name} }}}}'): the agent never proposes the first value, so the "
            "user never changes its mind; name a parameter a write takes, or drop change_mind",
        )
    elif (unknown := _unknown_naming(name, template.user.unknown)) is not None:
        diag.error(
            span,
            f"change_mind names '{name}', which user.unknown lists ('{unknown}'): the user "
            f'says the value it changes its mind to ("I want the {name.replace("_", " ")} to '
            'be ... instead"), which it is not supposed to know; take it out of unknown if the '
            "user may say it, or drop change_mind",
        )
    elif param.choices is not None and all(str(c) == first for c in param.choices):
        diag.error(
            span,
            f"change_mind's first value for '{name}' is {first!r}, the only value '{name}' takes: "
            "the user would change its mind to the value it first asked for; give another "
            "first value, or another choice",
        )


def first_value_context(
    change: str | None,
    params: dict[str, Any],
    context: dict[str, Any],
    param_types: dict[str, Type],
) -> tuple[str | None, dict[str, Any]]:
    """The task's change of mind (None where the draw's own value is the first value) and what
    the user's request and known facts are rendered with: ``context`` with the first value.

    >>> first_value_context("n=2", {"n": 3}, {"n": 3}, {"n": Type("int")})
    ('n=2', {'n': 2})
    >>> first_value_context("n=2", {"n": 2}, {"n": 2}, {"n": Type("int")})
    (None, {'n': 2})
    """
    if not change:
        return change, context
    name, _, first = (part.strip() for part in change.partition("="))
    if first == str(params.get(name)):
        return None, context
    return change, context | {name: _typed(first, param_types[name])}


def _unknown_naming(name: str, unknown: list[str]) -> str | None:
    """The entry of ``unknown`` that names parameter ``name`` as the user says it (``plan id``
    names ``new_plan_id``), or None.

    >>> _unknown_naming("new_plan_id", ["customer id", "plan id"])
    'plan id'
    >>> _unknown_naming("reason", ["customer id"]) is None
    True
    """
    words = f" {name.replace('_', ' ').lower()} "
    return next((u for u in unknown if u.strip() and f" {u.strip().lower()} " in words), None)


def _whole_ref(value: str) -> str | None:
    """The parameter a text that is ``{{ name }}`` alone names."""
    whole = WHOLE_REF.match(value)
    return whole.group(1) if whole else None


def _unfit_text(text: str, t: Type) -> str | None:
    """Why ``text``, a value written in a sentence, cannot be one of type ``t``, or None."""
    if t.kind in ("int", "float"):
        try:
            number = float(text)
        except ValueError:
            return f"which is not a number, and the parameter is {t.name}"
        if t.kind == "int" and not number.is_integer():
            return "which is not a whole number, and the parameter is int"
    elif t.kind == "bool" and text.lower() not in ("true", "false"):
        return "but the parameter is bool: write true or false"
    elif t.values and text not in t.values:
        return (
            f"which is not one of its values ({', '.join(t.values)}){did_you_mean(text, t.values)}"
        )
    elif t.date and (problem := rt.date_problem(text)) is not None:
        return f"but the parameter is a date: {problem}"
    return None


def _typed(text: str, t: Type) -> Any:
    """A first value, written as text, as a value of its parameter's type."""
    if t.kind == "int":
        return int(float(text))
    if t.kind == "float":
        return float(text)
    if t.kind == "bool":
        return text.lower() == "true"
    return text
