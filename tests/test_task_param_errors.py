"""A written task's wrong value is said at that value, not masked by a parameter derived from it;
a source that fails on some draws of a template has those draws drawn again (the README: only a
template none of whose draws fits is an error), with a warning at the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit
from tests.test_time_type import SEED, TASKS, with_times

FROM_START = """      start: {type: time, from: "db.orders[order_id].deliver_at"}
      at: {type: time, from: "add_minutes(start, 60)"}
"""
TASK = """tasks:
  - {id: late-1, template: reschedule, params: {order_id: "#1", start: "9:30"}}
"""


def test_a_wrong_value_is_said_before_what_is_derived_from_it(mini: Path, tmp_path: Path) -> None:
    with_times(mini)
    edit(
        mini,
        TASKS,
        '      at: {type: time, from: "add_minutes(db.orders[order_id].deliver_at, 60)"}\n',
        FROM_START,
    )
    edit(mini, TASKS, "    check: rescheduled\n", "    check: rescheduled\n" + TASK)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    errors = [str(d) for d in info.value.diagnostics]
    line = (mini / TASKS).read_text().splitlines().index(TASK.splitlines()[1]) + 1
    col = TASK.splitlines()[1].index('"9:30"') + 1
    assert errors == [
        f"mini/{TASKS}:{line}:{col}: task 'late-1': parameter 'start' is '9:30', which is not a "
        "time written HH:MM (24-hour, zero-padded: 09:30) (template 'reschedule')"
    ], errors


def test_draws_a_source_fails_on_are_drawn_again(mini: Path, tmp_path: Path) -> None:
    with_times(mini)
    edit(mini, SEED, "deliver_at: 18:45", 'deliver_at: "23:30"')  # #3: 23:30 + 60 fails
    result = compile_domain(mini, tmp_path / "out")
    warnings = [str(d) for d in result.warnings if "skipped" in d.message]
    assert len(warnings) == 1 and "23:30 plus 60 minutes is past 23:59" in warnings[0], warnings
    assert "order_id='#3'" in warnings[0] and "a 'where' in its 'from'" in warnings[0]
    tasks = [t for t in result.tasks if t["template"] == "reschedule"]
    assert tasks and all(t["params"] == {"order_id": "#1", "at": "10:30"} for t in tasks)
