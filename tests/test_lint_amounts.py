"""Lint and the amounts an agent tells: a check that only requires ``said total`` passes an
agent that tells a made-up amount beside the right one, and lint's hedging mutation finds it
(``weak_check``, pointing to the stricter idiom); a gold ``say`` amount that no tool result
before it, nor the user, gave is a note (``unsourced_amount``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.lint import LintReport, lint
from eigendsl.lint.amounts import sourced
from tests.conftest import MINI, copy_spec, edit

SAY = '      - say: "Your order {{ order_id }} is cancelled."\n'
TOLD = '      - say: "Your order {{ order_id }} is cancelled; {{ total }} will be refunded."\n'
TOTAL = '      total: {type: float, from: "db.orders[order_id].total"}\n'
REASON = "      reason: {type: string, choices: [no longer needed, ordered by mistake]}\n"
SAID_TOTAL = '    require said "cancelled"\n    require said total\n'
README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_idiom() -> str:
    """The README's `amounts_told` block, under the `require said total` example."""
    text = README.read_text(encoding="utf-8")
    start = text.index("```\nblock amounts_told(") + len("```\n")
    return text[start : text.index("```", start)]


def _lint(tmp_path: Path, statements: str, total: str = TOTAL, blocks: str = "") -> LintReport:
    root = copy_spec(MINI, tmp_path / "mini")
    if blocks:
        edit(root, "checks/blocks.chk", None, blocks)
    edit(root, "tasks/cancel.yaml", REASON, REASON + total)
    edit(root, "tasks/cancel.yaml", SAY, TOLD)
    edit(
        root,
        "checks/main.chk",
        "check cancelled(order_id: string, reason: string):",
        "check cancelled(order_id: string, reason: string, total: float):",
    )
    edit(root, "checks/main.chk", '    require said "cancelled"\n', statements)
    return lint(root, samples=2)


def _hedged(report: LintReport) -> list[str]:
    return [
        f.message
        for f in report.findings
        if f.kind == "weak_check" and "made-up amount beside the right one" in f.message
    ]


def test_a_check_that_only_requires_said_total_is_weak_against_a_hedged_amount(
    tmp_path: Path,
) -> None:
    report = _lint(tmp_path, SAID_TOTAL)
    [message] = _hedged(report)
    assert message.startswith('check "cancelled" still passes when the agent tells a made-up')
    assert "20.0, or maybe 37.0" in message  # the refund told, and one made up beside it
    assert "`amounts_told`" in message and "neither the outcome nor a value a tool returned" in (
        message
    )
    assert report.strength("cancelled") < 1.0


def test_the_readmes_amounts_told_idiom_catches_the_hedged_amount(tmp_path: Path) -> None:
    weak = _lint(tmp_path / "weak", SAID_TOTAL)
    # the README's idiom, used as it says
    report = _lint(
        tmp_path / "strict",
        SAID_TOTAL + "    use amounts_told([total])\n",
        blocks=_readme_idiom(),
    )
    assert _hedged(report) == []
    # the same mutations counted; the hedge caught in each of the 3 tasks (mini's check leaves
    # a "no" unread in both)
    caught, counted = weak.scores["cancelled"]
    assert report.scores["cancelled"] == (caught + report.tasks, counted)


def test_a_check_that_does_not_read_the_amount_is_not_tried_with_a_hedged_one(
    tmp_path: Path,
) -> None:
    # the check reads no amount: telling another one beside the refund is no weakness of it
    report = _lint(tmp_path, '    require said "cancelled"\n')
    assert _hedged(report) == []


def test_a_gold_say_amount_no_tool_result_nor_the_user_gave_is_a_note(tmp_path: Path) -> None:
    report = _lint(tmp_path, SAID_TOTAL, total='      total: {type: float, from: "0.5"}\n')
    notes = [f for f in report.findings if f.kind == "unsourced_amount"]
    # at the template's say step, for its drawn tasks, and at the written task
    assert [(Path(f.span.path).name, f.span.line) for f in notes] == [
        ("cancel.yaml", 17),
        ("cancel.yaml", 20),
    ]
    assert {f.severity for f in notes} == {"info"}
    assert notes[0].message.startswith(
        'gold step 4 tells 0.5 ("Your order #1 is cancelled; 0.5 will be refunded." in 2 of 2 '
        "tasks, e.g. cancel-000), an amount that no tool result before it holds, nor the user's "
        "words"
    )
    assert '0.5 will be refunded." in cancel-ann)' in notes[1].message


def test_a_gold_say_amount_a_tool_returned_is_no_note(tmp_path: Path) -> None:
    report = _lint(tmp_path, SAID_TOTAL)
    assert [f for f in report.findings if f.kind == "unsourced_amount"] == []


@pytest.mark.parametrize(
    ("amount", "known", "expected"),
    [
        (20.0, [20.0], True),
        (313.99, [120.0, 193.99], True),  # a new balance: the old one plus the refund
        (0.0, [89.0, 89.0], True),  # a price difference of 0: one price told twice
        (0.0, [130.0, 260.0], False),  # a fee of 0 that no number gives
        (60.0, [120.0, 7.0], False),
    ],
)
def test_an_amount_is_sourced_by_a_number_told_or_a_sum_or_difference_of_two(
    amount: float, known: list[float], expected: bool
) -> None:
    assert sourced(amount, known) is expected
