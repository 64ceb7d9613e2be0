"""The episode runner: agent ↔ user ↔ environment until the stop marker, an empty user turn or
the turn limit.

Episodes advance in lockstep so that model backends see batches: every round, all episodes
waiting for the agent are sent to it together, then all waiting for the user. Each finished
episode is judged by the compiled check and the policy rules and becomes one JSONL row in the
data contract (``messages``, ``tools``, ``task_id``, ``verdict``, ``generation``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import TOOL_ERROR, Environment, replay_gold
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import SCHEMA_VERSION

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
    try:
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
    except KeyboardInterrupt:
        # the episodes that had ended, judged (all of them, where it came while they were
        # judged); an episode the interrupt cut is dropped (its verdict would judge a
        # conversation nobody finished)
        done = [judge_episode(domain, e, gold, generation) for e in episodes if e.done]
        raise EpisodesInterrupted(done, len(episodes)) from None


class EpisodesInterrupted(KeyboardInterrupt):
    """Ctrl-C while :func:`run_episodes` played: ``rows``, the judged rows of the episodes that
    had ended by then (in the order the full run would give them), of ``total``. A
    KeyboardInterrupt still, for a caller that has nothing to keep."""

    def __init__(self, rows: list[dict[str, Any]], total: int):
        super().__init__(f"interrupted after {len(rows)} of {total} episodes")
        self.rows, self.total = rows, total


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
    limit = episode.max_turns or domain.max_turns
    fail_unfinished(verdict, episode.end_reason, limit)
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
        "max_turns": limit,  # the turn limit it played under (`run --max-turns` or the spec's)
    }
    if episode.env.faults:  # bugs of the spec's tools, for its author (the model never sees them)
        row["tool_faults"] = [f.to_dict() for f in episode.env.faults]
    return row


__all__ = [
    "Episode",
    "GoldCache",
    "add_user_turn",
    "run_episodes",
    "judge_episode",
    "fail_unfinished",
]
