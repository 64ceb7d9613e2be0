"""The scripted user asked again for what it already said: it answers once more and says it did
("As I said, ..."), and when the agent asks for a fact it gave twice it ends the conversation
with its stop marker and a sentence that says why. It used to answer every time, so an agent
that loops on one question played on to the turn limit, which made GRPO's rollouts slow. A
proposal the user declines, made again, is declined the same way ("As I said, no: ...")."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn
from tests.conftest import ROOT

STOP = "###STOP###"
SCENARIO = {
    "reason": "Please cancel order #W1.",
    "known": {"email": "ann@example.com", "order id": "#W1"},
    "unknown": ["customer id"],
    "confirm": True,
}


def replies(*agent: str, **scenario: Any) -> list[str]:
    """The scripted user's answers to the agent's turns, one conversation, after its opening."""
    task = {"id": "t", "params": {}, "user": SCENARIO | scenario}
    messages = [{"role": "user", "content": "Please cancel order #W1."}]
    episode = SimpleNamespace(
        user_state=None, task=task, trial=0, env=SimpleNamespace(messages=messages)
    )
    user = ScriptedUser()
    out = []
    for text in agent:
        messages.append({"role": "assistant", "content": text})
        out.append(user.respond([episode])[0])
        messages.append({"role": "user", "content": out[-1]})
    return out


EMAIL = "Could you please give me your email?"


def test_a_fact_asked_again_is_given_again_and_said_to_be_given():
    assert replies(EMAIL, EMAIL) == [
        "My email is ann@example.com.",
        "As I said, my email is ann@example.com.",
    ]


def test_a_fact_asked_a_third_time_ends_the_conversation_and_says_why():
    assert replies(EMAIL, EMAIL, EMAIL)[-1] == (
        f"I've already given you my email twice, so I'll end the conversation here. {STOP}"
    )


def test_a_fact_revealed_late_is_given_at_its_second_ask_and_ends_after_two_answers():
    assert replies(EMAIL, EMAIL, EMAIL, EMAIL, reveal_late=["email"]) == [
        "Hmm, I don't have my email at hand right now.",
        "My email is ann@example.com.",
        "As I said, my email is ann@example.com.",
        f"I've already given you my email twice, so I'll end the conversation here. {STOP}",
    ]


def test_a_question_for_several_facts_counts_for_each():
    both = "Could you please give me your email and order id?"
    order = "Could you please give me your order id?"
    assert replies(EMAIL, both, order) == [
        "My email is ann@example.com.",
        "As I said, my email is ann@example.com. My order id is #W1.",
        "As I said, my order id is #W1.",
    ]
    assert replies(EMAIL, both, both)[-1] == (
        f"I've already given you my email twice, so I'll end the conversation here. {STOP}"
    )


def test_an_unknown_fact_asked_a_third_time_ends_the_conversation_too():
    ask = "Please share your customer id."
    assert replies(ask, ask, ask) == [
        "I'm sorry, I don't know my customer id.",
        "As I said, I don't know my customer id.",
        "I've already told you twice that I don't know my customer id, so I'll end the "
        f"conversation here. {STOP}",
    ]


@pytest.fixture(scope="module")
def retail():
    return load_domain(ROOT / "specs" / "retail")


class LoopingAgent:
    """Asks the user one question, whatever it answers."""

    name = "looping"

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        return [AgentTurn(content=EMAIL) for _ in episodes]


def test_an_agent_that_loops_on_one_question_is_stopped_by_the_user(retail):
    rows = run_episodes(retail, retail.tasks, LoopingAgent(), ScriptedUser(retail.stop_marker))
    assert {r["end_reason"] for r in rows} == {"stop"}
    # the opening, then at most three questions and three answers (a late fact: four)
    assert max(len(r["messages"]) for r in rows) <= 1 + 1 + 2 * 4
    ends = [r["messages"][-1]["content"] for r in rows]
    assert all(e.endswith(STOP) for e in ends)
    assert any(e.startswith("I've already given you my email twice") for e in ends)


def test_the_scripted_agent_still_gets_a_late_fact_at_its_second_ask(retail):
    tasks = [t for t in retail.tasks if t["user"].get("reveal_late")]
    assert tasks
    rows = run_episodes(retail, tasks, ScriptedAgent(), ScriptedUser(retail.stop_marker))
    assert all(r["verdict"]["passed"] for r in rows)
    said = [m["content"] for r in rows for m in r["messages"] if m["role"] == "user"]
    assert sum("Hmm, I don't have my zip" in s for s in said) == len(rows)
    assert sum(s.startswith("My zip is") for s in said) == len(rows)
    assert not any(s.startswith(("As I said", "I've already")) for s in said)


def test_a_declined_proposal_made_again_is_declined_again_and_then_ends_the_conversation():
    propose = "I'll cancel order #W1. Shall I proceed? (yes/no)"
    said = replies(propose, propose, propose, confirm=False)
    assert said[1:] == [
        "As I said, no: I don't want that.",
        f"I've already told you twice that I don't want that, so I'll end the conversation "
        f"here. {STOP}",
    ]
