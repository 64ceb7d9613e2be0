"""The episode runner: agent ↔ user ↔ environment until the stop marker, an empty user turn or
the turn limit.

Episodes advance in lockstep so that model backends see batches: every round, all episodes
waiting for the agent are sent to it together, then all waiting for the user. Each finished
episode is judged by the compiled check and the policy rules and becomes one JSONL row in the
data contract (``messages``, ``tools``, ``task_id``, ``verdict``, ``generation``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any, Protocol

from eigendsl.errors import EigenError
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import TOOL_ERROR, Environment, is_refusal, replay_gold
from eigendsl.runtime.tool_faults import ToolFault
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import SCHEMA_VERSION, is_score_term

# The name under which a tool call that could not be read is recorded and answered.
INVALID_CALL = "invalid_tool_call"
# Consecutive tool-call turns before the agent must talk to the user (tau2 gold plans chain up
# to 13).
MAX_TOOL_ROUNDS = 16


class Agent(Protocol):
    name: str

    def act(self, episodes: list[Episode]) -> list[AgentTurn]: ...


class User(Protocol):
    name: str

    def respond(self, episodes: list[Episode]) -> Sequence[str | None]: ...


@dataclass
class Episode:
    task: dict[str, Any]
    env: Environment
    trial: int = 0
    agent_state: Any = None
    user_state: Any = None
    turns: int = 0
    tool_rounds: int = 0
    done: bool = False
    end_reason: str = ""
    waiting_for: str = "user"  # who speaks next
    max_turns: int | None = None  # the turn limit it plays under (the domain's when None)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.env.messages


class GoldCache:
    """Gold databases per task, replayed once."""

    def __init__(self, domain: Domain):
        self.domain = domain
        self.cache: dict[str, tuple[dict[str, Any], list[str]]] = {}

    def get(
        self, task: dict[str, Any], domain: Domain | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """The gold database of ``task`` played on ``domain`` (this cache's by default; a task id
        names one task on one database)."""
        if task["id"] not in self.cache:
            self.cache[task["id"]] = replay_gold(domain or self.domain, task)
        return self.cache[task["id"]]


def apply_agent_turn(episode: Episode, turn: AgentTurn) -> None:
    """Append the agent's message and run its tool calls (malformed ones become errors). A turn
    the model could not write, the conversation past its positions, ends the episode
    (``context_full``)."""
    if turn.context_full:
        episode.done, episode.end_reason = True, "context_full"
        return
    env = episode.env
    calls: list[dict[str, Any]] = []
    for i, call in enumerate(turn.tool_calls):
        calls.append(
            {
                "id": f"call_{len(env.messages)}_{i}",
                "type": "function",
                "function": {
                    "name": str(call.get("name", "")),
                    "arguments": json.dumps(call.get("arguments", {}), ensure_ascii=False),
                },
            }
        )
    bad = [f"call_{len(env.messages)}_e{i}" for i in range(len(turn.errors))]
    for call_id in bad:
        calls.append(
            {
                "id": call_id,
                "type": "function",
                "function": {"name": INVALID_CALL, "arguments": "{}"},
            }
        )
    message: dict[str, Any] = {
        "role": "assistant",
        "content": turn.content if turn.content else None,
    }
    if turn.errors and turn.raw is not None:
        # What the model wrote, kept for whoever reads the trace (the model itself sees its
        # turn as the calls above: :func:`~eigendsl.runtime.model_view.model_view` drops it).
        message["raw"] = turn.raw
    if calls:
        message["tool_calls"] = calls
    if not calls and not turn.content:
        message["content"] = ""
    env.add_message(message)
    for call, raw in zip(calls, turn.tool_calls, strict=False):
        env.call_tool(call["function"]["name"], raw.get("arguments", {}), call["id"])
    for call_id, error in zip(bad, turn.errors, strict=True):
        env.add_message(
            {
                "role": "tool",
                "tool_call_id": call_id,
                "name": INVALID_CALL,
                "content": f"{TOOL_ERROR}{error}",
            }
        )
        env.trace.calls.append(
            _error_call(call_id, error, len(env.messages) - 1, len(env.trace.calls))
        )
    if calls:
        episode.tool_rounds += 1
        episode.waiting_for = "agent" if episode.tool_rounds < MAX_TOOL_ROUNDS else "user"
    else:
        episode.tool_rounds = 0
        episode.waiting_for = "user"
    episode.turns += 1


def _error_call(call_id: str, error: str, position: int, index: int):
    from eigendsl.support import Call

    return Call(INVALID_CALL, {}, error=error, position=position, index=index, id=call_id)


def add_user_turn(episode: Episode, text: str | None, stop_marker: str) -> None:
    """Record the user's turn; it ends the episode when it holds the stop marker (``stop``) or
    holds nothing (``user_empty``). A user model that writes nothing is broken, not done: its
    episodes must not pass for conversations the user finished. None is a turn a user model
    could not write, the conversation past its positions (``context_full``)."""
    if text is None:
        episode.done, episode.end_reason = True, "context_full"
        return
    episode.env.add_message({"role": "user", "content": text})
    episode.turns += 1
    episode.waiting_for = "agent"
    if stop_marker in text:
        episode.done, episode.end_reason = True, "stop"
    elif not text.strip():
        episode.done, episode.end_reason = True, "user_empty"


def run_episodes(
    domain: Domain,
    tasks: list[dict[str, Any]],
    agent: Agent,
    user: User,
    trials: int = 1,
    max_turns: int | None = None,
    generation: int = 0,
    gold: GoldCache | None = None,
    progress: Any = None,
) -> list[dict[str, Any]]:
    """Play every task ``trials`` times; return one judged row per episode."""
    limit = max_turns or domain.max_turns
    gold = gold or GoldCache(domain)
    episodes = [
        Episode(task, Environment(domain, task), trial, max_turns=limit)
        for trial in range(trials)
        for task in tasks
    ]
    active = list(episodes)
    while active:
        for role in ("user", "agent"):
            batch = [e for e in active if e.waiting_for == role and not e.done]
            if not batch:
                continue
            if role == "user":
                replies = user.respond(batch)
                for episode, text in zip(batch, replies, strict=False):
                    add_user_turn(episode, text, domain.stop_marker)
            else:
                for episode, turn in zip(batch, agent.act(batch), strict=False):
                    apply_agent_turn(episode, turn)
        for episode in active:
            if not episode.done and episode.turns >= limit:
                episode.done, episode.end_reason = True, "turn_limit"
        finished = [e for e in active if e.done]
        if progress is not None and finished:
            progress(len(finished))
        active = [e for e in active if not e.done]
    return [judge_episode(domain, e, gold, generation) for e in episodes]


#: Why an episode ended, when it ended as a conversation should: the user's stop marker (``stop``)
#: or, in a re-judged tau2 run, the agent's stop (``agent_stop``); a person playing the agent who
#: types ``/quit`` ends it as tau2's agent does (``quit``). Any other end fails the episode.
NORMAL_ENDS = ("stop", "agent_stop", "quit")
#: The ``verifier`` of the failure that an unfinished conversation adds to its verdict (not a
#: check's name, which is an identifier).
END_VERIFIER = "episode end"
#: Why each other end fails, finished by " before the user ended it".
_UNFINISHED = {
    "turn_limit": "the conversation ended at the turn limit ({limit} turns)",
    "context_full": "the conversation outgrew a model's positions (context_full)",
    "user_empty": "the user model wrote an empty turn (user_empty)",
    "interrupted": "the episode was interrupted (Ctrl-C)",
    "length": "the agent's turns reached the rollout's length limit (length)",
}


def unfinished_reason(end_reason: str, max_turns: int | None = None) -> str | None:
    """Why an episode that ended by ``end_reason`` fails whatever its check says (None: it ended
    normally, :data:`NORMAL_ENDS`). tau2-bench gives such a run reward 0 ("Simulation terminated
    prematurely"), and so do we: a conversation cut short is not one the agent finished.

    >>> unfinished_reason("turn_limit", 20)
    'the conversation ended at the turn limit (20 turns) before the user ended it'
    >>> unfinished_reason("stop") is None
    True
    """
    if end_reason in NORMAL_ENDS:
        return None
    what = _UNFINISHED.get(end_reason, f"the conversation ended by {end_reason}")
    limit = max_turns if max_turns is not None else "?"
    return f"{what.format(limit=limit)} before the user ended it"


def fail_unfinished(verdict: dict[str, Any], end_reason: str, max_turns: int | None = None) -> None:
    """Fail ``verdict`` (score 0, one failure saying why) when its episode did not end normally;
    the check's and the policy's own results stay as they were under ``check`` and ``policy``.
    ``turn_limit`` marks an episode cut at the turn limit."""
    if end_reason == "turn_limit":
        verdict["turn_limit"] = True
    reason = unfinished_reason(end_reason, max_turns)
    if reason is None:
        return
    verdict["passed"], verdict["score"] = False, 0.0
    verdict["failures"] = [
        *verdict["failures"],
        {
            "statement": "the user ends the conversation",
            "reason": reason,
            "path": "",
            "line": 0,
            "col": 0,
            "values": {"end_reason": end_reason},
            "verifier": END_VERIFIER,
        },
    ]


def judge_episode(
    domain: Domain, episode: Episode, gold: GoldCache, generation: int = 0
) -> dict[str, Any]:
    gold_db, gold_errors = gold.get(episode.task, episode.env.domain)
    trace = episode.env.final_trace(gold_db)
    verdict = domain.judge(trace, episode.task)
    fail_unfinished(verdict, episode.end_reason, episode.max_turns or domain.max_turns)
    row = {
        "schema_version": SCHEMA_VERSION,
        "task_id": episode.task["id"],
        "template": episode.task.get("template"),
        "family": episode.task.get("family"),
        "split": episode.task.get("split"),
        "params": episode.task.get("params", {}),
        "trial": episode.trial,
        "generation": generation,
        "messages": episode.messages,
        "tools": domain.tool_schemas,
        "verdict": verdict,
        "end_reason": episode.end_reason,
    }
    if episode.env.faults:  # bugs of the spec's tools, for its author (the model never sees them)
        row["tool_faults"] = [f.to_dict() for f in episode.env.faults]
    return row


# ---------------------------------------------------------------------------- metrics


def pass_hat_k(successes: Iterable[tuple[int, int]], k: int) -> float:
    """tau2-bench's pass^k: the chance that k trials drawn from n all succeed, averaged over
    tasks. ``successes`` yields (n trials, c successes) per task.

    >>> round(pass_hat_k([(4, 4), (4, 2)], 2), 4)  # (1 + 1/6) / 2
    0.5833
    """
    values = [comb(c, k) / comb(n, k) for n, c in successes if n >= k]
    return sum(values) / len(values) if values else 0.0


def pass_at_k(successes: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k: the chance that at least one of k trials succeeds, averaged over tasks."""
    values = [1 - comb(n - c, k) / comb(n, k) for n, c in successes if n >= k]
    return sum(values) / len(values) if values else 0.0


def calls_that_ran(summary: dict[str, Any]) -> str:
    """The share of the tool calls made that ran, of how many; "none made" rather than 0/0."""
    if not summary.get("tool_calls"):
        return "none made"
    return f"{summary['tool_call_ok_rate']:.3f} of {summary['tool_calls']}"


def headline_rates(summary: dict[str, Any]) -> list[tuple[str, float]]:
    """What a table of :func:`summarize`'s figures leads with: pass^1 and, with K trials a task,
    pass^K and pass@K (with one trial these are all pass^1)."""
    k = max((int(j) for j in summary["pass_hat_k"]), default=1)
    rates = [("pass^1", summary["pass_hat_k"].get("1", 0.0))]
    if k > 1:
        rates += [(f"pass^{k}", summary["pass_hat_k"][str(k)])]
        rates += [(f"pass@{k}", summary["pass_at_k"][str(k)])]
    return rates


def summarize(rows: list[dict[str, Any]], k_max: int | None = None) -> dict[str, Any]:
    """The summary of episodes that ``run``, ``eval`` and ``train`` print and record, one shape
    for all three (``pass_hat_1`` and ``pass_hat_k_max`` too, so that a script reading either of
    ``run --json`` and ``eval --json`` finds the same keys)."""
    per_task: dict[str, list[bool]] = {}
    for row in rows:
        per_task.setdefault(row["task_id"], []).append(bool(row["verdict"]["passed"]))
    counts = [(len(v), sum(v)) for v in per_task.values()]
    trials = min((n for n, _ in counts), default=0)
    k_max = min(k_max or trials, trials) if trials else 0
    # A `score` term that did not hold lowers the score and fails no episode: counted apart.
    failures: Counter[str] = Counter()
    scores_missed: Counter[str] = Counter()
    for row in rows:
        for failure in row["verdict"]["failures"]:
            tally = scores_missed if is_score_term(failure) else failures
            tally[failure_place(failure)] += 1
    passed = sum(bool(r["verdict"]["passed"]) for r in rows)
    families: dict[str, list[bool]] = {}
    for row in rows:
        families.setdefault(row.get("family") or "-", []).append(bool(row["verdict"]["passed"]))
    made, failed, malformed = _tool_calls(rows)
    tool_faults = _tool_faults(rows)
    hats = {str(k): round(pass_hat_k(counts, k), 6) for k in range(1, k_max + 1)}
    return {
        "tasks": len(per_task),
        "episodes": len(rows),
        "passed": passed,
        "pass_rate": round(passed / len(rows), 6) if rows else 0.0,
        "pass_hat_k": hats,
        "pass_at_k": {str(k): round(pass_at_k(counts, k), 6) for k in range(1, k_max + 1)},
        "pass_hat_1": hats.get("1", 0.0),
        "pass_hat_k_max": hats.get(str(k_max), 0.0),
        # why each episode ended: the user's stop marker, an empty user turn (a broken user
        # model), or the turn limit (each end but the stop marker fails the episode)
        "ended": dict(sorted(Counter(r.get("end_reason") or "-" for r in rows).items())),
        "failures": dict(failures.most_common()),
        "scores_missed": dict(scores_missed.most_common()),
        "families": {f: round(sum(v) / len(v), 6) for f, v in sorted(families.items())},
        # Progress short of passing: the verifier's mean score, and how many of the agent's
        # tool calls ran (a malformed call, an unknown tool or a tool error does not).
        "mean_score": round(sum(float(r["verdict"].get("score", 0.0)) for r in rows) / len(rows), 6)
        if rows
        else 0.0,
        "tool_calls": made,
        "tool_call_ok_rate": round((made - failed) / made, 6) if made else 0.0,
        "malformed_tool_calls": malformed,
        # Exceptions and bad writes in the spec's tools, by where and what: bugs to fix there.
        "tool_faults": dict(tool_faults.most_common()),
    }


def from_here(place: str, spec_dir: Path) -> str:
    """``place`` (a spec file a verdict, a tool fault or a rejection names, with its
    ``:line:col`` and what follows, or not) as a path from the working directory. A compiled
    verifier names a spec file from the spec folder's parent (``retail/checks/tasks.chk``, the
    same wherever it was compiled from), which opens only from there; played from the spec
    folder ``specs/retail``, it is ``specs/retail/checks/tasks.chk``, as the user named the
    folder. A compiled folder's spec may be anywhere: ``place`` stays as it is there, and where
    the spec folder is in the working directory.

    >>> from_here("retail/checks/tasks.chk:11:5: db == gold does not hold", Path("specs/retail"))
    'specs/retail/checks/tasks.chk:11:5: db == gold does not hold'
    """
    if not (spec_dir / "domain.yaml").is_file() or spec_dir.parent == Path("."):
        return place
    if not place.startswith(f"{spec_dir.name}/"):
        return place  # a file outside the spec folder: named as it was given
    return f"{spec_dir.parent.as_posix()}/{place}"


def row_from_here(row: dict[str, Any], spec_dir: Path) -> dict[str, Any]:
    """An episode row with the spec files it names (its verdict's failures and notes, its tool
    faults, a synthesized dialogue's rejection reasons) as paths from here (:func:`from_here`),
    as the episode files and reports a command writes name them."""
    verdict = row["verdict"]
    out = dict(row)
    out["verdict"] = {
        **verdict,
        **{
            key: [{**item, "path": from_here(item["path"], spec_dir)} for item in verdict[key]]
            for key in ("failures", "notes")
            if key in verdict
        },
    }
    if "tool_faults" in row:
        out["tool_faults"] = [
            {**fault, "file": from_here(fault["file"], spec_dir)} for fault in row["tool_faults"]
        ]
    if "reasons" in row:
        out["reasons"] = [from_here(reason, spec_dir) for reason in row["reasons"]]
    return out


def failure_text(failure: dict[str, Any]) -> str:
    """A verdict's failure as one line: ``path:line:col: reason`` (the reason alone for an
    episode that did not end normally, which no statement wrote)."""
    if failure.get("verifier") == END_VERIFIER:
        return str(failure["reason"])
    return f"{failure['path']}:{failure['line']}:{failure['col']}: {failure['reason']}"


def failure_place(failure: dict[str, Any]) -> str:
    """A failure as the summary counts it: its statement where it is written, or, for an
    episode that did not end normally, why (:func:`fail_unfinished`)."""
    if failure.get("verifier") == END_VERIFIER:
        return str(failure["reason"])
    return f"{failure['path']}:{failure['line']}: {failure['statement']}"


def _tool_faults(rows: list[dict[str, Any]]) -> Counter[str]:
    """How often each bug of the spec's tools was met, by its first sentence (one bug is the
    same tool, kind and place or field, whichever row it wrote)."""
    first: dict[tuple[str, str, str], str] = {}
    counts: Counter[str] = Counter()
    for row in rows:
        for found in row.get("tool_faults", ()):
            fault = ToolFault(**found)
            counts[first.setdefault((fault.tool, fault.kind, fault.group), str(fault))] += 1
    return counts


def _tool_calls(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(tool calls the agent made, those answered with an error, those that could not be read
    as a call at all) over all episodes."""
    made = failed = malformed = 0
    for row in rows:
        for message in row["messages"]:
            if message.get("role") == "assistant":
                calls = message.get("tool_calls") or ()
                made += len(calls)
                malformed += sum(
                    (call.get("function") or {}).get("name") == INVALID_CALL for call in calls
                )
            elif is_refusal(message):
                failed += 1
    return made, failed, malformed


def claim_episodes_file(path: Path | str) -> None:
    """Check, before any episode is played, that ``path`` can take the episodes: a new file, an
    empty one or an earlier episodes file (never a spec's YAML or a tool's source), in a folder
    this process can write to. Raises :class:`EigenError` saying which and what to do."""
    target = Path(path)
    if target.is_file() and target.stat().st_size:
        with open(target, "rb") as handle:
            first = handle.readline(1 << 20)
        try:
            row = json.loads(first)
        except ValueError:
            row = None
        if not (isinstance(row, dict) and "task_id" in row and "verdict" in row):
            raise EigenError(
                f"{target} exists and is not an episodes file (its first line is not a judged "
                "episode); name a new file for --out, or delete that one first"
            )
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.open("w").close()
        tmp.unlink()
    except OSError as exc:
        raise EigenError(
            f"cannot write the episodes to {target}: {exc.strerror or exc} ({exc.filename}); "
            "name a file in a folder you can write to"
        ) from None


def write_jsonl(rows: list[dict[str, Any]], path: Path | str) -> None:
    """Write rows atomically (temporary file, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = [
    "Episode",
    "GoldCache",
    "add_user_turn",
    "run_episodes",
    "summarize",
    "pass_hat_k",
    "pass_at_k",
    "claim_episodes_file",
    "write_jsonl",
]
