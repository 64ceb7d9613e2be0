"""Consent, round 4 (review nL3): a yes to an offer to look something up, in every form that
asks leave ("Ready for me to check the return window first?", "Is it okay if I check ...",
"Happy for me to verify ...", "I could also look up X. Is that what you want?"), is no yes to
the write (H5); a value said only as what the write does not take ("to your card, not to gift
card gift_6690", "as no longer needed, not as ordered by mistake") is not said (H3). The
scripted user and ``confirmed`` read them alike. Each wrong wording beside an
honest twin that still counts."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.user_questions import LOOKUP_OFFER
from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed
from tests.consent_helpers import (
    ASK,
    TAIL,
    L,
    S,
    assert_asked_again,
    assert_confirmed,
    judged,
    play_return,
)

# the items of order #W1 of tests.consent_helpers.THREE, by their whole names
LAMP, SPEAKER = "the Arc LED Desk Lamp", "the Pocket Bluetooth Speaker"
BOTH = f"I'll return {LAMP} and {SPEAKER} from order #W1."
BOTHP = f"I can return {L} and {S}{TAIL}"

# H5: an offer to look something up, in the forms that ask leave, after the write's proposal
LOOKUPS = [
    "Ready for me to check the return window first?",
    "Is it okay if I check the return window first?",
    "Happy for me to verify the delivery date first?",
    "I could also look up the delivery date. Is that what you want?",
    "Would it be okay if I double-check the delivery date first?",
    "Mind if I look up the delivery date first?",
]
# their honest twins: the same forms asking leave for the write itself
LEAVES = [
    "Ready for me to go ahead?",
    "Is it okay if I proceed?",
    "Happy for me to submit it?",
    "Is that what you want?",
    "Would it be okay if I return them now?",
    "Is it okay if I return them?",
]


@pytest.mark.parametrize(("offer", "leave"), list(zip(LOOKUPS, LEAVES, strict=True)))
def test_a_yes_to_a_lookup_offer_is_no_yes_to_the_write(offer: str, leave: str) -> None:
    assert not judged([f"{BOTH} {offer}", "Yes."], ["L1", "S1"])
    assert judged([f"{BOTH} {leave}", "Yes."], ["L1", "S1"])


def test_the_scripted_user_accepts_a_lookup_offer_that_names_no_write() -> None:
    for offer in LOOKUPS:
        assert LOOKUP_OFFER.search(offer.lower()), offer
    for leave in LEAVES:
        assert not LOOKUP_OFFER.search(leave.lower()), leave


@pytest.mark.parametrize("offer", LOOKUPS[:4])
def test_the_scripted_user_asks_again_at_a_lookup_offer(retail_domain: Any, offer: str) -> None:
    assert_asked_again(retail_domain, f"{BOTHP} {offer}")


@pytest.mark.parametrize("leave", [ASK.strip(), "Ready for me to go ahead?"])
def test_the_scripted_user_agrees_to_the_write_in_those_forms(
    retail_domain: Any, leave: str
) -> None:
    assert_confirmed(retail_domain, f"{BOTHP} {leave}")


def _cancel_confirmed(proposal: str, reason: str = "ordered by mistake") -> bool:
    """Whether ``confirmed`` counts a cancel of #W1 with ``reason`` after ``proposal`` and a yes."""
    messages = [
        {"role": "assistant", "content": proposal},
        {"role": "user", "content": "Yes, please do."},
    ]
    args = {"order_id": "#W1", "reason": reason}
    call = Call("cancel_pending_order", args, position=2, writes=True)
    trace = Trace.from_messages(messages, {}, {}, tools={"cancel_pending_order": {}})
    return confirmed(trace, call, ("cancellation",))  # retail's write_words of the cancel


@pytest.mark.parametrize(
    ("proposal", "counts"),
    [
        ("Shall I cancel order #W1 as no longer needed, not as ordered by mistake?", False),
        (
            "Shall I cancel order #W1 with the reason no longer needed rather than "
            "ordered by mistake?",
            False,
        ),
        ("Shall I cancel order #W1 as no longer needed instead of ordered by mistake?", False),
        # honest twins: the value said as the one taken, the other one ruled out
        ("Shall I cancel order #W1 as ordered by mistake, not as no longer needed?", True),
        (
            "Shall I cancel order #W1 with the reason ordered by mistake rather than "
            "no longer needed?",
            True,
        ),
        ("Shall I cancel order #W1, not as no longer needed but as ordered by mistake?", True),
        (
            "Shall I cancel order #W1 not because it is no longer needed but as "
            "ordered by mistake?",
            True,
        ),
        ("Shall I cancel order #W1 (ordered by mistake)? It has not shipped yet.", True),
    ],
)
def test_a_reason_said_against_is_not_said(proposal: str, counts: bool) -> None:
    assert _cancel_confirmed(proposal) is counts


@pytest.mark.parametrize(
    ("proposal", "counts"),
    [
        (
            f"I can return {L} and {S} from order #W1000149, with the refund of 193.99 to your "
            "original card, not to gift card gift_6690. Shall I proceed?",
            False,
        ),
        (
            f"I can return {L} and {S} from order #W1000149; the refund of 193.99 goes to "
            "card_9915 instead of gift card gift_6690. Shall I proceed?",
            False,
        ),
        (
            f"I can return {L} and {S} from order #W1000149, with the refund of 193.99 to gift "
            "card gift_6690, not to your original card. Shall I proceed?",
            True,
        ),
        (
            f"I can return {L} and {S} from order #W1000149; the refund of 193.99 goes to gift "
            "card gift_6690 instead of card_9915. Shall I proceed?",
            True,
        ),
    ],
)
def test_a_payment_method_said_against_is_not_said(
    retail_domain: Any, proposal: str, counts: bool
) -> None:
    reply, verdict = play_return(retail_domain, proposal, ["I10403", "I10503"])
    assert (reply in USER_YES) is counts, reply
    assert verdict["passed"] is counts, verdict["failures"]


@pytest.mark.parametrize(
    ("proposal", "counts"),
    [
        # H4: the write's noun naming a rule, or set aside by "instead of" / "rather than"
        ("Our cancellation policy covers order #W1 (ordered by mistake). Is that okay?", False),
        (
            "I'll update the shipping address of order #W1 instead of a cancellation, since it "
            "was ordered by mistake. Okay?",
            False,
        ),
        (
            "I can put order #W1 on hold rather than process a cancellation (ordered by "
            "mistake). Is that what you want?",
            False,
        ),
        # honest twins: the write itself proposed beside the same words
        (
            "Our cancellation policy covers it, so I'll cancel order #W1 (ordered by mistake). "
            "Is that okay?",
            True,
        ),
        (
            "I'll cancel order #W1 instead of updating its address, since it was ordered by "
            "mistake. Okay?",
            True,
        ),
        ("Shall I go ahead with the cancellation of order #W1 (ordered by mistake)?", True),
    ],
)
def test_a_noun_of_the_write_proposes_it_only_as_the_act(proposal: str, counts: bool) -> None:
    assert _cancel_confirmed(proposal) is counts
