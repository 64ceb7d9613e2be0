"""An episode's score, GRPO's reward: the check's score, halved when a policy rule failed, as the
README's *The checker DSL* says; ``passed`` needs the check and every rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment, replay_gold
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.support import Trace
from tests.conftest import MINI

README = Path(__file__).resolve().parent.parent / "README.md"


def rejudged(domain: Any, row: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict of ``row``'s episode with ``messages`` in place of its own."""
    env = Environment(domain, next(t for t in domain.tasks if t["id"] == row["task_id"]))
    for message in messages:
        for call in message.get("tool_calls") or []:
            env.call_tool(
                call["function"]["name"], json.loads(call["function"]["arguments"]), call["id"]
            )
    gold, _ = replay_gold(domain, env.task)
    trace = Trace.from_messages(
        messages, env.db, domain.seed, gold, row["params"], domain.tool_meta
    )
    return domain.judge(trace, env.task)


def test_a_broken_rule_halves_the_check_score_and_fails_the_episode() -> None:
    mini = load_domain(MINI)
    task = next(t for t in mini.tasks if t["template"] == "cancel")
    agent, user = ScriptedAgent(), ScriptedUser(mini.stop_marker)
    row = json.loads(json.dumps(run_episodes(mini, [task], agent, user)[0]))
    assert row["verdict"]["passed"] and row["verdict"]["score"] == 1.0
    # the user's yes said in other words: mini's confirm_writes rule wants "yes" before the write
    messages = [
        m | {"content": m["content"].replace("Yes", "Sure").replace("yes", "sure")}
        if m["role"] == "user"
        else m
        for m in row["messages"]
    ]
    verdict = rejudged(mini, row, messages)
    assert verdict["check"]["passed"] and verdict["check"]["score"] == 1.0
    assert not verdict["policy"]["passed"]
    assert (verdict["passed"], verdict["score"]) == (False, 0.5)


def test_the_readme_says_how_an_episode_is_scored() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "halved when a policy rule failed" in text
    assert "0.5 (the check held, a rule did not)" in text
    assert "It is `passed` when the check passed, every rule held" in text
