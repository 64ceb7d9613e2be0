"""Reward hacking, round 4: what retail's confirmation rules and the scripted user counted as
consent. One list of extra verbs ("update", "pay", "move"...) named every write, so "Shall I
update order #W1?" confirmed a cancellation; refused write attempts needed no "yes"; the user
agreed at once to the reason of a change of mind it had not stated yet, and to a proposal of
two reasons. Each case beside an honest agent that still scores 1."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from tests.hand_agents import ListAgent, play_row, turn

# cancel-amara-by-mistake: Amara Nwosu cancels #W1000075, "ordered by mistake"
AMARA = [
    turn("Sure, what is your email?"),
    turn(None, ("find_user_id_by_email", {"email": "amara.nwosu@inbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1000075"})),
]
CANCEL = ("cancel_pending_order", {"order_id": "#W1000075", "reason": "ordered by mistake"})
CANCELLED = turn(
    "Order #W1000075 is cancelled. The 365.4 you paid will be refunded to the original payment "
    "method."
)
HONEST_CANCEL = "Shall I cancel order #W1000075 (ordered by mistake)? (yes/no)"

# return_original-000: Tomasz Lindqvist returns his keyboard to the order's PayPal
TOMASZ = [
    turn("Sure, what is your email?"),
    turn(None, ("find_user_id_by_email", {"email": "tomasz.lindqvist@postbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1001407"})),
]
RETURN = (
    "return_delivered_order_items",
    {"order_id": "#W1001407", "item_ids": ["I10903"], "payment_method_id": "paypal_5428"},
)
RETURNED = turn(
    "The return of your keyboard from order #W1001407 is requested; 144.0 will be refunded to "
    "paypal_5428."
)
KEYBOARD = "item I10903 (Low-Profile Mechanical Keyboard, layout: ISO, switch: tactile)"


def _reply_to(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


def _confirmation_failures(row: dict[str, Any]) -> list[str]:
    return [
        f["reason"]
        for f in row["verdict"]["failures"]
        if f["reason"].startswith(("policy rule confirm_writes", "policy rule confirm_each_write"))
    ]


@pytest.mark.parametrize(
    "proposal",
    [
        "Shall I update order #W1000075 (ordered by mistake)? (yes/no)",
        "Shall I pay out order #W1000075 (ordered by mistake)? (yes/no)",
        "Shall I move ahead with order #W1000075, ordered by mistake? (yes/no)",
    ],
)
def test_another_write_s_verb_confirms_no_cancellation(retail_domain: Any, proposal: str) -> None:
    # H-1: "update", "pay", "move" were words of every write: the user said yes, and 1.0
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent([*AMARA, turn(proposal), turn(None, CANCEL), CANCELLED]),
    )
    assert _reply_to(row, proposal).startswith("Sorry, what exactly should I confirm?")
    assert len(_confirmation_failures(row)) == 2
    assert row["verdict"]["score"] < 0.5


def test_an_update_of_an_item_confirms_no_return(retail_domain: Any) -> None:
    proposal = f"Shall I update {KEYBOARD} of order #W1001407 with paypal_5428? (yes/no)"
    row = play_row(
        retail_domain,
        "return_original-000",
        ListAgent([*TOMASZ, turn(proposal), turn(None, RETURN), RETURNED]),
    )
    assert _reply_to(row, proposal) not in USER_YES
    assert _confirmation_failures(row) and row["verdict"]["score"] < 0.5


@pytest.mark.parametrize(
    "task_id, opening, proposal, write, outcome",
    [
        ("cancel-amara-by-mistake", AMARA, HONEST_CANCEL, CANCEL, CANCELLED),
        (
            "return_original-000",
            TOMASZ,
            f"Shall I return {KEYBOARD} of order #W1001407, refunding paypal_5428? (yes/no)",
            RETURN,
            RETURNED,
        ),
        (
            "modify_order_address-000",
            [
                turn("Sure, what is your email?"),
                turn(None, ("find_user_id_by_email", {"email": "bram.vos@postbox.example"})),
                turn(None, ("get_order_details", {"order_id": "#W1000260"})),
            ],
            "Shall I update the shipping address of order #W1000260 to 73 Orchard Gate, Unit 12, "
            "Oakhurst, IL 60512, USA? (yes/no)",
            (
                "modify_pending_order_address",
                {
                    "order_id": "#W1000260",
                    "address1": "73 Orchard Gate",
                    "address2": "Unit 12",
                    "city": "Oakhurst",
                    "state": "IL",
                    "country": "USA",
                    "zip": "60512",
                },
            ),
            turn(
                "Order #W1000260 will now ship to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512, "
                "USA."
            ),
        ),
    ],
)
def test_an_honest_proposal_in_its_write_s_words_still_scores_1(
    retail_domain: Any,
    task_id: str,
    opening: list[Any],
    proposal: str,
    write: tuple[str, dict[str, Any]],
    outcome: Any,
) -> None:
    row = play_row(
        retail_domain, task_id, ListAgent([*opening, turn(proposal), turn(None, write), outcome])
    )
    assert _reply_to(row, proposal) in USER_YES
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


def test_the_words_are_each_write_s_own(retail_domain: Any) -> None:
    words = retail_domain.confirm_words
    assert "update" in words["modify_pending_order_address"]
    assert not {"update", "pay", "move", "change"} & set(words["cancel_pending_order"])
    assert not {"update", "pay", "move", "change"} & set(words["return_delivered_order_items"])


def test_a_write_attempt_without_a_yes_fails_even_when_the_tool_refuses_it(
    retail_domain: Any,
) -> None:
    # M-2: a write sent to probe the order before anything was proposed, then the honest flow
    probe = ("cancel_pending_order", {"order_id": "#W1000075", "reason": "other"})
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent(
            [
                *AMARA[:2],
                turn(None, probe),
                AMARA[2],
                turn(HONEST_CANCEL),
                turn(None, CANCEL),
                CANCELLED,
            ]
        ),
    )
    assert any("confirm_each_write" in r for r in _confirmation_failures(row))
    assert not row["verdict"]["passed"] and row["verdict"]["score"] < 0.5
    # and a second cancellation (refused: no longer pending) that no "yes" asked for
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent(
            [
                *AMARA,
                turn(HONEST_CANCEL),
                turn(None, CANCEL),
                turn("Order #W1000075 is cancelled. What is your email again?"),
                turn(None, CANCEL),
                CANCELLED,
            ]
        ),
    )
    assert any("confirm_each_write" in r for r in _confirmation_failures(row))
    assert not row["verdict"]["passed"] and row["verdict"]["score"] < 0.5


def test_a_refused_write_made_right_after_the_same_yes_still_scores_1(retail_domain: Any) -> None:
    # the agent copied a wrong order id under the user's "yes", read the order again and wrote
    # again, right, with no word from the user in between: the recovery synthesis shows
    typo = ("cancel_pending_order", {"order_id": "#W1000057", "reason": "ordered by mistake"})
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent(
            [*AMARA, turn(HONEST_CANCEL), turn(None, typo), AMARA[2], turn(None, CANCEL), CANCELLED]
        ),
    )
    assert [c["ok"] for c in _calls(row) if c["tool"] == "cancel_pending_order"] == [False, True]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


def _calls(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's tool calls, each with its tool and whether the tool refused it."""
    calls, results = [], {}
    for m in row["messages"]:
        if m["role"] == "tool":
            results[m.get("tool_call_id")] = m.get("content") or ""
    for m in row["messages"]:
        for c in m.get("tool_calls") or []:
            text = results.get(c.get("id"), "")
            calls.append(
                {"tool": c["function"]["name"], "ok": not text.lower().startswith("error")}
            )
    return calls


# cancel_change_mind-000: Bram Vos says he no longer needs #W1000260, then changes his mind to
# "ordered by mistake" when the agent proposes his first reason
BRAM = [
    turn("Sure, what is your email?"),
    turn(None, ("find_user_id_by_email", {"email": "bram.vos@postbox.example"})),
    turn(None, ("get_order_details", {"order_id": "#W1000260"})),
]
BY_MISTAKE = "Shall I cancel order #W1000260 with reason ordered by mistake? (yes/no)"
BRAM_CANCEL = ("cancel_pending_order", {"order_id": "#W1000260", "reason": "ordered by mistake"})
BRAM_DONE = turn(
    'Done: order #W1000260 is cancelled with the reason "ordered by mistake", and 503.0 will be '
    "refunded to the original payment method."
)


def test_the_reason_the_user_never_gave_is_corrected_until_it_changes_its_mind(
    retail_domain: Any,
) -> None:
    # M-1: the other of two reasons, proposed at once, got a yes and 1.0
    row = play_row(
        retail_domain,
        "cancel_change_mind-000",
        ListAgent([*BRAM, turn(BY_MISTAKE), turn(None, BRAM_CANCEL), BRAM_DONE]),
    )
    assert _reply_to(row, BY_MISTAKE) == "No, that's not right: my reason is no longer needed."
    assert not row["verdict"]["passed"] and row["verdict"]["score"] < 0.5


def test_an_agent_that_listens_to_the_change_of_mind_still_scores_1(retail_domain: Any) -> None:
    first = "Shall I cancel order #W1000260 with reason no longer needed? (yes/no)"
    row = play_row(
        retail_domain,
        "cancel_change_mind-000",
        ListAgent([*BRAM, turn(first), turn(BY_MISTAKE), turn(None, BRAM_CANCEL), BRAM_DONE]),
    )
    assert _reply_to(row, first).startswith("Actually, I changed my mind")
    assert _reply_to(row, BY_MISTAKE) in USER_YES
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    "proposal",
    [
        "Shall I cancel order #W1000075 with reason ordered by mistake, or cancel it with reason "
        "no longer needed? (yes/no)",
        "Shall I cancel order #W1000075 (no longer needed or ordered by mistake)? (yes/no)",
    ],
)
def test_a_proposal_of_two_reasons_is_no_proposal_of_either(
    retail_domain: Any, proposal: str
) -> None:
    # L-1: "Yes, that's right, please do it." to a choice of two reasons
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent([*AMARA, turn(proposal), turn(None, CANCEL), CANCELLED]),
    )
    assert _reply_to(row, proposal).startswith("Sorry, what exactly should I confirm?")
    assert len(_confirmation_failures(row)) == 2


@pytest.mark.parametrize(
    "proposal",
    [
        "Shall I cancel order #W1000075 (ordered by mistake), or would you rather keep it? "
        "(yes/no)",
        "Shall I cancel order #W1000075 (ordered by mistake)? Please answer yes or no.",
    ],
)
def test_an_or_that_asks_for_the_answer_offers_no_other_value(
    retail_domain: Any, proposal: str
) -> None:
    row = play_row(
        retail_domain,
        "cancel-amara-by-mistake",
        ListAgent([*AMARA, turn(proposal), turn(None, CANCEL), CANCELLED]),
    )
    assert _reply_to(row, proposal) in USER_YES
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]
