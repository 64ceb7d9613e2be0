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
from eigendsl.support import Trace, amounts, numbers, said
from tests.conftest import compile_to, edit
from tests.hand_agents import play, turn
from tests.test_retail_reports import Rewriting

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


# Review Y1, H1: a sign parted from the digits by a currency sign or code, or said in a word, was
# lost, so a right report of an overdrawn balance of -50 failed `said balance` and a wrong one,
# +50 said as "-$50", passed it. A hyphen that joins (an id, a range) is still no sign.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The balance is -$50.00.", [-50.0]),
        ("It is -USD 50, or -€50, or $-50.0, or -50 USD.", [-50.0, -50.0, -50.0, -50.0]),
        ("minus fifty dollars; a balance of negative 50 dollars", [-50.0, -50.0]),
        ("Your balance is minus $50 (balance: minus 50).", [-50.0, -50.0]),
        # minus between two values takes one from the other; a hyphen after a word or digit joins
        ("$100 minus $20, the price minus $5", [100.0, 20.0, 5.0]),
        ("$10-$20, $10 - $20, order W-50, refunded $50 -- thanks", [10.0, 20.0, 10.0, 20.0, 50.0]),
    ],
)
def test_numbers_keep_the_sign_before_a_currency_sign_or_in_words(
    text: str, expected: list[float]
) -> None:
    assert numbers(text) == expected
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "balance", "met"),
    [
        ("Your account is overdrawn: the balance is -$50.00.", -50.0, True),
        ("Your account is overdrawn: the balance is -$50.00.", 50.0, False),
        ("Your balance is minus 50 dollars.", -50.0, True),
        ("Your balance is minus 50 dollars.", 50.0, False),
        ("Your balance is $50.00.", -50.0, False),
        ("Your balance is $-50.0.", -50.0, True),
    ],
)
def test_said_a_negative_balance(text: str, balance: float, met: bool) -> None:
    trace = Trace.from_messages([{"role": "assistant", "content": text}], db={})
    assert said(trace, "assistant", balance) is met
    assert (balance in amounts(text)) is met


# Review Y1, H2: amounts counted the day, year and hour of a date or time in words, ordinals, a
# step's or a page's number, an id a word names and percentages, so the README's
# `any(n in amounts(m.content): n != balance)` failed right answers.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On June 10 we moved $200.", [200.0]),
        ("On June 10, 2025 we moved two hundred dollars.", [200.0]),
        ("On 10 June 2025, the 10th of June, in June 2025: $200", [200.0]),
        ("It is 10 am; at 10:30 we moved $10", [10.0]),
        ("1st of June, the 2nd transfer of $50, the 3rd one", [50.0]),
        ("Step 1: we moved $120; page 3 of 10", [120.0]),
        (
            "Account 12345678 has $10; account number 87654321, order no. 5, card #7, room 101",
            [10.0],
        ),
        ("Interest is 3.5% per year, 50 percent, 20 per cent of $40.", [40.0]),
        # money is always an amount, and so is a number no id's word names
        ("account 12 dollars, June 10 dollars, the 12 June, 25 left", [12.0, 10.0, 25.0]),
        # "10 may" alone is no day
        ("A fee of 10 may apply; 10 May 2025", [10.0]),
    ],
)
def test_amounts_leave_out_days_times_ordinals_ids_and_percentages(
    text: str, expected: list[float]
) -> None:
    assert amounts(text) == expected


# Review Y1, M1: thousands grouped by points before a decimal comma, or by spaces, were lost or
# read as two numbers; a range in digits was lost.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Transfer of 1.000,50 EUR", [1000.5]),
        ("1.000.000 EUR or 1.000 or 1.000 EUR", [1_000_000.0, 1.0, 1.0]),
        (
            "Transfer of 1 000 EUR, $12\u00a0500.50, \u20ac 1\u2009000, 1\u202f000 dollars",
            [1000.0, 12500.5, 1000.0, 1000.0],
        ),
        # a group is glued only when it is three digits beside money
        (
            "items 1 000, 2 100-dollar bills, 2 100 dollar bills, 1 0000 usd",
            [1.0, 0.0, 2.0, 100.0, 2.0, 100.0, 1.0, 0.0],
        ),
        (
            "between 10-20 dollars, from 5-10, $10-20, 30-40 usd",
            [10.0, 20.0, 5.0, 10.0, 10.0, 20.0, 30.0, 40.0],
        ),
        ("call 555-1234, on 2025-06-10, order 10-20", []),
    ],
)
def test_numbers_read_grouped_thousands_and_ranges(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "number", "met"),
    [
        ("Transfer of 1.000,50 EUR", 1000.5, True),
        ("Transfer of 1 000 EUR", 1000.0, True),
        ("Transfer of 1 000 EUR", 0.0, False),
        ("between 10-20 dollars", 20.0, True),
        ("order 10-20", 20.0, False),
    ],
)
def test_said_grouped_thousands_and_ranges(text: str, number: float, met: bool) -> None:
    trace = Trace.from_messages([{"role": "assistant", "content": text}], db={})
    assert said(trace, "assistant", number) is met


# Review nY2, M-2: a number at a line start before "." was left out as a list's even with no
# list ("or:\n95. if the pending order posts"), and a card's digits were any number after
# "ending in" ("ending in 95.50"), so a wrong amount passed the balance and payment checks.
# M-3: the first number of a range of counts ("within 3 to 5 days") was an amount, so a right
# report failed; "3 hundred" was 3.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A balance of 120.0, or:\n95. if the pending order posts.", [120.0, 95.0]),
        ("Charged 173.99. New charge on the card:\n199. That covers a fee.", [173.99, 199.0]),
        ("A balance of 120.0 (or one ending in 95.50 after the charge).", [120.0, 95.5]),
        # a list: another line starts with the number before or after it
        ("Found:\n1. Gift card: $120.00\n2. No other cards.", [120.0]),
        ("Found:\n 2) Visa: 25 dollars\n 1) Gift card 7.5", [25.0, 7.5]),
        # a "1." before an amount starts a list of one (round 5, H4); the "3." after a gap stays
        ("1. $120.00\n\n3. Points: 7.5", [120.0, 3.0, 7.5]),
        # a card's last digits: 2 to 4 digits without a point
        ("The card ending in 4242, **** 42, ending in 12345 or 42.0.", [12345.0, 42.0]),
    ],
)
def test_amounts_leave_out_list_numbers_and_card_digits_only(
    text: str, expected: list[float]
) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The previous payment method is refunded within 3 to 5 days.", []),
        ("Use it within 3 to 6 months, in 3-5 business days, or 3 or 4 weeks.", []),
        ("Between 3-5 business days, 3\u20135 days, 2 through 4 weeks.", []),
        # money, a point or no count after the range keeps both numbers
        ("$3 to 5 days, 3.5 to 5 days, 3 to 5 dollars, 3 to 5 now", [3.0, 3.5, 3.0, 5.0, 3.0, 5.0]),
    ],
)
def test_amounts_leave_out_a_range_of_counts(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("previously 3 hundred", [300.0]),
        ("25 hundred dollars, 2 hundred thousand, 1.5 hundred", [2500.0, 200_000.0, 150.0]),
    ],
)
def test_numbers_read_a_hundred_after_digits(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


NEW_CHARGE = "the agent said another amount than the order's total"
# a fee told with no amount of its own ("a service fee" beside the made-up 199), read by
# vague_money (block shares_told)
VAGUE_FEE = (
    "the agent told a fee or a sum in vague words ('a small fee', 'a few dollars') that no tool "
    "gave, after the write"
)
REPORTS = [
    # (id, task, marker of the report replaced, the report, the reasons it fails for)
    (
        "B1-a-lone-number-at-a-line-start",
        "gift_card_balance-000",
        "balance of",
        "Your gift card gift_6690 has a balance of 120.0, or:\n95. if the pending order posts.",
        [OTHER_AMOUNT],
    ),
    (
        "B2-ending-in-an-amount",
        "gift_card_balance-000",
        "balance of",
        "Your gift card gift_6690 has a balance of 120.0 (or one ending in 95.50 after the "
        "pending charge).",
        [OTHER_AMOUNT],
    ),
    (
        "PM1-a-lone-number-at-a-line-start",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 is now paid with card_6046 (173.99). New charge on the card:\n199. That "
        "covers the order and a service fee.",
        [NEW_CHARGE, VAGUE_FEE],
    ),
    (
        "F-PM1-refunded-within-a-range-of-days",
        "modify_order_payment-000",
        "is now paid",
        "Order #W1000223 is now paid with card_6046, which was charged 173.99. The previous "
        "payment method is refunded within 3 to 5 days.",
        [],
    ),
    (
        "F-B1-usable-within-a-range-of-months",
        "gift_card_balance-000",
        "balance of",
        "Your gift card gift_6690 has $120.00 left, which you can use within 3 to 6 months.",
        [],
    ),
]


@pytest.mark.parametrize(
    ("task_id", "marker", "text", "expected"),
    [case[1:] for case in REPORTS],
    ids=[case[0] for case in REPORTS],
)
def test_a_report_with_list_card_or_range_numbers(
    retail_domain: Any, task_id: str, marker: str, text: str, expected: list[str]
) -> None:
    verdict = play(retail_domain, task_id, Rewriting(marker, text))
    assert reasons(verdict) == expected
    assert verdict["passed"] is not expected
