"""PyYAML's syntax errors, placed at the line to fix.

PyYAML finds a missing ``:`` or closing quote, or a line indented too deep, only at the line
after it, and says so in its parser's words (``expected <block end>, but found '?'``). Here the
common cases get the line that is wrong and a sentence that says how to fix it; any other error
is PyYAML's, with where its broken construct began.
"""

from __future__ import annotations

import json
import re

import yaml

from eigendsl.errors import Diagnostic, Span

#: Keys whose value is a checker-DSL expression (a template parameter's source, a declared
#: tool's body); the fields of a declared tool's ``set: {...}`` are too.
DSL_KEYS = frozenset({"from", "returns", "update"})
_FLOW_KEY = re.compile(r"[{,]\s*([A-Za-z_][\w-]*)\s*:[ \t\r\n]+")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str) -> Diagnostic:
    """PyYAML's error, placed at the line to fix where PyYAML names a later one: it finds a
    missing ':' or quote, or a line indented too deep, only at the line after."""
    mark = exc.problem_mark or exc.context_mark
    span = Span(path, mark.line + 1, mark.column + 1) if mark else Span(path, 1, 1)
    context = exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    lines = text.splitlines()
    if context is not None and exc.context == "while scanning a simple key":
        return Diagnostic(
            Span(path, context.line + 1, context.column + 1),
            "invalid YAML: this line has no ':' after its key; write 'key: value', or quote it "
            "if it is a list's text",
        )
    if context is not None and exc.context == "while scanning a quoted scalar":
        if "end of stream" in problem or "document separator" in problem:
            return Diagnostic(
                Span(path, context.line + 1, context.column + 1),
                "invalid YAML: this quoted text is never closed; end it with the same quote",
            )
    if exc.context == "while parsing a flow mapping" and context is not None and mark is not None:
        unquoted = _unquoted_flow_value(text, path, context.index, mark.index)
        if unquoted is not None:
            return unquoted
    if exc.problem == "mapping values are not allowed here" and mark and mark.line < len(lines):
        above = _line_above(lines, mark.line)
        if above is not None and _indent(lines[above]) == _indent(lines[mark.line]):
            words = lines[above].strip()
            if ":" not in words and not words.startswith(("-", "#")):
                return Diagnostic(
                    Span(path, above + 1, _indent(lines[above]) + 1),
                    "invalid YAML: this line has no ':' after its key, so YAML reads it and the "
                    "next line as one text; write 'key: value'",
                )
        deeper = _under_a_value(lines, mark.line, mark.column)
        if deeper is not None:
            return Diagnostic(Span(path, deeper[0] + 1, _indent(lines[deeper[0]]) + 1), deeper[1])
        problem += " (a value holding ': ' must be quoted)"
    elif exc.problem and exc.problem.startswith("expected <block end>") and mark is not None:
        message = _misindented(lines, mark.line)
        if message:
            return Diagnostic(span, f"invalid YAML: {message}")
        # A key indented under a quoted value: PyYAML finds the same mistake in other words.
        colon = lines[mark.line].find(":") if mark.line < len(lines) else -1
        deeper = _under_a_value(lines, mark.line, colon) if colon > 0 else None
        if deeper is not None:
            return Diagnostic(Span(path, deeper[0] + 1, _indent(lines[deeper[0]]) + 1), deeper[1])
    if exc.problem and exc.context and context is not None:
        # The context says where the broken construct began, often the line to fix.
        problem += f" ({exc.context} at line {context.line + 1})"
    return Diagnostic(span, f"invalid YAML: {problem}; check the indentation and quoting here")


def _unquoted_flow_value(text: str, path: str, start: int, at: int) -> Diagnostic | None:
    """The entry of the ``{...}`` mapping opened at ``start`` whose unquoted value YAML cannot
    read at ``at`` (a '[' or '{' in it, or text after a quoted part), with the value quoted as
    the fix; None when the error is not inside such a value.

    >>> text = "x: {type: string, from: db.slots[slot_id].doctor_id}"
    >>> print(_unquoted_flow_value(text, "t.yaml", 3, text.index("[")))
    t.yaml:1:25: invalid YAML: the 'from:' expression is not quoted as a whole, and inside { } \
YAML reads an unquoted value only up to a '[', ']', '{', '}' or ','; quote the expression: \
from: 'db.slots[slot_id].doctor_id'
    """
    keys = list(_FLOW_KEY.finditer(text, start, at))
    if not keys:
        return None
    key = keys[-1]
    value_start = key.end()
    if text[value_start] in "[{":
        return None  # a list or a mapping: its own error, not a text's quoting
    value = _flow_value(text, value_start)
    if not value_start <= at < value_start + len(value):
        return None  # the error is past the value: a mapping never closed, a missing comma
    before = text[text.rfind("\n", 0, start) + 1 : start].rstrip()
    dsl = key.group(1) in DSL_KEYS or before.endswith("set:")
    what = "expression" if dsl else "value"
    quoted = f"'{value}'" if "'" not in value else json.dumps(value, ensure_ascii=False)
    line = text.count("\n", 0, value_start) + 1
    col = value_start - text.rfind("\n", 0, value_start)
    return Diagnostic(
        Span(path, line, col),
        f"invalid YAML: the '{key.group(1)}:' {what} is not quoted as a whole, and inside "
        "{ } YAML reads an unquoted value only up to a '[', ']', '{', '}' or ','; quote the "
        f"{what}: {key.group(1)}: {quoted}",
    )


def _flow_value(text: str, start: int) -> str:
    """The text of a ``{...}`` mapping's value that starts at ``start``, as its writer meant it:
    up to a ',' or '}' outside brackets and quotes, or the end of the line."""
    expected: list[str] = []
    quote = ""
    end = start
    while end < len(text) and text[end] != "\n":
        char = text[end]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and not text[end - 1].isalnum():  # not the ' of "it's"
            quote = char
        elif char in _CLOSING:
            expected.append(_CLOSING[char])
        elif expected and char == expected[-1]:
            expected.pop()
        elif not expected and char in ",}":
            break
        end += 1
    return text[start:end].strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _line_above(lines: list[str], index: int) -> int | None:
    """The index of the nearest line with content above line ``index`` (0-based)."""
    return next((i for i in range(index - 1, -1, -1) if _content(lines[i])), None)


def _misindented(lines: list[str], index: int) -> str | None:
    """Why line ``index`` (0-based) ends a block with an indentation no open block has: a block
    above it is indented deeper and its parent less, or it is as deep as a list's '- ' and no
    item."""
    if index >= len(lines):
        return None
    own = _indent(lines[index])
    last = _line_above(lines, index)
    if last is None:
        return None
    if _indent(lines[last]) <= own:
        item = next(
            (i for i in range(last, -1, -1) if _content(lines[i]) and _indent(lines[i]) <= own),
            None,
        )
        if item is None or _indent(lines[item]) != own or not lines[item].lstrip().startswith("-"):
            return None
        return (
            f"this line is indented as far as the '-' of line {item + 1} but starts no list "
            f"item; indent it like the item's keys ({own + 2} spaces), or start an item with '- '"
        )
    first = last
    while (above := _line_above(lines, first)) is not None and _indent(lines[above]) > own:
        first = above
    if above is None or _indent(lines[above]) >= own:
        return None
    if lines[above].lstrip().startswith("-"):  # a list item's keys are as deep as its first
        return (
            f"this line is indented {own} spaces and line {first + 1} above it "
            f"{_indent(lines[first])}: no block here is indented {own}; indent the two alike"
        )
    # the nearest line above names the block this one ends (not the block's first line, which
    # may be far); the block is re-indented whole, if it is the one to move
    block = f"line {first + 1}" if first == last else f"lines {first + 1} to {last + 1}"
    return (
        f"this line is indented {own} spaces, line {last + 1} above it "
        f"{_indent(lines[last])} and line {above + 1} {_indent(lines[above])}: no block here is "
        f"indented {own}; indent this line like one of them, or {block} like this one"
    )


def _under_a_value(lines: list[str], index: int, column: int) -> tuple[int, str] | None:
    """Line ``index`` (0-based) holds a key, indented deeper than the line above it, whose key
    already has a value: an indentation mistake, not a ':' to quote. Returns the line to fix
    (the line above when it alone is out of step with its neighbours, as a key dedented by
    mistake is) and why; None when ``column`` is not the ':' after a key starting the line.

    >>> lines = ["a:", "  b: 1", "  c: 2", "    d: 3"]
    >>> _under_a_value(lines, 3, 5)[0]
    3
    >>> lines = ["a:", "  b:", "    c: 1", "  d: 2", "    e: 3"]
    >>> _under_a_value(lines, 4, 5)[0]
    3
    """
    line = lines[index]
    key = line[:column].strip()
    if not re.fullmatch(r"(- )?[\w-]+", key):
        return None  # text with ': ' in it: a value to quote, as PyYAML's own message says
    above = _line_above(lines, index)
    if above is None or _indent(lines[above]) >= _indent(line):
        return None
    head, colon, value = lines[above].strip().partition(": ")
    if not colon or not value.strip() or value.lstrip().startswith("#"):
        return None
    own, theirs = _indent(line), _indent(lines[above])
    before = _line_above(lines, above)
    if before is not None and _indent(lines[before]) == own:
        return above, (
            f"invalid YAML: this line is indented {theirs} spaces, between line {before + 1} "
            f"above it and line {index + 1} below it ({own} spaces), and its key '{head}' has a "
            f"value, so line {index + 1} cannot be indented under it; indent this line {own} "
            f"spaces like its neighbours, or line {index + 1} like this one ({theirs} spaces)"
        )
    return index, (
        f"invalid YAML: this line is indented {own} spaces, deeper than line {above + 1} above "
        f"it ({theirs}), whose key '{head}' already has a value, so nothing can be indented "
        f"under it; indent this line like line {above + 1} ({theirs} spaces), or, if it "
        f"continues line {above + 1}'s text, quote that text"
    )
