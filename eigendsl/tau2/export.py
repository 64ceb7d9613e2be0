"""Episodes ↔ tau2-bench simulation results.

:func:`export_results` turns episode rows of the data contract (what ``eigendsl run --out``
writes: OpenAI-format ``messages``, ``task_id``, ``trial``, ``verdict``) into tau2-bench's
``Results`` JSON (``info``, ``tasks``, ``simulations``), so its tools can read them. Each
simulation's ``reward_info`` is derived from the verdict: a failed statement counts against the
part of the reward basis its source text belongs to (``db == gold`` → DB, ``called`` → ACTION,
``said`` → COMMUNICATE, ``judge`` → NL_ASSERTION).

:func:`import_results` reads such a file back into episode rows and re-judges every simulation
with the compiled checks: the agent's tool calls are replayed on a fresh environment (the final
database is not in the file), so the verdict is computed, never copied.

Unjudged NL assertions are written with ``met: false`` and the justification ``"not judged:
needs a judge model"`` (tau2's ``NLAssertionCheck.met`` is a bool, so a null would not load).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Discriminator, Tag

from eigendsl.errors import EigenError
from eigendsl.runtime.environment import is_refusal
from eigendsl.support import NOT_JUDGED, SCHEMA_VERSION
from eigendsl.tau2.checks import called_text, reward_basis
from eigendsl.tau2.domain_folder import check_tasks, read_json, shape_problems
from eigendsl.yamlload import jsonl_rows

TASK_PREFIX = "tau2-"
TERMINATION = {"stop": "user_stop", "turn_limit": "max_steps", "agent_stop": "agent_stop"}
END_REASON = {"user_stop": "stop", "max_steps": "turn_limit", "agent_stop": "agent_stop"}


def statement_kind(statement: str) -> str | None:
    """The reward-basis part a DSL statement checks, from its source text (None: other).

    >>> statement_kind('require called cancel_pending_order(order_id="#W1")')
    'ACTION'
    >>> statement_kind('judge "The agent apologizes" advisory')
    'NL_ASSERTION'
    """
    text = statement.strip()
    if text.startswith("judge "):
        return "NL_ASSERTION"
    if re.match(r"^(require|forbid)\s+db\s*==\s*gold\b", text):
        return "DB"
    if re.search(r"\bcalled\b", text):
        return "ACTION"
    if re.search(r"\b(user_)?said\b", text):
        return "COMMUNICATE"
    return None


def tau2_id(task_id: str) -> str:
    """tau2's task id of an imported task (``tau2-12`` → ``12``)."""
    return task_id[len(TASK_PREFIX) :] if task_id.startswith(TASK_PREFIX) else task_id


def load_tau2_tasks(domain_dir: Path | str | None) -> dict[str, dict[str, Any]]:
    """tau2 tasks by id from a domain folder (or a ``tasks.json``); empty when not given."""
    if domain_dir is None:
        return {}
    path = Path(domain_dir)
    path = path / "tasks.json" if path.is_dir() else path
    if not path.is_file():
        raise EigenError(f"{path} does not exist; give a tau2 domain folder or its tasks.json")
    tasks, text = read_json(path)
    check_tasks(tasks, path, text)
    return {str(t["id"]): t for t in tasks}


# ---------------------------------------------------------------------------- export


#: A falsy value the export reads as absent (``"messages": ""`` is no messages).
Absent = BeforeValidator(lambda value: value or None)


class Statement(BaseModel):
    statement: str
    reason: Any
    values: dict[str, Any] | None = None


class Verdict(BaseModel):
    passed: Any = None
    score: Any = None
    failures: list[Statement] | None = None
    notes: list[Statement] | None = None
    not_judged: Annotated[list[Any] | None, Absent] = None


class Function(BaseModel):
    name: Any = None
    arguments: str | dict[str, Any] | None = None


class FunctionCall(BaseModel):
    function: Function


#: An OpenAI-format tool call: ``{"function": {"name", "arguments"}}``, or the function alone.
ToolCall = Annotated[
    Annotated[FunctionCall, Tag("function")] | Annotated[Function, Tag("flat")],
    Discriminator(lambda c: "function" if isinstance(c, dict) and "function" in c else "flat"),
]


class Message(BaseModel):
    role: Any = None
    content: Any = None
    tool_calls: list[ToolCall] | None = None


class Episode(BaseModel):
    """An episode row, as :func:`export_results` and :func:`read_rows` read it."""

    task_id: str | int
    verdict: Verdict
    trial: int = 0
    end_reason: Annotated[str | None, Absent] = None
    messages: Annotated[list[Message] | None, Absent] = None


def _messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "assistant":
            calls = []
            for call in message.get("tool_calls") or ():
                function = call.get("function", call)
                args = function.get("arguments", {})
                if isinstance(args, str):
                    try:
                        args = json.loads(args)
                    except json.JSONDecodeError:
                        args = {"_raw": args}
                calls.append(
                    {
                        "id": call.get("id", ""),
                        "name": function.get("name", ""),
                        "arguments": args,
                        "requestor": "assistant",
                    }
                )
            out.append(
                {
                    "role": "assistant",
                    "content": message.get("content"),
                    "tool_calls": calls or None,
                    "turn_idx": len(out),
                    "timestamp": None,
                }
            )
        elif role == "user":
            out.append(
                {
                    "role": "user",
                    "content": message.get("content"),
                    "tool_calls": None,
                    "turn_idx": len(out),
                    "timestamp": None,
                }
            )
        elif role == "tool":
            content = message.get("content") or ""
            out.append(
                {
                    "role": "tool",
                    "id": message.get("tool_call_id", ""),
                    "content": content,
                    "requestor": "assistant",
                    "error": is_refusal(message),
                    "turn_idx": len(out),
                    "timestamp": None,
                }
            )
    return out


def reward_info(verdict: dict[str, Any], task: dict[str, Any] | None) -> dict[str, Any]:
    """tau2's ``RewardInfo`` for one verdict; per-item checks need the tau2 ``task``."""
    failed = {f["statement"]: f for f in verdict.get("failures") or []}  # null reads as none
    noted = {f["statement"]: f for f in verdict.get("notes") or []}
    kinds = {statement_kind(s) for s in failed}
    if task is not None:
        basis = reward_basis(task)
    else:
        basis = sorted(k for k in kinds | {statement_kind(s) for s in noted} | {"DB"} if k)
    criteria = (task or {}).get("evaluation_criteria") or {}
    info: dict[str, Any] = {
        "source": "eigendsl",
        "passed": bool(verdict.get("passed")),
        "score": verdict.get("score"),
        "failures": [{"statement": f["statement"], "reason": f["reason"]} for f in failed.values()],
    }
    if verdict.get("not_judged"):
        info["not_judged"] = list(verdict["not_judged"])
    result: dict[str, Any] = {
        "reward": 1.0 if verdict.get("passed") else 0.0,
        "reward_basis": basis,
        "db_check": None,
        "env_assertions": None,
        "action_checks": None,
        "nl_assertions": None,
        "communicate_checks": None,
        "info": info,
    }
    if "DB" in basis:
        match = "DB" not in kinds
        result["db_check"] = {"db_match": match, "db_reward": 1.0 if match else 0.0}
    if "ACTION" in basis:
        actions = criteria.get("actions") or []
        checks = []
        for action in actions:
            match = f"require {called_text(action)}" not in failed
            checks.append(
                {
                    "action": {"requestor": "assistant", **action},
                    "action_match": match,
                    "action_reward": 1.0 if match else 0.0,
                }
            )
        result["action_checks"] = checks or [
            {"action": {"name": s, "arguments": {}}, "action_match": False, "action_reward": 0.0}
            for s in failed
            if statement_kind(s) == "ACTION"
        ]
    if "COMMUNICATE" in basis:
        infos = criteria.get("communicate_info") or []
        said = [s for s in failed if statement_kind(s) == "COMMUNICATE"]
        result["communicate_checks"] = [
            {
                "info": i,
                "met": not any(json.dumps(str(i), ensure_ascii=False) in s for s in said),
                "justification": next(
                    (
                        failed[s]["reason"]
                        for s in said
                        if json.dumps(str(i), ensure_ascii=False) in s
                    ),
                    "said",
                ),
            }
            for i in infos
        ]
    if "NL_ASSERTION" in basis:
        checks = []
        judged = {**noted, **failed}
        for statement, failure in judged.items():
            if statement_kind(statement) == "NL_ASSERTION":
                assertion = (failure.get("values") or {}).get("assertion", statement)
                checks.append(
                    {"nl_assertion": assertion, "met": False, "justification": failure["reason"]}
                )
        missing = {c["nl_assertion"] for c in checks}
        for assertion in criteria.get("nl_assertions") or []:
            if assertion not in missing:
                checks.append(
                    {"nl_assertion": assertion, "met": True, "justification": "judged met"}
                )
        result["nl_assertions"] = checks
    breakdown = {}
    for part in basis:
        if part == "DB":
            breakdown[part] = result["db_check"]["db_reward"]
        else:
            breakdown[part] = 0.0 if part in kinds else 1.0
    result["reward_breakdown"] = breakdown
    return result


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def export_results(
    rows: list[dict[str, Any]],
    tau2_tasks: dict[str, dict[str, Any]] | None = None,
    domain_name: str = "retail",
    timestamp: str | None = None,
) -> dict[str, Any]:
    """tau2-bench ``Results`` (a JSON-ready dict) for episode ``rows``."""
    for number, row in enumerate(rows, start=1):
        if problems := shape_problems(Episode, row):
            raise EigenError(
                f"episode row {number}: {problems[0]}. Give episodes written by "
                "`eigendsl run --out`"
            )
    tau2_tasks = tau2_tasks or {}
    stamp = timestamp or _now()
    simulations: list[dict[str, Any]] = []
    task_ids: list[str] = []
    for row in rows:
        task_id = tau2_id(str(row["task_id"]))
        if task_id not in task_ids:
            task_ids.append(task_id)
        trial = int(row.get("trial", 0))
        simulations.append(
            {
                "id": f"{task_id}-{trial}-{len(simulations)}",
                "task_id": task_id,
                "timestamp": stamp,
                "start_time": stamp,
                "end_time": stamp,
                "duration": 0.0,
                "termination_reason": TERMINATION.get(row.get("end_reason") or "stop", "user_stop"),
                "agent_cost": None,
                "user_cost": None,
                "reward_info": reward_info(row["verdict"], tau2_tasks.get(task_id)),
                "messages": _messages(row.get("messages") or []),
                "trial": trial,
                "seed": None,
            }
        )
    tasks = [
        tau2_tasks.get(t)
        or {"id": t, "user_scenario": {"instructions": ""}, "evaluation_criteria": None}
        for t in task_ids
    ]
    trials = max((int(r.get("trial", 0)) for r in rows), default=0) + 1
    info = {
        "git_commit": "",
        "num_trials": trials,
        "max_steps": 0,
        "max_errors": 0,
        "user_info": {"implementation": "eigendsl", "llm": None, "llm_args": None},
        "agent_info": {"implementation": "eigendsl", "llm": None, "llm_args": None},
        "environment_info": {"domain_name": domain_name, "policy": "", "tool_defs": None},
        "seed": None,
    }
    return {"timestamp": stamp, "info": info, "tasks": tasks, "simulations": simulations}


def read_rows(path: Path | str) -> list[dict[str, Any]]:
    """Episode rows of a JSONL file (what ``eigendsl run --out`` writes)."""
    path = Path(path)
    if path.is_dir():
        raise EigenError(
            f"{path} is a folder; give the episodes JSONL file that `eigendsl run --out` writes"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EigenError(
            f"{path} does not exist; give the episodes JSONL file that `eigendsl run --out` writes"
        ) from None
    except UnicodeDecodeError as exc:
        raise EigenError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); give "
            "the episodes JSONL file that `eigendsl run --out` writes"
        ) from None
    except OSError as exc:
        raise EigenError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = jsonl_rows(
        text, lambda number, exc: EigenError(f"{path}:{number}: not a JSON row ({exc.msg})")
    )
    for number, row in rows:
        if problems := shape_problems(Episode, row):
            raise EigenError(
                f"{path}:{number}: {problems[0]}. The file must hold episodes "
                "written by `eigendsl run --out`"
            )
    return [row for _, row in rows]


def write_results(results: dict[str, Any], out_dir: Path | str) -> Path:
    """Write ``results.json`` atomically into ``out_dir``."""
    target = Path(out_dir) / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name("results.json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


# ---------------------------------------------------------------------------- re-import


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


__all__ = [
    "NOT_JUDGED",
    "export_results",
    "import_results",
    "load_tau2_tasks",
    "read_rows",
    "reward_info",
    "statement_kind",
    "tau2_id",
    "write_results",
]
