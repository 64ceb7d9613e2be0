"""Whether a value fits a spec's field type (:func:`value_matches`), as seed rows, defaults,
template choices and written tasks are checked at compile: a sentence saying why not, in the
words of YAML and JSON (``true``, ``null``)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from eigendsl.errors import did_you_mean
from eigendsl.support import date_problem, time_problem
from eigendsl.yamlload import YAML_BOOL_TEXT, is_yaml11_bool

if TYPE_CHECKING:
    from eigendsl.spec import FieldType


#: A number written in quotes, as text: ``"4"`` for an int field, ``"4.5"`` or ``"4"`` for a float.
_NUMBER: dict[str, re.Pattern[str]] = {
    "int": re.compile(r"[-+]?\d+"),
    "float": re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"),
}


def _quoted_number(value: str, kind: str) -> bool:
    pattern = _NUMBER.get(kind)
    return pattern is not None and pattern.fullmatch(value.strip()) is not None


#: The Python values each field type admits (a bool is refused where an int or a float goes).
PY_TYPES: dict[str, tuple[type[Any], ...]] = {
    "string": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "object": (dict,),
    "map": (dict,),
    "enum": (str,),
    "date": (str,),
    "time": (str,),
}


def _written(value: Any) -> str:
    """A value as YAML and JSON write it (``true``, ``null``), text and numbers as Python's repr."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def value_matches(value: Any, spec: FieldType) -> str | None:
    """None when ``value`` fits the field type, else a sentence saying why not (its first
    problem; :func:`value_problems` gives them all)."""
    problems = value_problems(value, spec)
    return problems[0].message if problems else None


class Problem(NamedTuple):
    """One way a value does not fit its type: ``message`` says it from the whole value ("field
    'hours' entry 'mon' is '25:00', ..."); ``path`` leads to the part at fault (keys and item
    indexes), whose key rather than value is at fault when ``at_key`` (an unknown field)."""

    path: tuple[Any, ...]
    message: str
    at_key: bool = False


def value_problems(value: Any, spec: FieldType) -> list[Problem]:
    """Every way ``value`` does not fit the field type: each bad item, entry and field of it on
    its own, so one check of seed data says all of a row's mistakes."""
    problem = _scalar_problem(value, spec)
    if problem is not None:
        return [Problem((), problem)]
    if spec.type == "any" or value is None:
        return []
    found: list[Problem] = []

    def inner(key: Any, what: str, part: Any, part_spec: FieldType) -> None:
        for sub in value_problems(part, part_spec):
            found.append(Problem((key, *sub.path), f"{what} {sub.message}", sub.at_key))

    if spec.type == "list" and spec.items is not None:
        for i, item in enumerate(value):
            inner(i, f"item {i + 1}", item, spec.items)  # counted as people count
    if spec.type == "object" and spec.fields is not None:
        for name, sub in spec.fields.items():
            if name not in value:
                if not sub.optional:
                    found.append(Problem((), f"lacks field '{name}'"))
                continue
            inner(name, f"field '{name}'", value[name], sub)
        for extra in (k for k in value if k not in spec.fields):
            found.append(
                Problem(
                    (extra,),
                    f"has unknown field '{extra}'{did_you_mean(str(extra), spec.fields)}",
                    at_key=True,
                )
            )
    if spec.type == "map" and spec.of is not None:
        for k, item in value.items():
            inner(k, f"entry {k!r}", item, spec.of)
    return found


def _scalar_problem(value: Any, spec: FieldType) -> str | None:
    """Why ``value`` is not of the type at all (its parts are not looked at), or None."""
    if value is None:
        return (
            None
            if spec.optional
            else "is null but the field is not optional (add 'optional: true')"
        )
    if isinstance(value, float) and not math.isfinite(value):  # .nan, .inf in YAML; NaN in JSON
        return f"is {value!r}, which JSON cannot hold; write a finite number"
    if spec.type == "float" and isinstance(value, str) and _EXPONENT.fullmatch(value):
        # YAML 1.1 reads 1e400 (no '.', no sign after the 'e') as text; as a number it is inf
        number = float(value)
        if not math.isfinite(number):
            return (
                f"is {value}, past the largest float (inf), which JSON cannot hold; write a "
                "finite number"
            )
        as_yaml = repr(number)
        if "e" in as_yaml and "." not in as_yaml:  # 1e+20: YAML 1.1 wants 1.0e+20
            as_yaml = as_yaml.replace("e", ".0e")
        return (
            f"is {value!r}, expected float; YAML reads an exponent written without a '.' and a "
            f"sign as text: write {as_yaml}"
        )
    if spec.type == "any":
        return None
    allowed = PY_TYPES[spec.type]
    if isinstance(value, bool) and spec.type in ("int", "float"):
        return f"is {_written(value)}, expected {spec.type}"
    if not isinstance(value, allowed):
        return f"is {_written(value)}, expected {spec.type}" + (
            f"; {YAML_BOOL_TEXT}"
            if spec.type == "bool" and is_yaml11_bool(value)
            else "; write it without quotes"
            if isinstance(value, str) and _quoted_number(value, spec.type)
            else ""
        )
    if spec.type == "enum" and value not in (spec.values or ()):
        return f"is {_written(value)}, not one of {', '.join(spec.values or ())}"
    if spec.type == "date" and (problem := date_problem(value)) is not None:
        # written YYYY-MM-DD, a day that does not exist is said so: "there is no day 2025-02-30"
        written = problem.startswith("there is no day")
        return (
            f"is {value!r}, but {problem}"
            if written
            else f"is {value!r}, not a day written YYYY-MM-DD"
        )
    if spec.type == "time" and (problem := time_problem(value)) is not None:
        # "'25:00' is not a time written HH:MM (hour 25 is past 23)", the value said once
        return f"is {value!r}, which is not{problem.split(' is not', 1)[1]}"
    return None
