"""Type rules of the trace events in the checker DSL: ``called``, ``said`` and ``before``.

``called tool(name=value)`` is checked against the tool's parameters in the spec; ``before``
orders two events, each a ``called``/``said`` or a call or message of the trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.comprehensions import ComprehensionTyper
from eigendsl.dsl.expressions import GUARD_SEES_NO_CONVERSATION, an
from eigendsl.dsl.proposals import argument_problem
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.types import BOOL, CALL, MESSAGE, Type
from eigendsl.spec import DomainSpec

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Scope


class EventTyper(ComprehensionTyper):
    """The expression rules plus the events of a conversation's trace."""

    spec: DomainSpec  # Analyzer.__init__ sets it; 'called' names one of its tools
    event_lets: set[A.Let]  # the lets whose expression is an event: 'before' can read them

    def event_form(self, e: A.Expr, scope: Scope) -> bool:
        """Whether ``e`` is written as events: ``called``, ``said`` or ``user_said``, an ``or``
        of them, a conditional that chooses between them, or a let of one (whose value is
        whether it happened; ``before`` reads when)."""
        if isinstance(e, (A.Called, A.Said)):
            return True
        if isinstance(e, A.BoolOp) and e.op == "or":
            return self.event_form(e.left, scope) and self.event_form(e.right, scope)
        if isinstance(e, A.Conditional):
            return self.event_form(e.body, scope) and self.event_form(e.orelse, scope)
        return isinstance(e, A.Name) and scope.let_named(e.id) in self.event_lets

    def _called(self, e: A.Called, scope: Scope) -> Type:
        tool = self.spec.tools.get(e.tool)
        if tool is None:
            self.diag.error(
                e.tool_span,
                f"unknown tool '{e.tool}'"
                + (
                    self.diag.did_you_mean("tool", e.tool, self.spec.tools)
                    or f"; tools are {', '.join(self.spec.tools)}"
                ),
            )
            for value in e.arg_values:
                self.infer(value, scope)
            return BOOL
        seen = set()
        for name, value, span in zip(e.arg_names, e.arg_values, e.arg_spans, strict=True):
            t = self.infer(value, scope)
            if name in seen:
                self.diag.error(span, f"argument '{name}' is given twice")
            seen.add(name)
            problem = argument_problem(e.tool, tool, name, value, t)
            if problem is not None:
                self.diag.error(span if name not in tool.params else value.span, problem)
        return BOOL

    def _said(self, e: A.Said, scope: Scope) -> Type:
        t = self.infer(e.text, scope)
        word = "said" if e.role == "assistant" else "user_said"
        if scope.kind == "guard":
            self.diag.error(
                e.span, f"'{word}' is not available in a guard; {GUARD_SEES_NO_CONVERSATION}"
            )
            return BOOL
        if scope.kind != "rule" and scope.kind != "check":
            self.diag.error(
                e.span, f"'{word}' reads the conversation, which is only there in a rule or a check"
            )
            return BOOL
        if t.kind not in ("string", "int", "float", "any"):
            self.diag.error(e.text.span, f"'said' needs text (or a number), not {an(t)}")
        return BOOL

    def _before(self, e: A.Before, scope: Scope) -> Type:
        for side in (e.left, e.right):
            if not self._is_event(side, scope):
                self.diag.error(
                    side.span,
                    "'before' compares events: called ..., said ..., user_said ..., a call, "
                    "a message, or first(...)/last(...) of calls or messages"
                    + _compared_event(e, side),
                )
        return BOOL

    def _is_event(self, e: A.Expr, scope: Scope) -> bool:
        if isinstance(e, (A.Called, A.Said)):
            self.infer(e, scope)
            return True
        if isinstance(e, A.BoolOp) and e.op == "or":
            return self._is_event(e.left, scope) and self._is_event(e.right, scope)
        if isinstance(e, A.Conditional) and self.event_form(e, scope):  # the events chosen
            self.condition(e.cond, scope, "if")
            return self._is_event(e.body, scope) and self._is_event(e.orelse, scope)
        t = self.infer(e, scope)
        if isinstance(e, A.Name) and self.event_form(e, scope):
            return True  # a let of an event: 'before' reads when it happened
        return t.kind in ("call", "message", "any") or (
            t.kind == "list" and t.elem in (CALL, MESSAGE)
        )


def _compared_event(e: A.Before, side: A.Expr) -> str:
    """What a comparison as one side of ``before`` was likely meant to be: ``A before B ==
    false`` reads ``A before (B == false)``, a comparison binding tighter than ``before``."""
    if not isinstance(side, A.Compare):
        return ""
    if side is e.left and not isinstance(side.right, (A.Called, A.Said)):
        return ""  # `x == y before B` of no event y: no bracket makes it one
    a, b = render_expr(side.left), render_expr(side.right)
    if side is e.right:
        other = render_expr(e.left)
        read, meant = f"{other} before ({a} {side.op} {b})", f"({other} before {a}) {side.op} {b}"
    else:
        other = render_expr(e.right)
        read, meant = f"({a} {side.op} {b}) before {other}", f"{a} {side.op} ({b} before {other})"
    return (
        f"; '{side.op}' binds tighter than 'before', so this reads {read}: to compare what "
        f"'before' gives, put it in brackets, {meant}"
    )
