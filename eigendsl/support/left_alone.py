"""Which mentions of a record in a sentence say it is left as it is rather than named for a write
(:func:`left_out`): under a negation or a word of keeping ("but not the Sweater", "and keep the
Sweater"), followed by what rules it out ("is final sale", "is out of stock"), or said before a
list with "only" in another clause ("the Lamp was a gift, so I'll return only the Speaker").
"""

from __future__ import annotations

import re

# What parts the clause of a mention from what is said before it: a negation there is another
# clause's ("I can't exchange the Lamp, so I'll return the Lamp (matte black)").
_CLAUSE = re.compile(
    r"[.!?;:()\[\]\u2014\u2013]|\s-\s|\b(?:but|so|and|then|while|whereas|although|though"
    r"|because|since)\b"
)

# Before a mention, in its clause: a negation or a word of keeping the record as it is ("but not
# the Sweater", "I won't return the Sweater", "and keep the Sweater", "rather than the red one",
# "skip the Lamp"); not "not only" nor a negation under "if" ("if you don't need the Lamp").
_UNTOUCHED = re.compile(
    r"(?P<word>\b(?:not(?!\s+(?:only|just|a problem)\b)|never|neither|cannot|unable to|keep|keeps"
    r"|keeping|leave|leaves|leaving|hold on to|holding on to|retain|retaining|exclude|excluding"
    r"|except|exception of|without|instead of|rather than|other than|apart from|skip|skipping"
    r"|hold off on|holding off on)|n't)(?:\W+\w+){0,4}\W*$"
)
_CONDITION = re.compile(r"\b(?:if|unless|whether)\b")

# The verbs that take another's infinitive ("won't be able to return", "don't want to return"): a
# negation before one reaches the verb after its "to"; before another ("we never charge to return
# the Lamp") it does not, that "to" says what for.
_CATENATIVE = frozenset(
    "want wants wanted need needs needed have has had going able plan plans planned intend "
    "intends mean means meant try tries like wish hope expect prefer supposed allowed permitted "
    "ought got".split()
)
_TO = re.compile(r"(\w+)\W+to\b")


def negation_reaches(words: str) -> bool:
    """Whether a negation reaches past ``words``, what is said between it and a verb or a mention:
    across no "to" but one after a verb that takes an infinitive ("won't be able to return ...",
    not "we never charge to return ...").

    >>> [negation_reaches(w) for w in (" be able to ", " want to return the ", " charge to ")]
    [True, True, False]
    """
    return all(found[1] in _CATENATIVE for found in _TO.finditer(words))


# What rules a record out of a write: its being final sale, non-returnable, past its return window
# ("... is final sale", "is marked final sale"), or, a variant to get, out of stock.
_RULED_OUT = (
    r"(?:(?:a|an|now|already|sadly|unfortunately|both|all|also|still|currently|marked|listed"
    r"|as)\s+)*(?:final[\s-]sale|non[\s-]?(?:returnable|refundable|exchangeable)|ineligible"
    r"|excluded|no longer (?:eligible|returnable|available|sold|made)|(?:past|outside|beyond)"
    r" (?:its|their|the) (?:return|exchange) (?:window|period)|out of stock|sold out|unavailable"
    r"|discontinued)\b"
)

# After a mention: its staying as it is ("... stays with you") or what rules it out ("... is final
# sale", "are both non-returnable"), also in a clause of its own ("which is final sale").
_LEFT_AS_IS = re.compile(
    r"(?:which\s+|that\s+|who\s+)?(?:(?:(?:will|has to|have to|must|should|can|would)\s+)?"
    r"(?:stays?|remains?)\s+(?:with you|in (?:the|your) order|as (?:it )?is|untouched|unchanged"
    r"|yours)\b|(?:is|are|was|were|has been|have been|stays?|remains?)\s+" + _RULED_OUT + ")"
)

# After a mention: that, or a negation of what is done to it ("the Sweater (navy, L) won't be
# returned"); not a negation of what rules it out ("the Lamp isn't final sale": it is eligible).
_UNTOUCHED_AFTER = re.compile(
    r"(?:\w+n't\b|cannot\b|(?:will|would|can|could|should|is|are|was|were)\s+not\b)(?!\W+"
    + _RULED_OUT
    + r")|"
    + _LEFT_AS_IS.pattern
)

# What may part a mention from what is said of it: a closing bracket or quote, a word that
# comments on the sentence ("however", "sadly", "I'm afraid"), and an aside in brackets or dashes
# ("the Lamp (matte black) (final sale) can't go back", "the Lamp - final sale - has to stay"),
# which itself may rule the record out.
_OPENING = re.compile(r"[\s)\]*\"']*")
_ASIDE = re.compile(
    r"(?:\b(?:however|sadly|unfortunately|though|also|still|too|alas|regrettably|currently"
    r"|in fact|as it happens|by the way|i'm afraid|i am afraid|as noted|as mentioned)\b"
    r"|\((?P<round>[^()]*)\)|\[(?P<square>[^\]]*)\]|[\u2014\u2013](?P<dash>[^\u2014\u2013]*)"
    r"[\u2014\u2013]|(?<!\w)-\s(?P<hyphen>.*?)\s-\s)[\s)\]*\"']*"
)
_ASIDE_RULED_OUT = re.compile(r"\W*(?:which\s+(?:is|are)\s+)?" + _RULED_OUT)

# What says of a single record that it is left as it is, no list before it: "the Lamp and the
# Speaker are final sale" leaves both as they are, "... and the Speaker is final sale" the last.
_SINGULAR = re.compile(r"(?:which\s+|that\s+)?(?:is|was|stays|remains|has|isn't|wasn't|doesn't)\b")


def _left_alone_after(after: str) -> tuple[bool, bool]:
    """Whether what follows a mention (``after``) says its record stays as it is, and whether
    that is said of the list the mention ends as well (a plural "are final sale", not an aside's
    "(final sale)" nor "is final sale")."""
    at = _OPENING.match(after).end()  # type: ignore[union-attr]
    while aside := _ASIDE.match(after, at):
        inner = aside["round"] or aside["square"] or aside["dash"] or aside["hyphen"]
        if inner and _ASIDE_RULED_OUT.match(inner):
            return True, False
        at = aside.end()
    found = _UNTOUCHED_AFTER.match(after, at)
    return bool(found), bool(found and not _SINGULAR.match(after, at))


# Before a mention, in its clause: "only" or "just", which leaves out what the sentence named
# before that list in another clause ("The Sweater (navy, L) was a gift, so I'll return only the
# Lamp ..."); not "not only".
_ONLY = re.compile(r"(?<!not )\b(?:only|just|solely)\b(?:\W+\w+){0,3}\W*$")

# Between two mentions of one list: a comma's space, "and", "or", "as well as", "plus", "together
# with", maybe "only" ("the Lamp (matte black) and only the Speaker (teal)").
_LISTED = re.compile(
    r"[\s)\]*]*(?:(?:and|or|plus|as well as|together with|along with|alongside|with)\s+)?"
    r"(?:(?:also|only|just)\s+)?(?:(?:the|your|its)\s+)?"
)

# Between a mention under a negation and the next: "and"/"or"/"nor" alone, so the negation holds
# both ("I won't return the Sweater or the Mat").
_JOINED = re.compile(r"[\s)\]*]*(?:and|or|nor)\s+(?:(?:the|your|its)\s+)?")


def _left_alone(text: str, mentions: list[tuple[int, int]]) -> set[int]:
    """The mentions (by index in ``mentions``) that what follows says stay as they are
    (:func:`_left_alone_after`): what follows the mention, or what follows the list it is in
    when said of the list ("the Lamp and the Speaker, sadly, are both final sale")."""
    out: set[int] = set()
    of_list = False
    for i in reversed(range(len(mentions))):
        end = mentions[i + 1][0] if i + 1 < len(mentions) else len(text)
        listed = i + 1 < len(mentions) and _LISTED.fullmatch(text, mentions[i][1], end)
        if listed and of_list:
            out.add(i)
            continue
        said, of_list = _left_alone_after(text[mentions[i][1] : end])
        if said:
            out.add(i)
    return out


def _left_before_only(text: str, mentions: list[tuple[int, int]], alone: set[int]) -> set[int]:
    """The mentions (by index in ``mentions``) that a list said with "only" after them leaves out:
    each before the list, unless a comma's space or an "and" joins it to the list ("the Lamp and
    only the Speaker"); a list said to stay as it is (in ``alone``: "and only the Sweater stays
    in your order") leaves none out."""
    for i, (start, _) in enumerate(mentions):
        before = text[mentions[i - 1][1] if i else 0 : start]
        if i in alone or not _ONLY.search(_CLAUSE.split(before)[-1]):
            continue
        at = i
        while at and _LISTED.fullmatch(text, mentions[at - 1][1], mentions[at][0]):
            at -= 1
        return set(range(at))
    return set()


def left_out(text: str, mentions: list[tuple[int, int]]) -> set[int]:
    """The mentions of records in ``text`` (a sentence as ``normalize_text`` has it), each by
    where it starts and ends, that say their record is left as it is, by index: one under a
    negation or a word of keeping in its clause ("but not the Sweater", "I won't return the
    Sweater or the Mat", "and keep ..."; not one under "if", nor across a "to" that says what
    for, "we never charge to return ..."), one followed by what rules it out, across an aside
    ("... is final sale", "the Lamp, however, is final sale", "(final sale)", "the Bottle
    (straw lid) is out of stock"; not "isn't final sale"), as is each of a list it is said of
    ("the Lamp and the Speaker are both final sale"), and one before a list said with "only"
    in another clause ("the Lamp was a gift, so I'll return only the Speaker"; not "and only
    the Sweater stays in your order").

    >>> text = "i'll return the lamp and the mat but the pen and the cup are final sale."
    >>> at = [(text.index(w), text.index(w) + len(w)) for w in ("lamp", "mat", "pen", "cup")]
    >>> sorted(left_out(text, at))
    [2, 3]
    >>> sorted(left_out(text.replace("are final", "aren't final"), at))
    []
    """
    alone = _left_alone(text, mentions)
    out = alone | _left_before_only(text, mentions, alone)
    negated = False
    for i, (start, _) in enumerate(mentions):
        before = text[mentions[i - 1][1] if i else 0 : start]
        clause = _CLAUSE.split(before)[-1]
        untouched = _UNTOUCHED.search(clause)
        negated = bool(
            (
                untouched
                and not _CONDITION.search(clause, 0, untouched.start())
                and negation_reaches(clause[untouched.end("word") :])
            )
            or (negated and _JOINED.fullmatch(before))
            or i in alone
        )
        if negated:
            out.add(i)
    return out
