"""The domain spec as pydantic models: what a user writes in ``specs/<domain>/*.yaml``.

Task files have models of their own (:mod:`eigendsl.task_spec`), and so have the settings
sections, ``user_simulator``, ``sampling`` and ``training`` (:mod:`eigendsl.settings_spec`).
These models validate shape and types only;
names (tools, tables, fields, checks) are resolved later by :mod:`eigendsl.dsl.analysis`.
``eigendsl schema`` prints the JSON Schema of :class:`DomainSpec` so editors can validate and
complete spec files.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue as JsonSchema

from eigendsl.errors import ValueAt, did_you_mean
from eigendsl.field_values import value_matches
from eigendsl.settings_spec import Sampling, Training, UserSimulator
from eigendsl.support import date_problem, time_problem

SCALAR_TYPES = ("string", "int", "float", "bool", "date", "time", "any")
TYPE_NAMES = (*SCALAR_TYPES, "enum", "list", "object", "map")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A type written in brackets, as a checker file writes a list's (``list[string]``)
_BRACKETED = re.compile(r"^\s*(\w+)\s*\[(.*)\]\s*(\?)?\s*$")


def as_yaml_type(written: str) -> str | None:
    """How YAML writes the type ``written`` in brackets, the checker files' spelling of a list
    (``list[string]``), or None where it is not such a type.

    >>> as_yaml_type("list[string]"), as_yaml_type("list[list[int]]?"), as_yaml_type("str")
    ('{type: list, items: string}', '{type: list, items: {type: list, items: int}, \
optional: true}', None)
    >>> as_yaml_type("map[float]")
    '{type: map, of: float}'
    """
    match = _BRACKETED.match(written)
    if match is None or match.group(1) not in ("list", "map"):
        return None
    inner = match.group(2).strip()
    inner = as_yaml_type(inner) or (inner if inner.rstrip("?") in TYPE_NAMES else None)
    if inner is None:
        return None
    key = "items" if match.group(1) == "list" else "of"
    optional = ", optional: true" if match.group(3) else ""
    return f"{{type: {match.group(1)}, {key}: {inner}{optional}}}"


def yaml_type_hint(written: object) -> str | None:
    """What to write for a type given in brackets, as a checker file writes a list's
    (``list[string]``) or as Python writes a mapping's (``map[float]``).

    >>> print(yaml_type_hint("list[string]"))
    write this type as {type: list, items: string} in YAML ('list[...]' is checker files' spelling)
    """
    if not isinstance(written, str) or (yaml := as_yaml_type(written)) is None:
        return None
    dsl = " ('list[...]' is checker files' spelling)" if yaml.startswith("{type: list") else ""
    return f"write this type as {yaml} in YAML{dsl}"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _identifier(value: str, what: str) -> str:
    """``value``, or a ValueError that names the first character an identifier cannot hold.

    >>> try:
    ...     _identifier("transférer", "tool name")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[1])
    'é' is not ASCII (the name goes into Python and into tool-calling schemas), so write it without accents
    """  # noqa: E501
    if IDENT.match(value):
        return value
    why = ""
    if value[:1].isdigit():
        why = f"; it starts with the digit '{value[0]}'"
    elif bad := next((c for c in value if not (c.isascii() and (c.isalnum() or c == "_"))), ""):
        why = (
            f"; '{bad}' is not ASCII (the name goes into Python and into tool-calling schemas), "
            "so write it without accents"
            if bad.isalpha()
            else f"; it holds {bad!r}"
        )
    raise ValueError(
        f"{what} '{value}' must be an identifier: ASCII letters (a-z, A-Z), digits and '_', "
        f"not starting with a digit{why}"
    )


# What checker expressions read from the trace; a parameter of that name would hide it.
CONTEXT_NAMES = ("db", "initial", "gold", "calls", "messages")
# Words the checker DSL reads as keywords inside an expression: a let or a parameter of that name
# could never be read.
EXPRESSION_WORDS = frozenset(
    {
        "true",
        "false",
        "null",
        "not",
        "and",
        "or",
        "in",
        "contains",
        "before",
        "where",
        "for",
        "called",
        "said",
        "user_said",
        "all",
        "any",
        "count",
        "sum",
        "first",
        "last",
    }
)


#: The names expressions read the domain's clock by (``today`` and ``now`` in domain.yaml).
DOMAIN_CLOCK = {"today": "domain's date", "now": "domain's time of day"}


def reserved_name(name: str, words: bool = True) -> str | None:
    """Why a parameter may not be called ``name`` (it would hide what expressions read by that
    name: the trace's parts, the domain's date and time of day; with ``words``, a word of
    expressions, which the parser reads as the word), or None."""
    if name in CONTEXT_NAMES:
        return (
            f"parameter name '{name}' is reserved (checker expressions read '{name}' from the "
            "trace); rename the parameter"
        )
    if name in DOMAIN_CLOCK:  # a tool's: the agent would choose the day or time guards count from
        return (
            f"parameter name '{name}' is reserved (checker expressions read '{name}' as the "
            f"{DOMAIN_CLOCK[name]}); rename the parameter"
        )
    if words and name in EXPRESSION_WORDS:
        return (
            f"parameter name '{name}' is a word of the checker DSL's expressions, so no "
            "expression could read the parameter; rename the parameter"
        )
    return None


def parameter_names(params: dict[str, Any], words: bool = True) -> dict[str, Any]:
    """``params`` as given, once each name is an identifier and none is reserved (a tool's or a
    task template's parameters); with ``words`` (a tool's, which its guard and its declared body
    read) none is a word of expressions either."""
    for name in params:  # each refusal points at the name, not at 'params:'
        try:
            _identifier(name, "parameter name")
        except ValueError as exc:
            raise ValueAt(str(exc), (name,), key=True) from None
        if (why := reserved_name(name, words)) is not None:
            raise ValueAt(why, (name,), key=True)
    return params


def short_form_schema(full: JsonSchema, short: JsonSchema) -> JsonSchema:
    """A model's JSON Schema that also admits the short form its ``before`` validator expands:
    an editor checking a spec against the long form alone flags every short one."""
    description = full.get("description")
    return {
        **({"description": description} if description else {}),
        "anyOf": [short, full],
    }


class FieldType(Model):
    """A typed value: a scalar, an enum, a list, an object with named fields, or a map."""

    type: Literal[
        "string", "int", "float", "bool", "date", "time", "any", "enum", "list", "object", "map"
    ] = Field(
        description="The value's type (a date is text written YYYY-MM-DD, a time of day text "
        "written HH:MM on a 24-hour clock)."
    )
    description: str = Field("", description="What the value means; shown in prompts and schemas.")
    values: list[str] | None = Field(None, description="Allowed values of an enum.")
    items: FieldType | None = Field(None, description="Type of a list's items.")
    fields: dict[str, FieldType] | None = Field(None, description="Named fields of an object.")
    of: FieldType | None = Field(None, description="Type of a map's values (keys are strings).")
    ref: str | None = Field(None, description="Table whose key this value is (a reference).")
    optional: bool = Field(
        False, strict=True, description="Whether the value may be missing or null (true or false)."
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # `field: string` is short for `field: {type: string}`; `string?` marks it optional.
        if isinstance(data, str):
            optional = data.endswith("?")
            name = data.rstrip("?")
            if name not in TYPE_NAMES:
                hint = yaml_type_hint(data)
                if hint is not None:
                    raise ValueError(f"unknown type '{data}'; {hint}")
                expected = f"expected one of {', '.join(TYPE_NAMES)}"
                raise ValueError(
                    f"unknown type '{name}'" + did_you_mean(name, TYPE_NAMES, expected)
                )
            return {"type": name, "optional": optional}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> JsonSchema:
        """The schema editors read takes the short form too (``city: string``, ``string?``)."""
        return short_form_schema(
            handler(core),
            {
                "type": "string",
                "pattern": f"^({'|'.join(TYPE_NAMES)})\\??$",
                "description": "Short for {type: ...}; a trailing ? makes it optional.",
            },
        )

    @model_validator(mode="after")
    def _consistent(self) -> FieldType:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum needs 'values', the list of allowed values")
        repeated = sorted({v for v in self.values or () if (self.values or []).count(v) > 1})
        if repeated:
            raise ValueError(
                f"the enum's values list {', '.join(map(repr, repeated))} more than once; "
                "list each value once"
            )
        if self.type != "enum" and self.values is not None:
            raise ValueError("'values' is only allowed on an enum")
        if self.items is not None and self.type != "list":
            raise ValueError("'items' is only allowed on a list")
        if self.fields is not None and self.type != "object":
            raise ValueError("'fields' is only allowed on an object")
        if self.of is not None and self.type != "map":
            raise ValueError("'of' is only allowed on a map")
        return self


class Table(Model):
    """A database table: rows keyed by one string field."""

    key: str = Field(description="The field whose value identifies a row.")
    description: str = Field("", description="What a row is.")
    fields: dict[str, FieldType] = Field(description="The row's fields and their types.")

    @model_validator(mode="after")
    def _key_is_field(self) -> Table:
        if self.key not in self.fields:
            # At the key's value, with the field meant: a key is most often a misspelt field.
            fields = ", ".join(self.fields)
            raise ValueAt(
                f"key '{self.key}' is not one of the table's fields"
                + did_you_mean(self.key, list(self.fields), f"the fields are {fields}"),
                ("key",),
            )
        return self


class Database(Model):
    """Schema of the domain's database and where its seed data lives."""

    seed: str = Field(description="Seed data file (YAML or JSON), relative to the spec folder.")
    tables: dict[str, Table] = Field(description="Tables by name.")


class Naming(Model):
    """How a tool parameter's id may be named in words: by the values of the fields of the
    record it is the key of (an order's item by its product's name and its options' values),
    so a proposal that says those names the id.

    >>> Naming.model_validate({"table": "orders", "within": "items", "key": "item_id",
    ...     "fields": ["name", "options"]}).fields
    ['name', 'options']
    """

    table: str = Field(description="The table that holds the records the id is a key of.")
    within: str | None = Field(
        None,
        description="A field of the table's rows, a list or a map of objects, that holds the "
        "records (an order's `items`); without it the records are the table's rows.",
    )
    key: str | None = Field(
        None,
        description="The records' field whose value the id is; the table's key without "
        "`within`, and needed with it.",
    )
    fields: list[str] = Field(
        # at least one, which eigendsl.namings says in its own words, as pydantic would not
        json_schema_extra={"minItems": 1},
        description="The fields whose values name the record, all of them said together (a "
        "map's or an object's values each); a field the records lack is their row's (a "
        "variant's product `name`). The first is the record's name: a mention that says the "
        'others alone ("the red one") takes the name last said before it.',
    )


class Param(FieldType):
    """A tool parameter."""

    default: Any = Field(None, description="Value used when an optional parameter is omitted.")
    named_by: Naming | None = Field(
        None,
        description="How the value, an id (or a list of ids) the user never sees, may be named "
        "in a proposal the user confirms: by the fields of the record it is the key of.",
    )

    @model_validator(mode="after")
    def _default_fits(self) -> Param:
        problem = None if self.default is None else value_matches(self.default, self)
        if problem:
            raise ValueError(f"the default {problem}")
        return self


class Declared(Model):
    """A declarative tool body: read an expression, or update one row's fields."""

    returns: str | None = Field(None, description="DSL expression whose value the tool returns.")
    update: str | None = Field(
        None, description="DSL path of the row to update, e.g. db.users[user_id]."
    )
    set: dict[str, str] | None = Field(None, description="Field → DSL expression of its new value.")

    @model_validator(mode="after")
    def _has_body(self) -> Declared:
        if self.returns is None and self.update is None:
            raise ValueError("a declarative tool needs 'returns', 'update', or both")
        if (self.update is None) != (self.set is None):
            raise ValueError("'update' and 'set' go together")
        return self


class Tool(Model):
    """A tool the agent can call."""

    description: str = Field(description="What the tool does; shown to the model.")
    params: dict[str, Param] = Field(default_factory=dict, description="Parameters by name.")
    writes: bool = Field(
        False, strict=True, description="Whether the tool changes the database (true or false)."
    )
    tags: list[str] = Field(
        default_factory=list, description="Free labels (lookup, auth, transfer...)."
    )
    python: str | None = Field(
        None, description="Implementation `module:function` in the spec folder."
    )
    declare: Declared | None = Field(None, description="Declarative implementation.")

    @field_validator("params")
    @classmethod
    def _param_names(cls, value: dict[str, Param]) -> dict[str, Param]:
        return parameter_names(value)

    @model_validator(mode="after")
    def _one_impl(self) -> Tool:
        if (self.python is None) == (self.declare is None):
            raise ValueError("a tool needs exactly one implementation: 'python' or 'declare'")
        if self.python is not None and not re.match(r"^[\w.]+:\w+$", self.python):
            raise ValueError(f"'python' must look like module:function, not '{self.python}'")
        return self


class DomainSpec(Model):
    """`domain.yaml`: the whole domain."""

    name: str = Field(description="Domain name (an identifier); output goes to generated/<name>/.")
    description: str = Field("", description="One paragraph about the domain.")
    policy: str = Field(description="Markdown file with the policy the agent must follow.")
    today: dt.date | None = Field(
        None,
        description="The domain's date (YYYY-MM-DD), for rules that count days: the name "
        "'today' in expressions, and a line of the agent prompt.",
    )
    now: str | None = Field(
        None,
        description="The domain's time of day (HH:MM, 24-hour), for rules that count minutes: "
        "the name 'now' in expressions, and the agent prompt's line that says what day it is.",
    )
    database: Database
    tools: dict[str, Tool] = Field(description="Tools by name.")
    checkers: list[str] = Field(description="Checker DSL files (globs allowed).")
    tasks: list[str] = Field(description="Task files (globs allowed).")
    user_simulator: UserSimulator = Field(default_factory=UserSimulator)
    sampling: Sampling = Field(default_factory=Sampling)
    training: Training = Field(default_factory=Training)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _identifier(value, "domain name")

    @field_validator("today", mode="before")
    @classmethod
    def _today(cls, value: Any) -> Any:
        if value is None or isinstance(value, dt.date):
            return value
        problem = date_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return dt.date.fromisoformat(value)

    @field_validator("now", mode="before")
    @classmethod
    def _now(cls, value: Any) -> Any:
        # an unquoted 10:30 is already its text, not YAML 1.1's 630 (eigendsl.yamlload)
        if value is not None and (problem := time_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @field_validator("tools")
    @classmethod
    def _tool_names(cls, value: dict[str, Tool]) -> dict[str, Tool]:
        for name in value:  # the refusal points at the name, not at 'tools:'
            try:
                _identifier(name, "tool name")
            except ValueError as exc:
                raise ValueAt(str(exc), (name,), key=True) from None
        return value
