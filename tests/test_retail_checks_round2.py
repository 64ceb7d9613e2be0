"""Retail's checks against review Q2's findings H-2, M-3, H-3, H-5 and H-6.

Each wrong episode is played against the scripted user (GRPO's opponent) and judged by retail's
compiled verifiers, as GRPO's reward reads it; each right one too. The checks test words of a
message with the DSL's ``says(text, phrase)``, which reads one message by the rules of ``said``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import text_says
from tests.conftest import edit
from tests.hand_agents import ListAgent, play, turn


class Rewriting:
    """The gold scripted agent, its message holding ``marker`` (one without calls) replaced by
    ``text``."""

    name = "rewriting"

    def __init__(self, marker: str, text: str) -> None:
        self.inner, self.marker, self.text = ScriptedAgent(), marker, text

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        turns = self.inner.act(episodes)
        return [
            turn(self.text) if t.content and self.marker in t.content and not t.tool_calls else t
            for t in turns
        ]


def reasons(verdict: dict[str, Any]) -> list[str]:
    return [f["reason"] for f in verdict["failures"]]


NO_REFUSAL = (
    "no transfer followed a refusal (the agent said the refund or compensation cannot be given, "
    "the customer asked again, then the transfer)"
)
NOT_REFUSED = (
    "the agent never refused the cancellation with its reason (no message of the agent's about "
    "cancelling names the order's status and says it cannot be done)"
)


def test_another_is_no_refusal_before_a_transfer(retail_domain: Any) -> None:
    """H-2 (G9): "Another agent will process your 25% refund" said "not" as a substring."""
    verdict = play(
        retail_domain,
        "transfer_compensation-000",
        ListAgent(
            [
                turn("To help you, I need your email. Could you share it?"),
                turn(None, ("find_user_id_by_email", {"email": "hana.kobayashi@postbox.example"})),
                turn(None, ("get_order_details", {"order_id": "#W1001333"})),
                turn(
                    "Of course! Another agent will process your 25% refund right away; shall I "
                    "connect you?"
                ),
                turn(None, ("transfer_to_human_agents", {"summary": "customer gets a refund"})),
                turn("Done: a colleague will give you your 25% refund."),
            ]
        ),
    )
    assert verdict["passed"] is False
    assert NO_REFUSAL in reasons(verdict)


def test_an_offer_to_cancel_is_no_refusal(retail_domain: Any) -> None:
    """M-3 (G8): a message that names the status and "cancel" met the refusal, an offer too."""
    verdict = play(
        retail_domain,
        "cancel_processed_refused-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": "rufus.adeyemi@inbox.example"})),
                turn(None, ("get_order_details", {"order_id": "#W1000815"})),
                turn(
                    "Your order #W1000815 is processed. Sure, I'll cancel it for you and take "
                    "care of everything."
                ),
            ]
        ),
    )
    # and since round 4 "I'll cancel it" is a claim of the cancellation too
    assert reasons(verdict) == [
        "the agent told the user it cancelled the order (or refunded it), which it did not",
        NOT_REFUSED,
    ]


# (name, task, marker of the gold message replaced, the wrong message, the reasons it fails)
WRONG = [
    (
        "G11-cancel-a-wrong-refund-beside-the-total",
        "cancel_pending-000",
        "is cancelled",
        "Order #W1001222 (total 214.9) is cancelled; 21.49 will be refunded to your card.",
        # review Y2 H-1: any amount no tool gave, with cents or not, fails one shared statement
        [
            "the agent said an amount that is neither the outcome nor a value a tool gave it",
            # round 4: a sentence about the refund that does not say it
            "the agent told an amount as the outcome that is not the outcome's, after the write "
            "(a sentence about the refund, the difference or the order that does not say the "
            "outcome's value)",
        ],
    ),
    (
        "cancel-refund-said-as-a-charge",
        "cancel_pending-000",
        "is cancelled",
        "Order #W1001222 is cancelled; you will be charged 214.9.",
        ["the agent told the customer the refund of the total as a charge"],
    ),
    (
        "G13-payment-a-wrong-charge-beside-the-total",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 (total 173.99) is now paid with card_6046, which was charged 999.99.",
        ["the agent said another amount than the order's total"],
    ),
    (
        "G10-payment-a-wrong-charge-in-words",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 (total 173.99) is now paid with card_6046, which will be charged two "
        "hundred dollars.",
        ["the agent said another amount than the order's total"],
    ),
    (
        "G12-exchange-refund-said-as-a-charge",
        "exchange_items-002",
        "The exchange is requested",
        "The exchange is requested. You will be charged 17.9 extra on card_9915.",
        [
            "the customer is refunded the difference, and the agent said it is charged",
            "the agent told the difference after the write with no word of which way it goes "
            "(charged for a charge, refunded for a refund)",
        ],
    ),
    (
        "return-refund-said-as-a-charge",
        "return_original-000",
        "is requested",
        "The return from order #W1001407 is requested. You will be charged 144.0 on paypal_5428.",
        ["the agent told the customer the refund as a charge"],
    ),
    (
        "status-a-stuffed-list",
        "order_status_inquiry-003",
        "Its tracking number",
        "Order #W1000556 is pending, processed or delivered. Its tracking number is TRK6777011666.",
        ["the agent said another status than the order's"],
    ),
    (
        "status-an-earlier-one-said-as-next",
        "order_status_inquiry-003",
        "Its tracking number",
        "Order #W1000556 is processed and will be pending. Its tracking number is TRK6777011666.",
        ["the agent said another status than the order's"],
    ),
    (
        "status-a-return-requested-beside-delivered",
        "order_status_inquiry-000",
        "Its tracking number",
        "Order #W1001333 is delivered, and a return has been requested. Its tracking number is "
        "TRK3118401709.",
        ["the agent said another status than the order's"],
    ),
]

# (name, task, marker, a right message that failed before)
RIGHT = [
    (
        "F8-processed-then-delivered",
        "order_status_inquiry-003",
        "Its tracking number",
        "Order #W1000556 has been processed and should be delivered in a few days. Its tracking "
        "number is TRK6777011666.",
    ),
    (
        "F11-refusal-points-to-a-return",
        "cancel_processed_refused-000",
        "only pending orders",
        "I'm sorry, order #W1000815 is already processed, and only pending orders can be "
        "cancelled, so I cannot cancel it. Once it is delivered, you can ask for a return.",
    ),
    (
        "F9-return-has-been-requested",
        "latest_order_status-000",
        "most recent",
        "Your most recent order is #W1001296, placed on 2026-10-08; a return has been requested "
        "for it.",
    ),
    (
        "cancel-total-charged-then-refunded",
        "cancel_pending-000",
        "is cancelled",
        "Order #W1001222 is cancelled: the 214.9 you were charged will be refunded.",
    ),
]


@pytest.mark.parametrize(
    ("task_id", "marker", "text", "expected"),
    [case[1:] for case in WRONG],
    ids=[case[0] for case in WRONG],
)
def test_a_wrong_message_fails(
    retail_domain: Any, task_id: str, marker: str, text: str, expected: list[str]
) -> None:
    verdict = play(retail_domain, task_id, Rewriting(marker, text))
    assert verdict["passed"] is False
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    ("task_id", "marker", "text"), [case[1:] for case in RIGHT], ids=[case[0] for case in RIGHT]
)
def test_a_right_message_passes(retail_domain: Any, task_id: str, marker: str, text: str) -> None:
    verdict = play(retail_domain, task_id, Rewriting(marker, text))
    assert verdict["passed"] is True, reasons(verdict)


@pytest.mark.parametrize(
    "task_id",
    sorted(
        {case[1] for case in WRONG + RIGHT} | {"transfer_compensation-000", "exchange_items-000"}
    )
    + ["modify_order_items-000", "return_to_gift_card-000", "cancel_name_zip-000"],
)
def test_the_gold_episode_passes(retail_domain: Any, task_id: str) -> None:
    verdict = play(retail_domain, task_id, ScriptedAgent())
    assert verdict["passed"] is True, reasons(verdict)
    assert verdict["score"] == 1.0


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("Another agent will help.", "not", False),
        ("I'm NOT able to.", "not able", True),
        ("It should be delivered soon.", "should be delivered", True),
        ("The refund is $17.90.", 17.9, True),
        ("Order #W1790", 1790, False),
        (None, "x", False),
    ],
)
def test_says_reads_words_of_one_text(text: Any, phrase: Any, expected: bool) -> None:
    assert text_says(text, phrase) is expected


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (
            'require says(1, "x")',
            "mini/checks/main.chk:15:18: says() reads one text, such as "
            'says(m.content, "not"); an int is no text',
        ),
        (
            "require says(reason, db.users)",
            "mini/checks/main.chk:15:26: says() looks for text (or a number), not the table users",
        ),
    ],
)
def test_says_takes_a_text_and_a_phrase(mini: Path, tmp_path: Path, new: str, message: str) -> None:
    edit(mini, "checks/main.chk", 'require said "cancelled"', new)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert message in str(info.value)
