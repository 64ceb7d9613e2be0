"""The scripted user: plays a task's scenario.

It answers what the agent asks for (in a question or a request, whatever surrounds it) from the
scenario's known facts, withholds the unknown ones and follows the scenario's behaviour
(confirming or declining, revealing a fact late, changing its mind, asking for what the policy
forbids), in plain English from small utterance pools (:mod:`eigendsl.runtime.utterances`).
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


# How an agent asks leave to act, in a question or a request: "Shall I go ahead?", "Would you
# like me to cancel it?", "Is that correct?" ("May I have your email?" asks for a fact).
_LEAVE = re.compile(
    r"\b(confirm|shall i|should i|do you want me to|would you like me to|want me to"
    r"|is (that|this) (correct|right|ok|okay)|go ahead|proceed|ok\?|okay\?)"
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
    return bool(_LEAVE.search(asked)) and not any(
        f"your {spoken(k).lower()}" in asked for k in known
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
    lowered = text.lower()
    values = [str(v).lower() for v in known.values()]
    values += [str(v).lower() for args in asked or () for v in args.values()]
    for key, value in known.items():
        value = str(value)
        if (
            len(value) < 4
            or not any(c.isdigit() for c in value)
            or _NOT_AN_ID.fullmatch(value.strip())
            or value.lower() in lowered
        ):
            continue
        if any(
            not any(m.group().lower() in v for v in values) for m in _shape(value).finditer(text)
        ):
            return key
    return None


def _facts_in(args: dict[str, Any], known: dict[str, str]) -> list[str]:
    """The known facts a write's arguments carry whole (the appointment id, the cancellation
    reason), but not a date, a time or an amount, which an agent may say in other words."""
    values = {str(v).strip().lower() for v in args.values() if isinstance(v, (str, int, float))}
    return [
        key
        for key, fact in known.items()
        if str(fact).strip()
        and str(fact).strip().lower() in values
        and not _NOT_AN_ID.fullmatch(str(fact).strip())
    ]


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
        missing = [k for k in facts if " ".join(str(known[k]).lower().split()) not in lowered]
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


def _gold_writes(episode: Any) -> list[dict[str, Any]]:
    """The arguments of the task's gold writes: what the user asked to be done."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    return [
        step.get("args", {})
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
        if asks_to_confirm(said, known):
            wrong = misstated(said, known, _gold_writes(episode))
            if wrong is not None:
                return CORRECTION.format(what=spoken(wrong), value=known[wrong])
            # a change of mind from the value the agent proposes, never from one it did not
            if change and not state.mind_changed and first.strip().lower() in said.lower():
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
        answers = []
        asked = requests(said)
        for key, value in known.items():
            if spoken(key).lower() in asked or key.lower() in asked:  # asked is lower-cased
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
            if thing.lower() in asked_about:
                answers.append(USER_UNKNOWN.format(what=thing))
        if answers:
            return " ".join(answers)
        forbidden = scenario.get("forbidden_request")
        if forbidden and not state.forbidden_asked:
            state.forbidden_asked = True
            return forbidden_words(forbidden)
        return f"{rng.choice(self.pools['user_done'])} {self.stop_marker}"
