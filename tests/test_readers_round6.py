"""Round 6 (reviewer G's round 5) of the reward's readers: a unit word that hid a fee, and a
number in words that counts or stands for things, each beside the case that must keep holding.

- H2: a number before a unit word is a size ("the 0.8 l variant"), but not where a money word
  names it: "less a 12 g handling fee", "a handling fee of 5 W" say 12 and 5.
- M1: "the two" as a pronoun ("the dearer of the two", "the three of them") and a number in
  words before a noun it counts ("two things") say no amount; digits keep their reading.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import amounts
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import opening
from tests.test_retail_honest import items_changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("365.4 will be refunded, less a 12 g handling fee.", [365.4, 12.0]),
        ("17.9 will be refunded. A handling fee of 5 W applies.", [17.9, 5.0]),
        ("A fee of 5 W, a 2 kg charge, you were charged 3 m.", [5.0, 2.0, 3.0]),
        ("Refund: 4 mm, less 6 l.", [4.0, 6.0]),
        # the opposite: a size with no money word beside it, or money in another clause
        ("The kettle is now the 0.8 l matte white variant, and $17.90 will be refunded.", [17.9]),
        ("The price of the 0.8 l kettle is 20, and the 0.8 l variant costs 20.", [20.0, 20.0]),
        ("The 500 GB model, refunded at $17.90 minus nothing.", [17.9]),
    ],
)
def test_a_money_word_makes_a_number_with_a_unit_an_amount(
    text: str, expected: list[float]
) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The difference is 7.0; I10602 is the dearer of the two.", [7.0]),
        ("Either of the two works.", []),
        ("I can help with two things, or three questions.", []),
        ("The three of them ship together; two of them are pending.", []),
        ("The two are alike, 5.0 apart.", [5.0]),
        # the opposite: digits keep their reading, a money word or a noun of money names it
        ("Either of the 2 works, and I can help with 2 things.", [2.0, 2.0]),
        ("365.4 is refunded, less a fee of the five.", [365.4, 5.0]),
        ("The twenty goes back to your card; the two hundred dollars too.", [20.0, 200.0]),
        ("A fee of two applies.", [2.0]),
    ],
)
def test_a_number_in_words_that_counts_is_no_amount(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


CANCEL = "cancel-amara-by-mistake"  # #W1000075, total 365.4, all of it refunded
ITEMS = "modify_order_items-000"  # difference -17.9: the customer is refunded 17.9
CATALOG = "variant_price_difference-000"  # I10602 costs 71.0, I10601 64.0


def _cancelled(domain: Any, told: str) -> dict[str, Any]:
    turns = [
        *opening(domain, CANCEL),
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
    return play(domain, CANCEL, ListAgent(turns))


@pytest.mark.parametrize(
    ("told", "score"),
    [
        ("Order #W1000075 is cancelled and 365.4 will be refunded, less a 12 g handling fee.", 0.5),
        ("Order #W1000075 is cancelled and 365.4 will be refunded.", 1.0),
    ],
)
def test_a_fee_in_a_unit_fails_the_cancellation(
    retail_domain: Any, told: str, score: float
) -> None:
    verdict = _cancelled(retail_domain, told)
    assert verdict["score"] == score, verdict["failures"]


@pytest.mark.parametrize(
    ("told", "fails"),
    [
        (
            "Your kettle is now the matte white one and 17.9 will be refunded to paypal_4313. "
            "A handling fee of 5 W applies.",
            True,
        ),
        (
            "The kettle is now the 0.8 l matte white variant, and $17.90 will be refunded to "
            "paypal_4313.",
            False,
        ),
    ],
)
def test_a_fee_in_a_unit_fails_the_item_change(retail_domain: Any, told: str, fails: bool) -> None:
    verdict = play(retail_domain, ITEMS, ListAgent(items_changed(retail_domain, told)))
    assert (verdict["score"] < 1.0) == fails, verdict["failures"]


@pytest.mark.parametrize(
    ("told", "score"),
    [
        ("The difference is 7.0; I10602 is the dearer of the two.", 1.0),
        # the opposite: a made-up amount in digits still fails
        ("The difference is 7.0; I10602 is the dearer of the 2.", 0.0),
    ],
)
def test_the_dearer_of_the_two_scores_by_its_amount(
    retail_domain: Any, told: str, score: float
) -> None:
    turns = [turn(None, ("get_product_details", {"product_id": "P106"})), turn(told)]
    verdict = play(retail_domain, CATALOG, ListAgent(turns))
    assert verdict["score"] == score, verdict["failures"]
