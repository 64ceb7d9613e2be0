"""The small, stable support module that generated verifiers import (stdlib only).

Generated code imports nothing else from EigenDSL, so a ``generated/<domain>/verifiers`` folder
plus this file can be vendored into any trainer. It defines the trace a verifier reads
(:class:`Trace`, :class:`Call`, :class:`Message`), the :class:`Verdict` it returns, and the
helpers the generated code calls.

>>> trace = Trace.from_messages(
...     [{"role": "user", "content": "Cancel #W1"},
...      {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
...        "function": {"name": "cancel", "arguments": '{"order_id": "#W1"}'}}]},
...      {"role": "tool", "tool_call_id": "c1", "content": "ok"},
...      {"role": "assistant", "content": "Your order is cancelled."}], db={})
>>> called(trace.calls, "cancel", {"order_id": "#W1"}), said(trace, "assistant", "CANCELLED")
(True, True)
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

SCHEMA_VERSION = 1


class ToolError(Exception):
    """Raised by a tool implementation: the message goes back to the agent, the database is kept."""


class EvalError(Exception):
    """A DSL expression could not be evaluated on this trace (a missing row, a null field...)."""


class GuardFault(Exception):
    """A guard's condition raised an exception that is not an :class:`EvalError`: a bug of the
    spec (a field read from text, a division by zero), not a refusal of the call. It carries the
    condition's DSL position; the exception is its ``__cause__``."""

    def __init__(self, error: BaseException, path: str, line: int, col: int):
        division = isinstance(error, ZeroDivisionError) and hasattr(error, "dsl_division")
        what = describe_error(error) if division else f"{type(error).__name__}: {error}"
        super().__init__(f"{path}:{line}:{col}: {what}")
        self.error, self.path, self.line, self.col = error, path, line, col


class Call:
    """One tool call of a trace: what was called, with what, what came back, and when."""

    __slots__ = ("tool", "args", "result", "error", "position", "index", "writes", "tags", "id")

    def __init__(
        self,
        tool: str,
        args: dict[str, Any],
        result: Any = None,
        error: str | None = None,
        position: int = 0,
        index: int = 0,
        writes: bool = False,
        tags: tuple[str, ...] = (),
        id: str = "",
    ):
        self.tool, self.args, self.result, self.error = tool, args, result, error
        self.position, self.index, self.writes, self.tags, self.id = (
            position,
            index,
            writes,
            tags,
            id,
        )

    @property
    def ok(self) -> bool:
        return self.error is None

    def __getitem__(self, name: str) -> Any:
        # Verifiers read fields as `c["tool"]`; the analysis admits only field names, so this is
        # a plain attribute read (the hottest line of a verdict).
        if name == "args":
            return CallArguments(self)
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_brief(v)}" for k, v in self.args.items())
        return f"{self.tool}({args})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "args": self.args,
            "result": self.result,
            "error": self.error,
            "position": self.position,
            "index": self.index,
            "writes": self.writes,
            "tags": list(self.tags),
            "id": self.id,
        }


class CallArguments(dict[str, Any]):
    """A call's arguments as a verifier reads them: ``c.args.plan_id`` of a call that was not
    given ``plan_id`` raises :class:`MissingArgument`, which names the call.

    >>> CallArguments(Call("get_line", {"line_id": "L-1"}))["plan_id"]
    Traceback (most recent call last):
    eigendsl.support.MissingArgument: 'plan_id'
    """

    __slots__ = ("call",)

    def __init__(self, call: Call):
        super().__init__(call.args)
        self.call = call

    def __missing__(self, name: str) -> Any:
        raise MissingArgument(name, self.call)


class MissingArgument(KeyError):
    """An argument read from a call that was not given it. Still a ``KeyError`` (a guard that
    reads one is a bug of the spec, as before), with the call to name in a verdict's reason."""

    def __init__(self, name: str, call: Call):
        super().__init__(name)
        self.call = call

    def reason(self) -> str:
        name = self.args[0]
        return (
            f"call {self.call.index + 1}, {self.call!r}, has no argument {_json_text(name)} (a "
            f"call's args are the arguments it was given): read .{name} only of the calls of a "
            "tool that takes it, with a where on the call's tool"
        )


class Message:
    """One message of a trace, with its position among all messages."""

    __slots__ = ("role", "content", "position")

    def __init__(self, role: str, content: str, position: int):
        self.role, self.content, self.position = role, content, position

    def __getitem__(self, name: str) -> Any:
        # Verifiers read fields as `m["role"]`; the analysis admits only field names, so this is
        # a plain attribute read (the hottest line of a verdict).
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __repr__(self) -> str:
        return f"{self.role}@{self.position}: {self.content[:60]!r}"


# A decimal comma: between digits, one or two digits after it (``25,0``, ``12,50``); three
# (``1,093``) make a thousands separator, which goes with the other commas.
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
# Thousands grouped with points: before a decimal comma (``1.000,50``) or in two groups or more
# (``1.000.000``). One group alone, ``1.000``, is a decimal point, as English writes it.
_POINT_GROUPED = re.compile(
    r"(?<![\w.,])\d{1,3}(?:(?:\.\d{3})+,\d{1,2}|(?:\.\d{3}){2,})(?!\d|[.,]\d)"
)
# Thousands grouped with a space, a no-break or a thin space (``1 000``, ``12 500.50``): each
# group exactly three digits; glued only beside money (see :func:`_glue_thousands`).
_SPACE_GROUPED = re.compile(r"(?<![\w.])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?:\.\d+)?(?!\d)")
_BILLS = re.compile(r"\s*(?:bills?|notes?|coins?)\b")  # "2 100 dollar bills" are two numbers
# An ISO date and time: the ``T`` between them (``2025-06-16T15:00``) parts the two.
_ISO_T = re.compile(r"(?<=\d{4}-\d\d-\d\d)t(?=\d\d:\d\d)")


def _point_grouped(text: str) -> str:
    """``text`` with thousands grouped by points written plain (``1.000,50`` is ``1000.50``)."""
    return _POINT_GROUPED.sub(lambda m: m.group().replace(".", "").replace(",", "."), text)


def _glue_thousands(text: str) -> str:
    """``text`` with thousands grouped by spaces written plain where a currency sign or code is
    before them or a money word after them (``1 000 eur``, ``$ 12 500``); elsewhere two numbers
    a space apart stay two (``items 1 000``, ``2 100-dollar bills``, ``2 100 dollar bills``).

    >>> _glue_thousands("1 000 eur, $12\u00a0500.50, 2 100-dollar bills, items 1 000, 1 0000 usd")
    '1000 eur, $12500.50, 2 100-dollar bills, items 1 000, 1 0000 usd'
    >>> _glue_thousands("2 100 dollar bills")
    '2 100 dollar bills'
    """

    def glued(match: re.Match[str]) -> str:
        start, end = match.span()
        money_after = _MONEY_AFTER.match(text, end)
        if _MONEY_BEFORE.search(text, max(0, start - 8), start) or (
            money_after and not _BILLS.match(text, money_after.end())
        ):
            return re.sub(r"[ \u00a0\u2009\u202f]", "", match.group())
        return match.group()

    return _SPACE_GROUPED.sub(glued, text)


def normalize_text(text: Any) -> str:
    """Text as ``said`` compares it: lower case, commas removed (tau2-bench's convention) but a
    decimal comma read as a point, thousands grouped by points or (beside money) spaces written
    plain, and an ISO date and time parted by a space.

    >>> normalize_text("Copay: 25,0 EUR; 1,093.34 in all, 1.000,50 EUR on 2025-06-16T15:00")
    'copay: 25.0 eur; 1093.34 in all 1000.50 eur on 2025-06-16 15:00'
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    text = _point_grouped(_ISO_T.sub(" ", str(text).lower()))
    return _glue_thousands(_DECIMAL_COMMA.sub(".", text).replace(",", ""))


@dataclass
class Trace:
    """Everything a verifier may read about one episode."""

    db: dict[str, Any]
    initial: dict[str, Any] = field(default_factory=dict)
    gold: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    _texts: dict[str, list[tuple[int, str]]] | None = None
    #: A judge model for ``judge "..."`` statements: assertion text -> whether the conversation
    #: meets it. Without one, those statements are reported as not judged (never passed).
    judge: Callable[[str], bool] | None = None

    def texts(self, role: str) -> list[tuple[int, str]]:
        """(position, normalized text) of the messages of ``role`` that have text."""
        if self._texts is None:
            self._texts = {}
        cached = self._texts.get(role)
        if cached is None:
            cached = [
                (m.position, normalize_text(m.content))
                for m in self.messages
                if m.role == role and m.content
            ]
            self._texts[role] = cached
        return cached

    @classmethod
    def from_messages(
        cls,
        messages: list[dict[str, Any]],
        db: dict[str, Any],
        initial: dict[str, Any] | None = None,
        gold: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        tools: dict[str, dict[str, Any]] | None = None,
    ) -> Trace:
        """Build a trace from OpenAI-format messages (``tool_calls`` and ``tool`` results).

        A call's position is the index of its ``tool`` result message (or of the assistant
        message that made it, when no result follows). ``tools`` maps a tool name to its
        ``writes`` flag and ``tags``.
        """
        tools = tools or {}
        calls: list[Call] = []
        by_id: dict[str, Call] = {}
        plain: list[Message] = []
        for position, message in enumerate(messages):
            role = message.get("role", "")
            content = message.get("content")
            plain.append(Message(role, content if isinstance(content, str) else "", position))
            if role == "assistant":
                for raw in message.get("tool_calls") or ():
                    function = raw.get("function", raw)
                    args = function.get("arguments", {})
                    if isinstance(args, str):
                        try:
                            args = json.loads(args)
                        except json.JSONDecodeError:
                            args = {}
                    info = tools.get(function.get("name", ""), {})
                    call = Call(
                        function.get("name", ""),
                        args if isinstance(args, dict) else {},
                        position=position,
                        index=len(calls),
                        writes=bool(info.get("writes")),
                        tags=tuple(info.get("tags", ())),
                        id=raw.get("id", ""),
                    )
                    calls.append(call)
                    by_id[call.id] = call
            elif role == "tool":
                answered = by_id.get(message.get("tool_call_id", ""))
                if answered is not None:
                    answered.position = position
                    payload = _decode(content)
                    if isinstance(payload, dict) and set(payload) == {"error"}:
                        answered.error = str(payload["error"])
                    elif isinstance(content, str) and content.startswith("Error:"):
                        answered.error = content[len("Error:") :].strip()
                    else:
                        answered.result = payload
        return cls(db, initial or {}, gold or {}, params or {}, calls, plain)


def _decode(content: Any) -> Any:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content


@dataclass
class Failure:
    """A failed statement: what it said, why it failed, the values involved, where it is."""

    statement: str
    reason: str
    path: str
    line: int
    col: int
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "reason": self.reason,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "values": self.values,
        }


def is_score_term(failure: dict[str, Any]) -> bool:
    """Whether a verdict's failure (as a dict) is a `score` term that did not hold: it lowers the
    score and fails nothing. A statement's text starts with its keyword."""
    return str(failure.get("statement", "")).startswith("score ")


@dataclass
class Verdict:
    """The result of a verifier: passed, a score in [0, 1], and the failures with reasons."""

    name: str
    passed: bool
    score: float
    failures: list[Failure] = field(default_factory=list)
    #: Advisory statements that did not hold or were not judged: shown, never gating.
    notes: list[Failure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "passed": self.passed,
            "score": self.score,
            "failures": [f.to_dict() for f in self.failures],
        }
        if self.notes:
            out["notes"] = [f.to_dict() for f in self.notes]
        if self.not_judged:
            out["not_judged"] = [f.values["assertion"] for f in self.not_judged]
        return out

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.failures]

    @property
    def not_judged(self) -> list[Failure]:
        """``judge`` statements no judge model ran on (gating ones are also failures)."""
        return [f for f in self.failures + self.notes if f.values.get("judged") is False]


def finish(
    name: str,
    hard_ok: int,
    hard_total: int,
    soft_ok: float,
    soft_total: float,
    failures: list[Failure],
    notes: list[Failure] | None = None,
) -> Verdict:
    """Combine statement results. The hard statements (require, forbid, unchanged) gate: passed
    iff all held. Without `score` terms the score is 1 or 0. With them, the weighted share r of
    `score` terms that held shapes it: (1 + r) / 2 when passed, r / 2 when not, so a passing
    trajectory always scores at least as high as a failing one, and doing nothing scores 0."""
    passed = hard_ok == hard_total
    if soft_total == 0:
        score = 1.0 if passed else 0.0
    else:
        share = soft_ok / soft_total
        score = (1 + share) / 2 if passed else share / 2
    return Verdict(name, passed, round(score, 6), failures, list(notes or ()))


# ---------------------------------------------------------------------------- helpers


def _brief(value: Any, depth: int = 2, quote: Callable[[str], str] | None = None) -> str:
    """A value as JSON writes it (``null``, ``["I1"]``, ``"text"``, ``true``), looking at most
    a few entries a few levels deep (cheap on a whole database); ``quote`` writes text another
    way (``repr``, for the sentences of an error that name one value).

    >>> _brief({"items": ["I1", None], "paid": True, "total": 68.1})
    '{"items": ["I1", null], "paid": true, "total": 68.1}'
    """
    quoted = quote or _json_text
    if isinstance(value, Mapping):
        if depth == 0:
            return "{...}" if value else "{}"
        # islice, not list(items)[:3]: a whole table's rows were listed for each reason
        first = list(itertools.islice(value.items(), 4))
        keys = [quoted(k) if isinstance(k, str) else repr(k) for k, _ in first[:3]]
        items = [
            f"{k}: {_brief(v, depth - 1, quote)}" for k, (_, v) in zip(keys, first, strict=False)
        ]
        return "{" + ", ".join(items) + (", ..." if len(first) > 3 else "") + "}"
    if isinstance(value, (list, tuple)):
        if depth == 0:
            return "[...]" if value else "[]"
        items = [_brief(v, depth - 1, quote) for v in value[:4]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "]"
    if isinstance(value, str):
        return quoted(value[:77] + "..." if len(value) > 80 else value)
    if value is None or isinstance(value, bool):  # as the DSL, YAML and JSON write them
        return _json_text(value)
    return repr(value)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def summarize(value: Any, limit: int = 120, depth: int = 3) -> Any:
    """A JSON value, bounded, for a failure's ``values``: text cut at ``limit`` characters, at
    most a few entries of a list or object a few levels deep (a ``"..."`` entry or item says
    more were left out), a call or message as its text.

    >>> summarize({"a": [1, 2, 3, 4, 5], "b": None})
    {'a': [1, 2, 3, 4, '...'], 'b': None}
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        if isinstance(value, str) and len(value) > limit:
            return value[:limit] + "..."
        return value
    if isinstance(value, Mapping):
        if depth == 0:
            return "{...}" if value else {}
        first = list(itertools.islice(value.items(), 4))
        out = {str(k): summarize(v, limit, depth - 1) for k, v in first[:3]}
        if len(first) > 3:
            out["..."] = "..."
        return out
    if isinstance(value, (list, tuple)):
        if depth == 0:
            return "[...]" if value else []
        items = [summarize(v, limit, depth - 1) for v in value[:4]]
        return items + (["..."] if len(value) > 4 else [])
    return show(value, limit)


def show(value: Any, limit: int = 120) -> str:
    """A short text for a value in a reason, as JSON writes it (bounded work, even for a whole
    database); a call or message as its text."""
    text = str(value) if isinstance(value, (Call, Message)) else _brief(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def named(value: Any, limit: int = 120) -> str:
    """A value an error's sentence names (``orders has no row with key '#9'``), text in single
    quotes: guards refuse with these sentences, and compile errors give them."""
    text = str(value) if isinstance(value, (Call, Message)) else _brief(value, quote=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MISSING = object()


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The names that hold a whole database: the keys two steps in (db.orders["#1"]) are rows.
_DATABASES = ("db", "initial", "gold")


def key_step(key: Any, row: bool = False) -> str:
    """One step into a value as the DSL writes it: a field, or an entry whose key is a name,
    ``.status``; another key in brackets as JSON writes it, ``["#1"]``; a list's index ``[0]``.
    A table's ``row`` is read in brackets whatever its key.

    >>> key_step("status"), key_step("#W1"), key_step(0), key_step("usr_1", row=True)
    ('.status', '["#W1"]', '[0]', '["usr_1"]')
    """
    if isinstance(key, str):
        return f".{key}" if not row and _NAME.match(key) else f"[{_json_text(key)}]"
    return f"[{_brief(key, 0)}]"


def place(base: str, keys: Iterable[Any], row_at: int | None = None) -> str:
    """Where ``keys`` lead from the value the DSL text ``base`` reads, as the DSL writes it
    (:func:`key_step`). The key at position ``row_at`` is a table's row; by default the second
    key from ``db``, ``initial`` or ``gold`` and the first from one of their tables.

    >>> place("db", ["orders", "#1", "items", 0, "item_id"])
    'db.orders["#1"].items[0].item_id'
    >>> place("gold.users", ["usr_1", "payment_methods", "gift_1"])
    'gold.users["usr_1"].payment_methods.gift_1'
    >>> place("", ["user", "known", "order id"]), place("orders", ["u1", "total"], row_at=0)
    ('user.known["order id"]', 'orders["u1"].total')
    """
    if row_at is None:
        head, _, table = base.partition(".")
        row_at = -1 if head not in _DATABASES else 1 if not table else 0
        row_at = row_at if not table or _NAME.match(table) else -1
    text = base
    for depth, key in enumerate(keys):
        step = key_step(key, depth == row_at)
        text += step[1:] if not text and step.startswith(".") else step
    return text


#: How many differences a failure's reason names (the rest counted: "and 4 more places
#: differ"), and how many its ``values`` hold (with ``more``, how many besides).
SHOWN_DIFFERENCES = 3
KEPT_DIFFERENCES = 20


def _differences(
    left: Any, right: Any, limit: int
) -> tuple[list[tuple[tuple[Any, ...], Any, Any]], int]:
    """Where two values differ: (the keys that lead there, left, right), the first ``limit`` of
    them, and how many there are in all; an entry one side leaves out is :data:`_MISSING`
    there."""
    out: list[tuple[tuple[Any, ...], Any, Any]] = []
    count = 0

    def found(where: tuple[Any, ...], a: Any, b: Any) -> None:
        nonlocal count
        count += 1
        if len(out) < limit:
            out.append((where, a, b))

    def walk(a: Any, b: Any, where: tuple[Any, ...]) -> None:
        if a is b or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key, value in a.items():
                if key not in b:
                    found((*where, key), value, _MISSING)
                else:
                    other = b[key]
                    if value is other or value == other:  # most rows: shared or equal, no call
                        continue
                    walk(value, other, (*where, key))
            for key in b:
                if key not in a:
                    found((*where, key), _MISSING, b[key])
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, (*where, i))
        else:
            found(where, a, b)

    walk(left, right, ())
    return out, count


def diff(left: Any, right: Any, base: str = "", limit: int = SHOWN_DIFFERENCES) -> list[str]:
    """Where two values differ, as short sentences (the first ``limit``, then how many more),
    each place written from ``base``, the DSL text of the left value (:func:`place`).

    >>> diff({"orders": {"#1": {"status": "pending"}}}, {"orders": {"#1": {}}}, "db")
    ['db.orders["#1"].status is "pending", expected left out']
    >>> diff([], ["#1"], "[o.order_id for o in db.orders]")
    ['value is [], expected ["#1"]']
    >>> diff([1, 2, 3, 4, 5], [1, 0, 0, 0, 0], "xs", limit=2)
    ['xs[1] is 2, expected 0', 'xs[2] is 3, expected 0', 'and 2 more places differ']
    """
    out = []
    shown, count = _differences(left, right, limit)
    for keys, a, b in shown:
        # the two sides differ as a whole (lists of other lengths): the reason's statement
        # already writes the left side, "value" is it
        where = place(base, keys) if keys else "value"
        if b is _MISSING:
            out.append(f"{where} is {show(a)}, expected left out")
        elif a is _MISSING:
            out.append(f"{where} is left out, expected {show(b)}")
        else:
            out.append(f"{where} is {show(a)}, expected {show(b)}")
    if count > len(shown):
        more = count - len(shown)
        out.append(f"and {more} more place{'s differ' if more > 1 else ' differs'}")
    return out


def compare_values(left: Any, right: Any, base: str = "") -> dict[str, Any]:
    """A failed comparison's ``values``: its two sides as JSON values, or, where both are
    objects or lists that differ in places (``db == gold``), only the entries that differ (the
    first :data:`KEPT_DIFFERENCES`, and under ``more`` how many besides), each with its place
    written from ``base`` (:func:`place`) and the two sides (a side that leaves the entry out
    has no key).

    >>> compare_values(None, ["I1"])
    {'left': None, 'right': ['I1']}
    >>> compare_values({"o": {"status": "pending"}}, {"o": {"status": "cancelled"}}, "order")
    {'differences': [{'at': 'order.o.status', 'left': 'pending', 'right': 'cancelled'}]}
    """
    if isinstance(left, (dict, list)) and isinstance(right, (dict, list)):
        found_, count = _differences(left, right, KEPT_DIFFERENCES)
        if found_ and found_[0][0]:
            out = []
            for keys, a, b in found_:
                entry: dict[str, Any] = {"at": place(base, keys)}
                if a is not _MISSING:
                    entry["left"] = summarize(a)
                if b is not _MISSING:
                    entry["right"] = summarize(b)
                out.append(entry)
            more = {"more": count - len(out)} if count > len(out) else {}
            return {"differences": out, **more}
    return {"left": summarize(left), "right": summarize(right)}


def row(table: Any, key: Any, name: str) -> Any:
    """``db.<table>[key]`` with a sentence when the row does not exist."""
    try:
        return table[key]
    except (KeyError, TypeError):
        null = " (the key read is null: an optional field, say, that has no value)"
        raise EvalError(
            f"{name} has no row with key {named(key)}{null if key is None else ''}"
        ) from None


def item(value: Any, key: Any) -> Any:
    """``value[key]`` on lists, maps and objects, with a sentence when it is missing."""
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        raise EvalError(f"{named(value)} has no entry {named(key)}") from None


def field_of(value: Any, name: str) -> Any:
    """``value.name`` with a sentence when the field is missing or the value is null."""
    try:
        return value[name]
    except (KeyError, TypeError, IndexError):
        if value is None:
            raise EvalError(f"cannot read '.{name}' of null") from None
        raise EvalError(f"{named(value)} has no field '{name}'") from None


def optional_field(value: Any, name: str) -> Any:
    """``value.name`` of a field the schema makes optional ("may be missing or null"): null
    where the row leaves it out; read from null or from a list, the error a field's read gives.

    >>> optional_field({"promo_code": "X"}, "promo_code"), optional_field({}, "promo_code")
    ('X', None)
    """
    if isinstance(value, dict):
        return value.get(name)
    return value[name]


def elements(collection: Any) -> Any:
    """What a quantifier iterates: a list's items, or a table's or map's values (a write tool's
    staged table is a Mapping, not a dict)."""
    if isinstance(collection, Mapping):
        return collection.values()
    if collection is None:
        return ()
    return collection


def contains(container: Any, part: Any) -> bool:
    """``a contains b``: case-insensitive substring for text, membership otherwise."""
    if isinstance(container, str):
        return normalize_text(part) in normalize_text(container)
    if isinstance(container, Mapping):
        return part in container or part in container.values()
    return part in container


def divide(left: Any, op: str, right: Any, division: str, divisor: str) -> Any:
    """``left / right`` or ``left % right`` (``op``); a division by zero raises Python's
    ``ZeroDivisionError``, which keeps the DSL text of the ``division`` and its ``divisor`` for
    the verdict's reason (:func:`describe_error`).

    >>> divide(7, "%", 4, "7 % n", "n")
    3
    >>> try:
    ...     divide(1, "/", 0, "1 / (a - b)", "a - b")
    ... except ZeroDivisionError as exc:
    ...     describe_error(exc)
    '1 / (a - b) could not be evaluated: its divisor, a - b, is 0'
    """
    try:
        return left / right if op == "/" else left % right
    except ZeroDivisionError as exc:
        exc.dsl_division = (division, divisor)  # type: ignore[attr-defined]
        raise


def member(value: Any, container: Any) -> bool:
    """``a in b``: membership in a list, a table's keys, or a substring of text."""
    if isinstance(container, str):
        return str(value) in container
    if container is None:
        return False
    return value in container


# A number as a message says it: not the digits of an id or a word (``L5017``, ``#W1000149``,
# ``R-0``), nor one an id's label names (``id 25``, ``#5``, ``no. 7``), nor a part of a date, a
# time or a phone number (``2025-10-14``, ``14:00``, ``555-14-00``).
_ID_LABELS = ("#", r"\bid ", r"\bid: ", r"\bid:", r"\bid=", r"\bid #", r"\bno\. ", r"\bref ")
_NUMBER = re.compile(
    r"(?<![\w.])(?<!\w[-:/])"
    + "".join(f"(?<!{label})" for label in _ID_LABELS)
    + r"-?\d+(?:\.\d+)?(?!\d|[-:/.]\d)"
)


# A number in words: the cardinals an agent says an amount in ("two hundred and five",
# "twenty-five", "twelve point five"), read exactly; ordinals, fractions and "a dozen" are none.
_UNITS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    word: 10 * value
    for value, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_STARTING_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))  # not "hundred"
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", *_SCALES], key=len, reverse=True))
_IN_WORDS = re.compile(
    rf"(?<![\w-])(?:an?\s+(?:hundred|thousand|million|billion)|{_STARTING_WORD})"
    rf"(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*"
    rf"(?:\s+point(?:\s+(?:{'|'.join(_UNITS)}))+)?(?![\w-])"
)
# A currency code or sign before a number, touching it or not: "usd25", "us$ 25", "€25".
_CURRENCY_CODE = r"usd|us\$|eur|gbp|cad|aud|chf|jpy|inr|cny"
_CODED = re.compile(rf"(?<![\w$])(?:{_CURRENCY_CODE})\s?(-?\d+(?:\.\d+)?)(?!\d|[-:/.]\d)")
# A scale after a number in digits: "25k", "1.5 million", "3 hundred", "2 hundred thousand".
_SCALED = re.compile(
    r"\s*(?:k\b|(hundred|thousand|million|billion)\b(?:\s+(thousand|million|billion)\b)?)"
)
_SCALE_OF_DIGITS = {"hundred": 100, **_SCALES}
# An amount of money: a currency sign or code before the number, or a money word or code after.
_MONEY_BEFORE = re.compile(rf"(?:[$€£¥]|(?<!\w)(?:{_CURRENCY_CODE}))\s?-?$")
_MONEY_AFTER = re.compile(
    rf"\s?(?:[$€£¥]|(?:{_CURRENCY_CODE}|dollars?|bucks?|euros?|pounds?|cents?|credits?)\b)"
)
# "25 dollars and 50 cents", "$25 and 50 cents": one amount, 25.5.
_AND_CENTS = (re.compile(r"\s*(?:dollars?\s+)?and\s+$"), re.compile(r"\s*cents?\b"))


def _in_words(run: str) -> list[tuple[float, int, int]]:
    """The numbers a run of number words (a match of :data:`_IN_WORDS`) says, each with its
    start and end in ``run``: one number as long as its words make one, a new one where they
    cannot go on ("five twenty" is 5 and 20); "point" and the digits after it end the last.

    >>> [n for n, _, _ in _in_words("two hundred and five")], _in_words("five twenty")
    ([205.0], [(5.0, 0, 4), (20.0, 5, 11)])
    >>> [[n for n, _, _ in _in_words(w)] for w in ("twenty-five", "a thousand and one",
    ...     "one million two hundred thousand", "twelve point five", "one and two")]
    [[25.0], [1001.0], [1200000.0], [12.5], [1.0, 2.0]]
    """
    found: list[tuple[float, int, int]] = []
    total = group = 0
    last, smallest, start, end = "", 0, 0, 0  # last: "unit", "teen", "ten", "hundred", a scale
    words = list(re.finditer(r"[a-z]+", run))
    for index, match in enumerate(words):
        word = match.group()
        if word == "point":
            digits = "".join(str(_UNITS[w.group()]) for w in words[index + 1 :])
            found.append((float(f"{total + group}.{digits}"), start, words[-1].end()))
            return found
        if word in ("a", "an", "and"):
            if word == "and" and last and last not in ("hundred", *_SCALES):  # "one and two"
                found.append((float(total + group), start, end))
                total = group = smallest = 0
                last = ""
            continue
        fits = bool(last) and (
            word in _UNITS
            and (last in ("hundred", *_SCALES) or last == "ten" and _UNITS[word] < 10)
            or word in _TENS
            and last in ("hundred", *_SCALES)
            or word == "hundred"
            and last in ("unit", "teen", "ten")
            and group % 100 > 0
            or word in _SCALES
            and last in ("unit", "teen", "ten", "hundred")
            and (not smallest or _SCALES[word] < smallest)
        )
        if last and not fits:
            found.append((float(total + group), start, end))
            total = group = smallest = 0
            last = ""
        if not last:
            start = match.start()
            if index and words[index - 1].group() in ("a", "an"):
                start = words[index - 1].start()
                group = 1
        if word in _UNITS:
            group += _UNITS[word]
            last = "teen" if _UNITS[word] >= 10 else "unit"
        elif word in _TENS:
            group, last = group + _TENS[word], "ten"
        elif word == "hundred":
            group, last = max(group, 1) * 100, "hundred"
        else:
            total += max(group, 1) * _SCALES[word]
            group, last, smallest = 0, word, _SCALES[word]
        end = match.end()
    if last:
        found.append((float(total + group), start, end))
    return found


# A minus sign where a currency sign or code parts it from the digits (``-$50``, ``-usd 50``;
# ``$-50`` and ``-50 usd`` hold it in the number), ``negative`` before a number (``negative 50
# dollars``), and ``minus`` before one at the start of a text or after a word that states a value
# (``is minus $50``, ``a balance of minus fifty``). A hyphen after a letter or digit joins (an
# id, ``w-50``, a range, ``$10-$20``): it is no sign, nor is ``minus`` that takes one value from
# another (``$100 minus $20``, ``the price minus $5``).
_MONEY_SIGN = rf"(?:[$€£¥]|(?:{_CURRENCY_CODE})\b)"
_MINUS = re.compile(
    rf"(?:(?<![\w-])-{_MONEY_SIGN}|(?<![\w-])(minus|negative)\s+{_MONEY_SIGN}?)\s?$"
)
_BEFORE_MINUS = re.compile(
    r"(?:^|[:(=]|\b(?:is|was|be|been|are|were|of|at|to|now|reads|shows|stands|down))\s*$"
)
# A range of two numbers joined by a hyphen or a dash, ``10-20``, where money or the words
# ``between`` or ``from`` make it one (``between 10-20 dollars``, ``$10-20``): elsewhere digits
# joined by a hyphen are an id's, a date's or a phone number's (``555-1234``).
_RANGE = re.compile(r"(?<![\w.:/#-])(\d+(?:\.\d+)?)[-\u2013](\d+(?:\.\d+)?)(?![\w:/]|[-\u2013.]\d)")
_RANGE_BEFORE = re.compile(r"\b(?:between|from)\s+$")


def _signed(content: str, value: float, start: int) -> float:
    """``value``, said at ``start`` of ``content``, negative where a minus sign or word before
    it makes it so (:data:`_MINUS`)."""
    if value <= 0:
        return value
    minus = _MINUS.search(content, max(0, start - 16), start)
    if minus is None:
        return value
    if minus.group(1) == "minus" and not _BEFORE_MINUS.search(
        content, max(0, minus.start() - 16), minus.start()
    ):
        return value
    return -value


def _digits(content: str) -> list[tuple[float, int, int]]:
    """The numbers ``content`` says in digits by the rules of ``said``, each with its start and
    end: signed (``-$50.00`` and ``minus 50`` are -50) and both ends of a range (``between
    10-20``).

    >>> [v for v, _, _ in _digits("-$50.00, is minus 50; $100 minus $20, from 10-20; w-50")]
    [-50.0, -50.0, 100.0, 20.0, 10.0, 20.0]
    """
    found = [
        (_signed(content, float(m.group()), m.start()), m.start(), m.end())
        for m in _NUMBER.finditer(content)
    ]
    for match in _RANGE.finditer(content):
        start, end = match.span()
        if (
            _RANGE_BEFORE.search(content, max(0, start - 8), start)
            or _MONEY_BEFORE.search(content, max(0, start - 8), start)
            or _MONEY_AFTER.match(content, end)
        ):
            found.append((float(match.group(1)), match.start(1), match.end(1)))
            found.append((float(match.group(2)), match.start(2), match.end(2)))
    return sorted(found, key=lambda span: span[1])


@dataclass(frozen=True)
class _Said:
    """A number a text says: its value, where it stands, and whether it is written as money."""

    value: float
    start: int
    end: int
    money: bool


def _for_numbers(text: Any) -> str:
    """Text as :func:`numbers` reads it: as :func:`normalize_text` gives it, but for the commas
    between words, which part numbers in words ("one hundred, one" is 100 and 1).

    >>> _for_numbers("One hundred, one; 1,093.34 or 25,0")
    'one hundred, one; 1093.34 or 25.0'
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    text = _point_grouped(_ISO_T.sub(" ", str(text).lower()))
    return _glue_thousands(re.sub(r"(?<=\d),(?=\d)", "", _DECIMAL_COMMA.sub(".", text)))


def _numbers_said(content: str) -> list[_Said]:
    """Every number ``content`` (as :func:`_for_numbers` gives it) says, in order: in digits
    by the rules of ``said``, after a currency code ("usd25"), with a scale ("25k", "1.5
    million"), and in words; "25 dollars and 50 cents" is one, 25.5, and "50 cents" is 0.5."""
    spans: list[tuple[float, int, int]] = []
    coded = (
        (_signed(content, float(m.group(1)), m.start(1)), m.start(1), m.end(1))
        for m in _CODED.finditer(content)
    )
    for value, start, end in itertools.chain(_digits(content), coded):
        scale = _SCALED.match(content, end)
        if scale:
            value *= _SCALE_OF_DIGITS[scale.group(1) or "thousand"]
            value *= _SCALE_OF_DIGITS.get(scale.group(2) or "", 1)
            end = scale.end()
        spans.append((value, start, end))
    for match in _IN_WORDS.finditer(content):
        spans.extend(
            (_signed(content, n, match.start() + s), match.start() + s, match.start() + e)
            for n, s, e in _in_words(match.group())
        )
    said: list[_Said] = []
    for value, start, end in sorted(set(spans), key=lambda span: span[1]):
        before, after = content[:start], content[end:]
        money = bool(_MONEY_BEFORE.search(before) or _MONEY_AFTER.match(after))
        if (
            said
            and _AND_CENTS[0].fullmatch(content[said[-1].end : start])
            and (_AND_CENTS[1].match(after))
        ):
            said[-1] = _Said(said[-1].value + value / 100, said[-1].start, end, True)
            continue
        if _AND_CENTS[1].match(after):
            value = value / 100
        said.append(_Said(value, start, end, money))
    return said


def numbers(text: Any) -> list[float]:
    """``numbers(text)``: the numbers ``text`` says, in order: in digits by the rules of
    ``said`` (a number of its own, not the digits of an id, a date, a time or a phone number; a
    decimal comma read as a point, other commas dropped), and also glued to a currency code
    (``USD25``), with a scale (``25k``, ``1.5 million``, ``3 hundred``) and in words (``two
    hundred and five``, ``twelve point five``); ``25 dollars and 50 cents`` is 25.5, ``50
    cents`` 0.5. Null says none.

    >>> numbers("Gift card gift_6690: $1,120.50 left (was 25,0) on 2025-10-14 at 14:00; order #W12")
    [1120.5, 25.0]
    >>> numbers("USD25, twenty-five dollars and fifty cents, 1.5k, two hundred and five")
    [25.0, 25.5, 1500.0, 205.0]
    >>> numbers("3 hundred, 1.5 million, 2 hundred thousand")
    [300.0, 1500000.0, 200000.0]

    A list or an object, such as a tool's JSON result or an address, says the numbers of its
    values, in order, nested ones too: a number is itself, a text says its numbers, a key and a
    true/false none.

    >>> numbers({"order_id": "#W12", "items": [{"price": 75.9, "options": {"size": "4 mm"}}],
    ...     "gift": True, "address": {"address1": "73 Orchard Gate", "zip": "60512"}})
    [75.9, 4.0, 73.0, 60512.0]
    """
    if text is None or isinstance(text, bool):
        return []
    if isinstance(text, Mapping):
        return [number for value in text.values() for number in numbers(value)]
    if isinstance(text, (list, tuple)):
        return [number for value in text for number in numbers(value)]
    if isinstance(text, (int, float)):
        return [float(text)]
    return [number.value for number in _numbers_said(_for_numbers(text))]


# Where a sentence ends: after ".", "!", "?", ";" or "…" and a space, or at a line's end. A
# point inside a number ("214.9") or an id is followed by no space and ends none.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;\u2026])\s+|\s*\n\s*")
# A word: letters and digits, joined by "_", "-" or an apostrophe ("gift_6690", "don't").
_WORD = re.compile(r"[^\W_]+(?:[-_'\u2019][^\W_]+)*")


def sentences(text: Any) -> list[str]:
    """``sentences(text)``: the sentences of a text, in order, each as written: the parts that
    end with ".", "!", "?", ";" or "…" before a space, or with a line. Null has none. It holds
    two words to one sentence: ``any(s in sentences(m.content): says(s, "cancel") and says(s,
    "cannot"))``.

    >>> sentences("Order #W1 is processed; it can no longer be cancelled. The 214.9... Ok?")
    ['Order #W1 is processed;', 'it can no longer be cancelled.', 'The 214.9...', 'Ok?']
    """
    if text is None:
        return []
    return [part for part in _SENTENCE_BREAK.split(str(text)) if part]


def words(text: Any) -> list[str]:
    """``words(text)``: the words of a text, in order, as written: runs of letters and digits,
    joined by ``_``, ``-`` or an apostrophe; punctuation and spaces part them. Null has none.

    >>> words("Its tracking number is TRK3118401709 (gift_6690, don't).")
    ['Its', 'tracking', 'number', 'is', 'TRK3118401709', 'gift_6690', "don't"]
    """
    if text is None:
        return []
    return _WORD.findall(str(text))


# Numbers a text says that are no amount: a list item's number at the start of a line, where
# another line starts with the number before or after it ("1. Gift card: $120\n2. ..."; a lone
# "95. if the order posts" is a number), a card's last digits, 2 to 4 digits without a point
# ("ending in 4242", "**** 4242"; "ending in 95.50" is an amount), and a count of things: a
# whole number before one thing ("1 gift card", "one order") or before things in the plural
# within two words ("2 gift cards", "three orders"), and the first number of a range of counts
# ("3 to 5 days", "3 or 4 weeks").
_LIST_ITEM = re.compile(r"(?:^|\n)[ \t>*-]*(\d+)[.)]\s")
_CARD_DIGITS = re.compile(
    r"(?:\b(?:ending|ends)(?:\s+(?:in|with))?|\blast\s+(?:four|4)(?:\s+digits)?(?:\s+(?:are|is|of))?)"
    r"\s*:?\s*$|[*•]\s*$"
)
_FEW_DIGITS = re.compile(r"\d{2,4}")
_COUNTED = re.compile(r"\s+([a-z]+)(?:\s+([a-z]+))?")
_RANGE_JOIN = re.compile(r"\s*[-\u2013]\s*|\s+(?:to|or|through|thru)\s+")
# Words in "s" that are no things in the plural: "25 remains", "25 as of today", "is", "plus".
_NOT_PLURAL = frozenset(
    "this thus plus minus less unless does goes always perhaps whereas towards afterwards "
    "bonus status remains stays sits shows comes covers means applies appears looks reads "
    "stands totals equals".split()
)


def _is_plural(word: str | None) -> bool:
    return (
        bool(word)
        and len(word or "") > 3
        and (word or "").endswith("s")
        and not ((word or "").endswith("ss") or word in _NOT_PLURAL)
    )


# More numbers that are no amount: a percentage ("3.5%", "50 percent"), an ordinal ("1st", "the
# 3rd"), a whole number right after a word that names an id ("account 12345678", "order no. 5",
# "step 1", "page 3 of 10": the number after "of" too), and the day, the year and the hour of a
# day or a time in words ("june 10 2025", "10 june", "june 2025", "10 am").
_PERCENT = re.compile(r"\s?(?:%|per\s?cent\b|pct\b)")
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")
_ID_NAME = re.compile(
    r"(?:\b(?:account|acct|card|order|invoice|ticket|case|ref|reference|number|id|step|item|option"
    r"|line|page|room)|\bno\.|#)\s*(?:#|no\.|number)?\s*$"
)
_OF = re.compile(r"\s+of\s+")
_DAY_OR_MAY = re.compile(r"\d+\s+may\.?")  # "a fee of 10 may apply" is no day


def _days_and_times(content: str) -> list[tuple[int, int]]:
    """Where ``content`` says a day in words or a time of day (:data:`_ANY_DAY`,
    :data:`_ANY_TIME`, a month and a year); commas may part a day from its year."""
    plain = content.replace(",", " ")
    days = (m for m in _ANY_DAY.finditer(plain) if not _DAY_OR_MAY.fullmatch(m.group()))
    found = itertools.chain(days, _MONTH_YEAR.finditer(plain), _ANY_TIME.finditer(content))
    return [m.span() for m in found]


def _list_numbers(content: str) -> set[int]:
    """Where the numbers that start a line of ``content`` as a list item's (``1. ``, ``2) ``)
    stand, of those that are part of a list: another line starts with the number before or
    after it.

    >>> text = "1. a\\n2) b\\n - 3. c\\n\\n7. d\\n95. e"
    >>> [text[start] for start in sorted(_list_numbers(text))]
    ['1', '2', '3']
    """
    items = [(int(m.group(1)), m.start(1)) for m in _LIST_ITEM.finditer(content)]
    said = {number for number, _ in items}
    return {start for number, start in items if number - 1 in said or number + 1 in said}


def _whole(number: _Said, content: str) -> bool:
    """Whether ``number`` is a whole number not said as money (``3``, not ``3.0`` nor ``$3``)."""
    said = content[number.start : number.end]
    return not number.money and number.value.is_integer() and "." not in said


def _is_count(number: _Said, content: str) -> bool:
    """Whether ``number`` counts things: a whole number before one thing or things in the
    plural within two words (``1 gift card``, ``2 gift cards``)."""
    counted = _COUNTED.match(content, number.end)
    if counted is None or not _whole(number, content):
        return False
    return number.value == 1 or _is_plural(counted[1]) or _is_plural(counted[2])


def _counts(said: list[_Said], content: str) -> set[int]:
    """The indexes of the numbers of ``said`` that count things: by :func:`_is_count`, or as
    the first of a range of counts (``3 to 5 days``, ``3-5 business days``, ``3 or 4 weeks``).

    >>> text = "within 3 to 5 days, 3 or 4 weeks, $3 to 5 days"
    >>> sorted(_counts(_numbers_said(text), text))
    [0, 1, 2, 3, 5]
    """
    counts: set[int] = set()
    for index in reversed(range(len(said))):
        number = said[index]
        if _is_count(number, content) or (
            index + 1 in counts
            and _whole(number, content)
            and _RANGE_JOIN.fullmatch(content, number.end, said[index + 1].start)
        ):
            counts.add(index)
    return counts


def amounts(text: Any) -> list[float]:
    """``amounts(text)``: the numbers of ``numbers(text)`` that may be an amount, in order: all
    but a list item's number at the start of a line where another line starts with the number
    before or after it (``1. Gift card: $120`` then ``2. ...``; a lone ``95. if ...`` is a
    number), a card's last digits, 2 to 4 digits without a point (``ending in 4242``, ``****
    4242``; ``ending in 95.50`` is an amount), a whole number that counts things, one thing
    (``1 gift card``, ``one order``) or things in the plural within two words (``2 gift
    cards``, ``three orders``), and both numbers of a range of counts (``within 3 to 5 days``,
    ``3 or 4 weeks``), the word ``one`` alone (``the one you used``), a percentage
    (``3.5%``, ``50 percent``), an ordinal (``1st``, ``the 3rd``), a whole number right after
    a word that names an id (``account``, ``acct``, ``card``, ``order``, ``invoice``,
    ``ticket``, ``case``, ``ref``, ``reference``, ``number``, ``id``, ``no.``, ``#``, ``step``,
    ``item``, ``option``, ``line``, ``page``, ``room``; ``page 3 of 10`` both), and the day,
    year or hour of a day or time in words (``June 10, 2025``, ``10 June``, ``10 am``). A
    number with a currency sign or code, or a money word after it (``dollars``, ``cents``), is
    always one.

    >>> amounts("You have 2 gift cards; the one ending in 4242 has $120.00 and 1 order.")
    [120.0]
    >>> amounts("1. Gift card: 120.0, not USD25 (twenty-five dollars)\\n2. None else")
    [120.0, 25.0, 25.0]
    >>> amounts("A balance of 120.0, or:\\n95. if the order posts; one ending in 95.50")
    [120.0, 95.0, 95.5]
    >>> amounts("Refunded within 3 to 5 days, or 3-5 business days, and 3 or 4 weeks.")
    []
    >>> amounts("Its balance is 25 now, 3 dollars less than 28 points.")
    [25.0, 3.0]
    >>> amounts("On June 10, 2025 at 10 am, step 1 of 3: account 12345678 (3.5%) got $200.")
    [200.0]
    """
    if text is None:
        return []
    content = _for_numbers(text)
    found = []
    days: list[tuple[int, int]] | None = None
    named_id_end = -1  # where the last number an id's name named ends ("page 3" of "page 3 of 10")
    numbers_said = _numbers_said(content)
    list_numbers, counts = _list_numbers(content), _counts(numbers_said, content)
    for index, number in enumerate(numbers_said):
        before, after = content[: number.start], content[number.end :]
        said = content[number.start : number.end]
        if not number.money:
            if _FEW_DIGITS.fullmatch(said) and _CARD_DIGITS.search(before):
                continue
            if number.start in list_numbers:
                continue
            whole = number.value.is_integer() and "." not in said
            if whole and (
                _ID_NAME.search(content, max(0, number.start - 24), number.start)
                or named_id_end >= 0
                and _OF.fullmatch(content, named_id_end, number.start)
            ):
                named_id_end = number.end
                continue
            if index in counts:
                continue
            if said == "one" or _PERCENT.match(after):
                continue
            if said[-1:].isdigit() and _ORDINAL.match(after):
                continue
            if days is None:
                days = _days_and_times(content)
            if any(start <= number.start and number.end <= end for start, end in days):
                continue
        found.append(number.value)
    return found


def says(content: str, text: Any) -> bool:
    """Whether ``content`` (as :func:`normalize_text` gives it) says ``text``: a number as a
    number of its own, equal to a millionth (``$40.00`` says 40.0; ``L5017`` does not say 0, nor
    ``2025`` 20.0, nor ``#W1000149`` 100, nor ``2025-10-14`` or ``14:00`` 14); a day as written or
    in words; anything else as words of its own (tau2-bench's ``communicate_info`` compares
    substrings, but then ``yes`` is said by "yesterday" and ``active`` by "inactive"), words
    joined by ``_``, ``-`` or spaces joined by any of them (``out_for_delivery`` is said by "out
    for delivery").

    >>> [says(t, 14.0) for t in ("14.0 GB left", "on 2025-10-14", "at 14:00", "555-14-00")]
    [True, False, False, False]
    >>> [says(t, 40) for t in ("costs $40.00.", "a change of -40", "40.5", "1-40")]
    [True, False, False, False]
    >>> [says(t, 0) for t in ("0 refills left", "reference r-0", "plan id 0", "order #0")]
    [True, False, False, False]

    A day (``2025-06-10``) is said as written or in words: ``June 10``, ``10th of June 2025``,
    ``the 10th``, in digits where the day and the month cannot swap (``6/18/2025``, ``18/6``
    for 2025-06-18, but not ``6/10``), and in a date and time (``2025-06-10T15:00``). A time of
    day (``15:00``) is said as written, without its leading zero (``9:00``) or on a 12-hour
    clock (``3pm``, ``3:00 p.m.``).
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        tolerance = 1e-6 * max(1.0, abs(text))
        return any(abs(said - text) <= tolerance for said, _, _ in _digits(content))
    if isinstance(text, str) and _DAY.fullmatch(text) and date_problem(text) is None:
        return _as_word(text).search(content) is not None or (
            _spoken_day(text).search(content) is not None
        )
    if isinstance(text, str) and _TIME.fullmatch(text):
        return _spoken_time(text).search(content) is not None
    needle = normalize_text(text)
    first = _SEPARATOR.split(needle, maxsplit=1)[0]
    return first in content and _as_word(needle).search(content) is not None


# Between two letters or digits, ``_``, ``-`` and spaces join words alike.
_SEPARATOR = re.compile(r"(?<=[^\W_])[-_\s]+(?=[^\W_])")


@lru_cache(maxsize=4096)
def _as_word(text: str) -> re.Pattern[str]:
    """``text`` said as words of its own: not inside a longer word or number (``yes`` is not
    said by "yesterday", ``active`` not by "inactive", ``FD-1015`` not by "FD-10150"). An end
    of ``text`` that is no letter or digit (``$40``, ``#W1``) may touch anything. Words joined by
    ``_``, ``-`` or spaces are said joined by any of them: ``out_for_delivery`` by "out for
    delivery" and "out-for-delivery".

    >>> [bool(_as_word("yes").search(t)) for t in ("yes, please", "yesterday", "eyes", "yes!")]
    [True, False, False, True]
    >>> [bool(_as_word("out-for-delivery").search(t)) for t in (
    ...     "out for delivery", "out_for_delivery", "out-for-delivery", "out for deliveryman")]
    [True, True, True, False]
    """
    start = r"(?<!\w)" if text[:1].isalnum() or text[:1] == "_" else ""
    end = r"(?!\w)" if text[-1:].isalnum() or text[-1:] == "_" else ""
    words = r"[-_\s]+".join(re.escape(word) for word in _SEPARATOR.split(text))
    return re.compile(start + words + end)


_MONTHS = (
    "january february march april may june july august september october november december"
).split()
# A day of the month alone, "the 18th": not right after a month's name ("june the 18th" is
# that month's), nor before one ("the 18th of july") or a thing it counts ("the 2nd transfer").
_NO_MONTH_BEFORE = "".join(
    rf"(?<!{name} )" for m in _MONTHS for name in sorted({m, m[:3], m[:3] + ".", "sept"})
)
_ORDINAL_END = (
    r"(?=\s*(?:$|[^\w\s]|\d{1,2}(?::\d\d|\s*[ap]\.?m\b)|of\s+(?:this|next|the)\s+month\b"
    r"|(?:at|instead|rather|or|and|in|on|for|to|from|if|then|please|so|but|is|would|will"
    r"|works?|this|next|not|noon|midnight)\b))"
)
# A day in digits, month first or day first (6/18/2025, 18/6, 06/18/25), is read only where one
# reading alone is a day: 6/5/2025 is June 5 in the US and May 6 elsewhere, so it says neither.
_NUMERIC_DAY = (
    r"(?<![\d/.])(?:(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])|(?:1[3-9]|2\d|3[01])/(?:1[0-2]"
    r"|0?[1-9]))(?:/(?:\d{4}|\d\d))?(?![\d/])"
)


def _numeric_day(date: dt.date) -> str:
    """The one reading in digits of ``date`` (:data:`_NUMERIC_DAY`), or a pattern that meets
    nothing where the day and the month could swap."""
    if date.day <= 12 and date.day != date.month:
        return r"(?!x)x"
    forms = "|".join(rf"0?{a}/0?{b}" for a, b in {(date.month, date.day), (date.day, date.month)})
    return rf"(?<![\d/.])(?:{forms})(?:/(?:{date.year}|{date.year % 100:02d}))?(?![\d/])"


@lru_cache(maxsize=1024)
def _spoken_day(day: str) -> re.Pattern[str]:
    """A day as people write it, in lower case and without commas: ``june 10 2025``,
    ``jun. 10th``, ``10 june``, ``the 10th of june 2025``, the day of the month alone, ``the
    10th`` (its month and year taken as meant, as a year left out is), and in digits where the
    day and the month cannot swap, ``6/18/2025``, ``18/6``, but not ``6/10``; another year
    after it is another day, a time is none (``june 10 9:30 am``).

    >>> [bool(_spoken_day("2025-06-10").search(t)) for t in (
    ...     "tuesday june 10 2025", "on jun 10th.", "the 10th of june", "june 10 2024", "june 100",
    ...     "june 10 9:30 am", "to the 10th?", "the 10th of july", "the 10th transfer",
    ...     "6/10/2025")]
    [True, True, True, False, False, True, True, False, False, False]
    >>> [bool(_spoken_day("2025-06-18").search(t)) for t in (
    ...     "on 6/18/2025.", "on 18/06/25", "by 6/18", "on 6/18/2024", "july the 18th")]
    [True, True, True, False, False]
    """
    date = dt.date.fromisoformat(day)
    full = _MONTHS[date.month - 1]
    sept = r"|sept\.?" if date.month == 9 else ""
    month = rf"(?:{full}|{full[:3]}\.?{sept})"
    return _day_in_words(month, rf"0?{date.day}", rf"{date.year}\b", _numeric_day(date))


def _day_in_words(month: str, number: str, year: str, digits: str) -> re.Pattern[str]:
    """The words of a day whose month, day of the month, year and form in digits are the
    patterns given: the one pattern of :func:`_spoken_day` and :data:`_ANY_DAY`."""
    alone = rf"{_NO_MONTH_BEFORE}\bthe\s+{number}(?:st|nd|rd|th)(?!\d){_ORDINAL_END}"
    number = rf"{number}(?:st|nd|rd|th)?"
    year = rf"(?:\s+{year}|(?!\s+\d{{4}}\b))"  # its year, or none
    return re.compile(
        rf"\b{month}\s+{number}(?!\d){year}|\b{number}\s+(?:of\s+)?{month}\b{year}|{alone}|{digits}"
    )


_TIME = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")


@lru_cache(maxsize=1024)
def _spoken_time(time: str) -> re.Pattern[str]:
    """A time of day as people write it: ``15:00`` as written or on a 12-hour clock (``3pm``,
    ``3 pm``, ``3:00 p.m.``), ``09:30`` as ``9:30`` or ``9:30 am``; ``12:00`` is ``12 pm`` or
    ``noon``, ``00:00`` ``12 am`` or ``midnight``.

    >>> [bool(_spoken_time("15:00").search(t)) for t in (
    ...     "at 15:00.", "at 3pm", "at 3:00 p.m.", "at 3 am", "at 3", "at 13:00", "at 15:001",
    ...     "at 3:00 am")]
    [True, True, True, False, False, False, False, False]
    >>> bool(_spoken_time("11:00").search("at 11:00 pm"))
    False
    """
    hours, minutes = (int(part) for part in time.split(":"))
    clock = 12 if hours % 12 == 0 else hours % 12
    twelve = rf"{clock}:{minutes:02d}" if minutes else rf"{clock}(?::00)?"
    named = () if minutes or hours % 12 else ("midnight" if hours == 0 else "noon",)
    return _time_in_words(rf"0?{hours}:{minutes:02d}", twelve, "a" if hours < 12 else "p", named)


def _time_in_words(
    twenty_four: str, twelve: str, half: str, named: tuple[str, ...]
) -> re.Pattern[str]:
    """The words of a time of day whose 24-hour and 12-hour clock readings, half of the day
    (``a``, ``p``) and names (``noon``) are the patterns given: the one pattern of
    :func:`_spoken_time` and :data:`_ANY_TIME`."""
    am_pm = r"\s*[ap]\.?m\b\.?"  # "11:00 pm" is no 11:00
    spoken = [rf"{twenty_four}(?::00)?(?![\d:]|{am_pm})", rf"{twelve}\s*{half}\.?m\b\.?", *named]
    return re.compile(r"(?<![\w:.])(?:" + "|".join(spoken) + r")(?!\w)")


# Any day, any time of day, in the words :func:`says` hears a given one in.
_ANY_MONTH = "|".join(rf"{m}|{m[:3]}\.?" for m in _MONTHS) + r"|sept\.?"
_ANY_DAY = _day_in_words(
    rf"(?:{_ANY_MONTH})", r"(?:[12]\d|3[01]|0?[1-9])", r"\d{4}\b", _NUMERIC_DAY
)
_MONTH_YEAR = re.compile(rf"\b(?:{_ANY_MONTH})\s+\d{{4}}\b")  # for amounts: "june 2025"
_ANY_TIME = _time_in_words(
    r"(?:[01]?\d|2[0-3]):[0-5]\d", r"(?:1[0-2]|0?[1-9])(?::[0-5]\d)?", "[ap]", ("noon", "midnight")
)


def is_day_or_time(value: Any) -> bool:
    """Whether ``value`` is a day written YYYY-MM-DD or a time of day written HH:MM, which
    :func:`says` hears in words too.

    >>> [is_day_or_time(v) for v in ("2025-06-11", "09:30", "2025-02-30", "71.0", 930)]
    [True, True, False, False, False]
    """
    return isinstance(value, str) and (
        bool(_DAY.fullmatch(value)) and date_problem(value) is None or bool(_TIME.fullmatch(value))
    )


def days_or_times(content: str, like: str) -> list[str]:
    """The days ``content`` (as :func:`normalize_text` gives it) says, in any of the forms
    :func:`says` hears a day in, when ``like`` is a day; the times of day when it is a time;
    nothing for any other value. Each is said by the one day or time it names and by no other.

    >>> days_or_times("book thursday june 12 2025 at 11:00 am or 2025-06-13 at noon", "2025-06-11")
    ['june 12 2025', '2025-06-13']
    >>> days_or_times("book thursday june 12 2025 at 11:00 am or 2025-06-13 at noon", "09:30")
    ['11:00 am', 'noon']
    """
    if not is_day_or_time(like):
        return []
    if _TIME.fullmatch(like):
        return [m.group() for m in _ANY_TIME.finditer(content)]
    iso = re.compile(rf"(?<!\w){_DAY.pattern}(?!\w)")
    found = [*_ANY_DAY.finditer(content), *iso.finditer(content)]
    return [m.group() for m in sorted(found, key=lambda m: m.start())]


def text_says(text: Any, phrase: Any) -> bool:
    """``says(text, phrase)``: whether one text says ``phrase`` by the rules of ``said`` (words
    of their own, a number as a number of its own), where ``said`` reads every message of a
    role. Null says nothing.

    >>> [text_says(t, "not") for t in ("I can not do that.", "Another agent", "NOT now", None)]
    [True, False, True, False]
    >>> text_says("The refund is $17.90.", 17.9), text_says("Order #W1790", 1790)
    (True, False)
    """
    if text is None:
        return False
    return says(normalize_text(text), phrase)


def said(trace: Trace, role: str, text: Any) -> bool:
    return any(says(content, text) for _, content in trace.texts(role))


def said_positions(trace: Trace, role: str, text: Any) -> list[int]:
    return [position for position, content in trace.texts(role) if says(content, text)]


# A denial: "no" (not "no longer", "no problem"), "not", "never", "nope", "nah", a word ending
# in "n't" ("don't", "won't"), or "dont".
_DENIAL = re.compile(
    r"(?<!\w)(?:no(?!\s+(?:longer|problem|worries)\b)|not|never|nope|nah|dont|\w+n't)(?!\w)"
)
# A yes in words: "yes", "sure", "go ahead", "please do", "confirmed", "that's right"...
_AFFIRMATIVE = re.compile(
    r"(?<!\w)(?:yes|yeah|yep|yup|sure|ok|okay|alright|all right|absolutely|definitely|certainly"
    r"|of course|correct|confirmed|i confirm|go ahead|please do|do it|proceed|please proceed"
    r"|that's right|that is right|sounds good|no problem)(?!\w)"
)
# "Please." alone: a yes.
_PLEASE_ALONE = re.compile(r"\W*please\W*$")
# Agreement phrased with a negative word, read as "sure": "no objection", "not a problem", "no
# doubt", "why not" (ending its clause: "why not freeze it instead?" offers another action), "I
# can't see why not", "I don't mind", and "no, that's fine" before a yes ("No, that's fine, go
# ahead"; alone it is a polite no).
_AGREEMENT = re.compile(
    r"(?<!\w)(?:no objections?|not (?:a|any) problem|not an issue|no issue|no doubt"
    r"|(?:(?:i\s+)?(?:can't|cannot|don't|do not)\s+see\s+)?why not\s*\??(?=\s*(?:[.!,;\u2026]|$))"
    r"|(?:i\s+)?(?:don't|do not) mind"
    r"|no\W+(?:that's|it's|that is|it is) (?:fine|ok|okay|alright|all right)(?=\W+(?:please\s+)?"
    r"(?:go ahead|do it|please do|proceed)\b))(?!\w)"
)
# A hedge phrased with a negative word ("I'm not sure yet"), read as "unsure": neither yes nor no.
_UNSURE = re.compile(
    r"(?<!\w)not\s+(?:(?:so|quite|too|really|entirely|completely|yet|that)\s+)?(?:sure|certain)"
    r"(?!\w)"
)
# What takes a yes back or holds it: "but", "wait", "let me think", "actually", "not yet"...
_HEDGE = re.compile(
    r"(?<!\w)(?:but|wait|hold on|hang on|hmm+|let me think|actually|on second thought|not yet"
    r"|not sure|unsure|maybe|perhaps|never ?mind)(?!\w)"
)
# Where a clause of a reply starts, and a clause that answers no ("Yes... no, don't."), not a
# denial that is part of the user's reason ("Yes, I don't need it", "yes, not a problem").
_CLAUSE = r"(?:^|[.,;:!?\u2026]|\s-+)\s*(?:(?:oh|ah|um|uh|well|and|so)\W+)?"
_DENIAL_CLAUSE = re.compile(
    _CLAUSE + r"(?:no(?!\s+(?:longer|problem|worries|rush|hurry)\b)|nope|nah|never|dont|don't"
    r"(?!\s+worry)|do not|please don't|please do not|stop"
    r"|not(?!\s+(?:a problem|an issue|at all)\b))(?!\w)"
)
_AFFIRMATIVE_CLAUSE = re.compile(_CLAUSE + r"(?:please\s+)?" + _AFFIRMATIVE.pattern)
# A clause that backs out of the proposal: "forget it", "scratch that", "cancel that"; its verb
# is group 1 (no back-out where it names the write itself: "Yes, cancel it" to a cancellation).
_BACK_OUT = re.compile(
    _CLAUSE + r"(?:(?:please|just)\s+)?(forget|scratch|scrap|skip|drop|cancel|stop|undo|abort"
    r"|call off)(?: about)? (?:it|that|this|the whole thing)(?!\w)"
)
_FIRST_SENTENCE = re.compile(r"[^.!?;\u2026]*[.!?;\u2026]*")
# A user's closing ("No, that's all", "That's everything", "No, that will be all"), with the
# "no" that belongs to it: no answer to a proposal. A "no" in a sentence of its own before it
# ("No. That's all, thanks.") still is one.
_CLOSING_REPLY = re.compile(
    r"(?<!\w)(?:(?:no|nope|nah)[\s,]+)?(?:that's (?:all|everything)|that is (?:all|everything)"
    r"|(?:that will|that'll) be (?:all|everything)|nothing (?:else|more)|all set)(?!\w)"
)
# Where a sentence ends, and a question that closes a conversation rather than asks leave.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLOSING_QUESTION = re.compile(r"\b(?:anything|something) else\b|\bany (?:other|more) questions?\b")
# A turn that asks for consent without a question mark.
_CONSENT = re.compile(
    r"yes/no|\bconfirm\b|\b(?:let me know|tell me) (?:if|whether)\b"
    r"|\b(?:reply|say|answer) (?:with )?\W?yes\b"
)
# An offer to act ("Shall I check ...?", "Would you like me to look ...?") and the verbs that only
# ask leave for what was proposed ("Shall I go ahead?", "Do you want me to proceed?").
_OFFER = re.compile(
    r"\b(?:shall i|should i|can i|may i|(?:would|do) you (?:like|want) me to|want me to"
    r"|like me to)\s+(?:(?:also|first|now|just|then)\s+)?(\w+)"
)
_GO_AHEAD = frozenset(
    "go proceed continue do confirm finalize finalise complete submit process make carry "
    "apply execute place run perform call have".split()
)
# Before a verb of the write, in its clause: a negation ("I won't cancel", "I will not be able
# to cancel") or a look-up of whether it can be done ("check whether I can cancel").
_NEGATED = re.compile(r"(?:\bnot|\bnever|\bcannot|n't|\bunable to|\bno way)(?:\W+\w+){0,3}\W*$")
_LOOKED_UP = re.compile(
    r"\b(?:check|see|find out|look|looking|verify|ask|determine)\s+(?:into\s+)?(?:whether|if)\b"
)


def confirmed(trace: Trace, call: Any, verbs: Any = ()) -> bool:
    """Whether the user confirmed ``call`` in reply to a proposal of it: the user's last message
    before the call says yes (:func:`reply_answer`: "yes", "sure", "go ahead", "please do"... first,
    and nothing that takes it back), to a turn of the agent's that asks for consent, and the
    proposal it answers names the call (:func:`_proposal_answered`: what it does, the tool's
    name, the name's first word, its verb: "cancel" of ``cancel_pending_order``, or one of
    ``verbs``: "ship", "change"; and the value of each of its arguments, each item of a list,
    each field of an object, an empty text and a true/false excepted, as ``said`` finds them).

    >>> trace = Trace.from_messages([
    ...     {"role": "assistant", "content": "Would you like me to check #W1 for you?"},
    ...     {"role": "user", "content": "Yes, please."},
    ...     {"role": "assistant", "content": "I'll cancel order #W1 (ordered by mistake). Ok?"},
    ...     {"role": "user", "content": "Sure, go ahead."}], db={})
    >>> cancel = Call("cancel_order", {"order_id": "#W1", "reason": "ordered by mistake"})
    >>> [confirmed(trace, cancel) for cancel.position in (2, 4)]
    [False, True]
    >>> trace.messages[2].content = "Shall I drop order #W1 (ordered by mistake)?"
    >>> confirmed(trace, cancel), confirmed(trace, cancel, ["drop"])
    (False, True)
    >>> trace.messages[3].content = "No. Yes, I asked, but don't."
    >>> confirmed(trace, cancel, ["drop"])
    False
    """
    if not isinstance(call, Call):
        raise EvalError(f"{named(call)} is not a call: confirmed() takes a call of the trace")
    earlier = [m for m in trace.messages if m.position < call.position and m.role != "tool"]
    replies = [i for i, m in enumerate(earlier) if m.role == "user"]
    actions = _actions(call.tool, verbs)
    if not replies or reply_answer(earlier[replies[-1]].content, actions) != "yes":
        return False
    since = _last_write(trace, earlier[replies[-1]].position)
    return _proposal_answered(earlier, replies[-1], call.tool, call.args, verbs, since)


def declined(trace: Trace, tool: str, args: Any, verbs: Any = ()) -> bool:
    """Whether the user declined the write ``tool`` with ``args`` (its arguments by name, all or
    some) when the agent proposed it: a user's message says no (:func:`reply_answer`: "no", "not",
    "never" or "...n't", "not now", "don't", "forget it", and no yes, "No objection" being one; the
    "no" of a closing, "No, that's all", is none, nor is a hedge, "I'm not sure yet")
    to a proposal of the write as :func:`confirmed` reads one (:func:`_proposal_answered`: what
    it does, the value of each of ``args``, in a turn that asks for consent). A proposal answered
    yes, a no to another proposal or to one that leaves out one of ``args``, and a refusal ("I
    won't cancel order #W1") answered "No, that's all" are no decline.

    >>> trace = Trace.from_messages([
    ...     {"role": "assistant", "content": "Shall I cancel order #W1 (ordered by mistake)?"},
    ...     {"role": "user", "content": "Not now, thanks."}], db={})
    >>> args = {"order_id": "#W1", "reason": "ordered by mistake"}
    >>> declined(trace, "cancel_order", args), declined(trace, "cancel_order", {"order_id": "#W2"})
    (True, False)
    >>> trace.messages[1].content = "Yes, but not the other one."
    >>> declined(trace, "cancel_order", args)
    False
    >>> trace.messages[0].content = "I won't cancel order #W1 (ordered by mistake). Anything else?"
    >>> trace.messages[1].content = "No, that's all. Thank you!"
    >>> declined(trace, "cancel_order", args)
    False
    """
    if not isinstance(args, dict):
        raise EvalError(
            f"{named(args)} is not a mapping: declined() takes the declined write's arguments "
            "by name"
        )
    talk = [m for m in trace.messages if m.role != "tool"]
    for i, reply in enumerate(talk):
        if reply.role != "user" or reply_answer(reply.content, _actions(tool, verbs)) != "no":
            continue
        since = _last_write(trace, reply.position)
        if _proposal_answered(talk, i, tool, args, verbs, since):
            return True
    return False


def reply_answer(reply: str, actions: Any = ()) -> str | None:
    """What a user's message answers a proposal: "yes", "no" or None (neither, both, or a
    closing); ``actions`` are the words that name the write proposed (:func:`_actions`).

    Yes: its first sentence says yes in words ("yes", "sure", "ok", "go ahead", "please do",
    "confirmed", "that's right", "please" alone...) after no denial, is no question, and nothing
    takes it back: no "but", "wait", "let me think", "actually", no clause that answers no
    ("Yes... no, don't") or backs out ("forget it", "scratch that", "cancel that" unless
    "cancel" names the write). A denial that belongs to the user's reason leaves the yes ("Yes
    please, I don't need it"), and agreement phrased with a negative word is a yes ("No
    objection", "Not a problem, do it", "No doubt about it", "Why not.", "No, that's fine, go
    ahead"). No: a denial ("no", "not", "never", "nah", "...n't") or a back-out, no clause that
    says yes, and not only the "no" of a closing ("No, that's all"; "No. That's all." is a no,
    then a closing). A hedge ("I'm not sure yet") is neither.

    >>> [reply_answer(r) for r in ("Sure, go ahead.", "Yes please, I don't need it anymore.",
    ...     "Yes, that's not a problem.", "Yes, but change the reason.", "Yes... hmm, wait.",
    ...     "Yes or no? Is there a fee?", "Yes... no, don't.", "No, please don't do it.",
    ...     "No, that's all. Thank you!", "Yesterday, maybe.")]
    ['yes', 'yes', 'yes', None, None, None, None, 'no', None, None]
    >>> [reply_answer(r) for r in ("No objection.", "Why not.", "No, that will be all.",
    ...     "No. That's all, thanks.", "I'm not sure yet.", "Yes, forget it.", "Please.")]
    ['yes', 'yes', None, 'no', None, None, 'yes']
    >>> reply_answer("Yes, cancel that."), reply_answer("Yes, cancel that.", ["cancel"])
    (None, 'yes')
    """
    # commas kept: they part a reply's clauses ("Sure, not.")
    text = str(reply).lower().replace("\u2019", "'").strip()
    text = _AGREEMENT.sub(lambda m: "sure." if m.group().endswith("?") else "sure", text)
    text = _UNSURE.sub("unsure", text)
    first = _FIRST_SENTENCE.match(text)
    sentence = first.group() if first else ""
    agree = _AFFIRMATIVE.search(sentence) or _PLEASE_ALONE.match(sentence)
    if (
        agree
        and not _DENIAL.search(sentence[: agree.start()])
        and not sentence.rstrip().endswith("?")
        and not _HEDGE.search(text)
        and not _DENIAL_CLAUSE.search(text)
        and not _backs_out(text, actions)
    ):
        return "yes"
    if _AFFIRMATIVE_CLAUSE.search(text):
        return None
    rest = _CLOSING_REPLY.sub(" ", text)  # a closing's own "no" answers no proposal
    return "no" if _DENIAL.search(rest) or _backs_out(rest, actions) else None


def _backs_out(text: str, actions: Any) -> bool:
    """Whether a reply has a clause that backs out of the proposal ("forget it", "cancel that"),
    its verb not one of ``actions``, the words that name the write proposed."""
    named = {normalize_text(action) for action in actions}
    return any(verb not in named for verb in _BACK_OUT.findall(text))


def _answered(earlier: list[Message]) -> Message | None:
    """The agent's turn that a user's reply answers, from the messages before the reply (tool
    results left out): the last with text, when the agent's; None when it is the user's."""
    turn = next((m for m in reversed(earlier) if m.role == "user" or m.content.strip()), None)
    return turn if turn is not None and turn.role == "assistant" else None


def _last_write(trace: Trace, position: int) -> int:
    """The position of the last write that went through before ``position`` (-1 for none): a
    proposal before it was spent on it. A write a tool refused spent nothing."""
    return max(
        (c.position for c in trace.calls if c.writes and c.error is None and c.position < position),
        default=-1,
    )


def _proposal_answered(
    talk: list[Message], reply: int, tool: str, args: dict[str, Any], verbs: Any, since: int
) -> bool:
    """Whether the user's message ``talk[reply]`` answers a proposal of the write ``tool`` with
    ``args``: the agent's turn it answers asks for consent (a question that is no closing, "Anything
    else?", or "(yes/no)", "please confirm") and offers nothing else ("Shall I check ...?"); and
    the last agent's message since the previous write (``since``) that names the write (what it
    does and each argument's value, :func:`_proposes`) comes before it with no other offer and
    no user's "no" in between. So a confirmation asked twice, or a question answered between the
    proposal and the yes, still answers it."""
    answered = _answered(talk[:reply])
    if answered is None or not _asks_consent(answered.content):
        return False
    for message in reversed(talk[:reply]):
        if message.position <= since:
            return False
        if message.role == "user":
            if reply_answer(message.content, _actions(tool, verbs)) == "no":
                return False
        elif message.role == "assistant" and message.content.strip():
            if _offers_other(message.content, tool, verbs):
                return False
            if _proposes(message, tool, args, verbs):
                return True
    return False


def _asks_consent(text: str) -> bool:
    """Whether an agent's turn asks for the user's consent: a question that does not close the
    conversation ("Anything else?" does), or words that ask for a yes ("(yes/no)", "confirm").

    >>> [_asks_consent(t) for t in ("Shall I go ahead?", "I will cancel it. Anything else?",
    ...     "I'll cancel it (yes/no)", "I'll cancel it.")]
    [True, False, True, False]
    """
    lowered = text.lower()
    if _CONSENT.search(lowered):
        return True
    return any(
        "?" in sentence and not _CLOSING_QUESTION.search(sentence)
        for sentence in _SENTENCE_END.split(lowered)
    )


def _actions(tool: str, verbs: Any) -> list[str]:
    """The words that name what a write does: the tool's name, its first word, ``verbs``."""
    return [action for action in (tool, tool.split("_")[0], *verbs) if action]


def _offers_other(text: str, tool: str, verbs: Any) -> bool:
    """Whether an agent's turn offers to do something other than the write ``tool``: a look-up
    ("Shall I check its delivery date?") or another action; "Shall I go ahead?" offers none.

    >>> [_offers_other(t, "cancel_order", ()) for t in ("Should I check its date instead?",
    ...     "Shall I go ahead?", "Do you want me to cancel it?", "I'll cancel it. Ok?")]
    [True, False, False, False]
    """
    words = {normalize_text(action) for action in _actions(tool, verbs)}
    return any(
        verb not in _GO_AHEAD and verb not in words for verb in _OFFER.findall(normalize_text(text))
    )


def _proposes(turn: Message, tool: str, args: dict[str, Any], verbs: Any) -> bool:
    """Whether an agent's ``turn`` names the write ``tool`` with ``args`` as something it will do:
    it says what the write does (the tool's name, its first word, or one of ``verbs``), neither
    negated ("I won't cancel", "I will not cancel") nor as what a look-up would find ("check
    whether I can cancel"), and each argument's value.

    >>> args = {"order_id": "#W1"}
    >>> [_proposes(Message("assistant", t, 0), "cancel_order", args, ()) for t in (
    ...     "I'll cancel order #W1. Ok?", "I won't cancel order #W1. Anything else?",
    ...     "Shall I check whether I can cancel order #W1?",
    ...     "I can't refund it; shall I cancel #W1?")]
    [True, False, False, True]
    """
    return not unproposed(turn.content, tool, args, verbs)


def unproposed(text: str, tool: str, args: dict[str, Any], verbs: Any = ()) -> list[str]:
    """What an agent's turn ``text`` leaves out of a proposal of the write ``tool`` with
    ``args``, as :func:`confirmed` reads one: ``""`` first when it does not say what the write
    does (the tool's name, its first word, one of ``verbs``) but negated or as a look-up, or
    not at all; then the name of each argument whose value it does not say (one item of a list
    left out leaves out the list). Empty when the turn names the write with its values.

    >>> args = {"order_id": "#W1", "reason": "ordered by mistake"}
    >>> unproposed("Shall I cancel order #W1 (ordered by mistake)?", "cancel_order", args)
    []
    >>> unproposed("Shall I cancel order #W1?", "cancel_order", args)
    ['reason']
    >>> unproposed('order #W1 stays a"reason": "ordered by mistake (yes/no).', "cancel_order", args)
    ['']
    """
    proposal = normalize_text(text).replace("\u2019", "'")
    named = any(_offered(proposal, action) for action in _actions(tool, verbs))
    return ([] if named else [""]) + [
        name
        for name, value in args.items()
        if not all(says(proposal, v) for v in _stated_values(value))
    ]


def _offered(proposal: str, action: str) -> bool:
    """Whether ``proposal`` says ``action`` once neither negated nor looked up, in its clause."""
    for found in _as_word(normalize_text(action)).finditer(proposal):
        clause = re.split(r"[.!?;:,(]", proposal[: found.start()])[-1]
        sentence = re.split(r"[.!?;]", proposal[: found.start()])[-1]
        if not _NEGATED.search(clause) and not _LOOKED_UP.search(sentence):
            return True
    return False


def _stated_values(value: Any) -> list[Any]:
    """The values of a call's arguments a proposal says: texts that are not empty and numbers,
    from lists and objects too."""
    if isinstance(value, dict):
        return [v for item_ in value.values() for v in _stated_values(item_)]
    if isinstance(value, list):
        return [v for item_ in value for v in _stated_values(item_)]
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value]
    return []


def _args_match(call: Call, args: dict[str, Any]) -> bool:
    got = call.args
    for key, value in args.items():
        if key not in got or not _same(got[key], value):
            return False
    return True


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    # Models often send numbers as strings and vice versa; tolerate that, nothing looser.
    if (
        isinstance(a, (int, float))
        and isinstance(b, str)
        or isinstance(b, (int, float))
        and isinstance(a, str)
    ):
        return str(a) == str(b)
    return False


def called(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> bool:
    """Whether ``tool`` was called successfully with (at least) these arguments."""
    for call in calls:
        if call.tool == tool and call.error is None and (not args or _args_match(call, args)):
            return True
    return False


def called_positions(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> list[int]:
    return [
        c.position
        for c in calls
        if c.tool == tool and c.error is None and (not args or _args_match(c, args))
    ]


def explain_called(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> str:
    wanted = f"{tool}({', '.join(f'{k}={_brief(v)}' for k, v in (args or {}).items())})"
    same_tool = [c for c in calls if c.tool == tool]
    if not same_tool:
        names = sorted({c.tool for c in calls})
        return f"{wanted} was never called (calls made: {', '.join(names) or 'none'})"
    shown = "; ".join(f"{c!r}" + (f" failed: {c.error}" if c.error else "") for c in same_tool[:3])
    return f"{wanted} was never called successfully; calls were: {shown}"


def positions(value: Any) -> list[int]:
    """Event positions of a value used with ``before``: a call, a message, a list of them."""
    if value is None or value is False:
        return []
    if isinstance(value, (Call, Message)):
        return [value.position]
    if isinstance(value, list):
        out: list[int] = []
        for item_ in value:
            out.extend(positions(item_))
        return out
    raise EvalError(f"{named(value)} is not an event")


def before(left: list[int], right: list[int]) -> bool:
    """``A before B``: B never happened, or A happened before B's first occurrence."""
    if not right:
        return True
    return bool(left) and min(left) < min(right)


def first(items: Any) -> Any:
    for value in items:
        return value
    return None


def last(items: Any) -> Any:
    result = None
    for value in items:
        result = value
    return result


class NothingFound(EvalError):
    """A ``first(...)`` or ``last(...)`` whose field is read found nothing."""


def found(value: Any, what: str, items: Any = None, condition: str = "") -> Any:
    """``first(...)`` or ``last(...)`` whose field or entry is read: the value, or an
    :class:`NothingFound` that says why it found nothing: ``items`` (the collection, where it is
    ``calls``, ``messages`` or a table) has none ("the agent made no tool call"), or no
    ``what`` (``guests row``, ``element of calls``) matches ``condition`` (its ``where``).

    >>> found(None, "element of calls", [])
    Traceback (most recent call last):
    ...
    eigendsl.support.NothingFound: the agent made no tool call
    """
    if value is None:
        if items is not None and not items:
            raise NothingFound(none_in(what))
        raise NothingFound(f"no {what} matches" + (f" {condition}" if condition else ""))
    return value


def none_in(what: str) -> str:
    """That a collection (``element of calls``, ``guests row``) is empty, in words."""
    if what == "element of calls":
        return "the agent made no tool call"
    if what == "element of messages":
        return "the dialogue has no messages"
    if what.endswith(" row"):
        return f"the {what[: -len(' row')]} table has no rows"
    return f"{what.removeprefix('element of ')} is empty"


class FailedLet:
    """The value of a ``let`` whose expression raised: each statement that reads it raises the
    same error, as the expression written there would (a guard refuses with an
    :class:`EvalError`'s sentence, a check's statement fails with it), and one that does not
    read it is not affected."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def let_failed(error: BaseException) -> FailedLet:
    return FailedLet(error)


def let_value(value: Any) -> Any:
    """A let's value where a statement reads it: the error of its expression raised again.

    >>> let_value(3)
    3
    >>> let_value(let_failed(EvalError("orders has no row with key '#9'")))
    Traceback (most recent call last):
    ...
    eigendsl.support.EvalError: orders has no row with key '#9'
    """
    if type(value) is FailedLet:
        raise value.error.with_traceback(None)
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError(f"{named(value)} is not a number")
    return value


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: \\d takes any script's


def date_problem(value: Any) -> str | None:
    """Why ``value`` is not a date written YYYY-MM-DD (what a field or an argument of type
    ``date`` holds), or None.

    >>> date_problem("2025-06-10"), date_problem("2025-6-10"), date_problem("2025-02-30")
    (None, "'2025-6-10' is not a date (dates are written YYYY-MM-DD)", 'there is no day 2025-02-30')
    """
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return f"{named(value)} is not a date (dates are written YYYY-MM-DD)"
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"there is no day {value}"
    return None


def day_of(value: Any) -> dt.date:
    """The calendar day of an ISO date ("2025-06-10") or date and time ("2025-06-10 14:30")."""
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                day = parse(value)
            except ValueError:
                continue
            return day.date() if isinstance(day, dt.datetime) else day
    written = value[:10] if isinstance(value, str) and _DAY.fullmatch(value[:10]) else value
    raise EvalError(
        date_problem(written) or f"{named(value)} is not a date (dates are written YYYY-MM-DD)"
    )


def days_between(start: Any, end: Any) -> int:
    """Whole days from ``start`` to ``end``, negative when ``end`` comes first; a time of day is
    ignored.

    >>> days_between("2025-06-01", "2025-06-10"), days_between("2025-06-10 23:59", "2025-06-01")
    (9, -9)
    """
    return (day_of(end) - day_of(start)).days


def add_days(value: Any, days: Any) -> str:
    """The date ``days`` days after ``value`` (before, when negative), written YYYY-MM-DD.

    >>> add_days("2025-06-25", 14), add_days("2024-03-01", -1)
    ('2025-07-09', '2024-02-29')
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise EvalError(f"add_days() adds a whole number of days, not {named(days)}")
    try:
        return (day_of(value) + dt.timedelta(days=days)).isoformat()
    except OverflowError:
        raise EvalError(f"{named(value)} plus {days} days is not a date") from None


#: A time of day as a field of type ``time`` holds it: ``HH:MM``, 24-hour, zero-padded (text in
#: this shape compares, letter by letter, in time order). A tool schema's ``pattern``, and how
#: the runtime knows a time parameter from other text.
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")  # ASCII digits, as TIME_PATTERN says
_MINUTES_A_DAY = 24 * 60


def time_problem(value: Any) -> str | None:
    """Why ``value`` is not a time of day written HH:MM, 24-hour (what a field or an argument
    of type ``time`` holds), or None.

    >>> time_problem("09:30"), time_problem("23:59"), time_problem("9:30")
    (None, None, "'9:30' is not a time written HH:MM (24-hour, zero-padded: 09:30)")
    >>> time_problem("25:00"), time_problem("10:60")
    ("'25:00' is not a time written HH:MM (hour 25 is past 23)", "'10:60' is not a time written HH:MM (minute 60 is past 59)")
    """  # noqa: E501
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return f"{named(value)} is not a time written HH:MM (24-hour, zero-padded: 09:30)"
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23:
        return f"{named(value)} is not a time written HH:MM (hour {hours} is past 23)"
    if minutes > 59:
        return f"{named(value)} is not a time written HH:MM (minute {minutes} is past 59)"
    return None


def minutes_of(value: Any) -> int:
    """The minutes from midnight to a time of day written HH:MM.

    >>> minutes_of("00:00"), minutes_of("09:30"), minutes_of("23:59")
    (0, 570, 1439)
    """
    if (problem := time_problem(value)) is not None:
        raise EvalError(problem)
    return int(value[:2]) * 60 + int(value[3:])


def minutes_between(start: Any, end: Any) -> int:
    """Minutes from time ``start`` to time ``end`` of the same day, negative when ``end`` comes
    first.

    >>> minutes_between("09:30", "11:00"), minutes_between("11:00", "09:30")
    (90, -90)
    """
    return minutes_of(end) - minutes_of(start)


def add_minutes(value: Any, minutes: Any) -> str:
    """The time ``minutes`` minutes after ``value`` (before, when negative), written HH:MM; a
    time past 23:59 or before 00:00 is no time of the same day, an error.

    >>> add_minutes("09:30", 45), add_minutes("09:30", -570)
    ('10:15', '00:00')
    >>> add_minutes("23:30", 45)
    Traceback (most recent call last):
    ...
    eigendsl.support.EvalError: 23:30 plus 45 minutes is past 23:59, the last time of a day
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise EvalError(f"add_minutes() adds a whole number of minutes, not {named(minutes)}")
    moved = minutes_of(value) + minutes
    if not 0 <= moved < _MINUTES_A_DAY:
        raise EvalError(time_out_of_day(value, minutes))
    return f"{moved // 60:02d}:{moved % 60:02d}"


def time_out_of_day(value: str, minutes: int) -> str:
    """Why ``value`` moved by ``minutes`` is no time of the day (the compiler says it too, of
    two constants)."""
    if minutes > 0:
        return f"{value} plus {minutes} minutes is past 23:59, the last time of a day"
    return f"{value} minus {-minutes} minutes is before 00:00, the first time of a day"


def clock_sentence(today: str | None, now: str | None) -> str:
    """The prompts' line that says what day it is and, where the domain sets it, what time
    (``today`` and ``now`` in domain.yaml); empty where it sets neither.

    >>> clock_sentence("2025-06-10", None), clock_sentence("2025-06-10", "10:30")
    ('Today is 2025-06-10.', 'Today is 2025-06-10, and the time is 10:30.')
    >>> clock_sentence(None, "10:30"), clock_sentence(None, None)
    ('The time is 10:30.', '')
    """
    if today and now:
        return f"Today is {today}, and the time is {now}."
    return f"Today is {today}." if today else f"The time is {now}." if now else ""


def least(values: Any) -> Any:
    """``min(list)``: the smallest of a list's numbers, or its earliest date or time.

    >>> least([3, 1.5, 2]), least(["2025-06-10", "2025-01-31"])
    (1.5, '2025-01-31')
    """
    return _extreme(min, values)


def greatest(values: Any) -> Any:
    """``max(list)``: the greatest of a list's numbers, or its latest date or time."""
    return _extreme(max, values)


def _extreme(pick: Any, values: Any) -> Any:
    """What ``pick`` (min or max) takes from ``values``: an empty list has no such value, and
    null, or a mix of numbers and text, compares with nothing."""
    items = list(elements(values))
    if not items:
        raise EvalError(f"{pick.__name__}() of an empty list has no value")
    texts = [isinstance(v, str) for v in items]
    if not all(texts) and not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in items
    ):
        raise EvalError(
            f"{pick.__name__}() compares numbers, or dates, but {named(items)} holds others"
        )
    return pick(items)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(value: Any) -> str:
    """The day of the week of a date, in English whatever the machine's locale.

    >>> weekday("2025-06-10"), weekday("2025-06-15 09:00")
    ('Tuesday', 'Sunday')
    """
    return WEEKDAYS[day_of(value).weekday()]


def guard_error(exc: BaseException, path: str, line: int, col: int) -> str:
    """Why a guard's condition at ``path:line:col`` could not be evaluated, as the agent reads
    it, when the call's data explains it (an :class:`EvalError`: a row or entry the arguments
    name does not exist); any other exception is a bug of the spec, raised as a
    :class:`GuardFault` for the environment to record."""
    if isinstance(exc, EvalError):
        return str(exc)
    raise GuardFault(exc, path, line, col) from exc


def read_from_null(exc: BaseException) -> bool:
    """Whether ``exc`` says a lookup found nothing: a ``first(...)`` whose field is read
    (:class:`NothingFound`), or another field read from null."""
    return isinstance(exc, NothingFound) or (
        isinstance(exc, TypeError) and "NoneType" in str(exc) and "subscriptable" in str(exc)
    )


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, EvalError):
        return str(exc)
    if isinstance(exc, MissingArgument):
        return exc.reason()
    if isinstance(exc, KeyError):
        return f"missing entry {exc.args[0]!r}"
    if isinstance(exc, ZeroDivisionError):
        division = getattr(exc, "dsl_division", None)
        if division is None:
            return "division by zero"
        return f"{division[0]} could not be evaluated: its divisor, {division[1]}, is 0"
    if read_from_null(exc):
        return "a field was read from null (a lookup such as first(...) or a row found nothing)"
    if isinstance(exc, TypeError) and "NoneType" in str(exc):
        # len(), a sum or a comparison of a field left out of its row (optional fields are)
        return (
            "a value was null (a field left out of its row, or a lookup that found nothing) "
            "where a list, text or number was needed"
        )
    if isinstance(exc, TypeError):
        return "values of the wrong type" + _wrong_types(str(exc))
    return f"{type(exc).__name__}: {exc}"


# Python's words for a value's type, as a spec's writer calls them.
_TYPE_WORDS = {
    "int": "a number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
    "NoneType": "null",
    "date": "a date",
}
# Python's TypeError texts of an operator or function given values it cannot take:
# `unsupported operand type(s) for +: 'int' and 'str'`, `'<' not supported between instances
# of 'str' and 'int'`, `can only concatenate str (not "int") to str`, `object of type 'int'
# has no len()`, `bad operand type for unary -: 'str'`.
_TYPE_ERRORS = (
    (re.compile(r"unsupported operand type\(s\) for ([^:]+): '(\w+)' and '(\w+)'"), "combine"),
    (re.compile(r"'([^']+)' not supported between instances of '(\w+)' and '(\w+)'"), "compare"),
    (re.compile(r"can only concatenate (\w+) \(not \"(\w+)\"\) to \w+"), "concatenate"),
    (re.compile(r"object of type '(\w+)' has no len\(\)"), "len"),
    (re.compile(r"bad operand type for unary (.+): '(\w+)'"), "unary"),
)


def _wrong_types(text: str) -> str:
    """What a Python ``TypeError``'s ``text`` says, in words (``": '+' cannot combine a number
    and text"``); empty where it is no text of an operator given the wrong values.

    >>> _wrong_types("unsupported operand type(s) for +: 'int' and 'str'")
    ": '+' cannot combine a number and text"
    >>> _wrong_types("'<' not supported between instances of 'str' and 'float'")
    ": '<' cannot compare text and a number"
    """

    def word(name: str) -> str:
        return _TYPE_WORDS.get(name, "a value")

    for pattern, kind in _TYPE_ERRORS:
        if (m := pattern.search(text)) is None:
            continue
        if kind == "concatenate":
            return f": '+' cannot combine {word(m[1])} and {word(m[2])}"
        if kind == "len":
            return f": len() cannot count {word(m[1])}; it counts a list's items or text's letters"
        if kind == "unary":
            return f": '{m[1]}' cannot apply to {word(m[2])}"
        return f": '{m[1]}' cannot {kind} {word(m[2])} and {word(m[3])}"
    return ""


# ---------------------------------------------------------------------------- reasons


def compare_reason(
    source: str, op: str, left: Any, right: Any, negated: bool = False, base: str = ""
) -> str:
    """Why ``left op right`` did not hold (or, negated, why it held); two objects or lists that
    differ are told by the places that differ, written from ``base``, the DSL text of ``left``.

    >>> compare_reason("db == gold", "==", {"orders": {"#1": {"status": "pending"}}},
    ...                {"orders": {"#1": {"status": "cancelled"}}}, base="db")
    'db == gold does not hold: db.orders["#1"].status is "pending", expected "cancelled"'
    """
    if negated:
        return f"{source} holds but is forbidden ({show(left)} {op} {show(right)})"
    if op == "==" and isinstance(left, (dict, list)) and isinstance(right, (dict, list)):
        differences = diff(left, right, base)
        if differences:
            return f"{source} does not hold: " + "; ".join(differences)
    if op == "==":
        return f"{source} does not hold: {show(left)} is not {show(right)}"
    return f"{source} does not hold: {show(left)} {op} {show(right)} is false"


def changed_reason(source: str, now: Any, before_: Any) -> str:
    """Why ``unchanged <source>`` did not hold: the places that changed, written from it.

    >>> changed_reason("db.orders", {"#1": {"status": "cancelled"}}, {"#1": {"status": "pending"}})
    'db.orders changed: db.orders["#1"].status is "cancelled", expected "pending"'
    """
    return f"{source} changed: " + "; ".join(diff(now, before_, source) or ["values differ"])


def explain_forbidden_call(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> str:
    matches = [
        c
        for c in calls
        if c.tool == tool and c.error is None and (not args or _args_match(c, args))
    ]
    shown = ", ".join(repr(c) for c in matches[:2])
    return f"{tool} was called, which is forbidden here ({shown})"


def said_reason(role: str, text: Any, negated: bool) -> str:
    """Why a ``said`` did not hold (or, negated, held), with the ways of saying ``text`` that
    :func:`says` looks for: a number as any number equal to it, a day or time also in words.

    >>> said_reason("assistant", 0.0, False)
    'the agent never said 0 (any number equal to it, such as 0.00)'
    >>> said_reason("user", "yes", True)
    'the user said "yes", which is forbidden here'
    """
    who = "the agent" if role == "assistant" else "the user"
    shown = _spoken(text)
    if negated:
        return f"{who} said {shown}, which is forbidden here"
    return f"{who} never said {shown}"


def _spoken(text: Any) -> str:
    """``text`` as :func:`says` looks for it."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        plain = f"{text:.6f}".rstrip("0").rstrip(".")
        plain = "0" if plain == "-0" else plain
        cents = f"{text:.2f}"
        also = f", such as {cents}" if float(cents) == text and cents != plain else ""
        return f"{plain} (any number equal to it{also})"
    if isinstance(text, str) and _DAY.fullmatch(text) and date_problem(text) is None:
        return f"{_json_text(text)} (or the day in words)"
    if isinstance(text, str) and _TIME.fullmatch(text):
        return f"{_json_text(text)} (or the time on a 12-hour clock)"
    return _json_text(text) if isinstance(text, str) else show(text)


def counterexample_reason(source: str, counterexample: Any) -> str:
    """Why ``all(...)`` did not hold: the first element it failed for. A long statement is cut
    (the failure's ``statement`` has it whole), so that the element is read, not lost after it.

    >>> reason = counterexample_reason("all(c in calls: " + "x " * 60 + ")", "cancel(#1)")
    >>> reason[-40:]
    'x x x ... does not hold for "cancel(#1)"'
    """
    if counterexample is None:
        return f"{source} does not hold"
    return f"{_cut(source)} does not hold for {show(counterexample)}"


def _cut(source: str, limit: int = 100) -> str:
    return source if len(source) <= limit else source[: limit - 4].rstrip() + " ..."


def any_reason(
    source: str, body: str, op: str | None, collection: str, tried: Any, items: Any = None
) -> str:
    """Why ``any(x in xs where F: P)`` did not hold: what ``P`` (``body``) was given for the
    elements that matched ``F`` (``tried``: the element, and for a comparison its two sides),
    at most three; or that none matched, or that there were none.

    >>> call = Call("calc", {"e": "144 - 75.9"}, 68.1)
    >>> print(any_reason("any(...)", "c.result == 5.0", "==", "calls", iter([(call, 68.1, 5.0)])))
    any(...) does not hold: c.result == 5.0 is false for calc(e="144 - 75.9") (68.1 is not 5.0)
    """
    shown = list(itertools.islice(tried, 4))
    if not shown:
        if items is not None and not items:
            return f"{source} does not hold: {none_in(f'element of {collection}')}"
        return f"{source} does not hold: no element of {collection} matches its where"
    parts = []
    for entry in shown[:3]:
        if op is None:
            parts.append(show(entry))
            continue
        element, left, right = entry
        if op == "==":
            sides = f"{show(left)} is not {show(right)}"
        else:
            sides = f"{show(left)} {op} {show(right)} is false"
        parts.append(f"{show(element)} ({sides})")
    more = ", and more" if len(shown) > 3 else ""
    return f"{_cut(source)} does not hold: {body} is false for " + "; ".join(parts) + more


def condition_reason(source: str, negated: bool) -> str:
    return f"{source} holds but is forbidden" if negated else f"{source} does not hold"


def combine(name: str, verdicts: list[Verdict]) -> Verdict:
    """One verdict from several (all must pass; the score is their mean)."""
    failures = [f for v in verdicts for f in v.failures]
    score = sum(v.score for v in verdicts) / len(verdicts) if verdicts else 1.0
    notes = [f for v in verdicts for f in v.notes]
    return Verdict(name, all(v.passed for v in verdicts), round(score, 6), failures, notes)


NOT_JUDGED = "not judged: needs a judge model"


def judge(trace: Trace, assertion: str) -> bool | None:
    """The trace's judge model on ``assertion``: True or False, None when there is no judge."""
    model = getattr(trace, "judge", None)
    if model is None:
        return None
    return bool(model(assertion))


def judge_reason(assertion: str, verdict: bool | None) -> str:
    if verdict is None:
        return NOT_JUDGED
    return f"the judge model found this not met: {_json_text(assertion)}"


def update(db: Any, table: str, key: Any, changes: dict[str, Any]) -> None:
    """Replace one row by a copy with ``changes`` applied (rows are never mutated in place).

    A change to null leaves the field out: only an optional field takes null (compile refuses
    it elsewhere), and the DSL reads an optional field left out as null, so the row is then the
    same as a seed row that never had it (``db == initial`` holds after a value is set and
    cleared again).

    >>> db = {"lines": {"L1": {"status": "active"}}}
    >>> update(db, "lines", "L1", {"reason": "travel"}); update(db, "lines", "L1", {"reason": None})
    >>> db
    {'lines': {'L1': {'status': 'active'}}}
    """
    rows = db[table]
    current = row(rows, key, table)
    new = dict(current)
    new.update(changes)
    for name, value in changes.items():
        if value is None:
            del new[name]
    rows[key] = new
