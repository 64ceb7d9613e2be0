"""Parse tool calls out of model text in the Hermes/Qwen format, never raising.

>>> content, calls, errors = parse_tool_calls('Sure.<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>')
>>> content, calls[0]["name"], calls[0]["arguments"], errors
('Sure.', 'f', {'a': 1}, [])
>>> parse_tool_calls('<tool_call>{oops</tool_call>')[2]
['tool call 1 is not valid JSON: Expecting property name enclosed in double quotes (char 1)']
"""

from __future__ import annotations

import json
import re
from typing import Any

_BLOCK = re.compile(r"<tool_call>(.*?)(</tool_call>|$)", re.DOTALL)
MAX_CALLS = 8


def parse_tool_calls(text: str) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Split model output into (text content, well-formed calls, error sentences)."""
    if not isinstance(text, str):
        return "", [], ["the model produced no text"]
    calls: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, match in enumerate(_BLOCK.finditer(text), start=1):
        if number > MAX_CALLS:
            errors.append(f"too many tool calls in one message (at most {MAX_CALLS})")
            break
        body, closing = match.group(1).strip(), match.group(2)
        if not closing:
            errors.append(f"tool call {number} is not closed with </tool_call>")
            continue
        try:
            payload = json.loads(body)
        except json.JSONDecodeError as exc:
            errors.append(f"tool call {number} is not valid JSON: {exc}")
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
            errors.append(f"tool call {number} must be an object with a string 'name'")
            continue
        arguments = payload.get("arguments", payload.get("parameters", {}))
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                errors.append(f"tool call {number}: 'arguments' is a string that is not JSON")
                continue
        if not isinstance(arguments, dict):
            errors.append(f"tool call {number}: 'arguments' must be an object")
            continue
        calls.append({"name": payload["name"], "arguments": arguments})
    content = _BLOCK.sub("", text).strip()
    return content, calls, errors


def decode_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """OpenAI-style arguments (a JSON string or a dict) as a dict, or an error sentence."""
    if isinstance(raw, dict):
        return raw, None
    if not isinstance(raw, str):
        return None, "tool call arguments must be a JSON object"
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return None, f"tool call arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, "tool call arguments must be a JSON object"
    return value, None
