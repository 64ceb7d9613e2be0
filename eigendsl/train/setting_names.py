"""How a training setting is named to a user: its key in domain.yaml's ``training`` and its
option of ``eigendsl train`` (a run folder's log and refusals name a setting so); and how a change
of the spec or of settings that a run folder takes is told (:func:`change_words`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eigendsl.synth.records import listed, spec_changes
from eigendsl.train.settings import MANIFEST_KEYS

# The options of `eigendsl train` that set a TrainSettings field of another name than the field's
# own dashed (--sft-epochs sets sft_epochs), and the fields that have no option: a run folder's
# refusal names a setting as the user writes it (tests check these against train's options).
TRAIN_FLAGS = {"eval_trials": "--trials", "eval_constrain_calls": "--constrain-calls"}
NO_FLAG = frozenset(
    {
        "id_tokens",
        "name_tokens",
        "number_tokens",
        "call_tokens",
        "sft_decay",
        "sft_average",
        "sft_batch_size",
        "sft_catalog",
        "sft_invent_ids",
        "sft_balance",
        "sft_copy_drills",
        "sft_max_length",
        "sft_assistant_only_loss",
        "grpo_tasks",
        "grpo_tasks_per_step",
        "grpo_generations",
        "grpo_learning_rate",
        "grpo_beta",
        "grpo_temperature",
        "grpo_dynamic_filtering",
        "use_vllm",
        "eval_temperature",
        "eval_split",
        "workers",
    }
)


def setting_words(field: str) -> str:
    """A TrainSettings field as a user sets it: its key in domain.yaml's ``training`` (and the
    manifest) and its option of ``eigendsl train``, or the keyword of Python's ``train()`` where it
    has neither (``sft_epochs`` → ``training.sft.epochs (--sft-epochs)``)."""
    if field in MANIFEST_KEYS:
        stage, name = MANIFEST_KEYS[field]
        key = f"training.{stage}.{name}"
    elif field in ("model", "seed", "context"):
        key = f"training.{field}"
    else:
        key = ""
    flag = "" if field in NO_FLAG else TRAIN_FLAGS.get(field, "--" + field.replace("_", "-"))
    if key and flag:
        return f"{key} ({flag})"
    return key or flag or f"train()'s {field}"


def shown(value: Any) -> str:
    """A setting's value as domain.yaml and run.json write it (true, "muon", ["products"])."""
    return json.dumps(value)


def spec_files(before: Any, now: Any) -> str:
    """The spec's files that differ from those the run was made of, by their digests in run.json's
    ``inputs`` (a record without them: the spec alone)."""
    if isinstance(before, dict) and isinstance(now, dict) and before != now:
        return f"the spec's {spec_changes(before, now)}"
    return "the spec"


def change_words(
    inputs: tuple[Any, Any],
    settings: list[str],
    redone: list[str],
    others: tuple[list[str], list[str]],
    aside: Path,
) -> str:
    """The log's first line after a change of the spec (``inputs``: the run's and now) or of
    ``settings`` (in words): what changed, which stages it makes again, which it keeps and which
    are not made yet (``others``), and where the run's report as it was is kept.

    >>> said = change_words((1, 1), ["seed 0 in the run, 7 now"], ["synth"], ([], []), Path("p"))
    >>> said.split("; what")[0]
    'seed 0 in the run, 7 now: synth is made again from scratch, no stage is kept'
    """
    before, now = inputs
    said = []
    if before != now:
        said.append(
            f"{spec_files(before, now)} since the run's stages were made: those it reaches "
            "are made again, the others kept"
        )
    if redone:
        words = (
            f"{'; '.join(settings)}: {listed(redone)} {'is' if len(redone) == 1 else 'are'} made "
            "again from scratch"
        )
        kept, missing = others
        if before == now:  # what the spec's change keeps is told stage by stage
            words += f", {listed(kept)} kept" if kept else ", no stage is kept"
            if missing:
                verb = (
                    "is not made yet and runs" if len(missing) == 1 else "are not made yet and run"
                )
                words += f"; {listed(missing)} {verb} as well"
        said.append(words)
    return "; ".join(said) + (
        f"; what they replace, and the run's run.json and report as they were, are kept in {aside}"
    )
