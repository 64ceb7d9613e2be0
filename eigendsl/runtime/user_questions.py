"""What an agent's turn asks of the scripted user, read the way a customer would: the facts it
asks for, by a fact's name or in other words (:data:`FACT_PHRASINGS`), whether it asks leave to
act (in words that ask it, or in a question that states what will happen), whether it only greets
or narrates, and whether it says a value (an id without its '#', a reason in other words)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from eigendsl import support
from eigendsl.runtime.utterances import (
    CONFIRM_MARK,
    spoken,
)
from eigendsl.support.proposals import ASKS_FOR_YES
from eigendsl.support.saying import verb_forms

METHOD_ID = re.compile(r"\b[a-z]+_\d{3,}\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"\b(please|share|provide|give|tell|send|need|require|let me know|may i have|can i have)\b"
)
# A line of a Markdown list, and its marker: a bullet ("- ", "* ", "+ ", "• ", "– ", "— ", "· "),
# a number ("1. ", "2) ", "(3) ") or a letter ("a. ", "b) ", "(c) ").
_LIST_ITEM = re.compile(
    r"^\s*(?:[-*+\u2022\u2013\u2014\u00b7\u25aa\u25cf\u25e6]|\(?(?:\d{1,2}|[a-z])[.)])\s+"
)
# The end of a request's line before its list: ":" or "." (outside Markdown's marks).
_LEAD_END = re.compile(r"[:.](?=[\s*_]*$)")


def _is_request(sentence: str) -> bool:
    """Whether a lower-cased sentence asks the user for something: a question, a request, or
    words that ask for a yes as the verifiers' ``confirmed`` reads them ("Reply yes to go on.")."""
    return "?" in sentence or bool(_REQUEST.search(sentence) or ASKS_FOR_YES.search(sentence))


def _with_lists(text: str) -> str:
    """``text`` with each Markdown list that follows a request ending in ":" or "." written on
    the request's line, its items parted by commas: "could you provide:\\n1. your email\\n2. the
    order number" asks for both as "could you provide: your email, the order number" does, and
    so does "please send the following.\\r\\na) your email\\r\\nb) the order number"."""
    lines: list[str] = []
    lead = False  # whether the line last kept ends in a request's ":" or "."
    first = False  # whether no item was joined to that line yet
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        item = _LIST_ITEM.match(line)
        if lead and item:
            if first:  # the request's end ("." too) introduces the list, as ":" does
                lines[-1] = _LEAD_END.sub(":", lines[-1].rstrip(), count=1)
            lines[-1] += (" " if first else ", ") + line[item.end() :].strip().rstrip(".;")
            first = False
            continue
        if lead and not line.strip():
            continue  # a blank line between the request and its list
        lines.append(line)
        last = (support.sentences(line) or [""])[-1]
        lead = first = bool(_LEAD_END.search(last)) and _is_request(last)
    return "\n".join(lines)


def requests(text: str) -> str:
    """The sentences of an agent's turn that ask the user for something, lower-cased: questions
    and requests (a Markdown list after one ending in ":" part of it), whatever surrounds them. A
    statement that names a fact ("Your order id is #1.") asks nothing.

    >>> requests("Let me look into it. Please share your email.")
    'please share your email.'
    >>> requests("Your order id is #1. What is your email?")
    'what is your email?'
    >>> requests("Hi! Could you provide:\\n1. Your email\\n2. The order number\\n\\nThanks.")
    'could you provide: your email, the order number'
    >>> requests("Order #1 is pending.\\n\\nReply **yes** to confirm.")
    'reply **yes** to confirm.'
    """
    return " ".join(s for s in support.sentences(_with_lists(text.lower())) if _is_request(s))


# How an agent may ask for a fact of each kind besides its name ("order number" for the order id,
# "why" for the reason): regular expressions over the lower-cased request sentences, by a fact's
# name in words. A fact is asked for when its name or one of its kind's phrasings is there. The
# scripted agent asks by name; these are for an agent that words its questions freely.
_NAME = (r"\b(your|full|the|whose|account holder'?s) name\b", r"\bname (on|for|of) the\b")
_ITEMS = (
    r"\b(which|what) (item|product|one)s?\b",
    r"\bitems?\b.*\breturn",
    r"\breturn\b.*\bwhich\b",
)
_BALANCE = (r"\b(what|how much)\b.*\bbalance\b", r"\bbalance\b.*\b(is it|do you know)\b")
_PAYMENT = (r"\bpayment( method)?\b", r"\bpay (with|by|using|for)\b", r"\b(which|what) card\b")
FACT_PHRASINGS: dict[str, tuple[str, ...]] = {
    "email": (r"\be-?mail\b",),
    "email address": (r"\be-?mail\b",),
    "order id": (r"\border (number|no\b|#|code|reference)", r"\b(which|what) order\b"),
    "first name": _NAME,
    "last name": _NAME + (r"\b(sur|family )name\b",),
    "zip": (r"\bzip\b", r"\bpost(al)? ?code\b"),
    "zip code": (r"\bzip\b", r"\bpost(al)? ?code\b"),
    "reason": (r"\bwhy\b", r"\breason\b", r"\bwhat (made|makes|prompted)\b"),
    "new address": (
        r"(?<!e-mail )(?<!email )\baddress\b",
        r"\bmov(e|ed|ing) to\b",
        r"\bwhere (did|do|are|will|have) you (move|moving|moved|live)",
        r"\bstreet\b",
    ),
    "current variant": (
        r"(?<!wanted )(?<!new )\b(variant|option|version)s?\b(?!.*\b(want|instead|new|prefer)\b)",
        r"\b(variant|option|version|one|size|colou?r) (do )?you (have|own|bought|ordered|got)\b",
    ),
    "wanted variant": (
        r"\b(variant|option|version|size|colou?r|capacity)s?\b.*\b(want|instead|prefer|like)\b",
        r"\b(new|other|wanted|desired|different|replacement) (variant|option|version)",
        r"\bexchange (it|them) for\b",
    ),
    "product": (r"\b(which|what) (item|product|one)s?\b",),
    "items to return": _ITEMS,
    "item to return": _ITEMS,
    "new payment method": _PAYMENT,
    "payment method for any price difference": _PAYMENT
    + (r"\b(pay|cover|charge)\b.*\bdifference",),
    "refund to": (
        r"\brefund\b.*\b(where|which|how|go|to)\b",
        r"\b(where|which|how)\b.*\brefund",
        r"\bmoney back\b",
    ),
    "gift card": (r"\brefund\b.*\b(where|which|go|to)\b", r"\b(where|which)\b.*\brefund"),
    "item ids": (r"\bitem (id|number)s?\b",),
    "gift card id": (r"\bgift ?card (number|no\b|id|code)",),
    "customer id": (r"\b(customer|user|account) (id|number)\b",),
    "tracking number": (r"\btracking\b",),
    "order total": (r"\b(order|the) total\b", r"\bhow much did you pay\b"),
    # what a balance is, not an offer to tell it ("Do you want to know the balance?")
    "balance": _BALANCE,
    "gift card balance": _BALANCE,
}


def asks_for(name: str, asked: str) -> bool:
    """Whether the request sentences ``asked`` (:func:`requests`) ask for the fact ``name``: by
    its name ("order id", "order_id") or a phrasing of its kind (:data:`FACT_PHRASINGS`).

    >>> [asks_for(n, requests(t)) for n, t in (
    ...     ("order id", "Could I get your order number?"), ("email", "What e-mail is it under?"),
    ...     ("first name", "What's your name?"), ("reason", "Why do you want to cancel?"),
    ...     ("first name", "What's the product name?"),
    ...     ("new address", "What's your email address?"))]
    [True, True, True, True, False, False]
    """
    words = spoken(name).lower()
    if words in asked or name.lower() in asked:
        return True
    return any(re.search(p, asked) for p in FACT_PHRASINGS.get(words, ()))


# A turn that asks to know who the user is without naming a fact the user knows: it is answered
# with the facts that identify the user, as a customer offers its email when asked for a name.
IDENTITY = re.compile(
    r"\b(verify|verif\w+|identity|identify|authenticat\w*|your account|the account"
    r"|(your|full) name|zip|post(al)? ?code|phone|date of birth|e-?mail)\b"
)
IDENTIFYING = ("email", "first name", "last name", "zip")
# A turn that closes the conversation, and one that greets or narrates ("Let me look that up."):
# the user says goodbye to the first; it restates its request after the second.
CLOSING = re.compile(r"\banything else\b|\bgoodbye\b|\bhave a (great|nice|good) (day|one)\b")
NARRATION = re.compile(
    r"\b(hello|hi|hey|welcome|let me|one moment|just a moment|bear with me|happy to help"
    r"|glad to help|i can help|i'?ll (check|look|pull|find|need)|checking|looking (that|it|into))\b"
)
# An offer to look something up, which asks leave for no write: the user accepts it. In every
# form that asks leave (:data:`_LEAVE`: "Ready for me to check ...?", "Is it okay if I verify
# ...?"), and as what the agent could do ("I could also look up the date. Is that what you
# want?"), as the verifiers' ``confirmed`` reads an offer of another act.
LOOKUP_OFFER = re.compile(
    r"\b(like me to|want me to|shall i|should i|can i|may i|(ready|happy|okay|ok) for me to"
    r"|(do you )?mind if i|(is it|it's|it is|would it be|are you) (ok|okay|alright|all right"
    r"|fine|happy) (if i|for me to|with me)|i could) ((also|first|now|just|then) )?"
    r"(look|check|find|pull|search|verify|double-check)\b"
)
RESTATE = "I'm not sure what you need from me. {reason}"


# How an agent asks leave to act, in a question or a request: "Shall I go ahead?", "Would you
# like me to cancel it?", "Is that correct?", "...? Yes/no?", "..., yes?" ("May I have your
# email?" asks for a fact); or words that ask for a yes, "Reply **yes** to confirm."
# (:data:`~eigendsl.support.proposals.ASKS_FOR_YES`, as the verifiers' ``confirmed`` reads them).
_LEAVE = re.compile(
    r"\byes\s*/\s*no\b|\by\s*/\s*n\b|\byes or no\b|[,\u2013\u2014-]\s*(yes|right|correct)\s*\?"
    r"|\b(confirm|shall i|should i|do you want me to|would you like me to|want me to"
    r"|is (that|this) (correct|right|ok|okay)|go ahead|proceed|ok\?|okay\?|are you sure"
    r"|like me to|(would|do) you (like|want) (that|this)\b"
    r"|(does|would) (that|this) (work|suit)|(sound|sounds) (good|ok|okay|alright)"
    r"|(can|may) i (cancel|return|exchange|update|change|modify|switch|process|submit|place)\b"
    r"|is (that|this|it) what you (want|wanted|meant|asked for)\b"
    r"|(do|would) you (like|want|wish) to (continue|go on)\b"
    r"|are you (ok|okay|happy|fine|good) with (that|this)\b"
    r"|(is it|it's|are you) (ok|okay|alright|all right|fine|happy) (if i|for me to|with me)\b"
    r"|\b(ready|happy) for me to\b)"
)
# How an agent asks leave for an act of its own ("Shall I return ... to your gift card?", "Can I
# go ahead and move the refund to your gift card?"): "your gift card" there is where the act
# goes, not a request for the user's gift card as in "Please confirm your gift card.".
_MY_ACT = re.compile(
    r"\b(shall i|should i|(would|do) you (like|want) me to|want me to|like me to"
    r"|(can|may) i (go ahead|proceed)|(is it|it's|are you) (ok|okay|alright|all right|fine|happy)"
    r" (if i|for me to|with me)|(ready|happy) for me to)\b"
)
# "Which" that asks ("Which card?", "..., which would you like?"), not one that begins a
# relative clause ("..., which will refund $5 to paypal_1"); and a question that asks for a fact
# by any question word ("What is ...?", "When ...?").
_WHICH = (
    r"\bwhich\b(?!\s+(will|would|is|was|means|brings|leaves|gives|makes|puts|takes|includes"
    r"|refunds|charges|covers|goes|comes|costs|adds|returns|should|can|could|may)\b"
    r"(?!\s+(you|i|we)\b))"
)
_QUESTION_WORD = re.compile(rf"\b(what|who|where|when|how|why)\b|{_WHICH}")
_WHICH_OR_WHAT = re.compile(rf"\bwhat\b|{_WHICH}|\bconfirm (your|the)\b")
# What a proposal states besides a known fact: an amount, or an id of a payment method or record.
_STATED = re.compile(r"[$\u20ac\u00a3]\s?\d|\b[a-z]+_\d{3,}\b|#\w*\d")


def asks_to_confirm(text: str, known: dict[str, str], actions: Sequence[str] = ()) -> bool:
    """Whether the agent asks the user to confirm an action, not a fact ("please confirm your
    email" asks for the email): it asks leave (:data:`_LEAVE`), or asks a question that states
    what will happen with an id or an amount in it and names one of the writes' ``actions``
    (:func:`_proposes`: "Cancel order #1 because it was ordered by mistake?").

    >>> [asks_to_confirm(t, {"email": "a@b.c"}) for t in (
    ...     "I'll cancel order #1. Okay?", "Would you like me to cancel it?",
    ...     "May I have your email?", "Please confirm your email.", "It is cancelled.",
    ...     "I can cancel order #1 - would you like that?", "Cancel order #1? Yes/no?",
    ...     "Cancel order #1? Yes or no?", "You'd like order #1 cancelled, right?")]
    [True, True, False, False, False, True, True, True, True]
    >>> gift = {"gift card": "gift_6690", "order id": "#W1"}
    >>> [asks_to_confirm(t, gift, ["return", "refund"]) for t in (
    ...     "Shall I return the Lamp from #W1 to your gift card, whose balance becomes $313.99?",
    ...     "Return the Lamp from #W1 to gift_6690, whose balance of $120.00 becomes 313.99?",
    ...     "Which gift card should the refund go to?", "Please confirm your gift card.")]
    [True, True, False, False]
    """
    text, asked = text.lower(), requests(text)
    if CONFIRM_MARK in text or "shall i proceed" in text:
        return True
    parts = support.sentences(asked)
    if any(_asks_a_fact(s, known) or _asks_yours(s, known, actions) for s in parts):
        return False
    return bool(_LEAVE.search(asked) or ASKS_FOR_YES.search(asked)) or any(
        _proposes(s, known, actions) for s in parts
    )


def _asks_yours(sentence: str, known: dict[str, str], actions: Sequence[str]) -> bool:
    """Whether a sentence asks for a known fact by "your" and its name ("Please confirm your
    email."), not as where an act it asks leave for goes ("Shall I return it to your gift
    card?") nor in a question that proposes (:func:`_proposes`)."""
    if not any(f"your {spoken(k).lower()}" in sentence for k in known):
        return False
    acts = _MY_ACT.search(sentence) and (not actions or _names_act(sentence, actions))
    return not acts and not _proposes(sentence, known, actions)


def _names_act(sentence: str, actions: Sequence[str]) -> bool:
    """Whether a sentence names one of the writes' ``actions`` (a verb in any of its forms but
    "-ing", as the verifiers' ``confirmed`` reads it: "cancel", "cancelled", not "cancelling")."""
    text = support.normalize_text(sentence)
    return any(support.says(text, form) for act in actions for form in verb_forms(act))


def _proposes(sentence: str, known: dict[str, str], actions: Sequence[str]) -> bool:
    """Whether a question proposes an act without asking leave in words ("Return the Lamp from
    #W1 to gift_6690, whose balance becomes $313.99?"): it names one of the writes' ``actions``,
    states a known fact, an amount or an id, asks by no question word ("What is ...?") and asks
    for no known fact it does not state ("Cancel order #W1 - your reason?")."""
    if "?" not in sentence or not actions or _QUESTION_WORD.search(sentence):
        return False
    if LOOKUP_OFFER.search(sentence) or CLOSING.search(sentence):
        return False
    stated = [k for k, v in known.items() if says(sentence, v)]
    if not stated and not _STATED.search(sentence):
        return False
    if any(asks_for(k, sentence) for k in known if k not in stated):
        return False
    return _names_act(sentence, actions)


def _asks_a_fact(sentence: str, known: dict[str, str]) -> bool:
    """Whether a sentence that seems to ask leave to act asks for a known fact instead: "Which
    payment method should I use?", "Can you confirm the order number?" (one that states a
    known value, "Shall I cancel order #W1?", proposes; a "which" that begins a relative clause,
    "..., which will refund $5 to paypal_1?", asks nothing)."""
    return (
        bool(_WHICH_OR_WHAT.search(sentence))
        and any(asks_for(k, sentence) for k in known)
        and not any(says(sentence, v) for v in known.values())
    )


def id_shape(value: str) -> re.Pattern[str]:
    """What a value of the same kind as ``value`` looks like: its digits any digits, the rest as
    written (``#W1000371``: ``#W`` and seven digits), not inside a longer word, number, amount
    or date."""
    body = "".join(r"\d" if c.isdigit() else re.escape(c) for c in value)
    return re.compile(rf"(?<![\w#$.,/-]){body}(?!\w|[.,/-]\d)", re.IGNORECASE)


# A fact that names a day, a time or an amount, not a record: "1988-03-14", "14/03/1988",
# "09:30", "71.0" (a zip code or a PIN, digits alone, is a record's). A proposal's other value of
# its shape is another fact (an effective date beside a date of birth), no mistake about this one.
NOT_AN_ID = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}:\d{2}(:\d{2})?"
    r"|[$€£]\d+([.,]\d+)?|\d+[.,]\d+%?|\d+%"
)


_FILLER = frozenset(
    {"the", "a", "an", "and", "by", "it", "to", "of", "my", "your", "for", "is", "i", "you"}
)


def _stems(text: str) -> list[str]:
    """The words and numbers of a text, lower-cased, past "-ed", "-ing" and plural endings."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [re.sub(r"(?<=[a-z]{3})(ed|ing|es|s)$", "", w) for w in words if w not in _FILLER]


def says(text: str, value: str) -> bool:
    """Whether ``text`` states the fact ``value``: as written, an id without its "#", a
    phrase in other words that keeps its words ("you ordered it by mistake" for "ordered by
    mistake", "you no longer need it" for "no longer needed"), a day or a time of day as the
    DSL's ``said`` hears it ("June 11" for 2025-06-11, "9:30 am" for 09:30).

    >>> [says(t, v) for t, v in (("Cancel W1000075?", "#W1000075"),
    ...     ("because you ordered it by mistake", "ordered by mistake"),
    ...     ("as you no longer need it", "no longer needed"),
    ...     ("as you no longer need it", "ordered by mistake"), ("Cancel #W1000057?", "#W1000075"),
    ...     ("Book Wednesday, June 11 at 9:30 am?", "2025-06-11"), ("Book 11:30?", "1:30"))]
    [True, True, True, False, False, True, False]
    """
    if support.is_day_or_time(str(value).strip()):
        return support.says(support.normalize_text(text), str(value).strip())
    text, value = " ".join(text.lower().split()), " ".join(str(value).lower().split())
    if not value:
        return False
    if value in text:
        return True
    if value.startswith("#") and re.search(rf"(?<![\w#]){re.escape(value[1:])}(?!\w)", text):
        return True
    ids = METHOD_ID.findall(value)  # "my credit_card (card_6046)" by its id
    if ids and all(re.search(rf"\b{re.escape(i)}\b", text) for i in ids):
        return True
    words = _stems(value)
    return len(words) >= 2 and set(words) <= set(_stems(text))
