"""A stopped `eval --out FILE` kept nothing: every episode was held until the summary, so Ctrl-C
an hour into a large checkpoint's eval printed click's "Aborted!" and wrote no file; with stderr
not a terminal it showed no progress either. No model is loaded: the scripted agent plays."""

from __future__ import annotations

import json
import os
import signal

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.runtime.model_roles import make_agent  # noqa: E402

TASKS = ("cancel-amara-by-mistake", "transfer-leona-compensation", "exchange_items-005")


class StoppedAgent:
    """The scripted agent, whose turn number ``stop_at[0]`` Ctrl-C stops (or, with ``signal``,
    that signal sent to the process, as a timeout sends SIGTERM)."""

    name = "scripted"

    def __init__(self, stop_at, signal=None):
        self.inner, self.calls, self.stop_at, self.signal = (
            make_agent("scripted"),
            0,
            stop_at,
            signal,
        )

    def act(self, batch):
        self.calls += 1
        if self.calls == self.stop_at[0]:
            if self.signal is None:
                raise KeyboardInterrupt
            os.kill(os.getpid(), self.signal)
        return self.inner.act(batch)


@pytest.fixture()
def scripted_model(monkeypatch):
    """eval's model plays as the scripted agent; ``stop_at[0]`` its turn that Ctrl-C stops."""
    from eigendsl.runtime import checkpoints as checkpoints_mod
    from eigendsl.train import evaluate as evaluate_mod

    stop_at = [None]
    monkeypatch.setattr(checkpoints_mod, "load_for_play", lambda *args, **kwargs: (None, None))
    monkeypatch.setattr(evaluate_mod, "HFBackend", lambda **kwargs: None)
    monkeypatch.setattr(evaluate_mod, "ModelAgent", lambda *args, **kwargs: StoppedAgent(stop_at))
    return stop_at


def _eval(out, *options):
    tasks = [option for task in TASKS for option in ("--task", task)]
    return CliRunner().invoke(
        main,
        ["eval", "specs/retail", "--model", "m", *tasks, "--trials", "2", "--out", str(out)]
        + list(options),
    )


def _rows(path):
    """The episodes in ``path``: none where a stop before any ended wrote no file."""
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_an_interrupted_eval_keeps_the_episodes_that_ended(tmp_path, scripted_model):
    whole = _eval(tmp_path / "whole.jsonl", "--json")
    assert whole.exit_code == 0, whole.output
    rows = [json.loads(line) for line in (tmp_path / "whole.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    # with stderr not a terminal: a line now and then, and the summary still the last line
    assert "episodes: 6 of 6 finished" in whole.stderr
    assert json.loads(whole.stdout.splitlines()[-1])["episodes"] == 6
    for stop in range(2, 12):
        scripted_model[0] = stop
        cut = _eval(tmp_path / "cut.jsonl")
        kept = _rows(tmp_path / "cut.jsonl")
        if 0 < len(kept) < 6:
            break
    else:
        pytest.fail("no turn stopped the eval with some episodes ended and some not")
    assert cut.exit_code == 130
    assert (
        f"interrupted: {len(kept)} of 6 episodes had ended; they are in {tmp_path / 'cut.jsonl'}, "
        "a partial set (its pass rates are not the full eval's)"
    ) in cut.stderr
    assert "Aborted!" not in cut.output
    # the rows the full run wrote, in its order, judged alike
    assert kept == [row for row in rows if row in kept]
    # until the process exits, a further SIGTERM is ignored (not its end, with status 143)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    assert all(row in rows for row in kept)


@pytest.mark.parametrize("how", [None, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_keeps_the_episodes_that_ended(tmp_path, monkeypatch, how):
    """`run --out FILE` stopped by Ctrl-C wrote nothing either: it writes the episodes that had
    ended, as a finished run writes them, says so and exits 130; SIGTERM (a timeout's) stops it
    as Ctrl-C does (it killed it, keeping nothing)."""
    from eigendsl.runtime import model_roles

    stop_at = [None]
    monkeypatch.setattr(
        model_roles, "make_agent", lambda *args, **kwargs: StoppedAgent(stop_at, how)
    )
    tasks = [option for task in TASKS for option in ("--task", task)]

    def run(out):
        return CliRunner().invoke(
            main, ["run", "specs/retail", *tasks, "--trials", "2", "--out", str(out)]
        )

    whole = run(tmp_path / "whole.jsonl")
    assert whole.exit_code == 0, whole.output
    rows = [json.loads(line) for line in (tmp_path / "whole.jsonl").read_text().splitlines()]
    for stop in range(2, 12):
        stop_at[0] = stop
        cut = run(tmp_path / "cut.jsonl")
        kept = _rows(tmp_path / "cut.jsonl")
        if 0 < len(kept) < len(rows):
            break
    else:
        pytest.fail("no turn stopped the run with some episodes ended and some not")
    assert cut.exit_code == 130
    assert (
        f"interrupted: {len(kept)} of {len(rows)} episodes had ended; they are in "
        f"{tmp_path / 'cut.jsonl'}, a partial set (its pass rates are not the full run's)"
    ) in cut.stderr
    assert "Aborted!" not in cut.output
    assert kept == [row for row in rows if row in kept]
    # until the process exits, a further SIGTERM is ignored (not its end, with status 143)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN


def test_ctrl_c_while_the_model_loads_exits_130_and_says_nothing_was_written(tmp_path, monkeypatch):
    """Loading a large checkpoint takes long: Ctrl-C then printed click's "Aborted!", exit 1."""
    from eigendsl.runtime import checkpoints as checkpoints_mod

    def loading(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        raise AssertionError("not stopped")

    monkeypatch.setattr(checkpoints_mod, "load_for_play", loading)
    result = _eval(tmp_path / "cut.jsonl")
    assert result.exit_code == 130, result.output
    assert "Aborted!" not in result.output
    assert (
        f"interrupted before any episode had ended; nothing was written to {tmp_path / 'cut.jsonl'}"
    ) in result.stderr
    assert not (tmp_path / "cut.jsonl").exists()


def test_a_stop_while_eval_writes_its_ended_episodes_keeps_them_all(
    tmp_path, scripted_model, monkeypatch
):
    """Every episode had ended and eval was writing them when SIGTERM came: it said "nothing was
    written" and the file was never written."""
    from eigendsl.train import evaluate as evaluate_mod

    write_jsonl, signals = evaluate_mod.write_jsonl, []

    def stopped_once(rows, path):
        if not signals:  # a timeout's SIGTERM, then another while the rows are written again
            signals.append(signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        write_jsonl(rows, path)

    monkeypatch.setattr(evaluate_mod, "write_jsonl", stopped_once)
    cut = _eval(tmp_path / "cut.jsonl")
    assert cut.exit_code == 130, cut.output
    kept = (tmp_path / "cut.jsonl").read_text().splitlines()
    assert len(kept) == 6
    assert f"interrupted: 6 of 6 episodes had ended; they are in {tmp_path / 'cut.jsonl'}" in (
        cut.stderr
    )


@pytest.mark.parametrize("before", [None, "earlier"], ids=["new-file", "earlier-file"])
@pytest.mark.parametrize("command", ["run", "eval"])
def test_a_stop_before_any_episode_ended_writes_nothing(
    tmp_path, scripted_model, monkeypatch, command, before
):
    """Stopped at the agent's first turn, `run --out` and `eval --out` said "0 of 6 episodes had
    ended; they are in FILE, a partial set" and left an empty file (an earlier run's episodes
    there were lost). Nothing is written now, and a file already there is left as it was."""
    from eigendsl.runtime import model_roles

    out = tmp_path / "cut.jsonl"
    earlier = ""
    if before:
        assert _eval(out).exit_code == 0  # an earlier eval's episodes
        earlier = out.read_text()
    scripted_model[0] = 1
    monkeypatch.setattr(
        model_roles, "make_agent", lambda *args, **kwargs: StoppedAgent(scripted_model)
    )
    if command == "eval":
        cut = _eval(out)
    else:
        tasks = [option for task in TASKS for option in ("--task", task)]
        cut = CliRunner().invoke(
            main, ["run", "specs/retail", *tasks, "--trials", "2", "--out", str(out)]
        )
    assert cut.exit_code == 130, cut.output
    said = f"interrupted before any of the 6 episodes had ended; nothing was written to {out}"
    if before:
        said += " (the file already there is left as it was)"
    assert said in cut.stderr
    assert "they are in" not in cut.stderr
    if before:
        assert out.read_text() == earlier
    else:
        assert not out.exists()
