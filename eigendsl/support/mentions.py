"""How a sentence falls into mentions of records (:func:`sentence_mentions`): the naming values
said together ("the Speaker (blue, 10 hours)", "the teal, carabiner Speaker", "the red one"),
each with what the sentence says of it: left as it is ("but not the Sweater"), of a list said
with "only" ("only the Lamp"), or left as it is for the whole turn ("Not the Sweater, though.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eigendsl.support.left_alone import left_for_turn, left_out, only_listed
from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import _as_word

# A record's naming values: (the part of the record a value is of, the value as said), e.g.
# ("name", "bluetooth speaker"), ("options.color", "blue").
Values = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Mention:
    """A mention of a record in a sentence: the naming ``values`` said (with the name said last
    before it where it says none), whether the sentence names the record with it (``named``: not
    left as it is, :func:`~eigendsl.support.left_alone.left_out`), whether it is of a list said
    with "only" (``only``), and whether it says the record is left as it is whatever the turn's
    other sentences say (``dropped``: :func:`~eigendsl.support.left_alone.left_for_turn`)."""

    values: Values
    named: bool
    only: bool
    dropped: bool


# Between a name and the value before it, what parts two mentions ("(layout: US) ['I1'], item
# ids (Mechanical Keyboard ..."): the name starts the next one, not "the blue Keyboard".
_PARTING = re.compile(r"[()\[\]:;]")

# Between options said before a name and the name, or between two of them: nothing but spaces,
# a hyphen or an "and" ("the teal, carabiner Speaker", the commas read away).
_ADJACENT = re.compile(r"[\s*_-]*(?:and[\s*_]+)?")

# A value said with a word that makes it another ("not matte black", "light blue", "10.5 hours",
# "L/XL"): right before it a negation or right beside it a "/" alternative or a decimal.
_NOT_BEFORE = re.compile(r"(?:\b(?:not|non|no|never)|n't)[\s-]*$")
_ALTERNATIVE_AFTER = re.compile(r"\s*/\s*\w|[.,]\d|-\d")
_ALTERNATIVE_BEFORE = re.compile(r"\w\s*/\s*$|\d[.,]$|\d-$")

# Colour words, and the words that make a colour another ("dark teal" is no teal).
_COLOURS = frozenset(
    "red orange yellow green blue purple violet pink brown black white grey gray silver gold "
    "beige tan navy teal olive cream ivory charcoal maroon burgundy turquoise cyan magenta "
    "lavender indigo khaki coral mint sand slate rose copper bronze crimson aqua lime plum "
    "mustard ochre rust sage graphite ember".split()
)
_TONES = frozenset(
    "light dark pale bright deep pastel neon dusty muted vivid sky baby royal midnight forest "
    "hot jet off".split()
)

# The words before a name that are no part of another name ("the", "your"), and after it "I".
_NO_NAME = frozenset(
    "the a an your my our this that these those both each every one and or nor for of with to "
    "from in on by as its their his her also plus i i'll i'd i've i'm".split()
)
_WORD_BEFORE = re.compile(r"(?<![\w#])([A-Za-z][A-Za-z'-]*)[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+([A-Za-z][A-Za-z'-]*)(?![\w#])")

# Beside a name said alone, what says more of it than any record's value does ("the Lamp (110
# hours)", "the Lamp in red", "the dark Lamp", "the 2 Lamps"): no bare name then.
_QUALIFIED = re.compile(r"\s*[(\[:/-]|\s+(?:with|in)\b")
_QUALIFIED_BEFORE = re.compile(r"(?:\d|\b(?:" + "|".join(sorted(_COLOURS | _TONES)) + r"))[\s-]*$")

# After a name, an aside that says which order holds the record, not what the record is: "the
# Lamp (order #W1)", "(from your order)", "(#W1)", "the Lamp in your order #W1", "in order #W1".
_ORDER_ASIDE = re.compile(
    r"(?:\s*(?P<paren>\()\s*(?:(?:from|in|of|on)\s+)?|\s+(?:in|from|of|on)\s+)"
    r"(?:(?P<det>your|the|this|that)\s+)?(?P<order>order\b)?\s*(?P<id>#?[\w-]*\d[\w-]*)?"
    r"(?(paren)\s*\)|(?![\w'-]))"
)

Span = tuple[int, int, str, str]

# Before a value said as another: what no record's value starts with.
_OTHER = "\N{NOT SIGN}"


def sentence_mentions(
    sentence: str,
    records: Any,
    head: str,
    actions: tuple[str, ...] = (),
    places: frozenset[str] = frozenset(),
) -> list[Mention]:
    """The mentions of ``records`` (their naming values) in a ``sentence``, each with what the
    sentence says of it (:class:`Mention`; ``actions`` are the verbs of the write, whose
    negation leaves a record out for the whole turn: "I won't return the Sweater"): the naming
    values said, in order, parted where a name is said again
    (with the options said right before it: "the Lamp (matte black) and the teal Speaker") or
    another part is (at the name before it, where punctuation parts the name from the value said
    before the name); a mention without a value of ``head`` takes the last one said before it.
    A value said as another ("not matte black", "light blue", "10.5", "L/XL", a name in a longer
    one, "the Speaker Mini") is said as a value no record has, and so is a name said with what
    no record's value says ("the Lamp (110 hours)", "the Lamp in red"), but not with the order
    that holds it, by one of the call's values (``places``, normalized) or as "your order"
    ("the Lamp (order #W1)", "the Lamp in your order": :func:`_order_aside`)."""
    text = normalize_text(sentence)
    spans = sorted(
        {
            (found.start(), found.end(), part, said)
            for values in records
            for part, said in values
            for found in _as_word(said).finditer(text)
        }
    )
    # a value said inside a longer one is no value of its own ("Desk Lamp" in "LED Desk Lamp",
    # size "l" in "18 l")
    spans = [
        s
        for s in spans
        if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0] for o in spans)
    ]
    spans = _as_said(sentence, text, spans, head, records)
    groups: list[list[Span]] = [[]]
    for span in spans:
        group = groups[-1]
        if span[2] == head and any(o[2] == head for o in group):
            groups[-1:] = _part_before(text, group, span[0], head)
        elif any(o[2] == span[2] for o in group):
            at = next((i for i, o in enumerate(group) if o[2] == head), 0)
            if at and not any(o[2] == span[2] for o in group[at:]):
                parted = _PARTING.search(text, group[at - 1][1], group[at][0])
                at = at if parted else len(group)
            else:
                at = len(group)
            groups[-1:] = [group[:at], group[at:]]
        groups[-1].append(span)
    groups = [g for g in groups if g]
    out: list[Mention] = []
    last_head: frozenset[tuple[str, str]] = frozenset()
    where = [(g[0][0], g[-1][1]) for g in groups]
    left, only = left_out(text, where), only_listed(text, where)
    dropped = left_for_turn(text, where, actions)
    for i, group in enumerate(groups):
        mention = frozenset((part, said) for _, _, part, said in group)
        names = frozenset(v for v in mention if v[0] == head)
        if names:
            last_head = names
        before = text[groups[i - 1][-1][1] if i else 0 : group[0][0]]
        after = text[group[-1][1] : groups[i + 1][0][0] if i + 1 < len(groups) else len(text)]
        qualified = (
            _QUALIFIED.match(after) and not _order_aside(after, places)
        ) or _QUALIFIED_BEFORE.search(before)
        if len(group) == 1 and names and qualified:
            mention |= {(head, _OTHER)}  # a name said with what no record's value is
        out.append(Mention(mention | last_head, i not in left, i in only, i in dropped))
    return out


def _order_aside(after: str, places: frozenset[str]) -> bool:
    """Whether ``after``, the text right after a name, starts with an aside that says only which
    order holds the record: "(order #w1)", "(#w1)", "(from your order)", "in your order", "in
    order #w1", an id said being one of ``places`` (the call's values), so "the Lamp (order #w2)"
    of a return from #w1 says more of it than the order's records do.

    >>> [_order_aside(t, frozenset({"#w1"})) for t in (" (order #w1) to", " (#w1)", " in your "
    ...     "order.", " in order #w1 to", " (order #w2)", " (10)", " in your living room", " in "
    ...     "order to", " in your order's colour")]
    [True, True, True, True, False, False, False, False, False]
    """
    found = _ORDER_ASIDE.match(after)
    if found is None:
        return False
    said = found["id"]
    if said is not None:
        return bool(found["order"] or said.startswith("#")) and said.lstrip("#") in {
            p.lstrip("#") for p in places
        }
    return bool(found["det"] and found["order"])


def _part_before(text: str, group: list[Span], start: int, head: str) -> list[list[Span]]:
    """``group`` parted before a name said again at ``start``: the options said right before it
    are its own ("the Lamp (matte black) and the teal, carabiner Speaker"), unless they touch
    what comes before them too ("the Lamp matte black tunable Speaker")."""
    at = len(group)
    while at and group[at - 1][2] != head:
        end = group[at][0] if at < len(group) else start
        if not _ADJACENT.fullmatch(text, group[at - 1][1], end):
            break
        at -= 1
    if 0 < at < len(group) and _ADJACENT.fullmatch(text, group[at - 1][1], group[at][0]):
        at = len(group)
    return [group[:at], group[at:]]


def _as_said(sentence: str, text: str, spans: list[Span], head: str, records: Any) -> list[Span]:
    """``spans`` with each value said as another ("not matte black", "dark teal", "10.5 hours",
    "L/XL", "the Speaker Mini") turned into a value no record has."""
    covered = {i for s in spans for i in range(s[0], s[1])}
    known = {w for values in records for _, said in values for w in said.split()}
    longer = _longer_names(sentence, text, {s[3] for s in spans if s[2] == head}, known)
    out = []
    for start, end, part, said in spans:
        before, after = text[:start], text[end:]
        # another value of the records beside a "/" is said too ("teal/carabiner"), no other
        alt_after, alt_before = _ALTERNATIVE_AFTER.match(after), _ALTERNATIVE_BEFORE.search(before)
        other = bool(
            _NOT_BEFORE.search(before)
            or (alt_after and end + alt_after.end() - 1 not in covered)
            or (alt_before and alt_before.start() not in covered)
            or (part == head and start in longer)
        )
        if not other and _COLOURS & set(said.split()):
            word = re.search(r"(\w+)[\s-]*$", before)
            next_word = re.match(r"[\s-]*(\w+)", after)
            other = bool(
                (word and word[1] in _COLOURS | _TONES and word.start(1) not in covered)
                or (next_word and next_word[1] in _COLOURS and next_word.start(1) not in covered)
            )
        out.append((start, end, part, _OTHER + said if other else said))
    return out


def _longer_names(sentence: str, text: str, names: set[str], known: set[str]) -> set[int]:
    """Where in ``text`` (``sentence`` normalized) a name of ``names`` is said as part of a
    longer one, a capitalized word beside it in ``sentence`` that is no word of a value
    (``known``) and no article ("the Pocket Speaker Mini", "the Mini Pocket Speaker")."""
    out = set()
    for name in names:
        pattern = _as_word(name)
        said = list(pattern.finditer(text))
        original = list(re.compile(pattern.pattern, re.IGNORECASE).finditer(sentence))
        if len(said) != len(original):
            continue
        for at, found in zip(said, original, strict=True):
            before = _WORD_BEFORE.search(sentence, 0, found.start())
            after = _WORD_AFTER.match(sentence, found.end())
            # the sentence's first word is capitalized as any is ("Return the ...")
            if before and not sentence[: before.start()].strip(" \t*_\"'"):
                before = None
            if any(
                m and m[1][0].isupper() and m[1].lower() not in _NO_NAME | known
                for m in (before, after)
            ):
                out.add(at.start())
    return out
