"""Replay tau2 retail actions on a plain-dict database and compare databases the way tau2 does.

tau2 decides its DB reward by replaying a task's gold ``actions`` on a fresh copy of ``db.json``
and comparing ``sha256(json.dumps(db.model_dump(), sort_keys=True, default=str))`` of that gold
database with the agent's. :func:`db_hash` computes the same digest from the dict form: it lays
each row out like tau2's pydantic models (unknown keys dropped, the optional order fields present
as ``None``) and keeps every value exactly as stored, ints as ints and floats as floats, since
tau2 assigns tool results without re-validating them.

Gold replay swallows failures like tau2 does: a failing action changes nothing and the replay
goes on; each failure is reported, marked ``mutating`` when it came from a write tool (tau2 then
treats the gold state as incomplete and does not certify a DB match).
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eigendsl.support import ToolError
from eigendsl.tau2.retail_tools import TOOLS, WRITES
from eigendsl.tau2.retail_views import (
    ADDRESS_FIELDS,
    FULFILLMENT_FIELDS,
    NAME_FIELDS,
    ORDER_FIELDS,
    ORDER_ITEM_FIELDS,
    ORDER_OPTIONAL_FIELDS,
    PAYMENT_FIELDS,
    PAYMENT_METHOD_FIELDS,
    PRODUCT_FIELDS,
    USER_FIELDS,
    VARIANT_FIELDS,
)

__all__ = [
    "canonical",
    "copy_db",
    "db_diff",
    "db_hash",
    "db_json",
    "load_db",
    "replay",
    "same_db",
]


def load_db(path: str | Path) -> dict[str, Any]:
    """Read a tau2 retail ``db.json`` into the dict form the tools work on."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of tables")
    return data


def copy_db(db: Mapping[str, Any]) -> dict[str, Any]:
    """A fully independent deep copy (marshal round trip: ~25 ms for tau2's retail DB, far less
    than ``copy.deepcopy``; falls back to pickle for values marshal cannot carry)."""
    enabled = gc.isenabled()
    gc.disable()  # the copy only allocates acyclic containers; collecting meanwhile is waste
    try:
        try:
            return marshal.loads(marshal.dumps(db))  # type: ignore[arg-type]
        except ValueError:
            return pickle.loads(pickle.dumps(db, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        if enabled:
            gc.enable()


def _pick(row: Any, fields: tuple[str, ...]) -> Any:
    if not isinstance(row, dict):
        return row
    return {name: row[name] for name in fields if name in row}


def _order(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    out = {name: row.get(name) for name in ORDER_OPTIONAL_FIELDS}
    out.update(_pick(row, ORDER_FIELDS))
    out["address"] = _pick(out.get("address"), ADDRESS_FIELDS)
    out["items"] = [_pick(it, ORDER_ITEM_FIELDS) for it in out.get("items") or []]
    out["fulfillments"] = [_pick(f, FULFILLMENT_FIELDS) for f in out.get("fulfillments") or []]
    out["payment_history"] = [_pick(p, PAYMENT_FIELDS) for p in out.get("payment_history") or []]
    return out


def _user(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    out = _pick(row, USER_FIELDS)
    out["name"] = _pick(out.get("name"), NAME_FIELDS)
    out["address"] = _pick(out.get("address"), ADDRESS_FIELDS)
    out["payment_methods"] = {
        key: _pick(m, PAYMENT_METHOD_FIELDS.get(str(m.get("source")), tuple(m)))
        if isinstance(m, dict)
        else m
        for key, m in (out.get("payment_methods") or {}).items()
    }
    return out


def _product(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    out = _pick(row, PRODUCT_FIELDS)
    out["variants"] = {k: _pick(v, VARIANT_FIELDS) for k, v in (out.get("variants") or {}).items()}
    return out


def canonical(db: Mapping[str, Any]) -> dict[str, Any]:
    """The database as tau2's ``RetailDB.model_dump()`` would give it (shares leaf values)."""
    return {
        "products": {k: _product(v) for k, v in (db.get("products") or {}).items()},
        "users": {k: _user(v) for k, v in (db.get("users") or {}).items()},
        "orders": {k: _order(v) for k, v in (db.get("orders") or {}).items()},
    }


_SHAPERS = {"orders": _order, "products": _product, "users": _user}

# (table, key) -> (marshal bytes of the row last seen there, JSON text of its canonical form).
# Equal bytes mean an equal row, types included, so its text can be reused; anything else is
# simply recomputed. This makes hashing many replays of one DB several times faster.
_FRAGMENTS: dict[tuple[str, Any], tuple[bytes, str]] = {}


def _fragment(table: str, key: str, row: Any) -> str:
    try:
        raw = marshal.dumps(row)
    except ValueError:
        return json.dumps(_SHAPERS[table](row), sort_keys=True, default=str)
    cached = _FRAGMENTS.get((table, key))
    if cached is not None and cached[0] == raw:
        return cached[1]
    text = json.dumps(_SHAPERS[table](row), sort_keys=True, default=str)
    _FRAGMENTS[(table, key)] = (raw, text)
    return text


def db_json(db: Mapping[str, Any]) -> str:
    """``json.dumps(canonical(db), sort_keys=True, default=str)``, assembled row by row."""
    parts = []
    for table in ("orders", "products", "users"):  # sorted, as sort_keys would order them
        rows = db.get(table) or {}
        if not all(isinstance(k, str) for k in rows):
            return json.dumps(canonical(db), sort_keys=True, default=str)
        body = ", ".join(
            f"{json.dumps(key)}: {_fragment(table, key, rows[key])}" for key in sorted(rows)
        )
        parts.append(f'"{table}": {{{body}}}')
    return "{" + ", ".join(parts) + "}"


def db_hash(db: Mapping[str, Any]) -> str:
    """tau2's DB digest: sha256 of the sorted-key JSON of the model dump."""
    return hashlib.sha256(db_json(db).encode()).hexdigest()


def same_db(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether tau2 would call the two databases a match."""
    return db_hash(a) == db_hash(b)


def db_diff(a: Mapping[str, Any], b: Mapping[str, Any], limit: int = 20) -> list[str]:
    """Human-readable paths where the canonical forms of two databases differ (for debugging)."""
    out: list[str] = []

    def identical(x: Any, y: Any) -> bool:
        # cheap exact test: equal and byte-identical when marshalled (so no 1 vs 1.0 slips by)
        try:
            return bool(x == y) and marshal.dumps(x) == marshal.dumps(y)
        except ValueError:
            return False

    def walk(x: Any, y: Any, path: str) -> None:
        if len(out) >= limit or identical(x, y):
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(set(x) | set(y), key=str):
                if key not in x:
                    out.append(f"{path}/{key}: missing on the left")
                elif key not in y:
                    out.append(f"{path}/{key}: missing on the right")
                else:
                    walk(x[key], y[key], f"{path}/{key}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=False)):
                walk(u, v, f"{path}[{i}]")
        elif json.dumps(x, default=str) != json.dumps(y, default=str):
            out.append(f"{path}: {x!r} != {y!r}")

    walk(canonical(a), canonical(b), "")
    return out


def replay(
    db: Mapping[str, Any],
    actions: Iterable[Mapping[str, Any]],
    *,
    tools: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Apply ``actions`` (dicts with ``name`` and ``arguments``) in order to a copy of ``db``.

    Returns the new database and one record per failed action: ``index``, ``action_id``,
    ``name``, ``arguments``, ``error`` (tau2's message) and ``mutating`` (a write tool failed,
    so tau2 would consider the gold state incomplete). ``db`` itself is never modified.
    """
    registry = TOOLS if tools is None else tools
    state = copy_db(db)
    errors: list[dict[str, Any]] = []
    for index, action in enumerate(actions):
        name = str(action.get("name"))
        arguments = action.get("arguments") or {}
        try:
            if action.get("requestor", "assistant") == "user":
                raise ToolError("User tools not available")
            if name not in registry:
                raise ToolError(f"Tool '{name}' not found.")
            registry[name](state, **arguments)
        except ToolError as exc:
            errors.append(
                {
                    "index": index,
                    "action_id": action.get("action_id"),
                    "name": name,
                    "arguments": dict(arguments),
                    "error": str(exc),
                    "mutating": name in WRITES or name not in registry,
                }
            )
    return state, errors
