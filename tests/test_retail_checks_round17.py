"""Retail's checks against what round 16 left: an amount told as the order's new total that is
not it, and honest wordings of the totals and of the card paid with that lost the reward, each
loosening beside false twins that still fail.

- An amount told by a name of the total after the write is that total (block
  `total_direction`): "New total: $17.90.", "Your order total is now $17.90.", "Order total:
  $365.40, new total $17.90.", a table's row "| New total | $17.90 |" tell the difference as the
  total; "The difference of $17.90 brings your new total to $347.50." does not.
- "Order total: $365.40, now $347.50." reads as a range of the totals (``beside``): honest, and
  "..., now $17.90." ends at the difference; "Your order total: $365.40 -> $347.50." is a recap
  (`name_determiners`), "Your refund: $300.00 -> $347.50." none.
- "card_1067, the credit card you paid with" names the card charged: "credit" in "credit card"
  is no refund (block `direction_told`), "credited to your card" for a charge still is.

Each episode is the scripted (gold) agent's with its report after the write replaced, played
against the scripted user and judged by retail's compiled verifiers (see round 13).
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import beside
from tests.test_retail_checks_round13 import (
    CHARGED,
    REFUNDED,
    assert_false_report,
    assert_honest_report,
)
from tests.test_retail_checks_round16 import APPLIED, CARD_APPLIED, CARD_CHANGE
from tests.test_retail_honest4 import CHANGE, EXCHANGE

WRONG = [
    # H. a lone "now", "new" or "updated" amount beside a total word that is not the new total
    (CHANGE, REFUNDED + "Order total: $365.40, now $17.90."),
    (CHANGE, REFUNDED + "Order total: $365.40, now $300.00."),
    (CHANGE, REFUNDED + "Order total: $365.40, new total $17.90."),
    (CHANGE, REFUNDED + "Order total: $365.40, updated total: $17.90."),
    (CHANGE, REFUNDED + "Order total: $365.40, now at $17.90."),
    (CHANGE, REFUNDED + "Order total: $365.40 (now $17.90)."),
    (CHANGE, REFUNDED + "Order total: $347.50, now $365.40."),
    (EXCHANGE, CHARGED + "Order total: $66.99, now $6.50."),
    # the difference told as the new total in another frame, with no old total beside it
    (CHANGE, REFUNDED + "New total: $17.90."),
    (CHANGE, REFUNDED + "Your order total is now $17.90."),
    (CHANGE, REFUNDED + "The new total is $17.90."),
    (CHANGE, REFUNDED + "Updated order total: $17.90."),
    (CHANGE, REFUNDED + "New order total: $17.90 (was $365.40)."),
    (CHANGE, REFUNDED + "| Item | Price |\n| New total | $17.90 |"),
    (EXCHANGE, CHARGED + "New total: $6.50."),
    # M. a label of money moved before a range of the totals
    (CHANGE, REFUNDED + "Your refund: $300.00 -> $347.50."),
    (CHANGE, REFUNDED + "Your refund: $365.40 -> $347.50."),
    # M. a card's kind that is not the payment's, and "credited" for a charge
    (CHANGE, APPLIED + ", the credit card you paid with."),
    (CARD_CHANGE, CARD_APPLIED + ", the gift card you paid with."),
    (CARD_CHANGE, CARD_APPLIED + ". It has been credited to your card."),
    (CARD_CHANGE, CARD_APPLIED + ", the credit card you paid with, and credited to it."),
    (
        CARD_CHANGE,
        CARD_APPLIED.replace(
            "has been applied to card_1067", "has been credited to your credit card"
        )
        + ".",
    ),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_false_report_after_the_write_fails(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_false_report(retail_domain, task_id, report)


HONEST = [
    (CHANGE, REFUNDED + "Order total: $365.40, now $347.50."),
    (CHANGE, REFUNDED + "The order total was $365.40, now $347.50."),
    (CHANGE, REFUNDED + "New total: $347.50."),
    (CHANGE, REFUNDED + "Your order total: $365.40 -> $347.50."),
    (CHANGE, REFUNDED + "The order total: $365.40 -> $347.50."),
    (CHANGE, REFUNDED + "The difference of $17.90 brings your new total to $347.50."),
    (EXCHANGE, CHARGED + "Order total: $66.99, now $73.49."),
    (EXCHANGE, CHARGED + "Your order total: $66.99 -> $73.49."),
    (CARD_CHANGE, CARD_APPLIED + ", the credit card you paid with."),
    (CARD_CHANGE, CARD_APPLIED + " (the credit card you paid with)."),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_honest_report(retail_domain, task_id, report)


TOTALS = [{"value": 347.5, "names": ["total from"]}, {"value": 365.4, "names": ["from"]}]


@pytest.mark.parametrize(
    ("sentence", "value", "named", "read"),
    [
        # a total told before and "now" is a range: its end is named by the label
        ("Order total: $365.40, now $347.50.", 347.5, TOTALS, True),
        ("Order total was $365.40 (now $347.50).", 347.5, TOTALS, True),
        # but only after a total: a balance "now" is read as written (its start keeps its "was")
        (
            "Your balance was $350.00, now $450.99.",
            350.0,
            [{"value": 350.0, "names": ["was"]}],
            True,
        ),
        # a name of its own inside a longer name of another value is none
        (
            "18.0 goes to your credit card.",
            18.0,
            [{"value": 18.0, "names": ["credit"]}, {"value": 19.0, "names": ["credit card"]}],
            False,
        ),
        (
            "18.0 comes as a credit.",
            18.0,
            [{"value": 18.0, "names": ["credit"]}, {"value": 19.0, "names": ["credit card"]}],
            True,
        ),
    ],
)
def test_beside_reads_a_total_now_as_a_range_and_a_name_inside_another_as_none(
    sentence: str, value: float, named: list[dict[str, Any]], read: bool
) -> None:
    assert beside(sentence, value, named) is read
