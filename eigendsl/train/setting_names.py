"""How a training setting is named to a user: its key in domain.yaml's ``training`` and its
option of ``eigendsl train`` (a run folder's log and refusals name a setting so)."""

from __future__ import annotations

import json
from typing import Any

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
