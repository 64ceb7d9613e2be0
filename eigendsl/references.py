"""References between seed tables: a value whose type says ``ref: <table>`` is a key of that table.

A ``ref`` may sit on a table's field or deeper inside one: on a list's items, an object's fields
or a map's values, at any depth (a reservation's ``flights`` list, each item's ``flight_id``).
Each is checked twice: the table it names exists (an error at the field in ``domain.yaml``),
and each value of it in the seed data is a key of that table (an error where the value is
written in the seed file), so a dangling id is reported where it is written, not later by a
template whose source happens to follow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eigendsl.errors import Diagnostics, Span, first_few
from eigendsl.loader import LoadedSpec
from eigendsl.spec import FieldType
from eigendsl.support import key_step, named, place
from eigendsl.yaml_places import locate
from eigendsl.yamlload import MarkedDict, MarkedList

# A step from a table's field down to a part of its value: ("field", name), ("items",), ("of",).
Step = tuple[str, ...]


def declared_refs(
    field: FieldType, steps: tuple[Step, ...]
) -> Iterator[tuple[tuple[Step, ...], str]]:
    """Each ``ref`` in a field's type, with the steps from the field down to it.

    >>> from eigendsl.spec import FieldType
    >>> segment = {"type": "object", "fields": {"id": {"type": "string", "ref": "f"}}}
    >>> flights = FieldType.model_validate({"type": "list", "items": segment})
    >>> list(declared_refs(flights, (("field", "flights"),)))
    [((('field', 'flights'), ('items',), ('field', 'id')), 'f')]
    """
    if field.ref is not None:
        yield steps, field.ref
    if field.items is not None:
        yield from declared_refs(field.items, (*steps, ("items",)))
    for name, sub in (field.fields or {}).items():
        yield from declared_refs(sub, (*steps, ("field", name)))
    if field.of is not None:
        yield from declared_refs(field.of, (*steps, ("of",)))


def describe(steps: tuple[Step, ...]) -> str:
    """A part of a table's field as an error names it, from the inside out.

    >>> describe((("field", "user_id"),))
    "field 'user_id'"
    >>> describe((("field", "flights"), ("items",), ("field", "flight_id")))
    "field 'flight_id' of each item of 'flights'"
    >>> describe((("field", "tags"), ("items",)))
    "each item of field 'tags'"
    """
    words: list[str] = []
    named = False  # whether the innermost named field has its word "field" yet
    for step in reversed(steps):
        if step[0] == "field":
            words.append(f"'{step[1]}'" if named else f"field '{step[1]}'")
            named = True
        else:
            words.append("each item" if step[0] == "items" else "each value")
    return " of ".join(words)


def check_references(
    loaded: LoadedSpec,
    db: dict[str, dict[str, Any]],
    diag: Diagnostics,
    seed_path: str,
    raw_rows: dict[tuple[str, Any], Any],
) -> None:
    """Each ``ref`` (of a table's field or a tool's parameter) names a table, and each value of it
    in the seed data is a key of that table."""
    at_file = Span(loaded.display("domain.yaml"), 1, 1)
    for table_name, table in loaded.spec.database.tables.items():
        table_path = ["database", "tables", table_name]
        for field_name, field in table.fields.items():
            for steps, ref in declared_refs(field, (("field", field_name),)):
                if ref not in db:
                    path = [*table_path, *(part for step in steps for part in _yaml_keys(step))]
                    diag.error(
                        locate(loaded.raw, path, at_file),
                        f"{describe(steps)} refers to unknown table '{ref}'"
                        f"{diag.did_you_mean('table', ref, db)}",
                    )
    for tool_name, tool in loaded.spec.tools.items():
        for p_name, param in tool.params.items():
            for steps, ref in declared_refs(param, (("field", p_name),)):
                if ref not in db:
                    inner = (part for step in steps[1:] for part in _yaml_keys(step))
                    path = ["tools", tool_name, "params", p_name, *inner]
                    what = describe(steps) if len(steps) > 1 else f"parameter '{p_name}'"
                    diag.error(
                        locate(loaded.raw, path, at_file),
                        f"{what} of tool '{tool_name}' refers to unknown table '{ref}'"
                        f"{diag.did_you_mean('table', ref, db)}",
                    )
    row_type = {
        name: FieldType(type="object", fields=t.fields)
        for name, t in loaded.spec.database.tables.items()
    }
    left_out = _left_out(loaded, db)
    unchecked: dict[str, list[Span]] = {}  # table -> where a value refers to a row left out
    for table_name, rows in db.items():
        if table_name not in row_type:
            continue
        for key, row in rows.items():
            raw_row = raw_rows.get((table_name, key), row)
            fallback = getattr(raw_row, "span", Span(seed_path, 1, 1))
            where = place(table_name, [key], row_at=0)
            written = _ref_values(raw_row, row_type[table_name], where, fallback)
            for ref, at, value, span in written:
                if ref in db and not _is_key(value, db[ref]):
                    if ref in left_out:  # the row may be one left out: the error's consequence
                        unchecked.setdefault(ref, []).append(span)
                    else:
                        diag.error(span, f"{at} is {named(value)}, which is not a key of '{ref}'")
    for ref, spans in unchecked.items():
        lines = first_few([str(span.line) for span in spans])
        uses = "1 value" if len(spans) == 1 else f"{len(spans)} values"
        diag.note(
            spans[0],
            f"{uses} that refer to '{ref}' (line{'s' if len(spans) > 1 else ''} {lines}) "
            f"{'is' if len(spans) == 1 else 'are'} not checked: {left_out[ref]}; that is "
            "checked once this is fixed",
        )


def _left_out(loaded: LoadedSpec, db: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The tables some of whose seed rows were left out for an error (reported where it is),
    with why: a value that refers to one of them may name a row left out, so its not being a
    key is that error's consequence, not a mistake of its own (the README's rule)."""
    raw = loaded.seed_raw if isinstance(loaded.seed_raw, dict) else {}
    unknown = [str(name) for name in raw if name not in loaded.spec.database.tables]
    out: dict[str, str] = {}
    for name in loaded.spec.database.tables:
        rows = raw.get(name)
        if rows is None and unknown:
            out[name] = (
                f"the seed data has no table '{name}', and its table "
                f"'{first_few(unknown)}' is unknown"
            )
        elif rows is not None and not isinstance(rows, (list, dict)):
            out[name] = f"the seed data's table '{name}' is not a list of rows"
        elif isinstance(rows, (list, dict)) and len(rows) > len(db.get(name, {})):
            dropped = len(rows) - len(db.get(name, {}))
            out[name] = (
                f"{dropped} of the {len(rows)} rows of '{name}' "
                f"{'has' if dropped == 1 else 'have'} errors"
            )
    return out


def _yaml_keys(step: Step) -> Step:
    """The keys of ``domain.yaml`` a step goes through: a field is under its object's
    ``fields``."""
    return ("fields", step[1]) if step[0] == "field" else step


def _ref_values(
    value: Any, spec: FieldType, where: str, span: Span
) -> Iterator[tuple[str, str, Any, Span]]:
    """Each value under a ``ref`` inside ``value``: (the table, the value as an expression names
    it, the value, where it is written). A part of the wrong shape is skipped: the schema check
    reports it."""
    if value is None:
        return
    if spec.ref is not None:
        yield spec.ref, where, value, span
    if spec.items is not None and isinstance(value, list):
        for index, item in enumerate(value):
            item_span = value.position(index) if isinstance(value, MarkedList) else span
            yield from _ref_values(item, spec.items, where + key_step(index), item_span)
    if spec.fields is not None and isinstance(value, dict):
        for name, sub in spec.fields.items():
            if name in value:
                name_span = value.value_span(name) if isinstance(value, MarkedDict) else span
                yield from _ref_values(value[name], sub, where + key_step(name), name_span)
    if spec.of is not None and isinstance(value, dict):
        for name, item in value.items():
            item_span = value.value_span(name) if isinstance(value, MarkedDict) else span
            yield from _ref_values(item, spec.of, where + key_step(name), item_span)


def _is_key(value: Any, rows: dict[str, Any]) -> bool:
    try:
        return value in rows
    except TypeError:  # a list or a mapping where a key belongs
        return False
