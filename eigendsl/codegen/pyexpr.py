"""Translate DSL expressions into Python ``ast`` expressions (never by pasting strings).

A DSL string literal becomes an ``ast.Constant``: it can never turn into code. Generated code
calls helpers of :mod:`eigendsl.support`, imported as ``rt``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Any

from eigendsl.dsl import ast as A
from eigendsl.dsl.depth import LONG_CHAIN
from eigendsl.dsl.literals import written_number
from eigendsl.dsl.render import render_expr

RT = "rt"
# The functions whose support helper writes text as the DSL does and says why text is no number.
_CONVERSIONS = {"str": "text_of", "int": "int_of", "float": "float_of"}
CONTEXT = ("db", "initial", "gold", "calls", "messages")


def name(id_: str, ctx: ast.expr_context | None = None) -> ast.Name:
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def const(value: Any) -> ast.Constant:
    return ast.Constant(value=value)


def rt_call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(
        func=ast.Attribute(value=name(RT), attr=func, ctx=ast.Load()), args=list(args), keywords=[]
    )


def call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=name(func), args=list(args), keywords=[])


def subscript(value: ast.expr, key: ast.expr) -> ast.Subscript:
    return ast.Subscript(value=value, slice=key, ctx=ast.Load())


def param_local(param: str) -> str:
    return f"p_{param}"


_COMPARE = {"==": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE}
_BINARY = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "%": ast.Mod}


def let_assign(local: str, value: ast.expr) -> ast.Try:
    """``local = value``, or, when it raises, the error kept for the code that reads it."""
    return ast.Try(
        body=[ast.Assign(targets=[name(local, ast.Store())], value=value, lineno=0)],
        handlers=[
            ast.ExceptHandler(
                type=name("Exception"),
                name="_e",
                body=[
                    ast.Assign(
                        targets=[name(local, ast.Store())],
                        value=rt_call("let_failed", name("_e")),
                        lineno=0,
                    )
                ],
            )
        ],
        orelse=[],
        finalbody=[],
    )


@dataclass(frozen=True)
class LetBinding:
    """A let as the code after it reads it: the Python local that holds its value, the let, and
    the compiler of the place where it stands (what the names of its expression are there)."""

    local: str
    let: A.Let
    at: ExprCompiler
    argument: int | None = None  # in a block's function: the parameter's place, its use unknown
    # written out at a use: a block's parameter, its expression the use's argument (whose names
    # are the use's, not the block's lets of the same names)
    given: bool = False


@dataclass
class ExprCompiler:
    """Compiles expressions of one declaration. ``env`` maps DSL names to Python locals, and
    ``lets`` the names of the lets bound so far (that no quantifier's variable hides)."""

    table_rows: dict[A.Index, str]
    constants: dict[A.Name, str] = field(default_factory=dict)  # `today`, `now`, and their values
    env: dict[str, str] = field(default_factory=dict)
    counter: list[int] = field(default_factory=lambda: [0])
    lets: dict[str, LetBinding] = field(default_factory=dict)
    optional_reads: set[A.Attribute] = field(default_factory=set)  # `.field`s a row may lack
    # The spec's constants (top-level lets), and, shared by every compiler of one function, the
    # locals of those it has read and the code that binds them (at the function's start).
    spec_constants: dict[str, A.Constant] = field(default_factory=dict)
    constant_locals: dict[str, str] = field(default_factory=dict)
    prelude: list[ast.stmt] = field(default_factory=list)
    # a block function's: what it read of a parameter but its value ("explain", "found", "event")
    argument_reads: set[tuple[str, str]] = field(default_factory=set)

    def with_env(self, **extra: str) -> ExprCompiler:
        lets = {k: v for k, v in self.lets.items() if k not in extra}
        env = {**self.env, **extra}
        return replace(self, env=env, lets=lets)

    def block(self) -> ExprCompiler:
        """A compiler for another block of statements (a rule a check uses): the same locals'
        counter, none of the lets bound here."""
        return replace(self, env={}, lets={})

    def bind_let(self, let: A.Let, at: ExprCompiler | None = None) -> str:
        """Bind ``let`` for what is compiled after it; returns the local that holds its value
        (a fresh one: two rules a check uses may each bind the same name). ``at``: the compiler
        its expression is read with, when not this one (a block's parameter, bound to the use's
        argument)."""
        given = at is not None
        at = at or replace(self, env=dict(self.env), lets=dict(self.lets))
        local = self.fresh(let.name)
        self.lets[let.name] = LetBinding(local, let, at, given=given)
        return local

    def let_exprs(self) -> dict[str, A.Let]:
        """The lets bound here, by name, the spec's constants among them."""
        return {**self.spec_constants, **{k: v.let for k, v in self.lets.items()}}

    def _constant(self, name: str) -> str:
        """The local that holds the spec's constant ``name``, bound in the prelude the first
        time the function reads it (after the constants its expression reads)."""
        if name not in self.constant_locals:
            value = self.block().compile(self.spec_constants[name].expr)
            local = self.fresh(name)
            self.prelude.append(let_assign(local, value))
            self.constant_locals[name] = local
        return self.constant_locals[name]

    def explained(self, e: A.Expr, why: str = "explain") -> tuple[A.Expr, ExprCompiler]:
        """What a statement that reads one let alone tests (``require paid``): the let's
        expression and the compiler of its place; any other expression with this compiler. A
        block function's parameter stops it (``why`` it was read is noted)."""
        comp: ExprCompiler = self
        while isinstance(e, A.Name):
            if e.id in comp.lets:
                binding = comp.lets[e.id]
                if binding.argument is not None:
                    comp.argument_reads.add((e.id, why))
                    break
                e, comp = binding.let.expr, binding.at
            elif e.id in comp.spec_constants and e.id not in comp.env:
                e, comp = comp.spec_constants[e.id].expr, comp.block()
            else:
                break
        return e, comp

    def fresh(self, hint: str) -> str:
        self.counter[0] += 1
        return f"v_{hint}_{self.counter[0]}"

    def compile(self, e: A.Expr) -> ast.expr:
        return getattr(self, "_" + type(e).__name__.lower())(e)

    def _literal(self, e: A.Literal) -> ast.expr:
        return const(e.value)

    def _listlit(self, e: A.ListLit) -> ast.expr:
        return ast.List(elts=[self.compile(i) for i in e.items], ctx=ast.Load())

    def _objectlit(self, e: A.ObjectLit) -> ast.expr:
        return ast.Dict(keys=[const(k) for k in e.keys], values=[self.compile(v) for v in e.values])

    def _name(self, e: A.Name) -> ast.expr:
        if e.id in self.lets:  # the value, or the error its expression raised, raised again
            return rt_call("let_value", name(self.lets[e.id].local))
        if e.id in self.env:
            return name(self.env[e.id])
        if e.id in self.spec_constants:
            return rt_call("let_value", name(self._constant(e.id)))
        if e in self.constants:
            return const(self.constants[e])
        if e.id in CONTEXT:
            return name(e.id)
        return name(param_local(e.id))

    def _attribute(self, e: A.Attribute) -> ast.expr:
        if e in self.optional_reads:  # the schema says a row may leave it out: null then
            return rt_call("optional_field", self.found(e.obj), const(e.name))
        return subscript(self.found(e.obj), const(e.name))

    def _index(self, e: A.Index) -> ast.expr:
        table = self.table_rows.get(e)
        if table is not None:
            return rt_call("row", self.compile(e.obj), self.compile(e.key), const(table))
        return rt_call("item", self.found(e.obj), self.compile(e.key))

    def found(self, e: A.Expr) -> ast.expr:
        """``e`` compiled, and when it is a ``first(...)`` or ``last(...)`` whose field is read
        (or a let of one), checked to have found something: "no guests row matches", not a
        Python error on null."""
        if isinstance(e, A.Conditional):  # each branch checked, and only the one chosen
            return ast.IfExp(
                test=self.compile(e.cond), body=self.found(e.body), orelse=self.found(e.orelse)
            )
        shown, _ = self.explained(e, "found")
        if not (isinstance(shown, A.Quantifier) and shown.kind in ("first", "last")):
            return self.compile(e)
        source = shown.source
        what = f"element of {render_expr(source)}"
        items: list[ast.expr] = []  # a collection cheap to read again: said empty, when it is
        if isinstance(source, A.Attribute) and isinstance(source.obj, A.Name):
            if source.obj.id in ("db", "initial", "gold"):
                what = f"{source.name} row"
                items = [self.compile(source)]
        elif isinstance(source, A.Name) and source.id in ("calls", "messages"):
            items = [self.compile(source)]
        # what it looked for, in a verdict's reason; a guard refuses with "no orders row matches"
        condition = []
        if shown.where is not None and what.startswith("element of"):
            condition = [const(render_expr(shown.where))]
            items = items or [const(None)]
        return rt_call("found", self.compile(e), const(what), *items, *condition)

    def _unary(self, e: A.Unary) -> ast.expr:
        op = ast.Not() if e.op == "not" else ast.USub()
        return ast.UnaryOp(op=op, operand=self.compile(e.operand))

    def _binary(self, e: A.Binary) -> ast.expr:
        left, right = self.compile(e.left), self.compile(e.right)
        if e.op in ("/", "%") and written_number(e.right) in (None, 0):
            # a divisor that may be 0: the reason of a verdict names it (rt.describe_error)
            division, divisor = const(render_expr(e)), const(render_expr(e.right))
            return rt_call("divide", left, const(e.op), right, division, divisor)
        return ast.BinOp(left=left, op=_BINARY[e.op](), right=right)

    def _compare(self, e: A.Compare) -> ast.expr:
        left, right = self.compile(e.left), self.compile(e.right)
        if e.op == "in":
            return rt_call("member", left, right)
        if e.op == "not in":
            return ast.UnaryOp(op=ast.Not(), operand=rt_call("member", left, right))
        if e.op == "contains":
            return rt_call("contains", left, right)
        return ast.Compare(left=left, ops=[_COMPARE[e.op]()], comparators=[right])

    def _boolop(self, e: A.BoolOp) -> ast.expr:
        op = ast.And() if e.op == "and" else ast.Or()
        terms = _chain_terms(e)
        if len(terms) > LONG_CHAIN:  # one flat `a or b or ...`: Python's compiler nests no deeper
            return ast.BoolOp(op=op, values=[self.compile(t) for t in terms])
        return ast.BoolOp(op=op, values=[self.compile(e.left), self.compile(e.right)])

    def _conditional(self, e: A.Conditional) -> ast.expr:
        return ast.IfExp(
            test=self.compile(e.cond), body=self.compile(e.body), orelse=self.compile(e.orelse)
        )

    def _func(self, e: A.Func) -> ast.expr:
        args = [self.compile(a) for a in e.args]
        if e.name in ("lower", "upper"):
            return ast.Call(
                func=ast.Attribute(value=rt_call("text_of", *args), attr=e.name, ctx=ast.Load()),
                args=[],
                keywords=[],
            )
        if e.name == "keys":
            return call("list", *args)
        if e.name in _CONVERSIONS:  # the DSL's spellings and sentences, not Python's
            return rt_call(_CONVERSIONS[e.name], *args)
        if e.name in ("confirmed", "declined"):  # read the conversation, as said does
            return rt_call(e.name, name("trace"), *args)
        if e.name == "says":
            return rt_call("text_says", *args)
        if e.name in (
            "days_between",
            "add_days",
            "weekday",
            "minutes_between",
            "add_minutes",
            "numbers",
            "amounts",
            "percentages",
            "vague_money",
            "beside",
            "said_plainly",
            "sentences",
            "words",
        ):
            return rt_call(e.name, *args)
        if e.name in ("min", "max") and len(args) == 1:  # of a list: empty, it has none
            return rt_call("least" if e.name == "min" else "greatest", *args)
        if e.name in ("abs", "min", "max", "round"):
            return call(e.name, *args)
        return call(e.name, *args)  # len

    def comprehension(
        self, var: str, source: A.Expr, where: A.Expr | None
    ) -> tuple[ExprCompiler, ast.comprehension]:
        local = self.fresh(var)
        inner = self.with_env(**{var: local})
        comp = ast.comprehension(
            target=name(local, ast.Store()),
            iter=rt_call("elements", self.compile(source)),
            ifs=[inner.compile(where)] if where is not None else [],
            is_async=0,
        )
        return inner, comp

    def _quantifier(self, e: A.Quantifier) -> ast.expr:
        inner, comp = self.comprehension(e.var, e.source, e.where)
        element = name(comp.target.id)  # type: ignore[attr-defined]
        if e.kind in ("all", "any"):
            body = inner.compile(e.body) if e.body is not None else const(True)
            return call(e.kind, ast.GeneratorExp(elt=body, generators=[comp]))
        if e.kind == "count":
            return call("sum", ast.GeneratorExp(elt=const(1), generators=[comp]))
        if e.kind == "sum":
            assert e.body is not None
            return call("sum", ast.GeneratorExp(elt=inner.compile(e.body), generators=[comp]))
        body = inner.compile(e.body) if e.body is not None else element
        return rt_call(e.kind, ast.GeneratorExp(elt=body, generators=[comp]))

    def _listcomp(self, e: A.ListComp) -> ast.expr:
        inner, comp = self.comprehension(e.var, e.source, e.where)
        return ast.ListComp(elt=inner.compile(e.body), generators=[comp])

    def called_args(self, e: A.Called) -> ast.expr:
        return ast.Dict(
            keys=[const(k) for k in e.arg_names], values=[self.compile(v) for v in e.arg_values]
        )

    def _called(self, e: A.Called) -> ast.expr:
        if not e.arg_names:
            return rt_call("called", name("calls"), const(e.tool))
        return rt_call("called", name("calls"), const(e.tool), self.called_args(e))

    def _said(self, e: A.Said) -> ast.expr:
        return rt_call("said", name("trace"), const(e.role), self.compile(e.text))

    def _before(self, e: A.Before) -> ast.expr:
        return rt_call("before", self.events(e.left), self.events(e.right))

    def events(self, e: A.Expr) -> ast.expr:
        """An expression used with ``before``, compiled to the list of its positions."""
        if isinstance(e, A.Name) and e.id in self.lets and self.is_event(e):
            binding = self.lets[e.id]  # its value says whether it happened; 'before' asks when
            return binding.at.events(binding.let.expr)
        if isinstance(e, A.Called):
            return rt_call("called_positions", name("calls"), const(e.tool), self.called_args(e))
        if isinstance(e, A.Said):
            return rt_call("said_positions", name("trace"), const(e.role), self.compile(e.text))
        if isinstance(e, A.BoolOp) and e.op == "or":
            return ast.BinOp(left=self.events(e.left), op=ast.Add(), right=self.events(e.right))
        if isinstance(e, A.Conditional) and self.is_event(e):
            return ast.IfExp(
                test=self.compile(e.cond), body=self.events(e.body), orelse=self.events(e.orelse)
            )
        return rt_call("positions", self.compile(e))

    def is_event(self, e: A.Expr) -> bool:
        """Whether ``e`` is written as events (``called``, ``said``, an ``or`` of them, a
        conditional between them, a let of one), as the analysis lets ``before`` read a let."""
        if isinstance(e, (A.Called, A.Said)):
            return True
        if isinstance(e, A.BoolOp) and e.op == "or":
            return self.is_event(e.left) and self.is_event(e.right)
        if isinstance(e, A.Conditional):
            return self.is_event(e.body) and self.is_event(e.orelse)
        if isinstance(e, A.Name) and e.id in self.lets:
            binding = self.lets[e.id]
            if binding.argument is not None:
                self.argument_reads.add((e.id, "event"))
                return False
            return binding.at.is_event(binding.let.expr)
        return False

    def query(self, q: A.Query) -> ast.expr:
        """A template parameter source: the list of candidate values."""
        if q.var is None:
            return ast.List(elts=[self.compile(q.body)], ctx=ast.Load())
        assert q.source is not None
        inner, comp = self.comprehension(q.var, q.source, q.where)
        return ast.ListComp(elt=inner.compile(q.body), generators=[comp])


def _chain_terms(e: A.BoolOp) -> list[A.Expr]:
    """The terms of the chain of ``e``'s operator that ``e`` heads, left to right:
    ``a or (b or c)`` gives ``a``, ``b``, ``c`` (``or`` and ``and`` are associative)."""
    terms: list[A.Expr] = []
    pending: list[A.Expr] = [e]
    while pending:
        node = pending.pop()
        if isinstance(node, A.BoolOp) and node.op == e.op:
            pending += [node.right, node.left]
        else:
            terms.append(node)
    return terms
