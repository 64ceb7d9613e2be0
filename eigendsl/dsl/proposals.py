"""Type rules of the functions that read a write's proposal in the conversation:
``confirmed(c[, words])``, the user said yes to the call ``c``, and ``declined("tool", {arg:
value, ...}[, words])``, the user said no to a write that was proposed and never made.

``declined`` names the write as ``called`` does, so its tool and arguments are checked against
the spec the same way (:func:`argument_problem`).
"""

from __future__ import annotations

from collections.abc import Mapping

from eigendsl.dsl import ast as A
from eigendsl.dsl.functions import an
from eigendsl.dsl.types import Type, assignable, from_field
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.spec import Tool

#: The functions of this module, which read the conversation.
PROPOSAL_FUNCTIONS = ("confirmed", "declined")
_DECLINED_EXAMPLE = 'declined("cancel_pending_order", {order_id: order_id, reason: reason})'


def check_proposal(
    e: A.Func, args: list[Type], tools: Mapping[str, Tool], diag: Diagnostics
) -> None:
    """Report each misuse of ``confirmed`` or ``declined`` (``e``, its arguments of the types
    ``args``, their number already checked) to ``diag``."""
    if e.name == "confirmed":
        if args[0].kind not in ("call", "any"):
            diag.error(
                e.args[0].span,
                f"confirmed() takes a call of the trace, not {an(args[0])}, such as "
                "all(c in calls where c.writes: confirmed(c))",
            )
        _check_words(e, args, 1, diag)
        return
    declined = _declined_tool(e, tools, diag)
    _check_words(e, args, 2, diag)
    given = e.args[1]
    if not isinstance(given, A.ObjectLit):
        diag.error(
            given.span,
            f"declined()'s second argument is the declined write's arguments by name, written "
            f"out, such as {_DECLINED_EXAMPLE}, not {an(args[1])}",
        )
        return
    if declined is None:
        return
    name, tool = declined
    fields = dict(args[1].fields or ())
    seen: set[str] = set()
    for key, value in zip(given.keys, given.values, strict=True):
        if key in seen:
            diag.error(value.span, f"argument '{key}' is given twice")
            continue
        seen.add(key)
        problem = argument_problem(name, tool, key, value, fields.get(key, Type("any")))
        if problem is not None:
            diag.error(value.span, problem)


def argument_problem(tool_name: str, tool: Tool, name: str, value: A.Expr, t: Type) -> str | None:
    """Why ``value`` (of type ``t``) cannot be the argument ``name`` of ``tool``: no such
    parameter, another type, a literal that is none of an enum's values; None when it can."""
    param = tool.params.get(name)
    if param is None:
        return f"tool '{tool_name}' has no parameter '{name}'{did_you_mean(name, tool.params)}"
    expected = from_field(param)
    if not assignable(t, expected):
        return (
            f"parameter '{name}' of '{tool_name}' takes {an(expected)}, but this value is {an(t)}"
        )
    if expected.values and isinstance(value, A.Literal) and value.value not in expected.values:
        return (
            f"'{value.value}' is not one of the allowed values of '{name}' "
            f"({', '.join(expected.values)})"
        )
    return None


def _declined_tool(
    e: A.Func, tools: Mapping[str, Tool], diag: Diagnostics
) -> tuple[str, Tool] | None:
    """The write ``declined``'s first argument names, with its name, or None after reporting
    why it names none: not a name written as text, an unknown tool, a tool that changes no
    data."""
    first = e.args[0]
    writes = [name for name, tool in tools.items() if tool.writes]
    listed = f"; the tools that write are {', '.join(writes)}" if writes else ""
    if not (isinstance(first, A.Literal) and isinstance(first.value, str)):
        diag.error(
            first.span,
            "declined()'s first argument is the name of the write the user declined, written "
            f"as text, such as {_DECLINED_EXAMPLE}",
        )
        return None
    tool = tools.get(first.value)
    if tool is None:
        diag.error(
            first.span,
            f"unknown tool '{first.value}'"
            + (diag.did_you_mean("tool", first.value, writes) or listed),
        )
        return None
    if not tool.writes:
        diag.error(
            first.span,
            f"declined() names a write the user declined, but '{first.value}' changes no data"
            f"{listed}",
        )
        return None
    return first.value, tool


def _check_words(e: A.Func, args: list[Type], at: int, diag: Diagnostics) -> None:
    """The optional list of words that name what a write does, ``args[at]`` when given."""
    if len(args) <= at:
        return
    given = e.args[at]
    if isinstance(given, A.ListLit) and not given.items:
        diag.warning(
            given.span,
            f"{e.name}()'s list of words is empty, so it adds nothing: the tool's name and its "
            f"first word name the write without it; leave it out, or list the words the agent "
            f"says for the write, such as "
            + ('confirmed(c, ["change", "ship"])' if e.name == "confirmed" else '["drop"]'),
        )
        return
    words = args[at]
    if words.kind == "any" or (
        words.kind == "list" and (words.elem is None or words.elem.kind in ("string", "any"))
    ):
        return
    example = (
        'confirmed(c, ["change", "ship"])'
        if e.name == "confirmed"
        else 'declined("cancel_pending_order", {order_id: order_id}, ["drop"])'
    )
    ordinal = "second" if at == 1 else "third"
    diag.error(
        e.args[at].span,
        f"{e.name}()'s {ordinal} argument is a list of words that name what a write does, "
        f"such as {example}, not {an(words)}",
    )
