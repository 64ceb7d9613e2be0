"""Seconds per SFT step of the embedded model: the loss from logits at the learned positions
against TRL's chunked loss, and the first in bf16 autocast.

    python benchmarks/bench_sft_step.py [SPEC_DIR]

Synthesizes the default dialogues (3 × 3,000 planned), builds the embedded model as `eigendsl train`
does, and times SFT steps of 8 dialogues (compact context) with each loss. Setup (tokenizing the
dataset, building the trainer) is left out: each loss runs 8 and 24 steps and the difference is
timed. Goal: the labelled positions' logits at least 1.5x faster than TRL's chunked loss on this
CPU, both in fp32. The bf16 line is a figure, not a goal: bf16 is the default on a GPU only
(`SFTSettings(bf16=True)` asks for it on a CPU).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from _common import domain_dir, machine

from eigendsl.train.pipeline import Pipeline
from eigendsl.train.settings import TrainSettings
from eigendsl.train.sft import SFTSettings, bf16_default, run_sft

GOAL = 1.5


def seconds_per_step(
    pipeline: Pipeline, rows: list[dict], labelled: bool, work: Path, bf16: bool = False
) -> float:
    config = SFTSettings(
        learning_rate=5e-3,
        per_device_train_batch_size=8,
        max_length=2048,
        save_steps=1000,
        labelled_logits=labelled,
        bf16=bf16,
        extra={"train_sampling_strategy": "group_by_length"},
    )
    times = {}
    for steps in (8, 24):
        model, tokenizer = pipeline.load("base")
        out = work / f"{labelled}-{bf16}-{steps}"
        start = time.perf_counter()
        run_sft(model, tokenizer, rows, out, replace(config, max_steps=steps))
        times[steps] = time.perf_counter() - start
        shutil.rmtree(out)
    return (times[24] - times[8]) / 16


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
