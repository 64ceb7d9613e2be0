"""The checker DSL parser: tree shapes, precedence, spans, embedded expressions, syntax errors."""

from __future__ import annotations

import pytest

from eigendsl.dsl import ast as A
from eigendsl.dsl.parser import parse, parse_expression, parse_query
from eigendsl.errors import EigenError, Span

SAMPLE = """\
# A comment before everything.
guard cancel_order:
    require db.orders[order_id].status == "pending" else "Only pending orders can be cancelled"

rule identify_first:   # trailing comment
    require called find_user before first(c in calls where "account" in c.tags)

check cancelled(order_id: string, reason, ids: list[string]):
    use identify_first
    require db == gold
    forbid called set_email
    require called cancel_order(order_id=order_id,
                                reason=reason)
    require (said "cancelled"
             or said "done")
    unchanged db.users
    score 0.5: called get_order(order_id=order_id)
"""


def expr(text: str) -> A.Expr:
    return parse_expression(text, "t.chk")


def syntax_error(text: str) -> str:
    with pytest.raises(EigenError) as info:
        parse(text, "t.chk")
    return str(info.value.diagnostics[0])


# ---------------------------------------------------------------------------- declarations


def test_declarations_and_statements() -> None:
    module = parse(SAMPLE, "s.chk")
    guard, rule, check = module.declarations
    assert isinstance(guard, A.Guard) and guard.tools == ("cancel_order",)
    assert guard.name_spans == (Span("s.chk", 2, 7, 2, 19),)
    assert guard.body[0].message == "Only pending orders can be cancelled"
    assert isinstance(rule, A.Rule) and rule.name == "identify_first"
    assert isinstance(check, A.Check) and check.name == "cancelled"
    assert [p.name for p in check.params] == ["order_id", "reason", "ids"]
    assert check.params[0].type == A.TypeRef(check.params[0].type.span, "string", None)
    assert check.params[1].type is None
    ids_type = check.params[2].type
    assert (ids_type.name, ids_type.arg.name) == ("list", "string")
    kinds = [type(s).__name__ for s in check.body]
    assert kinds == ["Use", "Require", "Forbid", "Require", "Require", "Unchanged", "Score"]
    assert check.body[0].name == "identify_first"
    assert check.body[6].weight == 0.5


def test_let_binds_a_name_to_an_expression() -> None:
    text = (
        "guard g:\n"
        "    let order = db.orders[\n"
        "        order_id]   # the order\n"
        "    let let_x = order.total\n"
        "    require let_x > 0\n"
    )
    let, second, require = parse(text, "t.chk").declarations[0].body
    assert isinstance(let, A.Let) and isinstance(second, A.Let) and isinstance(require, A.Require)
    assert (let.name, let.name_span) == ("order", Span("t.chk", 2, 9, 2, 14))
    assert let.span.line == 2 and let.span.col == 5
    assert let.source == "let order = db.orders[ order_id]"
    assert _shape(let.expr) == _shape(expr("db.orders[order_id]"))
    assert (second.name, second.expr.obj.id) == ("let_x", "order")


def _shape(node: object) -> object:
    """A node without its positions."""
    if isinstance(node, A.Node):
        return (type(node).__name__,) + tuple(
            _shape(v) for k, v in vars(node).items() if k not in ("span", "name_span")
        )
    if isinstance(node, tuple):
        return tuple(_shape(v) for v in node)
    return node


def test_statement_spans_and_normalized_source() -> None:
    check = parse(SAMPLE, "s.chk").declarations[2]
    called = check.body[3]
    # A statement continued inside parentheses keeps its first line and reads as one line.
    assert (called.span.line, called.span.col) == (12, 5)
    assert called.source == "require called cancel_order(order_id=order_id, reason=reason)"
    assert check.body[4].source == 'require (said "cancelled" or said "done")'
    assert isinstance(check.body[4].expr, A.BoolOp)


def test_statement_source_drops_comments_and_continuations() -> None:
    rule = parse(
        "rule r:\n"
        "    require a == '# kept'   # dropped\n"
        "    require (a  # dropped too\n"
        "             or b) \\\n"
        "        and c\n",
        "c.chk",
    ).declarations[0]
    assert [s.source for s in rule.body] == ["require a == '# kept'", "require (a or b) and c"]


def test_called_arguments_have_spans() -> None:
    check = parse(SAMPLE, "s.chk").declarations[2]
    called = check.body[3].expr
    assert isinstance(called, A.Called)
    assert called.tool == "cancel_order" and called.tool_span == Span("s.chk", 12, 20, 12, 32)
    assert called.arg_names == ("order_id", "reason")
    assert [(s.line, s.col) for s in called.arg_spans] == [(12, 33), (13, 33)]
    forbid = check.body[2].expr
    assert isinstance(forbid, A.Called) and forbid.arg_names == ()


def test_empty_and_comment_only_files() -> None:
    assert parse("", "e.chk").declarations == ()
    assert parse("# nothing here\n\n   \n", "e.chk").declarations == ()


def test_windows_line_endings_and_tabs() -> None:
    module = parse("rule r:\r\n\trequire 1 == 1\r\n\tforbid 2 == 3\r\n", "w.chk")
    rule = module.declarations[0]
    assert len(rule.body) == 2
    assert (rule.body[1].span.line, rule.body[1].span.col) == (3, 2)


def test_backslash_continues_a_line() -> None:
    rule = parse("rule r:\n    require 1 == \\\n        1\n", "c.chk").declarations[0]
    assert rule.body[0].source == "require 1 == 1"


# ---------------------------------------------------------------------------- expressions


def test_boolean_precedence() -> None:
    e = expr("a or b and not c")
    assert isinstance(e, A.BoolOp) and e.op == "or"
    assert isinstance(e.right, A.BoolOp) and e.right.op == "and"
    assert isinstance(e.right.right, A.Unary) and e.right.right.op == "not"


def test_arithmetic_precedence_and_literals() -> None:
    e = expr("1 + 2 * -3.5 % 4")
    assert isinstance(e, A.Binary) and e.op == "+"
    assert e.left == A.Literal(e.left.span, 1)
    mul = e.right
    assert isinstance(mul, A.Binary) and mul.op == "%"
    assert mul.left.op == "*" and isinstance(mul.left.right, A.Unary)
    assert mul.left.right.operand.value == 3.5
    assert [expr(t).value for t in ("true", "false", "null", "7", "'x'")] == [
        True,
        False,
        None,
        7,
        "x",
    ]


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("a == b", "=="),
        ("a != b", "!="),
        ("a <= b", "<="),
        ("a > b", ">"),
        ("a in b", "in"),
        ("a not in b", "not in"),
        ("a contains b", "contains"),
    ],
)
def test_comparisons(text: str, op: str) -> None:
    e = expr(text)
    assert isinstance(e, A.Compare) and e.op == op


def test_before_binds_looser_than_comparison() -> None:
    e = expr('user_said "yes" before first(c in calls where c.writes)')
    assert isinstance(e, A.Before)
    assert isinstance(e.left, A.Said) and e.left.role == "user"
    assert isinstance(e.right, A.Quantifier) and e.right.kind == "first"
    assert isinstance(expr("not a before b"), A.Unary)


def test_quantifiers() -> None:
    e = expr("all(o in db.orders where o.total > 1: o.status == 'pending')")
    assert isinstance(e, A.Quantifier)
    assert (e.kind, e.var) == ("all", "o")
    assert isinstance(e.source, A.Attribute) and isinstance(e.where, A.Compare)
    assert isinstance(e.body, A.Compare)
    count = expr("count(c in calls)")
    assert count.kind == "count" and count.where is None and count.body is None
    assert expr("sum(o in db.orders: o.total)").body is not None
    assert expr("last(m in messages where m.role == 'user').content").name == "content"


def test_postfix_chains_and_collections() -> None:
    e = expr("db.orders[order_id].items[0].price")
    assert isinstance(e, A.Attribute) and e.name == "price"
    assert isinstance(e.obj, A.Index) and e.obj.key.value == 0
    lst = expr("[1, 'a', x]")
    assert isinstance(lst, A.ListLit) and len(lst.items) == 3
    assert expr("[]").items == ()
    obj = expr("{a: 1, 'b c': 2}")
    assert isinstance(obj, A.ObjectLit) and obj.keys == ("a", "b c")
    func = expr("max(1, 2, 3)")
    assert isinstance(func, A.Func) and len(func.args) == 3
    assert expr("len(calls)").args[0].id == "calls"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (r'"a\"b"', 'a"b'),
        (r"'it\'s'", "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"\u00e9t\u00e9"', "été"),
        (r'"\d"', "\\d"),
        ('"{x} {{y}}"', "{x} {{y}}"),
        ('"# not a comment"', "# not a comment"),
    ],
)
def test_string_literals(source: str, value: str) -> None:
    assert expr(source).value == value


@pytest.mark.parametrize(
    "name",
    [
        "first_name",
        "lastname",
        "counter",
        "summary",
        "allowed",
        "anything",
        "said_x",
        "user_saidx",
        "notable",
        "order_id",
        "in_stock",
        "before_date",
        "contains_x",
        "wherever",
        "null_ok",
        "true_value",
        "called_x",
        "uses",
        "requires",
        "scores",
        "letter",
        "let",
    ],
)
def test_names_that_start_with_a_keyword(name: str) -> None:
    # A keyword is never lexed as the prefix of a longer name.
    assert expr(name) == A.Name(Span("t.chk", 1, 1, 1, len(name) + 1), name)
    cmp = expr(f"{name} == x.{name}")
    assert cmp.left.id == name and cmp.right.name == name


def test_keyword_glued_to_a_name_is_an_error_not_another_expression() -> None:
    for text, token in (("a or_b", "or_b"), ("a andb", "andb"), ("a in_x", "in_x")):
        with pytest.raises(EigenError) as info:
            expr(text)
        assert str(info.value.diagnostics[0]).startswith(f"t.chk:1:3: unexpected '{token}'")


def test_expression_spans() -> None:
    e = expr("x.total + 10")
    assert e.span == Span("t.chk", 1, 1, 1, 13)
    assert e.right.span == Span("t.chk", 1, 11, 1, 13)
    assert e.left.name_span == Span("t.chk", 1, 3, 1, 8)


# ---------------------------------------------------------------------------- embedded text


def test_embedded_expression_is_shifted_to_its_place_in_the_file() -> None:
    e = parse_expression("a.b == 1", "d.yaml", line=7, col=15)
    assert e.span == Span("d.yaml", 7, 15, 7, 23)
    assert e.left.name_span == Span("d.yaml", 7, 17, 7, 18)
    with pytest.raises(EigenError) as info:
        parse_expression("a.b = 1", "d.yaml", line=7, col=15)
    assert str(info.value.diagnostics[0]).startswith("d.yaml:7:19: unexpected '='")


def test_origins_place_flattened_text_in_the_file() -> None:
    # A YAML scalar over two lines: each character's file position is given.
    text = "a.b\n  == c.dd"
    origins = [(4, 10), (4, 11), (4, 12), (4, 13)] + [(5, c) for c in range(1, 10)]
    e = parse_expression(text, "o.yaml", 4, 10, origins)
    assert (e.span.line, e.span.col) == (4, 10)
    assert e.right.name_span == Span("o.yaml", 5, 8, 5, 10)
    with pytest.raises(EigenError) as info:
        parse_expression("a.b\n  == ", "o.yaml", 4, 10, origins[:9])
    assert str(info.value.diagnostics[0]).startswith("o.yaml:5:6: the text ends too early")


def test_query() -> None:
    q = parse_query("o.order_id for o in db.orders where o.status == 'pending'", "q.yaml")
    assert q.var == "o" and isinstance(q.source, A.Attribute) and isinstance(q.where, A.Compare)
    single = parse_query("db.users['u1'].email", "q.yaml")
    assert single.var is None and single.source is None
    with pytest.raises(EigenError, match=r"^q.yaml:1:1: a 'for' comprehension is not allowed here"):
        parse_expression("x for x in y", "q.yaml")


def test_multi_line_query_text_is_joined() -> None:
    q = parse_query("o.order_id\n  for o in db.orders\n", "q.yaml", line=3, col=9)
    assert q.var == "o"


# ---------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("check c(:\n    require true\n", "t.chk:1:9: unexpected ':'; expected ')', a name"),
        ("rule r\n    require true\n", "t.chk:1:7: unexpected end of the line; expected ':'"),
        ("rule r:\nrequire true\n", "t.chk:2:1: unexpected 'require'; expected an indented block"),
        (
            "rule r:\n    require true\n      forbid false\n",
            "t.chk:3:7: unexpected change of indentation; expected 'forbid', 'judge', 'let', "
            "'require', 'score', 'unchanged', 'use', the end of the block",
        ),
        (  # a condition carried on to a deeper line: how to continue it
            "rule r:\n    require a\n      or b\n",
            "t.chk:3:7: unexpected change of indentation; expected 'forbid', 'judge', 'let', "
            "'require', 'score', 'unchanged', 'use', the end of the block; if this line goes on "
            "with the condition above, end the line above with '\\' (or put the condition in "
            "brackets)",
        ),
        (
            "rule r:\n    require a or\n      b\n",
            "t.chk:2:17: unexpected end of the line; expected '(', '-', '[', 'called', 'false', "
            "'not', 'null', 'true', ...; to go on with the condition on the next line, end this "
            "line with '\\' (or put the condition in brackets)",
        ),
        (
            "rule r:\n    require a || b\n",
            "t.chk:2:15: unexpected character '|'; write 'and', 'or', 'not' for boolean logic (and "
            "'!=' for inequality)",
        ),
        (
            "rule r:\n    require a ! b\n",
            "t.chk:2:15: unexpected character '!'; write 'and', 'or', 'not' for boolean logic (and "
            "'!=' for inequality)",
        ),
        (
            "rule r:\n    require 'open\n",
            "t.chk:2:13: this string is not closed; end it with the same quote on the same line",
        ),
        ("rule r:\n    require a ?? b\n", "t.chk:2:15: unexpected character '?'; expected "),
        (
            "rule r:\n    require (a == b\n",
            "t.chk:2:13: this '(' is never closed; close it before the end of the statement",
        ),
        (  # the next statement is read as more of the list: the '[' is what is wrong
            "rule r:\n    require [1, 2\n    forbid x\n",
            "t.chk:2:13: this '[' is never closed; close it before the end of the statement",
        ),
        (  # a bracket over several lines, wrong inside: the error where it is
            "rule r:\n    require all(c in calls where c.writes:\n        c.ok ==)\n",
            "t.chk:3:16: unexpected ')'; expected ",
        ),
        ("rule r:\n    require a ==\n", "t.chk:2:17: unexpected end of the line; expected "),
        (
            "rule r:\n    require true\n  require false\n",
            "t.chk:3:1: this line's indentation matches no enclosing block; indent statements by "
            "the same amount as the first one",
        ),
        (  # Lark counts a tab as 4 spaces, an editor as 2, 4 or 8: never among spaces
            "rule r:\n    require true\n\trequire false\n",
            "t.chk:3:1: a tab in this line's indentation, where its block is indented with "
            "spaces; indent with spaces only (or with the same characters as the rest of the "
            "block)",
        ),
        (  # deeper by a tab: "unexpected change of indentation", the tab not named
            "rule r:\n    require true\n    \trequire false\n",
            "t.chk:3:5: a tab in this line's indentation, where its block is indented with spaces",
        ),
        (  # a deeper block of tabs by spaces
            "rule r:\n\trequire true\n\t  require false\n",
            "t.chk:3:1: this line is indented with other characters than its block (tabs and "
            "spaces mixed)",
        ),
        (
            "rule r:\n\trequire true\n    require false\n",
            "t.chk:3:1: this line is indented with other characters than its block (tabs and "
            "spaces mixed); indent with spaces only",
        ),
        (
            "rules r:\n    require true\n",
            "t.chk:1:1: unexpected 'rules'; expected 'block', 'check', 'guard', 'let', 'rule', the "
            "end of the line, the end of the text",
        ),
        ("check c(a b):\n    require true\n", "t.chk:1:11: unexpected 'b'; expected "),
        ("rule r:\n    score high: true\n", "t.chk:2:11: unexpected 'high'; expected a number"),
        (
            "rule r:\n    require called f(a == 1)\n",
            "t.chk:2:25: unexpected '='; expected '(', '-', '[', '{', a name",
        ),
        (  # "unexpected change of indentation; expected ')', '*' ..."
            "rule r:\n    require true \\",
            "t.chk:2:18: this '\\' joins its line to the next one, but the file ends there: "
            "remove the '\\', or go on with the statement on the very next line",
        ),
        (  # "end this line with '\'", at the blank line
            "rule r:\n    require true and \\\n\n        false\n",
            "t.chk:2:22: this '\\' joins its line to the next one, but the next line is blank",
        ),
    ],
)
def test_syntax_errors(text: str, first_line: str) -> None:
    assert syntax_error(text).startswith(first_line)


@pytest.mark.parametrize(
    "text",
    [
        "rule r:\n    require true\n      forbid false\n",  # a statement indented too deep
        "guard g\n    require true\n",  # a declaration's line, not a condition's
    ],
)
def test_no_continuation_hint_where_nothing_was_continued(text: str) -> None:
    assert "go on with the condition" not in syntax_error(text)


def test_syntax_error_renders_the_line_with_a_caret() -> None:
    with pytest.raises(EigenError) as info:
        parse("rule r:\n    require a && b\n", "caret.chk")
    assert info.value.render() == (
        "caret.chk:2:15: unexpected character '&'; write 'and', 'or', 'not' for boolean logic (and "
        "'!=' for inequality)\n"
        "        require a && b\n"
        "                  ^"
    )


def test_invalid_escape_is_a_diagnostic() -> None:
    with pytest.raises(
        EigenError, match=r"^t.chk:2:18: invalid escape in string: .*truncated \\xXX escape"
    ):
        parse('rule r:\n    require said "\\x"\n', "t.chk")


def test_a_lone_surrogate_escape_in_a_string_is_an_error_at_it() -> None:
    """`require said "\\ud800"` compiled silently, though YAML text with a lone surrogate is an
    error: it is no character, no model's text can hold it. A pair is one character, as in YAML."""
    with pytest.raises(
        EigenError,
        match=r"^t\.chk:2:18: this string holds a lone surrogate \(\\udfff\), which is no "
        r"character and cannot be written as UTF-8; write the character itself, or both halves",
    ):
        parse('rule r:\n    require said "a\\udfffb"\n', "t.chk")
    with pytest.raises(EigenError, match=r"^t\.chk:2:14: this string holds a lone surrogate"):
        parse("rule r:\n    require {'\\ud800': 1} == {}\n", "t.chk")  # a key
    module = parse('rule r:\n    require said "\\ud83d\\ude00"\n', "t.chk")
    assert "'\U0001f600'" in repr(module.declarations[0].body)


def test_a_block_indented_with_tabs_only_parses() -> None:
    rule = parse("rule r:\n\trequire true\n\tforbid false\n", "t.chk").declarations[0]
    assert [type(s) for s in rule.body] == [A.Require, A.Forbid]


def test_a_byte_order_mark_is_not_part_of_the_text() -> None:
    """An editor's "UTF-8 with BOM" (YAML files take one): it was an unexpected character
    '\\ufeff'; the first line's columns count without it."""
    module = parse("\ufeffrule r:\n    require true\n", "t.chk")
    assert module.declarations[0].name_span == Span("t.chk", 1, 6, 1, 7)
    assert syntax_error("\ufeffrule r x:\n    require true\n").startswith(
        "t.chk:1:8: unexpected 'x'"
    )
