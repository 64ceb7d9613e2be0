"""A domain's task files as pydantic models: what a user writes in ``specs/<domain>/tasks/``.

A template has typed parameters (sampled from the seed data, from choices, or fixed), the
simulated user's scenario, a gold plan and the name of its check; a concrete task fixes a
template's parameters. As in :mod:`eigendsl.spec`, names (tools, checks, tables) are resolved
later; ``eigendsl schema`` prints the JSON Schema of :class:`TaskFile`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue as JsonSchema

from eigendsl.errors import ValueAt
from eigendsl.spec import FieldType, Model, parameter_names, short_form_schema


class TemplateParam(FieldType):
    """A task-template parameter: sampled from the database, from choices, or fixed."""

    source: str | None = Field(
        None,
        alias="from",
        description="DSL query giving candidate values, e.g. `o.order_id for o in db.orders`, "
        "or an expression over earlier parameters.",
    )
    choices: list[Any] | None = Field(None, description="Candidate values to sample from.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("choices")
    @classmethod
    def _some_choices(cls, value: list[Any] | None) -> list[Any] | None:
        if value == []:
            raise ValueError(
                "an empty list of choices leaves nothing to sample; list at least one value, "
                "or drop 'choices'"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> TemplateParam:
        """A parameter is drawn from its source or from its choices: with both, the choices
        were drawn and the source never read."""
        if self.source is not None and self.choices is not None:
            raise ValueAt(
                "a parameter takes its values from 'from' or from 'choices', not both; keep one",
                ("choices",),
            )
        return self


class Scenario(Model):
    """What the simulated user wants, knows and does (Jinja text over the task parameters)."""

    reason: str = Field(description="Why the user is calling, in their words.")
    known: dict[str, str] = Field(
        default_factory=dict, description="Facts the user can give when asked."
    )
    unknown: list[str] = Field(default_factory=list, description="Things the user does not know.")
    instructions: str = Field("", description="How the user behaves, for an LLM-backed simulator.")
    confirm: bool = Field(
        True,
        strict=True,
        description="Whether the user agrees when asked to confirm a write (true or false).",
    )
    change_mind: str | None = Field(
        None,
        description="`name=first value`: the user first asks with this other value of a parameter "
        "a write takes (its request and known facts say it), then, when asked to confirm, "
        "changes their mind to the task's own value.",
    )
    reveal_late: list[str] = Field(
        default_factory=list, description="Known facts the user gives only when asked twice."
    )
    forbidden_request: str | None = Field(
        None, description="Something the user asks for that the policy forbids."
    )

    @model_validator(mode="after")
    def _known_or_unknown(self) -> Scenario:
        """A fact is known or not: in both lists, the scripted user would give it and also say
        it does not know it."""
        for index, thing in enumerate(self.unknown):
            if thing in self.known:
                raise ValueAt(
                    f"'{thing}' is in both user.known and user.unknown; keep it in one of them",
                    ("unknown", index),
                )
        return self


class Step(Model):
    """One step of a gold plan: a tool call with arguments, or an agent utterance."""

    tool: str | None = Field(None, description="Tool to call.")
    args: dict[str, Any] = Field(
        default_factory=dict, description="Arguments (Jinja over parameters)."
    )
    say: str | None = Field(None, description="What the agent tells the user (Jinja).")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # `- cancel_pending_order: {order_id: ...}` is short for `{tool: ..., args: ...}`.
        if isinstance(data, dict) and len(data) == 1:
            ((name, value),) = data.items()
            if name not in ("tool", "say", "args"):
                if value is None or isinstance(value, dict):
                    return {"tool": name, "args": value or {}}
                given = "a list" if isinstance(value, list) else repr(value)
                raise ValueError(
                    f"the short form '{name}: ...' calls the tool {name} with the arguments that "
                    f"follow, which must be a mapping (name: value), not {given}"
                )
        tools = (
            [k for k in data if k not in ("tool", "say", "args")] if isinstance(data, dict) else []
        )
        if len(tools) > 1 and not {"tool", "say"} & set(data):
            raise ValueError(
                f"this step holds two tools ({', '.join(map(str, tools))}): a step calls one; "
                "check the indentation (each tool is an item of its own, starting with '- ')"
            )
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> JsonSchema:
        """The schema editors read takes the short form too (``- tool_name: {args}``)."""
        return short_form_schema(
            handler(core),
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "not": {
                    "anyOf": [{"required": ["tool"]}, {"required": ["say"]}, {"required": ["args"]}]
                },
                "additionalProperties": {"type": ["object", "null"]},
                "description": "Short for {tool: NAME, args: {...}}: a tool name, its arguments.",
            },
        )

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        if (self.tool is None) == (self.say is None):
            raise ValueError("a step is either a tool call or 'say'")
        return self


class Template(Model):
    """A task template: typed parameters, a user scenario, a gold plan and a check."""

    description: str = Field("", description="What the task is about.")
    family: str | None = Field(None, description="Task family for reports (defaults to the name).")
    params: dict[str, TemplateParam] = Field(default_factory=dict, description="Parameters.")
    user: Scenario = Field(description="The user's scenario.")
    gold: list[Step] = Field(description="The steps that solve the task.")
    check: str = Field(description="Name of the check declared in a checker file.")
    sample: bool = Field(
        True,
        strict=True,
        description="Whether `eigendsl compile` samples tasks from this template.",
    )

    @field_validator("params")
    @classmethod
    def _param_names(cls, value: dict[str, TemplateParam]) -> dict[str, TemplateParam]:
        return parameter_names(value, words=False)  # {{ count }} reads it in a template's text


class ScenarioOverride(Model):
    """Scenario fields a concrete task replaces (Jinja over the task's parameters)."""

    reason: str | None = None
    known: dict[str, str] | None = None
    unknown: list[str] | None = None
    instructions: str | None = None
    confirm: bool | None = Field(None, strict=True)
    change_mind: str | None = None
    reveal_late: list[str] | None = None
    forbidden_request: str | None = None


class TaskInstance(Model):
    """A concrete task: a template with fixed parameters."""

    id: str = Field(description="Unique task id.")
    template: str = Field(description="Template name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameter values.")
    split: Literal["train", "held-out"] | None = Field(None, description="Force a split.")
    user: ScenarioOverride | None = Field(
        None, description="Replace parts of the template's scenario."
    )


class TaskFile(Model):
    """A task file: templates and concrete tasks."""

    templates: dict[str, Template] = Field(default_factory=dict)
    tasks: list[TaskInstance] = Field(default_factory=list)
