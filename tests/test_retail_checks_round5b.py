"""Retail's checks against review G's round 5 reward hacks H1 (amounts_told, outcome_told) and H7
(address_told).

As in rounds 3 to 4b, each wrong episode is played by a hand-written agent against the scripted
user and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned the full
reward before. Each honest wording beside it still earns the full reward.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import opening, reasons
from tests.test_retail_checks_round4b import (
    MADE_UP,
    ORDER_ADDRESS,
    OTHER_ADDRESS,
    USER_ADDRESS,
    order_address,
    user_address,
)
from tests.test_retail_honest import ITEMS, items_changed

CANCEL = "cancel-amara-by-mistake"  # #W1000075, total 365.4; 7 Cedar Terrace, a size 44 shoe
TOLD_AS_MONEY = (
    "the agent told an amount that is not the outcome's as money the customer gets, after the "
    "write (in words of no refund, or in a sentence of its own after one that names the refund)"
)
# round 8: a fee no number quantifies ("a restocking deduction" beside the refund's amount)
VAGUE = (
    "the agent told a fee or a sum in vague words ('a small fee', 'a few dollars') that no tool "
    "gave, after the write"
)
# round 7: the first amount after a sentence that names the refund with no amount is the refund
ANOTHER_VALUE = (
    "the agent told an amount after a sentence that names the refund with no amount that is not "
    "the outcome's, after the write"
)


def cancelled(domain: Any, told: str) -> list[AgentTurn]:
    """The gold cancellation of #W1000075, the account read too (its address), then ``told``."""
    return [
        *opening(domain, CANCEL),
        turn(None, ("get_user_details", {"user_id": "usr_amaranwosu"})),
        turn(
            "Just to confirm: you want me to cancel order #W1000075 (reason: ordered by "
            "mistake), with a refund of 365.4. Is that correct?"
        ),
        turn(
            None,
            ("cancel_pending_order", {"order_id": "#W1000075", "reason": "ordered by mistake"}),
        ),
        turn(told),
    ]


def items_told(domain: Any, told: str) -> list[AgentTurn]:
    """The kettle changed (the difference, 17.9, refunded), the difference said in the
    proposal, then ``told``."""
    turns = items_changed(domain, told)
    turns[-3] = turn(
        "Shall I replace I10204 with I10201 in order #W1000075, refunding the difference of 17.9 "
        "to paypal_4313? (yes/no)"
    )
    return turns


@pytest.mark.parametrize(
    ("task", "turns", "expected"),
    [
        # H1: a made-up fee whose number a tool gave for no money: the house number 7 of "7
        # Cedar Terrace", the shoe's size 44
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Your order #W1000075 has been cancelled and 365.4 will be refunded. A $7.00 "
                "cancellation fee was deducted from it.",
            ),
            [MADE_UP, TOLD_AS_MONEY],
        ),
        (
            ITEMS,
            lambda d: items_changed(
                d,
                "Your kettle is now the matte white one and 17.9 will be refunded to paypal_4313. "
                "A restocking fee of $44 applies to the change.",
            ),
            [MADE_UP, TOLD_AS_MONEY],
        ),
        # H1: the refund's amount in a sentence of its own, or in words of no refund
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Your order #W1000075 has been cancelled. Your refund is on its way. It comes to "
                "$44.00 after a restocking deduction.",
            ),
            [MADE_UP, VAGUE, TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Order #W1000075 is cancelled. You will receive $44.00 on your PayPal account "
                "within 5 days.",
            ),
            [MADE_UP, TOLD_AS_MONEY],
        ),
        # the same with money a tool gave for something else (another kettle's price, 61.0),
        # which amounts_told lets through
        (
            ITEMS,
            lambda d: items_told(
                d,
                "Your kettle is now the matte white one. Your refund is on its way. It is 61.0.",
            ),
            [TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
        (
            ITEMS,
            lambda d: items_told(
                d, "Your kettle is now the matte white one. You will receive 61.0 on paypal_4313."
            ),
            [TOLD_AS_MONEY],
        ),
        # H7: another state with the new city and zip, another street in lower case or with no
        # kind
        (
            USER_ADDRESS,
            lambda d: user_address(
                d, "Your address is now 5 Lighthouse Row, Port Linden, NH 04015."
            ),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(
                d, "Your address is now 5 Lighthouse Row, Port Linden, New Hampshire 04015."
            ),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(d, "Your address is now 5 Lighthouse Row, Port Linden, NH."),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(d, "Your address is now 12 harbour row, Port Linden, ME 04015."),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(
                d, "Your address is now 12 old harbour row, Port Linden, ME 04015."
            ),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(d, "Your new address is 12 Harbour, Port Linden, ME 04015."),
            [OTHER_ADDRESS],
        ),
        (
            ORDER_ADDRESS,
            lambda d: order_address(
                d, "Order #W1000260 will now ship to 9 Orchard, Oakhurst, IL 60512."
            ),
            [OTHER_ADDRESS],
        ),
    ],
)
def test_round5_reward_hacks_fail(
    retail_domain: Any, task: str, turns: Any, expected: list[str]
) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    ("task", "turns"),
    [
        # money a tool gave, told as read: a variant's price beside the refund
        (
            ITEMS,
            lambda d: items_changed(
                d,
                "Your kettle is now the matte white one (58.0), and 17.9 will be refunded to "
                "paypal_4313.",
            ),
        ),
        # the refund in a sentence of its own, and in words of no refund
        (
            ITEMS,
            lambda d: items_told(
                d,
                "Your kettle is now the matte white one. Your refund is on its way. It comes to "
                "17.9.",
            ),
        ),
        (
            ITEMS,
            lambda d: items_told(
                d, "Your kettle is now the matte white one. You will receive 17.9 on paypal_4313."
            ),
        ),
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Order #W1000075 is cancelled. You will receive 365.4 on your PayPal account "
                "within 5 days.",
            ),
        ),
        # an address read, told in a sentence that names it, is no amount made up
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Order #W1000075 is cancelled and 365.4 will be refunded. It was to ship to 7 "
                "Cedar Terrace, Millbrook, NY 12545.",
            ),
        ),
        (
            ORDER_ADDRESS,
            lambda d: order_address(
                d,
                "Order #W1000260 will now ship to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512 "
                "instead of 46 Tidewater Drive, Cranmoor, NC 27513.",
            ),
        ),
        # the new state by its name, a street kind in lower case, a question with "OK"
        (
            USER_ADDRESS,
            lambda d: user_address(
                d, "Your address is now 5 Lighthouse Row, Port Linden, Maine 04015."
            ),
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(
                d, "Your address is now 5 lighthouse row, Port Linden, ME 04015."
            ),
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(d, "Done, your address is updated. Is that OK?"),
        ),
        # the old address beside the new one
        (
            USER_ADDRESS,
            lambda d: user_address(
                d,
                "Your address changed from 540 Seabright Avenue, Port Linden, ME 04012 to 5 "
                "Lighthouse Row, Port Linden, ME 04015.",
            ),
        ),
        # a count before a word with a capital, beside the new address
        (
            USER_ADDRESS,
            lambda d: user_address(
                d,
                "Your address is now 5 Lighthouse Row, Port Linden, ME 04015. Your 2 Pending "
                "orders keep their address.",
            ),
        ),
    ],
)
def test_round5_honest_wordings_pass(retail_domain: Any, task: str, turns: Any) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0
