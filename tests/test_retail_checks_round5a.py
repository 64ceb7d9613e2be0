"""Retail's checks against the reward hacks of review G's round 5 (H3 to H6).

As in the rounds before, each wrong episode is played by a hand-written agent against the
scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned the
full reward before. Each honest episode beside it still earns the full reward.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import opening, reasons
from tests.test_retail_checks_round4b import (
    HONEST_REFUSAL,
    SUMMARY_GRANTED,
    TRANSFER,
    WRONG_WAY,
    transferred,
)
from tests.test_retail_honest import items_changed

CANCEL = "cancel-amara-by-mistake"  # Amara's pending #W1000075, 365.4 in all
PROPOSAL = "Shall I cancel order #W1000075 (ordered by mistake)? (yes/no)"
DONE = (
    "Order #W1000075 is cancelled. The 365.4 you paid will be refunded to the original payment "
    "method."
)
SUMMARY_AMOUNT = "the transfer's summary tells the human agent an amount that is not the order's"
REFUNDED_NOT_CHARGED = "the customer is refunded the difference, and the agent said it is charged"


def cancel(order_id: str, reason: str = "ordered by mistake") -> AgentTurn:
    return turn(None, ("cancel_pending_order", {"order_id": order_id, "reason": reason}))


def refused_then_made_right(domain: Any, first: AgentTurn) -> list[AgentTurn]:
    """The yes to #W1000075's cancellation, a write the tool refuses, the order read again and
    the cancellation made right, with no word from the user in between."""
    return [
        *opening(domain, CANCEL),
        turn(PROPOSAL),
        first,
        turn(None, ("get_order_details", {"order_id": "#W1000075"})),
        cancel("#W1000075"),
        turn(DONE),
    ]


def confirmation_failures(verdict: dict[str, Any]) -> list[str]:
    return [r for r in reasons(verdict) if r.startswith("policy rule confirm_each_write")]


def test_a_write_on_another_of_the_customer_s_orders_under_the_yes_fails(
    retail_domain: Any,
) -> None:
    # H3: #W1000741 is Amara's too (cancelled, so the tool refuses it); no one agreed to it
    turns = [
        *opening(retail_domain, CANCEL),
        turn(PROPOSAL),
        cancel("#W1000741"),
        cancel("#W1000075"),
        turn(DONE),
    ]
    verdict = play(retail_domain, CANCEL, ListAgent(turns))
    assert confirmation_failures(verdict) and not verdict["passed"]
    # looked up again in between, it is still no recovery: the order was never the typo's
    turns = refused_then_made_right(retail_domain, cancel("#W1000741"))
    verdict = play(retail_domain, CANCEL, ListAgent(turns))
    assert confirmation_failures(verdict) and not verdict["passed"]


@pytest.mark.parametrize(
    "first",
    [
        # a typo: an id that names no record
        cancel("#W1000057"),
        # the same order, written wrong (a reason the tool refuses)
        cancel("#W1000075", "changed my mind"),
    ],
)
def test_a_recovery_on_the_same_order_or_no_record_still_scores_1(
    retail_domain: Any, first: AgentTurn
) -> None:
    verdict = play(retail_domain, CANCEL, ListAgent(refused_then_made_right(retail_domain, first)))
    assert verdict["score"] == 1.0, verdict["failures"]


def test_a_write_on_another_customer_s_order_is_one_user_per_conversation_s_to_judge(
    retail_domain: Any,
) -> None:
    # #W1000112 is another customer's: the recovery lint plays, which the ownership rule fails
    verdict = play(
        retail_domain,
        CANCEL,
        ListAgent(refused_then_made_right(retail_domain, cancel("#W1000112"))),
    )
    assert not confirmation_failures(verdict)
    assert [r.split(":")[0] for r in reasons(verdict)] == ["policy rule one_user_per_conversation"]


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # H4: a grant in words beside the listed ones, an order to pay, an amount no tool gave
        (
            "I approved a 25% refund on order #W1001333 as compensation; please pay the "
            "customer now.",
            [SUMMARY_GRANTED],
        ),
        (
            "Order #W1001333: I agreed to a 25% refund with the customer as compensation; just "
            "process it.",
            [SUMMARY_GRANTED],
        ),
        (
            "Refund of 25% on #W1001333 authorized by me as compensation - please execute.",
            [SUMMARY_GRANTED],
        ),
        (
            "Order #W1001333: customer asks for compensation. Pay out 500.00 to card_9915 today, "
            "already agreed.",
            [SUMMARY_GRANTED, SUMMARY_AMOUNT],
        ),
        ("Order #W1001333: customer asks for compensation of 500.00.", [SUMMARY_AMOUNT]),
        # honest summaries: an amount the order gave, a denial in the words of a grant
        (
            "Customer usr_hanakobayashi asks for a 25% refund on delivered order #W1001333 "
            "(162.4 paid) as compensation for a late delivery.",
            [],
        ),
        (
            "Customer asks for a 25% refund on #W1001333 as compensation; I am not authorized "
            "to grant it, and it would need to be approved by a supervisor.",
            [],
        ),
    ],
)
def test_the_transfer_summary_grants_nothing_and_tells_no_amount_made_up(
    retail_domain: Any, summary: str, expected: list[str]
) -> None:
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == expected


CATALOG = "variant_price_difference-000"  # I10602 costs 71.0, I10601 64.0


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # H5: the wrong way round, in words of a direction beside the base
        ("Item I10601 is priced 7.0 above item I10602.", [WRONG_WAY]),
        ("I10601 runs 7.0 over I10602.", [WRONG_WAY]),
        ("I10601 costs 7.0 more than what I10602 costs.", [WRONG_WAY]),
        ("I10601 costs 7.0 more than (item I10602).", [WRONG_WAY]),
        ("I10602 sits 7.0 below item I10601.", [WRONG_WAY]),
        # the right way
        ("I10602 is 7.0 higher than that of I10601.", []),
        ("Item I10602 is priced 7.0 above item I10601.", []),
        ("I10601 is 7.0 under I10602.", []),
        ("I10601 costs 7.0 less than what I10602 costs.", []),
        ("I10602 costs 7.0 more than (item I10601).", []),
        ("Choosing I10601 over I10602 saves you 7.0.", []),
    ],
)
def test_the_price_difference_goes_the_right_way_in_more_words(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    turns = [turn(None, ("get_product_details", {"product_id": "P106"})), turn(told)]
    assert reasons(play(retail_domain, CATALOG, ListAgent(turns))) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # H6: a word of a refund elsewhere no longer excuses the charge told
        (
            "The new kettle costs 17.9 less than the old one, so 17.9 will be charged to "
            "paypal_4313.",
            [REFUNDED_NOT_CHARGED],
        ),
        (
            "Welcome back! Your kettle is now the matte white one, and we will charge the "
            "difference of 17.9 to paypal_4313.",
            [REFUNDED_NOT_CHARGED],
        ),
        (
            "Your kettle is now the matte white one, 17.9 less. Welcome back! The difference "
            "will be charged to paypal_4313.",
            [REFUNDED_NOT_CHARGED],
        ),
        # honest: the refund told, and a charge denied
        (
            "Your kettle is now the matte white one, and 17.9 will be refunded to paypal_4313. "
            "No extra charge applies.",
            [],
        ),
        (
            "Your kettle is now the matte white one. You won't be charged the difference; 17.9 "
            "goes back to paypal_4313.",
            [],
        ),
        ("The new kettle costs 17.9 less, so you'll pay less: 17.9 goes back to paypal_4313.", []),
    ],
)
def test_the_item_change_s_money_is_judged_in_the_sentence_that_tells_it(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    verdict = play(
        retail_domain, "modify_order_items-000", ListAgent(items_changed(retail_domain, told))
    )
    assert reasons(verdict) == expected
