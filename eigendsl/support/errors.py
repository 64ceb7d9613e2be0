"""The exceptions of the runtime and how a reason says them: a tool's refusal
(:class:`ToolError`), an expression that cannot be evaluated on a trace (:class:`EvalError`,
:class:`NothingFound`), a guard's bug (:class:`GuardFault`); :func:`describe_error` says any of
them, and Python's own, in words."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.events import MissingArgument


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


class NothingFound(EvalError):
    """A ``first(...)`` or ``last(...)`` whose field is read found nothing."""


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
