"""Retail's checks against honest reports that still lost the reward after the write (reviews nK7
H3, H4, M1 and nK5 M1), each beside the wrong twins of the rule loosened for it, which still fail.

- The order's new total after an item change or an exchange (the total read plus the
  difference: "New order total: 347.5") is a value of the order told by a name of it.
- "The difference of 6.5 has been applied to paypal_2637": a word that names no way, beside the
  payment method the write used, goes the write's way.
- An exchange's new variant named by its options ("the straw lid 750 ml bottle") names it in the
  direction rule, as "the new one" does.
- "Your gift card balance went from 350.00 to 450.99": "from" names the balance before.
- "This covers the kettle (75.9) and the keyboard (139.0)", a breakdown inside the refund's
  sentence, "Your order still has the Merino Crew Sweater (82.0)": recaps.
- The share of the order's total the customer asks for ("a 25% refund (40.60)") in the
  transfer's summary.

Each episode is the scripted (gold) agent's with its report after the write replaced, played
against the scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eigendsl.runtime.scripted_agent import ScriptedAgent
from tests.hand_agents import ListAgent, play, play_row, turn
from tests.test_retail_checks_round10 import CHANGED, EXCHANGED
from tests.test_retail_honest4 import CANCEL, CHANGE, EXCHANGE, GIFT_CARD, RETURN, reported

RETURNED = "Your return is requested and $144.00 will be refunded to paypal_5428. "
CANCELLED = "Your order #W1001222 has been cancelled. "
GIFTED = (
    "The return is requested and $100.99 is refunded to gift card gift_6207, whose balance is "
    "now $450.99. "
)

HONEST = [
    # the order's total after the change: 365.4 less 17.9; 66.99 plus 6.5
    (CHANGE, CHANGED + "New order total: $347.50"),
    (CHANGE, CHANGED + "Your new order total is $347.50."),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. $17.90 will be refunded to "
        "paypal_4313. Your updated order total is $347.50.",
    ),
    (EXCHANGE, EXCHANGED + "Your order total is now $73.49."),
    # a word that names no way beside the write's payment method
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied to paypal_2637.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "applied to paypal_4313.",
    ),
    # the new variant named by its options
    (
        EXCHANGE,
        "I've submitted the exchange. You'll be charged an additional $6.50, since the straw lid "
        "750 ml bottle costs $33.50 and your current bottle was $27.00.",
    ),
    # the gift card's balance "went from ... to ..." beside a refund word
    (
        GIFT_CARD,
        "The return is requested and $100.99 is refunded to your gift card. Your gift card "
        "balance went from $350.00 to $450.99.",
    ),
    (
        GIFT_CARD,
        "Your return has been requested. **Refund:** $100.99 to gift card gift_6207.\n\nYour "
        "gift card balance has gone from $350.00 to $450.99.",
    ),
    # recaps in frames the lists did not hold, a breakdown of the refund
    (
        CANCEL,
        CANCELLED + "The refund of $214.90 will be returned to your PayPal account. This covers "
        "the Stoneware Pour-Over Kettle ($75.90) and the Low-Profile Mechanical Keyboard "
        "($139.00).",
    ),
    (
        CANCEL,
        "Done \u2014 your order has been cancelled. The refund of $214.90 ($75.90 for the kettle "
        "and $139.00 for the keyboard) will be returned to your PayPal account.",
    ),
    (
        RETURN,
        RETURNED + "Your order still has the Merino Crew Sweater ($82.00) and the Commuter "
        "Backpack ($128.00).",
    ),
    (RETURN, RETURNED + "The Commuter Backpack total is $128.00."),
    # a variant named by its options alone beside a word of more money is not judged so
    (
        CHANGE,
        "Your kettle is now the matte white variant, and $17.90 will be refunded to your PayPal "
        "account; there is nothing more to do.",
    ),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert verdict["score"] == 1.0, verdict["failures"]


WRONG = [
    # a new total that is not the total read plus the difference, or told as money
    (CHANGE, CHANGED + "New order total: $383.30"),
    (CHANGE, CHANGED + "Your new order total is $365.40."),
    (CHANGE, CHANGED + "You will also receive $347.50."),
    (CHANGE, CHANGED + "You will also receive your new order total of $347.50."),
    (CHANGE, CHANGED + "Your new order total of $347.50 will be refunded to paypal_4313."),
    # a word of no way on another payment method, or beside a word of the other way
    (EXCHANGE, "The exchange is requested. The difference of $6.50 goes to paypal_2637."),
    (EXCHANGE, "The exchange is requested. The difference of $6.50 has been applied to gift_6207."),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied back to paypal_2637.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied as a credit to "
        "paypal_2637.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has not been applied to paypal_2637.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "applied from paypal_4313.",
    ),
    # a variant named by its options, the prices the wrong way round
    (
        EXCHANGE,
        "I've submitted the exchange. You'll be charged an additional $6.50, since your current "
        "bottle costs $6.50 more than the straw lid 750 ml bottle.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The sport lid bottle costs $6.50 more than the straw lid "
        "one, so $6.50 is charged to paypal_2637.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. Your current kettle costs $17.90 "
        "less than the matte white one. $17.90 is refunded to paypal_4313.",
    ),
    # the balance told the wrong way round, or the balance before told as money
    (
        GIFT_CARD,
        "The return is requested and $100.99 is refunded to your gift card. Your gift card "
        "balance went from $450.99 to $350.00.",
    ),
    (GIFT_CARD, GIFTED + "You'll also get the $350.00 from your old balance back."),
    # an order's value told as money in a recap's words
    (RETURN, RETURNED + "Your order still has $128.00 owed to you for the Commuter Backpack."),
    (RETURN, RETURNED + "Your account still has $128.00 for the Commuter Backpack."),
    (RETURN, RETURNED + "The remaining items ($82.00 and $128.00) are refunded too."),
    (RETURN, RETURNED + "Your refund total is $128.00."),
    # a breakdown that adds money, or adds up to no outcome
    (CANCEL, CANCELLED + "You'll receive $214.90, plus $75.90 and $139.00 for the items."),
    (
        CANCEL,
        CANCELLED + "The refund of $214.90 will be returned to your PayPal account. This covers "
        "an extra $75.90 for the kettle.",
    ),
    (RETURN, RETURNED + "This covers the Commuter Backpack ($128.00)."),
    (GIFT_CARD, GIFTED + "This also covers the Trailhead Running Shoe ($99.50)."),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_wrong_twin_of_an_honest_report_still_fails(
    retail_domain: Any, task_id: str, report: str
) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert not verdict["passed"], report


TRANSFER = "transfer_compensation-000"


def summarized(domain: Any, summary: str) -> dict[str, Any]:
    """The verdict of the gold agent on the transfer task with ``summary`` as its summary."""
    turns = []
    for m in play_row(domain, TRANSFER, ScriptedAgent())["messages"]:
        if m["role"] != "assistant":
            continue
        calls = [
            (c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in m.get("tool_calls") or []
        ]
        calls = [
            (n, {**a, "summary": summary} if n == "transfer_to_human_agents" else a)
            for n, a in calls
        ]
        turns.append(turn(m["content"], *calls))
    return play(domain, TRANSFER, ListAgent(turns))


@pytest.mark.parametrize(
    ("summary", "passes"),
    [
        (
            "Customer usr_hanakobayashi requests a 25% partial refund ($40.60) on delivered "
            "order #W1001333 (total $162.40) as compensation for a delivery one week late.",
            True,
        ),
        # 30% of the total, and a made-up sum
        (
            "Customer usr_hanakobayashi requests a 25% partial refund ($48.72) on delivered "
            "order #W1001333 (total $162.40).",
            False,
        ),
        (
            "Customer usr_hanakobayashi requests a 25% partial refund ($45.00) on delivered "
            "order #W1001333 (total $162.40).",
            False,
        ),
    ],
)
def test_the_transfer_summary_may_tell_the_share_asked_for_as_an_amount(
    retail_domain: Any, summary: str, passes: bool
) -> None:
    verdict = summarized(retail_domain, summary)
    assert (verdict["score"] == 1.0) if passes else not verdict["passed"], verdict["failures"]
