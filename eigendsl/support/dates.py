"""Dates (YYYY-MM-DD) and times of day (HH:MM) as fields and arguments hold them: why
a value is none, and the arithmetic the DSL and Python tools do with them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from eigendsl.support.errors import EvalError
from eigendsl.support.places import named

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
    eigendsl.support.errors.EvalError: 23:30 plus 45 minutes is past 23:59, the last time of a day
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


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(value: Any) -> str:
    """The day of the week of a date, in English whatever the machine's locale.

    >>> weekday("2025-06-10"), weekday("2025-06-15 09:00")
    ('Tuesday', 'Sunday')
    """
    return WEEKDAYS[day_of(value).weekday()]
