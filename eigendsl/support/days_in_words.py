"""Days and times of day as people write them (``June 10``, ``the 10th``,
``6/18/2025``, ``3pm``, ``noon``): the patterns :func:`says` hears a given one in, and the days or
times a text says (:func:`days_or_times`)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache
from typing import Any

from eigendsl.support.dates import _DAY, date_problem
from eigendsl.support.number_words import _ORDINALS

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


def _ordinal_in_words(day: int) -> str:
    """The pattern of day ``day`` of a month as an ordinal in words, its tens and units joined
    by a space or a hyphen: a day beside a month (``june eighteenth``, ``the first of july``)
    or alone after a word that puts a day (``on the eighteenth``; ``the first is pending``
    counts, it names no day).

    >>> [re.fullmatch(_ordinal_in_words(d), w) is not None for d, w in (
    ...     (1, "first"), (18, "eighteenth"), (21, "twenty-first"), (22, "twenty second"),
    ...     (30, "thirtieth"), (31, "thirty-first"), (21, "first"))]
    [True, True, True, True, True, True, False]
    """
    if day <= 20:
        return _ORDINALS[day - 1]
    if day % 10 == 0:
        return "thirtieth"
    return rf"{'twenty' if day < 30 else 'thirty'}[\s-]{_ORDINALS[day % 10 - 1]}"


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
    10th`` (its month and year taken as meant, as a year left out is), an ordinal in words
    beside the month (``june eighteenth``, ``the eighteenth of june``) or alone after ``on the``,
    ``by the``, ``until the``, ``from the``, ``since the`` (``on the eighteenth``), and in digits
    where the day and the month cannot swap, ``6/18/2025``, ``18/6``, but not ``6/10``; another
    year after it is another day, a time is none (``june 10 9:30 am``).

    >>> [bool(_spoken_day("2025-06-10").search(t)) for t in (
    ...     "tuesday june 10 2025", "on jun 10th.", "the 10th of june", "june 10 2024", "june 100",
    ...     "june 10 9:30 am", "to the 10th?", "the 10th of july", "the 10th transfer",
    ...     "6/10/2025")]
    [True, True, True, False, False, True, True, False, False, False]
    >>> [bool(_spoken_day("2025-06-18").search(t)) for t in (
    ...     "on 6/18/2025.", "on 18/06/25", "by 6/18", "on 6/18/2024", "july the 18th")]
    [True, True, True, False, False]
    >>> [bool(_spoken_day("2025-06-18").search(t)) for t in (
    ...     "june eighteenth 2025", "the eighteenth of june", "on the eighteenth.",
    ...     "the eighteenth", "on the eighteenth order", "july eighteenth", "june eighteenth 2024")]
    [True, True, True, False, False, False, False]
    """
    date = dt.date.fromisoformat(day)
    full = _MONTHS[date.month - 1]
    sept = r"|sept\.?" if date.month == 9 else ""
    month = rf"(?:{full}|{full[:3]}\.?{sept})"
    words = _ordinal_in_words(date.day)
    return _day_in_words(month, rf"0?{date.day}", words, rf"{date.year}\b", _numeric_day(date))


# Where a day of the month in words alone is one: after "on the", "by the", "until the", "from
# the", "since the" (not after "the" alone: "the second is delivered" names no day). Beside a
# month, an ordinal after the tens of a longer one is no day ("first" of "twenty first of june").
_PUT_A_DAY = r"\b(?:on|by|until|till|through|from|since)\s+the\s+"


_NOT_IN_WORDS_BEFORE = r"(?<![\w-])(?<!twenty\s)(?<!thirty\s)"


def _day_in_words(month: str, number: str, words: str, year: str, digits: str) -> re.Pattern[str]:
    """The words of a day whose month, day of the month in digits and as an ordinal in words,
    year and form in digits are the patterns given: the one pattern of :func:`_spoken_day` and
    :data:`_ANY_DAY`."""
    alone = rf"{_NO_MONTH_BEFORE}\bthe\s+{number}(?:st|nd|rd|th)(?!\d){_ORDINAL_END}"
    alone_in_words = rf"{_PUT_A_DAY}(?:{words})\b{_ORDINAL_END}"
    number = rf"{number}(?:st|nd|rd|th)?"
    year = rf"(?:\s+{year}|(?!\s+\d{{4}}\b))"  # its year, or none
    in_words = (
        rf"\b{month}\s+(?:{words})\b{year}"
        rf"|{_NOT_IN_WORDS_BEFORE}(?:{words})\s+of\s+{month}\b{year}"
    )
    return re.compile(
        rf"\b{month}\s+{number}(?!\d){year}|\b{number}\s+(?:of\s+)?{month}\b{year}|{alone}"
        rf"|{in_words}|{alone_in_words}|{digits}"
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
    rf"(?:{_ANY_MONTH})",
    r"(?:[12]\d|3[01]|0?[1-9])",
    "|".join(_ordinal_in_words(day) for day in range(31, 0, -1)),
    r"\d{4}\b",
    _NUMERIC_DAY,
)


_MONTH_YEAR = re.compile(rf"\b(?:{_ANY_MONTH})\s+\d{{4}}\b")  # for amounts: "june 2025"


_ANY_TIME = _time_in_words(
    r"(?:[01]?\d|2[0-3]):[0-5]\d", r"(?:1[0-2]|0?[1-9])(?::[0-5]\d)?", "[ap]", ("noon", "midnight")
)


_DAY_OR_MAY = re.compile(r"\d+\s+may\.?")  # "a fee of 10 may apply" is no day


# The last day of a range after a month and a day in digits, a dash apart with spaces or none
# ("june 10 - 12", "june 10-12"): a day too, no number of its own.
_MONTH_DAY = re.compile(rf"\b(?:{_ANY_MONTH})\s+(?:[12]\d|3[01]|0?[1-9])$")
_DAY_RANGE_END = re.compile(r"\s*[-\u2013]\s*(?:[12]\d|3[01]|0?[1-9])(?![\w:/]|[.,-]\d)")


@lru_cache(maxsize=4096)
def _days_and_times(content: str) -> tuple[tuple[int, int], ...]:
    """Where ``content`` says a day in words or a time of day (:data:`_ANY_DAY`,
    :data:`_ANY_TIME`, a month and a year), whose numbers are none of their own; commas may
    part a day from its year. Cached: ``said`` asks it of a message once a number it checks.

    >>> text = "on june 10, 2025 at 10 am, june 2025, a fee of 10 may apply"
    >>> [text[start:end] for start, end in _days_and_times(text)]
    ['june 10, 2025', '10 am', 'june 2025']
    >>> text = "it arrives june 10 - 12 or june 14-16"
    >>> [text[start:end] for start, end in _days_and_times(text)]
    ['june 10', ' - 12', 'june 14', '-16']
    """
    plain = content.replace(",", " ")
    days = [m.span() for m in _ANY_DAY.finditer(plain) if not _DAY_OR_MAY.fullmatch(m.group())]
    days += [
        (end, ranged.end())
        for start, end in days
        if _MONTH_DAY.search(plain, start, end) and (ranged := _DAY_RANGE_END.match(plain, end))
    ]
    found = itertools.chain(_MONTH_YEAR.finditer(plain), _ANY_TIME.finditer(content))
    return tuple(sorted([*days, *(m.span() for m in found)]))


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
