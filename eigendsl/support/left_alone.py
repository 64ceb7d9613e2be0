"""Which mentions of a record in a sentence say it is left as it is rather than named for a write
(:func:`left_out`): under a negation or a word of keeping ("but not the Sweater", "and keep the
Sweater"), followed by what rules it out ("is final sale", "is out of stock"), or said before a
list with "only" in another clause ("the Lamp was a gift, so I'll return only the Speaker"); which
mentions are of such a list (:func:`only_listed`), and which say so for a whole turn, whatever
its other sentences say (:func:`left_for_turn`: "Not the Sweater, though.").
"""

from __future__ import annotations

import re

from eigendsl.support.saying import verb_forms

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

# "nothing but the Speaker", "none other than the Speaker", "no item except the Speaker": an
# "only"; "all but the Lamp", "everything but the Lamp": an "except". Their "but" parts no clause.
_NOTHING_BUT = re.compile(
    r"\b(?:nothing|none|no\s+(?:other\s+)?(?:items?|products?|ones?|things?))(?:\s+else)?\s+"
    r"(?:but|except(?:\s+for)?|other\s+than|besides|apart\s+from|save)\b"
)
_ALL_BUT = re.compile(
    r"\b(?:all|everything|anything|every\s+(?:item|one|thing)|the\s+rest)(?:\s+else)?\s+but\b"
)


def _clause_before(before: str) -> str:
    """The clause of a mention, from what is said before it (``before``): "nothing but" read as
    "only" and "all but" as "except", so that their "but" parts no clause."""
    return _CLAUSE.split(_ALL_BUT.sub(" except", _NOTHING_BUT.sub(" only", before)))[-1]


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
    r"|excluded|no longer (?:eligible|returnable|available|sold|made)|(?:past|outside|beyond"
    r"|out of) (?:its|their|the)(?: (?:return|exchange|refund))? (?:window|period)|out of stock"
    r"|sold out|unavailable|discontinued|not (?:returnable|refundable|exchangeable|eligible))\b"
)
# The same said with "n't" ("... isn't returnable"); not "isn't final sale", which keeps it in.
_NOT_ELIGIBLE = (
    r"(?:isn't|aren't|wasn't|weren't)\s+(?:returnable|refundable|exchangeable|eligible)\b"
)

# After a mention: its staying as it is ("... stays with you") or what rules it out ("... is final
# sale", "are both non-returnable"), also in a clause of its own ("which is final sale").
_LEFT_AS_IS = re.compile(
    r"(?:which\s+|that\s+|who\s+)?(?:(?:(?:will|has to|have to|must|should|can|would)\s+)?"
    r"(?:stays?|remains?)\s+(?:with you|in (?:the|your) order|as (?:it )?is|untouched|unchanged"
    r"|yours)\b|(?:is|are|was|were|has been|have been|stays?|remains?|(?<=')s)\s+"
    + _RULED_OUT
    + "|"
    + _NOT_ELIGIBLE
    + ")"
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


def _left_alone_after(after: str, forms: frozenset[str] | None = None) -> tuple[bool, bool]:
    """Whether what follows a mention (``after``) says its record stays as it is, and whether
    that is said of the list the mention ends as well (a plural "are final sale", not an aside's
    "(final sale)" nor "is final sale"). With ``forms``, the forms of the write's verbs, only
    what holds for a whole turn: what rules the record out, or the write's own verb negated
    ("... won't be returned"); not another verb ("the Lamp won't fit in the box"), nor its
    staying ("the Backpack (18 l) stays with you until the new one arrives", an exchange)."""
    at = _OPENING.match(after).end()  # type: ignore[union-attr]
    while aside := _ASIDE.match(after, at):
        inner = aside["round"] or aside["square"] or aside["dash"] or aside["hyphen"]
        if inner and _ASIDE_RULED_OUT.match(inner):
            return True, False
        at = aside.end()
    if forms is None:
        found = _UNTOUCHED_AFTER.match(after, at)
    else:
        deed = _NEGATED_DEED.match(after, at) or _DONE_DEED.match(after, at)
        found = _RULED_OUT_AFTER.match(after, at) or (deed if deed and deed[1] in forms else None)
    return bool(found), bool(found and not _SINGULAR.match(after, at))


# After a mention, what rules it out ("... is final sale"), for a whole turn.
_RULED_OUT_AFTER = re.compile(
    r"(?:which\s+|that\s+)?(?:(?:is|are|was|were|has been|have been|stays?|remains?|(?<=')s)\s+"
    + _RULED_OUT
    + "|"
    + _NOT_ELIGIBLE
    + ")"
)

# After a mention, the write's verb said as a deed done ("the Speaker was already returned last
# month", "has already been refunded"): group 1 is the verb. That record is no part of the write.
_DONE_DEED = re.compile(
    r"(?:which\s+|that\s+)?(?:was|were|(?:has|have|had)(?:\s+already)?\s+been)\s+"
    r"(?:already\s+)?(\w+)"
)

# After a mention, the write's verb negated ("the Speaker won't be returned", "can't go back"):
# group 1 is the verb, "back" for "go back".
_NEGATED_DEED = re.compile(
    r"(?:\w+n't|cannot|(?:will|would|can|could|should|is|are|was|were|must|may)\s+not)"
    r"(?:\s+(?:be|get|go|going|been))?\s+(\w+)"
)

# Before a mention, in its clause: "only" or "just", which leaves out what the sentence named
# before that list in another clause ("The Sweater (navy, L) was a gift, so I'll return only the
# Lamp ..."); not "not only".
_ONLY = re.compile(
    r"(?:(?<!not )\b(?:only|just|solely|merely|exclusively)\b(?:\W+\w+){0,3}"
    r"|\bthe\s+only\b(?:\W+\w+){0,5}?\s+(?:is|are)(?:\s+(?:the|your))?)\W*$"
)

# After a list, "only" or "alone" that ends what is said of it ("I'll return the Speaker only",
# "the Speaker alone, from order #W1"), not one that begins a statement of the record ("the Lamp
# only comes in black", "the Lamp alone costs 149.0"); or its being the only one ("the Lamp is
# the only one eligible"; not "the only one I can't return", "the only one that is final sale").
_ONLY_AFTER = re.compile(
    r"[\s)\]*\"']*(?:(?<!not )\b(?:only|alone)\b(?=\s*(?:$|[.!?;:)\]]|(?:from|of|please|with|to"
    r"|and|for|so|then|this time)\b))|(?:is|are)\s+(?:also\s+)?(?:the\s+)?only\s+(?:one|ones|items?"
    r"|products?|things?)\b(?![^.;:!?]*?(?:\bnot\b|n't\b|\bcannot\b|\bnever\b|\bineligible\b"
    r"|\bfinal[\s-]sale\b|\bnon[\s-]?returnable\b)))"
)

# Between two mentions of one list: a comma's space, "and", "or", "as well as", "plus", "together
# with", maybe "only" ("the Lamp (matte black) and only the Speaker (teal)").
_LISTED = re.compile(
    r"[\s)\]*]*(?:(?:and|or|plus|as well as|together with|along with|alongside|with)\s+)?"
    r"(?:(?:also|only|just)\s+)?(?:(?:the|your|its)\s+)?"
)

# Between a mention under a negation and the next: "and"/"or"/"nor" alone, so the negation holds
# both ("I won't return the Sweater or the Mat").
_JOINED = re.compile(r"[\s)\]*]*(?:and|or|nor)\s+(?:(?:the|your|its)\s+)?")


def _left_alone(
    text: str, mentions: list[tuple[int, int]], forms: frozenset[str] | None = None
) -> set[int]:
    """The mentions (by index in ``mentions``) that what follows says stay as they are
    (:func:`_left_alone_after`, for a whole turn with ``forms``): what follows the mention, or
    what follows the list it is in when said of the list ("the Lamp and the Speaker, sadly, are
    both final sale")."""
    out: set[int] = set()
    of_list = False
    for i in reversed(range(len(mentions))):
        end = mentions[i + 1][0] if i + 1 < len(mentions) else len(text)
        listed = i + 1 < len(mentions) and _LISTED.fullmatch(text, mentions[i][1], end)
        if listed and of_list:
            out.add(i)
            continue
        said, of_list = _left_alone_after(text[mentions[i][1] : end], forms)
        if said:
            out.add(i)
    return out


def _only_lists(text: str, mentions: list[tuple[int, int]], alone: set[int]) -> list[range]:
    """The lists of mentions (runs joined by a comma's space, "and", "plus"...: :data:`_LISTED`)
    said with "only": before a mention of the list, in its clause ("only the Speaker", "and only
    the Speaker", "just", "nothing but"), or after its last ("the Speaker only", "alone"). A
    mention said to stay as it is (in ``alone``: "and only the Sweater stays in your order") says
    none."""
    lists, first = [], 0
    for last in range(len(mentions)):
        if last + 1 < len(mentions) and _LISTED.fullmatch(
            text, mentions[last][1], mentions[last + 1][0]
        ):
            continue
        said = any(
            i not in alone
            and _ONLY.search(_clause_before(text[mentions[i - 1][1] if i else 0 : mentions[i][0]]))
            for i in range(first, last + 1)
        )
        if said or (last not in alone and _ONLY_AFTER.match(text, mentions[last][1])):
            lists.append(range(first, last + 1))
        first = last + 1
    return lists


def only_listed(text: str, mentions: list[tuple[int, int]]) -> set[int]:
    """The mentions of records in ``text`` (a sentence as ``normalize_text`` has it), each by
    where it starts and ends, that are of a list said with "only" ("only the Lamp and the
    Speaker", "just the Speaker", "nothing but the Speaker", "the Speaker only", "the Speaker
    alone"; not "not only", nor a list said to stay, "only the Sweater stays in your order"), by
    index: what the sentence restricts the turn's write to.

    >>> text = "only the lamp and the mat are eligible but the pen stays."
    >>> at = [(text.index(w), text.index(w) + len(w)) for w in ("lamp", "mat", "pen")]
    >>> sorted(only_listed(text, at)), sorted(only_listed(text.replace("only", "so"), at))
    ([0, 1], [])
    """
    return {i for found in _only_lists(text, mentions, _left_alone(text, mentions)) for i in found}


def _left_before_only(text: str, mentions: list[tuple[int, int]], alone: set[int]) -> set[int]:
    """The mentions (by index in ``mentions``) that a list said with "only" after them leaves out
    (:func:`_only_lists`): each before the first such list, unless a comma's space or an "and"
    joins it to the list ("the Lamp and only the Speaker")."""
    lists = _only_lists(text, mentions, alone)
    return set(range(lists[0].start)) if lists else set()


def left_out(text: str, mentions: list[tuple[int, int]]) -> set[int]:
    """The mentions of records in ``text`` (a sentence as ``normalize_text`` has it), each by
    where it starts and ends, that say their record is left as it is, by index: one under a
    negation or a word of keeping in its clause ("but not the Sweater", "I won't return the
    Sweater or the Mat", "and keep ...", "everything but ..."; not one under "if", nor across a
    "to" that says what for, "we never charge to return ..."), one followed by what rules it
    out, across an aside ("... is final sale", "the Lamp, however, is final sale", "(final
    sale)", "the Bottle (straw lid) is out of stock"; not "isn't final sale"), as is each of a
    list it is said of ("the Lamp and the Speaker are both final sale"), and one before a list
    said with "only" in another clause ("the Lamp was a gift, so I'll return only the Speaker",
    "... the Speaker only", "nothing but the Speaker"; not "and only the Sweater stays in your
    order").

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
        clause = _clause_before(before)
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


# Before a mention, in its clause: a word that leaves the record out whatever the turn's other
# sentences say ("Not the Sweater, though.", "except", "without", "skip", "I won't return ..."),
# with nothing but the words of :data:`_FILLERS` or the write's own verb between them; not a word
# of keeping ("you'll keep the Speaker (blue) until the new one arrives") nor a comparison
# ("rather than"), which an exchange says of its old item.
_DROPPED = re.compile(
    r"(?P<word>\b(?:not(?!\s+(?:only|just|a problem)\b)|never|neither|nor|cannot|unable to"
    r"|except(?:\s+for)?|exception of|excluding|exclude|without|skip|skipping|hold off on"
    r"|holding off on)|n't)(?P<between>(?:\W+\w+){0,4})\W*$"
)
_FILLERS = frozenset(
    "the a an your my our its their this that these those both either also even about on be "
    "been being go going get able to will would can could i we you it any one item items "
    "product with for of".split()
)


# Before a mention, a label that leaves what follows it out ("Excluded: the Speaker", "- Not
# included: the Speaker", "Final sale: the Speaker"), which the ":" parts from its clause.
_LABEL = re.compile(
    r"(?:^|[^\w\s])[\s*_]*(?:excluded|exclusions?|not\s+included|not\s+(?:being\s+)?returned"
    r"|not\s+returning|not\s+eligible|ineligible|kept|keeping|staying|final[\s-]sale"
    r"|non[\s-]?returnable|left\s+out|skipped|not\s+part\s+of\s+(?:the|this)\s+\w+)[\s*_]*:"
    r"[\s*_]*(?:(?:the|your|its|an?)\s+)?$"
)


def left_for_turn(
    text: str, mentions: list[tuple[int, int]], actions: tuple[str, ...] = ()
) -> set[int]:
    """The mentions of records in ``text`` (a sentence as ``normalize_text`` has it), each by
    where it starts and ends, that say their record is left as it is for the whole turn, by
    index, the write's verbs being ``actions`` (each in its forms: :func:`verb_forms`): one
    followed by what rules it out ("... is final sale", "is not returnable", "(final sale)",
    and each of a list it is said of), or by the write's verb negated ("... won't be returned")
    or told as done ("... was already returned"),
    and one after a negation or an exclusion with nothing but fillers or the write's verb
    between ("Not the Sweater, though.", "except the Sweater", "I won't return the Sweater";
    after a label, "Excluded: the Sweater";
    not "I can't exchange the Lamp, so I'll return the Lamp", whose negation is of another
    verb, nor one under "if").

    >>> text = "i can't exchange the lamp so i won't return the pen or the cup."
    >>> at = [(text.index(w), text.index(w) + len(w)) for w in ("lamp", "pen", "cup")]
    >>> sorted(left_for_turn(text, at, ("return",))), sorted(left_out(text, at))
    ([1, 2], [0, 1, 2])
    """
    forms = frozenset(f for action in actions for f in verb_forms(action)) | {"back"}
    out = _left_alone(text, mentions, forms)
    negated = False
    for i, (start, _) in enumerate(mentions):
        before = text[mentions[i - 1][1] if i else 0 : start]
        clause = _clause_before(before)
        dropped = _DROPPED.search(clause)
        negated = bool(
            (
                dropped
                and not _CONDITION.search(clause, 0, dropped.start())
                and _reaches(dropped["between"], forms)
            )
            or (negated and _JOINED.fullmatch(before))
            or _LABEL.search(before)
        )
        if negated:
            out.add(i)
    return out


def ruled_out_after(
    text: str, mentions: list[tuple[int, int]], actions: tuple[str, ...] = ()
) -> set[int]:
    """The mentions of :func:`left_for_turn` that what follows them leaves out ("... is final
    sale", "... won't be returned", "... was already returned"), not what comes before them: all
    that a pronoun's mention says ("I'm afraid it is final sale"; "I won't return it to your
    card" is said of where the money goes)."""
    forms = frozenset(f for action in actions for f in verb_forms(action)) | {"back"}
    return _left_alone(text, mentions, forms)


def _reaches(between: str, forms: frozenset[str]) -> bool:
    """Whether the words ``between`` a negation and a mention keep the negation on the record:
    fillers, the write's verb (``forms``), a verb that takes an infinitive before its "to"."""
    said = re.findall(r"[\w']+", between)
    return all(
        word in _FILLERS or word in forms or (word in _CATENATIVE and said[i + 1 : i + 2] == ["to"])
        for i, word in enumerate(said)
    )
