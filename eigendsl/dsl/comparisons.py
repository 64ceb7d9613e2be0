"""Type rules of the checker DSL's comparisons (``==``, ``<``, ``in``, ``contains`` and the
rest): which two types compare, and an error with what to compare instead for each misuse.
:class:`~eigendsl.dsl.expressions.ExpressionTyper` inherits them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.functions import an
from eigendsl.dsl.literals import LiteralChecks
from eigendsl.dsl.types import BOOL, Type, comparable

if TYPE_CHECKING:  # analysis.py imports expressions.py, which imports this module
    from eigendsl.dsl.analysis import Scope


class ComparisonTyping(LiteralChecks):
    """The type of a comparison (always a bool) and the errors of its two sides."""

    tag_reads: set[A.Attribute]  # the `c.tags` read so far (ExpressionTyper's)

    def infer(self, expr: A.Expr, scope: Scope) -> Type:  # pragma: no cover - ExpressionTyper's
        raise NotImplementedError

    def _compare(self, e: A.Compare, scope: Scope) -> Type:
        left, right = self.infer(e.left, scope), self.infer(e.right, scope)
        if e.op in ("in", "not in") and e.right in self.tag_reads:
            self.tag_literal(e.left)
        if e.op == "contains" and e.left in self.tag_reads:
            self.tag_literal(e.right)
        if e.op in ("in", "not in"):
            if right.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.right.span,
                    f"'{e.op}' needs a list, a table or text on its right, not {an(right)}",
                )
            elif right.kind == "list" and right.elem and not comparable(left, right.elem):
                self.diag.error(e.span, f"{an(left)} can never be in a list of {right.elem.name}")
            elif isinstance(e.right, A.ListLit):
                self.listed_literals(left, e.right)
            elif right.kind == "list" and right.elem:
                self.item_literal(right.elem, e.left)
            elif right.kind == "string":
                self.number_in_text(e.left, left)
            return BOOL
        if e.op == "contains":
            if left.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.left.span, f"'contains' needs text or a list on its left, not {an(left)}"
                )
            elif left.kind == "list" and left.elem and not comparable(right, left.elem):
                self.diag.error(e.span, f"a list of {left.elem.name} can never contain {an(right)}")
            elif isinstance(e.left, A.ListLit):
                self.listed_literals(right, e.left)
            elif left.kind == "list" and left.elem:
                self.item_literal(left.elem, e.right)
            elif left.kind == "string":
                self.number_in_text(e.right, right)
            return BOOL
        if not comparable(left, right):
            self.diag.error(
                e.span,
                f"cannot compare {an(left)} with {an(right)} using '{e.op}'; "
                f"the two sides must have the same type{_compare_hint(left, right)}",
            )
            return BOOL
        if e.op in ("<", "<=", ">", ">="):
            for side, t in ((e.left, left), (e.right, right)):
                if t.kind not in ("int", "float", "string", "any", "null"):
                    self.diag.error(side.span, f"'{e.op}' needs numbers or text, not {an(t)}")
        self.item_literal(left, e.right)
        self.item_literal(right, e.left)
        for one, other in ((left, e.right), (right, e.left)):
            if one.kind == "list" and one.elem and isinstance(other, A.ListLit):
                self.listed_literals(one.elem, other)  # ["activ"] == [l.status for l in ...]
        return BOOL


def _compare_hint(left: Type, right: Type) -> str:
    """What to compare instead, where a time of day meets a date or a number."""
    if (left.date and right.time) or (left.time and right.date):
        return (
            "; a time of day (HH:MM) is no date (YYYY-MM-DD); compare a time with a time, and a "
            "date with a date"
        )
    if (left.time and right.kind in ("int", "float")) or (
        right.time and left.kind in ("int", "float")
    ):
        return (
            '; a time of day is text written HH:MM; compare it with a time ("09:30"), or '
            "count minutes with minutes_between(start, end)"
        )
    return ""
