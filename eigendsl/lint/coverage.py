"""Coverage and dead code: tools no task's gold plan calls, checks no template uses, policy rules no
mutation of a gold plan breaks, guard conditions that never fail on the seed data (and those
with no ``else`` message, which refuse with the DSL's own text), template parameters
nothing reads, and a template's change of mind that some of its compiled tasks do not play.

A guard condition is tried on plausible arguments (:mod:`eigendsl.lint.guard_arguments`). A
condition is judged where the guard reaches it, that is on arguments that pass the conditions
above it; one that reads the episode so far (``calls``, ``messages``) is not judged, as no
episode is played here.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import jinja2.meta

from eigendsl import support as rt
from eigendsl.codegen.pymodule import render
from eigendsl.codegen.verifiers import VerifierBuilder
from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import explained, lets_above, lets_read, statement_exprs, where
from eigendsl.dsl.render import render_expr
from eigendsl.errors import first_few
from eigendsl.lint.context import LintContext, quoted
from eigendsl.lint.guard_arguments import argument_sets
from eigendsl.lint.values import ValueIndex
from eigendsl.template_text import JINJA
from eigendsl.yamlload import MarkedDict

_EPISODE = re.compile(r"\b(calls|messages)\b")


def check_coverage(ctx: LintContext) -> None:
    unused_tools(ctx)
    unused_checks(ctx)
    unexercised_rules(ctx)
    unused_params(ctx)
    unplayed_changes_of_mind(ctx)
    guards_never_failing(ctx, ctx.index)
    guard_conditions_without_message(ctx)


def unused_tools(ctx: LintContext) -> None:
    teaching = _templates_with_tasks(ctx)
    callers: dict[str, set[str]] = {}
    for name, info in ctx.templates.items():
        for step in info.template.gold:
            if step.tool:
                callers.setdefault(step.tool, set()).add(name)
    tools_raw = ctx.loaded.raw["tools"]
    for name in ctx.loaded.spec.tools:
        if not teaching & callers.get(name, set()):
            ctx.add(
                tools_raw.position(name),
                f"tool {quoted(name)} is called by no task's gold plan, so no task teaches when to "
                f"use it{_unused_tool_fix(sorted(callers.get(name, set())))}",
                "warning",
                "unused_tool",
            )


def _templates_with_tasks(ctx: LintContext) -> set[str]:
    """The templates that give tasks: sampled ones, and those a written task uses (a template
    with ``sample: false`` and no task teaches nothing, whatever its gold plan calls)."""
    written = {task.template for _path, file, _raw in ctx.loaded.task_files for task in file.tasks}
    return {name for name, info in ctx.templates.items() if info.template.sample or name in written}


def _unused_tool_fix(taskless: list[str]) -> str:
    """How to have the tool taught: by the templates that call it but give no task, if any."""
    if not taskless:
        return "; add a template that needs it, or remove it"
    names = ", ".join(quoted(name) for name in taskless)
    if len(taskless) == 1:
        return (
            f": template {names} calls it, but has sample: false and no task; write a task "
            "for that template, or let it be sampled"
        )
    return (
        f": templates {names} call it, but have sample: false and no task; write a task for "
        "one of them, or let it be sampled"
    )


def unused_checks(ctx: LintContext) -> None:
    used = {info.template.check for info in ctx.templates.values()}
    for name, check in ctx.resolved.checks.items():
        if name not in used:
            ctx.add(
                check.name_span,
                f"check {quoted(name)} is used by no template",
                "warning",
                "unused_check",
            )


def unexercised_rules(ctx: LintContext) -> None:
    if not ctx.gold_rows:
        return  # nothing was mutated; saying every rule is unexercised would be noise
    for name, rule in ctx.resolved.rules.items():
        if name not in ctx.exercised_rules:
            ctx.add(
                rule.name_span,
                f"rule {quoted(name)} is exercised by no task: no mutation of a passing gold plan "
                "(a call dropped, changed, repeated or moved, a confirmation refused or skipped) "
                "makes it fail; "
                "add a task where the rule matters",
                "warning",
                "unexercised_rule",
            )


def _jinja_names(text: Any) -> set[str]:
    if not isinstance(text, str) or "{" not in text:
        return set()
    try:
        return set(jinja2.meta.find_undeclared_variables(JINJA.parse(text)))
    except jinja2.TemplateSyntaxError:
        return set()


def _texts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [value]


def unused_params(ctx: LintContext) -> None:
    for name, info in ctx.templates.items():
        template = info.template
        used: set[str] = set(ctx.resolved.check_params.get(template.check, {}))
        scenario = (
            template.user.model_dump()
            if hasattr(template.user, "model_dump")
            else dict(template.user)
        )
        for text in _texts(scenario):
            used |= _jinja_names(text)
        if scenario.get("change_mind"):
            used.add(str(scenario["change_mind"]).split("=")[0].strip())
        for step in template.gold:
            for text in _texts(step.say) + _texts(step.args or {}):
                used |= _jinja_names(text)
        params_raw = info.raw.get("params") or {}
        for p_name, param in template.params.items():
            source = getattr(param, "source", None)
            if isinstance(source, str):  # later parameters drawn from this one use it
                used |= {
                    w
                    for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)
                    if w in template.params and w != p_name
                }
        for p_name in template.params:
            if p_name not in used:
                span = (
                    params_raw.position(p_name)
                    if hasattr(params_raw, "position")
                    else info.raw.span
                )
                ctx.add(
                    span,
                    f"parameter {quoted(p_name)} of template {quoted(name)} is never used: "
                    "not in the scenario, the gold plan, the check's parameters or another "
                    "parameter's source",
                    "warning",
                    "unused_param",
                )


def unplayed_changes_of_mind(ctx: LintContext) -> None:
    """A note at a template's ``change_mind`` when some of its compiled tasks drew the first
    value themselves: those have no change of mind (the user asks for that value and agrees),
    and their family mixes them with the tasks that have one."""
    written = {task.id for _path, file, _raw in ctx.loaded.task_files for task in file.tasks}
    for name, info in ctx.templates.items():
        change = info.template.user.change_mind
        user_raw = info.raw.get("user")
        if not change or not isinstance(user_raw, MarkedDict):
            continue
        drawn = [
            t for t in ctx.domain.tasks if t.get("template") == name and t["id"] not in written
        ]
        lost = [str(t["id"]) for t in drawn if not t["user"].get("change_mind")]
        if not lost:
            continue
        param, _, first = (part.strip() for part in change.partition("="))
        restrict = (
            f"{quoted(param)} is read from an earlier parameter: restrict that parameter's source"
            if param in info.derived
            else f"restrict the source of {quoted(param)}"
        )
        ctx.add(
            user_raw.value_span("change_mind"),
            f"{len(lost)} of {len(drawn)} tasks of template {quoted(name)} drew the first value "
            f"itself ({change.strip()}: {first_few(lost)}) and have no change of mind: the user "
            f"asks for it and agrees; {restrict} (a `where` in its `from`, or its `choices`) so "
            f"that no draw gives {param} {first} and every task plays the change of mind",
            "info",
            "no_change_of_mind",
        )


# ---------------------------------------------------------------------------- guards


def guards_never_failing(ctx: LintContext, index: ValueIndex) -> None:
    builder = VerifierBuilder(ctx.loaded.spec, ctx.resolved, str(ctx.loaded.root.parent))
    gold_args: dict[str, list[dict[str, Any]]] = {}
    for lint_task in ctx.tasks:
        for step in lint_task.task.get("gold", []):
            if "tool" in step and step["args"] not in gold_args.setdefault(step["tool"], []):
                gold_args[step["tool"]].append(step["args"])
    trace = rt.Trace(ctx.domain.seed, ctx.domain.seed)
    # per condition (a shared block's is one for all its tools): how often it was reached, and
    # whether it refused once
    reached: dict[A.Statement, int] = {}
    fails: dict[A.Statement, bool] = {}
    owners: dict[A.Statement, A.Guard] = {}
    for tool_name, blocks in ctx.resolved.guards.items():
        tool = ctx.domain.tools.get(tool_name)
        # the conditions, each with the lets above it (a let is no condition: it refuses nothing)
        conditions = [
            (guard, s, lets)
            for guard in blocks
            for s, lets in lets_above(guard.body)
            if not isinstance(s, A.Let)
        ]
        if tool is None or not conditions:
            continue
        functions = [_statement_guard(builder, tool_name, s, lets) for _, s, lets in conditions]
        # a condition on the episode so far (an owner check reading `calls`), through a let too,
        # has no episode to read here: it is passed over, not judged, and does not stop the ones
        # after it
        episode = [_reads_episode(stmt, lets) for _, stmt, lets in conditions]
        for guard, condition, _lets in conditions:
            owners[condition] = guard
            reached.setdefault(condition, 0)
            fails.setdefault(condition, False)
        for args in argument_sets(ctx, index, tool, gold_args.get(tool_name, [])):
            for k, function in enumerate(functions):
                if episode[k]:
                    continue
                condition = conditions[k][1]
                reached[condition] += 1
                try:
                    message = function(trace, args)
                except Exception:  # noqa: BLE001 - the environment treats this as a failed guard too
                    message = "error"
                if message is not None:
                    fails[condition] = True
                    break
    for stmt, guard in owners.items():
        tried = reached[stmt]
        if not fails[stmt] and tried:
            ctx.add(
                stmt.span,
                f"this condition of the guard of {_tools(guard)} held for all {tried} "
                "argument sets lint tried on the seed data (the gold calls, each argument "
                "in turn given the seed's values, the values of a seed row together, random "
                "combinations), so it rejected none of them; check that it tests what it "
                "should",
                "warning",
                "guard_never_fails",
            )


def _reads_episode(stmt: A.Statement, lets: dict[str, A.Let]) -> bool:
    """Whether a guard's condition reads the episode so far (``calls``, ``messages``), itself or
    through the lets it reads."""
    read = lets_read(statement_exprs(stmt), lets)
    return any(_EPISODE.search(getattr(s, "source", "")) for s in (stmt, *read))


def guard_conditions_without_message(ctx: LintContext) -> None:
    """A guard condition with no ``else`` message refuses a call with its own DSL text
    (``new_room_id in db.rooms does not hold``): what the agent reads, and learns from."""
    blocks = {id(g): g for gs in ctx.resolved.guards.values() for g in gs}.values()
    for guard in blocks:
        for stmt, lets in lets_above(guard.body):
            if isinstance(stmt, (A.Require, A.Forbid)) and stmt.message is None:
                shown = explained(
                    stmt.expr, lets
                )  # what the refusal explains, as the agent reads it
                verb = "holds but is forbidden" if isinstance(stmt, A.Forbid) else "does not hold"
                text = f"{render_expr(shown)} {verb}{where(shown, lets)}"
                ctx.add(
                    stmt.span,
                    f"this condition of the guard of {_tools(guard)} has no else message, "
                    f"so the agent it refuses reads the DSL's own text ({quoted(text)}); give it "
                    "an else message the agent can read",
                    "warning",
                    "guard_without_message",
                )


def _tools(guard: A.Guard) -> str:
    """The tools a guard block names, quoted: ``"cancel_order"``, ``"a", "b" and "c"``."""
    names = [quoted(t) for t in guard.tools]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _statement_guard(
    builder: VerifierBuilder, tool: str, stmt: A.Statement, lets: dict[str, A.Let]
) -> Any:
    """A guard function of ``tool`` that checks ``stmt`` alone (after the lets it reads),
    generated like the real guard."""
    read = lets_read(statement_exprs(stmt), lets)
    single = A.Guard(stmt.span, (tool,), (stmt.span,), (*read, stmt))
    resolved = dataclasses.replace(builder.resolved, guards={tool: (single,)})
    module = VerifierBuilder(builder.spec, resolved, builder.source_root).guards_module()
    namespace: dict[str, Any] = {}
    exec(compile(render(module, "lint"), f"<guard {tool}>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["GUARDS"][tool]
