"""Generate the verifier modules: one per check, one for the policy rules, one for the guards,
one for declarative tools. Built as Python ``ast`` trees, then ``ast.unparse``d
(:func:`eigendsl.codegen.pymodule.render`).

A verifier function gathers the code of its statements (:mod:`eigendsl.codegen.statements`)
between the bindings of the trace's parts and the verdict it returns.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import partial

from eigendsl.codegen.blocks import OUTSIDE, Place, StatementCode
from eigendsl.codegen.pyexpr import ExprCompiler, call, const, name, param_local, rt_call
from eigendsl.codegen.pymodule import (
    assign,
    attribute,
    bound_name,
    function_def,
    module_of,
    without_unused_bindings,
)
from eigendsl.codegen.statements import StatementCompiler
from eigendsl.dsl import ast as A
from eigendsl.dsl.confirm_words import confirm_words
from eigendsl.errors import Span

TRACE_LOCALS = ("db", "initial", "gold", "calls", "messages")


class _WithoutValues(ast.NodeTransformer):
    """Drops the assignments of ``_vals`` (the values a failure records) from a statement's code."""

    def visit_Assign(self, node: ast.Assign) -> ast.Assign | None:
        return None if bound_name(node) == "_vals" else node


class _GuardCode(_WithoutValues):
    """A statement's code as a guard runs it: without the values a verdict records, and an
    exception explained by ``rt.guard_error`` at the statement's position, which raises the ones
    that are bugs of the spec rather than refusals (anything but an ``EvalError``)."""

    def __init__(self, span: Span):
        self.span = span

    def visit_Assign(self, node: ast.Assign) -> ast.Assign | None:
        value = node.value
        if isinstance(value, ast.Call) and getattr(value.func, "attr", "") == "describe_error":
            position = (const(self.span.path), const(self.span.line), const(self.span.col))
            node.value = rt_call("guard_error", *value.args, *position)
        return super().visit_Assign(node)


class VerifierBuilder(StatementCompiler):
    """Builds verifier functions for one domain."""

    # ------------------------------------------------------------------ functions

    def _bindings(self, params: list[str]) -> list[ast.stmt]:
        """The trace's parts and the check's parameters as locals (the unread ones are dropped)."""
        body: list[ast.stmt] = [assign(n, attribute("trace", n)) for n in TRACE_LOCALS]
        if params:
            body.append(assign("params", attribute("trace", "params")))
            for p in params:
                body.append(
                    assign(
                        param_local(p),
                        ast.Call(func=attribute("params", "get"), args=[const(p)], keywords=[]),
                    )
                )
        return body

    def _verify_function(
        self,
        fname: str,
        title: str,
        gather: Callable[[ExprCompiler], StatementCode],
        params: list[str],
        doc: str,
    ) -> ast.FunctionDef:
        """``def fname(trace)``: the verdict ``title`` of the code ``gather`` gives."""
        comp = self.compiler()
        start = [
            assign("_failures", ast.List(elts=[], ctx=ast.Load())),
            assign("_hard", const(0)),
            assign("_soft", const(0.0)),
        ]
        code = gather(comp)
        body: list[ast.stmt] = [*start, *comp.prelude, *code.body]  # the constants it reads
        hard, soft, notes = code.hard, code.soft, code.notes
        finish = [
            const(title),
            name("_hard"),
            const(hard),
            name("_soft"),
            const(soft),
            name("_failures"),
        ]
        if (
            notes
        ):  # only verifiers with advisory statements carry notes (the others stay as they were)
            body.insert(len(start), assign("_notes", ast.List(elts=[], ctx=ast.Load())))
            finish.append(name("_notes"))
        body.append(ast.Return(value=rt_call("finish", *finish)))
        bindings = without_unused_bindings(self._bindings(params), body)
        return function_def(fname, ["trace"], bindings + body, doc)

    def check_module(self, check: A.Check) -> ast.Module:
        params = [p.name for p in check.params]
        doc = (
            f"Verifier of check '{check.name}' "
            f"({self.relative(check.span.path)}:{check.span.line})."
        )
        func = self._verify_function(
            "verify", check.name, lambda comp: self.gathered(check.body, comp, OUTSIDE), params, doc
        )
        return module_of(
            [
                *self._block_imports([func]),
                ast.Assign(targets=[name("NAME", ast.Store())], value=const(check.name), lineno=0),
                ast.Assign(
                    targets=[name("PARAMS", ast.Store())],
                    value=ast.Tuple(elts=[const(p) for p in params], ctx=ast.Load()),
                    lineno=0,
                ),
                func,
            ]
        )

    def rules_module(self) -> ast.Module:
        stmts: list[ast.stmt] = []
        names = sorted(self.resolved.rules)
        for rule_name in names:
            rule = self.resolved.rules[rule_name]
            doc = f"Policy rule '{rule_name}' ({self.relative(rule.span.path)}:{rule.span.line})."
            # its statements are those of its function, which the checks that use it call too
            gather = partial(self.rule_code, rule_name, at=Place(rule=rule_name))
            stmts.append(self._verify_function(f"rule_{rule_name}", rule_name, gather, [], doc))
        stmts.append(
            ast.Assign(
                targets=[name("RULES", ast.Store())],
                value=ast.Dict(
                    keys=[const(n) for n in names], values=[name(f"rule_{n}") for n in names]
                ),
                lineno=0,
            )
        )
        # verify(trace): every rule at once, one verdict named "policy".
        body: list[ast.stmt] = [
            assign(
                "_verdicts",
                ast.ListComp(
                    elt=call("_rule", name("trace")),
                    generators=[
                        ast.comprehension(
                            target=name("_rule", ast.Store()),
                            iter=ast.Call(func=attribute("RULES", "values"), args=[], keywords=[]),
                            ifs=[],
                            is_async=0,
                        )
                    ],
                ),
            ),
            ast.Return(value=rt_call("combine", const("policy"), name("_verdicts"))),
        ]
        stmts.append(
            function_def(
                "verify", ["trace"], body, "All policy rules; passes when every rule passes."
            )
        )
        return module_of([*self._block_imports(stmts), *stmts])

    def _block_imports(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        """``from .blocks import block_x, ...``: the functions of the blocks and rules
        ``stmts`` call."""
        called = sorted(
            {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name)}
            & self.called_functions()
        )
        if not called:
            return []
        return [ast.ImportFrom(module="blocks", names=[ast.alias(name=n) for n in called], level=1)]

    def confirm_words(self) -> dict[str, list[str]] | None:
        """``verifiers/index.json``'s ``confirm_words``: the words each write tool's
        ``confirmed(c, words)`` counts (:func:`eigendsl.dsl.confirm_words.confirm_words`), as
        JSON; null where no check or rule calls ``confirmed``."""
        r = self.resolved
        decls = [*r.spec_constants.values(), *r.blocks.values(), *r.rules.values()]
        writes = [n for n, tool in self.spec.tools.items() if tool.writes]
        words = confirm_words([*decls, *r.checks.values()], writes)
        return None if words is None else {tool: list(w) for tool, w in words.items()}

    def blocks_module(self) -> ast.Module | None:
        """``verifiers/blocks.py``: the function of each block a use calls and of each rule;
        None when none."""
        body = self.blocks_module_body()
        return module_of(body) if body else None

    def guards_module(self) -> ast.Module:
        stmts: list[ast.stmt] = []
        tools = sorted(self.resolved.guards)
        for tool_name in tools:
            tool = self.spec.tools[tool_name]
            comp = self.compiler()
            bindings = [assign(n, attribute("trace", n)) for n in ("db", "calls", "messages")]
            bindings += [
                assign(
                    param_local(p),
                    ast.Call(func=attribute("args", "get"), args=[const(p)], keywords=[]),
                )
                for p in tool.params
            ]
            body: list[ast.stmt] = []
            for scope, stmt in self._guard_statements(comp, tool_name):
                code = self.statement(stmt, scope)
                if isinstance(stmt, A.Let):
                    body += code.body
                    continue
                *compute, record = code.body
                reason = record.orelse[0].value.args[0].args[1]  # type: ignore[attr-defined]
                # a guard returns the reason alone, not the values a verdict records
                span = Span(self.relative(stmt.span.path), stmt.span.line, stmt.span.col)
                compute = [_GuardCode(span).visit(s) for s in compute]
                body += [
                    *compute,
                    ast.If(
                        test=ast.UnaryOp(op=ast.Not(), operand=name("_ok")),
                        body=[ast.Return(value=reason)],
                        orelse=[],
                    ),
                ]
            body[:0] = comp.prelude  # the constants its statements read
            body.append(ast.Return(value=const(None)))
            doc = (
                f"Guard of '{tool_name}': None when the call may run, "
                "else the message for the agent."
            )
            body = without_unused_bindings(bindings, body) + body
            stmts.append(function_def(f"guard_{tool_name}", ["trace", "args"], body, doc))
        stmts.append(
            ast.Assign(
                targets=[name("GUARDS", ast.Store())],
                value=ast.Dict(
                    keys=[const(t) for t in tools], values=[name(f"guard_{t}") for t in tools]
                ),
                lineno=0,
            )
        )
        return module_of(stmts)

    def _guard_statements(
        self, comp: ExprCompiler, tool_name: str
    ) -> list[tuple[ExprCompiler, A.Statement]]:
        """The statements of a tool's guard blocks, one block after another in order, each with
        the compiler of its block (a block's lets are its own)."""
        out = []
        for guard in self.resolved.guards[tool_name]:
            scope = comp.block()
            out += [(scope, stmt) for stmt in guard.body]
        return out

    def declared_tools_module(
        self, bodies: dict[str, tuple[A.Expr | None, A.Index | None, dict[str, A.Expr]]]
    ) -> ast.Module:
        stmts: list[ast.stmt] = []
        for tool_name in sorted(bodies):
            returns, update, sets = bodies[tool_name]
            tool = self.spec.tools[tool_name]
            comp = self.compiler()
            bindings = [
                assign(
                    param_local(p),
                    ast.Call(
                        func=attribute("args", "get"),
                        args=[const(p), const(param.default)],
                        keywords=[],
                    ),
                )
                for p, param in tool.params.items()
            ]
            body: list[ast.stmt] = []
            if update is not None:
                table = self.resolved.table_rows[update]
                body.append(
                    assign(
                        "_changes",
                        ast.Dict(
                            keys=[const(k) for k in sets],
                            values=[comp.compile(v) for v in sets.values()],
                        ),
                    )
                )
                body.append(
                    ast.Expr(
                        value=rt_call(
                            "update",
                            name("db"),
                            const(table),
                            comp.compile(update.key),
                            name("_changes"),
                        )
                    )
                )
            result = (
                comp.compile(returns)
                if returns is not None
                else (comp.compile(update) if update is not None else const(None))
            )
            body.append(ast.Return(value=result))
            body[:0] = comp.prelude  # the spec's constants the body reads
            body = without_unused_bindings(bindings, body) + body
            stmts.append(
                function_def(
                    f"tool_{tool_name}", ["db", "args"], body, f"Declarative tool '{tool_name}'."
                )
            )
        stmts.append(
            ast.Assign(
                targets=[name("TOOLS", ast.Store())],
                value=ast.Dict(
                    keys=[const(t) for t in sorted(bodies)],
                    values=[name(f"tool_{t}") for t in sorted(bodies)],
                ),
                lineno=0,
            )
        )
        return module_of(stmts)


__all__ = ["VerifierBuilder"]
