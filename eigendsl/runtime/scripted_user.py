"""The scripted user: plays a task's scenario.

It answers what the agent asks for (in a question or a request, whatever surrounds it, by a fact's
name or in other words: :data:`FACT_PHRASINGS`) from the scenario's known facts, restates its
request after a greeting or a question it cannot place, withholds the unknown ones and follows
the scenario's behaviour (confirming or declining, revealing a fact late, changing its mind,
asking for what the policy forbids), in plain English from small utterance pools
(:mod:`eigendsl.runtime.utterances`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.utterances import (
    CONFIRM_MARK,
    CORRECTION,
    NOT_ASKED,
    USER_LATER,
    USER_UNKNOWN,
    forbidden_words,
    last_said,
    pools_with,
    spoken,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_REQUEST = re.compile(
    r"\b(please|share|provide|give|tell|send|need|let me know|may i have|can i have)\b"
)


def requests(text: str) -> str:
    """The sentences of an agent's turn that ask the user for something, lower-cased: questions
    and requests, whatever surrounds them. A statement that names a fact ("Your order id is #1.")
    asks nothing.

    >>> requests("Let me look into it. Please share your email.")
    'please share your email.'
    >>> requests("Your order id is #1. What is your email?")
    'what is your email?'
    """
    sentences = _SENTENCE_END.split(text.lower())
    return " ".join(s for s in sentences if "?" in s or _REQUEST.search(s))


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
_IDENTITY = re.compile(
    r"\b(verify|verif\w+|identity|identify|authenticat\w*|your account|the account"
    r"|(your|full) name|zip|post(al)? ?code|phone|date of birth|e-?mail)\b"
)
_IDENTIFYING = ("email", "first name", "last name", "zip")
# A turn that closes the conversation, and one that greets or narrates ("Let me look that up."):
# the user says goodbye to the first; it restates its request after the second.
_CLOSING = re.compile(r"\banything else\b|\bgoodbye\b|\bhave a (great|nice|good) (day|one)\b")
_NARRATION = re.compile(
    r"\b(hello|hi|hey|welcome|let me|one moment|just a moment|bear with me|happy to help"
    r"|glad to help|i can help|i'?ll (check|look|pull|find|need)|checking|looking (that|it|into))\b"
)
# An offer to look something up, which asks leave for no write: the user accepts it.
_LOOKUP_OFFER = re.compile(
    r"\b(like me to|want me to|shall i|should i|can i|may i) (first )?"
    r"(look|check|find|pull|search|verify)\b"
)
RESTATE = "I'm not sure what you need from me. {reason}"


# How an agent asks leave to act, in a question or a request: "Shall I go ahead?", "Would you
# like me to cancel it?", "Is that correct?" ("May I have your email?" asks for a fact).
_LEAVE = re.compile(
    r"\b(confirm|shall i|should i|do you want me to|would you like me to|want me to"
    r"|is (that|this) (correct|right|ok|okay)|go ahead|proceed|ok\?|okay\?|are you sure"
    r"|(reply|say|answer) (with )?\W?yes\b|like me to"
    r"|(can|may) i (cancel|return|exchange|update|change|modify|switch|process|submit|place)\b)"
)


def asks_to_confirm(text: str, known: dict[str, str]) -> bool:
    """Whether the agent asks the user to confirm an action, not a fact ("please confirm your
    email" asks for the email).

    >>> [asks_to_confirm(t, {"email": "a@b.c"}) for t in (
    ...     "I'll cancel order #1. Okay?", "Would you like me to cancel it?",
    ...     "May I have your email?", "Please confirm your email.", "It is cancelled.")]
    [True, True, False, False, False]
    """
    text, asked = text.lower(), requests(text)
    if CONFIRM_MARK in text or "shall i proceed" in text:
        return True
    return (
        bool(_LEAVE.search(asked))
        and not any(f"your {spoken(k).lower()}" in asked for k in known)
        and not any(_asks_a_fact(s, known) for s in _SENTENCE_END.split(asked))
    )


def _asks_a_fact(sentence: str, known: dict[str, str]) -> bool:
    """Whether a sentence that seems to ask leave to act asks for a known fact instead: "Which
    payment method should I use?", "Can you confirm the order number?" (one that states a
    known value, "Shall I cancel order #W1?", proposes)."""
    return (
        bool(re.search(r"\b(which|what|confirm (your|the))\b", sentence))
        and any(asks_for(k, sentence) for k in known)
        and not any(says(sentence, v) for v in known.values())
    )


def _shape(value: str) -> re.Pattern[str]:
    """What a value of the same kind as ``value`` looks like: its digits any digits, the rest as
    written (``#W1000371``: ``#W`` and seven digits), not inside a longer word, number, amount
    or date."""
    body = "".join(r"\d" if c.isdigit() else re.escape(c) for c in value)
    return re.compile(rf"(?<![\w#$.,/-]){body}(?!\w|[.,/-]\d)", re.IGNORECASE)


# A fact that names a day, a time or an amount, not a record: "1988-03-14", "14/03/1988",
# "09:30", "71.0" (a zip code or a PIN, digits alone, is a record's). A proposal's other value of
# its shape is another fact (an effective date beside a date of birth), no mistake about this one.
_NOT_AN_ID = re.compile(
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
    """Whether ``text`` states the fact ``value``: as written, an id without its "#", or a
    phrase in other words that keeps its words ("you ordered it by mistake" for "ordered by
    mistake", "you no longer need it" for "no longer needed").

    >>> [says(t, v) for t, v in (("Cancel W1000075?", "#W1000075"),
    ...     ("because you ordered it by mistake", "ordered by mistake"),
    ...     ("as you no longer need it", "no longer needed"),
    ...     ("as you no longer need it", "ordered by mistake"), ("Cancel #W1000057?", "#W1000075"))]
    [True, True, True, False, False]
    """
    text, value = " ".join(text.lower().split()), " ".join(str(value).lower().split())
    if not value:
        return False
    if value in text:
        return True
    if value.startswith("#") and re.search(rf"(?<![\w#]){re.escape(value[1:])}(?!\w)", text):
        return True
    ids = _METHOD_ID.findall(value)  # "my credit_card (card_6046)" by its id
    if ids and all(re.search(rf"\b{re.escape(i)}\b", text) for i in ids):
        return True
    words = _stems(value)
    return len(words) >= 2 and set(words) <= set(_stems(text))


def misstated(
    text: str, known: dict[str, str], asked: list[dict[str, Any]] | None = None
) -> str | None:
    """The known fact an agent's proposal gets wrong, if any: the proposal does not say the
    user's value but says another of its shape (another order id, another zip code) that is no
    part of what the user knows, nor of the writes the user asked for (``asked``: the arguments
    of the task's gold writes, so a new address's zip code is no mistake about the user's own).
    Only identifiers have a shape to tell: facts with digits that are not a date, a time or an
    amount alone (:data:`_NOT_AN_ID`).

    >>> misstated("I'll cancel order #W1000372. (yes/no)", {"order_id": "#W1000371"})
    'order_id'
    >>> misstated("I'll cancel order #W1000371. (yes/no)", {"order_id": "#W1000371"}) is None
    True
    >>> misstated("Start on 2025-06-20? (yes/no)", {"date of birth": "1988-03-14"}) is None
    True
    >>> misstated("Move it to 1 Elm St, 10001? (yes/no)", {"zip": "80280"}, [{"zip": "10001"}])
    """
    values = [str(v).lower() for v in known.values()]
    values += [str(v).lower() for args in asked or () for v in args.values()]
    for key, value in known.items():
        value = str(value)
        if (
            len(value) < 4
            or not any(c.isdigit() for c in value)
            or _NOT_AN_ID.fullmatch(value.strip())
            or says(text, value)
        ):
            continue
        if any(
            not any(m.group().lower() in v for v in values) for m in _shape(value).finditer(text)
        ):
            return key
    return None


# What another value of a fact's kind looks like, where its shape alone does not tell: a street
# ("9 Other Street" for "5 Lighthouse Row"), a payment method's id ("paypal_9999" for
# "card_6046"), a variant's option ("color: red").
_STREET = re.compile(
    r"\b\d+ [A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)* (?:Street|St|Row|Road|Rd|Avenue|Ave|Lane|Ln"
    r"|Drive|Dr|Way|Boulevard|Blvd|Court|Ct|Place|Pl)\b"
)
_METHOD_ID = re.compile(r"\b[a-z]+_\d{3,}\b", re.IGNORECASE)
_OPTION = re.compile(r"\b([a-z]+):\s*([^,.;:()]+?)\s*(?=[,.;)]|$|\s(?:for|in|and|with|instead)\b)")


def _options(text: str) -> list[tuple[str, str]]:
    return [(k, " ".join(v.split())) for k, v in _OPTION.findall(text.lower())]


def contradicted(
    text: str, known: dict[str, str], asked: list[dict[str, Any]] | None = None
) -> str | None:
    """The known fact an agent's proposal states otherwise, where no id's shape tells
    (:func:`misstated`): only some of a list ("the lamp" for "the lamp and the speaker"),
    another value of one of a variant's options, another street, another payment method's id.
    Values the user knows or the writes it asked for carry (``asked``) are no contradiction.

    >>> known = {"wanted variant": "capacity: 30 l, color: black", "pay with": "my card_6046",
    ...     "items": "Desk Lamp and Speaker", "new address": "5 Lighthouse Row, Linden"}
    >>> [contradicted(t, known) for t in ("Exchange for capacity: 40 l, color: red?",
    ...     "Charge it to paypal_9999?", "Return the Desk Lamp?", "Move to 9 Other Street?",
    ...     "Return the Desk Lamp and Speaker to 5 Lighthouse Row, Linden with card_6046?")]
    ['wanted variant', 'pay with', 'items', 'new address', None]
    """
    values = "; ".join(str(v).lower() for v in known.values())
    values += "; " + "; ".join(str(v).lower() for args in asked or () for v in args.values())
    options = _options(values)
    # a fact the proposal leaves out is the one it states otherwise; a "current" one last
    for key in sorted(known, key=lambda k: "current" in k.lower()):
        value = str(known[key])
        if not value.strip() or says(text, value):
            continue
        if re.search(r"\band\b", value):
            parts = [p for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
            if any(says(text, p) for p in parts):
                return key  # some of the list, not all
        mine = {k for k, _ in _options(value)}
        if any(k in mine and (k, v) not in options for k, v in _options(text)):
            return key
        for rival in (_STREET, _METHOD_ID):
            if rival.search(value) and any(
                m.group().lower() not in values for m in rival.finditer(text)
            ):
                return key
    return None


def another_record(text: str, known: dict[str, str], asked: list[dict[str, Any]]) -> bool:
    """Whether a proposal that says the user's id also names another of its shape that neither
    the user nor the writes it asked for name ("cancel #W1000075 and #W1000076 too").

    >>> another_record("Cancel #W1000075 and #W1000076?", {"order id": "#W1000075"}, [])
    True
    """
    values = [str(v).lower() for v in known.values()]
    values += [str(v).lower() for args in asked for v in args.values()]
    return any(
        len(str(value)) >= 4
        and any(c.isdigit() for c in str(value))
        and not _NOT_AN_ID.fullmatch(str(value).strip())
        and says(text, str(value))
        and any(
            not any(m.group().lower() in v for v in values)
            for m in _shape(str(value)).finditer(text)
        )
        for value in known.values()
    )


# Actions a proposal may name that the user's request or the task's writes must name too
# ("... and also delete your account").
_ACTIONS = ("cancel", "return", "exchange", "delete")


def other_action(text: str, request: str, tools: list[str]) -> bool:
    """Whether a proposal names an action (:data:`_ACTIONS`) that neither the user's request
    nor the name of a write the task asks for names.

    >>> other_action("Cancel #W1 and delete your account?", "Cancel #W1.", ["cancel_order"])
    True
    >>> other_action("Shall I cancel #W1?", "I don't need #W1.", ["cancel_order"])
    False
    """
    said, wanted = text.lower(), (request + " " + " ".join(tools)).lower()
    return any(re.search(rf"\b{a}", said) and a not in wanted for a in _ACTIONS)


def _facts_in(args: dict[str, Any], known: dict[str, str]) -> list[str]:
    """The known facts a write's arguments carry whole (the appointment id, the cancellation
    reason), but not a date, a time or an amount, which an agent may say in other words."""
    values = {str(v).strip().lower() for v in args.values() if isinstance(v, (str, int, float))}
    return [
        key
        for key, fact in known.items()
        if str(fact).strip()
        and (str(fact).strip().lower() in values or _carries_part(str(fact).lower(), values))
        and not _NOT_AN_ID.fullmatch(str(fact).strip())
    ]


def _carries_part(fact: str, values: set[str]) -> bool:
    """Whether a write carries part of a fact: the street of a new address, the id of a payment
    method the user names in words ("my credit_card (card_6046)")."""
    return any(
        len(v) >= 4
        and not _NOT_AN_ID.fullmatch(v)
        and re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", fact)
        for v in values
    )


def unrequested(
    text: str, known: dict[str, str], writes: list[dict[str, Any]]
) -> tuple[list[str], bool] | None:
    """Whether an agent's proposal is none of the writes the user asked for (``writes``: the
    arguments of the task's gold writes): None when it says every known fact one of them
    carries (or one carries none, or the task makes no write: the user cannot tell); otherwise
    the facts the closest write carries that the proposal leaves out, and whether it says any
    of that write's facts (a wrong cancellation reason) or none (a bare "Do you confirm?",
    another action).

    >>> known = {"appointment id": "apt_1", "reason": "found another doctor"}
    >>> write = [{"appointment_id": "apt_1", "reason": "found another doctor"}]
    >>> unrequested("Cancel apt_1, reason found another doctor? (yes/no)", known, write) is None
    True
    >>> unrequested("Cancel apt_1, reason feeling better? (yes/no)", known, write)
    (['reason'], True)
    >>> unrequested("Shall I delete your record? (yes/no)", known, write)
    (['appointment id', 'reason'], False)
    """
    lowered = " ".join(text.lower().split())
    closest: tuple[list[str], bool] | None = None
    for args in writes:
        facts = _facts_in(args, known)
        missing = [k for k in facts if not says(lowered, known[k])]
        if not missing:
            return None
        if closest is None or len(missing) < len(closest[0]):
            closest = (missing, len(missing) < len(facts))
    return closest


# The words that state a switch's value ("turn roaming on", "disable the alerts"), and those a
# proposal states the other value with: not "on", which a proposal of either says ("based on",
# "on line L-101"); a request's "on" is only believed without a word of "off" beside it.
_SWITCH_WORDS = {
    True: frozenset({"on", "enable", "enabled", "activate", "activated"}),
    False: frozenset({"off", "disable", "disabled", "deactivate", "deactivated"}),
}
_OTHER_VALUE_WORDS = {True: _SWITCH_WORDS[False], False: _SWITCH_WORDS[True] - {"on"}}


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def switched(text: str, request: str, writes: list[dict[str, Any]]) -> bool:
    """Whether an agent's proposal states the other value of a true-or-false argument whose
    value the user's request states (``writes``: the arguments of the task's gold writes), as a
    known fact a write carries is checked (:func:`unrequested`): "turn roaming off" proposed
    to "please turn roaming on". False where some write has no such argument, or the request
    states none (the user cannot tell).

    >>> write = [{"line_id": "L-1", "enabled": True}]
    >>> switched("I'll turn roaming OFF for L-1. Confirm?", "Turn roaming on for L-1.", write)
    True
    >>> switched("I'll turn roaming on for L-1. Confirm?", "Turn roaming on for L-1.", write)
    False
    >>> switched("I'll disable roaming. Confirm?", "Roaming for L-1, please.", write)
    False
    """
    said, asked = _words(text), _words(request)
    stated = False
    for args in writes:
        values = {v for v in args.values() if isinstance(v, bool)}
        told = [v for v in values if asked & _SWITCH_WORDS[v] and not asked & _SWITCH_WORDS[not v]]
        if not told:
            return False
        stated = True
        if not any(said & (_OTHER_VALUE_WORDS[v] - asked) for v in told):
            return False  # this write's values as the request says them
    return stated


@dataclass
class ScriptedUserState:
    asked: dict[str, int] = field(default_factory=dict)
    mind_changed: bool = False
    forbidden_asked: bool = False
    unanswered: int = 0  # agent turns in a row the user could answer nothing of


def _gold_writes(episode: Any) -> list[dict[str, Any]]:
    """The arguments of the task's gold writes: what the user asked to be done."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    return [
        step.get("args", {})
        for step in episode.task.get("gold", [])
        if step.get("tool") and getattr(tools.get(step["tool"]), "writes", False)
    ]


def _gold_tools(episode: Any) -> list[str]:
    """The names of the task's gold writes."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    return [
        step["tool"]
        for step in episode.task.get("gold", [])
        if step.get("tool") and getattr(tools.get(step["tool"]), "writes", False)
    ]


class ScriptedUser:
    """Answers from the scenario's known info, withholds the unknown, follows its behaviour."""

    name = "scripted"

    def __init__(
        self,
        stop_marker: str = "###STOP###",
        seed: int = 0,
        pools: dict[str, list[str]] | None = None,
    ):
        self.stop_marker = stop_marker
        self.seed = seed
        self.pools = pools_with(pools)

    def respond(self, episodes: list[Any]) -> list[str]:
        return [self._respond(e) for e in episodes]

    def _respond(self, episode: Any) -> str:
        if episode.user_state is None:
            episode.user_state = ScriptedUserState()
        state: ScriptedUserState = episode.user_state
        scenario = episode.task.get("user", {})
        rng = random.Random(
            f"u{self.seed}:{episode.task['id']}:{episode.trial}:{len(episode.env.messages)}"
        )
        messages = episode.env.messages
        if not any(m["role"] == "user" for m in messages):
            reason = scenario.get("reason") or "Hi, I need some help."
            return rng.choice(self.pools["user_opening"]).format(reason=reason)
        said = last_said(messages, "assistant") or ""
        change = scenario.get("change_mind")
        name, _, first = (change or "").partition("=")
        known: dict[str, str] = scenario.get("known", {})
        if state.mind_changed:  # the facts stated with the first value now hold the new one
            now = str(episode.task["params"].get(name.strip()))
            known = {k: now if str(v).strip() == first.strip() else v for k, v in known.items()}
        if change and not any(spoken(k) == spoken(name.strip()) for k in known):
            # the value the user changes its mind about is a fact it knows, when it is asked
            value = episode.task["params"].get(name.strip()) if state.mind_changed else first
            known = known | {spoken(name.strip()): str(value).strip()}
        if _LOOKUP_OFFER.search(requests(said)):  # "Would you like me to look up your order?"
            state.unanswered = 0
            return "Yes, please."
        if asks_to_confirm(said, known):
            state.unanswered = 0
            writes = _gold_writes(episode)
            wrong = misstated(said, known, writes) or contradicted(said, known, writes)
            if wrong is not None:
                return CORRECTION.format(what=spoken(wrong), value=known[wrong])
            if writes and (
                another_record(said, known, writes)
                or other_action(said, scenario.get("reason", ""), _gold_tools(episode))
            ):
                return NOT_ASKED
            # a change of mind from the value the agent proposes, never from one it did not
            if change and not state.mind_changed and says(said, first.strip()):
                state.mind_changed = True
                value = episode.task["params"].get(name.strip())
                return (
                    f"Actually, I changed my mind: I want the {spoken(name.strip())} to be "
                    f"{value} instead."
                )
            # only a proposal of what the user asked for, with its values, is confirmed
            gap = unrequested(said, known, _gold_writes(episode))
            if gap is not None and gap[1]:
                return CORRECTION.format(what=spoken(gap[0][0]), value=known[gap[0][0]])
            if gap is not None or switched(said, scenario.get("reason", ""), _gold_writes(episode)):
                return NOT_ASKED
            return rng.choice(
                self.pools["user_yes" if scenario.get("confirm", True) else "user_no"]
            )
        answers: list[str] = []
        asked = requests(said)
        matched = [key for key in known if asks_for(key, asked)]
        if not matched and not any(asks_for(t, asked) for t in scenario.get("unknown", [])):
            if _IDENTITY.search(asked):  # "verify your identity", a name the user does not know
                matched = [key for key in _IDENTIFYING if key in known]
        for key in matched:
            value = known[key]
            state.asked[key] = state.asked.get(key, 0) + 1
            if key in scenario.get("reveal_late", []) and state.asked[key] == 1:
                answers.append(USER_LATER.format(what=spoken(key)))
            else:
                answers.append(f"My {spoken(key)} is {value}.")
        # "payment method for any price difference" asks for a known fact, not for the price
        asked_about = asked
        for key in known:
            asked_about = asked_about.replace(spoken(key).lower(), "").replace(key.lower(), "")
        for thing in scenario.get("unknown", []):
            # by its name, or in other words when no known fact was asked ("gift card number"
            # is the known gift card's, not the unknown gift card id's)
            if thing.lower() in asked_about or (not matched and asks_for(thing, asked_about)):
                answers.append(USER_UNKNOWN.format(what=thing))
        if answers:
            state.unanswered = 0
            return " ".join(answers)
        forbidden = scenario.get("forbidden_request")
        if forbidden and not state.forbidden_asked:
            state.forbidden_asked = True
            return forbidden_words(forbidden)
        # a greeting, narration or a question the user cannot place: the user restates its
        # request once; it ends the conversation at a closing, at a statement (the agent's
        # answer) or at a second such turn in a row
        lowered = said.lower()
        if (
            not state.unanswered
            and not _CLOSING.search(lowered)
            and (asked or _NARRATION.search(lowered))
        ):
            state.unanswered += 1
            reason = scenario.get("reason") or "I need some help."
            return reason if not asked else RESTATE.format(reason=reason)
        return f"{rng.choice(self.pools['user_done'])} {self.stop_marker}"
