"""Type rules of the checker DSL's functions (``len``, ``round``, ``days_between``,
``add_minutes`` ...): the type of each call, and an error for each misuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eigendsl.dsl import ast as A
from eigendsl.dsl.types import (
    ANY,
    BOOL,
    DATE,
    FLOAT,
    INT,
    STRING,
    TIME,
    Type,
    is_numeric,
    list_of,
)
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.support import (
    WEEKDAYS,
    EvalError,
    date_problem,
    day_of,
    minutes_of,
    time_out_of_day,
    time_problem,
)

FUNCTIONS = {  # name: (min args, max args)
    "len": (1, 1),
    "lower": (1, 1),
    "upper": (1, 1),
    "str": (1, 1),
    "abs": (1, 1),
    "round": (1, 2),
    "min": (1, 9),
    "max": (1, 9),
    "keys": (1, 1),
    "int": (1, 1),
    "float": (1, 1),
    "days_between": (2, 2),
    "add_days": (2, 2),
    "weekday": (1, 1),
    "minutes_between": (2, 2),
    "add_minutes": (2, 2),
    "numbers": (1, 1),
    "amounts": (1, 1),
    "percentages": (1, 1),
    "vague_money": (1, 1),
    "sentences": (1, 1),
    "words": (1, 1),
    "says": (2, 2),
    "beside": (3, 3),
    "said_plainly": (3, 5),
    "confirmed": (1, 2),
    "declined": (2, 3),
}
# What a date given where a time goes, or a time where a date goes, should use instead.
USE_DATE_FUNCTIONS = (
    "a date moves by days with add_days(date, n), and days_between(start, end) counts them"
)
USE_TIME_FUNCTIONS = (
    "a time of day moves by minutes with add_minutes(time, n), and minutes_between(start, end) "
    "counts them"
)


def an(t: Type) -> str:
    """A type as an error message names it, with its article: "a string", "an int"."""
    name = t.name
    if t.kind in ("object",) and t.table:
        return f"a {name}"
    if t.kind in ("table",):
        return f"the {name}"
    if t.kind == "db":
        return "the whole database"
    if t.kind == "null":
        return "null"
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name}"


def call_type(e: A.Func, args: list[Type], diag: Diagnostics) -> Type:
    """The type of a call of one of :data:`FUNCTIONS` whose arguments have the types ``args``,
    each misuse reported to ``diag``."""
    if e.name not in FUNCTIONS:
        quantifier = (
            " (quantifiers are written all(x in xs where ...: ...))"
            if e.name in ("all", "any")
            else ""
        )
        diag.error(
            e.span,
            f"unknown function '{e.name}'"
            + did_you_mean(e.name, FUNCTIONS, f"functions are {', '.join(sorted(FUNCTIONS))}")
            + quantifier,
        )
        return ANY
    low, high = FUNCTIONS[e.name]
    if e.name in ("min", "max") and not low <= len(args) <= high:
        more = f"; write more as one list: {e.name}([a, b, c, ...])" if args else ""
        diag.error(
            e.span,
            f"{e.name}() takes 2 to {high} values, or one list of them, not {len(args)}{more}",
        )
        return ANY
    if not low <= len(args) <= high:
        count = f"{low}" if low == high else f"{low} to {high}"
        diag.error(e.span, f"{e.name}() takes {count} argument(s), not {len(args)}")
        return ANY
    if e.name in ("lower", "upper", "str"):
        return STRING
    if e.name in ("confirmed", "declined"):  # eigendsl.dsl.proposals checks their arguments
        return BOOL
    if e.name == "len" and args[0].kind in ("int", "float", "bool", "null"):
        diag.error(
            e.args[0].span,
            f"len() needs a list, a table, a string or a mapping, not {an(args[0])}",
        )
    if e.name in ("int", "float") and args[0].kind not in ("int", "float", "string", "any"):
        diag.error(
            e.args[0].span,
            f"{e.name}() takes a number or a text that writes one, not {an(args[0])}",
        )
    if e.name in ("len", "int"):
        return INT
    if e.name == "keys":
        return list_of(STRING)
    if e.name in ("round", "float"):
        return FLOAT
    if e.name in ("sentences", "words"):
        _text_argument(e, args, diag, "of a text")
        return list_of(STRING)
    if e.name == "vague_money":
        _text_argument(e, args, diag, "a text tells with no amount", "fees and vague sums")
        return list_of(STRING)
    # numbers() also reads the values of a list or an object (a tool's JSON result, an address)
    if e.name == "numbers" and args[0].kind in ("list", "object", "map"):
        return list_of(FLOAT)
    if e.name in ("numbers", "amounts", "percentages"):
        _text_argument(e, args, diag, "a text says")
        return list_of(FLOAT)
    if e.name == "says":
        return _says_call(e, args, diag)
    if e.name == "beside":  # beside(text, amount, [{value, names}]): an amount by its own name
        _text_argument(e, args, diag, "a text says")
        return BOOL
    if e.name == "said_plainly":  # said_plainly(text, word, contrasts[, denials, spared])
        _text_argument(e, args, diag, "a word is said in", "sentence")
        return BOOL
    if e.name in ("days_between", "add_days", "weekday"):
        return _date_call(e, args, diag)
    if e.name in ("minutes_between", "add_minutes"):
        return _time_call(e, args, diag)
    if e.name in ("min", "max") and len(args) == 1:
        return _extreme_of_list(e, args[0], diag)
    dates = [t.date or _date_literal(a) for a, t in zip(e.args, args, strict=True)]
    times = [t.time or _time_literal(a) for a, t in zip(e.args, args, strict=True)]
    for kind, found, result in (("dates", dates, DATE), ("times", times, TIME)):
        if e.name in ("min", "max") and any(found):  # days and times compare as `<` does
            wrong = [(a, t) for a, t, fits in zip(e.args, args, found, strict=True) if not fits]
            for arg, t in wrong:
                if t.kind != "any":
                    diag.error(arg.span, f"{e.name}() of {kind} takes {kind} only, not {an(t)}")
            return ANY if any(t.kind != "any" for _, t in wrong) else result  # said once
    if e.name in ("abs", "min", "max"):
        wrong = [(arg, t) for arg, t in zip(e.args, args, strict=True) if not is_numeric(t)]
        for arg, t in wrong:
            diag.error(arg.span, f"{e.name}() needs numbers, not {an(t)}")
        return ANY if wrong else args[0]  # a wrong type is not passed on to what reads it
    return ANY  # pragma: no cover


def _says_call(e: A.Func, args: list[Type], diag: Diagnostics) -> Type:
    """``says(text, phrase)``: whether one text (a message's ``m.content``) says a phrase or a
    number, as ``said`` reads every message."""
    if args[0].kind not in ("string", "any"):
        diag.error(
            e.args[0].span,
            f'says() reads one text, such as says(m.content, "not"); {an(args[0])} is no text',
        )
    if args[1].kind not in ("string", "int", "float", "any"):
        diag.error(e.args[1].span, f"says() looks for text (or a number), not {an(args[1])}")
    return BOOL


def _extreme_of_list(e: A.Func, arg: Type, diag: Diagnostics) -> Type:
    """``min(list)`` / ``max(list)``: the type of the list's items, numbers or dates."""
    if arg.kind == "any" or (arg.kind == "list" and (arg.elem is None or arg.elem.kind == "any")):
        return ANY
    item = arg.elem if arg.kind == "list" else None
    if item is None or not (item.kind in ("int", "float") or item.date or item.time):
        what = an(arg) if item is None else f"a list of {item.name}"
        diag.error(
            e.args[0].span,
            f"{e.name}() takes numbers, dates or times, two or more, or one list of them, such as "
            f"{e.name}([o.total for o in db.orders]), not {what}",
        )
        return ANY
    return replace(item, optional=False)


@dataclass(frozen=True)
class _Moment:
    """A date or a time of day as a function's argument: how it is written, the other kind's
    functions to use instead, how to move one, and why a literal is not one (None: it is)."""

    name: str
    written: str
    other: str
    use_other: str
    move: str
    problem: Callable[[str], str | None]


def _day_problem(text: str) -> str | None:
    try:
        day_of(text)
    except EvalError as exc:
        return str(exc)
    return None


_DATE = _Moment(
    name="date",
    written="text YYYY-MM-DD",
    other="time",
    use_other=USE_TIME_FUNCTIONS,
    move="to move a date by days, use add_days(date, n)",
    problem=_day_problem,
)
_TIME = _Moment(
    name="time",
    written="text HH:MM",
    other="date",
    use_other=USE_DATE_FUNCTIONS,
    move="to move a time by minutes, use add_minutes(time, n)",
    problem=time_problem,
)


def _check_moments(
    e: A.Func, moments: Sequence[A.Expr], args: list[Type], kind: _Moment, diag: Diagnostics
) -> None:
    """An error at each of ``moments`` (the arguments that must be a date, or a time) that is
    not one: another type, the other kind, text built from others, a literal written wrong."""
    needs = f"{e.name}() needs a {kind.name} ({kind.written})"
    for arg, t in zip(moments, args, strict=False):
        if t.kind not in ("string", "any") or t.values:
            diag.error(arg.span, f"{needs}, not {an(t)}")
        elif getattr(t, kind.other):
            diag.error(arg.span, f"{needs}, not a {kind.other}; {kind.use_other}")
        elif not getattr(t, kind.name) and _built_text(arg):
            diag.error(
                arg.span,
                f"{needs}, but this is text built from others, which is no {kind.name}; "
                f"{kind.move}",
            )
        elif isinstance(arg, A.Literal) and isinstance(arg.value, str):
            if (problem := kind.problem(arg.value)) is not None:
                diag.error(arg.span, problem)


def _date_call(e: A.Func, args: list[Type], diag: Diagnostics) -> Type:
    """``days_between(start, end)``, ``add_days(date, days)`` and ``weekday(date)``: dates are
    ISO text, checked here when written as a literal; a weekday is one of :data:`WEEKDAYS`."""
    dates = e.args if e.name == "days_between" else e.args[:1]  # add_days's, weekday's first
    _check_moments(e, dates, args, _DATE, diag)
    if e.name == "days_between":
        return INT
    if e.name == "weekday":
        return Type("string", values=WEEKDAYS)
    if args[1].kind not in ("int", "any"):
        diag.error(e.args[1].span, f"add_days() adds a whole number of days, not {an(args[1])}")
    return ANY if args[0].time else DATE  # a time moved by days: said once, above


def _time_call(e: A.Func, args: list[Type], diag: Diagnostics) -> Type:
    """``minutes_between(start, end)`` and ``add_minutes(time, minutes)``: times of day are
    text written HH:MM, checked here when written as a literal."""
    times = e.args if e.name == "minutes_between" else e.args[:1]  # add_minutes's first
    _check_moments(e, times, args, _TIME, diag)
    if e.name == "minutes_between":
        return INT
    if args[1].kind not in ("int", "any"):
        diag.error(
            e.args[1].span, f"add_minutes() adds a whole number of minutes, not {an(args[1])}"
        )
    return ANY if args[0].date else TIME  # a date moved by minutes: said once, above


def _built_text(e: A.Node) -> bool:
    """Whether ``e`` builds text that is no date: text joined with ``+``, or changed by
    ``lower``, ``upper`` or ``str``."""
    return (isinstance(e, A.Binary) and e.op == "+") or (
        isinstance(e, A.Func) and e.name in ("lower", "upper", "str")
    )


def _date_literal(e: A.Node) -> bool:
    """Whether ``e`` is a date written as a literal, ``"2025-06-10"``."""
    return isinstance(e, A.Literal) and isinstance(e.value, str) and date_problem(e.value) is None


def _time_literal(e: A.Node) -> bool:
    """Whether ``e`` is a time of day written as a literal, ``"09:30"``."""
    return isinstance(e, A.Literal) and isinstance(e.value, str) and time_problem(e.value) is None


def constant_shift_problem(e: A.Func, constants: dict[Any, Any]) -> str | None:
    """Why ``add_days`` or ``add_minutes`` of two constants (``today`` or a date written out,
    ``now`` or a time written out; a whole number) fails whenever it is evaluated (in a guard, it
    refuses every call): a day past the last a date holds, a time past 23:59 or before 00:00.
    None otherwise, or where the call is not of constants (``constants``: the resolved ``today``
    and ``now``)."""
    if e.name not in ("add_days", "add_minutes") or len(e.args) != 2:
        return None
    start, amount = e.args
    sign = 1
    if isinstance(amount, A.Unary) and amount.op == "-":
        sign, amount = -1, amount.operand
    if not isinstance(amount, A.Literal):
        return None
    if isinstance(amount.value, bool) or not isinstance(amount.value, int):
        return None
    n = sign * amount.value
    # the start's value: a constant's (today, now) or a literal's
    value = (
        constants.get(start)
        if isinstance(start, A.Name)
        else start.value
        if isinstance(start, A.Literal)
        else None
    )
    if e.name == "add_minutes":
        time = value
        if not isinstance(time, str) or time_problem(time) is not None:
            return None  # not a time: the time literal check says so
        if 0 <= minutes_of(time) + n < 24 * 60:
            return None
        what = f"now ({time} in domain.yaml)" if isinstance(start, A.Name) else time
        return (
            f"{time_out_of_day(what, n)}, so this fails whenever it is evaluated (in a "
            "guard, it refuses every call); move the time, or add fewer minutes"
        )
    day = value
    if not isinstance(day, str):
        return None
    try:
        dt.date.fromisoformat(day) + dt.timedelta(days=n)
    except ValueError:
        return None  # not a date: the date literal check says so
    except OverflowError:
        what = f"today ({day} in domain.yaml)" if isinstance(start, A.Name) else day
        beyond = (
            f"{n} days after {what} is past 9999-12-31, the last date there is"
            if n > 0
            else f"{-n} days before {what} is before 0001-01-01, the first date there is"
        )
        return (
            f"{beyond}, so this fails whenever it is evaluated (in a guard, it refuses every "
            "call); move the date, or add fewer days"
        )
    return None


def _text_argument(
    e: A.Func, args: list[Type], diag: Diagnostics, read: str, what: str | None = None
) -> None:
    """A function that reads a text (``words``, ``numbers``...) given something else: what it
    reads (``what``, its name by default) ``read``, as the error says it."""
    if args[0].kind not in ("string", "any"):
        diag.error(
            e.args[0].span,
            f"{e.name}() reads the {what or e.name} {read}, such as {e.name}(m.content); "
            f"{an(args[0])} is no text",
        )
