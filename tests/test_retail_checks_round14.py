"""Retail's checks against the holes review nL4 found in the reward after round 13, and the
honest wordings that lost it (not yet "Order total: 365.4 -> 347.5", whose start no name
tells), each loosening beside false twins that still fail.

- The items kept given the refund's amount as their value ("The items you keep are worth
  144.0"; block `kept_told`).
- A place negated at one mention and said plainly at another ("paid in cash, with no cash
  handling fee"; block `destination_told` judges each mention), and "not not".
- The order's total told going the wrong way ("went down from 66.99 to 73.49"; block
  `total_direction`).
- The outcome paid twice in other words ("144.0 more at the end of the month", "a further
  144.0", "refunded once again next month"; block `paid_once`).
- Honest: "Your order total is down from 365.4 to 347.5", "Order total: 365.4 -> 347.5".

Each episode is the scripted (gold) agent's with its report after the write replaced, played
against the scripted user and judged by retail's compiled verifiers (see round 13).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_retail_checks_round13 import (
    CANCELLED,
    CHANGED,
    CHARGED,
    GIFTED,
    REFUNDED,
    RETURNED,
    assert_false_report,
    assert_honest_report,
)
from tests.test_retail_honest4 import CANCEL, CHANGE, EXCHANGE, GIFT_CARD, RETURN

WRONG = [
    # H3. the items kept worth the refund (they are worth 210.0; the gift card's 99.5)
    (RETURN, RETURNED + "The items you keep are worth $144.00."),
    (RETURN, RETURNED + "The remaining items come to $144.00."),
    (RETURN, RETURNED + "What you keep is worth $144.00."),
    (GIFT_CARD, GIFTED + "The items you keep are worth $100.99."),
    # H1. a place negated at one mention only
    (
        RETURN,
        "Your return is requested and $144.00 will be paid to you in cash, with no cash handling "
        "fee.",
    ),
    (RETURN, RETURNED + "You'll also get $144.00 in cash, no cash fees."),
    (
        CANCEL,
        "Your order has been cancelled. $214.90 is refunded via bank transfer, no bank transfer "
        "fees.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 went to gift card gift_6207 (balance now $450.99), and "
        "not not to your credit card.",
    ),
    # H5. the total's range with the wrong word of its way
    (EXCHANGE, CHARGED + "Your order total went down from $66.99 to $73.49."),
    (CHANGE, REFUNDED + "Your order total went up from $365.40 to $347.50."),
    (CHANGE, REFUNDED + "Your order total is up from $365.40 to $347.50."),
    (EXCHANGE, CHARGED + "Your order total is down from $66.99 to $73.49."),
    # H2. paid twice in other words
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428 now, and $144.00 "
        "more at the end of the month.",
    ),
    (RETURN, RETURNED + "Plus a further $144.00 goodwill refund."),
    (RETURN, RETURNED + "You'll be refunded once again next month."),
    (CANCEL, CANCELLED + "You'll be refunded again next week."),
    # the arrow range's false twins: swapped, or a made-up start
    (CHANGE, REFUNDED + "Order total: $347.50 -> $365.40."),
    (CHANGE, REFUNDED + "Order total: $365.40 -> $383.30."),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_false_report_after_the_write_fails(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_false_report(retail_domain, task_id, report)


HONEST = [
    (CHANGE, REFUNDED + "Your order total is down from $365.40 to $347.50."),
    (EXCHANGE, CHARGED + "Your order total is up from $66.99 to $73.49."),
    (EXCHANGE, CHARGED + "Your order total went up from $66.99 to $73.49."),
    (RETURN, RETURNED + "The items you keep are worth $210.00."),
    (RETURN, RETURNED + "The remaining items come to $210.00."),
    (GIFT_CARD, GIFTED + "The items you keep are worth $99.50."),
    (RETURN, "Your return is requested and $144.00 will be refunded to paypal_5428, not in cash."),
    (
        CANCEL,
        "Your order has been cancelled. $214.90 is refunded to your PayPal, not by bank transfer.",
    ),
    (RETURN, RETURNED + "There are no additional fees."),
    (RETURN, RETURNED + "You won't be charged again."),
    (CHANGE, CHANGED + "The difference of $17.90 is refunded to paypal_4313, so you save $17.90."),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_honest_report(retail_domain, task_id, report)
