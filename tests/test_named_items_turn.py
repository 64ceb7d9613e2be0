"""Consent read as a person reads a whole turn and what the user said since (review S3): what
one sentence of a proposal says of the items holds for the others ("I'll return the Lamp and the
Speaker. Only the Lamp is eligible, though." proposes the Lamp alone; "... The Speaker is final
sale."; "Not the Speaker, though."); "the Speaker only", "just", "nothing but", "alone", "the
only one" say a list with "only"; a turn that lists an order's contents ("Your order has A, B
and C. Shall I proceed with the return?") does not say which items the return takes, unless a
sentence of the write takes them in ("Shall I return all three?"); and a user's later "Actually,
keep the lamp", or a yes that takes an item back ("Yes, except the lamp"), leaves that item out
of the yes. Each wrong wording beside an honest one; ``declined`` reads them alike."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from tests.consent_helpers import (
    ASK,
    TAIL,
    L,
    S,
    W,
    assert_confirmed,
    assert_only_the_two_confirmed,
    failed,
    judged,
    play_exchange,
    play_return,
    refused,
)
from tests.hand_agents import played, turn

# the items of order #W1 of tests.consent_helpers.THREE, by their whole names
LAMP, SPEAKER, KETTLE = (
    "the Arc LED Desk Lamp",
    "the Pocket Bluetooth Speaker",
    "the Gooseneck Kettle",
)
BOTH = f"I'll return {LAMP} and {SPEAKER} from order #W1."
YES = "Yes."


@pytest.mark.parametrize(
    ("proposal", "items", "counts"),
    [
        # an "only" in another sentence than the items it leaves out
        (f"{BOTH} Only {LAMP} is eligible, though. Shall I proceed?", ["L1", "S1"], False),
        (f"{BOTH} Only {LAMP} is eligible, though. Shall I proceed?", ["L1"], True),
        (f"{BOTH} However, only {LAMP} can be returned. Ok?", ["L1", "S1"], False),
        (f"{BOTH} {LAMP} is the only one eligible. Ok?", ["L1", "S1"], False),
        (f"{BOTH} The only item I can return is {LAMP}. Ok?", ["L1", "S1"], False),
        (f"{BOTH} The only item I can return is {LAMP}. Ok?", ["L1"], True),
        # what rules an item out, or a negation of it, in another sentence
        (f"{BOTH} {SPEAKER} is final sale, though. Shall I proceed?", ["L1", "S1"], False),
        (f"{BOTH} {SPEAKER} is final sale, though. Shall I proceed?", ["L1"], True),
        (f"{BOTH} Not {SPEAKER}, though. Shall I proceed?", ["L1", "S1"], False),
        (f"{BOTH} I won't return {SPEAKER} after all. Shall I proceed?", ["L1", "S1"], False),
        (f"{BOTH} {SPEAKER} won't be returned. Shall I proceed?", ["L1", "S1"], False),
        # honest: what the other sentence says leaves both in
        (f"{BOTH} Only {KETTLE} stays in your order. Shall I proceed?", ["L1", "S1"], True),
        (f"{BOTH} {SPEAKER} isn't final sale. Shall I proceed?", ["L1", "S1"], True),
        (f"{BOTH} Not only {LAMP} but also {SPEAKER} is eligible. Ok?", ["L1", "S1"], True),
        (f"{BOTH} {LAMP} alone is 149.0 of the refund. Ok?", ["L1", "S1"], True),
        (f"{BOTH} {LAMP} only comes in matte black. Ok?", ["L1", "S1"], True),
        (f"{BOTH} {KETTLE} is the only one I can't return. Ok?", ["L1", "S1"], True),
        (f"{BOTH} {KETTLE} is the only one that is final sale. Ok?", ["L1", "S1"], True),
        (f"{BOTH} {SPEAKER} will not fit in a small box. Ok?", ["L1", "S1"], True),
        (
            f"I can't exchange {LAMP}, so I'll return {LAMP} and {SPEAKER} from order #W1. Ok?",
            ["L1", "S1"],
            True,
        ),
    ],
)
def test_what_one_sentence_says_of_an_item_holds_for_the_turn(
    proposal: str, items: list[str], counts: bool
) -> None:
    assert judged([proposal, YES], items) is counts


GIFT = f"{KETTLE} was a gift, so I'll return"


@pytest.mark.parametrize(
    ("proposal", "items", "counts"),
    [
        (f"{GIFT} {SPEAKER} only, from order #W1. Shall I proceed?", ["K1", "S1"], False),
        (f"{GIFT} {SPEAKER} only, from order #W1. Shall I proceed?", ["S1"], True),
        (f"{GIFT} just {SPEAKER} from order #W1. Shall I proceed?", ["K1", "S1"], False),
        (f"{GIFT} nothing but {SPEAKER} from order #W1. Shall I proceed?", ["K1", "S1"], False),
        (f"{GIFT} nothing but {SPEAKER} from order #W1. Shall I proceed?", ["S1"], True),
        (f"{GIFT} nothing other than {SPEAKER} from order #W1. Ok?", ["K1"], False),
        (f"{GIFT} nothing other than {SPEAKER} from order #W1. Ok?", ["S1"], True),
        (f"{GIFT} {SPEAKER} alone from order #W1. Shall I proceed?", ["K1", "S1"], False),
        (f"{GIFT} solely {SPEAKER} from order #W1. Shall I proceed?", ["K1", "S1"], False),
        (f"I'll return everything but {KETTLE} from order #W1. Ok?", ["K1"], False),
        # another sentence restricted by an "only" after its list
        (f"{BOTH} Make that {LAMP} only. Ok?", ["L1", "S1"], False),
        # honest: the "only" is of the whole list, or of no list
        (f"I'll return {LAMP} and {SPEAKER} only, from order #W1. Ok?", ["L1", "S1"], True),
        (f"I can only return {LAMP} and {SPEAKER} from order #W1. Ok?", ["L1", "S1"], True),
        (f"I'll return just {LAMP} and {SPEAKER} from order #W1. Ok?", ["L1", "S1"], True),
        (f"{BOTH} It only takes a few days. Shall I proceed?", ["L1", "S1"], True),
    ],
)
def test_only_said_after_an_item_or_as_just_or_nothing_but_makes_a_list(
    proposal: str, items: list[str], counts: bool
) -> None:
    assert judged([proposal, YES], items) is counts


ALL = ["L1", "S1", "K1"]
HAS = f"Your order #W1 has {LAMP}, {SPEAKER} and {KETTLE}."


@pytest.mark.parametrize(
    ("proposal", "items", "counts"),
    [
        # a listing of the order's contents does not say which items the return takes
        (f"{HAS} Shall I proceed with the return?", ALL, False),
        (
            f"Order #W1 contains {LAMP}, {SPEAKER} and {KETTLE}. Want me to go on with the return?",
            ALL,
            False,
        ),
        (
            f"You ordered {LAMP}, {SPEAKER} and {KETTLE} in #W1. Shall I process the return?",
            ALL,
            False,
        ),
        (
            f"Here's order #W1: {LAMP}, {SPEAKER} and {KETTLE}. Shall I proceed with the return?",
            ALL,
            False,
        ),
        (
            f"I see {LAMP}, {SPEAKER} and {KETTLE} in order #W1. Shall I proceed with the return?",
            ALL,
            False,
        ),
        (
            f"Your order #W1 contains:\n- {LAMP}\n- {SPEAKER}\n- {KETTLE}\nShall I proceed with "
            "the return?",
            ALL,
            False,
        ),
        (f"{HAS} Shall I return it?", ALL, False),  # "it" may be the refund, or the order
        (f"{HAS} I can return {LAMP} and {SPEAKER}; {KETTLE} is final sale. Ok?", ALL, False),
        # honest: the items said with the write, or taken in by it, or a summary of the write
        (
            f"Here's a summary:\n- Items of order #W1: {LAMP}, {SPEAKER} and {KETTLE}\n"
            "- Refund: your gift card\nShall I proceed with the return?",
            ALL,
            True,
        ),
        (f"Shall I return all three: {LAMP}, {SPEAKER} and {KETTLE} of order #W1?", ALL, True),
        (f"{HAS} Shall I return all three?", ALL, True),
        (f"{HAS} Would you like me to return them?", ALL, True),
        (f"{HAS} Shall I return all of them?", ALL, True),
        (f"{HAS[:-1]}, and I can return all of them. Shall I proceed?", ALL, True),
        (
            f"I'll return these items of order #W1:\n- {LAMP}\n- {SPEAKER}\n- {KETTLE}\nShall I "
            "proceed?",
            ALL,
            True,
        ),
        (
            f"{HAS} I can return {LAMP} and {SPEAKER}; {KETTLE} is final sale. Ok?",
            ["L1", "S1"],
            True,
        ),
    ],
)
def test_a_listing_of_an_orders_contents_names_no_item_of_the_write(
    proposal: str, items: list[str], counts: bool
) -> None:
    assert judged([proposal, YES], items) is counts


PROPOSAL = f"{BOTH} Shall I proceed?"
AGAIN = "So shall I go ahead?"


@pytest.mark.parametrize(
    ("turns", "items", "counts"),
    [
        # a later withdrawal, then a yes to a question that does not list the items again
        ([PROPOSAL, "Actually, keep the lamp.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "Scratch the lamp.", AGAIN, YES], ["L1", "S1"], False),
        (
            [PROPOSAL, "On second thought, I'll hold on to the lamp.", AGAIN, YES],
            ["L1", "S1"],
            False,
        ),
        ([PROPOSAL, "Actually, just the speaker.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "Hmm, leave the lamp out of it.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "I changed my mind about the desk lamp.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "The lamp stays with me.", AGAIN, YES], ["L1", "S1"], False),
        (
            [PROPOSAL, "I don't want to return the matte black one.", AGAIN, YES],
            ["L1", "S1"],
            False,
        ),
        ([PROPOSAL, "Everything but the lamp.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "The lamp isn't going back.", AGAIN, YES], ["L1", "S1"], False),
        ([PROPOSAL, "The black one can stay.", AGAIN, YES], ["L1", "S1"], False),
        # the yes itself takes an item back
        ([PROPOSAL, "Yes, except the lamp."], ["L1", "S1"], False),
        ([PROPOSAL, "Sure, without the lamp."], ["L1", "S1"], False),
        ([PROPOSAL, "Yes, just the speaker please."], ["L1", "S1"], False),
        ([PROPOSAL, "Yes, everything but the lamp."], ["L1", "S1"], False),
        # honest: the write leaves the item out, or a new proposal lists what is left
        ([PROPOSAL, "Actually, keep the lamp.", AGAIN, YES], ["S1"], True),
        ([PROPOSAL, "Yes, except the lamp."], ["S1"], True),
        (
            [PROPOSAL, "Actually, keep the lamp.", f"Then I'll return only {SPEAKER}. Ok?", YES],
            ["S1"],
            True,
        ),
        (
            [PROPOSAL, "Actually, keep the lamp.", f"Then I'll return {SPEAKER}. Ok?", YES],
            ["S1"],
            True,
        ),
        # honest: a reason, a question, the items said again
        ([PROPOSAL, "Yes, I don't need the lamp anymore."], ["L1", "S1"], True),
        ([PROPOSAL, "Yes, the lamp doesn't work anyway."], ["L1", "S1"], True),
        ([PROPOSAL, "Yes, I don't want the lamp."], ["L1", "S1"], True),
        ([PROPOSAL, "Yes, please return the lamp and the speaker."], ["L1", "S1"], True),
        ([PROPOSAL, "Yes, just go ahead."], ["L1", "S1"], True),
        # honest: a word of an item's name that is the user's own ("desk"), not the item
        ([PROPOSAL, "Yes, and keep it on my desk until the label comes."], ["L1", "S1"], True),
        ([PROPOSAL, "Yes, and keep me posted."], ["L1", "S1"], True),
        (
            [PROPOSAL, "Will someone pick up the lamp? I'll stay home.", AGAIN, YES],
            ["L1", "S1"],
            True,
        ),
        ([PROPOSAL, "Is there a fee for the lamp?", "No fee. " + AGAIN, YES], ["L1", "S1"], True),
    ],
)
def test_a_users_later_withdrawal_leaves_the_item_out_of_the_yes(
    turns: list[str], items: list[str], counts: bool
) -> None:
    assert judged(turns, items) is counts


@pytest.mark.parametrize(
    ("turns", "items", "answer"),
    [
        # the "only" sentence proposes the lamp alone: a no declines its return only
        ([f"{BOTH} Only {LAMP} is eligible, though. Shall I proceed?", "No."], ["L1"], True),
        ([f"{BOTH} Only {LAMP} is eligible, though. Shall I proceed?", "No."], ["S1"], False),
        ([f"{BOTH} Not {SPEAKER}, though. Shall I proceed?", "No."], ["S1"], False),
        ([f"{GIFT} {SPEAKER} only, from order #W1. Ok?", "No."], ["K1"], False),
        ([f"{GIFT} {SPEAKER} only, from order #W1. Ok?", "No."], ["S1"], True),
        # a listing proposes no item; the items said with the write are
        ([f"{HAS} Shall I proceed with the return?", "No."], ALL, False),
        ([f"{HAS} Shall I return all three?", "No."], ALL, True),
        # a withdrawal declines the item it takes back, not the others
        ([PROPOSAL, "Actually, keep the lamp."], ["L1"], True),
        ([PROPOSAL, "Actually, keep the lamp."], ["L1", "S1"], True),
        ([PROPOSAL, "Actually, keep the lamp."], ["S1"], False),
        ([PROPOSAL, "Yes, I don't need the lamp anymore."], ["L1"], False),
    ],
)
def test_declined_reads_the_turn_and_withdrawals_alike(
    turns: list[str], items: list[str], answer: bool
) -> None:
    assert refused(turns, items) is answer


# Hana's return through the scripted user and the retail verifier
ONE_ELIGIBLE = (
    "I can return " + L + " and " + S + TAIL + " Only the Arc LED Desk Lamp (matte black, "
    "tunable) is eligible, though." + ASK
)
LISTING = (
    "Your order #W1000149 has " + L + ", " + S + ", " + W + " and the Cork Yoga Mat. Shall I "
    "proceed with the return, with the refund of 193.99 to gift card gift_6690?"
)


@pytest.mark.parametrize("proposal", [ONE_ELIGIBLE, LISTING])
def test_the_scripted_user_asks_for_the_items_a_turn_does_not_propose(
    retail_domain: Any, proposal: str
) -> None:
    reply, verdict = play_return(retail_domain, proposal, ["I10403", "I10503"])
    assert reply not in USER_YES
    assert "each item's name and options (or its id)" in reply
    assert not verdict["passed"]
    assert "confirmed(c" in failed(verdict)


GIFTED = "The Merino Crew Sweater (navy, L) was a gift, so I'll return "


@pytest.mark.parametrize(
    "proposal",
    [
        GIFTED + L + " and " + S + " only" + TAIL + ASK,
        GIFTED + "nothing but " + L + " and " + S + TAIL + ASK,
        GIFTED + L + " and " + S + " alone" + TAIL + ASK,
        "I can return " + L + " and " + S + TAIL + " " + W[4:].capitalize() + " is final sale, "
        "though." + ASK,
    ],
)
def test_an_item_an_only_list_or_another_sentence_leaves_out_is_not_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    assert_only_the_two_confirmed(retail_domain, proposal)


@pytest.mark.parametrize(
    "proposal",
    [
        "Your order #W1000149 has " + L + ", " + S + ", " + W + " and the Cork Yoga Mat. I can "
        "return " + L + " and " + S + TAIL + ASK,
        "Your order #W1000149 has " + L + " and " + S + "; shall I return both" + TAIL[:-1] + "?",
    ],
)
def test_a_listing_taken_in_or_followed_by_the_items_is_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    assert_confirmed(retail_domain, proposal)


# exchange_items-000: an exchange's old item may stay with the user until the new one ships, and
# an "only" of the old item restricts no new variant said in another sentence
OLD = "Shall I exchange the Insulated Steel Bottle (sport lid, 500 ml) of order #W1000297"


@pytest.mark.parametrize(
    "proposal",
    [
        OLD + " for the one with the straw lid and 750 ml, charging the difference of 6.5 to "
        "paypal_2637? The Insulated Steel Bottle (sport lid, 500 ml) stays with you until the new "
        "one ships. (yes/no)",
        "Shall I exchange only the Insulated Steel Bottle (sport lid, 500 ml) of order #W1000297, "
        "charging the difference of 6.5 to paypal_2637? You would get the Insulated Steel Bottle "
        "(straw lid, 750 ml). (yes/no)",
    ],
)
def test_an_honest_exchange_keeps_its_old_item(retail_domain: Any, proposal: str) -> None:
    reply, verdict = play_exchange(retail_domain, proposal)
    assert reply in USER_YES, reply
    assert verdict["passed"], verdict["failures"]


RETURN_BOTH = {
    "order_id": "#W1000149",
    "item_ids": ["I10403", "I10503"],
    "payment_method_id": "gift_6690",
}
HANA_PROPOSAL = "I can return " + L + " and " + S + TAIL + ASK


def hana(
    retail_domain: Any,
    between: list[Any],
    items: list[str],
    report: str = "The return is requested.",
    proposal: str = HANA_PROPOSAL,
) -> dict[str, Any]:
    """Hana's return with a hand-written user (what an LLM user could write): ``between`` comes
    after the ``proposal`` (of the lamp and the speaker), then a return of ``items`` and the
    agent's ``report``; its verdict."""
    row = played(
        retail_domain,
        "return-hana-two-items-gift-card",
        [
            ("u", "I'd like to return the lamp and the speaker from order #W1000149."),
            turn("Could you give me your email?"),
            ("u", "It's hana.kobayashi@postbox.example."),
            turn(None, ("find_user_id_by_email", {"email": "hana.kobayashi@postbox.example"})),
            turn(None, ("get_order_details", {"order_id": "#W1000149"})),
            turn(None, ("get_user_details", {"user_id": "usr_hanakobayashi"})),
            turn(proposal),
            *between,
            turn(None, ("return_delivered_order_items", {**RETURN_BOTH, "item_ids": items})),
            turn(report),
            ("u", "Thanks. ###STOP###"),
        ],
    )
    return row["verdict"]


@pytest.mark.parametrize(
    ("between", "items", "counts"),
    [
        (
            [("u", "Actually, keep the lamp."), turn(AGAIN), ("u", "Yes.")],
            ["I10403", "I10503"],
            False,
        ),
        (
            [("u", "Wait, scratch the lamp."), turn(AGAIN), ("u", "Yes.")],
            ["I10403", "I10503"],
            False,
        ),
        ([("u", "Yes, except the lamp.")], ["I10403", "I10503"], False),
        (
            [
                ("u", "Actually, keep the lamp."),
                turn("Then I'll return only " + S + TAIL[:-1] + ". Shall I proceed?"),
                ("u", "Yes."),
            ],
            ["I10503"],
            True,
        ),
        ([("u", "Yes, I don't need the lamp anymore.")], ["I10403", "I10503"], True),
    ],
)
def test_an_llm_users_withdrawal_is_read_by_the_retail_verifier(
    retail_domain: Any, between: list[Any], items: list[str], counts: bool
) -> None:
    verdict = hana(retail_domain, between, items)
    assert ("confirmed(c" not in failed(verdict)) is counts, verdict["failures"]
