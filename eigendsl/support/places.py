"""Values and places as a reason writes them: a value bounded for a failure's
``values`` (:func:`summarize`) or its text (:func:`show`, :func:`named`), a place as the DSL
writes it (:func:`place`), and where two values differ (:func:`diff`,
:func:`compare_values`)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from eigendsl.support.brief import _brief, _json_text
from eigendsl.support.events import Call, Message


def summarize(value: Any, limit: int = 120, depth: int = 3) -> Any:
    """A JSON value, bounded, for a failure's ``values``: text cut at ``limit`` characters, at
    most a few entries of a list or object a few levels deep (a ``"..."`` entry or item says
    more were left out), a call or message as its text.

    >>> summarize({"a": [1, 2, 3, 4, 5], "b": None})
    {'a': [1, 2, 3, 4, '...'], 'b': None}
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        if isinstance(value, str) and len(value) > limit:
            return value[:limit] + "..."
        return value
    if isinstance(value, Mapping):
        if depth == 0:
            return "{...}" if value else {}
        first = list(itertools.islice(value.items(), 4))
        out = {str(k): summarize(v, limit, depth - 1) for k, v in first[:3]}
        if len(first) > 3:
            out["..."] = "..."
        return out
    if isinstance(value, (list, tuple)):
        if depth == 0:
            return "[...]" if value else []
        items = [summarize(v, limit, depth - 1) for v in value[:4]]
        return items + (["..."] if len(value) > 4 else [])
    return show(value, limit)


def show(value: Any, limit: int = 120) -> str:
    """A short text for a value in a reason, as JSON writes it (bounded work, even for a whole
    database); a call or message as its text."""
    text = str(value) if isinstance(value, (Call, Message)) else _brief(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def named(value: Any, limit: int = 120) -> str:
    """A value an error's sentence names (``orders has no row with key '#9'``), text in single
    quotes: guards refuse with these sentences, and compile errors give them."""
    text = str(value) if isinstance(value, (Call, Message)) else _brief(value, quote=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MISSING = object()


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


# The names that hold a whole database: the keys two steps in (db.orders["#1"]) are rows.
_DATABASES = ("db", "initial", "gold")


def key_step(key: Any, row: bool = False) -> str:
    """One step into a value as the DSL writes it: a field, or an entry whose key is a name,
    ``.status``; another key in brackets as JSON writes it, ``["#1"]``; a list's index ``[0]``.
    A table's ``row`` is read in brackets whatever its key.

    >>> key_step("status"), key_step("#W1"), key_step(0), key_step("usr_1", row=True)
    ('.status', '["#W1"]', '[0]', '["usr_1"]')
    """
    if isinstance(key, str):
        return f".{key}" if not row and _NAME.match(key) else f"[{_json_text(key)}]"
    return f"[{_brief(key, 0)}]"


def place(base: str, keys: Iterable[Any], row_at: int | None = None) -> str:
    """Where ``keys`` lead from the value the DSL text ``base`` reads, as the DSL writes it
    (:func:`key_step`). The key at position ``row_at`` is a table's row; by default the second
    key from ``db``, ``initial`` or ``gold`` and the first from one of their tables.

    >>> place("db", ["orders", "#1", "items", 0, "item_id"])
    'db.orders["#1"].items[0].item_id'
    >>> place("gold.users", ["usr_1", "payment_methods", "gift_1"])
    'gold.users["usr_1"].payment_methods.gift_1'
    >>> place("", ["user", "known", "order id"]), place("orders", ["u1", "total"], row_at=0)
    ('user.known["order id"]', 'orders["u1"].total')
    """
    if row_at is None:
        head, _, table = base.partition(".")
        row_at = -1 if head not in _DATABASES else 1 if not table else 0
        row_at = row_at if not table or _NAME.match(table) else -1
    text = base
    for depth, key in enumerate(keys):
        step = key_step(key, depth == row_at)
        text += step[1:] if not text and step.startswith(".") else step
    return text


#: How many differences a failure's reason names (the rest counted: "and 4 more places
#: differ"), and how many its ``values`` hold (with ``more``, how many besides).
SHOWN_DIFFERENCES = 3


KEPT_DIFFERENCES = 20


def _differences(
    left: Any, right: Any, limit: int
) -> tuple[list[tuple[tuple[Any, ...], Any, Any]], int]:
    """Where two values differ: (the keys that lead there, left, right), the first ``limit`` of
    them, and how many there are in all; an entry one side leaves out is :data:`_MISSING`
    there."""
    out: list[tuple[tuple[Any, ...], Any, Any]] = []
    count = 0

    def found(where: tuple[Any, ...], a: Any, b: Any) -> None:
        nonlocal count
        count += 1
        if len(out) < limit:
            out.append((where, a, b))

    def walk(a: Any, b: Any, where: tuple[Any, ...]) -> None:
        if a is b or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key, value in a.items():
                if key not in b:
                    found((*where, key), value, _MISSING)
                else:
                    other = b[key]
                    if value is other or value == other:  # most rows: shared or equal, no call
                        continue
                    walk(value, other, (*where, key))
            for key in b:
                if key not in a:
                    found((*where, key), _MISSING, b[key])
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, (*where, i))
        else:
            found(where, a, b)

    walk(left, right, ())
    return out, count


def diff(left: Any, right: Any, base: str = "", limit: int = SHOWN_DIFFERENCES) -> list[str]:
    """Where two values differ, as short sentences (the first ``limit``, then how many more),
    each place written from ``base``, the DSL text of the left value (:func:`place`).

    >>> diff({"orders": {"#1": {"status": "pending"}}}, {"orders": {"#1": {}}}, "db")
    ['db.orders["#1"].status is "pending", expected left out']
    >>> diff([], ["#1"], "[o.order_id for o in db.orders]")
    ['value is [], expected ["#1"]']
    >>> diff([1, 2, 3, 4, 5], [1, 0, 0, 0, 0], "xs", limit=2)
    ['xs[1] is 2, expected 0', 'xs[2] is 3, expected 0', 'and 2 more places differ']
    """
    out = []
    shown, count = _differences(left, right, limit)
    for keys, a, b in shown:
        # the two sides differ as a whole (lists of other lengths): the reason's statement
        # already writes the left side, "value" is it
        where = place(base, keys) if keys else "value"
        if b is _MISSING:
            out.append(f"{where} is {show(a)}, expected left out")
        elif a is _MISSING:
            out.append(f"{where} is left out, expected {show(b)}")
        else:
            out.append(f"{where} is {show(a)}, expected {show(b)}")
    if count > len(shown):
        more = count - len(shown)
        out.append(f"and {more} more place{'s differ' if more > 1 else ' differs'}")
    return out


def compare_values(left: Any, right: Any, base: str = "") -> dict[str, Any]:
    """A failed comparison's ``values``: its two sides as JSON values, or, where both are
    objects or lists that differ in places (``db == gold``), only the entries that differ (the
    first :data:`KEPT_DIFFERENCES`, and under ``more`` how many besides), each with its place
    written from ``base`` (:func:`place`) and the two sides (a side that leaves the entry out
    has no key).

    >>> compare_values(None, ["I1"])
    {'left': None, 'right': ['I1']}
    >>> compare_values({"o": {"status": "pending"}}, {"o": {"status": "cancelled"}}, "order")
    {'differences': [{'at': 'order.o.status', 'left': 'pending', 'right': 'cancelled'}]}
    """
    if isinstance(left, (dict, list)) and isinstance(right, (dict, list)):
        found_, count = _differences(left, right, KEPT_DIFFERENCES)
        if found_ and found_[0][0]:
            out = []
            for keys, a, b in found_:
                entry: dict[str, Any] = {"at": place(base, keys)}
                if a is not _MISSING:
                    entry["left"] = summarize(a)
                if b is not _MISSING:
                    entry["right"] = summarize(b)
                out.append(entry)
            more = {"more": count - len(out)} if count > len(out) else {}
            return {"differences": out, **more}
    return {"left": summarize(left), "right": summarize(right)}
