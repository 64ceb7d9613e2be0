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
from eigendsl.tau2.rewards import call_parts, reward_info
from eigendsl.yaml_files import jsonl_rows

TASK_PREFIX = "tau2-"
# Why an episode ended, as tau2's TerminationReason says it.
TERMINATION = {
    "stop": "user_stop",
    "turn_limit": "max_steps",
    "agent_stop": "agent_stop",
    "user_empty": "user_error",
    "context_full": "context_window_exceeded",
}
#: Ends of episodes tau2 has no name for, as the nearest it has: a person playing the agent who
#: quits ends it as tau2's agent does; Ctrl-C is the person's (the user side's) error; the
#: rollout's token length limit is a step limit. (A re-judged run's own reason is written back.)
TERMINATION_NEAREST = {"quit": "agent_stop", "interrupted": "user_error", "length": "max_steps"}
#: tau2's ``TerminationReason`` values (its releases to date). ``user_stop`` and ``agent_stop``
#: are normal ends; tau2 gives any other reward 0, and so does EigenDSL's verdict.
TAU2_TERMINATIONS = (
    "user_stop",
    "agent_stop",
    "max_steps",
    "timeout",
    "too_many_errors",
    "agent_error",
    "user_error",
    "infrastructure_error",
    "context_window_exceeded",
    "unexpected_error",
    "invalid_agent_message",
)


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
    max_turns: Annotated[int | None, Absent] = None
    messages: Annotated[list[Message] | None, Absent] = None


def _messages(
    messages: list[dict[str, Any]], carried: list[dict[str, Any] | None] | None = None
) -> list[dict[str, Any]]:
    """tau2 messages of an episode's; ``carried`` holds, at an episode message's position, the
    fields of the tau2 message it was read from (timestamp, cost, usage: a re-judged run's)."""
    out: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        extra = carried[position] if carried and position < len(carried) else None
        count = len(out)
        _message(message, out)
        if extra and len(out) > count:
            out[-1].update(extra)
    return out


def _message(message: dict[str, Any], out: list[dict[str, Any]]) -> None:
    """Append the tau2 form of one episode message to ``out`` (other roles: nothing)."""
    role = message.get("role")
    if role == "assistant":
        calls = []
        for call in message.get("tool_calls") or ():
            name, args = call_parts(call)
            calls.append(
                {
                    "id": call.get("id", ""),
                    "name": name,
                    "arguments": {"_raw": args} if isinstance(args, str) else args,
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def termination_reason(end_reason: str | None) -> str:
    """tau2's ``termination_reason`` for an episode's ``end_reason`` (a tau2 reason, which a
    re-judged run keeps where EigenDSL has no name for it, stays as it is)."""
    reason = end_reason or "stop"
    if reason in TERMINATION:
        return TERMINATION[reason]
    if reason in TERMINATION_NEAREST:
        return TERMINATION_NEAREST[reason]
    return reason if reason in TAU2_TERMINATIONS else "user_error"


def _carried(row: dict[str, Any]) -> dict[str, Any]:
    """What a re-judged tau2 run's row kept of the simulation (``tau2``; empty for others)."""
    kept = row.get("tau2")
    return kept if isinstance(kept, dict) else {}


def user_scenario(task: dict[str, Any] | None, domain_name: str) -> dict[str, Any]:
    """tau2's ``user_scenario`` of a spec's task (a row of its tasks.jsonl): the user's opening
    request, what they know and do not know, and how they behave, as tau2's user instructions
    hold them; tau2 requires the instructions, empty when the task is not known.

    >>> user = {"reason": "Cancel #W1.", "known": {"email": "a@b.c", "order id": "#W1"},
    ...         "unknown": ["customer id"], "instructions": "Confirm with yes."}
    >>> for key, value in user_scenario({"user": user}, "retail")["instructions"].items():
    ...     print(f"{key}: {value}")
    domain: retail
    reason_for_call: Cancel #W1.
    known_info: You know: email: a@b.c; order id: #W1.
    unknown_info: You do not know: customer id.
    task_instructions: Confirm with yes.
    """
    user = (task or {}).get("user")
    if not isinstance(user, dict):
        return {"instructions": ""}
    known = user.get("known") or {}
    unknown = [str(thing) for thing in user.get("unknown") or ()]
    instructions: dict[str, Any] = {
        "domain": domain_name,
        "reason_for_call": str(user.get("reason") or ""),
        "known_info": "You know: " + "; ".join(f"{k}: {v}" for k, v in known.items()) + "."
        if known
        else None,
        "unknown_info": f"You do not know: {', '.join(unknown)}." if unknown else None,
        "task_instructions": str(user.get("instructions") or ""),
    }
    return {"persona": None, "instructions": instructions}


def export_results(
    rows: list[dict[str, Any]],
    tau2_tasks: dict[str, dict[str, Any]] | None = None,
    domain_name: str = "retail",
    timestamp: str | None = None,
    policy: str = "",
    max_steps: int = 0,
    spec_tasks: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """tau2-bench ``Results`` (a JSON-ready dict) for episode ``rows``.

    ``tau2_tasks`` (tau2's tasks by id), when given, must hold every episode's task; a task it
    does not give is written with the user scenario of its task in ``spec_tasks`` (the spec's
    tasks by id), when given. ``policy``
    and ``max_steps`` are what the agent was told and the turn limit (``info``), from the spec;
    the turn limit the episodes played under, which each row records, wins over the spec's (0,
    unknown, when their limits differ).
    Rows re-judged from tau2 results get back what they kept of it (:mod:`.rejudge`): the run's
    ``info``, each simulation's ids, times, costs and seed, each message's timestamp and cost."""
    for number, row in enumerate(rows, start=1):
        if problems := shape_problems(Episode, row):
            raise EigenError(
                f"episode row {number}: {problems[0]}. Give episodes written by "
                "`eigendsl run --out`"
            )
        task_id = tau2_id(str(row["task_id"]))
        if tau2_tasks is not None and task_id not in tau2_tasks:
            raise EigenError(
                f"episode row {number} is of task '{row['task_id']}', and the tau2 tasks given "
                f"have no task '{task_id}' (tau2 would find no evaluation criteria for it); give "
                "the tau2 domain folder its spec was imported from as --tau2-tasks, or leave "
                "--tau2-tasks out for episodes of a spec written by hand"
            )
    known = tau2_tasks or {}
    stamp = timestamp or _now()
    simulations: list[dict[str, Any]] = []
    task_ids: list[str] = []
    for row in rows:
        task_id = tau2_id(str(row["task_id"]))
        if task_id not in task_ids:
            task_ids.append(task_id)
        trial = int(row.get("trial", 0))
        messages = row.get("messages") or []
        carried = _carried(row)
        simulation = {
            "id": f"{task_id}-{trial}-{len(simulations)}",
            "task_id": task_id,
            "timestamp": stamp,
            "start_time": stamp,
            "end_time": stamp,
            "duration": 0.0,
            "termination_reason": termination_reason(row.get("end_reason")),
            "agent_cost": None,
            "user_cost": None,
            "reward_info": reward_info(row["verdict"], known.get(task_id), messages),
            "messages": _messages(messages, carried.get("messages")),
            "trial": trial,
            "seed": None,
        }
        if isinstance(carried.get("simulation"), dict):
            simulation.update(carried["simulation"])
        simulations.append(simulation)
    written = {tau2_id(str(task_id)): task for task_id, task in (spec_tasks or {}).items()}
    tasks = [
        known.get(t)
        or {
            "id": t,
            "user_scenario": user_scenario(written.get(t), domain_name),
            "evaluation_criteria": None,
        }
        for t in task_ids
    ]
    trials = max((int(r.get("trial", 0)) for r in rows), default=0) + 1
    info: dict[str, Any] = {
        "git_commit": "",
        "num_trials": trials,
        "max_steps": played_limit(rows, max_steps),
        "max_errors": 0,
        "user_info": {"implementation": "eigendsl", "llm": None, "llm_args": None},
        "agent_info": {"implementation": "eigendsl", "llm": None, "llm_args": None},
        "environment_info": {"domain_name": domain_name, "policy": policy, "tool_defs": None},
        "seed": None,
    }
    runs = [_carried(row).get("info") for row in rows]
    if rows and all(isinstance(run, dict) and run == runs[0] for run in runs):
        info = dict(runs[0] or {})  # all re-judged from one tau2 run: its own info
    return {"timestamp": stamp, "info": info, "tasks": tasks, "simulations": simulations}


def played_limit(rows: list[dict[str, Any]], spec_limit: int = 0) -> int:
    """The turn limit ``rows`` played under: the one they record (``run --max-turns`` or the
    spec's at the time), else ``spec_limit`` for rows written before rows recorded it; 0 (tau2's
    "not known") when the rows' limits differ.

    >>> played_limit([{"max_turns": 2}, {"max_turns": 2}], 30)
    2
    >>> played_limit([{}], 30), played_limit([{"max_turns": 2}, {"max_turns": 5}], 30)
    (30, 0)
    """
    limits = {r.get("max_turns") if isinstance(r.get("max_turns"), int) else None for r in rows}
    if limits == {None}:
        return spec_limit
    return limits.pop() if len(limits) == 1 else 0  # type: ignore[return-value]


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
    last = len(text.rstrip("\n").split("\n"))

    def damaged(number: int, exc: json.JSONDecodeError) -> EigenError:
        words = exc.msg if exc.msg.endswith(" at") else f"{exc.msg} at"
        fix = (
            "the file's last line is cut short, as after an interrupted write: delete that line "
            "to read the rows before it, or write the file again"
            if number == last
            else "the file must hold episodes written by `eigendsl run --out`, one a line"
        )
        return EigenError(
            f"{path}:{number}:{exc.colno}: not a JSON row ({words} column {exc.colno}); {fix}"
        )

    rows = jsonl_rows(text, damaged)
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
    "termination_reason",
    "load_tau2_tasks",
    "read_rows",
    "tau2_id",
    "write_results",
]
