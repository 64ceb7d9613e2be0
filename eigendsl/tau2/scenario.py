"""A tau2 task's user scenario as the scripted user plays it: the facts its free-text
``known_info`` states, what ``unknown_info`` withholds, and the customer's first message.

tau2 writes these as instructions to an LLM user simulator, in the second person ("You are
Yusuf Rossi in zip code 19122."). The scripted user answers an agent's question with a known
fact whose name the question says ("your name and zip code?"), so the sentence is split into
such facts; a sentence none can be read from stays one fact, ``known_info``, as before.

>>> known_facts("You are Yusuf Rossi in zip code 19122.")
{'name': 'Yusuf Rossi', 'zip code': '19122'}
>>> unknown_things("You do not remember your email address.")
['email']
>>> first_person("You received your order #W1 and you'd like a refund for your lamp.")
"I received my order #W1 and I'd like a refund for my lamp."
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# tau2 retail's user ids: lower-case words and digits joined by "_" ("mei_kovacs_8020")
_USER_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)*_\d+\b")
# a US zip code: five digits alone, not inside an id, an email or a longer number
_ZIP = re.compile(r"(?<![\w.@-])\d{5}(?![\w@-])")
# how the sentences name the user: "You are Yusuf Rossi", "Your name is Mei Patel", "You name is
# Ivan Khan", "called Noah Patel"; a name is capitalised words ("You are an interesting guy" is
# none)
_NAME = re.compile(r"\b(?i:your? name is|you are|you're|called)\s+([A-Z][a-z]+(?: [A-Z][a-z]+)*)\b")


def known_facts(text: str) -> dict[str, str]:
    """The facts a tau2 ``known_info`` sentence states, named as an agent asks for them:
    ``name``, ``user id``, ``email`` (several joined by "or"), ``zip code``; empty when it
    states none of them.

    >>> known_facts("You are mia_garcia_4516 (mia.garcia2723@example.com).")
    {'user id': 'mia_garcia_4516', 'email': 'mia.garcia2723@example.com'}
    >>> known_facts("You are Ethan Garcia, and you live in Denver, 80280.")
    {'name': 'Ethan Garcia', 'zip code': '80280'}
    >>> known_facts("You are an interesting guy called Noah Patel, living in 10108.")
    {'name': 'Noah Patel', 'zip code': '10108'}
    >>> known_facts("You like tea.")
    {}
    """
    facts: dict[str, str] = {}
    if name := _NAME.search(text):
        facts["name"] = name.group(1)
    emails = _EMAIL.findall(text)
    rest = _EMAIL.sub(" ", text)
    if user_ids := _USER_ID.findall(rest):
        facts["user id"] = user_ids[0]
    if emails:
        facts["email"] = " or ".join(dict.fromkeys(emails))
    if zips := _ZIP.findall(_USER_ID.sub(" ", rest)):
        facts["zip code"] = zips[-1]
    return facts


# "You do not remember your email address", "You don't know your email", "You don't have an email"
_UNKNOWN = re.compile(
    r"\byou (?:do not|don't|cannot|can't) (?:remember|know|recall|have)\s+(?:your|an?|the)\s+"
    r"([a-z]+(?: (?:id|number|code|address))?)",
    re.IGNORECASE,
)


def unknown_things(text: str) -> list[str]:
    """What a tau2 ``unknown_info`` sentence says the user does not know, named as an agent asks
    for it (``email`` for "your email address"); empty when it says nothing such.

    >>> unknown_things("You don't have an email.")
    ['email']
    >>> unknown_things("You don't remember the order number.")
    ['order number']
    """
    things = []
    for match in _UNKNOWN.finditer(text):
        thing = match.group(1).lower()
        things.append("email" if thing.startswith("email") else thing)
    return list(dict.fromkeys(things))


# second person → first person, longest first; "you" as an object ("tell you") is rare in tau2's
# requests, which address the user simulator as the subject
_PERSON = [
    (r"you're", "I'm"),
    (r"you've", "I've"),
    (r"you'd", "I'd"),
    (r"you'll", "I'll"),
    (r"you are", "I am"),
    (r"you were", "I was"),
    (r"yourself", "myself"),
    (r"yours", "mine"),
    (r"your", "my"),
    (r"you", "I"),
]
_PERSON_WORD = re.compile(
    r"\b(" + "|".join(re.escape(src) for src, _ in _PERSON) + r")\b", re.IGNORECASE
)
# a sentence meant for the simulator, not said to the agent: its conditions ("If the agent
# asks..."), what to hide ("do not reveal it") and how to play ("Make sure you mention...")
_DIRECTIVE = re.compile(
    r"\b(agent|reveal|make sure|be insistent|mention|do not share|pretend)\b|^(if|when|ask)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(r",\s+(?:but\s+|and\s+)?(?:if|when)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def first_person(text: str) -> str:
    """``text`` in the first person: "you" is "I", "your" is "my"."""
    table = {src: dst for src, dst in _PERSON}

    def swap(match: re.Match[str]) -> str:
        word = match.group(1)
        said = table[word.lower()]
        return said[0].upper() + said[1:] if word[0].isupper() else said

    return _PERSON_WORD.sub(swap, text)


def opening(reason: str) -> str | None:
    """The customer's first message for a tau2 ``reason_for_call``: its sentences up to the
    first one meant for the simulator alone (a condition, something to hide), in the first
    person, without parenthesised asides; None when the first sentence is such a one.

    >>> opening("You want to return the lamp. If the agent asks why, say it broke.")
    'I want to return the lamp.'
    >>> opening("You want to cancel the grill, but if the agent asks, you keep it.")
    'I want to cancel the grill.'
    >>> opening("You just got into gaming and want to return the rest. (Do not reveal it.)")
    'I just got into gaming and want to return the rest.'
    """
    said: list[str] = []
    text = re.sub(r"\s*\([^()]*\)", "", " ".join(reason.split()).lstrip(". "))
    text = re.sub(r"([.!?])\.(?!\.)", r"\1", text)  # "it. (do not reveal it). Then" → "it. Then"
    for sentence in _SENTENCES.split(text):
        if not sentence.strip() or _DIRECTIVE.search(sentence.strip()):
            # a first sentence's request before its condition: "You want to cancel the grill,
            # but if the agent asks you to confirm, ..."
            clause = _CONDITION.split(sentence)[0].strip()
            if not said and clause != sentence.strip() and not _DIRECTIVE.search(clause):
                said.append(clause + ".")
            break
        said.append(sentence.strip())
    if not said:
        return None
    return first_person(" ".join(said))


__all__ = ["first_person", "known_facts", "opening", "unknown_things"]
