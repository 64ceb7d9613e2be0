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
            path = ["tools", tool_name, "params", p_name]
            problems = _problems(loaded.spec, param, diag)
            for loc, message in problems:
                # the parameter's type is at `type`, the rest under `named_by`
                where = [*path, "type"] if loc == ("type",) else [*path, "named_by", *loc]
                diag.error(
                    locate(loaded.raw, where, at_file, value=True),
                    f"'named_by' of parameter '{p_name}' of tool '{tool_name}' {message}",
                )
            unrelated = None if problems else _unrelated(loaded.spec, p_name, param)
            if unrelated is not None:
                diag.warning(
                    locate(loaded.raw, [*path, "named_by", "table"], at_file, value=True),
                    f"'named_by' of parameter '{p_name}' of tool '{tool_name}' {unrelated}",
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
                ("type",),
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
    key_at = ("key",) if naming.key else ("table",)
    if key not in records:
        hint = diag.did_you_mean("field", key, records)
        found.append((("key",), f"names unknown field '{key}' of the records{hint}"))
    elif records[key].type != "string":
        strings = [n for n, f in records.items() if f.type == "string"]
        found.append(
            (
                key_at,
                f"has the key '{key}', a field of type {records[key].type}, which never equals "
                "the parameter's id, a string; name a string field of the records with 'key'"
                + (f" ({', '.join(strings)})" if strings else ""),
            )
        )
    found += _ref_problems(naming, table.key, records.get(key), param)
    if not naming.fields:
        found.append(
            (
                ("fields",),
                "lists no fields: name at least one, the record's name first "
                "(fields: [name, options])",
            )
        )
    for index, name in enumerate(naming.fields):
        if name not in records and name not in row:
            hint = diag.did_you_mean("field", name, [*records, *row])
            found.append(
                (
                    ("fields", index),
                    f"names unknown field '{name}' of the records or their row{hint}",
                )
            )
        elif name in naming.fields[:index]:
            found.append((("fields", index), f"names field '{name}' twice; remove one"))
        elif name == key:
            found.append(
                (
                    ("fields", index),
                    f"names the key '{key}' among its fields: the id is what the user never "
                    "sees, and a proposal may say it without a naming; remove it",
                )
            )
    return found


def _ref(param: FieldType) -> str | None:
    """The table whose keys the parameter (or a list's items) holds, by its ``ref``."""
    return param.items.ref if param.type == "list" and param.items else param.ref


def _ref_problems(
    naming: Naming, table_key: str, key: FieldType | None, param: Param
) -> list[Problem]:
    """Where a ``ref`` relates the records to another table than the parameter's: the
    parameter's ``ref`` is not the table of rows named by their key, or not the ``ref`` of the
    records' key."""
    ref = _ref(param)
    if ref is None:
        return []
    if naming.within is None and ref != naming.table:
        why = f"names table '{naming.table}', but the parameter holds keys of table '{ref}'"
        return [(("table",), f"{why} (its 'ref'); name table '{ref}' or a field within it")]
    if naming.within is None and (naming.key or table_key) != table_key:
        why = f"has the key '{naming.key}', but the parameter holds keys of table '{ref}'"
        return [(("key",), f"{why} (its 'ref'), its field '{table_key}'; remove 'key'")]
    if key is not None and key.ref is not None and key.ref != ref:
        why = f"has the key '{naming.key}', keys of table '{key.ref}' (its 'ref')"
        return [(("key",), f"{why}, but the parameter holds keys of table '{ref}'")]
    return []


def _unrelated(spec: DomainSpec, p_name: str, param: Param) -> str | None:
    """Why nothing relates a naming's records to the parameter, or None: no ``ref`` of the
    parameter or of the records' key names the parameter's table, and the parameter's name
    (a list's less its "s") does not end with the key's ("new_item_ids" for "item_id")."""
    naming = param.named_by
    if naming is None or _ref(param) is not None:
        return None
    table = spec.database.tables[naming.table]
    key = naming.key or table.key
    within = table.fields.get(naming.within) if naming.within else None
    held = _records(within) if within is not None else table.fields
    if held is not None and key in held and held[key].ref is not None:
        return None
    name = p_name[:-1] if param.type == "list" and p_name.endswith("s") else p_name
    if name.endswith(key):
        return None
    at = f"table '{naming.table}'" + (f", within '{naming.within}'" if naming.within else "")
    return (
        f"names the records of {at}, whose key '{key}' is not the parameter's name, and no "
        f"'ref' relates them: a proposal that names one of them names no id of '{p_name}'"
        + (
            f"; if '{p_name}' holds keys of table '{naming.table}', say 'ref: {naming.table}'"
            if naming.within is None
            else f"; name the parameter after '{key}'"
        )
    )


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
