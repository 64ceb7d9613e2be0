"""How a command stops: a second Ctrl-C or SIGTERM while `run --out` saved the episodes that had
ended lost them all ("Aborted!", exit 1); Ctrl-C before the first episode printed "Aborted!" and
exited 1; two SIGTERMs ended synth by the signal (143) after its exit-130 message; a full disk
said "error: No space left on device", naming no file and not how to go on."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.runtime import model_roles, rows
from tests.conftest import ROOT

SCRIPTED = model_roles.make_agent


def no_space() -> OSError:
    """A full disk's error, raised by a write: it names no file."""
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class StoppedAgent:
    """The scripted agent, whose turn ``stop_at`` sends SIGTERM to the process (a timeout's)."""

    name = "scripted"

    def __init__(self, stop_at: int):
        self.inner, self.calls, self.stop_at = SCRIPTED("scripted"), 0, stop_at

    def act(self, batch: list[Any]) -> Any:
        self.calls += 1
        if self.calls == self.stop_at:
            os.kill(os.getpid(), signal.SIGTERM)
        return self.inner.act(batch)


# retail tasks whose episodes end at different turns: a stop can find some ended, some not
TASKS = ("cancel-amara-by-mistake", "transfer-leona-compensation", "exchange_items-005")


def _run(spec: Path | str, out: Path, *options: str) -> Any:
    return CliRunner().invoke(main, ["run", str(spec), *options, "--out", str(out)])


def test_signals_while_the_run_saves_the_ended_episodes_do_not_lose_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = [option for task in TASKS for option in ("--task", task)]
    whole = _run(ROOT / "specs" / "retail", tmp_path / "whole.jsonl", *tasks)
    assert whole.exit_code == 0, whole.output
    episodes = len((tmp_path / "whole.jsonl").read_text().splitlines())
    write_jsonl = rows.write_jsonl

    def impatient(kept: list[Any], path: Any) -> None:
        # an impatient second Ctrl-C and a scheduler's repeated SIGTERM, while the file is written
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        write_jsonl(kept, path)

    monkeypatch.setattr(rows, "write_jsonl", impatient)
    for stop in range(2, 20):
        agent = StoppedAgent(stop)
        monkeypatch.setattr(model_roles, "make_agent", lambda *args, agent=agent, **kwargs: agent)
        cut = _run(ROOT / "specs" / "retail", tmp_path / "cut.jsonl", *tasks)
        assert cut.exit_code == 130, cut.output
        cut_file = tmp_path / "cut.jsonl"  # none when no episode had ended
        kept = cut_file.read_text().splitlines() if cut_file.exists() else []
        if 0 < len(kept) < episodes:
            break
    else:
        pytest.fail("no turn stopped the run with some episodes ended and some not")
    assert "Aborted!" not in cut.output
    assert f"interrupted: {len(kept)} of {episodes} episodes had ended; they are in" in cut.stderr
    assert all(json.loads(line)["verdict"] for line in kept)
    # and until the process exits, a further signal is ignored, not its end (status 143)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_ctrl_c_before_the_first_episode_exits_130_and_says_nothing_was_written(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eigendsl.runtime import domain

    def loading(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the domain loads
        raise AssertionError("not stopped")

    monkeypatch.setattr(domain, "load_domain", loading)
    out = tmp_path / "episodes.jsonl"
    result = _run(mini, out)
    assert result.exit_code == 130, result.output
    assert "Aborted!" not in result.output
    assert f"interrupted before any episode had ended; nothing was written to {out}" in (
        result.stderr
    )
    assert not out.exists()


def test_a_second_sigterm_while_synth_says_it_stopped_leaves_exit_status_130(
    mini: Path, tmp_path: Path
) -> None:
    script = f"""
import os, signal, click
from eigendsl.synth import generation
from eigendsl.cli import main

def stopped(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)  # a timeout's
    raise AssertionError("not stopped")

echo = click.echo

def echo_after_another(message=None, **kwargs):
    if str(message).startswith("\\ninterrupted"):
        os.kill(os.getpid(), signal.SIGTERM)  # and its second, while the command says it stopped
    echo(message, **kwargs)

generation.run_synthesis = stopped
click.echo = echo_after_another
main(["synth", {str(mini)!r}, "--out", {str(tmp_path / "synth")!r}])
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted: what was done is kept in the output folder" in done.stderr


def test_a_full_disk_while_run_writes_names_the_file_and_says_to_run_again(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Full:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def write(self, text: str) -> int:
            raise no_space()

    monkeypatch.setattr(rows, "open", Full, raising=False)
    out = tmp_path / "episodes.jsonl"
    result = _run(mini, out)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"the disk is full: {out} could not be written (No space left on device); free some "
        "space and run the same command again"
    )


def test_a_full_disk_while_synth_writes_names_the_file_and_says_the_command_resumes(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "synth"
    write_bytes = Path.write_bytes

    def full(path: Path, data: bytes) -> int:
        if path.is_relative_to(out):
            raise no_space()
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    result = CliRunner().invoke(main, ["synth", str(mini), "--out", str(out)])
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.startswith(f"the disk is full: {out}/"), message
    assert message.endswith(
        "could not be written (No space left on device); free some space and run the same "
        "command again, which resumes from what was kept"
    )
    assert ".tmp" not in message


def test_a_second_ctrl_c_while_synth_with_workers_shuts_down_leaves_exit_status_130(
    tmp_path: Path,
) -> None:
    """A terminal's Ctrl-C twice, 0.1 s apart, to `synth --workers 2`: the second came while the
    process shut down (its worker pool ended, its threads joined), where Python had put the
    default handler back, and ended it by the signal (status -2) after it said what was kept."""
    out = tmp_path / "synth"
    command = [sys.executable, "-m", "eigendsl.cli", "synth", str(ROOT / "specs" / "retail")]
    options = ["--generations", "2", "--per-generation", "600", "--workers", "2"]
    process = subprocess.Popen(
        [*command, *options, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not list(out.glob("gen-1/shards/shard-*.jsonl")):
            time.sleep(0.05)
        for _ in range(2):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.1)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err[-2000:]
    assert "interrupted: what was done is kept in the output folder" in err
    assert "Traceback" not in err
