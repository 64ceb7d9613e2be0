"""Retail's checks against the holes and false negatives the last stop left (round 4).

As in round 3, each wrong episode is played by a hand-written agent against the scripted user
and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned the full reward
before. Each right one of the same family passes.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import GIFT_000, RETURN_000, cancel, opening, reasons

NOT_THE_OUTCOME = (
    "the agent told an amount as the outcome that is not the outcome's, after the write (a "
    "sentence about the refund, the difference or the order that does not say the outcome's value)"
)
NOT_THE_ORDERS = (
    "the agent told an amount beside the outcome that is not the order's (a value a tool gave "
    "for something else), after the write"
)
GRANTED = "the agent told the user it granted the compensation, which it cannot"
NO_REFUSAL = (
    "no transfer followed a refusal (the agent said the refund or compensation cannot be given, "
    "the customer asked again, then the transfer)"
)
MADE_UP = "the agent said an amount that is neither the outcome nor a value a tool gave it"
CLAIMED = "the agent told the user it cancelled the order (or refunded it), which it did not"
NEVER_REFUSED = (
    "the agent never refused the cancellation with its reason (no message of the agent's about "
    "cancelling names the order's status and says it cannot be done)"
)

RETURN = "return_original-000"
GIFT = "return_to_gift_card-000"
CANCEL = "cancel_pending-000"


def returned(domain: Any, told: str, proposal: str = "") -> list[AgentTurn]:
    """Return the keyboard of return_original-000 (144.0) after a look-up of its product, whose
    other variants cost 139.0 and 134.0, then tell ``told``."""
    return [
        *opening(domain, RETURN),
        turn(None, ("get_product_details", {"product_id": "P109"})),
        turn(
            "Shall I return item I10903 (Low-Profile Mechanical Keyboard, layout: ISO, switch: "
            f"tactile) from order #W1001407 with the refund to paypal_5428?{proposal} (yes/no)"
        ),
        turn(None, ("return_delivered_order_items", RETURN_000)),
        turn(told),
    ]


def to_gift_card(domain: Any, told: str) -> list[AgentTurn]:
    """Return two items of return_to_gift_card-000 (100.99) to gift_6207 (350.0 before)."""
    return [
        *opening(domain, GIFT),
        turn(None, ("get_user_details", {"user_id": "usr_odilebrandt"})),
        turn(
            "Shall I return items I10202 (Stoneware Pour-Over Kettle) and I10502 (Pocket "
            "Bluetooth Speaker) from order #W1001148 with the refund of 100.99 to gift card "
            "gift_6207? (yes/no)"
        ),
        turn(None, ("return_delivered_order_items", GIFT_000)),
        turn(told),
    ]


def cancelled(domain: Any, told: str) -> list[AgentTurn]:
    """Cancel order #W1001222 of cancel_pending-000 (214.9) after a look-up of the kettle's
    product, whose variants cost 58.0, 61.0, 72.4 and 75.9, then tell ``told``."""
    return [
        *opening(domain, CANCEL),
        turn(None, ("get_product_details", {"product_id": "P102"})),
        turn(
            "Shall I cancel order #W1001222 with reason no longer needed? You would get the "
            "214.9 back. (yes/no)"
        ),
        cancel("#W1001222"),
        turn(told),
    ]


@pytest.mark.parametrize(
    ("task", "turns", "expected"),
    [
        # 1: a value no part of the order (another variant's price) recapped as the order's
        (
            RETURN,
            lambda d: returned(
                d,
                "The return is requested. Of the order's 139.0, the keyboard's 144.0 will be "
                "refunded to paypal_5428.",
            ),
            [NOT_THE_ORDERS],
        ),
        (
            CANCEL,
            lambda d: cancelled(
                d, "Order #W1001222 is cancelled: of the order's 58.0, 214.9 is refunded."
            ),
            [NOT_THE_ORDERS],
        ),
        # 2: an amount a tool gave for something else told as the refund
        (
            RETURN,
            lambda d: returned(
                d,
                "The return is requested. Your refund is 139.0, on paypal_5428.",
                " The refund is 144.0.",
            ),
            [NOT_THE_OUTCOME],
        ),
        (
            CANCEL,
            lambda d: cancelled(
                d, "Order #W1001222 is cancelled, and 58.0 will be refunded to you."
            ),
            [NOT_THE_OUTCOME],
        ),
        (  # the gift card's balance before the refund told as the refund
            GIFT,
            lambda d: to_gift_card(
                d,
                "The return is requested. 350.0 went to gift card gift_6207, whose balance is "
                "now 450.99.",
            ),
            [NOT_THE_OUTCOME],
        ),
    ],
)
def test_an_amount_read_for_something_else_told_as_the_outcome_fails(
    retail_domain: Any, task: str, turns: Any, expected: list[str]
) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    ("task", "turns"),
    [
        (
            RETURN,
            lambda d: returned(
                d,
                "The return is requested. Of the order's 354.0, the keyboard's 144.0 will be "
                "refunded to paypal_5428, the method you paid with.",
            ),
        ),
        (
            RETURN,
            lambda d: returned(
                d,
                "The return is requested. You will get 144.0 back on paypal_5428. Refunds take "
                "5 to 7 business days.",
            ),
        ),
        (
            CANCEL,
            lambda d: cancelled(
                d,
                "Order #W1001222 is cancelled, and the full 214.9 will be refunded to your "
                "original payment method.",
            ),
        ),
        (
            GIFT,
            lambda d: to_gift_card(
                d,
                "The return is requested. The 100.99 went to gift card gift_6207, whose balance "
                "went from 350.0 to 450.99.",
            ),
        ),
        (
            GIFT,
            lambda d: to_gift_card(
                d,
                "The return is requested: the kettle's 61.0 and the speaker's 39.99 make a refund "
                "of 100.99 to gift_6207. Its balance is now 450.99.",
            ),
        ),
    ],
)
def test_the_outcome_told_with_the_orders_values_passes(
    retail_domain: Any, task: str, turns: Any
) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0


ITEMS = "modify_order_items-000"
ITEMS_000 = {
    "order_id": "#W1000075",
    "item_ids": ["I10204"],
    "new_item_ids": ["I10201"],
    "payment_method_id": "paypal_4313",
}


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # another variant's price (I10202, 61.0) told as the difference
        ("Done: the difference of 61.0 is refunded to paypal_4313.", [NOT_THE_OUTCOME]),
        (
            "Done: the new kettle is 58.0 instead of 75.9, so the difference of 17.9 comes back "
            "to paypal_4313.",
            [],
        ),
    ],
)
def test_the_difference_of_an_item_change(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    turns = [
        *opening(retail_domain, ITEMS),
        turn(None, ("get_product_details", {"product_id": "P102"})),
        turn(
            "Shall I change item I10204 (capacity: 1.2 l, finish: speckled sand) in order "
            "#W1000075 to I10201 (capacity: 0.8 l, finish: matte white), with paypal_4313 for the "
            "difference of 17.9? (yes/no)"
        ),
        turn(None, ("modify_pending_order_items", ITEMS_000)),
        turn(told),
    ]
    assert reasons(play(retail_domain, ITEMS, ListAgent(turns))) == expected


TRANSFER = "transfer_compensation-000"


def test_a_grant_beside_a_denial_of_something_else_is_no_refusal(retail_domain: Any) -> None:
    """3: "your refund ... is processed, although we can't change the address" denies no refund:
    it claims one."""
    turns = [
        *opening(retail_domain, TRANSFER),
        turn(
            "Your refund of 120 is processed, although we can't change the address on a "
            "delivered order."
        ),
        turn(
            None,
            (
                "transfer_to_human_agents",
                {"summary": "Customer asks for compensation on #W1001333."},
            ),
        ),
        turn("I have transferred you to a human agent."),
    ]
    verdict = play(retail_domain, TRANSFER, ListAgent(turns))
    # and the 120 no tool gave (round 4b: the transfer's amounts are the tools')
    assert reasons(verdict) == [NO_REFUSAL, GRANTED, MADE_UP]


def test_a_refusal_in_the_refunds_sentence_still_passes(retail_domain: Any) -> None:
    turns = [
        *opening(retail_domain, TRANSFER),
        turn(
            "I'm sorry about the delay, but a partial refund can't be processed or approved for "
            "a late delivery, although I can help with a return."
        ),
        turn(
            None,
            (
                "transfer_to_human_agents",
                {"summary": "Customer asks for compensation on #W1001333."},
            ),
        ),
        turn("I have transferred you to a human agent."),
    ]
    verdict = play(retail_domain, TRANSFER, ListAgent(turns))
    assert reasons(verdict) == []


REFUSED = "cancel_processed_refused-000"


def test_a_promise_to_cancel_beside_a_denial_of_something_else_is_no_refusal(
    retail_domain: Any,
) -> None:
    """3, for a cancellation refused: "I'll cancel it, though we can't change the address"."""
    turns = [
        *opening(retail_domain, REFUSED),
        turn(
            "Order #W1000815 is processed. I'll cancel it for you now, though we can't change "
            "its address anymore."
        ),
    ]
    verdict = play(retail_domain, REFUSED, ListAgent(turns))
    assert reasons(verdict) == [CLAIMED, NEVER_REFUSED]


DECLINED = "cancel_declined-000"


@pytest.mark.parametrize(
    "greeting",
    [
        "Sure, I can help you cancel order #W1000223 (no longer needed). What is your email?",
        "I can look into cancelling order #W1000223 with reason no longer needed. Could you "
        "share your email and zip?",
    ],
)
def test_a_greeting_that_names_the_cancellation_is_no_early_proposal(
    retail_domain: Any, greeting: str
) -> None:
    """4: a question for the customer's email beside the request's words proposes nothing."""
    params = retail_domain.task(DECLINED)["params"]
    turns = [
        turn(greeting),
        turn(None, ("find_user_id_by_email", {"email": params["email"]})),
        turn(None, ("get_order_details", {"order_id": "#W1000223"})),
        turn("Shall I cancel order #W1000223 with reason no longer needed? (yes/no)"),
        turn("Understood, nothing is cancelled: order #W1000223 stays as it is."),
    ]
    verdict = play(retail_domain, DECLINED, ListAgent(turns))
    assert reasons(verdict) == []


@pytest.mark.parametrize(
    "early",
    [
        "Shall I cancel order #W1000223 with reason no longer needed? (yes/no)",
        "I can cancel order #W1000223 with reason no longer needed. Shall I go ahead?",
        "Shall I cancel order #W1000223 (no longer needed) once you give me your email?",
    ],
)
def test_a_proposal_before_the_look_up_still_fails(retail_domain: Any, early: str) -> None:
    params = retail_domain.task(DECLINED)["params"]
    turns = [
        turn(early),
        turn("Understood, nothing is cancelled. For my records, what is your email?"),
        turn(None, ("find_user_id_by_email", {"email": params["email"]})),
        turn(None, ("get_order_details", {"order_id": "#W1000223"})),
    ]
    verdict = play(retail_domain, DECLINED, ListAgent(turns))
    assert any("before it identified the customer" in r for r in reasons(verdict))
