"""Infer a database schema (the ``tables`` of ``domain.yaml``) from a tau2-bench ``db.json``.

tau2 stores each table as a dict keyed by id. Types are read off the values of every row:

* text, booleans and numbers map to ``string``, ``bool``, ``int`` and ``float`` (ints and floats
  mixed in one field give ``float``);
* a field missing from some rows, or null in some, is ``optional``;
* a list is a ``list`` of its items' inferred type;
* dicts whose values share one type are a ``map`` of that type when their key sets differ across
  rows, when a key is not an identifier, or when every value holds its own key as a field
  (variants by item id, payment methods by id, options by name); other dicts are an ``object``
  whose fields are inferred in turn (optional where some rows lack them);
* a field named like another table's key whose values are all keys of that table gets a ``ref``.

>>> infer_type([{"a": 1}, {"b": 2}])
{'type': 'map', 'of': 'int'}
>>> infer_type([{"x": "a", "y": 1.5}, {"x": "b", "y": 2}])
{'type': 'object', 'fields': {'x': 'string', 'y': 'float'}}
"""

from __future__ import annotations

import re
from typing import Any

from eigendsl.errors import EigenError

_MISSING = object()
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "any"


def _short(spec: dict[str, Any]) -> dict[str, Any] | str:
    """``{"type": "string", "optional": True}`` written as ``string?`` (the spec's short form)."""
    if set(spec) <= {"type", "optional"}:
        return spec["type"] + ("?" if spec.get("optional") else "")
    return spec


def _kind(values: list[Any]) -> str:
    kinds = {_scalar(v) for v in values}
    if kinds == {"int", "float"}:
        return "float"
    return kinds.pop() if len(kinds) == 1 else "any"


def infer_type(values: list[Any], optional: bool = False) -> dict[str, Any] | str:
    """The field type (in ``domain.yaml`` form) that every value of ``values`` fits.

    ``None`` values and the :data:`_MISSING` marker make the type optional."""
    present = [v for v in values if v is not None and v is not _MISSING]
    optional = optional or len(present) < len(values)
    spec: dict[str, Any]
    kind = _kind(present) if present else "any"
    if kind == "list":
        items = [item for value in present for item in value]
        # no item to infer from: any, said so (compile warns of a list that says nothing)
        spec = {"type": "list", "items": infer_type(items) if items else "any"}
    elif kind == "dict":
        spec = _infer_dict(present)
    else:
        spec = {"type": kind}
    if optional:
        spec["optional"] = True
    return _short(spec)


def _keyed_by_id(row: dict[str, Any]) -> bool:
    """Every value is a dict holding its own key as a field (``variants[id].item_id == id``)."""
    return all(isinstance(v, dict) and k in v.values() for k, v in row.items())


def _infer_dict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    values = [v for row in rows for v in row.values()]
    shared = bool(values) and _kind([v for v in values if v is not None]) != "any"
    names_vary = len({frozenset(row) for row in rows}) > 1
    not_names = any(not _IDENT.match(str(k)) for row in rows for k in row)
    if shared and (names_vary or not_names or all(row and _keyed_by_id(row) for row in rows)):
        return {"type": "map", "of": infer_type(values)}
    return {"type": "object", "fields": infer_fields(rows)}


def infer_fields(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Field name → type over rows of one shape, in the order fields first appear."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: infer_type([row.get(name, _MISSING) for row in rows]) for name in names}


def table_key(name: str, rows: dict[str, Any], source: str = "db.json") -> str:
    """The field whose value is each row's key in the table dict (``order_id`` for orders);
    ``source`` (the file's path) names the file in errors."""
    candidates: list[str] | None = None
    for key, row in rows.items():
        if not isinstance(row, dict):
            raise EigenError(
                f"table '{name}' of {source} must map ids to rows (objects), "
                f"but the entry {key!r} is {type(row).__name__}"
            )
        matching = [field for field, value in row.items() if value == key]
        candidates = matching if candidates is None else [c for c in candidates if c in matching]
        if not candidates:
            break
    if not candidates:
        raise EigenError(
            f"table '{name}' of {source} has no field equal to each row's id in every row; "
            "cannot choose its key"
        )
    return candidates[0]


def infer_tables(db: dict[str, Any], source: str = "db.json") -> dict[str, Any]:
    """``database.tables`` of ``domain.yaml`` for a tau2 database: key and fields per table;
    ``source`` (the file's path) names the file in errors."""
    if not isinstance(db, dict) or not db:
        raise EigenError(f"{source} must be an object mapping table names to tables")
    tables: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for name, rows in db.items():
        if not isinstance(rows, dict):
            raise EigenError(
                f"table '{name}' of {source} must map ids to rows, not {type(rows).__name__}"
            )
        keys[name] = table_key(name, rows, source)
    for name, rows in db.items():
        fields = infer_fields(list(rows.values()))
        for field, spec in fields.items():
            target = next((t for t, k in keys.items() if k == field and t != name), None)
            if target is None or spec not in ("string", "string?"):
                continue
            values = [row.get(field) for row in rows.values()]
            if all(v is None or v in db[target] for v in values):
                fields[field] = {
                    "type": "string",
                    "ref": target,
                    **({"optional": True} if spec == "string?" else {}),
                }
        tables[name] = {"key": keys[name], "fields": fields}
    return tables


__all__ = ["infer_fields", "infer_tables", "infer_type", "table_key"]
