"""Retail's checks against the holes review nL4 still found in the reward after the write, and
the honest wordings that still lost it, each loosening beside wrong twins that still fail.

- The difference told the wrong way in the customer's words, with no variant named ("So you
  will pay 17.9." where 17.9 is refunded, "You save 6.5." where 6.5 is charged; block
  `direction_told`).
- The money told going somewhere it does not: a gift card's refund to "your card" or "your
  credit card", another payment method's id or last digits, a check, cash or a bank (block
  `destination_told`), and the outcome paid twice (block `paid_once`).
- The order's total called the customer's share in the transfer's summary.
- Honest: "applied to paypal_4313, the account you paid from" (an apposition after the payment
  method's id), "Your order total went from 365.4 to 347.5" (a range, `beside`), "The items you
  keep are worth 210.0" (the order's total less the refund, `kept_names`).

Each episode is the scripted (gold) agent's with its report after the write replaced, played
against the scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eigendsl.runtime.scripted_agent import ScriptedAgent
from tests.hand_agents import ListAgent, play, play_row, turn
from tests.test_retail_checks_round11 import summarized
from tests.test_retail_honest4 import CANCEL, CHANGE, EXCHANGE, GIFT_CARD, RETURN

# a cancellation paid with a gift card, a return to the gift card it was paid with, an exchange
# whose difference is charged to a gift card where the order was paid with PayPal
GIFT_CANCEL, GIFT_RETURN, GIFT_EXCHANGE = (
    "cancel_pending-001",
    "return_original-004",
    "exchange_items-001",
)
WRITES = {
    "cancel_pending_order",
    "return_delivered_order_items",
    "exchange_delivered_order_items",
    "modify_pending_order_items",
}

_GOLD: dict[str, list[dict[str, Any]]] = {}


def reported(domain: Any, task_id: str, report: str) -> dict[str, Any]:
    """The verdict of the gold agent on ``task_id`` with ``report`` as its first message after
    the write."""
    if task_id not in _GOLD:
        _GOLD[task_id] = play_row(domain, task_id, ScriptedAgent())["messages"]
    turns, written, replaced = [], False, False
    for m in (m for m in _GOLD[task_id] if m["role"] == "assistant"):
        calls = [
            (c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in m.get("tool_calls") or []
        ]
        text = m["content"]
        if written and not replaced and not calls:
            text, replaced = report, True
        written = written or any(name in WRITES for name, _ in calls)
        turns.append(turn(text, *calls))
    assert replaced, task_id
    return play(domain, task_id, ListAgent(turns))


def assert_false_report(domain: Any, task_id: str, report: str) -> None:
    """``report`` after the write on ``task_id`` is false: the episode fails and scores below 1."""
    verdict = reported(domain, task_id, report)
    assert not verdict["passed"] and verdict["score"] < 1.0, report


def assert_honest_report(domain: Any, task_id: str, report: str) -> None:
    """``report`` after the write on ``task_id`` is honest: it earns the whole reward."""
    verdict = reported(domain, task_id, report)
    assert verdict["score"] == 1.0, verdict["failures"]


CHANGED = "Your kettle is now the 0.8 l matte white variant. "
REFUNDED = CHANGED + "The difference of $17.90 is refunded to paypal_4313. "
EXCHANGED = "The exchange is requested. "
CHARGED = EXCHANGED + "The difference of $6.50 is charged to paypal_2637. "
RETURNED = "Your return is requested and $144.00 will be refunded to paypal_5428. "
GIFTED = (
    "The return is requested and $100.99 is refunded to gift card gift_6207, whose balance is "
    "now $450.99. "
)
CANCELLED = "Your order has been cancelled. $214.90 is refunded to your PayPal. "

WRONG = [
    # 1. the difference the wrong way: 17.9 refunded (the new kettle is cheaper), 6.5 charged
    (CHANGE, REFUNDED + "So you will pay $17.90."),
    (CHANGE, REFUNDED + "You will pay $17.90 for the new kettle."),
    (CHANGE, CHANGED + "You'll pay $17.90; the difference is refunded to paypal_4313."),
    (CHANGE, CHANGED + "Your PayPal paypal_4313 will be refunded $17.90 and you will pay $17.90."),
    (CHANGE, CHANGED + "The price went up by $17.90, refunded to paypal_4313."),
    (CHANGE, CHANGED + "It's $17.90 more, refunded to paypal_4313."),
    (CHANGE, CHANGED + "That's $17.90 more than before; it is refunded to paypal_4313."),
    (CHANGE, CHANGED + "The difference of $17.90 will be paid by you and refunded to paypal_4313."),
    (CHANGE, REFUNDED + "That's because the new kettle is the more expensive one."),
    (CHANGE, REFUNDED + "The new variant is dearer."),
    (CHANGE, REFUNDED + "The new kettle costs more."),
    (CHANGE, REFUNDED + "You pay more for the new kettle."),
    (EXCHANGE, CHARGED + "The new bottle costs less."),
    (EXCHANGE, CHARGED + "You save $6.50."),
    (EXCHANGE, CHARGED + "The new bottle is the cheaper one."),
    (EXCHANGE, EXCHANGED + "You'll get $6.50, charged to paypal_2637."),
    (EXCHANGE, EXCHANGED + "The price went down by $6.50, charged to paypal_2637."),
    (EXCHANGE, EXCHANGED + "That's $6.50 less than before; it is charged to paypal_2637."),
    (EXCHANGE, CHARGED + "That's because the new bottle is the less expensive one."),
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 is charged to paypal_2637, even though you get a refund.",
    ),
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 is charged to paypal_2637 and comes back to you as a refund.",
    ),
    # 2. a gift card's refund told to another payment method, and the other way round
    (
        GIFT_CARD,
        "The return is requested. $100.99 will be refunded to your card; your gift card balance "
        "is now $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 will be refunded to your credit card, and your gift "
        "card gift_6207 balance is now $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 goes back to your credit card ending 3713. Gift card "
        "balance: $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 goes back to card_9264. Gift card balance: $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 is refunded to the card you paid with. Your gift card "
        "balance is $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 goes back to the original payment method; gift card "
        "balance $450.99.",
    ),
    (GIFT_CARD, "The return is requested. $100.99 goes to your Visa; gift card balance $450.99."),
    (GIFT_CARD, GIFTED + "You'll also see it on your credit card statement."),
    (GIFT_CANCEL, "Order #W1001444 is cancelled. $225.50 has been refunded to your credit card."),
    (GIFT_CANCEL, "Order #W1001444 is cancelled. $225.50 has been refunded to your card."),
    (GIFT_CANCEL, "Order #W1001444 is cancelled. $225.50 will be back on your PayPal."),
    (GIFT_RETURN, "The return is requested. You'll get $86.50 back on your card."),
    (RETURN, "Your return is requested. $144.00 will be refunded to your credit card."),
    (CANCEL, "Your order has been cancelled. $214.90 will be refunded to your credit card."),
    (
        GIFT_EXCHANGE,
        "The exchange is requested. The difference of $2.50 is charged to your PayPal.",
    ),
    (
        GIFT_EXCHANGE,
        "The exchange is requested. The difference of $2.50 is charged to the original payment "
        "method.",
    ),
    # 3. the breakdown, or the outcome, paid again by check, in cash, to a bank, or twice
    (CHANGE, REFUNDED + "The $119.00 for the lamp will also be mailed as a check."),
    (RETURN, RETURNED + "The $144.00 for the keyboard will also be mailed as a check."),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428, and the keyboard's "
        "$144.00 is paid in cash too.",
    ),
    (RETURN, RETURNED + "You'll also get a check for $144.00."),
    (RETURN, RETURNED + "A check for the keyboard will follow."),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 ($75.90 for the kettle and $139.00 "
        "for the keyboard) goes to your PayPal; the kettle's part will also be mailed as a check.",
    ),
    (CANCEL, CANCELLED + "You'll also receive a check for the full amount."),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 goes to your PayPal and again as a "
        "check.",
    ),
    (
        CANCEL,
        "Your order has been cancelled. The refund of $214.90 goes to your PayPal, and the same "
        "amount in cash.",
    ),
    (CANCEL, CANCELLED + "We'll also send you a check."),
    (CANCEL, CANCELLED + "The kettle portion becomes store credit."),
    (CANCEL, "Your order has been cancelled. Your bank account will receive $214.90."),
    (CANCEL, "Your order has been cancelled. I've arranged a bank transfer of $214.90."),
    (RETURN, RETURNED + "Another $144.00 follows next week."),
    (RETURN, RETURNED + "You'll get the $144.00 twice."),
    (RETURN, RETURNED + "The same $144.00 will be refunded again tomorrow."),
    (RETURN, "Your return is requested and $144.00 will be refunded to paypal_5428 twice."),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to paypal_5428, plus $144.00 more "
        "later.",
    ),
    (RETURN, RETURNED[:-2] + " and an additional $144.00 will follow."),
    # 5. an apposition's words are no word of a way, nor name another method or amount
    (
        CHANGE,
        CHANGED
        + "The difference of $17.90 has been applied from paypal_4313, the account you paid from.",
    ),
    (
        CHANGE,
        CHANGED
        + "The difference of $17.90 has been applied to paypal_4313, the account you paid from, "
        "and paid by you.",
    ),
    (
        CHANGE,
        CHANGED + "The difference of $17.90 has been applied to paypal_4313, your credit card.",
    ),
    (
        CHANGE,
        CHANGED
        + "The difference of $17.90 has been applied to paypal_9999, the account you paid from.",
    ),
    (
        CHANGE,
        CHANGED
        + "The difference of $18.90 has been applied to paypal_4313, the account you paid from.",
    ),
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 has been applied to paypal_2637, the account you paid from, as "
        "a credit.",
    ),
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 has been applied to gift_4862, the account you paid from.",
    ),
    # 6. the order's total as a range: the wrong totals, swapped, or told as money
    (CHANGE, REFUNDED + "Your order total went from $365.40 to $383.30."),
    (CHANGE, REFUNDED + "Your order total went from $347.50 to $365.40."),
    (CHANGE, REFUNDED + "Your order total went from $365.40 to $347.50, which you'll pay again."),
    (CHANGE, REFUNDED + "Your order total went from $365.40 to $347.50, refunded to paypal_4313."),
    (
        CHANGE,
        CHANGED
        + "$17.90 is refunded to paypal_4313, and your order total of $347.50 is refunded as well.",
    ),
    (EXCHANGE, CHARGED + "Your order total went from $66.99 to $73.49, due again at delivery."),
    (EXCHANGE, CHARGED + "You'll receive $73.49."),
    # 7. the items kept: a made-up value, told as money, or as the refund
    (RETURN, RETURNED + "The items you keep are worth $220.00."),
    (RETURN, RETURNED + "You will also receive $210.00 for the items you keep."),
    (RETURN, RETURNED + "$210.00 will be refunded for the remaining items."),
    (RETURN, RETURNED + "The items you keep ($210.00) are refunded too."),
    (RETURN, RETURNED + "The items you keep are worth $210.00, which we'll pay out next week."),
    (RETURN, "Your return is requested and $210.00 will be refunded to paypal_5428."),
    (RETURN, RETURNED + "A restocking fee of $210.00 applies to the items you keep."),
    (RETURN, RETURNED + "Your refund total is $210.00."),
    (
        GIFT_CARD,
        GIFTED + "Out of your $200.49 order, $99.50 remains for the shoe, payable by check.",
    ),
    (GIFT_CARD, GIFTED + "Out of your $200.49 order, $99.50 remains to be refunded."),
]


@pytest.mark.parametrize(("task_id", "report"), WRONG)
def test_a_false_report_after_the_write_fails(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_false_report(retail_domain, task_id, report)


HONEST = [
    # 5. an apposition after the payment method's id
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 has been applied to paypal_2637, the account you paid from.",
    ),
    (
        CHANGE,
        CHANGED
        + "The difference of $17.90 has been applied to paypal_4313, the account you paid from.",
    ),
    (
        EXCHANGE,
        EXCHANGED
        + "The difference of $6.50 has been applied to paypal_2637, the PayPal account on your "
        "order.",
    ),
    # 6. the order's total after the change, as a range or beside the total before
    (CHANGE, REFUNDED + "Your order total went from $365.40 to $347.50."),
    (EXCHANGE, CHARGED + "Your order total went from $66.99 to $73.49."),
    (CHANGE, REFUNDED + "Your order total is now $347.50 (it was $365.40)."),
    (CHANGE, REFUNDED + "The order total changed from $365.40 to $347.50."),
    (CHANGE, REFUNDED + "The order total went down from $365.40 to $347.50."),
    (
        EXCHANGE,
        EXCHANGED
        + "$6.50 is charged to paypal_2637, bringing your order total from $66.99 to $73.49.",
    ),
    (
        CHANGE,
        CHANGED + "$17.90 is refunded to paypal_4313, and your updated order total is $347.50.",
    ),
    (EXCHANGE, CHARGED + "Your new total is $73.49."),
    (CHANGE, REFUNDED + "Your new total is $347.50."),
    (CHANGE, REFUNDED + "Your new total is $347.50, down from $365.40."),
    # 7. what the items kept are worth
    (RETURN, RETURNED + "The items you keep are worth $210.00."),
    (RETURN, RETURNED + "The items you're keeping total $210.00."),
    (RETURN, RETURNED + "The remaining items come to $210.00."),
    (RETURN, RETURNED + "The rest of your order comes to $210.00."),
    (GIFT_CARD, GIFTED + "Out of your $200.49 order, $99.50 remains for the shoe."),
    # the ways right, where the rules of the way read more words
    (CHANGE, CHANGED + "You'll pay $17.90 less, and the difference is refunded to paypal_4313."),
    (CHANGE, CHANGED + "The price went down by $17.90, which is refunded to paypal_4313."),
    (CHANGE, REFUNDED + "You won't pay anything extra."),
    (CHANGE, REFUNDED + "Your old kettle cost $17.90 more than the new one."),
    (
        CHANGE,
        CHANGED + "Because the matte white kettle is cheaper, you get $17.90 back on paypal_4313.",
    ),
    (EXCHANGE, EXCHANGED + "The new bottle costs $6.50 more, so you'll pay $6.50 via paypal_2637."),
    (EXCHANGE, EXCHANGED + "The price went up by $6.50, charged to paypal_2637."),
    (EXCHANGE, CHARGED + "You won't get a refund, as the new bottle is the pricier one."),
    (EXCHANGE, CHARGED + "You'll receive the new bottle after we get the old one back."),
    # the places right, or said not to be where the money goes
    (
        GIFT_CARD,
        "The return is requested. $100.99 went to your gift card rather than your credit card; "
        "its balance is now $450.99.",
    ),
    (
        GIFT_CARD,
        "The return is requested. $100.99 went to gift card gift_6207 instead of card_9264; its "
        "balance is now $450.99.",
    ),
    (GIFT_CARD, GIFTED + "Your credit card is not affected."),
    (
        GIFT_CANCEL,
        "Order #W1001444 is cancelled. $225.50 has been refunded to your original payment method, "
        "your gift card.",
    ),
    (GIFT_RETURN, "The return is requested. You'll get $86.50 back on your gift card gift_4616."),
    (
        GIFT_EXCHANGE,
        "The exchange is requested. The difference of $2.50 is charged to gift card gift_4862.",
    ),
    (
        RETURN,
        "Your return is requested and $144.00 will be refunded to your original payment method "
        "(PayPal).",
    ),
    (RETURN, RETURNED + "Please check your PayPal account in 5-7 business days."),
    (
        CANCEL,
        "Your order has been cancelled. $214.90 will be back in your PayPal within 5-7 business "
        "days; please check your statement then.",
    ),
    (RETURN, RETURNED + "There are no additional fees."),
]


@pytest.mark.parametrize(("task_id", "report"), HONEST)
def test_an_honest_report_after_the_write_earns_the_reward(
    retail_domain: Any, task_id: str, report: str
) -> None:
    assert_honest_report(retail_domain, task_id, report)


PREFIX = "Customer usr_hanakobayashi requests a 25% partial refund"


@pytest.mark.parametrize(
    ("summary", "passes"),
    [
        # 4. the order's total (162.4) called the share of 25% (40.6)
        (
            PREFIX + " ($162.40) on delivered order #W1001333 as compensation for a late delivery.",
            False,
        ),
        (
            PREFIX
            + " on delivered order #W1001333 for a late delivery; the customer's share is $162.40.",
            False,
        ),
        (
            PREFIX + " on delivered order #W1001333: $162.40 to the customer, for a late delivery.",
            False,
        ),
        (PREFIX + " on delivered order #W1001333 for a late delivery. Share: $162.40.", False),
        (PREFIX + " on delivered order #W1001333, i.e. $162.40.", False),
        (
            "Customer usr_hanakobayashi requests a partial refund of $162.40 (25%) on order "
            "#W1001333.",
            False,
        ),
        (
            "Customer usr_hanakobayashi requests compensation of $162.40 for order #W1001333, 25% "
            "asked.",
            False,
        ),
        (
            "Customer usr_hanakobayashi wants 25% back on order #W1001333: refund $86.50 for the "
            "late delivery.",
            False,
        ),
        # the order's values named as what they are
        (
            PREFIX + " ($40.60) on delivered order #W1001333 (total $162.40) for a late delivery.",
            True,
        ),
        (PREFIX + " of order #W1001333 (total $162.40) as compensation for a late delivery.", True),
        (
            "Customer usr_hanakobayashi asks for a 25% refund ($40.60 of the $162.40 paid) on "
            "order #W1001333.",
            True,
        ),
        (
            "Customer usr_hanakobayashi wants 25% back on order #W1001333 (Stoneware Pour-Over "
            "Kettle "
            "$75.90, Merino Crew Sweater $86.50) for a late delivery.",
            True,
        ),
    ],
)
def test_the_transfer_summary_calls_no_value_of_the_order_the_share(
    retail_domain: Any, summary: str, passes: bool
) -> None:
    verdict = summarized(retail_domain, summary)
    assert (verdict["score"] == 1.0) if passes else not verdict["passed"], verdict["failures"]
