"""The shape of a row of a compiled ``tasks.jsonl``: what the compiler writes
(:func:`eigendsl.tasks.render_task`) and the runtime reads.

Rows are checked when a compiled domain is loaded, so that a hand-edited or damaged file is a
clear error at its line, not a traceback in the middle of an episode. The runtime keeps the rows
as plain dicts; these models only check them.

>>> row_problems({"id": "t1", "gold": "x"})[:2]
["the row lacks the key 'schema_version'", "the row lacks the key 'template'"]
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from eigendsl.errors import did_you_mean
from eigendsl.runtime.compiled import KINDS, shown
from eigendsl.support import place


class _Part(BaseModel):
    # Strict: the runtime reads these values as they are ("yes" is not true, 5 is not "5").
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class UserRow(_Part):
    """The simulated user's scenario, rendered with the task's parameters."""

    reason: str = Field(description="Why the user is calling, in their words.")
    known: dict[str, str] = Field(description="Facts the user gives when asked, by name.")
    unknown: list[str] = Field(description="Things the user says they do not know.")
    instructions: str = Field(description="How the user behaves, for an LLM-backed simulator.")
    confirm: bool = Field(description="Whether the user agrees when asked to confirm a write.")
    change_mind: str | None = Field(
        description="`name=first value`: the user first asks with this value of a parameter."
    )
    reveal_late: list[str] = Field(description="Known facts the user gives only when asked twice.")
    forbidden_request: str | None = Field(
        description="Something the user asks for that the policy forbids."
    )


class ToolStep(_Part):
    """A gold step that calls a tool."""

    tool: str = Field(description="The tool's name, as in tools.json.")
    args: dict[str, Any] = Field(description="The call's arguments.")


class SayStep(_Part):
    """A gold step in which the agent tells the user something."""

    say: str = Field(description="What the agent says.")


# Tags that name no key, so that they can be dropped from an error's location.
_TOOL, _SAY = "<tool step>", "<say step>"


def _step_kind(value: Any) -> str:
    return _SAY if isinstance(value, dict) and "say" in value else _TOOL


GoldStep = Annotated[
    Annotated[ToolStep, Tag(_TOOL)] | Annotated[SayStep, Tag(_SAY)], Discriminator(_step_kind)
]


class TaskRow(_Part):
    """One line of ``tasks.jsonl``: a concrete task. Keys beyond these are allowed and kept."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    schema_version: int = Field(description="The schema version of the row.")
    id: str = Field(description="Unique task id.")
    template: str = Field(description="The template the task was rendered from.")
    family: str = Field(description="The task family, for reports.")
    split: Literal["train", "held-out"] = Field(description="Which split the task is in.")
    params: dict[str, Any] = Field(description="The template's parameter values.")
    check: str = Field(description="The check that judges the task, as in verifiers/index.json.")
    user: UserRow = Field(description="The simulated user's scenario.")
    gold: list[GoldStep] = Field(description="The steps that solve the task.")


_USER_KEYS = list(UserRow.model_fields)
_STEP_KEYS = [*ToolStep.model_fields, *SayStep.model_fields]


def _where(loc: tuple[str | int, ...]) -> str:
    """``gold[0].args``, ``user.known["order id"]``: a location as the DSL writes a place."""
    return place("", loc)


def _problem(error: Any) -> str:
    loc = tuple(p for p in error["loc"] if p not in (_TOOL, _SAY))
    kind, value = error["type"], error["input"]
    if kind == "missing":
        owner, key = loc[:-1], loc[-1]
        return f"{_where(owner) if owner else 'the row'} lacks the key '{key}'"
    if kind == "extra_forbidden":
        owner, key = loc[:-1], loc[-1]
        names = _USER_KEYS if owner == ("user",) else _STEP_KEYS
        if key in names:  # a 'say' step with a tool call's keys
            return (
                f"{_where(owner)} has both 'say' and 'tool' or 'args': a gold step either calls "
                f"a tool (tool, args) or says something (say), not both"
            )
        return f"{_where(owner)} has the unknown key '{key}'{did_you_mean(str(key), names)}"
    expected = {
        "dict_type": KINDS[dict],
        "model_type": KINDS[dict],
        "model_attributes_type": KINDS[dict],
        "list_type": KINDS[list],
        "string_type": KINDS[str],
        "int_type": KINDS[int],
        "bool_type": KINDS[bool],
    }.get(kind)
    if expected is None and kind == "literal_error":
        expected = error["ctx"]["expected"]
    if expected is None:
        return f"{_where(loc)}: {error['msg']}"
    return f"{_where(loc)} must be {expected}, not {shown(value)}"


def row_problems(row: dict[str, Any]) -> list[str]:
    """What is wrong with the shape of one ``tasks.jsonl`` row, in words; empty when nothing."""
    try:
        TaskRow.model_validate(row)
    except ValidationError as exc:
        return list(dict.fromkeys(_problem(error) for error in exc.errors(include_url=False)))
    return []
