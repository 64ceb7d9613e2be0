"""The ``training:`` section of a domain spec, as the manifest carries it: each stage's settings
with their defaults and the values each takes (:data:`STAGES`; ``TrainSettings`` declares its
fields with the same kinds, so that ``eigendsl compile`` refuses what ``eigendsl train`` would),
and the checks of a stage's settings that compile and train share."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

from pydantic import Field, TypeAdapter, ValidationError

from eigendsl.errors import did_you_mean
from eigendsl.yamlload import YAML_BOOL_TEXT, is_yaml11_bool

# The kinds of values the settings take.
AtLeastOne = Annotated[int, Field(ge=1)]
NotNegative = Annotated[int, Field(ge=0)]
AboveZero = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NotBelowZero = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]
ShareAboveZero = Annotated[float, Field(gt=0, le=1)]
Decay = Annotated[float, Field(ge=0, lt=1)]  # a moving average's; 0: none
AtLeastTwo = Annotated[int, Field(ge=2)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what torch's and numpy's generators take
Tokens = Annotated[int, Field(ge=64)]  # the tokens kept of a dialogue
# The agent learns its own turns only (_WHY).
AssistantOnly = Literal[True]
SftOptimizer = Literal["adamw", "muon"]  # eigendsl.train.optimizers builds each
GrpoTasks = Literal["synth", "train"]
EvalTasks = Literal["held-out", "train", "all"]
# What a model is shown: the short prompt and tool results the embedded model is trained with, or
# the compiled prompt, JSON results and schemas (eigendsl.runtime.model_view).
Context = Literal["compact", "full"]

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
        "average": (0.99, Decay),
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


def kind_problem(stage: str, key: str, value: Any, name: str | None = None) -> str | None:
    """Why ``value`` is not of the kind ``stage``'s setting ``key`` takes (a number, true or
    false, a string, a list), or None where it is; ``name`` is how the sentence names the setting
    (``'epochs'``, as compile prefixes it with ``training.sft``). Checked before the value
    itself, so that a number YAML read as a string (``3e-3``) is named for what it is."""
    return setting_kind_problem(
        STAGE_VALUES[stage][key], STAGE_DEFAULTS[stage][key], value, name or f"'{key}'"
    )


def setting_kind_problem(kind: Any, default: Any, value: Any, name: str) -> str | None:
    """Why ``value`` is not of the kind of ``default`` (a number for a number, true or false for
    a bool), or None where it is: pydantic would take '3' for 3 and 'yes' for true, which compile
    refuses in domain.yaml, so neither a manifest nor a caller may pass them to train."""
    expected = _kind(default)
    if _kind(value) == expected:
        return None
    if expected == "true or false" and is_yaml11_bool(value):
        return f"{name} is {_shown(value)}; {YAML_BOOL_TEXT}"
    return f"{name} is {_shown(value)}; write {values_words(kind)}"


class ValueProblem(NamedTuple):
    """Why a setting's value is refused: ``at``, where in the value (``(0,)``: a list's first
    item; ``()``: the value itself), and the sentence."""

    at: tuple[int | str, ...]
    sentence: str


def value_problem(
    stage: str, key: str, value: Any, where: str | None = None
) -> ValueProblem | None:
    """Why ``value``, of the right kind, is not one ``stage``'s setting ``key`` takes (out of its
    range, not one of its names, a list item of another kind), or None where it is; ``where``
    names the setting (``training.sft.epochs``, or the command line's ``--sft-epochs``)."""
    problem = setting_value_problem(
        STAGE_VALUES[stage][key], value, where or f"training.{stage}.{key}"
    )
    if problem is None or problem.at:
        return problem
    return problem._replace(sentence=problem.sentence + _WHY.get((stage, key), ""))


def setting_value_problem(kind: Any, value: Any, where: str) -> ValueProblem | None:
    """Why ``value`` is not one of the values of ``kind``, in EigenDSL's words ("write a number
    above 0"), or None where it is one. A count given as a whole float (``batch_size: 8.0``) is
    refused too: pydantic would take it as 8, but the manifest copies the spec's value, 8.0."""
    if _counts(kind) and isinstance(value, float) and value.is_integer():
        return ValueProblem((), f"{where} is {value!r}: write a whole number, {int(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        # pydantic's word for nan is "less than or equal to 1", which says nothing of it
        return ValueProblem((), f"{where} is {value!r}: write a finite number")
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        at = tuple(error["loc"])
        named = where + "".join(f"[{i}]" for i in at)
        # a list's item is of the list's items' kind (tuple[str, ...]: a string)
        wanted = values_words(get_args(kind)[0] if at else kind)
        return ValueProblem(at, f"{named} is {_shown(error['input'])}: write {wanted}")
    return None


def values_words(kind: Any) -> str:
    """The values ``kind`` takes, as a sentence says what to write: "a whole number of at least
    1", "a number above 0 and at most 1", "'synth' or 'train'", "true or false"."""
    if get_origin(kind) is Literal:
        choices = [_shown(choice) for choice in get_args(kind)]
        return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"
    base, bounds = kind, []
    if get_origin(kind) is Annotated:
        base, *extras = get_args(kind)
        bounds = [bound for extra in extras for bound in getattr(extra, "metadata", [])]
    if base is bool:
        return "true or false"
    if base is str:
        return "a string"
    if get_origin(base) in (tuple, list):
        return "a list"
    noun = "a whole number" if base is int else "a number"
    return noun + _range_words(bounds, whole=base is int)


def _range_words(bounds: list[Any], whole: bool) -> str:
    """The range pydantic's bounds (Ge, Gt, Le, Lt) allow, as words: " from 0 to 1"."""
    low = high = ""
    for bound in bounds:
        if hasattr(bound, "ge"):
            low = f"{bound.ge}"
        elif hasattr(bound, "gt"):
            low = f"above {bound.gt}"
        elif hasattr(bound, "le"):
            high = f"{bound.le}"
        elif hasattr(bound, "lt"):
            high = f"{bound.lt - 1}" if whole else f"below {bound.lt}"
    if not high:
        return f" of at least {low}" if low and not low.startswith("above") else f" {low}".rstrip()
    if low and not low.startswith("above") and not high.startswith("below"):
        return f" from {low} to {high}"
    at_most = high if high.startswith("below") else f"at most {high}"
    at_least = low if low.startswith("above") else f"of at least {low}"
    return f" {at_least} and {at_most}" if low else f" {at_most}"


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
    if isinstance(value, (list, tuple)):  # a caller's tuple is the manifest's list
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__


def _shown(value: Any) -> str:
    """A value as a message shows it: true, false and null as YAML writes them, else its repr."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)
