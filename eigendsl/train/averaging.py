"""An exponential moving average of the weights over SFT's second half: the model SFT saves.

SFT's last steps still move the weights by each batch's noise; the average of the last hundred
or so steps keeps what they share. On retail (the default recipe, the embedded model, seed 0),
the average with decay 0.99 passed 0.730 of the held-out episodes where the same run's last
step's weights passed 0.595, and 0.710 against 0.570 over four evaluation seeds; over training
seeds 0-3, 0.734 on the mean (docs/training.md, *The average of the last steps*).

The average starts at half of the run's steps (before that the weights are far from where they
end) and is bias-corrected (as Adam's moments are), so a run of a few steps averages its last
half evenly rather than leaning on the first weights it saw. It is saved beside each checkpoint
(:data:`AVERAGE_FILE`) so that a run resumed after a crash ends with the same average as one
that was not stopped; the checkpoints themselves keep the weights of their step, which training
resumes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

AVERAGE_FILE = "weight_average.pt"
START = 0.5  # share of the steps after which the average begins


class WeightAverage(TrainerCallback):  # type: ignore[misc]
    """Keeps the average of the trainable weights with ``decay`` from :data:`START` of the
    steps on, and puts it into the model when training ends (the Trainer then saves it).

    ``resume_from`` is the checkpoint a resumed run starts from; its saved average, if any, is
    carried on."""

    def __init__(self, decay: float, resume_from: str | Path | None = None) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"an average's decay is above 0 and below 1, not {decay}")
        self.decay = decay
        self.resume_from = Path(resume_from) if resume_from is not None else None
        self.count = 0
        self.average: dict[str, Any] = {}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        saved = None if self.resume_from is None else load_saved(self.resume_from)
        if saved is not None:
            params = dict(trainable(kwargs["model"]))
            self.count = saved[0]
            self.average = {n: t.to(params[n].device) for n, t in saved[1].items()}

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.global_step <= int(state.max_steps * START):
            return
        import torch

        with torch.no_grad():
            for name, param in trainable(kwargs["model"]):
                value = param.detach().float()
                if name not in self.average:
                    self.average[name] = torch.zeros_like(value)
                self.average[name].mul_(self.decay).add_(value, alpha=1 - self.decay)
        self.count += 1

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not self.count:
            return
        import torch
        from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

        folder = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
        if folder.is_dir():
            cpu = {n: t.cpu() for n, t in self.average.items()}
            torch.save({"count": self.count, "average": cpu}, folder / AVERAGE_FILE)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.count:
            put(kwargs["model"], self.average, self.count, self.decay)


def trainable(model: Any) -> list[tuple[str, Any]]:
    """The parameters training changes, by name (a tied embedding once)."""
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def put(model: Any, average: dict[str, Any], count: int, decay: float) -> None:
    """Set ``model``'s trainable weights to the bias-corrected ``average`` of ``count`` steps."""
    import torch

    correction = 1 - decay**count
    with torch.no_grad():
        for name, param in trainable(model):
            param.copy_((average[name] / correction).to(device=param.device, dtype=param.dtype))


def put_saved(model: Any, checkpoint: str | Path, decay: float) -> bool:
    """Put the average saved in ``checkpoint`` (a finished run's last) into ``model``; False
    where the checkpoint holds none (a run shorter than its averaging start)."""
    saved = load_saved(checkpoint)
    if saved is None:
        return False
    put(model, saved[1], saved[0], decay)
    return True


def load_saved(checkpoint: str | Path) -> tuple[int, dict[str, Any]] | None:
    """The steps averaged and the average saved beside ``checkpoint``, or None where it holds
    none (saved before the averaging began)."""
    saved = Path(checkpoint) / AVERAGE_FILE
    if not saved.is_file():
        return None
    import torch

    data = torch.load(saved, map_location="cpu", weights_only=True)
    return int(data["count"]), data["average"]
