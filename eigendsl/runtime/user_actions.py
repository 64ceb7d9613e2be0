"""Which actions a proposal the scripted user is asked to confirm asks consent for
(:func:`proposed_actions`), and whether one of them is an action the user never asked for
(:func:`other_action`: "... and also delete your account")."""

from __future__ import annotations

import re

from eigendsl import support

# Actions a proposal may name that the user's request or the task's writes must name too
# ("... and also delete your account"), in any of their forms ("cancellation", "returning").
_ACTIONS = {
    "cancel": re.compile(r"\bcancel(?:s|led|ed|ling|ing|lations?)?\b"),
    "return": re.compile(r"\breturn(?:s|ed|ing)?\b"),
    "exchange": re.compile(r"\bexchang(?:e|es|ed|ing)\b"),
    "delete": re.compile(r"\bdelet(?:e|es|ed|ing|ion)\b"),
}
# The actions a proposal of an action describes as its parts: an exchange of a delivered item
# sends the original back ("1. Return: I10701 2. Send: I10705", "returning it within 30 days").
_PARTS = {"exchange": ("return",)}
# Where a sentence's clauses part: an alternative's "or" ("..., or would you rather return
# it?"), a parenthesis or a dash (an aside), a list item's colon ("Return: I10701").
_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\bor\b")
# In a clause, what follows the action not taken ("exchange it instead of returning it").
_NOT_TAKEN = re.compile(r"\b(?:instead of|rather than)\b")
# A clause that asks no consent for the action it names: an alternative the agent offers ("If
# you'd prefer, I could instead cancel", "would you rather return it"), a step the user may take
# itself ("you'd need to request an exchange", "you can return it within 30 days").
_ASIDE = re.compile(
    r"\b(?:instead|rather|prefer|alternatively|otherwise)\b"
    r"|\byou(?:'d| would| will)? (?:need|have) to\b|\byou (?:can|could|may|might)\b"
)
# Before an action's word, in its clause: a negation ("this won't cancel", "no need to return").
_NOT = re.compile(r"(?:\b(?:not|no|never|without|nothing)|n't)(?:\W+\w+){0,2}\W*$")


def proposed_actions(text: str) -> set[str]:
    """The actions (:data:`_ACTIONS`) a proposal asks consent for: those a clause of it names
    but not as an alternative, a step the user may take itself, the action not taken or negated.

    >>> sorted(proposed_actions("Shall I exchange I1 for I5? (If you'd prefer, I could instead "
    ...     "cancel the order.) This won't delete anything. You can return it later."))
    ['exchange']
    >>> sorted(proposed_actions("I'll cancel #W1, or also delete your account. Ok?"))
    ['cancel', 'delete']
    >>> sorted(proposed_actions("I'll delete your account rather than cancel #W1. Ok?"))
    ['delete']
    """
    found = set()
    for sentence in support.sentences(text.lower()):
        for clause in _CLAUSE_BREAK.split(sentence):
            clause = _NOT_TAKEN.split(clause)[0]
            if _ASIDE.search(clause):
                continue
            for action, word in _ACTIONS.items():
                if any(not _NOT.search(clause[: m.start()]) for m in word.finditer(clause)):
                    found.add(action)
    return found


def other_action(text: str, request: str, tools: list[str]) -> bool:
    """Whether a proposal asks consent for an action (:func:`proposed_actions`) that neither
    the user's request nor the name of a write the task asks for names, nor is a part of such
    an action the proposal asks consent for (an exchange's return of the original).

    >>> other_action("Cancel #W1 and delete your account?", "Cancel #W1.", ["cancel_order"])
    True
    >>> other_action("Shall I cancel #W1?", "I don't need #W1.", ["cancel_order"])
    False
    >>> other_action("I'll exchange I1 for I5: 1. Return: I1 2. Send: I5. Ok?", "", ["exchange"])
    False
    >>> other_action("Shall I return I1 for a refund?", "Exchange I1.", ["exchange"])
    True
    """
    wanted = (request + " " + " ".join(tools)).lower()
    proposed = proposed_actions(text)
    allowed = {a for a in _ACTIONS if a in wanted}
    allowed |= {part for a in allowed & proposed for part in _PARTS.get(a, ())}
    return bool(proposed - allowed)
