"""Retail's checks of the tasks whose right outcome writes nothing: a lazy agent (it looks the
order up, then ends) or one that refuses or transfers at once must fail them, with a reason that
says what was missing, while the scripted agent's gold dialogue passes. GRPO's reward is the
verdict, so a check such an agent passes is a reward to hack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eigendsl.lint.replay import execute, trajectory
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.runtime.environment import replay_gold
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.utterances import CLOSING, REFUSAL

RETAIL = Path(__file__).resolve().parent.parent / "specs" / "retail"
DONE = "No, that's all. Thank you! ###STOP###"


@pytest.fixture(scope="module")
def retail() -> Domain:
    return load_domain(RETAIL)


def gold(retail: Domain, template: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The template's first task and its scripted (gold) dialogue, without the tool results."""
    task = next(t for t in retail.tasks if t["template"] == template)
    agent, user = ScriptedAgent(), ScriptedUser(retail.stop_marker)
    row = run_episodes(retail, [task], agent, user, trials=1)[0]
    return task, trajectory(row["messages"])


def judged(retail: Domain, task: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict on ``messages``, their calls executed again in a fresh environment."""
    run = execute(retail, task, messages, replay_gold(retail, task)[0])
    return retail.judge(run.trace, task)


def reasons(verdict: dict[str, Any]) -> list[str]:
    return [f["reason"] for f in verdict["failures"]]


def until_lookup(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dialogue up to the agent's get_order_details call: identified, order read."""
    last = max(
        i
        for i, m in enumerate(messages)
        for c in m.get("tool_calls") or ()
        if c["function"]["name"] == "get_order_details"
    )
    return messages[: last + 1]


def said(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": text}


def call(name: str, **args: Any) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(args)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": f"late-{name}", "type": "function", "function": function}],
    }


NEVER_PROPOSED = "the agent never proposed the cancellation for the user to decline"


def test_a_declined_cancellation_needs_the_proposal_the_user_declined(retail):
    """cancel_declined forbade the write only: an agent that read the order and ended the
    conversation (or refused, or only hinted that it could cancel before its closing question)
    passed without ever asking."""
    task, messages = gold(retail, "cancel_declined")
    order = task["params"]["order_id"]
    assert judged(retail, task, messages)["passed"]
    looked_up = until_lookup(messages)
    for ending in (
        f"I found order {order}. {CLOSING}",
        REFUSAL,
        f"Order {order} is pending and can be cancelled. {CLOSING}",
    ):
        verdict = judged(retail, task, [*looked_up, said("assistant", ending), said("user", DONE)])
        assert not verdict["passed"], ending
        assert [r for r in reasons(verdict) if r.startswith(NEVER_PROPOSED)], reasons(verdict)
    # a question in the agent's own words, answered no, is the decline; answered yes, it is not
    reason = task["params"]["reason"]
    asked = [*looked_up, said("assistant", f"Shall I cancel order {order} ({reason})?")]
    assert judged(retail, task, [*asked, said("user", "No, I'll keep it.")])["passed"]
    assert not judged(retail, task, [*asked, said("user", "Yes, please.")])["passed"]
    # a proposal that leaves out the reason is not the one the user declined
    vague = [*looked_up, said("assistant", f"Shall I cancel order {order}?")]
    verdict = judged(retail, task, [*vague, said("user", "No, I'll keep it.")])
    assert [r for r in reasons(verdict) if r.startswith(NEVER_PROPOSED)], reasons(verdict)


def test_a_cancellation_after_the_no_still_fails(retail):
    """The proposal and the user's no are there, but the agent cancels anyway: the forbidden
    write fails the check, and the proposal is not reported missing."""
    task, messages = gold(retail, "cancel_declined")
    declined = next(
        i for i, m in enumerate(messages) if m["role"] == "user" and m["content"].startswith("No,")
    )
    reason = task["params"]["reason"]
    cancelled = [
        *messages[: declined + 1],
        call("cancel_pending_order", order_id=task["params"]["order_id"], reason=reason),
        *messages[declined + 1 :],
    ]
    verdict = judged(retail, task, cancelled)
    assert not verdict["passed"]
    assert any("cancel_pending_order" in r and "forbidden" in r for r in reasons(verdict))
    assert not [r for r in reasons(verdict) if r.startswith(NEVER_PROPOSED)]


def test_a_refused_cancellation_names_the_status_as_its_reason(retail):
    """cancel_refused_not_pending read only that the status was said somewhere: an agent that
    told the status after the lookup and ended the conversation refused nothing, and passed."""
    task, messages = gold(retail, "cancel_processed_refused")
    order, status = task["params"]["order_id"], task["params"]["status"]
    assert judged(retail, task, messages)["passed"]
    looked_up = until_lookup(messages)
    for ending in (f"Order {order} is {status}. {CLOSING}", REFUSAL, CLOSING):
        verdict = judged(retail, task, [*looked_up, said("assistant", ending), said("user", DONE)])
        assert not verdict["passed"], ending
        assert "the agent never refused the cancellation with its reason" in " ".join(
            reasons(verdict)
        )
    told = f"Order {order} is already {status}, so it can't be cancelled."
    assert judged(retail, task, [*looked_up, said("assistant", told), said("user", DONE)])["passed"]


def test_a_transfer_comes_after_the_refusal_and_the_customers_second_ask(retail):
    """transferred_after_refusal read only that the transfer was the last call: an agent that
    transferred at once, never saying the compensation cannot be given, passed."""
    task, messages = gold(retail, "transfer_compensation")
    assert judged(retail, task, messages)["passed"]
    transfer = call(
        "transfer_to_human_agents",
        summary=f"The customer wants a refund on {task['params']['order_id']}.",
    )
    transferred = said("assistant", "I have transferred you to a human agent.")
    looked_up = until_lookup(messages)
    refused = said("assistant", "I'm sorry, I can't give a partial refund for a late delivery.")
    for dialogue in (
        [*looked_up, transfer, transferred],  # at once, without a word
        [*looked_up, refused, transfer, transferred],  # refused, but the customer did not ask again
    ):
        verdict = judged(retail, task, [*dialogue, said("user", DONE)])
        assert not verdict["passed"]
        assert reasons(verdict) == [
            "no transfer followed a refusal (the agent said the refund or compensation cannot "
            "be given, the customer asked again, then the transfer)"
        ]
    asked_again = said("user", "Then I want to talk to a person.")
    dialogue = [*looked_up, refused, asked_again, transfer, transferred, said("user", DONE)]
    assert judged(retail, task, dialogue)["passed"]
