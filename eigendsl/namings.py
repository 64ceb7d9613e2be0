"""How a tool parameter's id may be named in words (``named_by``): the table, the records
within its rows and the fields it names must exist, each a compile error at its place in
``domain.yaml`` with a did-you-mean; and the compiled form of each tool's namings, which
``tools.json`` carries for the verifiers' ``confirmed`` and the scripted user
(:mod:`eigendsl.support.naming`)."""

from __future__ import annotations

from typing import Any

from eigendsl.errors import Diagnostics, Span
from eigendsl.loader import LoadedSpec
from eigendsl.spec import DomainSpec, FieldType, Naming, Param
from eigendsl.yaml_places import locate


def check_namings(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """Each ``named_by`` of a tool's parameter names a table, a field of its rows that holds
    records (a list or a map of objects), a key and naming fields of those records (or of their
    row), on a parameter that holds an id or a list of ids."""
    at_file = Span(loaded.display("domain.yaml"), 1, 1)
    for tool_name, tool in loaded.spec.tools.items():
        for p_name, param in tool.params.items():
            path = ["tools", tool_name, "params", p_name, "named_by"]
            for loc, message in _problems(loaded.spec, param, diag):
                diag.error(
                    locate(loaded.raw, [*path, *loc], at_file, value=True),
                    f"'named_by' of parameter '{p_name}' of tool '{tool_name}' {message}",
                )


# A problem of a naming: where it is under ``named_by`` (its key, and an index in a list) and
# what it is.
Problem = tuple[tuple[Any, ...], str]


def _problems(spec: DomainSpec, param: Param, diag: Diagnostics) -> list[Problem]:
    naming = param.named_by
    if naming is None:
        return []
    found: list[Problem] = []
    if not _holds_ids(param):
        article = "an" if str(param.type)[:1] in "aeiou" else "a"
        found.append(
            (
                ("table",),
                f"is on {article} {param.type}: only a string (an id) or a list of strings (ids) "
                "is named by a record's fields; remove 'named_by'",
            )
        )
    table = spec.database.tables.get(naming.table)
    if table is None:
        tables = spec.database.tables
        hint = diag.did_you_mean("table", naming.table, tables)
        return [*found, (("table",), f"names unknown table '{naming.table}'{hint}")]
    row = records = table.fields
    if naming.within is not None:
        held = row.get(naming.within)
        inner = _records(held)
        of = f"field '{naming.within}' of table '{naming.table}'"
        if held is None:
            hint = diag.did_you_mean("field", naming.within, row)
            return [*found, (("within",), f"names unknown {of}{hint}")]
        if inner is None:
            return [
                *found,
                (
                    ("within",),
                    f"names {of}, which holds no records (it is of type {held.type}): "
                    "'within' names a list or a map of objects",
                ),
            ]
        records = inner
        if naming.key is None:
            found.append(
                (("within",), f"needs 'key': the field of each of '{naming.within}' with the id")
            )
    key = naming.key or table.key
    if key not in records:
        hint = diag.did_you_mean("field", key, records)
        found.append((("key",), f"names unknown field '{key}' of the records{hint}"))
    for index, name in enumerate(naming.fields):
        if name not in records and name not in row:
            hint = diag.did_you_mean("field", name, [*records, *row])
            found.append(
                (
                    ("fields", index),
                    f"names unknown field '{name}' of the records or their row{hint}",
                )
            )
    return found


def _holds_ids(param: Param) -> bool:
    if param.type == "list":
        return param.items is not None and param.items.type == "string"
    return param.type == "string"


def _records(field: FieldType | None) -> dict[str, FieldType] | None:
    """The fields of the records a table's field holds: a list's or a map's objects."""
    inner = None if field is None else field.items if field.type == "list" else field.of
    return inner.fields if inner is not None and inner.type == "object" else None


def namings(spec: DomainSpec) -> dict[str, dict[str, dict[str, Any]]]:
    """Each tool's namings (``named_by``) by parameter, as ``tools.json``'s ``meta`` carries
    them: ``{"table", "within", "key", "fields"}``, the key filled in; tools without any left
    out."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for tool_name, tool in spec.tools.items():
        for p_name, param in tool.params.items():
            if param.named_by is not None:
                out.setdefault(tool_name, {})[p_name] = _compiled(spec, param.named_by)
    return out


def _compiled(spec: DomainSpec, naming: Naming) -> dict[str, Any]:
    table = spec.database.tables[naming.table]
    return {
        "table": naming.table,
        "within": naming.within,
        "key": naming.key or table.key,
        "fields": list(naming.fields),
    }
