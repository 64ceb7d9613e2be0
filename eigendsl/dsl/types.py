"""Static types of DSL expressions, derived from the spec's schema.

>>> STRING.name, list_of(INT).name
('string', 'list[int]')
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from eigendsl.spec import FieldType


@dataclass(frozen=True)
class Type:
    kind: str  # string int float bool null any list object map table db call message
    elem: Type | None = None  # list items, map values
    fields: tuple[tuple[str, Type], ...] | None = None  # object fields (None: open object)
    table: str | None = None  # the table of a row or of a table
    values: tuple[str, ...] | None = None  # enum values of a string
    optional: bool = False
    date: bool = False  # a string holding a day, YYYY-MM-DD (a field of type date, today)
    time: bool = False  # a string holding a time of day, HH:MM (a field of type time)

    @property
    def name(self) -> str:
        if self.kind == "list":
            return f"list[{self.elem.name if self.elem else 'any'}]"
        if self.kind == "map":
            return f"map[{self.elem.name if self.elem else 'any'}]"
        if self.kind == "object" and self.table:
            return f"row of {self.table}"
        if self.kind == "table":
            return f"table {self.table}"
        if self.kind == "string" and self.values:
            return "enum"
        if self.kind == "string" and self.date:
            return "date"
        if self.kind == "string" and self.time:
            return "time"
        return self.kind

    def field(self, name: str) -> Type | None:
        for key, value in self.fields or ():
            if key == name:
                return value
        return None

    @property
    def field_names(self) -> list[str]:
        return [k for k, _ in self.fields or ()]


STRING = Type("string")
INT = Type("int")
FLOAT = Type("float")
BOOL = Type("bool")
NULL = Type("null")
ANY = Type("any")
DB = Type("db")
CALL = Type("call")
MESSAGE = Type("message")
NUMERIC = ("int", "float")


def list_of(elem: Type) -> Type:
    return Type("list", elem=elem)


CALL_FIELDS = {
    "tool": STRING,
    "args": Type("object"),
    "result": ANY,
    "error": Type("string", optional=True),
    "ok": BOOL,
    "writes": BOOL,
    "position": INT,
    "index": INT,
    "tags": list_of(STRING),
    "id": STRING,
}
MESSAGE_FIELDS = {
    "role": Type("string", values=("system", "user", "assistant", "tool")),
    "content": STRING,
    "position": INT,
}
# A date is text written YYYY-MM-DD: compared as text, that is in time order.
DATE = Type("string", date=True)
# A time of day is text written HH:MM, 24-hour and zero-padded: compared as text, in time order.
TIME = Type("string", time=True)
NAMED_TYPES = {
    "string": STRING,
    "int": INT,
    "float": FLOAT,
    "bool": BOOL,
    "date": DATE,
    "time": TIME,
    "any": ANY,
}


def from_field(spec: FieldType, table: str | None = None) -> Type:
    """The DSL type of a schema field."""
    if spec.type == "enum":
        return Type("string", values=tuple(spec.values or ()), optional=spec.optional)
    if spec.type == "list":
        return Type(
            "list", elem=from_field(spec.items) if spec.items else ANY, optional=spec.optional
        )
    if spec.type == "map":
        return Type("map", elem=from_field(spec.of) if spec.of else ANY, optional=spec.optional)
    if spec.type == "object":
        if spec.fields is None:
            return Type("object", optional=spec.optional)
        fields = tuple((k, from_field(v)) for k, v in spec.fields.items())
        return Type("object", fields=fields, table=table, optional=spec.optional)
    if spec.type == "date":
        return Type("string", optional=spec.optional, date=True)
    if spec.type == "time":
        return Type("string", optional=spec.optional, time=True)
    return Type(spec.type, optional=spec.optional)


def is_numeric(t: Type) -> bool:
    return t.kind in NUMERIC or t.kind == "any"


def comparable(a: Type, b: Type) -> bool:
    """Whether ``a == b`` can ever be true (so comparing them is not a type error)."""
    if "any" in (a.kind, b.kind) or "null" in (a.kind, b.kind):
        return True
    if a.kind in NUMERIC and b.kind in NUMERIC:
        return True
    if (a.date and b.time) or (a.time and b.date):  # "2025-06-10" == "09:30" never holds
        return False
    if a.kind == b.kind and a.kind in ("list", "map"):  # [1] == ["1"] never holds
        return a.elem is None or b.elem is None or comparable(a.elem, b.elem)
    if a.kind == b.kind:
        return True
    return {a.kind, b.kind} <= {"object", "map"} or {a.kind, b.kind} <= {"table", "map"}


def branch_type(a: Type, b: Type) -> Type | None:
    """The type of ``x if c else y`` where ``x`` is of type ``a`` and ``y`` of type ``b``; None
    when the two cannot be one type. An int and a float mix to a float, as in arithmetic; null
    and a type give that type, optional.

    >>> branch_type(INT, FLOAT).name, branch_type(STRING, NULL).optional, branch_type(INT, BOOL)
    ('float', True, None)
    """
    optional = a.optional or b.optional
    if "any" in (a.kind, b.kind):
        return ANY
    if a.kind == "null" or b.kind == "null":
        other = b if a.kind == "null" else a
        return replace(other, optional=True) if other.kind != "null" else NULL
    if a.kind in NUMERIC and b.kind in NUMERIC:
        return replace(a if a.kind == b.kind else FLOAT, optional=optional)
    if a.kind != b.kind:
        return None if {a.kind, b.kind} != {"object", "map"} else Type("object", optional=optional)
    if replace(a, optional=False) == replace(b, optional=False):
        return replace(a, optional=optional)
    if a.kind == "string":  # a date and a time are never one type; text is either
        if (a.date and b.time) or (a.time and b.date):
            return None
        return Type(
            "string",
            values=a.values if a.values == b.values else None,
            optional=optional,
            date=a.date and b.date,
            time=a.time and b.time,
        )
    if a.kind in ("list", "map"):
        elem = branch_type(a.elem or ANY, b.elem or ANY)
        return None if elem is None else Type(a.kind, elem=elem, optional=optional)
    if a.kind == "object":  # rows of two tables, or objects of other fields
        return Type("object", optional=optional)
    return None  # two tables


def iterable_elem(t: Type) -> Type | None:
    """The element type a quantifier binds when iterating ``t`` (None: not iterable)."""
    if t.kind in ("list", "map"):
        return t.elem or ANY
    if t.kind == "table":
        return ANY  # resolved by the analyzer, which knows the schema
    if t.kind == "any" or (t.kind == "object" and t.fields is None):
        return ANY  # an open object (a call's args) may hold a map's values
    return None  # a row or an object of named fields: its values are of unrelated types


def assignable(value: Type, target: Type) -> bool:
    """Whether a value of type ``value`` may be passed where ``target`` is expected."""
    if "any" in (value.kind, target.kind):
        return True
    if value.kind == "null":
        return target.optional
    if value.kind == "int" and target.kind == "float":
        return True
    if (value.date and target.time) or (value.time and target.date):
        return False
    if value.kind != target.kind:
        return value.kind in ("object", "map") and target.kind in ("object", "map")
    if value.kind in ("list", "map") and value.elem is not None and target.elem is not None:
        return assignable(value.elem, target.elem)  # each item goes where an item is expected
    return True
