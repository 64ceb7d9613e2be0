"""Generate the code of a block's ``use``: the block's statements written once, as a function
of ``verifiers/blocks.py`` that each use calls; and where a statement is judged (:class:`Place`),
which the rules' functions share (:mod:`eigendsl.codegen.rule_functions`).

A block's function takes the trace, the verdict's counts (and gives them back), the text of
where it is used, its parameters' values, each argument's text (``x = db.orders[id]``, for the
lets a failed statement shows) and the reason's prefix in a policy rule. Its code may take more
of a parameter than its value: a statement that reads one parameter alone is explained by the
argument's expression, a ``first(...)`` argument is checked to have found something, an event
argument is read by ``before`` as events (:attr:`ExprCompiler.argument_reads`). A use whose
arguments would change such code has the statements written out where it stands, as every use
had before; an argument may read a name that a parameter or a let of the block also bears (the
use's variable, taken before the call; its text ends the lets a failure shows either way). A
block that calls ``confirmed`` is a function as the others: the words the scripted user reads
are compiled as data (:mod:`eigendsl.dsl.confirm_words`), not read back from the code at the
use.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from eigendsl.codegen.pyexpr import (
    ExprCompiler,
    LetBinding,
    call,
    const,
    let_assign,
    name,
    subscript,
)
from eigendsl.codegen.pymodule import assign, attribute, function_def, without_unused_bindings
from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import names_read
from eigendsl.dsl.render import render_expr, render_statement

if TYPE_CHECKING:
    from eigendsl.dsl.analysis import Resolved

TRACE_PARTS = ("db", "initial", "gold", "calls", "messages")


@dataclass
class StatementCode:
    """The code of one statement (of each statement of its rule, for a ``use``) and what the
    verdict counts of it: ``hard`` statements that must hold, ``soft`` the weight of scores."""

    body: list[ast.stmt]
    hard: int
    soft: float
    notes: bool = False  # records into `_notes` (an advisory `judge`)


@dataclass(frozen=True)
class Place:
    """Where a statement is judged: the policy rule it is of (its name starts a failure's
    reason) and the blocks it is written out in, with their uses (they end the statement's
    text); in a block's function, each goes on with the caller's (``_rule``, ``_within``)."""

    rule: str | None = None
    within: str = ""
    caller_rule: bool = False
    caller_within: bool = False
    # in a rule's function that a block uses: the caller's `_within` is "" where a check uses it
    caller_outside: bool = False

    def rule_prefix(self) -> ast.expr | None:
        if self.rule is not None:
            return const(f"policy rule {self.rule}: ")
        return name("_rule") if self.caller_rule else None

    def within_text(self) -> str | ast.expr:
        """The blocks and uses, or "" outside any block."""
        if not self.caller_within:
            return self.within
        if not self.within:
            return name("_within")
        if self.caller_outside:
            return call("_inside", const(self.within), name("_within"))
        return ast.BinOp(left=const(f"{self.within}; "), op=ast.Add(), right=name("_within"))

    def in_text(self) -> list[str | ast.expr]:
        """`` (in block b, used at f.chk:3)`` as pieces to join: none outside any block."""
        within = self.within_text()
        if self.caller_outside and not self.within:
            return [call("_in", name("_within"))]  # empty where a check uses the rule
        return [" (in ", within, ")"] if within else []

    def inside(self, used: str) -> Place:
        """This place, in the block ``used`` (``block b, used at f.chk:3``) besides."""
        return replace(self, within=f"{used}; {self.within}" if self.within else used)


OUTSIDE = Place()  # a statement of a check, outside any rule and block


def shown_lets(exprs: tuple[A.Expr, ...] | A.Expr, comp: ExprCompiler) -> str | ast.expr:
    """`` (where a = ..., b = ...)``, the lets ``exprs`` read (as :func:`eigendsl.dsl.lets.where`
    shows them); a block function's parameter among them is shown by the text its use gives
    (``_args``)."""
    parts: list[str | ast.expr] = []
    given = False
    for let in _lets_read(exprs, comp):
        binding = comp.lets.get(let.name)
        if binding is not None and binding.let is let and binding.argument is not None:
            parts.append(subscript(name("_args"), const(binding.argument)))
            given = True
        elif not (isinstance(let, A.Constant) or _own_name(let.name, let.expr)):
            parts.append(f"{let.name} = {render_expr(let.expr)}")
    if not given:  # every part a text known here
        texts = [p for p in parts if isinstance(p, str)]
        return f" (where {', '.join(texts)})" if texts else ""
    return call("_where", ast.Tuple(elts=[text_of(p) for p in parts], ctx=ast.Load()))


def _lets_read(exprs: tuple[A.Expr, ...] | A.Expr, comp: ExprCompiler) -> list[A.Let]:
    """The lets bound in ``comp`` that ``exprs`` read, directly or through another let, in the
    order they are bound (:func:`eigendsl.dsl.lets.lets_read`); but a block's parameter written
    out at a use ends its chain: its expression is the use's argument, whose names are the
    use's, and a block's let or parameter of the same name is another variable (``to =
    [order_id]`` given where the block's ``order_id`` is bound to something else shows no
    ``order_id = ...`` of the block's; the block's function, which shows ``_args``, agrees)."""
    lets = comp.let_exprs()
    pending = list(exprs) if isinstance(exprs, tuple) else [exprs]
    found: dict[str, A.Let] = {}
    while pending:
        for read in names_read(pending.pop()):
            let = lets.get(read)
            if let is None or read in found:
                continue
            found[read] = let
            binding = comp.lets.get(read)
            if not (binding is not None and binding.let is let and binding.given):
                pending.append(let.expr)
    return sorted(found.values(), key=lambda let: (let.span.line, let.span.col))


def _own_name(param: str, expr: A.Expr) -> bool:
    """Whether ``expr`` is the name ``param`` (a let ``x = x`` shows nothing)."""
    return isinstance(expr, A.Name) and expr.id == param


def text_of(text: str | ast.expr) -> ast.expr:
    return const(text) if isinstance(text, str) else text


def joined(source: str, lets: str | ast.expr, at: Place) -> ast.expr:
    """A statement's text apart from its block: ``source``, the lets it reads, and the blocks
    it is judged in (`` (in block b, used at f.chk:3)``, :meth:`Place.in_text`)."""
    pieces: list[str | ast.expr] = [source, lets, *at.in_text()]
    out: list[str | ast.expr] = []
    for piece in pieces:  # the texts known here as one constant
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        elif piece != "":
            out.append(piece)
    result = text_of(out[0])
    for piece in out[1:]:
        result = ast.BinOp(left=result, op=ast.Add(), right=text_of(piece))
    return result


# The helper of verifiers/blocks.py that joins the lets a statement shows, built once.
WHERE_HELPER = function_def(
    "_where",
    ["lets"],
    ast.parse(
        "lets = [t for t in lets if t]\nreturn ' (where ' + ', '.join(lets) + ')' if lets else ''"
    ).body,
    "` (where a = ..., b = ...)`: the lets a statement reads, but those a use gives the "
    "parameter's own name.",
)


@dataclass
class BlockFunction:
    """A block's function and what a use passes it and counts of it."""

    function: ast.FunctionDef
    params: list[str]  # after the parameters' values: `_args`, `_rule` where it reads them
    hard: int
    soft: float
    notes: bool
    argument_reads: set[tuple[str, str]]


class BlockCompiler:
    """The ``use`` statements, for :class:`eigendsl.codegen.statements.StatementCompiler`."""

    resolved: Resolved
    functions: dict[str, BlockFunction]

    if TYPE_CHECKING:  # the statement compiler's

        def statement(self, stmt: A.Statement, comp: ExprCompiler, at: Place) -> StatementCode: ...

        def compiler(self) -> ExprCompiler: ...

        def relative(self, path: str) -> str: ...

    def _use(self, stmt: A.Use, comp: ExprCompiler, at: Place) -> StatementCode:
        """A call of the function of the block ``stmt`` uses, or its statements written out
        here where the use's arguments need it (see above). A block's parameters are lets bound
        to the use's arguments, read where the use stands."""
        scope = comp.block()  # the block's lets are its own, apart from the check's
        block = self.resolved.blocks[stmt.name]
        span = stmt.span
        at = at.inside(f"block {block.name}, used at {self.relative(span.path)}:{span.line}")
        args = stmt.args or ()
        function = self.block_function(block)
        if not _fits(block, function, args, comp):
            body: list[ast.stmt] = []
            for param, arg in zip(block.params, args, strict=True):
                value = comp.compile(arg)  # the use's names, not the block's
                let = A.Let(param.span, param.name, param.span, arg, render_expr(arg))
                body.append(let_assign(scope.bind_let(let, comp), value))
            code = self.gathered(block.body, scope, at)
            code.body[:0] = body
            return code
        marker = f"{self.relative(span.path)}:{span.line}:{span.col}: {render_statement(stmt)}"
        body = [ast.Expr(value=const(marker))]
        values: list[ast.expr] = []
        for param, arg in zip(block.params, args, strict=True):
            local = comp.fresh(param.name)
            body.append(let_assign(local, comp.compile(arg)))
            values.append(name(local))
        given = {
            "_args": ast.Tuple(
                elts=[
                    const(
                        ""
                        if isinstance(a, A.Name) and a.id == p.name
                        else f"{p.name} = {render_expr(a)}"
                    )
                    for p, a in zip(block.params, args, strict=True)
                ],
                ctx=ast.Load(),
            ),
            "_rule": at.rule_prefix() or const(""),
        }
        counts = ["_failures", *(["_notes"] if function.notes else []), "_hard", "_soft"]
        call_ = ast.Call(
            func=name(function.function.name),
            args=[
                name("trace"),
                *map(name, counts),
                text_of(at.within_text()),
                *values,
                *(given[p] for p in function.params),
            ],
            keywords=[],
        )
        target = ast.Tuple(
            elts=[name("_hard", ast.Store()), name("_soft", ast.Store())], ctx=ast.Store()
        )
        body.append(ast.Assign(targets=[target], value=call_, lineno=0))
        return StatementCode(body, function.hard, function.soft, function.notes)

    def gathered(
        self, statements: tuple[A.Statement, ...], comp: ExprCompiler, at: Place
    ) -> StatementCode:
        """The code of ``statements``, one after another, and what the verdict counts of them."""
        body: list[ast.stmt] = []
        hard, soft, notes = 0, 0.0, False
        for inner in statements:
            code = self.statement(inner, comp, at)
            body.extend(code.body)
            hard, soft, notes = hard + code.hard, soft + code.soft, notes or code.notes
        return StatementCode(body, hard, soft, notes)

    def block_function(self, block: A.Block) -> BlockFunction:
        """The function of ``block``, built the first time a use asks."""
        if block.name in self.functions:
            return self.functions[block.name]
        comp = self.compiler()
        params = [_bind_argument(comp, p, i) for i, p in enumerate(block.params)]
        code = self.gathered(block.body, comp, Place(caller_rule=True, caller_within=True))
        body = [*comp.prelude, *code.body]
        read = {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name)}
        body.append(
            ast.Return(value=ast.Tuple(elts=[name("_hard"), name("_soft")], ctx=ast.Load()))
        )
        bindings = [assign(n, attribute("trace", n)) for n in TRACE_PARTS]
        counts = ["_failures", *(["_notes"] if code.notes else []), "_hard", "_soft"]
        given: list[str] = [p for p in ("_args", "_rule") if p in read]
        doc = f"Block '{block.name}' ({self.relative(block.span.path)}:{block.span.line})."
        function = function_def(
            f"block_{block.name}",
            ["trace", *counts, "_within", *params, *given],
            without_unused_bindings(bindings, body) + body,
            doc,
        )
        made = BlockFunction(function, given, code.hard, code.soft, code.notes, comp.argument_reads)
        self.functions[block.name] = made
        return made

    def blocks_module_body(self) -> list[ast.stmt]:
        """The functions of the blocks some use calls, by name (none: no module)."""
        used = [f.function for _, f in sorted(self.functions.items())]
        if not used:
            return []
        needs_where = any(
            isinstance(n, ast.Name) and n.id == "_where" for f in used for n in ast.walk(f)
        )
        return [*([WHERE_HELPER] if needs_where else []), *used]


def _bind_argument(comp: ExprCompiler, param: A.Param, index: int) -> str:
    """Bind a block's parameter as the ``index``-th argument of the block's function: read by
    its value, the argument's expression unknown (each use gives its own)."""
    let = A.Let(param.span, param.name, param.span, A.Name(param.span, param.name), param.name)
    local = comp.fresh(param.name)
    comp.lets[param.name] = LetBinding(local, let, comp, index)
    return local


def _fits(
    block: A.Block, function: BlockFunction, args: tuple[A.Expr, ...], comp: ExprCompiler
) -> bool:
    """Whether a use with ``args`` (read with ``comp``) may call the block's function: it gives
    the code written out at the use, and the text of each failure. An argument may read any
    name of the use's place, one that a parameter or a let of the block also bears among them:
    its value is taken at the use, and its text (``_args``) ends the lets a failure shows, as
    written out (:func:`_lets_read`)."""
    by_param = {p.name: a for p, a in zip(block.params, args, strict=True)}
    for param, why in sorted(function.argument_reads):
        arg = by_param[param]
        if why == "event":
            if comp.is_event(arg):
                return False
            continue
        shown, _ = comp.explained(arg, why)
        if why == "found":
            if isinstance(shown, A.Quantifier) and shown.kind in ("first", "last"):
                return False
        elif not (shown is arg and isinstance(arg, A.Name) and arg.id == param):
            return False
    return True
