"""Resuming a training run (SFT's, GRPO's) from the checkpoints transformers saves in its folder:
the last complete one (:func:`last_checkpoint`), and whether the run it holds took all its steps
(:func:`run_finished`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def last_checkpoint(out_dir: str | Path) -> str | None:
    """The newest complete ``checkpoint-<step>`` in ``out_dir``, or None.

    transformers writes ``trainer_state.json`` after the weights, optimizer and RNG states, so a
    checkpoint without it was cut off mid-save (the process was killed): it is removed, with a
    message, and the one before it is used.
    """
    import shutil
    import sys

    from transformers.trainer import TRAINER_STATE_NAME
    from transformers.trainer_utils import get_last_checkpoint

    while (checkpoint := get_last_checkpoint(str(out_dir))) is not None:
        if (Path(checkpoint) / TRAINER_STATE_NAME).is_file():
            return checkpoint
        print(
            f"{checkpoint} was cut off while it was being saved; removing it and resuming from "
            "the one before",
            file=sys.stderr,
        )
        shutil.rmtree(checkpoint)
    return None


def run_finished(trainer: Any, checkpoint: str) -> bool:
    """Whether the run saved in ``checkpoint`` already took all the steps ``trainer`` would take."""
    from transformers import TrainerState
    from transformers.trainer import TRAINER_STATE_NAME

    state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_NAME))
    *_, max_steps = trainer.set_initial_training_values(
        trainer.args, trainer.get_train_dataloader()
    )
    return state.global_step >= max_steps
