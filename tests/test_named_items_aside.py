"""Review L1 of ``named_by``: what says an item is left as it is reaches its mention across an
aside ("the Sweater, however, is final sale", "(final sale)", dashes) and each item of a list it
is said of ("A and B are both final sale"), and an exchange's new variant said to be out of stock
is not proposed; while honest proposals confirm: "A and B aren't final sale, so I can return
both" (a negated rule-out leaves nothing alone), "and only the Sweater and the Mat stay in your
order" (an "only" of what stays leaves nothing out), "We never charge to return A and B" (a "to"
that says what for ends the negation's reach), "A together with only B"."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import declined
from tests.consent_helpers import (
    ASK,
    BOTH,
    ITEM,
    RETURN_I1,
    TAIL,
    L,
    S,
    W,
    assert_confirmed,
    assert_only_the_two_confirmed,
    item_trace,
    play_exchange,
)


@pytest.mark.parametrize(
    "proposal",
    [
        "The Arc LED Desk Lamp (matte black, tunable) and " + S + " aren't final sale, so I can "
        "return both" + TAIL + ASK,
        "I'll return " + L + " and " + S + TAIL[:-1] + ", and only " + W + " and the Cork Yoga "
        "Mat stay in your order." + ASK,
        "We never charge to return " + L + " and " + S + TAIL + ASK,
        "I'll return " + L + " together with only " + S + TAIL + ASK,
        "I'll return " + L + ", which isn't final sale, and " + S + TAIL + ASK,
    ],
)
def test_honest_proposals_that_say_what_stays_or_is_eligible_are_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    assert_confirmed(retail_domain, proposal)


@pytest.mark.parametrize(
    "proposal",
    [
        BOTH + TAIL + " The Merino Crew Sweater (navy, L), however, is final sale." + ASK,
        BOTH
        + TAIL
        + " The Merino Crew Sweater (navy, L) \u2014 final sale \u2014 has to stay."
        + ASK,
        BOTH + TAIL + " Note the Merino Crew Sweater (navy, L) (final sale) can't go back." + ASK,
        BOTH + TAIL + " The Merino Crew Sweater (navy, L) is marked final sale." + ASK,
        BOTH + TAIL + " The Merino Crew Sweater (navy, L) and the Cork Yoga Mat, sadly, are both "
        "final sale." + ASK,
        BOTH + ", with the exception of " + W + TAIL + ASK,
        BOTH + " and skip " + W + TAIL + ASK,
        BOTH + TAIL + " We'll hold off on " + W + " for now." + ASK,
    ],
)
def test_an_item_said_to_stay_across_an_aside_or_a_list_is_no_item_of_the_write(
    retail_domain: Any, proposal: str
) -> None:
    # the user agrees to the lamp and the speaker, so a return of the sweater too is unconfirmed
    assert_only_the_two_confirmed(retail_domain, proposal)


OLD = "Shall I exchange the Insulated Steel Bottle (sport lid, 500 ml) of order #W1000297"


@pytest.mark.parametrize(
    ("proposal", "proposed"),
    [
        (
            OLD + ", charging the difference of 6.5 to paypal_2637, even though the one with "
            "the straw lid and 750 ml is out of stock? (yes/no)",
            False,
        ),
        (
            OLD + " and charge 6.5 to paypal_2637? The Insulated Steel Bottle (straw lid, 750 ml)"
            ", however, is sold out. (yes/no)",
            False,
        ),
        (
            OLD + " for the one with the straw lid and 750 ml, charging the difference of 6.5 to "
            "paypal_2637? (yes/no)",
            True,
        ),
        (
            OLD + " for the one with the straw lid and 750 ml, which is in stock, charging the "
            "difference of 6.5 to paypal_2637? (yes/no)",
            True,
        ),
    ],
)
def test_a_new_variant_said_to_be_out_of_stock_is_not_proposed(
    retail_domain: Any, proposal: str, proposed: bool
) -> None:
    reply, verdict = play_exchange(retail_domain, proposal)
    assert (reply in USER_YES) is proposed
    assert verdict["passed"] is proposed, verdict["failures"]


RED = "Shall I return the Speaker (red) of order #W1?"


@pytest.mark.parametrize(
    ("proposal", "answer"),
    [
        (RED + " The Speaker (blue), however, is final sale.", False),
        (RED + " The Speaker (blue) (final sale) has to stay.", False),
        (RED + " The Speaker (blue) - final sale - has to stay.", False),
        # the twins that propose the blue one
        (
            "Shall I return the Speaker (red) and the Speaker (blue) of order #W1? Neither is "
            "final sale.",
            True,
        ),
        (
            "Shall I return the Speaker (blue) of order #W1? The Speaker (blue) isn't final sale.",
            True,
        ),
    ],
)
def test_a_no_declines_no_item_said_to_be_final_sale(proposal: str, answer: bool) -> None:
    tools = {"return_items": {"writes": True, "named_by": {"item_ids": ITEM}}}
    assert declined(item_trace(proposal, "No, thanks.", tools), "return_items", RETURN_I1) is answer
