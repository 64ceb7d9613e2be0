"""Type rules of the checker DSL's expressions: the type of each form, and an error for each misuse.

:class:`ExpressionTyper` holds one method per AST class (``A.Compare`` → ``_compare``), found by
name from :meth:`~ExpressionTyper.infer`; :class:`~eigendsl.dsl.analysis.Analyzer` extends it
with the trace events (:mod:`eigendsl.dsl.events`) and the declarations.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.comparisons import ComparisonTyping
from eigendsl.dsl.functions import (
    FUNCTIONS,
    USE_DATE_FUNCTIONS,
    USE_TIME_FUNCTIONS,
    an,
    call_type,
    constant_shift_problem,
)
from eigendsl.dsl.literals import OTHER_LANGUAGES_WORDS, is_zero, literal_type
from eigendsl.dsl.narrowing import is_path, not_null
from eigendsl.dsl.proposals import PROPOSAL_FUNCTIONS, check_proposal
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.types import (
    ANY,
    BOOL,
    CALL,
    CALL_FIELDS,
    DATE,
    DB,
    FLOAT,
    INT,
    MESSAGE,
    MESSAGE_FIELDS,
    STRING,
    TIME,
    Type,
    branch_type,
    is_numeric,
    list_of,
)
from eigendsl.errors import did_you_mean
from eigendsl.spec import DOMAIN_CLOCK

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Resolved, Scope

CONTEXT_NAMES = {
    "db": DB,
    "initial": DB,
    "gold": DB,
    "calls": list_of(CALL),
    "messages": list_of(MESSAGE),
}
# Why a guard may not read the conversation (`messages`, `said`, `user_said`), and where such a
# condition goes instead.
_GUARD_SEES = (
    "a guard sees the call, the database and the calls before it, not the conversation: the "
    "gold plan is replayed with no conversation, so such a guard would refuse the gold calls"
)
GUARD_SEES_NO_CONVERSATION = (
    f"{_GUARD_SEES}; put the condition in a policy rule, such as require all(c in calls where "
    "c.writes and c.ok: confirmed(c))"
)
# declined() holds of a write never made, so no guard of a call can use it: it is a task's outcome
_GUARD_SEES_NO_DECLINE = (
    f"{_GUARD_SEES}; a declined write is a task's outcome: require it in the task's check, such "
    'as require declined("cancel_pending_order", {order_id: order_id, reason: reason})'
)


class ExpressionTyper(ComparisonTyping):
    """Infers the type of an expression in a :class:`~eigendsl.dsl.analysis.Scope`.

    An expression with an error is reported to ``diag`` and typed ``any``, so the analysis goes
    on and one compile reports every error.
    """

    # Analyzer.__init__ sets these: the analysis state belongs to the analyzer.
    resolved: Resolved
    tag_reads: set[A.Attribute]  # the `c.tags` read so far
    let_reads: set[A.Let]  # the lets read so far
    param_reads: set[tuple[str, str]]  # (block, parameter) read in the block
    meant_null: set[A.Name]  # the unknown names that are another language's null (None)

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
        t: Type = method(expr, scope)
        if t.optional and scope.not_null and is_path(expr):
            text = render_expr(expr)
            if any(known == text for _, known in scope.not_null):
                return replace(t, optional=False)  # read only where it is not null
        return t

    def _literal(self, e: A.Literal, scope: Scope) -> Type:
        return literal_type(e.value)

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
            let = scope.let_named(e.id) or scope.constant_named(e.id)
            if let is not None:
                self.let_reads.add(let)
            elif scope.block:  # a parameter (or a quantifier's variable: no harm)
                self.param_reads.add((scope.block, e.id))
            return t
        pending = next((let for let in scope.pending if let.name == e.id), None)
        if pending is not None and pending is scope.defining:
            self.diag.error(
                e.span,
                f"'{e.id}' is read in its own let; a let's expression reads only the names "
                "bound above it",
            )
            return ANY
        if pending is not None and pending.span.path != e.span.path:
            self.diag.error(
                e.span,
                f"'{e.id}' is read before the constant that binds it ({pending.name_span}), in a "
                "file bound after this one: constants are bound in the order of the files "
                "`checkers:` lists (those of a glob in name order), then of their lines; list "
                f"{pending.span.path} before this file in `checkers:`, or move this constant "
                f"below '{e.id}' in that file",
            )
            return ANY
        if pending is not None:
            self.diag.error(
                e.span,
                f"'{e.id}' is read before the let that binds it (line {pending.span.line}); a "
                "let binds its name for the statements after it: move the let above this "
                "statement",
            )
            return ANY
        if e.id == "today":  # a parameter of that name is found first
            if self.spec.today is None:
                self.diag.error(
                    e.span,
                    "'today' is not set: give the domain's date in domain.yaml (today: YYYY-MM-DD)",
                )
                return ANY
            self.resolved.constants[e] = self.spec.today.isoformat()
            return DATE
        if e.id == "now":  # the domain's time of day, as today is its date
            if self.spec.now is None:
                self.diag.error(
                    e.span,
                    "'now' is not set: give the domain's time of day in domain.yaml (now: HH:MM)",
                )
                return ANY
            self.resolved.constants[e] = self.spec.now
            return TIME
        if e.id == "messages" and scope.kind == "guard":
            self.diag.error(
                e.span, f"'messages' is not available in a guard; {GUARD_SEES_NO_CONVERSATION}"
            )
        elif e.id in CONTEXT_NAMES:
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
        elif scope.block and (outer := self._check_name(e.id, scope.block)) is not None:
            self.diag.error(
                e.span,
                f"unknown name '{e.id}' in block '{scope.block}' ({outer}): a block sees only "
                "its parameters, its own lets and the spec's constants, not the names of the "
                f"check that uses it; pass it as an argument, block {scope.block}(..., "
                f"{e.id}: TYPE) and use {scope.block}(..., {e.id})",
            )
        else:
            names = scope.visible() + [
                name for name in DOMAIN_CLOCK if getattr(self.spec, name) is not None
            ]
            self.diag.error(e.span, f"unknown name '{e.id}'{self.name_hint(e.id, names, scope)}")
            if OTHER_LANGUAGES_WORDS.get(e.id.lower()) == "null":  # narrows as null does
                self.meant_null.add(e)
        return ANY

    def _check_name(self, name: str, block: str) -> str | None:
        """What ``name`` is in a check, a parameter or a let, if anything: a block reading it
        meant the check's. The checks that use ``block`` are looked at first; one that does not
        is named with the checks that do."""
        checks = list(self.resolved.checks.values())
        users = [c for c in checks if any(_uses(s, block) for s in c.body)]
        for check in users + [c for c in checks if c not in users]:
            if any(param.name == name for param in check.params):
                what = f"a parameter of check '{check.name}'"
            elif any(isinstance(s, A.Let) and s.name == name for s in check.body):
                what = f"a let of check '{check.name}'"
            else:
                continue
            if check in users:
                return f"{what}, which uses the block"
            used = ", ".join(f"'{c.name}'" for c in users)
            checks_word = "check" if len(users) == 1 else "checks"
            return what + (f"; the block is used by {checks_word} {used}" if users else "")
        return None

    def _attribute(self, e: A.Attribute, scope: Scope) -> Type:
        obj = self.infer(e.obj, scope)
        if obj.kind == "db":
            if e.name not in self.row_types:
                self.diag.error(
                    e.name_span,
                    f"unknown table '{e.name}'"
                    + self.diag.did_you_mean(
                        "table",
                        e.name,
                        self.row_types,
                        f"tables are {', '.join(sorted(self.row_types))}",
                    ),
                )
                return ANY
            return Type("table", table=e.name)
        if obj.kind == "call":
            if e.name == "tags":
                self.tag_reads.add(e)
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
            if t.optional:
                self.resolved.optional_reads.add(e)
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
        if scope.kind == "tool":
            self._null_operand(e, ((e.left, left), (e.right, right)))
        if e.op == "+" and left.kind == "string" and right.kind in ("string", "any"):
            return STRING
        if e.op == "+" and left.kind == "list" and right.kind in ("list", "any"):
            return left
        if e.op == "+" and left.kind == "any" and right.kind in ("string", "list"):
            return right  # as string + any: an unknown left (a name left out, too) may be one
        if e.op == "+" and left.kind == "list" and right.kind != "list":
            self.diag.error(
                e.right.span,
                f"'+' joins two lists, but this is {an(right)}: put it in a list, "
                f"{render_expr(e.left)} + [{render_expr(e.right)}]",
            )
            return left
        for side, t in ((e.left, left), (e.right, right)):
            if not is_numeric(t):
                days = (
                    f"; {USE_DATE_FUNCTIONS}"
                    if t.date and e.op in ("+", "-")
                    else f"; {USE_TIME_FUNCTIONS}"
                    if t.time and e.op in ("+", "-")
                    else "; 'said' takes only the value right after it: put what it should say "
                    "in brackets, said (a + b)"
                    if isinstance(side, A.Said)
                    else ""
                )
                self.diag.error(side.span, f"'{e.op}' needs numbers, but this is {an(t)}{days}")
                return ANY
        if e.op in ("/", "%") and is_zero(e.right):
            self.diag.error(
                e.right.span,
                f"'{e.op}' by zero fails whenever it is evaluated: divide by another number",
            )
        if e.op == "/" or FLOAT in (left, right) or "any" in (left.kind, right.kind):
            return FLOAT if "any" not in (left.kind, right.kind) else ANY
        return INT

    def _null_operand(self, e: A.Binary, sides: tuple[tuple[A.Expr, Type], ...]) -> None:
        """In a declared tool's body, an operand that may be null is an error: every call where
        it is null fails. A parameter's ``default:`` is what a call that leaves it out gets, so
        one with a default is never null here (tool_bodies types it so)."""
        for side, t in sides:
            if not t.optional:
                continue
            if isinstance(side, A.Name):
                what, fix = (
                    f"'{side.id}' is an optional parameter with no default: a call may leave it "
                    "out",
                    "give it a default (default: beside its type), which a call that leaves it "
                    "out gets, or make it required",
                )
            else:
                what, fix = (
                    "this field is optional: a row may leave it out",
                    "implement the tool in Python (python: module:function), which can test it",
                )
            self.diag.error(
                side.span,
                f"{what}, and '{e.op}' fails on null, so every such call would fail; {fix}",
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

    def _conditional(self, e: A.Conditional, scope: Scope) -> Type:
        self.condition(e.cond, scope, "if")
        when_true, when_false = not_null(e.cond, self.meant_null)
        body = self.infer(e.body, scope.narrow(when_true))
        orelse = self.infer(e.orelse, scope.narrow(when_false))
        t = branch_type(body, orelse)
        if t is not None:
            return t
        text = render_expr(e.orelse)
        hint = (
            f"; if {text} is the statement's own 'else' text, put the conditional in brackets "
            f"before it: ({render_expr(e.body)} if {render_expr(e.cond)} else ...) else {text}"
            if body.kind == "bool" and isinstance(e.orelse, A.Literal) and orelse.kind == "string"
            else ""
        )
        self.diag.error(
            e.span,
            f"the two values of this 'if ... else' have different types: {an(body)} before "
            f"'if', {an(orelse)} after 'else'; give both one type (an int and a float mix to a "
            f"float){hint}",
        )
        return ANY

    def _func(self, e: A.Func, scope: Scope) -> Type:
        args = [self.infer(a, scope) for a in e.args]
        t = call_type(e, args, self.diag)
        if e.name in PROPOSAL_FUNCTIONS:
            low, high = FUNCTIONS[e.name]
            if low <= len(args) <= high:
                check_proposal(e, args, self.spec.tools, self.diag)
            if scope.kind == "guard":
                why = _GUARD_SEES_NO_DECLINE if e.name == "declined" else GUARD_SEES_NO_CONVERSATION
                self.diag.error(e.span, f"'{e.name}' is not available in a guard; {why}")
            elif scope.kind not in ("rule", "check"):
                self.diag.error(
                    e.span,
                    f"'{e.name}' reads the conversation, which is only there in a rule or a check",
                )
        if (problem := constant_shift_problem(e, self.resolved.constants)) is not None:
            self.diag.error(e.span, problem)
        return t


def _uses(statement: A.Statement, block: str) -> bool:
    """Whether ``statement`` is a ``use`` of ``block``."""
    return isinstance(statement, A.Use) and statement.name == block
