"""Semantic analysis: resolve every name in the checker DSL against the spec and check types.

All problems are collected into a :class:`~eigendsl.errors.Diagnostics`; the analysis goes on
after an error (the faulty sub-expression gets type ``any``) so one compile reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    NAMED_TYPES,
    NULL,
    STRING,
    Type,
    assignable,
    comparable,
    from_field,
    is_numeric,
    iterable_elem,
    list_of,
)
from eigendsl.errors import Diagnostics, Span, did_you_mean
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
}
CONTEXT_NAMES = {
    "db": DB,
    "initial": DB,
    "gold": DB,
    "calls": list_of(CALL),
    "messages": list_of(MESSAGE),
}
# What each kind of declaration may read besides its own parameters.
ALLOWED = {
    "guard": {"db", "calls", "messages"},
    "rule": {"db", "initial", "gold", "calls", "messages"},
    "check": {"db", "initial", "gold", "calls", "messages"},
    "query": {"db"},
    "tool": {"db"},
}


@dataclass(frozen=True)
class Scope:
    kind: str  # guard rule check query tool
    names: tuple[tuple[str, Type], ...]

    def lookup(self, name: str) -> Type | None:
        for key, value in reversed(self.names):
            if key == name:
                return value
        if name in CONTEXT_NAMES and name in ALLOWED[self.kind]:
            return CONTEXT_NAMES[name]
        return None

    def bind(self, name: str, t: Type) -> Scope:
        return Scope(self.kind, (*self.names, (name, t)))

    def visible(self) -> list[str]:
        return [k for k, _ in self.names] + sorted(ALLOWED[self.kind])


@dataclass
class Resolved:
    """Declarations by name, ready for code generation."""

    guards: dict[str, A.Guard] = field(default_factory=dict)
    rules: dict[str, A.Rule] = field(default_factory=dict)
    checks: dict[str, A.Check] = field(default_factory=dict)
    check_params: dict[str, dict[str, Type]] = field(default_factory=dict)
    # id() of Index nodes that read a table row, with the table's name
    table_rows: dict[int, str] = field(default_factory=dict)


class Analyzer:
    def __init__(self, spec: DomainSpec, diagnostics: Diagnostics):
        self.spec = spec
        self.diag = diagnostics
        self.resolved = Resolved()
        self.row_types = {
            name: Type(
                "object",
                fields=tuple((k, from_field(v)) for k, v in table.fields.items()),
                table=name,
            )
            for name, table in spec.database.tables.items()
        }

    # ------------------------------------------------------------------ declarations

    def declarations(self, modules: list[A.Module]) -> Resolved:
        seen: dict[tuple[str, str], Span] = {}
        for module in modules:
            for decl in module.declarations:
                kind = type(decl).__name__.lower()
                name = decl.tool if isinstance(decl, A.Guard) else decl.name
                if (kind, name) in seen:
                    first = seen[(kind, name)]
                    self.diag.error(
                        decl.name_span,
                        f"{kind} '{name}' is declared twice (first at {first}); "
                        "merge them or rename one",
                    )
                    continue
                seen[(kind, name)] = decl.name_span
                if isinstance(decl, A.Guard):
                    self.resolved.guards[name] = decl
                elif isinstance(decl, A.Rule):
                    self.resolved.rules[name] = decl
                else:
                    self.resolved.checks[name] = decl
        for guard in self.resolved.guards.values():
            self._guard(guard)
        for rule in self.resolved.rules.values():
            self._body(rule.body, Scope("rule", ()))
        for check in self.resolved.checks.values():
            self._check(check)
        return self.resolved

    def _guard(self, guard: A.Guard) -> None:
        tool = self.spec.tools.get(guard.tool)
        if tool is None:
            self.diag.error(
                guard.name_span,
                f"guard for unknown tool '{guard.tool}'{did_you_mean(guard.tool, self.spec.tools)}",
            )
            return
        names = tuple((p, from_field(t)) for p, t in tool.params.items())
        self._body(guard.body, Scope("guard", names))

    def _check(self, check: A.Check) -> None:
        params: dict[str, Type] = {}
        for param in check.params:
            if param.name in params:
                self.diag.error(param.span, f"parameter '{param.name}' is listed twice")
            if param.name in CONTEXT_NAMES:
                self.diag.error(
                    param.span,
                    f"parameter name '{param.name}' is reserved (checker "
                    f"expressions read '{param.name}' from the trace); rename the parameter",
                )
            params[param.name] = self._type_ref(param.type) if param.type else ANY
        self.resolved.check_params[check.name] = params
        self._body(check.body, Scope("check", tuple(params.items())))

    def _type_ref(self, ref: A.TypeRef) -> Type:
        if ref.name == "list":
            return list_of(self._type_ref(ref.arg) if ref.arg else ANY)
        if ref.name in NAMED_TYPES and ref.arg is None:
            return NAMED_TYPES[ref.name]
        self.diag.error(
            ref.span,
            f"unknown type '{ref.name}'; expected one of string, int, float, bool, any, list[...]"
            + did_you_mean(ref.name, [*NAMED_TYPES, "list"]),
        )
        return ANY

    def _body(self, body: tuple[A.Statement, ...], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, (A.Require, A.Forbid)):
                self.condition(stmt.expr, scope, stmt.source.split()[0])
            elif isinstance(stmt, A.Score):
                if not 0 < stmt.weight <= 100:
                    self.diag.error(
                        stmt.span, "a score weight must be a number above 0 (and at most 100)"
                    )
                self.condition(stmt.expr, scope, "score")
            elif isinstance(stmt, A.Unchanged):
                root = stmt.path
                while isinstance(root, (A.Attribute, A.Index)):
                    root = root.obj
                if not (isinstance(root, A.Name) and root.id == "db") or stmt.path == root:
                    self.diag.error(
                        stmt.path.span,
                        "'unchanged' needs a part of the database, such as db.users or "
                        "db.orders[order_id].status",
                    )
                elif scope.kind == "guard":
                    self.diag.error(
                        stmt.span,
                        "'unchanged' is not available in a guard (there is no final state yet)",
                    )
                else:
                    self.infer(stmt.path, scope)
            elif isinstance(stmt, A.Judge):
                if scope.kind == "guard":
                    self.diag.error(
                        stmt.span,
                        "'judge' is not available in a guard (a judge model reads a "
                        "whole conversation); put it in a check or a rule",
                    )
                elif not stmt.assertion.strip():
                    self.diag.error(
                        stmt.span,
                        "'judge' needs the assertion to judge, such as "
                        'judge "The agent explains the refund"',
                    )
            elif isinstance(stmt, A.Use):
                if scope.kind != "check":
                    self.diag.error(
                        stmt.span,
                        "'use' is only allowed in a check; a rule or guard cannot reuse rules",
                    )
                elif stmt.rule not in self.resolved.rules:
                    self.diag.error(
                        stmt.span,
                        f"unknown rule '{stmt.rule}'{did_you_mean(stmt.rule, self.resolved.rules)}",
                    )

    # ------------------------------------------------------------------ expressions

    def condition(self, expr: A.Expr, scope: Scope, what: str) -> None:
        t = self.infer(expr, scope)
        if t.kind not in ("bool", "any"):
            self.diag.error(
                expr.span,
                f"'{what}' needs a true/false condition, but this is {_a(t)}; compare it with "
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
        if e.id in CONTEXT_NAMES:
            where = {"guard": "a guard", "query": "a parameter source", "tool": "a tool body"}.get(
                scope.kind, "here"
            )
            self.diag.error(
                e.span,
                f"'{e.id}' is not available in {where}; it can read {', '.join(scope.visible())}",
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
                    f"unknown table '{e.name}'{did_you_mean(e.name, self.row_types)}; "
                    f"tables are {', '.join(sorted(self.row_types))}",
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
        self.diag.error(e.name_span, f"{_a(obj)} has no fields; '.{e.name}' cannot be read from it")
        return ANY

    def _known_field(self, e: A.Attribute, fields: dict[str, Type], what: str) -> Type:
        if e.name not in fields:
            self.diag.error(
                e.name_span,
                f"{what} has no field '{e.name}'{did_you_mean(e.name, fields)}; "
                f"fields are {', '.join(fields)}",
            )
            return ANY
        return fields[e.name]

    def _index(self, e: A.Index, scope: Scope) -> Type:
        obj = self.infer(e.obj, scope)
        key = self.infer(e.key, scope)
        if obj.kind == "table":
            assert obj.table is not None
            self.resolved.table_rows[id(e)] = obj.table
            if key.kind not in ("string", "any"):
                self.diag.error(
                    e.key.span, f"rows of '{obj.table}' are keyed by strings, not by {_a(key)}"
                )
            return self.row_types[obj.table]
        if obj.kind == "list":
            if key.kind not in ("int", "any"):
                self.diag.error(e.key.span, f"a list is indexed by an int, not by {_a(key)}")
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
        self.diag.error(e.span, f"{_a(obj)} cannot be indexed with [...]")
        return ANY

    def _unary(self, e: A.Unary, scope: Scope) -> Type:
        t = self.infer(e.operand, scope)
        if e.op == "not":
            if t.kind not in ("bool", "any"):
                self.diag.error(e.operand.span, f"'not' needs a true/false condition, not {_a(t)}")
            return BOOL
        if not is_numeric(t):
            self.diag.error(e.operand.span, f"'-' needs a number, not {_a(t)}")
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
                self.diag.error(side.span, f"'{e.op}' needs numbers, but this is {_a(t)}")
                return ANY
        if e.op == "/" or FLOAT in (left, right) or "any" in (left.kind, right.kind):
            return FLOAT if "any" not in (left.kind, right.kind) else ANY
        return INT

    def _compare(self, e: A.Compare, scope: Scope) -> Type:
        left, right = self.infer(e.left, scope), self.infer(e.right, scope)
        if e.op in ("in", "not in"):
            if right.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.right.span,
                    f"'{e.op}' needs a list, a table or text on its right, not {_a(right)}",
                )
            elif right.kind == "list" and right.elem and not comparable(left, right.elem):
                self.diag.error(e.span, f"{_a(left)} can never be in a list of {right.elem.name}")
            return BOOL
        if e.op == "contains":
            if left.kind not in ("list", "map", "table", "string", "any", "object"):
                self.diag.error(
                    e.left.span, f"'contains' needs text or a list on its left, not {_a(left)}"
                )
            return BOOL
        if not comparable(left, right):
            self.diag.error(
                e.span,
                f"cannot compare {_a(left)} with {_a(right)} using '{e.op}'; "
                "the two sides must have the same type",
            )
            return BOOL
        if e.op in ("<", "<=", ">", ">="):
            for side, t in ((e.left, left), (e.right, right)):
                if t.kind not in ("int", "float", "string", "any", "null"):
                    self.diag.error(side.span, f"'{e.op}' needs numbers or text, not {_a(t)}")
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
                    f"'{e.op}' needs true/false conditions on both sides, but this is {_a(t)}",
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
                f"unknown function '{e.name}'{did_you_mean(e.name, FUNCTIONS)}; functions are "
                f"{', '.join(sorted(FUNCTIONS))}{quantifier}",
            )
            return ANY
        low, high = FUNCTIONS[e.name]
        if not low <= len(args) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            self.diag.error(e.span, f"{e.name}() takes {count} argument(s), not {len(args)}")
            return ANY
        if e.name in ("lower", "upper", "str"):
            return STRING
        if e.name in ("len", "int"):
            return INT
        if e.name == "keys":
            return list_of(STRING)
        if e.name in ("round", "float"):
            return FLOAT
        if e.name in ("abs", "min", "max"):
            for arg, t in zip(e.args, args, strict=True):
                if not is_numeric(t):
                    self.diag.error(arg.span, f"{e.name}() needs numbers, not {_a(t)}")
            return args[0]
        return ANY  # pragma: no cover

    def _quantifier(self, e: A.Quantifier, scope: Scope) -> Type:
        source = self.infer(e.source, scope)
        elem = iterable_elem(source)
        if elem is None:
            self.diag.error(
                e.source.span, f"'{e.kind}' needs a list or a table to go over, not {_a(source)}"
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
                self.diag.error(e.body.span, f"sum(...) adds numbers, but this is {_a(t)}")
            return t if t.kind in ("int", "float") else ANY
        # first / last
        result = self.infer(e.body, inner) if e.body is not None else elem
        return Type(
            result.kind, result.elem, result.fields, result.table, result.values, optional=True
        )

    def _called(self, e: A.Called, scope: Scope) -> Type:
        tool = self.spec.tools.get(e.tool)
        if tool is None:
            self.diag.error(
                e.tool_span, f"unknown tool '{e.tool}'{did_you_mean(e.tool, self.spec.tools)}"
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
            param = tool.params.get(name)
            if param is None:
                self.diag.error(
                    span,
                    f"tool '{e.tool}' has no parameter '{name}'{did_you_mean(name, tool.params)}",
                )
                continue
            expected = from_field(param)
            if not assignable(t, expected):
                self.diag.error(
                    value.span,
                    f"argument '{name}' of '{e.tool}' is {expected.name}, but this is {_a(t)}",
                )
            elif (
                expected.values
                and isinstance(value, A.Literal)
                and value.value not in expected.values
            ):
                self.diag.error(
                    value.span,
                    f"'{value.value}' is not one of the allowed values of '{name}' "
                    f"({', '.join(expected.values)})",
                )
        return BOOL

    def _said(self, e: A.Said, scope: Scope) -> Type:
        t = self.infer(e.text, scope)
        if t.kind not in ("string", "int", "float", "any"):
            self.diag.error(e.text.span, f"'said' needs text (or a number), not {_a(t)}")
        return BOOL

    def _before(self, e: A.Before, scope: Scope) -> Type:
        for side in (e.left, e.right):
            if not self._is_event(side, scope):
                self.diag.error(
                    side.span,
                    "'before' compares events: called ..., said ..., user_said ..., a call, "
                    "a message, or first(...)/last(...) of calls or messages",
                )
        return BOOL

    def _is_event(self, e: A.Expr, scope: Scope) -> bool:
        if isinstance(e, (A.Called, A.Said)):
            self.infer(e, scope)
            return True
        if isinstance(e, A.BoolOp) and e.op == "or":
            return self._is_event(e.left, scope) and self._is_event(e.right, scope)
        t = self.infer(e, scope)
        return t.kind in ("call", "message", "any") or (
            t.kind == "list" and t.elem in (CALL, MESSAGE)
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
                q.source.span, f"'for' needs a list or a table to go over, not {_a(source)}"
            )
            return ANY
        if source.kind == "table" and source.table:
            elem = self.row_types[source.table]
        inner = scope.bind(q.var, elem)
        if q.where is not None:
            self.condition(q.where, inner, "where")
        return self.infer(q.body, inner)


def _a(t: Type) -> str:
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


__all__ = [
    "Analyzer",
    "Resolved",
    "Scope",
    "FUNCTIONS",
    "CONTEXT_NAMES",
    "STRING",
    "INT",
    "FLOAT",
    "BOOL",
    "ANY",
    "DB",
]
