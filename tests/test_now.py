"""``now: HH:MM`` in domain.yaml, the domain's time of day, as ``today`` is its date: read as
``now`` (a time) in guards, checks, lets and template sources, as ``{{ now }}`` in a template's
text, given to a Python tool that takes ``now``, and said in the prompts' line about the day; a
use while the domain sets none, or a value that is no time, is an error at it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit
from tests.test_time_type import CHK, TASKS, with_times

DOMAIN = "domain.yaml"
TODAY = "today: 2025-06-10"

# A delivery moves at least an hour from now (the airline's "at least 2 hours before departure"),
# and only an order not yet due is offered for a move.
HOURS = 'else "Deliveries run from 08:00 to 20:00"\n'
GUARD = """    let ahead = minutes_between(now, at)
    require ahead >= 60 else "A delivery moves to at least an hour from now"
"""
NOT_YET_DUE = 'where o.status == "pending"'


def with_now(root: Path, now: str = "09:45") -> Path:
    """The mini spec with times (:func:`with_times`), ``now`` set (unquoted, as YAML 1.1 would
    read as a number), a guard that counts minutes from it, a template source that reads it, a
    Python tool that takes it, and ``{{ now }}`` in a template's text."""
    with_times(root)
    edit(root, DOMAIN, TODAY, f"{TODAY}\nnow: {now}")
    edit(root, CHK, HOURS, HOURS + GUARD)
    edit(root, TASKS, NOT_YET_DUE, f"{NOT_YET_DUE} and o.deliver_at > now")
    edit(root, TASKS, "now arrives at {{ at }}.", "now arrives at {{ at }} (as of {{ now }}).")
    edit(root, "tools.py", "order_id, reason):", "order_id, reason, now):")
    edit(root, "tools.py", "    return order", '    return {**order, "seen_at": now}')
    return root


def test_a_guard_counts_minutes_from_now_and_refuses_a_call(mini: Path) -> None:
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.environment import Environment

    env = Environment(load_domain(with_now(mini)))
    text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": "10:15"})
    assert not ok and text == "Error: A delivery moves to at least an hour from now", text
    assert env.db["orders"]["#1"]["deliver_at"] == "09:30"
    text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": "10:45"})
    assert ok and env.db["orders"]["#1"]["deliver_at"] == "10:45", text


def test_a_source_a_template_text_and_a_python_tool_read_now(mini: Path) -> None:
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.environment import Environment

    domain = load_domain(with_now(mini))
    moves = [t for t in domain.tasks if t["template"] == "reschedule"]
    # order #1 (09:30) is due before now (09:45): the source's `o.deliver_at > now` leaves it out
    assert {t["params"]["order_id"]: t["params"]["at"] for t in moves} == {"#3": "19:45"}
    said = [step["say"] for t in moves for step in t["gold"] if "say" in step]
    assert said == ["Your order #3 now arrives at 19:45 (as of 09:45)."], said
    text, ok = Environment(domain).call_tool(
        "cancel_order", {"order_id": "#1", "reason": "no longer needed"}
    )
    assert ok and json.loads(text)["seen_at"] == "09:45", text


def test_the_prompts_say_the_time_with_the_day(mini: Path) -> None:
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.model_view import compact_prompt

    domain = load_domain(with_now(mini))
    line = "\n\nToday is 2025-06-10, and the time is 09:45.\n\n"
    assert line in domain.agent_prompt and line in domain.user_prompt
    assert compact_prompt(domain).endswith(" Today is 2025-06-10, and the time is 09:45.")
    assert domain.manifest["now"] == "09:45"


def test_a_quoted_now_is_the_same_time(mini: Path) -> None:
    from eigendsl.runtime.domain import load_domain

    assert load_domain(with_now(mini, '"09:45"')).manifest["now"] == "09:45"


ERRORS = [
    (
        "now-not-set",
        DOMAIN,
        "\nnow: 09:45",
        "",
        "mini/checks/main.chk:21:33: 'now' is not set: give the domain's time of day in "
        "domain.yaml (now: HH:MM)",
    ),
    (
        "now-hour-past-23",
        DOMAIN,
        "now: 09:45",
        "now: 25:00",
        "mini/domain.yaml:5:6: now: '25:00' is not a time written HH:MM (hour 25 is past 23)",
    ),
    (
        "now-not-zero-padded",
        DOMAIN,
        "now: 09:45",
        "now: 9:45",
        "mini/domain.yaml:5:6: now: '9:45' is not a time written HH:MM (24-hour, zero-padded: "
        "09:30)",
    ),
    (
        "now-a-number",
        DOMAIN,
        "now: 09:45",
        "now: 945",
        "mini/domain.yaml:5:6: now: 945 is not a time written HH:MM (24-hour, zero-padded: 09:30)",
    ),
    (  # the agent would choose the time the guards count from
        "tool-param-now-reserved",
        DOMAIN,
        "      at: {type: time, description: The new delivery time.}",
        "      at: {type: time, description: The new delivery time.}\n      now: string",
        "mini/domain.yaml:62:7: tools.reschedule_delivery.params: parameter name 'now' is "
        "reserved (checker expressions read 'now' as the domain's time of day); rename the "
        "parameter",
    ),
    (
        "let-takes-now",
        CHK,
        "    let ahead = minutes_between(now, at)",
        '    let now = "08:00"\n    let ahead = minutes_between(now, at)',
        "mini/checks/main.chk:21:9: 'now' is a name the DSL provides (the domain's time of day), "
        "which this let would hide; give the let another name",
    ),
    (
        "add-minutes-to-now-past-the-day",
        CHK,
        "minutes_between(now, at)",
        "minutes_between(add_minutes(now, 900), at)",
        "mini/checks/main.chk:21:33: now (09:45 in domain.yaml) plus 900 minutes is past 23:59, "
        "the last time of a day, so this fails whenever it is evaluated (in a guard, it refuses "
        "every call); move the time, or add fewer minutes",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_a_misused_now_is_a_compile_error(
    mini: Path, tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    with_now(mini)
    edit(mini, file, old, new)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    rendered = info.value.render()
    assert rendered.splitlines()[0] == message, rendered


def test_now_unset_in_a_template_text_and_a_python_tool_says_how_to_set_it(
    mini: Path, tmp_path: Path
) -> None:
    with_now(mini)
    edit(mini, DOMAIN, "\nnow: 09:45", "")
    edit(mini, CHK, HOURS + GUARD, HOURS)
    edit(mini, TASKS, " and o.deliver_at > now", "")
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    lines = [line for line in info.value.render().splitlines() if line.startswith("mini/")]
    assert any(
        line.endswith(
            "uses '{{ now }}', which is not a parameter of the template; the domain sets no "
            "time of day: add 'now: HH:MM' to domain.yaml"
        )
        for line in lines
    ), lines
    assert any(
        line.endswith(
            "'cancel_order' takes 'now' (at mini/tools.py:4:40), which tool 'cancel_order' does "
            "not declare; to pass it the domain's time of day, set now: HH:MM in domain.yaml"
        )
        for line in lines
    ), lines
