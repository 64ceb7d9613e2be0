"""Declarative tool bodies (``declare:`` with ``returns``, or ``update`` + ``set``): parsed,
typed, and each ``set`` value checked against the field it writes wherever compile can see it.

The environment checks every write of a declared tool against the table's schema as it checks a
Python tool's (``runtime/row_schema.py``); what a body states outright is refused here instead,
before any episode: a value of the wrong type, a literal or an enum parameter's value the field
cannot hold (an enum's other value, text that is no day, a reference to a row the seed lacks),
and a ``set`` of the row's key field, which would leave the row filed under its old key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eigendsl.domain import UNCHECKED, parse_embedded
from eigendsl.dsl import ast as A
from eigendsl.dsl.analysis import Analyzer, Scope
from eigendsl.dsl.types import Type, assignable, from_field
from eigendsl.errors import Diagnostics, Span, did_you_mean
from eigendsl.loader import LoadedSpec
from eigendsl.spec import Param, Table
from eigendsl.support import date_problem, time_problem
from eigendsl.yamlload import MarkedDict

Body = tuple[A.Expr | None, A.Index | None, dict[str, A.Expr]]


def declarative_tools(
    loaded: LoadedSpec,
    analyzer: Analyzer,
    diag: Diagnostics,
    seed: dict[str, dict[str, Any]] | None = None,
    seed_sound: bool = True,
) -> dict[str, Body]:
    """Parse and type-check declarative tool bodies: name -> (returns, update path, sets).
    ``seed`` (table -> key -> row) is where a literal reference is looked up; where the seed
    data has errors (``seed_sound`` false) a row not found there is a note, not an error."""
    bodies: dict[str, Body] = {}
    for tool_name, tool in loaded.spec.tools.items():
        if tool.declare is None:
            continue
        raw = loaded.raw["tools"][tool_name]["declare"]
        params = tuple((p, _param_type(t)) for p, t in tool.params.items())
        # the spec's constants read as in a guard; an argument would hide one, as in a guard
        scope = Scope(
            "tool",
            params,
            owner=f"a parameter of tool '{tool_name}'",
            constants=analyzer.constant_types,
        )
        for p in tool.params:
            at = _param_position(loaded.raw["tools"][tool_name], p)
            analyzer.hidden_constant(p, at, f"tool '{tool_name}' has an argument", "declare body")
        returns = parse_embedded(raw, "returns", diag) if tool.declare.returns else None
        if returns is not None:
            analyzer.infer(returns, scope)
        update = None
        sets: dict[str, A.Expr] = {}
        if tool.declare.update:
            update = parse_embedded(raw, "update", diag)
            if update is not None:
                said = len(diag.items)
                analyzer.infer(update, scope)
                if not (isinstance(update, A.Index) and update in analyzer.resolved.table_rows):
                    if len(diag.items) == said:  # not where it reads an unknown table
                        diag.error(
                            update.span, "'update' must name one row, like db.users[user_id]"
                        )
                    update = None
            table = analyzer.resolved.table_rows.get(update) if update is not None else None
            for field_name in tool.declare.set or {}:
                expr = parse_embedded(raw["set"], field_name, diag)
                if expr is None:
                    continue
                value_type = analyzer.infer(expr, scope)
                if table is not None:
                    schema = loaded.spec.database.tables[table]
                    at = raw["set"].position(field_name)
                    if not _settable(table, schema, field_name, at, diag):
                        continue
                    field_type = from_field(schema.fields[field_name])
                    if not assignable(value_type, field_type):
                        diag.error(
                            expr.span,
                            f"field '{field_name}' is {field_type.name}, "
                            f"but this is {value_type.name}",
                        )
                    elif value_type.optional and not field_type.optional:
                        _null_to_required(field_name, expr, diag)
                    else:  # a value the field cannot hold: an enum's other value, no day
                        analyzer.enum_literal(field_type, expr)
                        analyzer.date_literal(field_type, expr)
                        analyzer.time_literal(field_type, expr)
                        _check_enum_values(field_name, field_type, value_type, expr, diag)
                        ref = schema.fields[field_name].ref
                        if ref is not None and seed is not None:
                            _check_reference(loaded, field_name, ref, expr, seed, seed_sound, diag)
                sets[field_name] = expr
        if update is not None and not tool.writes:
            diag.error(
                loaded.raw["tools"][tool_name].position("declare"),
                f"tool '{tool_name}' updates the database, so it must say 'writes: true'",
            )
        elif tool.writes and tool.declare.update is None:
            diag.error(
                loaded.raw["tools"][tool_name].position("writes"),
                f"tool '{tool_name}' says 'writes: true', but its declare body only returns a "
                "value and changes nothing; add 'update' and 'set', or drop 'writes: true'",
            )
        bodies[tool_name] = (returns, update, sets)
    return bodies


def _param_position(raw_tool: Any, param: str) -> Span:
    """Where a tool's entry names its parameter ``param`` (its entry's ``params:`` key)."""
    params = raw_tool.get("params")
    return params.position(param) if isinstance(params, MarkedDict) else raw_tool.position("params")


def _param_type(param: Param) -> Type:
    """A parameter's type in its tool's body: one with a default is never null there (the
    generated body reads ``args.get(name, default)``, and an optional one sent as null is left
    out first), so ``optional: true`` with a ``default:`` types as its default does."""
    declared = from_field(param)
    return replace(declared, optional=False) if param.default is not None else declared


def _null_to_required(field_name: str, expr: A.Expr, diag: Diagnostics) -> None:
    """A value that may be null set to a field that is not optional: the call that leaves it out
    would store null there (a bad write, refused at run time)."""
    if isinstance(expr, A.Name):
        what = f"'{expr.id}' is an optional parameter with no default: a call may leave it out"
        fix = "give the parameter a default (default: beside its type), make it required"
    else:  # a field that is optional, or an optional parameter inside a larger value
        what = "this may be null (an optional parameter or field it reads may be null)"
        fix = (
            "choose a value where it is null (x if x != null else ...), give an optional "
            "parameter a default (default: beside its type) or make it required"
        )
    diag.error(
        expr.span,
        f"{what}, but field '{field_name}' is not optional, so such a call would store null "
        f"there; {fix}, or make the field optional",
    )


def _settable(table: str, schema: Table, field_name: str, at: Span, diag: Diagnostics) -> bool:
    """Whether ``set`` may write ``field_name``: a field of the table, and not its key."""
    if field_name not in schema.fields:
        diag.error(
            at,
            f"table '{table}' has no field '{field_name}'{did_you_mean(field_name, schema.fields)}",
        )
        return False
    if field_name == schema.key:
        diag.error(
            at,
            f"'{field_name}' is the key of table '{table}': setting it would leave the row filed "
            "under its old key; remove it from 'set' (a row's key never changes)",
        )
        return False
    return True


def _check_enum_values(
    field_name: str, field_type: Type, value_type: Type, expr: A.Expr, diag: Diagnostics
) -> None:
    """An enum parameter (or field) written to an enum, date or time field: each of its values
    must be one the field holds, else the call that passes it stores a value the field cannot
    hold."""
    if not value_type.values or isinstance(expr, A.Literal):
        return
    if field_type.values:
        wrong = [v for v in value_type.values if v not in field_type.values]
        fix = (
            f"the field's values are {', '.join(field_type.values)}; make the two lists of "
            "values agree"
        )
    elif field_type.date:
        wrong = [v for v in value_type.values if date_problem(v) is not None]
        fix = "a date is written YYYY-MM-DD; write a date here, or this to a field of text"
    elif field_type.time:
        wrong = [v for v in value_type.values if time_problem(v) is not None]
        fix = "a time is written HH:MM; write a time here, or this to a field of text"
    else:
        return
    if wrong:
        listed = ", ".join(repr(v) for v in wrong)
        message = f"field '{field_name}' cannot hold {listed}, which this may be: {fix}"
        diag.error(expr.span, message)


def _check_reference(
    loaded: LoadedSpec,
    field_name: str,
    ref: str,
    expr: A.Expr,
    seed: dict[str, dict[str, Any]],
    seed_sound: bool,
    diag: Diagnostics,
) -> None:
    """A literal written to a reference field names a row of the referenced table's seed data.
    Only a Python tool can add rows: with one, the row may be added first (a warning)."""
    if not (isinstance(expr, A.Literal) and isinstance(expr.value, (str, int))):
        return
    rows = seed.get(ref, {})
    if expr.value in rows:
        return
    base = (
        f"field '{field_name}' refers to table '{ref}', whose seed data has no row {expr.value!r}"
    )
    keys = [str(k) for k in rows]
    if not seed_sound:  # the row may be one the seed's errors hide (an unread seed file's: any)
        if loaded.seed_read:
            diag.note(expr.span, f"{base}; {UNCHECKED}")
    elif any(t.python and t.writes for t in loaded.spec.tools.values()):
        then = "unless a Python tool adds that row first, write the key of one of its rows"
        diag.warning(expr.span, base + did_you_mean(str(expr.value), keys, then))
    else:  # no tool adds rows: no call of this tool can store a reference that holds
        then = "write the key of one of its rows"
        diag.error(expr.span, base + did_you_mean(str(expr.value), keys, then))
