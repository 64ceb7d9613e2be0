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
from eigendsl.tau2.export import TASK_PREFIX, TERMINATION, Absent

END_REASON = {reason: ours for ours, reason in TERMINATION.items()}


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


class Results(BaseModel):
    """tau2 ``Results``, as :func:`import_results` reads them."""

    simulations: list[Simulation] | None = None


def import_results(
    results: dict[str, Any],
    domain: Any,
    judge: Callable[[Any, str], bool] | None = None,
    source: str = "the tau2 results",
) -> list[dict[str, Any]]:
    """Episode rows for tau2 ``results``, re-judged on ``domain`` (a loaded imported spec).

    Tool calls are replayed in order on a fresh environment; the recorded tool results are
    ignored (the replay computes them). ``judge`` (trace, assertion) → bool judges NL
    assertions; without one they are reported as not judged. ``source`` names the results in
    errors (the file they came from)."""
    from eigendsl.runtime.environment import Environment
    from eigendsl.runtime.episodes import GoldCache

    if problems := shape_problems(Results, results):
        raise EigenError(f"{source}: {problems[0]}. Give the results.json that tau2-bench writes")
    gold = GoldCache(domain)
    known = {t["id"] for t in domain.tasks}
    rows = []
    for index, sim in enumerate(results.get("simulations") or []):
        raw_id = str(sim.get("task_id"))
        task_id = TASK_PREFIX + raw_id if TASK_PREFIX + raw_id in known else raw_id
        if task_id not in known:
            raise EigenError(
                f"{source}: simulations[{index}] is of task '{raw_id}', which the domain "
                f"{domain.name} does not have (its tasks are tau2-<id>); re-judge against the "
                "spec imported from the same tau2 domain"
            )
        task = domain.task(task_id)
        env = Environment(domain, task)
        for message in sim.get("messages") or []:
            role = message.get("role")
            if role == "user":
                env.add_message({"role": "user", "content": message.get("content")})
            elif role == "assistant":
                calls = [_openai_call(c) for c in message.get("tool_calls") or ()]
                entry: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
                if calls:
                    entry["tool_calls"] = calls
                env.add_message(entry)
                for call, raw in zip(calls, message.get("tool_calls") or (), strict=True):
                    env.call_tool(call["function"]["name"], raw.get("arguments") or {}, call["id"])
        gold_db, _ = gold.get(task)
        trace = env.final_trace(gold_db)
        if judge is not None:
            trace.judge = lambda assertion, trace=trace: judge(trace, assertion)
        verdict = domain.judge(trace, task)
        end_reason = END_REASON.get(str(sim.get("termination_reason")), "stop")
        if end_reason == "turn_limit":
            verdict["turn_limit"] = True
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
            }
        )
    return rows


__all__ = ["import_results"]
