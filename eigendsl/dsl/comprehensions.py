"""Type rules of the checker DSL's forms that go over a collection: the quantifiers
(``all(x in xs where ...: ...)``, ``count``, ``sum``, ``first``, ``last``), list comprehensions
(``[x.phone for x in xs where ...]``) and a template parameter's source (``x.id for x in xs``).

Each binds its variable to the collection's element (a table's row) in its ``where`` and its
body, and nowhere else; a variable that would hide another name (a parameter, a let, ``db``, an
outer variable) is an error at it, as a let's is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.expressions import ExpressionTyper
from eigendsl.dsl.functions import an
from eigendsl.dsl.lets import name_taken
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.types import ANY, BOOL, INT, Type, is_numeric, iterable_elem, list_of
from eigendsl.errors import Span

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Scope


class ComprehensionTyper(ExpressionTyper):
    """The expression rules plus the forms that bind a variable to each element of a
    collection."""

    def over(
        self, var: str, var_span: Span, source: A.Expr, scope: Scope, what: str
    ) -> tuple[Scope, Type, bool]:
        """The scope inside ``var in source``, the type ``var`` has there (a table's row type),
        and whether ``source`` can be gone over; when not, an error says that ``what`` needs a
        collection, and ``var`` is bound as ``any``. A ``var`` that would hide another name is
        an error at it."""
        t = self.infer(source, scope)
        if (taken := name_taken(var, scope, var=True)) is not None:
            self.diag.error(var_span, taken)
        elem = iterable_elem(t)
        if elem is None:
            example = f"{render_expr(source)}.{t.field_names[0]}" if t.field_names else ""
            fields = (
                f"; read a row's fields by name ({example}), or go over the table (db.{t.table})"
                if t.kind == "object" and t.table
                else f"; read an object's fields by name ({example})"
                if t.kind == "object"
                else ""
            )
            self.diag.error(
                source.span, f"{what} needs a list or a table to go over, not {an(t)}{fields}"
            )
        if t.kind == "table" and t.table:
            elem = self.row_types[t.table]
        return scope.bind(var, elem or ANY, var_span), elem or ANY, elem is not None

    def _quantifier(self, e: A.Quantifier, scope: Scope) -> Type:
        inner, elem, _ = self.over(e.var, e.var_span, e.source, scope, f"'{e.kind}'")
        if e.where is not None:
            self.condition(e.where, inner, "where")
        if e.kind in ("all", "any"):
            if e.body is not None:
                self.condition(e.body, inner, e.kind)
            return BOOL
        if e.kind == "count":
            if e.body is not None:
                self.diag.error(
                    e.body.span,
                    "count(...) takes no ': expression'; put the condition after 'where'",
                )
            return INT
        if e.kind == "sum":
            if e.body is None:
                self.diag.error(
                    e.span, "sum(...) needs ': expression', the number to add up for each item"
                )
                return ANY
            t = self.infer(e.body, inner)
            if not is_numeric(t):
                self.diag.error(e.body.span, f"sum(...) adds numbers, but this is {an(t)}")
            return t if t.kind in ("int", "float") else ANY
        # first / last
        result = self.infer(e.body, inner) if e.body is not None else elem
        return Type(
            result.kind, result.elem, result.fields, result.table, result.values, optional=True
        )

    def _listcomp(self, e: A.ListComp, scope: Scope) -> Type:
        what = f"a list comprehension ([... for {e.var} in ...])"
        inner, _, _ = self.over(e.var, e.var_span, e.source, scope, what)
        if e.where is not None:
            self.condition(e.where, inner, "where")
        return list_of(self.infer(e.body, inner))

    # ------------------------------------------------------------------ embedded expressions

    def query(self, q: A.Query, scope: Scope) -> Type:
        """Type of the values a template parameter source yields."""
        if q.var is None:
            return self.infer(q.body, scope)
        assert q.source is not None and q.var_span is not None
        inner, _, iterable = self.over(q.var, q.var_span, q.source, scope, "'for'")
        if not iterable:
            return ANY
        if q.where is not None:
            self.condition(q.where, inner, "where")
        return self.infer(q.body, inner)
