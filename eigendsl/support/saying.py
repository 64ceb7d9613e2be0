"""Whether a text says a value (:func:`says`, :func:`text_says`, and :func:`said` over a
role's messages): a number as a number of its own, a day or time also in words, anything else
as words of its own; and a text's sentences and words."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from eigendsl.support.dates import _DAY, date_problem
from eigendsl.support.days_in_words import _TIME, _spoken_day, _spoken_time
from eigendsl.support.numerals import _digits, normalize_text
from eigendsl.support.trace import Trace
from eigendsl.support.visible_text import visible_text

# Where a sentence ends: after ".", "!", "?", ";" or "…" and a space, or at a line's end. A
# point inside a number ("214.9") or an id is followed by no space and ends none; an ellipsis
# ("…", "...") before a word in lower case is a pause ("cancel #W1… with reason ...?").
_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[!?;])|(?<=[^.]\.)|(?<=^\.))[^\S\n]+|(?:(?<=\u2026)|(?<=\.\.))[^\S\n]+(?![^\S\n]*[a-z])"
    r"|\s*\n\s*"
)


# A word: letters and digits, joined by "_", "-" or an apostrophe ("gift_6690", "don't").
_WORD = re.compile(r"[^\W_]+(?:[-_'\u2019][^\W_]+)*")


def sentences(text: Any) -> list[str]:
    """``sentences(text)``: the sentences of a text, in order, each as read (:func:`visible_text`:
    no invisible characters, look-alike letters as Latin ones, no Markdown marks inside a word,
    letters and digits in their plain form), not in lower case: the parts that end with ".",
    "!", "?", ";" or "…" before a space, or with a line. Null has none. It holds two words to one
    sentence: ``any(s in sentences(m.content): says(s, "cancel") and says(s, "cannot"))``.

    >>> sentences("Order #W1 is processed; it can no longer be cancelled. The 214.9... Ok?")
    ['Order #W1 is processed;', 'it can no longer be cancelled.', 'The 214.9...', 'Ok?']
    >>> sentences("Shall I cancel #W1\u2026 with reason no longer needed? Or... no.")
    ['Shall I cancel #W1\u2026 with reason no longer needed?', 'Or... no.']
    """
    if text is None:
        return []
    return [part for part in _SENTENCE_BREAK.split(visible_text(str(text))) if part]


def words(text: Any) -> list[str]:
    """``words(text)``: the words of a text, in order, as read (:func:`visible_text`), not in
    lower case: runs of letters and digits, joined by ``_``, ``-`` or an apostrophe; punctuation
    and spaces part them. Null has none.

    >>> words("Its tracking number is TRK3118401709 (gift_6690, don't).")
    ['Its', 'tracking', 'number', 'is', 'TRK3118401709', 'gift_6690', "don't"]
    >>> words("It is **deliv**ered (or T\u0280K3118401700, c\u00adancelled).")
    ['It', 'is', 'delivered', 'or', 'TrK3118401700', 'cancelled']
    """
    if text is None:
        return []
    return _WORD.findall(visible_text(str(text)))


def says(content: str, text: Any) -> bool:
    """Whether ``content`` (as :func:`normalize_text` gives it) says ``text``: a number as a
    number of its own, equal to a millionth (``$40.00`` says 40.0; ``L5017`` does not say 0, nor
    ``2025`` 20.0, nor ``#W1000149`` 100, nor ``2025-10-14`` or ``14:00`` 14); a day as written or
    in words; anything else as words of its own (tau2-bench's ``communicate_info`` compares
    substrings, but then ``yes`` is said by "yesterday" and ``active`` by "inactive"), words
    joined by ``_``, ``-`` or spaces joined by any of them (``out_for_delivery`` is said by "out
    for delivery").

    >>> [says(t, 14.0) for t in ("14.0 GB left", "on 2025-10-14", "at 14:00", "555-14-00")]
    [True, False, False, False]
    >>> [says(t, 40) for t in ("costs $40.00.", "a change of -40", "40.5", "555-0040")]
    [True, False, False, False]
    >>> [says(t, 0) for t in ("0 refills left", "reference r-0", "plan id 0", "order #0")]
    [True, False, False, False]

    A day (``2025-06-10``) is said as written or in words: ``June 10``, ``10th of June 2025``,
    ``the 10th``, in digits where the day and the month cannot swap (``6/18/2025``, ``18/6``
    for 2025-06-18, but not ``6/10``), and in a date and time (``2025-06-10T15:00``). A time of
    day (``15:00``) is said as written, without its leading zero (``9:00``) or on a 12-hour
    clock (``3pm``, ``3:00 p.m.``).
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        tolerance = 1e-6 * max(1.0, abs(text))
        return any(abs(said - text) <= tolerance for said, _, _ in _digits(content))
    if isinstance(text, str) and _DAY.fullmatch(text) and date_problem(text) is None:
        return _as_word(text).search(content) is not None or (
            _spoken_day(text).search(content) is not None
        )
    if isinstance(text, str) and _TIME.fullmatch(text):
        return _spoken_time(text).search(content) is not None
    needle = normalize_text(text)
    first = _SEPARATOR.split(needle, maxsplit=1)[0]
    return first in content and _as_word(needle).search(content) is not None


# Between two letters or digits, ``_``, ``-`` and spaces join words alike.
_SEPARATOR = re.compile(r"(?<=[^\W_])[-_\s]+(?=[^\W_])")


@lru_cache(maxsize=4096)
def _as_word(text: str) -> re.Pattern[str]:
    """``text`` said as words of its own: not inside a longer word or number (``yes`` is not
    said by "yesterday", ``active`` not by "inactive", ``FD-1015`` not by "FD-10150"). An end
    of ``text`` that is no letter or digit (``$40``, ``#W1``) may touch anything. Words joined by
    ``_``, ``-`` or spaces are said joined by any of them: ``out_for_delivery`` by "out for
    delivery" and "out-for-delivery".

    >>> [bool(_as_word("yes").search(t)) for t in ("yes, please", "yesterday", "eyes", "yes!")]
    [True, False, False, True]
    >>> [bool(_as_word("out-for-delivery").search(t)) for t in (
    ...     "out for delivery", "out_for_delivery", "out-for-delivery", "out for deliveryman")]
    [True, True, True, False]
    """
    start = r"(?<!\w)" if text[:1].isalnum() or text[:1] == "_" else ""
    end = r"(?!\w)" if text[-1:].isalnum() or text[-1:] == "_" else ""
    words = r"[-_\s]+".join(re.escape(word) for word in _SEPARATOR.split(text))
    return re.compile(start + words + end)


# The past forms of verbs that do not add "ed", among the words a proposal names a write by.
_IRREGULAR_PAST = {"pay": "paid", "send": "sent", "make": "made", "put": "put", "set": "set"}


@lru_cache(maxsize=256)
def verb_forms(verb: str) -> tuple[str, ...]:
    """``verb`` (one word in lower case) with its forms in "s" and "ed", as a proposal says it
    ("you'd like it shipped to ...", "your address changed to ..."); a final consonant after
    one vowel both doubled and not ("cancelled", "canceled"), as English spells either. Not its
    form in "ing", a noun as often ("the shipping address", "the billing details"). Anything
    else than one word is itself alone.

    >>> verb_forms("ship"), verb_forms("change")
    (('ship', 'ships', 'shiped', 'shipped'), ('change', 'changes', 'changed'))
    >>> verb_forms("modify"), verb_forms("pay")
    (('modify', 'modifies', 'modified'), ('pay', 'pays', 'paid'))
    >>> verb_forms("refund"), verb_forms("modify_pending_order_address")
    (('refund', 'refunds', 'refunded'), ('modify_pending_order_address',))
    """
    if not re.fullmatch(r"[a-z]{2,}", verb):
        return (verb,)
    if verb in _IRREGULAR_PAST:
        return (verb, verb + "s", _IRREGULAR_PAST[verb])
    if verb.endswith("e"):
        return (verb, verb + "s", verb + "d")
    if re.search(r"[^aeiou]y$", verb):
        return (verb, verb[:-1] + "ies", verb[:-1] + "ied")
    third = verb + ("es" if re.search(r"(?:s|sh|ch|x|z)$", verb) else "s")
    forms: tuple[str, ...] = (verb, third, verb + "ed")
    if re.search(r"(?:^|[^aeiou])[aeiou][^aeiouwxy]$", verb):
        forms += (verb + verb[-1] + "ed",)
    return forms


def text_says(text: Any, phrase: Any) -> bool:
    """``says(text, phrase)``: whether one text says ``phrase`` by the rules of ``said`` (words
    of their own, a number as a number of its own), where ``said`` reads every message of a
    role. Null says nothing.

    >>> [text_says(t, "not") for t in ("I can not do that.", "Another agent", "NOT now", None)]
    [True, False, True, False]
    >>> text_says("The refund is $17.90.", 17.9), text_says("Order #W1790", 1790)
    (True, False)
    """
    if text is None:
        return False
    return says(normalize_text(text), phrase)


def said(trace: Trace, role: str, text: Any) -> bool:
    return any(says(content, text) for _, content in trace.texts(role))


def said_positions(trace: Trace, role: str, text: Any) -> list[int]:
    return [position for position, content in trace.texts(role) if says(content, text)]
