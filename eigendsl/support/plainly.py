"""Whether a sentence says a word plainly (:func:`said_plainly`): not only after a word that
says it is not so ("not", "rather than", "won't receive"), each mention judged by the word
right before it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eigendsl.support.conversions import text_of
from eigendsl.support.saying import text_says, words


def said_plainly(text: Any, word: Any, contrasts: Any, denials: Any = (), spared: Any = ()) -> bool:
    """``said_plainly(text, word, contrasts)``: whether a sentence says ``word`` (as ``says``
    reads it) other than after a contrast: where no word stands right before it (it opens the
    sentence, or follows a mark), or where a word ``x`` right before a mention is none of
    ``contrasts`` of one word, nor the end of a contrast that stands right before it ("rather
    than your credit card") and is not denied itself ("not rather than your card"), nor,
    with ``denials``, a word after one of them ("won't receive a check") but for a word of
    ``spared`` ("won't only be cash"). A word said twice is said plainly where one of its
    mentions is: "in cash, with no cash fee" says cash. Retail's block ``destination_told``
    reads the places money never goes and the payment methods' kinds by it.

    >>> contrasts = ["not", "no", "rather than", "not to"]
    >>> [said_plainly(t, "cash", contrasts) for t in ("Cash is sent.", "No cash is sent.",
    ...     "It is paid in cash, with no cash fee.", "It goes to cash, not to PayPal.")]
    [True, False, True, True]
    >>> said_plainly("To gift_1 rather than your card.", "your card", contrasts)
    False
    >>> [said_plainly("You won't receive a check.", "a check", contrasts, d, ["only"])
    ...     for d in ([], ["won't"])]
    [True, False]
    >>> said_plainly("You won't only receive a check.", "a check", contrasts, ["won't"], ["only"])
    True
    """
    if text is None or word is None or not text_says(text, word):
        return False
    phrase = text_of(word)
    before = [x for x in words(text) if text_says(text, f"{x} {phrase}")]
    if not before:
        return True
    listed = _texts(contrasts)
    lone = [f for f in listed if len(words(f)) == 1]
    refusers, kept = _texts(denials), _texts(spared)
    return any(
        x.lower() not in lone
        and not any(_contrasted(text, f, x, phrase) for f in listed)
        and not (
            x.lower() not in kept and any(text_says(text, f"{d} {x} {phrase}") for d in refusers)
        )
        for x in before
    )


def _contrasted(text: Any, contrast: str, before: str, phrase: str) -> bool:
    """Whether ``contrast`` stands right before the mention that ``before`` precedes, or ends
    in ``before`` right before ``phrase``, and is not itself denied ("not rather than")."""
    return (
        text_says(text, f"{contrast} {before} {phrase}")
        or (text_says(contrast, before) and text_says(text, f"{contrast} {phrase}"))
    ) and not text_says(text, f"not {contrast} {before} {phrase}")


def _texts(values: Any) -> list[str]:
    """A DSL list of texts as Python's; null or a lone text as none or one."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [text_of(v) for v in values] if isinstance(values, Iterable) else []
