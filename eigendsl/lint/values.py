"""Plausible argument values from the seed data: what a mutation may put in place of a gold
argument, and what the guard analysis tries.

A value's *related* values come first: another key of the same table whose row shares a
reference with the original row (another order of the same customer), or another value from
the same container (another variant of the same product, another item of the same order).
Such mistakes pass more guards, so they test a check harder than an arbitrary value.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest
from typing import Any

from eigendsl import support as rt
from eigendsl.spec import DomainSpec

Group = tuple[str, ...]


class ValueIndex:
    """Scalar values of the seed by field name, with the containers they sit in.

    A value's group is the collection it is an element of plus its field name: the
    ``item_id`` of every item of one order form one group, so do the item ids of one product's
    variants, and so do the keys of one customer's ``payment_methods`` map.
    """

    def __init__(
        self,
        spec: DomainSpec,
        seed: dict[str, dict[str, Any]],
        tasks: Iterable[dict[str, Any]] = (),
    ):
        self.spec = spec
        self.seed = seed
        self.by_field: dict[str, list[Any]] = {}
        self.groups: dict[Group, list[Any]] = {}
        self.groups_of: dict[tuple[str, Any], list[Group]] = {}
        for table, rows in seed.items():
            for key, row in rows.items():
                self._walk(row, (table, str(key)), True)
        # the tasks' gold arguments by name: the other values of an argument no table stores
        # (a cancellation's reason)
        self.by_argument: dict[str, list[Any]] = {}
        for task in tasks:
            for step in task.get("gold", []):
                for name, value in (step.get("args") or {}).items():
                    values = self.by_argument.setdefault(str(name), [])
                    if _scalar(value) and value not in values:
                        values.append(value)

    def _note(self, name: str, value: Any, group: Group) -> None:
        values = self.by_field.setdefault(name, [])
        if value not in values:
            values.append(value)
        members = self.groups.setdefault(group, [])
        if value not in members:
            members.append(value)
            self.groups_of.setdefault((name, _hashable(value)), []).append(group)

    def _walk(self, value: Any, path: Group, element: bool) -> None:
        if isinstance(value, dict):
            base = path[:-1] if element else path
            is_map = bool(value) and all(isinstance(v, dict) for v in value.values())
            for name, item in value.items():
                if _scalar(item):
                    self._note(str(name), item, (*base, str(name)))
                elif isinstance(item, dict):
                    if item and all(isinstance(v, dict) for v in item.values()):
                        for key in item:  # a map's keys are values too (payment method ids)
                            self._note(str(name), key, (*path, str(name)))
                    self._walk(item, (*path, str(name)), is_map)
                elif isinstance(item, list):
                    self._walk(item, (*path, str(name)), False)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if _scalar(item):
                    self._note(path[-1], item, path)
                else:
                    self._walk(item, (*path, str(i)), True)

    # ------------------------------------------------------------------ look-ups

    def table_of_key(self, value: Any) -> str | None:
        for table, rows in self.seed.items():
            if isinstance(value, str) and value in rows and len(rows) > 1:
                return table
        return None

    def other_keys(self, table: str, key: str) -> list[str]:
        """Other keys of ``table``: rows sharing a reference with ``key``'s row first."""
        rows = self.seed[table]
        fields = (
            self.spec.database.tables[table].fields if table in self.spec.database.tables else {}
        )
        refs = [f for f, t in fields.items() if t.ref]
        row = rows.get(key, {})
        related = [
            k for k, r in rows.items() if k != key and any(r.get(f) == row.get(f) for f in refs)
        ]
        rest = _rotate([k for k in rows if k != key and k not in related], key)
        return [*related, *rest]

    def field_values(self, name: str, value: Any) -> list[Any]:
        """Other values seen under field ``name`` (or a related name), related values first; where
        the seed has none, the other values the tasks' gold plans give argument ``name``."""
        lists: list[list[Any]] = []
        rest: list[Any] = []
        for candidate in field_names(name):
            for group in self.groups_of.get((candidate, _hashable(value)), []):
                if len(group) > 2:  # (table, field) is a whole column, not a relation
                    lists.append([v for v in self.groups[group] if v != value])
            if not rest and self.by_field.get(candidate):
                rest = [
                    v for v in self.by_field[candidate] if v != value and type(v) is type(value)
                ]
        related: list[Any] = []
        for round_ in zip_longest(*lists):  # one from each group in turn
            related += [v for v in round_ if v is not None and v not in related]
        if not related and not rest:  # the seed has none: the tasks' values for the argument
            rest = [
                v for v in self.by_argument.get(name, []) if v != value and type(v) is type(value)
            ]
        return [*related, *_rotate([v for v in rest if v not in related], value)]


def field_names(name: str) -> list[str]:
    """Names a value of argument ``name`` may be stored under in the seed.

    >>> field_names("new_item_ids")
    ['new_item_ids', 'new_item_id', 'new_items', 'new_item', 'item_id', 'items', 'item']
    """
    singular = name[:-1] if name.endswith("s") else name
    parts = singular.split("_")
    out: list[str] = [name]
    for i in range(len(parts) - 1):
        base = "_".join(parts[i:])
        out += [base] if i else ([singular] if singular != name else [])
        if base.endswith("_id"):
            out += [base[:-3] + "s", base[:-3]]
    return list(dict.fromkeys(out))


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _rotate(values: list[Any], start: Any) -> list[Any]:
    """A deterministic order that does not always begin with the same values."""
    ordered = sorted(values, key=str)
    pivot = sum(map(ord, str(start))) % len(ordered) if ordered else 0
    return ordered[pivot:] + ordered[:pivot]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)


def alternatives(
    index: ValueIndex, schema: dict[str, Any], name: str, value: Any, limit: int = 4
) -> list[Any]:
    """Other valid values for argument ``name`` (JSON schema ``schema``) currently ``value``."""
    if isinstance(value, bool):
        return [not value]
    if "enum" in schema:
        return [v for v in schema["enum"] if v != value][:limit]
    if schema.get("format") == "date" and rt.date_problem(value) is None:
        return [rt.add_days(value, 1), rt.add_days(value, -1)]  # the days either side
    if schema.get("pattern") == rt.TIME_PATTERN and rt.time_problem(value) is None:
        # half an hour either side, those of the same day (no 24:15 after 23:45)
        minutes = rt.minutes_of(value)
        return [rt.add_minutes(value, n) for n in (30, -30) if 0 <= minutes + n < 24 * 60]
    if isinstance(value, (int, float)):
        nearby = [value + 1, value - 1] if value - 1 >= 0 else [value + 1]
        return [round(v, 2) if isinstance(v, float) else v for v in nearby]
    if isinstance(value, str):
        table = index.table_of_key(value)
        if table is not None:
            return index.other_keys(table, value)[:limit]
        return index.field_values(name, value)[:limit]
    if isinstance(value, list) and value:
        element = schema.get("items", {})
        out: list[Any] = []
        last = value[-1]
        for other in alternatives(index, element, name, last, limit):
            if other not in value:
                out.append([*value[:-1], other])
        if len(value) > 1:
            out.append(value[:-1])
        extra = [
            v
            for v in alternatives(index, element, name, last, limit + len(value))
            if v not in value
        ]
        if extra:
            out.append([*value, extra[0]])
        return out[: limit + 1]
    return []
