"""Generate the code of one DSL statement, for the verifier functions to gather.

Each statement becomes a ``try`` block that records whether it held and, when it did not, a
:class:`eigendsl.support.Failure` with the reason, the offending values and the DSL position.
A comment above each block maps the generated code back to the DSL source line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from eigendsl.codegen.blocks import (
    OUTSIDE,
    BlockFunction,
    Place,
    StatementCode,
    joined,
    shown_lets,
    text_of,
)
from eigendsl.codegen.pyexpr import ExprCompiler, call, const, let_assign, name, rt_call
from eigendsl.codegen.pymodule import assign, attribute
from eigendsl.codegen.rule_functions import RuleCompiler, RuleFunction
from eigendsl.dsl import ast as A
from eigendsl.dsl.analysis import Resolved
from eigendsl.dsl.lets import statement_exprs
from eigendsl.dsl.render import render_expr
from eigendsl.spec import DomainSpec


def _failure(stmt_source: ast.expr, reason: ast.expr, span, values: ast.expr) -> ast.Call:
    return rt_call(
        "Failure",
        stmt_source,
        reason,
        const(span.path),
        const(span.line),
        const(span.col),
        values,
    )


class StatementCompiler(RuleCompiler):
    """Compiles the statements of one domain into code, each in its own try block."""

    def __init__(self, spec: DomainSpec, resolved: Resolved, source_root: str):
        self.spec = spec
        self.resolved = resolved
        self.source_root = source_root
        self.functions: dict[str, BlockFunction] = {}  # the blocks' functions, by block
        self.rule_functions: dict[str, RuleFunction] = {}  # the rules' functions, by rule

    def compiler(self) -> ExprCompiler:
        """A compiler for one function (its constants bound in its ``prelude``)."""
        return ExprCompiler(
            self.resolved.table_rows,
            self.resolved.constants,
            optional_reads=self.resolved.optional_reads,
            spec_constants=self.resolved.spec_constants,
        )

    def relative(self, path: str) -> str:
        """``path`` relative to the spec folder's parent, whatever the working directory was
        (``eigendsl compile .`` and ``eigendsl compile specs/x`` give the same output)."""
        try:
            return Path(path).resolve().relative_to(Path(self.source_root).resolve()).as_posix()
        except ValueError:
            return path

    # ------------------------------------------------------------------ statements

    def statement(
        self, stmt: A.Statement, comp: ExprCompiler, at: Place = OUTSIDE
    ) -> StatementCode:
        """``_ok``/``_why``/``_vals`` computed in a try block, then counted or recorded; the
        reason of a policy rule's statement starts with the rule's name, and the text of a
        block's ends with the blocks and their uses (``at``)."""
        if isinstance(stmt, A.Use) and stmt.name in self.resolved.rules:
            return self._use_rule(stmt, comp, at)
        if isinstance(stmt, A.Use):
            return self._use(stmt, comp, at)
        span = stmt.span
        span = type(span)(self.relative(span.path), span.line, span.col)
        marker = ast.Expr(value=const(f"{span}: {stmt.source}"))
        if isinstance(stmt, A.Let):
            return StatementCode([marker, self._let(stmt, comp)], 0, 0.0)
        # shown apart from its block, a statement is followed by the lets it reads, and the
        # statement of a block by the block and where it is used
        source = joined(stmt.source, shown_lets(statement_exprs(stmt), comp), at)
        compute = self._compute(stmt, comp)
        message = getattr(stmt, "message", None)
        guarded = ast.Try(
            body=compute,
            handlers=[
                ast.ExceptHandler(
                    type=name("Exception"),
                    name="_e",
                    body=[
                        assign("_ok", const(False)),
                        *([assign("_raised", const(True))] if message else []),
                        assign("_why", rt_call("describe_error", name("_e"))),
                        assign("_vals", ast.Dict(keys=[], values=[])),
                    ],
                )
            ],
            orelse=[],
            finalbody=[],
        )
        # An author's message explains a false condition; an evaluation error explains itself.
        reason: ast.expr = (
            ast.IfExp(test=name("_raised"), body=name("_why"), orelse=const(message))
            if message
            else name("_why")
        )
        prefix = at.rule_prefix()  # the rule's name says what went wrong; the statement, how
        if prefix is not None:
            reason = ast.BinOp(left=prefix, op=ast.Add(), right=reason)
        advisory = isinstance(stmt, A.Judge) and stmt.advisory
        if isinstance(stmt, A.Score):
            counted = ast.AugAssign(
                target=name("_soft", ast.Store()), op=ast.Add(), value=const(stmt.weight)
            )
        else:
            counted = ast.AugAssign(target=name("_hard", ast.Store()), op=ast.Add(), value=const(1))
        failed = ast.Expr(
            value=ast.Call(
                func=attribute("_notes" if advisory else "_failures", "append"),
                args=[_failure(source, reason, span, name("_vals"))],
                keywords=[],
            )
        )
        if advisory:  # shown in the verdict's notes, never counted
            record = ast.If(
                test=ast.UnaryOp(op=ast.Not(), operand=name("_ok")), body=[failed], orelse=[]
            )
        else:
            record = ast.If(test=name("_ok"), body=[counted], orelse=[failed])
        hard = 0 if isinstance(stmt, A.Score) or advisory else 1
        soft = stmt.weight if isinstance(stmt, A.Score) else 0.0
        raised = [assign("_raised", const(False))] if message else []
        return StatementCode([marker, *raised, guarded, record], hard, soft, advisory)

    def _let(self, let: A.Let, comp: ExprCompiler) -> ast.Try:
        """``v = <expr>``, or, when it raises, the error kept for the statements that read it."""
        value = comp.compile(let.expr)  # the names above the let, not the let's own
        return let_assign(comp.bind_let(let), value)

    def _compute(self, stmt: A.Statement, comp: ExprCompiler) -> list[ast.stmt]:
        empty = ast.Dict(keys=[], values=[])
        if isinstance(stmt, A.Judge):
            text = const(stmt.assertion)
            return [
                assign("_v", rt_call("judge", name("trace"), text)),
                assign(
                    "_ok", ast.Compare(left=name("_v"), ops=[ast.Is()], comparators=[const(True)])
                ),
                _why(rt_call("judge_reason", text, name("_v"))),
                assign(
                    "_vals",
                    ast.Dict(
                        keys=[const("assertion"), const("judged")],
                        values=[
                            text,
                            ast.Compare(
                                left=name("_v"), ops=[ast.IsNot()], comparators=[const(None)]
                            ),
                        ],
                    ),
                ),
            ]
        if isinstance(stmt, A.Unchanged):
            now = comp.compile(stmt.path)
            before = comp.with_env(db="initial").compile(stmt.path)
            return [
                assign("_l", now),
                assign("_r", before),
                assign(
                    "_ok", ast.Compare(left=name("_l"), ops=[ast.Eq()], comparators=[name("_r")])
                ),
                _why(
                    rt_call("changed_reason", const(_source_of(stmt.path)), name("_l"), name("_r")),
                    shown_lets(stmt.path, comp),
                ),
                assign("_vals", empty),
            ]
        expr = stmt.expr  # type: ignore[union-attr]
        negate = isinstance(stmt, A.Forbid)
        # A statement that reads one let alone is explained by the let's expression (`require
        # paid` fails as `order.total == 20` does); the value is the let's, read once.
        shown, at = comp.explained(expr)
        lets: str | ast.expr = shown_lets(shown, at)
        if isinstance(shown, A.Compare) and shown.op in ("==", "!=", "<", "<=", ">", ">="):
            left: ast.expr
            right: ast.expr
            if shown is expr:
                test = ast.Compare(
                    left=name("_l"),
                    ops=[ast.Eq() if expr.op == "==" else _cmp(expr.op)],
                    comparators=[name("_r")],
                )
                held = ast.UnaryOp(op=ast.Not(), operand=test) if negate else test
                compute = [
                    assign("_l", comp.compile(expr.left)),
                    assign("_r", comp.compile(expr.right)),
                    assign("_ok", held),
                ]
                left, right = name("_l"), name("_r")
            else:  # the sides read again to explain a failure, where the let stands
                compute = [assign("_v", comp.compile(expr)), assign("_ok", _held(negate))]
                left = ast.NamedExpr(target=name("_l", ast.Store()), value=at.compile(shown.left))
                right = ast.NamedExpr(target=name("_r", ast.Store()), value=at.compile(shown.right))
            base = _place_base(shown.left)
            return [
                *compute,
                _why(
                    rt_call(
                        "compare_reason",
                        const(_source_of(shown)),
                        const(shown.op),
                        left,
                        right,
                        const(negate),
                        const(base),
                    ),
                    lets,
                ),
                assign(
                    "_vals",
                    ast.IfExp(
                        test=name("_ok"),
                        body=ast.Dict(keys=[], values=[]),
                        orelse=rt_call("compare_values", name("_l"), name("_r"), const(base)),
                    ),
                ),
            ]
        value = comp.compile(expr)
        why: ast.expr
        if isinstance(shown, A.Called):
            why = (
                rt_call("explain_called", name("calls"), const(shown.tool), at.called_args(shown))
                if not negate
                else rt_call(
                    "explain_forbidden_call",
                    name("calls"),
                    const(shown.tool),
                    at.called_args(shown),
                )
            )
            lets = ""  # the reason shows the values, not the DSL text
        elif isinstance(shown, A.Said):
            why = rt_call("said_reason", const(shown.role), at.compile(shown.text), const(negate))
            lets = ""
        elif isinstance(shown, A.Quantifier) and shown.kind == "all" and not negate:
            inner, generator = at.comprehension(shown.var, shown.source, shown.where)
            body = inner.compile(shown.body) if shown.body is not None else const(True)
            counter = rt_call(
                "first",
                ast.GeneratorExp(
                    elt=name(generator.target.id),  # type: ignore[attr-defined]
                    generators=[
                        ast.comprehension(
                            target=generator.target,
                            iter=generator.iter,
                            ifs=[*generator.ifs, ast.UnaryOp(op=ast.Not(), operand=body)],
                            is_async=0,
                        )
                    ],
                ),
            )
            why = rt_call("counterexample_reason", const(_source_of(shown)), counter)
        elif isinstance(shown, A.Quantifier) and shown.kind == "any" and not negate:
            why = _any_reason(shown, at)
        else:
            why = rt_call("condition_reason", const(_source_of(shown)), const(negate))
        return [
            assign("_v", value),
            assign("_ok", _held(negate)),
            _why(why, lets),
            assign("_vals", empty),
        ]


def _any_reason(shown: A.Quantifier, at: ExprCompiler) -> ast.expr:
    """``any_reason(...)`` for a failed ``any(x in xs where F: P)``: the elements that matched
    ``F`` (read again only when it failed), each with the two sides of ``P`` where it is a
    comparison; and ``xs`` itself where it is ``calls`` or ``messages``, to say it is empty."""
    inner, generator = at.comprehension(shown.var, shown.source, shown.where)
    element = name(generator.target.id)  # type: ignore[attr-defined]
    body = shown.body
    op = body.op if isinstance(body, A.Compare) and body.op in _COMPARISONS else None
    if isinstance(body, A.Compare) and op is not None:
        elt: ast.expr = ast.Tuple(
            elts=[element, inner.compile(body.left), inner.compile(body.right)], ctx=ast.Load()
        )
    else:
        elt = element
    source = shown.source
    items = (
        [at.compile(source)]
        if isinstance(source, A.Name) and source.id in ("calls", "messages")
        else []
    )
    return rt_call(
        "any_reason",
        const(_source_of(shown)),
        const(_source_of(body) if body is not None else "true"),
        const(op),
        const(_source_of(source)),
        ast.GeneratorExp(elt=elt, generators=[generator]),
        *items,
    )


_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def _held(negate: bool) -> ast.expr:
    """Whether the statement held, from its value ``_v``."""
    return ast.UnaryOp(op=ast.Not(), operand=name("_v")) if negate else call("bool", name("_v"))


def _why(reason: ast.expr, lets: str | ast.expr = "") -> ast.Assign:
    """``_why = None if _ok else <reason>``: the failure's reason, built only when it failed,
    followed by ``lets``, the lets its DSL text reads (`` (where order = ...)``)."""
    if lets:
        reason = ast.BinOp(left=reason, op=ast.Add(), right=text_of(lets))
    return assign("_why", ast.IfExp(test=name("_ok"), body=const(None), orelse=reason))


def _cmp(op: str) -> ast.cmpop:
    return {"!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE}[op]()


def _source_of(expr: A.Expr) -> str:
    return render_expr(expr)


def _place_base(expr: A.Expr) -> str:
    """The DSL text the places a failed comparison names start from (``db.orders["#1"].status``
    of ``db == gold``): the left side, in brackets where an operator would take the step."""
    text = render_expr(expr)
    if isinstance(expr, (A.Unary, A.Binary, A.Compare, A.Conditional)):
        return f"({text})"
    return text
