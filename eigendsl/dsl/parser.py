"""Parse checker DSL text into the frozen AST of :mod:`eigendsl.dsl.ast`.

Lark parses with positions on (LALR, contextual lexer, an indenter for blocks); a Transformer
(:mod:`eigendsl.dsl.transformer`) turns the tree into dataclasses. Syntax errors become
:class:`EigenError` with the position and a sentence saying what was expected. A file with a
syntax error is parsed again declaration by declaration (:func:`parse_file`), so that one
compile reports the syntax error of each declaration and checks the declarations that parse.

>>> module = parse("check ok():\\n    require 1 + 1 == 2\\n", "demo.chk")
>>> module.declarations[0].body[0].source
'require 1 + 1 == 2'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark, Token
from lark.exceptions import (
    UnexpectedInput,
    VisitError,
)
from lark.indenter import DedentError, Indenter
from lark.lark import PostLex

from eigendsl.dsl import ast as A
from eigendsl.dsl.syntax_errors import syntax_error, words_bound
from eigendsl.dsl.transformer import Positions, ToAst
from eigendsl.errors import Diagnostic, EigenError, Span, closest, did_you_mean, register_source


class _CheckerIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB", "LBRACE"]
    CLOSE_PAREN_types = ["RPAR", "RSQB", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 4
    # NAME in every lexer state, so that a keyword is never lexed as the prefix of a longer
    # name ("requires" as `require` + `s`, "or_b" as `or` + `_b`): Lark then matches the whole
    # name and turns it into the keyword only when it is exactly the keyword.
    always_accept = ("_NL", "NAME")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        # Remember the brackets still open: inside them line ends are not tokens, so an
        # unclosed one shows up only as a confusing error at the end of the text.
        self.open_brackets: list[Token] = []
        self.indent_strings = [""]  # the characters that indent each open block

        def tracked() -> Iterator[Token]:
            for token in stream:
                if token.type in self.OPEN_PAREN_types:
                    self.open_brackets.append(token)
                elif token.type in self.CLOSE_PAREN_types and self.open_brackets:
                    self.open_brackets.pop()
                yield token

        return super().process(tracked())

    def handle_NL(self, token: Token) -> Iterator[Token]:
        if self.paren_level == 0:
            self._same_characters(token)
        return super().handle_NL(token)

    def _same_characters(self, token: Token) -> None:
        """A line indents with the characters of its block: Lark counts a tab as 4 spaces (an
        editor shows 2, 4 or 8), so a tab among spaces put a statement in a block it may not
        look to be in, and its columns were counted from the tab as one."""
        indent = token.rsplit("\n", 1)[1]
        levels = self.indent_strings
        block = levels[-1]
        if _width(indent) > _width(block):
            # deeper than a block of spaces by a tab ("    \t"): a tab among its spaces
            added = set(indent[len(block) :]) - set(block)
            same = indent.startswith(block) and not (block and added)
            levels.append(indent)
        else:
            while len(levels) > 1 and _width(indent) < _width(levels[-1]):
                levels.pop()
            block = levels[-1]
            same = _width(indent) != _width(block) or indent == block
        if same:
            return
        line = token.end_line or 1
        if "\t" in indent and "\t" not in block:
            raise _MixedIndentation(
                line,
                indent.index("\t") + 1,
                "a tab in this line's indentation, where its block is indented with spaces; "
                "indent with spaces only (or with the same characters as the rest of the block)",
            )
        raise _MixedIndentation(
            line,
            1,
            "this line is indented with other characters than its block (tabs and spaces "
            "mixed); indent with spaces only (or with the same characters as the rest of the "
            "block)",
        )


def _width(indent: str) -> int:
    """An indentation's width as Lark's indenter counts it."""
    return indent.count(" ") + indent.count("\t") * _CheckerIndenter.tab_len


class _MixedIndentation(Exception):
    """A line indented with other characters than its block, at ``line``:``col``."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


class _WholeNames(PostLex):
    """The same keyword-versus-name rule for embedded expressions, which have no indentation."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


@lru_cache(maxsize=2)
def _parser(start: str) -> Lark:
    postlex = _CheckerIndenter() if start == "start" else _WholeNames()
    return Lark.open_from_package(
        "eigendsl.grammar",
        "checker.lark",
        parser="lalr",
        start=start,
        postlex=postlex,
        propagate_positions=True,
        maybe_placeholders=True,
    )


def _parse(
    text: str,
    path: str,
    start: str,
    line: int,
    col: int,
    origins: Sequence[tuple[int, int]] | None = None,
    whole: str | None = None,
):
    """``text`` parsed from ``start``; ``whole``: the file that ``text`` is a part of (its
    other lines blank), whose lets and parameters above an error may explain it."""
    pos = Positions(path, line, col, origins)
    source = text if start != "start" or text.endswith("\n") else text + "\n"
    try:
        tree = _parser(start).parse(source)
        to_ast = ToAst(source, pos)
        result = to_ast.transform(tree)
    except UnexpectedInput as exc:
        brackets = getattr(_parser(start).options.postlex, "open_brackets", None)
        error = syntax_error(exc, source, pos, brackets[-1] if brackets else None)
        bound = words_bound(whole or source, pos, getattr(exc, "line", 1) or 1)
        raise EigenError([*bound, *error.diagnostics]) from None
    except _MixedIndentation as exc:
        raise EigenError(Diagnostic(pos.at(exc.line, exc.col), exc.message)) from None
    except DedentError:
        # Lark reports the dedent only as text; find the offending line ourselves.
        bad = _bad_dedent_line(source)
        raise EigenError(
            Diagnostic(
                pos.at(bad, 1),
                "this line's indentation matches no enclosing block; "
                "indent statements by the same amount as the first one",
            )
        ) from None
    except VisitError as exc:
        # An EigenError (a string literal with a bad escape), or a bug in the transformer.
        raise exc.orig_exc from None
    if to_ast.errors:
        raise EigenError(to_ast.errors)
    return result


def _bad_dedent_line(text: str) -> int:
    levels = [0]
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(stripped)
        if indent > levels[-1]:
            levels.append(indent)
        else:
            while indent < levels[-1]:
                levels.pop()
            if indent != levels[-1]:
                return number
    return 1


def parse(text: str, path: str) -> A.Module:
    """Parse a checker file's text. A byte order mark that starts it (an editor's "UTF-8 with
    BOM", which YAML files may start with too) is not part of the text: columns count without it.
    """
    text = text.removeprefix("\ufeff")
    register_source(path, text)
    decls = _parse(text, path, "start", 1, 1)
    return A.Module(Span(path, 1, 1), path, decls)


#: The keywords that start a declaration of a checker file.
_DECLARATION_KEYWORDS = ("block", "check", "guard", "let", "rule")

#: A line that starts a declaration of a checker file: its keyword at column 0.
_DECLARATION_START = re.compile(rf"({'|'.join(_DECLARATION_KEYWORDS)})\b")

#: A line that looks like a declaration's head but for its first word (``chek b():``, ``rul r:``,
#: ``lett x = 1``): two names at column 0, then what follows a declaration's name. No statement
#: or expression goes on so (when neither name is a keyword), so a misspelt keyword starts a
#: declaration of its own and does not join the one above it.
_HEAD_LIKE = re.compile(r"([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)[ \t]*[(:,=]")


@lru_cache(maxsize=1)
def _keyword_patterns() -> tuple[re.Pattern[str], ...]:
    """What the grammar's terminals other than NAME match: a word one matches whole is a keyword
    (``require``, ``said``, ``all``), never a name."""
    return tuple(
        re.compile(t.pattern.to_regexp()) for t in _parser("start").terminals if t.name != "NAME"
    )


def _is_keyword(word: str) -> bool:
    return any(p.fullmatch(word) for p in _keyword_patterns())


def _starts_declaration(line: str) -> bool:
    """Whether ``line`` starts a declaration: with its keyword, or as one whose keyword is
    misspelt (:func:`_unknown_declaration`)."""
    if _DECLARATION_START.match(line):
        return True
    head = _HEAD_LIKE.match(line)
    return head is not None and not any(_is_keyword(w) for w in head.groups())


def _unknown_declaration(own: list[str], line: int, path: str) -> tuple[Diagnostic, str] | None:
    """A declaration (the lines ``own``, from the file's ``line``) whose first word is no
    keyword (``chek b():``): the error at that word, and the declaration's text with the keyword
    it likely meant (so that its name is left out as a name of that kind); None for one that
    starts with its keyword."""
    head = _HEAD_LIKE.match(own[0])
    if _DECLARATION_START.match(own[0]) or head is None:
        return None
    word = head.group(1)
    meant = closest(word, _DECLARATION_KEYWORDS)
    keywords = ", ".join(_DECLARATION_KEYWORDS[:-1]) + f" or {_DECLARATION_KEYWORDS[-1]}"
    hint = did_you_mean(word, _DECLARATION_KEYWORDS, f"a declaration starts with {keywords}")
    span = Span(path, line, 1, line, len(word) + 1)
    text = "\n".join(own)
    if meant is not None:
        text = meant + text[len(word) :]
    return Diagnostic(span, f"unknown declaration '{word}'{hint}"), text


@dataclass(frozen=True)
class ParsedFile:
    """A checker file parsed declaration by declaration: the declarations that parse, the
    errors of those that do not (each its own, in the order of the file), and the text of
    those, whose names are then unknown to the rest of the compile for a reason reported;
    ``left_out`` holds each of those declarations' text with the place of its (first) error."""

    module: A.Module
    errors: tuple[Diagnostic, ...] = ()
    unparsed: str = ""
    left_out: tuple[tuple[str, Span], ...] = ()


def parse_file(text: str, path: str) -> ParsedFile:
    """Parse a checker file's text as :func:`parse` does, but go on after a syntax error: each
    declaration (from a line that starts with ``guard``, ``rule``, ``check``, ``block`` or
    ``let`` at column 0 to the next such line) is then parsed on its own, its line numbers
    those of the file, so that an error in one neither hides nor follows into the others.

    >>> parsed = parse_file(
    ...     "check a(:\\n    require 1\\n\\ncheck b():\\n    require 2 = 2\\n"
    ...     "check c():\\n    require 3\\n",
    ...     "demo.chk",
    ... )
    >>> [str(error.span) for error in parsed.errors]
    ['demo.chk:1:9', 'demo.chk:5:15']
    >>> [d.name for d in parsed.module.declarations]
    ['c']
    """
    text = text.removeprefix("\ufeff")
    try:
        return ParsedFile(parse(text, path))
    except EigenError:
        pass
    lines = text.split("\n")
    starts = [0] + [
        number
        for number in range(1, len(lines))
        # a line joined to the one above it by a '\\\\' goes on with that one's statement
        if _starts_declaration(lines[number]) and not lines[number - 1].endswith("\\")
    ]
    declarations: list[A.Declaration] = []
    errors: list[Diagnostic] = []
    unparsed: list[str] = []
    left_out: list[tuple[str, Span]] = []
    for first, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        own = lines[first:end]
        while len(own) > 1 and not own[-1].strip():
            own.pop()  # the blank lines after it: a declaration cut short ends at its text
        if (unknown := _unknown_declaration(own, first + 1, path)) is not None:
            errors.append(unknown[0])
            unparsed.append(unknown[1])
            left_out.append((unknown[1], unknown[0].span))
            continue
        try:
            declarations += _parse("\n" * first + "\n".join(own), path, "start", 1, 1, whole=text)
        except EigenError as exc:
            errors += [d for d in exc.diagnostics if d not in errors]
            unparsed.append("\n".join(own))
            # the error inside the declaration (one before it says why a word above is taken)
            inside = [d.span for d in exc.diagnostics if d.span.line > first]
            left_out.append((unparsed[-1], (inside or [exc.diagnostics[0].span])[0]))
    module = A.Module(Span(path, 1, 1), path, tuple(declarations))
    return ParsedFile(module, tuple(errors), "\n".join(unparsed), tuple(left_out))


def parse_expression(
    text: str,
    path: str,
    line: int = 1,
    col: int = 1,
    origins: Sequence[tuple[int, int]] | None = None,
) -> A.Expr:
    """Parse one expression embedded elsewhere (a YAML scalar at ``line``:``col``)."""
    query = parse_query(text, path, line, col, origins)
    if query.var is not None:
        raise EigenError(
            Diagnostic(
                query.span, "a 'for' comprehension is not allowed here; write one expression"
            )
        )
    return query.body


def parse_query(
    text: str,
    path: str,
    line: int = 1,
    col: int = 1,
    origins: Sequence[tuple[int, int]] | None = None,
) -> A.Query:
    """Parse a template parameter source: ``expr for x in source [where cond]`` or ``expr``.

    Text over several lines is parsed as one line. ``origins``, one file position per character
    of ``text``, place what the parser finds in the file (a multi-line YAML scalar); without
    them positions count from ``line``:``col``.
    """
    if origins is not None and len(origins) == len(text):
        return _parse(text.replace("\r", " ").replace("\n", " "), path, "query", line, col, origins)
    if "\n" in text.strip():
        text = " ".join(text.split())
    return _parse(text, path, "query", line, col)
