"""What an agent produced in one turn (:class:`AgentTurn`), and reading one from a model's output.

Tool calls are parsed from the model's text in the Hermes/Qwen format
(``<tool_call>{json}</tool_call>``, or another a checkpoint's own template teaches:
:mod:`eigendsl.runtime.toolcalls`) or taken from an OpenAI chat-completions message; neither
reading raises: malformed calls come back as errors for the model to read.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.call_values import decode_arguments
from eigendsl.runtime.toolcalls import parse_tool_calls


@dataclass
class AgentTurn:
    """What an agent produced: text and/or tool calls (``arguments`` as dicts). ``context_full``
    says why a model wrote nothing: the conversation outgrew its positions (the runner ends the
    episode as ``context_full``)."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    raw: str | None = None
    context_full: str | None = None


def turn_from_text(text: str, tool_names: Collection[str] | None = None) -> AgentTurn:
    """A model's text as a turn. ``tool_names``, the episode's tools where the caller knows
    them: a turn that is only JSON is a call of one of them, not of any name (the agent may be
    showing the user a record)."""
    content, calls, errors = parse_tool_calls(text, tool_names)
    return AgentTurn(content=content or None, tool_calls=calls, errors=errors, raw=text)


def turn_from_openai(message: Any) -> AgentTurn:
    """An OpenAI chat-completions message as an agent turn. Never raises: whatever shape the
    server sent, what cannot be read becomes an error sentence for the model."""
    if not isinstance(message, dict):
        return AgentTurn(
            errors=[
                f"the endpoint returned a message that is not a JSON object "
                f"(got {type(message).__name__})"
            ],
            raw=_as_raw(message),
        )
    content = message.get("content")
    entries = message.get("tool_calls") or []
    if not entries and isinstance(content, str) and "<tool_call>" in content:
        # A server without a tool parser returns the model's calls as Hermes text. When it sent
        # structured calls, they are the turn's calls, and <tool_call> in its text is just text.
        return turn_from_text(content)
    calls, errors = [], []
    if not isinstance(entries, list):
        errors.append(f'"tool_calls" must be a list, got {type(entries).__name__}')
        entries = []
    for raw in entries:
        call, error = _openai_call(raw)
        if error:
            errors.append(error)
        else:
            calls.append(call)
    raw = _as_raw(message.get("tool_calls")) if errors else None
    return AgentTurn(
        content=content if isinstance(content, str) else None,
        tool_calls=calls,
        errors=errors,
        raw=raw,
    )


def _openai_call(raw: Any) -> tuple[dict[str, Any], str | None]:
    """One entry of ``tool_calls`` as ``{"name", "arguments"}``, or why it cannot be read."""
    if not isinstance(raw, dict):
        return {}, f"a tool call must be a JSON object, got {type(raw).__name__}"
    function = raw.get("function") or {}
    if not isinstance(function, dict):
        return {}, f'a tool call\'s "function" must be a JSON object, got {type(function).__name__}'
    args, error = decode_arguments(function.get("arguments", "{}"))
    if error or args is None or not isinstance(function.get("name"), str):
        return {}, error or "a tool call without a name"
    return {"name": function["name"], "arguments": args}, None


def _as_raw(value: Any) -> str:
    """What the server sent, as JSON text for the trace; a bounded repr if it is not JSON."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return reprlib.repr(value)
