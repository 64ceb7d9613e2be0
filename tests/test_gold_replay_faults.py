"""A fault of a tool that a task's gold plan meets is recorded once, at the place it happened:
lint's solvability pass plays each gold plan as an episode, and replays it behind the episode
for the judge's gold database and, where a proposal states an amount it cannot account for, for
the amounts the scripted user accounts for (runtime/user_amounts.py). The replays met the
episode's faults again at the same steps, and the audit lint reports from held each of them
twice; a refusal, which only the episode's messages hold, was never told twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.lint import lint, tool_audit
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import Episode, run_episodes
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.tool_faults import ToolFault
from eigendsl.runtime.user_amounts import wrong_amount
from tests.conftest import edit
from tests.hand_agents import ListAgent, turn

CANCEL = '    order["status"] = "cancelled"\n'
# A proposal of the mini task "cancel-ann" with a refund its gold plan does not move: the
# scripted user replays the gold plan to look for the amount.
PROPOSAL = "Shall I cancel order #1 because it is no longer needed, refunding $999.00?"


def _audited(monkeypatch: pytest.MonkeyPatch) -> list[ToolFault]:
    """The faults lint's audit collects, as it hands them to its report."""
    found: list[ToolFault] = []
    report = tool_audit.report_faults

    def keep(ctx: Any, faults: list[ToolFault]) -> None:
        found.extend(faults)
        report(ctx, faults)

    monkeypatch.setattr(tool_audit, "report_faults", keep)
    return found


def test_lint_records_a_gold_plans_fault_once_at_the_episodes_call(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise ValueError('boom')\n")
    found = _audited(monkeypatch)
    report = lint(mini)
    tasks = [f.task for f in found]
    assert sorted(tasks) == sorted(set(tasks)) and len(tasks) == 4, found  # 1 written, 3 drawn
    assert all(f.call_id.startswith("call_") for f in found), found  # the episode's, no "gold2"
    faults = [f for f in report.findings if f.kind == "tool_exception"]
    assert len(faults) == 1 and "of 4 tasks" in faults[0].message


def test_a_fault_only_the_gold_replay_meets_is_still_recorded(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The conversation ends at its turn limit before the faulty call: only the judge's gold
    # replay makes it, and there the fault happened.
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise ValueError('boom')\n")
    edit(mini, "domain.yaml", "sampling: {", "user_simulator: {max_turns: 2}\nsampling: {")
    found = _audited(monkeypatch)
    report = lint(mini)
    assert found and all(f.call_id == "gold2" for f in found), found
    assert len({f.task for f in found}) == len(found) == 4
    assert [f.kind for f in report.findings].count("tool_exception") == 1


def _episode(domain: Any) -> Episode:
    """The mini task "cancel-ann" just after :data:`PROPOSAL`, its look-ups made."""
    task = domain.task("cancel-ann")
    episode = Episode(task, Environment(domain, task))
    episode.env.add_message({"role": "assistant", "content": PROPOSAL})
    return episode


def test_the_scripted_users_replay_records_no_fault(mini: Path) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise ValueError('boom')\n")
    domain = load_domain(mini)
    domain.audit = []  # as lint's solvability pass sets it
    cache: dict[str, set[float]] = {}
    assert wrong_amount(PROPOSAL, _episode(domain), cache) == 999.0
    assert "gold" in cache  # the user replayed the gold plan, and met the fault there
    assert domain.audit == []


def _played(domain: Any) -> dict[str, Any]:
    """An episode whose agent proposes :data:`PROPOSAL`, then the right one, and cancels."""
    agent = ListAgent(
        [
            turn("Could you give me your email?"),
            turn(None, ("find_user", {"email": "ann@example.com"})),
            turn(PROPOSAL),
            turn("Shall I cancel order #1 because it is no longer needed?"),
            turn(None, ("cancel_order", {"order_id": "#1", "reason": "no longer needed"})),
        ]
    )
    return run_episodes(
        domain, [domain.task("cancel-ann")], agent, ScriptedUser(domain.stop_marker)
    )[0]


def test_an_episodes_record_holds_each_fault_of_its_calls_once(mini: Path) -> None:
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise ValueError('boom')\n")
    row = _played(load_domain(mini))
    replies = [m["content"] for m in row["messages"] if m["role"] == "user"]
    assert "999.00 doesn't look right" in replies[2]  # the user's replay ran
    calls = [c["id"] for m in row["messages"] for c in m.get("tool_calls") or ()]
    assert [f["call_id"] for f in row["tool_faults"]] == [calls[-1]]


def test_a_refused_gold_step_is_told_once(mini: Path) -> None:
    # A refusal is no fault: only the episode's messages hold it, so no replay can tell it again.
    refusal = "    raise ToolError('order #1 is locked')\n"
    edit(mini, "tools.py", CANCEL, refusal + CANCEL)
    report = lint(mini)
    assert not [f for f in report.findings if f.kind.startswith("tool_")]
    told = [f.message for f in report.findings if "order #1 is locked" in f.message]
    assert len(told) == 2, told  # the written task's, and the template's drawn tasks' once
    assert any(m.startswith('task "cancel-ann"') for m in told)
    assert any(m.startswith('template "cancel"') and "[3 of 3 sampled" in m for m in told)
    row = _played(load_domain(mini))
    assert "tool_faults" not in row
    tool_texts = [m["content"] for m in row["messages"] if m["role"] == "tool"]
    assert sum("order #1 is locked" in t for t in tool_texts) == 1
