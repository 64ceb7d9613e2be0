"""Helpers for the tests of consent to a write whose items a proposal names in words
(``named_by``): a proposal played through the scripted user and the retail verifier
(:func:`play_return`, :func:`play_exchange`), a conversation judged by ``confirmed`` and
``declined`` alone (:func:`judged`, :func:`refused`, :func:`item_trace`), and a naming read
alone (:func:`names_item`)."""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed, declined
from eigendsl.support.naming import naming_sentences
from tests.hand_agents import ListAgent, play_row, turn

ITEM = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name", "options"]}

# return-hana-two-items-gift-card: Hana returns the lamp I10403 (matte black, tunable) and the
# speaker I10503 (teal, carabiner) of #W1000149 (which also holds the Merino Crew Sweater I10304
# (navy, L) and a Cork Yoga Mat) to gift_6690
LAMP, SPEAKER, SWEATER = "I10403", "I10503", "I10304"
BOTH = (
    "I can return the Arc LED Desk Lamp (matte black, tunable) and the Pocket Bluetooth Speaker "
    "(teal, carabiner)"
)
TAIL = " from order #W1000149, with the refund of 193.99 to gift card gift_6690."
ASK = " Shall I proceed?"
L = "the Arc LED Desk Lamp (matte black, tunable)"
S = "the Pocket Bluetooth Speaker (teal, carabiner)"
W = "the Merino Crew Sweater (navy, L)"

# exchange_items-000: Leona exchanges the Insulated Steel Bottle I10801 (sport lid, 500 ml) of
# #W1000297 for I10803 (straw lid, 750 ml), the difference of 6.5 charged to paypal_2637
EXCHANGE = {
    "order_id": "#W1000297",
    "item_ids": ["I10801"],
    "new_item_ids": ["I10803"],
    "payment_method_id": "paypal_2637",
}


def reply_to(row: dict[str, Any], proposal: str) -> str:
    """The user's first message after the agent's ``proposal`` in an episode row."""
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


def failed(verdict: dict[str, Any]) -> str:
    """A verdict's failures as one text, to look for a rule's name in."""
    return str(verdict["failures"])


def play_return(retail_domain: Any, proposal: str, items: list[str]) -> tuple[str, dict[str, Any]]:
    """Hana's return played with ``proposal`` and then a return of ``items`` of #W1000149: the
    scripted user's reply to the proposal, and the verdict."""
    agent = ListAgent(
        [
            turn("Could you give me your email?"),
            turn(None, ("find_user_id_by_email", {"email": "hana.kobayashi@postbox.example"})),
            turn(None, ("get_order_details", {"order_id": "#W1000149"})),
            turn(None, ("get_user_details", {"user_id": "usr_hanakobayashi"})),
            turn(proposal),
            turn(
                None,
                (
                    "return_delivered_order_items",
                    {"order_id": "#W1000149", "item_ids": items, "payment_method_id": "gift_6690"},
                ),
            ),
            turn(
                "The return is requested. 193.99 went to gift card gift_6690, whose balance is "
                "now 313.99."
            ),
        ]
    )
    row = play_row(retail_domain, "return-hana-two-items-gift-card", agent)
    return reply_to(row, proposal), row["verdict"]


def assert_confirmed(retail_domain: Any, proposal: str) -> None:
    """The scripted user says yes to ``proposal``, and the return of the lamp and the speaker
    after it passes with a full score."""
    reply, verdict = play_return(retail_domain, proposal, [LAMP, SPEAKER])
    assert reply in USER_YES, reply
    assert verdict["passed"], verdict["failures"]
    assert verdict["score"] == 1.0


def assert_asked_again(retail_domain: Any, proposal: str) -> None:
    """The scripted user does not say yes to ``proposal``, and the return of the lamp and the
    speaker after it fails as unconfirmed."""
    reply, verdict = play_return(retail_domain, proposal, [LAMP, SPEAKER])
    assert reply not in USER_YES, reply
    assert not verdict["passed"] and "confirmed(c" in failed(verdict)


def assert_only_the_two_confirmed(retail_domain: Any, proposal: str) -> None:
    """The scripted user says yes to ``proposal``, which proposes the lamp and the speaker (the
    user's items) and leaves the sweater out: a return of the sweater too is unconfirmed, and
    the return of the two passes."""
    reply, verdict = play_return(retail_domain, proposal, [LAMP, SPEAKER, SWEATER])
    assert reply in USER_YES, reply
    assert not verdict["passed"]
    assert "confirmed(c" in failed(verdict)
    assert_confirmed(retail_domain, proposal)


def play_exchange(retail_domain: Any, proposal: str) -> tuple[str, dict[str, Any]]:
    """Leona's exchange played with ``proposal`` and then the exchange: the scripted user's reply
    to the proposal, and the verdict."""
    agent = ListAgent(
        [
            turn("Sure. What is your email, please?"),
            turn(None, ("find_user_id_by_email", {"email": "leona.marsh@inbox.example"})),
            turn(None, ("get_order_details", {"order_id": "#W1000297"})),
            turn(None, ("get_product_details", {"product_id": "P108"})),
            turn(proposal),
            turn(None, ("exchange_delivered_order_items", EXCHANGE)),
            turn("The exchange is requested. The difference of 6.5 is charged to paypal_2637."),
        ]
    )
    row = play_row(retail_domain, "exchange_items-000", agent)
    return reply_to(row, proposal), row["verdict"]


def names_item(
    items: list[tuple[str, str, dict[str, str]]], text: str, item_id: str = "I1"
) -> bool:
    """Whether ``text`` names the item ``item_id`` of an order #W1 of ``items`` (each id, name,
    options) in words."""
    rows = [{"item_id": i, "name": n, "options": o} for i, n, o in items]
    db = {"orders": {"#W1": {"items": rows}}}
    return bool(naming_sentences(text, item_id, ITEM, [db], {"order_id": "#W1"}))


# An order #W1 of two speakers told apart by their colour.
SPEAKERS = {
    "orders": {
        "#W1": {
            "order_id": "#W1",
            "items": [
                {"item_id": "I1", "name": "Speaker", "options": {"color": "blue"}},
                {"item_id": "I2", "name": "Speaker", "options": {"color": "red"}},
            ],
        }
    }
}
RETURN_I1 = {"order_id": "#W1", "item_ids": ["I1"]}


def item_trace(proposal: str, reply: str, tools: dict[str, Any], db: Any = None) -> Trace:
    """A proposal and the user's reply, over ``db`` (:data:`SPEAKERS` by default)."""
    db = SPEAKERS if db is None else db
    messages = [{"role": "assistant", "content": proposal}, {"role": "user", "content": reply}]
    return Trace.from_messages(messages, db, db, tools=tools)


# An order #W1 of three items of three products.
THREE = {
    "orders": {
        "#W1": {
            "order_id": "#W1",
            "items": [
                {
                    "item_id": "L1",
                    "name": "Arc LED Desk Lamp",
                    "options": {"finish": "matte black"},
                },
                {"item_id": "S1", "name": "Pocket Bluetooth Speaker", "options": {"color": "teal"}},
                {"item_id": "K1", "name": "Gooseneck Kettle", "options": {"capacity": "1 l"}},
            ],
        }
    }
}
RETURNS = {"return_items": {"writes": True, "named_by": {"item_ids": ITEM}}}


def _conversation(turns: list[str]) -> Trace:
    """The agent's and the user's turns in turn, the agent first, over :data:`THREE`."""
    roles = ["assistant", "user"] * len(turns)
    messages = [{"role": r, "content": t} for r, t in zip(roles, turns, strict=False)]
    return Trace.from_messages(messages, THREE, THREE, tools=RETURNS)


def judged(turns: list[str], items: list[str]) -> bool:
    """Whether ``confirmed`` counts a return of ``items`` of #W1 made after ``turns`` (the
    agent's first, the user's last)."""
    args = {"order_id": "#W1", "item_ids": items}
    call = Call(
        "return_items",
        args,
        position=len(turns),
        writes=True,
        named_by=RETURNS["return_items"]["named_by"],
    )
    return confirmed(_conversation(turns), call)


def refused(turns: list[str], items: list[str]) -> bool:
    """Whether ``declined`` reads ``turns`` as a decline of a return of ``items`` of #W1."""
    return declined(_conversation(turns), "return_items", {"order_id": "#W1", "item_ids": items})
