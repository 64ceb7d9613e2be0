"""`eigendsl train` killed (SIGKILL) or stopped (SIGINT) while an evaluation stage plays its
episodes, then the same command again: the evaluation is played again from its first episode (an
evaluation is not resumed from the episodes one cut short kept), and the run ends with the
summary, report and episodes of a run never stopped. The command said "[eval_grpo] resumed" and
listed the stage in ``resumed_stages``, and the report called its time the resuming command's
part only, where it had played every episode again.

The command runs in a subprocess that sends itself the signal once the stage's first episodes
have ended (:data:`STOPPING`), so that it stops half-way through the stage every time."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.test_train_rl import ROOT, _train_cmd  # noqa: E402

# the CLI, with the episode progress of one evaluation stage sending the process a signal
STOPPING = """
import contextlib, os, signal, sys
from eigendsl.train import progress
stage, how = sys.argv[1], getattr(signal, sys.argv[2])
shown = progress.episode_progress

@contextlib.contextmanager
def stopping(label, total):
    with shown(label, total) as tell:
        def told(finished):
            tell(finished)
            if label == stage:
                os.kill(os.getpid(), how)
        yield told

progress.episode_progress = stopping
from eigendsl.cli import main
main(sys.argv[3:], prog_name="eigendsl")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """A tiny run never stopped (one GRPO step)."""
    out = tmp_path_factory.mktemp("whole") / "run"
    done = subprocess.run(
        _train_cmd(out, 1), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _without_seconds(report: str) -> str:
    """report.md with the times that differ from one command to the next left out."""
    report = re.sub(r"(?m)^(\| \w+ \| )[\d.]+( \|)$", r"\1#\2", report)  # seconds per stage
    return re.sub(r"\d+(\.\d+)? ?s\b", "#s", report)


@pytest.mark.slow
# each stage with one of the two ways to stop it (the four pairs cost a minute more of the suite)
@pytest.mark.parametrize(("stage", "how"), [("eval_grpo", "SIGKILL"), ("eval_sft", "SIGINT")])
def test_an_evaluation_stopped_half_way_is_played_again_as_a_run_never_stopped(
    whole, tmp_path, stage, how
):
    out = tmp_path / "run"
    shutil.copytree(whole, out)
    # the run as it was before the stage ran: its record, episodes, and the report after it
    played = stage.removeprefix("eval_")
    (out / "stages" / f"{stage}.json").unlink()
    (out / "eval" / f"{played}.jsonl").unlink()
    for name in ("report.md", "summary.json"):
        (out / name).unlink()
    cmd = _train_cmd(out, 1)
    cut = subprocess.run(
        [sys.executable, "-c", STOPPING, stage, how, *cmd[3:]],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
        # as a terminal delivers Ctrl-C: a background child of a shell ignores SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert cut.returncode == (-9 if how == "SIGKILL" else 130), cut.stderr[-2000:]
    assert not (out / "stages" / f"{stage}.json").exists()
    assert (out / "stages" / "started" / f"{stage}.json").exists()

    again = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (
        f"[{stage}] started again: it began earlier from the same inputs; it plays every "
        "episode again"
    ) in again.stderr
    assert f"[{stage}] resumed" not in again.stderr
    summary = json.loads(again.stdout)
    expected = json.loads((whole / "summary.json").read_text())
    assert "resumed_stages" not in summary
    for key in ("base", "sft", "grpo"):  # pass rates, episodes, failures, copy and value checks
        assert summary[key] == expected[key], key
    assert set(summary["seconds_per_stage"]) == set(expected["seconds_per_stage"])
    # no episode counted twice or lost: the episodes of the run never stopped, in its order
    rows = (out / "eval" / f"{played}.jsonl").read_text().splitlines()
    assert rows == (whole / "eval" / f"{played}.jsonl").read_text().splitlines()
    assert summary[played]["episodes"] == len(rows)
    record = json.loads((out / "stages" / f"{stage}.json").read_text())
    assert record["episodes_file"]["rows"] == len(rows) and "resumed" not in record
    report = (out / "report.md").read_text()
    assert _without_seconds(report) == _without_seconds((whole / "report.md").read_text())
