"""What a conditional's condition says is not null in each of its two values.

In ``x if x != null else 0`` the value before ``if`` is read only where ``x != null`` holds, so
there ``x`` is not optional; after ``else``, in ``x if x == null else 0``, likewise. A path is
a name or a field path from one (``order.note``, ``db.users[user_id].email``) whose keys are
names or literals; a condition narrows by ``path != null`` (or ``null != path``), by ``==``
for the other value, and through ``and``, ``or`` and ``not``. Another language's null (``None``),
already reported as an unknown name, narrows as ``null`` does, so that it is the only error its
condition gives.

>>> from eigendsl.dsl.parser import parse_expression
>>> cond = parse_expression("a != null and not (db.users[u].email == null)", "x")
>>> [text for _, text in not_null(cond)[0]], not_null(cond)[1]
(['a', 'db.users[u].email'], ())
"""

from __future__ import annotations

from collections.abc import Collection

from eigendsl.dsl import ast as A
from eigendsl.dsl.render import render_expr

# A path known not to be null: the names it reads (a quantifier's variable of one of them is
# another value), and its text, as render_expr writes it.
NotNull = tuple[frozenset[str], str]


def not_null(
    cond: A.Expr, meant_null: Collection[A.Name] = ()
) -> tuple[tuple[NotNull, ...], tuple[NotNull, ...]]:
    """The paths not null where ``cond`` holds, and those not null where it does not;
    ``meant_null`` are the names read as null (another language's word for it, reported)."""
    if isinstance(cond, A.Unary) and cond.op == "not":
        when_true, when_false = not_null(cond.operand, meant_null)
        return when_false, when_true
    if isinstance(cond, A.BoolOp):
        left, right = not_null(cond.left, meant_null), not_null(cond.right, meant_null)
        if cond.op == "and":  # both hold where it holds
            return left[0] + right[0], ()
        return (), left[1] + right[1]  # `or`: neither holds where it does not
    if isinstance(cond, A.Compare) and cond.op in ("==", "!="):
        path = _null_test(cond, meant_null)
        if path is not None:
            return ((path,), ()) if cond.op == "!=" else ((), (path,))
    return (), ()


def _null_test(cond: A.Compare, meant_null: Collection[A.Name]) -> NotNull | None:
    for side, other in ((cond.left, cond.right), (cond.right, cond.left)):
        if (isinstance(other, A.Literal) and other.value is None) or (
            isinstance(other, A.Name) and other in meant_null
        ):
            names = _path_names(side)
            return None if names is None else (names, render_expr(side))
    return None


def _path_names(e: A.Expr) -> frozenset[str] | None:
    """The names a path reads; None if ``e`` is no path."""
    if isinstance(e, A.Name):
        return frozenset({e.id})
    if isinstance(e, A.Attribute):
        return _path_names(e.obj)
    if isinstance(e, A.Index) and isinstance(e.key, (A.Name, A.Literal)):
        obj = _path_names(e.obj)
        key = frozenset({e.key.id}) if isinstance(e.key, A.Name) else frozenset()
        return None if obj is None else obj | key
    return None


def is_path(e: A.Expr) -> bool:
    """Whether ``e`` may be a path a condition narrows (a name, a field or an entry)."""
    return isinstance(e, (A.Name, A.Attribute, A.Index))
