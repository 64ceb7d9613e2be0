"""The idle agents: the cheapest baselines a check must fail.

An agent that does nothing (no tool call, no word, and the user ends the conversation) and one
that only makes the gold plan's lookups (its read calls, then no write and no word) are what an
untrained model plays. A check either of them passes pays GRPO's reward for doing nothing, which
a new author's first draft of a refusal or a declined write (``require db == initial; forbid
called cancel``) does. :func:`idle_agents` makes both trajectories as mutants of a gold one, and
:func:`strength <eigendsl.lint.strength.check_strength>` counts them in the check's strength and
reports a survivor with :func:`idle_finding`.

A gold plan with no tool call and no ``say`` line asks for nothing visible: there the empty
agent is the right answer, and no idle agent is tried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from eigendsl import support as rt
from eigendsl.lint.context import quoted
from eigendsl.lint.mutations import Mutant
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.utterances import USER_DONE

EMPTY, LOOKUPS = ("idle_agent", "empty"), ("idle_agent", "lookups")


def idle_agents(
    domain: Domain, messages: list[dict[str, Any]], task: dict[str, Any]
) -> Iterator[Mutant]:
    """The empty agent, and where the gold plan looks something up first, the lookup-only
    agent, as mutants of the gold trajectory ``messages``.

    Both keep the user's opening and end with the user's closing; the lookup-only agent's
    turns carry the gold plan's :func:`lookups` and no text."""
    if not any("tool" in step or "say" in step for step in task.get("gold", [])):
        return
    opening = []
    for message in messages:
        if message["role"] != "user":
            break
        opening.append(message)
    closing = {"role": "user", "content": f"{USER_DONE[0]} {domain.stop_marker}"}
    yield Mutant(
        "idle_agent",
        EMPTY,
        [
            (
                "the agent does nothing (no tool call, no word) and the user ends the conversation",
                [*opening, closing],
            )
        ],
    )
    reads = lookups(domain, task)
    if reads:
        turns = [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"lint_idle_{n}",
                        "type": "function",
                        "function": {"name": tool, "arguments": json.dumps(args)},
                    }
                ],
            }
            for n, (tool, args) in enumerate(reads)
        ]
        names = ", ".join(dict.fromkeys(quoted(tool) for tool, _ in reads))
        yield Mutant(
            "idle_agent",
            LOOKUPS,
            [
                (
                    f"the agent only makes the gold plan's lookups ({names}), then writes "
                    "nothing and says nothing, and the user ends the conversation",
                    [*opening, *turns, closing],
                )
            ],
        )


def lookups(domain: Domain, task: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The gold plan's lookups: its read calls before its first write or ``say`` line (a read
    after them, such as a transfer to a person, is the task's outcome, not a lookup)."""
    out = []
    for step in task.get("gold", []):
        tool = domain.tools.get(step.get("tool", ""))
        if tool is None or tool.writes:
            break
        out.append((step["tool"], dict(step.get("args") or {})))
    return out


def declined_write(domain: Domain, task: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The write the user of ``task`` declines (``confirm: false``): its gold plan's first write,
    with its arguments; None for a task whose user confirms, or with no write."""
    if (task.get("user") or {}).get("confirm", True):
        return None
    for step in task.get("gold", []):
        tool = domain.tools.get(step.get("tool", ""))
        if tool is not None and tool.writes:
            args = dict(step.get("args") or {})
            order = list(tool.parameters.get("properties", {}))  # as the tool lists them
            return step["tool"], dict(sorted(args.items(), key=lambda a: _place(order, a[0])))
    return None


def _place(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def idle_finding(
    check_name: str,
    key: tuple[Any, ...],
    description: str,
    where: str,
    params: list[str],
    task: dict[str, Any],
    reads: list[tuple[str, dict[str, Any]]],
    declined: tuple[str, dict[str, Any]] | None = None,
) -> str:
    """The sentence of a check an idle agent passes, with what the check could require: for a
    task whose user declines the write (``confirm: false``), the write proposed and declined
    (``declined(...)``, the fix the README gives a first draft of one); else the gold plan's last
    lookup (its arguments named by the check's ``params`` where they can be) and, where the
    gold plan says something, its words. ``declined`` is the write the user declines
    (:func:`declined_write`)."""
    hints = []
    if declined is not None:
        hints.append(f"the write proposed and declined ({_declined(declined, params, task)})")
    elif key == EMPTY and reads:
        hints.append(f"a lookup ({_called(reads, params, task)})")
    if declined is None and any("say" in step for step in task.get("gold", [])):
        refuses = bool((task.get("user") or {}).get("forbidden_request"))
        hints.append(
            "the refusal said (`require said` a word every right refusal has)"
            if refuses
            else "what the agent must tell the user (`require said` a value it must name)"
        )
    idle = "an idle one" if key == EMPTY else "one that only looks things up"
    pays = "doing nothing" if key == EMPTY else "stopping there"
    need = (
        f"require what the right episode does and {idle} does not: " + ", or ".join(hints)
        if hints
        else f"require what the right episode does and {idle} does not"
    )
    # "... (only its score drops, to 0.50;" is closed by where the mutation was tried
    shown = f"{description} {where})" if description.endswith(";") else f"{description} ({where})"
    return (
        f"check {quoted(check_name)} still passes when {shown}, so an "
        f"untrained model earns its reward and GRPO pays for {pays}; {need}"
    )


def _called(
    reads: list[tuple[str, dict[str, Any]]], params: list[str], task: dict[str, Any]
) -> str:
    """``require called TOOL(arg=param, ...)`` for the last lookup whose arguments the check's
    parameters all give, else ``require called TOOL`` for the last lookup."""
    values = task.get("params", {})
    for tool, args in reversed(reads):
        named = {
            arg: next((p for p in params if p in values and rt._same(values[p], v)), None)
            for arg, v in args.items()
        }
        if named and all(named.values()):
            shown = ", ".join(f"{arg}={p}" for arg, p in named.items())
            return f"`require called {tool}({shown})`"
    return f"`require called {reads[-1][0]}`"


def _declined(write: tuple[str, dict[str, Any]], params: list[str], task: dict[str, Any]) -> str:
    """``require declined("TOOL", {arg: param, ...})`` for the declined ``write``: each argument
    named by the check's parameter of its value, or written as its value where none is."""
    tool, args = write
    values = task.get("params", {})
    shown = []
    for arg, value in args.items():
        param = next((p for p in params if p in values and rt._same(values[p], value)), None)
        shown.append(f"{arg}: {param if param else json.dumps(value)}")
    return f"`require declined({json.dumps(tool)}, {{{', '.join(shown)}}})`"
