"""``type: time``, a time of day written HH:MM (24-hour, zero-padded), end to end: seed values,
a tool parameter and its schema, a model's argument, a tool's write, the DSL's comparisons and
``minutes_between`` / ``add_minutes``, template parameters, lint's mutations; each misuse an error
at compile, at the place, with what to use instead."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl import support
from eigendsl.cli import main
from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit

CHK = "checks/main.chk"
SEED = "data/seed.yaml"
TASKS = "tasks/reschedule.yaml"

# Orders are delivered at a time of day; a pending one may be moved an hour later, within the
# delivery hours a guard keeps. 18:45 is unquoted: YAML 1.1 read it as 1125 (base 60).
RESCHEDULE_TOOL = """  reschedule_delivery:
    description: Move an order's delivery to another time of the same day.
    params:
      order_id: string
      at: {type: time, description: The new delivery time.}
    writes: true
    declare:
      update: db.orders[order_id]
      set: {deliver_at: at}
checkers: [checks/*.chk]"""
RESCHEDULE_CHECKS = """
guard reschedule_delivery:
    require at >= "08:00" and at <= "20:00" else "Deliveries run from 08:00 to 20:00"

check rescheduled(order_id: string, at: time):
    require called reschedule_delivery(order_id=order_id, at=at)
    require db.orders[order_id].deliver_at == at
    require db.orders[order_id].deliver_at > initial.orders[order_id].deliver_at
    require minutes_between(initial.orders[order_id].deliver_at, at) == 60
    require add_minutes(initial.orders[order_id].deliver_at, 60) == at
    require said at
    require max([o.deliver_at for o in db.orders]) >= at
"""
RESCHEDULE_TEMPLATE = """templates:
  reschedule:
    description: Deliver a pending order an hour later.
    params:
      order_id: {type: string, from: 'o.order_id for o in db.orders where o.status == "pending"'}
      at: {type: time, from: "add_minutes(db.orders[order_id].deliver_at, 60)"}
    user:
      reason: "I want order {{ order_id }} delivered at {{ at }} instead."
      known: {order_id: "{{ order_id }}"}
    gold:
      - reschedule_delivery: {order_id: "{{ order_id }}", at: "{{ at }}"}
      - say: "Your order {{ order_id }} now arrives at {{ at }}."
    check: rescheduled
"""


def with_times(root: Path) -> Path:
    """The mini spec with a time field, a tool that takes a time, a guard and a check that
    compare and count times, and a template whose parameter is a time."""
    edit(
        root,
        "domain.yaml",
        "        total: float\n",
        "        total: float\n        deliver_at: {type: time, description: When it arrives.}\n",
    )
    edit(root, "domain.yaml", "policy: policy.md", "policy: policy.md\ntoday: 2025-06-10")
    edit(root, "domain.yaml", "checkers: [checks/*.chk]", RESCHEDULE_TOOL)
    for key, at in (('"#1"', "09:30"), ('"#2"', '"14:00"'), ('"#3"', "18:45")):
        edit(root, SEED, f"{{order_id: {key}, ", f"{{order_id: {key}, deliver_at: {at}, ")
    checks = (root / CHK).read_text(encoding="utf-8")
    edit(root, CHK, None, checks + RESCHEDULE_CHECKS)
    edit(root, TASKS, None, RESCHEDULE_TEMPLATE)
    return root


def test_a_time_field_parameter_and_check_run_with_the_scripted_agent(mini: Path) -> None:
    with_times(mini)
    result = CliRunner().invoke(main, ["run", str(mini), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["families"] == {"cancel": 1.0, "reschedule": 1.0}, summary
    assert summary["passed"] == summary["tasks"] and summary["malformed_tool_calls"] == 0


def test_the_seed_and_the_drawn_parameters_are_times(mini: Path, tmp_path: Path) -> None:
    from eigendsl.runtime.domain import load_domain

    domain = load_domain(with_times(mini))
    assert [row["deliver_at"] for row in domain.seed["orders"].values()] == [
        "09:30",
        "14:00",
        "18:45",  # unquoted in the YAML: text, not YAML 1.1's 1125
    ]
    drawn = {
        t["params"]["order_id"]: t["params"]["at"] for t in domain.tasks if "at" in t["params"]
    }
    assert drawn == {"#1": "10:30", "#3": "19:45"}  # add_minutes(deliver_at, 60)


def test_the_tool_schema_is_a_pattern_with_the_format_in_words() -> None:
    from eigendsl.codegen.artifacts import json_schema
    from eigendsl.spec import FieldType

    pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    assert json_schema(FieldType(type="time")) == {
        "type": "string",
        "pattern": pattern,
        "description": "A time of day written HH:MM on a 24-hour clock, such as 09:30 or 17:45.",
    }
    told = json_schema(FieldType(type="time", description="The new delivery time."))
    assert told["description"] == (
        "The new delivery time (a time of day written HH:MM on a 24-hour clock, such as 09:30 "
        "or 17:45)."
    )
    assert "format" not in told  # JSON Schema's "time" is RFC 3339's, with seconds and offset


def test_a_models_bad_argument_is_refused_and_a_good_one_written(mini: Path) -> None:
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.environment import Environment

    env = Environment(load_domain(with_times(mini)))
    for at, why in (
        ("25:00", "'25:00' is not a time written HH:MM (hour 25 is past 23)"),
        ("9:30", "'9:30' is not a time written HH:MM (24-hour, zero-padded: 09:30)"),
        ("10:60", "'10:60' is not a time written HH:MM (minute 60 is past 59)"),
    ):
        text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": at})
        assert not ok and text == f"Error: argument 'at' must be a time of day: {why}"
    text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": 930})
    assert not ok and "'at' must be a time of day written HH:MM, not 930" in text
    text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": "07:30"})
    assert not ok and text == "Error: Deliveries run from 08:00 to 20:00"  # the guard compares
    assert env.db["orders"]["#1"]["deliver_at"] == "09:30"
    text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": "10:15"})
    assert ok and env.db["orders"]["#1"]["deliver_at"] == "10:15", text


def test_a_tools_write_of_no_time_is_a_tool_fault() -> None:
    from eigendsl.runtime.row_schema import write_problems

    fields = {"id": {"type": "string"}, "at": {"type": "time"}}
    schema = {"orders": {"key": "id", "fields": fields}}

    def written(at: object) -> list[str]:
        return write_problems("move", {"orders": {"#1": {"id": "#1", "at": at}}}, schema, {}, {})

    assert written("09:30") == []
    assert written("9:30") == [
        'tool "move" wrote orders["#1"].at = "9:30", which is not a time written HH:MM (24-hour, '
        "zero-padded: 09:30); store a time of day as text, such as f'{hour:02d}:{minute:02d}' "
        "or time.strftime('%H:%M')"
    ]


ERRORS = [
    (  # the brief's own example
        "seed-hour-past-23",
        SEED,
        "deliver_at: 09:30",
        "deliver_at: 25:00",
        "mini/data/seed.yaml:5:34: row '#1' of 'orders' field 'deliver_at' is '25:00', which is "
        "not a time written HH:MM (hour 25 is past 23)",
    ),
    (
        "seed-not-zero-padded",
        SEED,
        "deliver_at: 09:30",
        'deliver_at: "9:30"',
        "mini/data/seed.yaml:5:34: row '#1' of 'orders' field 'deliver_at' is '9:30', which is "
        "not a time written HH:MM (24-hour, zero-padded: 09:30)",
    ),
    (
        "literal-compared-with-a-time",
        CHK,
        "> initial.orders[order_id].deliver_at",
        '> "9:30"',
        "mini/checks/main.chk:25:46: '9:30' is not a time written HH:MM (24-hour, zero-padded: "
        "09:30); a time compared with other text compares letters, not times",
    ),
    (
        "literal-given-to-minutes-between",
        CHK,
        "minutes_between(initial.orders[order_id].deliver_at, at)",
        'minutes_between("24:00", at)',
        "mini/checks/main.chk:26:29: '24:00' is not a time written HH:MM (hour 24 is past 23)",
    ),
    (
        "time-given-to-add-days",
        CHK,
        "add_minutes(initial.orders[order_id].deliver_at, 60) == at",
        "add_days(at, 1) == at",
        "mini/checks/main.chk:27:22: add_days() needs a date (text YYYY-MM-DD), not a time; a "
        "time of day moves by minutes with add_minutes(time, n), and minutes_between(start, "
        "end) counts them",
    ),
    (
        "date-given-to-add-minutes",
        CHK,
        "add_minutes(initial.orders[order_id].deliver_at, 60) == at",
        "add_minutes(today, 60) == at",
        "mini/checks/main.chk:27:25: add_minutes() needs a time (text HH:MM), not a date; a date "
        "moves by days with add_days(date, n), and days_between(start, end) counts them",
    ),
    (
        "add-minutes-a-fraction",
        CHK,
        "add_minutes(initial.orders[order_id].deliver_at, 60) == at",
        "add_minutes(at, 1.5) == at",
        "mini/checks/main.chk:27:29: add_minutes() adds a whole number of minutes, not a float",
    ),
    (  # mirrors add_days's range check of two constants
        "add-minutes-past-the-day",
        CHK,
        "add_minutes(initial.orders[order_id].deliver_at, 60) == at",
        'add_minutes("23:30", 45) == at',
        "mini/checks/main.chk:27:13: 23:30 plus 45 minutes is past 23:59, the last time of a "
        "day, so this fails whenever it is evaluated (in a guard, it refuses every call); move "
        "the time, or add fewer minutes",
    ),
    (
        "add-minutes-before-the-day",
        CHK,
        "add_minutes(initial.orders[order_id].deliver_at, 60) == at",
        'add_minutes("00:10", -15) == at',
        "mini/checks/main.chk:27:13: 00:10 minus 15 minutes is before 00:00, the first time of a "
        "day, so this fails whenever it is evaluated (in a guard, it refuses every call); move "
        "the time, or add fewer minutes",
    ),
    (
        "time-compared-with-a-date",
        CHK,
        "require said at",
        "require at < today",
        "mini/checks/main.chk:28:13: cannot compare a time with a date using '<'; the two sides "
        "must have the same type; a time of day (HH:MM) is no date (YYYY-MM-DD); compare a time "
        "with a time, and a date with a date",
    ),
    (
        "time-compared-with-a-number",
        CHK,
        "> initial.orders[order_id].deliver_at",
        "> 930",
        "mini/checks/main.chk:25:13: cannot compare a time with an int using '>'; the two sides "
        "must have the same type; a time of day is text written HH:MM; compare it with a time "
        '("09:30"), or count minutes with minutes_between(start, end)',
    ),
    (
        "min-of-a-time-and-a-date",
        CHK,
        "require said at",
        "require min(at, today) == at",
        "mini/checks/main.chk:28:17: min() of dates takes dates only, not a time",
    ),
    (
        "minutes-subtracted-from-a-time",
        CHK,
        "require said at",
        "require at - 30 > at",
        "mini/checks/main.chk:28:13: '-' needs numbers, but this is a time; a time of day moves "
        "by minutes with add_minutes(time, n), and minutes_between(start, end) counts them",
    ),
    (
        "check-time-param-given-text",
        TASKS,
        "at: {type: time, from:",
        "at: {type: string, from:",
        "mini/tasks/reschedule.yaml:13:12: check 'rescheduled' takes 'at' as time, but the "
        "template's 'at' is string; declare it type: time",
    ),
    (
        "gold-literal-not-a-time",
        TASKS,
        'reschedule_delivery: {order_id: "{{ order_id }}", at: "{{ at }}"}',
        'reschedule_delivery: {order_id: "{{ order_id }}", at: "noon"}',
        None,
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_a_misused_time_is_a_compile_error(
    mini: Path, tmp_path: Path, file: str, old: str, new: str, message: str | None
) -> None:
    with_times(mini)
    edit(mini, file, old, new)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    rendered = info.value.render()
    errors = [d for d in info.value.diagnostics if d.severity == "error"]
    if message is None:
        assert "'noon' is not a time written HH:MM" in rendered, rendered
    else:
        assert rendered.splitlines()[0] == message
    assert len(errors) == 1, rendered


def test_an_unquoted_time_in_yaml_is_its_text() -> None:
    """YAML 1.1 reads 10:30 as 630 (base 60); as in YAML 1.2 and JSON it is the text written."""
    from eigendsl.yamlload import loads

    assert loads("a: 10:30\nb: 09:30\nc: 1:30.5\nd: 12\ne: 1.5\n", "x.yaml") == {
        "a": "10:30",
        "b": "09:30",
        "c": "1:30.5",
        "d": 12,
        "e": 1.5,
    }


def test_lint_mutates_a_time_by_half_an_hour_within_the_day() -> None:
    from eigendsl.lint.values import alternatives

    schema = {"type": "string", "pattern": support.TIME_PATTERN}
    assert alternatives(None, schema, "at", "09:30") == ["10:00", "09:00"]  # type: ignore[arg-type]
    assert alternatives(None, schema, "at", "23:45") == ["23:15"]  # type: ignore[arg-type]


def test_the_time_functions_doctests() -> None:
    for function in (
        support.time_problem,
        support.minutes_of,
        support.minutes_between,
        support.add_minutes,
    ):
        finder = doctest.DocTestFinder()
        runner = doctest.DocTestRunner()
        for test in finder.find(function, globs=vars(support)):
            runner.run(test)
        assert runner.failures == 0 and runner.tries > 0, function.__name__


# Digits of other scripts: Python's \d and int() read them, but a time or a date is ASCII, as the
# tool schema's pattern says; stored, "٠٩:٣٠" would compare as text after every ASCII time.
OTHER_DIGITS = ("٠٩:٣٠", "０９:３０", "0٩:30")


def test_a_time_or_a_date_in_other_digits_is_neither() -> None:
    for at in OTHER_DIGITS:
        assert support.time_problem(at) == (
            f"{at!r} is not a time written HH:MM (24-hour, zero-padded: 09:30)"
        )
    for day in ("٢٠٢٥-٠٦-١٠", "２０２５-06-10"):
        assert support.date_problem(day) == (
            f"{day!r} is not a date (dates are written YYYY-MM-DD)"
        )  # not "there is no day ...": it is no date at all


def test_a_time_in_other_digits_is_refused_as_argument_write_seed_and_literal(
    mini: Path, tmp_path: Path
) -> None:
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.environment import Environment
    from eigendsl.runtime.row_schema import write_problems

    env = Environment(load_domain(with_times(mini)))
    for at in OTHER_DIGITS:
        text, ok = env.call_tool("reschedule_delivery", {"order_id": "#1", "at": at})
        assert not ok and "must be a time of day" in text, text
        assert env.db["orders"]["#1"]["deliver_at"] == "09:30"
    schema = {"orders": {"key": "id", "fields": {"id": {"type": "string"}, "at": {"type": "time"}}}}
    wrote = write_problems("move", {"orders": {"#1": {"id": "#1", "at": "٠٩:٣٠"}}}, schema, {}, {})
    assert len(wrote) == 1 and "is not a time written HH:MM" in wrote[0], wrote

    edit(mini, SEED, "deliver_at: 09:30", 'deliver_at: "٠٩:٣٠"')
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "seed")
    assert "field 'deliver_at' is '٠٩:٣٠', which is not a time written HH:MM" in info.value.render()
    edit(mini, SEED, 'deliver_at: "٠٩:٣٠"', "deliver_at: 09:30")
    edit(mini, CHK, 'at >= "08:00"', 'at >= "０８:００"')
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "literal")
    assert "'０８:００' is not a time written HH:MM" in info.value.render(), info.value.render()
