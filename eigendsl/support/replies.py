"""What a user's reply answers a proposal (:func:`reply_answer`): yes, no, or neither
(a hedge, a closing, a yes taken back)."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.numerals import normalize_text

# A denial: "no" (not "no longer", "no problem"), "not", "never", "nope", "nah", a word ending
# in "n't" ("don't", "won't"), or "dont".
_DENIAL = re.compile(
    r"(?<!\w)(?:no(?!\s+(?:longer|problem|worries)\b)|not|never|nope|nah|dont|\w+n't)(?!\w)"
)


# A yes in words: "yes", "sure", "go ahead", "please do", "confirmed", "that's right"...
_AFFIRMATIVE = re.compile(
    r"(?<!\w)(?:yes|yeah|yep|yup|sure|ok|okay|alright|all right|absolutely|definitely|certainly"
    r"|of course|correct|confirmed|i confirm|go ahead|please do|do it|proceed|please proceed"
    r"|that's right|that is right|sounds good|no problem)(?!\w)"
)


# "Please." alone: a yes.
_PLEASE_ALONE = re.compile(r"\W*please\W*$")


# Agreement phrased with a negative word, read as "sure": "no objection", "not a problem", "no
# doubt", "why not" (ending its clause: "why not freeze it instead?" offers another action), "I
# can't see why not", "I don't mind", and "no, that's fine" before a yes ("No, that's fine, go
# ahead"; alone it is a polite no).
_AGREEMENT = re.compile(
    r"(?<!\w)(?:no objections?|not (?:a|any) problem|not an issue|no issue|no doubt"
    r"|(?:(?:i\s+)?(?:can't|cannot|don't|do not)\s+see\s+)?why not\s*\??(?=\s*(?:[.!,;\u2026]|$))"
    r"|(?:i\s+)?(?:don't|do not) mind"
    r"|no\W+(?:that's|it's|that is|it is) (?:fine|ok|okay|alright|all right)(?=\W+(?:please\s+)?"
    r"(?:go ahead|do it|please do|proceed)\b))(?!\w)"
)


# A hedge phrased with a negative word ("I'm not sure yet"), read as "unsure": neither yes nor no.
_UNSURE = re.compile(
    r"(?<!\w)not\s+(?:(?:so|quite|too|really|entirely|completely|yet|that)\s+)?(?:sure|certain)"
    r"(?!\w)"
)


# What takes a yes back or holds it: "but", "wait", "let me think", "actually", "not yet"...
_HEDGE = re.compile(
    r"(?<!\w)(?:but|wait|hold on|hang on|hmm+|let me think|actually|on second thought|not yet"
    r"|not sure|unsure|maybe|perhaps|never ?mind)(?!\w)"
)


# Where a clause of a reply starts, and a clause that answers no ("Yes... no, don't."), not a
# denial that is part of the user's reason ("Yes, I don't need it", "yes, not a problem").
_CLAUSE = r"(?:^|[.,;:!?\u2026]|\s-+)\s*(?:(?:oh|ah|um|uh|well|and|so)\W+)?"


_DENIAL_CLAUSE = re.compile(
    _CLAUSE + r"(?:no(?!\s+(?:longer|problem|worries|rush|hurry)\b)|nope|nah|never|dont"
    r"|(?:please )?(?:don't|do not)(?!\s+(?:worry|forget)\b)|stop"
    r"|not(?!\s+(?:a problem|an issue|at all|only)\b))(?!\w)"
)


_AFFIRMATIVE_CLAUSE = re.compile(_CLAUSE + r"(?:please\s+)?" + _AFFIRMATIVE.pattern)


# A clause that backs out of the proposal: "forget it", "scratch that", "cancel that"; its verb
# is group 1 (no back-out where it names the write itself: "Yes, cancel it" to a cancellation).
_BACK_OUT = re.compile(
    _CLAUSE + r"(?:(?:please|just)\s+)?(forget|scratch|scrap|skip|drop|cancel|stop|undo|abort"
    r"|call off)(?: about)? (?:it|that|this|the whole thing)(?!\w)"
)


_FIRST_SENTENCE = re.compile(r"[^.!?;\u2026]*[.!?;\u2026]*")


# A user's closing ("No, that's all", "That's everything", "No, that will be all"), with the
# "no" that belongs to it: no answer to a proposal. A "no" in a sentence of its own before it
# ("No. That's all, thanks.") still is one.
_CLOSING_REPLY = re.compile(
    r"(?<!\w)(?:(?:no|nope|nah)[\s,]+)?(?:that's (?:all|everything)|that is (?:all|everything)"
    r"|(?:that will|that'll) be (?:all|everything)|nothing (?:else|more)|all set)(?!\w)"
)


# What reads as a denial and is none: a take-back word negated ("don't forget the lamp",
# "don't skip it": keep it in), and the "no wait" that starts a self-correction ("keep the lamp...
# no wait, return it too"); "No wait." alone still holds the write.
_NOT_A_NO = re.compile(
    r"(?<!\w)(?:(?:please\s+)?(?:don't|do not|never)\s+(?:forget|skip|leave out|leave off|drop"
    r"|remove|exclude|miss|overlook)|no,?\s+wait(?=\W+\w))(?!\w)"
)
# "not only A but B": both, neither a denial nor a "but" that holds the yes.
_NOT_ONLY = re.compile(r"(?<!\w)not only\b([^.!?;]*?)\bbut(?: also)?\b")


# A decline in words of keeping things as they are: "I'd like to keep it after all", "I've
# decided to keep the order", "Let's hold off on that", "leave it as it is", "I'll keep it";
# not negated ("don't keep it": a denial reads that) nor "keep it short", "keep me posted".
_KEEPS_AS_IS = re.compile(
    r"(?<!\w)(?:(?:keep|keeping|hold on to|hang on to|hold onto|hang onto)\s+(?:it|that|this|them"
    r"|the (?:\w+\s+)?order|my (?:\w+\s+)?order|everything)(?!\s+(?:short|brief|quick|simple"
    r"|coming|up|going|in mind|posted)\b)|(?:leave|leaving)\s+(?:it|that|this|them|the order"
    r"|things|everything)\s+(?:as (?:it is|is|they are)|alone|be|for now|there)"
    r"|hold off(?:\s+on)?|let's not|let us not|(?:i'll|i will) pass)(?!\w)"
)


def reply_answer(reply: str, actions: Any = ()) -> str | None:
    """What a user's message answers a proposal: "yes", "no" or None (neither, both, or a
    closing); ``actions`` are the words that name the write proposed (:func:`_actions`).

    Yes: its first sentence says yes in words ("yes", "sure", "ok", "go ahead", "please do",
    "confirmed", "that's right", "please" alone...) after no denial, is no question, and nothing
    takes it back: no "but", "wait", "let me think", "actually", no clause that answers no
    ("Yes... no, don't") or backs out ("forget it", "scratch that", "cancel that" unless
    "cancel" names the write). A denial that belongs to the user's reason leaves the yes ("Yes
    please, I don't need it"), and agreement phrased with a negative word is a yes ("No
    objection", "Not a problem, do it", "No doubt about it", "Why not.", "No, that's fine, go
    ahead"). No: a denial ("no", "not", "never", "nah", "...n't") or a back-out, no clause that
    says yes, and not only the "no" of a closing ("No, that's all"; "No. That's all." is a no,
    then a closing). A hedge ("I'm not sure yet") is neither.

    >>> [reply_answer(r) for r in ("Sure, go ahead.", "Yes please, I don't need it anymore.",
    ...     "Yes, that's not a problem.", "Yes, but change the reason.", "Yes... hmm, wait.",
    ...     "Yes or no? Is there a fee?", "Yes... no, don't.", "No, please don't do it.",
    ...     "No, that's all. Thank you!", "Yesterday, maybe.")]
    ['yes', 'yes', 'yes', None, None, None, None, 'no', None, None]
    >>> [reply_answer(r) for r in ("No objection.", "Why not.", "No, that will be all.",
    ...     "No. That's all, thanks.", "I'm not sure yet.", "Yes, forget it.", "Please.")]
    ['yes', 'yes', None, 'no', None, None, 'yes']
    >>> [reply_answer(r) for r in ("Yes, and don't forget the lamp.", "Let's hold off on that.",
    ...     "Yes, not only the lamp but the speaker too.", "I'll keep it, thanks.", "No wait.")]
    ['yes', 'no', 'yes', 'no', 'no']
    >>> reply_answer("Yes, cancel that."), reply_answer("Yes, cancel that.", ["cancel"])
    (None, 'yes')
    """
    # commas kept: they part a reply's clauses ("Sure, not.")
    text = str(reply).lower().replace("\u2019", "'").strip()
    text = _AGREEMENT.sub(lambda m: "sure." if m.group().endswith("?") else "sure", text)
    text = _UNSURE.sub("unsure", text)
    text = _NOT_ONLY.sub(lambda m: f"{m[1]}and", text)
    first = _FIRST_SENTENCE.match(text)
    sentence = first.group() if first else ""
    agree = _AFFIRMATIVE.search(sentence) or _PLEASE_ALONE.match(sentence)
    if (
        agree
        and not _DENIAL.search(sentence[: agree.start()])
        and not sentence.rstrip().endswith("?")
        and not _HEDGE.search(text)
        and not _DENIAL_CLAUSE.search(text)
        and not _backs_out(text, actions)
    ):
        return "yes"
    if _AFFIRMATIVE_CLAUSE.search(text):
        return None
    rest = _CLOSING_REPLY.sub(" ", text)  # a closing's own "no" answers no proposal
    rest = _NOT_A_NO.sub(" ", rest)
    if _KEEPS_AS_IS.search(rest) and not _AFFIRMATIVE.search(rest):
        return "no"  # "Actually, I'd like to keep it after all."
    return "no" if _DENIAL.search(rest) or _backs_out(rest, actions) else None


def _backs_out(text: str, actions: Any) -> bool:
    """Whether a reply has a clause that backs out of the proposal ("forget it", "cancel that"),
    its verb not one of ``actions``, the words that name the write proposed."""
    named = {normalize_text(action) for action in actions}
    return any(verb not in named for verb in _BACK_OUT.findall(text))


# In a "no" to another question, what would make it more than that: a word that stops, holds or
# changes the write ("No, cancel it", "No, wait", "No, keep the lamp instead").
_STOPS = re.compile(
    r"(?<!\w)(?:cancel|stop|forget|scrap|scratch|drop|abort|undo|hold|wait|keep|instead|rather"
    r"|change|changed|switch|actually|but)(?!\w)"
)


def declines_aside(reply: str) -> bool:
    """Whether a user's message is no more than a "no" or a closing ("No, just the two.", "No,
    that's all.", "No thanks."): an answer to another question ("Should I also return the
    Sweater?", "Anything else before I submit it?") that leaves a yes the user gave before it as
    it was; not one that says more no ("No, don't submit it", "No, wait") or changes the write.

    >>> [declines_aside(r) for r in ("No, just the two.", "No, that's all.", "No thanks.",
    ...     "No, don't submit it.", "No, wait.", "Yes.", "I'd like the tracking number.")]
    [True, True, True, False, False, False, False]
    """
    text = str(reply).lower().replace("\u2019", "'").strip()
    rest = _CLOSING_REPLY.sub(" ", text)
    said_no = re.match(r"\W*(?:no|nope|nah)(?!\w)", rest)
    if said_no is None and rest == text:
        return False  # neither a "no" nor a closing
    rest = rest[said_no.end() :] if said_no else rest
    return not (
        _DENIAL.search(rest)
        or _backs_out(rest, ())
        or _STOPS.search(rest)
        or _AFFIRMATIVE.search(rest)
    )
