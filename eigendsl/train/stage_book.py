"""The bookkeeping of a training run's stages: which are kept from an earlier command, which are
made again (what they replace moved into ``previous/<n>/``) and which run for the first time, with
what each was made from (:mod:`eigendsl.train.stage_inputs`) and how long each took."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eigendsl.runtime.domain import Domain
from eigendsl.train.previous_states import aside_folder, put_aside
from eigendsl.train.runfolder import disk_errors, finished_stage, record_stage, stage_files
from eigendsl.train.settings import TrainSettings
from eigendsl.train.stage_inputs import (
    READS,
    TOOLS,
    accepted_total,
    changes,
    compiled_text,
    mark_started,
    model_digest,
    new_mark,
    recorded_made_from,
    spec_parts,
    started_from,
    started_marker,
    synth_parts,
    verifier_texts,
    why_kept,
    why_made_again,
)

# The stages that train a model: they resume from a checkpoint, and nothing else they leave
_TRAINED = ("sft", "user_sft", "grpo")


class StageBook:
    """A run's stages as :class:`~eigendsl.train.pipeline.Pipeline` makes them: :meth:`timed`
    runs one, or keeps it, and records it."""

    def __init__(
        self, out: Path, domain: Domain, settings: TrainSettings, log: Callable[[str], None]
    ):
        self.out, self.domain, self.settings, self.log = out, domain, settings, log
        self.seconds: dict[str, float] = {}
        # What each stage was made from (its record's made_from; None: an earlier release's),
        # and what synthesis made (stage_inputs.synth_parts)
        self.made: dict[str, dict[str, Any] | None] = {}
        self._synth: dict[str, str] | None = None
        self._spec: dict[str, str] | None = None
        # The mark of each stage's model as its record has it (stage_inputs.new_mark: None, a
        # record of an earlier release), the stages kept from an earlier command, and the
        # folder of previous/ that what this command made again replaces went into (None: none).
        self.marks: dict[str, str | None] = {}
        self.kept: list[str] = []
        # the stages that went on from what a command cut short kept: their time is this
        # command's part only (the report says so)
        self.resumed: list[str] = []
        self.aside: Path | None = None
        # the stages a changed setting makes again (runfolder.Taken.redone): "made" or "started",
        # and the settings in words; what they replaced is in self.aside already
        self.redone: dict[str, tuple[str, str]] = {}
        # the dialogues synthesis accepted before it was made again in this command, and now
        self.accepted: tuple[Any, Any] = (None, None)

    def synthesized(self, made: dict[str, Any]) -> None:
        """Synthesis is done (``made``, its record): what it made is read again by the stages
        after it (synth_parts), and a redo caused by its dialogues counts them."""
        self.accepted = (self.accepted[0], made.get("accepted_total"))
        self._synth = None

    def timed(
        self, stage: str, work: Callable[[], dict[str, Any]], models: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Run ``stage`` (``work``), or keep it where it finished earlier made from what it reads
        now (:mod:`eigendsl.train.stage_inputs`; ``models``, the stages whose models it reads).
        One made from other inputs, or started from them, is made again, what it replaces moved
        into ``previous/<n>/``; the log says which and why."""
        made_from = self.made_from(stage, models)
        started = started_from(self.out, stage)
        before = recorded_made_from(self.out, stage) or started
        changed = changes(before, made_from, self._spec) if before is not None else []
        if not changed:
            previous = finished_stage(self.out, stage)
            if previous is not None:
                self.log(f"[{stage}] done earlier, kept: {why_kept(made_from)}")
                self.seconds[stage] = previous.get("seconds", 0.0)
                self.made[stage] = previous.get("made_from")
                self.marks[stage] = previous.get("made")
                self.kept.append(stage)
                if previous.get("resumed"):
                    self.resumed.append(stage)
                return {
                    k: v for k, v in previous.items() if k not in ("made_from", "made", "resumed")
                }
            if stage in self.redone:
                verb, settings = self.redone[stage]
                self.log(
                    f"[{stage}] {verb} again: {settings}; what it made before is kept in "
                    f"{self.aside}"
                )
            else:
                if started and self._kept_anything(stage):
                    self.resumed.append(stage)
                self.log(f"[{stage}] {self._start_word(stage) if started else 'running'}")
        else:
            # a stage started from other inputs begins anew: its checkpoints are not this one's
            verb = "made" if (self.out / "stages" / f"{stage}.json").exists() else "started"
            if stage == "synth":
                self.accepted = (accepted_total(self.out), None)
            with disk_errors(self.out, stage):
                if self.aside is None:  # the run's report as it was goes beside them
                    self.aside = aside_folder(self.out, stage)
                aside = put_aside(self.out, stage, self.stage_files(stage), self.aside)
            self.log(
                f"[{stage}] {verb} again: {why_made_again(changed, self.accepted)}; what it made "
                f"before is kept in {aside}"
            )
        start = time.perf_counter()
        with disk_errors(self.out, stage):
            mark_started(self.out, stage, made_from)
            data = work()
        data["seconds"] = round(time.perf_counter() - start, 1)
        self.seconds[stage] = data["seconds"]
        mark = new_mark()
        resumed = {"resumed": True} if stage in self.resumed else {}
        record_stage(self.out, stage, {**data, "made_from": made_from, "made": mark, **resumed})
        started_marker(self.out, stage).unlink(missing_ok=True)
        self.made[stage] = made_from
        self.marks[stage] = mark
        return data

    def _start_word(self, stage: str) -> str:
        """How a stage begun earlier from the same inputs goes on: resumed from what it kept, or
        started again where it stopped before it saved anything (an SFT killed before its first
        checkpoint trains from step 0 again: "resumed" read as though it went on)."""
        if stage.startswith("eval_"):  # the episodes of one cut short are not resumed from
            return (
                "started again: it began earlier from the same inputs; it plays every episode again"
            )
        if self._kept_anything(stage):
            return "resumed: started earlier from the same inputs"
        what = "checkpoint" if stage in _TRAINED else "result"
        return (
            f"started again: it began earlier from the same inputs, but no {what} was saved "
            "to resume from"
        )

    def _kept_anything(self, stage: str) -> bool:
        """Whether ``stage`` left what a run resumes from: a checkpoint of a trained model, the
        files of another stage (synthesis's generations); never an evaluation's episodes (one cut
        short is played again whole)."""
        if stage.startswith("eval_"):
            return False
        for name in self.stage_files(stage):
            path = self.out / name
            if stage in _TRAINED:
                if path.is_dir() and any(path.glob("**/checkpoint-*")):
                    return True
            elif (path.is_dir() and any(path.iterdir())) or (
                path.is_file() and path.stat().st_size
            ):
                return True
        return False

    def made_from(self, stage: str, models: tuple[str, ...]) -> dict[str, Any]:
        """What ``stage`` reads now (:data:`~eigendsl.train.stage_inputs.READS`), the models of
        ``models`` as what those stages were made from."""
        reads = READS["eval" if stage.startswith("eval_") else stage]
        if any(part in ("dialogues", "synth_tasks") for part in reads) and self._synth is None:
            self._synth = synth_parts(self.out)
        if self._spec is None:
            self._spec = spec_parts(
                self.domain.manifest,
                verifier_texts(self.domain),
                compiled_text(self.domain, TOOLS),
            )
        parts = {**self._spec, **(self._synth or {})}
        return {
            **{part: parts[part] for part in reads},
            **{
                model: model_digest(self.made.get(model), self.marks.get(model)) for model in models
            },
        }

    def stage_files(self, stage: str) -> tuple[str, ...]:
        """The folders and files of the run folder that ``stage`` writes."""
        return stage_files(self.out, stage, self.settings.grpo_steps)
