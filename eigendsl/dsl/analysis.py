"""Semantic analysis: resolve every name in the checker DSL against the spec and check types.

All problems are collected into a :class:`~eigendsl.errors.Diagnostics`; the analysis goes on
after an error (the faulty sub-expression gets type ``any``) so one compile reports them all.
:class:`Analyzer` checks the declarations and their statements here; the type rules of the
expressions come from its bases, :mod:`eigendsl.dsl.expressions` and :mod:`eigendsl.dsl.events`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from eigendsl.dsl import ast as A
from eigendsl.dsl.events import EventTyper
from eigendsl.dsl.expressions import CONTEXT_NAMES
from eigendsl.dsl.lets import name_taken
from eigendsl.dsl.narrowing import NotNull
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.syntax_errors import SCORE_WEIGHT
from eigendsl.dsl.types import ANY, NAMED_TYPES, Type, from_field, list_of
from eigendsl.errors import Diagnostics, Span, did_you_mean
from eigendsl.spec import DomainSpec, Tool, reserved_name

# What each kind of declaration may read besides its own parameters. A guard reads the calls
# before its own but not the conversation: gold plans are replayed with no messages, so a guard
# that read them would refuse the gold calls (and `db == gold` would fail every perfect episode).
ALLOWED = {
    "guard": {"db", "calls"},
    "rule": {"db", "initial", "gold", "calls", "messages"},
    "check": {"db", "initial", "gold", "calls", "messages"},
    "query": {"db"},
    "tool": {"db"},
}


@dataclass(frozen=True)
class Scope:
    kind: str  # guard rule check query tool
    names: tuple[tuple[str, Type], ...]
    later: tuple[str, ...] = ()  # a template's parameters after the one whose source this is
    lets: tuple[A.Let, ...] = ()  # the lets bound here that no quantifier variable hides
    pending: tuple[A.Let, ...] = ()  # the lets of the block below the statement being read
    defining: A.Let | None = None  # the let whose expression is being read
    owner: str = "a parameter"  # what a name of ``names`` is ("a parameter of check 'x'")
    bound: tuple[tuple[str, Span], ...] = ()  # the variables of the collections gone over here
    not_null: tuple[NotNull, ...] = ()  # the paths a conditional's condition says are not null

    def lookup(self, name: str) -> Type | None:
        for key, value in reversed(self.names):
            if key == name:
                return value
        if name in CONTEXT_NAMES and name in ALLOWED[self.kind]:
            return CONTEXT_NAMES[name]
        return None

    def bind(self, name: str, t: Type, at: Span) -> Scope:
        """The scope inside a quantifier whose variable is ``name`` (written at ``at``): were it
        to hide a let of that name (an error), the name reads the variable there."""
        lets = tuple(let for let in self.lets if let.name != name)
        not_null = tuple(path for path in self.not_null if name not in path[0])
        return replace(
            self,
            names=(*self.names, (name, t)),
            lets=lets,
            bound=(*self.bound, (name, at)),
            not_null=not_null,
        )

    def narrow(self, paths: tuple[NotNull, ...]) -> Scope:
        """The scope of a conditional's value where ``paths`` are known not to be null."""
        return replace(self, not_null=(*self.not_null, *paths)) if paths else self

    def bind_let(self, let: A.Let, t: Type) -> Scope:
        return replace(self, names=(*self.names, (let.name, t)), lets=(*self.lets, let))

    def let_named(self, name: str) -> A.Let | None:
        """The let that ``name`` reads here, or None (a parameter, a quantifier's variable)."""
        return next((let for let in reversed(self.lets) if let.name == name), None)

    def visible(self) -> list[str]:
        return [k for k, _ in self.names] + sorted(ALLOWED[self.kind])


@dataclass
class Resolved:
    """Declarations by name, ready for code generation."""

    # A tool's guard blocks (its own, and the shared ones that name it), in the files' order.
    guards: dict[str, tuple[A.Guard, ...]] = field(default_factory=dict)
    rules: dict[str, A.Rule] = field(default_factory=dict)
    checks: dict[str, A.Check] = field(default_factory=dict)
    check_params: dict[str, dict[str, Type]] = field(default_factory=dict)
    # The nodes (equal when they are the same text at the same place) of the Index expressions
    # that read a table row, with the table's name, and of the names that read a constant of the
    # domain (``today``, ``now``), with its value. Keyed by node, not id(): a node's id is reused
    # once it is freed (a template's parameter source is compiled and dropped).
    table_rows: dict[A.Index, str] = field(default_factory=dict)
    constants: dict[A.Name, str] = field(default_factory=dict)
    # The `.field` reads of a field the schema makes optional: null where a row leaves it out.
    optional_reads: set[A.Attribute] = field(default_factory=set)


class Analyzer(EventTyper):
    """Checks the declarations of checker files; the expression rules come from its bases."""

    def __init__(self, spec: DomainSpec, diagnostics: Diagnostics):
        self.spec = spec
        self.diag = diagnostics
        self.resolved = Resolved()
        self.tag_reads: set[A.Attribute] = set()
        self.tags_named: set[str] = set()
        self.let_reads: set[A.Let] = set()  # the lets some expression reads
        self.meant_null: set[A.Name] = set()  # None, nil: reported, then read as null
        self.event_lets: set[A.Let] = set()  # the lets of an event (`called ...`, `said ...`)
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
        blocks: list[A.Guard] = []
        for module in modules:
            for decl in module.declarations:
                if isinstance(decl, A.Guard):
                    self._guard_tools(decl)
                    blocks.append(decl)
                    continue
                kind = type(decl).__name__.lower()
                name = decl.name
                if (kind, name) in seen:
                    first = seen[(kind, name)]
                    self.diag.error(
                        decl.name_span,
                        f"{kind} '{name}' is declared twice (first at {first}); "
                        "merge them or rename one",
                    )
                    continue
                seen[(kind, name)] = decl.name_span
                other = {"rule": "check", "check": "rule"}.get(kind)
                if other is not None and (other, name) in seen:  # `use` and reports name them
                    self.diag.error(
                        decl.name_span,
                        f"'{name}' is declared twice, as a {other} (at {seen[(other, name)]}) "
                        f"and as a {kind}; rules and checks share their names (`use {name}` "
                        "would not say which), so rename one",
                    )
                if isinstance(decl, A.Rule):
                    self.resolved.rules[name] = decl
                else:
                    self.resolved.checks[name] = decl
        for guard in blocks:
            self._guard(guard)
        for rule in self.resolved.rules.values():
            self._body(rule.body, Scope("rule", ()))
        for check in self.resolved.checks.values():
            self._check(check)
        return self.resolved

    def _guard_tools(self, guard: A.Guard) -> None:
        """Add ``guard`` to the blocks of each tool it names. A tool may have several blocks (a
        shared one and its own, or two of its own): they run in the order they are written."""
        named: set[str] = set()
        for tool, span in zip(guard.tools, guard.name_spans, strict=True):
            if tool in named:
                self.diag.error(span, f"tool '{tool}' is named twice in this guard; remove one")
                continue
            named.add(tool)
            self.resolved.guards[tool] = (*self.resolved.guards.get(tool, ()), guard)

    def _guard(self, guard: A.Guard) -> None:
        """Check a guard block against the parameters of each tool it names: a parameter of one
        of them that another lacks and the block reads is an error at that other's name."""
        tools: list[tuple[str, Span, Tool]] = []
        for tool_name, span in zip(guard.tools, guard.name_spans, strict=True):
            tool = self.spec.tools.get(tool_name)
            if tool is None:
                self.diag.error(
                    span,
                    f"guard for unknown tool '{tool_name}'"
                    + did_you_mean(tool_name, self.spec.tools),
                )
            elif all(t[0] != tool_name for t in tools):
                tools.append((tool_name, span, tool))
        others = {p for _, _, tool in tools for p in tool.params}
        read = _names_read(guard.body) & others
        start = len(self.diag.items)
        for tool_name, span, tool in tools:
            missing = sorted(read - set(tool.params))
            for p in missing:
                self.diag.error(
                    span,
                    f"tool '{tool_name}' has no parameter '{p}', which this guard block reads"
                    f"{did_you_mean(p, tool.params)}; give '{tool_name}' a guard block of its "
                    "own for what it needs, or leave it out of this one",
                )
            names = tuple((p, from_field(t)) for p, t in tool.params.items())
            names += tuple((p, ANY) for p in missing)  # reported above, not at each read
            before = len(self.diag.items)
            owner = f"an argument of tool '{tool_name}'"
            self._body(guard.body, Scope("guard", names, owner=owner))
            # a shared block is checked once a tool: what an earlier tool's check said is not
            # said again
            said = {(d.span, d.message) for d in self.diag.items[start:before]}
            self.diag.items[before:] = [
                d for d in self.diag.items[before:] if (d.span, d.message) not in said
            ]

    def _check(self, check: A.Check) -> None:
        params: dict[str, Type] = {}
        for param in check.params:
            if param.name in params:
                self.diag.error(param.span, f"parameter '{param.name}' is listed twice")
            if (why := reserved_name(param.name)) is not None:
                self.diag.error(param.span, why)
            params[param.name] = self._type_ref(param.type) if param.type else ANY
        self.resolved.check_params[check.name] = params
        owner = f"a parameter of check '{check.name}'"
        self._body(check.body, Scope("check", tuple(params.items()), owner=owner))

    def _type_ref(self, ref: A.TypeRef) -> Type:
        if ref.name == "list":
            return list_of(self._type_ref(ref.arg) if ref.arg else ANY)
        if ref.name in NAMED_TYPES and ref.arg is None:
            return NAMED_TYPES[ref.name]
        self.diag.error(
            ref.span,
            f"unknown type '{ref.name}'; expected one of string, int, float, bool, date, time, "
            "any, list[...]" + did_you_mean(ref.name, [*NAMED_TYPES, "list"]),
        )
        return ANY

    def _body(self, body: tuple[A.Statement, ...], scope: Scope) -> None:
        """Check a block's statements."""
        bound: list[A.Let] = []
        uses: dict[str, A.Use] = {}
        for index, stmt in enumerate(body):
            scope = replace(scope, pending=tuple(s for s in body[index:] if isinstance(s, A.Let)))
            if isinstance(stmt, A.Let):
                t = self.infer(stmt.expr, replace(scope, defining=stmt))
                taken = name_taken(stmt.name, scope)
                if taken is not None:  # not bound: the statements below read the name as before
                    self.diag.error(stmt.name_span, taken)
                    continue
                if index == len(body) - 1:
                    self.diag.error(
                        stmt.span,
                        f"nothing follows 'let {stmt.name}', so nothing can read it (a let binds "
                        "its name for the statements after it in the same block); add the "
                        "statements that use it below it, or remove it",
                    )
                else:
                    bound.append(stmt)
                if self.event_form(stmt.expr, scope):
                    self.event_lets.add(stmt)
                scope = scope.bind_let(stmt, t)
            elif isinstance(stmt, (A.Require, A.Forbid)):
                self.condition(stmt.expr, scope, stmt.source.split()[0])
            elif isinstance(stmt, A.Score) and scope.kind == "guard":
                self.diag.error(
                    stmt.span,
                    "'score' is not available in a guard (a guard allows or refuses a call, and "
                    "has no reward to add to); write require to refuse, or put the score in a "
                    "check or a rule",
                )
            elif isinstance(stmt, A.Score):
                if not 0 < stmt.weight <= 100:
                    self.diag.error(stmt.span, SCORE_WEIGHT)
                self.condition(stmt.expr, scope, "score")
            elif isinstance(stmt, A.Unchanged):
                root = stmt.path
                while isinstance(root, (A.Attribute, A.Index)):
                    root = root.obj
                let = scope.let_named(root.id) if isinstance(root, A.Name) else None
                if let is not None:
                    self.let_reads.add(let)
                    self.diag.error(
                        root.span,
                        f"'unchanged' reads its path in the final and in the initial database, "
                        f"so the path starts at db; '{let.name}' is a let, one value read from "
                        f"the final database: write the path from db "
                        f"({let.name} = {render_expr(let.expr)})",
                    )
                elif not (isinstance(root, A.Name) and root.id == "db") or stmt.path == root:
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
                self._use(stmt, scope, uses)
        for let in bound:
            if let not in self.let_reads:
                self.diag.warning(
                    let.name_span,
                    f"'{let.name}' is bound by this let but no statement after it reads it; "
                    "use it below, or remove the let",
                )

    def _use(self, stmt: A.Use, scope: Scope, uses: dict[str, A.Use]) -> None:
        """A ``use`` of a rule; ``uses`` holds the block's earlier ones, by rule."""
        if scope.kind != "check":
            self.diag.error(
                stmt.span, "'use' is only allowed in a check; a rule or guard cannot reuse rules"
            )
        elif stmt.rule not in self.resolved.rules:
            self.diag.error(
                stmt.span,
                f"'{stmt.rule}' is a check; 'use' takes a rule (declared with 'rule')"
                if stmt.rule in self.resolved.checks
                else f"unknown rule '{stmt.rule}'" + did_you_mean(stmt.rule, self.resolved.rules),
            )
        elif stmt.rule in uses:
            # not an error: the rule's statements just run twice, and fail (or score) twice
            self.diag.warning(
                stmt.span,
                f"rule '{stmt.rule}' is already used in this check (line "
                f"{uses[stmt.rule].span.line}); a second 'use' judges it again, each failure "
                "reported and each score counted twice: remove this one",
            )
        else:
            uses[stmt.rule] = stmt


def _names_read(body: tuple[A.Statement, ...]) -> set[str]:
    """The names a block reads that neither its lets nor its quantifiers' variables bind."""
    names: set[str] = set()
    bound: set[str] = set()
    for stmt in body:
        for node in A.walk(stmt):
            if isinstance(node, A.Name):
                names.add(node.id)
            elif isinstance(node, (A.Let, A.Quantifier, A.ListComp)):
                bound.add(node.name if isinstance(node, A.Let) else node.var)
    return names - bound


__all__ = ["Analyzer", "Resolved", "Scope"]
