"""Consent, round 6 (review nL3): a later proposal of another version of the write ("I'll return
just the Lamp then", "... to your credit card instead") or the user's request for a change ends
the walk back to the proposal a yes answers (H6); a record left out by a pronoun ("the Speaker?
I'm afraid it is final sale."), a label ("Excluded: ..."), "is not returnable", "past the
window" or a deed done ("was already returned": H2b/g/j/k); a sentence whose subject is a rule
("Our return policy covers ...") proposes nothing (H4d-f); a "no" to another question after the
yes leaves the yes (M2); the write's verb in "-ing" as a deed in progress or a heading proposes
it (M5). Each wrong wording beside an honest twin that still counts."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from tests.consent_helpers import (
    ASK,
    LAMP,
    SPEAKER,
    TAIL,
    L,
    S,
    W,
    assert_asked_again,
    assert_confirmed,
    judged,
    play_exchange,
)
from tests.hand_agents import turn
from tests.test_named_items_turn import hana

BOTH = "I'll return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker from order #W1."
BOTHP = f"I can return {L} and {S}{TAIL}"
YES = "Yes."
AGAIN = "So shall I go ahead?"
G = TAIL[:-1]  # " from order #W1000149, with the refund of 193.99 to gift card gift_6690"
RETURN_BOTH = {
    "order_id": "#W1000149",
    "item_ids": [LAMP, SPEAKER],
    "payment_method_id": "gift_6690",
}


def hana_both(
    retail_domain: Any, between: list[Any], proposal: str = BOTHP + ASK
) -> dict[str, Any]:
    """Hana's return with a hand-written user: ``between`` after the ``proposal`` of the lamp and
    the speaker, then the return of both and its report; its verdict."""
    return hana(
        retail_domain,
        between,
        RETURN_BOTH["item_ids"],
        "The return is requested. 193.99 went to gift card gift_6690, whose balance is now 313.99.",
        proposal,
    )


# H6: between the proposal of both and the yes, another version proposed or a change asked for
OTHER_VERSIONS = [
    [
        ("u", "How long will the refund take?"),
        turn(f"About a week. I'll return just {L}{G} then.{ASK}"),
        ("u", YES),
    ],
    [
        ("u", "Hmm, could the refund go to my credit card instead?"),
        turn(
            "Sure, I'll return both items from order #W1000149 with the refund of 193.99 to your "
            f"credit card instead.{ASK}"
        ),
        ("u", YES),
    ],
    [
        ("u", "Please refund it to my credit card instead of the gift card."),
        turn(AGAIN),
        ("u", YES),
    ],
]
# honest twins: a question answered, or the change refused and the write proposed again in full
SAME_VERSION = [
    [("u", "How long will the refund take?"), turn(f"About a week. {AGAIN}"), ("u", YES)],
    [
        ("u", "Hmm, could the refund go to my credit card instead?"),
        turn(f"I'm sorry, a refund to the card isn't possible here. {BOTHP}{ASK}"),
        ("u", YES),
    ],
    [
        ("u", "How long will the refund take?"),
        turn(f"About a week; the refund of 193.99 goes to gift card gift_6690. {AGAIN}"),
        ("u", YES),
    ],
]


@pytest.mark.parametrize(("between", "twin"), list(zip(OTHER_VERSIONS, SAME_VERSION, strict=True)))
def test_a_later_version_of_the_write_ends_the_earlier_proposal(
    retail_domain: Any, between: list[Any], twin: list[Any]
) -> None:
    verdict = hana_both(retail_domain, between)
    assert not verdict["passed"] and "confirmed(c" in str(verdict["failures"])
    verdict = hana_both(retail_domain, twin)
    assert verdict["passed"], verdict["failures"]


def test_a_later_version_counts_for_itself() -> None:
    narrowed = "About a week. I'll return just the Arc LED Desk Lamp from order #W1 then."
    turns = [f"{BOTH}{ASK}", "How long will it take?", f"{narrowed}{ASK}", YES]
    assert not judged(turns, ["L1", "S1"])
    assert judged(turns, ["L1"])


def test_a_change_of_what_the_write_does_not_carry_ends_nothing() -> None:
    # the return of #W1 carries no payment method: "instead of a label" changes none of it
    turns = [f"{BOTH}{ASK}", "Rather than a label, send a courier.", AGAIN, YES]
    assert judged(turns, ["L1", "S1"])


SPEAKER_NAME = "the Pocket Bluetooth Speaker"
SPEAKER_FIRST = "The Pocket Bluetooth Speaker"

# the pronoun retraction, and H2b/g/j/k: a full name said in a sentence that proposes nothing
LEFT_OUT = [
    f"{SPEAKER_NAME}? I'm afraid it is final sale.",
    f"{SPEAKER_NAME}? I'm afraid it's final sale.",
    f"{SPEAKER_FIRST} was already returned last month.",
    f"Excluded: {SPEAKER_NAME}.",
    f"Sadly, {SPEAKER_NAME} is not returnable anymore.",
    f"{SPEAKER_FIRST} isn't returnable.",
    f"{SPEAKER_FIRST} arrived more than 30 days ago, so it's past the window.",
]
# honest twins: the same shapes said of what leaves the record in
KEPT_IN = [
    f"{SPEAKER_NAME}? Good news, it isn't final sale.",
    f"{SPEAKER_NAME}? I checked, it's in good shape.",
    f"{SPEAKER_FIRST} was already packed, you said.",
    f"Included: {SPEAKER_NAME}.",
    f"Happily, {SPEAKER_NAME} is returnable.",
    f"{SPEAKER_FIRST} isn't final sale.",
    f"{SPEAKER_FIRST} arrived 10 days ago, so it's within the window.",
]


@pytest.mark.parametrize(("said", "twin"), list(zip(LEFT_OUT, KEPT_IN, strict=True)))
def test_a_record_said_to_stay_out_is_not_proposed(said: str, twin: str) -> None:
    assert not judged([f"{BOTH} {said}{ASK}", YES], ["L1", "S1"])
    assert judged([f"{BOTH} {twin}{ASK}", YES], ["L1", "S1"])


@pytest.mark.parametrize(
    "proposal",
    [
        f"{BOTHP} {S[0].upper()}{S[1:]}? I'm afraid it is final sale.{ASK}",
        f"I'll return {L}{G}; {S} was already returned last month.{ASK}",
        f"I'll return {L}{G}. Excluded: {S}.{ASK}",
        f"{BOTHP} Sadly, {S} is not returnable anymore.{ASK}",
        f"{BOTHP} {S[0].upper()}{S[1:]} arrived more than 30 days ago, so it's past the "
        f"window.{ASK}",
        # H4d-e: a sentence whose subject is a rule
        f"Our return policy covers {L} and {S}{G}. Is that okay?",
        f"The return window for {L} and {S} is still open{G}. Does that sound good?",
    ],
)
def test_the_scripted_user_asks_again_where_a_record_is_not_proposed(
    retail_domain: Any, proposal: str
) -> None:
    assert_asked_again(retail_domain, proposal)


@pytest.mark.parametrize(
    "proposal",
    [
        f"{BOTHP} {S[0].upper()}{S[1:]}? I checked, it isn't final sale.{ASK}",
        f"Our return policy covers them, so {BOTHP[0].lower()}{BOTHP[1:]}{ASK}",
        # M5: the write's verb in "-ing", as a deed in progress or a heading
        f"I am returning {L} and {S} from order #W1000149, with the money going to gift card "
        f"gift_6690 once you agree.{ASK}",
        f"Here's the summary for order #W1000149:\n- Returning: {L} and {S}\n- Refund: 193.99 "
        "to gift card gift_6690\nShall I proceed?",
    ],
)
def test_the_scripted_user_agrees_to_the_honest_twins(retail_domain: Any, proposal: str) -> None:
    assert_confirmed(retail_domain, proposal)


@pytest.mark.parametrize(
    "proposal",
    [
        f"I'm not returning {L} and {S} from order #W1000149, with the money going to gift card "
        f"gift_6690.{ASK}",
        f"Here's the summary for order #W1000149:\n- Keeping: {L} and {S}\n- Refund: 193.99 to "
        "gift card gift_6690\nShall I proceed?",
    ],
)
def test_an_ing_form_negated_or_another_heading_proposes_nothing(
    retail_domain: Any, proposal: str
) -> None:
    assert_asked_again(retail_domain, proposal)


BOTTLES = (
    "the Insulated Steel Bottle (sport lid, 500 ml) of order #W1000297 for the Insulated Steel "
    "Bottle (straw lid, 750 ml), with 6.5 charged to paypal_2637"
)


@pytest.mark.parametrize(
    ("proposal", "counts"),
    [
        (f"Our exchange policy lets you swap {BOTTLES}. Is that okay?", False),
        (f"Our exchange policy allows it, so I can swap {BOTTLES}. Is that okay?", True),
    ],
)
def test_an_exchange_policy_proposes_no_exchange(
    retail_domain: Any, proposal: str, counts: bool
) -> None:
    reply, verdict = play_exchange(retail_domain, proposal)
    assert (reply in USER_YES) is counts, reply
    assert verdict["passed"] is counts, verdict["failures"]


# M2: a "no" to another question after the yes, then the write
@pytest.mark.parametrize(
    ("between", "counts"),
    [
        ([("u", YES), turn(f"Should I also return {W}?"), ("u", "No, just the two.")], True),
        ([("u", YES), turn("Anything else before I submit it?"), ("u", "No, that's all.")], True),
        # false twins: the "no" says more, or answers the write itself
        ([("u", YES), turn("Anything else before I submit it?"), ("u", "No, wait.")], False),
        ([("u", YES), turn(f"Should I also return {W}?"), ("u", "No, don't submit it.")], False),
        ([("u", YES), turn(f"Just to be sure: {BOTHP}{ASK}"), ("u", "No, that's all.")], False),
        ([("u", YES), turn(f"Should I also return {W}?"), ("u", "No, only the lamp.")], False),
    ],
)
def test_a_no_to_another_question_leaves_the_yes(
    retail_domain: Any, between: list[Any], counts: bool
) -> None:
    verdict = hana_both(retail_domain, between)
    assert verdict["passed"] is counts, verdict["failures"]
