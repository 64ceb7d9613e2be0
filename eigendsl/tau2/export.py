"""Episodes → tau2-bench simulation results.

:func:`export_results` turns episode rows of the data contract (what ``eigendsl run --out``
writes: OpenAI-format ``messages``, ``task_id``, ``trial``, ``verdict``) into tau2-bench's
``Results`` JSON (``info``, ``tasks``, ``simulations``), so its tools can read them. Each
simulation's ``reward_info`` is derived from the verdict (:mod:`eigendsl.tau2.rewards`).
:mod:`eigendsl.tau2.rejudge` reads such a file back.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Discriminator, Tag

from eigendsl.errors import EigenError
from eigendsl.runtime.environment import is_refusal
from eigendsl.tau2.domain_folder import check_tasks, read_json, shape_problems
from eigendsl.tau2.rewards import reward_info
from eigendsl.yamlload import jsonl_rows

TASK_PREFIX = "tau2-"
# Why an episode ended, as tau2's TerminationReason says it.
TERMINATION = {
    "stop": "user_stop",
    "turn_limit": "max_steps",
    "agent_stop": "agent_stop",
    "user_empty": "user_error",
    "context_full": "context_window_exceeded",
}


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


__all__ = [
    "export_results",
    "load_tau2_tasks",
    "read_rows",
    "tau2_id",
    "write_results",
]
