"""The scripted user says yes only to a proposal that the verifiers' ``confirmed(c, words)``
would count as consent to one of the writes it asked for. The agent turns below are a GRPO
model's held-out turns, word for word: the user said yes to them and the episode failed
``confirm_each_write``, so the reward taught nothing but a zero."""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import reply_answer
from tests.hand_agents import ListAgent, play_row, turn

# modify_address_and_payment-004: Mei Chen moves #W1001444 to a new address, then pays card_1480
EMAIL, ORDER = "mei.chen@mailbox.example", "#W1001444"
ADDRESS = {
    "address1": "73 Orchard Gate",
    "address2": "Unit 12",
    "city": "Oakhurst",
    "country": "USA",
    "order_id": ORDER,
    "state": "IL",
    "zip": "60512",
}
ADDRESS_PROPOSAL = (
    "Here is what I will do: call modify_pending_order_address with address1 73 Orchard Gate, "
    "address2 Unit 12, city Oakhurst, country USA, state IL, zip 60512, order id #W1001444. "
    "Shall I proceed? (yes/no)"
)
PAYMENT = {"order_id": ORDER, "payment_method_id": "card_1480"}


def _address_then(payment_proposal: str) -> ListAgent:
    return ListAgent(
        [
            turn("First, I need to verify your account. What is your email?"),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            turn(ADDRESS_PROPOSAL),
            turn(None, ("modify_pending_order_address", ADDRESS)),
            turn(
                "Order #W1001444 will now ship to 73 Orchard Gate, Oakhurst 60512. Now the "
                "payment method.",
                ("get_user_details", {"user_id": "usr_meichen"}),
            ),
            turn(payment_proposal),
            turn(None, ("modify_pending_order_payment", PAYMENT)),
            turn("Order #W1001444 is now paid with card_1480 (225.5)."),
        ]
    )


def _reply_to(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(
        i for i, m in enumerate(messages) if m["role"] == "assistant" and m["content"] == proposal
    )
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


def _failed(row: dict[str, Any]) -> list[str]:
    return [f["reason"].split(":")[0] for f in row["verdict"]["failures"]]


GARBLED = 'with 73 Orchard Gate, order #W1001444 stays apayment_method_id": "card_1480 (yes/no).'


def test_a_garbled_proposal_without_the_writes_verb_gets_no_yes(retail_domain: Any) -> None:
    # it holds the order, the card and "(yes/no)", but says nothing that the write does
    row = play_row(retail_domain, "modify_address_and_payment-004", _address_then(GARBLED))
    reply = _reply_to(row, GARBLED)
    assert reply_answer(reply) != "yes"
    assert (
        reply
        == "Sorry, what exactly should I confirm? Please say what you will do, then ask me again."
    )
    assert not row["verdict"]["passed"]
    assert "policy rule confirm_each_write" in _failed(row)
    # the address proposal before it, a proper one, still got its yes
    assert _reply_to(row, ADDRESS_PROPOSAL) in USER_YES


def test_a_proper_proposal_in_the_verifiers_words_gets_its_yes(retail_domain: Any) -> None:
    # "change" is none of the tool's words, but one that retail's confirmed() lists
    proposal = "Shall I change the payment of order #W1001444 to card_1480? (yes/no)"
    row = play_row(retail_domain, "modify_address_and_payment-004", _address_then(proposal))
    assert _reply_to(row, proposal) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]


# modify_order_items-004 and exchange_items-004: the proposal names the current item as the new
# one; the agent then calls the right one, which the user said yes to nowhere
ITEMS = {
    "modify_order_items-004": (
        "oscar.mbeki@postbox.example",
        "#W1000963",
        "P103",
        "modify_pending_order_items",
        {
            "item_ids": ["I10301"],
            "new_item_ids": ["I10302"],
            "order_id": "#W1000963",
            "payment_method_id": "gift_1389",
        },
        "Here is what I will do: call modify_pending_order_items with new item ids (color: oat, "
        "size: S) ['I10301'], item ids (Merino Crew Sweater, color: oat, size: S) ['I10301'], "
        "payment method id gift_1389, order id #W1000963. Shall I proceed? (yes/no)",
    ),
    "exchange_items-004": (
        "sofia.lind@inbox.example",
        "#W1000519",
        "P109",
        "exchange_delivered_order_items",
        {
            "item_ids": ["I10901"],
            "new_item_ids": ["I10902"],
            "order_id": "#W1000519",
            "payment_method_id": "card_1711",
        },
        "Here is what I will do: call exchange_delivered_order_items with new item ids (layout: "
        "US, switch: tactile) ['I10901'], item ids (Low-Profile Mechanical Keyboard, layout: US, "
        "switch: linear) ['I10901'], payment method id card_1711, order id #W1000519. Shall I "
        "proceed? (yes/no)",
    ),
}


def _items_agent(task_id: str, proposal: str) -> ListAgent:
    email, order, product, tool, args, _ = ITEMS[task_id]
    return ListAgent(
        [
            turn("Could you tell me your email, please?"),
            turn(None, ("find_user_id_by_email", {"email": email})),
            turn(None, ("get_order_details", {"order_id": order})),
            turn("Let me look up the product.", ("get_product_details", {"product_id": product})),
            turn(proposal),
            turn(None, (tool, args)),
            turn("It is done."),
        ]
    )


def test_a_proposal_of_another_new_item_gets_no_yes(retail_domain: Any) -> None:
    for task_id, (*_, proposal) in ITEMS.items():
        row = play_row(retail_domain, task_id, _items_agent(task_id, proposal))
        reply = _reply_to(row, proposal)
        assert reply_answer(reply) != "yes", task_id
        assert "Please say what you will do, with each new item's name and options" in reply, (
            task_id
        )
        assert not row["verdict"]["passed"], task_id
        assert "policy rule confirm_each_write" in _failed(row), task_id


def test_the_same_proposal_with_the_right_new_item_gets_its_yes(retail_domain: Any) -> None:
    for task_id, (*_, proposal) in ITEMS.items():
        right = proposal.replace("['I10301'], item ids", "['I10302'], item ids").replace(
            "['I10901'], item ids", "['I10902'], item ids"
        )
        row = play_row(retail_domain, task_id, _items_agent(task_id, right))
        assert _reply_to(row, right) in USER_YES, task_id


def test_confirm_words_are_those_the_verifiers_list(retail_domain: Any) -> None:
    assert retail_domain.confirm_words == {
        "cancel_pending_order": ("cancellation",),
        "modify_pending_order_address": (
            "change",
            "update",
            "ship",
            "move",
            "send",
            "redirect",
            "set",
        ),
        "modify_pending_order_payment": ("change", "update", "pay", "charge", "switch", "use"),
        "modify_pending_order_items": ("change", "update", "swap", "replace", "switch"),
        "return_delivered_order_items": ("refund",),
        "exchange_delivered_order_items": ("swap", "replace", "switch"),
        "modify_user_address": ("change", "update", "move", "save", "set", "replace"),
    }
