"""A syntax error in a checker file hides none of the file's other errors: the file is parsed
again declaration by declaration (:func:`eigendsl.dsl.parser.parse_file`), each declaration's
syntax error is reported, the declarations that parse are checked as any others, and a resync
at the next declaration brings no error of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.dsl.parser import parse_file
from eigendsl.errors import EigenError
from tests.conftest import edit

MORE = "checks/more.chk"


def _reported(spec: Path) -> list[str]:
    with pytest.raises(EigenError) as caught:
        compile_domain(spec)
    return [str(d) for d in caught.value.diagnostics]


def test_two_syntax_errors_in_two_checks_are_reported_in_one_run(mini: Path) -> None:
    more = (
        "check first():\n"
        "    require 1 = 1\n"
        "\n"
        "check second():\n"
        "    require (1 + 2\n"
        "    require said 'x'\n"
    )
    edit(mini, MORE, None, more)
    assert _reported(mini) == [
        "mini/checks/more.chk:2:15: unexpected '='; compare with '==' (a single '=' only names "
        "an argument of 'called' or binds the name of a 'let')",
        "mini/checks/more.chk:5:13: this '(' is never closed; close it before the end of the "
        "statement",
    ]


def test_a_syntax_error_and_an_unknown_name_in_another_check_are_both_reported(
    mini: Path,
) -> None:
    more = (
        "check first():\n"
        "    require called get_order(order_id=)\n"
        "\n"
        "check second(order_id: string):\n"
        "    require db.orders[order_id].stauts == 'pending'\n"
    )
    edit(mini, MORE, None, more)
    assert _reported(mini) == [
        "mini/checks/more.chk:2:39: unexpected ')'; expected '(', '-', '[', '{', a name, a "
        "number, a quantifier (all, any, count, sum, first, last), a string, ...",
        "mini/checks/more.chk:5:33: unknown field 'stauts' of table 'orders'; did you mean "
        "'status'?",
    ]


def test_a_type_error_above_a_syntax_error_is_reported_too(mini: Path) -> None:
    more = "let limit = 1 + 'a'\n\ncheck later():\n    require limit >\n"
    edit(mini, MORE, None, more)
    assert _reported(mini) == [
        "mini/checks/more.chk:1:17: '+' needs numbers, but this is a string",
        "mini/checks/more.chk:4:20: unexpected end of the line; expected '(', '-', '[', "
        "'called', 'false', 'null', 'true', '{', ...; to go on with the condition on the next "
        "line, end this line with '\\' (or put the condition in brackets)",
    ]


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        # a bracket closed by another, or left open: the next declaration is not read as more
        ("check a():\n    require len([1, 2) == 2\n", "2:22: unexpected ')'; expected ','"),
        (
            "check a():\n    require (1 == 1\n",
            "2:13: this '(' is never closed; close it before the end of the statement",
        ),
        # a body not indented, or indented unevenly
        ("check a():\nrequire true\n", "2:1: unexpected 'require'; expected an indented block"),
        (
            "check a():\n    require true\n  require false\n",
            "3:1: this line's indentation matches no enclosing block; indent statements by the "
            "same amount as the first one",
        ),
        # a declaration's head cut short, a word where a statement goes
        (
            "check a:\n    require true\n",
            "1:8: unexpected ':'; a check takes a list of parameters in brackets, even an empty "
            "one: check a(): (a rule and a block need none)",
        ),
        (
            "rule r:\n    requires true\n",
            "2:5: unexpected 'requires'; expected 'forbid', 'judge', 'let', 'require', 'score', "
            "'unchanged', 'use'",
        ),
        # a string not closed
        (
            "check a():\n    require said 'yes\n",
            "2:18: this string is not closed; end it with the same quote on the same line",
        ),
    ],
)
def test_no_error_follows_a_resync(broken: str, error: str) -> None:
    # the declarations after the broken one parse, and none of their lines is an error
    after = "\nlet after = 2\n\ncheck b():\n    require after == 2\n\nrule c:\n    forbid false\n"
    parsed = parse_file(broken + after, "x.chk")
    assert [str(d) for d in parsed.errors] == [f"x.chk:{error}"]
    names = [getattr(d, "name", None) for d in parsed.module.declarations]
    assert names == ["after", "b", "c"]
    start = len(broken.splitlines()) + 2
    assert [d.span.line for d in parsed.module.declarations] == [start, start + 2, start + 5]
    assert parsed.unparsed == broken.rstrip("\n")


def test_a_file_that_parses_is_parsed_once_as_a_whole() -> None:
    parsed = parse_file("let a = 1\ncheck b():\n    require a == 1\n", "x.chk")
    assert parsed.errors == () and parsed.unparsed == ""
    assert len(parsed.module.declarations) == 2


def test_a_line_a_backslash_joins_to_its_statement_starts_no_declaration() -> None:
    # 'check' at column 0, but the line above goes on into it: one declaration, one error
    text = "check a():\n    require true and \\\ncheck b():\n    require true\n"
    parsed = parse_file(text, "x.chk")
    assert [str(d.span) for d in parsed.errors] == ["x.chk:3:7"]
    assert parsed.module.declarations == ()
    assert parsed.unparsed == text.rstrip("\n")


def test_a_misspelt_constant_left_out_is_said_to_be_left_out(mini: Path) -> None:
    # nK4's M4: 'limit' is not unknown where it is used; 'limt' is said to mean it, and a name
    # like no other says which constant is missing
    more = (
        "let limit = 3 +\n"
        "\n"
        "check more(order_id: string):\n"
        "    require len(calls) < limit\n"
        "    require len(calls) < limt\n"
        "    require len(calls) < cap\n"
    )
    edit(mini, MORE, None, more)
    reported = _reported(mini)
    assert reported[0].startswith("mini/checks/more.chk:1:16: unexpected end of the line;")
    names = "order_id, calls, db, gold, initial, messages"
    assert reported[1:] == [
        "mini/checks/more.chk:5:26: unknown name 'limt'; did you mean 'limit'? (constant "
        "'limit' was left out for the syntax error at mini/checks/more.chk:1:16) Names here are "
        f"{names}",
        f"mini/checks/more.chk:6:26: unknown name 'cap'; names here are {names}; the constant "
        "limit was left out for the syntax error at mini/checks/more.chk:1:16",
    ]


def test_a_misspelt_keyword_starts_a_declaration_of_its_own(mini: Path) -> None:
    # nK4's L2: 'rul' at column 0 does not join the check above it, whose own error is found;
    # 'second' is left out as the rule it likely is, so the check that uses it is no error
    more = (
        "check first(order_id: string):\n"
        "    require db.orders[order_id].stauts == 'pending'\n"
        "\n"
        "rul second:\n"
        "    forbid false\n"
        "\n"
        "check third():\n"
        "    use second\n"
    )
    edit(mini, MORE, None, more)
    assert _reported(mini) == [
        "mini/checks/more.chk:2:33: unknown field 'stauts' of table 'orders'; did you mean "
        "'status'?",
        "mini/checks/more.chk:4:1: unknown declaration 'rul'; did you mean 'rule'? A "
        "declaration starts with block, check, guard, let or rule",
    ]


KEYWORDS = "A declaration starts with block, check, guard, let or rule"


@pytest.mark.parametrize(
    ("head", "error"),
    [
        ("chek a(x: int):", f"unknown declaration 'chek'; did you mean 'check'? {KEYWORDS}"),
        ("rul a:", f"unknown declaration 'rul'; did you mean 'rule'? {KEYWORDS}"),
        ("gaurd a, b:", f"unknown declaration 'gaurd'; did you mean 'guard'? {KEYWORDS}"),
        ("lett a = 1", f"unknown declaration 'lett'; did you mean 'let'? {KEYWORDS}"),
        (
            "def a():",
            "unknown declaration 'def'; a declaration starts with block, check, guard, let or rule",
        ),
    ],
)
def test_an_unknown_declaration_is_reported_at_its_first_word(head: str, error: str) -> None:
    # its lines (with their syntax error) are left out, the declarations around it read
    text = f"check a0():\n    require true\n{head}\n    require 1 ==\nrule z:\n    forbid false\n"
    parsed = parse_file(text, "x.chk")
    assert [str(d) for d in parsed.errors] == [f"x.chk:3:1: {error}"]
    assert [d.name for d in parsed.module.declarations] == ["a0", "z"]


def test_two_names_at_column_0_in_a_statement_start_no_declaration() -> None:
    # keywords are no declaration's name: a body not indented is the error, not 'require'
    parsed = parse_file("check a():\nrequire len(calls) == 0\n", "x.chk")
    assert [str(d) for d in parsed.errors] == [
        "x.chk:2:1: unexpected 'require'; expected an indented block"
    ]
