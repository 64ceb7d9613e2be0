"""Turn a Lark parse tree of the checker DSL into the frozen AST of :mod:`eigendsl.dsl.ast`.

:class:`ToAst` has one method per grammar rule (rule names match the AST classes); it gives
every node the span it came from in the user's file, which :class:`Positions` works out from
Lark's positions in the parsed text.
"""

from __future__ import annotations

import ast as pyast
import math
import re
import warnings
from collections.abc import Sequence

from lark import Token, Transformer_NonRecursive, v_args

from eigendsl.dsl import ast as A
from eigendsl.dsl.depth import LONG_CHAIN, MAX_DEPTH, expression_depth, too_deep
from eigendsl.errors import Diagnostic, EigenError, Span
from eigendsl.yamlload import join_surrogate_pairs


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
    # "\ud83d\ude00" is one character, as in YAML text; a lone "\ud800" is none, as there.
    value, problem = join_surrogate_pairs(value, "string")
    if problem:
        raise EigenError(Diagnostic(pos.token(token), problem))
    return value


def _number_value(token: Token, pos: Positions, as_float: bool = False) -> int | float:
    """A number literal's value; one Python cannot hold (an int past 4300 digits, which ``int``
    refuses, or a float of more than about 308 digits before its '.', which becomes inf)
    is an error at the literal."""
    text = str(token)
    try:
        value: int | float = float(text) if "." in text or as_float else int(text)
    except ValueError:  # Python's limit on the digits of an int
        value = math.inf
    if isinstance(value, float) and not math.isfinite(value):
        digits = len(text.split(".")[0])
        # no exponent form (1.8e308) in the advice: the DSL reads none
        if "." in text or as_float:
            where = " before its '.'" if "." in text else ""
            problem = (
                f"this number has {digits} digits{where}, more than a float can hold; write a "
                f"smaller one (at most 308 digits{where})"
            )
        else:
            problem = (
                f"this number has {digits} digits, more than an int can hold; write a smaller "
                "one (at most 4300 digits)"
            )
        raise EigenError(Diagnostic(pos.token(token), problem))
    return value


_COMMENT_OR_CONTINUATION = re.compile(
    r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\n]*|\\[\t ]*\r?\n"""
)


class _Chain:
    """The terms of one and/or chain, met left to right; past :data:`LONG_CHAIN` terms it keeps
    them as perfect balanced blocks, like the digits of a binary counter, so that adding a term
    costs a few nodes and the chain's tree stays shallow."""

    def __init__(self, op: str, first: A.Expr):
        self.op, self.node, self.count = op, first, 1
        self.terms: list[A.Expr] = [first]
        self.blocks: list[tuple[A.Expr, int]] = []  # (balanced tree, number of terms in it)

    def add(self, term: A.Expr, span: Span) -> A.Expr:
        self.count += 1
        if self.count <= LONG_CHAIN:
            self.terms.append(term)
            self.node = A.BoolOp(span, self.op, self.node, term)
            return self.node
        # The chain has just grown long: its terms so far go into blocks first.
        pending, self.terms = [*self.terms, term], []
        for t in pending:
            self.blocks.append((t, 1))
            while len(self.blocks) > 1 and self.blocks[-1][1] == self.blocks[-2][1]:
                (left, size), (right, _) = self.blocks[-2:]
                self.blocks[-2:] = [(self._join(left, right), 2 * size)]
        self.node = self.blocks[0][0]
        for block, _ in self.blocks[1:]:
            self.node = self._join(self.node, block)
        return self.node

    def _join(self, left: A.Expr, right: A.Expr) -> A.BoolOp:
        start, end = left.span, right.span
        span = Span(start.path, start.line, start.col, end.end_line, end.end_col)
        return A.BoolOp(span, self.op, left, right)


@v_args(meta=True, inline=True)
class ToAst(Transformer_NonRecursive):
    """Builds the AST: ``transform(tree)`` returns the declarations of a module or a query.

    It never recurses (an expression may nest thousands of levels); statements nested deeper
    than :data:`MAX_DEPTH` are collected in ``errors``.
    """

    def __init__(self, text: str, pos: Positions):
        super().__init__()
        self.text, self.pos = text, pos
        self.errors: list[Diagnostic] = []
        self._chains: dict[int, _Chain] = {}  # id of a chain's tree so far -> the chain

    def _shallow(self, meta, node: A.Node, fix: str = "split it into several statements") -> None:
        depth = expression_depth(node) - (1 if isinstance(node, A.Query) else 0)
        if depth > MAX_DEPTH:
            self.errors.append(too_deep(self.pos.meta(meta), depth, fix))

    def _chain(self, meta, op: str, left: A.Expr, right: A.Expr) -> A.Expr:
        chain = self._chains.pop(id(left), None)
        if chain is None or chain.op != op or chain.node is not left:
            chain = _Chain(op, left)
        node = chain.add(right, self.pos.meta(meta))
        self._chains[id(node)] = chain
        return node

    def _src(self, meta) -> str:
        # One line of DSL text: comments and line continuations dropped, strings kept as written.
        text = _COMMENT_OR_CONTINUATION.sub(
            lambda m: m.group(1) or " ", self.text[meta.start_pos : meta.end_pos]
        )
        return " ".join(text.split())

    # declarations
    def start(self, meta, *decls):
        return tuple(decls)

    def guard(self, meta, *rest):
        names = [t for t in rest if isinstance(t, Token)]
        body = tuple(s for s in rest if not isinstance(s, Token))
        spans = tuple(self.pos.token(n) for n in names)
        return A.Guard(self.pos.meta(meta), tuple(map(str, names)), spans, body)

    def rule(self, meta, name, *body):
        return A.Rule(self.pos.meta(meta), str(name), self.pos.token(name), tuple(body))

    def check(self, meta, name, *rest):
        params = tuple(p for p in rest if isinstance(p, A.Param))
        body = tuple(s for s in rest if s is not None and not isinstance(s, A.Param))
        return A.Check(self.pos.meta(meta), str(name), self.pos.token(name), params, body)

    def block(self, meta, name, *rest):
        params = tuple(p for p in rest if isinstance(p, A.Param))
        body = tuple(s for s in rest if s is not None and not isinstance(s, A.Param))
        return A.Block(self.pos.meta(meta), str(name), self.pos.token(name), params, body)

    def constant(self, meta, name, expr):
        self._shallow(meta, expr)
        return A.Constant(
            self.pos.meta(meta), str(name), self.pos.token(name), expr, self._src(meta)
        )

    def param(self, meta, name, type_ref):
        return A.Param(self.pos.meta(meta), str(name), type_ref)

    def type_ref(self, meta, name, arg):
        return A.TypeRef(self.pos.meta(meta), str(name), arg)

    # statements
    def require(self, meta, expr, message):
        self._shallow(meta, expr)
        return A.Require(self.pos.meta(meta), expr, self._else(message), self._src(meta))

    def forbid(self, meta, expr, message):
        self._shallow(meta, expr)
        return A.Forbid(self.pos.meta(meta), expr, self._else(message), self._src(meta))

    def _else(self, message: Token | None) -> str | None:
        """A statement's ``else`` text: the refusal the agent reads (or a verdict's reason),
        so never blank."""
        if message is None:
            return None
        text = _string_value(message, self.pos)
        if not text.strip():
            self.errors.append(
                Diagnostic(
                    self.pos.token(message),
                    "this 'else' text is empty, and it is what the agent reads when the "
                    "statement fails (or the verdict's reason); say why, or leave 'else' out to "
                    "show the condition",
                )
            )
        return text

    def unchanged(self, meta, path):
        self._shallow(meta, path)
        return A.Unchanged(self.pos.meta(meta), path, self._src(meta))

    def score(self, meta, weight, expr):
        self._shallow(meta, expr)
        weight_value = float(_number_value(weight, self.pos, as_float=True))
        return A.Score(self.pos.meta(meta), weight_value, expr, self._src(meta))

    def use(self, meta, name, args):
        return A.Use(self.pos.token(name), str(name), args)

    def arguments(self, meta, *args):
        return tuple(a for a in args if a is not None)

    def let(self, meta, name, expr):
        self._shallow(meta, expr)
        return A.Let(self.pos.meta(meta), str(name), self.pos.token(name), expr, self._src(meta))

    def judge(self, meta, text, advisory):
        return A.Judge(
            self.pos.meta(meta),
            _string_value(text, self.pos),
            advisory is not None,
            self._src(meta),
        )

    # queries
    def query(self, meta, body, var, source, where):
        query = A.Query(self.pos.meta(meta), body, str(var), self.pos.token(var), source, where)
        self._shallow(meta, query, "simplify it")
        return query

    def single(self, meta, body):
        query = A.Query(self.pos.meta(meta), body, None, None, None, None)
        self._shallow(meta, query, "simplify it")
        return query

    # expressions
    def conditional(self, meta, body, cond, orelse):
        return A.Conditional(self.pos.meta(meta), body, cond, orelse)

    def or_op(self, meta, left, right):
        return self._chain(meta, "or", left, right)

    def and_op(self, meta, left, right):
        return self._chain(meta, "and", left, right)

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
        return A.Literal(self.pos.meta(meta), _number_value(token, self.pos))

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
        return A.Quantifier(
            self.pos.meta(meta), str(kind), str(var), self.pos.token(var), source, where, body
        )

    def list_comp(self, meta, body, var, source, where):
        return A.ListComp(self.pos.meta(meta), body, str(var), self.pos.token(var), source, where)

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
