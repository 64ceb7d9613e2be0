"""lint's argument mutations take an argument's other values from the tasks where the seed data
stores none (a cancellation's reason, which no table keeps), as its ``untested_argument`` note
says: before, the note told an author that lint found no other value although the tasks held
several."""

from __future__ import annotations

from pathlib import Path

from eigendsl.lint import lint
from eigendsl.lint.values import ValueIndex, alternatives
from eigendsl.loader import load_spec
from eigendsl.runtime.domain import load_domain
from tests.conftest import MINI, edit

TOOL = """  flag_order:
    description: Flag an order for review, with a note.
    params:
      order_id: string
      note: string
    writes: true
    declare:
      update: db.orders[order_id]
      set: {status: '"cancelled"'}
"""

TEMPLATE = """  flag:
    description: Flag an order.
    params:
      order_id: {type: string, from: 'o.order_id for o in db.orders where o.status == "pending"'}
      note: {type: string, choices: [wrong size, arrived late]}
    user:
      reason: "Please flag order {{ order_id }}: {{ note }}."
      known: {order_id: "{{ order_id }}"}
    gold:
      - flag_order: {order_id: "{{ order_id }}", note: "{{ note }}"}
    check: {check}
"""

CHECKS = """
check flagged(order_id: string, note: string):
    require db == gold

check flagged_with_note(order_id: string, note: string):
    require db == gold
    require called flag_order(order_id=order_id, note=note)
"""


def test_an_argument_no_table_stores_takes_the_tasks_values() -> None:
    domain = load_domain(MINI)
    tasks = [{"gold": [{"tool": "flag_order", "args": {"note": n}}]} for n in ("a", "b", 3)]
    index = ValueIndex(load_spec(MINI).spec, domain.seed, tasks)
    assert alternatives(index, {"type": "string"}, "note", "a") == ["b"]
    # where the seed stores the field, its values, as before
    assert alternatives(index, {"type": "string"}, "email", "ann@example.com") == [
        "bob@example.com"
    ]


def test_lint_mutates_an_unstored_argument_with_the_tasks_values(mini: Path) -> None:
    edit(mini, "domain.yaml", "checkers:", TOOL + "checkers:")
    first, second = (
        TEMPLATE.replace("{check}", "flagged"),
        TEMPLATE.replace("{check}", "flagged_with_note").replace("  flag:", "  flag_with_note:"),
    )
    edit(mini, "tasks/cancel.yaml", "tasks:\n", first + second + "tasks:\n")
    checks = mini / "checks" / "main.chk"
    checks.write_text(checks.read_text(encoding="utf-8") + CHECKS, encoding="utf-8")
    report = lint(mini)
    assert report.errors == [], [str(f) for f in report.errors]
    untested = [f.message for f in report.findings if f.kind == "untested_argument"]
    assert not [m for m in untested if '"note"' in m], untested
    weak = [f.message for f in report.findings if f.kind == "weak_check"]
    # the check that reads no note is told so; the one that requires it catches the change
    assert any(
        m.startswith('check "flagged" still passes when "flag_order" is called with "note" set to')
        for m in weak
    ), weak
    assert not any(m.startswith('check "flagged_with_note"') and '"note" set' in m for m in weak)
