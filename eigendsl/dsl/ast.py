"""The checker DSL's syntax tree: frozen dataclasses, each with the source span it came from.

Class names match the grammar's rule names in ``grammar/checker.lark`` (``Require`` ↔
``require``); operators that share a class (``compare``, ``in_op``...) carry their operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eigendsl.errors import Span


@dataclass(frozen=True)
class Node:
    span: Span


# ---------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Literal(Node):
    value: Any  # str, int, float, bool or None


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ObjectLit(Node):
    keys: tuple[str, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Attribute(Node):
    obj: Expr
    name: str
    name_span: Span


@dataclass(frozen=True)
class Index(Node):
    obj: Expr
    key: Expr


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / %
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in" contains
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and / or
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Conditional(Node):
    """``body if cond else orelse``: only the branch ``cond`` chooses is evaluated."""

    body: Expr
    cond: Expr
    orelse: Expr


@dataclass(frozen=True)
class Func(Node):
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Quantifier(Node):
    kind: str  # all any count sum first last
    var: str
    var_span: Span
    source: Expr
    where: Expr | None
    body: Expr | None


@dataclass(frozen=True)
class ListComp(Node):
    """``[body for var in source where cond]``: the list of ``body`` for each element of
    ``source`` that ``cond`` holds for (``var`` is bound in ``body`` and ``cond`` only)."""

    body: Expr
    var: str
    var_span: Span
    source: Expr
    where: Expr | None


@dataclass(frozen=True)
class Called(Node):
    tool: str
    tool_span: Span
    arg_names: tuple[str, ...]
    arg_values: tuple[Expr, ...]
    arg_spans: tuple[Span, ...]


@dataclass(frozen=True)
class Said(Node):
    role: str  # "assistant" for said, "user" for user_said
    text: Expr


@dataclass(frozen=True)
class Before(Node):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Query(Node):
    """A template parameter source: ``body for var in source where cond`` or one expression."""

    body: Expr
    var: str | None
    var_span: Span | None
    source: Expr | None
    where: Expr | None


Expr = (
    Literal
    | ListLit
    | ObjectLit
    | Name
    | Attribute
    | Index
    | Unary
    | Binary
    | Compare
    | BoolOp
    | Conditional
    | Func
    | Quantifier
    | ListComp
    | Called
    | Said
    | Before
)

# ---------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Require(Node):
    expr: Expr
    message: str | None
    source: str


@dataclass(frozen=True)
class Forbid(Node):
    expr: Expr
    message: str | None
    source: str


@dataclass(frozen=True)
class Unchanged(Node):
    path: Expr
    source: str


@dataclass(frozen=True)
class Score(Node):
    weight: float
    expr: Expr
    source: str


@dataclass(frozen=True)
class Use(Node):
    """``use name``: a rule's statements judged here, or a block's; ``use name(a, b)`` gives
    a block its arguments (``args`` is None without brackets)."""

    name: str
    args: tuple[Expr, ...] | None = None


@dataclass(frozen=True)
class Judge(Node):
    """``judge "assertion" [advisory]``: a natural-language assertion for a judge model."""

    assertion: str
    advisory: bool  # reported but never changes `passed`
    source: str


@dataclass(frozen=True)
class Let(Node):
    """``let name = expr``: ``name`` holds the value of ``expr`` in the statements after it in
    the same block."""

    name: str
    name_span: Span
    expr: Expr
    source: str


Statement = Require | Forbid | Unchanged | Score | Use | Judge | Let

# ---------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class TypeRef(Node):
    name: str
    arg: TypeRef | None


@dataclass(frozen=True)
class Param(Node):
    name: str
    type: TypeRef | None


@dataclass(frozen=True)
class Guard(Node):
    """A guard block: ``body`` applies to each of ``tools`` (written at ``name_spans``)."""

    tools: tuple[str, ...]
    name_spans: tuple[Span, ...]
    body: tuple[Statement, ...]


@dataclass(frozen=True)
class Rule(Node):
    name: str
    name_span: Span
    body: tuple[Statement, ...]


@dataclass(frozen=True)
class Check(Node):
    name: str
    name_span: Span
    params: tuple[Param, ...]
    body: tuple[Statement, ...]


@dataclass(frozen=True)
class Block(Node):
    """``block name(params):``: statements written out where a ``use`` names the block, its
    parameters bound to the use's arguments; never judged on its own."""

    name: str
    name_span: Span
    params: tuple[Param, ...]
    body: tuple[Statement, ...]


@dataclass(frozen=True)
class Constant(Let):
    """``let name = expr`` outside any declaration: a constant of the spec, read in every guard,
    rule, check and block (a let of every block, bound above its first statement)."""


Declaration = Guard | Rule | Check | Block | Constant


@dataclass(frozen=True)
class Module(Node):
    path: str
    declarations: tuple[Declaration, ...]


def walk(node: Any):
    """Yield ``node`` and every AST node below it, depth first."""
    yield node
    for value in vars(node).values():
        if isinstance(value, Node):
            yield from walk(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield from walk(item)
