"""Parse tool calls out of model text, never raising: the Hermes/Qwen format EigenDSL trains
(``<tool_call>{json}</tool_call>``), and the formats other checkpoints' own chat templates teach
(:func:`other_format_calls`: Llama 3's ``<|python_tag|>`` and JSON turns, Mistral's
``[TOOL_CALLS]``).

>>> content, calls, errors = parse_tool_calls(
...     'Sure.<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>'
... )
>>> content, calls[0]["name"], calls[0]["arguments"], errors
('Sure.', 'f', {'a': 1}, [])
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from eigendsl.runtime.call_values import (
    DECODER,
    DuplicateKey,
    strict_loads,
    unreadable,
    value_problem,
    without_surrogates,
)

TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
IM_END, ENDOFTEXT = "<|im_end|>", "<|endoftext|>"
MAX_CALLS = 8


def parse_tool_calls(
    text: str, tool_names: Collection[str] | None = None
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Split a model's turn into its text, its tool calls and what was wrong with them.

    Returns ``(content, tool_calls, errors)``: ``content`` is the text outside the
    ``<tool_call>`` blocks (stripped, end-of-turn tokens removed), ``tool_calls`` the well-formed
    calls as ``{"name", "arguments"}`` with ``arguments`` a dict, ``errors`` one sentence for each
    block that could not be read. Never raises: the runtime answers each error to the model.
    Reading is linear in the text's length, however many tags it repeats. ``tool_names``, the
    episode's tools where the caller knows them, narrow the one unmarked format
    (:func:`other_format_calls`).

    >>> parse_tool_calls('<tool_call>\\n{"name": "f", "arguments": [1]}\\n</tool_call>')[2]
    ['Tool call 1: "arguments" must be a JSON object, got list.']
    >>> parse_tool_calls('<tool_call>{"name": "f"')[2]
    ['Tool call 1: the <tool_call> block is not closed with </tool_call>.']
    """
    if not isinstance(text, str):
        return "", [], [f"Expected the model's output as text, got {type(text).__name__}."]
    if TOOL_CALL_OPEN not in text and TOOL_CALL_CLOSE not in text:
        other = other_format_calls(text, tool_names)
        if other is not None:
            return other
    calls: list[dict[str, Any]] = []
    errors: list[str] = []
    pieces: list[str] = []
    position = number = 0
    while (start := text.find(TOOL_CALL_OPEN, position)) >= 0:
        pieces.append(text[position:start])
        position = len(text)  # what follows a block that stops the reading is not text
        if number >= MAX_CALLS:
            errors.append(f"Too many tool calls in one message (at most {MAX_CALLS}).")
            break
        number += 1
        body_start = start + len(TOOL_CALL_OPEN)
        end = text.find(TOOL_CALL_CLOSE, body_start)
        if end < 0:  # one search to the end, then stop: repeated tags cost linear time
            errors.append(
                f"Tool call {number}: the <tool_call> block is not closed with </tool_call>."
            )
            break
        function, error = _read_call(text[body_start:end], number)
        if error:
            errors.append(error)
        else:
            calls.append(function)
        position = end + len(TOOL_CALL_CLOSE)
    pieces.append(text[position:])
    # End-of-turn tokens are removed from the text around the calls only: inside a call they
    # are what the model wrote (an argument's text), read as JSON like the rest of it.
    content = "".join(pieces).replace(IM_END, "").replace(ENDOFTEXT, "")
    if TOOL_CALL_CLOSE in content:
        errors.append("Found </tool_call> without a matching <tool_call>.")
        content = content.replace(TOOL_CALL_CLOSE, "")
    return content.strip(), calls, errors


# Llama 3's marker of a turn that is a call, and the end of such a turn; Mistral's marker and
# end of turn.
PYTHON_TAG, EOM, EOT = "<|python_tag|>", "<|eom_id|>", "<|eot_id|>"
MISTRAL_CALLS, MISTRAL_END = "[TOOL_CALLS]", "</s>"
_END_TOKENS = (EOM, EOT, IM_END, ENDOFTEXT, MISTRAL_END)
# The key each format's calls give their arguments under, as its template teaches it.
_MARKERS = ((PYTHON_TAG, "parameters"), (MISTRAL_CALLS, "arguments"))
_FENCE = re.compile(r"```(?:json)?[ \t]*\n(.*?)\n?[ \t]*```", re.DOTALL)


def other_format_calls(
    text: str, tool_names: Collection[str] | None = None
) -> tuple[str, list[dict[str, Any]], list[str]] | None:
    """The calls of a turn in a format other than Hermes/Qwen, as :func:`parse_tool_calls` gives
    them; None where the turn is in none of them (it is text). A checkpoint that keeps its own
    chat template writes its calls as that template taught it:

    - Llama 3.1: ``<|python_tag|>`` then a call (or several, separated by ``;``; Llama 3.2 writes
      a JSON list of them);
    - Mistral: ``[TOOL_CALLS]`` then a JSON list of calls (or one; or several such blocks);
    - Llama 3.x with a JSON-calling template: the whole turn a JSON object (or a list of them)
      with ``"name"`` and ``"parameters"``, the key Llama's template asks for (EigenDSL's own
      calls say ``"arguments"``, in ``<tool_call>``, so a turn of them is never read so).

    Text before a marker, or after the calls, is the turn's content, as around Hermes blocks. A
    marker is a call where the turn starts with it or JSON follows it; elsewhere (a turn that
    mentions ``[TOOL_CALLS]``) it is text. The unmarked JSON turn is the one form an agent may
    write for the user too (a tool's parameters explained, a record shown): with ``tool_names``
    (the episode's tools) it is a call only where every entry names one of them.

    >>> other_format_calls('<|python_tag|>{"name": "f", "parameters": {"a": 1}}<|eom_id|>')
    ('', [{'name': 'f', 'arguments': {'a': 1}}], [])
    >>> other_format_calls('Sure. [TOOL_CALLS][{"name": "f", "arguments": {}}]</s>')
    ('Sure.', [{'name': 'f', 'arguments': {}}], [])
    >>> other_format_calls('{"name": "Ann", "parameters": {"age": 40}}', {"find_user"}) is None
    True
    >>> other_format_calls('Your order is on its way.') is None
    True
    """
    text = text.strip()
    while text.endswith(_END_TOKENS):  # the turn's end; inside a call they are what it says
        text = text.removesuffix(next(t for t in _END_TOKENS if text.endswith(t))).rstrip()
    found = [
        (at, marker, key)
        for marker, key in _MARKERS
        if (at := text.find(marker)) == 0
        or (at > 0 and text[at + len(marker) :].lstrip().startswith(("{", "[")))
    ]
    if found:
        at, marker, key = min(found)
        after, calls, errors = _read_values(text[at + len(marker) :], key, (";", marker))
        return " ".join(p for p in (text[:at].strip(), after) if p), calls, errors
    fenced = _FENCE.fullmatch(text)  # a JSON turn in a Markdown code block
    body = fenced[1].strip() if fenced else text
    if not body.startswith(("{", "[")) or '"parameters"' not in body:
        return None
    try:  # a key named twice is the call's error (_read_values), not a reason to be text
        data, _ = json.JSONDecoder().raw_decode(body)
    except (ValueError, RecursionError):
        return None  # text that happens to start with a brace
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(
        isinstance(e, dict)
        and isinstance(e.get("name"), str)
        and ("parameters" in e or "arguments" in e)
        and (tool_names is None or e["name"] in tool_names)
        for e in entries
    ):
        return None
    if not any("parameters" in e for e in entries):
        return None
    return _read_values(body, "parameters", (";",))


def _read_values(
    body: str, key: str, separators: tuple[str, ...]
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """The calls written one JSON value after another in ``body`` (each a call or a list of
    calls, apart by whitespace or ``separators``), numbered across them, at most
    :data:`MAX_CALLS`; and the text after them. A ';' inside a string is the string's: values
    are read whole (``raw_decode``), not split. ``key`` is the format's word for the arguments,
    the one its errors use."""
    calls: list[dict[str, Any]] = []
    errors: list[str] = []
    number = position = 0
    while True:
        while position < len(body):  # what lies between two values
            if body[position].isspace():
                position += 1
            elif sep := next((s for s in separators if body.startswith(s, position)), ""):
                position += len(sep)
            else:
                break
        if position >= len(body):
            return "", calls, errors
        if number and body[position] not in "{[":
            return body[position:].strip(), calls, errors  # text after the calls
        where = f"Tool call {number + 1}"
        try:
            data, end = DECODER.raw_decode(body, position)
        except DuplicateKey as exc:
            errors.append(f"{where}: the call {exc}.")
            return "", calls, errors
        except json.JSONDecodeError as exc:
            errors.append(_invalid_json(where, exc, key, exc.pos - position))
            return "", calls, errors
        except (ValueError, RecursionError) as exc:
            errors.append(f"{where}: {unreadable(exc, 'the tool call')}.")
            return "", calls, errors
        position = end
        for entry in data if isinstance(data, list) else [data]:
            if number >= MAX_CALLS:
                errors.append(f"Too many tool calls in one message (at most {MAX_CALLS}).")
                return "", calls, errors
            number += 1
            call, error = _call_of(entry, number, key)
            if error:
                errors.append(error)
            else:
                calls.append(call)


def _invalid_json(where: str, exc: json.JSONDecodeError, key: str, at: int) -> str:
    return (
        f"{where}: invalid JSON ({exc.msg} at character {at}); write "
        f'{{"name": <function-name>, "{key}": {{...}}}}.'
    )


def _read_call(body: str, number: int) -> tuple[dict[str, Any], str | None]:
    """One Hermes block's call (its JSON text), or why it cannot be read."""
    where = f"Tool call {number}"
    try:
        data = strict_loads(body)
    except DuplicateKey as exc:
        return {}, f"{where}: the call {exc}."
    except json.JSONDecodeError as exc:
        return {}, _invalid_json(where, exc, "arguments", exc.pos)
    except (ValueError, RecursionError) as exc:
        return {}, f"{where}: {unreadable(exc, 'the tool call')}."
    return _call_of(data, number, "arguments")


def _call_of(data: Any, number: int, key: str) -> tuple[dict[str, Any], str | None]:
    """A decoded call as ``{"name", "arguments"}``, or why it is none. Errors name the key the
    call wrote its arguments under (``key``, the format's, where it wrote neither)."""
    where = f"Tool call {number}"
    if not isinstance(data, dict):
        return {}, f"{where}: expected a JSON object, got {type(data).__name__}."
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return {}, f'{where}: missing the "name" of the function.'
    if "arguments" in data and "parameters" in data:
        return {}, (
            f'{where}: the call gives both "arguments" and "parameters"; write its arguments '
            f'once, as "{key}".'
        )
    key = "parameters" if "parameters" in data else "arguments" if "arguments" in data else key
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):
        # Some models write the arguments as a JSON string, as OpenAI messages carry them.
        try:
            arguments = strict_loads(arguments) if arguments.strip() else {}
        except DuplicateKey as exc:
            return {}, f'{where}: "{key}" {exc}.'
        except json.JSONDecodeError:
            return {}, f'{where}: "{key}" is a string that is not valid JSON.'
        except (ValueError, RecursionError) as exc:
            return {}, f"{where}: {unreadable(exc, 'the arguments')}."
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return {}, f'{where}: "{key}" must be a JSON object, got {type(arguments).__name__}.'
    if (problem := value_problem(arguments, "the arguments")) is not None:
        return {}, f"{where}: {problem}."
    # As decode_arguments does: a lone surrogate escape ("\\ud800") is no character, and no
    # request or episodes file could be written with it.
    return {"name": without_surrogates(name), "arguments": without_surrogates(arguments)}, None


def tool_names(tools: list[dict[str, Any]] | None) -> frozenset[str]:
    """The names of OpenAI-format ``tools`` (none where there are none: a user's turn).

    >>> sorted(tool_names([{"type": "function", "function": {"name": "find_user"}}]))
    ['find_user']
    """
    return frozenset(
        t["function"]["name"]
        for t in tools or []
        if isinstance(t, dict)
        and isinstance(t.get("function"), dict)
        and isinstance(t["function"].get("name"), str)
    )
