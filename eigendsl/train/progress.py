"""A training run's progress bar, on stderr.

transformers prints each logged step as a dict: with ``disable_tqdm`` on stdout one line a step
(PrinterCallback), otherwise under its tqdm bar through ``tqdm.write``, on stdout too. SFT logs
every step, so the default run printed 3,840 lines there, among which ``eigendsl train --json``
keeps its summary. :func:`show_progress` puts a bar on stderr in their place: steps done, the
last loss (or reward), the time left. The log history still holds every entry (the trainer's
state, its checkpoints' ``trainer_state.json``, the report's plots)."""

from __future__ import annotations

import atexit
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

SHOWN = ("loss", "reward")  # the last logged value of each, beside the bar


class StepProgress(TrainerCallback):
    """A rich progress bar of the optimizer steps, on the main process's stderr; where stderr is
    not a terminal (a log file), a line at each tenth of the steps instead."""

    LINES = 10  # lines a run writes where stderr is not a terminal

    def __init__(self, label: str):
        self.label = label
        self.progress: Any = None
        self.console: Any = None
        self.task: Any = None
        self.last = ""
        self.printed = 0  # tenths written to a log

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.printed = self._tenths(state)  # a resumed run starts at its checkpoint's step
        if not self.console.is_terminal:
            return
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.progress.start()
        atexit.register(self._stop)  # a crash or ^C mid-run must not leave the cursor hidden
        self.task = self.progress.add_task(
            self.label, total=state.max_steps, completed=state.global_step, last=""
        )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        shown = [
            f"{key} {logs[key]:.4g}"
            for key in SHOWN
            if logs and isinstance(logs.get(key), (int, float))
        ]
        if shown:
            self.last = " ".join(shown)
        if self.progress is not None:
            self.progress.update(self.task, last=self.last)
        elif self.console is not None and self._tenths(state) > self.printed:
            self.printed = self._tenths(state)
            self.console.print(
                f"{self.label} {state.global_step}/{state.max_steps} {self.last}", highlight=False
            )

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)
        self._stop()

    def _stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            atexit.unregister(self._stop)  # each run registers its own; a finished one lets go

    def _tenths(self, state: Any) -> int:
        return self.LINES * state.global_step // max(state.max_steps, 1)


def show_progress(trainer: Any, label: str) -> None:
    """Replace ``trainer``'s printed logs (and tqdm bar) with a :class:`StepProgress` bar."""
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(StepProgress(label))


@contextlib.contextmanager
def episode_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """The episodes an evaluation stage of ``eigendsl train`` finished out of ``total``, on
    stderr as its training steps are: a bar on a terminal, else a line at each tenth (``label
    episodes 12/40``). The stage played minutes on end with nothing said (6 minutes on a loaded
    machine). The callable takes how many more episodes ended."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        done = [0, 0]  # episodes ended, tenths written

        def line(finished: int) -> None:
            done[0] += finished
            tenths = StepProgress.LINES * done[0] // max(total, 1)
            if tenths > done[1]:
                done[1] = tenths
                console.print(f"{label} episodes {done[0]}/{total}", highlight=False)

        yield line
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{label} episodes", total=total)
        yield lambda finished: bar.advance(task, finished)
