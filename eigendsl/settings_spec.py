"""The settings sections of ``domain.yaml``, as pydantic models: how the user simulator plays
(``user_simulator``), how tasks are drawn from the templates (``sampling``) and each training
stage's overrides (``training``; the settings' defaults and the values each takes are
:mod:`eigendsl.training_spec`'s). :class:`eigendsl.spec.DomainSpec` holds one of each, with
their defaults when a spec leaves a section out.

The checks that need the loaded spec run after loading, at the setting's line
(:mod:`eigendsl.settings_checks`: a training setting misspelt, of the wrong kind or out of its
range; a stop marker a user says without meaning to end the conversation).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eigendsl.training_spec import Context, Seed, stage_json_schema

DEFAULT_STOP_MARKER = "###STOP###"


class Settings(BaseModel):
    """A settings section: unknown keys refused, as everywhere in a spec (spec.Model's rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UserSimulator(Settings):
    """Settings of the user simulator."""

    persona: str = Field("A customer calling support.", description="Default persona text.")
    stop_marker: str = Field(
        DEFAULT_STOP_MARKER,
        description="What the user says to end the conversation (not blank; text no user says "
        "otherwise, such as ###STOP###).",
    )
    max_turns: int = Field(
        30, ge=2, le=1000, strict=True, description="Turn limit of an episode (2 to 1000)."
    )

    @field_validator("stop_marker")
    @classmethod
    def _marker(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                "the stop marker is blank, so no episode could end by the user; write a marker "
                f"the user says to end the conversation, such as '{DEFAULT_STOP_MARKER}'"
            )
        return value


class Sampling(Settings):
    """How concrete tasks are drawn from templates at compile time."""

    per_template: int = Field(
        4, ge=0, le=1000, strict=True, description="Sampled tasks per template (at most 1000)."
    )
    seed: int = Field(0, strict=True, description="Seed of the sampler.")
    held_out_fraction: float = Field(
        0.25, ge=0, le=1, description="Share of sampled tasks held out."
    )


def _stage_settings(stage: str, description: str) -> Any:
    """A stage's settings under ``training:``, with their JSON Schema for editors."""
    return Field(
        default_factory=dict, description=description, json_schema_extra=stage_json_schema(stage)
    )


class Training(Settings):
    """Settings copied into the training manifest (defaults fit the embedded tiny model).

    A stage's settings are any mapping here: their names, kinds and values are checked after
    loading (:func:`eigendsl.settings_checks.check_training`), so that a misspelt one is reported
    with the spec's other errors rather than alone."""

    model: str = Field(
        "tiny",
        description="An embedded size built locally (`tiny`, `tiny-wide`, `micro`, `small`) or a "
        "checkpoint path or hub id.",
    )
    seed: Seed = Field(0, strict=True, description="Seed of every stage.")
    context: Context = Field(
        "compact",
        description="What the model is trained and evaluated with: `compact` (a short prompt, "
        "key: value tool results) or `full` (the compiled prompt, JSON results and schemas).",
    )
    synth: dict[str, Any] = _stage_settings("synth", "Synthesis overrides.")
    sft: dict[str, Any] = _stage_settings("sft", "SFT overrides.")
    grpo: dict[str, Any] = _stage_settings("grpo", "GRPO overrides.")
    eval: dict[str, Any] = _stage_settings("eval", "Evaluation overrides.")
