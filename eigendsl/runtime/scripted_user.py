"""The scripted user: plays a task's scenario.

It answers what the agent asks for (in a question or a request, whatever surrounds it, by a fact's
name or in other words: :mod:`~eigendsl.runtime.user_questions`) from the scenario's known facts,
restates its request after a greeting or a question it cannot place, withholds the unknown ones,
says so when a fact is asked again ("As I said, ...") and ends the conversation when one it gave
twice is asked once more (a looping agent plays no further), answers a proposal it rejected
again the same way, and follows the scenario's
behaviour (confirming or declining, revealing a fact late, changing its mind, asking for what the
policy forbids), in plain English from small utterance pools (:mod:`eigendsl.runtime.utterances`).
It says yes only to a proposal a yes to which the verifiers' ``confirmed`` would count
(:func:`~eigendsl.runtime.user_confirmable.unconfirmable`), and asks for any other again, as it
does a proposal that states an amount it cannot account for
(:func:`~eigendsl.runtime.user_amounts.wrong_amount`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.user_actions import other_action
from eigendsl.runtime.user_amounts import (
    WRONG_AMOUNT,
    WRONG_AMOUNT_AGAIN,
    said_amount,
    wrong_amount,
)
from eigendsl.runtime.user_confirmable import unconfirmable
from eigendsl.runtime.user_dates import misdated
from eigendsl.runtime.user_gold import (
    enum_choices,
    gold_calls,
    named_by_of,
    names_a_write,
    write_actions,
)
from eigendsl.runtime.user_proposals import (
    another_item,
    another_record,
    contradicted,
    misstated,
    stated_otherwise,
    switched,
    unrequested,
)
from eigendsl.runtime.user_questions import (
    CLOSING,
    IDENTIFYING,
    IDENTITY,
    LOOKUP_OFFER,
    NARRATION,
    RESTATE,
    asks_for,
    asks_to_confirm,
    requests,
    says,
)
from eigendsl.runtime.utterances import (
    CORRECTION,
    CORRECTION_AGAIN,
    NOT_ASKED,
    NOT_ASKED_AGAIN,
    UNCLEAR,
    UNCLEAR_AGAIN,
    USER_AGAIN,
    USER_LATER,
    USER_NO_AGAIN,
    USER_TIRED,
    USER_UNKNOWN,
    USER_UNKNOWN_AGAIN,
    forbidden_words,
    last_said,
    pools_with,
    spoken,
)


@dataclass
class ScriptedUserState:
    given: dict[str, int] = field(default_factory=dict)  # times each answer was given (_Answer)
    mind_changed: bool = False
    forbidden_asked: bool = False
    unanswered: int = 0  # agent turns in a row the user could answer nothing of
    amounts: dict[str, set[float]] = field(default_factory=dict)  # the gold's, read once


@dataclass(frozen=True)
class _Answer:
    """One answer of the user, as it says it each time the agent asks for it again: a known fact,
    an unknown one, a proposal it rejects. ``key`` counts its times in the state; ``texts`` are
    its words the first, the second... time; asked once more after the last, the user ends the
    conversation (:func:`_tired`), naming it as ``told`` does: a ``(kind, what)`` of
    :data:`_TOLD`."""

    key: str
    texts: tuple[str, ...]
    told: tuple[str, str]


# How the user names the answers it gave twice when it ends the conversation, by kind.
_TOLD = {
    "fact": "given you my {what} twice",
    "unknown": "told you twice that I don't know my {what}",
    "rejected": "told you twice that {what}",
}


def _before_its_change(
    said: str, known: dict[str, str], state: ScriptedUserState, change: str | None, episode: Any
) -> str | None:
    """The known fact a proposal states otherwise before the user changed its mind (``change``,
    the scenario's ``name=first value``): it says the value the user will change its mind to,
    which the user has not said yet, and not the first value, which ``known`` holds. An agent that
    proposes the other value at once (of a cancellation's two reasons) did not listen to the
    user: it is corrected with the first value ("No, that's not right: my reason is no longer
    needed."), until the user changes its mind."""
    if not change or state.mind_changed:
        return None
    name, _, first = (part.strip() for part in change.partition("="))
    value = str(episode.task["params"].get(name, "")).strip()
    key = next((k for k in known if spoken(k) == spoken(name)), None)
    if key is None or not value or value == first or says(said, first) or not says(said, value):
        return None
    return key


def _tired(answers: list[_Answer]) -> str:
    """Why the user ends a conversation that asks it once more for ``answers``, each given twice:
    facts it gave, facts it does not know, a proposal it rejected.

    >>> _tired([_Answer("email", (), ("fact", "email")), _Answer("zip", (), ("fact", "zip code"))])
    "I've already given you my email and zip code twice, so I'll end the conversation here."
    >>> _tired([_Answer("no", (), ("rejected", "my new day is 2025-06-18"))])
    "I've already told you twice that my new day is 2025-06-18, so I'll end the conversation here."
    """
    what = [
        template.format(what=" and ".join(a.told[1] for a in answers if a.told[0] == kind))
        for kind, template in _TOLD.items()
        if any(a.told[0] == kind for a in answers)
    ]
    return USER_TIRED.format(what=" and ".join(what))


def _rejection(kind: str, first: str, again: str, told: str) -> _Answer:
    """A rejection of a proposal, counted by ``kind`` whatever the proposal's words: an agent
    that proposes again what the user rejected hears "As I said, ..." and, the third time, the
    end of the conversation."""
    return _Answer(f"rejected:{kind}", (first, again), ("rejected", told))


def _corrected(key: str, known: dict[str, str]) -> _Answer:
    """The correction of a proposal that states the known fact ``key`` otherwise."""
    what, value = spoken(key), known[key]
    return _rejection(
        f"correction:{key}",
        CORRECTION.format(what=what, value=value),
        CORRECTION_AGAIN.format(what=what, value=value),
        f"my {what} is {value}",
    )


# A proposal that leaves out a known value the write carries (the order id of a return that
# names the items and the gift card): the user asks for it, and says it, rather than corrects a
# value the agent never stated ("No, that's not right: my order id is ...").
LEFT_OUT = "Which {thing} do you mean? Please name it (my {what} is {value}), then ask me again."
LEFT_OUT_AGAIN = "As I said, please name the {thing} (my {what} is {value}), then ask me again."


def _left_out(key: str, known: dict[str, str]) -> _Answer:
    """The question for the known fact ``key`` that a proposal leaves out.

    >>> _left_out("order id", {"order id": "#W1"}).texts[0]
    'Which order do you mean? Please name it (my order id is #W1), then ask me again.'
    """
    what, value = spoken(key), known[key]
    thing = re.sub(r"\s+(?:id|number|code)$", "", what) or what
    return _rejection(
        f"left out:{key}",
        LEFT_OUT.format(thing=thing, what=what, value=value),
        LEFT_OUT_AGAIN.format(thing=thing, what=what, value=value),
        f"my {what} is {value}",
    )


_NOT_ASKED = _rejection("not asked", NOT_ASKED, NOT_ASKED_AGAIN, "that's not what I asked for")


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

    def _answer(self, state: ScriptedUserState, answers: list[_Answer]) -> str:
        """The user's words for ``answers``, each as the times it was given before say, or the
        end of the conversation where one of them was given as many times as it has words: an
        agent that loops (on a question, on a proposal) would otherwise play on to the turn
        limit."""
        tired = [a for a in answers if state.given.get(a.key, 0) >= len(a.texts)]
        if tired:
            return f"{_tired(tired)} {self.stop_marker}"
        words = []
        for answer in answers:
            times = state.given.get(answer.key, 0)
            state.given[answer.key] = times + 1
            words.append(answer.texts[times])
        return " ".join(words)

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
        # "Would you like me to look up your order?" gets a yes; an offer that names a write too
        # ("check whether I can cancel order #W1") is a proposal, and its checks below read it
        if LOOKUP_OFFER.search(requests(said)) and not names_a_write(said, episode):
            state.unanswered = 0
            return "Yes, please."
        if asks_to_confirm(said, known, write_actions(episode)):
            state.unanswered = 0
            calls = gold_calls(episode)  # the task's gold writes, read once for the checks below
            writes = [args for _, args in calls]
            # another record beside the user's one: its day or its item is no mistake about the
            # user's, and the user did not ask for it
            if writes and another_record(said, known, writes):
                return self._answer(state, [_NOT_ASKED])
            wrong = (
                misstated(said, known, writes)
                or misdated(said, known, writes)
                or contradicted(said, known, writes)
                or _before_its_change(said, known, state, change, episode)
            )
            if wrong is not None:
                return self._answer(state, [_corrected(wrong, known)])
            if writes and other_action(
                said, scenario.get("reason", ""), [tool for tool, _ in calls]
            ):
                return self._answer(state, [_NOT_ASKED])
            # another item of the order than those the user asked for ("... and the Backpack")
            named_by = named_by_of(episode)
            if another_item(said, calls, named_by, getattr(episode.env, "db", {})):
                return self._answer(state, [_NOT_ASKED])
            # a change of mind from the value the agent proposes, never from one it did not
            if change and not state.mind_changed and says(said, first.strip()):
                state.mind_changed = True
                value = episode.task["params"].get(name.strip())
                return (
                    f"Actually, I changed my mind: I want the {spoken(name.strip())} to be "
                    f"{value} instead."
                )
            # only a proposal of what the user asked for, with its values, is confirmed
            gap = unrequested(said, known, writes)
            if gap is not None and gap[1]:
                key = gap[0][0]  # a value left out is asked for; one stated otherwise corrected
                if not stated_otherwise(said, known[key], enum_choices(episode, known[key])):
                    return self._answer(state, [_left_out(key, known)])
                return self._answer(state, [_corrected(key, known)])
            if gap is not None or switched(said, scenario.get("reason", ""), writes):
                return self._answer(state, [_NOT_ASKED])
            if not scenario.get("confirm", True):
                no = rng.choice(self.pools["user_no"])
                return self._answer(
                    state, [_rejection("no", no, USER_NO_AGAIN, "I don't want that")]
                )
            # an amount the user cannot account for (a refund the gold writes do not move)
            amount = wrong_amount(said, episode, state.amounts)
            if amount is not None:
                what = said_amount(amount)
                return self._answer(
                    state,
                    [
                        _rejection(
                            "amount",
                            WRONG_AMOUNT.format(amount=what),
                            WRONG_AMOUNT_AGAIN.format(amount=what),
                            f"{what} doesn't look right",
                        )
                    ],
                )
            # a yes only where the verifiers' confirmed() would count it: a garbled proposal,
            # one without the write's verb or with another value the user cannot know (an item
            # id) is asked again
            trace = getattr(episode.env, "trace", None)
            domain = getattr(episode.env, "domain", None)
            words = getattr(domain, "confirm_words", None)
            unclear = None
            if trace is not None and words is not None:  # where a verifier reads the yes
                unclear = unconfirmable(trace, calls, words, named_by)
            if unclear is not None:
                return self._answer(
                    state,
                    [
                        _rejection(
                            "unclear",
                            UNCLEAR.format(what=unclear),
                            UNCLEAR_AGAIN.format(what=unclear),
                            "I can't tell what to confirm",
                        )
                    ],
                )
            return rng.choice(self.pools["user_yes"])
        asked = requests(said)
        matched = [key for key in known if asks_for(key, asked)]
        if not matched and not any(asks_for(t, asked) for t in scenario.get("unknown", [])):
            if IDENTITY.search(asked):  # "verify your identity", a name the user does not know
                matched = [key for key in IDENTIFYING if key in known]
        # "payment method for any price difference" asks for a known fact, not for the price
        asked_about = asked
        for key in known:
            asked_about = asked_about.replace(spoken(key).lower(), "").replace(key.lower(), "")
        # by its name, or in other words when no known fact was asked ("gift card number" is the
        # known gift card's, not the unknown gift card id's)
        unknown = [
            thing
            for thing in scenario.get("unknown", [])
            if thing.lower() in asked_about or (not matched and asks_for(thing, asked_about))
        ]
        # a fact given twice (a late one's first ask gave nothing) and asked for again ends the
        # conversation
        late = scenario.get("reveal_late", [])
        answers = [
            _Answer(
                f"fact:{key}",
                (USER_LATER.format(what=spoken(key)),) * (key in late)
                + (
                    f"My {spoken(key)} is {known[key]}.",
                    USER_AGAIN.format(what=spoken(key), value=known[key]),
                ),
                ("fact", spoken(key)),
            )
            for key in matched
        ] + [
            _Answer(
                f"unknown:{thing}",
                (USER_UNKNOWN.format(what=thing), USER_UNKNOWN_AGAIN.format(what=thing)),
                ("unknown", thing),
            )
            for thing in unknown
        ]
        if answers:
            state.unanswered = 0
            return self._answer(state, answers)
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
            and not CLOSING.search(lowered)
            and (asked or NARRATION.search(lowered))
        ):
            state.unanswered += 1
            reason = scenario.get("reason") or "I need some help."
            return reason if not asked else RESTATE.format(reason=reason)
        return f"{rng.choice(self.pools['user_done'])} {self.stop_marker}"
