"""The ``training:`` section of a domain spec, as the manifest carries it: each stage's settings
with their defaults and the values each takes (:data:`STAGES`; ``TrainSettings`` declares its
fields with the same kinds, so that ``eigendsl compile`` refuses what ``eigendsl train`` would),
and the checks of a stage's settings that compile and train share."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

from pydantic import Field, TypeAdapter, ValidationError

from eigendsl.errors import EigenError, did_you_mean
from eigendsl.yamlload import YAML_BOOL_TEXT, is_yaml11_bool

# The kinds of values the settings take.
AtLeastOne = Annotated[int, Field(ge=1)]
NotNegative = Annotated[int, Field(ge=0)]
AboveZero = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NotBelowZero = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]
ShareAboveZero = Annotated[float, Field(gt=0, le=1)]
AtLeastTwo = Annotated[int, Field(ge=2)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what torch's and numpy's generators take
Tokens = Annotated[int, Field(ge=64)]  # the tokens kept of a dialogue
# The agent learns its own turns only (_WHY).
AssistantOnly = Literal[True]
SftOptimizer = Literal["adamw", "muon"]  # eigendsl.train.optimizers builds each
GrpoTasks = Literal["synth", "train"]
EvalTasks = Literal["held-out", "train", "all"]

# Each stage's settings: (the default, the values it takes). The defaults are what `eigendsl
# train` runs unless the spec's `training:` section says otherwise, sized for the embedded model
# on a 2-core CPU (docs/training.md, *Muon on the hidden layers' matrices*, for the time it takes
# on retail); TrainSettings takes its defaults from here and declares each field a manifest sets
# with its setting's kind.
STAGES: dict[str, dict[str, tuple[Any, Any]]] = {
    "synth": {
        "generations": (3, AtLeastOne),
        "per_generation": (3000, AtLeastOne),
        "workers": (1, AtLeastOne),
        "recover": (0.0, Share),
    },
    "sft": {
        # a number of passes, not a count: 2.5 trains two passes and half of a third (the
        # Trainer's num_train_epochs, over passes of their own)
        "epochs": (48, AboveZero),
        "learning_rate": (3.0e-3, AboveZero),
        "decay": (0.2, ShareAboveZero),
        "optimizer": ("muon", SftOptimizer),
        "batch_size": (8, AtLeastOne),
        "max_length": (2048, Tokens),
        "assistant_only_loss": (True, AssistantOnly),
        "fresh_ids": (0.5, Share),
        "fresh_values": (False, bool),
        "fresh_numbers": (True, bool),
        "catalog": ([], tuple[str, ...]),
        "invent_ids": (False, bool),
        "balance": (True, bool),
        "pass_size": (384, NotNegative),
        "copy_drills": (0, NotNegative),
    },
    # GRPO: 54 steps of 3 groups of 8 episodes. Groups of 8 rather than 4 (36 steps rather than
    # 12): from five retail SFT models, pass^1 after GRPO 0.613 on average against 0.580
    # (docs/training.md, *GRPO in groups of 8*); 54 steps rather than 36: from the SFT models of
    # seeds 0-3, 0.714 against 0.703, higher or equal on each (*Said first*); the default command
    # took 14 min 50 s instead of 11 min 49 s (GRPO 342 s against 196 s).
    "grpo": {
        "steps": (54, NotNegative),
        "tasks": ("synth", GrpoTasks),
        "tasks_per_step": (3, AtLeastOne),
        "num_generations": (8, AtLeastTwo),
        "learning_rate": (1.0e-4, AboveZero),
        # the KL coefficient against the SFT model (0: no reference model)
        "beta": (0.0, NotBelowZero),
        "temperature": (1.0, AboveZero),
        "dynamic_filtering": (True, bool),
        "use_vllm": (False, bool),
        "fresh_ids": (False, bool),
    },
    "eval": {
        "trials": (3, AtLeastOne),
        "tasks": ("held-out", EvalTasks),
        "temperature": (0.3, NotBelowZero),
    },
}
STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    stage: {key: default for key, (default, _) in settings.items()}
    for stage, settings in STAGES.items()
}
STAGE_VALUES: dict[str, dict[str, Any]] = {
    stage: {key: kind for key, (_, kind) in settings.items()} for stage, settings in STAGES.items()
}


def unknown_setting(stage: str, key: str) -> str | None:
    """Why ``key`` is not one of ``stage``'s training settings, or None where it is one."""
    defaults = STAGE_DEFAULTS[stage]
    if key in defaults:
        return None
    hint = did_you_mean(key, defaults) or f"; the settings are {', '.join(defaults)}"
    return f"'{key}' is not one of the {stage} settings{hint}"


def check_manifest_stages(stages: dict[str, dict[str, Any]]) -> None:
    """A user error where a training manifest's stage or setting is not one a run has (a misspelt
    one would be left out unnoticed) or a stage is missing (it would run on its defaults)."""
    for stage, settings in stages.items():
        if stage not in STAGE_DEFAULTS:
            raise EigenError(
                f"the manifest's stage '{stage}' is not one of {', '.join(STAGE_DEFAULTS)}"
                f"{did_you_mean(stage, STAGE_DEFAULTS)}"
            )
        for key in settings:
            if (unknown := unknown_setting(stage, str(key))) is not None:
                raise EigenError(f"the manifest's {stage} stage: {unknown}")
    missing = [stage for stage in STAGE_DEFAULTS if stage not in stages]
    if missing:
        skip = "; to skip GRPO keep its stage with steps: 0" if "grpo" in missing else ""
        raise EigenError(
            f"the manifest lists no {', '.join(missing)} stage: a run has "
            f"{', '.join(STAGE_DEFAULTS)}{skip} (compile the spec again for a whole manifest)"
        )


def kind_problem(stage: str, key: str, value: Any) -> str | None:
    """Why ``value`` is not of the kind ``stage``'s setting ``key`` takes (a number, true or
    false, a string, a list), or None where it is. Checked before the value itself, so that a
    number YAML read as a string (``3e-3``) is named for what it is."""
    kind = _kind(STAGE_DEFAULTS[stage][key])
    if _kind(value) == kind:
        return None
    if kind == "true or false" and is_yaml11_bool(value):
        return f"'{key}' is {value!r}; {YAML_BOOL_TEXT}"
    return f"'{key}' is {value!r}; write {kind}"


class ValueProblem(NamedTuple):
    """Why a setting's value is refused: ``at``, where in the value (``(0,)``: a list's first
    item; ``()``: the value itself), and the sentence."""

    at: tuple[int | str, ...]
    sentence: str


def value_problem(stage: str, key: str, value: Any) -> ValueProblem | None:
    """Why ``value``, of the right kind, is not one ``stage``'s setting ``key`` takes (out of its
    range, not one of its names, a list item of another kind), or None where it is. A count
    given as a whole float (``batch_size: 8.0``) is refused too: pydantic would take it as 8, but
    the manifest copies the spec's value, 8.0."""
    if _counts(STAGE_VALUES[stage][key]) and isinstance(value, float) and value.is_integer():
        return ValueProblem(
            (), f"training.{stage}.{key} is {value!r}: write a whole number, {int(value)}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        # pydantic's word for nan is "less than or equal to 1", which says nothing of it
        return ValueProblem((), f"training.{stage}.{key} is {value!r}: write a finite number")
    try:
        TypeAdapter(STAGE_VALUES[stage][key]).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        at = tuple(error["loc"])
        where = f"training.{stage}.{key}" + "".join(f"[{i}]" for i in at)
        msg, why = error["msg"], _WHY.get((stage, key), "")
        return ValueProblem(at, f"{where} is {error['input']!r}: {msg[:1].lower()}{msg[1:]}{why}")
    return None


# What a setting with one value that works says of why.
_WHY = {
    ("sft", "assistant_only_loss"): " (the agent learns only its own turns; a user model, "
    "`eigendsl train --user-model`, learns the user's)"
}


def stage_json_schema(stage: str) -> dict[str, Any]:
    """The JSON Schema of ``stage``'s settings (``eigendsl schema``): each setting's kind, range
    and default, no other key, so that an editor completes them and marks a wrong one."""
    settings = {
        key: {**TypeAdapter(kind).json_schema(), "default": STAGE_DEFAULTS[stage][key]}
        for key, kind in STAGE_VALUES[stage].items()
    }
    return {"properties": settings, "additionalProperties": False}


def _counts(kind: Any) -> bool:
    """Whether a setting of ``kind`` takes whole numbers only (a count, a seed)."""
    return (get_args(kind)[0] if get_origin(kind) is Annotated else kind) is int


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__
