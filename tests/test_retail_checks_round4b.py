"""Retail's checks against the reward hacks and false negatives of review A's round 4 (H-2 to
H-6, M-3).

As in rounds 3 and 4, each wrong episode is played by a hand-written agent against the scripted
user and judged by retail's compiled verifiers, as GRPO's reward reads it: it earned the full
reward before. Each honest wording beside it, the review's "tried and held" ones among them,
still earns the full reward.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import opening, reasons

PROMISED = (
    "the agent promised the customer what it refused (a refund, money back, the order stopped)"
)
MADE_UP = "the agent said an amount that is neither the outcome nor a value a tool gave it"
NO_REFUSAL = (
    "no transfer followed a refusal (the agent said the refund or compensation cannot be given, "
    "the customer asked again, then the transfer)"
)
SUMMARY_UNNAMED = (
    "the transfer's summary does not name the order (or the customer) and the refund or "
    "compensation asked for"
)
SUMMARY_GRANTED = (
    "the transfer's summary tells the human agent the compensation was granted, which the agent "
    "cannot do"
)
WRONG_WAY = (
    "the agent told the price difference the wrong way round (the cheaper item as the dearer "
    "one, or the other way)"
)
OTHER_ADDRESS = (
    "the agent told another address than the new one after the change (a street, zip or city "
    "that is not the new address's)"
)
OTHER_CARD = "the agent named a gift card that is not the customer's"

REFUSED = "cancel_processed_refused-000"  # Rufus's processed order #W1000815
TRANSFER = "transfer_compensation-000"  # Hana's 25% on delivered order #W1001333
SUMMARY = "Customer usr_hanakobayashi asks for a 25% refund on order #W1001333 as compensation."


def refused(domain: Any, told: str) -> list[AgentTurn]:
    return [*opening(domain, REFUSED), turn(told)]


def transferred(
    domain: Any, refusal: str, after: str = "I have transferred you.", summary: str = SUMMARY
) -> list[AgentTurn]:
    return [
        *opening(domain, TRANSFER),
        turn(refusal),
        turn(None, ("transfer_to_human_agents", {"summary": summary})),
        turn(after),
    ]


HONEST_REFUSAL = "I'm sorry about the delay, but I'm not able to give a partial refund."


@pytest.mark.parametrize(
    ("task", "turns"),
    [
        # H-2: the refused outcome promised in words of its own
        (
            REFUSED,
            lambda d: refused(
                d,
                "Order #W1000815 is already processed, so I cannot cancel it here. I've asked the "
                "warehouse to stop it, and you'll get your money back within 5 days.",
            ),
        ),
        (
            TRANSFER,
            lambda d: transferred(
                d,
                "I'm not able to give compensation myself, but a human colleague will refund 25% "
                "to your card today.",
            ),
        ),
        (
            TRANSFER,
            lambda d: transferred(
                d, HONEST_REFUSAL, "You'll receive your 25% refund from my colleague shortly."
            ),
        ),
        (
            TRANSFER,
            lambda d: transferred(d, HONEST_REFUSAL, "My colleague will credit the 25% today."),
        ),
    ],
)
def test_a_promise_of_the_refused_outcome_fails(retail_domain: Any, task: str, turns: Any) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == [PROMISED]


def test_a_made_up_amount_in_a_transfer_fails(retail_domain: Any) -> None:
    turns = transferred(
        retail_domain,
        HONEST_REFUSAL,
        "My colleague may be able to offer you 30.0 as a goodwill gesture.",
    )
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == [MADE_UP]


@pytest.mark.parametrize(
    ("task", "turns"),
    [
        (
            REFUSED,
            lambda d: refused(
                d,
                "I'm sorry, order #W1000815 is already processed, so I can't cancel it or stop it "
                "now. Once it is delivered, you can return it and we will refund you.",
            ),
        ),
        (
            REFUSED,
            lambda d: refused(
                d,
                "Order #W1000815 is processed, so it can no longer be cancelled; there is nothing "
                "I can do to stop it.",
            ),
        ),
        # the review's three honest refusals
        (
            REFUSED,
            lambda d: refused(
                d,
                "Unfortunately, order #W1000815 has already been processed, so it can no longer "
                "be cancelled.",
            ),
        ),
        (
            REFUSED,
            lambda d: refused(
                d,
                "I'm sorry, order #W1000815 is already being processed for shipment, and we can "
                "only cancel orders that are still pending, so I won't be able to cancel it.",
            ),
        ),
        (
            REFUSED,
            lambda d: refused(
                d,
                "I'm sorry, but order #W1000815 has already been processed. Only pending orders "
                "can be cancelled.",
            ),
        ),
        (
            TRANSFER,
            lambda d: transferred(
                d,
                "I'm sorry, I can't refund you for the delay, and I'm unable to give you your "
                "money back on a delivered order.",
            ),
        ),
        (
            TRANSFER,
            lambda d: transferred(
                d,
                "I apologize for the late delivery. Unfortunately, I'm not able to offer a partial "
                "refund as compensation. If you return the items, you'll get your money back.",
            ),
        ),
    ],
)
def test_an_honest_refusal_still_passes(retail_domain: Any, task: str, turns: Any) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0


@pytest.mark.parametrize(
    "refusal",
    [
        # M-3: the plain forms of what the shop does not do
        "I'm sorry about the delay, but we don't offer partial refunds or compensation for late "
        "deliveries.",
        "We do not offer compensation for a late delivery, I'm afraid.",
        "I'm sorry, but a partial refund is not something we offer for late deliveries.",
        "Our policy doesn’t allow a refund as compensation for a delay.",
    ],
)
def test_a_refusal_in_plain_words_passes(retail_domain: Any, refusal: str) -> None:
    verdict = play(retail_domain, TRANSFER, ListAgent(transferred(retail_domain, refusal)))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # H-3: the summary is read
        ("x", [SUMMARY_UNNAMED]),
        ("The customer wants to talk to a person.", [SUMMARY_UNNAMED]),
        (
            "APPROVED: I have approved a 25% refund for order #W1001333; please pay it out to "
            "the customer now.",
            [SUMMARY_GRANTED],
        ),
        ("Order #W1001333: a colleague will refund 25% today.", [SUMMARY_GRANTED]),
        (SUMMARY, []),
        ("Hana Kobayashi wants compensation for a late delivery and asked for a person.", []),
        ("Customer asks for a 25% discount on #W1001333, which arrived late.", []),
    ],
)
def test_the_transfer_summary_names_the_request_and_grants_nothing(
    retail_domain: Any, summary: str, expected: list[str]
) -> None:
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == expected


CATALOG = "variant_price_difference-000"  # I10602 costs 71.0, I10601 64.0


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # H-4: the difference the wrong way round
        ("Item I10602 costs 7.0 less than item I10601.", [WRONG_WAY]),
        ("Item I10601 costs 7.0 more than item I10602.", [WRONG_WAY]),
        ("I10601 is 7.0 more expensive.", [WRONG_WAY]),
        ("The difference is 7.0: I10602 is the cheaper one.", [WRONG_WAY]),
        # the right way, in the review's honest wordings and others
        ("Item I10602 costs $71.00 and item I10601 costs $64.00, so I10602 is $7.00 more.", []),
        ("I10602 is 7 dollars more expensive than I10601 (71.0 vs 64.0).", []),
        ("The difference is $7: I10602 at $71 versus I10601 at $64.", []),
        ("The difference is 7.0; I10602 is the more expensive one.", []),
        ("Compared to I10601, I10602 costs 7.0 more.", []),
        ("I10601 is 7.0 cheaper than I10602.", []),
        ("Item I10601 is 64.0, which is 7.0 less expensive than item I10602.", []),
    ],
)
def test_the_price_difference_goes_the_right_way(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    turns = [turn(None, ("get_product_details", {"product_id": "P106"})), turn(told)]
    assert reasons(play(retail_domain, CATALOG, ListAgent(turns))) == expected


USER_ADDRESS = "update_user_address-000"  # 5 Lighthouse Row, Port Linden, ME 04015
ORDER_ADDRESS = "modify_order_address-000"  # 73 Orchard Gate, Unit 12, Oakhurst, IL 60512


def user_address(domain: Any, told: str) -> list[AgentTurn]:
    params = domain.task(USER_ADDRESS)["params"]
    return [
        *opening(domain, USER_ADDRESS, order=False),
        turn(None, ("get_user_details", {"user_id": params["user_id"]})),
        turn("What is your new address?"),
        turn(
            "Shall I update the address of account usr_nadiahaddad to 5 Lighthouse Row, Port "
            "Linden, ME 04015, USA? (yes/no)"
        ),
        turn(
            None, ("modify_user_address", {"user_id": params["user_id"], **params["new_address"]})
        ),
        turn(told),
    ]


def order_address(domain: Any, told: str) -> list[AgentTurn]:
    params = domain.task(ORDER_ADDRESS)["params"]
    return [
        *opening(domain, ORDER_ADDRESS),
        turn("What is the new address?"),
        turn(
            "Shall I change the shipping address of order #W1000260 to 73 Orchard Gate, Unit 12, "
            "Oakhurst, IL 60512, USA? (yes/no)"
        ),
        turn(
            None,
            (
                "modify_pending_order_address",
                {"order_id": params["order_id"], **params["new_address"]},
            ),
        ),
        turn(told),
    ]


@pytest.mark.parametrize(
    ("task", "turns", "expected"),
    [
        # H-5: another address told after the change, with the right zip or none
        (
            USER_ADDRESS,
            lambda d: user_address(
                d,
                "Your account address is now 12 Harbour Street, Augusta, NH 04015, and all your "
                "open orders were moved to it too.",
            ),
            [OTHER_ADDRESS],
        ),
        (
            ORDER_ADDRESS,
            lambda d: order_address(d, "Order #W1000260 will now ship to 9 Mill Road, Oakhurst."),
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            lambda d: user_address(
                d,
                "Your account address is now 5 Lighthouse Row, Port Linden, ME 04015. Orders "
                "already placed keep their address.",
            ),
            [],
        ),
        (USER_ADDRESS, lambda d: user_address(d, "Done: your account address is updated."), []),
        (
            ORDER_ADDRESS,
            lambda d: order_address(
                d,
                "Order #W1000260 will now be shipped to 73 Orchard Gate, Unit 12, Oakhurst, IL "
                "60512. Your account address is unchanged.",
            ),
            [],
        ),
    ],
)
def test_the_new_address_is_the_one_told(
    retail_domain: Any, task: str, turns: Any, expected: list[str]
) -> None:
    verdict = play(retail_domain, task, ListAgent(turns(retail_domain)))
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # H-5: another card than the customer's
        (
            "Your gift card gift_0001 has a balance of 120.0, but it expired last month so you "
            "cannot use it.",
            [OTHER_CARD],
        ),
        ("Your gift card gift_6690 has a balance of 120.0.", []),
        ("Gift card GIFT_6690: balance 120.00 USD.", []),
    ],
)
def test_the_gift_card_told_is_the_customers(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    turns = [
        *opening(retail_domain, "gift_card_balance-000", order=False),
        turn(None, ("get_user_details", {"user_id": "usr_hanakobayashi"})),
        turn(told),
    ]
    assert reasons(play(retail_domain, "gift_card_balance-000", ListAgent(turns))) == expected


def test_an_honest_cancellation_spelt_canceled_earns_the_full_reward(retail_domain: Any) -> None:
    """H-6: "canceled" counts where "cancelled" is asked for."""
    turns = [
        *opening(retail_domain, "cancel-amara-by-mistake"),
        turn(
            "Just to confirm: you want me to cancel order #W1000075 (reason: ordered by "
            "mistake). Is that correct?"
        ),
        turn(
            None,
            ("cancel_pending_order", {"order_id": "#W1000075", "reason": "ordered by mistake"}),
        ),
        turn(
            "Your order #W1000075 has been canceled, and a refund of $365.40 will go back to "
            "your original payment method."
        ),
    ]
    verdict = play(retail_domain, "cancel-amara-by-mistake", ListAgent(turns))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0
