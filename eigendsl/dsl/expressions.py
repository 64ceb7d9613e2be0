"""Type rules of the checker DSL's expressions: the type of each form, and an error for each misuse.

:class:`ExpressionTyper` holds one method per AST class (``A.Compare`` → ``_compare``), found by
name from :meth:`~ExpressionTyper.infer`; :class:`~eigendsl.dsl.analysis.Analyzer` extends it
with the trace events (:mod:`eigendsl.dsl.events`) and the declarations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.types import (
    ANY,
    BOOL,
    CALL,
    CALL_FIELDS,
    DB,
    FLOAT,
    INT,
    MESSAGE,
    MESSAGE_FIELDS,
    NULL,
    STRING,
    Type,
    comparable,
    is_numeric,
    iterable_elem,
    list_of,
)
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.support import EvalError, days_between

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Resolved, Scope
    from eigendsl.spec import DomainSpec

FUNCTIONS = {  # name: (min args, max args)
    "len": (1, 1),
    "lower": (1, 1),
    "upper": (1, 1),
    "str": (1, 1),
    "abs": (1, 1),
    "round": (1, 2),
    "min": (1, 9),
    "max": (1, 9),
    "keys": (1, 1),
    "int": (1, 1),
    "float": (1, 1),
    "days_between": (2, 2),
    "add_days": (2, 2),
}
CONTEXT_NAMES = {
    "db": DB,
    "initial": DB,
    "gold": DB,
    "calls": list_of(CALL),
    "messages": list_of(MESSAGE),
}


class ExpressionTyper:
    """Infers the type of an expression in a :class:`~eigendsl.dsl.analysis.Scope`.

    An expression with an error is reported to ``diag`` and typed ``any``, so the analysis goes
    on and one compile reports every error.
    """

    # Analyzer.__init__ sets these: the analysis state belongs to the analyzer.
    diag: Diagnostics
    resolved: Resolved
    row_types: dict[str, Type]
    spec: DomainSpec

    def condition(self, expr: A.Expr, scope: Scope, what: str) -> None:
        t = self.infer(expr, scope)
        if t.kind not in ("bool", "any"):
            self.diag.error(
                expr.span,
                f"'{what}' needs a true/false condition, but this is {an(t)}; compare it with "
                "something (==, <, in ...)",
            )

    def infer(self, expr: A.Expr, scope: Scope) -> Type:
        method = getattr(self, "_" + type(expr).__name__.lower())
        return method(expr, scope)

    def _literal(self, e: A.Literal, scope: Scope) -> Type:
        v = e.value
        if v is None:
            return NULL
        if isinstance(v, bool):
            return BOOL
        return INT if isinstance(v, int) else FLOAT if isinstance(v, float) else STRING

    def _listlit(self, e: A.ListLit, scope: Scope) -> Type:
        types = [self.infer(i, scope) for i in e.items]
        kinds = {t.kind for t in types}
        return list_of(types[0] if len(kinds) == 1 else ANY)

    def _objectlit(self, e: A.ObjectLit, scope: Scope) -> Type:
        return Type(
            "object",
            fields=tuple((k, self.infer(v, scope)) for k, v in zip(e.keys, e.values, strict=True)),
        )

    def _name(self, e: A.Name, scope: Scope) -> Type:
        t = scope.lookup(e.id)
        if t is not None:
            return t
        if e.id == "today":  # a parameter of that name is found first
            if self.spec.today is None:
                self.diag.error(
                    e.span,
                    "'today' is not set: give the domain's date in domain.yaml (today: YYYY-MM-DD)",
                )
                return ANY
            self.resolved.constants[e] = self.spec.today.isoformat()
            return STRING
        if e.id in CONTEXT_NAMES:
            where = {"guard": "a guard", "query": "a parameter source", "tool": "a tool body"}.get(
                scope.kind, "here"
            )
            self.diag.error(
                e.span,
                f"'{e.id}' is not available in {where}; it can read {', '.join(scope.visible())}",
            )
        elif e.id in scope.later:
            self.diag.error(
                e.span,
                f"'{e.id}' is a parameter listed after this one; parameters are drawn in the "
                f"order they are listed, so list '{e.id}' first",
            )
        else:
            self.diag.error(e.span, f"unknown name '{e.id}'{did_you_mean(e.id, scope.visible())}")
        return ANY

    def _attribute(self, e: A.Attribute, scope: Scope) -> Type:
        obj = self.infer(e.obj, scope)
        if obj.kind == "db":
            if e.name not in self.row_types:
                self.diag.error(
                    e.name_span,
                    f"unknown table '{e.name}'"
                    + did_you_mean(
                        e.name, self.row_types, f"tables are {', '.join(sorted(self.row_types))}"
                    ),
                )
                return ANY
            return Type("table", table=e.name)
        if obj.kind == "call":
            return self._known_field(e, CALL_FIELDS, "a tool call")
        if obj.kind == "message":
            return self._known_field(e, MESSAGE_FIELDS, "a message")
        if obj.kind == "object" and obj.fields is not None:
            t = obj.field(e.name)
            if t is None:
                what = f"table '{obj.table}'" if obj.table else "this object"
                self.diag.error(
                    e.name_span,
                    f"unknown field '{e.name}' of {what}{did_you_mean(e.name, obj.field_names)}",
                )
                return ANY
            return t
        if obj.kind in ("object", "map", "any"):
            return obj.elem or ANY if obj.kind == "map" else ANY
        self.diag.error(e.name_span, f"{an(obj)} has no fields; '.{e.name}' cannot be read from it")
        return ANY

    def _known_field(self, e: A.Attribute, fields: dict[str, Type], what: str) -> Type:
        if e.name not in fields:
            self.diag.error(
                e.name_span,
                f"{what} has no field '{e.name}'"
                + did_you_mean(e.name, fields, f"fields are {', '.join(fields)}"),
            )
            return ANY
        return fields[e.name]

    def _index(self, e: A.Index, scope: Scope) -> Type:
        obj = self.infer(e.obj, scope)
        key = self.infer(e.key, scope)
        if obj.kind == "table":
            assert obj.table is not None
            self.resolved.table_rows[e] = obj.table
            if key.kind not in ("string", "any"):
                self.diag.error(
                    e.key.span, f"rows of '{obj.table}' are keyed by strings, not by {an(key)}"
                )
            return self.row_types[obj.table]
        if obj.kind == "list":
            if key.kind not in ("int", "any"):
                self.diag.error(e.key.span, f"a list is indexed by an int, not by {an(key)}")
            return obj.elem or ANY
        if obj.kind == "map":
            return obj.elem or ANY
        if obj.kind == "object" and isinstance(e.key, A.Literal) and isinstance(e.key.value, str):
            if obj.fields is not None and obj.field(e.key.value) is None:
                self.diag.error(
                    e.key.span,
                    f"unknown field '{e.key.value}'{did_you_mean(e.key.value, obj.field_names)}",
                )
                return ANY
            return obj.field(e.key.value) or ANY
        if obj.kind in ("object", "any", "string"):
            return STRING if obj.kind == "string" else ANY
        self.diag.error(e.span, f"{an(obj)} cannot be indexed with [...]")
        return ANY

    def _unary(self, e: A.Unary, scope: Scope) -> Type:
        t = self.infer(e.operand, scope)
        if e.op == "not":
            if t.kind not in ("bool", "any"):
                self.diag.error(e.operand.span, f"'not' needs a true/false condition, not {an(t)}")
            return BOOL
        if not is_numeric(t):
            self.diag.error(e.operand.span, f"'-' needs a number, not {an(t)}")
            return ANY
        return t

    def _binary(self, e: A.Binary, scope: Scope) -> Type:
        left, right = self.infer(e.left, scope), self.infer(e.right, scope)
        if e.op == "+" and left.kind == "string" and right.kind in ("string", "any"):
            return STRING
        if e.op == "+" and left.kind == "list" and right.kind in ("list", "any"):
            return left
        for side, t in ((e.left, left), (e.right, right)):
            if not is_numeric(t):
                self.diag.error(side.span, f"'{e.op}' needs numbers, but this is {an(t)}")
                return ANY
        if e.op in ("/", "%") and _is_zero(e.right):
            self.diag.error(
                e.right.span,
                f"'{e.op}' by zero fails whenever it is evaluated: divide by another number",
            )
        if e.op == "/" or FLOAT in (left, right) or "any" in (left.kind, right.kind):
            return FLOAT if "any" not in (left.kind, right.kind) else ANY
        return INT

    def _compare(self, e: A.Compare, scope: Scope) -> Type:
        left, right = self.infer(e.left, scope), self.infer(e.right, scope)
        if e.op in ("in", "not in"):
            if right.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.right.span,
                    f"'{e.op}' needs a list, a table or text on its right, not {an(right)}",
                )
            elif right.kind == "list" and right.elem and not comparable(left, right.elem):
                self.diag.error(e.span, f"{an(left)} can never be in a list of {right.elem.name}")
            return BOOL
        if e.op == "contains":
            if left.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.left.span, f"'contains' needs text or a list on its left, not {an(left)}"
                )
            return BOOL
        if not comparable(left, right):
            self.diag.error(
                e.span,
                f"cannot compare {an(left)} with {an(right)} using '{e.op}'; "
                "the two sides must have the same type",
            )
            return BOOL
        if e.op in ("<", "<=", ">", ">="):
            for side, t in ((e.left, left), (e.right, right)):
                if t.kind not in ("int", "float", "string", "any", "null"):
                    self.diag.error(side.span, f"'{e.op}' needs numbers or text, not {an(t)}")
        self._enum_literal(left, e.right)
        self._enum_literal(right, e.left)
        return BOOL

    def _enum_literal(self, t: Type, other: A.Expr) -> None:
        if t.values and isinstance(other, A.Literal) and isinstance(other.value, str):
            if other.value not in t.values:
                self.diag.error(
                    other.span,
                    f"'{other.value}' is not one of the allowed values ({', '.join(t.values)})"
                    + did_you_mean(other.value, t.values),
                )

    def _boolop(self, e: A.BoolOp, scope: Scope) -> Type:
        for side in (e.left, e.right):
            t = self.infer(side, scope)
            if t.kind not in ("bool", "any"):
                self.diag.error(
                    side.span,
                    f"'{e.op}' needs true/false conditions on both sides, but this is {an(t)}",
                )
        return BOOL

    def _func(self, e: A.Func, scope: Scope) -> Type:
        args = [self.infer(a, scope) for a in e.args]
        if e.name not in FUNCTIONS:
            quantifier = (
                " (quantifiers are written all(x in xs where ...: ...))"
                if e.name in ("all", "any")
                else ""
            )
            self.diag.error(
                e.span,
                f"unknown function '{e.name}'"
                + did_you_mean(e.name, FUNCTIONS, f"functions are {', '.join(sorted(FUNCTIONS))}")
                + quantifier,
            )
            return ANY
        low, high = FUNCTIONS[e.name]
        if not low <= len(args) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            self.diag.error(e.span, f"{e.name}() takes {count} argument(s), not {len(args)}")
            return ANY
        if e.name in ("lower", "upper", "str"):
            return STRING
        if e.name == "len" and args[0].kind in ("int", "float", "bool", "null"):
            self.diag.error(
                e.args[0].span,
                f"len() needs a list, a table, a string or a mapping, not {an(args[0])}",
            )
        if e.name in ("len", "int"):
            return INT
        if e.name == "keys":
            return list_of(STRING)
        if e.name in ("round", "float"):
            return FLOAT
        if e.name in ("days_between", "add_days"):
            return self._date_func(e, args)
        if e.name in ("abs", "min", "max"):
            for arg, t in zip(e.args, args, strict=True):
                if not is_numeric(t):
                    self.diag.error(arg.span, f"{e.name}() needs numbers, not {an(t)}")
            return args[0]
        return ANY  # pragma: no cover

    def _date_func(self, e: A.Func, args: list[Type]) -> Type:
        """``days_between(start, end)`` and ``add_days(date, days)``: dates are ISO text, checked
        here when written as a literal."""
        dates = e.args if e.name == "days_between" else e.args[:1]
        for arg, t in zip(dates, args, strict=False):
            if t.kind not in ("string", "any"):
                self.diag.error(arg.span, f"{e.name}() needs a date (text YYYY-MM-DD), not {an(t)}")
            elif isinstance(arg, A.Literal) and isinstance(arg.value, str):
                try:
                    days_between(arg.value, arg.value)
                except EvalError as exc:
                    self.diag.error(arg.span, str(exc))
        if e.name == "days_between":
            return INT
        if args[1].kind not in ("int", "any"):
            self.diag.error(
                e.args[1].span, f"add_days() adds a whole number of days, not {an(args[1])}"
            )
        return STRING

    def _quantifier(self, e: A.Quantifier, scope: Scope) -> Type:
        source = self.infer(e.source, scope)
        elem = iterable_elem(source)
        if elem is None:
            self.diag.error(
                e.source.span, f"'{e.kind}' needs a list or a table to go over, not {an(source)}"
            )
            elem = ANY
        if source.kind == "table" and source.table:
            elem = self.row_types[source.table]
        inner = scope.bind(e.var, elem)
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

    # ------------------------------------------------------------------ embedded expressions

    def query(self, q: A.Query, scope: Scope) -> Type:
        """Type of the values a template parameter source yields."""
        if q.var is None:
            return self.infer(q.body, scope)
        assert q.source is not None
        source = self.infer(q.source, scope)
        elem = iterable_elem(source)
        if elem is None:
            self.diag.error(
                q.source.span, f"'for' needs a list or a table to go over, not {an(source)}"
            )
            return ANY
        if source.kind == "table" and source.table:
            elem = self.row_types[source.table]
        inner = scope.bind(q.var, elem)
        if q.where is not None:
            self.condition(q.where, inner, "where")
        return self.infer(q.body, inner)


def an(t: Type) -> str:
    """A type as an error message names it, with its article: "a string", "an int"."""
    name = t.name
    if t.kind in ("object",) and t.table:
        return f"a {name}"
    if t.kind in ("table",):
        return f"the {name}"
    if t.kind == "db":
        return "the whole database"
    if t.kind == "null":
        return "null"
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name}"


def _is_zero(e: A.Expr) -> bool:
    """Whether ``e`` is the number 0 written out (``0``, ``0.0``, ``-0``, ``(0)``)."""
    if isinstance(e, A.Unary) and e.op == "-":
        return _is_zero(e.operand)
    return (
        isinstance(e, A.Literal)
        and isinstance(e.value, (int, float))
        and not isinstance(e.value, bool)
        and e.value == 0
    )
