"""Solvability: every task's gold plan, played by the scripted agent with the scripted user
(which adds the information requests and confirmation turns), runs without a tool error or a
failed guard, ends before the turn limit, and passes its check and every policy rule.

Failures of sampled tasks of one template are grouped by step and reason, so a template whose
plan fails for every draw gives one finding, not one per draw.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any

from eigendsl.dsl import ast as A
from eigendsl.lint.context import LintContext, LintTask, quoted, value_text
from eigendsl.runtime.environment import TOOL_ERROR, is_refusal
from eigendsl.runtime.episodes import END_VERIFIER, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.tool_faults import ToolFault, recorded_apart


def tool_step_indexes(task: dict[str, Any]) -> list[int]:
    """Gold step index of the k-th tool call the scripted agent makes."""
    return [i for i, step in enumerate(task.get("gold", [])) if "tool" in step]


def call_errors(messages: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """(call number, tool, error text) of every failed tool call, in order."""
    names: dict[str, tuple[int, str]] = {}
    errors = []
    for message in messages:
        if message["role"] == "assistant":
            for call in message.get("tool_calls") or ():
                names[call["id"]] = (len(names), call["function"]["name"])
        elif message["role"] == "tool":
            if is_refusal(message) and message.get("tool_call_id") in names:
                number, tool = names[message["tool_call_id"]]
                errors.append((number, tool, str(message["content"])[len(TOOL_ERROR) :].strip()))
    return errors


# Problems of a gold episode that still passes: the task is solvable, the finding a warning.
PASSING_KINDS = ("unearned_score", "refused_step")


def check_solvable(ctx: LintContext) -> None:
    """Play every task's gold plan; keep the passing episodes in ``ctx.gold_rows``."""
    domain = ctx.domain
    # The judge's gold databases, replayed before the episodes with their faults kept apart: a
    # fault the episode meets too is recorded once, at the episode's call.
    with recorded_apart(domain) as replayed:
        for lint_task in ctx.tasks:
            ctx.gold.get(lint_task.task, domain)
    rows = run_episodes(
        domain,
        [t.task for t in ctx.tasks],
        ScriptedAgent(),
        ScriptedUser(domain.stop_marker),
        gold=ctx.gold,
    )
    _record_unmet(domain, replayed, rows)
    groups: dict[tuple[Any, ...], list[tuple[LintTask, str]]] = {}
    spans: dict[tuple[Any, ...], Any] = {}
    for lint_task, row in zip(ctx.tasks, rows, strict=True):
        problems = _problems(ctx, lint_task, row)
        if all(kind in PASSING_KINDS for *_, kind in problems):
            ctx.gold_rows[lint_task.id] = row
        else:
            ctx.unsolvable.append(lint_task.id)
        for key, span, text, kind in problems:
            group = (lint_task.id if lint_task.authored else lint_task.info.name, kind, *key)
            groups.setdefault(group, []).append((lint_task, text))
            spans[group] = span
    by_template = _sampled(ctx)
    for group, items in groups.items():
        lint_task, text = items[0]
        kind = group[1]
        if lint_task.authored:
            subject, note = lint_task.label(), ""
        else:
            total = by_template.get(lint_task.info.name, len(items))
            subject = f"template {quoted(lint_task.info.name)}"
            note = (
                f" [{len(items)} of {total} sampled tasks, e.g. {lint_task.id} with "
                f"{lint_task.params_text()}]"
            )
        if kind == "policy_violation":
            ctx.add(
                spans[group], f"the gold plan of {subject} violates {text}{note}", "error", kind
            )
        elif kind == "unearned_score":
            ctx.add(spans[group], f"{subject}: {text}{note}", "warning", kind)
        elif kind == "refused_step":
            ctx.add(
                spans[group],
                f"{subject}: {text}; the check passes all the same (the task is solvable, as "
                "`run` finds), but the gold dialogue teaches a call the tool refuses: drop the "
                f"step, or make it one that runs{note}",
                "warning",
                kind,
            )
        else:
            ctx.add(spans[group], f"{subject} is unsolvable: {text}{note}", "error", kind)


def _record_unmet(domain: Any, replayed: list[ToolFault], rows: list[dict[str, Any]]) -> None:
    """Record in the domain's audit the faults the gold replays met and the task's episode did
    not (a step after the conversation ended): there they happened, and only there."""
    if domain.audit is None:
        return
    met = {
        (row["task_id"], fault["tool"], fault["kind"], fault["group"])
        for row in rows
        for fault in row.get("tool_faults", ())
    }
    for fault in replayed:
        if (fault.task, fault.tool, fault.kind, fault.group) not in met:
            domain.audit.append(fault)


def fault_file(ctx: LintContext, fault: ToolFault) -> str:
    """The file of ``fault`` (kept relative to the spec folder's parent, ``mini/tools.py``) as
    lint names the spec's files: below the spec folder as the command was given it."""
    inside = PurePosixPath(fault.file).parts[1:]
    return ctx.loaded.display(str(PurePosixPath(*inside)))


def fault_text(ctx: LintContext, fault: ToolFault) -> str:
    """``fault`` as a finding quotes it, at its place as the finding's own place is written (it
    named the file from the spec folder's parent, the finding from the folder as given)."""
    if not (fault.file and fault.line):
        return fault.message
    col = f"{fault.col}:" if fault.col else ""
    return f"{fault_file(ctx, fault)}:{fault.line}:{col} {fault.message}"


def _problems(
    ctx: LintContext, lint_task: LintTask, row: dict[str, Any]
) -> list[tuple[tuple[Any, ...], Any, str, str]]:
    """(group key, span, sentence, kind) for each way the gold episode failed."""
    task = lint_task.task
    messages = row["messages"]
    steps = tool_step_indexes(task)
    out: list[tuple[tuple[Any, ...], Any, str, str]] = []
    # a refused call whose episode passes all the same (a second, refused resume): no failure
    refused = "refused_step" if row["verdict"]["passed"] else "unsolvable"
    verb = "is refused" if row["verdict"]["passed"] else "fails"
    # A call that failed by a bug in the tool's code: the author reads where, not the model's line.
    faults = {f["call_id"]: fault_text(ctx, ToolFault(**f)) for f in row.get("tool_faults", ())}
    ids = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or ()]
    for number, tool, error in call_errors(messages):
        error = faults.get(ids[number], error) if number < len(ids) else error
        step = steps[number] if number < len(steps) else None
        if step is None:
            out.append(
                (
                    ("call", tool),
                    lint_task.span,
                    f"the scripted agent's call of {quoted(tool)} {verb}: {error}",
                    refused,
                )
            )
            continue
        span = lint_task.span if lint_task.authored else lint_task.step_span(step)
        where = "" if not lint_task.authored else f" ({lint_task.step_span(step)})"
        out.append(
            (
                ("step", step),
                span,
                f"gold step {step + 1} ({quoted(tool)}){where} {verb}: {error}"
                f"{_guard_at(ctx, tool, error)}",
                refused,
            )
        )
    if out:
        return out  # the check and rules fail as a consequence; the call error is the cause
    verdict = row["verdict"]
    if row.get("end_reason") == "turn_limit":
        # the cause: the check, its rules and score fail because the plan was cut, not said apart
        limit = row.get("max_turns") or ctx.domain.max_turns
        unreached = _unreached_step(task, messages)
        cut = f"gold step {unreached} and before " if unreached else ""
        out.append(
            (
                ("turn_limit",),
                lint_task.span,
                f"the scripted conversation reached the turn limit ({limit} turns) before "
                f"{cut}the user ended it; last agent message: {_last_agent(messages)}; give "
                "the conversation more turns (user_simulator: {max_turns: ...} in domain.yaml), or "
                "shorten the gold plan",
                "unsolvable",
            )
        )
        return out
    for failure in verdict["failures"]:
        if failure.get("verifier") == END_VERIFIER:
            continue  # the turn limit, reported above with the last agent message
        owner = ctx.statement_owner(failure["path"], failure["line"], failure["col"])
        where = str(owner[2].span) if owner else f"{failure['path']}:{failure['line']}"
        if owner and isinstance(owner[2], A.Score):
            # a score term lowers the reward, it does not fail the check (one the gold plan cannot
            # say is the consistency pass's finding, at the term)
            if failure["reason"].startswith("the agent never said"):
                continue
            text = (
                f"the gold plan does not earn the score term of check "
                f"{quoted(verdict['check']['name'])}: {failure['reason']} ({where}), so a right "
                "episode's reward is below 1"
            )
            span = lint_task.span if lint_task.authored else lint_task.info.raw.value_span("check")
            out.append((("score", failure["line"], failure["col"]), span, text, "unearned_score"))
        elif failure["verifier"] == "policy":
            name = owner[1] if owner else "a policy rule"
            text = f"rule {quoted(name)}: {failure['reason']} ({where})"
            span = lint_task.span if lint_task.authored else lint_task.info.raw.position("gold")
            out.append((("rule", name, failure["line"]), span, text, "policy_violation"))
        else:
            text = (
                f"the gold plan fails check {quoted(verdict['check']['name'])}: "
                f"{failure['reason']} ({where}){_ended_early(task, messages)}"
            )
            span = lint_task.span if lint_task.authored else lint_task.info.raw.value_span("check")
            out.append((("check", failure["line"], failure["col"]), span, text, "unsolvable"))
    return out


def _sampled(ctx: LintContext) -> Counter[str]:
    """How many sampled (not written) tasks lint plays of each template."""
    return Counter(t.info.name for t in ctx.tasks if not t.authored)


def _guard_at(ctx: LintContext, tool: str, error: str) -> str:
    """Where the guard condition that refused a call with ``error`` is written, if one did."""
    for stmt in (s for guard in ctx.resolved.guards.get(tool, ()) for s in guard.body):
        if getattr(stmt, "message", None) == error:
            return f" (the guard of {quoted(tool)} at {stmt.span})"
    return ""


def _unreached_step(task: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    """The first gold step (``2 ("book_slot")``) a conversation ended before, or empty."""
    steps = tool_step_indexes(task)
    made = sum(len(m.get("tool_calls") or ()) for m in messages if m["role"] == "assistant")
    if made >= len(steps):
        return ""
    return f"{steps[made] + 1} ({quoted(task['gold'][steps[made]]['tool'])})"


def _ended_early(task: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    """Where the user ended the conversation before the gold plan's last call, and its last
    words (a fact it never gave, a correction, a stop marker said early): the cause of the
    check's failures, which the failed statements do not show; empty otherwise."""
    steps = tool_step_indexes(task)
    made = sum(len(m.get("tool_calls") or ()) for m in messages if m["role"] == "assistant")
    if made >= len(steps):
        return ""
    said = next(
        (str(m.get("content") or "") for m in reversed(messages) if m["role"] == "user"), ""
    )
    words = said if len(said) <= 120 else said[:117] + "..."
    step = steps[made]
    return (
        f"; the conversation ended before gold step {step + 1} "
        f"({quoted(task['gold'][step]['tool'])}), the user's last message: {value_text(words)}"
    )


def _last_agent(messages: list[dict[str, Any]]) -> str:
    """The agent's last words as a finding shows them: its text as JSON (``"Done."``, long text
    cut), or its call (``cancel_order(order_id="#1")``, cut to 100 characters)."""
    for message in reversed(messages):
        if message["role"] == "assistant" and message.get("content"):
            return value_text(str(message["content"]))
        if message["role"] == "assistant" and message.get("tool_calls"):
            call = message["tool_calls"][0]["function"]
            args = json.loads(call["arguments"] or "{}")
            shown = ", ".join(f"{k}={value_text(v)}" for k, v in args.items())
            return f"{call['name']}({shown})"[:100]
    return '""'


def check_synthesizable(ctx: LintContext) -> None:
    """Synthesis's quality filter on the passing gold episodes of sampled tasks: a template whose
    gold dialogue it rejects (an identifier neither the user nor a tool states, a call repeated)
    gets no accepted dialogue at all, though its tasks are solvable."""
    from eigendsl.synth.quality import quality_reasons

    ids = {str(key) for table in ctx.domain.seed.values() for key in table}
    groups: dict[tuple[str, str], list[tuple[LintTask, str]]] = {}
    for lint_task in ctx.passing():
        if lint_task.authored:
            continue  # synthesis draws its own parameter sets from the templates
        for reason in quality_reasons(ctx.gold_rows[lint_task.id], ids):
            # one finding per template and kind of reason, whatever the identifier
            kind = re.sub(r"'[^']*'", "…", reason)
            groups.setdefault((lint_task.info.name, kind), []).append((lint_task, reason))
    sampled = _sampled(ctx)
    for items in groups.values():
        lint_task, reason = items[0]
        fix = (
            "; give it to the user (user.known) or have a tool return it before the call"
            if "(invented)" in reason
            else ""
        )
        ctx.add(
            lint_task.info.raw.position("gold"),
            f"synthesis rejects the gold dialogue of template {quoted(lint_task.info.name)} "
            f"({len(items)} of {sampled[lint_task.info.name]} sampled tasks, e.g. {lint_task.id}): "
            f"{reason.removeprefix('quality: ')}{fix}",
            "warning",
            "unsynthesizable",
        )
