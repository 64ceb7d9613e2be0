"""Checks of a loaded spec that need more than pydantic: seed data against the schema, lists
that say nothing of their items, tool implementations and the DSL text embedded in YAML
(declarative tool bodies: ``tool_bodies.py``; the settings and the policy:
``settings_checks.py``).
"""

from __future__ import annotations

import ast as pyast
import importlib.util
import sys
from pathlib import Path
from typing import Any

from eigendsl.dsl.parser import parse_expression, parse_query
from eigendsl.errors import Diagnostics, EigenError, Span, closest, did_you_mean, source_line
from eigendsl.field_values import Problem, value_problems
from eigendsl.loader import LoadedSpec
from eigendsl.references import check_references
from eigendsl.spec import DOMAIN_CLOCK, FieldType
from eigendsl.support import named
from eigendsl.yaml_files import read_text
from eigendsl.yaml_places import locate
from eigendsl.yamlload import MarkedDict, MarkedList, to_plain


def embedded_position(container: MarkedDict | MarkedList, key: Any) -> tuple[str, int, int]:
    """Where the text of a YAML scalar starts: inside its quotes, or on the line after ``|``."""
    span = container.value_span(key)
    style = _style(container, key)
    if style in ('"', "'"):
        return span.path, span.line, span.col + 1
    if style in ("|", ">"):
        return span.path, span.line + 1, span.col + 2
    return span.path, span.line, span.col


def text_origins(
    text: str, container: MarkedDict | MarkedList, key: Any
) -> list[tuple[int, int]] | None:
    """The file position of each character of a YAML scalar's text, found by walking the file
    from where the scalar starts: YAML drops indentation, folds lines and strips quotes, so an
    offset into the text is not a column. None when the walk fails (escapes, comments...)."""
    path, line, col = embedded_position(container, key)
    style = _style(container, key)
    if style in ("|", ">"):
        col = 1  # the text starts on the line after the indicator, after the indentation
    origins: list[tuple[int, int]] = []
    source = source_line(Span(path, line, 1))
    for char in text:
        if char in " \t\r\n":
            origins.append((line, col))
            continue
        while True:
            if source is None:
                return None
            if col > len(source):
                line, col = line + 1, 1
                source = source_line(Span(path, line, 1))
                continue
            if source[col - 1] == char:
                break
            if source[col - 1] not in " \t":
                return None
            col += 1
        origins.append((line, col))
        col += 2 if style == "'" and char == "'" and source[col : col + 1] == "'" else 1
    return origins


def _style(container: MarkedDict | MarkedList, key: Any) -> str | None:
    if isinstance(container, MarkedDict):
        return container.value_styles.get(key)
    return (
        container.item_styles[key]
        if isinstance(key, int) and key < len(container.item_styles)
        else None
    )


def parse_embedded(
    container: MarkedDict | MarkedList, key: Any, diag: Diagnostics, query: bool = False
):
    path, line, col = embedded_position(container, key)
    text = str(container[key])
    origins = text_origins(text, container, key)
    try:
        return (parse_query if query else parse_expression)(text, path, line, col, origins)
    except EigenError as exc:
        diag.extend(exc)
        return None


UNCHECKED = "the seed data's errors may be its cause, so it is judged once they are fixed"
"""What a note adds to a problem met with seed data that has errors: it may be theirs."""


def normalize_seed(loaded: LoadedSpec, diag: Diagnostics) -> dict[str, dict[str, Any]]:
    """Seed data as table -> key -> row, checked against the schema."""
    spec = loaded.spec
    seed_path = str(loaded.root / spec.database.seed)
    raw = loaded.seed_raw if isinstance(loaded.seed_raw, dict) else {}
    db: dict[str, dict[str, Any]] = {}
    for table_name in raw:
        if table_name not in spec.database.tables:
            span = (
                raw.position(table_name) if isinstance(raw, MarkedDict) else Span(seed_path, 1, 1)
            )
            diag.error(
                span,
                f"seed data has unknown table '{table_name}'"
                + did_you_mean(
                    str(table_name), spec.database.tables, "declare it under database.tables"
                ),
            )
    raw_rows: dict[tuple[str, Any], Any] = {}  # (table, key) -> the row as loaded, with marks
    for table_name, table in spec.database.tables.items():
        rows_raw = raw.get(table_name) or []
        rows: dict[str, Any] = {}
        if not isinstance(rows_raw, (list, dict)):
            span = (
                raw.value_span(table_name) if isinstance(raw, MarkedDict) else Span(seed_path, 1, 1)
            )
            diag.error(
                span,
                f"table '{table_name}' must be a list (or a map) of rows, not {named(rows_raw)}",
            )
            db[table_name] = rows
            continue
        items = list(rows_raw.items()) if isinstance(rows_raw, dict) else list(enumerate(rows_raw))
        for index, (given_key, row) in enumerate(items, start=1):
            span = _item_span(rows_raw, given_key, seed_path)
            if not isinstance(row, dict):
                diag.error(span, f"a row of '{table_name}' must be a mapping of fields")
                continue
            row_type = FieldType(type="object", fields=table.fields)
            problems = value_problems(row, row_type)
            for problem in problems:  # each at its own value: one compile says them all
                diag.error(
                    _problem_span(row, problem, span),
                    f"{_row_name(row, table.key, index)} of '{table_name}' {problem.message}",
                )
            key = row.get(table.key)
            try:
                hash(key)
            except TypeError:
                key = None
            if key is None:
                if not problems:
                    diag.error(
                        span, f"row {index} of '{table_name}' has no usable key '{table.key}'"
                    )
                continue
            # A row with a problem still counts as existing, so references to it raise no
            # second, misleading error.
            key_span = row.value_span(table.key) if isinstance(row, MarkedDict) else span
            if isinstance(rows_raw, dict) and given_key != key:
                diag.error(
                    key_span, f"row key {given_key!r} differs from its '{table.key}' field {key!r}"
                )
            if key in rows:
                diag.error(key_span, f"'{table_name}' has two rows with key {key!r}")
            # an optional field written null is the field left out, as the DSL reads both and
            # a write of null leaves it out: db == initial compares them alike
            rows[key] = {
                name: value
                for name, value in to_plain(row).items()
                if value is not None or not (name in table.fields and table.fields[name].optional)
            }
            raw_rows[(table_name, key)] = row
        db[table_name] = rows
    check_references(loaded, db, diag, seed_path, raw_rows)
    return db


def check_list_items(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """A warning at each list (a table's field, a tool's parameter, or a part of one) that says
    nothing of its items: they are of any type, checked nowhere (seed data, writes, arguments),
    and the agent's tool schema says nothing of them. ``items: any`` says so on purpose."""
    at_file = Span(loaded.display("domain.yaml"), 1, 1)

    def walk(path: list[Any], name: str, field: FieldType) -> None:
        if field.type == "list" and field.items is None:
            diag.warning(
                locate(loaded.raw, path, at_file),
                f"the list '{name}' does not say what its items are, so any item passes "
                "unchecked (in the seed data, a write or a call) and the agent's tool schema "
                "says nothing of them; give their type (items: string, with ref: <table> if "
                "they are keys), or write items: any if they may be anything",
            )
        if field.items is not None:
            walk([*path, "items"], f"{name}'s item", field.items)
        for sub_name, sub in (field.fields or {}).items():
            walk([*path, "fields", sub_name], sub_name, sub)
        if field.of is not None:
            walk([*path, "of"], f"{name}'s value", field.of)

    for table_name, table in loaded.spec.database.tables.items():
        for name, field in table.fields.items():
            walk(["database", "tables", table_name, "fields", name], name, field)
    for tool_name, tool in loaded.spec.tools.items():
        for name, param in tool.params.items():
            walk(["tools", tool_name, "params", name], name, param)


def _problem_span(row: Any, problem: Problem, fallback: Span) -> Span:
    """Where in a row the part at fault of ``problem`` is: the deepest value (or, for an unknown
    field, key) of its path that the YAML marks, else ``fallback``."""
    where, part = fallback, row
    for depth, step in enumerate(problem.path, start=1):
        if not isinstance(part, (MarkedDict, MarkedList)):
            break
        try:
            last = depth == len(problem.path)
            if isinstance(part, MarkedList):
                where = part.position(step)
            else:
                where = part.position(step) if last and problem.at_key else part.value_span(step)
            part = part[step]
        except (KeyError, IndexError, TypeError):
            break
    return where


def _row_name(row: dict[str, Any], key: str, number: int) -> str:
    """A seed row as an error names it: by its key (``row 'L5017'``), else counted from 1."""
    value = row.get(key)
    return f"row {value!r}" if isinstance(value, (str, int)) and value != "" else f"row {number}"


def _item_span(container: Any, key: Any, fallback_path: str) -> Span:
    if isinstance(container, (MarkedDict, MarkedList)):
        return container.position(key)
    return Span(fallback_path, 1, 1)


def check_python_tools(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """Each `python: module:function` exists and takes `(db, <the tool's parameters>)`, and
    `today` and `now` where the domain sets them."""
    parsed: dict[Path, pyast.Module | None] = {}
    for tool_name, tool in loaded.spec.tools.items():
        if not tool.python:
            continue
        span = loaded.raw["tools"][tool_name].value_span("python")
        module, function = tool.python.split(":")
        path = loaded.root / (module.replace(".", "/") + ".py")
        if not path.is_file():
            diag.error(span, f"module '{module}' not found: {path} does not exist")
            continue
        if path not in parsed:
            try:
                parsed[path] = pyast.parse(read_text(path, str(path)), str(path))
            except EigenError as exc:
                diag.extend(exc)
                parsed[path] = None
            except SyntaxError as exc:
                diag.error(
                    Span(str(path), exc.lineno or 1, exc.offset or 1),
                    f"Python syntax error: {exc.msg}",
                )
                parsed[path] = None
            except ValueError as exc:  # a NUL byte, on Python before 3.12
                diag.error(Span(str(path), 1, 1), f"Python syntax error: {exc}")
                parsed[path] = None
            else:
                _check_imports(parsed[path], path, loaded.root, diag)
        tree = parsed[path]
        if tree is None:
            continue
        defs = {n.name: n for n in tree.body if isinstance(n, pyast.FunctionDef)}
        if function not in defs:
            diag.error(
                span,
                f"'{path.name}' defines no function '{function}'{did_you_mean(function, defs)}",
            )
            continue
        args = defs[function].args
        names = [a.arg for a in args.args + args.kwonlyargs]
        if not names or names[0] != "db":
            diag.error(
                span, f"'{function}' must take the database as its first parameter, named 'db'"
            )
            continue
        _check_python_defaults(loaded, tool_name, function, args, diag)
        if args.kwarg is None:
            # the tool is named at `python:`, the line to edit may be the def's: both are said
            definition = defs[function]
            at_def = Span(str(path), definition.lineno, definition.col_offset + 1)
            for param in tool.params:
                if param not in names:
                    diag.error(
                        span,
                        f"'{function}' (def at {at_def}) has no parameter '{param}', "
                        f"which tool '{tool_name}' declares",
                    )
            defaulted = _defaulted(args)
            for arg in (args.args + args.kwonlyargs)[1:]:
                extra = arg.arg
                if extra in DOMAIN_CLOCK and getattr(loaded.spec, extra) is not None:
                    continue  # the domain's date or time of day, passed by the runtime
                if extra not in tool.params and extra not in defaulted:
                    # a parameter with a default is harmless: the runtime passes only the
                    # declared arguments, so the function always takes its default
                    at_arg = Span(str(path), arg.lineno, arg.col_offset + 1)
                    diag.error(
                        span,
                        f"'{function}' takes '{extra}' (at {at_arg}), "
                        f"which tool '{tool_name}' does not declare"
                        + _CLOCK_HINTS.get(
                            extra,
                            "; declare it under the tool's params, or give it a default in the def",
                        ),
                    )


# How a Python tool that takes ``today`` or ``now`` is given it.
_CLOCK_HINTS = {
    "today": "; to pass it the domain's date, set today: YYYY-MM-DD in domain.yaml",
    "now": "; to pass it the domain's time of day, set now: HH:MM in domain.yaml",
}


def _defaulted(args: pyast.arguments) -> set[str]:
    """The parameters of a def that have a default, positional and keyword-only."""
    positional = args.posonlyargs + args.args
    has_default = {a.arg for a in positional[len(positional) - len(args.defaults) :]}
    return has_default | {
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    }


def _check_python_defaults(
    loaded: LoadedSpec, tool_name: str, function: str, args: pyast.arguments, diag: Diagnostics
) -> None:
    """A parameter a call may leave out (``optional: true``, or a ``default``) has a default in
    the Python function too: the runtime passes only the arguments a call gives, so every call
    without it would be a TypeError, an internal error of the tool."""
    positional = args.posonlyargs + args.args
    required = {a.arg for a in positional + args.kwonlyargs} - _defaulted(args)
    params = loaded.raw["tools"][tool_name].get("params")
    for name, param in loaded.spec.tools[tool_name].params.items():
        if name not in required or not (param.optional or param.default is not None):
            continue
        given = "optional" if param.default is None else f"given a default ({named(param.default)})"
        default = "None" if param.default is None else repr(param.default)
        diag.error(
            params.position(name) if isinstance(params, MarkedDict) else loaded.raw.span,
            f"parameter '{name}' is {given}, so a call may leave it out, but '{function}' "
            f"requires it; give the Python parameter a default ({name}={default}): every call "
            "without it would fail with a TypeError",
        )


def _check_imports(tree: pyast.Module | None, path: Path, root: Path, diag: Diagnostics) -> None:
    """Each module a tools file imports at its top level can be found (installed, or a file or
    folder beside it), without running it: a misspelt ``import numpyy`` is a compile error,
    not a failure at the first episode."""
    for node in tree.body if tree is not None else []:
        if isinstance(node, pyast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, pyast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            beside = (root / f"{top}.py").is_file() or (root / top).is_dir()
            if not beside and top not in sys.modules and _find_spec(top) is None:
                diag.error(
                    Span(str(path), node.lineno, node.col_offset + 1),
                    f"'{path.name}' imports '{top}', which is not installed; install it in "
                    "this environment or fix the name",
                )


def _find_spec(name: str) -> object:
    """Where the module ``name`` would be imported from, or None; a name ``find_spec`` cannot
    look up (it raises) counts as found, for the import itself to judge."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return name


def check_tool_tags(loaded: LoadedSpec, named: set[str], diag: Diagnostics) -> None:
    """A warning at a tool's tag that no checker names but one close to it is named: the rules
    that select calls by that tag ("account" in c.tags) pass the tool by. A tool that has the
    close tag as well (``[auth, strong_auth]``) has the other as a label of its own."""
    for tool_name, tool in loaded.spec.tools.items():
        for index, tag in enumerate(tool.tags):
            close = closest(tag, named) if tag not in named else None
            if close is not None and close not in tool.tags:
                raw = loaded.raw["tools"][tool_name]
                diag.warning(
                    locate(raw, ["tags", index], raw.position("tags"), value=True),
                    f"tool '{tool_name}' has the tag '{tag}', which no checker names; did you "
                    f"mean '{close}'? The rules that select calls by '{close}' pass it by",
                )
