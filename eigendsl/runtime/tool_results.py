"""A Python tool's result as JSON values, converted once where the tool returns it.

What the model reads, what a check reads in ``calls`` and what ``run --out`` and ``synth`` write
are then the same value, and no later step can fail on it. A place that is not JSON (a ``date``,
a tuple key, NaN, text holding a lone surrogate) is converted as ``json.dumps(...,
default=str)`` would write it, and named, for lint to report at the tool. A result no JSON
writer can take at all (one that holds itself, one nested too deep, an int too long for Python
to write as text) is a fault of the call, which then fails; so is one whose text would differ
from run to run (a ``set``, an object Python writes with its memory address), which the model
would read in a transcript no replay gives again.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eigendsl.yamlload import LONE_SURROGATE

#: How deep a result may nest lists and mappings: deeper is a tool's bug, and JSON writers and
#: readers (Python's included) fail on it.
MAX_DEPTH = 100


@dataclass
class JsonResult:
    """``value``: the result as JSON values; ``problems``: the places that were not JSON (at
    most ``limit``), each converted; ``fatal``: why the result cannot be written at all, or
    ''."""

    value: Any = None
    problems: list[str] = field(default_factory=list)
    fatal: str = ""


class _Unwritable(Exception):
    pass


def json_result(value: Any, where: str = "the result", limit: int = 20) -> JsonResult:
    """``value`` as JSON values, and where it was not JSON.

    >>> r = json_result({(1, 2): "x", "on": __import__("datetime").date(2025, 6, 10)})
    >>> r.value
    {'(1, 2)': 'x', 'on': '2025-06-10'}
    >>> r.problems[1]
    'the result["on"] is a datetime.date'
    >>> json_result({"s": {3}}).fatal.split(",")[0]
    'the result["s"] is a set'
    >>> json_result("a" + chr(0xDC80)).value == "a" + chr(0xFFFD)
    True
    >>> loop: list[Any] = []
    >>> loop.append(loop)
    >>> json_result({"a": loop}).fatal
    'the result["a"][0] holds itself (a list inside itself), which JSON cannot write'
    """
    result = JsonResult()
    try:
        result.value = _plain(value, where, result.problems, limit, 0, set())
    except _Unwritable as exc:
        result.fatal = str(exc)
    except RecursionError:  # a mapping type of the tool's own that nests through its methods
        result.fatal = f"{where} is nested too deep to write as JSON"
    except Exception as exc:  # noqa: BLE001 - a mapping of the tool's own that fails to iterate
        result.fatal = f"{where} could not be read ({type(exc).__name__}: {exc})"
    return result


def json_problems(value: Any, where: str = "the result", limit: int = 20) -> list[str]:
    """Where ``value`` holds something other than JSON values, a place each (at most
    ``limit``; a tuple counts as a list: JSON writes it as one); none when it is JSON.

    >>> json_problems({"when": __import__("datetime").date(2025, 6, 10), "tags": (1,)})
    ['the result["when"] is a datetime.date']
    >>> json_problems([float("nan")])
    ['the result[0] is nan, a float JSON cannot write']
    """
    found = json_result(value, where, limit)
    return [*found.problems, found.fatal] if found.fatal else found.problems


# Where a value lies in the result: the root's name ("the result"), or (the place of its list or
# mapping, its index or key). Written out only for a problem: a result that is JSON, every call's
# case, builds no text.
Place = Any


def _where(at: Place, suffix: str = "") -> str:
    """``at`` as text: ``the result["items"][0]``, and ``suffix`` (`` key``): a text key as
    JSON writes it, as the faults of tools quote keys (another, a tuple, as Python writes it)."""
    keys = []
    while isinstance(at, tuple):
        at, key = at
        keys.append(f"[{_quoted(key) if isinstance(key, str) else repr(key)}]")
    return at + "".join(reversed(keys)) + suffix


def _quoted(text: str) -> str:
    """``text`` as JSON writes it; a lone surrogate escaped (``"\\udc80"``): UTF-8 cannot
    write it as it is."""
    return json.dumps(text, ensure_ascii=LONE_SURROGATE.search(text) is not None)


def _note(problems: list[str], limit: int, problem: str) -> None:
    if len(problems) < limit:
        problems.append(problem)


def _text(value: str, at: Place, problems: list[str], limit: int, suffix: str = "") -> str:
    if value.isascii() or (found := LONE_SURROGATE.search(value)) is None:
        return value
    _note(
        problems,
        limit,
        f"{_where(at, suffix)} holds {_quoted(found.group())}, half of a UTF-16 surrogate pair "
        "and no character: UTF-8 cannot write it (it is written \ufffd)",
    )
    return LONE_SURROGATE.sub("\ufffd", value)


def _plain(
    value: Any, at: Place, problems: list[str], limit: int, depth: int, open_: set[int]
) -> Any:
    if isinstance(value, str):
        return _text(value, at, problems, limit)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        _int_text(value, at)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            _note(problems, limit, f"{_where(at)} is {value!r}, a float JSON cannot write")
        return value
    if not isinstance(value, (Mapping, list, tuple)):
        text = _str(value)
        if isinstance(value, (set, frozenset)) or _ADDRESS.search(text):
            raise _Unwritable(f"{_where(at)} is {_a_type(value)}, {_unsteady(value)}")
        _note(problems, limit, f"{_where(at)} is {_a_type(value)}")
        return _text(text, at, problems, limit)
    if depth >= MAX_DEPTH:
        where = _where(at)
        place = where if len(where) <= 40 else where[:40] + "..."
        raise _Unwritable(f"{place} is nested more than {MAX_DEPTH} levels deep")
    if id(value) in open_:
        kind = "mapping" if isinstance(value, Mapping) else type(value).__name__
        raise _Unwritable(
            f"{_where(at)} holds itself (a {kind} inside itself), which JSON cannot write"
        )
    open_.add(id(value))
    try:
        if not isinstance(value, Mapping):
            return [
                _plain(item, (at, i), problems, limit, depth + 1, open_)
                for i, item in enumerate(value)
            ]
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[_key(key, at, problems, limit)] = _plain(
                item, (at, key), problems, limit, depth + 1, open_
            )
        return out
    finally:
        open_.discard(id(value))


# Python writes an int as text up to sys.get_int_max_str_digits() digits, at least 640 (about
# 2,126 bits): an int of fewer bits is written whatever the limit is set to.
_ALWAYS_WRITTEN_BITS = 2_000


def _int_text(value: int, at: Place, suffix: str = "") -> None:
    """Refuse an int Python will not write as text (``sys.set_int_max_str_digits``)."""
    if value.bit_length() <= _ALWAYS_WRITTEN_BITS:
        return
    most = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    if most and value.bit_length() > 3 * most:
        try:
            str(value)
        except ValueError:
            raise _Unwritable(
                f"{_where(at, suffix)} is an int of more than {most} digits, which Python does "
                "not write as text (so neither as JSON); return a smaller number, or the digits "
                "as a string"
            ) from None


def _key(key: Any, at: Place, problems: list[str], limit: int) -> str:
    """A mapping's key as the text JSON writes for it."""
    if isinstance(key, str):
        return _text(key, at, problems, limit, " key")
    _note(
        problems,
        limit,
        f"{_where(at)} has the key {key!r}, {type(key).__name__} where JSON takes text",
    )
    if key is None or isinstance(key, (bool, float)):
        return json.dumps(key)  # null, true, NaN: as json.dumps writes the key
    if isinstance(key, int):
        _int_text(key, at, " key")
        return str(key)
    return _text(_str(key), at, problems, limit, " key")


def _a_type(value: Any) -> str:
    """A value's type with its article: "a set", "a datetime.date"."""
    kind = type(value)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


#: Python's text for an object that has none of its own: ``<object object at 0x7f04...>``.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _unsteady(value: Any) -> str:
    """Why a value's text is no answer: it differs from one run to the next."""
    if isinstance(value, (set, frozenset)):
        return "whose order as text differs from one run to the next (return a sorted list)"
    return "written as text with its memory address, which differs on every run"


def _str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a __str__ of the tool's own that fails
        return f"<{type(value).__name__} object>"
