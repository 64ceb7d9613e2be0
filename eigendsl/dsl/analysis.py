"""Semantic analysis: resolve every name in the checker DSL against the spec and check types.

All problems are collected into a :class:`~eigendsl.errors.Diagnostics`; the analysis goes on
after an error (the faulty sub-expression gets type ``any``) so one compile reports them all.
:class:`Analyzer` checks the declarations and their statements here; the type rules of the
expressions come from its bases, :mod:`eigendsl.dsl.expressions` and :mod:`eigendsl.dsl.events`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from eigendsl.dsl import ast as A
from eigendsl.dsl.constants import ConstantChecker
from eigendsl.dsl.events import EventTyper
from eigendsl.dsl.expressions import CONTEXT_NAMES
from eigendsl.dsl.lets import name_taken
from eigendsl.dsl.narrowing import NotNull
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.syntax_errors import SCORE_WEIGHT
from eigendsl.dsl.types import ANY, NAMED_TYPES, Type, from_field, list_of
from eigendsl.dsl.uses import USE_KINDS, UseChecker
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
    "constant": set(),  # a constant of the spec is the same in every episode
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
    # the spec's constants visible here (all of them in a declaration, the earlier ones in a
    # constant), with their types
    constants: tuple[tuple[A.Constant, Type], ...] = ()
    block: str = ""  # the block whose statements these are

    def lookup(self, name: str) -> Type | None:
        for key, value in reversed(self.names):
            if key == name:
                return value
        for constant, t in self.constants:
            if constant.name == name:
                return t
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

    def constant_named(self, name: str) -> A.Constant | None:
        """The constant of the spec that ``name`` reads here, or None."""
        if any(key == name for key, _ in self.names):
            return None
        return next((c for c, _ in self.constants if c.name == name), None)

    def visible(self) -> list[str]:
        names = [k for k, _ in self.names] + [c.name for c, _ in self.constants]
        return names + sorted(ALLOWED[self.kind])


@dataclass
class Resolved:
    """Declarations by name, ready for code generation."""

    # A tool's guard blocks (its own, and the shared ones that name it), in the files' order.
    guards: dict[str, tuple[A.Guard, ...]] = field(default_factory=dict)
    rules: dict[str, A.Rule] = field(default_factory=dict)
    checks: dict[str, A.Check] = field(default_factory=dict)
    check_params: dict[str, dict[str, Type]] = field(default_factory=dict)
    blocks: dict[str, A.Block] = field(default_factory=dict)
    block_params: dict[str, dict[str, Type]] = field(default_factory=dict)
    # The spec's constants (top-level lets), in the order they are bound: files, then lines.
    spec_constants: dict[str, A.Constant] = field(default_factory=dict)
    # The nodes (equal when they are the same text at the same place) of the Index expressions
    # that read a table row, with the table's name, and of the names that read a constant of the
    # domain (``today``, ``now``), with its value. Keyed by node, not id(): a node's id is reused
    # once it is freed (a template's parameter source is compiled and dropped).
    table_rows: dict[A.Index, str] = field(default_factory=dict)
    constants: dict[A.Name, str] = field(default_factory=dict)
    # The `.field` reads of a field the schema makes optional: null where a row leaves it out.
    optional_reads: set[A.Attribute] = field(default_factory=set)


class Analyzer(UseChecker, ConstantChecker, EventTyper):
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
        self.constant_types: tuple[tuple[A.Constant, Type], ...] = ()
        self.block_uses: dict[str, list[A.Use]] = {}  # a block's uses of blocks and rules
        self.rule_uses: list[A.Use] = []  # the uses of blocks in rules
        self.blocks_used: set[str] = set()  # the blocks some check, rule or block uses
        self.param_reads: set[tuple[str, str]] = set()  # (block, parameter) read in the block
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
        constants: list[A.Constant] = []
        for module in modules:
            for decl in module.declarations:
                if isinstance(decl, A.Guard):
                    self._guard_tools(decl)
                    blocks.append(decl)
                    continue
                if isinstance(decl, A.Constant):
                    constants.append(decl)
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
                for other in USE_KINDS:  # `use` and reports name them
                    if other != kind and (other, name) in seen:
                        self.diag.error(
                            decl.name_span,
                            f"'{name}' is declared twice, as a {other} (at "
                            f"{seen[(other, name)]}) and as a {kind}; rules, checks and blocks "
                            f"share their names (`use {name}` would not say which), so rename one",
                        )
                if isinstance(decl, A.Rule):
                    self.resolved.rules[name] = decl
                elif isinstance(decl, A.Block):
                    self.resolved.blocks[name] = decl
                else:
                    self.resolved.checks[name] = decl
        self.spec_constants(constants)
        for guard in blocks:
            self._guard(guard)
        for block in self.resolved.blocks.values():  # before any use reads their types
            self.resolved.block_params[block.name] = self._params(block.params, "block")
        for rule in self.resolved.rules.values():
            self._body(rule.body, self._scope("rule", ()), "rule")
        for block in self.resolved.blocks.values():
            params = self.resolved.block_params[block.name]
            owner = f"a parameter of block '{block.name}'"
            scope = replace(self._scope("check", tuple(params.items()), owner), block=block.name)
            self._body(block.body, scope, "block", block.name)
        for check in self.resolved.checks.values():
            self._check(check)
        self.use_cycles()
        self.unused_blocks()
        return self.resolved

    def _scope(self, kind: str, names: tuple[tuple[str, Type], ...], owner: str = "") -> Scope:
        """The scope of a declaration's body: its names and the spec's constants."""
        scope = Scope(kind, names, constants=self.constant_types)
        return replace(scope, owner=owner) if owner else scope

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
                    + self.diag.did_you_mean("tool", tool_name, self.spec.tools),
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
            for p in tool.params:
                self.hidden_constant(p, span, f"tool '{tool_name}' has an argument", "guard")
            self._body(guard.body, self._scope("guard", names, owner), "guard")
            # a shared block is checked once a tool: what an earlier tool's check said is not
            # said again
            said = {(d.span, d.message) for d in self.diag.items[start:before]}
            self.diag.items[before:] = [
                d for d in self.diag.items[before:] if (d.span, d.message) not in said
            ]

    def _check(self, check: A.Check) -> None:
        params = self._params(check.params, "check")
        self.resolved.check_params[check.name] = params
        owner = f"a parameter of check '{check.name}'"
        self._body(check.body, self._scope("check", tuple(params.items()), owner), "check")

    def _params(self, declared: tuple[A.Param, ...], kind: str) -> dict[str, Type]:
        """The parameters of a check or a block, by name, with their types."""
        params: dict[str, Type] = {}
        for param in declared:
            if param.name in params:
                self.diag.error(param.span, f"parameter '{param.name}' is listed twice")
            if (why := reserved_name(param.name)) is not None:
                self.diag.error(param.span, why)
            self.hidden_constant(param.name, param.span, "this parameter is", kind)
            if kind == "block" and param.type is None:
                # a check's parameters take the template's types; a block's are only what it
                # says, and an untyped one would let each use pass what its statements refuse
                self.diag.error(
                    param.span,
                    f"block parameter '{param.name}' has no type, so no use's argument could be "
                    f"checked against what the block does with it; give it one: {param.name}: "
                    "string (int, float, bool, date, time, list[...], or any to take every type)",
                )
            params[param.name] = self._type_ref(param.type) if param.type else ANY
        return params

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

    def _body(self, body: tuple[A.Statement, ...], scope: Scope, decl: str, name: str = "") -> None:
        """Check the statements of a declaration of kind ``decl`` (a block: named ``name``)."""
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
                self.use(stmt, scope, uses, decl, name)
        for let in bound:
            if let not in self.let_reads:
                self.diag.warning(
                    let.name_span,
                    f"'{let.name}' is bound by this let but no statement after it reads it; "
                    "use it below, or remove the let",
                )


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
