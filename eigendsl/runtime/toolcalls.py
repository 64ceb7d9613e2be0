"""Parse tool calls out of model text in the Hermes/Qwen format, never raising.

>>> content, calls, errors = parse_tool_calls('Sure.<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>')
>>> content, calls[0]["name"], calls[0]["arguments"], errors
('Sure.', 'f', {'a': 1}, [])
"""

from __future__ import annotations

import json
import re
from typing import Any

TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
IM_END, ENDOFTEXT = "<|im_end|>", "<|endoftext|>"
MAX_CALLS = 8

_BLOCK = re.compile(re.escape(TOOL_CALL_OPEN) + r"(.*?)" + re.escape(TOOL_CALL_CLOSE), re.DOTALL)


def parse_tool_calls(
    text: str,
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Split a model's turn into its text, its tool calls and what was wrong with them.

    Returns ``(content, tool_calls, errors)``: ``content`` is the text outside the
    ``<tool_call>`` blocks (stripped, end-of-turn tokens removed), ``tool_calls`` the well-formed
    calls as ``{"name", "arguments"}`` with ``arguments`` a dict, ``errors`` one sentence for each
    block that could not be read. Never raises: the runtime answers each error to the model.

    >>> parse_tool_calls('<tool_call>\\n{"name": "f", "arguments": [1]}\\n</tool_call>')[2]
    ['Tool call 1: "arguments" must be a JSON object, got list.']
    >>> parse_tool_calls('<tool_call>{"name": "f"')[2]
    ['Tool call 1: the <tool_call> block is not closed with </tool_call>.']
    """
    if not isinstance(text, str):
        return "", [], [f"Expected the model's output as text, got {type(text).__name__}."]
    text = text.replace(IM_END, "").replace(ENDOFTEXT, "")
    calls: list[dict[str, Any]] = []
    errors: list[str] = []
    pieces: list[str] = []
    position = 0
    number = 0
    for match in _BLOCK.finditer(text):
        if number >= MAX_CALLS:
            errors.append(f"Too many tool calls in one message (at most {MAX_CALLS}).")
            break
        pieces.append(text[position : match.start()])
        position = match.end()
        number += 1
        function, error = _read_call(match.group(1), number)
        if error:
            errors.append(error)
        else:
            calls.append(function)
    rest = text[position:]
    if TOOL_CALL_OPEN in rest:
        cut = rest.index(TOOL_CALL_OPEN)
        pieces.append(rest[:cut])
        number += 1
        errors.append(f"Tool call {number}: the <tool_call> block is not closed with </tool_call>.")
    else:
        pieces.append(rest)
    content = "".join(pieces)
    if TOOL_CALL_CLOSE in content:
        errors.append("Found </tool_call> without a matching <tool_call>.")
        content = content.replace(TOOL_CALL_CLOSE, "")
    return content.strip(), calls, errors


def _read_call(body: str, number: int) -> tuple[dict[str, Any], str | None]:
    where = f"Tool call {number}"
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        return (
            {},
            f"{where}: invalid JSON ({exc.msg} at character {exc.pos}); write "
            '{"name": <function-name>, "arguments": {...}}.',
        )
    if not isinstance(data, dict):
        return {}, f"{where}: expected a JSON object, got {type(data).__name__}."
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return {}, f'{where}: missing the "name" of the function.'
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):
        # Some models write the arguments as a JSON string, as OpenAI messages carry them.
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return {}, f'{where}: "arguments" is a string that is not valid JSON.'
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return {}, f'{where}: "arguments" must be a JSON object, got {type(arguments).__name__}.'
    return {"name": name, "arguments": arguments}, None


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
