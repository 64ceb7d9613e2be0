"""Where a Jinja syntax error in a template's text is in the spec file, and a sentence that says
it with its fix: Jinja gives the error's line within the text and no column, so the column is
found from the token its message names, or from the block left open."""

from __future__ import annotations

import difflib
import re

import jinja2

from eigendsl.errors import Span, source_line

_QUOTED = re.compile(r"(?:got|unexpected|unknown tag|No filter named) '([^']+)'")
#: the fix of an error that names none: how Jinja's two kinds of block are written
_WRITE = "write a parameter as {{ name }} and a statement as {% if name %}...{% endif %}"


def syntax_error(
    text: str, span: Span, exc: jinja2.TemplateSyntaxError, env: jinja2.Environment
) -> tuple[Span, str]:
    """Where in the file Jinja's syntax error is, and a sentence that says it with its fix.

    Jinja gives the error's line within the text, no column: the column is the token that
    the message names (``unexpected '}'``, ``got 'b'``, ``No filter named 'uper'``) on that line,
    or the character the lexer stopped at; the start of that line when neither is found.
    ``env``: the environment that parsed the text (its filters, its lexer).
    """
    message, lineno = str(exc.message), exc.lineno or 1
    first = _first_line(span)
    where = Span(span.path, first + lineno - 1, span.col if first == span.line else 1)
    unknown = re.fullmatch(r"No filter named '(\w+)'\.", message)
    if unknown:
        name = unknown.group(1)
        # a near spelling only ("uper"): Jinja's many short filter names are close to most words
        close = difflib.get_close_matches(name, list(env.filters), 1, 0.8)
        message = f"the template text uses '{name}', which is no filter of Jinja's" + (
            f"; did you mean '{close[0]}'?" if close else "; use one such as upper, lower or title"
        )
        return _token_span(env, text, span, where, lineno, name, after="|"), message
    placed, said = _unclosed_block(text, span, where, message)
    if said != message:
        return placed, f"the template text has a syntax error: {said}"
    quoted = _QUOTED.search(message)
    found = _token_span(env, text, span, where, lineno, quoted.group(1)) if quoted else where
    sentence = message.rstrip(".")
    return found, (
        f"the template text has a syntax error: {sentence[:1].lower()}{sentence[1:]}; {_WRITE}"
    )


def _token_span(
    env: jinja2.Environment,
    text: str,
    span: Span,
    where: Span,
    line: int,
    token: str,
    after: str = "",
) -> Span:
    """The file span of the first ``token`` (a value, or a description such as ``end of print
    statement``) inside a block on ``line`` of the text, the one that follows ``after`` where that
    is given; the character the lexer stopped at when it stops there; else ``where``."""
    offset, previous = 0, ""
    try:
        for lineno, kind, value in env.lexer.tokeniter(text, None):
            described = jinja2.lexer.describe_token_expr(kind)
            if (
                lineno == line
                and kind not in ("data", "whitespace")
                and token in (value, described)
                and (not after or previous == after)
            ):
                return _widened(_text_span(text, offset, span, where), value, where)
            offset += len(value)
            previous = value if kind != "whitespace" else previous
    except jinja2.TemplateSyntaxError:
        if text[offset:].lstrip().startswith(token):
            offset += len(text[offset:]) - len(text[offset:].lstrip())
            return _widened(_text_span(text, offset, span, where), token, where)
    return where


def _widened(at: Span, value: str, where: Span) -> Span:
    """``at`` underlining ``value`` (``where``, the fallback, as it is)."""
    if at is where or "\n" in value:
        return at
    return Span(at.path, at.line, at.col, at.line, at.col + len(value))


_UNEXPECTED_CHAR = re.compile(r"unexpected char '(.+)' at (\d+)")
_CLOSERS = {"{{": "}}", "{%": "%}"}


def _unclosed_block(text: str, span: Span, where: Span, message: str) -> tuple[Span, str]:
    """Jinja's two errors of a block left open, at the place to fix and saying how.

    "unexpected char '?' at 33" counts characters of the whole text, which no one can find in
    the file; "unexpected end of template" names no block. Both mostly mean a ``{{`` the writer
    forgot to close (``{{ email ?``), so the caret goes to the character, or the open ``{{``.
    """
    char = _UNEXPECTED_CHAR.fullmatch(message)
    if char:
        offset = int(char.group(2))
        opener = _open_block(text, offset)
        if opener is None:
            return _text_span(text, offset, span, where), f"unexpected '{char.group(1)}'"
        closer, what = _CLOSERS[text[opener : opener + 2]], _block_content(text, opener)
        return _text_span(text, offset, span, where), (
            f"'{char.group(1)}' cannot stand inside '{text[opener : opener + 2]} {closer}', "
            f"{what}; close the block with '{closer}' before the '{char.group(1)}'"
        )
    if message.startswith("unexpected end of template, expected 'end of"):
        opener = _open_block(text, len(text))
        if opener is not None:
            closer = _CLOSERS[text[opener : opener + 2]]
            return _text_span(text, opener, span, where), (
                f"this '{text[opener : opener + 2]}' is never closed, "
                f"{_block_content(text, opener)}; add '{closer}' after it"
            )
    return where, message


def _first_line(span: Span) -> int:
    """The file line of the text's first line: a block scalar's (``|``, ``>``) is the next."""
    line = source_line(span)
    return span.line + 1 if line and line[span.col - 1 : span.col] in ("|", ">") else span.line


def _open_block(text: str, offset: int) -> int | None:
    """Where the ``{{``/``{%`` still open at ``offset`` starts, if one is."""
    opener = max(text.rfind("{{", 0, offset), text.rfind("{%", 0, offset))
    if opener < 0 or _CLOSERS[text[opener : opener + 2]] in text[opener + 2 : offset]:
        return None
    return opener


def _block_content(text: str, opener: int) -> str:
    if text.startswith("{{", opener):
        return "which holds a parameter's name, with filters after '|' ({{ email | upper }})"
    return "which holds a statement ({% if vip %})"


def _text_span(text: str, offset: int, span: Span, where: Span) -> Span:
    """The file position of ``text[offset]`` (the text starts at ``span``), found by its line's
    words on the source line; ``where`` when quoting or escapes change them there."""
    start = text.rfind("\n", 0, offset) + 1
    text_line = text[start:].split("\n", 1)[0]
    first = _first_line(span)
    at = Span(span.path, first + text.count("\n", 0, offset), 1)
    line = source_line(at)
    from_col = span.col - 1 if start == 0 and first == span.line else 0
    found = line.find(text_line, from_col) if line and text_line else -1
    if found < 0:
        return where
    return Span(at.path, at.line, found + offset - start + 1)
