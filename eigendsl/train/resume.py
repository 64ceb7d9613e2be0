"""Resuming a training run (SFT's, GRPO's) from the checkpoints transformers saves in its folder:
the last complete one (:func:`last_checkpoint`), and whether the run it holds took all its steps
(:func:`run_finished`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def last_checkpoint(out_dir: str | Path) -> str | None:
    """The newest complete ``checkpoint-<step>`` in ``out_dir``, or None.

    transformers writes ``trainer_state.json`` after the weights, optimizer and RNG states, so a
    checkpoint without it, or with one cut short (killed while it was written: resuming from it
    raised a JSONDecodeError), was cut off mid-save: it is removed, with a message, and the one
    before it is used.
    """
    import shutil
    import sys

    from transformers.trainer_utils import get_last_checkpoint

    while (checkpoint := get_last_checkpoint(str(out_dir))) is not None:
        if _state_written(Path(checkpoint)):
            return checkpoint
        print(
            f"{checkpoint} was cut off while it was being saved; removing it and resuming from "
            "the one before",
            file=sys.stderr,
        )
        shutil.rmtree(checkpoint)
    return None


def _state_written(checkpoint: Path) -> bool:
    """Whether ``checkpoint``'s ``trainer_state.json`` is there whole (a JSON object)."""
    from transformers.trainer import TRAINER_STATE_NAME

    try:
        state = json.loads((checkpoint / TRAINER_STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(state, dict)


def run_finished(trainer: Any, checkpoint: str) -> bool:
    """Whether the run saved in ``checkpoint`` already took all the steps ``trainer`` would take."""
    from transformers import TrainerState
    from transformers.trainer import TRAINER_STATE_NAME

    state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_NAME))
    *_, max_steps = trainer.set_initial_training_values(
        trainer.args, trainer.get_train_dataloader()
    )
    return state.global_step >= max_steps
