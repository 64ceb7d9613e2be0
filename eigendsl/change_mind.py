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
    writes: dict[str, dict[str, Type]],
    diag: Diagnostics,
) -> None:
    """The agent proposes a write with the first value where the task's own is a whole argument
    (``"{{ name }}"``): with no such argument nothing is proposed with it, and nothing changes;
    a first value that argument does not take (not one of an enum's values) the tool refuses.
    ``writes``: the types of the arguments of each tool that writes."""
    name, _, first = (part.strip() for part in change.partition("="))
    param = template.params.get(name)
    if "=" not in change or param is None:
        diag.error(
            span,
            "change_mind must be 'name=first value', with name a template parameter: the value "
            "the user asks for first, before changing its mind to the task's own"
            + did_you_mean(name, param_types),
        )
    elif (why := unfit_text(first, param_types[name])) is not None:
        diag.error(span, f"change_mind's first value for '{name}' is {first!r}, {why}")
    elif not (taking := _writes_taking(name, template, writes)):
        # a tool of the gold plan left out for an error may be the write that takes it
        if not any(diag.is_left_out("tool", step.tool) for step in template.gold if step.tool):
            diag.error(
                span,
                f"change_mind names '{name}', which no write of the gold plan takes as a whole "
                f"argument ('{{{{ {name} }}}}'): the agent never proposes the first value, so "
                "the user never changes its mind; name a parameter a write takes, or drop "
                "change_mind",
            )
    elif (unknown := _unknown_naming(name, template.user.unknown)) is not None:
        diag.error(
            span,
            f"change_mind names '{name}', which user.unknown lists ('{unknown}'): the user "
            f'says the value it changes its mind to ("I want the {name.replace("_", " ")} to '
            'be ... instead"), which it is not supposed to know; take it out of unknown if the '
            "user may say it, or drop change_mind",
        )
    elif unfit := next(
        (
            why
            for tool, arg, t in taking
            if (
                why := unfit_text(
                    first,
                    t,
                    f"{tool}'s '{arg}'",
                    f"the agent would propose it and {tool} would refuse it; give a first "
                    "value it takes",
                )
            )
            is not None
        ),
        None,
    ):
        diag.error(span, f"change_mind's first value for '{name}' is {first!r}, {unfit}")
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


def _writes_taking(
    name: str, template: Template, writes: dict[str, dict[str, Type]]
) -> list[tuple[str, str, Type]]:
    """(tool, argument, its type) of each write of the gold plan that takes parameter ``name``
    as a whole argument (``"{{ name }}"``)."""
    return [
        (step.tool, arg, writes[step.tool].get(arg, Type("any")))
        for step in template.gold
        if step.tool is not None and step.tool in writes
        for arg, value in step.args.items()
        if isinstance(value, str) and _whole_ref(value) == name
    ]


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


def unfit_text(text: str, t: Type, what: str = "the parameter", then: str = "") -> str | None:
    """Why ``text``, a value written in a sentence or a spec's literal, cannot be one of type
    ``t`` (what ``what`` takes), or None; ``then`` (how to fix it) follows, after a suggestion.

    >>> unfit_text("bored", Type("string", values=("feeling better", "sick")), "'reason'")
    "which is not one of the values 'reason' takes (feeling better, sick)"
    >>> unfit_text("next week", Type("string", date=True), "'date'", "give a date")
    "but 'date' is a date: 'next week' is not a date (dates are written YYYY-MM-DD); give a date"
    """
    tail = f"; {then}" if then else ""
    if t.kind in ("int", "float"):
        try:
            number = float(text)
        except ValueError:
            return f"which is not a number, and {what} is {t.name}{tail}"
        if t.kind == "int" and not number.is_integer():
            return f"which is not a whole number, and {what} is int{tail}"
    elif t.kind == "bool" and text.lower() not in ("true", "false"):
        return f"but {what} is bool: write true or false{tail}"
    elif t.values and text not in t.values:
        return (
            f"which is not one of the values {what} takes ({', '.join(t.values)})"
            f"{did_you_mean(text, t.values, then)}"
        )
    elif t.date and (problem := rt.date_problem(text)) is not None:
        return f"but {what} is a date: {problem}{tail}"
    elif t.time and (problem := rt.time_problem(text)) is not None:
        return f"but {what} is a time of day: {problem}{tail}"
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
