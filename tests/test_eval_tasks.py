"""Which tasks ``eval`` plays: ``--tasks`` is the split (held-out by default), and ``--task ID``
(repeatable, as for ``run``) plays only the tasks named, so a large checkpoint can be tried on a
few first."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402

TRAIN_TASK, HELD_OUT_TASK = "cancel-amara-by-mistake", "transfer-leona-compensation"


@pytest.fixture()
def played(monkeypatch):
    """The ids of the tasks eval hands to evaluation; no model is loaded or played."""
    from eigendsl.runtime import checkpoints as checkpoints_mod
    from eigendsl.train import evaluate as evaluate_mod

    seen: list[list[str]] = []

    def fake_evaluate(domain, model, tokenizer, tasks, **options):
        seen.append([t["id"] for t in tasks])
        raise EigenError("stop here")

    monkeypatch.setattr(checkpoints_mod, "load_for_play", lambda *args, **kwargs: (None, None))
    monkeypatch.setattr(evaluate_mod, "evaluate", fake_evaluate)
    return seen


def _eval(*options: str):
    return CliRunner().invoke(main, ["eval", "specs/retail", "--model", "m", *options])


def test_eval_task_plays_only_the_tasks_named_whatever_their_split(played):
    """eval had no way to play a few tasks: `--tasks 3` was refused, `--tasks` being the split."""
    _eval("--task", TRAIN_TASK, "--task", HELD_OUT_TASK, "--task", TRAIN_TASK)
    assert played == [[TRAIN_TASK, HELD_OUT_TASK]]  # in order, each once
    _eval("--task", TRAIN_TASK, "--task", HELD_OUT_TASK, "--tasks", "held-out")
    assert played[-1] == [HELD_OUT_TASK]  # the split, given too, is kept to
    _eval()
    assert HELD_OUT_TASK in played[-1] and TRAIN_TASK not in played[-1]  # held-out by default


def test_eval_task_outside_the_split_given_says_how_to_play_it(played):
    result = _eval("--task", TRAIN_TASK, "--tasks", "held-out")
    assert result.exit_code == 1 and not played
    assert (
        f"the task {TRAIN_TASK} is not a held-out task of domain retail; leave --tasks out"
        in result.output
    )
    result = _eval("--task", "cancel-amara-by-mistak")
    assert result.exit_code == 1 and "did you mean 'cancel-amara-by-mistake'" in result.output
