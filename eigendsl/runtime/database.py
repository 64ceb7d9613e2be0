"""Copy-on-write databases: an episode shares the seed's rows until a tool changes one.

The database is ``table -> key -> row`` (plain dicts). An episode starts from a shallow copy of
the table map (cheap: one dict per table, no row copied). A write tool runs against a
:class:`Staged` view that copies each row it touches; when the tool succeeds, the changed rows
are committed by replacing that table's dict with a new one, so the seed and other episodes
never see the change. When the tool fails, the staged copies are dropped: the database is
exactly as it was. Rows that no tool touched stay the same objects, which keeps ``db == gold``
comparisons fast.

>>> seed = {"orders": {"#1": {"status": "pending"}}}
>>> db = fresh(seed)
>>> view = Staged(db)
>>> view["orders"]["#1"]["status"] = "cancelled"
>>> view.commit()
>>> db["orders"]["#1"]["status"], seed["orders"]["#1"]["status"]
('cancelled', 'pending')
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, MutableMapping
from typing import Any

DELETED = object()  # a removed row among a table's changes


def plain_copy(value: Any) -> Any:
    """A deep copy of a row: its dicts and lists copied, the rest shared (a row holds JSON's
    values; a tuple, immutable, is shared too). Several times faster than ``copy.deepcopy``,
    which a tool's every row read would pay."""
    if isinstance(value, dict):
        return {k: plain_copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return copy.deepcopy(value) if isinstance(value, (set, bytearray)) else value


def fresh(seed: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A new episode database over ``seed`` (shares every row until it changes)."""
    return dict(seed)


class StagedTable(MutableMapping):
    """One table of a :class:`Staged` view: reads copy rows on first access, writes stay local."""

    def __init__(self, base: dict[str, Any]):
        self.base = base
        self.changes: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.changes:
            value = self.changes[key]
            if value is DELETED:
                raise KeyError(key)
            return value
        value = plain_copy(self.base[key])
        self.changes[key] = value
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.changes[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.changes[key] = DELETED

    def __contains__(self, key: object) -> bool:
        if key in self.changes:
            return self.changes[key] is not DELETED  # type: ignore[index]
        return key in self.base

    def __iter__(self) -> Iterator[str]:
        for key in self.base:
            if self.changes.get(key) is not DELETED:
                yield key
        for key, value in self.changes.items():
            if key not in self.base and value is not DELETED:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def changed(self) -> dict[str, Any]:
        """The rows that differ from the base (``DELETED`` for a removed one), not those only
        read."""
        base = self.base
        return {k: v for k, v in self.changes.items() if base.get(k, DELETED) != v}

    def merged(self, changed: dict[str, Any] | None = None) -> dict[str, Any]:
        table = dict(self.base)
        for key, value in (self.changed() if changed is None else changed).items():
            if value is DELETED:
                table.pop(key, None)
            else:
                table[key] = value
        return table


class Staged(MutableMapping):
    """A write tool's view of an episode database; :meth:`commit` applies its changes."""

    def __init__(self, db: dict[str, dict[str, Any]]):
        self.db = db
        self.tables: dict[str, StagedTable] = {}

    def __getitem__(self, name: str) -> StagedTable:
        if name not in self.tables:
            self.tables[name] = StagedTable(self.db[name])
        return self.tables[name]

    def __setitem__(self, name: str, value: Any) -> None:
        raise TypeError("tools may change rows, not replace whole tables")

    def __delitem__(self, name: str) -> None:
        raise TypeError("tools may change rows, not delete whole tables")

    def __contains__(self, name: object) -> bool:
        return name in self.db

    def __iter__(self) -> Iterator[str]:
        return iter(self.db)

    def __len__(self) -> int:
        return len(self.db)

    def changed(self) -> dict[str, dict[str, Any]]:
        """``table -> key -> row`` of the rows the tool changed, added (or ``DELETED``)."""
        out = {}
        for name, table in self.tables.items():
            if rows := table.changed():
                out[name] = rows
        return out

    def commit(self, changed: dict[str, dict[str, Any]] | None = None) -> None:
        """Apply the changes (``changed``, when the caller has already computed them)."""
        for name, rows in (self.changed() if changed is None else changed).items():
            self.db[name] = self.tables[name].merged(rows)
