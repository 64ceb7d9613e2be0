"""YAML with line marks: every mapping and sequence remembers where its keys and items are.

Duplicate keys are errors (plain PyYAML keeps the last one silently). Positions let the compiler
point pydantic errors and embedded DSL text back at ``file:line:col``. A value the loader refuses
(a duplicate key, a refused tag, a lone surrogate, an int too long) does not stop it: the file's
refusals are raised together once it is read, so one compile reports them all.

>>> data = loads("a:\\n  b: 1\\n", "x.yaml")
>>> data.position("a")
Span(path='x.yaml', line=1, col=1, end_line=None, end_col=None)
>>> data["a"].value_span("b")
Span(path='x.yaml', line=2, col=6, end_line=None, end_col=None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import yaml

from eigendsl.errors import Diagnostic, EigenError, Span
from eigendsl.yaml_errors import syntax_error

# The deepest nesting of lists and mappings a spec file may hold: reading YAML, and every stage
# after it, recurses once a level, and Python's recursion limit is about a thousand calls.
MAX_NESTING = 100
# The most values a YAML file may hold once its aliases are expanded (tau2's retail database, a
# JSON file, holds about 66,000).
MAX_VALUES = 10_000_000
TOO_DEEP = (
    f"this value is nested more than {MAX_NESTING} levels deep, deeper than EigenDSL reads; "
    "flatten it"
)

TOO_LONG = (
    "this number has more digits than an int can hold (4300 decimal digits); write a smaller one"
)


class MarkedDict(dict):
    """A mapping loaded from YAML, with the span of each key and value."""

    path: str
    span: Span

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_spans: dict[Any, Span] = {}
        self.value_spans: dict[Any, Span] = {}
        self.value_styles: dict[Any, str | None] = {}
        # keys of a {…} mapping written with no ':' (``{a: one, two}`` holds the key 'two'): what
        # an unquoted comma inside a value makes
        self.bare_keys: set[Any] = set()

    def position(self, key: Any) -> Span:
        return self.key_spans.get(key, self.span)

    def value_span(self, key: Any) -> Span:
        return self.value_spans.get(key, self.position(key))


class MarkedList(list):
    """A sequence loaded from YAML, with the span of each item."""

    span: Span

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_spans: list[Span] = []
        self.item_styles: list[str | None] = []

    def position(self, index: Any) -> Span:
        if isinstance(index, int) and 0 <= index < len(self.item_spans):
            return self.item_spans[index]
        return self.span

    value_span = position


def _span(path: str, node: yaml.Node) -> Span:
    return Span(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(yaml.SafeLoader):
    path = "<string>"
    depth = 0  # lists and mappings around the node being composed

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # what was refused while the values were built, each in place of a value: the file's
        # errors, raised together once it is read
        self.refused: list[Diagnostic] = []

    def refuse(self, node: yaml.Node, message: str) -> None:
        self.refused.append(Diagnostic(_span(self.path, node), message))

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.CollectionStartEvent):
            if self.depth >= MAX_NESTING:
                mark = self.peek_event().start_mark
                raise EigenError(
                    Diagnostic(Span(self.path, mark.line + 1, mark.column + 1), TOO_DEEP)
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.span = _span(loader.path, node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            message = "a mapping key must be a plain value"
            if isinstance(key, dict) and len(key) == 1 and None in key.values():
                # {{ name }} unquoted: a mapping whose one key is the mapping {name}
                jinja = f"'{{{{ {next(iter(key))} }}}}'"
                message = (
                    f"an unquoted {jinja[1:-1]} is a mapping in YAML, not text; quote it: {jinja}"
                )
            loader.refuse(key_node, message)
            continue
        if key in result:  # an error, the first value kept: the next duplicate is reported too
            first = result.key_spans[key]
            loader.refuse(key_node, duplicate_key(key, first.line))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_spans[key] = _span(loader.path, key_node)
        result.value_spans[key] = _span(loader.path, value_node)
        result.value_styles[key] = getattr(value_node, "style", None)
        if node.flow_style and value_node.tag == "tag:yaml.org,2002:null" and not value_node.value:
            result.bare_keys.add(key)
    return result


def duplicate_key(key: object, first_line: int) -> str:
    """What a key written twice in one mapping (of a YAML or a JSON file) is said to be."""
    return f"duplicate key '{key}' (first defined at line {first_line}); remove one of them"


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    """A date or time written unquoted (2025-06-10) stays the text it is, as in JSON data: a field
    of type string takes it, the DSL's date functions read it, and 2025-02-30 is no crash."""
    return str(loader.construct_scalar(node))


#: Why ``yes`` is no boolean (:func:`_construct_bool`), for the errors of every bool setting.
YAML_BOOL_TEXT = (
    "yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write true or false"
)


def is_yaml11_bool(value: Any) -> bool:
    """Whether ``value`` is text that YAML 1.1 would have read as a boolean (``yes``, ``Off``)."""
    return isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "y", "n")


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool | str:
    """``true`` and ``false`` (any case) are booleans, as in JSON and YAML 1.2; YAML 1.1's other
    spellings (``yes``, ``no``, ``on``, ``off``) stay the text they are: an enum's ``[yes, no]``,
    Norway's code ``NO`` or a key ``on:``; where true or false is due, the error says so."""
    text = str(loader.construct_scalar(node))
    return text.lower() == "true" if text.lower() in ("true", "false") else text


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode, deep: bool = False) -> MarkedList:
    result = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    result.span = _span(loader.path, node)
    result.item_spans = [_span(loader.path, child) for child in node.value]
    result.item_styles = [getattr(child, "style", None) for child in node.value]
    return result


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    """An int, or an error at it past the 4300 digits Python reads or writes in decimal (a
    ValueError otherwise, here or where the value is written as JSON: 0x... reads any length).
    YAML 1.1's base 60 (``10:30`` is 630) stays the text it is, as in YAML 1.2 and JSON: it is a
    time of day, and a field of type ``time`` takes it."""
    if ":" in str(node.value):
        return str(node.value)
    try:
        value = loader.construct_yaml_int(node)
        if value.bit_length() > 14_000:
            str(value)
        return value
    except ValueError:
        loader.refuse(node, TOO_LONG)
        return str(node.value)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float | str:
    """A float; YAML 1.1's base 60 (``1:30.5`` is 90.5) stays the text it is, as an int's does."""
    if ":" in str(node.value):
        return str(node.value)
    return float(loader.construct_yaml_float(node))


#: A lone half of a UTF-16 surrogate pair: no character, and no UTF-8 file or JSON line can hold
#: it (text decoded with errors="surrogateescape" does, and JSON's "\ud800" escape gives one).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    """Text, with an escaped surrogate pair (``"\\ud83d\\ude00"``, as JSON writes characters
    past U+FFFF) read as the one character it stands for; a lone surrogate is an error at it: it
    is no character, and no file or JSON line can hold it as UTF-8."""
    text, problem = join_surrogate_pairs(str(loader.construct_scalar(node)))
    if problem:
        loader.refuse(node, problem)
    return text


def join_surrogate_pairs(text: str, what: str = "text") -> tuple[str, str | None]:
    """``text`` with each escaped surrogate pair joined into the character it stands for, and
    the sentence saying why it cannot be kept if a lone surrogate remains (None if none).

    >>> join_surrogate_pairs(chr(0xD83D) + chr(0xDE00)) == (chr(0x1F600), None)
    True
    >>> print(join_surrogate_pairs(chr(0xD800), "string")[1][:43])
    this string holds a lone surrogate (\\ud800)
    """
    if not LONE_SURROGATE.search(text):
        return text, None
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if lone := LONE_SURROGATE.search(text):
        return text, (
            f"this {what} holds a lone surrogate (\\u{ord(lone.group()):04x}), which is no "
            "character and cannot be written as UTF-8; write the character itself, or both "
            "halves of its pair (\\ud83d\\ude00)"
        )
    return text, None


def _construct_refused(loader: _Loader, node: yaml.Node) -> Any:
    """YAML's tags for other kinds of value (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``)
    are an error at the value: ``name: !!binary aGVsbG8=`` named the domain ``hello``."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    loader.refuse(
        node,
        f"'{tag}' is a YAML tag a spec does not take: its values are text, numbers, true or "
        f"false, null, lists and mappings; remove the tag and write the value itself",
    )
    return None


for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_refused)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def loads(text: str, path: str) -> Any:
    """Parse YAML text; errors become :class:`EigenError` with the file position.

    Results are cached by (text, path): synthesis compiles the same spec files many times.
    Callers must treat the result as read-only."""
    return _loads_cached(text, path)


@lru_cache(maxsize=128)
def _loads_cached(text: str, path: str) -> Any:
    loader = None
    try:
        # the reader refuses a control character as the loader is made (a ReaderError)
        loader = type("Loader", (_Loader,), {"path": path})(text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise EigenError(syntax_error(exc, text, path)) from None
    except yaml.YAMLError as exc:
        raise EigenError(Diagnostic(Span(path, 1, 1), f"invalid YAML: {exc}")) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.refused:  # in the order of the file (a mapping's keys are built before its values)
        raise EigenError(sorted(loader.refused, key=lambda d: (d.span.line, d.span.col)))
    nesting, size = value_shape(data)
    if nesting > MAX_NESTING:  # through aliases, which the composer does not count
        raise EigenError(
            Diagnostic(
                Span(path, 1, 1),
                f"values of this file are nested more than {MAX_NESTING} levels deep through "
                "aliases (*name), deeper than EigenDSL reads; flatten them",
            )
        )
    if size > MAX_VALUES:  # aliases of aliases: each level doubles what a copy would hold
        raise EigenError(
            Diagnostic(
                Span(path, 1, 1),
                f"this file's aliases (*name) expand to {size:,} values, more than EigenDSL "
                f"reads ({MAX_VALUES:,}); write the values out, or alias fewer",
            )
        )
    return data


def value_shape(value: Any) -> tuple[int, int]:
    """How many lists and mappings ``value`` nests, and how many values it holds once YAML
    aliases are expanded (as a copy or JSON of it would hold them), counted without recursion;
    a list or mapping that aliases share is walked once."""
    shapes: dict[int, tuple[int, int]] = {}  # id of a list or mapping -> (nesting, values)
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        current, children_done = stack.pop()
        if not isinstance(current, (dict, list)) or id(current) in shapes:
            continue
        items = list(current.values()) if isinstance(current, dict) else current
        if children_done:
            inner = [shapes.get(id(i), (0, 1)) for i in items]
            shapes[id(current)] = (
                1 + max((depth for depth, _ in inner), default=0),
                1 + sum(size for _, size in inner),
            )
        else:
            stack.append((current, True))
            stack.extend((item, False) for item in items)
    return shapes.get(id(value), (0, 1))


def to_plain(value: Any) -> Any:
    """A deep copy as plain dicts and lists: YAML's marked containers for data handed to
    generated code, a write tool's staged rows for its result, a view's rows for tau2's."""
    if isinstance(value, Mapping):  # a staged table or database is a mapping, not a dict
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
