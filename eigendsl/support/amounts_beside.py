"""Whether a text says an amount beside a name of its own (:func:`beside`): the name in the
stretch of words the amount stands in, not anywhere in the sentence."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.amounts_said import _amounts_said
from eigendsl.support.numerals import _for_numbers

# What parts a sentence's stretches: a clause's punctuation before a space, a line's end, and
# the words that join two clauses or two things ("75.9 for the kettle and 139.0 for the
# keyboard"). A colon parts none ("- Kettle: 75.9"), nor a bracket ("the kettle (75.9)"); a comma
# parts one only where the stretch it leaves names something ("the new order total is 347.5,
# down from 365.4"; "the kettle, priced 75.9" reads the kettle).
_STRETCH_BREAK = re.compile(r"[;!?]\s|\.\s|\n|\b(?:and|but|then|while|whereas|or|plus)\b")
_COMMA = re.compile(r",\s")

# A range of two amounts, "from 365.4 to 347.5" ("from $66.99 -> $73.49"): its end is what the
# words before the range name ("your order total went from ... to 347.5"), so its stretch starts
# where the first amount's would, and its start is named by "from" alone, its stretch starting
# there ("from" is a name of a value before, the old total's).
_RANGE_FROM = re.compile(r"\bfrom\s+(?:[$€£¥]\s?|usd\s?)?$")
_RANGE_TO = re.compile(r"\s+(?:to|→|->)\s+(?:[$€£¥]\s?|usd\s?)?")
# An arrow between two amounts with no "from" before them ("Order total: $365.40 -> $347.50") is
# read as that range ("order total from 365.40 to 347.50"), and the colon that labels a range
# ("Order total: from ...") gives way to its "from", so the label names the range's end as
# "total from" would. Only the first of a chain is so read ("365.4 -> 347.5 -> 300.0" tells no
# range of its end).
_ARROW = re.compile(r"\s*(?:-+>|→|⟶|=>)\s*(?P<sign>(?:[$€£¥]\s?|usd\s?)?)")
_LABEL = re.compile(r"(?::\s*|\s*)(?:[$€£¥]\s?|usd\s?)?$")
# A total told before and "now" is that range too ("Order total: $365.40, now $347.50", "order
# total was 365.4 (now 347.5)"), but only where a total labels its start: "your balance was 350.0,
# now 450.99" is read as written.
_NOW = re.compile(r"\s*(?:,\s*|\(\s*|\s)now\s+(?:at\s+)?(?P<sign>(?:[$€£¥]\s?|usd\s?)?)")
_TOTAL_LABEL = re.compile(
    r"(?<=\btotal)(?::\s*|\s+(?:is|was)\s+|\s*)(?P<sign>(?:[$€£¥]\s?|usd\s?)?)$"
)


def _names_of(record: Any, key: str = "names") -> list[str]:
    names = record.get(key) if isinstance(record, dict) else None
    return [str(n) for n in names or [] if n is not None and str(n).strip()]


def _value_of(record: Any) -> float | None:
    value = record.get("value") if isinstance(record, dict) else None
    return round(float(value), 2) if isinstance(value, (int, float)) else None


def beside(text: Any, value: Any, named: Any) -> bool:
    """``beside(text, value, named)``: whether ``text`` says the amount ``value`` (as
    :func:`amounts` reads it) and each time beside a name of its own: ``named`` is a list of
    ``{value, names}``, and the stretch the amount stands in (from the amount or the clause
    break before it to the one after it: ``,``, ``;``, ``and``, ``but``...) says a name of a
    record of that value and no name of a record of another value but inside such a name ("new
    order total" holds the old total's "order total") or right after one ("the Commuter Backpack
    total"). Two prices swapped beside their names
    are not beside them, nor is an amount told apart from every name ("75.9 and 139.0 go back").
    A record may also list words ``refused`` of its value: none of them stands from the start of
    the amount's stretch to the end of the text ("the new order total is 347.5, which you'll pay
    again"), as what a clause tells of an amount follows it.

    >>> named = [{"value": 75.9, "names": ["kettle"]}, {"value": 139.0, "names": ["keyboard"]}]
    >>> beside("75.9 for the kettle and 139.0 for the keyboard", 139.0, named)
    True
    >>> beside("139.0 for the kettle and 75.9 for the keyboard", 139.0, named)
    False
    >>> [beside("The Kettle (75.9) is kept; 139.0 goes back.", v, named) for v in (75.9, 139.0)]
    [True, False]

    The end of a range ("from 365.4 to 347.5") stands in the stretch of its start too, so the
    words before the range name it ("your order total went from 365.4 to 347.5"), and its start
    is named by "from" alone:

    >>> new = {"value": 347.5, "names": ["total went from"]}
    >>> totals = [new, {"value": 365.4, "names": ["from"]}]
    >>> [beside("Your total went from $365.40 to $347.50.", v, totals) for v in (347.5, 365.4)]
    [True, True]
    >>> [beside("Your total went from $347.50 to $365.40.", v, totals) for v in (347.5, 365.4)]
    [False, False]
    >>> beside("6.5 is charged, bringing your total from 365.4 to 347.5.", 6.5, [{"value": 6.5,
    ...     "names": ["total went from", "total from"]}])
    False
    >>> total = [{"value": 347.5, "names": ["new total"], "refused": ["pay", "refunded"]}]
    >>> [beside(t, 347.5, total) for t in ("17.9 is refunded, and your new total is 347.5.",
    ...     "Your new total is 347.5, which you'll pay again.")]
    [True, False]
    """
    if text is None or not isinstance(value, (int, float)) or not isinstance(named, list):
        return False
    content = _ranges_read(_for_numbers(text))
    said = _amounts_said(content)
    target = round(float(value), 2)
    own = [n for r in named if _value_of(r) == target for n in _names_of(r)]
    refused = [n for r in named if _value_of(r) == target for n in _names_of(r, "refused")]
    others = [n for r in named if _value_of(r) != target for n in _names_of(r)]
    breaks = [(m.start(), m.end()) for m in _STRETCH_BREAK.finditer(content)]
    commas = breaks + [(m.start(), m.end()) for m in _COMMA.finditer(content)]
    found = False
    for index, number in enumerate(said):
        if round(number.value, 2) != target:
            continue
        found = True
        # a range's end reads the words before its "from", not the "from" of the range's start
        head = _range_from(content, said, index - 1)
        hole = (head, said[index - 1].end) if head is not None else (0, 0)
        first = index if head is None else index - 1
        # and an amount before a range reads no name past the range's "from" ("6.5 is charged,
        # bringing your total from 66.99 to 73.49": "total from" names 73.49, not 6.5)
        end = _range_from(content, said, index + 1)
        end = len(content) if end is None else end
        left, right = _stretch(said, first, commas)[0], min(_stretch(said, index, commas)[1], end)
        if not _spans(content, left, right, own + others, hole):
            left, right = (
                _stretch(said, first, breaks)[0],
                min(_stretch(said, index, breaks)[1], end),
            )
        left = max(left, _range_from(content, said, index) or 0)
        if not _nearest_is_own(content, left, right, number, own, others, hole):
            return False
        if _spans(content, left, len(content), refused):
            return False
    return found


def _ranges_read(content: str) -> str:
    """``content`` (as :func:`_for_numbers` gives it) with each range of two amounts written
    "label from ... to ...": an arrow that no "from" stands before given one, the colon before
    the range or its "from" dropped, and the arrow written "to".

    >>> _ranges_read("order total: $365.40 -> $347.50.")
    'order total from $365.40 to $347.50.'
    >>> _ranges_read("order total: from 365.4 to 347.5; total: from 365.4->347.5")
    'order total from 365.4 to 347.5; total from 365.4 to 347.5'
    >>> _ranges_read("total from 365.4 → 347.5 -> 300.0")
    'total from 365.4 to 347.5 -> 300.0'
    >>> _ranges_read("total: usd 365.4 => usd 347.5; 1 -> 2 items")
    'total from usd 365.4 to usd 347.5; 1 -> 2 items'
    >>> _ranges_read("order total: $365.40, now $347.50; balance was 350.0, now 450.99")
    'order total from $365.40 to $347.50; balance was 350.0, now 450.99'
    >>> _ranges_read("your order total was 365.4 (now at 347.5)")
    'your order total from 365.4 to 347.5)'
    """
    said = _amounts_said(content)
    pieces, done = [], 0

    def joined(index: int) -> re.Match[str] | None:
        between = (content, said[index].end, said[index + 1].start)
        now = _NOW.fullmatch(*between)
        if now and _TOTAL_LABEL.search(content, 0, said[index].start):
            return now
        return _ARROW.fullmatch(*between) or _RANGE_TO.fullmatch(*between)

    for index in range(len(said) - 1):
        start, end = said[index], said[index + 1]
        join = joined(index)
        if not join or index and joined(index - 1):
            continue
        arrow = join.re is not _RANGE_TO
        word = _RANGE_FROM.search(content, max(0, start.start - 12), start.start)
        if word or arrow:
            label = _LABEL.search(content, done, word.start() if word else start.start)
            if join.re is _NOW:
                # "total was 365.4, now 347.5": the "was" gives way to the range's "from" too
                label = _TOTAL_LABEL.search(content, done, start.start)
            left = label.start() if label else start.start
            sign = "" if word else content[left : start.start].lstrip(": \t")
            if join.re is _NOW and label:
                sign = label.group("sign")
            pieces += [content[done:left], " " if word else " from " + sign]
            done = word.start() if word else start.start
        if arrow:
            pieces += [content[done : start.end], " to " + join.group("sign")]
            done = end.start
    return "".join(pieces) + content[done:]


def _range_from(content: str, said: list[Any], index: int) -> int | None:
    """Where the "from" stands of a range the ``index``-th amount starts ("from 365.4 to
    347.5"), or None where it starts none."""
    if index < 0 or index + 1 >= len(said):
        return None
    start, end = said[index], said[index + 1]
    if not _RANGE_TO.fullmatch(content, start.end, end.start):
        return None
    word = _RANGE_FROM.search(content, max(0, start.start - 12), start.start)
    return word.start() if word else None


def _stretch(said: list[Any], index: int, breaks: list[tuple[int, int]]) -> tuple[int, int]:
    """Where the stretch of the ``index``-th amount starts and ends: at the amounts beside it or
    the nearest of ``breaks``."""
    number = said[index]
    left = max([said[index - 1].end] if index else [0])
    left = max([left] + [end for start, end in breaks if end <= number.start])
    right = min([said[index + 1].start] if index + 1 < len(said) else [number.end + 10**6])
    right = min([right] + [start for start, end in breaks if start >= number.end])
    return left, right


def _spans(
    content: str, left: int, right: int, names: list[str], hole: tuple[int, int] = (0, 0)
) -> list[tuple[int, int]]:
    """Where each of ``names`` stands, as words of its own, between ``left`` and ``right``, but
    not starting inside ``hole``."""
    return [
        (m.start(), m.end())
        for n in names
        for m in re.finditer(rf"(?<!\w){re.escape(_for_numbers(n).strip())}(?!\w)", content)
        if left <= m.start() and m.end() <= right and not hole[0] <= m.start() < hole[1]
    ]


def _nearest_is_own(
    content: str,
    left: int,
    right: int,
    number: Any,
    own: list[str],
    others: list[str],
    hole: tuple[int, int] = (0, 0),
) -> bool:
    """Whether the name nearest the amount in its stretch is its own: another value's name
    inside one of its own ("new order total") or right before one ("the original order
    total") or after ("the Commuter Backpack total") is none, and so is a name of its own inside
    a longer one of another value ("credit" in "credit card").

    >>> way = [{"value": 18.0, "names": ["credit"]}, {"value": 19.0, "names": ["credit card"]}]
    >>> [beside(t, 18.0, way) for t in ("18.0 to your credit card", "18.0 credited as a credit")]
    [False, True]
    """
    found = _spans(content, left, right, others, hole)
    # a name of its own inside a longer name of another value is none: "credit" (a refund's)
    # inside "credit card" (a payment's), "order total" inside "order total is now"
    mine = [
        (a, b)
        for a, b in _spans(content, left, right, own, hole)
        if not any(x <= a and b <= y and y - x > b - a for x, y in found)
    ]
    if not mine:
        return False
    theirs = [
        (a, b)
        for a, b in found
        if not any(x <= a and b <= y or 0 <= x - b <= 1 or 0 <= a - y <= 1 for x, y in mine)
    ]

    def distance(span: tuple[int, int]) -> int:
        return max(span[0] - number.end, number.start - span[1], 0)

    return not theirs or min(map(distance, mine)) <= min(map(distance, theirs))
