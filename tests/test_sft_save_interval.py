"""SFT saved its first checkpoint at step 25 (the run's setting; 50 by SFTSettings' default): a
short run killed before it started again from step 0 (review nT1, M3). Now a checkpoint every
twentieth of the run, at most every 25 steps (GRPO: 5), unless the interval is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from eigendsl.train.grpo import GRPOSettings  # noqa: E402
from eigendsl.train.settings import TrainSettings, sft_settings  # noqa: E402
from eigendsl.train.sft import SFTSettings, run_sft  # noqa: E402
from tests.test_train_model import ROWS, _micro, tokenizer  # noqa: E402, F401


def test_the_interval_is_a_twentieth_of_the_run_at_most_25_steps() -> None:
    from eigendsl.train.sft import save_interval

    assert [save_interval(n) for n in (1, 12, 40, 200, 500, 2304)] == [1, 1, 2, 10, 25, 25]
    assert sft_settings(TrainSettings()).save_steps is None  # a run's SFT takes the default
    assert SFTSettings().save_steps is None
    grpo = [GRPOSettings.of(TrainSettings(grpo_steps=n)).save_steps for n in (2, 40, 100, 400)]
    assert grpo == [1, 2, 5, 5]


@pytest.mark.slow
def test_a_short_run_saves_a_checkpoint_every_twentieth(tokenizer, tmp_path: Path) -> None:  # noqa: F811
    settings = SFTSettings(max_steps=40, per_device_train_batch_size=2, warmup_steps=0)
    run_sft(_micro(tokenizer), tokenizer, ROWS, tmp_path / "sft", settings)
    kept = sorted(p.name for p in (tmp_path / "sft").glob("checkpoint-*"))
    assert kept == ["checkpoint-38", "checkpoint-40"]  # save_total_limit 2: the last two
    state = json.loads((tmp_path / "sft" / "checkpoint-38" / "trainer_state.json").read_text())
    assert state["save_steps"] == 2


@pytest.mark.slow
def test_a_given_interval_is_kept(tokenizer, tmp_path: Path) -> None:  # noqa: F811
    settings = SFTSettings(max_steps=6, per_device_train_batch_size=2, save_steps=3)
    run_sft(_micro(tokenizer), tokenizer, ROWS, tmp_path / "sft", settings)
    assert sorted(p.name for p in (tmp_path / "sft").glob("checkpoint-*")) == [
        "checkpoint-3",
        "checkpoint-6",
    ]
