"""Check strength by mutation analysis, and which policy rules the mutations exercise.

Each passing gold trajectory is mutated (:mod:`eigendsl.lint.mutations`) and re-executed
(:mod:`eigendsl.lint.replay`); the task's check alone judges the result. A mutation is *counted*
for a check when it changes something: the final database, the successful calls (tool and
arguments, as a multiset) or the text of the conversation; a mutation equivalent to the gold
trajectory (an argument changed to an equal value, two commuting writes swapped, an extra write
the environment rejected) is not.
It is *caught* when the check fails on every candidate value tried; one candidate the check
accepts makes the mutation survive, and the survivor is reported as a weakness of the check.
A check's strength is the share of its counted mutations it catches. Dropping the final message
of a refusal, of a declined write or of a write's confirmation is judged but left out of the
strength: that message's wording is the agent's own and the outcome is judged elsewhere, so a
check that does not read it gets a note (``unread_message``), not a weakness.
The idle agents of :mod:`eigendsl.lint.idle` (one that does nothing, one that only looks things
up) are counted as mutations too; a check one of them passes is a warning (``idle_agent``).
So is the hedging mutation of :mod:`eigendsl.lint.amounts` (a made-up amount told beside the
right one), where the check reads the amount: ``require said fee`` alone survives it.

A policy rule is *exercised* when some counted mutation or rule probe of a gold trajectory
makes it fail: then a task shows what the rule forbids.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from eigendsl.lint.amounts import hedged_amounts
from eigendsl.lint.context import LintContext, LintTask, quoted
from eigendsl.lint.idle import EMPTY, declined_write, idle_agents, idle_finding, lookups
from eigendsl.lint.mutations import mutants, written_arguments
from eigendsl.lint.replay import Executed, execute, trajectory
from eigendsl.runtime.environment import refused_call_ids


def check_strength(ctx: LintContext) -> None:
    domain, gold, index = ctx.domain, ctx.gold, ctx.index
    rules = getattr(domain.rules, "RULES", {})
    survivors: dict[tuple[str, tuple[Any, ...]], list[tuple[LintTask, str]]] = {}
    tried: dict[tuple[str, tuple[Any, ...]], int] = {}
    caught_count: dict[str, int] = {}
    counted_count: dict[str, int] = {}
    # per check, the arguments of the writes that ran, and those some task's mutations changed
    written: dict[str, set[tuple[str, str]]] = {}
    mutated: dict[str, set[tuple[str, str]]] = {}
    # survivors of the mutations that make notes (a refusal's or confirmation's final message)
    unread: dict[tuple[str, tuple[Any, ...]], list[tuple[LintTask, str]]] = {}
    # survivors of the idle agents (:mod:`.idle`): an untrained model passes the check
    idle: dict[tuple[str, tuple[Any, ...]], list[tuple[LintTask, str]]] = {}
    for lint_task in ctx.passing():
        task = lint_task.task
        check = domain.checks[task["check"]]
        row = ctx.gold_rows[lint_task.id]
        gold_db, _ = gold.get(task)
        base_messages = trajectory(row["messages"])
        baseline = execute(domain, task, base_messages, gold_db)
        if not check.verify(baseline.trace).passed:
            continue  # the replay differs from the episode; nothing to compare against
        ctx.unmeasured.add(task["check"])
        failed_ids = refused_call_ids(row["messages"])
        for mutant in chain(
            mutants(domain, index, base_messages, failed_ids, task),
            idle_agents(domain, base_messages, task),
            hedged_amounts(row["messages"], base_messages, task),
        ):
            if mutant.kind == "change_argument":
                mutated.setdefault(task["check"], set()).add(mutant.key[1:])
            counted = False
            survivor: str | None = None
            for number, (description, messages) in enumerate(mutant.variants):
                if mutant.controls is not None and _passes(
                    check, execute(domain, task, mutant.controls[number], gold_db)
                ):
                    continue  # the check does not read what this variant changes
                run = execute(domain, task, messages, gold_db)
                if run.calls != baseline.calls or run.fingerprint != baseline.fingerprint:
                    for name, rule in rules.items():
                        if name not in ctx.exercised_rules and not rule(run.trace).passed:
                            ctx.exercised_rules.add(name)
                if run.fingerprint == baseline.fingerprint:
                    continue
                counted = True
                if mutant.for_checks and survivor is None:
                    verdict = check.verify(run.trace)
                    if verdict.passed:
                        survivor = description
                        if verdict.score < 1:
                            survivor += f" (only its score drops, to {verdict.score:.2f};"
            if not (counted and mutant.for_checks):
                continue
            check_name = task["check"]
            group = (check_name, mutant.key)
            tried[group] = tried.get(group, 0) + 1
            if mutant.note_only:  # not a weakness: a note, outside the strength
                if survivor is not None:
                    unread.setdefault(group, []).append((lint_task, survivor))
                continue
            counted_count[check_name] = counted_count.get(check_name, 0) + 1
            if survivor is None:
                caught_count[check_name] = caught_count.get(check_name, 0) + 1
            else:
                found = idle if mutant.kind == "idle_agent" else survivors
                found.setdefault(group, []).append((lint_task, survivor))
        written.setdefault(task["check"], set()).update(
            written_arguments(domain, base_messages, failed_ids)
        )
    for check_name, total in sorted(counted_count.items()):
        ctx.scores[check_name] = (caught_count.get(check_name, 0), total)
    ctx.unmeasured -= set(counted_count)
    _report_unmutated(ctx, written, mutated)
    _report_survivors(ctx, survivors, tried, "warning", "weak_check")
    _report_survivors(ctx, unread, tried, "info", "unread_message")
    _report_idle(ctx, idle, tried)


def _passes(check: Any, run: Executed) -> bool:
    return bool(check.verify(run.trace).passed)


def _report_survivors(
    ctx: LintContext,
    survivors: dict[tuple[str, tuple[Any, ...]], list[tuple[LintTask, str]]],
    tried: dict[tuple[str, tuple[Any, ...]], int],
    severity: str,
    kind: str,
) -> None:
    """One finding at each check for each mutation it accepted, with the tasks it was tried in."""
    for (check_name, key), items in survivors.items():
        decl = ctx.resolved.checks.get(check_name)
        if decl is None:
            continue
        lint_task, description = items[0]
        where = _tasks_where(items, tried[(check_name, key)])
        shown = (
            f"{description} {where})" if description.endswith(";") else f"{description} ({where})"
        )
        text = f"check {quoted(check_name)} still passes when {shown}"
        ctx.add(decl.name_span, text, severity, kind)


def _tasks_where(items: list[tuple[LintTask, str]], total: int) -> str:
    """Where a mutation passed: "in N of M tasks, e.g. ID", or the one task it was tried in."""
    first = items[0][0].id
    return f"in {len(items)} of {total} tasks, e.g. {first}" if total > 1 else f"task {first}"


def _report_idle(
    ctx: LintContext,
    idle: dict[tuple[str, tuple[Any, ...]], list[tuple[LintTask, str]]],
    tried: dict[tuple[str, tuple[Any, ...]], int],
) -> None:
    """A warning at each check an idle agent passes; where the empty agent passes, the
    lookup-only agent's pass says nothing more and is left out."""
    for (check_name, key), items in idle.items():
        decl = ctx.resolved.checks.get(check_name)
        if decl is None or (key != EMPTY and (check_name, EMPTY) in idle):
            continue
        lint_task, description = items[0]
        where = _tasks_where(items, tried[(check_name, key)])
        text = idle_finding(
            check_name,
            key,
            description,
            where,
            [p.name for p in decl.params],
            lint_task.task,
            lookups(ctx.domain, lint_task.task),
            declined_write(ctx.domain, lint_task.task),
        )
        ctx.add(decl.name_span, text, "warning", "idle_agent")


def _report_unmutated(
    ctx: LintContext,
    written: dict[str, set[tuple[str, str]]],
    mutated: dict[str, set[tuple[str, str]]],
) -> None:
    """A note at each check for the write arguments no task gave lint another value to try."""
    for check_name, pairs in sorted(written.items()):
        decl = ctx.resolved.checks.get(check_name)
        untried = sorted(pairs - mutated.get(check_name, set()))
        if decl is None or not untried:
            continue
        names = ", ".join(f"{quoted(tool)}'s {quoted(arg)}" for tool, arg in untried)
        ctx.add(
            decl.name_span,
            f"check {quoted(check_name)}: lint found no other value to try for {names} (it takes "
            "other values of the type from the schema, the seed data and the tasks), so the "
            "check's strength does not tell whether it checks "
            + ("that argument" if len(untried) == 1 else "those arguments")
            + "; a seed row or a task with another value gives it one",
            "info",
            "untested_argument",
        )
