"""Lint's ``unsatisfiable_said`` reads a check's ``said`` requirements through the blocks it
uses, each block's parameters bound to the use's arguments: a ``said`` no utterance can meet is
as unsatisfiable in a block as written in the check, and it read only the check's own."""

from __future__ import annotations

from pathlib import Path

from eigendsl.lint import LintReport, lint
from tests.conftest import MINI, copy_spec, edit

CHECK = """\
check cancelled(order_id: string, reason: string):
    use identify_first
    require db == gold
    require called cancel_order(order_id=order_id, reason=reason)
    require db.orders[order_id].status == "cancelled"
    require said "cancelled"
"""

BLOCKS = """\
block told(status: string):
    require said status

block told_twice(one: string, other: string):
    use told(one)
    let heard = said other
    require heard
"""


def _lint(tmp_path: Path, uses: str) -> LintReport:
    root = copy_spec(MINI, tmp_path / "mini")
    text = (root / "checks" / "main.chk").read_text(encoding="utf-8")
    start = text.index("check cancelled(")
    edit(
        root, "checks/main.chk", text[start:], CHECK.replace('    require said "cancelled"\n', uses)
    )
    edit(root, "checks/blocks.chk", None, BLOCKS)
    return lint(root, samples=1)


def _said_findings(report: LintReport) -> list[tuple[str, int, str]]:
    return [
        (Path(f.span.path).name, f.span.line, f.message)
        for f in report.findings
        if f.kind == "unsatisfiable_said"
    ]


def test_a_said_no_utterance_meets_is_found_in_the_block_a_check_uses(tmp_path: Path) -> None:
    report = _lint(tmp_path, '    use told_twice("cancelled", "refunded")\n')
    [(name, line, message)] = _said_findings(report)
    # the block's `require heard`, with `other` bound to "refunded"; `told("cancelled")` holds
    assert (name, line) == ("blocks.chk", 7)
    assert 'the agent never said "refunded"' in message
    assert 'block "told_twice", as check "cancelled" uses it' in message


def test_a_block_given_what_the_agent_says_is_no_finding(tmp_path: Path) -> None:
    assert _said_findings(_lint(tmp_path / "a", '    use told_twice("cancelled", "order")\n')) == []
    [(name, line, message)] = _said_findings(_lint(tmp_path / "b", '    use told("refunded")\n'))
    assert (name, line) == ("blocks.chk", 2) and 'block "told"' in message
