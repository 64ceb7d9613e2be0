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
        if e.op in ("in", "not in"):
            needs = f"'{e.op}' needs a list, a table or text on its right, not {an(right)}"
            elem = right.elem.name if right.elem else ""
            self._membership(
                e,
                (e.left, left),
                (e.right, right),
                needs,
                f"{an(left)} can never be in a list of {elem}",
            )
            return BOOL
        if e.op == "contains":
            needs = f"'contains' needs text or a list on its left, not {an(left)}"
            elem = left.elem.name if left.elem else ""
            self._membership(
                e,
                (e.right, right),
                (e.left, left),
                needs,
                f"a list of {elem} can never contain {an(right)}",
            )
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

    def _membership(
        self,
        e: A.Compare,
        item: tuple[A.Expr, Type],
        container: tuple[A.Expr, Type],
        needs: str,
        never: str,
    ) -> None:
        """``item in container`` (``in``, ``not in``; ``contains`` the other way round): the
        container must hold items (``needs`` says so), a list's items must compare with the item
        (``never``), and literals on either side are checked against the other's values (a tag,
        against the tools' tags)."""
        (item_expr, item_t), (box, box_t) = item, container
        if box in self.tag_reads:  # "auth" in c.tags: a tag some tool must have
            self.tag_literal(item_expr)
        if box_t.kind not in ("list", "map", "table", "string", "any", "object"):
            self.diag.error(box.span, needs)
        elif box_t.kind == "list" and box_t.elem and not comparable(item_t, box_t.elem):
            self.diag.error(e.span, never)
        elif isinstance(box, A.ListLit):
            self.listed_literals(item_t, box)
        elif box_t.kind == "list" and box_t.elem:
            self.item_literal(box_t.elem, item_expr)
        elif box_t.kind == "string":
            self.number_in_text(item_expr, item_t)


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
