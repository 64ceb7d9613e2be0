"""Where a turn leaves a record out of a write by a short name (:func:`left_by_short_name`): "Only
the lamp is eligible, though.", "Not the speaker, though.", "The speaker is final sale.", said
after a proposal that named both items in full. A part of a name names no record for the write
(:mod:`~eigendsl.support.naming`), but people leave an item out by its short name, so for
leaving out, and only for it, a short name that fits exactly one of the records counts: reading
a record as left out where it was not only makes the agent ask again. A retraction that names no
record at all ("Only one of them is eligible", "the second one can't be returned") leaves out
a record the turn cannot tell (:data:`UNKNOWN`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from eigendsl.support.left_alone import left_for_turn, only_listed, ruled_out_after
from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import _as_word

# The key of a record a retraction leaves out without naming it ("one of them").
UNKNOWN = ""

# Words of a name that are common words too ("the Pro", "the Set"): no short name.
_COMMON = frozenset(
    "the and one two new old pro max mini plus set kit pack item items order large small "
    "medium standard regular long short".split()
)

# A record said by its place or count rather than a name: "one of them", "the second one", "the
# other item", "the latter"; a retraction said of it leaves out a record the turn cannot tell.
_UNNAMED = re.compile(
    r"\b(?:(?:one|two|some|either)\s+of\s+(?:them|these|those|the\s+(?:two|three|four|items?))"
    r"|the\s+(?:first|second|third|fourth|last|other|latter|former)(?:\s+(?:one|item|product))?)\b"
)


# A record said by a pronoun ("The Speaker? I'm afraid it is final sale.", "..., so it's past the
# window"): the record named last before it, for what follows it only ("it is final sale", "it
# won't be returned"); not "that" or "this", which may be of anything said.
_PRONOUN = re.compile(r"\b(?:it|that one|this one)\b")


def _short_words(records: Mapping[str, frozenset[tuple[str, str]]], head: str) -> dict[str, str]:
    """Each short name (an end of a record's name shorter than the name, "lamp", "desk lamp" of
    "arc led desk lamp", of three letters or more and no common word) that fits exactly one
    record, with that record's key."""
    fits: dict[str, set[str]] = {}
    for key, values in records.items():
        for part, said in values:
            if part != head:
                continue
            name = said.split()
            for i in range(len(name)):
                fits.setdefault(" ".join(name[i:]), set()).add(key)
    return {
        word: next(iter(keys))
        for word, keys in fits.items()
        if len(keys) == 1
        and len(word) >= 3
        and word not in _COMMON
        and not word.isdigit()
        and not any((head, word) in v for v in records.values())
    }


def left_by_short_name(
    said: Sequence[str],
    records: Mapping[str, frozenset[tuple[str, str]]],
    head: str,
    actions: Sequence[str],
) -> tuple[set[str], list[set[str]]]:
    """What the sentences ``said`` of a turn leave out of a write by a short name (a record's
    name said in part, fitting exactly one of ``records``) or by a record's place ("one of
    them", "the second one", :data:`UNKNOWN`): the keys of the records a sentence says stay as
    they are for the whole turn (:func:`~eigendsl.support.left_alone.left_for_turn`: "Not the
    speaker, though.", "The speaker is final sale.", "I won't return the speaker"), and, by
    sentence, the keys of a list said with "only" (:func:`~eigendsl.support.left_alone.
    only_listed`: "Only the lamp is eligible.").

    >>> records = {"L1": frozenset({("name", "arc led desk lamp")}),
    ...     "S1": frozenset({("name", "pocket bluetooth speaker")})}
    >>> said = ["I can return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker.",
    ...     "Only the lamp is eligible, though.", "Not the speaker, though."]
    >>> left_by_short_name(said, records, "name", ["return"])
    ({'S1'}, [set(), {'L1'}, set()])
    >>> left_by_short_name(["Only one of them is eligible."], records, "name", ["return"])
    (set(), [{''}])
    """
    short = _short_words(records, head)
    names: dict[str, set[str]] = {}
    for key, values in records.items():
        for part, name in values:
            if part == head:
                names.setdefault(name, set()).add(key)
    full = set(names)
    # the record a pronoun stands for: the one named last before it, in the turn
    last = UNKNOWN
    dropped: set[str] = set()
    only: list[set[str]] = []
    for sentence in said:
        text = normalize_text(sentence).replace("\u2019", "'")
        pronouns = {found.start() for found in _PRONOUN.finditer(text)}
        spans = sorted(
            {
                (found.start(), found.end(), short.get(word))
                for word in [*short, *full]
                for found in _as_word(word).finditer(text)
            }
            | {(found.start(), found.end(), UNKNOWN) for found in _UNNAMED.finditer(text)}
            | {(found.start(), found.end(), UNKNOWN) for found in _PRONOUN.finditer(text)},
            key=lambda s: (s[0], -s[1]),
        )
        # a short name inside a longer one is part of that one ("lamp" of "desk lamp")
        spans = [
            s
            for s in spans
            if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0] for o in spans)
        ]
        where = [(start, end) for start, end, _ in spans]
        keys: list[str | None] = []
        for start, end, span_key in spans:
            if start in pronouns:
                span_key = last  # what follows the pronoun is said of the record named before it
            elif span_key is None:
                fits = names.get(text[start:end], set())
                last = next(iter(fits)) if len(fits) == 1 else UNKNOWN
            elif span_key != UNKNOWN:
                last = span_key
            keys.append(span_key)
        ruled = ruled_out_after(text, where, tuple(actions))
        # a full name (key None) reads as it always did, in naming.py; it is kept here only so
        # that a list it is in reads as one ("the lamp and the Speaker (teal) are final sale")
        left = [
            keys[i]
            for i in left_for_turn(text, where, tuple(actions))
            if where[i][0] not in pronouns or i in ruled
        ]
        listed = [keys[i] for i in only_listed(text, where) if where[i][0] not in pronouns]
        dropped |= {key for key in left if key is not None}
        only.append({key for key in listed if key is not None})
    return dropped, only
