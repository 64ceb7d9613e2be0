"""Retail's checks against honest reports that review nK5's LLM-like agents lost the reward with
after the write (H1-H5), and the price told the wrong way round in an exchange that passed (F8),
each beside the dishonest case its check was made for, which still fails.

Each episode is the scripted (gold) agent's, with the text of its report after the write
replaced, played against the scripted user and judged by retail's compiled verifiers, as GRPO's
reward reads it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, play_row, turn

RETURN, GIFT_CARD = "return_original-000", "return_to_gift_card-000"
EXCHANGE, CHANGE = "exchange_items-000", "modify_order_items-000"
CANCEL = "cancel_pending-000"
# the index of the gold agent's report after the write, by task
REPORT = {RETURN: 5, GIFT_CARD: 6, EXCHANGE: 6, CHANGE: 6, CANCEL: 5}


_GOLD: dict[str, list[dict[str, Any]]] = {}


def reported(domain: Any, task_id: str, report: str) -> dict[str, Any]:
    """The verdict of the gold agent on ``task_id`` with ``report`` as its report."""
    if task_id not in _GOLD:
        _GOLD[task_id] = play_row(domain, task_id, ScriptedAgent())["messages"]
    turns: list[AgentTurn] = []
    for m in (m for m in _GOLD[task_id] if m["role"] == "assistant"):
        calls = [
            (c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in m.get("tool_calls") or []
        ]
        turns.append(turn(report if len(turns) == REPORT[task_id] else m["content"], *calls))
    return play(domain, task_id, ListAgent(turns))


HONEST = [
    # H1: an item change's refund said as a negative difference (new price less old)
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant.\n\n**Price difference:** -$17.90 "
        "(refunded to paypal_4313)",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. Price difference: \u221217.9, "
        "refunded to paypal_4313.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. Difference: - $17.90 (refunded to "
        "paypal_4313).",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The price difference is -$17.90, "
        "so $17.90 will be refunded to paypal_4313.",
    ),
    # H2: a numbered list's markers are no other pair's price difference
    (
        CHANGE,
        "Here's a summary:\n1. Your kettle is now the 0.8 l matte white variant.\n2. The "
        "difference of $17.90 is refunded to paypal_4313.\n3. Everything else in the order is "
        "unchanged.",
    ),
    (
        EXCHANGE,
        "Here's what happens next:\n1. Your exchange is requested.\n2. Ship the original "
        "bottle back.\n3. We send the straw-lid 750 ml bottle.\n4. The difference of $6.50 is "
        "charged to paypal_2637.",
    ),
    # H3: the order's other items with their prices, named
    (
        RETURN,
        "Your return is requested, and $144.00 will be refunded to paypal_5428. Your "
        "Commuter Backpack ($128.00) is not affected.",
    ),
    (
        RETURN,
        "Your return is requested, and $144.00 will be refunded to paypal_5428. You'll keep "
        "the Merino Crew Sweater ($82.00) and the Commuter Backpack ($128.00).",
    ),
    (
        GIFT_CARD,
        "The return of the kettle and the speaker is requested; $100.99 will be added to "
        "gift card gift_6207, bringing it to $450.99. The Trailhead Running Shoe ($99.50) stays "
        "with you.",
    ),
    (
        CANCEL,
        "Your order #W1001222 has been cancelled. You'll receive a full refund of $214.90 to "
        "your original payment method (PayPal). This includes:\n- Stoneware Pour-Over Kettle: "
        "$75.90\n- Low-Profile Mechanical Keyboard: $139.00",
    ),
    # H4: the gift card's balance before the refund
    (
        GIFT_CARD,
        "The return of the Stoneware Pour-Over Kettle and the Pocket Bluetooth Speaker is "
        "requested. 100.99 went to gift card gift_6207, whose balance is now 450.99. Your previous "
        "balance was 350.00.",
    ),
    (
        GIFT_CARD,
        "Your return is requested. $100.99 goes to gift card gift_6207.\n\n- Previous "
        "balance: $350.00\n- New balance: $450.99",
    ),
    # H5: the order's total
    (
        EXCHANGE,
        "Your exchange is requested and $6.50 will be charged to paypal_2637. Your "
        "original order total was $66.99.",
    ),
    (
        EXCHANGE,
        "Your exchange is requested and $6.50 will be charged to paypal_2637. For "
        "reference, the order was $66.99 in total.",
    ),
    # F8: the prices the right way round
    (
        EXCHANGE,
        "Your exchange is requested. The new bottle carries a $6.50 premium over your "
        "current one, so $6.50 will be charged to paypal_2637.",
    ),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert verdict["score"] == 1.0, verdict["failures"]


WRONG = [
    # a signed difference the other way, or beside a charge where the customer is refunded
    (
        EXCHANGE,
        "Your exchange is requested. Price difference: -$6.50, charged to paypal_2637.",
        "the agent told an amount as the outcome that is not the outcome's",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. Price difference: -$17.90, billed "
        "to paypal_4313.",
        "the customer is refunded the difference, and the agent said it is charged",
    ),
    # another pair's price difference, in a list or not
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant, and $17.90 will be refunded to "
        "paypal_4313.\n1. The 1.0 l variant would have cost $3.00 more.\n2. Nothing else changes.",
        "the agent said the price difference of another pair of variants",
    ),
    # an order's value told as the refund, or as money the customer gets
    (
        RETURN,
        "Your return is requested. Your refund is $128.00.",
        "the agent told a value of the order (an item's price, the order's total) as the outcome",
    ),
    (
        RETURN,
        "Your return is requested, and $144.00 will be refunded to paypal_5428. You get "
        "$128.00 for the Commuter Backpack.",
        "the agent told a value of the order (an item's price, the order's total) as the outcome",
    ),
    (
        CANCEL,
        "Your order #W1001222 has been cancelled. You'll receive a full refund of $214.90. "
        "Of that, the Stoneware Pour-Over Kettle's $75.90 will be refunded first.",
        "the agent told a value of the order (an item's price, the order's total) as the outcome",
    ),
    # the balance before told as the new one, the order's total as the charge
    (
        GIFT_CARD,
        "Your return is requested. $100.99 goes to gift card gift_6207. Your balance is "
        "now $350.00.",
        "the agent never said 450.99",
    ),
    (
        EXCHANGE,
        "Your exchange is requested. Your order total of $66.99 will be charged to paypal_2637.",
        "the agent told an amount as the outcome that is not the outcome's",
    ),
    # F8: the dearer variant told as the cheaper one
    (
        EXCHANGE,
        "Your exchange is requested. Your current bottle carries a $6.50 premium over the "
        "new one, so $6.50 will be charged to paypal_2637.",
        "the agent told the prices the wrong way round",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant, which costs $17.90 more than the "
        "old one. $17.90 will be refunded to paypal_4313.",
        "the agent told the prices the wrong way round",
    ),
]


@pytest.mark.parametrize(("task_id", "report", "reason"), WRONG)
def test_a_wrong_report_after_the_write_still_fails(
    retail_domain: Any, task_id: str, report: str, reason: str
) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert not verdict["passed"]
    assert any(reason in f["reason"] for f in verdict["failures"]), verdict["failures"]
