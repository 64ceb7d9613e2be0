"""Which sentences of an agent's turn only list what a record holds (:func:`listing_sentences`):
"Your order has the Lamp, the Speaker and the Kettle. Shall I proceed with the return?" tells the
order's contents and does not say which items the return takes, so its mentions name none for
the write; "Shall I return all three: the Lamp, the Speaker and the Kettle?" does, and so does a
listing that a sentence of the write takes back in ("... Shall I return all three?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import _as_word, verb_forms

# What states a record's contents, in a sentence that says no verb of the write: "your order
# (#W1) has / contains / includes ...", "you ordered / bought ...", "I see / found ...", "there
# are ... in your order", "... are in your order", "in your order are ...", "the items of your
# order are ...", "here is your order", "here's what's in your order"; not "here's a summary".
_LISTS = re.compile(
    r"\b(?:order|it|which|purchase|package|shipment|parcel|delivery)(?:\s+#?[\w-]*\d[\w-]*)?"
    r"\s+(?:also\s+|still\s+)?(?:has|had|have|contains?|contained|includes?|included|holds?|held"
    r"|consists\s+of|comprises?|is\s+made\s+up\s+of|came\s+with|shows?|lists?)\b"
    r"|\b(?:you|we)\s+(?:\w+\s+)?(?:ordered|bought|purchased|received|got)\b"
    r"|\bi(?:'ve|\s+have|\s+can)?\s+(?:see|found|find|notice|located)\b|\bit\s+shows\b"
    r"|\bthere(?:'s|\s+is|\s+are|\s+was|\s+were)\b[^.;:]*\b(?:in|on)\s+(?:your|the|this|that)\s+order\b"
    r"|\b(?:is|are|was|were)\s+(?:also\s+|still\s+)?(?:in|on|part\s+of)\s+(?:your|the|this|that)"
    r"\s+order\b"
    r"|\b(?:in|on)\s+(?:your|the|this|that)\s+order(?:\s+#?[\w-]*\d[\w-]*)?\s+(?:are|is|there|you"
    r"|we|i\s+see)\b"
    r"|\b(?:items?|products?|contents?)\s+(?:in|of|on)\s+(?:your|the|this|that)\s+order\b"
    r"|\bhere(?:'s|\s+is|\s+are)\s+(?:[\w']+\s+){0,4}?order\b"
)

# A line of a list under a heading ("- the Lamp (matte black)", "2. the Speaker").
_BULLET = re.compile(r"\s*(?:[-*\u2022]|\d{1,2}[.)])\s")

# In a sentence of the write, what takes the listed records in: "them", "these", "both", "all
# three", "all of them", "everything", "the items", "the whole order"; not "it" or "all" alone
# ("refund it to your card", "that's all").
TAKEN_IN = re.compile(
    r"\b(?:them|these|those|both|everything|each\s+of\s+them|all\s+of\s+them"
    r"|all\s+(?:the\s+)?(?:\w+\s+)?(?:items|products)|all\s+(?:two|three|four|five|six|[2-9])"
    r"|the\s+(?:two|three|four|five|six|[2-9])\s+(?:of\s+them|items|products)"
    r"|the\s+(?:\w+\s+)?(?:items|products)|the\s+lot|the\s+(?:whole|entire)\s+order)\b"
)


def ing_forms(verb: str) -> tuple[str, ...]:
    """A write's verb (one word in lower case) in "-ing" ("returning", "exchanging",
    "cancelling" and "canceling"), which proposes it only as a deed in progress ("I am returning
    ...") or a heading ("Returning: ..."): it is a noun as often ("the shipping address").

    >>> ing_forms("return"), ing_forms("exchange"), ing_forms("cancel")
    (('returning',), ('exchanging',), ('canceling', 'cancelling'))
    """
    if not re.fullmatch(r"[a-z]{2,}", verb):
        return ()
    if verb.endswith("e") and not verb.endswith("ee"):
        return (verb[:-1] + "ing",)
    if re.search(r"(?:^|[^aeiou])[aeiou][^aeiouwxy]$", verb) and len(verb) > 3:
        return (verb + "ing", verb + verb[-1] + "ing")
    return (verb + "ing",)


# A line or a clause headed by the write's verb in "-ing": "- Returning: the Lamp and ...".
def ing_heading(text: str, actions: Sequence[str]) -> bool:
    """Whether ``text`` (normalized) starts with a write's verb in "-ing" before a ":" (after a
    list's marker): "- Returning: the Lamp", "**Exchanging:** the Bottle"."""
    forms = [f for action in actions for f in ing_forms(normalize_text(action))]
    return bool(forms) and bool(
        re.match(r"\W*(?:" + "|".join(map(re.escape, forms)) + r")[\s*_]*:", text)
    )


def listing_sentences(said: Sequence[str], actions: Sequence[str]) -> set[int]:
    """The sentences of a turn (``said``, :func:`~eigendsl.support.saying.sentences`) that
    only list what a record holds, by index: a sentence that says none of the write's verbs
    (``actions``, each in its forms) and states contents (:data:`_LISTS`: "Your order has ...",
    "You ordered ...", "... are in your order", "Here is ..."), and each line of a list under
    such a heading ("Your order contains:" then "- the Lamp"). None where a sentence that says
    a verb of the write takes the listed records in ("Shall I return them / all three / both?").

    >>> said = ["Your order has the Lamp and the Kettle.", "Shall I proceed with the return?"]
    >>> listing_sentences(said, ["return"])
    {0}
    >>> listing_sentences([said[0], "Shall I return both?"], ["return"])
    set()
    >>> listing_sentences(["Your order contains:", "- the Lamp", "- the Kettle", "Ok?"], ["return"])
    {0, 1, 2}
    """
    forms = [_as_word(f) for action in actions for f in verb_forms(normalize_text(action))]
    if not forms:
        return set()
    text = [normalize_text(sentence) for sentence in said]
    deeds = [any(form.search(t) for form in forms) or ing_heading(t, actions) for t in text]
    if any(deed and TAKEN_IN.search(t) for deed, t in zip(deeds, text, strict=True)):
        return set()
    out: set[int] = set()
    heading = False
    for i, (sentence, t) in enumerate(zip(said, text, strict=True)):
        if heading and _BULLET.match(sentence) and not deeds[i]:
            out.add(i)
            continue
        heading = not deeds[i] and bool(_LISTS.search(t))
        if heading:
            out.add(i)
        heading = heading and t.rstrip().endswith(":")
    return out
