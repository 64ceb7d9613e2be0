"""What a worker process does: play one shard of a generation's tasks and judge its dialogues.

The parent sets the worker's state (the generation's compiled domain, trajectory agent and judge)
with ``prepare_workers`` before it forks a pool, so every worker inherits it; with one worker the
parent plays the shards itself. ``play_shard`` is a top-level function of this module, as a
process pool needs to pickle it by its module path.
"""

from __future__ import annotations

import json
from typing import Any

from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.mistakes import MISTAKES
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.support import Trace

_WORKER: dict[str, Any] = {}


def prepare_workers(domain: Domain, trajectory: str, judge: Any, agent: Any = None) -> None:
    """Set what ``play_shard`` reads, in this process and in the workers it forks next: the
    domain, the trajectory setting, the judge, and the agent where it is not scripted."""
    _WORKER.clear()
    _WORKER.update({"domain": domain, "trajectory": trajectory})
    if agent is not None:
        _WORKER["agent"] = agent
    _WORKER["judge"] = judge


def play_shard(
    job: tuple[int, list[dict[str, Any]], list[str | None], dict[str, list[str]], int, int],
) -> list[dict[str, Any]]:
    """Play and judge one shard (runs in a worker process or in the parent)."""
    index, tasks, mistakes, pools, seed, generation = job
    domain: Domain = _WORKER["domain"]
    agent_spec = _WORKER["trajectory"]
    gold = _WORKER.setdefault("gold", GoldCache(domain))
    rows: list[dict[str, Any]] = []
    user = (
        ScriptedUser(domain.stop_marker, seed, pools)
        if _WORKER.get("user") is None
        else _WORKER["user"]
    )
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for task, mistake in zip(tasks, mistakes, strict=True):
        groups.setdefault(mistake, []).append(task)
    by_id: dict[str, dict[str, Any]] = {}
    for mistake, group in groups.items():
        if agent_spec == "scripted" or mistake is not None:
            agent = ScriptedAgent((mistake,) if mistake else (), seed, pools)
        else:
            agent = _WORKER["agent"]
        for row in run_episodes(domain, group, agent, user, generation=generation, gold=gold):
            row["mistake"] = mistake if mistake in MISTAKES else None  # a recovery is no mistake
            by_id[row["task_id"]] = row
    judge = _WORKER["judge"]
    for task in tasks:
        row = by_id[task["id"]]
        row["reasons"] = judge.judge(row)
        row["accepted"] = not row["reasons"]
        row["rules_exercised"] = rules_exercised(domain, row, gold) if row["accepted"] else []
        rows.append(row)
    return rows


def rules_exercised(domain: Domain, row: dict[str, Any], gold: GoldCache) -> list[str]:
    """Rules this dialogue gives evidence for: they hold on it, and fail on one of a few
    mutations of it (confirmations turned into refusals, the first call dropped, the calls
    reversed, an identifier of the last call replaced by another)."""
    task = next(t for t in domain.tasks if t["id"] == row["task_id"])
    base = Trace.from_messages(
        row["messages"], {}, domain.seed, gold.get(task)[0], task["params"], domain.tool_meta
    )
    env = Environment(domain, task)
    made = iter(base.calls)  # the calls in the order of the messages, at their positions
    for message in row["messages"]:
        for call in message.get("tool_calls") or []:
            try:
                args = json.loads(call["function"]["arguments"])
            except json.JSONDecodeError:
                args = {}
            written = len(env.trace.states)
            env.call_tool(call["function"]["name"], args, call["id"])
            at = next(made).position  # from_messages reads the same tool_calls, in order
            # the database after each write that went through, at the call's position in the
            # row's messages (the replay adds no messages, so the environment's own positions
            # are not the row's): a rule reads a proposal against the records of its time, as
            # it did in the live episode (Trace.db_at)
            base.states += [(at, db) for _, db in env.trace.states[written:]]
    base.db = env.db
    mutants = list(_mutants(base, domain))
    out = []
    for name, rule in sorted(domain.rules.RULES.items()):
        if rule(base).passed and any(not rule(m).passed for m in mutants):
            out.append(name)
    return out


def _mutants(trace: Trace, domain: Domain):
    from eigendsl.support import Call, Message

    def clone(calls=None, messages=None):
        return Trace(
            trace.db,
            trace.initial,
            trace.gold,
            trace.params,
            calls if calls is not None else trace.calls,
            messages if messages is not None else trace.messages,
            namings=trace.namings,
            # the states belong to the calls as made; mutated calls were never replayed, so
            # their trace reads a proposal between two writes against the final and initial
            # records instead (Trace.db_at's None)
            states=trace.states if calls is None else [],
        )

    yield clone(
        messages=[
            Message(
                m.role,
                "no" if m.role == "user" and "yes" in m.content.lower() else m.content,
                m.position,
            )
            for m in trace.messages
        ]
    )
    yield clone(calls=trace.calls[1:])
    positions = [c.position for c in trace.calls]
    yield clone(
        calls=[_with(c, position=p) for c, p in zip(reversed(trace.calls), positions, strict=True)]
    )
    for call in reversed(trace.calls):
        for key, value in call.args.items():
            for table in domain.seed.values():
                if isinstance(value, str) and value in table and len(table) > 1:
                    other = next(k for k in table if k != value)
                    changed = Call(
                        call.tool,
                        {**call.args, key: other},
                        call.result,
                        call.error,
                        call.position,
                        call.index,
                        call.writes,
                        call.tags,
                        call.id,
                    )
                    yield clone(calls=[changed if c is call else c for c in trace.calls])
                    return


def _with(call, position):
    from eigendsl.support import Call

    return Call(
        call.tool,
        call.args,
        call.result,
        call.error,
        position,
        call.index,
        call.writes,
        call.tags,
        call.id,
    )
