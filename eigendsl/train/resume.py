"""Resuming a training run (SFT's, GRPO's) from the checkpoints transformers saves in its folder:
the last complete one (:func:`last_checkpoint`), and whether the run it holds took all its steps
(:func:`run_finished`); and transformers' warning of a tied output layer missing from a checkpoint
it resumes from, which is not missing (:func:`tied_weights_quiet`); GRPO's rollout log and random
state kept in its checkpoints (:class:`RolloutLog`).
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from eigendsl.train.runfolder import steps_from_one


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


@contextlib.contextmanager
def tied_weights_quiet(model: Any) -> Iterator[None]:
    """Resuming, transformers' Trainer warns "There were missing keys in the checkpoint model
    loaded: ['lm_head.weight']" where the output layer is tied to the embedding (the embedded
    model's is): a checkpoint does not save a tied copy, and the weights load whole. That warning
    is dropped while this holds, for ``model``'s tied copies only; any other missing key is still
    warned of."""
    from transformers.trainer import logger

    tied = _tied_copies(model)

    def keep(record: logging.LogRecord) -> bool:
        text = record.getMessage()
        prefix = "There were missing keys in the checkpoint model loaded: "
        if not text.startswith(prefix):
            return True
        try:
            missing = ast.literal_eval(text[len(prefix) :].rstrip("."))
        except (ValueError, SyntaxError):
            return True
        return not (isinstance(missing, list) and missing and set(missing) <= tied)

    quiet = logging.Filter()
    quiet.filter = keep  # type: ignore[method-assign]
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _tied_copies(model: Any) -> set[str]:
    """The names of ``model``'s parameters that are another parameter of it (tied weights), all
    but the first name of each."""
    first: dict[int, str] = {}
    copies = set()
    for name, parameter in model.named_parameters(remove_duplicate=False):
        if id(parameter) in first:
            copies.add(name)
        first.setdefault(id(parameter), name)
    return copies


# In each GRPO checkpoint: the rollouts' own random state (the tasks replayed groups draw, fresh
# ids), so that a resumed run draws what the run never stopped would have drawn.
ROLLOUT_RNG = "rollout_rng.json"


class RolloutLog(TrainerCallback):
    """Keeps GRPO's rollout log on disk next to the checkpoints, and the rollouts' random state in
    each, so a resumed run keeps its history and goes on as the run never stopped would."""

    def __init__(self, rollout: Any, path: Path):
        self.rollout, self.path = rollout, path

    @classmethod
    def resumed(cls, rollout: Any, out: Path, checkpoint: str | None) -> RolloutLog:
        """The callback for a run in ``out``, resuming from ``checkpoint`` where there is one:
        ``rollout``'s log (the steps the checkpoint holds; those after it are taken again) and
        random state as they were there. A checkpoint saved before the state was kept resumes
        from the seed's, and the run differs from one never stopped."""
        log = cls(rollout, out / "rollout_log.jsonl")
        if checkpoint is None:
            return log
        if log.path.is_file():
            done = int(Path(checkpoint).name.rsplit("-", 1)[1])
            written = [json.loads(line) for line in log.path.read_text().splitlines() if line]
            rollout.log = [entry for entry in steps_from_one(written) if entry["step"] <= done]
        try:
            version, internal, gauss = json.loads((Path(checkpoint) / ROLLOUT_RNG).read_text())
            rollout.rng.setstate((version, tuple(internal), gauss))
        except (OSError, ValueError, TypeError):
            pass
        return log

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(e) + "\n" for e in self.rollout.log))
        tmp.replace(self.path)
        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if checkpoint.is_dir():
            (checkpoint / ROLLOUT_RNG).write_text(json.dumps(self.rollout.rng.getstate()))
