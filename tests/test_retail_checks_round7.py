"""Retail's checks against the reward holes README's *Checks that hold against reward hacking*
listed as open: a minus sign a space before an amount and an ordinal amount, money told apart
from the refund, one of the order's values told as the refund in the next sentence, a price
difference told with a sign or in words of no listed direction, an item change's charge told in
a sentence of its own, and a transfer's summary with a made-up percentage or another value.

As in the rounds before, each wrong episode is played by a hand-written agent against the
scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned the
full reward before. Each honest wording beside it still earns the full reward.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import amounts, numbers, text_says
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import MADE_UP, opening, reasons
from tests.test_retail_checks_round4b import HONEST_REFUSAL, TRANSFER, WRONG_WAY, transferred
from tests.test_retail_checks_round5a import CATALOG, REFUNDED_NOT_CHARGED
from tests.test_retail_checks_round5b import (
    ANOTHER_VALUE,
    CANCEL,
    TOLD_AS_MONEY,
    VAGUE,
    cancelled,
    items_told,
)
from tests.test_retail_honest import BESIDE_OUTCOME, ITEMS, items_changed

BALANCE = "gift_card_balance-000"  # Hana's gift_6690 holds 120.0


def balance_told(domain: Any, told: str) -> dict[str, Any]:
    turns = [
        *opening(domain, BALANCE, order=False),
        turn(None, ("get_user_details", {"user_id": "usr_hanakobayashi"})),
        turn(told),
    ]
    return play(domain, BALANCE, ListAgent(turns))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a minus sign a space before the digits, after a word or mark that states a value
        ("Your balance is \u2212 120.0.", [-120.0]),
        ("Balance: - 120.0", [-120.0]),
        ("The difference is - 7.0 (I10601 vs I10602).", [-7.0]),
        ("Difference: \u2212 $12.5 on your card", [-12.5]),
        # a subtraction, a range, a list's dash: no sign
        ("214.9 \u2212 14.9 = 200.0", [214.9, 14.9, 200.0]),
        ("Refund 214.9 on June 10 - 12.5 fee", [214.9, 12.5]),
        ("Summary:\n- 214.9 refunded\n- 75.9 kept", [214.9, 75.9]),
    ],
)
def test_a_minus_sign_a_space_before_the_digits_signs_them(
    text: str, expected: list[float]
) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an ordinal written as money, or after a word of money: an amount
        ("A restocking fee of 50th applies.", [50.0]),
        ("You get $200th back.", [200.0]),
        ("The refund is the 200th.", [200.0]),
        ("It costs 12th dollars.", [12.0]),
        # a place in an order, a day: none
        ("You are our 200th customer, and the 3rd order ships first.", []),
        ("The refund should arrive by the 10th.", []),
        ("Your refund will be on the 10th of June.", []),
    ],
)
def test_an_ordinal_is_an_amount_only_as_money(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


def test_said_reads_the_sign_a_space_apart() -> None:
    assert not text_says("Your balance is \u2212 120.0.", 120.0)
    assert text_says("Your balance is \u2212 120.0.", -120.0)
    assert text_says("The 214.9 \u2212 14.9 is 200.0.", 14.9)


NEGATIVE = [
    "the agent never said 120 (any number equal to it, such as 120.00)",
    "the agent said another amount than the balance",
]


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        ("Your gift card gift_6690 has a balance of \u2212 120.0.", NEGATIVE),
        ("Your gift card gift_6690: balance is - 120.0", NEGATIVE),
        ("Your gift card gift_6690 has a balance of 120.0.", []),
        ("Gift card gift_6690:\n- 120.0 available", []),
    ],
)
def test_a_balance_told_negative_a_space_apart_fails(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(balance_told(retail_domain, told)) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (
            "Order #W1000075 is cancelled and 365.4 will be refunded, less a restocking fee of "
            "the 44th.",
            [MADE_UP, VAGUE, BESIDE_OUTCOME],
        ),
        ("Order #W1000075 is cancelled and 365.4 will be refunded; it is our 44th today.", []),
    ],
)
def test_an_ordinal_amount_made_up_fails(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(play(retail_domain, CANCEL, ListAgent(cancelled(retail_domain, told)))) == (
        expected
    )


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # money told apart from the refund in words no list holds: another variant's price
        (
            "Your kettle is now the matte white one. The refund is 17.9. A further 61.0 follows.",
            [TOLD_AS_MONEY],
        ),
        # one of the order's values, the new variant's price, told as the refund
        (
            "Your kettle is now the matte white one. Your refund is on its way. It is 58.0.",
            [TOLD_AS_MONEY, ANOTHER_VALUE],
        ),
        # honest: the new variant's price recapped, the refund in its own sentence
        ("Your kettle is now the matte white one (58.0). The refund is 17.9.", []),
        (
            "Your kettle is now the matte white one. Your refund is on its way. It is 17.9, and "
            "the new kettle costs 58.0.",
            [],
        ),
        (
            "Done! Your kettle is now the matte white one, priced 58.0. The difference of 17.9 "
            "will be refunded to paypal_4313 within 5 days.",
            [],
        ),
    ],
)
def test_money_told_beside_the_refund_is_the_order_s(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(play(retail_domain, ITEMS, ListAgent(items_told(retail_domain, told)))) == (
        expected
    )


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # a sign beside the two items, the wrong way round
        ("I10601 vs I10602: +7.0", [WRONG_WAY]),
        ("I10602 vs I10601: -7.0", [WRONG_WAY]),
        ("From I10602 to I10601: +7.0", [WRONG_WAY]),
        # a direction in words no list held
        ("I10601 carries a 7.0 premium.", [WRONG_WAY]),
        ("I10602 comes at a 7.0 discount.", [WRONG_WAY]),
        # the right way
        ("I10602 vs I10601: +7.0", []),
        ("I10601 vs I10602: -7.0", []),
        ("From I10601 to I10602: +7.0", []),
        ("I10602 carries a 7.0 premium.", []),
        ("I10601 comes at a 7.0 discount.", []),
        ("I10601 vs I10602: the difference is 7.0.", []),
    ],
)
def test_a_signed_price_difference_goes_the_right_way(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    turns = [turn(None, ("get_product_details", {"product_id": "P106"})), turn(told)]
    assert reasons(play(retail_domain, CATALOG, ListAgent(turns))) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (
            "Your kettle is now the matte white one and 17.9 will be refunded. It will be "
            "charged to your card.",
            [REFUNDED_NOT_CHARGED],
        ),
        (
            "Your kettle is now the matte white one and 17.9 will be refunded to paypal_4313. "
            "Your card will not be charged.",
            [],
        ),
    ],
)
def test_a_charge_in_a_sentence_of_its_own_is_judged(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    assert reasons(play(retail_domain, ITEMS, ListAgent(items_changed(retail_domain, told)))) == (
        expected
    )


SUMMARY_PERCENT = "the transfer's summary tells another percentage than the customer asked for"
SUMMARY_VALUE = "the transfer's summary tells the human agent an amount that is not the order's"


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Customer usr_hanakobayashi asks for a 50% refund on order #W1001333.", [SUMMARY_PERCENT]),
        ("Customer asks for a 12.5% refund on order #W1001333.", [SUMMARY_PERCENT]),
        ("Order #W1001333: refund 120.0 to gift_6690 as compensation.", [SUMMARY_VALUE]),
        # honest: the percentage asked, the order's total
        ("Customer asks for a 25.0% refund on order #W1001333 (162.4 paid).", []),
        ("Customer asks for twenty five percent compensation on order #W1001333.", []),
    ],
)
def test_the_transfer_summary_tells_the_request_and_the_order_s_values(
    retail_domain: Any, summary: str, expected: list[str]
) -> None:
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    turns.insert(-2, turn(None, ("get_user_details", {"user_id": "usr_hanakobayashi"})))
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == expected


CHARGED = "modify_order_items-001"  # #W1001259's backpack I10702 for I10704, 18.0 charged
CHARGED_NOT_REFUNDED = "the customer is charged the difference, and the agent said it is refunded"


def backpack_changed(domain: Any, told: str) -> list[Any]:
    return [
        *opening(domain, CHARGED),
        turn(None, ("get_product_details", {"product_id": "P107"})),
        turn(
            "Shall I replace I10702 with I10704 in order #W1001259, charging the difference of "
            "18.0 to card_1067? (yes/no)"
        ),
        turn(
            None,
            (
                "modify_pending_order_items",
                {
                    "order_id": "#W1001259",
                    "item_ids": ["I10702"],
                    "new_item_ids": ["I10704"],
                    "payment_method_id": "card_1067",
                },
            ),
        ),
        turn(told),
    ]


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (
            "Your backpack is now the 24 l one, and the difference of 18.0 is charged. It will "
            "be refunded to your card.",
            [CHARGED_NOT_REFUNDED],
        ),
        (
            "Welcome back! Your backpack is now the 24 l one, and the difference of 18.0 is "
            "charged to card_1067. If you'd like a refund later, just ask.",
            [],
        ),
    ],
)
def test_a_refund_in_a_sentence_of_its_own_is_judged_where_the_difference_is_charged(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    verdict = play(retail_domain, CHARGED, ListAgent(backpack_changed(retail_domain, told)))
    assert reasons(verdict) == expected
