"""SFT saves the moving average of its weights over the second half of the steps
(eigendsl.train.averaging): the average a step-by-step record gives, kept across a crash and a
finished run's resume, and refused outside its range."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.train.averaging import AVERAGE_FILE  # noqa: E402
from eigendsl.train.model import build_tiny_model, load_model  # noqa: E402
from eigendsl.train.settings import TrainSettings, check_settings  # noqa: E402
from eigendsl.train.sft import SFTSettings, run_sft  # noqa: E402
from tests.test_train_model import ROWS  # noqa: E402
from tests.test_train_model import tokenizer as tokenizer  # noqa: E402,F401  (the fixture)

BASE: dict[str, Any] = dict(
    per_device_train_batch_size=2,
    save_steps=1,
    save_total_limit=None,
    learning_rate=1e-2,
    warmup_steps=0,
    lr_scheduler_type="constant",
    average=0.5,
)


class Record(TrainerCallback):  # type: ignore[misc]
    """The trainable weights after each step."""

    def __init__(self) -> None:
        self.steps: list[dict[str, torch.Tensor]] = []

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        model = kwargs["model"]
        self.steps.append({n: p.detach().float().clone() for n, p in model.named_parameters()})


def micro(tokenizer: Any) -> Any:
    return build_tiny_model(tokenizer, size="micro", seed=0)


def test_sft_saves_the_bias_corrected_average_of_its_second_half(tokenizer, tmp_path):
    record, model = Record(), micro(tokenizer)
    run_sft(model, tokenizer, ROWS, tmp_path / "sft", SFTSettings(max_steps=6, **BASE), [record])
    assert len(record.steps) == 6
    # steps 4, 5 and 6 (after half of 6), from a zero start, divided by 1 - 0.5 ** 3
    expected: dict[str, torch.Tensor] = {}
    for weights in record.steps[3:]:
        for name, value in weights.items():
            expected[name] = 0.5 * expected.get(name, torch.zeros_like(value)) + 0.5 * value
    saved, _ = load_model(tmp_path / "sft")
    for name, param in saved.named_parameters():
        average = expected[name] / (1 - 0.5**3)
        assert torch.allclose(param.float(), average, atol=1e-6), name
        assert torch.equal(dict(model.named_parameters())[name].detach().cpu(), param.detach())
    last = record.steps[-1]["model.norm.weight"]
    assert not torch.allclose(saved.model.norm.weight.float(), last, atol=1e-6)
    # the checkpoints keep their step's weights (training resumes from them) and the average
    assert not (tmp_path / "sft" / "checkpoint-3" / AVERAGE_FILE).exists()
    assert (tmp_path / "sft" / "checkpoint-4" / AVERAGE_FILE).exists()


def test_no_average_saves_the_last_steps_weights(tokenizer, tmp_path):
    record, model = Record(), micro(tokenizer)
    settings = SFTSettings(max_steps=4, **{**BASE, "average": 0.0})
    run_sft(model, tokenizer, ROWS, tmp_path / "sft", settings, [record])
    saved, _ = load_model(tmp_path / "sft")
    assert torch.equal(saved.model.norm.weight.float(), record.steps[-1]["model.norm.weight"])
    assert not (tmp_path / "sft" / "checkpoint-4" / AVERAGE_FILE).exists()


@pytest.mark.slow
def test_a_run_resumed_after_a_crash_saves_the_average_of_one_never_stopped(tokenizer, tmp_path):
    straight = micro(tokenizer)
    run_sft(straight, tokenizer, ROWS, tmp_path / "straight", SFTSettings(max_steps=6, **BASE))
    # the crash: a copy of the run as it stood after step 5's checkpoint
    crashed = tmp_path / "crashed"
    for name in ("checkpoint-3", "checkpoint-4", "checkpoint-5"):
        shutil.copytree(tmp_path / "straight" / name, crashed / name)
    resumed = micro(tokenizer)
    history = run_sft(resumed, tokenizer, ROWS, crashed, SFTSettings(max_steps=6, **BASE))
    assert [h["step"] for h in history] == [1, 2, 3, 4, 5, 6]
    pairs = zip(straight.named_parameters(), resumed.parameters(), strict=True)
    for (name, trained), again in pairs:
        assert torch.allclose(trained, again, atol=1e-6), name
    # a finished run asked again returns its average, not its last checkpoint's weights
    finished = micro(tokenizer)
    run_sft(finished, tokenizer, ROWS, crashed, SFTSettings(max_steps=6, **BASE))
    assert torch.allclose(finished.model.norm.weight, straight.model.norm.weight, atol=1e-6)
    last, _ = load_model(crashed / "checkpoint-6")
    assert not torch.allclose(last.model.norm.weight, straight.model.norm.weight, atol=1e-6)


def test_an_average_outside_its_range_is_refused():
    with pytest.raises(ValueError, match="average is 1.0: a decay, at least 0 and below 1"):
        SFTSettings(average=1.0).to_sft_config("unused")
    with pytest.raises(EigenError, match="average"):
        check_settings(TrainSettings(sft_average=1.5))
