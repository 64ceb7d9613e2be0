"""The words a domain's compiled verifiers count as naming what a write does, in
``confirmed(c, words)``: the scripted user says yes only to a proposal the verifier would count,
so it reads the same words, for each write tool (:func:`confirm_words`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from eigendsl import support


def confirm_words(
    sources: Iterable[str], writes: Iterable[str]
) -> dict[str, tuple[str, ...]] | None:
    """The words the compiled verifiers (their Python ``sources``) list in ``confirmed(c,
    words)`` as naming what a write does, for each tool that writes (``writes``), each word once;
    None when none of them calls ``confirmed``.

    ``words`` is read as the verifier computes it for a call of that tool: a list written out,
    or a name the generated function binds (a spec constant, a check's let, a block's parameter
    bound to the use's argument), through the names its value reads in turn, so ``let WORDS =
    BASE + ["ship"]`` adds both lists, and a map read by the call's tool, ``WORDS[c.tool]``,
    gives each tool its own. A list that reads anything else of the episode (the trace, a
    task's parameter, the call's arguments) adds none: it is not known before the episode.

    >>> confirm_words(["ok = rt.confirmed(trace, c, ['change', 'ship'])", "rt.confirmed(t, c)"],
    ...     ["cancel"])
    {'cancel': ('change', 'ship')}
    >>> by_tool = "w = {'cancel': ['drop'], 'move': ['ship']}\\nrt.confirmed(t, c, w[c['tool']])"
    >>> confirm_words([by_tool], ["cancel", "move", "pay"])
    {'cancel': ('drop',), 'move': ('ship',), 'pay': ()}
    >>> confirm_words(["rt.confirmed(t, c)"], ["cancel"]), confirm_words(["rt.said(t, 'a')"], [])
    ({'cancel': ()}, None)
    """
    tools = list(writes)
    words: dict[str, dict[str, None]] | None = None
    for source in sources:
        tree = ast.parse(source)
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        outside = ast.Module(body=[n for n in tree.body if n not in functions], type_ignores=[])
        for scope in (outside, *functions):  # a generated local is one function's
            bound = _bindings(scope)
            for node in ast.walk(scope):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "confirmed"
                ):
                    continue
                words = {tool: {} for tool in tools} if words is None else words
                if len(node.args) < 3:
                    continue
                call = node.args[1]
                for tool in tools:
                    # the call confirmed, as a call of this tool: the list may be read by it
                    given = bound | (
                        {call.id: _stand_in(tool)} if isinstance(call, ast.Name) else {}
                    )
                    words[tool] |= dict.fromkeys(_listed_words(node.args[2], given))
    return None if words is None else {tool: tuple(listed) for tool, listed in words.items()}


def _stand_in(tool: str) -> ast.expr:
    """A call of ``tool`` with no arguments, as generated code that builds it."""
    return ast.parse(f"rt.Call({tool!r}, {{}}, writes=True)", mode="eval").body


def _bindings(scope: ast.AST) -> dict[str, ast.expr]:
    """The value each name of ``scope`` is bound to: the first ``name = value``, not the
    ``rt.let_failed(_e)`` a let's ``except`` binds when its expression raises."""
    bound: dict[str, ast.expr] = {}
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and not (
                isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "let_failed"
            )
        ):
            bound.setdefault(node.targets[0].id, node.value)
    return bound


def _listed_words(node: ast.expr, bound: dict[str, ast.expr]) -> list[str]:
    """The texts of the list ``node`` computes, where it reads nothing but literals, the
    support module and names ``bound`` to such values; none where it reads anything else."""
    try:
        value = _value(node, bound, frozenset())
    except Exception:  # a name of the episode (trace, params), or an expression that raises
        return []
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, str)]


def _value(node: ast.expr, bound: dict[str, ast.expr], seen: frozenset[str]) -> Any:
    """What the generated expression ``node`` computes, its names evaluated first from what
    ``bound`` binds them to (a name it binds in terms of itself, or not at all, raises)."""
    reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names = {
        name: _value(bound[name], bound, seen | {name})
        for name in sorted(reads)
        if name in bound and name not in seen
    }
    code = compile(ast.Expression(body=node), "<confirmed words>", "eval")
    # one namespace: a comprehension does not see eval's separate locals
    return eval(code, {"rt": support, **names})
