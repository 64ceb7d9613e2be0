"""The numbers a message says, in words and beside a currency code too, and the amounts among
them (review Q2, H-4 and M-6).

The gift-card balance check forbids any other amount than the balance the agent said. It read
only numbers in digits of their own, so a wrong balance in words ("twenty-five dollars") or glued
to a currency code ("USD25") passed; and it read every number, so a right report that counted
the customer's cards ("1 gift card"), named a card by its last digits ("ending in 4242") or
numbered a list ("1. Gift card: $120.00") failed. ``numbers`` now reads words and currency codes,
and ``amounts`` leaves out counts, list numbers and a card's digits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import Trace, amounts, numbers
from tests.conftest import compile_to, edit
from tests.hand_agents import play, turn

OTHER_AMOUNT = "the agent said another amount than the balance"


class Reporting:
    """The gold scripted agent, its balance report replaced by ``text``."""

    name = "reporting"

    def __init__(self, text: str) -> None:
        self.inner, self.text = ScriptedAgent(), text

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        turns = self.inner.act(episodes)
        return [
            turn(self.text) if t.content and "balance of" in t.content and not t.tool_calls else t
            for t in turns
        ]


def reasons(verdict: dict[str, Any]) -> list[str]:
    return [f["reason"] for f in verdict["failures"]]


# gift_card_balance-000: gift card gift_6690, balance 120.0
HACKS = {
    "G7-balance-in-words": "Your gift card gift_6690 had a balance of 120.0; after last week's "
    "purchase it is down to twenty-five dollars.",
    "G7b-balance-usd-prefix": "Your gift card gift_6690 shows 120.0 as issued; its current "
    "balance is USD25.",
    "G10-like-balance-hundreds-in-words": "Your gift card gift_6690 was issued with 120.0 and now "
    "holds two hundred and five dollars.",
    "balance-in-words-without-money-word": "Your gift card gift_6690 showed 120.0; the balance "
    "is now twenty-five.",
    "balance-dollars-and-cents": "Your gift card gift_6690 had 120.0; it has twenty dollars and "
    "fifty cents left.",
    "balance-with-a-scale": "Your gift card gift_6690 has 120.0 of its $1.5k limit.",
}

RIGHT = {
    "F10-balance-with-a-count": "You have 1 gift card on file, gift_6690, and its balance is "
    "$120.00.",
    "card-ending-in-4242": "Your gift card gift_6690 (the card ending in 4242) has a balance of "
    "$120.00.",
    "numbered-list": "Here is what I found:\n1. Gift card gift_6690: $120.00\n2. No other gift "
    "cards on file.",
    "two-cards-in-words": "Of your two payment cards, gift card gift_6690 has a balance of "
    "120.0 (one hundred and twenty dollars).",
}


@pytest.mark.parametrize("text", HACKS.values(), ids=HACKS.keys())
def test_a_wrong_balance_said_otherwise_fails(retail_domain: Any, text: str) -> None:
    verdict = play(retail_domain, "gift_card_balance-000", Reporting(text))
    assert verdict["passed"] is False
    assert reasons(verdict) == [OTHER_AMOUNT]


@pytest.mark.parametrize("text", RIGHT.values(), ids=RIGHT.keys())
def test_a_right_balance_beside_incidental_numbers_passes(retail_domain: Any, text: str) -> None:
    verdict = play(retail_domain, "gift_card_balance-000", Reporting(text))
    assert verdict["passed"] is True, reasons(verdict)


def test_the_gold_balance_report_passes(retail_domain: Any) -> None:
    verdict = play(retail_domain, "gift_card_balance-000", ScriptedAgent())
    assert verdict["passed"] is True, reasons(verdict)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty-five", [25.0]),
        ("twenty five dollars", [25.0]),
        ("two hundred and five", [205.0]),
        ("a hundred", [100.0]),
        ("eleven hundred", [1100.0]),
        ("one thousand and one", [1001.0]),
        ("one million two hundred thousand", [1_200_000.0]),
        ("twelve point five", [12.5]),
        ("one hundred twenty point zero five", [120.05]),
        ("twenty dollars and fifty cents", [20.5]),
        ("$20 and 50 cents", [20.5]),
        ("fifty cents", [0.5]),
        ("zero", [0.0]),
        # where words cannot go on, a new number starts
        ("five twenty", [5.0, 20.0]),
        ("one and two", [1.0, 2.0]),
        ("twenty twenty-five", [20.0, 25.0]),
        ("two thousand thousand", [2000.0, 1000.0]),
        # words that hold a number's word are none
        ("someone tonight, often, seventeenth, anyone", []),
    ],
)
def test_numbers_reads_cardinals_in_words(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USD25", [25.0]),
        ("usd 25.50", [25.5]),
        ("US$25", [25.0]),
        ("EUR25", [25.0]),
        ("25USD", [25.0]),
        ("$25k", [25_000.0]),
        ("1.5 million", [1_500_000.0]),
        # the rules of said still hold for the digits
        ("A balance of $1,120.50 (was 25,0).", [1120.5, 25.0]),
        ("Card gift_6690, order #W1000556, on 2025-10-14 at 14:00, call 555-14-00.", []),
        ("item L5017, plan id 25", []),
    ],
)
def test_numbers_reads_a_currency_code_and_a_scale(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You have 1 gift card and 2 gift cards expired, three orders; $120.", [120.0]),
        (
            "The one you used, card ending in 4242 (**** 4242, last 4 digits 4242), has 120.0.",
            [120.0],
        ),
        ("1. Gift card: $120.00\n2) Visa: 25 dollars\n - 3. Points: 7.5", [120.0, 25.0, 7.5]),
        # an amount stays one: a sign, a code, a money word, a decimal point, or no thing after
        (
            "1 dollar, $2 gift cards, 3.0 orders, 25 left, 25 remains, 25.",
            [1.0, 2.0, 3.0, 25.0, 25.0, 25.0],
        ),
        ("It is 25 as of today, or twenty-five now.", [25.0, 25.0]),
        ("One dollar, one hundred, one.", [1.0, 100.0]),
        (None, []),
    ],
)
def test_amounts_leave_out_counts_list_numbers_and_card_digits(
    text: str | None, expected: list[float]
) -> None:
    assert amounts(text) == expected


def test_amounts_of_a_number_is_a_compile_error(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        "checks/main.chk",
        'require said "cancelled"',
        "require any(n in amounts(db.orders[order_id].total): n > 0)",
    )
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert info.value.render().splitlines()[0] == (
        "mini/checks/main.chk:15:30: amounts() reads the amounts a text says, such as "
        "amounts(m.content); a float is no text"
    )


def test_amounts_compiles_and_reads_each_message(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        "checks/main.chk",
        'require said "cancelled"',
        'forbid any(m in messages where m.role == "assistant": '
        "any(n in amounts(m.content): n > 9))",
    )
    check = compile_to(mini, tmp_path / "out").check("cancelled")
    params = {"order_id": "#O1", "reason": "x"}
    for text, fails in (
        ("It is 5 now, for 12 orders.", False),
        ("It is twelve dollars now.", True),
    ):
        trace = Trace.from_messages(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": text}],
            db={},
            params=params,
        )
        failed = [f.statement for f in check.verify(trace).failures]
        assert any("amounts(m.content)" in s for s in failed) is fails, failed
