"""The scripted user meets a proposal of a write whose only facts it knows are a day and a time
(a delivery booked for 2025-06-11 at 09:30, the order id from a tool): another day or time is
corrected, the right one in words confirmed, a bare "Do you confirm?" refused, and a date of
birth beside the right day is no other day. Before, it confirmed all of them: a write carrying
only a day and a time carried no fact it could tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.play import play
from eigendsl.runtime.utterances import USER_YES
from tests.conftest import edit

BOOK_TOOL = """  book_delivery:
    description: Book the delivery of an order on a day at a time.
    params:
      order_id: string
      day: {type: date, description: The delivery day.}
      at: {type: time, description: The delivery time.}
    writes: true
    declare:
      update: db.orders[order_id]
      set: {deliver_on: day, deliver_at: at}
checkers: [checks/*.chk]"""
BOOK_CHECK = """
check booked(order_id: string):
    require called book_delivery(order_id=order_id, day="2025-06-11", at="09:30")
"""
BOOK_TEMPLATE = """templates:
  book:
    description: Book a delivery on the day and at the time the user asks.
    params:
      order_id: {type: string, choices: ["#1"]}
    user:
      reason: "Please deliver my order on 2025-06-11 at 09:30."
      known: {email: ann@example.com, date of birth: "1988-03-14", date: "2025-06-11",
        time: "09:30"}
    gold:
      - find_user: {email: ann@example.com}
      - book_delivery: {order_id: "{{ order_id }}", day: "2025-06-11", at: "09:30"}
      - say: "Your order arrives on 2025-06-11 at 09:30."
    check: booked
"""


@pytest.fixture
def booking(mini: Path):
    """The mini spec with orders delivered on a day at a time and a template that books one."""
    edit(
        mini,
        "domain.yaml",
        "        total: float\n",
        "        total: float\n        deliver_on: {type: date, description: The day it arrives.}\n"
        "        deliver_at: {type: time, description: When it arrives.}\n",
    )
    edit(mini, "domain.yaml", "policy: policy.md", "policy: policy.md\ntoday: 2025-06-10")
    edit(mini, "domain.yaml", "checkers: [checks/*.chk]", BOOK_TOOL)
    for key in ('"#1"', '"#2"', '"#3"'):
        edit(
            mini,
            "data/seed.yaml",
            f"{{order_id: {key}, ",
            f'{{order_id: {key}, deliver_on: "2025-06-20", deliver_at: "14:00", ',
        )
    checks = (mini / "checks/main.chk").read_text(encoding="utf-8")
    edit(mini, "checks/main.chk", None, checks + BOOK_CHECK)
    edit(mini, "tasks/book.yaml", None, BOOK_TEMPLATE)
    domain = load_domain(mini)
    task = next(t for t in domain.tasks if t.get("template") == "book")
    return domain, task


def answer(booking, proposal: str) -> str:
    """The user's answer to the agent's proposal, its email asked first."""
    domain, task = booking
    lines = iter(["What is your email?", proposal])
    out: list[str] = []
    play(domain, task, "agent", lambda _: next(lines, "/quit"), out.append)
    return [line.removeprefix("user: ") for line in out if line.startswith("user: ")][2]


CORRECTED_DAY = "No, that's not right: my date is 2025-06-11."
CORRECTED_TIME = "No, that's not right: my time is 09:30."
NOT_ASKED = "No, that's not what I asked for"


@pytest.mark.parametrize(
    ("proposal", "expected"),
    [
        ("I can deliver it on 2025-06-12 at 11:00. Shall I go ahead?", CORRECTED_DAY),
        ("I can deliver it on Thursday, June 12 at 11:00 am. Shall I go ahead?", CORRECTED_DAY),
        ("I can deliver it on 2025-06-12 at 09:30. Shall I go ahead?", CORRECTED_DAY),
        ("I can deliver it on the 11th of June 2024 at 9:30 am. Shall I go ahead?", CORRECTED_DAY),
        ("I can deliver it on Wednesday, June 11 at 11:00 am. Shall I go ahead?", CORRECTED_TIME),
        ("I can deliver it on 2025-06-11 at 9:30 pm. Shall I go ahead?", CORRECTED_TIME),
        ("I can deliver it on June 11 at noon. Shall I go ahead?", CORRECTED_TIME),
        # a date of birth is no day the write carries: it tells no other day
        ("For you (born 1988-03-14): deliver it on 2025-06-12 at 09:30? (yes/no)", CORRECTED_DAY),
        # the day said, the time left out: the time is what it gets wrong
        ("I can deliver it on June 11. Shall I go ahead?", CORRECTED_TIME),
        ("Do you confirm? (yes/no)", NOT_ASKED),
        ("I'll deliver your order. Shall I go ahead?", NOT_ASKED),
    ],
)
def test_another_day_or_time_is_corrected_and_a_bare_confirm_refused(booking, proposal, expected):
    assert answer(booking, proposal).startswith(expected)


@pytest.mark.parametrize(
    "proposal",
    [
        "I can deliver it on 2025-06-11 at 09:30. Shall I go ahead?",
        "I can deliver it on Wednesday, June 11 at 9:30 am. Shall I go ahead?",
        "Deliver it on the 11th of June, 9:30 a.m.? (yes/no)",
        "I can deliver it on June 11th 2025 at 9:30am. Shall I go ahead?",
        # a date of birth beside the right day and time
        "For you (born 1988-03-14): deliver it on June 11 at 9:30 am? (yes/no)",
        "For you, born March 14 1988, deliver it on 2025-06-11 at 09:30? (yes/no)",
    ],
)
def test_the_day_and_time_the_user_asked_for_in_words_are_confirmed(booking, proposal):
    assert answer(booking, proposal) in USER_YES
