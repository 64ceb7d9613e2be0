"""Consistency: ``said`` requirements that no agent utterance can meet, and checks that cannot
pass together when two templates' gold plans share one conversation.

(A gold plan that breaks a policy rule is found while proving solvability.)

*Said*: the agent's possible utterances are the gold plan's ``say`` steps and the scripted
agent's fixed phrases (questions, confirmation requests with the call described, closings).
A ``said X`` statement of a check that fails on a trace where the agent said all of them can
never hold for that task.

*Composition*, kept simple: for two templates A and B, a task of B that shares parameter values
with a passing task of A (the same customer, usually) is played after it in one conversation,
the scripted user knowing both scenarios. When both gold plans run without an error but a
check that passes alone fails in the composed conversation, the two checks contradict each
other there (one forbids what the other's task must do, or counts calls the other adds).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from eigendsl import support as rt
from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import explained, lets_above
from eigendsl.dsl.render import render_expr
from eigendsl.lint.context import LintContext, LintTask, quoted
from eigendsl.lint.replay import execute, trajectory
from eigendsl.lint.solvability import call_errors
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import replay_gold
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent, describe_call
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.utterances import ASK_INFO, CLOSING, DECLINED, PROPOSE, REFUSAL
from eigendsl.task_set import sample_params, template_rng
from eigendsl.tasks import render_task

EXTRA_DRAWS = 40  # parameter sets drawn per template to find a partner task
PARTNERS_TRIED = 4


def check_consistency(ctx: LintContext) -> None:
    unsatisfiable_said(ctx)
    contradictory_checks(ctx)


# ---------------------------------------------------------------------------- said


def _said_statements(
    check: A.Check, blocks: dict[str, A.Block]
) -> list[tuple[A.Require | A.Score, str | None]]:
    """The statements of ``check`` that require the agent to say something (``require said
    ...``, or ``require x`` where a let binds ``x`` to ``said ...``), those of the blocks it uses
    (``use NAME(args)``, through blocks they use) among them, each with the name of the block
    it stands in (None: the check's own)."""
    return _said_in(check.body, {}, blocks, None, frozenset())


def _said_in(
    body: tuple[A.Statement, ...],
    bound: dict[str, A.Let],
    blocks: dict[str, A.Block],
    block: str | None,
    seen: frozenset[str],
) -> list[tuple[A.Require | A.Score, str | None]]:
    """:func:`_said_statements` of one ``body``, its block's parameters ``bound`` to lets of the
    use's arguments (a parameter bound to ``said ...`` is read as the verifier reads it)."""
    out: list[tuple[A.Require | A.Score, str | None]] = []
    for stmt, lets in lets_above(body):
        lets = {**bound, **lets}
        if isinstance(stmt, (A.Require, A.Score)):
            expr = explained(stmt.expr, lets)
            if isinstance(expr, A.Said) and expr.role == "assistant":
                out.append((stmt, block))
        elif isinstance(stmt, A.Use) and stmt.name in blocks and stmt.name not in seen:
            used = blocks[stmt.name]  # a cycle is a compile error; `seen` only stops one here
            params = {
                param.name: A.Let(
                    param.span, param.name, param.span, explained(arg, lets), render_expr(arg)
                )
                for param, arg in zip(used.params, stmt.args or (), strict=False)
            }
            out += _said_in(used.body, params, blocks, used.name, seen | {used.name})
    return out


def _same_file(span_path: str, failure_path: str) -> bool:
    """Whether a statement's span and a verdict failure name one file: a failure's path is
    relative to the spec folder's parent, a span's is the one the spec was loaded with."""
    return span_path == failure_path or span_path.endswith("/" + failure_path)


def utterances(task: dict[str, Any], domain: Domain) -> list[str]:
    """Everything the scripted agent can say in ``task``: its gold ``say`` steps and fixed
    phrases."""
    known = list(task.get("user", {}).get("known", {}))
    out = [step["say"] for step in task.get("gold", []) if "say" in step]
    out += [
        ask.format(what=" and ".join(k.replace("_", " ") for k in known) or "details")
        for ask in ASK_INFO
    ]
    for step in task.get("gold", []):
        if "tool" in step:
            action = describe_call(step["tool"], domain.said_order(step["args"]))
            out += [p.format(action=action) for p in PROPOSE]
    return out + [DECLINED, CLOSING, REFUSAL, "All done. " + CLOSING]


def unsatisfiable_said(ctx: LintContext) -> None:
    reported: set[tuple[str, str, int, int]] = set()
    for lint_task in ctx.tasks:
        task = lint_task.task
        check_decl = ctx.resolved.checks.get(task["check"])
        verifier = ctx.domain.checks.get(task["check"])
        if check_decl is None or verifier is None:
            continue
        statements = _said_statements(check_decl, ctx.resolved.blocks)
        if not statements:
            continue
        gold_db, _ = ctx.gold.get(task)
        said = utterances(task, ctx.domain)
        messages = [rt.Message("assistant", text, i) for i, text in enumerate(said)]
        trace = rt.Trace(
            gold_db, ctx.domain.seed, gold_db, dict(task.get("params", {})), [], messages
        )
        for failure in verifier.verify(trace).failures:
            stmt, block = next(
                (
                    (s, block)
                    for s, block in statements
                    if (s.span.line, s.span.col) == (failure.line, failure.col)
                    and _same_file(s.span.path, failure.path)
                ),
                (None, None),
            )
            if stmt is None or not failure.reason.startswith("the agent never said"):
                continue
            key = (task["check"], failure.path, failure.line, failure.col)
            if key in reported:
                continue
            reported.add(key)
            scored = isinstance(stmt, A.Score)
            ctx.add(
                stmt.span,
                f"{failure.reason} in {lint_task.label()}"
                + (
                    f" (block {quoted(block)}, as check {quoted(task['check'])} uses it)"
                    if block
                    else ""
                )
                + ", and no utterance can say it: neither a "
                'gold "say" step nor a fixed phrase of the scripted agent contains it'
                + (
                    "; this score term can never be earned"
                    if scored
                    else '; add it to a "say" step'
                ),
                "warning" if scored else "error",
                "unsatisfiable_said",
            )


# ---------------------------------------------------------------------------- composition


def _composable(task: dict[str, Any]) -> bool:
    user = task.get("user", {})
    return (
        bool(user.get("confirm", True))
        and not user.get("change_mind")
        and not user.get("forbidden_request")
    )


def compose(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One task whose user wants both ``a`` and ``b`` and whose gold plan is both plans."""
    ua, ub = a.get("user", {}), b.get("user", {})
    return {
        **a,
        "id": f"{a['id']}+{b['id']}",
        "template": None,
        "user": {
            **ua,
            "reason": f"{ua.get('reason', '')} Also: {ub.get('reason', '')}".strip(),
            "known": {**ub.get("known", {}), **ua.get("known", {})},
            "unknown": list(dict.fromkeys([*ua.get("unknown", []), *ub.get("unknown", [])])),
            "instructions": f"{ua.get('instructions', '')} {ub.get('instructions', '')}".strip(),
            "reveal_late": [],
        },
        "gold": [*a.get("gold", []), *b.get("gold", [])],
    }


def _draws(ctx: LintContext, name: str) -> list[dict[str, Any]]:
    info = ctx.templates[name]
    rng = template_rng(ctx.loaded.spec.sampling.seed + 1, name)
    out: list[dict[str, Any]] = []
    for _ in range(EXTRA_DRAWS):
        params = sample_params(info, ctx.seed, rng)
        if params is None:
            break
        if params not in out:
            out.append(params)
    return out


def _partners(ctx: LintContext, a: LintTask, pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parameter sets that share a row with ``a``'s (the same value of a parameter that is a key
    of a seed table, such as the customer's id), the most shared first."""
    mine = a.task.get("params", {})
    keys = {
        k
        for k, v in mine.items()
        if isinstance(v, str) and any(v in rows for rows in ctx.seed.values())
    }

    def shared(params: dict[str, Any]) -> int:
        return sum(1 for k in keys if params.get(k) == mine[k])

    ranked = sorted((p for p in pool if shared(p) > 0), key=shared, reverse=True)
    return ranked[:PARTNERS_TRIED]


def contradictory_checks(ctx: LintContext) -> None:
    firsts: dict[str, LintTask] = {}
    for lint_task in ctx.passing():
        if _composable(lint_task.task):
            firsts.setdefault(lint_task.info.name, lint_task)
    rendered: dict[str, list[dict[str, Any]]] = {}
    for task in [*ctx.domain.tasks, *(t.task for t in ctx.tasks)]:
        if task.get("template") in firsts and _composable(task):
            rendered.setdefault(task["template"], []).append(task)
    pools: dict[str, list[dict[str, Any]]] = {}
    # check -> statement -> [(partner template, partner check, reason)]
    found: dict[str, dict[A.Node, list[tuple[str, str, str]]]] = {}
    for name_a, a in firsts.items():
        for name_b in firsts:
            if name_b == name_a:
                continue
            partners = _partners(ctx, a, [t["params"] for t in rendered.get(name_b, [])])
            if not partners:  # draw more parameter sets, and render the few that fit
                if name_b not in pools:
                    pools[name_b] = _draws(ctx, name_b)
                partners = _partners(ctx, a, pools[name_b])
            for params in partners:
                b = next(
                    (t for t in rendered.get(name_b, []) if t["params"] == params), None
                ) or render_task(ctx.templates[name_b], f"{name_b}-partner", params, "train")
                outcome = _play_composed(ctx, a.task, b)
                if outcome is None:
                    continue  # the plans interfere (a call fails): try another partner
                for which, task, failures in outcome:
                    other = b if which == "a" else a.task
                    for failure in failures:
                        owner = ctx.statement_owner(failure.path, failure.line, failure.col)
                        if owner is None or owner[0] not in ("check", "block"):
                            # a policy rule used by the check: the composition's fault, not the
                            # check's (a block's statements are the check's own)
                            continue
                        found.setdefault(task["check"], {}).setdefault(owner[2], []).append(
                            (other["template"], other["check"], failure.reason)
                        )
                break
    for check_name, by_statement in sorted(found.items()):
        ranked = sorted(by_statement.items(), key=lambda item: (-len(item[1]), item[0].span.line))
        stmt, items = ranked[0]
        partner_template, partner_check, reason = items[0]
        templates = sorted({t for entries in by_statement.values() for t, _c, _r in entries})
        lines = ", ".join(
            str(s.span.line) for s, _ in sorted(ranked, key=lambda item: item[0].span.line)
        )
        partner = "itself" if partner_check == check_name else f"check {quoted(partner_check)}"
        ctx.add(
            stmt.span,
            f"check {quoted(check_name)} cannot pass together with {partner} when a task "
            f"of template {quoted(partner_template)} on the same records (a key parameter's value) "
            f"shares the conversation: {_short(reason)} "
            f"[failing statements at lines {lines}; with templates "
            f"{', '.join(map(quoted, templates))}]",
            "info",
            "contradictory_checks",
        )


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _play_composed(
    ctx: LintContext, a: dict[str, Any], b: dict[str, Any]
) -> list[tuple[str, dict[str, Any], list[rt.Failure]]] | None:
    """Failures of each check in the composed conversation, or None when the plans interfere."""
    domain = ctx.domain
    task = compose(a, b)
    row = run_episodes(
        domain, [task], ScriptedAgent(), ScriptedUser(domain.stop_marker), gold=GoldCache(domain)
    )[0]
    if call_errors(row["messages"]) or row["end_reason"] != "stop":
        return None
    gold_db, errors = replay_gold(domain, task)
    if errors:
        return None
    run = execute(domain, task, trajectory(row["messages"]), gold_db)
    out = []
    for which, part in (("a", a), ("b", b)):
        trace = dataclasses.replace(run.trace, params=dict(part.get("params", {})), _texts=None)
        verdict = domain.checks[part["check"]].verify(trace)
        if not verdict.passed:
            out.append((which, part, verdict.failures))
    return out
