"""What a write tool writes, checked against the table schemas ``db.json`` records.

Seed data and a model's arguments are checked when they enter; a write tool's rows are checked
here, when the tool returns (a Python tool's, and a declared one's, whose ``set`` values come
from the arguments: a text parameter written to a date, enum or reference field): only the rows
it changed or added (a staged write knows them), so the check costs a walk over a few rows per
write call. A problem is one sentence that
names the tool, the row, the field and what is wrong with it; each field's is told, and the
write is then not applied. It quotes as the other faults of tools do: names in double quotes,
keys and values as JSON (a Python object JSON has no text for, as Python writes it).

>>> schema = {"orders": {"key": "id", "fields": {"id": {"type": "string"},
...                                              "total": {"type": "int"}}}}
>>> write_problems("refund", {"orders": {"#1": {"id": "#1", "total": "4"}}}, schema, {}, {})
['tool "refund" wrote orders["#1"].total = "4" (a string), but the field is int; store an int']
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from typing import Any

from eigendsl import support as rt
from eigendsl.field_values import PY_TYPES
from eigendsl.runtime.compiled import CompiledFiles
from eigendsl.runtime.database import DELETED, StagedTable

_DAYS: set[str] = set()  # dates found well written already
_A = {"int": "an int", "enum": "a string", "object": "a mapping", "map": "a mapping"}
_KINDS = {str: "a string", int: "an int", float: "a float", bool: "a bool", list: "a list"}
_KINDS |= {dict: "a mapping", tuple: "a tuple", set: "a set"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), f"a Python {type(value).__name__} object")


#: How a value or a name is written in a problem: ``say`` of :func:`value_problem`.
Say = Callable[[Any], str]


def value_problem(
    value: Any, field: dict[str, Any], tables: Mapping[str, Any], say: Say = rt.show
) -> str | None:
    """None when ``value`` fits ``field``, else the rest of a sentence that starts with the
    place written (``orders["#1"].total``); nested places come first (``.items[0]``). Values,
    keys and table names are written by ``say``: as JSON (a tool's fault), or ``repr`` (what
    the model reads, in single quotes as refusals are)."""
    kind = field.get("type", "any")
    if value is None:
        if field.get("optional"):
            return None
        return f" = {say(None)}, but the field is not optional; store a value, or mark it optional"
    if isinstance(value, float) and not math.isfinite(value):
        return f" = {say(value)}, which JSON cannot write; store a finite number (or None)"
    if kind == "any":
        return None
    allowed = PY_TYPES.get(kind)
    if allowed is None:
        return None
    if kind == "date" and isinstance(value, datetime.date):
        return (
            f" = {say(value)}, a Python date object, but the database holds a date as text written "
            "YYYY-MM-DD; store day.isoformat()"
        )
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return None  # one number to JSON (and to ==): a sum of money paid back whole, 10.0
    if not isinstance(value, allowed) or (isinstance(value, bool) and kind in ("int", "float")):
        wanted = _A.get(kind, f"a {kind}")
        return f" = {say(value)} ({_kind(value)}), but the field is {kind}; store {wanted}"
    if kind == "date" and value not in _DAYS:
        if (problem := rt.date_problem(value)) is not None:
            return f" = {say(value)}, which is not a day written YYYY-MM-DD ({problem})"
        if len(_DAYS) < 4096:  # episodes write the same few days again and again
            _DAYS.add(value)
    if kind == "time" and (problem := rt.time_problem(value)) is not None:
        return (  # the problem says the value: "'9:30' is not a time written HH:MM (...)"
            f" = {say(value)}, which is not{problem.split(' is not', 1)[1]}; store a time of day "
            "as text, such as f'{hour:02d}:{minute:02d}' or time.strftime('%H:%M')"
        )
    if kind == "enum" and value not in field.get("values", ()):
        return f" = {say(value)}, which is not one of {', '.join(field.get('values', ()))}"
    ref = field.get("ref")
    if ref is not None and ref in tables and value not in tables[ref]:
        return f" = {say(value)}, which is not a key of {say(ref)}"
    if kind == "list" and "items" in field:
        for i, item in enumerate(value):
            if (problem := value_problem(item, field["items"], tables, say)) is not None:
                return f"[{i}]{problem}"
    elif kind == "object" and "fields" in field:
        return fields_problem(value, field["fields"], tables, say)
    elif kind == "map" and "of" in field:
        for key, item in value.items():
            if (problem := value_problem(item, field["of"], tables, say)) is not None:
                return f"[{say(key)}]{problem}"
    return None


def fields_problems(
    row: dict[str, Any],
    fields: dict[str, Any],
    tables: Mapping[str, Any],
    old: dict[str, Any] | None = None,
    say: Say = rt.show,
) -> list[str]:
    """The problems of a mapping with named ``fields`` (a row, or an object value), one a field;
    a field equal to its value in ``old`` (the row before the write) was checked already."""
    problems = []
    for name, value in row.items():
        if old is not None and name in old and old[name] == value:
            continue  # a comparison in C, cheaper than walking the value again
        field = fields.get(name)
        if field is None:
            problems.append(
                f".{name}, which the table has no field for; declare the field in "
                "domain.yaml, or do not write it"
            )
        elif (problem := value_problem(value, field, tables, say)) is not None:
            problems.append(f".{name}{problem}")
    for name, field in fields.items():
        if name not in row and not field.get("optional"):
            problems.append(f" without its field {say(name)}, which is not optional; set it")
    return problems


def fields_problem(
    row: dict[str, Any], fields: dict[str, Any], tables: Mapping[str, Any], say: Say = rt.show
) -> str | None:
    """The first of :func:`fields_problems` (an object value nested in a field)."""
    return next(iter(fields_problems(row, fields, tables, say=say)), None)


#: The most problems one write reports: each is a bug of its own, and the same field of many rows
#: is one bug (a tool that writes every row wrong is told so without a sentence a row).
MAX_PROBLEMS = 20


def write_problems(
    tool: str,
    changed: dict[str, dict[str, Any]],
    schemas: dict[str, Any],
    tables: Mapping[str, Any],
    before: dict[str, dict[str, Any]],
) -> list[str]:
    """The problems of the rows a write tool changed (``table -> key -> row``; of a row that is
    ``DELETED``, the rows left referring to it), a sentence each (at most :data:`MAX_PROBLEMS`);
    none when all fit.

    ``tables`` is the database as the tool left it, where references are looked up; ``before``
    as it was, whose field values are not checked again."""
    problems: list[str] = []
    for table, rows in changed.items():
        schema = schemas.get(table)
        if schema is None:
            continue
        key_field, fields = schema["key"], schema["fields"]
        for key, row in rows.items():
            if len(problems) >= MAX_PROBLEMS:
                return problems[:MAX_PROBLEMS]
            if row is DELETED:
                problems += _dangling(tool, table, key, schemas, tables)
                continue
            where = f"tool {rt.show(tool)} wrote {table}[{rt.show(key)}]"
            if not isinstance(row, dict):
                problems.append(
                    f"{where} = {_kind(row)}, but a row is a mapping of fields; store a dict"
                )
                continue
            old = before.get(table, {}).get(key)
            problems += [where + p for p in fields_problems(row, fields, tables, old)]
            if row.get(key_field) != key:
                problems.append(
                    f"{where} with {key_field} {rt.show(row.get(key_field))}; a row's key must "
                    f"equal its {rt.show(key_field)} field"
                )
    return problems[:MAX_PROBLEMS]


def as_stored(
    changed: dict[str, dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """``changed`` as the database keeps it: each optional field a row holds as None left out,
    and each whole-number float in an int field an int.

    A declared tool's ``set`` of null leaves the field out (:func:`eigendsl.support.update`), and
    compile leaves out a seed row's null: the DSL reads both as null, and ``db == gold`` then
    compares a Python tool's ``row["reason"] = None`` and a row that never had the field alike.
    A sum paid back whole (``10.0``) is the int the field holds, in the episode files and in
    what later reads give the model. (A field that is not optional takes no None, and an int
    field no other float: :func:`write_problems` refuses those writes.)

    >>> schemas = {"t": {"key": "id", "fields": {"id": {}, "why": {"optional": True},
    ...                                         "n": {"type": "int"}}}}
    >>> as_stored({"t": {"1": {"id": "1", "why": None, "n": 10.0}}}, schemas)
    {'t': {'1': {'id': '1', 'n': 10}}}
    """

    def stored(row: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in row.items():
            field = fields.get(name, {})
            if value is None and field.get("optional"):
                continue
            if isinstance(value, float) and field.get("type") == "int" and value.is_integer():
                value = int(value)
            out[name] = value
        return out

    return {
        table: {
            key: row
            if row is DELETED or not isinstance(row, dict)
            else stored(row, schemas.get(table, {}).get("fields", {}))
            for key, row in rows.items()
        }
        for table, rows in changed.items()
    }


def argument_refusal(
    args: dict[str, Any],
    changed: dict[str, dict[str, Any]],
    schemas: dict[str, Any],
    tables: Mapping[str, Any],
    before: dict[str, dict[str, Any]],
) -> str | None:
    """What the model reads of a declared tool's bad write whose value is one of the call's
    arguments, said of that argument (``sim_id is 'S-999', which is not a key of 'sims'``,
    in single quotes as a guard's refusal):
    the spec's fault, a guard it lacks, is recorded all the same, but the model asked for a
    row that is not there, and "internal error in the tool" told it the tool was broken. None
    where the bad value is no argument's (a computed one: the tool's fault alone)."""
    for table, rows in changed.items():
        fields = schemas.get(table, {}).get("fields", {})
        for key, row in rows.items():
            if not isinstance(row, dict):
                continue
            old = before.get(table, {}).get(key) or {}
            for name, value in row.items():
                if name not in fields or (name in old and old[name] == value):
                    continue
                problem = value_problem(value, fields[name], tables, repr)
                written = f" = {value!r},"
                if problem is None or not problem.startswith(written):
                    continue
                arg = next((a for a, v in args.items() if _same_value(v, value)), None)
                if arg is None:
                    return None
                return f"{arg} is {value!r},{problem[len(written) :]}; the database is unchanged"
    return None


def _same_value(a: Any, b: Any) -> bool:
    """Equal and of one kind: an argument 1 is not the value True, nor 1.0."""
    return type(a) is type(b) and a == b


def _dangling(
    tool: str, table: str, key: str, schemas: dict[str, Any], tables: Mapping[str, Any]
) -> list[str]:
    """The rows left referring to a row a tool deleted (by a field's ``ref``, top-level fields
    only: a delete is rare, and this walk of the referring tables is paid only then)."""
    out = []
    for other, schema in schemas.items():
        for name, field in schema["fields"].items():
            if field.get("ref") != table or other not in tables:
                continue
            rows = tables[other]
            rows = rows.merged() if isinstance(rows, StagedTable) else rows  # no row copied
            holder = next(
                (k for k, r in rows.items() if isinstance(r, dict) and r.get(name) == key), None
            )
            if holder is not None:
                out.append(
                    f"tool {rt.show(tool)} deleted {table}[{rt.show(key)}], which "
                    f"{other}[{rt.show(holder)}].{name} "
                    "refers to; delete or change the rows that refer to it too, or keep it"
                )
    return out


def read_schemas(compiled: CompiledFiles, given: Any) -> dict[str, Any]:
    """``db.json``'s table schemas, each a key field and a mapping of field types (none in a
    folder compiled before they were recorded: nothing is checked then)."""
    rel = "db.json"
    schemas = compiled.need(rel, given, dict, "'schema'")
    for table, schema in schemas.items():
        owner = f"the schema of table '{table}'"
        compiled.need(rel, schema, dict, owner)
        compiled.field(rel, schema, "key", str, owner)
        compiled.field(rel, schema, "fields", dict, owner)
    return schemas
