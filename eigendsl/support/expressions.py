"""The helpers a verifier's expressions call: a row, entry or field read with a
sentence where it is missing, membership, ``first``/``last`` and what they found, a ``let``
whose expression raised, ``min``/``max`` of a list, and a declarative tool's row update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eigendsl.support.errors import EvalError, NothingFound
from eigendsl.support.numerals import normalize_text
from eigendsl.support.places import named


def row(table: Any, key: Any, name: str) -> Any:
    """``db.<table>[key]`` with a sentence when the row does not exist."""
    try:
        return table[key]
    except (KeyError, TypeError):
        null = " (the key read is null: an optional field, say, that has no value)"
        raise EvalError(
            f"{name} has no row with key {named(key)}{null if key is None else ''}"
        ) from None


def item(value: Any, key: Any) -> Any:
    """``value[key]`` on lists, maps and objects, with a sentence when it is missing."""
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        raise EvalError(f"{named(value)} has no entry {named(key)}") from None


def field_of(value: Any, name: str) -> Any:
    """``value.name`` with a sentence when the field is missing or the value is null."""
    try:
        return value[name]
    except (KeyError, TypeError, IndexError):
        if value is None:
            raise EvalError(f"cannot read '.{name}' of null") from None
        raise EvalError(f"{named(value)} has no field '{name}'") from None


def optional_field(value: Any, name: str) -> Any:
    """``value.name`` of a field the schema makes optional ("may be missing or null"): null
    where the row leaves it out; read from null or from a list, the error a field's read gives.

    >>> optional_field({"promo_code": "X"}, "promo_code"), optional_field({}, "promo_code")
    ('X', None)
    """
    if isinstance(value, dict):
        return value.get(name)
    return value[name]


def elements(collection: Any) -> Any:
    """What a quantifier iterates: a list's items, or a table's or map's values (a write tool's
    staged table is a Mapping, not a dict)."""
    if isinstance(collection, Mapping):
        return collection.values()
    if collection is None:
        return ()
    return collection


def contains(container: Any, part: Any) -> bool:
    """``a contains b``: case-insensitive substring for text, membership otherwise."""
    if isinstance(container, str):
        return normalize_text(part) in normalize_text(container)
    if isinstance(container, Mapping):
        return part in container or part in container.values()
    return part in container


def member(value: Any, container: Any) -> bool:
    """``a in b``: membership in a list, a table's keys, or a substring of text."""
    if isinstance(container, str):
        return str(value) in container
    if container is None:
        return False
    return value in container


def first(items: Any) -> Any:
    for value in items:
        return value
    return None


def last(items: Any) -> Any:
    result = None
    for value in items:
        result = value
    return result


def found(value: Any, what: str, items: Any = None, condition: str = "") -> Any:
    """``first(...)`` or ``last(...)`` whose field or entry is read: the value, or an
    :class:`NothingFound` that says why it found nothing: ``items`` (the collection, where it is
    ``calls``, ``messages`` or a table) has none ("the agent made no tool call"), or no
    ``what`` (``guests row``, ``element of calls``) matches ``condition`` (its ``where``).

    >>> found(None, "element of calls", [])
    Traceback (most recent call last):
    ...
    eigendsl.support.errors.NothingFound: the agent made no tool call
    """
    if value is None:
        if items is not None and not items:
            raise NothingFound(none_in(what))
        raise NothingFound(f"no {what} matches" + (f" {condition}" if condition else ""))
    return value


def none_in(what: str) -> str:
    """That a collection (``element of calls``, ``guests row``) is empty, in words."""
    if what == "element of calls":
        return "the agent made no tool call"
    if what == "element of messages":
        return "the dialogue has no messages"
    if what.endswith(" row"):
        return f"the {what[: -len(' row')]} table has no rows"
    return f"{what.removeprefix('element of ')} is empty"


class FailedLet:
    """The value of a ``let`` whose expression raised: each statement that reads it raises the
    same error, as the expression written there would (a guard refuses with an
    :class:`EvalError`'s sentence, a check's statement fails with it), and one that does not
    read it is not affected."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def let_failed(error: BaseException) -> FailedLet:
    return FailedLet(error)


def let_value(value: Any) -> Any:
    """A let's value where a statement reads it: the error of its expression raised again.

    >>> let_value(3)
    3
    >>> let_value(let_failed(EvalError("orders has no row with key '#9'")))
    Traceback (most recent call last):
    ...
    eigendsl.support.errors.EvalError: orders has no row with key '#9'
    """
    if type(value) is FailedLet:
        raise value.error.with_traceback(None)
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError(f"{named(value)} is not a number")
    return value


def least(values: Any) -> Any:
    """``min(list)``: the smallest of a list's numbers, or its earliest date or time.

    >>> least([3, 1.5, 2]), least(["2025-06-10", "2025-01-31"])
    (1.5, '2025-01-31')
    """
    return _extreme(min, values)


def greatest(values: Any) -> Any:
    """``max(list)``: the greatest of a list's numbers, or its latest date or time."""
    return _extreme(max, values)


def _extreme(pick: Any, values: Any) -> Any:
    """What ``pick`` (min or max) takes from ``values``: an empty list has no such value, and
    null, or a mix of numbers and text, compares with nothing."""
    items = list(elements(values))
    if not items:
        raise EvalError(f"{pick.__name__}() of an empty list has no value")
    texts = [isinstance(v, str) for v in items]
    if not all(texts) and not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in items
    ):
        raise EvalError(
            f"{pick.__name__}() compares numbers, or dates, but {named(items)} holds others"
        )
    return pick(items)


def update(db: Any, table: str, key: Any, changes: dict[str, Any]) -> None:
    """Replace one row by a copy with ``changes`` applied (rows are never mutated in place).

    A change to null leaves the field out: only an optional field takes null (compile refuses
    it elsewhere), and the DSL reads an optional field left out as null, so the row is then the
    same as a seed row that never had it (``db == initial`` holds after a value is set and
    cleared again).

    >>> db = {"lines": {"L1": {"status": "active"}}}
    >>> update(db, "lines", "L1", {"reason": "travel"}); update(db, "lines", "L1", {"reason": None})
    >>> db
    {'lines': {'L1': {'status': 'active'}}}
    """
    rows = db[table]
    current = row(rows, key, table)
    new = dict(current)
    new.update(changes)
    for name, value in changes.items():
        if value is None:
            del new[name]
    rows[key] = new
