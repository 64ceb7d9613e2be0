"""`run --out FILE` and `eval --out FILE` stopped with episodes still playing, in a process of their
own: Ctrl-C or SIGTERM writes the episodes that had ended to FILE, readable, and says how many;
SIGKILL leaves FILE as it was before the command; and the same command again plays every episode
from the first and replaces FILE with the whole set, as the README says. (eval's model plays as
the scripted agent: no model is loaded.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT

TASKS = ("cancel-amara-by-mistake", "transfer-leona-compensation", "exchange_items-005")

# the CLI, sending itself the signal sys.argv[1] once some but not all episodes have ended
# ("-" sends none); eval's model is the scripted agent
STOPPING = """
import contextlib, os, signal, sys
import eigendsl.cli.episodes as commands
from eigendsl.runtime import checkpoints, model_roles
from eigendsl.train import evaluate

how = None if sys.argv[1] == "-" else getattr(signal, sys.argv[1])
shown = commands.episodes_progress

@contextlib.contextmanager
def stopping(total, lines=False):
    ended = [0]
    with shown(total, lines) as tell:
        def told(finished):
            tell(finished)
            ended[0] += finished
            if how is not None and ended[0] < total:
                os.kill(os.getpid(), how)
        yield told

commands.episodes_progress = stopping
checkpoints.load_for_play = lambda *args, **kwargs: (None, None)
evaluate.HFBackend = lambda **kwargs: None
evaluate.ModelAgent = lambda *args, **kwargs: model_roles.make_agent("scripted")
from eigendsl.cli import main
main(sys.argv[2:], prog_name="eigendsl")
"""


def _command(command: str, out) -> list[str]:
    tasks = [option for task in TASKS for option in ("--task", task)]
    model = ["--model", "m"] if command == "eval" else []
    return [command, "specs/retail", *model, *tasks, "--trials", "2", "--out", str(out)]


def _play(how: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", STOPPING, how, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        # as a terminal delivers Ctrl-C: a background child of a shell ignores SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


# each command with one of the two signals that stop it (both go through the same handler)
@pytest.mark.parametrize(("command", "how"), [("run", "SIGINT"), ("eval", "SIGTERM")])
def test_a_stopped_command_keeps_the_ended_episodes_and_the_same_command_replays_all(
    tmp_path, command, how
):
    whole = _play("-", _command(command, tmp_path / "whole.jsonl"))
    assert whole.returncode == 0, whole.stderr[-2000:]
    rows = (tmp_path / "whole.jsonl").read_text().splitlines()
    assert len(rows) == 6
    out = tmp_path / "cut.jsonl"
    cut = _play(how, _command(command, out))
    assert cut.returncode == 130, cut.stderr[-2000:]
    kept = out.read_text().splitlines()
    assert 0 < len(kept) < 6
    assert all("task_id" in json.loads(line) for line in kept)  # readable, each line whole
    assert set(kept) <= set(rows)
    assert (
        f"interrupted: {len(kept)} of 6 episodes had ended; they are in {out}, a partial set"
    ) in cut.stderr
    assert "Traceback" not in cut.stderr and not (tmp_path / "cut.jsonl.tmp").exists()
    again = _play("-", _command(command, out))
    assert again.returncode == 0, again.stderr[-2000:]
    assert out.read_text().splitlines() == rows  # every episode, once, in the whole run's order


def test_a_killed_command_leaves_the_file_as_it_was(tmp_path):
    """SIGKILL leaves no handler to run: FILE keeps what it held (the episodes are written at the
    end, or when stopped, whole), and the same command again writes the whole set."""
    out = tmp_path / "cut.jsonl"
    earlier = _play("-", ["run", "specs/retail", "--task", TASKS[0], "--out", str(out)])
    assert earlier.returncode == 0, earlier.stderr[-2000:]
    before = out.read_text()
    killed = _play("SIGKILL", _command("eval", out))
    assert killed.returncode == -signal.SIGKILL
    assert out.read_text() == before
    again = _play("-", _command("eval", out))
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(out.read_text().splitlines()) == 6
