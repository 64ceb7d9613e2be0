"""The words ``confirmed(c, words)`` counts as naming what a write does, for each tool that
writes, read from the checker AST at compile time (:func:`confirm_words`).

The scripted user says yes only to a proposal a verifier's ``confirmed`` would count, so it reads
the same words: the compiler writes them into ``verifiers/index.json`` (``confirm_words``) and
the runtime reads them there (:mod:`eigendsl.runtime.confirm_words`).

``words`` is read as the verifier computes it for a call of each write tool: a list written
out, a spec constant, a let, a block's parameter bound to its use's argument (read where the
use stands), through the names its value reads in turn, so ``let WORDS = BASE + ["ship"]`` adds
both lists; a map read by the call's tool, ``WORDS[c.tool]``, gives each tool its own. What is
known of the call is its tool alone (``c.tool``; ``c.writes`` is true): a list that reads
anything of the episode (the trace, a task's parameter, the call's arguments, a function's
result) adds none, as it is not known before the episode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import statement_exprs


class _Unknown(Exception):
    """The value is not known before the episode."""


@dataclass(frozen=True)
class _Bound:
    """A name's expression and the names it is read with (a let's, a block parameter's: the
    use's)."""

    expr: A.Expr
    env: Mapping[str, Any]


_VARIABLE = object()  # a quantifier's or a comprehension's variable: an element of the episode


def confirm_words(
    declarations: Iterable[A.Node], writes: Iterable[str]
) -> dict[str, tuple[str, ...]] | None:
    """The words the checks and rules among ``declarations`` list in ``confirmed(c, words)``
    as naming what a write does, for each tool that writes (``writes``), each word once, in the
    order the rules (by name) and then the checks (by name) list them; None when none of them
    calls ``confirmed``. ``declarations`` holds the spec's constants and blocks too.

    >>> from eigendsl.dsl.parser import parse
    >>> def words(text, writes):
    ...     return confirm_words(parse(text, "x.chk").declarations, writes)
    >>> words('rule r:\\n    require all(c in calls: confirmed(c, ["change", "ship"]))\\n'
    ...     'rule s:\\n    require all(c in calls: confirmed(c))\\n', ["cancel"])
    {'cancel': ('change', 'ship')}
    >>> by_tool = ('let W = {cancel: ["drop"], move: ["ship"]}\\n'
    ...     'check k():\\n    require all(c in calls: confirmed(c, W[c.tool]))\\n')
    >>> words(by_tool, ["cancel", "move", "pay"])
    {'cancel': ('drop',), 'move': ('ship',), 'pay': ()}
    >>> words('rule r:\\n    require all(c in calls: confirmed(c))\\n', ["cancel"])
    {'cancel': ()}
    >>> words('rule r:\\n    require said "a"\\n', []) is None
    True
    """
    decls = list(declarations)
    reader = _Reader(
        {d.name: d for d in decls if isinstance(d, A.Constant)},
        {d.name: d for d in decls if isinstance(d, A.Block)},
        {d.name: d for d in decls if isinstance(d, A.Rule)},
        list(writes),
    )
    for kind in (A.Rule, A.Check):
        for decl in sorted((d for d in decls if type(d) is kind), key=lambda d: d.name):
            reader.statements(decl.body, {}, ())
    if reader.words is None:
        return None
    return {tool: tuple(listed) for tool, listed in reader.words.items()}


class _Reader:
    """Walks the statements that a verifier runs, a block's and a rule's where they are used,
    gathering the words of each ``confirmed`` in :attr:`words`."""

    def __init__(
        self,
        constants: dict[str, A.Constant],
        blocks: dict[str, A.Block],
        rules: dict[str, A.Rule],
        writes: list[str],
    ):
        self.constants, self.blocks, self.rules, self.writes = constants, blocks, rules, writes
        self.words: dict[str, dict[str, None]] | None = None

    def statements(
        self, body: tuple[A.Statement, ...], env: Mapping[str, Any], using: tuple[str, ...]
    ) -> None:
        """The ``confirmed`` of ``body``, its names read with ``env`` and the lets it binds;
        ``using``: the blocks it is written out in (a cycle is an analysis error)."""
        for stmt in body:
            if isinstance(stmt, A.Use) and stmt.name in self.rules:
                self.statements(self.rules[stmt.name].body, {}, using)  # its own names
            elif isinstance(stmt, A.Use) and stmt.name in self.blocks:
                if stmt.name in using:
                    continue
                block = self.blocks[stmt.name]
                args = zip(block.params, stmt.args or (), strict=False)  # as many: analysis's
                params = {p.name: _Bound(a, env) for p, a in args}
                self.statements(block.body, params, (*using, stmt.name))
            else:
                for expr in statement_exprs(stmt):
                    self._confirmed_in(expr, env)
                if isinstance(stmt, A.Let):
                    env = {**env, stmt.name: _Bound(stmt.expr, env)}

    def _confirmed_in(self, expr: A.Expr, env: Mapping[str, Any]) -> None:
        """Add the words of each ``confirmed(c, words)`` in ``expr``, in the order written."""
        stack: list[tuple[A.Node, Mapping[str, Any]]] = [(expr, env)]
        while stack:  # no recursion: an expression may nest deeply
            node, names = stack.pop()
            if isinstance(node, A.Func) and node.name == "confirmed":
                self._add(node, names)
            children: list[tuple[A.Node, Mapping[str, Any]]] = []
            if isinstance(node, (A.Quantifier, A.ListComp)):
                inner = {**names, node.var: _VARIABLE}
                children.append((node.source, names))
                children += [(p, inner) for p in (node.where, node.body) if p is not None]
            else:
                for value in vars(node).values():
                    parts = value if isinstance(value, tuple) else (value,)
                    children += [(p, names) for p in parts if isinstance(p, A.Node)]
            stack.extend(reversed(children))

    def _add(self, node: A.Func, env: Mapping[str, Any]) -> None:
        words = {tool: {} for tool in self.writes} if self.words is None else self.words
        self.words = words
        if len(node.args) < 2:
            return
        call, listed = node.args[0], node.args[1]
        for tool in self.writes:
            names = env
            # the call confirmed, as a call of this tool: the list may be read by its tool
            if isinstance(call, A.Name) and env.get(call.id) is _VARIABLE:
                names = {**env, call.id: {"tool": tool, "writes": True}}
            try:
                value = self._value(listed, names)
            except _Unknown:
                continue
            if isinstance(value, list):
                words[tool] |= dict.fromkeys(w for w in value if isinstance(w, str))

    def _value(self, e: A.Expr, env: Mapping[str, Any]) -> Any:
        """What ``e`` computes where it reads nothing of the episode; :class:`_Unknown` else."""
        if isinstance(e, A.Literal):
            return e.value
        if isinstance(e, A.ListLit):
            return [self._value(i, env) for i in e.items]
        if isinstance(e, A.ObjectLit):
            return {k: self._value(v, env) for k, v in zip(e.keys, e.values, strict=True)}
        if isinstance(e, A.Name):
            return self._name(e.id, env)
        if isinstance(e, A.Binary) and e.op == "+":
            left, right = self._value(e.left, env), self._value(e.right, env)
            if _addable(left, right):
                return left + right
        elif isinstance(e, (A.Index, A.Attribute)):
            obj = self._value(e.obj, env)
            key = self._value(e.key, env) if isinstance(e, A.Index) else e.name
            if isinstance(obj, dict) and isinstance(key, str) and key in obj:
                return obj[key]
            if isinstance(obj, list) and type(key) is int and 0 <= key < len(obj):
                return obj[key]
        elif isinstance(e, A.Conditional):
            return self._value(e.body if self._test(e.cond, env) else e.orelse, env)
        elif isinstance(e, A.ListComp):
            out = []
            for item in self._list(e.source, env):
                inner = {**env, e.var: item}
                if e.where is None or self._test(e.where, inner):
                    out.append(self._value(e.body, inner))
            return out
        elif isinstance(e, (A.Compare, A.BoolOp, A.Unary)):
            return self._test(e, env)
        raise _Unknown

    def _name(self, name: str, env: Mapping[str, Any]) -> Any:
        if name in env:
            bound = env[name]
            if bound is _VARIABLE:
                raise _Unknown
            if isinstance(bound, _Bound):
                return self._value(bound.expr, bound.env)
            return bound  # a variable's element, known (a comprehension over a known list)
        if name in self.constants:
            return self._value(self.constants[name].expr, {})
        raise _Unknown  # db, calls, a check's parameter, today...

    def _list(self, e: A.Expr, env: Mapping[str, Any]) -> list[Any]:
        value = self._value(e, env)
        if not isinstance(value, list):
            raise _Unknown
        return value

    def _test(self, e: A.Expr, env: Mapping[str, Any]) -> bool:
        """Whether the condition ``e`` holds: a comparison by ``==`` or ``!=``, ``in``, and
        ``and``, ``or``, ``not`` of such, of values known before the episode."""
        if isinstance(e, A.BoolOp):
            left = self._test(e.left, env)
            if left == (e.op == "or"):  # decided by its left side, as Python's
                return left
            return self._test(e.right, env)
        if isinstance(e, A.Unary) and e.op == "not":
            return not self._test(e.operand, env)
        if isinstance(e, A.Compare) and e.op in ("==", "!=", "in", "not in"):
            left, right = self._value(e.left, env), self._value(e.right, env)
            if e.op in ("==", "!="):
                return (left == right) == (e.op == "==")
            if isinstance(right, (list, dict)) and not isinstance(left, (list, dict)):
                return (left in right) == (e.op == "in")
        if isinstance(e, (A.Compare, A.BoolOp, A.Unary)):
            raise _Unknown  # an order of numbers, a negation of one: not a list's choice
        value = self._value(e, env)
        if isinstance(value, bool):
            return value
        raise _Unknown


def _addable(left: Any, right: Any) -> bool:
    """Whether ``left + right`` is what the DSL's ``+`` computes: two lists, or two texts."""
    return (isinstance(left, list) and isinstance(right, list)) or (
        isinstance(left, str) and isinstance(right, str)
    )
