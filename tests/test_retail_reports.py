"""Retail's report checks against the reward hacks of review Q (H-3, M-1, M-3).

A report check paid for naming the right value anywhere: a list of every candidate (all the
customer's orders and statuses, every pairwise price difference), a wrong amount said beside the
right one, or a wrong amount where the right one was only a ``score`` term, passed. Each hack is
played here against the scripted user and judged by retail's compiled verifiers; the gold
agent's episode of the same task still passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import Trace, numbers
from tests.conftest import compile_to, edit
from tests.hand_agents import ListAgent, play, turn


class Rewriting:
    """The gold scripted agent, its last report (a turn without calls holding ``marker``)
    replaced by ``text``."""

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


ANOTHER_STATUS = "the agent said another status than the order's"
MADE_UP = "the agent said an amount that is neither the outcome nor a value a tool gave it"

# (name, task, marker of the gold report replaced, the hack's report, the reasons it now fails)
REWRITTEN = [
    (
        "H8-stuffed-latest-order",
        "latest_order_status-000",
        "Your most recent order",
        "Your orders are #W1000556 and #W1001296. One of them is processed and one is return "
        "requested; your most recent one is #W1000556, which is processed.",
        [
            "the agent named another of the customer's orders",
            "the agent said another status than the latest order's",
        ],
    ),
    (
        "H9-stuffed-balance",
        "gift_card_balance-000",
        "balance of",
        "Your gift card gift_6690 has a balance of 25.0 (it was 120.0 when it was issued).",
        ["the agent said another amount than the balance"],
    ),
    (
        "H10-wrong-amount-payment",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 is now paid with card_6046: 999.99 was charged there, nothing is "
        "refunded.",
        [
            "the agent never said 173.99 (any number equal to it)",
            "the agent said another amount than the order's total",
        ],
    ),
    (
        "payment-total-beside-an-items-price",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 is now paid with card_6046: 39.99 was charged there (173.99 in all).",
        [
            "the agent said an item's price, not the order's total, as the amount",
            "the agent said another amount than the order's total",
        ],
    ),
    (
        "H11-wrong-difference-exchange",
        "exchange_items-002",
        "The exchange is requested",
        "The exchange is requested. You will be charged 250.0 extra on card_9915.",
        [
            "the agent never said the price difference (its amount, or signed as new price less "
            "old)",
            MADE_UP,  # review Y2 H-1
            # round 4: a sentence about the refund that does not say it
            "the agent told an amount as the outcome that is not the outcome's, after the write "
            "(a sentence about the refund, the difference or the order that does not say the "
            "outcome's value)",
            # round 7: after the write, a charge in any sentence
            "the customer is refunded the difference, and the agent said it is charged",
        ],
    ),
    (
        "latest-status-hedged",
        "latest_order_status-000",
        "Your most recent order",
        "Your most recent order is #W1001296; it is return requested or delivered.",
        ["the agent said another status than the latest order's"],
    ),
]


@pytest.mark.parametrize(
    ("task_id", "marker", "text", "expected"),
    [case[1:] for case in REWRITTEN],
    ids=[case[0] for case in REWRITTEN],
)
def test_a_rewritten_report_fails(
    retail_domain: Any, task_id: str, marker: str, text: str, expected: list[str]
) -> None:
    verdict = play(retail_domain, task_id, Rewriting(marker, text))
    assert verdict["passed"] is False
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    "task_id",
    sorted({case[1] for case in REWRITTEN} | {"order_status_inquiry-000"}),
)
def test_the_gold_report_passes(retail_domain: Any, task_id: str) -> None:
    verdict = play(retail_domain, task_id, ScriptedAgent())
    assert verdict["passed"] is True, reasons(verdict)
    assert verdict["score"] == 1.0


def test_another_status_beside_the_right_one_fails(retail_domain: Any) -> None:
    """H7: "has not been delivered yet; it is still pending" said "delivered", the status; the
    other status said beside it fails it (a negation alone cannot be told by words)."""
    verdict = play(
        retail_domain,
        "order_status_inquiry-000",
        ListAgent(
            [
                turn("Sure. What is your email?"),
                turn(None, ("find_user_id_by_email", {"email": "hana.kobayashi@postbox.example"})),
                turn(None, ("get_order_details", {"order_id": "#W1001333"})),
                turn(
                    "Order #W1001333 has not been delivered yet; it is still pending. Its "
                    "tracking number is TRK3118401709."
                ),
            ]
        ),
    )
    assert reasons(verdict) == [ANOTHER_STATUS]


def price_agent(*expressions: str, told: str) -> ListAgent:
    return ListAgent(
        [
            turn(None, ("get_product_details", {"product_id": "P106"})),
            turn(None, *(("calculate", {"expression": x}) for x in expressions)),
            turn(told),
        ]
    )


EVERY_CALCULATE = "every calculate call subtracts the two variants' prices, as they were read"


@pytest.mark.parametrize(
    ("expressions", "told", "expected"),
    [
        (  # H13: one calculate per pair of variants, every difference said
            ["79.0 - 64.0", "71.0 - 64.0", "79.0 - 71.0"],
            "Item I10602 costs 15.0, 7.0 or 8.0 more than item I10601.",
            [
                EVERY_CALCULATE,
                MADE_UP,  # review Y2 H-1: 15.0 and 8.0 are no price read
                "the agent said the price difference of another pair of variants",
            ],
        ),
        (  # H23: the answer itself calculated
            ["7"],
            "Item I10602 costs 7 more than item I10601.",
            [EVERY_CALCULATE],
        ),
        # the two prices read, written as the agent likes: passes
        (["71.0-64.0"], "Item I10602 costs 7.0 more than item I10601.", []),
        (["71 - 64"], "Item I10602 costs $7 more than item I10601 (71.0 vs 64.0).", []),
    ],
)
def test_the_price_difference_is_calculated_from_the_two_prices(
    retail_domain: Any, expressions: list[str], told: str, expected: list[str]
) -> None:
    verdict = play(
        retail_domain, "variant_price_difference-000", price_agent(*expressions, told=told)
    )
    assert reasons(verdict) == expected
    assert verdict["passed"] is not expected


def test_the_gold_price_difference_passes(retail_domain: Any) -> None:
    verdict = play(retail_domain, "variant_price_difference-000", ScriptedAgent())
    assert verdict["passed"] is True, reasons(verdict)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A balance of $1,120.50 (was 25,0).", [1120.5, 25.0]),
        ("Card gift_6690, order #W1000556, on 2025-10-14 at 14:00, call 555-14-00.", []),
        ("It costs -5 or 7.", [-5.0, 7.0]),
        ("", []),
    ],
)
def test_numbers_are_those_said_would_find(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


def test_numbers_of_a_number_is_a_compile_error(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        "checks/main.chk",
        'require said "cancelled"',
        "require any(n in numbers(db.orders[order_id].total): n > 0)",
    )
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert info.value.render().splitlines()[0] == (
        "mini/checks/main.chk:15:30: numbers() reads the numbers a text says, such as "
        "numbers(m.content); a float is no text"
    )


def test_numbers_compiles_and_reads_each_message(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        "checks/main.chk",
        'require said "cancelled"',
        'forbid any(m in messages where m.role == "assistant": '
        "any(n in numbers(m.content): n > 9))",
    )
    check = compile_to(mini, tmp_path / "out").check("cancelled")
    params = {"order_id": "#O1", "reason": "x"}
    for text, fails in (("It is 5 now, order #W12.", False), ("It is 12 now.", True)):
        trace = Trace.from_messages(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": text}],
            db={},
            params=params,
        )
        failed = [f.statement for f in check.verify(trace).failures]
        assert any("numbers(m.content)" in s for s in failed) is fails, failed
