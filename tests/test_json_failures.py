"""`--json` when a command fails or is stopped: stdout was empty (the error went to stderr alone),
so a script reading the last line of stdout as JSON crashed. Now the last line is one object,
``{"error": <what stderr said>, "exit_status": N, ...}``, and stderr and the status are as
without ``--json``."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from tests.conftest import ROOT, edit


def last_json(result: Any) -> dict[str, Any]:
    """The last line of the command's stdout, which must be its only line, as JSON."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[-1])


def test_eval_of_a_folder_that_is_no_checkpoint_ends_stdout_with_the_error(
    mini: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "not-a-checkpoint"
    folder.mkdir()
    options = ["--tasks", "all", "--trials", "1", "--json"]
    result = CliRunner().invoke(main, ["eval", str(mini), "--model", str(folder), *options])
    assert result.exit_code == 1
    said = f"cannot load model '{folder}': the folder has no config.json"
    assert said in result.stderr
    failure = last_json(result)
    assert failure["error"] == result.stderr.strip()  # the same sentence as on stderr
    assert failure["exit_status"] == 1
    assert "resumed_with" not in failure  # eval keeps nothing to resume from


@pytest.mark.parametrize("command", ["run", "lint", "synth"])
def test_a_spec_error_under_json_is_the_last_line(command: str, mini: Path, tmp_path: Path) -> None:
    edit(mini, "domain.yaml", "name: mini", "name: [mini")
    args = [command, str(mini), "--json"]
    if command == "synth":
        args += ["--out", str(tmp_path / "synth")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    failure = last_json(result)
    assert failure["exit_status"] == 1
    assert failure["error"].startswith("mini/domain.yaml:")  # file:line:col, as on stderr
    assert failure["error"] in result.stderr
    if command == "synth":  # its work is kept as it goes: the line that goes on
        assert failure["resumed_with"] == (
            f"eigendsl synth {mini} --out {tmp_path / 'synth'} --json"
        )


def test_lint_json_with_errors_prints_its_report_alone(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that printed its own line and exits 1 (lint's report with errors) gets no
    second object."""
    import eigendsl.lint
    from eigendsl.lint import report

    class Found:
        errors = ["an error"]

    monkeypatch.setattr(eigendsl.lint, "lint", lambda *args: Found())
    monkeypatch.setattr(report, "json_line", lambda found: {"errors": len(found.errors)})
    result = CliRunner().invoke(main, ["lint", str(mini), "--json"])
    assert result.exit_code == 1
    assert last_json(result) == {"errors": 1}


def test_train_with_its_run_folder_in_use_ends_stdout_with_the_error(
    mini: Path, tmp_path: Path
) -> None:
    from eigendsl.synth.records import folder_lock

    out = tmp_path / "run"
    args = ["train", str(mini), "--model", "micro", "--out", str(out), "--json"]
    with folder_lock(out, "train"):
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    busy = f"{out} is in use by another eigendsl train (process {os.getpid()})"
    assert busy in result.stderr
    failure = last_json(result)
    assert busy in failure["error"]
    assert failure["error"] in result.stderr
    assert failure["exit_status"] == 1
    assert failure["out_dir"] == str(out)
    assert failure["resumed_with"] == " ".join(["eigendsl", *args])
    assert "stage" not in failure  # refused before any stage ran


def test_train_interrupted_in_a_stage_names_it_and_the_run_folder(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eigendsl.train.pipeline import Pipeline

    def stopped(self: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)  # a timeout's, while synthesis runs
        raise AssertionError("not stopped")

    monkeypatch.setattr(Pipeline, "synth", stopped)
    result = CliRunner().invoke(main, ["train", str(mini), "--model", "micro", "--json"])
    assert result.exit_code == 130, result.output
    said = "interrupted: what was done is kept in the output folder; the same command resumes"
    assert said in result.stderr
    failure = last_json(result)
    assert failure["error"].startswith(said)
    assert failure["exit_status"] == 130
    assert failure["stage"] == "synth"
    assert failure["out_dir"] == str(Path("runs") / "mini" / "train")  # train's default
    assert failure["resumed_with"] == f"eigendsl train {mini} --model micro --json"


def test_run_interrupted_ends_stdout_with_what_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eigendsl.runtime import model_roles
    from tests.test_command_stops import StoppedAgent

    agent = StoppedAgent(1)
    monkeypatch.setattr(model_roles, "make_agent", lambda *args, **kwargs: agent)
    out = tmp_path / "episodes.jsonl"
    args = ["run", str(ROOT / "specs" / "retail"), "--task", "cancel-amara-by-mistake"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 130, result.output
    failure = last_json(result)
    assert failure["exit_status"] == 130
    assert failure["error"].startswith("interrupted before any of the 1 episodes had ended")
    assert failure["error"] in result.stderr
