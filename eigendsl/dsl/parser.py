"""Parse checker DSL text into the frozen AST of :mod:`eigendsl.dsl.ast`.

Lark parses with positions on (LALR, contextual lexer, an indenter for blocks); a Transformer
turns the tree into dataclasses. Syntax errors become :class:`EigenError` with the position and
a sentence saying what was expected.

>>> module = parse("check ok():\\n    require 1 + 1 == 2\\n", "demo.chk")
>>> module.declarations[0].body[0].source
'require 1 + 1 == 2'
"""

from __future__ import annotations

import ast as pyast
import re
import warnings
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.indenter import DedentError, Indenter
from lark.lark import PostLex

from eigendsl.dsl import ast as A
from eigendsl.errors import Diagnostic, EigenError, Span, register_source


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

        def tracked() -> Iterator[Token]:
            for token in stream:
                if token.type in self.OPEN_PAREN_types:
                    self.open_brackets.append(token)
                elif token.type in self.CLOSE_PAREN_types and self.open_brackets:
                    self.open_brackets.pop()
                yield token

        return super().process(tracked())


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


_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "COMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "QUANT": "a quantifier (all, any, count, sum, first, last)",
    "SAID": "said",
    "ADVISORY": "'advisory'",
    "$END": "the end of the text",
    "COLON": "':'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQUAL": "'='",
    "MINUS": "'-'",
}


def _describe(names: set[str]) -> str:
    words = []
    for name in sorted(names):
        if name in _TOKEN_WORDS:
            words.append(_TOKEN_WORDS[name])
        elif name.isupper():
            words.append(f"'{name.lower()}'")
        else:
            words.append(name)
    words = sorted(set(words))
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


class _Positions:
    """Turns Lark positions (relative to the parsed text) into spans in the user's file."""

    def __init__(
        self, path: str, line: int, col: int, origins: Sequence[tuple[int, int]] | None = None
    ):
        # ``origins``: the file position of each character of a text flattened onto one line.
        self.path, self.line, self.col, self.origins = path, line, col, origins

    def at(
        self, line: int, col: int, end_line: int | None = None, end_col: int | None = None
    ) -> Span:
        def shift(ln: int, cl: int) -> tuple[int, int]:
            if self.origins and ln == 1:
                if 0 <= cl - 1 < len(self.origins):
                    return self.origins[cl - 1]
                last_line, last_col = self.origins[-1]
                return last_line, last_col + cl - len(self.origins)
            return self.line + ln - 1, (self.col + cl - 1 if ln == 1 else cl)

        start = shift(line, col)
        end = (
            shift(end_line, end_col)
            if end_line is not None and end_col is not None
            else (None, None)
        )
        return Span(self.path, start[0], start[1], end[0], end[1])

    def meta(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.path, self.line, self.col)
        return self.at(meta.line, meta.column, meta.end_line, meta.end_column)

    def token(self, token: Token) -> Span:
        # Lark types a token's position Optional (a Token built by hand has none); every token
        # named here comes from the lexer, which always sets it.
        assert token.line is not None and token.column is not None
        return self.at(token.line, token.column, token.end_line, token.end_column)


def _string_value(token: Token, pos: _Positions) -> str:
    # literal_eval parses the quoted text as a Python string literal and never runs code.
    try:
        with warnings.catch_warnings():  # "\d" stays a backslash and a d, whatever the filters
            warnings.simplefilter("ignore")
            value = pyast.literal_eval(str(token))
    except (SyntaxError, ValueError) as exc:
        detail = str(getattr(exc, "msg", exc)).removeprefix("(unicode error) ")
        raise EigenError(
            Diagnostic(
                pos.token(token), f"invalid escape in string: {detail}; write a backslash as '\\\\'"
            )
        ) from None
    if not isinstance(value, str):  # pragma: no cover - the STRING terminal only matches quotes
        raise EigenError(Diagnostic(pos.token(token), "expected a string"))
    return value


_COMMENT_OR_CONTINUATION = re.compile(
    r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\n]*|\\[\t ]*\r?\n"""
)


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    def __init__(self, text: str, pos: _Positions):
        super().__init__()
        self.text, self.pos = text, pos

    def _src(self, meta) -> str:
        # One line of DSL text: comments and line continuations dropped, strings kept as written.
        text = _COMMENT_OR_CONTINUATION.sub(
            lambda m: m.group(1) or " ", self.text[meta.start_pos : meta.end_pos]
        )
        return " ".join(text.split())

    # declarations
    def start(self, meta, *decls):
        return tuple(decls)

    def guard(self, meta, name, *body):
        return A.Guard(self.pos.meta(meta), str(name), self.pos.token(name), tuple(body))

    def rule(self, meta, name, *body):
        return A.Rule(self.pos.meta(meta), str(name), self.pos.token(name), tuple(body))

    def check(self, meta, name, *rest):
        params = tuple(p for p in rest if isinstance(p, A.Param))
        body = tuple(s for s in rest if s is not None and not isinstance(s, A.Param))
        return A.Check(self.pos.meta(meta), str(name), self.pos.token(name), params, body)

    def param(self, meta, name, type_ref):
        return A.Param(self.pos.meta(meta), str(name), type_ref)

    def type_ref(self, meta, name, arg):
        return A.TypeRef(self.pos.meta(meta), str(name), arg)

    # statements
    def require(self, meta, expr, message):
        msg = _string_value(message, self.pos) if message is not None else None
        return A.Require(self.pos.meta(meta), expr, msg, self._src(meta))

    def forbid(self, meta, expr, message):
        msg = _string_value(message, self.pos) if message is not None else None
        return A.Forbid(self.pos.meta(meta), expr, msg, self._src(meta))

    def unchanged(self, meta, path):
        return A.Unchanged(self.pos.meta(meta), path, self._src(meta))

    def score(self, meta, weight, expr):
        return A.Score(self.pos.meta(meta), float(weight), expr, self._src(meta))

    def use(self, meta, name):
        return A.Use(self.pos.token(name), str(name))

    def judge(self, meta, text, advisory):
        return A.Judge(
            self.pos.meta(meta),
            _string_value(text, self.pos),
            advisory is not None,
            self._src(meta),
        )

    # queries
    def query(self, meta, body, var, source, where):
        return A.Query(self.pos.meta(meta), body, str(var), source, where)

    def single(self, meta, body):
        return A.Query(self.pos.meta(meta), body, None, None, None)

    # expressions
    def or_op(self, meta, left, right):
        return A.BoolOp(self.pos.meta(meta), "or", left, right)

    def and_op(self, meta, left, right):
        return A.BoolOp(self.pos.meta(meta), "and", left, right)

    def not_op(self, meta, operand):
        return A.Unary(self.pos.meta(meta), "not", operand)

    def neg(self, meta, operand):
        return A.Unary(self.pos.meta(meta), "-", operand)

    def before(self, meta, left, right):
        return A.Before(self.pos.meta(meta), left, right)

    def compare(self, meta, left, op, right):
        return A.Compare(self.pos.meta(meta), str(op), left, right)

    def in_op(self, meta, left, right):
        return A.Compare(self.pos.meta(meta), "in", left, right)

    def not_in_op(self, meta, left, right):
        return A.Compare(self.pos.meta(meta), "not in", left, right)

    def contains_op(self, meta, left, right):
        return A.Compare(self.pos.meta(meta), "contains", left, right)

    def binary(self, meta, left, op, right):
        return A.Binary(self.pos.meta(meta), str(op), left, right)

    def attribute(self, meta, obj, name):
        return A.Attribute(self.pos.meta(meta), obj, str(name), self.pos.token(name))

    def index(self, meta, obj, key):
        return A.Index(self.pos.meta(meta), obj, key)

    def string(self, meta, token):
        return A.Literal(self.pos.meta(meta), _string_value(token, self.pos))

    def number(self, meta, token):
        text = str(token)
        return A.Literal(self.pos.meta(meta), float(text) if "." in text else int(text))

    def true(self, meta):
        return A.Literal(self.pos.meta(meta), True)

    def false(self, meta):
        return A.Literal(self.pos.meta(meta), False)

    def null(self, meta):
        return A.Literal(self.pos.meta(meta), None)

    def name(self, meta, token):
        return A.Name(self.pos.meta(meta), str(token))

    def list_lit(self, meta, *items):
        return A.ListLit(self.pos.meta(meta), tuple(i for i in items if i is not None))

    def pair(self, meta, key, value):
        key_text = _string_value(key, self.pos) if key.type == "STRING" else str(key)
        return (key_text, value)

    def object_lit(self, meta, *pairs):
        pairs = tuple(p for p in pairs if p is not None)
        return A.ObjectLit(
            self.pos.meta(meta), tuple(k for k, _ in pairs), tuple(v for _, v in pairs)
        )

    def func(self, meta, name, *args):
        return A.Func(self.pos.meta(meta), str(name), tuple(a for a in args if a is not None))

    def quantifier(self, meta, kind, var, source, where, body):
        return A.Quantifier(self.pos.meta(meta), str(kind), str(var), source, where, body)

    def kwarg(self, meta, name, value):
        return (str(name), value, self.pos.token(name))

    def called(self, meta, tool, *kwargs):
        kwargs = tuple(k for k in kwargs if k is not None)
        return A.Called(
            self.pos.meta(meta),
            str(tool),
            self.pos.token(tool),
            tuple(k[0] for k in kwargs),
            tuple(k[1] for k in kwargs),
            tuple(k[2] for k in kwargs),
        )

    def said(self, meta, kind, text):
        return A.Said(
            self.pos.meta(meta), "user" if str(kind) == "user_said" else "assistant", text
        )


def _syntax_error(
    exc: UnexpectedInput, text: str, pos: _Positions, open_bracket: Token | None = None
) -> EigenError:
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
    if isinstance(exc, UnexpectedToken) and exc.token.type in ("_INDENT", "_DEDENT"):
        # These borrow the position of the line end before them; point at the next line instead.
        line, col = exc.token.end_line or line, exc.token.end_column or col
    span = pos.at(line, col)
    if open_bracket is not None and (
        isinstance(exc, UnexpectedEOF)
        or isinstance(exc, UnexpectedToken)
        and exc.token.type in ("$END", "_DEDENT")
    ):
        span = pos.token(open_bracket)
        return EigenError(
            Diagnostic(
                span,
                f"this '{open_bracket}' is never closed; close it before the end of the statement",
            )
        )
    if isinstance(exc, UnexpectedCharacters):
        # Lark declares pos_in_stream only as ``= None`` on UnexpectedInput (so mypy types it
        # None); UnexpectedCharacters always sets it to the lexer's position, an int.
        offset = cast(int, exc.pos_in_stream)
        char = text[offset] if offset < len(text) else "?"
        message = f"unexpected character '{char}'"
        if char in "&|!":
            message += "; write 'and', 'or', 'not' for boolean logic (and '!=' for inequality)"
        elif char in "\"'":
            message = "this string is not closed; end it with the same quote on the same line"
        elif char == "=":
            message += "; compare with '==' (a single '=' only names an argument of 'called')"
        else:
            message += "; expected " + _describe(set(exc.allowed or ()))
    elif isinstance(exc, UnexpectedToken):
        found = "end of the line" if exc.token.type == "_NL" else f"'{exc.token}'"
        if exc.token.type in ("_INDENT", "_DEDENT"):
            found = "change of indentation"
        message = f"unexpected {found}; expected {_describe(set(exc.expected))}"
        if str(exc.token) == "=" and "COMP_OP" in exc.expected:
            message = (
                "unexpected '='; compare with '==' "
                "(a single '=' only names an argument of 'called')"
            )
        if exc.token.type == "$END":
            message = f"the text ends too early; expected {_describe(set(exc.expected))}"
    elif isinstance(exc, UnexpectedEOF):
        message = f"the text ends too early; expected {_describe(set(exc.expected))}"
    else:  # pragma: no cover - Lark has no other kinds today
        message = "syntax error"
    return EigenError(Diagnostic(span, message))


def _parse(
    text: str,
    path: str,
    start: str,
    line: int,
    col: int,
    origins: Sequence[tuple[int, int]] | None = None,
):
    pos = _Positions(path, line, col, origins)
    source = text if start != "start" or text.endswith("\n") else text + "\n"
    try:
        tree = _parser(start).parse(source)
        return _ToAst(source, pos).transform(tree)
    except UnexpectedInput as exc:
        brackets = getattr(_parser(start).options.postlex, "open_brackets", None)
        raise _syntax_error(exc, source, pos, brackets[-1] if brackets else None) from None
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
    """Parse a checker file's text."""
    register_source(path, text)
    decls = _parse(text, path, "start", 1, 1)
    return A.Module(Span(path, 1, 1), path, decls)


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
