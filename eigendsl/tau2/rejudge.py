"""tau2-bench simulation results → episodes, re-judged.

:func:`import_results` reads a ``Results`` file (tau2-bench's, or one that
:mod:`eigendsl.tau2.export` wrote) back into episode rows and re-judges every simulation with
the compiled checks: the agent's tool calls are replayed on a fresh environment (the final
database is not in the file), so the verdict is computed, never copied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel

from eigendsl.errors import EigenError
from eigendsl.support import SCHEMA_VERSION
from eigendsl.tau2.domain_folder import shape_problems
from eigendsl.tau2.export import TASK_PREFIX, TAU2_TERMINATIONS, TERMINATION, Absent

END_REASON = {reason: ours for ours, reason in TERMINATION.items()}
#: The roles of tau2's messages.
TAU2_ROLES = ("system", "assistant", "user", "tool")
#: What an episode rebuilds of a tau2 message; its other fields are carried under ``tau2``.
REBUILT = ("role", "content", "tool_calls", "id", "requestor", "error", "turn_idx")
#: What the episode and its verdict rebuild of a simulation; its other fields are carried.
SIMULATION_REBUILT = ("task_id", "trial", "messages", "reward_info")


def _openai_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call.get("id", ""),
        "type": "function",
        "function": {
            "name": call.get("name", ""),
            "arguments": json.dumps(call.get("arguments") or {}, ensure_ascii=False),
        },
    }


class Tau2ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any] | None = None


class Tau2Message(BaseModel):
    role: Any = None
    content: Annotated[str | None, Absent] = None
    tool_calls: list[Tau2ToolCall] | None = None


class Simulation(BaseModel):
    task_id: Any = None
    trial: int | None = None
    messages: list[Tau2Message] | None = None
    termination_reason: str


class Results(BaseModel):
    """tau2 ``Results``, as :func:`import_results` reads them."""

    simulations: list[Simulation]


def _check_simulation(sim: dict[str, Any], where: str, warn: Callable[[str], None]) -> None:
    """Refuse what tau2 would not load (an unknown termination reason or role); warn of what it
    loads and the re-judging leaves out."""
    termination = sim["termination_reason"]
    if termination not in TAU2_TERMINATIONS:
        raise EigenError(
            f"{where} ended by termination_reason {json.dumps(termination)}, which tau2 does not "
            f"have (its values: {', '.join(TAU2_TERMINATIONS)}); give the value tau2 wrote"
        )
    if sim.get("messages") is None:
        warn(
            f"{where} has no messages (null; a full-duplex run's ticks are not read): "
            "re-judged as an empty conversation"
        )
    for number, message in enumerate(sim.get("messages") or []):
        role = message.get("role")
        if role not in TAU2_ROLES:
            raise EigenError(
                f"{where}.messages[{number}] has the role {json.dumps(role)}, which tau2 does "
                f"not have (its roles: {', '.join(TAU2_ROLES)}); give the messages tau2 wrote"
            )
        if role == "system":
            warn(
                f"{where}.messages[{number}] is a system message: it is not replayed (the "
                "spec's own system prompt stands) nor kept in the episode"
            )


def import_results(
    results: dict[str, Any],
    domain: Any,
    judge: Callable[[Any, str], bool] | None = None,
    source: str = "the tau2 results",
    warn: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Episode rows for tau2 ``results``, re-judged on ``domain`` (a loaded imported spec).

    Tool calls are replayed in order on a fresh environment; the recorded tool results are
    ignored (the replay computes them). ``judge`` (trace, assertion) → bool judges NL
    assertions; without one they are reported as not judged. ``source`` names the results in
    errors (the file they came from); ``warn`` is told what tau2 loads and the re-judging
    leaves out (a system message, a simulation without messages).

    A simulation that tau2 ended other than by ``user_stop`` or ``agent_stop`` fails, as tau2
    gives it reward 0. Each row keeps under ``tau2`` what the episode does not rebuild: the
    results' ``info``, the simulation's other fields (id, times, costs, seed, its termination
    reason) and each message's (timestamp, cost, usage), at the position of the episode's
    message; :func:`eigendsl.tau2.export.export_results` writes them back."""
    from eigendsl.runtime.environment import Environment
    from eigendsl.runtime.episodes import GoldCache, fail_unfinished

    if problems := shape_problems(Results, results):
        raise EigenError(
            f"{source}: {problems[0]}. Give the results.json that tau2-bench writes (an object "
            'with "simulations", each with its "termination_reason")'
        )
    gold = GoldCache(domain)
    known = {t["id"] for t in domain.tasks}
    info = results.get("info")
    max_steps = info.get("max_steps") if isinstance(info, dict) else None
    rows = []
    for index, sim in enumerate(results["simulations"]):
        where = f"{source}: simulations[{index}]"
        raw_id = str(sim.get("task_id"))
        task_id = TASK_PREFIX + raw_id if TASK_PREFIX + raw_id in known else raw_id
        if task_id not in known:
            raise EigenError(
                f"{where} is of task '{raw_id}', which the domain "
                f"{domain.name} does not have (its tasks are tau2-<id>); re-judge against the "
                "spec imported from the same tau2 domain"
            )
        _check_simulation(sim, where, warn or (lambda _: None))
        task = domain.task(task_id)
        env = Environment(domain, task)
        carried: list[dict[str, Any] | None] = []

        def carry(message: dict[str, Any], position: int, carried: list[Any] = carried) -> None:
            extra = {k: v for k, v in message.items() if k not in REBUILT}
            if extra:
                carried.extend([None] * (position + 1 - len(carried)))
                carried[position] = extra

        recorded_tools = {}
        for message in sim.get("messages") or []:
            role = message.get("role")
            if role == "tool":
                recorded_tools[str(message.get("id"))] = message
            elif role == "user":
                carry(message, len(env.messages))
                env.add_message({"role": "user", "content": message.get("content")})
            elif role == "assistant":
                calls = [_openai_call(c) for c in message.get("tool_calls") or ()]
                entry: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
                if calls:
                    entry["tool_calls"] = calls
                carry(message, len(env.messages))
                env.add_message(entry)
                for call, raw in zip(calls, message.get("tool_calls") or (), strict=True):
                    env.call_tool(call["function"]["name"], raw.get("arguments") or {}, call["id"])
        for position, replayed in enumerate(env.messages):
            if replayed["role"] == "tool" and replayed.get("tool_call_id") in recorded_tools:
                carry(recorded_tools[replayed["tool_call_id"]], position)
        gold_db, _ = gold.get(task)
        trace = env.final_trace(gold_db)
        if judge is not None:
            trace.judge = lambda assertion, trace=trace: judge(trace, assertion)
        verdict = domain.judge(trace, task)
        # tau2's own reason where EigenDSL has no name for it (too_many_errors, agent_error, ...)
        end_reason = END_REASON.get(sim["termination_reason"], sim["termination_reason"])
        known_limit = isinstance(max_steps, int) and max_steps > 0  # tau2's 0: not stated
        fail_unfinished(verdict, end_reason, max_steps if known_limit else None)
        failure = verdict["failures"][-1] if verdict["failures"] else {}
        if end_reason == "turn_limit":  # tau2 counts steps (messages), not turns
            failure["reason"] = failure["reason"].replace(" turns)", " steps: tau2's max_steps)")
        elif end_reason == sim["termination_reason"] and "agent_stop" != end_reason:
            failure["reason"] = (
                f"tau2 ended the simulation by {end_reason} before the user ended it"
            )
        rows.append(
            {
                "schema_version": SCHEMA_VERSION,
                "task_id": task["id"],
                "template": task.get("template"),
                "family": task.get("family"),
                "split": task.get("split"),
                "params": task.get("params", {}),
                "trial": int(sim.get("trial") or 0),
                "generation": 0,
                "messages": env.messages,
                "tools": domain.tool_schemas,
                "verdict": verdict,
                "end_reason": end_reason,
                "tau2": {
                    "info": info,
                    "simulation": {k: v for k, v in sim.items() if k not in SIMULATION_REBUILT},
                    "messages": carried,
                },
            }
        )
    return rows


__all__ = ["import_results"]
