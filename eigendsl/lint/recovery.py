"""Recovery: each passing gold plan played again with its first write refused once.

The scripted agent's ``recover`` behaviour (``eigendsl run --mistake recover``) sends the first
write with one id replaced by another of its kind; when the tool refuses it, the agent reads
again what holds the right id and makes the write right. Where that episode ends with the gold
plan's writes, a rule or check statement that fails it fails any agent that recovers from a
refused call: most often one that counts or orders ``calls`` without ``c.ok``, so the refused
call counts as a write. Synthesis's recovery dialogues (``synth.recover``) are rejected by it too.
"""

from __future__ import annotations

import json
from typing import Any

from eigendsl.errors import Span
from eigendsl.lint.context import LintContext, LintTask, quoted, value_text
from eigendsl.runtime.environment import refused_call_ids
from eigendsl.runtime.episodes import END_VERIFIER, run_episodes
from eigendsl.runtime.mistakes import RECOVER
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.support import is_score_term


def check_recoverable(ctx: LintContext) -> None:
    """A warning at each statement that fails a recovered episode, with a task that shows it."""
    domain = ctx.domain
    passing = ctx.passing()
    rows = run_episodes(
        domain,
        [t.task for t in passing],
        ScriptedAgent((RECOVER,)),
        ScriptedUser(domain.stop_marker),
        gold=ctx.gold,
    )
    writes = {name for name, tool in domain.tools.items() if tool.writes}
    groups: dict[tuple[str, int, int], list[tuple[LintTask, dict[str, Any]]]] = {}
    accepted: dict[str, list[tuple[LintTask, tuple[str, str]]]] = {}
    for lint_task, row in zip(passing, rows, strict=True):
        made, refused = _writes(row, writes)
        right, _ = _writes(ctx.gold_rows[lint_task.id], writes)
        if not refused and made != right:  # the wrong id was taken: no recovery to play
            accepted.setdefault(lint_task.info.name, []).append(
                (lint_task, _first_wrong(made, right))
            )
        if not refused or made != right:
            continue  # nothing to recover from, or the wrong write went through
        for failure in row["verdict"]["failures"]:
            if not is_score_term(failure) and failure.get("verifier") != END_VERIFIER:
                place = (failure["path"], failure["line"], failure["col"])
                groups.setdefault(place, []).append((lint_task, failure))
    _report_accepted(ctx, accepted)
    for (path, line, col), items in groups.items():
        lint_task, failure = items[0]
        owner = ctx.statement_owner(path, line, col)
        span = owner[2].span if owner else Span(path, line, col)
        what = f"{owner[0]} {quoted(owner[1])}" if owner else "this statement"
        more = f"{len(items)} tasks, e.g. {lint_task.id}" if len(items) > 1 else lint_task.id
        ctx.add(
            span,
            f"{what} fails an agent that recovers from a refused write ({more}: the write "
            f"refused once, then made right, as `--mistake recover` plays it): "
            f"{failure['reason']}; a refused call is in `calls` too, with ok false: count and "
            "order the calls that ran (`c.ok`)",
            "warning",
            "fails_recovery",
        )


def _report_accepted(
    ctx: LintContext, accepted: dict[str, list[tuple[LintTask, tuple[str, str]]]]
) -> None:
    """A note at each template whose write took the wrong id `--mistake recover` gave it: no
    guard refused it, so its tasks play no recovery (and synthesis's recoveries skip them)."""
    for template, items in accepted.items():
        lint_task, (tool, arguments) = items[0]
        more = f"{len(items)} tasks, e.g. {lint_task.id}" if len(items) > 1 else lint_task.id
        ctx.add(
            lint_task.info.raw.position("gold"),
            f"template {quoted(template)}: no guard refused the write given another id of its kind "
            f"({more}: {tool}({arguments})), so `--mistake recover` plays no recovery there; "
            "if that id is not the user's to change, a guard on the tool can refuse it",
            "info",
            "no_recovery",
        )


def _first_wrong(made: list[tuple[str, str]], right: list[tuple[str, str]]) -> tuple[str, str]:
    """The first write that differs from the gold plan's, as the tool and the arguments that
    differ (``order_id='#W1001111'``)."""
    padded = zip(made + [("", "{}")], right + [("", "{}")], strict=False)
    (tool, given), (_, wanted) = next((c, g) for c, g in padded if c != g)
    args, gold = json.loads(given or "{}"), json.loads(wanted or "{}")
    differ = {k: v for k, v in args.items() if gold.get(k) != v} or args
    return tool, ", ".join(f"{k}={value_text(v)}" for k, v in differ.items())


def _writes(row: dict[str, Any], writes: set[str]) -> tuple[list[tuple[str, str]], bool]:
    """The write calls that ran in an episode, in order (tool, arguments as JSON text), and
    whether one was refused."""
    refused_ids = refused_call_ids(row["messages"])
    calls = [
        call
        for m in row["messages"]
        if m["role"] == "assistant"
        for call in m.get("tool_calls") or ()
        if call["function"]["name"] in writes
    ]
    made = [
        (c["function"]["name"], c["function"]["arguments"])
        for c in calls
        if c["id"] not in refused_ids
    ]
    return made, len(made) < len(calls)
