"""``docs/dsl-reference.md``, the checker DSL's reference card, kept in step with the code: each
function the type checker knows (``functions.FUNCTIONS``) has a row in its table and no row
names one it does not know, each quantifier of the grammar and each name the DSL provides is
listed, and each example (the ```` ```chk ```` blocks and the expressions of its tables) parses
with the project's parser and compiles against the retail spec (with ``today`` and ``now`` set).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eigendsl.compiler import analyze
from eigendsl.dsl.functions import FUNCTIONS
from eigendsl.dsl.lets import PROVIDED
from eigendsl.dsl.parser import parse, parse_expression
from eigendsl.errors import EigenError
from tests.conftest import ROOT, copy_spec, edit

DOC = ROOT / "docs" / "dsl-reference.md"
TEXT = DOC.read_text(encoding="utf-8")
CHK_BLOCKS = re.findall(r"^```chk\n(.*?)^```$", TEXT, re.S | re.M)


def section(title: str) -> str:
    """The text of the section headed ``title`` (any level), up to the next heading of its level
    or above."""
    match = re.search(rf"^(#+) {re.escape(title)}$", TEXT, re.M)
    assert match is not None, f"docs/dsl-reference.md has no section '{title}'"
    body = TEXT[match.end() :]
    end = re.search(rf"^#{{1,{len(match.group(1))}}} ", body, re.M)
    return body[: end.start()] if end else body


def rows(title: str) -> list[list[str]]:
    """The cells of each row of the tables of a section, the header and rule left out."""
    found = []
    for line in section(title).splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        found.append(cells)
    return [r for r in found if r and r[0].startswith("`")]  # header rows are plain words


def code(cell: str) -> str:
    """The text of a cell that is one code span."""
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell[1:-1]


FUNCTION_ROWS = rows("Built-in functions")
FORM_ROWS = rows("Forms")
EXAMPLES = [code(r[2]) for r in FUNCTION_ROWS] + [code(r[2]) for r in FORM_ROWS]


def test_every_function_the_type_checker_knows_has_a_row() -> None:
    documented = {
        name for r in FUNCTION_ROWS for name in re.findall(r"`(\w+)\(", r[0].replace("` ", "`"))
    }
    assert not set(FUNCTIONS) - documented, "functions missing from docs/dsl-reference.md"
    assert not documented - set(FUNCTIONS), "rows of functions the type checker does not know"


def test_every_quantifier_and_provided_name_is_listed() -> None:
    grammar = (ROOT / "grammar" / "checker.lark").read_text(encoding="utf-8")
    quantifiers = re.search(r"QUANT\.\d+: /\((.*?)\)", grammar)
    assert quantifiers is not None
    forms = " ".join(r[0] for r in FORM_ROWS)
    for word in quantifiers.group(1).split("|"):
        assert f"`{word}(" in forms or f"{word}(...)" in forms, word
    names = {code(r[0]) for r in rows("Names in scope") if r[0].count("`") == 2}
    assert not set(PROVIDED) - names, "names the DSL provides missing from the scope table"


@pytest.mark.parametrize("index", range(len(CHK_BLOCKS)))
def test_each_chk_block_parses(index: int) -> None:
    parse(CHK_BLOCKS[index], f"dsl-reference-{index}.chk")


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_table_example_parses(example: str) -> None:
    parse_expression(example, "dsl-reference")


def test_the_examples_compile_against_retail(tmp_path: Path) -> None:
    assert len(CHK_BLOCKS) >= 5 and len(EXAMPLES) >= len(FUNCTIONS)
    spec = copy_spec(ROOT / "specs" / "retail", tmp_path / "retail")
    clock = 'policy: policy.md\ntoday: 2025-06-10\nnow: "09:30"\n'  # for the date and time examples
    edit(spec, "domain.yaml", "\npolicy: policy.md\n", "\n" + clock)
    checks = [
        f"check reference_example_{i}(order_id: string, user_id: string):\n"
        f"    let value = {example}\n"
        "    require value == value\n"
        for i, example in enumerate(EXAMPLES)
    ]
    extra = tmp_path / "reference.chk"
    extra.write_text("\n".join([*CHK_BLOCKS, *checks]), encoding="utf-8")
    analyze(spec, extra=[extra])  # raises EigenError with every error found


def test_the_scope_table_says_where_constants_are_read(mini: Path) -> None:
    """Newcomer F's M1: one column said "template `from:`, tool body" and "no" for constants,
    but a `from:` reads them; a tool body reads them too (it did not before)."""
    table = [line for line in section("Names in scope").splitlines() if line.startswith("|")]
    header, row = (
        [c.strip() for c in line.strip("|").split("|")]
        for line in (table[0], next(t for t in table if t.startswith("| the constants |")))
    )
    said = dict(zip(header, row, strict=True))
    assert (said["template `from:`"], said["tool body"]) == ("yes", "yes")
    edit(
        mini,
        "checks/main.chk",
        "guard cancel_order:",
        'let open = "pending"\n\nguard cancel_order:',
    )
    edit(mini, "tasks/cancel.yaml", 'where o.status == "pending"\'', "where o.status == open'")
    analyze(mini)  # the from: reads the constant
    edit(mini, "domain.yaml", "set: {email: email}", "set: {email: open}")
    analyze(mini)  # the tool body reads it
    edit(mini, "domain.yaml", "set: {email: open}", "set: {email: opn}")
    with pytest.raises(EigenError, match="unknown name 'opn'; did you mean 'open'"):
        analyze(mini)
