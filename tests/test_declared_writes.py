"""A declared tool's write (``declare: update/set``) is checked as a Python tool's is: compile
refuses what the body states outright (a value of the wrong type, enum or day, a reference to a
row the seed lacks, a ``set`` of the row's key field), and every run refuses a row written from
the call's arguments that the table's schema does not hold, a fault of the spec that lint places
at the ``set`` entry (runtime/row_schema.py, tool_bodies.py, lint/tool_audit.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.lint import lint
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from tests.conftest import edit

SET_EMAIL = """    declare:
      update: db.users[user_id]
      set: {email: email}
"""
#: set_email made a tool that writes one field of an order from ``value``, a parameter of ``kind``.
SET_ORDER = """  set_order:
    description: Change an order.
    params:
      order_id: string
      value: {kind}
    writes: true
    declare:
      update: db.orders[order_id]
      set: {{{field}: {value}}}
"""
DATED = "        total: float\n"


def _set_order(mini: Path, field: str, value: str, kind: str = "string") -> int:
    """Add the tool set_order; the line of its ``set:``."""
    edit(mini, "domain.yaml", DATED, DATED + "        cancelled_on: date?\n")
    domain = (mini / "domain.yaml").read_text(encoding="utf-8")
    tool = SET_ORDER.format(field=field, value=value, kind=kind)
    (mini / "domain.yaml").write_text(domain.replace("checkers:", tool + "checkers:"), "utf-8")
    return len(domain.split("checkers:")[0].splitlines()) + 9


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("user_id", "u9", "user_id = 'u9', which is not a key of 'users'"),
        ("status", "gone", "status = 'gone', which is not one of pending, delivered, cancelled"),
        ("cancelled_on", "soon", "cancelled_on = 'soon', which is not a day written YYYY-MM-DD"),
    ],
)
def test_a_declared_write_the_schema_does_not_hold_is_refused_and_a_fault(
    mini: Path, field: str, value: str, problem: str
) -> None:
    # Each was stored before: a dangling reference, text in a date field, an enum's other value.
    _set_order(mini, field, "value")
    env = Environment(load_domain(mini))
    before = json.dumps(env.db, sort_keys=True)
    text, ok = env.call_tool("set_order", {"order_id": "#1", "value": value}, "c1")
    # the model reads a refusal of its argument ("internal error in the tool" before), while the
    # spec's missing guard is still recorded as the tool's fault
    assert not ok and text.startswith(f"Error: value is {problem.split(' = ', 1)[1]}")
    assert text.endswith("; the database is unchanged") and "internal error" not in text
    assert json.dumps(env.db, sort_keys=True) == before
    assert [(f.kind, f.call_id) for f in env.faults] == [("bad_write", "c1")]
    fault = problem.replace("'", '"')  # the fault quotes as JSON; the model's refusal with '
    assert env.faults[0].message.startswith(f'tool "set_order" wrote orders["#1"].{fault}')


def test_lint_places_a_declared_tool_s_bad_write_at_its_set_entry(mini: Path) -> None:
    edit(mini, "domain.yaml", "    python: tools:cancel_order\n", "")
    edit(
        mini,
        "domain.yaml",
        "    writes: true\n  set_email:",
        "    writes: true\n    declare:\n      update: db.orders[order_id]\n"
        "      set:\n        status: '\"cancelled\"'\n        user_id: order_id\n  set_email:",
    )
    line = (
        (mini / "domain.yaml")
        .read_text(encoding="utf-8")
        .splitlines()
        .index("        user_id: order_id")
    )
    report = lint(mini)
    found = [f for f in report.findings if f.kind == "tool_bad_write"]
    assert [(f.span.path, f.span.line, f.span.col, f.severity) for f in found] == [
        ("mini/domain.yaml", line + 1, 9, "error")
    ]
    assert found[0].message.startswith(
        'tool "cancel_order" wrote orders["#1"].user_id = "#1", which is not a key of "users"'
    )
    assert report.unsolvable


def _errors(mini: Path, out: Path) -> list[str]:
    with pytest.raises(EigenError) as info:
        compile_domain(mini, out)
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    ("field", "value", "kind", "col", "message"),
    [
        (
            "order_id",
            "'\"#9\"'",
            "string",
            13,
            "'order_id' is the key of table 'orders': setting it would leave the row filed under "
            "its old key; remove it from 'set' (a row's key never changes)",
        ),
        (
            "status",
            "'\"gone\"'",
            "string",
            22,
            "'gone' is not one of the allowed values (pending, delivered, cancelled)",
        ),
        (
            "cancelled_on",
            "'\"soon\"'",
            "string",
            28,
            "'soon' is not a date (dates are written YYYY-MM-DD); a date compared with other "
            "text compares letters, not days",
        ),
        (
            "status",
            "value",
            "{type: enum, values: [pending, Delivered]}",
            21,
            "field 'status' cannot hold 'Delivered', which this may be: the field's values are "
            "pending, delivered, cancelled; make the two lists of values agree",
        ),
        (
            "cancelled_on",
            "value",
            "{type: enum, values: [today, 2025-06-10]}",
            27,
            "field 'cancelled_on' cannot hold 'today', which this may be: a date is written "
            "YYYY-MM-DD; write a date here, or this to a field of text",
        ),
        # A list of other items than the field's: compile passed it (the items were not typed).
        (
            "items",
            "'[i.price for i in db.orders[order_id].items]'",
            "string",
            21,
            "field 'items' is list[object], but this is list[float]",
        ),
        # An optional parameter is null where a call leaves it out: compile passed both, and
        # every such call failed ("can only concatenate str (not "NoneType") to str").
        (
            "total",
            "value + 1.0",
            "float?",
            20,
            "'value' is an optional parameter with no default: a call may leave it out, and "
            "'+' fails on null, so every such call would fail; give it a default (default: "
            "beside its type), which a call that leaves it out gets, or make it required",
        ),
        (
            "user_id",
            "value",
            "string?",
            22,
            "'value' is an optional parameter with no default: a call may leave it out, but "
            "field 'user_id' is not optional, so such a call would store null there; give the "
            "parameter a default (default: beside its type), make it required, or make the "
            "field optional",
        ),
    ],
)
def test_a_set_compile_can_see_is_wrong_is_an_error_at_it(
    mini: Path, tmp_path: Path, field: str, value: str, kind: str, col: int, message: str
) -> None:
    line = _set_order(mini, field, value, kind)
    assert _errors(mini, tmp_path / "out") == [f"mini/domain.yaml:{line}:{col}: {message}"]


def test_a_declared_tool_gives_a_left_out_parameter_its_default_and_says_so(mini: Path) -> None:
    # The body read args.get(name, default) all along, but compile refused an optional parameter
    # with a default in arithmetic ("a declared tool cannot give it a default"), and neither the
    # tool's schema nor the prompt told the model what a call that leaves it out gets.
    _set_order(mini, "total", "value + 1.0", "{type: float, optional: true, default: 2.0}")
    files = compile_domain(mini).files
    tools = json.loads(files["tools.json"])["tools"]
    schema = next(t for t in tools if t["function"]["name"] == "set_order")["function"]
    assert schema["parameters"]["properties"]["value"] == {"type": "number", "default": 2.0}
    assert schema["parameters"]["required"] == ["order_id"]
    assert "  - `value` (float, optional, default 2.0)\n" in files["prompts/agent_system.md"]
    env = Environment(load_domain(mini))
    for args in ({"order_id": "#1"}, {"order_id": "#1", "value": None}):
        text, ok = env.call_tool("set_order", args)
        assert ok, text
        assert env.db["orders"]["#1"]["total"] == 3.0
    assert env.call_tool("set_order", {"order_id": "#1", "value": 5.0})[1]
    assert env.db["orders"]["#1"]["total"] == 6.0 and not env.faults


def test_a_python_tool_that_changes_a_row_s_key_is_a_bad_write(mini: Path) -> None:
    cancel = '    order["status"] = "cancelled"\n'
    edit(mini, "tools.py", cancel, cancel + '    order["order_id"] = "#9"\n')
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"})
    assert not ok and env.db["orders"]["#1"]["order_id"] == "#1"
    assert [f.message for f in env.faults] == [
        'tool "cancel_order" wrote orders["#1"] with order_id "#9"; a row\'s key must equal its '
        '"order_id" field'
    ]


def test_a_literal_reference_to_a_row_the_seed_lacks(mini: Path, tmp_path: Path) -> None:
    line = _set_order(mini, "user_id", "'\"u9\"'")
    # cancel_order, a Python tool, might add the row first: a warning.
    compiled = compile_domain(mini, tmp_path / "out")
    assert [str(d) for d in compiled.warnings if "u9" in str(d)] == [
        f"mini/domain.yaml:{line}:23: warning: field 'user_id' refers to table 'users', whose "
        "seed data has no row 'u9'; unless a Python tool adds that row first, write the key of "
        "one of its rows"
    ]
    # Without a Python tool that writes, no call can add it: an error.
    edit(mini, "domain.yaml", "    python: tools:cancel_order\n", "")
    edit(mini, "domain.yaml", "    writes: true\n  set_email:", "  set_email:")
    cancel = "  cancel_order:\n"
    edit(mini, "domain.yaml", cancel, cancel + '    declare: {returns: "db.orders[order_id]"}\n')
    assert _errors(mini, tmp_path / "out") == [
        f"mini/domain.yaml:{line - 1}:23: field 'user_id' refers to table 'users', whose seed "
        "data has no row 'u9'; write the key of one of its rows"
    ]


def test_a_write_tool_s_body_reads_tables_as_rows_as_a_read_tool_s_does(mini: Path) -> None:
    # A write runs on a staged view of the database, whose tables are no dicts: a quantifier, a
    # comprehension or `contains` over one walked its keys ("string indices must be integers").
    tool = """  cancel_priciest:
    description: Cancel the user's dearest pending order.
    params: {user_id: string}
    writes: true
    declare:
      update: >-
        db.orders[first(o in db.orders where o.user_id == user_id and o.status == "pending"
        and all(p in db.orders where p.user_id == user_id: p.total <= o.total)).order_id]
      set: {status: '"cancelled"'}
      returns: >-
        [o.order_id for o in db.orders where o.status == "cancelled"] + [str(count(o in
        db.orders where o.user_id == user_id))]
"""
    domain = (mini / "domain.yaml").read_text(encoding="utf-8")
    (mini / "domain.yaml").write_text(domain.replace("checkers:", tool + "checkers:"), "utf-8")
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_priciest", {"user_id": "u2"}, "c1")
    assert ok, text
    assert json.loads(text) == ["#3", "2"]
    assert env.db["orders"]["#3"]["status"] == "cancelled" and not env.faults


def test_a_declared_write_of_null_leaves_the_field_out_as_the_seed_does(mini: Path) -> None:
    """An optional field set and then cleared reads as the seed row that never had it, so
    ``db == initial`` holds (the row kept ``cancelled_on: null``, which failed it: "is present
    but expected absent")."""
    _set_order(mini, "cancelled_on", "value", kind="{type: date, optional: true}")
    domain = load_domain(mini)
    env = Environment(domain)
    initial = json.dumps(env.db, sort_keys=True)
    assert env.call_tool("set_order", {"order_id": "#1", "value": "2025-06-01"}, "c1")[1]
    assert env.db["orders"]["#1"]["cancelled_on"] == "2025-06-01"
    assert env.call_tool("set_order", {"order_id": "#1"}, "c2")[1]
    assert "cancelled_on" not in env.db["orders"]["#1"]
    assert json.dumps(env.db, sort_keys=True) == initial
