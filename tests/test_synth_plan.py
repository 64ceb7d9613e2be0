"""The workflow planner: the first generation covers every template, no template is planned
more dialogues than it has distinct tasks while another has tasks left, and recoveries are
planned only where one can pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.synth.generation import Synthesis, SynthSettings
from eigendsl.synth.planner import PlanItem, TemplateFacts, WorkflowPlanner

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "specs" / "retail"


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    """Retail's synthesis with recoveries asked for, before anything is played."""
    out = tmp_path_factory.mktemp("plan") / "run"
    return Synthesis(RETAIL, out, SynthSettings(per_generation=300, recover=0.25))


def counts(plan: list[PlanItem], kind: str = "single") -> dict[str, int]:
    return {i.templates[0]: i.count for i in plan if i.kind == kind}


def test_the_first_generation_plans_every_template(retail: Synthesis) -> None:
    # it planned the simpler half only: a run of one generation never had half the templates
    planner = WorkflowPlanner(retail.facts, seed=0)
    for total in (40, 300, 3000):
        plan = planner.plan(1, total, None)
        assert set(counts(plan)) == set(retail.templates), total
        assert sum(i.count for i in plan) == total


def test_a_template_gets_no_more_dialogues_than_its_tasks_while_others_have_room(
    retail: Synthesis,
) -> None:
    facts = retail.facts
    assert facts["cancel_processed_refused"].tasks == 4  # 6 processed orders, 2 held out
    plan = counts(WorkflowPlanner(facts, seed=0).plan(1, 300, None))
    assert all(plan[name] <= facts[name].tasks for name in plan)
    assert plan["cancel_processed_refused"] == 4 and plan["gift_card_balance"] == 9
    # the rest goes to the templates with more tasks, evenly
    room = {t: n for t, n in plan.items() if n < facts[t].tasks}
    assert sum(plan.values()) == 300 and max(room.values()) - min(room.values()) <= 1
    assert all(facts[t].tasks <= min(room.values()) for t in plan if t not in room)


def test_only_when_every_template_is_full_does_a_task_come_again() -> None:
    facts = {
        name: TemplateFacts(name, ("t",), False, 2, (), tasks)
        for name, tasks in (("few", 2), ("many", 50))
    }
    planner = WorkflowPlanner(facts, seed=0)
    assert counts(planner.plan(1, 40, None)) == {"few": 2, "many": 38}
    assert counts(planner.plan(1, 100, None)) == {"few": 26, "many": 74}


def test_recoveries_are_planned_only_where_one_can_pass(retail: Synthesis) -> None:
    facts = retail.facts
    # the user declines the write: there is no write to refuse
    assert facts["cancel_declined"].writes and not facts["cancel_declined"].recovers
    assert facts["exchange_items"].recovers and not facts["gift_card_balance"].recovers
    # a cancellation's only id is the order's: its wrong id is another customer's order, and a
    # write tried on it breaks one_user_per_conversation though the guard refuses it
    assert not facts["cancel_pending"].recovers
    plan = WorkflowPlanner(facts, seed=0, recover=0.25).plan(1, 300, None)
    recovered = counts(plan, "recover")
    assert sum(recovered.values()) == 75
    assert recovered and all(facts[name].recovers for name in recovered)
    assert "cancel_declined" not in recovered
