"""The scripted user: plays a task's scenario.

It answers from the scenario's known facts, withholds the unknown ones and follows the
scenario's behaviour (confirming or declining, revealing a fact late, changing its mind, asking
for what the policy forbids), in plain English from small utterance pools
(:mod:`eigendsl.runtime.utterances`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.utterances import (
    CONFIRM_MARK,
    USER_LATER,
    USER_UNKNOWN,
    last_said,
    pools_with,
    spoken,
)


@dataclass
class ScriptedUserState:
    asked: dict[str, int] = field(default_factory=dict)
    mind_changed: bool = False
    forbidden_asked: bool = False


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
        agent = (last_said(messages, "assistant") or "").lower()
        if CONFIRM_MARK in agent or "confirm" in agent or "shall i proceed" in agent:
            change = scenario.get("change_mind")
            if change and not state.mind_changed:
                state.mind_changed = True
                name = change.partition("=")[0].strip()
                value = episode.task["params"].get(name)
                return (
                    f"Actually, I changed my mind: I want the {spoken(name)} to be {value} instead."
                )
            return rng.choice(
                self.pools["user_yes" if scenario.get("confirm", True) else "user_no"]
            )
        answers = []
        known: dict[str, str] = scenario.get("known", {})
        asking = "?" in agent  # a statement that names a fact ("your order id is...") asks nothing
        for key, value in known.items():
            if asking and (spoken(key) in agent or key in agent):
                state.asked[key] = state.asked.get(key, 0) + 1
                if key in scenario.get("reveal_late", []) and state.asked[key] == 1:
                    answers.append(USER_LATER.format(what=spoken(key)))
                else:
                    answers.append(f"My {spoken(key)} is {value}.")
        # "payment method for any price difference" asks for a known fact, not for the price
        asked_about = agent
        for key in known:
            asked_about = asked_about.replace(spoken(key).lower(), "").replace(key.lower(), "")
        for thing in scenario.get("unknown", []):
            if thing.lower() in asked_about and "?" in agent:
                answers.append(USER_UNKNOWN.format(what=thing))
        if answers:
            return " ".join(answers)
        forbidden = scenario.get("forbidden_request")
        if forbidden and not state.forbidden_asked:
            state.forbidden_asked = True
            return forbidden
        return f"{rng.choice(self.pools['user_done'])} {self.stop_marker}"
