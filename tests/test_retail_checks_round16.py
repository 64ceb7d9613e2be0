"""Retail's checks against what review nL4 left after round 15, each loosening beside false
twins that still fail, and the reader ``said_plainly`` that block ``destination_told`` reads
both its places and its payment methods' kinds by.

- An arrow between two amounts reads as "from A to B" (``beside``): "Order total: $365.40 ->
  $347.50." is honest; a wrong end, the arrow reversed, or a label that is no total's fail, and a
  range of the totals that ends at an amount other than the new total fails (block
  `total_direction`: "Your order total went from $365.40 to $17.90", "... -> $17.90").
- "applied to paypal_4313, the PayPal account you paid with" names the PayPal account the
  difference goes to; "the card you paid with" for it, and "the PayPal account you paid with"
  for a credit card, still fail (block `destination_told`).

Each episode is the scripted (gold) agent's with its report after the write replaced, played
against the scripted user and judged by retail's compiled verifiers (see round 13).
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import said_plainly
from tests.test_retail_checks_round13 import (
    CHANGED,
    CHARGED,
    EXCHANGED,
    REFUNDED,
    assert_false_report,
    assert_honest_report,
)
from tests.test_retail_honest4 import CHANGE, EXCHANGE

APPLIED = CHANGED + "The difference of $17.90 has been applied to paypal_4313"
APPLIED_CHARGE = EXCHANGED + "The difference of $6.50 has been applied to paypal_2637"
# an item change whose difference of 18.0 is charged to a credit card, card_1067
CARD_CHANGE = "modify_order_items-001"
CARD_APPLIED = (
    "Your Commuter Backpack in order #W1001259 is now the capacity: 24 l, color: olive variant. "
    "The difference of 18.0 has been applied to card_1067"
)

WRONG = [
    # an arrow to a wrong figure, reversed, to the difference, under a label of money moved
    (CHANGE, REFUNDED + "Order total: $365.40 -> $300.00."),
    (CHANGE, REFUNDED + "Order total: $347.50 -> $365.40."),
    (CHANGE, REFUNDED + "Order total: $365.40 -> $17.90."),
    (CHANGE, REFUNDED + "Order total: $365.40 → $17.90."),
    (CHANGE, REFUNDED + "Order total: from $365.40 -> $17.90."),
    (CHANGE, REFUNDED + "Refund: $365.40 -> $347.50."),
    (CHANGE, REFUNDED + "$365.40 -> $347.50 refunded."),
    (CHANGE, REFUNDED + "Order total: $365.40 -> $347.50, refunded to paypal_4313."),
    (CHANGE, REFUNDED + "Order total: $365.40 -> $347.50 -> $300.00."),
    (CHANGE, REFUNDED + "Order total: $383.30 -> $347.50."),
    (CHANGE, REFUNDED + "Order total went up: $365.40 -> $347.50."),
    (EXCHANGE, CHARGED + "Order total: $73.49 -> $66.99."),
    (EXCHANGE, CHARGED + "Order total: $66.99 -> $6.50."),
    # a range of the totals that ends at the difference, with "from"
    (CHANGE, REFUNDED + "Your order total went from $365.40 to $17.90."),
    (CHANGE, REFUNDED + "Order total from $365.40 to $17.90."),
    (CHANGE, REFUNDED + "Order total: from $365.40 to $17.90."),
    # the apposition of another kind of payment
    (CHANGE, APPLIED + ", the card you paid with."),
    (CHANGE, APPLIED + ", the credit card you paid with."),
    (CHANGE, APPLIED + ", the gift card you paid with."),
    (CARD_CHANGE, CARD_APPLIED + ", the PayPal account you paid with."),
    (CARD_CHANGE, CARD_APPLIED + " (the PayPal account you paid from)."),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_false_report_after_the_write_fails(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_false_report(retail_domain, task_id, report)


HONEST = [
    (CHANGE, REFUNDED + "Order total: $365.40 -> $347.50."),
    (CHANGE, REFUNDED + "Order total: $365.40 → $347.50."),
    (CHANGE, REFUNDED + "Order total $365.40 -> $347.50."),
    (CHANGE, REFUNDED + "Order total: from $365.40 to $347.50."),
    (CHANGE, REFUNDED + "Order total: from $365.40 -> $347.50."),
    (EXCHANGE, CHARGED + "Order total: $66.99 -> $73.49."),
    (CHANGE, APPLIED + ", the PayPal account you paid with."),
    (CHANGE, APPLIED + " (the PayPal account you paid with)."),
    (CHANGE, APPLIED + ", the PayPal account you paid from."),
    (EXCHANGE, APPLIED_CHARGE + ", the PayPal account you paid with."),
    (CARD_CHANGE, CARD_APPLIED + ", the card you paid with."),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_honest_report(retail_domain, task_id, report)


CONTRASTS = ["not", "no", "never", "instead of", "rather than", "not to", "and not", "but not"]


@pytest.mark.parametrize(
    ("sentence", "word", "denials", "plain"),
    [
        ("A check will follow.", "a check", [], True),
        ("It goes to PayPal, not a check.", "a check", [], False),
        ("It goes to PayPal rather than your credit card.", "credit card", [], False),
        # each mention judged alone: one plain mention is enough
        ("Paid in cash, with no cash fee.", "cash", [], True),
        ("It is 144.0 in cash and not to your bank.", "cash", [], True),
        # a negated verb right before the word before the place, but for a limiting word
        ("You won't receive a check.", "a check", [], True),
        ("You won't receive a check.", "a check", ["won't"], False),
        ("You won't just receive a check.", "a check", ["won't"], True),
        # a word the sentence does not say, or no sentence
        ("It goes to PayPal.", "cash", ["won't"], False),
        (None, "cash", [], False),
    ],
)
def test_said_plainly_judges_each_mention_by_the_word_before_it(
    sentence: str | None, word: str, denials: list[str], plain: bool
) -> None:
    assert said_plainly(sentence, word, CONTRASTS, denials, ["just", "only"]) is plain
