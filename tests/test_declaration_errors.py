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
