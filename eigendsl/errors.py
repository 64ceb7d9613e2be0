"""The one error type users see: diagnostics with `file:line:col`, the source line and a caret.

Every failure that comes from a user's input (YAML, pydantic validation, the checker DSL, a
missing file, a malformed model output) becomes a :class:`Diagnostic`. A compile collects all of
them and raises one :class:`EigenError`; the CLI prints them and exits with status 1.

>>> span = Span("spec.chk", 3, 5)
>>> str(Diagnostic(span, "unknown tool 'refund'"))
"spec.chk:3:5: unknown tool 'refund'"
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, order=True)
class Span:
    """A position in a source file: 1-based line and column, with an optional end column."""

    path: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def shifted(self, line_delta: int, col_delta: int) -> Span:
        """This span moved by an offset, used for DSL text embedded in YAML scalars."""
        col = self.col + col_delta if self.line == 1 else self.col
        end_col = None
        if self.end_col is not None:
            end_col = self.end_col + col_delta if self.end_line in (None, 1) else self.end_col
        return Span(
            self.path,
            self.line + line_delta,
            col,
            None if self.end_line is None else self.end_line + line_delta,
            end_col,
        )


UNKNOWN = Span("<unknown>", 0, 0)


def _source_lines(path: str) -> tuple[str, ...]:
    # Keyed on the file's stat too: a long-lived process (tests, an editor) must not show a
    # line of an older version of the file.
    try:
        stat = Path(path).stat()
    except OSError:
        return ()
    return _read_lines(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_lines(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


_SOURCES: dict[str, tuple[str, ...]] = {}


def register_source(path: str, text: str) -> None:
    """Make ``text`` the source shown for ``path`` (for in-memory DSL text and tests)."""
    _SOURCES[path] = tuple(text.splitlines())


def source_line(span: Span) -> str | None:
    lines = _SOURCES.get(span.path) or _source_lines(span.path)
    if 1 <= span.line <= len(lines):
        return lines[span.line - 1]
    return None


#: The most characters of a source line an error shows; a longer line (a minified JSON file is
#: one line) is shown as a window around the column, its cut ends marked with "...".
SHOWN_WIDTH = 200


def _window(line: str, col: int) -> tuple[str, int]:
    """The part of ``line`` an error shows around 1-based ``col``, and ``col`` in that part.

    >>> shown, col = _window("x" * 300 + "^" + "y" * 300, 301)
    >>> shown[col - 1], len(shown), shown[:4], shown[-4:]
    ('^', 206, '...x', 'y...')
    """
    if len(line) <= SHOWN_WIDTH:
        return line, col
    start = min(max(col - 1 - SHOWN_WIDTH // 3, 0), len(line) - SHOWN_WIDTH)
    end = start + SHOWN_WIDTH
    shown = ("..." if start else "") + line[start:end] + ("..." if end < len(line) else "")
    return shown, col - start + (3 if start else 0)


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where, what, and whether it stops the compile: an ``error`` does, a
    ``warning`` does not, and a ``note`` says what a compile that stops left unchecked."""

    span: Span
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.span}: {prefix}{self.message}"

    def render(self) -> str:
        """The diagnostic with its source line and a caret under the offending text."""
        text = str(self)
        line = source_line(self.span) if self.span.line > 0 else None
        if line is None:
            return text
        col = max(self.span.col, 1)
        width = 1
        if self.span.end_col and (self.span.end_line in (None, self.span.line)):
            width = max(self.span.end_col - col, 1)
        line, col = _window(line, col)
        width = min(width, max(len(line) - col + 1, 1))
        caret = " " * (col - 1) + "^" * width
        return f"{text}\n    {line}\n    {caret}"


#: How many diagnostics of one kind (one message but for its names and numbers) a file's report
#: shows in full; the rest are counted on one line. 4,000 wrong values in one list are one
#: mistake, and shown in full they were 4,000 copies of the line: hundreds of megabytes.
SHOWN_ALIKE = 3
#: The fewest diagnostics past those that are counted on one line: one or two more are shown, as
#: a line in their place would hide each one's own words ("did you mean ...") to save none.
FOLDED_AT_LEAST = 3

_VARYING = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|\d+")


def _kind(diagnostic: Diagnostic) -> tuple[str, str, str]:
    """What diagnostics of one kind share: their file, severity and message but for the names,
    values and numbers in it."""
    return diagnostic.span.path, diagnostic.severity, _VARYING.sub("_", diagnostic.message)


def _more_like_it(alike: list[Diagnostic]) -> str:
    """The line that counts the diagnostics of a kind not shown: where they are."""
    first = alike[0].span
    rest = [d.span for d in alike[SHOWN_ALIKE:]]
    lines = list(dict.fromkeys(span.line for span in rest))
    if len(lines) == 1:
        where = f"on line {lines[0]}, at columns " + first_few([str(s.col) for s in rest])
    else:
        where = "at lines " + first_few([str(line) for line in lines])
    kind = f"{alike[0].severity}s"
    return f"{first.path}: and {len(rest)} more {kind} like these {where}"


def render_all(diagnostics: list[Diagnostic]) -> list[str]:
    """Each diagnostic rendered, but of each kind in a file only the first :data:`SHOWN_ALIKE`,
    then one line counting the rest and saying where they are, where there are at least
    :data:`FOLDED_AT_LEAST` of them (fewer are shown: a line would hide each one's own words); a
    diagnostic of another kind is always shown.

    >>> register_source("a.yaml", "xs: [1, 2, 3, 4, 5, 6, 7]")
    >>> found = [Diagnostic(Span("a.yaml", 1, c), f"{c // 3 - 1} is bad") for c in range(6, 25, 3)]
    >>> print("\\n".join(render_all(found)[-2:]))
    a.yaml:1:12: 3 is bad
        xs: [1, 2, 3, 4, 5, 6, 7]
                   ^
    a.yaml: and 4 more errors like these on line 1, at columns 15, 18, 21 and 1 more
    >>> len(render_all(found[:5]))  # two more alike are shown, not folded into a line
    5
    """
    groups: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.span.line:
            groups.setdefault(_kind(diagnostic), []).append(diagnostic)
    parts: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    for diagnostic in diagnostics:
        if not diagnostic.span.line:
            parts.append(diagnostic.message)
            continue
        kind = _kind(diagnostic)
        seen[kind] = index = seen.get(kind, 0) + 1
        folded = len(groups[kind]) >= SHOWN_ALIKE + FOLDED_AT_LEAST
        if index <= SHOWN_ALIKE or not folded:
            parts.append(diagnostic.render())
        if index == SHOWN_ALIKE and folded:
            parts.append(_more_like_it(groups[kind]))
    return parts


class ValueAt(ValueError):
    """A pydantic validator's refusal of a part of its field's value: ``at`` is the path to that
    part (a mapping's key, a list's index), so the error points at it, not at the field."""

    def __init__(self, message: str, at: tuple[str | int, ...], *, key: bool = False):
        super().__init__(message)
        self.at, self.key = at, key  # key: point at the last key itself, not at its value


class EigenError(Exception):
    """A user error: one or more diagnostics. Never a traceback for the user."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(UNKNOWN, diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.span.path, d.span.line, d.span.col))
        super().__init__(self.render())

    def render(self) -> str:
        parts = render_all(self.diagnostics)
        count = sum(d.severity == "error" for d in self.diagnostics)
        if count > 1:
            parts.append(f"{count} errors")
        return "\n".join(parts)


#: How a stage says that a name of each kind is unknown (a tool, a table, a template, a check, a
#: rule...; by default "unknown tool 'name'"): what a name whose declaration was left out for an
#: error is called wherever it is used. ``today`` and ``now`` are "settings", said to be not set;
#: ``use`` names a rule or a block, and a spec's constant (a top-level ``let``) is a name.
_UNKNOWN = {
    "setting": "'{}' is not set",
    "tag": "no tool has the tag '{}'",
    "rule": "unknown rule or block '{}'",
    "block": "unknown rule or block '{}'",
    "let": "unknown name '{}'",
}


#: The kinds of names a checker file declares.
_CHECKER_KINDS = ("check", "rule", "block", "let")

#: What a kind of name is called in a sentence where its keyword is not: a top-level ``let``
#: declares a constant.
_KIND_WORDS = {"let": "constant"}


@dataclass
class Diagnostics:
    """Collects diagnostics during a compile so that all are reported together.

    A part of a spec left out for an error (a tool whose entry is malformed) leaves its name
    unknown to the stages after it; :meth:`left_out` says so, and an error that then calls that
    name unknown is not reported, being that error's consequence, not a mistake of its own (it
    still counts in :attr:`errors`: what has it is not sound).

    >>> diag = Diagnostics()
    >>> diag.left_out("tool", "refund")
    >>> diag.error(Span("a.chk", 3, 5), "unknown tool 'refund'")
    >>> diag.error(Span("a.chk", 4, 5), "unknown tool 'refnd'")
    >>> diag.raise_if_errors()
    Traceback (most recent call last):
      ...
    eigendsl.errors.EigenError: a.chk:4:5: unknown tool 'refnd'
    """

    items: list[Diagnostic] = field(default_factory=list)
    consequences: list[re.Pattern[str]] = field(default_factory=list)
    #: by kind, the names whose declarations were left out: a misspelling of one is still
    #: suggested it (:meth:`did_you_mean`), not a name that survived and only looks alike
    left_out_names: dict[str, list[str]] = field(default_factory=dict)
    #: by kind and name, the syntax error a checker file's declaration was left out for
    left_out_at: dict[tuple[str, str], Span] = field(default_factory=dict)

    def left_out(self, kind: str, name: str | None = None, at: Span | None = None) -> None:
        """The declaration of the ``kind`` (``tool``, ``table``, ``check``...) ``name``, or of
        every ``kind`` when None, was left out for an error already reported (at ``at``)."""
        said = _UNKNOWN.get(kind, f"unknown {kind} '{{}}'")
        named = "[^']*" if name is None else re.escape(name)
        self.consequences.append(re.compile(re.escape(said).replace(r"\{\}", named)))
        if name is not None:
            self.left_out_names.setdefault(kind, []).append(name)
            if at is not None:
                self.left_out_at[kind, name] = at

    def left_out_for(self, kind: str, name: str) -> str:
        """What the ``kind`` ``name`` was left out for: its syntax error, where it is known
        (``the syntax error at a.chk:2:7``)."""
        if (at := self.left_out_at.get((kind, name))) is not None:
            return f"the syntax error at {at}"
        # a declaration of a checker file is left out for a syntax error in it
        return f"the error reported in its {'declaration' if kind in _CHECKER_KINDS else 'entry'}"

    def did_you_mean(
        self, kind: str | tuple[str, ...], name: str, candidates: object, then: str = ""
    ) -> str:
        """:func:`did_you_mean` among ``candidates`` and the names of ``kind`` (or of each of
        the kinds) left out for an error, so that a misspelling of a tool whose entry is wrong
        is not said to be another tool that only looks alike; one left out is said to be.

        >>> diag = Diagnostics()
        >>> diag.left_out("tool", "refund")
        >>> diag.did_you_mean("tool", "refnd", ["find"])
        "; did you mean 'refund'? (tool 'refund' was left out for the error reported in its entry)"
        """
        kinds = (kind,) if isinstance(kind, str) else kind
        left_out = {n: k for k in kinds for n in self.left_out_names.get(k, [])}
        known = [str(c) for c in candidates]  # type: ignore[attr-defined]
        close = closest(name, [*known, *left_out])
        if close is None or close not in left_out or close in known:
            return did_you_mean(name, candidates, then)
        kind_word = _KIND_WORDS.get(left_out[close], left_out[close])
        hint = (
            f"; did you mean '{close}'? ({kind_word} '{close}' was left out for "
            f"{self.left_out_for(left_out[close], close)})"
        )
        return f"{hint} {then[0].upper()}{then[1:]}" if then else hint

    def is_left_out(self, kind: str, name: str) -> bool:
        """Whether the ``kind`` ``name`` was left out for an error already reported (what
        depends on it cannot be checked: an error about it would be a consequence).

        >>> diag = Diagnostics()
        >>> diag.left_out("tool", "refund")
        >>> diag.is_left_out("tool", "refund"), diag.is_left_out("tool", "cancel")
        (True, False)
        """
        said = _UNKNOWN.get(kind, f"unknown {kind} '{{}}'").format(name)
        return any(p.search(said) for p in self.consequences)

    def _shown(self, severity: str) -> list[Diagnostic]:
        """The diagnostics of ``severity`` but the consequences of parts left out."""
        return [
            d
            for d in self.items
            if d.severity == severity and not any(p.search(d.message) for p in self.consequences)
        ]

    def error(self, span: Span, message: str) -> None:
        self.items.append(Diagnostic(span, message))

    def warning(self, span: Span, message: str) -> None:
        self.items.append(Diagnostic(span, message, "warning"))

    def note(self, span: Span, message: str) -> None:
        """What the compile could not check because of its errors; shown with them."""
        self.items.append(Diagnostic(span, message, "note"))

    def extend(self, other: EigenError | list[Diagnostic]) -> None:
        self.items.extend(other.diagnostics if isinstance(other, EigenError) else other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            shown = self._shown("error") or self.errors  # never a failure that says nothing
            raise EigenError(self._unique(shown + self._shown("note")))

    @staticmethod
    def _unique(items: list[Diagnostic]) -> list[Diagnostic]:
        seen: dict[tuple[Span, str], Diagnostic] = {}
        for item in items:
            seen.setdefault((item.span, item.message), item)
        return list(seen.values())


def first_few(names: list[str], shown: int = 3) -> str:
    """``names`` for a message, the first ``shown`` of them: ``"a, b, c and 4 more"``."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def closest(name: str, candidates: object) -> str | None:
    """The candidate ``name`` is most likely a misspelling of, if any."""
    names = sorted(str(c) for c in candidates)  # type: ignore[attr-defined]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    return next((c for c in names if name and (name in c or c in name)), None)


def did_you_mean(name: str, candidates: object, then: str = "") -> str:
    """A suggestion suffix: ``"; did you mean 'refund_order'?"`` or an empty string; with
    ``then`` (``"tables are ..."``), that clause follows, as a sentence of its own after a
    suggestion (``"...? Tables are ..."``) and after a semicolon without one."""
    close = closest(name, candidates)
    hint = f"; did you mean '{close}'?" if close else ""
    if not then:
        return hint
    return f"{hint} {then[0].upper()}{then[1:]}" if hint else f"; {then}"
