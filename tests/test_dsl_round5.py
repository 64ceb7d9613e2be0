"""Round 5 (newcomer F) of the checker DSL checked against its reference card.

- H1: ``str(x)`` writes the DSL's spellings, ``true``, ``false``, ``null``, and a float in
  digits with no exponent (Python's ``True``, ``None`` and ``1e+20`` leaked into verdicts);
  ``lower`` and ``upper`` read a value as ``str`` writes it.
- M5: a comparison written after another (``1 < 2 < 3``, ``"a" in b == false``) is refused with
  a sentence that says so and how to bracket it; so is ``A before B == false``, which reads
  ``A before (B == false)``. A syntax error lists no closing bracket of none that is open.
- M6: ``int("3.7")`` and ``float("about 3")`` fail with a sentence, not Python's ``ValueError``;
  ``int(true)`` is refused when compiled.
- M9: a block's unknown name is said with the block's name, and the check it belongs to is one
  that uses the block when one does.
- L4-L7: ``min``/``max`` with too many values, ``check c:``, ``use nosuch`` and ``1.5e3`` each
  get a sentence with the fix.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import eigendsl.support as rt
from eigendsl.codegen.pyexpr import ExprCompiler
from eigendsl.compiler import analyze
from eigendsl.dsl.parser import parse_expression
from eigendsl.errors import EigenError
from eigendsl.support import EvalError, describe_error
from tests.conftest import edit

CHK = "checks/main.chk"


def evaluate(text: str) -> Any:
    """A DSL expression of literals, compiled as a verifier compiles it, and evaluated."""
    compiled = ExprCompiler(table_rows={}).compile(parse_expression(text, "x.chk"))
    code = compile(ast.fix_missing_locations(ast.Expression(compiled)), "x", "eval")
    return eval(code, {"rt": rt})


def errors(mini: Path, snippet: str) -> list[str]:
    """The compile's diagnostics, with ``snippet`` added to the mini spec's checker file."""
    edit(mini, CHK, None, (mini / CHK).read_text(encoding="utf-8") + "\n" + snippet)
    with pytest.raises(EigenError) as caught:
        analyze(mini)
    return [str(d) for d in caught.value.diagnostics]


# ---------------------------------------------------------------------------- H1: str()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("str(true)", "true"),
        ("str(false)", "false"),
        ("str(null)", "null"),
        ("str(12)", "12"),
        ("str(1.5)", "1.5"),
        ("str(2.0)", "2.0"),
        ("str(100000000000.0 * 10000000000.0)", "1000000000000000000000.0"),
        ("str(1.0 / 100000)", "0.00001"),
        ('str([1, "a", true, null])', '[1, "a", true, null]'),
        ('str({paid: false, "note": null})', '{"paid": false, "note": null}'),
        ('str("as is")', "as is"),
        ("lower(null)", "null"),
        ("upper(true)", "TRUE"),
    ],
)
def test_str_writes_values_as_the_dsl_does(text: str, expected: str) -> None:
    assert evaluate(text) == expected


def test_str_of_a_flag_matches_the_dsl_word() -> None:
    assert evaluate('str(1 < 2) == "true"') is True
    assert evaluate('says("the flag is true", str(1 < 2))') is True
    assert rt.text_of(None) == "null"
    assert rt.text_of([None, {"a": [True]}]) == '[null, {"a": [true]}]'


# ---------------------------------------------------------------------------- M6: int(), float()


def test_int_of_decimal_text_says_what_to_write() -> None:
    with pytest.raises(EvalError) as caught:
        evaluate('int("3.7")')
    reason = describe_error(caught.value)
    assert reason == (
        "int() of '3.7': the text is no whole number; for its whole part write int(float(x)), "
        "to round it round(float(x))"
    )
    assert "ValueError" not in reason
    assert evaluate('int(float("3.7"))') == 3 and evaluate('int(" 42 ")') == 42
    assert evaluate("int(3.9)") == 3 and evaluate('float("2.5")') == 2.5


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        ("int_of", "three", "int() of 'three': the text is no number"),
        ("int_of", "1_000", "int() of '1_000': the text is no number"),
        ("int_of", None, "int() takes a number or a text, not null"),
        ("float_of", "about 3", "float() of 'about 3': the text is no number"),
        ("float_of", "nan", "float() of 'nan': the text is no number"),
        ("float_of", True, "float() takes a number or a text, not true"),
    ],
)
def test_conversions_of_what_is_no_number_say_so(call: str, value: Any, message: str) -> None:
    with pytest.raises(EvalError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        getattr(rt, call)(value)


def test_int_of_a_flag_is_refused_when_compiled(mini: Path) -> None:
    assert errors(mini, "check a():\n    require int(1 < 2) == 1 and float(null) == 0\n") == [
        "mini/checks/main.chk:20:17: int() takes a number or a text that writes one, not a bool",
        "mini/checks/main.chk:20:39: float() takes a number or a text that writes one, not null",
    ]


# ---------------------------------------------------------------------------- M5: chains

_CHAINED = (
    "the DSL takes one comparison at a time (a < b < c is no chain, and a in b == false does "
    "not compare what 'in' gives): put the first comparison in brackets, (a in b) == false, or "
    "join two with 'and', (a < b) and (b < c)"
)


@pytest.mark.parametrize(
    ("condition", "column", "token"),
    [
        ("1 < 2 < 3", 19, "<"),
        ('"port" in "Portland" == false', 34, "=="),
        ('"a" in "b" not in "c"', 24, "not"),
        ('all(c in calls: c.tool == "a" == "b")', 43, "=="),
    ],
)
def test_a_chained_comparison_says_to_bracket_it(
    mini: Path, condition: str, column: int, token: str
) -> None:
    assert errors(mini, f"check a():\n    require {condition}\n") == [
        f"mini/checks/main.chk:20:{column}: unexpected '{token}' after a comparison; {_CHAINED}"
    ]


def test_a_chained_before_says_to_join_two(mini: Path) -> None:
    condition = 'called find_user before called get_order before said "x"'
    found = errors(mini, f"check a():\n    require {condition}\n")
    assert found == [
        "mini/checks/main.chk:20:54: unexpected 'before' after a 'before'; 'before' orders two "
        "events, no more (A before B before C is no chain): join two with 'and', "
        "(A before B) and (B before C)"
    ]


def test_a_comparison_after_before_says_it_binds_tighter(mini: Path) -> None:
    found = errors(
        mini, "check a():\n    require called find_user before called get_order == false\n"
    )
    assert found == [
        "mini/checks/main.chk:20:37: 'before' compares events: called ..., said ..., user_said "
        "..., a call, a message, or first(...)/last(...) of calls or messages; '==' binds "
        "tighter than 'before', so this reads called find_user before (called get_order == "
        "false): to compare what 'before' gives, put it in brackets, (called find_user before "
        "called get_order) == false"
    ]


def test_no_closing_bracket_is_expected_where_none_is_open(mini: Path) -> None:
    # a type's `list[...]` may follow a parameter's name, but no '[' is open to close
    found = errors(mini, "check a(x: string y: string):\n    require true\n")
    assert found == ["mini/checks/main.chk:19:19: unexpected 'y'; expected ')', ',', '['"]


# ---------------------------------------------------------------------------- M9: blocks


def test_a_block_s_unknown_name_names_the_block_and_the_check_that_uses_it(mini: Path) -> None:
    # `cancelled` (the mini spec's check) has `reason` and `order_id`; `outer` has `order_id`
    snippet = (
        "check outer(order_id: string):\n    use inner\n\n"
        'block inner:\n    require order_id == "x"\n    require reason == "y"\n'
    )
    why = (
        "a block sees only its parameters, its own lets and the spec's constants, not the names "
        "of the check that uses it; pass it as an argument, block inner(..., {0}: TYPE) and use "
        "inner(..., {0})"
    )
    assert errors(mini, snippet) == [
        "mini/checks/main.chk:23:13: unknown name 'order_id' in block 'inner' (a parameter of "
        "check 'outer', which uses the block): " + why.format("order_id"),
        "mini/checks/main.chk:24:13: unknown name 'reason' in block 'inner' (a parameter of "
        "check 'cancelled'; the block is used by check 'outer'): " + why.format("reason"),
    ]


# ---------------------------------------------------------------------------- low findings


def test_min_of_too_many_values_says_to_give_a_list(mini: Path) -> None:
    found = errors(mini, "check a():\n    require min(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) == 1\n")
    assert found == [
        "mini/checks/main.chk:20:13: min() takes 2 to 9 values, or one list of them, not 10; "
        "write more as one list: min([a, b, c, ...])"
    ]


def test_a_check_without_brackets_says_to_write_them(mini: Path) -> None:
    assert errors(mini, "check a:\n    require true\n") == [
        "mini/checks/main.chk:19:8: unexpected ':'; a check takes a list of parameters in "
        "brackets, even an empty one: check a(): (a rule and a block need none)"
    ]


def test_use_of_an_unknown_name_lists_the_rules_and_blocks(mini: Path) -> None:
    assert errors(mini, "check a():\n    use nosuch\n") == [
        "mini/checks/main.chk:20:9: unknown rule or block 'nosuch'; rules are confirm_writes, "
        "identify_first"
    ]


@pytest.mark.parametrize(
    ("number", "column", "exponent", "digits"),
    [("1.5e3", 16, "e3", "1500"), ("2E-3", 14, "E-3", "0.002")],
)
def test_a_number_with_an_exponent_says_how_to_write_it(
    mini: Path, number: str, column: int, exponent: str, digits: str
) -> None:
    found = errors(mini, f"check a():\n    require {number} > 1\n")
    mantissa = number[: -len(exponent)]
    assert found == [
        f"mini/checks/main.chk:20:{column}: unexpected '{exponent}' after the number {mantissa}: "
        f"the DSL writes numbers in digits, with no exponent; write {digits} for {number}"
    ]
