"""Numbers in words as an agent says an amount (:func:`_in_words`: "two hundred and five",
"twenty-five", "twelve point five"), and the ordinals in words that are none ("twenty first")."""

from __future__ import annotations

import re

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


# An ordinal in words after number words ("twenty first", "one hundred twenty-first", "one
# third"): the last number of those words is part of it, and none.
_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
    + [f"{word}th" for word in list(_UNITS)[13:]]
    + [f"{word[:-1]}ieth" for word in _TENS]
    + ["hundredth", *(f"{word}th" for word in _SCALES)]
)  # the first twenty are the days "first" to "twentieth"


_ORDINAL_WORD = "|".join(_ORDINALS)


_ORDINAL_AFTER = re.compile(rf"(?:[\s-]+(?:{_NUMBER_WORD}))*[\s-]+(?:{_ORDINAL_WORD})\b")


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
