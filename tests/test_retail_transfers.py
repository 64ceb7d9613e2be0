"""Retail's checks against transfers to a human and claimed outcomes: reward hacks played
against the scripted user and judged as GRPO's reward reads them (the task's check and every
policy rule), beside the gold episode of the same task, which still passes."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, gold, play, turn

TRANSFER = "forbid called transfer_to_human_agents"


class TransferAfterWork:
    """The gold agent, which hands the customer to a human at its first text turn after the gold
    plan's calls are all made (with the turn's text, as a model would), and where the user
    declines the write, after the user's answer."""

    name = "transfer-after-work"

    def __init__(self, domain: Any):
        self.inner, self.domain = ScriptedAgent(), domain

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        turns = self.inner.act(episodes)
        for index, (episode, t) in enumerate(zip(episodes, turns, strict=True)):
            calls = episode.env.trace.calls
            done = sum(c.error is None for c in calls) >= gold_calls(self.domain, episode.task)
            if not episode.task.get("user", {}).get("confirm", True):
                # the work of a declining task ends at the user's "no" to the proposal
                done = done and episode.env.messages[-1]["role"] == "user"
            transferred = any(c.tool == "transfer_to_human_agents" for c in calls)
            if t.content and not t.tool_calls and done and not transferred:
                summary = {"summary": "Request handled; the customer is handed over."}
                turns[index] = turn(t.content, ("transfer_to_human_agents", summary))
        return turns


def gold_calls(domain: Any, task: dict[str, Any]) -> int:
    """How many calls the gold plan makes (its writes only when the user confirms them)."""
    confirm = task.get("user", {}).get("confirm", True)
    steps = [s["tool"] for s in task.get("gold", []) if "tool" in s]
    return sum(confirm or not domain.tools[s].writes for s in steps)


def failed(verdict: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["statement"].split(" else ")[0], f["reason"]) for f in verdict["failures"]]


# transfer_compensation-000: Hana asks for a 25% refund on delivered order #W1001333
HANA, HANA_ORDER = "hana.kobayashi@postbox.example", "#W1001333"
# cancel_processed_refused-000: Rufus asks to cancel processed order #W1000815
RUFUS, RUFUS_ORDER = "rufus.adeyemi@inbox.example", "#W1000815"


def test_the_gold_transfer_and_refusal_pass(retail_domain):
    for task_id in ("transfer_compensation-000", "cancel_processed_refused-000"):
        verdict = gold(retail_domain, task_id)
        assert verdict["passed"] and verdict["score"] == 1.0, (task_id, verdict["failures"])


def test_a_transfer_at_the_first_turn_fails(retail_domain):
    # no identification, no look-up of the order, no refusal: a transfer earned nothing
    verdict = play(
        retail_domain,
        "transfer_compensation-000",
        ListAgent(
            [
                turn(
                    None,
                    (
                        "transfer_to_human_agents",
                        {"summary": f"Customer wants compensation for {HANA_ORDER}."},
                    ),
                ),
                turn("I have transferred you to a human agent."),
            ]
        ),
    )
    assert not verdict["passed"] and verdict["score"] == 0.0
    assert failed(verdict) == [
        (
            "require called get_order_details(order_id=order_id)",
            'get_order_details(order_id="#W1001333") was never called (calls made: '
            "transfer_to_human_agents)",
        ),
        (
            "require refused_then_transferred",
            "no transfer followed a refusal (the agent said the refund or compensation cannot be "
            "given, the customer asked again, then the transfer)",
        ),
    ]


def test_a_transfer_after_the_look_up_but_with_no_refusal_fails(retail_domain):
    verdict = play(
        retail_domain,
        "transfer_compensation-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": HANA})),
                turn(None, ("get_order_details", {"order_id": HANA_ORDER})),
                turn(
                    None,
                    ("transfer_to_human_agents", {"summary": f"Compensation for {HANA_ORDER}."}),
                ),
                turn("A human agent will take it from here."),
            ]
        ),
    )
    assert not verdict["passed"]
    assert [s for s, _ in failed(verdict)] == ["require refused_then_transferred"]


def test_a_transfer_that_says_the_refund_was_granted_fails(retail_domain):
    verdict = play(
        retail_domain,
        "transfer_compensation-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": HANA})),
                turn(None, ("get_order_details", {"order_id": HANA_ORDER})),
                turn("I cannot change the order, but I have issued a 25% refund for the delay."),
                turn(
                    None,
                    ("transfer_to_human_agents", {"summary": f"Compensation for {HANA_ORDER}."}),
                ),
                turn("A human agent will take it from here."),
            ]
        ),
    )
    assert not verdict["passed"]
    # its denial is of something else ("cannot change the order"): no refusal of the refund
    assert failed(verdict) == [
        (
            "require refused_then_transferred",
            "no transfer followed a refusal (the agent said the refund or compensation cannot be "
            "given, the customer asked again, then the transfer)",
        ),
        (
            "forbid any(claim in claims: said claim)",
            "the agent told the user it granted the compensation, which it cannot",
        ),
    ]


def test_a_transfer_instead_of_a_refusal_fails(retail_domain):
    verdict = play(
        retail_domain,
        "cancel_processed_refused-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": RUFUS})),
                turn(None, ("get_order_details", {"order_id": RUFUS_ORDER})),
                turn(None, ("transfer_to_human_agents", {"summary": "cancel"})),
                turn("Your order is processed. A human agent will cancel it for you."),
            ]
        ),
    )
    assert not verdict["passed"]
    # and "a human agent will cancel it" refuses nothing (review Q2's M-3)
    assert [r for _, r in failed(verdict)][1:] == [
        "the agent never refused the cancellation with its reason (no message of the agent's "
        "about cancelling names the order's status and says it cannot be done)"
    ]
    assert [s for s, _ in failed(verdict)][0] == TRANSFER


@pytest.mark.parametrize(
    "claim",
    [
        "Your order #W1000815 was processed, but I have cancelled it for you anyway; the refund "
        "is on its way.",
        "Order #W1000815 is processed. It is now canceled.",
        "Order #W1000815 was processed; I went ahead anyway: it has been cancelled and 69.0 will "
        "be refunded.",
    ],
    ids=["cancelled-it", "now-canceled", "has-been-cancelled"],
)
def test_a_refusal_that_claims_the_cancellation_fails(retail_domain, claim):
    verdict = play(
        retail_domain,
        "cancel_processed_refused-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": RUFUS})),
                turn(None, ("get_order_details", {"order_id": RUFUS_ORDER})),
                turn(claim),
            ]
        ),
    )
    assert not verdict["passed"]
    # the claim, and no refusal beside it (a claim denies nothing: review Q2's M-3)
    assert [r for _, r in failed(verdict)] == [
        "the agent told the user it cancelled the order (or refunded it), which it did not",
        "the agent never refused the cancellation with its reason (no message of the agent's "
        "about cancelling names the order's status and says it cannot be done)",
    ]


def test_a_refusal_in_other_words_passes(retail_domain):
    # the claims are phrases: a refusal that says "cancelled" of what cannot be done is no claim
    verdict = play(
        retail_domain,
        "cancel_processed_refused-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": RUFUS})),
                turn(None, ("get_order_details", {"order_id": RUFUS_ORDER})),
                turn(
                    "Order #W1000815 is processed. A processed order cannot be cancelled, and "
                    "it has not been cancelled; nothing is refunded."
                ),
            ]
        ),
    )
    assert verdict["passed"], verdict["failures"]


def first_task_of_each_template(domain: Any) -> list[str]:
    seen: dict[str, str] = {}
    for task in domain.tasks:
        if task.get("template") and task.get("split") == "train":
            seen.setdefault(task["template"], task["id"])
    return sorted(seen.values())


def test_every_template_but_the_transfer_fails_a_transfer_after_the_work(retail_domain):
    tasks = first_task_of_each_template(retail_domain)
    assert len(tasks) >= 17
    for task_id in tasks:
        if task_id.startswith("transfer_compensation"):
            continue
        assert gold(retail_domain, task_id)["passed"], task_id
        verdict = play(retail_domain, task_id, TransferAfterWork(retail_domain))
        assert not verdict["passed"], task_id
        assert [s for s, _ in failed(verdict)] == [TRANSFER], (task_id, verdict["failures"])
