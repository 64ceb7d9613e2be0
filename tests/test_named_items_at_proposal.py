"""Consent read against the records as they stood when the agent proposed the write (review S5):
"Shall I change the Low-Profile Mechanical Keyboard in your order #W1000223 from clicky to linear
switches (layout: US) ...?" names the clicky keyboard, the order's item at the proposal, though
the write swaps it out of the order (a verifier reads the final database); the scripted user and
``confirmed`` agree on it. The same for the other writes that replace a value (an address, a
payment method, a return's or an exchange's status), a second change of an item already changed
in the episode, and an aside that says the item's order ("the Pocket Bluetooth Speaker (order
#W1000149)"). Each false wording beside an honest one."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import (
    Episode,
    GoldCache,
    add_user_turn,
    apply_agent_turn,
    judge_episode,
)
from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Trace, confirmed, declined
from tests.consent_helpers import (
    assert_confirmed,
    assert_only_the_two_confirmed,
    failed,
    play_return,
)
from tests.hand_agents import CLOSING, ListAgent, play_row, turn

INES = "modify-items-ines-keyboard"  # #W1000223: the Keyboard I10904 (clicky, US) for I10901
FOUND = (
    "Shall I change the Low-Profile Mechanical Keyboard in your order #W1000223 from clicky to "
    "linear switches (layout: US), charging the $5.00 difference to your credit card card_6046?"
)
SWAP = {
    "order_id": "#W1000223",
    "item_ids": ["I10904"],
    "new_item_ids": ["I10901"],
    "payment_method_id": "card_6046",
}


def _plan(domain: Any, task_id: str, proposals: list[str], user: bool) -> list[Any]:
    """The task's gold plan as agent turns, each write after the next of ``proposals``; with
    ``user``, a hand-written user's request, email and "Yes." to each proposal between them."""
    task = domain.task(task_id)
    email = next(s["args"]["email"] for s in task["gold"] if "email" in s.get("args", {}))
    items: list[Any] = [("u", "Hello, I need help with an order.")] if user else []
    items += [turn("Sure. What is your email, please?")]
    items += [("u", f"It's {email}.")] if user else []
    left = list(proposals)
    for i, step in enumerate(task["gold"]):
        if "say" in step:  # a say between two writes would end the scripted user's turn
            items += [turn(step["say"])] if i == len(task["gold"]) - 1 else []
            continue
        if domain.tools[step["tool"]].writes:
            items.append(turn(left.pop(0)))
            items += [("u", "Yes.")] if user else []
        items.append(turn(None, (step["tool"], step["args"])))
    return items + ([turn(CLOSING), ("u", "No, thanks. ###STOP###")] if user else [])


def play_plan(domain: Any, task_id: str, proposals: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The gold plan with ``proposals`` against the scripted user: its reply to each proposal,
    and the verdict."""
    row = play_row(domain, task_id, ListAgent(_plan(domain, task_id, proposals, user=False)))
    messages = row["messages"]
    replies = []
    for proposal in proposals:
        at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
        replies.append(next(m["content"] for m in messages[at + 1 :] if m["role"] == "user"))
    return replies, row["verdict"]


def episode_of(domain: Any, task_id: str, items: list[Any]) -> Episode:
    """An episode of hand-written user turns (``("u", text)``) and agent turns, played."""
    episode = Episode(domain.task(task_id), Environment(domain, domain.task(task_id)))
    for item in items:
        if isinstance(item, tuple):
            add_user_turn(episode, item[1], domain.stop_marker)
        else:
            apply_agent_turn(episode, item)
    return episode


def yes_to(domain: Any, task_id: str, proposals: list[str]) -> dict[str, Any]:
    """The verdict of the gold plan with ``proposals``, each answered "Yes." by a hand-written
    user (what an LLM user could answer, where the scripted user asks again)."""
    episode = episode_of(domain, task_id, _plan(domain, task_id, proposals, user=True))
    return judge_episode(domain, episode, GoldCache(domain))["verdict"]


@pytest.mark.parametrize(
    ("task_id", "proposals"),
    [
        # the finding: an item change that names the item the write swaps out of the order
        (INES, [FOUND]),
        (
            INES,
            [
                "Shall I change the Low-Profile Mechanical Keyboard (switch: clicky, layout: US) "
                "of order #W1000223 to the one with switch: linear, layout: US, charging the "
                "difference of 5.0 to card_6046?"
            ],
        ),
        (
            "modify_order_items-000",
            [
                "Shall I change the Stoneware Pour-Over Kettle in your order #W1000075 from "
                "speckled sand, 1.2 l to matte white, 0.8 l, refunding the 17.9 difference to "
                "paypal_4313?"
            ],
        ),
        # the old value a write replaces, said beside the new one
        (
            "modify_order_address-000",
            [
                "Shall I change the address of order #W1000260 from 46 Tidewater Drive, Cranmoor, "
                "NC 27513 to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512, USA?"
            ],
        ),
        (
            "modify_order_payment-000",
            ["Shall I change the payment method of order #W1000223 from card_1067 to card_6046?"],
        ),
        (
            "update_user_address-000",
            [
                "Shall I change your address from 540 Seabright Avenue, Port Linden, ME 04012 to "
                "5 Lighthouse Row, Port Linden, ME 04015, USA?"
            ],
        ),
        (
            "modify_address_and_payment-000",
            [
                "Shall I change the address of order #W1001111 from 405 Granary Street, Millbrook "
                "to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512, USA?",
                "Shall I change the payment method of order #W1001111 from paypal_8410 to "
                "card_6913?",
            ],
        ),
        # a return's and an exchange's status change; their items stay in the order
        (
            "return_original-000",
            [
                "Shall I return the Low-Profile Mechanical Keyboard (switch: tactile, layout: ISO) "
                "of your delivered order #W1001407, with the refund of 144.0 to paypal_5428?"
            ],
        ),
        (
            "exchange_items-000",
            [
                "Shall I exchange the Insulated Steel Bottle (sport lid, 500 ml) of your delivered "
                "order #W1000297 for the one with the straw lid and 750 ml, charging the "
                "difference of 6.5 to paypal_2637?"
            ],
        ),
    ],
)
def test_a_proposal_naming_the_records_as_they_stood_is_confirmed(
    retail_domain: Any, task_id: str, proposals: list[str]
) -> None:
    replies, verdict = play_plan(retail_domain, task_id, proposals)
    assert all(reply in USER_YES for reply in replies), replies
    assert verdict["passed"], verdict["failures"]
    assert verdict["score"] == 1.0


@pytest.mark.parametrize(
    "proposal",
    [
        # another item of the order
        FOUND.replace("Low-Profile Mechanical Keyboard", "Pocket Bluetooth Speaker"),
        # the switches said the other way round: the linear keyboard the write puts in its place
        FOUND.replace("from clicky to linear", "from linear to clicky"),
        # the old item called by the new variant's options
        "Shall I change the Low-Profile Mechanical Keyboard (switch: linear, layout: US) in your "
        "order #W1000223, charging the $5.00 difference to your credit card card_6046?",
        # the new variant called by the old item's options
        "Shall I change the Low-Profile Mechanical Keyboard in your order #W1000223 to the one "
        "with clicky switches (layout: US), charging the $5.00 difference to card_6046?",
    ],
)
def test_a_proposal_naming_other_records_is_not_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    [reply], verdict = play_plan(retail_domain, INES, [proposal])
    assert reply not in USER_YES
    assert not verdict["passed"]
    verdict = yes_to(retail_domain, INES, [proposal])
    assert "confirm_writes" in failed(verdict)


TACTILE = {**SWAP, "item_ids": ["I10901"], "new_item_ids": ["I10902"]}


def _twice(second: str, answer: str = "Yes.") -> list[Any]:
    """Ines changes the keyboard to linear switches, then asks for tactile ones: ``second`` is
    the agent's proposal of that second change, ``answer`` the user's."""
    items = [
        ("u", "I picked the wrong variant of the Low-Profile Mechanical Keyboard in #W1000223."),
        turn("Sure. What is your email, please?"),
        ("u", "It's ines.carvalho@mailbox.example."),
        turn(None, ("find_user_id_by_email", {"email": "ines.carvalho@mailbox.example"})),
        turn(None, ("get_order_details", {"order_id": "#W1000223"})),
        turn(None, ("get_product_details", {"product_id": "P109"})),
        turn(FOUND),
        ("u", "Yes."),
        turn(None, ("modify_pending_order_items", SWAP)),
        turn("Done. " + CLOSING),
        ("u", "Hmm, actually I'd rather have tactile switches."),
        turn(second),
        ("u", answer),
    ]
    if answer == "Yes.":
        items.append(turn(None, ("modify_pending_order_items", TACTILE)))
    return [*items, turn("Done."), ("u", "Thanks. ###STOP###")]


LINEAR_TO_TACTILE = (
    "Shall I change the Low-Profile Mechanical Keyboard in your order #W1000223 from linear to "
    "tactile switches (layout: US), with no difference to pay (card_6046)?"
)


@pytest.mark.parametrize(
    ("second", "counts"),
    [
        # the order holds the linear keyboard since the first change
        (LINEAR_TO_TACTILE, True),
        (
            "Shall I change the Low-Profile Mechanical Keyboard (switch: linear, layout: US) of "
            "order #W1000223 to the tactile one (layout: US), charging card_6046 nothing?",
            True,
        ),
        # the clicky keyboard the first change already swapped out
        (LINEAR_TO_TACTILE.replace("from linear", "from clicky"), False),
        (
            "Shall I change the Low-Profile Mechanical Keyboard (switch: clicky, layout: US) of "
            "order #W1000223 to the tactile one (layout: US), charging card_6046 nothing?",
            False,
        ),
    ],
)
def test_a_second_change_names_the_item_the_first_one_put_in(
    retail_domain: Any, second: str, counts: bool
) -> None:
    episode = episode_of(retail_domain, INES, _twice(second))
    trace = episode.env.final_trace({})
    first, again = [c for c in trace.calls if c.writes]
    words = retail_domain.confirm_words["modify_pending_order_items"]
    assert confirmed(trace, first, words)
    assert confirmed(trace, again, words) is counts
    verdict = judge_episode(retail_domain, episode, GoldCache(retail_domain))["verdict"]
    assert ("confirm_writes" in failed(verdict)) is not counts


@pytest.mark.parametrize(
    ("second", "answer"),
    [(LINEAR_TO_TACTILE, True), (LINEAR_TO_TACTILE.replace("from linear", "from clicky"), False)],
)
def test_a_no_to_a_second_change_declines_the_item_the_order_holds(
    retail_domain: Any, second: str, answer: bool
) -> None:
    trace = episode_of(retail_domain, INES, _twice(second, "No.")).env.final_trace({})
    words = retail_domain.confirm_words["modify_pending_order_items"]
    assert declined(trace, "modify_pending_order_items", TACTILE, words) is answer


def test_the_environment_records_the_database_after_each_write(retail_domain: Any) -> None:
    trace = episode_of(retail_domain, INES, _twice(LINEAR_TO_TACTILE)).env.final_trace({})
    first, again = [c for c in trace.calls if c.writes]
    assert [at for at, _ in trace.states] == [first.position, again.position]

    def held(db: Any) -> list[str]:
        return [i["item_id"] for i in db["orders"]["#W1000223"]["items"]]

    assert held(trace.db_at(first.position)) == ["I10501", "I10904"]
    assert held(trace.db_at(again.position)) == ["I10501", "I10901"]
    assert held(trace.db_at(again.position + 1)) == ["I10501", "I10902"]
    # a trace rebuilt from the messages has no states: between the writes it cannot tell
    rebuilt = Trace.from_messages(
        episode_of(retail_domain, INES, _twice(LINEAR_TO_TACTILE)).env.messages,
        trace.db,
        trace.initial,
        tools=retail_domain.tool_meta,
    )
    assert held(rebuilt.db_at(first.position)) == ["I10501", "I10904"]
    assert rebuilt.db_at(again.position) is None
    assert held(rebuilt.db_at(again.position + 1)) == ["I10501", "I10902"]


def _keyboard(item_id: str, switch: str) -> dict[str, Any]:
    """An order #W1 that holds one keyboard, ``item_id`` with ``switch`` switches (US)."""
    options = {"switch": switch, "layout": "US"}
    return {
        "orders": {"#W1": {"items": [{"item_id": item_id, "name": "Keyboard", "options": options}]}}
    }


def test_a_trace_built_from_messages_reads_its_one_write_against_the_initial_records() -> None:
    item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name", "options"]}
    tools = {"swap": {"writes": True, "named_by": {"item_ids": item}}}
    args = {"order_id": "#W1", "item_ids": ["K1"]}
    messages = [
        {
            "role": "assistant",
            "content": "Shall I swap the Keyboard of #W1 from clicky to linear "
            "switches (layout: US)?",
        },
        {"role": "user", "content": "Yes."},
        {
            "role": "assistant",
            "tool_calls": [{"id": "1", "function": {"name": "swap", "arguments": args}}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "{}"},
    ]
    trace = Trace.from_messages(
        messages, _keyboard("K2", "linear"), _keyboard("K1", "clicky"), tools=tools
    )
    assert confirmed(trace, trace.calls[0])
    # the keyboard the write put in the order was none of its records at the proposal
    trace.messages[0].content = "Shall I swap the Keyboard (switch: linear, layout: US) of #W1?"
    assert not confirmed(trace, trace.calls[0])


# return-hana-two-items-gift-card: an aside that says the items' order names no other item
ORDER_ASIDE = [
    "Shall I return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker (order #W1000149) to "
    "gift card gift_6690, with the refund of 193.99?",
    "Shall I return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker in your order "
    "#W1000149 to gift card gift_6690, with the refund of 193.99?",
    "Shall I return the Pocket Bluetooth Speaker and the Arc LED Desk Lamp in order #W1000149 to "
    "gift card gift_6690, with the refund of 193.99?",
    "Shall I return the Arc LED Desk Lamp (#W1000149) and the Pocket Bluetooth Speaker "
    "(#W1000149) to gift card gift_6690, with the refund of 193.99?",
    "Shall I return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker (from your order) of "
    "#W1000149 to gift card gift_6690, with the refund of 193.99?",
]


@pytest.mark.parametrize("proposal", ORDER_ASIDE)
def test_an_aside_naming_the_items_order_leaves_the_name_said_alone(
    retail_domain: Any, proposal: str
) -> None:
    assert_confirmed(retail_domain, proposal)


def test_an_aside_naming_the_order_confirms_no_other_item(retail_domain: Any) -> None:
    assert_only_the_two_confirmed(retail_domain, ORDER_ASIDE[0])


@pytest.mark.parametrize(
    "proposal",
    [
        # another order's id, or something more than the order in the aside
        ORDER_ASIDE[0].replace("(order #W1000149) to", "(order #W1000148) of #W1000149 to"),
        ORDER_ASIDE[0].replace("(order #W1000149)", "(order #W1000149, blue)"),
        ORDER_ASIDE[0]
        .replace("(order #W1000149)", "(10 hours)")
        .replace(" to gift", " of order #W1000149 to gift"),
        ORDER_ASIDE[1].replace("in your order", "in your other order"),
    ],
)
def test_an_aside_that_says_more_than_the_items_order_names_no_item(
    retail_domain: Any, proposal: str
) -> None:
    reply, verdict = play_return(retail_domain, proposal, ["I10403", "I10503"])
    assert reply not in USER_YES
    assert "confirm_writes" in failed(verdict)
