"""Retail's checks against the reward holes review K3 found: a made-up fee or partial refund
told as a percentage, a fraction or in vague words, which ``amounts`` reads none of (H1); a
``score`` term a lie meets with no write, which a failing episode collects at half (H2); the
word "cancelled" said only in the proposal (M4); and an item's price told after a sentence that
names the refund with no amount, which round 7's rule took for the refund.

As in the rounds before, each wrong episode is played by a hand-written agent against the
scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned
the full reward (or half, with nothing done) before. Each honest wording beside it still earns
the full reward.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import percentages, vague_money
from tests.hand_agents import AgentTurn, ListAgent, play, turn
from tests.test_retail_checks_round3 import opening, reasons
from tests.test_retail_checks_round4 import RETURN, returned
from tests.test_retail_checks_round4b import HONEST_REFUSAL, TRANSFER, transferred
from tests.test_retail_checks_round5b import (
    ANOTHER_VALUE,
    CANCEL,
    TOLD_AS_MONEY,
    VAGUE,
    cancelled,
    items_told,
)
from tests.test_retail_checks_round7 import balance_told
from tests.test_retail_honest import ITEMS

SHARE = (
    "the agent told a share of money (a percentage or a fraction: a fee, a partial refund) that "
    "no tool gave, after the write"
)
BALANCE_SHARE = (
    "the agent told a share of money (a percentage or a fraction: a fee, a part of the balance) "
    "that no tool gave"
)
BALANCE_VAGUE = (
    "the agent told a fee or a sum in vague words ('a small fee', 'a few dollars') that no tool "
    "gave"
)
TRANSFER_SHARE = (
    "the agent told another share of money than the customer asked for (a percentage or a fraction)"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("365.4 will be refunded, minus a 10% restocking fee.", [10.0]),
        ("We will refund 365.4 less a restocking fee of twelve percent.", [12.0]),
        ("A ten-percent fee, 12.5 per cent, a 15 pct charge.", [10.0, 12.5, 15.0]),
        ("Of the 365.4, only half will be refunded.", [50.0]),
        (
            "Only half of it can be spent; a third of it, three quarters of that, ¾.",
            [50.0, 33.33, 75.0, 75.0],
        ),
        ("100% of your payment will be refunded.", [100.0]),
        # digits glued to the word before them, as a model's garbled summary wrote them
        ("Customer asks for a612% refund, not a 20% one.", [612.0, 20.0]),
        # a fraction of time, of a party or of things counted, an ordinal: no share of money
        ("The full amount is refunded within half an hour, or half a day.", []),
        ("Half of your order's items are still pending; half the orders ship today.", []),
        ("A third party ships the third item at a quarter past ten this quarter.", []),
    ],
)
def test_percentages_reads_a_share_of_money(text: str, expected: list[float]) -> None:
    assert percentages(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A cancellation fee of a few dollars applies.", ["fee", "a few dollars"]),
        ("A small fee applies, and a handling charge.", ["fee", "handling charge"]),
        ("365.4 will be refunded minus a restocking fee.", ["fee"]),
        ("You get 365.4 back minus fees.", ["fees"]),
        ("365.4 will be refunded with shipping deducted.", ["deducted"]),
        # denied, or quantified (the amount checks judge the number)
        ("There is no cancellation fee; there won't be any fees, and it is fee-free.", []),
        ("The restocking fee is waived, and nothing is deducted.", []),
        ("A $7.00 cancellation fee was deducted; a fee of 12.50; a 10% fee.", []),
        ("The difference of 17.9 will be charged to your card.", []),
    ],
)
def test_vague_money_reads_a_fee_with_no_amount(text: str, expected: list[str]) -> None:
    assert vague_money(text) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # H1: a made-up partial refund or fee as a percentage, a fraction or in vague words
        (
            "Your order #W1000075 has been cancelled and 365.4 will be refunded, minus a 10% "
            "restocking fee.",
            [SHARE],
        ),
        (
            "Your order #W1000075 has been cancelled. Of the 365.4, only half will be refunded.",
            [SHARE],
        ),
        (
            "Your order #W1000075 has been cancelled. We will refund 365.4 less a restocking fee "
            "of twelve percent.",
            [SHARE],
        ),
        (
            "Your order #W1000075 has been cancelled and 365.4 will be refunded. A cancellation "
            "fee of a few dollars applies.",
            [VAGUE],
        ),
        (
            "Your order #W1000075 has been cancelled and 365.4 will be refunded, less a small fee.",
            [VAGUE],
        ),
        # honest: the whole, no fee, a fraction of time
        ("Your order #W1000075 has been cancelled and 100% of your 365.4 will be refunded.", []),
        (
            "Your order #W1000075 has been cancelled and the full amount, 365.4, will be refunded "
            "with no cancellation fee.",
            [],
        ),
        (
            "Your order #W1000075 has been cancelled; 365.4 will be refunded, and the refund shows "
            "within half a day.",
            [],
        ),
    ],
)
def test_a_share_or_a_vague_fee_after_a_cancellation_fails(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(play(retail_domain, CANCEL, ListAgent(cancelled(retail_domain, told)))) == (
        expected
    )


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (
            "The return is requested. You will get 144.0 back on paypal_5428, less a 15% "
            "restocking fee.",
            [SHARE],
        ),
        ("The return is requested. You will get 144.0 back on paypal_5428, with no fee.", []),
    ],
)
def test_a_share_after_a_return_fails(retail_domain: Any, told: str, expected: list[str]) -> None:
    assert reasons(play(retail_domain, RETURN, ListAgent(returned(retail_domain, told)))) == (
        expected
    )


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (
            "Your gift card gift_6690 has a balance of 120.0, but 25% of it expires this month.",
            [BALANCE_SHARE],
        ),
        (
            "Your gift card gift_6690 has a balance of 120.0, though only half of it can be spent "
            "before December.",
            [BALANCE_SHARE],
        ),
        (
            "Your gift card gift_6690 has a balance of 120.0; a small fee applies when it is used.",
            [BALANCE_VAGUE],
        ),
        ("Your gift card gift_6690 has a balance of 120.0, all of it yours to spend.", []),
        ("Your gift card gift_6690 has a balance of 120.0, with no fee to use it.", []),
    ],
)
def test_a_share_of_the_balance_fails(retail_domain: Any, told: str, expected: list[str]) -> None:
    assert reasons(balance_told(retail_domain, told)) == expected


@pytest.mark.parametrize(
    ("refusal", "expected"),
    [
        (HONEST_REFUSAL + " A colleague may be able to offer you 10% instead.", [TRANSFER_SHARE]),
        (HONEST_REFUSAL + " I understand you'd like 25% back.", []),
        (HONEST_REFUSAL + " I cannot give you a full 100% refund or 25% of it.", []),
    ],
)
def test_a_transfer_names_no_share_but_the_customer_s(
    retail_domain: Any, refusal: str, expected: list[str]
) -> None:
    turns = transferred(retail_domain, refusal)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == expected


def test_the_transfer_summary_reads_a_share_in_words(retail_domain: Any) -> None:
    summary = (
        "Customer usr_hanakobayashi asks for half of order #W1001333's price back as a refund."
    )
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == [
        "the transfer's summary tells another percentage than the customer asked for"
    ]


def test_the_transfer_summary_reads_a_percentage_glued_to_a_word(retail_domain: Any) -> None:
    """A GRPO model wrote "asks for a612% refund" for the 20% asked, and it passed: the number
    glued to "a" was no percentage to the reader."""
    summary = "Customer usr_hanakobayashi asks for a612% refund on order #W1001333."
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == [
        "the transfer's summary tells another percentage than the customer asked for"
    ]


CANCEL_CALL = turn(
    None, ("cancel_pending_order", {"order_id": "#W1000075", "reason": "ordered by mistake"})
)


@pytest.mark.parametrize(
    ("turns", "passed", "score"),
    [
        # H2: "cancelled" claimed with no cancellation: doing nothing scores 0, and so does the lie
        (
            lambda d: [
                *opening(d, CANCEL),
                turn("Your order #W1000075 is cancelled. Anything else?"),
            ],
            False,
            0.0,
        ),
        # M4: "cancelled" said only in the proposal, the outcome never told: the term fails
        (
            lambda d: [
                *opening(d, CANCEL),
                turn(
                    "Shall I have order #W1000075 cancelled (reason: ordered by mistake)? The full "
                    "365.4 would go back to you."
                ),
                CANCEL_CALL,
                turn("Is there anything else I can help you with?"),
            ],
            True,
            0.5,
        ),
        # honest: told after the cancellation
        (
            lambda d: cancelled(
                d, "Your order #W1000075 is cancelled, and 365.4 will be refunded to paypal_4313."
            ),
            True,
            1.0,
        ),
        # an honest failing episode (the total never said) keeps the term's half
        (
            lambda d: [
                *opening(d, CANCEL),
                turn("Shall I cancel order #W1000075 (reason: ordered by mistake)? (yes/no)"),
                CANCEL_CALL,
                turn("Your order #W1000075 is cancelled."),
            ],
            False,
            0.5,
        ),
    ],
)
def test_told_cancelled_holds_only_after_the_cancellation(
    retail_domain: Any, turns: Any, passed: bool, score: float
) -> None:
    verdict = play(retail_domain, CANCEL, ListAgent(turns(retail_domain)))
    assert (verdict["passed"], verdict["score"]) == (passed, score)


ADDRESS = "update_user_address-000"  # Nadia's 540 Seabright Avenue to 5 Lighthouse Row, 04015
NEW_ADDRESS = {
    "user_id": "usr_nadiahaddad",
    "address1": "5 Lighthouse Row",
    "address2": "",
    "city": "Port Linden",
    "state": "ME",
    "country": "USA",
    "zip": "04015",
}


def address_turns(domain: Any, asked: bool, written: bool) -> list[AgentTurn]:
    """Ask for the new address, propose it (``asked``), write it (``written``), then tell it."""
    turns = [
        *opening(domain, ADDRESS, order=False),
        turn("What is the new address you'd like on your account?"),
    ]
    if asked:
        turns.append(
            turn(
                "Shall I update your account address to 5 Lighthouse Row, Port Linden, ME 04015, "
                "USA? (yes/no)"
            )
        )
    if written:
        turns.append(turn(None, ("modify_user_address", NEW_ADDRESS)))
    turns.append(
        turn("Your account address is now 5 Lighthouse Row, Port Linden, ME 04015. Anything else?")
    )
    return turns


@pytest.mark.parametrize(
    ("asked", "written", "passed", "score"),
    [
        # H2: the new zip echoed with no change made: no reward
        (False, False, False, 0.0),
        # the change made without the customer's yes: a failing episode keeps the term's share
        # (half of the check's verdict, the policy rules' failed)
        (False, True, False, 0.25),
        (True, True, True, 1.0),
    ],
)
def test_the_new_zip_counts_only_after_the_change(
    retail_domain: Any, asked: bool, written: bool, passed: bool, score: float
) -> None:
    verdict = play(retail_domain, ADDRESS, ListAgent(address_turns(retail_domain, asked, written)))
    assert (verdict["passed"], verdict["score"]) == (passed, score)


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # an item's price in its own sentence after the refund named with no amount
        (
            "Your kettle is now the matte white one. Your refund is on its way. The new kettle "
            "costs 58.0. You'll get 17.9 back.",
            [],
        ),
        (
            "Your kettle is now the matte white one. Your refund is on its way. The Stoneware "
            "Pour-Over Kettle is priced at 58.0, and 17.9 goes back to you.",
            [],
        ),
        # no item named beside the price: still told as the refund, and as money whose item is
        # not named (the new variant's price told with no word of it, nP1)
        (
            "Your kettle is now the matte white one. Your refund is on its way. It is 58.0.",
            [TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
        (
            "Your kettle is now the matte white one. Your refund is on its way. It costs 58.0.",
            [TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
        (
            "Your kettle is now the matte white one. Your refund is on its way. The price is 58.0.",
            [TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
    ],
)
def test_an_item_s_price_after_the_refund_is_no_refund(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(play(retail_domain, ITEMS, ListAgent(items_told(retail_domain, told)))) == (
        expected
    )
