"""Seconds per SFT step of the embedded model: the loss from logits at the learned positions
against TRL's chunked loss, and the first in bf16 autocast.

    python benchmarks/bench_sft_step.py [SPEC_DIR]

Synthesizes the default dialogues (3 × 3,000 planned), builds the embedded model as `eigendsl train`
does, and runs 24 SFT steps of 8 dialogues (compact context, batched by length) with each loss. A
callback times each step from its start to its end, so setup (tokenizing the dataset, building the
trainer) stays out; the first 4 steps, which pay the first use of each kernel, are left out too,
and the figure is the mean of the other 20. Goal: the labelled positions' logits at least 1.5x
faster than TRL's chunked loss on this CPU, both in fp32. The bf16 line is a figure, not a goal:
bf16 is the default on a GPU only (`SFTSettings(bf16=True)` asks for it on a CPU).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _common import domain_dir, machine
from transformers import TrainerCallback

from eigendsl.train.pipeline import Pipeline
from eigendsl.train.settings import TrainSettings
from eigendsl.train.sft import SFTSettings, bf16_default, run_sft

GOAL = 1.5
STEPS = 24
WARM_UP = 4


class StepTimer(TrainerCallback):
    """Seconds of each optimizer step, from ``on_step_begin`` to ``on_step_end``."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def on_step_begin(self, *_: Any, **__: Any) -> None:
        self._start = time.perf_counter()

    def on_step_end(self, *_: Any, **__: Any) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def seconds_per_step(
    pipeline: Pipeline, rows: list[dict], labelled: bool, work: Path, bf16: bool = False
) -> float:
    config = SFTSettings(
        learning_rate=5e-3,
        per_device_train_batch_size=8,
        max_length=2048,
        max_steps=STEPS,
        save_steps=1000,
        labelled_logits=labelled,
        bf16=bf16,
        extra={"train_sampling_strategy": "group_by_length"},
    )
    model, tokenizer = pipeline.load("base")
    timer = StepTimer()
    run_sft(model, tokenizer, rows, work / f"{labelled}-{bf16}", config, callbacks=[timer])
    return statistics.mean(timer.seconds[WARM_UP:])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        pipeline = Pipeline(domain_dir(), work, TrainSettings())
        pipeline.synth()
        pipeline.base()
        rows = pipeline.dialogues()
        labelled = seconds_per_step(pipeline, rows, True, work)
        chunked = seconds_per_step(pipeline, rows, False, work)
        bf16 = seconds_per_step(pipeline, rows, True, work, bf16=True)
    print(f"machine: {machine()}; torch threads: {torch.get_num_threads()}")
    print(f"domain: {pipeline.domain.name}; dialogues: {len(rows)}; steps of 8 dialogues")
    print(f"SFT step, logits at the learned positions: {labelled:.2f} s")
    print(f"SFT step, TRL's chunked loss:               {chunked:.2f} s")
    where = "the default here" if bf16_default() else "opt-in here"
    print(
        f"SFT step, learned positions, bf16 ({where}): {bf16:.2f} s "
        f"({labelled / bf16:.2f}x the fp32 step's speed)"
    )
    print(f"ratio to goal ({GOAL}x faster): {chunked / labelled / GOAL:.2f}x")


if __name__ == "__main__":
    main()
