"""Honest wordings an LLM agent is likely to write, which retail's reward and the scripted user
read wrong (newcomer review E): a product's size beside the refund read as a made-up amount
("the 0.8 l matte white variant"), a proposal in a verb's past form ("you'd like order #W1
shipped to ...? Is that correct?") or asked with "Yes/no?" that got no yes, and a proposal that
leaves out the order id answered as if it named a wrong one. Each beside the case that must
still hold: a made-up amount is still one, a deed told as done proposes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.user_questions import asks_to_confirm
from eigendsl.support import Trace, amounts
from eigendsl.support.events import Call
from eigendsl.support.proposals import confirmed, unproposed
from tests.hand_agents import ListAgent, play_row, turn


def _user_replies(row: dict[str, Any]) -> list[str]:
    return [m["content"] for m in row["messages"] if m["role"] == "user"]


# --- 1. a number before a unit of measure is a size, not an amount


@pytest.mark.parametrize(
    "text",
    [
        "the 0.8 l matte white variant",
        "the 750 ml bottle",
        "the 750ml bottle",
        "a 4 mm mat",
        "a 15.6 inch screen",
        "a 15.6-inch screen",
        "2 kg",
        "500 GB",
        "1000 W",
        "a 5 m cable",
        "two liters",
        "the size 42 pair",  # a shoe size is no amount either (retail's trail runners)
        "size: 42",
    ],
)
def test_a_number_before_a_unit_is_no_amount(text: str) -> None:
    assert amounts(f"The kettle is now {text}, and $17.90 will be refunded.") == [17.9]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and a fee of 0.8", [0.8]),
        ("and a fee of $0.8", [0.8]),
        ("and 0.8 dollars", [0.8]),
        ("and 20 in store credit", [20.0]),  # "in" says where, not inches
        ("and 20 w/ tax", [20.0]),
        ("and 5 more later", [5.0]),
        ("and a fee of 42", [42.0]),
    ],
)
def test_a_made_up_amount_is_still_an_amount(text: str, expected: list[float]) -> None:
    assert amounts(f"The kettle is now the 0.8 l variant, {text}.") == expected


ITEM_CHANGE = "modify_order_items-000"  # Amara swaps her kettle to 0.8 l matte white
AMARA = [
    turn("Could you please give me your email and current variant and wanted variant?"),
    turn(None, ("find_user_id_by_email", {"email": "amara.nwosu@inbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1000075"})),
    turn(None, ("get_product_details", {"product_id": "P102"})),
    turn(
        "Shall I replace I10204 with I10201 in order #W1000075, refunding the difference to "
        "paypal_4313? (yes/no)"
    ),
    turn(
        None,
        (
            "modify_pending_order_items",
            {
                "order_id": "#W1000075",
                "item_ids": ["I10204"],
                "new_item_ids": ["I10201"],
                "payment_method_id": "paypal_4313",
            },
        ),
    ),
]


def test_the_new_variants_size_beside_the_refund_scores_1(retail_domain: Any) -> None:
    done = turn(
        "The kettle is now the 0.8 l matte white variant, and $17.90 will be refunded to your "
        "PayPal account."
    )
    row = play_row(retail_domain, ITEM_CHANGE, ListAgent([*AMARA, done]))
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


def test_a_made_up_fee_beside_the_variants_size_still_fails(retail_domain: Any) -> None:
    """fixG1b's first take on the size (a number of an option of the order's products, said
    with the option, was no amount beside the outcome) let through any amount equal to it once
    the option was named: "less a fee of 0.8" beside "the 0.8 l variant". `amounts` leaves the
    size out by its unit; the check excuses nothing else."""
    done = turn(
        "The kettle is now the 0.8 l matte white variant, and $17.90 will be refunded to your "
        "PayPal account, less a fee of 0.8."
    )
    row = play_row(retail_domain, ITEM_CHANGE, ListAgent([*AMARA, done]))
    assert any(
        "beside the outcome that is not the order's" in f["reason"]
        for f in row["verdict"]["failures"]
    )


# --- 2. a proposal in a verb's past form, asked with "Is that correct?" or "Yes/no?"

ADDRESS = {
    "order_id": "#W1000260",
    "address1": "73 Orchard Gate",
    "address2": "Unit 12",
    "city": "Oakhurst",
    "state": "IL",
    "country": "USA",
    "zip": "60512",
}
WHERE = "73 Orchard Gate, Unit 12, Oakhurst, IL 60512, USA"
ADDRESS_WORDS = ["change", "update", "ship", "move"]


def _confirmed(proposal: str, words: list[str] = ADDRESS_WORDS) -> bool:
    trace = Trace.from_messages(
        [{"role": "assistant", "content": proposal}, {"role": "user", "content": "Yes."}], db={}
    )
    return confirmed(trace, Call("modify_pending_order_address", ADDRESS, position=2), words)


@pytest.mark.parametrize(
    "proposal",
    [
        f"To confirm, you'd like order #W1000260 shipped to {WHERE} instead of 610 Bellflower "
        "Street? Is that correct?",
        f"You want order #W1000260 shipped to {WHERE}? Yes/no?",
        f"Order #W1000260 will be shipped to {WHERE}. Is that right?",
        f"The address of order #W1000260 gets changed to {WHERE}. Shall I proceed?",
        f"Order #W1000260 moved to {WHERE}, yes?",
    ],
)
def test_a_proposal_in_a_verbs_past_form_is_confirmed(proposal: str) -> None:
    assert unproposed(proposal, "modify_pending_order_address", ADDRESS, ADDRESS_WORDS) == []
    assert _confirmed(proposal)
    assert asks_to_confirm(proposal, {"order id": "#W1000260"})


@pytest.mark.parametrize(
    "proposal",
    [
        f"Order #W1000260 was shipped to {WHERE}. Is that correct?",
        f"I've changed the address of order #W1000260 to {WHERE}. Is that right?",
        f"Order #W1000260 has already been moved to {WHERE}, right?",
        f"Order #W1000260 can't be shipped to {WHERE}. Is that ok?",
    ],
)
def test_a_deed_told_as_done_or_negated_proposes_nothing(proposal: str) -> None:
    assert not _confirmed(proposal)


def test_a_past_form_names_only_its_own_writes_verb() -> None:
    # "changed" is a form of "change", which a cancellation is not named by
    trace = Trace.from_messages(
        [
            {"role": "assistant", "content": "Order #W1 changed (no longer needed). Ok?"},
            {"role": "user", "content": "Yes."},
        ],
        db={},
    )
    cancel = Call("cancel_pending_order", {"order_id": "#W1", "reason": "no longer needed"})
    cancel.position = 2
    assert not confirmed(trace, cancel, ["cancellation"])
    assert confirmed(trace, cancel, ["change"])


BRAM = [
    turn("Could you please give me your email and new address?"),
    turn(None, ("find_user_id_by_email", {"email": "bram.vos@postbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1000260"})),
]
MOVED = turn(f"The shipping address for order #W1000260 has been updated to {WHERE}.")


def test_the_scripted_user_says_yes_to_a_proposal_in_a_past_form(retail_domain: Any) -> None:
    proposal = turn(
        f"To confirm, you'd like order #W1000260 shipped to {WHERE} instead of 610 Bellflower "
        "Street? Is that correct?"
    )
    agent = ListAgent(
        [*BRAM, proposal, turn(None, ("modify_pending_order_address", ADDRESS)), MOVED]
    )
    row = play_row(retail_domain, "modify_order_address-000", agent)
    assert "yes" in _user_replies(row)[2].lower()
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


def test_the_account_address_changed_with_yes_no_scores_1(retail_domain: Any) -> None:
    new = {
        "user_id": "usr_nadiahaddad",
        "address1": "5 Lighthouse Row",
        "address2": "",
        "city": "Port Linden",
        "state": "ME",
        "country": "USA",
        "zip": "04015",
    }
    agent = ListAgent(
        [
            turn("Could you please give me your email and new address?"),
            turn(None, ("find_user_id_by_email", {"email": "nadia.haddad@postbox.example"})),
            turn(None, ("get_user_details", {"user_id": "usr_nadiahaddad"})),
            turn(
                "To confirm, you want your default address changed to 5 Lighthouse Row, Port "
                "Linden, ME, USA 04015 (user usr_nadiahaddad)? Yes/no?"
            ),
            turn(None, ("modify_user_address", new)),
            turn("Done! Your address is now 5 Lighthouse Row, Port Linden, ME 04015."),
        ]
    )
    row = play_row(retail_domain, "update_user_address-000", agent)
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


# --- 3. a proposal that leaves out the order id: the user asks for it

ODILE = [
    turn("Could you please give me your email and gift card and items to return?"),
    turn(None, ("find_user_id_by_email", {"email": "odile.brandt@mailbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1001148"})),
    turn(None, ("get_user_details", {"user_id": "usr_odilebrandt"})),
]


def test_a_left_out_order_id_is_asked_for_not_corrected(retail_domain: Any) -> None:
    proposal = turn(
        "Shall I return I10202 (Stoneware Pour-Over Kettle) and I10502 (Pocket Bluetooth "
        "Speaker), refunding $100.99 to your gift card gift_6207? (yes/no)"
    )
    row = play_row(retail_domain, "return_to_gift_card-000", ListAgent([*ODILE, proposal]))
    reply = _user_replies(row)[2]
    assert reply == (
        "Which order do you mean? Please name it (my order id is #W1001148), then ask me again."
    )


def test_another_order_id_is_still_corrected(retail_domain: Any) -> None:
    proposal = turn(
        "Shall I return I10202 and I10502 from order #W1001149, refunding $100.99 to your gift "
        "card gift_6207? (yes/no)"
    )
    row = play_row(retail_domain, "return_to_gift_card-000", ListAgent([*ODILE, proposal]))
    assert _user_replies(row)[2] == "No, that's not right: my order id is #W1001148."


CANCEL_BRAM = [
    turn("Sure! What's your email?"),
    turn(None, ("find_user_id_by_email", {"email": "bram.vos@postbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1000260"})),
]


def test_a_left_out_reason_is_asked_for_and_another_one_corrected(retail_domain: Any) -> None:
    # cancel_pending-005: Bram cancels #W1000260, ordered by mistake
    bare = play_row(
        retail_domain,
        "cancel_pending-005",
        ListAgent([*CANCEL_BRAM, turn("Shall I cancel order #W1000260? (yes/no)")]),
    )
    assert _user_replies(bare)[2].startswith("Which reason do you mean? Please name it")
    other = play_row(
        retail_domain,
        "cancel_pending-005",
        ListAgent(
            [*CANCEL_BRAM, turn("Shall I cancel order #W1000260 (no longer needed)? (yes/no)")]
        ),
    )
    assert _user_replies(other)[2].startswith("No, that's not right: my reason is")
