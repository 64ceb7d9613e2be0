"""Retail's check that no other address is told after an address change (block
``address_told``): the new street with the new state or zip and no city, a count of things
before a word with a capital, and a street in lower case with no kind.

Each message is played by a hand-written agent after the gold write, against the scripted user,
and judged by retail's compiled verifiers, as GRPO's reward reads it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hand_agents import ListAgent, play
from tests.test_retail_checks_round3 import reasons
from tests.test_retail_checks_round4b import (
    ORDER_ADDRESS,
    OTHER_ADDRESS,
    USER_ADDRESS,
    order_address,
    user_address,
)

# USER_ADDRESS: 5 Lighthouse Row, Port Linden, ME 04015 (before: 540 Seabright Avenue, ME 04012)
# ORDER_ADDRESS: 73 Orchard Gate, Unit 12, Oakhurst, IL 60512


def judged(domain: Any, task: str, told: str) -> dict[str, Any]:
    turns = user_address if task == USER_ADDRESS else order_address
    return play(domain, task, ListAgent(turns(domain, told)))


@pytest.mark.parametrize(
    ("task", "told", "expected"),
    [
        # the new street, then the new state or zip, the city left out
        (USER_ADDRESS, "Your address is now 5 Lighthouse Row, ME 04015.", []),
        (USER_ADDRESS, "Done! Your address has been updated to 5 Lighthouse Row, Maine 04015.", []),
        (USER_ADDRESS, "All set: your address is now 5 Lighthouse Row, 04015.", []),
        (USER_ADDRESS, "All done! Your new address on file is:\n5 Lighthouse Row\nME 04015", []),
        (
            USER_ADDRESS,
            "Updated! Deliveries go to 5 Lighthouse Row, ME 04015 from your next order on, "
            "usually within 3-5 Business Days.",
            [],
        ),
        (ORDER_ADDRESS, "Order #W1000260 will now ship to 73 Orchard Gate, Unit 12, IL 60512.", []),
        # what the check is for: another zip, city, state or street beside them
        (USER_ADDRESS, "Your address is now 5 Lighthouse Row, ME 04016.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your address is now 5 Lighthouse Row, Augusta, ME 04015.", [OTHER_ADDRESS]),
        (
            USER_ADDRESS,
            "All done! Your new address on file is:\n5 Lighthouse Row\nAugusta, ME 04015",
            [OTHER_ADDRESS],
        ),
        (USER_ADDRESS, "Your address is now 5 Lighthouse Row, NH 04015.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your address is now 12 Harbour Row, ME 04015.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your new address on file is:\n12 Harbour\nME 04015", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your address is now 12 Lighthouse Row, ME 04015.", [OTHER_ADDRESS]),
    ],
)
def test_the_new_street_with_the_state_and_no_city(
    retail_domain: Any, task: str, told: str, expected: list[str]
) -> None:
    verdict = judged(retail_domain, task, told)
    assert reasons(verdict) == expected
    assert expected or verdict["score"] == 1.0


@pytest.mark.parametrize(
    ("task", "told", "expected"),
    [
        # a number before a word of a status, a plural, or a word before a plural counts things
        (USER_ADDRESS, "Your address is updated. You have 2 Pending orders.", []),
        (
            USER_ADDRESS,
            "I've updated the address on your account. Note: your 2 Pending orders will still "
            "ship to the old address unless you'd like me to update them too.",
            [],
        ),
        (USER_ADDRESS, "You currently have 2 Delivered orders and 1 Pending order.", []),
        (USER_ADDRESS, "Address updated! Your last 3 Orders went to the previous one.", []),
        (USER_ADDRESS, "Your address is updated. I see 2 Open orders on your account.", []),
        (
            ORDER_ADDRESS,
            "Order #W1000260 will now ship to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512. "
            "Your 2 Processed orders keep their address.",
            [],
        ),
        # what the check is for: a street by its name, or a status's word before a kind
        (USER_ADDRESS, "Your new address is 12 Harbour, Port Linden, ME 04015.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your new address is 12 Harbour.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your new address is 12 Pending Row.", [OTHER_ADDRESS]),
        (
            USER_ADDRESS,
            "Your new address is 12 Harbour Heights, Port Linden, ME 04015.",
            [OTHER_ADDRESS],
        ),
        (
            USER_ADDRESS,
            "Your new address is 12 Harbour heights, Port Linden, ME 04015.",
            [OTHER_ADDRESS],
        ),
        (USER_ADDRESS, "Your new address is 12 Harbours, Port Linden, ME 04015.", [OTHER_ADDRESS]),
    ],
)
def test_a_count_before_a_capital_is_no_street(
    retail_domain: Any, task: str, told: str, expected: list[str]
) -> None:
    verdict = judged(retail_domain, task, told)
    assert reasons(verdict) == expected
    assert expected or verdict["score"] == 1.0


@pytest.mark.parametrize(
    ("task", "told", "expected"),
    [
        # a street in lower case with no kind: the new city after it, or a seed street's word
        (USER_ADDRESS, "Your address is now 12 harbour, Port Linden, ME 04015.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your address is now 12 harbour Port Linden.", [OTHER_ADDRESS]),
        (USER_ADDRESS, "Your address is now 540 seabright.", [OTHER_ADDRESS]),
        (ORDER_ADDRESS, "Order #W1000260 will now ship to 46 tidewater.", [OTHER_ADDRESS]),
        # counts in lower case
        (
            USER_ADDRESS,
            "Your address is now 5 Lighthouse Row. Your 12 items will ship there.",
            [],
        ),
        (USER_ADDRESS, "Your address is updated. Allow 3 days for it to show everywhere.", []),
        (USER_ADDRESS, "Your address is updated; 1 order is still on its way.", []),
        (USER_ADDRESS, "Done! Your 2 pending orders keep the old address.", []),
        # left: no city after it and no seed street's word, as "12 items"
        (USER_ADDRESS, "Your address is now 12 harbour.", []),
    ],
)
def test_a_street_in_lower_case(
    retail_domain: Any, task: str, told: str, expected: list[str]
) -> None:
    verdict = judged(retail_domain, task, told)
    assert reasons(verdict) == expected
    assert expected or verdict["score"] == 1.0
