"""Text as ``said`` reads it (:func:`normalize_text`: lower case, commas and thousands
written plain) and the numbers it says (:func:`numbers`: in digits, signed, with a scale, after a
currency code, in words)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eigendsl.support.days_in_words import _days_and_times
from eigendsl.support.number_words import _IN_WORDS, _ORDINAL_AFTER, _SCALES, _in_words
from eigendsl.support.visible_text import visible_text

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
    """Text as ``said`` compares it: as a person reads it (:func:`visible_text`: no invisible
    characters, look-alike letters as Latin ones, no Markdown marks inside a word), lower case,
    commas removed (tau2-bench's convention) but a decimal comma read as a point, thousands
    grouped by points or (beside money) spaces written plain, and an ISO date and time parted by
    a space.

    >>> normalize_text("Copay: 25,0 EUR; 1,093.34 in all, 1.000,50 EUR on 2025-06-16T15:00")
    'copay: 25.0 eur; 1093.34 in all 1000.50 eur on 2025-06-16 15:00'
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    text = _point_grouped(_ISO_T.sub(" ", visible_text(str(text)).lower()))
    return _glue_thousands(_DECIMAL_COMMA.sub(".", text).replace(",", ""))


# A number as a message says it: not the digits of an id or a word (``L5017``, ``#W1000149``,
# ``R-0``), nor one an id's label names (``id 25``, ``#5``, ``no. 7``), nor a part of a date, a
# time or a phone number (``2025-10-14``, ``14:00``, ``555-14-00``).
_ID_LABELS = ("#", r"\bid ", r"\bid: ", r"\bid:", r"\bid=", r"\bid #", r"\bno\. ", r"\bref ")


_NUMBER = re.compile(
    r"(?<![\w.])(?<!\w[-:/])"
    + "".join(f"(?<!{label})" for label in _ID_LABELS)
    + r"-?\d+(?:\.\d+)?(?!\d|[-:/.]\d)"
)


# A minus sign or a dash as typesetting writes a hyphen (the minus sign U+2212, U+2010 to U+2013,
# the small and the full-width hyphen-minus) reads as one: U+2212 before "$50.00" makes -50. An
# em dash (U+2014) is punctuation ("the total\u201450.00\u2014was refunded"), no sign.
_AS_HYPHEN = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d", "-"))


# A number with an ordinal's ending ("1st", "the 3rd") is none: it names a place in an order
# ("our 200th customer") or a day ("by the 10th"). Written as money ("$200th", "12th dollars") or
# right after a word of money ("a fee of 50th", "the refund is the 200th") it is an amount all
# the same, as a policy could write a made-up one so; "refunded to the 2nd card" names a card.
_ORDINAL_ENDING = re.compile(r"(?:st|nd|rd|th)\b")


_ORDINAL_AS_MONEY = re.compile(
    r"\b(?:fees?|charges?|charged|costs?|refunds?|refunded|prices?|priced|pay|pays|paid|deduct"
    r"|deducts|deducted|deduction|less|minus|balance|total|amount|difference)"
    r"(?:\s*:|\s+(?:of|is|was|will|be|a|an|the|just|only))*\s*$"
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


# A minus sign a space before the digits (``is \u2212 12.5``, ``balance: - 12.5``, ``- $12.5``) is
# a sign where a word that states a value or a ``:``, ``(`` or ``=`` stands before it on its line:
# after a number it is a subtraction or a range (``214.9 \u2212 14.9``, ``June 10 - 12``), and at
# a line's start a list's dash (``- 214.9 refunded``).
_SPACED_MINUS = re.compile(rf"(?<![\w-])-[^\S\n]+(?:{_MONEY_SIGN}[^\S\n]?)?\Z")


_BEFORE_SPACED_MINUS = re.compile(
    r"(?:[:(=]|\b(?:is|was|be|been|are|were|of|at|to|now|reads|shows|stands|down))[^\S\n]*\Z"
)


# A range of two numbers joined by a hyphen or a dash, ``10-20``, where money or the words
# ``between`` or ``from`` make it one (``between 10-20 dollars``, ``$10-20``): elsewhere digits
# joined by a hyphen are an id's, a date's or a phone number's (``555-1234``).
_RANGE = re.compile(r"(?<![\w.:/#-])(\d+(?:\.\d+)?)[-\u2013](\d+(?:\.\d+)?)(?![\w:/]|[-\u2013.]\d)")


_RANGE_BEFORE = re.compile(r"\b(?:between|from)\s+$")


# A word that names an id or a size before its number ("account 12345678", "order no. 5", "step
# 1", "size 42", "order number: 5", "size: 42"; not "gift card: 120", where the colon says what
# the card holds):
# ``amounts`` leaves the number out, and two numbers joined by a hyphen after it are the id's
# ("order 10-20").
_ID_NAME = re.compile(
    r"(?:\b(?:account|acct|card|order|invoice|ticket|case|ref|reference|number|id|step|item|option"
    r"|line|page|room|size)|\bno\.|#)\s*(?:#|no\.|number)?\s*$|(?:\bnumber|\bsize|\bno\.|#)\s*:\s*$"
)


# Two numbers joined by a hyphen or a dash that are no id's, date's or phone number's digits: a
# side with a decimal point ("214.9-14.9", a subtraction) or both whole, of one to three digits
# and no leading zero ("12-50", "200-50", "3-5"); each is a number of its own ("12-50 fee" says
# 12 and 50), and ``amounts`` leaves out a range of counts ("3-5 days"). "555-1234" says none.
_PLAIN_PAIR = re.compile(r"(?:\d+\.\d+|[1-9]\d{0,2}|0)-(?:\d+\.\d+|[1-9]\d{0,2}|0)")


def _signed(content: str, value: float, start: int) -> float:
    """``value``, said at ``start`` of ``content``, negative where a minus sign or word before
    it makes it so (:data:`_MINUS`)."""
    if value <= 0:
        return value
    minus = _MINUS.search(content, max(0, start - 16), start)
    if minus is None:
        spaced = _SPACED_MINUS.search(content, max(0, start - 16), start)
        before = spaced and _BEFORE_SPACED_MINUS.search(
            content, max(0, spaced.start() - 16), spaced.start()
        )
        return -value if before else value
    if minus.group(1) == "minus" and not _BEFORE_MINUS.search(
        content, max(0, minus.start() - 16), minus.start()
    ):
        return value
    return -value


def _money(content: str, start: int, end: int) -> bool:
    """Whether the number from ``start`` to ``end`` of ``content`` is written as money: a
    currency sign or code before it, or a money word or code after it."""
    return bool(
        _MONEY_BEFORE.search(content, max(0, start - 8), start) or _MONEY_AFTER.match(content, end)
    )


def _of_its_own(content: str, start: int, end: int) -> bool:
    """Whether the digits from ``start`` to ``end`` of ``content`` are a number of its own: not
    an ordinal (``1st``, ``the 3rd``), nor the day, the year or the hour of a day or a time in
    words (``june 10 2025``, ``10 june``, ``june 2025``, ``10 am``), unless written as money.
    An ordinal written as money or after a word of money is one (:data:`_ORDINAL_AS_MONEY`)."""
    ordinal = _ORDINAL_ENDING.match(content, end)
    if ordinal:
        return bool(
            _MONEY_BEFORE.search(content, max(0, start - 8), start)
            or _MONEY_AFTER.match(content, ordinal.end())
            or _ORDINAL_AS_MONEY.search(content, max(0, start - 40), start)
        )
    return _money(content, start, end) or not any(
        day_start <= start and end <= day_end for day_start, day_end in _days_and_times(content)
    )


def _digits(content: str) -> list[tuple[float, int, int]]:
    """The numbers ``content`` says in digits by the rules of ``said``, each with its start and
    end: signed (``-$50.00`` and ``minus 50`` are -50, and so with a minus sign, U+2212, or an
    en dash, and with one a space apart after a word that states a value, ``is - 50``:
    :data:`_SPACED_MINUS`), both ends of a range (``between 10-20``) or of two numbers joined
    by a hyphen that are no id's or phone number's (:data:`_PLAIN_PAIR`: ``214.9-14.9``), none
    an ordinal or a part of a day or a time in words (:func:`_of_its_own`; an ordinal written
    as money or after a word of money is a number, ``a fee of 50th``).

    >>> [v for v, _, _ in _digits("-$50.00, is minus 50; $100 minus $20, from 10-20; w-50")]
    [-50.0, -50.0, 100.0, 20.0, 10.0, 20.0]
    >>> [v for v, _, _ in _digits("214.9-14.9, a 12-50 fee; call 555-1234 or 555-0123")]
    [214.9, 14.9, 12.0, 50.0]
    >>> [v for v, _, _ in _digits("\u221250.00 on june 10 2025, the 3rd, at 10 am; 10 may apply")]
    [-50.0, 10.0]
    >>> [v for v, _, _ in _digits("is \u2212 50; balance: - 5; 20 - 5; a fee of 7th; our 200th")]
    [-50.0, -5.0, 20.0, 5.0, 7.0]
    """
    content = content.translate(_AS_HYPHEN)  # same length: the spans hold for ``content``
    found = [
        (_signed(content, float(m.group()), m.start()), m.start(), m.end())
        for m in _NUMBER.finditer(content)
        if _of_its_own(content, m.start(), m.end())
    ]
    for match in _RANGE.finditer(content):
        start, end = match.span()
        if (
            _RANGE_BEFORE.search(content, max(0, start - 8), start) or _money(content, start, end)
        ) and _of_its_own(content, start, end):
            found.append((float(match.group(1)), match.start(1), match.end(1)))
            found.append((float(match.group(2)), match.start(2), match.end(2)))
        elif _PLAIN_PAIR.fullmatch(match.group()) and not _ID_NAME.search(
            content, max(0, start - 24), start
        ):
            found.extend(
                (float(match.group(side)), match.start(side), match.end(side))
                for side in (1, 2)
                if _of_its_own(content, match.start(side), match.end(side))
            )
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
    between words, which part numbers in words ("one hundred, one" is 100 and 1), and with a
    minus sign or a dash read as a hyphen (:data:`_AS_HYPHEN`).

    >>> _for_numbers("One hundred, one; 1,093.34 or 25,0")
    'one hundred, one; 1093.34 or 25.0'
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    text = _point_grouped(_ISO_T.sub(" ", visible_text(str(text)).lower().translate(_AS_HYPHEN)))
    return _glue_thousands(re.sub(r"(?<=\d),(?=\d)", "", _DECIMAL_COMMA.sub(".", text)))


def _numbers_said(content: str) -> list[_Said]:
    """Every number ``content`` (as :func:`_for_numbers` gives it) says, in order: in digits
    by the rules of ``said``, after a currency code ("usd25"), with a scale ("25k", "1.5
    million"), and in words but for those of an ordinal ("twenty first"); "25 dollars and 50
    cents" is one, 25.5, and "50 cents" is 0.5."""
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
        said_in_words = _in_words(match.group())
        if _ORDINAL_AFTER.match(content, match.end()):
            said_in_words = said_in_words[:-1]  # "twenty" of "twenty first"
        spans.extend(
            (_signed(content, n, match.start() + s), match.start() + s, match.start() + e)
            for n, s, e in said_in_words
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
    ``said`` (a number of its own, not the digits of an id, a date, a time or a phone number,
    nor an ordinal or the day, year or hour of a day or a time in words, ``June 10``, ``10 am``;
    a decimal comma read as a point, other commas dropped), and also glued to a currency code
    (``USD25``), with a scale (``25k``, ``1.5 million``, ``3 hundred``) and in words (``two
    hundred and five``, ``twelve point five``; an ordinal in words, ``twenty first``, is none);
    ``25 dollars and 50 cents`` is 25.5, ``50 cents`` 0.5. Null says none.

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
