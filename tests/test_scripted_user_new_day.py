"""The scripted user meets a proposal that moves a delivery from its current day (2025-06-14) to
the day the user asked for (2025-06-18). One that says the right day and another one as the new
day ("from June 18 to June 14", "to June 14 instead of June 18", "to June 18, no wait, to June
25") is corrected; one that names the current day as the old one ("from June 14 to June 18")
gets its yes. Before, the user said yes to all of them: it only asked whether the right day was
said. The day of the month alone ("the 18th") and a day in digits that cannot be read as another
("6/18/2025", "18/06/2025") are that day for the user, ``said`` and ``confirmed`` alike; before,
the user answered "not right" and ``confirmed`` did not count the yes.

Two days offered ("to June 18 or June 19") are corrected too, where the user said yes; the right
day before the verb ("Order #1, June 18: I will move the delivery.") and a consent asked as "-
would you like that?" get their yes, where the user read "#1 June" as a day and corrected it, and
answered the second with its order id. A proposal the user rejects, made again, is answered "As
I said, ..." and the third time ends the conversation with the stop marker, as a fact asked three
times does; before, the user gave the same answer until the turn limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.play import play
from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed, text_says
from tests.conftest import edit
from tests.hand_agents import ListAgent, play_row, turn

MOVE_TOOL = """  move_delivery:
    description: Move the delivery of an order to another day.
    params:
      order_id: string
      day: {type: date, description: The new delivery day.}
    writes: true
    declare:
      update: db.orders[order_id]
      set: {deliver_on: day}
checkers: [checks/*.chk]"""
MOVE_CHECK = """
check moved(order_id: string):
    require db == gold
"""
MOVE_TEMPLATE = """templates:
  move:
    description: Move a delivery to the day the user asks.
    params:
      order_id: {type: string, choices: ["#1"]}
    user:
      reason: "Please move the delivery of my order {{ order_id }} to 2025-06-18."
      known: {email: ann@example.com, order id: "{{ order_id }}", new day: "2025-06-18"}
    gold:
      - find_user: {email: ann@example.com}
      - move_delivery: {order_id: "{{ order_id }}", day: "2025-06-18"}
      - say: "Your order now arrives on 2025-06-18."
    check: moved
"""


@pytest.fixture
def moving(mini: Path) -> tuple[Any, dict[str, Any]]:
    """The mini spec with orders delivered on 2025-06-14, whose writes the verifiers take only
    with ``confirmed(c)``, and a template that moves order #1's delivery to 2025-06-18."""
    edit(
        mini,
        "domain.yaml",
        "        total: float\n",
        "        total: float\n"
        "        deliver_on: {type: date, description: The day it arrives.}\n",
    )
    edit(mini, "domain.yaml", "policy: policy.md", "policy: policy.md\ntoday: 2025-06-10")
    edit(mini, "domain.yaml", "checkers: [checks/*.chk]", MOVE_TOOL)
    for key in ('"#1"', '"#2"', '"#3"'):
        edit(
            mini,
            "data/seed.yaml",
            f"{{order_id: {key}, ",
            f'{{order_id: {key}, deliver_on: "2025-06-14", ',
        )
    edit(
        mini,
        "checks/main.chk",
        'require all(c in calls where c.writes: user_said "yes" before c)',
        "require all(c in calls where c.writes: confirmed(c))",
    )
    checks = (mini / "checks/main.chk").read_text(encoding="utf-8")
    edit(mini, "checks/main.chk", None, checks + MOVE_CHECK)
    edit(mini, "tasks/move.yaml", None, MOVE_TEMPLATE)
    domain = load_domain(mini)
    return domain, next(t for t in domain.tasks if t.get("template") == "move")


def answer(moving: tuple[Any, dict[str, Any]], proposal: str) -> str:
    """The user's answer to the agent's proposal, its email asked first."""
    domain, task = moving
    lines = iter(["What is your email?", proposal])
    out: list[str] = []
    play(domain, task, "agent", lambda _: next(lines, "/quit"), out.append)
    return [line.removeprefix("user: ") for line in out if line.startswith("user: ")][2]


CORRECTED = "No, that's not right: my new day is 2025-06-18."


@pytest.mark.parametrize(
    "proposal",
    [
        "I'll move the delivery of order #1 from June 18 to June 14. Shall I proceed?",
        "I'll move the delivery of order #1 to June 14 instead of June 18. Shall I proceed?",
        "I'll move the delivery of order #1 to 2025-06-18, no wait, to 2025-06-25. Proceed?",
        "I'll move the delivery of order #1 from the 18th to the 14th. Shall I proceed?",
        "I'll move the delivery of order #1 to the 18th of July. Shall I proceed?",
        "I'll move the delivery of order #1 to 6/18/2024. Shall I proceed?",
    ],
)
def test_the_right_day_beside_another_new_one_is_corrected(moving, proposal: str) -> None:
    assert answer(moving, proposal) == CORRECTED


@pytest.mark.parametrize(
    "proposal",
    [
        "I'll move the delivery of order #1 to June 18. Shall I proceed?",
        # the current day named as the old one
        "I'll move the delivery of order #1 from June 14 to June 18. Shall I proceed?",
        "I'll move the delivery of order #1 from 2025-06-14 to 2025-06-18. Shall I proceed?",
        "I'll move the delivery of order #1 to June 18 instead of June 14. Shall I proceed?",
        "I'll move the delivery of order #1 (currently June 14) to June 18. Shall I proceed?",
        "Shall I move the delivery of order #1 on June 14 to June 18?",
        "I'll move the delivery of order #1 to June 18, not June 14. Shall I proceed?",
        # the day of the month alone, a day in digits that is no other day
        "I'll move the delivery of order #1 to the 18th. Shall I proceed?",
        "I'll move the delivery of order #1 from the 14th to the 18th. Shall I proceed?",
        "I'll move the delivery of order #1 to 6/18/2025. Shall I proceed?",
        "I'll move the delivery of order #1 to 18/06/2025. Shall I proceed?",
    ],
)
def test_the_right_day_alone_or_beside_the_old_one_is_confirmed(moving, proposal: str) -> None:
    assert answer(moving, proposal) in USER_YES


WRONG = "I'll move the delivery of order #1 from June 18 to June 14. Shall I proceed?"
RIGHT = "I'll move the delivery of order #1 from June 14 to 6/18/2025. Shall I proceed?"


def _reply_to(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m["content"] == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


def test_a_corrected_agent_that_proposes_again_passes_and_its_yes_counts(moving) -> None:
    domain, task = moving
    agent = ListAgent(
        [
            turn("What is your email?"),
            turn(None, ("find_user", {"email": "ann@example.com"})),
            turn(WRONG),
            turn(RIGHT),
            turn(None, ("move_delivery", {"order_id": "#1", "day": "2025-06-18"})),
            turn("Your order #1 now arrives on the 18th."),
        ]
    )
    row = play_row(domain, task["id"], agent)
    assert _reply_to(row, WRONG) == CORRECTED
    assert _reply_to(row, RIGHT) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]


def test_a_day_said_the_user_s_way_is_that_day_for_said_and_confirmed() -> None:
    day = "2025-06-18"
    heard = ("to the 18th.", "on 6/18/2025", "on 06/18/25", "by 18/6", "on the 18th at 9 am")
    assert [text_says(t, day) for t in heard] == [True] * len(heard)
    # another month, year or thing counted; a day whose day and month could swap
    other = ("the 18th of july", "july the 18th", "the 18th transfer", "6/18/2024", "1/6/18")
    assert [text_says(t, day) for t in other] == [False] * len(other)
    assert [text_says("on 6/5/2025", d) for d in ("2025-06-05", "2025-05-06")] == [False, False]
    assert text_says("on 6/6/2025", "2025-06-06")
    for proposal, moved_to, counted in (
        (RIGHT, day, True),
        ("Shall I move order #1 to 6/5/2025?", "2025-06-05", False),
        ("Shall I move order #1 to the 5th?", "2025-06-05", True),
    ):
        trace = Trace.from_messages(
            [
                {"role": "assistant", "content": proposal},
                {"role": "user", "content": "Yes, please."},
            ],
            db={},
        )
        move = Call("move_delivery", {"order_id": "#1", "day": moved_to}, position=2)
        assert confirmed(trace, move) is counted


def answers(moving: tuple[Any, dict[str, Any]], *proposals: str) -> list[str]:
    """The user's answers to the agent's turns after its email is asked."""
    domain, task = moving
    lines = iter(["What is your email?", *proposals])
    out: list[str] = []
    play(domain, task, "agent", lambda _: next(lines, "/quit"), out.append)
    return [line.removeprefix("user: ") for line in out if line.startswith("user: ")][2:]


@pytest.mark.parametrize(
    "proposal",
    [
        # two days offered, the right one among them: no proposal of one write
        "I'll move the delivery of order #1 to June 18 or June 19. Shall I proceed?",
        "I'll move the delivery of order #1 to June 19 or June 18. Shall I proceed?",
        "I'll move the delivery of order #1 to June 18 (or the 19th). Shall I proceed?",
        # another weekday than the right day's (2025-06-18 is a Wednesday): another day meant
        "I'll move the delivery of order #1 to Tuesday, June 18. Shall I proceed?",
        "I'll move the delivery of order #1 to Tuesday the 18th. Shall I proceed?",
    ],
)
def test_a_proposal_of_the_right_day_or_another_is_corrected(moving, proposal: str) -> None:
    assert answer(moving, proposal) == CORRECTED


@pytest.mark.parametrize(
    "proposal",
    [
        # the right day before the verb: "#1 june" is no day
        "Order #1, June 18: I will move the delivery. OK?",
        "Order #1, June 18: move_delivery. OK?",
        # consent asked as "would you like that?"
        "I can move the delivery of order #1 to June 18 - would you like that?",
        "I can move the delivery of order #1 to June 18. Do you want that?",
        # the right weekday
        "I'll move the delivery of order #1 to Wednesday, June 18. Shall I proceed?",
    ],
)
def test_the_right_day_before_the_verb_or_a_consent_in_other_words_is_confirmed(
    moving, proposal: str
) -> None:
    assert answer(moving, proposal) in USER_YES


STOP = "###STOP###"


@pytest.mark.parametrize(
    ("proposal", "first", "again", "told"),
    [
        (
            "I'll move the delivery of order #1 to June 19. Shall I proceed?",
            CORRECTED,
            "As I said, that's not right: my new day is 2025-06-18.",
            "my new day is 2025-06-18",
        ),
        (
            "I'll reschedule the delivery of order #1 to June 18. Shall I proceed?",
            "Sorry, what exactly should I confirm? Please say what you will do, then ask me again.",
            "As I said, I can't tell what to confirm: please say what you will do, then ask me "
            "again.",
            "I can't tell what to confirm",
        ),
        (
            "I'll move the delivery of order #1 to June 18 and delete your account. Proceed?",
            "No, that's not what I asked for: tell me exactly what you are going to do.",
            "As I said, that's not what I asked for: tell me exactly what you are going to do.",
            "that's not what I asked for",
        ),
    ],
)
def test_a_rejected_proposal_made_a_third_time_ends_the_conversation(
    moving, proposal: str, first: str, again: str, told: str
) -> None:
    assert answers(moving, proposal, proposal, proposal, proposal) == [
        first,
        again,
        f"I've already told you twice that {told}, so I'll end the conversation here. {STOP}",
    ]


def test_an_agent_that_loops_on_a_rejected_proposal_is_stopped_by_the_user(moving) -> None:
    domain, task = moving
    wrong = "I'll move the delivery of order #1 to June 19. Shall I proceed?"
    agent = ListAgent([turn("What is your email?"), *[turn(wrong)] * 20])
    row = play_row(domain, task["id"], agent)
    assert row["end_reason"] == "stop"
    # the system prompt, the opening, then four agent turns and their answers
    assert len(row["messages"]) == 2 + 2 * 4
    assert row["messages"][-1]["content"].endswith(STOP)


def test_a_corrected_proposal_made_right_after_an_unclear_one_still_gets_its_yes(moving) -> None:
    unclear = "I'll reschedule the delivery of order #1 to June 18. Shall I proceed?"
    wrong = "I'll move the delivery of order #1 to June 19. Shall I proceed?"
    said = answers(moving, unclear, unclear, wrong, wrong, RIGHT)
    assert said[:4] == [
        "Sorry, what exactly should I confirm? Please say what you will do, then ask me again.",
        "As I said, I can't tell what to confirm: please say what you will do, then ask me again.",
        CORRECTED,
        "As I said, that's not right: my new day is 2025-06-18.",
    ]
    assert said[4] in USER_YES


def test_another_order_moved_beside_the_user_s_one_is_not_what_it_asked_for(moving) -> None:
    proposal = "I'll move the delivery of order #1 to June 18 and order #2 to June 19. Proceed?"
    assert answer(moving, proposal) == (
        "No, that's not what I asked for: tell me exactly what you are going to do."
    )
