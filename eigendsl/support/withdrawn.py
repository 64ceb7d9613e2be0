"""Whether a user's message takes back a record that a write carries (:func:`withdraws`): "Actually,
keep the lamp", "wait, not the lamp", "scratch the lamp", "just the speaker", said after a
proposal of a return of the lamp and the speaker, or with the yes itself ("Yes, except the
lamp"). A user names an item as people do, by a word of its product's name or an option's value
("the lamp", "the teal one"), so any such word names it here: reading a record as taken back
where it was not only makes the agent ask again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eigendsl.support.identity import argument_values
from eigendsl.support.naming import naming_records
from eigendsl.support.numerals import normalize_text
from eigendsl.support.replies import reply_answer
from eigendsl.support.saying import _as_word, verb_forms

# Before a record's word, in its clause: a word that takes the record back ("keep", "not",
# "except", "scratch", "forget about", "I changed my mind about", "everything but"...).
_TAKEN_BACK = re.compile(
    r"(?P<word>\b(?:keep (?:using|having|wearing)|leave out|leaving out|count out|keep|keeping"
    r"|hold on to|holding on to|hang on to|hold onto|hang onto|retain"
    r"|leave|leaving|skip|skipping|scratch|scrap|drop|dropping|remove|removing|exclude|excluding"
    r"|except(?: for)?|without|minus|forget(?: about)?|never ?mind|take out|take off|cross off"
    r"|strike|(?:change|changed|changing) my mind (?:about|on)|hold off on|all but|everything but"
    r"|anything but|apart from|aside from|other than|instead of|rather than|not|no|nor|neither"
    r"|never|no longer)|n't)(?P<between>(?:\W+[\w']+){0,4}?)\W*$"
)

# Before a record's word, in its clause: "only", "just", "nothing but", which take back each
# record the list does not name; and "only" or "alone" after it ("the speaker only").
_ONLY_WORD = re.compile(
    r"(?<!not )\b(?:only|just|solely|merely|nothing but|nothing except|nothing other than)\b"
)
_ONLY_AFTER = re.compile(r"\W*(?:only|alone)\b")

# Right after a record's word: its staying, or the write's verb negated ("the lamp stays",
# "the black one can stay", "the lamp's staying", "the lamp isn't going back", "the lamp
# shouldn't be returned"); not a clause of the user's own ("the lamp and I'll stay home").
_STAYS = re.compile(
    r"(?:\s+ones?)?(?:'s|\s+(?:can|will|should|must|is going to|is|just|also|then))*\s+"
    r"(?:stay|stays|staying|remain|remains|remaining)\b"
)
# Right after a record's word: its being taken off the list ("take the lamp off the list", "leave
# the lamp out") or kept, the object said first ("the lamp I'll keep").
_TAKEN_OFF = re.compile(
    r"(?:\s+ones?)?\s+(?:off|out)(?:(?:\s+(?:of|from))?\s+(?:the|my|your|this|that|it)(?:\s+\w+)?"
    r"\s+(?:list|return|order|request|plan|refund)\b|\s*(?:,|$))"
)
_TAKE = re.compile(r"\b(?:take|taking|leave|leaving|cross|crossing|strike|pull|knock|count)\b")
_KEPT_AFTER = re.compile(
    r"(?:\s+ones?)?\s+(?:i|we)(?:'ll|'d|\s+will|\s+would|'m going to|\s+am going to"
    r"|\s+want to|\s+wanna|\s+prefer to|'d like to|\s+rather)?(?:\s+(?:rather|just|actually"
    r"|really|like to))*\s+(?:keep|hold on to|hang on to|hold onto|hang onto)\b"
)
# Later in the message, the record taken back by a pronoun ("The lamp? Keep it.", "About the lamp,
# I'll keep it.", "the lamp - I'd like to hang on to it."), no negation before it in its clause.
_KEPT_BY_PRONOUN = re.compile(
    r"\b(?:keep|keeping|hold on to|hang on to|hold onto|hang onto|skip|drop|scratch|leave|forget"
    r"(?: about)?|exclude|remove)\s+(?:it|that one|this one|that|this)\b(?!\s+(?:too|as well|also"
    r"|either|packed|boxed|wrapped|in (?:its|the) box)\b)"
)
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b|\bcannot\b")

_NOT_DONE = re.compile(
    r"(?:\s+ones?)?\s+(?:\w+n't|cannot|(?:is|will|should|must|can|does)\s+not)"
    r"(?:\s+(?:be|go|going|get))?\s+(\w+)"
)

# What may stand between a word that takes back and the record: articles, pronouns, the
# record's own words, the write's verb ("don't return the lamp"), a verb that takes an
# infinitive before its "to" ("I don't want to return the lamp"); not another verb ("I don't
# need the lamp anymore" gives the reason for the return).
_FILLERS = frozenset(
    "the a an my your our this that these those its it one ones item items product both either "
    "also even about on with for of to be go going get actually please i i'd i'll would like "
    "rather just really".split()
)
# Values that are common words too ("keep us posted", "not long ago"): no name of a record.
_COMMON = _FILLERS | frozenset(
    "us long short new old large small medium standard regular all yes off out one two three "
    "pro max mini plus set kit pack".split()
)
_CATENATIVE = frozenset("want wanna need plan mean like wish going have".split())
# What parts a clause; not the "but" of "all but the lamp", "nothing but the speaker".
_CLAUSE = re.compile(
    r"[.!?;:()\u2014\u2013]|\s-\s|\b(?:(?<!all )(?<!everything )(?<!anything )(?<!nothing )but"
    r"|so|and then|because|since)\b"
)


def withdraws(
    reply: str,
    args: Mapping[str, Any],
    named_by: Mapping[str, Any] | None,
    dbs: Sequence[Any],
    actions: Sequence[str] = (),
) -> bool:
    """Whether a user's message (``reply``) takes back a record a write with ``args`` carries,
    in a parameter ``named_by`` names in words (the tool's namings; ``dbs`` hold the records;
    ``actions`` are the write's verbs): a word of the record (its id, a word of its name, an
    option's value) after a word that takes it back, in its clause, with nothing but fillers
    between ("keep the lamp", "not the lamp", "scratch the lamp", "don't return the lamp";
    not "I don't need the lamp anymore", the reason for the write), or before its staying
    ("the lamp stays with me"); or a list with "only" or "just" that names records of the
    parameter but not this one ("Actually, just the speaker"). A take-back verb negated ("don't
    forget the lamp"), a later correction that takes the record in again ("no wait, return it
    too") and keeping it until it goes ("keep the lamp packed until the label arrives") take
    nothing back.

    >>> item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name"]}
    >>> db = {"orders": {"#W1": {"items": [{"item_id": "L1", "name": "Desk Lamp"},
    ...     {"item_id": "S1", "name": "Speaker"}]}}}
    >>> args = {"order_id": "#W1", "item_ids": ["L1", "S1"]}
    >>> [withdraws(t, args, {"item_ids": item}, [db], ["return"]) for t in (
    ...     "Actually, keep the lamp.", "Yes, just the speaker.", "Yes, I don't need the lamp.",
    ...     "Yes, please.", "Scratch the desk lamp.", "Yes, I don't want to return the lamp.")]
    [True, True, False, False, True, True]
    >>> [withdraws(t, args, {"item_ids": item}, [db], ["return"]) for t in (
    ...     "Yes, don't forget the lamp.", "Keep the lamp... no wait, return it too.",
    ...     "The lamp stays in its box until the courier comes.", "The lamp stays with me.")]
    [False, False, False, True]
    """
    text = normalize_text(reply).replace("\u2019", "'")
    forms = frozenset(f for action in actions for f in verb_forms(normalize_text(action)))
    forms |= {f"{form}ing" for form in forms} | {"back", "send", "sending", "include"}
    for param, naming in (named_by or {}).items():
        records = naming_records(naming, dbs, args) if isinstance(naming, Mapping) else {}
        carried = [v for v in argument_values(args.get(param)) if isinstance(v, str)]
        head = str((naming.get("fields") or [""])[0]) if isinstance(naming, Mapping) else ""
        words = {key: _words(key, records.get(key, frozenset()), head) for key in records}
        for key in carried:
            words.setdefault(key, _words(key, frozenset(), head))
        said = _said(text, words)
        if any(
            _taken_back(text, start, end, forms) and not _undone(text, end, forms, words[key])
            for key, start, end in said
            if key in carried
        ):
            return True
        only = _only_named(text, said)
        if only and any(key not in only for key in carried):
            return True
        if _yes_to_some(reply, text, said, carried, actions):
            return True
    return False


# In a yes, what takes in every record of the write ("Yes, both", "return them all", "the
# speaker too"): then naming one of them is no restriction.
_EVERY = re.compile(
    r"\b(?:both|all|everything|them|these|those|too|as well|also|each|the two|the rest|whole)\b"
)


def _yes_to_some(
    reply: str,
    text: str,
    said: list[tuple[str, int, int]],
    carried: list[str],
    actions: Sequence[str],
) -> bool:
    """Whether a yes is said of only some of the records the write carries, right after its
    yes ("Yes for the speaker.", "Yes to the speaker", "Sure, go ahead with the speaker.",
    "Yes, return the speaker."): a yes to those alone. Not where it takes every record in ("Yes,
    both", "the speaker too"), nor a record named in the user's reason ("Yes, I don't need the
    lamp")."""
    if reply_answer(reply, actions) != "yes":
        return False
    first = re.match(r"[^.!?;]*", text)
    end = first.end() if first else len(text)
    if _EVERY.search(text, 0, end):
        return False
    forms = {f for action in actions for f in verb_forms(normalize_text(action))}
    # the records' words read away, so a list after the yes is of it ("yes, the lamp and the
    # speaker")
    blank = list(text)
    for _, start, stop in said:
        blank[start:stop] = " " * (stop - start)
    named = set()
    for key, start, stop in said:
        if (
            start < end
            and key in carried
            and _of_the_yes("".join(blank[:start]), forms)
            and not _STATED.match(text, stop)
        ):
            named.add(key)
    return bool(named) and any(key not in named for key in carried)


# After a record's word, a statement of it rather than a yes to it ("Yes, the lamp is broken").
_STATED = re.compile(
    r"(?:\s+ones?)?\s+(?:is|was|has|had|are|were|does|did|will|would|can|could|should|\w+n't"
    r"|broke|works|arrived|came|i|i'll|i'm|i've|we|it|it's)\b"
)
_YES_WORD = re.compile(r"\b(?:yes|yeah|yep|sure|ok|okay|alright|go ahead|proceed|please do)\b")
_OF_YES = frozenset(
    "for to with on please go ahead proceed do and the my your that this just only then".split()
)


def _of_the_yes(before: str, forms: set[str]) -> bool:
    """Whether a record's word said after ``before`` is what a yes there is said of: nothing but
    "for", "with", "go ahead", the write's verb and articles since the yes word."""
    found = list(_YES_WORD.finditer(before))
    if not found:
        return False
    words = re.findall(r"[\w']+", before[found[-1].end() :])
    return all(w in _OF_YES or w in forms for w in words)


def _words(key: str, values: frozenset[tuple[str, str]], head: str) -> list[str]:
    """The words a user may name a record by: its id, its name (the ``head`` field's value) and
    each end of it ("desk lamp", "lamp" of "Arc LED Desk Lamp"; not "desk", which may be the
    user's own), and each other value and its words of three letters or more ("matte black",
    "black"), but none that is a common word ("us" of a US layout, "long") or a number alone."""
    out = {key.lower()}
    for part, said in values:
        if part == head:
            name = said.split()
            out |= {" ".join(name[i:]) for i in range(len(name))}
        else:
            out |= {said, *re.findall(r"[a-z][a-z'-]{2,}", said)}
    return sorted(
        (w for w in out if len(w) >= 3 and not w.isdigit() and w not in _COMMON),
        key=len,
        reverse=True,
    )


def _said(text: str, words: Mapping[str, list[str]]) -> list[tuple[str, int, int]]:
    """Where ``text`` says a word of a record: (the record's key, start, end), in order."""
    return sorted(
        (
            (key, found.start(), found.end())
            for key, said in words.items()
            for word in said
            for found in _as_word(word).finditer(text)
        ),
        key=lambda s: (s[1], s[2]),
    )


def _taken_back(text: str, start: int, end: int, forms: frozenset[str]) -> bool:
    """Whether what comes before a record's word (``text[start:end]``), in its clause, takes it
    back, or what comes after says it stays or is not returned."""
    clause = _CLAUSE.split(text[:start])[-1]
    after = _CLAUSE.split(text[end:])[0]
    # every word that takes back, not only the first ("instead of both, I'll keep the lamp")
    at = 0
    while before := _TAKEN_BACK.search(clause, at):
        at = before.start() + 1
        if before["word"] in _VERBS and _NEGATED.search(clause, 0, before.start()):
            continue  # "don't forget the lamp", "don't skip the lamp": it stays in
        if before["word"] in _KEEPS_FOR_NOW and _FOR_NOW.match(after):
            continue  # "I'll keep the lamp packed until the label arrives"
        if _between(before["between"], forms):
            return True
    deed = _NOT_DONE.match(after)
    stays = _STAYS.match(after)
    if (stays and not _FOR_NOW.match(after, stays.end())) or (deed and deed[1] in forms):
        return True
    if _KEPT_AFTER.match(after):
        return True
    if _TAKEN_OFF.match(after) and _TAKE.search(clause):
        return True  # "take the lamp off the list", "leave the lamp out"
    return _by_pronoun(text, end)


# The words of ``_TAKEN_BACK`` that are verbs: negated, they keep the record in ("don't forget
# the lamp", "never skip it"); "not", "except", "instead of" are no verbs.
_VERBS = frozenset(
    "keep using|keep having|keep wearing|leave out|leaving out|count out|keep|keeping|hold on to"
    "|holding on to|hang on to|hold onto|hang onto|retain|leave|leaving|skip|skipping|scratch"
    "|scrap|drop|dropping|remove|removing|exclude|excluding|forget|forget about|take out"
    "|take off|cross off|strike|hold off on".split("|")
)
# A negation right before such a verb ("don't", "do not", "never", "don't want to").
_NEGATED = re.compile(r"(?:\b(?:not|never)|n't)\s+(?:(?:want|need|have|wanna|mean)\s+(?:to\s+)?)?$")
# Keeping for a while, until the record goes ("I'll keep the lamp packed until the label
# arrives", "the lamp will stay in its box until the courier comes"): no taking back.
_KEEPS_FOR_NOW = frozenset("keep keeping leave leaving hold onto hold on to".split())
_UNTIL_IT_GOES = (
    r"(?:until|till|til|before)\s+(?:(?:the|a|my|your|its|their)\s+)?(?:\w+\s+)?"
    r"(?:courier|pickup|pick-up|label|driver|collection|shipment|return)\b"
    r"|(?:until|till|til)\s+(?:it's|it is|they're|they are|it gets|it's been)\s+"
    r"(?:picked up|collected|shipped|sent|returned|mailed|posted|dropped off)\b"
)
_FOR_NOW = re.compile(
    r"(?:\s+ones?)?\s+(?:(?:(?:in|inside)\s+(?:its|the|their|my|his|her)\s+(?:\w+\s+)?"
    r"(?:box|boxes|packaging|package|case|bag|wrapping)|packed|boxed|wrapped|sealed|safe"
    r"|ready)\b(?:\s+(?:" + _UNTIL_IT_GOES + r"))?|" + _UNTIL_IT_GOES + ")"
)
# A correction later in the message that takes the record in again ("keep the lamp... no wait,
# return it too"): what starts it, then the write's verb (or "include") on it.
_CORRECTION = re.compile(
    r"\b(?:no,? wait|wait,? no|wait|i mean|actually|on second thought|on reflection"
    r"|scratch that|never ?mind(?: that)?)\b"
)


def _undone(text: str, end: int, forms: frozenset[str], words: list[str]) -> bool:
    """Whether a correction after a record's word (from ``end``) takes it in again: the write's
    verb or "include" on it ("it", "that one", one of ``words``) in the correction's sentence,
    not negated, and not taken back again by a pronoun after it."""
    verbs = "|".join(re.escape(f) for f in sorted(forms | {"include", "add"}, key=len))
    names = "|".join(re.escape(w) for w in [*words, "it", "that one", "this one", "that"])
    taken_in = re.compile(rf"\b(?:{verbs})\s+(?:(?:the|my|your|this|that)\s+)?(?:{names})\b(?!\w)")
    for correction in _CORRECTION.finditer(text, end):
        sentence = re.match(r"[^.!?;]*", text[correction.end() :])
        rest = sentence.group() if sentence else ""
        found = taken_in.search(rest)
        if (
            found
            and not _NEGATION.search(rest, 0, found.start())
            and not _by_pronoun(text, correction.end() + found.end())
        ):
            return True
    return False


def _by_pronoun(text: str, end: int) -> bool:
    """Whether what follows a record's word (from ``end``), up to the end of the message,
    takes it back by a pronoun ("The lamp? Keep it.", "About the lamp, I'll keep it."), with no
    negation before that in its clause ("The lamp is broken, I can't keep it")."""
    for found in _KEPT_BY_PRONOUN.finditer(text, end):
        clause = re.split(r"[.!?;:,\u2014\u2013]|\s-\s", text[end : found.start()])[-1]
        if not _NEGATION.search(clause):
            return True
    return False


def _between(between: str, forms: frozenset[str]) -> bool:
    """Whether the words between a word that takes back and a record's word keep its reach."""
    said = re.findall(r"[\w']+", between)
    return all(
        word in _FILLERS or word in forms or (word in _CATENATIVE and "to" in said[i + 1 : i + 3])
        for i, word in enumerate(said)
    )


def _only_named(text: str, said: list[tuple[str, int, int]]) -> set[str]:
    """The records a list with "only" names ("only the lamp and the speaker", "just the
    speaker", "the speaker only"): those said after an "only" that comes at most three words
    before the first of them, in one clause, or up to an "only" or "alone" after one; empty
    where the message says none so."""
    out: set[str] = set()
    bounds = [0, *(found.end() for found in _CLAUSE.finditer(text)), len(text)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        inside = [(key, start, end) for key, start, end in said if a <= start < b]
        only = _ONLY_WORD.search(text, a, b)
        after = [o for o in inside if only and o[1] >= only.end()]
        if only and after and len(re.findall(r"[\w']+", text[only.end() : after[0][1]])) <= 3:
            out |= {key for key, _, _ in after}
        for _, start, end in inside:
            if _ONLY_AFTER.match(text, end):
                out |= {k for k, s, _ in inside if s <= start}
    return out
