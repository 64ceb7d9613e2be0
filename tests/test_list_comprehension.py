"""List comprehensions, ``[body for x in source where cond]``: parsed beside the list literal,
typed from the source's elements (a table's rows), compiled to a Python list comprehension, and
usable wherever an expression is: a check's statements and lets, a guard, a tool's declared
body and a template parameter's source.

The mini shop (``tests/fixtures/mini``) with a check ``listed`` of comprehensions added; its
error cases edit a private copy of it, as ``test_errors.py`` does.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import analyze, compile_domain
from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import lets_read, names_read
from eigendsl.dsl.parser import parse, parse_expression, parse_query
from eigendsl.dsl.render import render_expr, render_statement
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.synth.variants import composed_template
from tests.conftest import MINI, compile_to, copy_spec, edit
from tests.test_verifiers import Domain as Compiled
from tests.test_verifiers import agent, tool_call, user

CHK = "checks/main.chk"
TASKS = "tasks/cancel.yaml"

ACTIVE = '[l.phone for l in db.lines where l.status == "active"]'

LISTED = """
check listed(order_id: string, reason: string):
    let pending = [o.order_id for o in db.orders where o.status == "pending"]
    require order_id not in pending else "the order is still pending"
    require [o.order_id for o in db.orders where o.status == "cancelled"] == [order_id]
    require [c.tool for c in calls where c.writes] == ["cancel_order"]
    require [[i.item_id for i in o.items] for o in db.orders where o.user_id == "u2"] \\
        == [["i2"], []]
    require [i.price for i in db.orders["#3"].items] == []
    require [o.total for o in db.orders where o.total > 100] == []
    require sum(p in [sum(i in o.items: i.price) for o in db.orders]: p) == 25.5
"""


def expr(text: str) -> Any:
    return parse_expression(text, "x")


# ---------------------------------------------------------------------------- parsing


def test_a_comprehension_parses_beside_the_list_literal() -> None:
    e = expr(ACTIVE)
    assert isinstance(e, A.ListComp) and e.var == "l"
    assert isinstance(e.body, A.Attribute) and e.body.name == "phone"
    assert isinstance(e.source, A.Attribute) and e.source.name == "lines"
    assert isinstance(e.where, A.Compare) and e.where.op == "=="
    assert (e.span.line, e.span.col, e.span.end_col) == (1, 1, len(ACTIVE) + 1)
    assert expr("[x for x in xs]").where is None
    # the list literal is unchanged
    assert isinstance(expr("[a, b]"), A.ListLit) and expr("[]").items == ()
    assert isinstance(expr("[a]"), A.ListLit)


def test_nested_comprehensions_and_comprehensions_in_other_forms() -> None:
    nested = expr("[[i.id for i in o.items] for o in db.orders where len(o.items) > 0]")
    assert isinstance(nested, A.ListComp) and isinstance(nested.body, A.ListComp)
    assert nested.body.var == "i" and nested.var == "o"
    inner_source = expr("[x for x in [y * 2 for y in ys where y > 1] where x < 10]")
    assert isinstance(inner_source.source, A.ListComp)
    quantified = expr("count(p in [l.phone for l in db.lines] where p != '')")
    assert isinstance(quantified, A.Quantifier) and isinstance(quantified.source, A.ListComp)
    assert isinstance(expr("'555' in [l.phone for l in db.lines]"), A.Compare)
    assert isinstance(expr("[o for o in db.orders][0].id"), A.Attribute)


def test_a_template_query_still_parses_and_may_hold_a_comprehension() -> None:
    query = parse_query("o.order_id for o in db.orders where o.status == 'pending'", "x")
    assert (query.var, isinstance(query.source, A.Attribute)) == ("o", True)
    over = parse_query("x for x in [o.order_id for o in db.orders where o.total > 1]", "x")
    assert over.var == "x" and isinstance(over.source, A.ListComp)
    single = parse_query("[i.item_id for i in db.orders[order_id].items]", "x")
    assert single.var is None and isinstance(single.body, A.ListComp)


def test_a_comprehension_in_a_statement_and_a_let_parses() -> None:
    text = f"check c():\n    let phones = {ACTIVE}\n    require len(phones) > 0\n"
    (check,) = parse(text, "x.chk").declarations
    let = check.body[0]
    assert isinstance(let, A.Let) and isinstance(let.expr, A.ListComp)
    assert let.source == f"let phones = {ACTIVE}"


@pytest.mark.parametrize(
    "text, col, message",
    [
        ("[x for x in]", 12, "unexpected ']'"),
        ("[x for 1 in xs]", 8, "unexpected '1'; expected a name"),
        ("[x for x in xs where]", 21, "unexpected ']'"),
    ],
)
def test_syntax_errors_of_a_comprehension(text: str, col: int, message: str) -> None:
    with pytest.raises(EigenError, match=f"^x:1:{col}: {message}"):
        expr(text)


def test_rendering_keeps_the_bound_name_and_renames_the_rest() -> None:
    text = "[order_id for order_id in [o.user_id for o in db.orders where o.order_id == order_id]]"
    e = expr(text)
    assert render_expr(e) == text
    assert render_expr(expr(ACTIVE)) == '[l.phone for l in db.lines where l.status == "active"]'
    assert render_expr(e, {"order_id": "a_order_id", "o": "a_o"}) == (
        "[order_id for order_id in [o.user_id for o in db.orders where o.order_id == a_order_id]]"
    )
    assert render_expr(expr(render_expr(e))) == render_expr(e)


def test_the_bound_name_is_not_read_from_outside() -> None:
    assert sorted(names_read(expr("[o.id for o in orders where o.total > least] + o"))) == [
        "least",
        "o",
        "orders",
    ]
    assert sorted(names_read(expr("[x for x in [y for y in ys] where x in y]"))) == ["y", "ys"]
    assert names_read(parse_query("x for x in [o for o in db.orders]", "x")) == {"db"}
    text = (
        "check c(order_id: string):\n"
        "    let mine = [o for o in db.orders where o.order_id == order_id]\n"
        "    let o = db.orders[order_id]\n"
        "    require [o.total for o in mine] == [o.total]\n"
    )
    lets = {s.name: s for s in parse(text, "x.chk").declarations[0].body if isinstance(s, A.Let)}
    body = parse(text, "x.chk").declarations[0].body
    assert [let.name for let in lets_read(body[2].expr, lets)] == ["mine", "o"]
    assert [let.name for let in lets_read(body[0].expr, lets)] == []


# ---------------------------------------------------------------------------- types and errors


def with_check(mini: Path, body: str) -> None:
    """The mini spec with a check ``c(order_id)`` of ``body``'s statements (from line 20)."""
    edit(mini, CHK, None, (MINI / CHK).read_text() + "\ncheck c(order_id: string):\n" + body)


@pytest.mark.parametrize(
    "body, where, message",
    [
        (
            "    require len([o for o in 5]) == 0\n",
            "20:29",
            r"a list comprehension \(\[\.\.\. for o in \.\.\.\]\) needs a list or a table to go "
            "over, not an int",
        ),
        (
            "    require [c for c in order_id] == []\n",
            "20:25",
            r"a list comprehension \(\[\.\.\. for c in \.\.\.\]\) needs a list or a table to go "
            "over, not a string",
        ),
        (
            '    require len([x for x in db.orders where x.status == "pending"]) > 0 and x == 1\n',
            "20:77",
            "unknown name 'x'; names here are order_id, calls, db",
        ),
        (
            "    require [o.totl for o in db.orders] == []\n",
            "20:16",
            "unknown field 'totl' of table 'orders'; did you mean 'total'",
        ),
        (
            "    require [i.prise for i in db.orders[order_id].items] == []\n",
            "20:16",
            "unknown field 'prise' of this object; did you mean 'price'",
        ),
        (
            "    require [o for o in db.orders where o.total] == []\n",
            "20:41",
            "'where' needs a true/false condition, but this is a float",
        ),
        (
            "    require [o.total for o in db.orders] == 1\n",
            "20:13",
            "cannot compare a list\\[float\\] with an int using '=='",
        ),
        (
            "    require [[i.price for i in o.items] for o in db.orders][0][0].nope == 1\n",
            "20:67",
            "a float has no fields; '.nope' cannot be read from it",
        ),
        (
            "    require all(s in [o.status for o in db.orders]: s != 'shipped')\n",
            "20:58",
            r"'shipped' is not one of the allowed values \(pending, delivered, cancelled\)",
        ),
        (
            "    require len([x for x in db.orders[order_id]]) == 4\n",
            "20:29",
            r"a list comprehension \(\[\.\.\. for x in \.\.\.\]\) needs a list or a table to go "
            r"over, not a row of orders; read a row's fields by name "
            r"\(db\.orders\[order_id\]\.order_id\), or go over the table \(db\.orders\)",
        ),
        (
            "    require all(i in db.orders[order_id].items[0]: i != null)\n",
            "20:22",
            r"'all' needs a list or a table to go over, not an object; read an object's fields "
            r"by name \(db\.orders\[order_id\]\.items\[0\]\.item_id\)",
        ),
        (
            "    require [o.order_id for o in db.orders] == [5]\n",
            "20:13",
            r"cannot compare a list\[string\] with a list\[int\] using '=='",
        ),
        (
            "    require [o.order_id for o in db.orders] contains 5\n",
            "20:13",
            "a list of string can never contain an int",
        ),
        (
            "    require [o.status for o in db.orders] != ['pending', 'shiped']\n",
            "20:58",
            r"'shiped' is not one of the allowed values \(pending, delivered, cancelled\)",
        ),
        (
            "    require 'shiped' in [o.status for o in db.orders]\n",
            "20:13",
            r"'shiped' is not one of the allowed values \(pending, delivered, cancelled\)",
        ),
        (
            "    require [o.status for o in db.orders] contains 'shiped'\n",
            "20:52",
            r"'shiped' is not one of the allowed values \(pending, delivered, cancelled\)",
        ),
        (
            "    require min([o.status for o in db.orders]) == 1\n",
            "20:17",
            r"min\(\) takes numbers, dates or times, two or more, or one list of them, such as "
            r"min\(\[o\.total for o in db\.orders\]\), not a list of enum",
        ),
        (
            "    require max([o.total for o in db.orders]) == 'x'\n",
            "20:13",
            "cannot compare a float with a string using '=='",
        ),
    ],
    ids=[
        "over-an-int",
        "over-text",
        "bound-name-does-not-leak",
        "row-field",
        "list-element-field",
        "where-not-a-condition",
        "list-of-body-type",
        "nested-element-type",
        "enum-elements",
        "over-a-row",
        "over-an-object-of-named-fields",
        "list-item-types",
        "list-contains-item-type",
        "enum-in-a-list-compared-with-a-list",
        "enum-in-a-list-of-enums",
        "list-of-enums-contains",
        "min-of-a-list-of-text",
        "max-of-a-list-is-its-item-type",
    ],
)
def test_type_errors_at_their_line_and_column(
    mini: Path, body: str, where: str, message: str
) -> None:
    with_check(mini, body)
    with pytest.raises(EigenError, match=f"^mini/checks/main.chk:{where}: {message}") as info:
        compile_domain(mini)
    assert str(info.value).count("mini/checks/main.chk:") == 1  # no cascade


def test_a_bound_name_that_would_hide_another_is_an_error_at_it(mini: Path) -> None:
    """A comprehension's or a quantifier's variable may not hide a parameter, a let, a name the
    DSL provides or an outer variable, as a let may not: it silently did, and the expression
    read the variable where its writer meant the parameter."""
    with_check(
        mini,
        "    let o = db.orders[order_id]\n"
        "    require [o.total for o in db.orders] == [] and o.total == 20.0\n"
        "    require [order_id for order_id in [o.user_id]] == ['u1']\n"
        "    require all(db in db.orders: db.total > 0)\n"
        "    require all(x in db.orders: any(i in x.items: [x for x in x.items] != []))\n",
    )
    with pytest.raises(EigenError) as info:
        compile_domain(mini)
    hides = "which this variable would hide; give the variable another name"
    assert [str(d) for d in info.value.diagnostics] == [
        f"mini/checks/main.chk:21:26: 'o' is already bound by the let at line 20, {hides}",
        f"mini/checks/main.chk:22:27: 'order_id' is already a parameter of check 'c', {hides}",
        "mini/checks/main.chk:23:17: 'db' is a name the DSL provides (the database after the "
        f"episode), {hides}",
        "mini/checks/main.chk:24:58: 'x' is already bound by the variable at line 24, column "
        f"17, {hides}",
    ]


def test_min_and_max_of_one_list(mini: Path, tmp_path: Path) -> None:
    """min() and max() take one list too (a comprehension's); an empty one has no value."""
    with_check(
        mini,
        "    require min([o.total for o in db.orders]) == 5.5\n"
        "    require max([o.total for o in db.orders where o.user_id == 'u2']) == 7.0\n"
        "    require max([i.price for i in db.orders[order_id].items]) > 0\n",
    )
    compiled = Compiled(compile_to(mini, tmp_path / "out"))
    verdict = compiled.v.check("c").verify(compiled.trace([user("Hi.")], params={"order_id": "#1"}))
    assert (verdict.passed, verdict.failures) == (True, [])
    empty = compiled.v.check("c").verify(compiled.trace([user("Hi.")], params={"order_id": "#3"}))
    assert [(f.line, f.reason) for f in empty.failures] == [
        (22, "max() of an empty list has no value")
    ]


# ---------------------------------------------------------------------------- verdicts


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    spec = copy_spec(MINI, tmp_path_factory.mktemp("spec") / "mini")
    edit(spec, CHK, None, (MINI / CHK).read_text() + LISTED)
    return Compiled(compile_to(spec, tmp_path_factory.mktemp("out")))


def cancelled(domain: Compiled) -> dict[str, Any]:
    db = copy.deepcopy(domain.seed)
    db["orders"]["#1"]["status"] = "cancelled"
    return db


def dialogue(cancel: bool = True) -> list[dict[str, Any]]:
    args = {"order_id": "#1", "reason": "no longer needed"}
    return [
        user("Cancel order #1, please."),
        *tool_call("get_order", {"order_id": "#1"}, {"order_id": "#1", "status": "pending"}),
        *(tool_call("cancel_order", args, {"status": "cancelled"}) if cancel else []),
        agent("Done."),
    ]


def verify(domain: Compiled, db: dict[str, Any], cancel: bool = True) -> Any:
    params = {"order_id": "#1", "reason": "no longer needed"}
    trace = domain.trace(dialogue(cancel), db=db, params=params)
    return domain.v.check("listed").verify(trace)


def test_the_verifier_passes_the_right_episode(listed: Compiled) -> None:
    verdict = verify(listed, cancelled(listed))
    assert (verdict.passed, verdict.failures) == (True, [])


def test_the_verifier_fails_with_the_values_of_the_comprehensions(listed: Compiled) -> None:
    verdict = verify(listed, listed.db(), cancel=False)
    assert [(f.line, f.reason) for f in verdict.failures] == [
        (21, "the order is still pending"),
        (
            22,
            '[o.order_id for o in db.orders where o.status == "cancelled"] == [order_id] does '
            'not hold: value is [], expected ["#1"]',
        ),
        (
            23,
            '[c.tool for c in calls where c.writes] == ["cancel_order"] does not hold: value is '
            '[], expected ["cancel_order"]',
        ),
    ]
    assert verdict.failures[0].statement == (
        'require order_id not in pending else "the order is still pending" (where pending = '
        '[o.order_id for o in db.orders where o.status == "pending"])'
    )


def test_where_filters_and_an_empty_source_gives_an_empty_list(listed: Compiled) -> None:
    db = cancelled(listed)
    db["orders"]["#3"]["items"] = [{"item_id": "i9", "price": 1.0}]
    db["orders"]["#2"]["total"] = 150.0
    verdict = verify(listed, db)
    assert [f.line for f in verdict.failures] == [24, 26, 27, 28]


def test_the_generated_code_is_a_python_list_comprehension_and_byte_stable(
    listed: Compiled, tmp_path: Path
) -> None:
    code = (listed.v.out / "verifiers" / "check_listed.py").read_text()
    assert (
        "v_pending_2 = [v_o_1['order_id'] for v_o_1 in rt.elements(db['orders']) "
        "if v_o_1['status'] == 'pending']"
    ) in code
    assert "[[v_i_6['item_id'] for v_i_6 in rt.elements(v_o_5['items'])] for v_o_5 in " in code
    spec = copy_spec(MINI, tmp_path / "mini")
    edit(spec, CHK, None, (MINI / CHK).read_text() + LISTED)
    again = compile_to(spec, tmp_path / "out")
    assert (again.out / "verifiers" / "check_listed.py").read_text() == code


# ------------------------------------------------------------------- guards, tools, queries


def test_a_guard_refuses_and_allows_with_a_comprehension(mini: Path) -> None:
    edit(
        mini,
        CHK,
        'require db.orders[order_id].status == "pending" else "Only pending orders can be '
        'cancelled"\n',
        'let pending = [o.order_id for o in db.orders where o.status == "pending"]\n'
        '    require order_id in pending else "Only pending orders can be cancelled"\n'
        "    require len([u for u in db.users where u.user_id == db.orders[order_id].user_id]) "
        '== 1 else "no owner"\n',
    )
    domain = load_domain(mini)
    env = Environment(domain)
    refused = env.call_tool("cancel_order", {"order_id": "#2", "reason": "no longer needed"}, "a")
    allowed = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "b")
    again = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "c")
    assert refused == ("Error: Only pending orders can be cancelled", False)
    assert allowed[1] is True and "cancelled" in allowed[0]
    assert again == ("Error: Only pending orders can be cancelled", False)
    assert env.faults == []


def test_a_declared_tool_returns_a_comprehension(mini: Path) -> None:
    edit(
        mini,
        "domain.yaml",
        "  set_email:\n",
        "  list_orders:\n"
        "    description: The ids of a user's orders.\n"
        "    params:\n"
        "      user_id: string\n"
        "    declare:\n"
        "      returns: '[o.order_id for o in db.orders where o.user_id == user_id]'\n"
        "  set_email:\n",
    )
    env = Environment(load_domain(mini))
    assert env.call_tool("list_orders", {"user_id": "u2"}, "a") == ('["#2", "#3"]', True)
    assert env.call_tool("list_orders", {"user_id": "u9"}, "b") == ("[]", True)


def test_a_declared_tool_s_variable_may_not_hide_its_parameter(mini: Path) -> None:
    edit(
        mini,
        "domain.yaml",
        "      returns: first(u in db.users where u.email == email).user_id\n",
        "      returns: first(email in db.users where email.email != '').user_id\n",
    )
    with pytest.raises(
        EigenError,
        match="^mini/domain.yaml:30:22: 'email' is already a "
        "parameter of tool 'find_user', which this variable would hide",
    ):
        compile_domain(mini)


def test_a_template_query_draws_from_a_comprehension(mini: Path) -> None:
    email = '      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}\n'
    source = "i for i in [it.item_id for it in db.orders[order_id].items where it.price > 10]"
    edit(mini, TASKS, email, email + f"      item_id: {{type: string, from: '{source}'}}\n")
    edit(
        mini, TASKS, "email: ann@example.com, reason", "email: ann@example.com, item_id: i1, reason"
    )
    edit(mini, "domain.yaml", "per_template: 2", "per_template: 3")
    tasks = load_domain(mini).tasks
    assert {t["params"]["order_id"]: t["params"]["item_id"] for t in tasks} == {"#1": "i1"}


def test_a_template_query_over_a_non_list_is_an_error_at_it(mini: Path) -> None:
    email = '      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}\n'
    source = "x for x in [y for y in 3]"
    edit(mini, TASKS, email, email + f"      ids: {{type: string, from: '{source}'}}\n")
    with pytest.raises(
        EigenError, match=r"^mini/tasks/cancel.yaml:7:57: a list comprehension"
    ) as info:
        compile_domain(mini)
    assert str(info.value).count("mini/tasks/cancel.yaml:") == 1


def test_a_bracketed_source_of_one_value_says_to_drop_the_brackets(mini: Path) -> None:
    source = "[o.order_id for o in db.orders where o.status == 'pending']"
    edit(
        mini,
        TASKS,
        """'o.order_id for o in db.orders where o.status == "pending"'""",
        f'"{source}"',
    )
    with pytest.raises(
        EigenError,
        match=r"^mini/tasks/cancel.yaml:5:39: parameter 'order_id' is string, but this gives "
        r"list\[string\]; to draw one of its values, drop the brackets: o.order_id for o in "
        r'db.orders where o.status == "pending"\n',
    ):
        compile_domain(mini)


# ---------------------------------------------------------------------------- synthesis


def test_a_composed_check_renames_around_the_bound_names(mini: Path) -> None:
    edit(
        mini,
        CHK,
        "    require db == gold\n",
        "    require db == gold\n"
        '    let pending = [o.order_id for o in db.orders where o.status == "pending"]\n'
        "    require order_id not in pending\n"
        "    require [u for u in [db.orders[order_id].user_id]] == ['u1']\n",
    )
    _loaded, _seed, resolved, templates, _bodies, _diag = analyze(mini)
    template, check = templates["cancel"].template, resolved.checks["cancelled"]
    _entry, text = composed_template("cancel", template, check, "cancel", template, check)
    assert (
        '    let a_pending = [o.order_id for o in db.orders where o.status == "pending"]\n' in text
    )
    assert "    require b_order_id not in b_pending\n" in text
    assert '    require [u for u in [db.orders[a_order_id].user_id]] == ["u1"]\n' in text
    edit(mini, "checks/composed.chk", None, text)
    compile_domain(mini)  # the composed check compiles: no name bound twice or unknown
    let = next(s for s in check.body if isinstance(s, A.Let))
    assert render_statement(let, {"o": "a_o", "pending": "a_pending"}) == (
        'let a_pending = [o.order_id for o in db.orders where o.status == "pending"]'
    )


def test_a_let_may_not_take_the_word_for(mini: Path) -> None:
    """`for` is a word of expressions now, so a let of that name could never be read."""
    with_check(mini, "    let for = 1\n    require true\n")
    with pytest.raises(EigenError, match="^mini/checks/main.chk:20:9: 'for' is a word of the DSL"):
        compile_domain(mini)
