"""Hand-written agents for the tests that judge episodes as GRPO's reward reads them: turns
played in order against the scripted user, judged by the task's check and every policy rule."""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import (
    Episode,
    GoldCache,
    add_user_turn,
    apply_agent_turn,
    judge_episode,
    run_episodes,
)
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn

CLOSING = "Is there anything else I can help you with?"


def turn(text: str | None = None, *calls: tuple[str, dict[str, Any]]) -> AgentTurn:
    """An agent turn: its text (or none) and its tool calls, each ``(name, arguments)``."""
    return AgentTurn(content=text, tool_calls=[{"name": n, "arguments": a} for n, a in calls])


class ListAgent:
    """Plays the given turns in order, then only asks whether there is anything else."""

    name = "list"

    def __init__(self, turns: list[AgentTurn], closing: str = CLOSING) -> None:
        self.turns, self.closing = turns, closing

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        out = []
        for episode in episodes:
            index = episode.agent_state or 0
            episode.agent_state = index + 1
            out.append(self.turns[index] if index < len(self.turns) else turn(self.closing))
        return out


def play_row(domain: Any, task_id: str, agent: Any) -> dict[str, Any]:
    """The judged episode row of ``agent`` on one task, against the scripted user."""
    user = ScriptedUser(domain.stop_marker)
    return run_episodes(domain, [domain.task(task_id)], agent, user)[0]


def play(domain: Any, task_id: str, agent: Any) -> dict[str, Any]:
    """The verdict of ``agent`` on one task, against the scripted user."""
    return play_row(domain, task_id, agent)["verdict"]


def gold(domain: Any, task_id: str) -> dict[str, Any]:
    """The verdict of the scripted (gold) agent on one task."""
    return play(domain, task_id, ScriptedAgent())


def played(domain: Any, task_id: str, items: list[Any]) -> dict[str, Any]:
    """An episode of hand-written user turns (``("u", text)``) and agent turns, judged: what an
    LLM user could write, where ``play`` answers with the scripted one."""
    task = domain.task(task_id)
    episode = Episode(task, Environment(domain, task))
    for item in items:
        if isinstance(item, tuple):
            add_user_turn(episode, item[1], domain.stop_marker)
        else:
            apply_agent_turn(episode, item)
    return judge_episode(domain, episode, GoldCache(domain))
