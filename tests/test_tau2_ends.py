"""How an episode ended, and what a tau2 round trip keeps.

tau2-bench gives reward 0 to a simulation not ended by ``user_stop`` or ``agent_stop``; so does
every verdict here, for native and imported specs alike (a read-only task cut at the turn limit
passed, and its export said reward 1.0 with ``max_steps``). A re-judged tau2 run keeps its
run-level and per-message fields, and writes them back on export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.tau2.export import export_results
from eigendsl.tau2.importer import import_tau2
from eigendsl.tau2.rejudge import import_results
from tests.test_tau2_import import TAU2_RETAIL, _compile, needs_tau2

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Path]:
    folder = tmp_path_factory.mktemp("tau2ends") / "spec"
    import_tau2(TAU2_RETAIL, folder, nl="advisory")
    return _compile(folder)[0], folder


@pytest.fixture(scope="module")
def tau2_tasks() -> dict[str, dict[str, Any]]:
    tasks = json.loads((TAU2_RETAIL / "tasks.json").read_text(encoding="utf-8"))
    return {t["id"]: t for t in tasks}


def _play(domain: Domain, task_id: str, max_turns: int | None = None) -> dict[str, Any]:
    user = ScriptedUser(domain.stop_marker)
    task = domain.task(task_id)
    return run_episodes(domain, [task], ScriptedAgent(), user, max_turns=max_turns)[0]


@needs_tau2
def test_an_episode_cut_at_the_turn_limit_fails(spec: tuple[Domain, Path]) -> None:
    """Task 10's gold plan writes nothing: the untouched database is the gold one, and the
    episode cut after two turns passed (tau2: max_steps, reward 0)."""
    domain = spec[0]
    row = _play(domain, "tau2-10", max_turns=2)
    assert row["end_reason"] == "turn_limit"
    verdict = row["verdict"]
    assert verdict["passed"] is False and verdict["score"] == 0.0 and verdict["turn_limit"]
    assert verdict["check"]["passed"]  # the check's own result is kept
    assert verdict["failures"][-1]["reason"] == (
        "the conversation ended at the turn limit (2 turns) before the user ended it"
    )
    results = export_results([row], {"10": {"id": "10", "user_scenario": {"instructions": ""}}})
    (sim,) = results["simulations"]
    assert sim["termination_reason"] == "max_steps" and sim["reward_info"]["reward"] == 0.0
    whole = _play(domain, "tau2-10")
    assert whole["end_reason"] == "stop" and whole["verdict"]["passed"]


def test_native_turn_limit_fails_in_the_summary() -> None:
    result = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "3", "--json"])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["passed"] == 0
    assert (
        summary["failures"][
            "the conversation ended at the turn limit (3 turns) before the user ended it"
        ]
        == summary["episodes"]
    )


def _results(domain: Domain, tau2_tasks: dict[str, Any], task_id: str = "tau2-0") -> dict:
    row = _play(domain, task_id)
    assert row["verdict"]["passed"]
    return json.loads(json.dumps(export_results([row], tau2_tasks)))


@needs_tau2
def test_rejudged_runs_not_ended_by_a_stop_fail(
    spec: tuple[Domain, Path], tau2_tasks: dict[str, Any]
) -> None:
    domain = spec[0]
    results = _results(domain, tau2_tasks)
    (sim,) = results["simulations"]
    reasons = ["user_stop", "agent_stop", "max_steps", "too_many_errors", "agent_error"]
    reasons += ["invalid_agent_message", "user_error", "context_window_exceeded", "timeout"]
    results["simulations"] = [{**sim, "termination_reason": r} for r in reasons]
    results["info"]["max_steps"] = 200
    rows = import_results(results, domain)
    assert [r["verdict"]["passed"] for r in rows] == [True, True] + [False] * 7
    assert all(r["verdict"]["score"] == 0.0 for r in rows[2:])
    assert rows[2]["verdict"]["failures"][-1]["reason"] == (
        "the conversation ended at the turn limit (200 steps: tau2's max_steps) before the user "
        "ended it"
    )
    assert rows[3]["end_reason"] == "too_many_errors"
    assert "tau2 ended the simulation by too_many_errors" in str(rows[3]["verdict"]["failures"])
    exported = export_results(rows, tau2_tasks)["simulations"]
    assert [s["termination_reason"] for s in exported] == reasons
    assert [s["reward_info"]["reward"] for s in exported] == [1.0, 1.0] + [0.0] * 7
    results["simulations"] = [{**sim, "termination_reason": "finished"}]
    with pytest.raises(EigenError, match=r"r\.json: simulations\[0\] ended by termination_reason "):
        import_results(results, domain, source="r.json")
    with pytest.raises(EigenError, match="user_stop, agent_stop, max_steps"):
        import_results(results, domain, source="r.json")


@needs_tau2
@pytest.mark.parametrize("results", [{}, {"info": {}, "tasks": []}, {"users": {}}])
def test_a_file_without_simulations_is_refused(spec: tuple[Domain, Path], results: dict) -> None:
    with pytest.raises(EigenError, match=r'db\.json: it has no "simulations"'):
        import_results(results, spec[0], source="db.json")


@needs_tau2
def test_roles_tau2_lacks_are_refused_and_what_is_left_out_said(
    spec: tuple[Domain, Path], tau2_tasks: dict[str, Any]
) -> None:
    domain = spec[0]
    results = _results(domain, tau2_tasks)
    sim = results["simulations"][0]
    odd = {**sim, "messages": [{"role": "narrator", "content": "x"}, *sim["messages"]]}
    with pytest.raises(EigenError, match=r'simulations\[0\]\.messages\[0\] has the role "narr'):
        import_results({"simulations": [odd]}, domain, source="r.json")
    said: list[str] = []
    system = {**sim, "messages": [*sim["messages"][:2], {"role": "system", "content": "x"}]}
    import_results({"simulations": [system, {**sim, "messages": None}]}, domain, warn=said.append)
    assert "simulations[0].messages[2] is a system message" in said[0]
    assert "simulations[1] has no messages" in said[1]


@needs_tau2
def test_a_round_trip_keeps_the_run_level_and_message_fields(
    spec: tuple[Domain, Path], tau2_tasks: dict[str, Any]
) -> None:
    domain = spec[0]
    results = _results(domain, tau2_tasks)
    results["info"].update(git_commit="abc123", max_steps=200, seed=300)
    results["info"]["agent_info"] = {"implementation": "llm_agent", "llm": "gpt-4.1"}
    sim = results["simulations"][0]
    sim.update(id="uuid-1", start_time="2025-06-01T10:00:00", duration=10.12, agent_cost=0.01)
    sim.update(seed=300, user_cost=0.004)
    for number, message in enumerate(sim["messages"]):
        message.update(timestamp=f"2025-06-01T10:00:{number:02d}", cost=0.001)
    back = export_results(import_results(results, domain), tau2_tasks)
    assert back["info"] == results["info"]
    again = back["simulations"][0]
    for key in ("id", "start_time", "duration", "agent_cost", "user_cost", "seed"):
        assert again[key] == sim[key], key
    assert [m["timestamp"] for m in again["messages"]] == [m["timestamp"] for m in sim["messages"]]
    assert [m.get("cost") for m in again["messages"]] == [0.001] * len(sim["messages"])


@needs_tau2
def test_export_refuses_episodes_of_tasks_not_given(
    spec: tuple[Domain, Path], tau2_tasks: dict[str, Any], tmp_path: Path
) -> None:
    traces = tmp_path / "native.jsonl"
    mini = load_domain(MINI)
    user = ScriptedUser(mini.stop_marker)
    row = run_episodes(mini, mini.tasks[:1], ScriptedAgent(), user, gold=GoldCache(mini))[0]
    traces.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["export", "tau2", str(traces), "-o", str(out), "--tau2-tasks", str(TAU2_RETAIL)]
    )
    assert result.exit_code == 1, result.output
    assert f"is of task '{row['task_id']}'" in result.output and "--tau2-tasks" in result.output
    assert not out.exists()
    # without --tau2-tasks, and with the spec: the policy and the turn limit are in `info`
    result = CliRunner().invoke(
        main, ["export", "tau2", str(traces), "-o", str(out), "--spec", str(MINI)]
    )
    assert result.exit_code == 0, result.output
    info = json.loads((out / "results.json").read_text())["info"]
    assert info["max_steps"] == mini.max_turns and "# Policy" in info["environment_info"]["policy"]


@needs_tau2
def test_export_checks_actions_and_strings_outside_the_basis(
    spec: tuple[Domain, Path], tau2_tasks: dict[str, Any]
) -> None:
    """tau2's ALL evaluation fills action_checks and communicate_checks whatever the basis."""
    domain = spec[0]
    row = _play(domain, "tau2-0")
    reward = export_results([row], tau2_tasks)["simulations"][0]["reward_info"]
    assert "ACTION" not in reward["reward_basis"]
    checks = reward["action_checks"]
    assert len(checks) == len(tau2_tasks["0"]["evaluation_criteria"]["actions"])
    assert all(c["action_match"] for c in checks)
    empty = export_results([{**row, "messages": []}], tau2_tasks)["simulations"][0]
    assert not any(c["action_match"] for c in empty["reward_info"]["action_checks"])


def test_integer_task_ids_are_refused(tmp_path: Path) -> None:
    from tests.test_tau2_import import tiny_folder

    folder = tiny_folder(tmp_path)
    tasks = json.loads((folder / "tasks.json").read_text())
    tasks[0]["id"] = 0
    (folder / "tasks.json").write_text(json.dumps(tasks))
    with pytest.raises(EigenError, match="the task at index 0: id is a number; write a string"):
        import_tau2(folder, tmp_path / "spec")
