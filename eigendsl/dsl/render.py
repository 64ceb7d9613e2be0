"""Render DSL syntax trees back to DSL text, optionally renaming parameters.

Used for failure reasons (normalized text of an expression) and by synthesis, which writes
checks of composed tasks in the DSL: the statements of two checks with their parameters
renamed apart.

>>> from eigendsl.dsl.parser import parse_expression
>>> expr = parse_expression('db.orders[order_id].status == "pending"', "x")
>>> print(render_expr(expr, {"order_id": "a_order_id"}))
db.orders[a_order_id].status == "pending"
"""

from __future__ import annotations

from eigendsl.dsl import ast as A


def render_expr(
    e: A.Expr, rename: dict[str, str] | None = None, bound: frozenset[str] = frozenset()
) -> str:
    rename = rename or {}

    def r(x: A.Expr, extra: frozenset[str] = frozenset()) -> str:
        return render_expr(x, rename, bound | extra)

    if isinstance(e, A.Literal):
        if e.value is None:
            return "null"
        if isinstance(e.value, bool):
            return "true" if e.value else "false"
        return dsl_string(e.value) if isinstance(e.value, str) else repr(e.value)
    if isinstance(e, A.Name):
        return e.id if e.id in bound else rename.get(e.id, e.id)
    if isinstance(e, A.Attribute):
        return f"{_tight(e.obj, r)}.{e.name}"
    if isinstance(e, A.Index):
        return f"{_tight(e.obj, r)}[{r(e.key)}]"
    if isinstance(e, A.Unary):
        return (
            f"not ({r(e.operand)})"
            if e.op == "not" and not isinstance(e.operand, (A.Name, A.Called, A.Said, A.Quantifier))
            else (f"not {r(e.operand)}" if e.op == "not" else f"-{_tight(e.operand, r)}")
        )
    if isinstance(e, (A.Binary, A.Compare)):
        return f"{_wrap(e.left, r)} {e.op} {_wrap(e.right, r)}"
    if isinstance(e, A.BoolOp):
        return f"({_tight(e.left, r)} {e.op} {_tight(e.right, r)})"
    if isinstance(e, A.Conditional):  # right-associative: only a conditional after 'else' is bare
        return f"{_tight(e.body, r)} if {_tight(e.cond, r)} else {r(e.orelse)}"
    if isinstance(e, A.Before):
        return f"{_wrap(e.left, r)} before {_wrap(e.right, r)}"
    if isinstance(e, A.ListLit):
        return "[" + ", ".join(r(i) for i in e.items) + "]"
    if isinstance(e, A.ObjectLit):
        return "{" + ", ".join(f"{k}: {r(v)}" for k, v in zip(e.keys, e.values, strict=True)) + "}"
    if isinstance(e, A.Func):
        return f"{e.name}(" + ", ".join(r(a) for a in e.args) + ")"
    if isinstance(e, A.Quantifier):
        inner = frozenset({e.var})
        text = f"{e.kind}({e.var} in {r(e.source)}"
        text += f" where {r(e.where, inner)}" if e.where is not None else ""
        text += f": {r(e.body, inner)}" if e.body is not None else ""
        return text + ")"
    if isinstance(e, A.ListComp):
        inner = frozenset({e.var})
        text = f"[{r(e.body, inner)} for {e.var} in {r(e.source)}"
        text += f" where {r(e.where, inner)}" if e.where is not None else ""
        return text + "]"
    if isinstance(e, A.Called):
        args = ", ".join(f"{k}={r(v)}" for k, v in zip(e.arg_names, e.arg_values, strict=True))
        return f"called {e.tool}" + (f"({args})" if args else "")
    if isinstance(e, A.Said):
        return f"{'said' if e.role == 'assistant' else 'user_said'} {_wrap(e.text, r)}"
    raise TypeError(f"cannot render {type(e).__name__}")


def _wrap(e: A.Expr, r) -> str:
    text = r(e)
    if isinstance(e, (A.Compare, A.Before, A.Binary, A.Conditional)):
        return f"({text})"
    return text


def _tight(e: A.Expr, r) -> str:
    """``e`` rendered as an operand: in brackets if it is a conditional, which binds loosest."""
    return f"({r(e)})" if isinstance(e, A.Conditional) else r(e)


def dsl_string(value: str) -> str:
    """Text as the DSL writes it, in double quotes (Python's escapes, which the DSL reads).

    >>> print(dsl_string("yes"), dsl_string("it's"), dsl_string('say "hi"'))
    "yes" "it's" "say \\"hi\\""
    """
    quoted = repr(value)
    if quoted.startswith('"'):  # repr chose double quotes: the text holds ' and no "
        return quoted
    return '"' + quoted[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'


def render_statement(stmt: A.Statement, rename: dict[str, str] | None = None) -> str:
    if isinstance(stmt, A.Use):
        if stmt.args is None:
            return f"use {stmt.name}"
        return f"use {stmt.name}({', '.join(render_expr(a, rename) for a in stmt.args)})"
    if isinstance(stmt, A.Unchanged):
        return f"unchanged {render_expr(stmt.path, rename)}"
    if isinstance(stmt, A.Score):
        return f"score {stmt.weight:g}: {render_expr(stmt.expr, rename)}"
    if isinstance(stmt, A.Judge):
        return f"judge {dsl_string(stmt.assertion)}" + (" advisory" if stmt.advisory else "")
    if isinstance(stmt, A.Let):
        return f"let {(rename or {}).get(stmt.name, stmt.name)} = {render_expr(stmt.expr, rename)}"
    keyword = "require" if isinstance(stmt, A.Require) else "forbid"
    text = f"{keyword} {render_expr(stmt.expr, rename)}"
    if stmt.message:
        text += f" else {dsl_string(stmt.message)}"
    return text
