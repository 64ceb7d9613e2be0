"""PyYAML's syntax errors, placed at the line to fix.

PyYAML finds a missing ``:`` or closing quote, or a line indented too deep, only at the line
after it, and says so in its parser's words (``expected <block end>, but found '?'``). Here the
common cases get the line that is wrong and a sentence that says how to fix it; any other error
is PyYAML's, with where its broken construct began.
"""

from __future__ import annotations

import yaml

from eigendsl.errors import Diagnostic, Span


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
        problem += " (a value holding ': ' must be quoted)"
    elif exc.problem and exc.problem.startswith("expected <block end>") and mark is not None:
        message = _misindented(lines, mark.line)
        if message:
            return Diagnostic(span, f"invalid YAML: {message}")
    if exc.problem and exc.context and context is not None:
        # The context says where the broken construct began, often the line to fix.
        problem += f" ({exc.context} at line {context.line + 1})"
    return Diagnostic(span, f"invalid YAML: {problem}; check the indentation and quoting here")


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
    return (
        f"this line is indented {own} spaces, line {first + 1} above it "
        f"{_indent(lines[first])} and line {above + 1} {_indent(lines[above])}: no block here is "
        f"indented {own}; indent this line like one of them, or line {first + 1} like this one"
    )
