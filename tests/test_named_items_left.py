"""Review R2 of ``named_by``: a user's "no" to a proposal that names the items by product and
options declines it as a "yes" would confirm it (``declined`` reads the namings ``confirmed``
reads, from ``Trace.namings``); an item said to be left alone by what follows its mention ("is
final sale") or by a list said with "only" after it is no item of the write, while an honest
proposal still confirms; a partial product name ("the Sweater" of the Merino Crew Sweater)
names no item."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.environment import Environment
from eigendsl.support import declined
from tests.consent_helpers import (
    BOTH,
    ITEM,
    TAIL,
    assert_confirmed,
    assert_only_the_two_confirmed,
    item_trace,
    names_item,
)


@pytest.mark.parametrize(
    ("proposal", "reply", "item", "answer"),
    [
        ("Shall I return the Speaker (blue) of order #W1?", "No, thanks.", "I1", True),
        ("Shall I return item I1 of order #W1?", "No, thanks.", "I1", True),
        # the red one is not what was proposed, nor is a yes a decline
        ("Shall I return the Speaker (blue) of order #W1?", "No, thanks.", "I2", False),
        ("Shall I return the Speaker (blue) of order #W1?", "Yes, please.", "I1", False),
        # "the Speaker" fits both items: no proposal of either
        ("Shall I return the Speaker of order #W1?", "No, thanks.", "I1", False),
    ],
)
def test_a_no_to_items_named_by_product_and_options_is_a_decline(
    proposal: str, reply: str, item: str, answer: bool
) -> None:
    tools = {"return_items": {"writes": True, "named_by": {"item_ids": ITEM}}}
    args = {"order_id": "#W1", "item_ids": [item]}
    assert declined(item_trace(proposal, reply, tools), "return_items", args) is answer
    # without a naming, only the id names the item
    plain = item_trace(proposal, reply, {"return_items": {"writes": True}})
    assert declined(plain, "return_items", args) is (answer and "I1" in proposal)


def test_the_environment_s_trace_carries_the_tools_namings(retail_domain: Any) -> None:
    task = retail_domain.task("return-hana-two-items-gift-card")
    namings = Environment(retail_domain, task).trace.namings
    assert namings["return_delivered_order_items"]["item_ids"]["key"] == "item_id"
    assert "cancel_pending_order" not in namings


ONLY = (
    "I'll return only the Arc LED Desk Lamp (matte black, tunable) and the Pocket Bluetooth "
    "Speaker (teal, carabiner)"
)


@pytest.mark.parametrize(
    "proposal",
    [
        "The Merino Crew Sweater (navy, L) is final sale, so " + ONLY + TAIL + " Shall I proceed?",
        "The Merino Crew Sweater (navy, L) was a gift, so " + ONLY + TAIL + " Shall I proceed?",
        "The Merino Crew Sweater (navy, L) is non-returnable. " + BOTH + TAIL + " Shall I proceed?",
        BOTH + TAIL + " The Merino Crew Sweater (navy, L) is past its return window. Shall I "
        "proceed?",
    ],
)
def test_an_item_said_to_be_left_alone_after_its_mention_is_no_item_of_the_write(
    retail_domain: Any, proposal: str
) -> None:
    assert_only_the_two_confirmed(retail_domain, proposal)


@pytest.mark.parametrize(
    "proposal",
    [
        ONLY + TAIL + " Shall I proceed?",
        "I can return the Arc LED Desk Lamp (matte black, tunable) and only the Pocket Bluetooth "
        "Speaker (teal, carabiner)" + TAIL + " Shall I proceed?",
        "The Arc LED Desk Lamp (matte black, tunable) and the Pocket Bluetooth Speaker (teal, "
        "carabiner) are eligible for return; shall I return both" + TAIL[:-1] + "?",
        "The Arc LED Desk Lamp (matte black, tunable) is eligible, so I'll return only it and the "
        "Pocket Bluetooth Speaker (teal, carabiner)" + TAIL + " Shall I proceed?",
    ],
)
def test_honest_proposals_with_only_or_a_statement_are_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    assert_confirmed(retail_domain, proposal)


SWEATER_NAMED = ("I1", "Merino Crew Sweater", {"color": "navy", "size": "L"})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Return the Merino Crew Sweater (navy, L)?", True),
        # a part of the product's name is no name, even of the order's only sweater
        ("Return the Sweater (navy, L)?", False),
        ("Return the Crew Sweater (navy, L)?", False),
        ("Return the Sweater?", False),
    ],
)
def test_a_partial_product_name_names_no_item(text: str, named: bool) -> None:
    assert names_item([SWEATER_NAMED, ("I9", "Lamp", {"color": "red"})], text) is named
