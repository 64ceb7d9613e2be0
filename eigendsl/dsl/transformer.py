"""Turn a Lark parse tree of the checker DSL into the frozen AST of :mod:`eigendsl.dsl.ast`.

:class:`ToAst` has one method per grammar rule (rule names match the AST classes); it gives
every node the span it came from in the user's file, which :class:`Positions` works out from
Lark's positions in the parsed text.
"""

from __future__ import annotations

import ast as pyast
import re
import warnings
from collections.abc import Sequence

from lark import Token, Transformer, v_args

from eigendsl.dsl import ast as A
from eigendsl.errors import Diagnostic, EigenError, Span


class Positions:
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


def _string_value(token: Token, pos: Positions) -> str:
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
class ToAst(Transformer):
    """Builds the AST: ``transform(tree)`` returns the declarations of a module or a query."""

    def __init__(self, text: str, pos: Positions):
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
