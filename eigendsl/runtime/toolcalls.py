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
import math
import sys
from typing import Any

from eigendsl.yamlload import LONE_SURROGATE

TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
IM_END, ENDOFTEXT = "<|im_end|>", "<|endoftext|>"
MAX_CALLS = 8
# Real arguments nest a few levels; a fixed bound keeps the answer the same however deep the
# caller's stack is (the JSON decoder itself gives up, with RecursionError, near 1000 levels).
MAX_DEPTH = 100
_TOO_DEEP = "lists and objects in {what} nest deeper than " + f"{MAX_DEPTH} levels"

# Python's json reads NaN, Infinity and -Infinity (and 1e999 as infinity), which JSON has not:
# stored, they pass guards such as `tip >= 0` and make the episodes file invalid JSON.
_NOT_FINITE = "a number in {what} is {number}, which JSON does not allow; write a finite number"


def parse_tool_calls(
    text: str,
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Split a model's turn into its text, its tool calls and what was wrong with them.

    Returns ``(content, tool_calls, errors)``: ``content`` is the text outside the
    ``<tool_call>`` blocks (stripped, end-of-turn tokens removed), ``tool_calls`` the well-formed
    calls as ``{"name", "arguments"}`` with ``arguments`` a dict, ``errors`` one sentence for each
    block that could not be read. Never raises: the runtime answers each error to the model.
    Reading is linear in the text's length, however many tags it repeats.

    >>> parse_tool_calls('<tool_call>\\n{"name": "f", "arguments": [1]}\\n</tool_call>')[2]
    ['Tool call 1: "arguments" must be a JSON object, got list.']
    >>> parse_tool_calls('<tool_call>{"name": "f"')[2]
    ['Tool call 1: the <tool_call> block is not closed with </tool_call>.']
    """
    if not isinstance(text, str):
        return "", [], [f"Expected the model's output as text, got {type(text).__name__}."]
    if TOOL_CALL_OPEN not in text and TOOL_CALL_CLOSE not in text:
        other = other_format_calls(text)
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


# Llama 3's marker of a turn that is a call, and the end of such a turn; Mistral's marker.
PYTHON_TAG, EOM, EOT = "<|python_tag|>", "<|eom_id|>", "<|eot_id|>"
MISTRAL_CALLS = "[TOOL_CALLS]"
_END_TOKENS = (EOM, EOT, IM_END, ENDOFTEXT)


def other_format_calls(text: str) -> tuple[str, list[dict[str, Any]], list[str]] | None:
    """The calls of a turn in a format other than Hermes/Qwen, as :func:`parse_tool_calls` gives
    them; None where the turn is in none of them (it is text). A checkpoint that keeps its own
    chat template writes its calls as that template taught it:

    - Llama 3.1: ``<|python_tag|>`` then a call (or several, separated by ``;``);
    - Llama 3.x with a JSON-calling template: the whole turn a JSON object (or a list of them)
      with ``"name"`` and ``"parameters"``, the key Llama's template asks for (EigenDSL's own
      calls say ``"arguments"``, in ``<tool_call>``, so a turn of them is never read so);
    - Mistral: ``[TOOL_CALLS]`` then a JSON list of calls (or one).

    >>> other_format_calls('<|python_tag|>{"name": "f", "parameters": {"a": 1}}<|eom_id|>')
    ('', [{'name': 'f', 'arguments': {'a': 1}}], [])
    >>> other_format_calls('Your order is on its way.') is None
    True
    """
    text = text.strip()
    while text.endswith(_END_TOKENS):  # the turn's end; inside a call they are what it says
        text = text.removesuffix(next(t for t in _END_TOKENS if text.endswith(t))).rstrip()
    if text.startswith(PYTHON_TAG):
        body = text[len(PYTHON_TAG) :].strip()
        try:
            json.loads(body)
            bodies = [body]
        except (ValueError, RecursionError):  # several calls: Llama separates them with ';'
            bodies = [part for part in body.split(";") if part.strip()] or [body]
        return _read_calls(bodies)
    if text.startswith(MISTRAL_CALLS):
        return _read_calls([text[len(MISTRAL_CALLS) :].strip()], listed=True)
    if not text.startswith(("{", "[")) or '"parameters"' not in text:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None  # text that happens to start with a brace
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(
        isinstance(e, dict) and "name" in e and "parameters" in e for e in entries
    ):
        return None
    return _read_calls([text], listed=True)


def _read_calls(
    bodies: list[str], listed: bool = False
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """The calls of ``bodies`` (each one call's JSON, or with ``listed`` a JSON list of calls or
    one call), numbered across them, at most :data:`MAX_CALLS`."""
    calls: list[dict[str, Any]] = []
    errors: list[str] = []
    number = 0
    for body in bodies:
        entries = [body]
        if listed:
            try:
                data = _loads(body)
            except (ValueError, RecursionError):
                data = None  # _read_call says what is wrong with it
            if isinstance(data, list):
                entries = [json.dumps(entry) for entry in data]
        for entry in entries:
            if number >= MAX_CALLS:
                errors.append(f"Too many tool calls in one message (at most {MAX_CALLS}).")
                return "", calls, errors
            number += 1
            call, error = _read_call(entry, number)
            if error:
                errors.append(error)
            else:
                calls.append(call)
    return "", calls, errors


def _read_call(body: str, number: int) -> tuple[dict[str, Any], str | None]:
    where = f"Tool call {number}"
    try:
        data = _loads(body)
    except _DuplicateKey as exc:
        return {}, f"{where}: the call {exc}."
    except json.JSONDecodeError as exc:
        return (
            {},
            f"{where}: invalid JSON ({exc.msg} at character {exc.pos}); write "
            '{"name": <function-name>, "arguments": {...}}.',
        )
    except (ValueError, RecursionError) as exc:
        return {}, f"{where}: {_unreadable(exc, 'the tool call')}."
    if not isinstance(data, dict):
        return {}, f"{where}: expected a JSON object, got {type(data).__name__}."
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return {}, f'{where}: missing the "name" of the function.'
    if "arguments" in data and "parameters" in data:
        return {}, (
            f'{where}: the call gives both "arguments" and "parameters"; write its arguments '
            'once, as "arguments".'
        )
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):
        # Some models write the arguments as a JSON string, as OpenAI messages carry them.
        try:
            arguments = _loads(arguments) if arguments.strip() else {}
        except _DuplicateKey as exc:
            return {}, f'{where}: "arguments" {exc}.'
        except json.JSONDecodeError:
            return {}, f'{where}: "arguments" is a string that is not valid JSON.'
        except (ValueError, RecursionError) as exc:
            return {}, f"{where}: {_unreadable(exc, 'the arguments')}."
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return {}, f'{where}: "arguments" must be a JSON object, got {type(arguments).__name__}.'
    if _too_deep(arguments):
        return {}, f"{where}: {_TOO_DEEP.format(what='the arguments')}."
    if (not_finite := _not_finite(arguments)) is not None:
        return {}, f"{where}: {_NOT_FINITE.format(what='the arguments', number=not_finite)}."
    # As decode_arguments does: a lone surrogate escape ("\\ud800") is no character, and no
    # request or episodes file could be written with it.
    return {"name": without_surrogates(name), "arguments": without_surrogates(arguments)}, None


class _DuplicateKey(ValueError):
    """A JSON object that names a key twice (``json.loads`` would keep the last silently)."""

    def __init__(self, key: str):
        shown = json.dumps(key if len(key) <= 40 else key[:40] + "...")  # ASCII: any key prints
        super().__init__(f"names {shown} twice")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return value


def _loads(text: str) -> Any:
    """``json.loads``, refusing an object that names a key twice (:class:`_DuplicateKey`): a
    model's ``{"name": "f", "name": "g"}`` is ambiguous, not a call of g."""
    return json.loads(text, object_pairs_hook=_unique_keys)


def without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD.

    JSON can escape half of a UTF-16 pair (``"\\ud800"``); ``json.loads`` gives it back as a code
    point that is not text and cannot be written as UTF-8, so a model or a person writing one
    would crash the episodes file at the end of a run. Pairs are joined by the decoder already.

    >>> without_surrogates({"a": ["x" + chr(0xD800)]}) == {"a": ["x" + chr(0xFFFD)]}
    True
    """
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value


def decode_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """OpenAI-style arguments (a JSON string or a dict) as a dict, or an error sentence.

    Never raises: numbers too long for Python and nesting deeper than :data:`MAX_DEPTH` are
    errors like bad JSON.

    >>> decode_arguments('{"a": [1]}')
    ({'a': [1]}, None)
    >>> decode_arguments('{"a": ' + '[' * 2000)[1]
    'lists and objects in the tool call arguments nest deeper than 100 levels'
    """
    if isinstance(raw, dict):
        value: Any = raw
    elif not isinstance(raw, str):
        return None, "tool call arguments must be a JSON object"
    else:
        try:
            value = _loads(raw) if raw.strip() else {}
        except _DuplicateKey as exc:
            return None, f"tool call arguments {exc}"
        except json.JSONDecodeError as exc:
            return None, f"tool call arguments are not valid JSON: {exc}"
        except (ValueError, RecursionError) as exc:
            return None, _unreadable(exc, "the tool call arguments")
    if not isinstance(value, dict):
        return None, "tool call arguments must be a JSON object"
    if _too_deep(value):
        return None, _TOO_DEEP.format(what="the tool call arguments")
    if (not_finite := _not_finite(value)) is not None:
        return None, _NOT_FINITE.format(what="the tool call arguments", number=not_finite)
    return without_surrogates(value), None


def _unreadable(exc: ValueError | RecursionError, what: str) -> str:
    """Why ``json.loads`` failed other than on bad syntax, as a phrase about ``what``."""
    if isinstance(exc, RecursionError):
        return _TOO_DEEP.format(what=what)
    if "integer string conversion" in str(exc):
        limit = sys.get_int_max_str_digits()
        return f"a number in {what} has more than {limit:,} digits; write long numbers as strings"
    return f"{what} cannot be read ({exc})"


def _not_finite(value: Any) -> str | None:
    """The first NaN or infinity among ``value``'s numbers, as JSON-like text; None if none.

    >>> _not_finite({"tip": [1.5, float("-inf")]})
    '-Infinity'
    """
    stack = [value]
    while stack:  # nested no deeper than MAX_DEPTH: checked before
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _too_deep(value: Any) -> bool:
    """Whether lists and objects nest more than :data:`MAX_DEPTH` levels ({} is one level)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:  # a loop, not recursion: the value may nest about as deep as the stack allows
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if not isinstance(item, list):
            continue
        if level > MAX_DEPTH:
            return True
        stack.extend((child, level + 1) for child in item)
    return False
