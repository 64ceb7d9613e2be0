"""Bugs in the spec's Python tools, found while the gold plans are replayed.

Solvability plays every gold plan once; during that pass the environments audit each tool call
(:attr:`~eigendsl.runtime.domain.Domain.audit`): an exception in a tool's code or in a guard's
condition (one that is not a refusal), a row written against the table schema, a change made by
a tool not declared ``writes: true``, a result that is not JSON, or longer than the model is
shown. Then each gold plan that calls a Python tool is replayed twice side by side: a tool whose
result or rows differ between the two is not deterministic. The later passes replay many
mutated plans and run unaudited, as synthesis does.

Each bug is reported once, at its cause: an exception at the line of the spec's Python file that
raised it or at the guard condition, a declared tool's bad write at the ``set`` entry of the
field, an exception in a declared tool's body at its ``declare:``, the others at the tool's
definition in ``domain.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from eigendsl import support as rt
from eigendsl.errors import Span
from eigendsl.lint.context import LintContext, quoted
from eigendsl.lint.solvability import check_solvable, fault_file
from eigendsl.runtime.database import DELETED
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.tool_faults import ToolFault, changed_field, row_place
from eigendsl.yamlload import MarkedDict

#: How bad each kind of fault is: a result that is not JSON still reaches the model as text.
SEVERITY = {
    "exception": "error",
    "guard_exception": "error",
    "body_exception": "error",
    "bad_write": "error",
    "undeclared_write": "error",
    "unwritable_result": "error",
    "nondeterministic": "error",  # a write's rows; a result that differs is a warning
}


def check_solvable_audited(
    ctx: LintContext, solvable: Callable[[LintContext], None] = check_solvable
) -> None:
    """The solvability pass with every tool call audited; then the tools' faults as findings."""
    found: list[ToolFault] = []
    ctx.domain.audit = found
    try:
        solvable(ctx)
    finally:
        ctx.domain.audit = None
    report_faults(ctx, found + nondeterministic_tools(ctx))


def nondeterministic_tools(ctx: LintContext) -> list[ToolFault]:
    """Each gold plan that calls a Python tool, replayed twice side by side: the first call
    whose result, or the database after it, differs between the two is a tool that is not
    deterministic (a random id, the clock, a counter kept between calls). The gold database is
    then one no episode meets, and `db == gold` fails at random. One fault per tool."""
    domain = ctx.domain
    python = {name for name, tool in domain.tools.items() if not tool.declared}
    found: dict[str, ToolFault] = {}
    for lint_task in ctx.tasks:
        task = lint_task.task
        confirm = task.get("user", {}).get("confirm", True)
        steps = [
            s
            for s in task.get("gold", [])
            if s.get("tool") in domain.tools and (confirm or not domain.tools[s["tool"]].writes)
        ]
        if not any(s["tool"] in python and s["tool"] not in found for s in steps):
            continue
        envs = (Environment(domain, task), Environment(domain, task))
        for step in steps:
            first, second = (env.call_tool(step["tool"], step["args"])[0] for env in envs)
            differs = _first_difference(envs[0].db, envs[1].db)
            if first == second and not differs:
                continue
            if step["tool"] in python and step["tool"] not in found:
                found[step["tool"]] = _nondeterministic(step["tool"], lint_task.id, differs)
            break
    return list(found.values())


def _first_difference(first: dict[str, Any], second: dict[str, Any]) -> str:
    """Where the database after the second replay first differs from the one after the first,
    as the DSL writes a row and field (``db.orders["#1"].total is 3.5 after the first replay
    and 7.5 after the second``); empty where they are equal."""
    for table in {**first, **second}:
        rows, others = first.get(table, {}), second.get(table, {})
        if rows == others:
            continue
        key = next(k for k in {**rows, **others} if rows.get(k, DELETED) != others.get(k, DELETED))
        old, row = rows.get(key, DELETED), others.get(key, DELETED)
        if old is DELETED or row is DELETED:
            which = "second" if old is DELETED else "first"
            return f"db.{row_place(table, key)} is there after the {which} replay only"
        field = changed_field(old, row)
        if field is not None:
            old, row = old.get(field, _LEFT_OUT), row.get(field, _LEFT_OUT)
        place = f"db.{row_place(table, key, field)}"
        return f"{place} is {_shown(old)} after the first replay and {_shown(row)} after the second"
    return ""


_LEFT_OUT = object()


def _shown(value: Any) -> str:
    return "left out" if value is _LEFT_OUT else rt.show(value)


def _nondeterministic(tool: str, task: str, differs: str) -> ToolFault:
    what = f"wrote different rows ({differs})" if differs else "returned different results"
    message = (
        f"tool {quoted(tool)} is not deterministic: the same call in the same database {what} when "
        f"the gold plan of task {task} was replayed twice; a random id, the clock or a counter "
        "kept between calls? the gold database is then one no episode meets, and checks fail "
        "at random: derive ids and values from the database and the arguments"
    )
    kind = "nondeterministic" if differs else "nondeterministic_result"
    return ToolFault(tool, kind, message, kind)


def report_faults(ctx: LintContext, found: list[ToolFault]) -> None:
    """One finding per bug (tool, kind, and where or what), with how often the gold plans met it."""
    groups: dict[tuple[str, str, str], list[ToolFault]] = {}
    for fault in found:
        groups.setdefault((fault.tool, fault.kind, fault.group), []).append(fault)
    for (_tool, kind, _group), faults in groups.items():
        first = faults[0]
        tasks = sorted({f.task for f in faults if f.task})
        seen = ""
        if tasks:
            more = f"{len(tasks)} tasks, e.g. {tasks[0]}" if len(tasks) > 1 else f"task {tasks[0]}"
            seen = f" (seen replaying the gold plan of {more})"
        ctx.add(
            _span(ctx, first),
            first.message + seen,
            SEVERITY.get(kind, "warning"),
            f"tool_{kind}",
        )


def _span(ctx: LintContext, fault: ToolFault) -> Span:
    """Where a fault is reported: the raising line of a Python file in the spec folder (or the
    guard condition that raised), else the tool's definition in domain.yaml."""
    if fault.file and fault.line:
        return Span(fault_file(ctx, fault), fault.line, fault.col or 1)
    tools = ctx.loaded.raw.get("tools")
    if tools is not None and fault.tool in tools:
        return (
            _set_entry(tools[fault.tool], fault)
            or _declare_entry(tools[fault.tool], fault)
            or tools.position(fault.tool)
        )
    return ctx.loaded.raw.span


def _declare_entry(tool: Any, fault: ToolFault) -> Span | None:
    """Where a declared tool's body that raised is written (its ``declare:``)."""
    if fault.kind != "body_exception" or not isinstance(tool, MarkedDict) or "declare" not in tool:
        return None
    return tool.position("declare")


# A bad write's group is the place it wrote after the row's key (``.user_id``, ``.items[0]``):
# its first name is the field; the message, meant to be read, is not parsed.
_FIELD = re.compile(r"\.(\w+)")


def _set_entry(tool: Any, fault: ToolFault) -> Span | None:
    """Where a declared tool's body sets the field its bad write names (``set: {rider_id:
    ...}``): a value its call passed there that the field cannot hold."""
    declare = tool.get("declare") if isinstance(tool, MarkedDict) else None
    sets = declare.get("set") if isinstance(declare, MarkedDict) else None
    found = _FIELD.match(fault.group) if fault.kind == "bad_write" else None
    if not isinstance(sets, MarkedDict) or found is None or found.group(1) not in sets:
        return None
    return sets.position(found.group(1))
