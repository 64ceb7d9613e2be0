"""The arguments lint tries a guard's conditions on, none of them from an episode: every gold
call of the tool; each argument in turn given values from the seed (values stored under the
same name, keys of the tables, the values of the rows the call refers to, the empty string and
list); the values of one seed row given together to the arguments named as its fields; and
random combinations of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from eigendsl.lint.context import LintContext
from eigendsl.lint.values import ValueIndex, alternatives, field_names

RANDOM_COMBINATIONS = 300
VALUES_PER_PARAM = 40


def argument_sets(
    ctx: LintContext, index: ValueIndex, tool: Any, golds: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The argument sets of `tool` to try, each once, the gold calls first."""
    props: dict[str, Any] = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", []))
    values = {name: _plausible(index, name, schema, golds) for name, schema in props.items()}
    bases = list(golds) or [{n: v[0] for n, v in values.items() if v and n in required}]
    seen: set[str] = set()

    def fresh(args: dict[str, Any]) -> bool:
        key = repr(sorted(args.items()))
        if key in seen:
            return False
        seen.add(key)
        return True

    for base in bases:
        if fresh(base):
            yield base
        related = _row_values(ctx, base)
        for name in props:
            for value in values[name] + _of_kind(related, props[name]):
                args = {**base, name: value}
                if fresh(args):
                    yield args
        for together in _seed_rows_as_arguments(index, props):
            args = {**base, **together}
            if fresh(args):
                yield args
    rng = random.Random(0)
    for _ in range(RANDOM_COMBINATIONS):
        args = {
            n: rng.choice(v)
            for n, v in values.items()
            if v and (n in required or rng.random() < 0.5)
        }
        if fresh(args):
            yield args


def _seed_rows_as_arguments(index: ValueIndex, props: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Two or more arguments given together the values of one seed row (its key and fields
    stored under the arguments' names): a dispute's bill and item, which a guard forbidding a
    second dispute of the same item refuses, and which varying one argument at a time misses."""
    for table, rows in index.seed.items():
        key = ctx_key(index, table)
        for row_key, row in list(rows.items())[:VALUES_PER_PARAM]:
            if not isinstance(row, dict):
                continue
            args: dict[str, Any] = {}
            for name, schema in props.items():
                for field in field_names(name):
                    value = row_key if field == key else row.get(field)
                    if _fits(value, schema):
                        args[name] = value
                        break
            if len(args) >= 2:
                yield args


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a seed value could be an argument of ``schema`` (a string, in its enum if any)."""
    if not isinstance(value, str) or schema.get("type") != "string":
        return False
    return "enum" not in schema or value in schema["enum"]


def _of_kind(values: list[str], schema: dict[str, Any]) -> list[Any]:
    """The strings usable as a value of ``schema``: as they are, or as one-item lists."""
    kind = schema.get("type")
    if kind == "array" and schema.get("items", {}).get("type") == "string":
        return [[v] for v in values]
    if kind == "string" and "enum" not in schema:
        return list(values)
    return []


def _plausible(
    index: ValueIndex, name: str, schema: dict[str, Any], golds: list[dict[str, Any]]
) -> list[Any]:
    out: list[Any] = []

    def add(value: Any) -> None:
        if value not in out:
            out.append(value)

    for args in golds:
        if name in args:
            add(args[name])
    if "enum" in schema:
        for value in schema["enum"]:
            add(value)
    kind = schema.get("type")
    if kind == "string":
        for candidate in field_names(name):
            for value in index.by_field.get(candidate, [])[:VALUES_PER_PARAM]:
                if isinstance(value, str):
                    add(value)
        for table, rows in index.seed.items():
            key = ctx_key(index, table)
            if key and key in field_names(name):
                for value in list(rows)[:VALUES_PER_PARAM]:
                    add(value)
        add("")
    elif kind == "array":
        element = schema.get("items", {})
        for value in _plausible(index, name, element, [])[:VALUES_PER_PARAM]:
            if value != "":
                add([value])
        for args in golds:
            for value in (
                alternatives(index, schema, name, args.get(name), 3) if name in args else []
            ):
                add(value)
        add([])
    elif kind in ("integer", "number"):
        for value in (0, -1, 1):
            add(value)
    elif kind == "boolean":
        add(True)
        add(False)
    return out


def ctx_key(index: ValueIndex, table: str) -> str | None:
    spec_table = index.spec.database.tables.get(table)
    return spec_table.key if spec_table is not None else None


def _row_values(ctx: LintContext, args: dict[str, Any]) -> list[Any]:
    """Values of the rows a call refers to (and the rows those reference): an order's payment
    method, its items, its customer's payment methods."""
    out: list[Any] = []
    rows: list[tuple[str, Any]] = []
    for value in args.values():
        for table, table_rows in ctx.domain.seed.items():
            if isinstance(value, str) and value in table_rows:
                rows.append((table, table_rows[value]))
    spec_tables = ctx.loaded.spec.database.tables
    for table, row in list(rows):
        for field, field_type in spec_tables[table].fields.items() if table in spec_tables else ():
            target = field_type.ref
            if (
                target
                and isinstance(row, dict)
                and row.get(field) in ctx.domain.seed.get(target, {})
            ):
                rows.append((target, ctx.domain.seed[target][row[field]]))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                if (
                    isinstance(item, dict)
                    and item
                    and all(isinstance(v, dict) for v in item.values())
                ):
                    out.extend(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            out.append(value)

    for _table, row in rows:
        walk(row)
    return list(dict.fromkeys(out))
