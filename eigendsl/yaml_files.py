"""Spec and run files read from disk: a spec file's text (UTF-8, or an error at its first bad
byte), a YAML or JSON file loaded with its marks (:func:`~eigendsl.yamlload.loads`), its size and
nesting bounded, each problem an error at its place (a JSON object's key written twice too, as
YAML's is), and JSON Lines rows read one by one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eigendsl.errors import Diagnostic, EigenError, Span
from eigendsl.yamlload import MAX_NESTING, TOO_DEEP, TOO_LONG, duplicate_key, loads, value_shape


def read_text(path: Path, display: str | None = None) -> str:
    """A spec file's text; a file that is not UTF-8 is an error at its first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")) + 1
        raise EigenError(
            Diagnostic(
                Span(display or str(path), line, col),
                f"this file is not UTF-8 text (byte 0x{data[exc.start]:02x} here); "
                "save it as UTF-8",
            )
        ) from None


def jsonl_rows(
    text: str, damaged: Callable[[int, json.JSONDecodeError], Exception]
) -> list[tuple[int, Any]]:
    """Each non-blank line of JSONL ``text``, decoded, with its number; a line that is not JSON
    raises ``damaged(number, error)``. Lines end at "\\n" only: a JSON string written with
    ``ensure_ascii=False`` may hold U+2028, at which ``str.splitlines`` would cut it."""
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise damaged(number, exc) from None
    return rows


def load_file(path: Path, display: str | None = None, referenced_at: Span | None = None) -> Any:
    """Load a YAML (or JSON) file, reporting a missing file at the place that named it."""
    shown = display or str(path)
    if not path.is_file():
        where = referenced_at or Span(shown, 0, 0)
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise EigenError(Diagnostic(where, f"file '{shown}' {what}; create it or fix the path"))
    text = read_text(path, shown)
    if path.suffix == ".json":
        try:
            data = json_value(text, shown)
            too_deep = _nesting(data) > MAX_NESTING
        except json.JSONDecodeError as exc:
            raise EigenError(
                Diagnostic(Span(shown, exc.lineno, exc.colno), f"invalid JSON: {exc.msg}")
            ) from None
        except ValueError:  # an int past the 4300 digits Python reads
            raise EigenError(Diagnostic(_long_number(text, shown), TOO_LONG)) from None
        except RecursionError:
            too_deep = True
        if too_deep:
            raise EigenError(Diagnostic(_too_deep_json(text, shown), TOO_DEEP))
        return data
    return loads(text, shown)


def json_value(text: str, path: str) -> Any:
    """JSON ``text`` decoded; a key written twice in one object is an error at each repeat, all
    of them together, as YAML's are (Python's decoder would keep the last value, unsaid).

    >>> json_value('{"a": 1,\\n "a": 2}', "s.json")
    Traceback (most recent call last):
      ...
    eigendsl.errors.EigenError: s.json:2:2: duplicate key 'a' (first defined at line 1); ...
    """
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        data = dict(items)
        repeated |= len(data) < len(items)
        return data

    data = json.loads(text, object_pairs_hook=pairs)
    if repeated:  # found again with their places: the decoder gives none
        raise EigenError(_duplicate_keys(text, path))
    return data


# A JSON string, or one of the characters that open, close or separate values.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:\n]')


def _duplicate_keys(text: str, path: str) -> list[Diagnostic]:
    """An error at each key of valid JSON ``text`` that its object already has."""
    # per open bracket: an object's keys with their lines (None for an array), and whether a
    # key comes next
    objects: list[dict[str, int] | None] = []
    key_next, line, line_start, found = False, 1, 0, []
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char == "\n":
            line, line_start = line + 1, token.end()
        elif char in "{[":
            objects.append({} if char == "{" else None)
            key_next = char == "{"
        elif char in "}]":
            objects.pop()
        elif char == ",":
            key_next = bool(objects) and objects[-1] is not None
        elif char[0] == '"' and key_next and (keys := objects[-1]) is not None:
            key_next, key = False, json.loads(char)
            if key in keys:
                span = Span(path, line, token.start() - line_start + 1)
                found.append(Diagnostic(span, duplicate_key(key, keys[key])))
            keys.setdefault(key, line)
    return found


def _long_number(text: str, path: str) -> Span:
    """Where JSON ``text`` holds its first number of more than 4300 digits."""
    found = re.search(r"\d{4301,}", text)
    start = found.start() if found else 0
    line = text.count("\n", 0, start) + 1
    return Span(path, line, start - (text.rfind("\n", 0, start) + 1) + 1)


def _nesting(value: Any) -> int:
    return value_shape(value)[0]


def _too_deep_json(text: str, path: str) -> Span:
    """Where JSON ``text`` first opens more than :data:`MAX_NESTING` brackets."""
    depth, line, col, quoted, escaped = 0, 1, 0, False, False
    for char in text:
        col += 1
        if char == "\n":
            line, col = line + 1, 0
        elif escaped:  # inside a string, after a backslash
            escaped = False
        elif quoted:
            escaped, quoted = char == "\\", char != '"'
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return Span(path, line, col)
        elif char in "]}":
            depth -= 1
    return Span(path, 1, 1)
