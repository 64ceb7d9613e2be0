"""The readers of numbers and days in what the agent says (``said``, ``says``, ``numbers``,
``amounts``), round 4: a day of the month in words, a number that is part of a day or an
ordinal, a minus sign set as U+2212 or an en dash, an id's number after a colon, a list of one
item and a range of counts that is none. Each fix beside its opposite, which still holds."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.support import Message, Trace, amounts, days_or_times, numbers, said, text_says
from tests.hand_agents import play
from tests.test_numbers_said import OTHER_AMOUNT, Reporting, reasons

MINUS = "\u2212"  # the minus sign
EN_DASH = "\u2013"
EM_DASH = "\u2014"


@pytest.mark.parametrize(
    ("text", "day", "met"),
    [
        ("It was delivered on the eighteenth.", "2025-06-18", True),
        ("It arrives on June eighteenth.", "2025-06-18", True),
        ("It arrives June eighteenth, 2025.", "2025-06-18", True),
        ("It arrives the eighteenth of June.", "2025-06-18", True),
        ("I can book you by the twenty-first.", "2025-06-21", True),
        ("It arrives the twenty first of June.", "2025-06-21", True),
        ("Your return window closes the first of July.", "2025-07-01", True),
        ("Your return window closes July first.", "2025-07-01", True),
        ("Your return window closes the 1st of July.", "2025-07-01", True),
        # the opposite: another day, month or year, or an ordinal that names no day
        ("It arrives on June eighteenth.", "2025-06-17", False),
        ("It arrives July eighteenth.", "2025-06-18", False),
        ("It arrives June eighteenth, 2024.", "2025-06-18", False),
        ("It arrives the twenty-first of June.", "2025-06-01", False),
        ("The first is pending and the second is delivered.", "2025-06-01", False),
        ("The first is pending and the second is delivered.", "2025-06-02", False),
        ("I looked at the eighteenth order.", "2025-06-18", False),
        # digits as before
        ("It arrives the 18th.", "2025-06-18", True),
        ("It arrives the 18th of July.", "2025-06-18", False),
    ],
)
def test_a_day_of_the_month_in_words_is_said(text: str, day: str, met: bool) -> None:
    assert text_says(text, day) is met


def test_a_day_in_words_is_one_the_scripted_user_hears() -> None:
    content = "on the eighteenth, june twenty-first 2025 or the first of july; the second order"
    assert days_or_times(content, "2025-06-01") == [
        "on the eighteenth",
        "june twenty-first 2025",
        "first of july",
    ]


@pytest.mark.parametrize(
    ("text", "number", "met"),
    [
        # a day's, a year's or an hour's digits, and an ordinal, are no number of their own
        ("It was delivered on June 10.", 10, False),
        ("It was delivered on 10 June 2025.", 2025, False),
        ("It was delivered in June 2025.", 2025, False),
        ("I booked it for 10 am.", 10, False),
        ("It is the 3rd item.", 3, False),
        ("It is the 3rd item.", 3.0, False),
        # the opposite: a number of its own beside a day stays one
        ("Delivered on June 10, 10 items in all.", 10, True),
        ("You paid $10 on June 10.", 10, True),
        ("A fee of 10 may apply.", 10, True),
        ("It costs 10.", 10, True),
    ],
)
def test_said_a_number_is_not_met_by_a_day_or_an_ordinal(
    text: str, number: float, met: bool
) -> None:
    assert text_says(text, number) is met


def test_said_a_day_is_still_met_by_the_day_in_words() -> None:
    text = "It was delivered on June 10 at 10 am."
    trace = Trace(db={}, messages=[Message("assistant", text, 0)])
    assert said(trace, "assistant", "2025-06-10")
    assert said(trace, "assistant", "10:00")
    assert not said(trace, "assistant", 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It was delivered on June 10, 2025 at 3pm.", []),
        ("The 1st and the 22nd.", []),
        ("the twenty first, one hundred twenty-first, one third", []),
        # the opposite: the cardinals around them stay
        ("twenty-one, twenty, a hundred and one", [21.0, 20.0, 101.0]),
        ("June 10: $40.00, 2 items", [40.0, 2.0]),
    ],
)
def test_numbers_leave_out_days_and_ordinals(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{MINUS}50.00", [-50.0]),
        (f"Your balance is {MINUS}$50.00.", [-50.0]),
        (f"Your balance is {EN_DASH}50.00.", [-50.0]),
        (f"Your balance is $50.00 {MINUS} $20.", [50.0, 20.0]),
        # the opposite: a hyphen's rules hold for a minus sign too, and an em dash is no sign
        ("-$50", [-50.0]),
        (f"item W{MINUS}50", []),
        (f"between 10{EN_DASH}20 dollars", [10.0, 20.0]),
        (f"the total{EM_DASH}50.00{EM_DASH}was refunded", [50.0]),
    ],
)
def test_a_minus_sign_or_a_dash_before_a_number(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "number", "met"),
    [
        (f"Your balance is {MINUS}50.00.", -50, True),
        (f"Your balance is {MINUS}50.00.", 50, False),
        (f"Your balance is {EN_DASH}$50.00.", -50, True),
        ("Your balance is -$50.00.", -50, True),
        ("Your balance is $50.00.", -50, False),
    ],
)
def test_said_a_balance_with_a_minus_sign(text: str, number: float, met: bool) -> None:
    assert text_says(text, number) is met


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gift card: 120", [120.0]),
        ("Order #W1 total: 120", [120.0]),
        ("Account balance: 120", [120.0]),
        ("Order number: 5, total 120", [120.0]),
        ("Order no.: 5, total 120", [120.0]),
        # the opposite: an id's number without a colon stays none
        ("Gift card 120", []),
        ("page 3 of 10", []),
    ],
)
def test_amounts_after_a_colon(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Your refund is 95.50", [95.5]),
        ("Here it is:\n1) Your refund is $95.50", [95.5]),
        # the opposite: a lone number at a line's start is one where no words follow or it is
        # not 1, and a list's numbers are none as before
        ("A balance of 120.0, or:\n95. if the order posts", [120.0, 95.0]),
        ("1. 95.50", [95.5]),  # a list of one before a number too (round 5, H4)
        ("1.50 is the fee", [1.5]),
        ("1. Gift card: $120\n2. No other cards", [120.0]),
    ],
)
def test_amounts_of_a_list_of_one_item(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a balance of 95 to 3 orders", [95.0]),
        ("95 or 3 orders", [95.0]),
        # the opposite: a range of counts is none
        ("within 3 to 5 days", []),
        ("3 or 4 weeks", []),
        (f"3{EN_DASH}5 business days", []),
        ("5 to 5 days", [5.0]),
    ],
)
def test_amounts_and_a_range_of_counts(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


# gift_card_balance-000: gift card gift_6690, balance 120.0
@pytest.mark.parametrize(
    "text",
    [
        "1. Your gift card gift_6690 has a balance of $120.00.",
        "Your gift card gift_6690 has a balance of $120.00, as of June 18th, 2025.",
        "Your gift card gift_6690 has a balance of 120.0 to 2 orders of yours.",
    ],
)
def test_a_right_balance_report_passes(retail_domain: Any, text: str) -> None:
    verdict = play(retail_domain, "gift_card_balance-000", Reporting(text))
    assert verdict["passed"] is True, reasons(verdict)


@pytest.mark.parametrize(
    "text",
    [
        f"Your gift card gift_6690 had 120.0; it is now {MINUS}25.00.",
        "1. Your gift card gift_6690 had 120.0; it has 95.50 left.",
        "Your gift card gift_6690 had a balance of 120.0, now 95 to 3 orders.",
    ],
)
def test_a_wrong_balance_report_fails(retail_domain: Any, text: str) -> None:
    verdict = play(retail_domain, "gift_card_balance-000", Reporting(text))
    assert verdict["passed"] is False
    assert reasons(verdict) == [OTHER_AMOUNT]
