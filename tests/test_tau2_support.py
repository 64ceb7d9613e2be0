"""What of a tau2 task `eigendsl import tau2` cannot express is said at its place in tasks.json and
never becomes a check that passes every agent: an unknown reward type is an error, graded
environment assertions and an ``initial_state`` leave the task out (or the part out, with a
warning), unknown fields are warned of, and gold steps tau2's own tools refuse are matched as
tau2's action check matches them (a refused call counted), so ACTION leaves the task solvable."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.tau2.importer import import_tau2
from tests.test_tau2_import import tiny_folder


def _folder(tmp_path: Path, *edits: Any) -> Path:
    """The tiny retail folder with one task per edit (ids t0, t1, ...), each edit a function
    that changes its copy of the task."""
    folder = tiny_folder(tmp_path)
    (task,) = json.loads((folder / "tasks.json").read_text())
    tasks = []
    for index, edit in enumerate(edits):
        one = copy.deepcopy(task)
        one["id"] = f"t{index}"
        one["evaluation_criteria"]["reward_basis"] = ["DB"]
        edit(one)
        tasks.append(one)
    (folder / "tasks.json").write_text(json.dumps(tasks, indent=4))
    return folder


def _import(folder: Path, spec: Path) -> Any:
    return CliRunner().invoke(main, ["import", "tau2", str(folder), "-o", str(spec)])


def _where(folder: Path, key: str, task: str = "") -> str:
    """``tasks.json:line:col`` of the first ``"key"`` (after the id of ``task``)."""
    text = (folder / "tasks.json").read_text()
    offset = text.index(f'"{key}"', text.index(f'"id": "{task}"') if task else 0)
    line = text.count("\n", 0, offset) + 1
    return f"tasks.json:{line}:{offset - text.rfind(chr(10), 0, offset)}"


def _env(basis: list[str]) -> Any:
    def edit(task: dict[str, Any]) -> None:
        task["evaluation_criteria"]["reward_basis"] = basis
        task["evaluation_criteria"]["env_assertions"] = [
            {"env_type": "assistant", "func_name": "order_is_cancelled", "arguments": {}}
        ]

    return edit


def test_env_assertions_never_become_an_always_passing_check(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, lambda t: None, _env(["ENV_ASSERTION"]), _env(["DB", "ENV_ASSERTION"])
    )
    spec = tmp_path / "spec"
    result = _import(folder, spec)
    assert result.exit_code == 0, result.output
    assert (
        f"{_where(folder, 'ENV_ASSERTION', 't1')}: warning: task t1: ENV_ASSERTION "
        "(1 environment assertion) is all its reward basis grades" in result.output
    )
    assert "task t1:" in result.output and "the task is left out" in result.output
    assert (
        f"{_where(folder, 'ENV_ASSERTION', 't2')}: warning: task t2: ENV_ASSERTION "
        "(1 environment assertion) is not checked" in result.output
    )
    assert "left out 1 task that cannot be imported as tau2 grades it" in result.output
    checks = (spec / "checks" / "tau2.chk").read_text()
    assert "check tau2_t1" not in checks and "require true" not in checks
    assert "check tau2_t2():\n    require db == gold" in checks
    assert "# not checked: ENV_ASSERTION" in checks
    tasks = (spec / "tasks" / "tau2.yaml").read_text()
    assert "tau2-t1" not in tasks and "tau2-t2" in tasks


def test_nothing_to_check_says_why_tau2_rewards_it(tmp_path: Path) -> None:
    def empty(task: dict[str, Any]) -> None:
        task["evaluation_criteria"]["reward_basis"] = []

    spec = tmp_path / "spec"
    assert _import(_folder(tmp_path, empty), spec).exit_code == 0
    checks = (spec / "checks" / "tau2.chk").read_text()
    assert "require true  # an empty reward basis to check: tau2 gives reward 1" in checks


def test_unknown_reward_type_is_an_error_at_it(tmp_path: Path) -> None:
    def foo(task: dict[str, Any]) -> None:
        task["evaluation_criteria"]["reward_basis"] = ["DB", "ACTON"]

    folder = _folder(tmp_path, lambda t: None, foo)
    result = _import(folder, tmp_path / "spec")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        f"{_where(folder, 'ACTON')}: task t1: evaluation_criteria.reward_basis[1] is "
        '"ACTON", not one of tau2\'s reward types (DB, ENV_ASSERTION, ACTION, COMMUNICATE, '
        "NL_ASSERTION); did you mean 'ACTION'?" in result.output
    )
    assert not (tmp_path / "spec").exists()


def test_fields_tau2_does_not_define_are_warned_of(tmp_path: Path) -> None:
    def extra(task: dict[str, Any]) -> None:
        task["surprise"] = 1
        task["evaluation_criteria"]["bonus_points"] = 3

    folder = _folder(tmp_path, extra)
    spec = tmp_path / "spec"
    result = _import(folder, spec)
    assert result.exit_code == 0
    assert (
        f"{_where(folder, 'surprise')}: warning: task t0: surprise is not a field of a tau2 "
        "task; the import ignored it, as tau2 does" in result.output
    )
    assert (
        f"{_where(folder, 'bonus_points')}: warning: task t0: evaluation_criteria."
        "bonus_points is not a field of tau2's evaluation criteria" in result.output
    )
    assert "tau2-t0" in (spec / "tasks" / "tau2.yaml").read_text()


def test_initial_state_leaves_the_task_out(tmp_path: Path) -> None:
    def state(task: dict[str, Any]) -> None:
        task["initial_state"] = {
            "initialization_data": {"agent_data": {"users": {"u1": {"email": "z@x.org"}}}},
            "initialization_actions": None,
            "message_history": None,
        }

    def nothing(task: dict[str, Any]) -> None:
        task["initial_state"] = {"initialization_data": None, "message_history": []}

    folder = _folder(tmp_path, state, nothing)
    spec = tmp_path / "spec"
    result = _import(folder, spec)
    assert result.exit_code == 0
    assert (
        f"{_where(folder, 'initial_state')}: warning: task t0: initial_state sets "
        "initialization_data.agent_data, which tau2 applies before the episode" in result.output
    )
    assert "task t1" not in result.output
    tasks = (spec / "tasks" / "tau2.yaml").read_text()
    assert "tau2-t0" not in tasks and "tau2-t1" in tasks


def test_no_task_left_is_an_error(tmp_path: Path) -> None:
    result = _import(_folder(tmp_path, _env(["ENV_ASSERTION"])), tmp_path / "spec")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "warning: task t0: ENV_ASSERTION" in result.output
    assert "none of its 1 tasks can be imported" in result.output
    assert not (tmp_path / "spec").exists()


def test_refused_gold_step_is_matched_as_tau2_matches_it(tmp_path: Path) -> None:
    def refused(task: dict[str, Any]) -> None:
        task["evaluation_criteria"]["reward_basis"] = ["DB", "ACTION"]
        task["evaluation_criteria"]["actions"].insert(
            0,
            {"action_id": "x", "name": "find_user_id_by_email", "arguments": {"email": "no@x.org"}},
        )

    from eigendsl.tau2.importer import import_summary

    spec = tmp_path / "spec"
    imported = import_tau2(_folder(tmp_path, refused), spec)
    assert imported.refused == {"t0": [(0, "find_user_id_by_email", "User not found")]}
    assert "refuse 1 gold step of 1 task" in import_summary(imported)
    assert "t0: step 1 find_user_id_by_email (User not found)" in import_summary(imported)
    checks = (spec / "checks" / "tau2.chk").read_text()
    assert (
        '    require any(c in calls where c.tool == "find_user_id_by_email": '
        'c.args == {"email": "no@x.org"})\n'
        '    require called find_user_id_by_email(email="a@x.org")\n' in checks
    )
    # The gold dialogue (which makes the refused call, as tau2's does) passes.
    result = CliRunner().invoke(main, ["run", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["passed"] == 1


def test_tried_text_compares_as_tau2() -> None:
    from eigendsl.tau2.checks import tried_text

    action = {"name": "t", "arguments": {"a": 1, "b": [2]}, "compare_args": ["a", "z"]}
    assert tried_text(action) == (
        'any(c in calls where c.tool == "t": "a" in c.args and c.args.a == 1 and "z" not in c.args)'
    )
    assert tried_text({**action, "compare_args": []}) == 'any(c in calls where c.tool == "t")'
    assert tried_text({**action, "compare_args": None}) == (
        'any(c in calls where c.tool == "t": c.args == {"a": 1, "b": [2]})'
    )


def test_a_split_naming_a_task_tasks_json_has_not_is_warned_of(tmp_path: Path) -> None:
    """E1's L5: split_tasks.json naming an id absent from tasks.json was read without a word,
    though a typo there leaves a held-out task in training."""
    folder = _folder(tmp_path, lambda task: None)
    (folder / "split_tasks.json").write_text(json.dumps({"train": ["t0"], "test": ["t9"]}))
    result = _import(folder, tmp_path / "spec")
    assert result.exit_code == 0, result.output
    assert (
        "split_tasks.json:1:28: warning: split 'test' names task 't9', which tasks.json has not"
        in result.output
    )
