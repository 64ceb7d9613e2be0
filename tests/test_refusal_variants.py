"""Synthesis's ``<T>__refuse`` variants of retail's write templates: the user declines the write.
Their check only asked for the database unchanged and no write, so an agent that looked the
order up and ended (or said nothing at all) passed it, and GRPO, whose reward is the verdict,
trains on these variants: the do-nothing hack. The check now requires the write proposed with
the task's values and declined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import analyze, compile_domain
from eigendsl.lint.replay import execute, trajectory
from eigendsl.runtime.domain import Domain, load_compiled, load_domain
from eigendsl.runtime.environment import replay_gold
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.utterances import CLOSING
from eigendsl.synth.variants import SynthTask, refusal_template, task_file

RETAIL = Path(__file__).resolve().parent.parent / "specs" / "retail"
DONE = "No, that's all. Thank you! ###STOP###"
NEVER_PROPOSED = "the agent never proposed the write the user declined"


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    """Retail with a ``__refuse`` variant of each template whose user confirms a write, one task
    each with the template's first task's parameters."""
    retail = load_domain(RETAIL)
    writes = {name for name, tool in retail.tools.items() if tool.writes}
    infos = analyze(RETAIL)[3]
    templates, checks, tasks = {}, [], []
    for name, info in infos.items():
        first = next((t for t in retail.tasks if t["template"] == name), None)
        if not info.template.user.confirm or first is None:
            continue
        if not any(step.tool in writes for step in info.template.gold):
            continue
        entry, check = refusal_template(name, info.template, writes)
        templates[f"{name}__refuse"] = entry
        checks.append(check)
        tasks.append(SynthTask(f"{name}-refuse", f"{name}__refuse", first["params"], "refuse"))
    folder = tmp_path_factory.mktemp("variants")
    (folder / "tasks.yaml").write_text(task_file(templates, tasks), encoding="utf-8")
    (folder / "checks.chk").write_text("\n".join(checks), encoding="utf-8")
    extra = [folder / "tasks.yaml", folder / "checks.chk"]
    return load_compiled(compile_domain(RETAIL, extra=extra).files, RETAIL)


def refusals(domain: Domain) -> list[dict[str, Any]]:
    return [t for t in domain.tasks if t["template"].endswith("__refuse")]


def judged(domain: Domain, task: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    run = execute(domain, task, messages, replay_gold(domain, task)[0])
    return domain.judge(run.trace, task)


def test_the_refusal_check_names_the_declined_write_with_its_gold_arguments() -> None:
    retail = load_domain(RETAIL)
    writes = {name for name, tool in retail.tools.items() if tool.writes}
    template = analyze(RETAIL)[3]["cancel_pending"].template
    _, check = refusal_template("cancel_pending", template, writes)
    assert check.startswith("check cancel_pending__refuse(order_id, reason):\n")
    assert (
        'require declined("cancel_pending_order", {order_id: order_id, reason: reason}) else '
        f'"{NEVER_PROPOSED} (cancel_pending_order' in check
    )
    # a field of a parameter is the DSL's path to it
    template = analyze(RETAIL)[3]["modify_address_and_payment"].template
    _, check = refusal_template("modify_address_and_payment", template, writes)
    assert check.startswith("check modify_address_and_payment__refuse(order_id, new_address):\n")
    assert "{order_id: order_id, address1: new_address.address1, " in check


def test_a_lazy_agent_fails_a_refusal_variant_and_the_gold_dialogue_passes(
    variants: Domain,
) -> None:
    tasks = refusals(variants)
    assert len(tasks) >= 8
    rows = run_episodes(
        variants, tasks, ScriptedAgent(), ScriptedUser(variants.stop_marker), trials=1
    )
    for task, row in zip(tasks, rows, strict=True):
        assert row["verdict"]["passed"], (task["id"], row["verdict"]["failures"])
        messages = trajectory(row["messages"])
        # the agent reads what it needs, never proposes the write, and ends; or says nothing
        reads = [
            i
            for i, m in enumerate(messages)
            if any(
                not variants.tools[c["function"]["name"]].writes for c in m.get("tool_calls") or ()
            )
        ]
        looked_up = messages[: reads[-1] + 1] if reads else messages[:1]
        for lazy in (
            [
                *looked_up,
                {"role": "assistant", "content": CLOSING},
                {"role": "user", "content": DONE},
            ],
            messages[:1],
        ):
            verdict = judged(variants, task, lazy)
            assert not verdict["passed"], task["id"]
            failed = [f["reason"] for f in verdict["failures"]]
            assert any(r.startswith(NEVER_PROPOSED) for r in failed), (task["id"], failed)
