"""The DSL's conversions ``str(x)``, ``int(x)`` and ``float(x)``: text in the DSL's (and
JSON's) spelling, not Python's (``true``, not ``True``; ``null``, not ``None``), and a sentence,
not Python's ``ValueError``, for text that is no number."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eigendsl.support.errors import EvalError
from eigendsl.support.places import named

_WHOLE = re.compile(r"\s*[-+]?[0-9]+\s*")


def text_of(value: Any) -> str:
    """``str(x)``: a value as the DSL and JSON write it; text as it is.

    >>> text_of(True), text_of(None), text_of(12), text_of(1.5), text_of(1e20), text_of(1e-05)
    ('true', 'null', '12', '1.5', '100000000000000000000.0', '0.00001')
    >>> text_of(["a", 2.0, False, None]), text_of({"paid": True}), text_of("as is")
    ('["a", 2.0, false, null]', '{"paid": true}', 'as is')
    """
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {_item(v)}" for k, v in value.items()]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_item(v) for v in value) + "]"
    return str(value)  # a call or a message: its text


def _item(value: Any) -> str:
    """An item of a list or an object, text in double quotes as JSON writes it."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else text_of(value)


def _float_text(value: float) -> str:
    """A float as the DSL writes a number: digits and a point, never an exponent (Python writes
    ``1e+20``), with the fewest digits that read back as the same float."""
    if not math.isfinite(value):
        return repr(value)  # float("inf") made it; the DSL has no spelling for it
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def int_of(value: Any) -> int:
    """``int(x)``: a number's whole part (``int(3.9)`` is 3), or the whole number a text
    writes; other text, and values that are no number, raise an :class:`EvalError` that says
    what to write.

    >>> int_of(3.9), int_of(" 42 "), int_of(-7)
    (3, 42, -7)
    >>> int_of("3.7")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eigendsl.support.errors.EvalError: int() of '3.7': the text is no whole number; for its ...
    """
    if isinstance(value, str):
        if _WHOLE.fullmatch(value):
            return int(value)
        if _decimal(value) is not None:
            raise EvalError(
                f"int() of {named(value)}: the text is no whole number; for its whole part "
                "write int(float(x)), to round it round(float(x))"
            )
        raise EvalError(f"int() of {named(value)}: the text is no number")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise EvalError(f"int() of {_float_text(value)}: it has no whole part")
        return int(value)
    raise EvalError(f"int() takes a number or a text, not {named(value)}")


def float_of(value: Any) -> float:
    """``float(x)``: a number as a float, or the number a text writes (``"2.5"``, ``"-3"``);
    other text, and values that are no number, raise an :class:`EvalError`.

    >>> float_of("2.5"), float_of(3)
    (2.5, 3.0)
    >>> float_of("about 3")
    Traceback (most recent call last):
    ...
    eigendsl.support.errors.EvalError: float() of 'about 3': the text is no number
    """
    if isinstance(value, str):
        number = _decimal(value)
        if number is None:
            raise EvalError(f"float() of {named(value)}: the text is no number")
        return number
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise EvalError(f"float() takes a number or a text, not {named(value)}")


_DECIMAL = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")


def _decimal(text: str) -> float | None:
    """The finite number ``text`` writes in digits (an exponent allowed, as JSON allows one);
    None for other text (Python's ``float`` also reads ``"nan"``, ``"inf"`` and ``"1_000"``)."""
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None
