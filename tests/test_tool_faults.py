"""Bugs in a spec's Python tools are told apart from refusals (runtime/tool_faults.py): an
exception in a tool's code is placed at its line, a write against the table schema is refused,
a read tool that changes the database and a result that is not JSON are found by lint's replay
of the gold plans (lint/tool_audit.py)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.lint import lint
from eigendsl.runtime import tool_faults as tf
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.row_schema import write_problems
from eigendsl.runtime.rows import summarize
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.tool_results import json_problems, json_result
from tests.conftest import edit

CANCEL = '    order["status"] = "cancelled"\n'


def _line_of(root: Path, text: str) -> int:
    lines = (root / "tools.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def _python_get_order(mini: Path, body: str) -> None:
    """Make get_order (a read tool) a Python tool with ``body``."""
    edit(mini, "domain.yaml", "      returns: db.orders[order_id]\n", "")
    edit(mini, "domain.yaml", "    tags: [account]\n    declare:\n", "    tags: [account]\n")
    edit(
        mini,
        "domain.yaml",
        "      order_id: string\n    tags: [account]\n",
        ("      order_id: string\n    tags: [account]\n    python: tools:get_order\n"),
    )
    tools = (mini / "tools.py").read_text(encoding="utf-8")
    (mini / "tools.py").write_text(tools + f"\n\ndef get_order(db, order_id):\n{body}", "utf-8")


def test_an_exception_in_a_tool_is_placed_at_its_line_and_is_no_refusal(mini: Path) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + '    db["nope"]["x"]\n')
    line = _line_of(mini, 'db["nope"]')
    report = lint(mini)
    at_line = [f for f in report.findings if f.kind == "tool_exception"]
    assert [(f.span.path, f.span.line, f.severity) for f in at_line] == [
        ("mini/tools.py", line, "error")
    ]
    assert 'tool "cancel_order" raised KeyError: "nope"' in at_line[0].message
    assert "not a refusal" in at_line[0].message
    # Solvability names the place too, not the model's line.
    unsolvable = [f for f in report.findings if f.kind == "unsolvable"]
    assert unsolvable and all(f"mini/tools.py:{line}: " in f.message for f in unsolvable)
    # The model reads that the tool broke, without a traceback or a file.
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and "internal error in the tool cancel_order (KeyError)" in text
    assert "not a refusal" in text and "tools.py" not in text
    assert [str(f) for f in env.faults] == [str(f) for f in env.faults if f.line == line]


def test_run_counts_the_exceptions_of_the_tools_by_place(mini: Path) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise ValueError('boom')\n")
    line = _line_of(mini, "boom")
    domain = load_domain(mini)
    rows = run_episodes(domain, domain.tasks, ScriptedAgent(), ScriptedUser(domain.stop_marker))
    faults = summarize(rows)["tool_faults"]
    assert list(faults) == [
        f'mini/tools.py:{line}: tool "cancel_order" raised ValueError: boom: an exception in the '
        "tool's code, not a refusal; fix the code, or raise ToolError('...') where the tool "
        "should refuse the call"
    ]
    assert faults[next(iter(faults))] == len(domain.tasks)
    result = CliRunner().invoke(main, ["run", str(mini)])
    assert result.exit_code == 0 and "errors in the spec's tools" in result.output


def test_sys_exit_in_a_tool_is_a_fault_of_the_call_not_the_end_of_the_command(mini: Path) -> None:
    # SystemExit is no Exception: it used to end compile (mid-lint), lint and run with its code
    # and no message.
    edit(mini, "tools.py", CANCEL, CANCEL + "    import sys\n    sys.exit(3)\n")
    line = _line_of(mini, "sys.exit(3)")
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and "internal error in the tool cancel_order (SystemExit)" in text
    assert env.db["orders"]["#1"]["status"] == "pending"
    assert [(f.kind, f.file, f.line) for f in env.faults] == [("exception", "mini/tools.py", line)]
    result = CliRunner().invoke(main, ["run", str(mini)])
    assert result.exit_code == 0 and "errors in the spec's tools" in result.output


GUARD = (
    'require db.orders[order_id].status == "pending" else "Only pending orders can be cancelled"'
)
GUARD = f"    {GUARD}\n"


@pytest.mark.parametrize(
    ("condition", "raised"),
    [
        (  # the division and its divisor, as a verdict's reason says them: no Python
            "require 1 / (len(order_id) - len(order_id)) >= 0",
            "failed: 1 / (len(order_id) - len(order_id)) could not be evaluated: its divisor, "
            "len(order_id) - len(order_id), is 0; a bug of the spec",
        ),
        (
            'require any(c in calls where "auth" in c.tags and c.ok: c.result.user_id == "u1")',
            "raised TypeError: string indices must be integers",
        ),
    ],
)
def test_a_guard_condition_that_raises_is_a_fault_of_the_spec_at_its_place(
    mini: Path, condition: str, raised: str
) -> None:
    # find_user returns the id as text, so `c.result.user_id` reads a field of a string.
    edit(mini, "checks/main.chk", GUARD, GUARD + f'    {condition} else "Never"\n')
    report = lint(mini)
    at_guard = [f for f in report.findings if f.kind == "tool_guard_exception"]
    assert [(f.span.path, f.span.line, f.span.col, f.severity) for f in at_guard] == [
        ("mini/checks/main.chk", 3, 5, "error")
    ]
    assert f'the guard of "cancel_order" {raised}' in at_guard[0].message
    assert "ZeroDivisionError" not in at_guard[0].message
    unsolvable = [f for f in report.findings if f.kind == "unsolvable"]
    assert unsolvable and all("mini/checks/main.chk:3:5: " in f.message for f in unsolvable)
    # The model reads that the check broke: no refusal, no Python, no file.
    env = Environment(load_domain(mini))
    env.call_tool("find_user", {"email": "ann@example.com"}, "c1")
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "c2")
    assert not ok and text.startswith("Error: internal error in the check of the tool cancel_order")
    assert "Never" not in text and "Error:" not in text[6:] and ".chk" not in text
    assert "len(order_id)" not in text and "TypeError" not in text
    assert env.db["orders"]["#1"]["status"] == "pending"
    assert [(f.kind, f.file, f.line, f.col, f.call_id) for f in env.faults] == [
        ("guard_exception", "mini/checks/main.chk", 3, 5, "c2")
    ]
    # `run` counts it among the errors of the spec's tools.
    domain = load_domain(mini)
    rows = run_episodes(domain, domain.tasks, ScriptedAgent(), ScriptedUser(domain.stop_marker))
    assert [
        key.split(" raised")[0].split(" failed")[0] for key in summarize(rows)["tool_faults"]
    ] == ['mini/checks/main.chk:3:5: the guard of "cancel_order"']


DIVIDED = "db.orders[order_id].total / len(db.orders[order_id].items)"


def test_a_division_by_zero_in_a_declared_body_is_a_fault_of_the_spec(mini: Path) -> None:
    # It was a refusal whose text showed the body's DSL to the agent ("the tool failed: ...");
    # like a guard's, it is a bug of the spec: a fault that names the division and its divisor.
    edit(mini, "domain.yaml", "returns: db.orders[order_id]\n", f"returns: {DIVIDED}\n")
    said = (
        f'the body of "get_order" (declare: in domain.yaml) failed: {DIVIDED} could not be '
        "evaluated: its divisor, len(db.orders[order_id].items), is 0; a bug of the spec"
    )
    env = Environment(load_domain(mini))
    assert env.call_tool("get_order", {"order_id": "#1"}, "c1") == ("20.0", True)
    text, ok = env.call_tool("get_order", {"order_id": "#3"}, "c2")
    assert not ok and text.startswith("Error: internal error in the tool get_order: a fault of")
    assert "len(" not in text and "ZeroDivisionError" not in text
    assert [(f.kind, f.call_id) for f in env.faults] == [("body_exception", "c2")]
    assert env.faults[0].message.startswith(said)
    # lint places it at the tool's body; `run` counts it among the errors of the spec's tools
    line = (
        (mini / "domain.yaml")
        .read_text(encoding="utf-8")
        .splitlines()
        .index(f"      returns: {DIVIDED}")
    )
    found = [f for f in lint(mini).findings if f.kind == "tool_body_exception"]
    assert [(f.span.path, f.span.line, f.span.col, f.severity) for f in found] == [
        ("mini/domain.yaml", line, 5, "error")
    ]
    assert found[0].message.startswith(said)
    domain = load_domain(mini)
    rows = run_episodes(domain, domain.tasks, ScriptedAgent(), ScriptedUser(domain.stop_marker))
    assert [key[: len(said)] for key in summarize(rows)["tool_faults"]] == [said]


def test_a_guard_fault_in_a_finding_quotes_and_places_as_lint_does(mini: Path) -> None:
    """The guard fault read `the guard of 'cancel_order'` (lint quotes names in double quotes),
    and a finding that quotes it placed it at `mini/checks/main.chk` (from the spec folder's
    parent) while the finding's own place was the folder as given (here absolute)."""
    condition = "require 1 / (len(order_id) - len(order_id)) >= 0"
    edit(mini, "checks/main.chk", GUARD, GUARD + f'    {condition} else "Never"\n')
    spec = mini.resolve()
    report = lint(spec)
    at_guard = [f for f in report.findings if f.kind == "tool_guard_exception"]
    assert len(at_guard) == 1 and at_guard[0].span.path == str(spec / "checks/main.chk")
    assert at_guard[0].message.startswith('the guard of "cancel_order" failed: ')
    quoting = [f for f in report.findings if "the guard of" in f.message and f not in at_guard]
    assert quoting and all(
        f'{spec / "checks/main.chk"}:3:5: the guard of "cancel_order"' in f.message for f in quoting
    )


def test_a_guard_reading_a_row_the_arguments_do_not_name_still_refuses(mini: Path) -> None:
    # The agent's data explains it (an EvalError): a refusal as before, no fault of the spec.
    edit(
        mini,
        "checks/main.chk",
        GUARD,
        GUARD.replace("db.orders[order_id]", "first(o in db.orders where o.order_id == order_id)"),
    )
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#9", "reason": "no longer needed"}, "c1")
    assert not ok and text == "Error: no orders row matches" and env.faults == []
    edit(
        mini,
        "checks/main.chk",
        "first(o in db.orders where o.order_id == order_id)",
        "db.orders[order_id]",
    )
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#9", "reason": "no longer needed"}, "c1")
    assert not ok and text == "Error: orders has no row with key '#9'" and env.faults == []


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (
            '    order["placed_on"] = __import__("datetime").date(2025, 6, 10)\n',
            'wrote orders["#1"].placed_on, which the table has no field for',
        ),
        (
            '    order["total"] = "20.0"\n',
            'wrote orders["#1"].total = "20.0" (a string), but the field is float; store a float',
        ),
        (
            '    order["total"] = float("nan")\n',
            'wrote orders["#1"].total = nan, which JSON cannot write; store a finite number',
        ),
        (
            '    order["status"] = "gone"\n',
            'wrote orders["#1"].status = "gone", which is not one of pending, delivered, cancelled',
        ),
        (
            '    order["user_id"] = "u9"\n',
            'wrote orders["#1"].user_id = "u9", which is not a key of "users"',
        ),
        (
            '    order["items"][0]["price"] = None\n',
            'wrote orders["#1"].items[0].price = null, but the field is not optional',
        ),
        (
            '    db["orders"]["#9"] = {"order_id": "#9"}\n',
            'wrote orders["#9"] without its field "user_id", which is not optional',
        ),
    ],
)
def test_a_write_against_the_table_schema_is_refused_and_not_applied(
    mini: Path, code: str, problem: str
) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + code)
    env = Environment(load_domain(mini))
    before = json.dumps(env.db, sort_keys=True)
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and text.startswith("Error: internal error in the tool cancel_order")
    assert json.dumps(env.db, sort_keys=True) == before
    assert {f.kind for f in env.faults} == {"bad_write"}
    assert env.faults[0].message.startswith('tool "cancel_order" ' + problem)


def test_lint_reports_a_bad_write_at_the_tool(mini: Path) -> None:
    edit(
        mini,
        "tools.py",
        CANCEL,
        CANCEL + '    order["cancelled_on"] = datetime.date(2025, 6, 10)\n',
    )
    edit(mini, "tools.py", "from eigendsl", "import datetime\n\nfrom eigendsl")
    edit(
        mini,
        "domain.yaml",
        "        total: float\n",
        "        total: float\n        cancelled_on: date?\n",
    )
    lines = (mini / "domain.yaml").read_text(encoding="utf-8").splitlines()
    tool_line = lines.index("  cancel_order:") + 1
    report = lint(mini)
    found = [f for f in report.findings if f.kind == "tool_bad_write"]
    assert [(f.span.path, f.span.line, f.severity) for f in found] == [
        ("mini/domain.yaml", tool_line, "error")
    ]
    assert found[0].message.startswith(
        'tool "cancel_order" wrote orders["#1"].cancelled_on = datetime.date(2025, 6, 10), a '
        "Python date object, but the database holds a date as text written YYYY-MM-DD; store "
        "day.isoformat() (seen replaying the gold plan of "
    )
    assert report.unsolvable  # the write was refused, so the gold plans fail their check


def test_lint_finds_a_read_tool_that_changes_the_database(mini: Path) -> None:
    _python_get_order(mini, '    db["orders"][order_id]["status"] = "delivered"\n    return {}\n')
    domain = load_domain(mini)
    # Every episode stages a Python read tool's rows: its change is a fault, and dropped, so the
    # seed's rows, which later episodes start from, stay as they were (they changed for all).
    env = Environment(domain)
    text, ok = env.call_tool("get_order", {"order_id": "#3"})
    assert ok and text == "{}"
    assert [f.message.split(";")[0] for f in env.faults] == [
        'tool "get_order" is not declared writes: true, but it changed orders["#3"].status'
    ]
    assert env.db["orders"]["#3"]["status"] == domain.seed["orders"]["#3"]["status"] == "pending"
    assert Environment(domain).db["orders"]["#3"]["status"] == "pending"
    rows = run_episodes(domain, domain.tasks, ScriptedAgent(), ScriptedUser(domain.stop_marker))
    assert summarize(rows)["tool_faults"]
    assert domain.seed["orders"]["#1"]["status"] == "pending"
    domain = load_domain(mini)
    report = lint(mini, domain=domain)
    found = [f for f in report.findings if f.kind == "tool_undeclared_write"]
    assert [(f.span.path, f.severity) for f in found] == [("mini/domain.yaml", "error")]
    assert found[0].message.startswith(
        'tool "get_order" is not declared writes: true, but it changed orders["#1"].status; '
        "declare it writes: true or do not change the database"
    )
    assert domain.seed["orders"]["#1"]["status"] == "pending"  # the change was undone
    assert not report.unsolvable


def test_a_result_that_is_not_json_is_a_warning_and_the_run_goes_on(mini: Path) -> None:
    edit(
        mini,
        "tools.py",
        "    return order\n",
        '    return {**order, "on": __import__("datetime").date(2025, 6, 10)}\n',
    )
    found = [f for f in lint(mini).findings if f.kind == "tool_not_json"]
    assert [f.severity for f in found] == ["warning"]
    assert (
        'tool "cancel_order" returned a value that is not JSON: the result["on"] is a '
        "datetime.date" in found[0].message
    )
    assert "str, int, float, bool, None, list, dict" in found[0].message
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert ok and '"on": "2025-06-10"' in text


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("{1, 2}", 'the result["tags"] is a set, whose order as text differs from one run'),
        ("object()", 'the result["tags"] is an object, written as text with its memory address'),
    ],
)
def test_a_result_whose_text_differs_between_runs_is_a_fault_of_the_call(
    mini: Path, value: str, problem: str
) -> None:
    # run passed, and the agent read "<object object at 0x7f04090c76c0>": a memory address,
    # other on every run, in a transcript; it is now a fault of the tool, as an exception is
    edit(mini, "tools.py", "    return order\n", f'    return {{**order, "tags": {value}}}\n')
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and text == (
        "Error: internal error in the tool cancel_order: a fault of the tool, not a refusal of the "
        "request; the database is unchanged"
    )
    assert env.db["orders"]["#1"]["status"] == "pending"  # its write is dropped
    assert [f.kind for f in env.faults] == ["unwritable_result"]
    assert problem in env.faults[0].message
    result = CliRunner().invoke(main, ["run", str(mini)])
    assert result.exit_code == 0 and "errors in the spec's tools" in result.output
    assert "0x" not in result.output


def test_json_problems_name_each_place_and_type() -> None:
    assert json_problems({"a": [1, (2, "x")], "b": None}) == []
    assert json_problems({"when": datetime.date(2025, 6, 10), "tags": [(1, 2)]}) == [
        'the result["when"] is a datetime.date',
    ]
    assert json_problems([{1: "x"}]) == ["the result[0] has the key 1, int where JSON takes text"]
    assert len(json_problems([datetime.date(2025, 6, 10)] * 50)) == 20  # a few tell the bug
    # NaN and Infinity: json.dumps writes them, and no JSON reader takes them
    assert json_problems({"difference": float("nan"), "cap": float("-inf"), "ok": 1.5}) == [
        'the result["difference"] is nan, a float JSON cannot write',
        'the result["cap"] is -inf, a float JSON cannot write',
    ]


def test_every_problem_of_a_write_is_told_each_field_once(mini: Path) -> None:
    edit(
        mini,
        "tools.py",
        CANCEL,
        CANCEL + '    order["total"] = "20.0"\n    order["status"] = "gone"\n'
        '    db["orders"]["#9"] = {"order_id": "#9"}\n',
    )
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and "internal error in the tool cancel_order" in text
    told = sorted(f.message.split(" wrote ", 1)[1].split(";")[0] for f in env.faults)
    assert told == [
        'orders["#1"].status = "gone", which is not one of pending, delivered, cancelled',
        'orders["#1"].total = "20.0" (a string), but the field is float',
        'orders["#9"] without its field "items", which is not optional',
        'orders["#9"] without its field "status", which is not optional',
        'orders["#9"] without its field "total", which is not optional',
        'orders["#9"] without its field "user_id", which is not optional',
    ]
    # lint reports each bug once: each field's, whichever row it met it in
    found = [f.message for f in lint(mini).findings if f.kind == "tool_bad_write"]
    assert len(found) == 6, found


def test_lint_reports_each_place_a_result_is_not_json(mini: Path) -> None:
    edit(
        mini,
        "tools.py",
        "    return order\n",
        '    return {**order, 2: "x", "on": __import__("datetime").date(2025, 6, 10)}\n',
    )
    found = [f.message for f in lint(mini).findings if f.kind == "tool_not_json"]
    assert len(found) == 2, found
    assert {m.split("not JSON: ")[1].split(";")[0] for m in found} == {
        "the result has the key 2, int where JSON takes text",
        'the result["on"] is a datetime.date',
    }


def test_every_fault_of_a_tool_quotes_as_lint_does() -> None:
    # Guard and body faults said "the guard of \"x\"", every other fault "tool 'x' wrote
    # orders['#1']": names now in double quotes, keys and values as JSON, in each message.
    try:
        {}["k"]
    except KeyError as exc:
        raised = tf.exception_fault("t", exc, None)
    schema = {"orders": {"key": "id", "fields": {"id": {}, "total": {"type": "int"}}}}
    rows = {"orders": {"a]b": {"id": "a]b", "total": "4"}, "#2": {"id": "#2", "total": "5"}}}
    wrote = [tf.bad_write("t", p) for p in write_problems("t", rows, schema, {}, {})]
    changed = tf.first_change({"orders": {"#1": {"s": 2}}}, {"orders": {"#1": {"s": 1}}})
    messages = [
        raised.message,
        wrote[0].message,
        tf.undeclared_write("t", changed).message,
        tf.not_json("t", json_result({"on": datetime.date(2025, 6, 10)}).problems[0]).message,
        tf.unwritable("t", json_result({"s": {3}}).fatal).message,
        tf.long_result("t", 50_000, 40_000).message,
    ]
    assert [m.split(";")[0].split(":")[0] for m in messages] == [
        'tool "t" raised KeyError',
        'tool "t" wrote orders["a]b"].total = "4" (a string), but the field is int',
        'tool "t" is not declared writes',
        'tool "t" returned a value that is not JSON',
        'tool "t" returned a result that cannot be written as JSON',
        'tool "t" returned a result of 50,000 characters, and the model reads only the first '
        "40,000",
    ]
    assert 'KeyError: "k"' in messages[0] and 'changed orders["#1"].s' in messages[2]
    assert 'the result["on"] is a datetime.date' in messages[3]
    assert 'the result["s"] is a set' in messages[4]
    # the same field of two rows is one bug, whatever the key holds
    assert [f.group for f in wrote] == [".total", ".total"]


def test_a_print_in_the_tools_keeps_json_output_one_object(mini: Path) -> None:
    # `lint --json` printed the tools' DEBUG lines first, and the output did not parse
    edit(mini, "tools.py", CANCEL, CANCEL + '    print("DEBUG cancelling", order_id)\n')
    tools = mini / "tools.py"
    tools.write_text('print("DEBUG loading tools")\n' + tools.read_text("utf-8"), "utf-8")
    for command in (["lint", str(mini)], ["run", str(mini)]):
        result = CliRunner().invoke(main, [*command, "--json"])
        assert result.stdout.count("\n") == 1, result.stdout
        assert json.loads(result.stdout)["tasks"] > 0
        assert "DEBUG cancelling" in result.stderr


def test_a_write_that_deletes_a_row_others_refer_to_is_refused(mini: Path) -> None:
    # run and lint were clean while orders kept pointing at a user that was gone
    edit(mini, "tools.py", CANCEL, CANCEL + '    del db["users"]["u1"]\n')
    env = Environment(load_domain(mini))
    before = json.dumps(env.db, sort_keys=True)
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and json.dumps(env.db, sort_keys=True) == before
    assert [f.message for f in env.faults] == [
        'tool "cancel_order" deleted users["u1"], which orders["#1"].user_id refers to; delete '
        "or change the rows that refer to it too, or keep it"
    ]


def test_a_tool_that_never_returns_is_stopped_by_lint_at_its_line(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compile and lint hung, with no output
    from eigendsl.runtime import tool_faults

    monkeypatch.setattr(tool_faults, "CALL_SECONDS", 0.2)
    edit(mini, "tools.py", CANCEL, CANCEL + "    while True:\n        pass\n")
    line = _line_of(mini, "while True")
    found = [f for f in lint(mini).findings if f.kind == "tool_exception"]
    assert [(f.span.path, f.severity) for f in found] == [("mini/tools.py", "error")]
    assert found[0].span.line in (line, line + 1)
    assert found[0].message.startswith(
        'tool "cancel_order" ran longer than 0.2 s and was stopped here: a loop that never '
        "ends? fix the code, or make the call faster (every command stops a call after 0.2 s)"
    )


def test_run_stops_a_tool_that_never_returns_and_drops_its_writes(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run, synth and training hung on it: only lint had a time limit. A tool that catches the
    # stop with its own `except Exception` is stopped too.
    from eigendsl.runtime import tool_faults

    monkeypatch.setattr(tool_faults, "CALL_SECONDS", 0.2)
    loop = "    while True:\n        try:\n            pass\n        except Exception:\n"
    edit(mini, "tools.py", CANCEL, CANCEL + loop + "            pass\n")
    line = _line_of(mini, "while True")
    env = Environment(load_domain(mini))
    before = json.dumps(env.db, sort_keys=True)
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and "internal error in the tool cancel_order (ToolTimeout)" in text
    assert json.dumps(env.db, sort_keys=True) == before  # the staged cancellation is dropped
    assert [(f.kind, f.file, f.line in range(line, line + 5)) for f in env.faults] == [
        ("exception", "mini/tools.py", True)
    ]
    result = CliRunner().invoke(main, ["run", str(mini), "--json"])
    assert result.exit_code == 0, result.output
    faults = json.loads(result.stdout)["tool_faults"]
    assert [k.split(": ", 1)[1] for k in faults] == [
        'tool "cancel_order" ran longer than 0.2 s and was stopped here: a loop that never ends? '
        "fix the code, or make the call faster (every command stops a call after 0.2 s)"
    ]


def test_the_time_limit_of_a_call_puts_back_a_timer_set_before() -> None:
    # a SIGALRM timer of other code (a test runner's timeout) still fires, to its own handler
    import signal
    import time

    from eigendsl.runtime.tool_faults import ToolTimeout, time_limit

    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this system")
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        time_limit.take()  # as an environment does at its start
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit(5):
            pass
        with pytest.raises(ToolTimeout, match="ran longer than 0.05 s"):
            with time_limit(0.05):
                time.sleep(1)
        assert not fired
        time.sleep(0.5)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_optional_field_written_null_is_the_field_left_out(mini: Path) -> None:
    """A3's L10: a Python tool that wrote None into an optional field, or a seed row with an
    explicit null, compared as different from a row without the field (db == gold failed with
    "is null, expected left out"), though the DSL reads both as null and a declared tool's
    `set` of null leaves the field out. And a whole-number float written into an int field was
    kept as the float."""
    note = "        total: float\n        note: string?\n        parcels: int?\n"
    edit(mini, "domain.yaml", "        total: float\n", note)
    edit(
        mini,
        "data/seed.yaml",
        "status: delivered, total: 5.5,",
        "status: delivered, note: null, total: 5.5,",
    )
    written = '    order["note"] = None\n    order["parcels"] = 2.0\n'
    edit(mini, "tools.py", CANCEL, CANCEL + written)
    domain = load_domain(mini)
    assert "note" not in domain.seed["orders"]["#2"]
    env = Environment(domain)
    _, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert ok and env.faults == []
    cancelled = env.db["orders"]["#1"]
    assert cancelled == {**domain.seed["orders"]["#1"], "status": "cancelled", "parcels": 2}
    # a whole-number float written into an int field is the int (10.0 was kept, and shown so)
    assert type(cancelled["parcels"]) is int
