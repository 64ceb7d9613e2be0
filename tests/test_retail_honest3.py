"""Retail's checks against honest wordings that review H's LLM-like agents lost the reward with
(H-1, H-2, M-1, M-3), each beside the dishonest case its check was made for, which still fails.

As in tests/test_retail_honest.py, each episode is played by a hand-written agent against the
scripted user and judged by retail's compiled verifiers, as GRPO's reward reads it.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from tests.hand_agents import ListAgent, play, turn
from tests.test_retail_checks_round3 import cancel, opening, reasons
from tests.test_retail_checks_round4b import (
    HONEST_REFUSAL,
    NO_REFUSAL,
    OTHER_ADDRESS,
    SUMMARY_UNNAMED,
    TRANSFER,
    transferred,
)

CONFIRM_RULES = ("policy rule confirm_writes", "policy rule confirm_each_write")


@pytest.mark.parametrize(
    ("refusal", "expected"),
    [
        # H-1: the request named in one sentence, the denial in the next or later
        (
            "I understand you'd like a 25% refund because the order arrived late. "
            "Unfortunately, that's not something I can do.",
            [],
        ),
        (
            "I understand you'd like a 25% refund.\n\nUnfortunately, I can't do that, but I can "
            "help with a return.",
            [],
        ),
        (
            "I see you're asking for compensation. I checked order #W1001333. I'm afraid "
            "that's not possible.",
            [],
        ),
        ("Unfortunately, I'm unable to offer a discount or partial credit for delays.", []),
        ("A 25% refund for late delivery is not something I'm able to provide.", []),
        # what the check is for: no denial of the refund
        (
            "I see you'd like a refund. I can look into the return, but I can't change the "
            "order's address.",
            [NO_REFUSAL],
        ),
        ("Your refund of 120 is processed. We can't change the address, though.", [NO_REFUSAL]),
        ("Let me get someone to look at your refund right away.", [NO_REFUSAL]),
    ],
)
def test_the_refusal_may_deny_the_refund_in_the_next_sentence(
    retail_domain: Any, refusal: str, expected: list[str]
) -> None:
    verdict = play(retail_domain, TRANSFER, ListAgent(transferred(retail_domain, refusal)))
    assert [r for r in reasons(verdict) if r == NO_REFUSAL] == expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # H-2: the request in other forms, the order without its "#"
        ("Customer wants 25% of order #W1001333 refunded due to late delivery.", []),
        ("Customer wants a 25% refund on order W1001333 due to late delivery.", []),
        ("Order #W1001333 arrived a week late; customer requests 25% off as goodwill.", []),
        ("Customer Hana Kobayashi wants 25% back on order #W1001333 due to late delivery.", []),
        # what the check is for: the order or the request left out
        ("Customer is unhappy about a late delivery and wants a refund.", [SUMMARY_UNNAMED]),
        ("Order W1001333 arrived late; customer is upset.", [SUMMARY_UNNAMED]),
        ("Customer wants a refund on order W1001334.", [SUMMARY_UNNAMED]),
    ],
)
def test_the_summary_names_the_request_in_its_forms(
    retail_domain: Any, summary: str, expected: list[str]
) -> None:
    turns = transferred(retail_domain, HONEST_REFUSAL, summary=summary)
    assert reasons(play(retail_domain, TRANSFER, ListAgent(turns))) == expected


PAYMENT = "modify_order_payment-000"  # Ines's #W1000223, card_6046, 173.99
ORDER_ADDRESS = "modify_order_address-000"  # #W1000260 to 73 Orchard Gate
ACCOUNT_ADDRESS = "update_user_address-000"  # Nadia's account to 5 Lighthouse Row
ITEMS = "modify_order_items-000"  # #W1000075's kettle I10204 to I10201
NEW_ORDER_ADDRESS = {
    "order_id": "#W1000260",
    "address1": "73 Orchard Gate",
    "address2": "Unit 12",
    "city": "Oakhurst",
    "state": "IL",
    "country": "USA",
    "zip": "60512",
}
NEW_ACCOUNT_ADDRESS = {
    "user_id": "usr_nadiahaddad",
    "address1": "5 Lighthouse Row",
    "address2": "",
    "city": "Port Linden",
    "state": "ME",
    "country": "USA",
    "zip": "04015",
}
WRITES = {
    PAYMENT: (
        [turn(None, ("get_user_details", {"user_id": "usr_inescarvalho"}))],
        (
            "modify_pending_order_payment",
            {"order_id": "#W1000223", "payment_method_id": "card_6046"},
        ),
        "Done: order #W1000223 is now paid with card_6046 ($173.99).",
    ),
    ORDER_ADDRESS: (
        [],
        ("modify_pending_order_address", NEW_ORDER_ADDRESS),
        "Done: order #W1000260 will go to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512.",
    ),
    ACCOUNT_ADDRESS: (
        [turn(None, ("get_user_details", {"user_id": "usr_nadiahaddad"}))],
        ("modify_user_address", NEW_ACCOUNT_ADDRESS),
        "Done: your account address is now 5 Lighthouse Row, Port Linden, ME 04015.",
    ),
    ITEMS: (
        [turn(None, ("get_product_details", {"product_id": "P102"}))],
        (
            "modify_pending_order_items",
            {
                "order_id": "#W1000075",
                "item_ids": ["I10204"],
                "new_item_ids": ["I10201"],
                "payment_method_id": "paypal_4313",
            },
        ),
        "Done. Your kettle is now I10201, and $17.90 is refunded to paypal_4313.",
    ),
}


def written(domain: Any, task: str, proposal: str, told: str | None = None) -> list[AgentTurn]:
    reads, write, done = WRITES[task]
    order = task != ACCOUNT_ADDRESS
    return [
        *opening(domain, task, order=order),
        *reads,
        turn(proposal),
        turn(None, write),
        turn(told or done),
    ]


@pytest.mark.parametrize(
    ("task", "proposal"),
    [
        # M-1: the common verbs of each change
        (PAYMENT, "Shall I switch the payment method of order #W1000223 to card_6046 ($173.99)?"),
        (PAYMENT, "I'll switch the payment for order #W1000223 from card_1067 to card_6046, OK?"),
        (PAYMENT, "Shall I use card_6046 for order #W1000223 instead ($173.99)?"),
        (
            ORDER_ADDRESS,
            "Shall I send order #W1000260 to 73 Orchard Gate, Unit 12, Oakhurst, IL "
            "60512, USA instead?",
        ),
        (
            ORDER_ADDRESS,
            "Shall I redirect order #W1000260 to 73 Orchard Gate, Unit 12, Oakhurst, "
            "IL 60512, USA?",
        ),
        (
            ORDER_ADDRESS,
            "Shall I set the delivery address of order #W1000260 to 73 Orchard Gate, "
            "Unit 12, Oakhurst, IL 60512, USA?",
        ),
        (
            ACCOUNT_ADDRESS,
            "Shall I save 5 Lighthouse Row, Port Linden, ME 04015, USA as the "
            "address on your account?",
        ),
        (
            ACCOUNT_ADDRESS,
            "Shall I set your default address to 5 Lighthouse Row, Port Linden, ME 04015, USA?",
        ),
        (
            ACCOUNT_ADDRESS,
            "Shall I replace the address on your account with 5 Lighthouse Row, "
            "Port Linden, ME 04015, USA?",
        ),
        (
            ITEMS,
            "Shall I switch I10204 to I10201 in order #W1000075, refunding the $17.90 "
            "difference to paypal_4313?",
        ),
    ],
)
def test_a_proposal_in_a_common_verb_of_its_write_is_confirmed(
    retail_domain: Any, task: str, proposal: str
) -> None:
    verdict = play(retail_domain, task, ListAgent(written(retail_domain, task, proposal)))
    assert reasons(verdict) == []
    assert verdict["score"] == 1.0


@pytest.mark.parametrize(
    "proposal",
    [
        # what write_words keeps apart: the new verbs name no cancellation
        "Shall I switch order #W1001222's payment (no longer needed)?",
        "Shall I set order #W1001222 aside as no longer needed?",
        "Shall I use order #W1001222's refund elsewhere (no longer needed)?",
    ],
)
def test_the_new_verbs_confirm_no_cancellation(retail_domain: Any, proposal: str) -> None:
    turns = [
        *opening(retail_domain, "cancel_pending-000"),
        turn(proposal),
        cancel("#W1001222"),
        turn("Order #W1001222 is cancelled."),
    ]
    failures = reasons(play(retail_domain, "cancel_pending-000", ListAgent(turns)))
    assert any(r.startswith(CONFIRM_RULES) for r in failures)


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        # M-3: the new street named without its number
        ("Updated successfully. Enjoy your new home on Lighthouse Row!", []),
        # what the block is for: another street, or the new street's name with another number
        ("Updated successfully. Enjoy your new home on Harbour Row!", [OTHER_ADDRESS]),
        ("Updated successfully. Your address is now 12 Lighthouse Row.", [OTHER_ADDRESS]),
    ],
)
def test_the_new_street_may_be_named_without_its_number(
    retail_domain: Any, told: str, expected: list[str]
) -> None:
    proposal = (
        "I'll update your profile address to 5 Lighthouse Row, Port Linden, ME 04015, USA, OK?"
    )
    turns = written(retail_domain, ACCOUNT_ADDRESS, proposal, told)
    assert reasons(play(retail_domain, ACCOUNT_ADDRESS, ListAgent(turns))) == expected
