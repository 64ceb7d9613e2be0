"""A model's JSON values read strictly, never raising: a key named twice, nesting past
:data:`MAX_DEPTH`, a number JSON has not (NaN, infinities) or too long for Python, and a lone
surrogate escape are each an error sentence or mended, where ``json.loads`` would accept them or
fail deep in a run. :mod:`eigendsl.runtime.toolcalls` reads calls out of text with these;
:func:`decode_arguments` reads the arguments of OpenAI-style calls.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from eigendsl.yamlload import LONE_SURROGATE

# Real arguments nest a few levels; a fixed bound keeps the answer the same however deep the
# caller's stack is (the JSON decoder itself gives up, with RecursionError, near 1000 levels).
MAX_DEPTH = 100
TOO_DEEP = "lists and objects in {what} nest deeper than " + f"{MAX_DEPTH} levels"

# Python's json reads NaN, Infinity and -Infinity (and 1e999 as infinity), which JSON has not:
# stored, they pass guards such as `tip >= 0` and make the episodes file invalid JSON.
NOT_FINITE = "a number in {what} is {number}, which JSON does not allow; write a finite number"


class DuplicateKey(ValueError):
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
                raise DuplicateKey(key)
            seen.add(key)
    return value


def strict_loads(text: str) -> Any:
    """``json.loads``, refusing an object that names a key twice (:class:`DuplicateKey`): a
    model's ``{"name": "f", "name": "g"}`` is ambiguous, not a call of g."""
    return json.loads(text, object_pairs_hook=_unique_keys)


DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)  # one value of several, as strict_loads


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
            value = strict_loads(raw) if raw.strip() else {}
        except DuplicateKey as exc:
            return None, f"tool call arguments {exc}"
        except json.JSONDecodeError as exc:
            return None, f"tool call arguments are not valid JSON: {exc}"
        except (ValueError, RecursionError) as exc:
            return None, unreadable(exc, "the tool call arguments")
    if not isinstance(value, dict):
        return None, "tool call arguments must be a JSON object"
    problem = value_problem(value, "the tool call arguments")
    if problem is not None:
        return None, problem
    return without_surrogates(value), None


def value_problem(value: Any, what: str) -> str | None:
    """Why the decoded ``value`` (``what``, as a phrase) cannot be kept: lists and objects
    nested past :data:`MAX_DEPTH`, or a number JSON has not; None when it can.

    >>> value_problem({"tip": float("nan")}, "the arguments")
    'a number in the arguments is NaN, which JSON does not allow; write a finite number'
    """
    if too_deep(value):
        return TOO_DEEP.format(what=what)
    if (number := not_finite(value)) is not None:
        return NOT_FINITE.format(what=what, number=number)
    return None


def unreadable(exc: ValueError | RecursionError, what: str) -> str:
    """Why ``json.loads`` failed other than on bad syntax, as a phrase about ``what``."""
    if isinstance(exc, RecursionError):
        return TOO_DEEP.format(what=what)
    if "integer string conversion" in str(exc):
        limit = sys.get_int_max_str_digits()
        return f"a number in {what} has more than {limit:,} digits; write long numbers as strings"
    return f"{what} cannot be read ({exc})"


def not_finite(value: Any) -> str | None:
    """The first NaN or infinity among ``value``'s numbers, as JSON-like text; None if none.

    >>> not_finite({"tip": [1.5, float("-inf")]})
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


def too_deep(value: Any) -> bool:
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
