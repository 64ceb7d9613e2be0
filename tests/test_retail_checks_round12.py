"""Retail's checks against the hacks review nL2 found in round 11's loosened checks (H1-H6b):
each exemption bound to what it exempts, not granted once a phrase appears.

- A breakdown of the outcome: its parts each beside their own item's name, told no other place,
  way or time than the outcome's (H1).
- The order's new total: only said as the order's total, beside a name of it, moving no money
  (H2).
- "applied to <id>": the write's payment method alone, in words that name no way (H3).
- Each variant's price beside its own variant (H4); a recap's amount beside its own name, not
  pending, a credit or payable (H5); the balance before named by "from" only where "from" is
  beside it (H6b).
- The transfer summary's share beside the percentage, as that share alone (H6).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_retail_checks_round11 import summarized
from tests.test_retail_honest4 import CANCEL, CHANGE, EXCHANGE, GIFT_CARD, RETURN, reported

WRONG = [
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 will be returned to your PayPal "
        "account, and $75.90 and $139.00 for the items will be returned by check.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. $214.90 is refunded to your PayPal account today and "
        "$75.90 and $139.00 will be wired to your bank account.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($75.90 and $139.00) is refunded "
        "to your PayPal account, and a second refund of the same goes to your bank.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. $214.90 will be refunded: $75.90 to paypal_2637 and "
        "$139.00 to gift card gift_1111.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($75.90 to your PayPal and "
        "$139.00 to your credit card) is on its way.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($75.90 now and $139.00 after the "
        "keyboard is inspected) will be returned to your PayPal account.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. Your refund is $214.90 after a $75.90 and $139.00 "
        "adjustment.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. You will receive $214.90 in store credit ($75.90 for "
        "the kettle and $139.00 for the keyboard).",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($139.00 for the kettle and "
        "$75.90 for the keyboard) will be returned to your PayPal account.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($75.90 for the kettle and "
        "$139.00 for the keyboard) will be returned to your PayPal account, then repeated next "
        "month.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The $214.90 refund will reach your PayPal account, then "
        "$75.90 and $139.00 will follow to your card.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 and your "
        "new order total of $347.50 will be refunded to paypal_4313.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. $17.90 is refunded to paypal_4313, "
        "and your new order total of $347.50 is refunded as well.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. $17.90 is refunded to paypal_4313, "
        "and $347.50 and $17.90 will be returned by check.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. $6.50 is charged to paypal_2637, and $73.49 and $6.50 will "
        "be charged later.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. $17.90 is refunded to paypal_4313. "
        "Your new order total is $347.50, which you'll need to pay again.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. $6.50 is charged to paypal_2637. Your updated total is "
        "$73.49, due again at delivery.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "posted to paypal_4313 as an added cost.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "applied to paypal_4313 as a payment.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "applied to paypal_4313. Please make sure the funds are available.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied to paypal_2637 as "
        "a rebate.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been posted to paypal_2637 as a "
        "reimbursement.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied to paypal_2637, so "
        "the store owes you that amount.",
    ),
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied to card_9264 "
        "rather than paypal_2637.",
    ),
    (
        EXCHANGE,
        "I've submitted the exchange. You'll be charged an additional $6.50, since the straw "
        "lid 750 ml bottle costs $27.00 and your current bottle was $33.50.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. Your order still "
        "has $128.00 pending release for the Commuter Backpack.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. Your order still "
        "has a $128.00 credit for the Commuter Backpack.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. Your order still "
        "has the Commuter Backpack ($128.00) awaiting payout.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. Your order still "
        "has the Commuter Backpack ($128.00), which we will pay out next week.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. The Commuter "
        "Backpack total is $128.00, payable to you by check.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. Your return "
        "total is $354.00.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428. The total is "
        "$354.00 for this return.",
    ),
    (
        GIFT_CARD,
        "The return is requested and $100.99 is refunded to gift card gift_6207. Your gift card "
        "balance went from $350.00 to $450.99, with a $350.00 bonus from us.",
    ),
    (
        GIFT_CARD,
        "The return is requested and $100.99 is refunded to gift card gift_6207. Your gift card "
        "balance went from $350.00 to $450.99; the $350.00 from before is yours to withdraw as "
        "cash.",
    ),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_hack_of_a_loosened_check_fails(retail_domain: Any, task_id: str, report: str) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert verdict["score"] < 1.0, report


HONEST = [
    (
        EXCHANGE,
        "The exchange is requested. The difference of $6.50 has been applied to paypal_2637; no "
        "further action is needed.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "processed to paypal_4313 and will show within 5 days.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The new order total is $347.50, down "
        "from $365.40. $17.90 is refunded to paypal_4313.",
    ),
    (
        CHANGE,
        "Your kettle is now the 0.8 l matte white variant. The difference of $17.90 has been "
        "applied to paypal_4313. It will land in your account within 3 days.",
    ),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_still_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    verdict = reported(retail_domain, task_id, report)
    assert verdict["score"] == 1.0, verdict["failures"]


@pytest.mark.parametrize(
    "summary",
    [
        "Customer usr_hanakobayashi requests a 25% partial refund ($40.60) on delivered order "
        "#W1001333 (total $162.40) as compensation for a delivery one week late; pay $40.60 to "
        "each item.",
        "Customer usr_hanakobayashi requests a refund of $40.60 per week late on delivered "
        "order #W1001333 (total $162.40); the delivery was one week late.",
        "Customer usr_hanakobayashi requests a partial refund ($40.60 plus $162.40) on "
        "delivered order #W1001333 as compensation for a delivery one week late.",
        "Customer usr_hanakobayashi requests a 25% partial refund ($40.60 to gift card "
        "gift_0000) on delivered order #W1001333 as compensation for a delivery one week late.",
    ],
)
def test_the_transfer_share_apart_from_its_percentage_fails(
    retail_domain: Any, summary: str
) -> None:
    verdict = summarized(retail_domain, summary)
    assert verdict["score"] < 1.0, summary
