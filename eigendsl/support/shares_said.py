"""The money a text tells with no amount: a share of it (:func:`percentages`: "a 10% fee",
"twelve percent", "only half will be refunded") and a fee or a sum in vague words
(:func:`vague_money`: "a small fee", "a fee of a few dollars"). ``amounts`` reads neither, so a
made-up fee or partial refund written so passed every amount check."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.amounts_said import _THINGS_IN_WORDS
from eigendsl.support.numerals import _for_numbers, _numbers_said, _Said

# A percentage's sign after its number, a hyphen apart too ("10%", "12.5 per cent", "ten-percent").
_PERCENT = re.compile(r"(?:\s|-)?(?:%|per\s?cent\b|pct\b)")


# A number glued to a letter before it, then a percent sign ("a612%").
_GLUED_PERCENT = re.compile(r"(?<=[^\W\d_])(\d+(?:\.\d+)?)(?=\s?%)")


# A hyphen before the word of a percentage, which keeps "ten-percent" from being read as a number.
_HYPHEN_PERCENT = re.compile(r"-(?=(?:per\s?cent|pct)\b)")


# A fraction in words: "half" alone, "a third", "one quarter", "two thirds", "three-quarters";
# the other parts need their count, as "the third item" and "this quarter" name no share.
_FRACTION = re.compile(
    r"(?<![\w-])(?:(?P<count>a|one|two|three|four)[\s-]+)?"
    r"(?P<part>half|thirds?|quarters?|fourths?|fifths?|tenths?)\b"
    r"|(?P<sign>[½⅓⅔¼¾])"
)
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_PARTS = {"half": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "tenth": 10}
_SIGNS = {"½": 50.0, "⅓": 33.33, "⅔": 66.67, "¼": 25.0, "¾": 75.0}


# A fraction of time ("half an hour", "a quarter past", "a half-day wait") or of a party ("a
# third party"), not of money.
_OF_TIME = re.compile(
    r"[\s-]+(?:of\s+)?(?:an?\s+)?(?:hours?|days?|weeks?|months?|years?|minutes?|seconds?|past"
    r"|part(?:y|ies)|way)\b"
)


# What a fraction is of, up to three words after it ("half of your order's items", "half the
# items", "a third of the orders"): a noun that counts things makes it a count, not money.
_OF_WHAT = re.compile(r"(?:\s+(?:of|the|your|my|our|these|those|its|their|[a-z]+'s|[a-z]+’s)){0,3}")
_NEXT_WORD = re.compile(r"\s+([a-z]+)")


def _fraction_of_money(match: re.Match[str], content: str) -> bool:
    """Whether the fraction ``match`` found is a share of money: not of time nor a party
    (:data:`_OF_TIME`), and not of things a noun counts (:data:`_THINGS_IN_WORDS`)."""
    if match["sign"] is None and match["count"] is None and match["part"] != "half":
        return False
    if _OF_TIME.match(content, match.end()):
        return False
    of_what = _OF_WHAT.match(content, match.end())  # it always matches, with no word too
    noun = _NEXT_WORD.match(content, of_what.end() if of_what else match.end())
    return not (noun and noun[1] in _THINGS_IN_WORDS)


def percentages(text: Any) -> list[float]:
    """``percentages(text)``: the shares a text says, in order, each as a percentage: a number
    before ``%``, ``percent``, ``per cent`` or ``pct`` (``10%``, ``12.5 %``, ``twelve percent``,
    ``ten-percent``), and a fraction in words that is a share of money (``half`` 50, ``a third``
    33.33, ``three quarters`` 75, ``½``): not one of time (``half an hour``, ``a quarter past``),
    of a party (``a third party``) or of things counted (``half of your order's items``), nor an
    ordinal (``the third item``). ``amounts`` leaves all of them out.

    >>> percentages("Less a 10% fee, or twelve percent, or ten-percent; 100% of your payment.")
    [10.0, 12.0, 10.0, 100.0]
    >>> percentages("Of the 365.4, only half will be refunded; two thirds of it, ¼ of that.")
    [50.0, 66.67, 25.0]
    >>> percentages("In half an hour, half of your order's items ship; the third item too.")
    []
    >>> percentages("asks for a612% refund")
    [612.0]
    """
    if text is None:
        return []
    content = _HYPHEN_PERCENT.sub(" ", _for_numbers(text))
    found = [
        (number.start, number.value)
        for number in _numbers_said(content)
        if _PERCENT.match(content, number.end)
    ]
    # digits glued to the word before them still read as a share: "a612%" says 612%
    found += [
        (match.start(1), float(match[1]))
        for match in _GLUED_PERCENT.finditer(content)
        if not any(start == match.start(1) for start, _ in found)
    ]
    for match in _FRACTION.finditer(content):
        if not _fraction_of_money(match, content):
            continue
        if match["sign"]:
            found.append((match.start(), _SIGNS[match["sign"]]))
            continue
        count = _COUNTS[match["count"] or "a"]
        found.append((match.start(), round(100 * count / _PARTS[match["part"].rstrip("s")], 2)))
    return [value for _, value in sorted(found)]


# A fee, a surcharge, a penalty or a deduction (a noun: "a restocking fee"; a verb: "shipping is
# deducted"), and a charge of a kind a fee is ("a small charge", "a handling charge"; a bare
# "charge" is an item change's honest word).
_FEE = re.compile(
    r"\b(?:(?P<noun>fees?|surcharges?|penalty|penalties|deductions?"
    r"|(?:small|minor|nominal|service|handling|processing|cancellation|restocking|admin"
    r"|administrative)\s+charges?)|(?P<verb>deduct(?:s|ed|ing)?|withh[eo]ld(?:ing)?))\b"
)


# A number that says how much the fee is, right before it ("a $7.00 cancellation fee", "a 10%
# restocking fee", "7.00 was deducted") or right after it ("a fee of 12.50", "fee: $5", "less a
# restocking fee of twelve percent", "we deducted $7.00"): the fee is no vague one, and the checks
# of amounts and percentages judge its number. Before it, up to three words may stand between
# (four before a verb), none of them one that sets the number apart from the fee ("365.4 back
# minus fees", "365.4 refunded with a fee" say the refund's number).
_PERCENT_SIGN = re.compile(r"\s?(?:%|per\s?cent\b|pct\b)")
_BETWEEN = re.compile(r"(?:[\s-]+[a-z]+)*\s+")
_APART = frozenset(
    "minus less plus and or with without after back refund refunds refunded refunding returned "
    "credited get gets receive receives then but also".split()
)
_NUMBER_AFTER = re.compile(
    r"(?:\s*:|\s+(?:of|is|was|will\s+be|amounts\s+to|comes\s+to|totals?|totalling|totaling))?"
    r"(?:\s+(?:just|only|a|an))?\s*(?:[$€£¥]|usd\s?)?"
)


# A sum in vague words: "a few dollars", "a couple of dollars", "some cents".
_VAGUE_SUM = re.compile(
    r"\b(?:a\s+few|a\s+couple(?:\s+of)?|several|some|a\s+handful\s+of)\s+"
    r"(?:dollars?|bucks|cents?|euros?|pounds?)\b"
)


# A fee denied in its clause, before it ("no fee", "without any fees", "there won't be a
# restocking fee", "nothing is deducted") or right after it ("the fee is waived", "fee-free").
_CLAUSE_START = re.compile(r"[.;:!?\n,]|\bbut\b")
_DENIED_BEFORE = re.compile(
    r"\b(?:no|not|without|nothing|none|zero|never|free|waived?|waiving)\b|n['’]t\b"
)
_DENIED_AFTER = re.compile(
    r"(?:-free\b|\s+(?:(?:is|are|was|were|will\s+be|has\s+been|have\s+been|gets?|got)\s+)?"
    r"(?:waived|free|none)\b)"
)


def _quantified(fee: re.Match[str], content: str, said: list[_Said]) -> bool:
    """Whether a number of ``said`` says how much the fee ``fee`` found is, right before it
    (:data:`_BETWEEN`, :data:`_APART`) or right after it (:data:`_NUMBER_AFTER`)."""
    linked = _NUMBER_AFTER.match(content, fee.end())  # it always matches, with no word too
    after = linked.end() if linked else fee.end()
    most = 3 if fee["noun"] else 4
    for number in said:
        if number.start == after:
            return True
        start = number.end
        percent = _PERCENT_SIGN.match(content, start)
        start = percent.end() if percent else start
        between = content[start : fee.start()]
        words = re.findall(r"[a-z]+", between)
        if (
            start <= fee.start()
            and len(between) <= 60  # a few words: no long text for the pattern to go over
            and _BETWEEN.fullmatch(between)
            and len(words) <= most
            and not _APART & set(words)
        ):
            return True
    return False


def vague_money(text: Any) -> list[str]:
    """``vague_money(text)``: the phrases of a text that tell money with no amount, in order: a
    fee, surcharge, penalty or deduction that no number quantifies (``a small fee``, ``minus a
    restocking fee``, ``shipping is deducted``, ``a handling charge``; not ``a fee of 12.50`` nor
    ``a 10% fee``, whose numbers ``amounts`` and ``percentages`` read) and that its clause does
    not deny (``no fee``, ``without any fees``, ``there won't be a restocking fee``, ``the fee is
    waived``, ``fee-free``), and a sum in vague words (``a few dollars``, ``a couple of dollars``).

    >>> vague_money("365.4 will be refunded minus a restocking fee of a few dollars.")
    ['fee', 'a few dollars']
    >>> vague_money("There is no cancellation fee, and nothing is deducted; the fee is waived.")
    []
    >>> vague_money("A $7.00 cancellation fee was deducted, and a fee of 12.50, less a 10% fee.")
    []
    """
    if text is None:
        return []
    content = _for_numbers(text)
    said = _numbers_said(content)
    found = []
    for match in _FEE.finditer(content):
        clause = max(
            (m.end() for m in _CLAUSE_START.finditer(content, 0, match.start())), default=0
        )
        if (
            _DENIED_BEFORE.search(content, clause, match.start())
            or _DENIED_AFTER.match(content, match.end())
            or _quantified(match, content, said)
        ):
            continue
        found.append((match.start(), match.group()))
    found.extend((m.start(), m.group()) for m in _VAGUE_SUM.finditer(content))
    return [phrase for _, phrase in sorted(found)]
