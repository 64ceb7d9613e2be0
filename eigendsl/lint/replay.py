"""A trajectory, and its re-execution.

A trajectory is the messages of a passing scripted episode without the tool results (and
without the system prompt). A mutated one (:mod:`eigendsl.lint.mutations`) is executed again in
a fresh :class:`Environment`, so the database and the results reflect the mutation, and the trace
is rebuilt with ``Trace.from_messages``.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from eigendsl import support as rt
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import Environment


@dataclass
class Executed:
    trace: rt.Trace
    fingerprint: tuple[Any, ...]  # final db, successful calls (a multiset), texts
    calls: list[tuple[str, str, bool]]  # every call in order, with whether it succeeded


def trajectory(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agent's and user's messages of an episode, without the system prompt and tool results."""
    return [copy.deepcopy(m) for m in messages if m["role"] not in ("system", "tool")]


def execute(
    domain: Domain, task: dict[str, Any], messages: list[dict[str, Any]], gold_db: dict[str, Any]
) -> Executed:
    """Replay the agent's calls in a fresh environment and rebuild the trace from the messages."""
    env = Environment(domain, task)
    for message in messages:
        env.add_message(copy.deepcopy(message))
        for call in message.get("tool_calls") or ():
            function = call["function"]
            try:
                args = json.loads(function["arguments"])
            except json.JSONDecodeError:
                args = {}
            env.call_tool(function["name"], args, call["id"])
    trace = rt.Trace.from_messages(
        env.messages,
        db=env.db,
        initial=domain.seed,
        gold=gold_db,
        params=dict(task.get("params", {})),
        tools=domain.tool_meta,
    )
    # the database after each write, as the live episode records it (the positions are the same:
    # the environment holds these very messages), so a proposal is read against its time's records
    trace.states = list(env.trace.states)
    if domain.judge_model is not None:
        model = domain.judge_model
        trace.judge = lambda assertion: model(trace, assertion)
    ok_calls = Counter(
        (c.tool, json.dumps(c.args, sort_keys=True)) for c in trace.calls if c.error is None
    )
    texts = tuple(
        (m.role, m.content) for m in trace.messages if m.role in ("user", "assistant") and m.content
    )
    ordered = [(c.tool, json.dumps(c.args, sort_keys=True), c.error is None) for c in trace.calls]
    return Executed(trace, (env.db, ok_calls, texts), ordered)
