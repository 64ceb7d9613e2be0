"""Local bindings (``let name = expr``) as the stages after the analysis read them: the names an
expression reads, the lets it reads (through other lets too), and how a statement that reads
lets is shown apart from its block, with those lets after it; and the names a let or a
quantifier's variable may not take (:func:`name_taken`).

A let binds its name for the statements after it in the same block, so a statement is always
read with the lets above it (:func:`lets_above`).

>>> from eigendsl.dsl.parser import parse
>>> check = parse(
...     "check c(order_id):\\n"
...     "    let order = db.orders[order_id]\\n"
...     "    let owner = db.users[order.user_id]\\n"
...     '    require owner.name == "Ann"\\n',
...     "x.chk",
... ).declarations[0]
>>> [(s.source, sorted(lets)) for s, lets in lets_above(check.body)][2]
('require owner.name == "Ann"', ['order', 'owner'])
>>> stmt, lets = lets_above(check.body)[2]
>>> where(stmt.expr, lets)
' (where order = db.orders[order_id], owner = db.users[order.user_id])'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.render import render_expr
from eigendsl.spec import EXPRESSION_WORDS

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Scope

# The names the DSL gives every declaration's expressions (where it may read them): a let or a
# variable may not hide them.
PROVIDED = {
    "db": "the database after the episode",
    "initial": "the database before the episode",
    "gold": "the database after the gold plan",
    "calls": "the episode's tool calls",
    "messages": "the episode's messages",
    "today": "the domain's date",
    "now": "the domain's time of day",
}


def word_taken(name: str, this: str = "this let") -> str | None:
    """Why ``this`` may not be called ``name``, a word of expressions, or None: where it is
    read, the parser reads the word (``count == 1`` is a quantifier missing its brackets)."""
    if name not in EXPRESSION_WORDS:
        return None
    return (
        f"'{name}' is a word of the DSL's expressions, so nothing could read {this}; "
        "give it another name"
    )


def name_taken(name: str, scope: Scope, var: bool = False) -> str | None:
    """Why a let (or, with ``var``, a quantifier's or a comprehension's variable) may not
    bind ``name`` here, or None: it would hide another name, which the expressions below
    it could then no longer read, and a reader would take the one for the other."""
    this, it = ("this variable", "the variable") if var else ("this let", "the let")
    if (word := word_taken(name, this)) is not None:
        return word
    if name in PROVIDED:
        return (
            f"'{name}' is a name the DSL provides ({PROVIDED[name]}), which {this} would "
            f"hide; give {it} another name"
        )
    constant = scope.constant_named(name)
    if constant is not None:
        # a constant added to one checker file takes its name from every template's `from:`,
        # which its author may not have in mind (a constant `o` broke 21 of retail's)
        where = (
            f" in the `from:` of {scope.owner} (a `from:` reads the constants too)"
            if scope.kind == "query"
            else ""
        )
        return (
            f"'{name}' is a constant of the spec (at {constant.name_span}), which {this} would "
            f"hide{where}; give {it} another name, or rename the constant"
        )
    outer = next((at for bound, at in reversed(scope.bound) if bound == name), None)
    if outer is not None:
        return (
            f"'{name}' is already bound by the variable at line {outer.line}, column "
            f"{outer.col}, which {this} would hide; give {it} another name"
        )
    earlier = scope.let_named(name)
    if earlier is not None and not var:
        return (
            f"'{name}' is already bound by the let at line {earlier.span.line}; a name is "
            "bound once in a block: give this let another name"
        )
    if earlier is not None:
        return (
            f"'{name}' is already bound by the let at line {earlier.span.line}, which {this} "
            f"would hide; give {it} another name"
        )
    if scope.lookup(name) is not None:
        return f"'{name}' is already {scope.owner}, which {this} would hide; give {it} another name"
    return None


def names_read(expr: A.Node) -> set[str]:
    """The names ``expr`` reads from outside it: those a quantifier, a list comprehension or a
    parameter source binds inside it are left out.

    >>> from eigendsl.dsl.parser import parse_expression
    >>> sorted(names_read(parse_expression("all(i in items: i in order.ids) and n > 0", "x")))
    ['items', 'n', 'order']
    >>> sorted(names_read(parse_expression("[o.id for o in orders where o.total > least]", "x")))
    ['least', 'orders']
    """
    found: set[str] = set()
    stack: list[tuple[A.Node, frozenset[str]]] = [(expr, frozenset())]
    while stack:  # no recursion: an expression may nest deeply
        node, bound = stack.pop()
        if isinstance(node, A.Name):
            if node.id not in bound:
                found.add(node.id)
            continue
        if isinstance(node, (A.Quantifier, A.ListComp, A.Query)) and node.var is not None:
            inner = bound | {node.var}
            assert node.source is not None  # a query with a variable has a source
            stack.append((node.source, bound))
            stack.extend((part, inner) for part in (node.where, node.body) if part is not None)
            continue
        for value in vars(node).values():
            children = value if isinstance(value, tuple) else (value,)
            stack.extend((child, bound) for child in children if isinstance(child, A.Node))
    return found


def statement_exprs(stmt: A.Statement) -> tuple[A.Expr, ...]:
    """The expressions a statement evaluates (none for ``use`` and ``judge``)."""
    if isinstance(stmt, A.Unchanged):
        return (stmt.path,)
    if isinstance(stmt, (A.Require, A.Forbid, A.Score, A.Let)):
        return (stmt.expr,)
    return ()


def lets_above(body: tuple[A.Statement, ...]) -> list[tuple[A.Statement, dict[str, A.Let]]]:
    """Each statement of a block with the lets bound above it, by name."""
    out: list[tuple[A.Statement, dict[str, A.Let]]] = []
    lets: dict[str, A.Let] = {}
    for stmt in body:
        out.append((stmt, dict(lets)))
        if isinstance(stmt, A.Let):
            lets.setdefault(stmt.name, stmt)  # a second let of a name is an analysis error
    return out


def lets_read(exprs: tuple[A.Expr, ...] | A.Expr, lets: Mapping[str, A.Let]) -> list[A.Let]:
    """The lets of ``lets`` that ``exprs`` read, directly or through another let, in the order
    they are bound."""
    pending = list(exprs) if isinstance(exprs, tuple) else [exprs]
    found: dict[str, A.Let] = {}
    while pending:
        for name in names_read(pending.pop()):
            let = lets.get(name)
            if let is not None and name not in found:
                found[name] = let
                pending.append(let.expr)
    return sorted(found.values(), key=lambda let: (let.span.line, let.span.col))


def explained(expr: A.Expr, lets: Mapping[str, A.Let]) -> A.Expr:
    """What a statement that reads one let alone (``require paid``) tests: the let's expression
    (through a let of a let too); any other expression as it is."""
    seen: set[str] = set()
    while isinstance(expr, A.Name) and expr.id in lets and expr.id not in seen:
        seen.add(expr.id)
        expr = lets[expr.id].expr
    return expr


def where(
    exprs: tuple[A.Expr, ...] | A.Expr,
    lets: Mapping[str, A.Let],
    rename: dict[str, str] | None = None,
) -> str:
    """`` (where a = ..., b = ...)``: the lets ``exprs`` read (the spec's constants but by name),
    for the text of a statement shown apart from its block; empty when it reads none."""
    # a block's parameter given the use's name of the same name (`status = status`) says nothing;
    # a constant, the same in every episode, is shown by its name (its value is in the spec: a
    # list of phrases written out in each failure made it ~1,500 characters)
    read = [
        let
        for let in lets_read(exprs, lets)
        if not isinstance(let, A.Constant)
        and not (isinstance(let.expr, A.Name) and let.expr.id == let.name)
    ]
    if not read:
        return ""
    bound = ", ".join(
        f"{(rename or {}).get(let.name, let.name)} = {render_expr(let.expr, rename)}"
        for let in read
    )
    return f" (where {bound})"
