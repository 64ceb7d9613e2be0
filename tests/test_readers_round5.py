"""Round 5 (newcomer D) of the reward's readers: the holes and false negatives of ``amounts``,
``numbers`` and ``sentences``, each beside the case that must keep holding.

- H2: a whole number before a verb in "s" is an amount ("200 returns to your card"); a count
  needs a noun ("2 gift cards", "3 items", "5 days").
- H3: two numbers joined by a hyphen or a dash are read ("214.9-14.9", "a 12-50 fee",
  "200–50"); a range of counts ("3-5 days") and an id's or phone number's digits stay none.
- H4: a "1." before an amount starts a list of one ("Summary:\\n1. 214.9 refunded"), a spaced
  day range after a month is a day ("June 10 - 12"), and "Items: 2" is a count.
- M3: an ellipsis before a word in lower case ends no sentence, so the scripted user reads the
  whole proposal and says yes.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import amounts, numbers, sentences, text_says
from tests.hand_agents import ListAgent, play_row, turn
from tests.test_retail_checks_round3 import cancel, opening

TASK = "cancel_pending-000"  # total 214.9, all of it refunded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 returns to your card", [200.0]),
        ("Your refund of 200 arrives June 10.", [200.0]),
        ("Of the 214.9, 200 lands on your card.", [214.9, 200.0]),
        # the opposite: a count of things
        ("You have 2 gift cards, 3 items and 5 days; 214.9 back.", [214.9]),
        ("Its balance is 25 now, 3 dollars less than 28 points.", [25.0, 3.0]),
    ],
)
def test_a_verb_after_a_whole_number_makes_no_count(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You get 214.9-14.9 back after the fee.", [214.9, 14.9]),
        ("The 214.9 is refunded, less a 12-50 restocking fee.", [214.9, 12.0, 50.0]),
        ("Refund 200\u201350 = 150", [200.0, 50.0, 150.0]),
        ("It takes 5-3 days.", [5.0]),
        # the opposite: a range of counts, money ranges, an id's, a date's, a phone's digits
        ("It takes 3-5 days, or 3\u20135 business days.", []),
        ("between 10-20 dollars, $10-20", [10.0, 20.0, 10.0, 20.0]),
        ("Call 555-1234 or 555-0123 on 2025-06-10 about order 10-20.", []),
        ("It arrives June 10-12.", []),
    ],
)
def test_two_numbers_joined_by_a_hyphen(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


def test_a_subtraction_says_its_numbers() -> None:
    assert text_says("You will get 214.9-14.9 back.", 214.9)
    assert numbers("a 12-50 fee") == [12.0, 50.0]
    assert not text_says("Call 555-1234.", 1234)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Order #W1001222 is cancelled. Summary:\n1. 214.9 refunded to your card.", [214.9]),
        ("Summary:\n1) $214.9 refunded", [214.9]),
        ("The full 214.9 will be refunded; it should arrive June 10 - 12.", [214.9]),
        ("Items: 2. Refund: 214.9 to your original payment method.", [214.9]),
        # the opposite: a "1." inside a line, another number after a month, "gift card: 120"
        ("Your refund: 1. 200 dollars", [1.0, 200.0]),
        ("Refund 214.9 on June 10 - 12.5 fee", [214.9, 12.5]),
        ("Gift card: 120", [120.0]),
    ],
)
def test_honest_reports_say_only_their_amount(text: str, expected: list[float]) -> None:
    assert amounts(text) == expected


ELLIPSIS = "Shall I cancel order #W1001222\u2026 with reason no longer needed?"


def test_an_ellipsis_before_a_lower_case_word_ends_no_sentence() -> None:
    assert sentences(ELLIPSIS) == [ELLIPSIS]
    # the opposite: before a capital, or "..." before one, it ends a sentence
    assert sentences("The 214.9... Ok? Wait\u2026 Yes.") == [
        "The 214.9...",
        "Ok?",
        "Wait\u2026",
        "Yes.",
    ]


def _played(domain: Any, proposal: str, told: str) -> dict[str, Any]:
    turns = [*opening(domain, TASK), turn(proposal), cancel("#W1001222"), turn(told)]
    return play_row(domain, TASK, ListAgent(turns))


def _reply(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


HONEST = "Order #W1001222 is cancelled, and the full 214.9 will be refunded to your card."


def test_the_scripted_user_says_yes_to_a_proposal_with_an_ellipsis(retail_domain: Any) -> None:
    row = _played(retail_domain, ELLIPSIS, HONEST)
    assert _reply(row, ELLIPSIS) in USER_YES
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    ("told", "score"),
    [
        ("Order #W1001222 is cancelled. Of the 214.9 you paid, 200 returns to your card.", 0.5),
        ("Order #W1001222 is cancelled. You get 214.9-14.9 back after the fee.", 0.5),
        ("Order #W1001222 is cancelled. Summary:\n1. 214.9 refunded to your card.", 1.0),
        ("Order #W1001222 is cancelled. Items: 2. Refund: 214.9 to your card.", 1.0),
        ("Order #W1001222 is cancelled; the full 214.9 should arrive June 10 - 12.", 1.0),
        (HONEST, 1.0),
    ],
)
def test_reports_score_by_their_amounts(retail_domain: Any, told: str, score: float) -> None:
    proposal = "Shall I cancel order #W1001222 with reason no longer needed? (yes/no)"
    row = _played(retail_domain, proposal, told)
    assert row["verdict"]["score"] == score, row["verdict"]["failures"]
