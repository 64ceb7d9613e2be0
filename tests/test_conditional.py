"""The conditional expression, ``A if C else B`` as in Python: parsed below ``or`` and
right-associative, typed (C true/false, A and B of one type), compiled to Python's conditional
so that only the chosen value is evaluated, and rendered back as written; wherever an
expression goes (a check, a guard, a let, a template parameter's source).

The mini shop (``tests/fixtures/mini``), edited in a private copy as ``test_errors.py`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import names_read
from eigendsl.dsl.parser import parse, parse_expression, parse_query
from eigendsl.dsl.render import render_expr
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from tests.conftest import MINI, compile_to, edit
from tests.test_verifiers import Domain as Compiled
from tests.test_verifiers import tool_call, user

CHK = "checks/main.chk"
TASKS = "tasks/cancel.yaml"


def expr(text: str) -> Any:
    return parse_expression(text, "x")


# ---------------------------------------------------------------------------- parsing


def test_a_conditional_parses_below_or_and_to_the_right() -> None:
    e = expr("a or b if c and d else e + 1")
    assert isinstance(e, A.Conditional)
    assert isinstance(e.body, A.BoolOp) and e.body.op == "or"
    assert isinstance(e.cond, A.BoolOp) and e.cond.op == "and"
    assert isinstance(e.orelse, A.Binary)
    chain = expr("a if c else b if d else e")
    assert isinstance(chain, A.Conditional) and isinstance(chain.orelse, A.Conditional)
    assert render_expr(chain.orelse) == "b if d else e"
    assert isinstance(expr("(a if c else b).x"), A.Attribute)
    assert isinstance(expr("f(a if c else b, 2)").args[0], A.Conditional)  # type: ignore[union-attr]
    assert sorted(names_read(expr("[x if x > n else m for x in xs]"))) == ["m", "n", "xs"]


def test_a_conditional_in_a_statement_keeps_the_statement_s_else() -> None:
    text = 'check c():\n    require (a if b else c) else "no"\n    require a if b else c\n'
    first, second = parse(text, "x.chk").declarations[0].body
    assert isinstance(first, A.Require) and first.message == "no"
    assert isinstance(first.expr, A.Conditional)
    assert isinstance(second, A.Require) and second.message is None
    assert isinstance(second.expr, A.Conditional)
    query = parse_query("o.total if o.total > 1 else 0 for o in db.orders", "x")
    assert query.var == "o" and isinstance(query.body, A.Conditional)


@pytest.mark.parametrize(
    "text, col",
    [("a if c", 7), ("(a if c)", 8), ("f(a if c, 2)", 9), ("a if c and d", 13)],
)
def test_an_if_without_else_says_to_add_else(text: str, col: int) -> None:
    with pytest.raises(
        EigenError, match=f"^x:1:{col}: this 'if' has no 'else': a conditional is written A if C "
    ):
        expr(text)


def test_an_if_without_else_in_a_check_says_to_add_else() -> None:
    with pytest.raises(EigenError, match="^x.chk:2:19: this 'if' has no 'else': ") as info:
        parse("check c():\n    require a if b\n", "x.chk")
    assert "add 'else' and the value it has when the condition is false" in str(info.value)


STRAY = "where this conditional's 'else' goes: a conditional is written A if C else B, with 'else' "


@pytest.mark.parametrize(
    "text, where, fix",
    [
        ("check c():\n    require x if y > 0 z\n", "2:24", "add 'else' before 'z'"),
        (
            "check c():\n    let a = 1 if ok els 2\n    require a\n",
            "2:21",
            "write 'else' for 'els'",
        ),
        ('guard g:\n    require 1 if ok els 2 else "m"\n', "2:21", "write 'else' for 'els'"),
        ("rule r:\n    require x if y z == 1\n", "2:20", "add 'else' before 'z'"),
        ("rule r:\n    score 1: (a if b\n              c)\n", "3:15", "add 'else' before 'c'"),
    ],
    ids=["check", "let", "guard", "rule", "bracketed"],
)
def test_a_word_where_else_goes_says_a_conditional_needs_else(
    text: str, where: str, fix: str
) -> None:
    word = fix.rsplit("'", 2)[1]
    with pytest.raises(EigenError, match=f"^x.chk:{where}: unexpected '{word}' {STRAY}") as info:
        parse(text, "x.chk")
    assert str(info.value).splitlines()[0].endswith(f"before its second value; {fix}")
    with pytest.raises(EigenError, match=f"^x:1:12: unexpected 'z' {STRAY}"):
        expr("x if y > 0 z")


@pytest.mark.parametrize("text", ["x z", "x if y 2", "a if b else c d"])
def test_other_stray_words_keep_the_parser_s_error(text: str) -> None:
    """A word that is no conditional's 'else' (`is`, a word after a whole expression) and a
    number where 'else' goes keep the list of what was expected."""
    with pytest.raises(EigenError, match="; expected ") as info:
        expr(text)
    assert "conditional" not in str(info.value)


@pytest.mark.parametrize(
    "text, written, instead",
    [
        ("x if y is not null else 2", "is not null", "!= null"),
        ("x if y is null else 2", "is null", "== null"),
        ("x if (y is not None) else 2", "is not None", "!= null"),
        ("x if y is 3 else 2", "is", "=="),
    ],
)
def test_python_s_is_says_to_compare_with_equals(text: str, written: str, instead: str) -> None:
    """Python's ``is not None`` is the likeliest slip in a null test: the error says what to
    write, with the caret under the words to replace, in a check as in a tool's body."""
    col = text.index(" is") + 2
    with pytest.raises(EigenError) as info:
        expr(text)
    assert str(info.value).splitlines()[0] == (
        f"x:1:{col}: unexpected '{written}'; the DSL has no 'is': it compares with '==' and "
        f"'!=', null as any other value; write '{instead}'"
    )
    span = info.value.diagnostics[0].span
    assert (span.end_line, span.end_col) == (1, col + len(written))
    with pytest.raises(
        EigenError, match=r"^x.chk:2:15: unexpected 'is not null'; .* write '!= null'\n"
    ):
        parse("check c(x):\n    require x is not null\n", "x.chk")


def test_rendering_is_as_written_with_brackets_only_where_needed() -> None:
    for text in (
        "paid if days_between(today, d) >= 2 else round(paid / 2, 2)",
        "a if c else b if d else e",
        "(a if c else b) if d else e",
        "(a if c else b).x + 1",
        "-(a if c else 1)",
        "said (a if c else b)",
        "(a if c else b) == 3",
        "[x if y else z for x in xs where a if b else c]",
    ):
        assert render_expr(expr(text)) == text
    assert render_expr(expr("x or (a if c else b)")) == "(x or (a if c else b))"
    assert render_expr(expr("a if c else b"), {"c": "a_c"}) == "a if a_c else b"


# ---------------------------------------------------------------------------- types


def with_check(mini: Path, body: str) -> None:
    """The mini spec with a check ``c(order_id)`` of ``body``'s statements (from line 20)."""
    edit(mini, CHK, None, (MINI / CHK).read_text() + "\ncheck c(order_id: string):\n" + body)


@pytest.mark.parametrize(
    "body, where, message",
    [
        (
            "    require (1 if db.orders[order_id].total else 2) == 1\n",
            "20:19",
            "'if' needs a true/false condition, but this is a float; compare it with something",
        ),
        (
            "    require (1 if order_id == '#1' else 'one') == 1\n",
            "20:14",
            r"the two values of this 'if \.\.\. else' have different types: an int before 'if', "
            r"a string after 'else'; give both one type \(an int and a float mix to a float\)\n",
        ),
        (
            "    require (1 if order_id == '#1' else 2.5) == 'x'\n",
            "20:13",
            "cannot compare a float with a string using '=='",
        ),
        (
            "    require (db.orders[order_id].status if true else null) == 5\n",
            "20:13",
            "cannot compare an enum with an int using '=='",
        ),
        (
            "    require called get_order if order_id == '#1' else 'is it?'\n",
            "20:13",
            r"the two values of this 'if \.\.\. else' have different types: "
            r"a bool before 'if', a string after 'else'; give both one type \(an int and a float "
            r"mix to a float\); if \"is it\?\" is the statement's own 'else' text, put the "
            r"conditional in brackets before it: \(called get_order if order_id == \"#1\" else "
            r"\.\.\.\) else \"is it\?\"\n",
        ),
    ],
    ids=["condition-not-bool", "branches-differ", "int-float-mix", "null-branch", "else-text"],
)
def test_type_errors_at_their_line_and_column(
    mini: Path, body: str, where: str, message: str
) -> None:
    with_check(mini, body)
    with pytest.raises(EigenError, match=f"^mini/checks/main.chk:{where}: {message}") as info:
        compile_domain(mini)
    assert str(info.value).count("mini/checks/main.chk:") == 1  # no cascade


# ---------------------------------------------------------------------------- evaluation

CHECK = """
check c(order_id: string):
    let total = db.orders[order_id].total if order_id in db.orders else 0.0
    require (total if total > 10 else total * 2) >= 10 else "too little"
    require (first(o in db.orders where o.total > 100).total if \\
             any(o in db.orders: o.total > 100) else 0) == 0
    require (1 if order_id == "#1" else 2.5) > 0
    require ("big" if total > 10 else "small") == "big"
"""


@pytest.fixture()
def checked(mini: Path, tmp_path: Path) -> Compiled:
    edit(mini, CHK, None, (MINI / CHK).read_text() + CHECK)
    return Compiled(compile_to(mini, tmp_path / "out"))


def verdict(compiled: Compiled, order_id: str) -> Any:
    trace = compiled.trace([user("Hi.")], params={"order_id": order_id})
    return compiled.v.check("c").verify(trace)


def test_a_check_evaluates_only_the_chosen_value(checked: Compiled) -> None:
    """A missing row (order #9) and a first(...) that finds nothing are in the values not
    chosen: neither fails the statement."""
    passed = verdict(checked, "#1")
    assert (passed.passed, passed.failures) == (True, [])
    small = verdict(checked, "#3")  # 7.0 * 2 >= 10 holds; 'small' is no 'big'
    assert [(f.line, f.reason) for f in small.failures] == [
        (
            25,
            '("big" if total > 10 else "small") == "big" does not hold: "small" is not "big" '
            "(where total = db.orders[order_id].total if order_id in db.orders else 0.0)",
        )
    ]
    missing = verdict(checked, "#9")  # no such row: total is 0.0, read from no row
    assert [(f.line, f.reason) for f in missing.failures] == [
        (21, "too little"),
        (25, small.failures[0].reason),
    ]


def test_the_generated_code_is_python_s_conditional(checked: Compiled) -> None:
    code = (checked.v.out / "verifiers" / "check_c.py").read_text()
    assert (
        "v_total_1 = rt.row(db['orders'], p_order_id, 'orders')['total'] if "
        "rt.member(p_order_id, db['orders']) else 0.0"
    ) in code
    # the first(...) whose field is read is checked to have found a row, in its own branch
    assert (
        "_l = rt.found(rt.first(" in code and "'orders row', db['orders'])['total'] if any(" in code
    )


def test_a_guard_refuses_and_allows_with_a_conditional(mini: Path) -> None:
    edit(
        mini,
        CHK,
        'require db.orders[order_id].status == "pending" else "Only pending orders can be '
        'cancelled"\n',
        'require (db.orders[order_id].status == "pending" if order_id in db.orders else '
        'false) else "Only pending orders can be cancelled"\n',
    )
    env = Environment(load_domain(mini))
    args = {"reason": "no longer needed"}
    refused = env.call_tool("cancel_order", {"order_id": "#2", **args}, "a")
    missing = env.call_tool("cancel_order", {"order_id": "#9", **args}, "b")
    allowed = env.call_tool("cancel_order", {"order_id": "#1", **args}, "c")
    assert refused == missing == ("Error: Only pending orders can be cancelled", False)
    assert allowed[1] is True and "cancelled" in allowed[0]
    assert env.faults == []


def test_a_template_source_draws_a_conditional_value(mini: Path) -> None:
    email = '      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}\n'
    source = (
        "db.orders[order_id].total if len(db.orders[order_id].items) > 0 else "
        "round(db.orders[order_id].total / 2, 2)"
    )
    edit(mini, TASKS, email, email + f"      refund: {{type: float, from: '{source}'}}\n")
    edit(
        mini,
        TASKS,
        "email: ann@example.com, reason",
        "email: ann@example.com, refund: 20.0, reason",
    )
    edit(mini, "domain.yaml", "per_template: 2", "per_template: 3")
    tasks = load_domain(mini).tasks
    assert {t["params"]["order_id"]: t["params"]["refund"] for t in tasks} == {
        "#1": 20.0,
        "#3": 3.5,
    }


def test_a_declared_tool_sets_a_conditional_value(mini: Path) -> None:
    edit(
        mini,
        "domain.yaml",
        "set: {email: email}",
        """set: {email: 'email if email != "" else "none"'}""",
    )
    env = Environment(load_domain(mini))
    assert env.call_tool("set_email", {"user_id": "u1", "email": ""}, "a")[1] is True
    assert env.call_tool("set_email", {"user_id": "u2", "email": "b@x.org"}, "b")[1] is True
    assert env.db["users"]["u1"]["email"] == "none"
    assert env.db["users"]["u2"]["email"] == "b@x.org"


def test_before_reads_the_events_a_conditional_chooses(mini: Path, tmp_path: Path) -> None:
    with_check(
        mini,
        "    require (called find_user if order_id == '#1' else called cancel_order) \\\n"
        "        before called get_order\n",
    )
    compiled = Compiled(compile_to(mini, tmp_path / "out"))
    found = tool_call("find_user", {"email": "ann@example.com"}, {"user_id": "u1"})
    got = tool_call("get_order", {"order_id": "#1"}, {"order_id": "#1", "status": "pending"})
    trace = [user("Hi."), *found, *got]
    for order_id, passed in (("#1", True), ("#2", False)):
        check = compiled.v.check("c").verify(compiled.trace(trace, params={"order_id": order_id}))
        assert check.passed is passed


def test_a_long_chain_of_conditionals_is_too_deep(mini: Path) -> None:
    chain = " else ".join(f"{i} if order_id == '#{i}'" for i in range(70)) + " else 0"
    with_check(mini, f"    require ({chain}) > 0\n")
    with pytest.raises(EigenError, match=r"^mini/checks/main.chk:20:5: this expression is nested"):
        compile_domain(mini)


# ---------------------------------------------------------------------------- narrowing

OPTIONAL_EMAIL = (
    "      email: string\n    writes: true",
    "      email: {type: string, optional: true}\n    writes: true",
)


@pytest.mark.parametrize(
    "value",
    [
        'email if email != null else "none"',
        '"none" if email == null else email',
        '"none" if not (null != email) else email',
        'email if email != null and user_id != "" else "none"',
    ],
)
def test_a_conditional_s_value_is_not_null_where_its_condition_says_so(
    mini: Path, value: str
) -> None:
    """``email`` may be left out of a call, but the value that reads it is chosen only where
    it is not null: no error that the field would store null, and each call sets its value."""
    edit(mini, "domain.yaml", *OPTIONAL_EMAIL)
    edit(mini, "domain.yaml", "set: {email: email}", f"set: {{email: '{value}'}}")
    env = Environment(load_domain(mini))
    assert env.call_tool("set_email", {"user_id": "u1"}, "a")[1] is True
    assert env.call_tool("set_email", {"user_id": "u2", "email": "b@x.org"}, "b")[1] is True
    assert env.db["users"]["u1"]["email"] == "none"
    assert env.db["users"]["u2"]["email"] == "b@x.org"
    assert env.faults == []


@pytest.mark.parametrize(
    "value",
    [
        'email if email == null else "none"',  # email is null where it is chosen
        'email if user_id != null else "none"',  # another name is tested
        'email if email != null or true else "none"',  # `or` says nothing where it holds
    ],
)
def test_a_value_its_condition_does_not_test_stays_optional(mini: Path, value: str) -> None:
    edit(mini, "domain.yaml", *OPTIONAL_EMAIL)
    edit(mini, "domain.yaml", "set: {email: email}", f"set: {{email: '{value}'}}")
    with pytest.raises(EigenError) as raised:
        compile_domain(mini)
    # the value is no parameter alone: the fix it is told names the conditional's way
    assert (
        "this may be null (an optional parameter or field it reads may be null), but field "
        "'email' is not optional, so such a call would store null there; choose a value where "
        "it is null (x if x != null else ...)"
    ) in str(raised.value)


@pytest.mark.parametrize(
    "value, word",
    [
        ('email if email != None else "none"', "None"),
        ('"none" if not (None != email) else email', "None"),
        ('email + "x" if email != nil and user_id != "" else "none"', "nil"),
    ],
)
def test_another_language_s_null_is_its_condition_s_only_error(
    mini: Path, value: str, word: str
) -> None:
    """``None`` is an unknown name (the DSL writes null), and the one error: the condition
    narrows as with null, so no second error says the value may be null (or that '+' fails
    on it), which fixing the first would take away."""
    edit(mini, "domain.yaml", *OPTIONAL_EMAIL)
    edit(mini, "domain.yaml", "set: {email: email}", f"set: {{email: '{value}'}}")
    with pytest.raises(EigenError) as raised:
        compile_domain(mini)
    assert [d.message for d in raised.value.diagnostics] == [
        f"unknown name '{word}'; the DSL writes it null"
    ]


def test_a_field_path_narrows_and_a_quantifier_s_variable_is_another_value(
    mini: Path, tmp_path: Path
) -> None:
    edit(
        mini,
        "domain.yaml",
        "        name: string\n",
        "        name: string\n        nick: {type: string, optional: true}\n",
    )
    edit(
        mini,
        "domain.yaml",
        "set: {email: email}",
        "set: {email: 'db.users[user_id].nick if db.users[user_id].nick != null else email'}",
    )
    with_check(
        mini,
        "    let u = db.users[db.orders[order_id].user_id]\n"
        "    require (u.nick if u.nick != null else u.name) == 'Ann'\n",
    )
    compiled = Compiled(compile_to(mini, tmp_path / "out"))
    assert verdict(compiled, "#1").passed is True
    env = Environment(load_domain(mini))
    assert env.call_tool("set_email", {"user_id": "u1", "email": "a@x.org"}, "a")[1] is True
    assert env.db["users"]["u1"]["email"] == "a@x.org"


def test_narrowing_types_the_value_read_where_the_condition_holds() -> None:
    from eigendsl.dsl.analysis import Analyzer, Scope
    from eigendsl.dsl.types import Type, list_of
    from eigendsl.errors import Diagnostics
    from eigendsl.loader import load_spec

    number = Type("int", optional=True)
    scope = Scope("tool", (("x", number), ("xs", list_of(number))))
    analyzer = Analyzer(load_spec(MINI).spec, Diagnostics())

    def optional(text: str) -> bool:
        return analyzer.infer(expr(text), scope).optional

    assert not optional("x if x != null else 0")
    assert not optional("0 if null == x else x + 1")
    assert optional("x if x == null else 0") and optional("x + 0 if true else x")
    # inside a quantifier, x is its variable, which the condition outside says nothing of
    assert analyzer.infer(expr("[x for x in xs] if x != null else [0]"), scope).elem == number
    # only `x + 0`, read where x may be null, and the variable that hides the parameter x
    found = [(d.span.col, d.message.split(",")[0]) for d in analyzer.diag.items]
    assert found == [
        (1, "'x' is an optional parameter with no default: a call may leave it out"),
        (8, "'x' is already a parameter"),
    ]
