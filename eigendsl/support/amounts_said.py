"""The numbers a text says that may be an amount (:func:`amounts`): not a list
item's number, a card's last digits, a count of things, a percentage, a size in a unit of
measure, an ordinal, an id's number, nor a part of a day or a time."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.numerals import (
    _CURRENCY_CODE,
    _ID_NAME,
    _for_numbers,
    _numbers_said,
    _Said,
)

# Numbers a text says that are no amount: a list item's number at the start of a line, where
# another line starts with the number before or after it ("1. Gift card: $120\n2. ..."; a lone
# "95. if the order posts" is a number), a card's last digits, 2 to 4 digits without a point
# ("ending in 4242", "**** 4242"; "ending in 95.50" is an amount), and a count of things: a
# whole number before one thing ("1 gift card", "one order") or before things in the plural
# within two words ("2 gift cards", "three orders"; :data:`_COUNT_NOUNS`) or after them and a
# colon ("items: 2"), and the first number of a range of counts ("3 to 5 days", "3-5 days", "3
# or 4 weeks"), which is smaller than the second. A list of one item is a line that starts with
# "1." or "1)" before words or another number ("1. 214.9 refunded").
_LIST_ITEM = re.compile(r"(?:^|\n)[ \t>*-]*(\d+)[.)]\s")


# A list item of one: "1. your refund is 95.50", "1. 214.9 refunded", "1) $214.9 refunded".
_WORDS_AFTER = re.compile(rf"\s*(?:[^\W\d_]|(?:[$€£¥]|(?:{_CURRENCY_CODE})\b)?\s?-?\d)")


_CARD_DIGITS = re.compile(
    r"(?:\b(?:ending|ends)(?:\s+(?:in|with))?|\blast\s+(?:four|4)(?:\s+digits)?(?:\s+(?:are|is|of))?)"
    r"\s*:?\s*$|[*•]\s*$"
)


_FEW_DIGITS = re.compile(r"\d{2,4}")


_COUNTED = re.compile(r"\s+([a-z]+)(?:\s+([a-z]+))?")


_RANGE_JOIN = re.compile(r"\s*[-\u2013]\s*|\s+(?:to|or|through|thru)\s+")


# The things a whole number counts in the plural ("2 gift cards", "3 items", "5 business days"):
# nouns only, as a verb in "s" after a number says an amount ("200 returns to your card", "your
# refund of 200 arrives"). Words that are a verb as often as a noun ("returns", "refunds") are
# none.
_COUNT_NOUNS = frozenset(
    "items orders cards days weeks months years hours minutes seconds nights times products "
    "units pieces pairs sets packs packages parcels boxes bags bottles shipments deliveries "
    "accounts addresses methods options variants users people persons customers members "
    "passengers seats tickets flights rooms appointments doctors books copies lines devices "
    "phones plans points stars steps attempts messages calls digits characters letters".split()
)


def _is_plural(word: str | None) -> bool:
    return word in _COUNT_NOUNS


# A number in words counts things before more nouns than digits do ("two things", "three
# questions"): an agent writes money in digits, and prose counts in words. Digits keep the short
# list, so that "12 things" is no new way to hide an amount.
_THINGS_IN_WORDS = _COUNT_NOUNS | frozenset(
    "things ways questions issues problems requests changes reasons choices colors colours sizes "
    "models versions kinds types styles details parts ones".split()
)


# A small number in words after "the" as a pronoun, with no noun after it: "the dearer of the
# two", "either of the two works", "the three of them", "the two are alike"; and a number in
# words before "of them" ("two of them"). Not where a money word comes right before "the" ("a
# fee of the five") nor in digits ("the 2" keeps its reading).
_PRONOUN_WORDS = frozenset("two three four five six seven eight nine ten eleven twelve".split())


_THE = re.compile(r"\bthe\s+$")


_OF_THEM = re.compile(r"\s+of\s+(?:them|these|those|us|you)\b")


_NO_NOUN_AFTER = re.compile(
    r"\s*(?:[.,;:!?)]|$)|\s+(?:are|were|have|had|differ|work|works|both|together|combined|each"
    r"|match)\b"
)


# More numbers that are no amount: a percentage ("3.5%", "50 percent") and a whole number right
# after a word that names an id ("account 12345678", "order no. 5", "step 1", "page 3 of 10":
# the number after "of" too; "order number: 5", "no.: 5", but not "gift card: 120", where the
# colon says what the card holds). ``numbers`` already leaves out ordinals and the day, year and
# hour of a day or a time in words.
_PERCENT = re.compile(r"\s?(?:%|per\s?cent\b|pct\b)")


_OF = re.compile(r"\s+of\s+")


# A count after the things it counts and a colon: "items: 2", "orders: 3".
_COUNTED_BEFORE = re.compile(rf"\b(?:{'|'.join(_COUNT_NOUNS)}):\s*$")


# A unit of measure right after a number, touching it, a space or a hyphen apart ("0.8 l",
# "750ml", "4 mm", "15.6-inch", "500 GB", "1000 W"): the number is a size, a weight, a capacity
# or a power, a product's option, not money. A clear list of units, each a word of its own:
# "l" and "m" alone only so ("a 5 m cable", not "5 minutes" nor "5 months"); not "in", which
# says where ("20 in store credit"), nor a unit followed by "/" ("20 w/ tax") or "." ("v.").
_UNITS = (
    "ml|cl|dl|l|liters?|litres?|milliliters?|millilitres?|gal|gallons?|fl\\.? ?oz|oz|ounces?"
    "|mm|cm|m|km|millimeters?|millimetres?|centimeters?|centimetres?|meters?|metres?|inch|inches"
    "|ft|feet|foot|yd|yards?|mg|g|kg|grams?|kilograms?|lbs?"
    "|kb|mb|gb|tb|mbps|gbps|mah|wh|kwh|w|kw|watts?|v|volts?|hz|khz|mhz|ghz|mp|megapixels?"
)
_UNIT = re.compile(rf"(?:\s|-)?(?:{_UNITS})(?![\w/]|\.\w)")


# A money word right before a number in its clause, at most a few small words apart ("a fee of
# 5 W", "charged 12 g", "less 5 g", "refund: 5 m"; not "the price of the 0.8 l kettle", where
# "the" names the product), or a fee's word within two words after its unit ("a 12 g handling
# fee", "a 5 W charge"): the number is money all the same, as a size is no fee. A verb after the
# unit ("the 0.8 l variant costs") says nothing of it.
_MONEY_WORD_BEFORE = re.compile(
    r"\b(?:fees?|charges?|charged|costs?|refunds?|refunded|prices?|priced|pay|pays|paid|paying"
    r"|deduct|deducts|deducted|deduction|less|minus)"
    r"(?:\s*:|\s+(?:of|is|was|will|be|a|an|just|only|at|to))*\s*$"
)


_FEE_AFTER = re.compile(
    r"(?:\s+[a-z-]+){0,2}?\s+(?:fees?|charges?|surcharges?|deductions?|penalty|penalties)\b"
)


def _is_size(number: _Said, content: str) -> bool:
    """Whether ``number`` is a size: a unit of measure right after it (:data:`_UNIT`), and no
    money word right before it (:data:`_MONEY_WORD_BEFORE`) nor a fee's word after the unit
    (:data:`_FEE_AFTER`).

    >>> [_is_size(_numbers_said(t)[0], t) for t in ("the 0.8 l variant", "a fee of 5 w",
    ...     "less a 12 g handling fee", "the price of the 0.8 l kettle", "a 12 fee")]
    [True, False, False, True, False]
    """
    unit = _UNIT.match(content, number.end)
    return bool(
        unit
        and not _MONEY_WORD_BEFORE.search(content, max(0, number.start - 40), number.start)
        and not _FEE_AFTER.match(content, unit.end())
    )


def _list_numbers(content: str) -> set[int]:
    """Where the numbers that start a line of ``content`` as a list item's (``1. ``, ``2) ``)
    stand, of those that are part of a list: another line starts with the number before or
    after it, or it is a ``1`` before words, a list of one item (``1. Your refund is 95.50``).

    >>> text = "1. a\\n2) b\\n - 3. c\\n\\n7. d\\n95. e"
    >>> [text[start] for start in sorted(_list_numbers(text))]
    ['1', '2', '3']
    >>> [sorted(_list_numbers(t)) for t in ("1. your refund", "1) $95.50", "1. 95.50", "7. a")]
    [[0], [0], [0], []]
    """
    items = [(int(m.group(1)), m.start(1), m.end()) for m in _LIST_ITEM.finditer(content)]
    said = {number for number, _, _ in items}
    return {
        start
        for number, start, end in items
        if {number - 1, number + 1} & said or number == 1 and _WORDS_AFTER.match(content, end)
    }


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


def _counts_in_words(number: _Said, content: str) -> bool:
    """Whether ``number``, said in words, counts things or stands for them: before a noun of
    :data:`_THINGS_IN_WORDS` within two words (``two things``) or ``of them`` (``two of
    them``), or a small number after ``the`` with no noun after it (``of the two``), but for one
    a money word names (``a fee of the five``).

    >>> text = "of the two; either of the two works; two things; the three of them; fee of the two"
    >>> [_counts_in_words(number, text) for number in _numbers_said(text)]
    [True, True, True, True, False]
    """
    said = content[number.start : number.end]
    if number.money or not said.isalpha():
        return False
    counted = _COUNTED.match(content, number.end)
    if counted and (counted[1] in _THINGS_IN_WORDS or counted[2] in _THINGS_IN_WORDS):
        return True
    if _OF_THEM.match(content, number.end):
        return True
    the = _THE.search(content, max(0, number.start - 8), number.start)
    return bool(
        the
        and said in _PRONOUN_WORDS
        and _NO_NOUN_AFTER.match(content, number.end)
        and not _MONEY_WORD_BEFORE.search(content, max(0, the.start() - 40), the.start())
    )


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
        if (
            _is_count(number, content)
            or _counts_in_words(number, content)
            or (
                index + 1 in counts
                and _whole(number, content)
                and number.value < said[index + 1].value  # "a balance of 95 to 3 orders" is none
                and _RANGE_JOIN.fullmatch(content, number.end, said[index + 1].start)
            )
        ):
            counts.add(index)
    return counts


def amounts(text: Any) -> list[float]:
    """``amounts(text)``: the numbers of ``numbers(text)`` that may be an amount, in order: all
    but a list item's number at the start of a line where another line starts with the number
    before or after it (``1. Gift card: $120`` then ``2. ...``; a lone ``95. if ...`` is a
    number), or a ``1.`` before words or a number, a list of one item (``1. Your refund is
    95.50``, ``1. 95.50 refunded``), a
    card's last digits, 2 to 4 digits without a point (``ending in 4242``, ``**** 4242``;
    ``ending in 95.50`` is an amount), a whole number that counts things, one thing (``1 gift
    card``, ``one order``) or things in the plural within two words (``2 gift cards``, ``three
    orders``: a noun of :data:`_COUNT_NOUNS`, as ``200 returns to your card`` says an amount) or
    after them and a colon (``items: 2``), and both numbers of a range of counts, the first the
    smaller (``within 3 to 5 days``, ``3-5 days``, ``3 or 4 weeks``; ``95 to 3 orders`` and
    ``5-3 days`` say 5), a number in words that counts things or stands for them (``two
    things``, ``two of them``, ``the dearer of the two``; :func:`_counts_in_words`), the word
    ``one`` alone (``the one
    you used``), a percentage (``3.5%``, ``50 percent``), a number before a unit of measure
    (:data:`_UNITS`: ``0.8 l``, ``750ml``, ``4 mm``, ``15.6-inch``, ``500 GB``, ``1000 W``), a
    product's size rather than money, unless a money word names it (``a fee of 5 W``, ``a 12 g
    handling fee``), and a whole number right after a word
    that names an id (``account``, ``acct``, ``card``, ``order``, ``invoice``, ``ticket``,
    ``case``, ``ref``, ``reference``, ``number``, ``id``, ``no.``, ``#``, ``step``, ``item``,
    ``option``, ``line``, ``page``, ``room``; ``page 3 of 10`` both; after a colon only
    ``number:`` and ``no.:``, as ``gift card: 120`` says an amount). ``numbers`` already leaves
    out an ordinal (``1st``, ``the 3rd``) and the day, year or hour of a day or time in words
    (``June 10, 2025``, ``10 June``, ``10 am``). A number with a currency sign or code, or a
    money word after it (``dollars``, ``cents``), is always one.

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
    >>> amounts("Items: 2. Of 214.9, 200 returns to your card, less a 12-50 fee.\\n1. 5 back")
    [214.9, 200.0, 12.0, 50.0, 5.0]
    >>> amounts("On June 10, 2025 at 10 am, step 1 of 3: account 12345678 (3.5%) got $200.")
    [200.0]
    >>> amounts("The 0.8 l kettle, the 750ml bottle and a 4 mm mat: $17.90 back, a fee of 0.8.")
    [17.9, 0.8]
    >>> amounts("Less a 12 g handling fee; the dearer of the two; 2 things, not two things.")
    [12.0, 2.0]
    """
    if text is None:
        return []
    return [number.value for number in _amounts_said(_for_numbers(text))]


def _amounts_said(content: str) -> list[_Said]:
    """The numbers of ``content`` (as :func:`_for_numbers` gives it) that :func:`amounts`
    reads as amounts, each where it stands."""
    found = []
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
            if index in counts or whole and _COUNTED_BEFORE.search(before[-24:]):
                continue
            if said == "one" or _PERCENT.match(after) or _is_size(number, content):
                continue
        found.append(number)
    return found
