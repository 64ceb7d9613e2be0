"""The scripted agent: plays a task's gold plan.

It speaks plain English from small utterance pools (:mod:`eigendsl.runtime.utterances`), so its
dialogues read like real ones and can be used as training data. The agent asks the user for what
the gold plan needs and the user knows, asks for explicit confirmation before every write, and
can make realistic mistakes on purpose, or recover from a refused write
(:mod:`eigendsl.runtime.mistakes`).

Before an id it copies from a lookup (a product id, an ordered item, the variant wanted), the
agent names the record it came from in the user's own words (:func:`id_notes`), in the lookup's
turn and in its proposal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.environment import encode_result
from eigendsl.runtime.mistakes import BEHAVIOURS, RECOVER, wrong_argument, wrong_id
from eigendsl.runtime.turns import AgentTurn
from eigendsl.runtime.utterances import (
    CLOSING,
    DECLINED,
    REFUSAL,
    forbidden_words,
    is_closing,
    last_said,
    lookup_note,
    pools_with,
    spoken,
)
from eigendsl.support import reply_answer


def describe_call(tool: str, args: dict[str, Any], notes: dict[str, str] | None = None) -> str:
    """``call TOOL with ARG VALUE, ...``; an argument with a note (what the user called the
    records its ids name, see :func:`id_notes`) has it in parentheses before the value.

    >>> describe_call(
    ...     "exchange", {"item_ids": ["I1"], "order_id": "#W1"}, {"item_ids": "Mug, color: red"}
    ... )
    "call exchange with item ids (Mug, color: red) ['I1'], order id #W1"
    """
    notes = notes or {}
    details = ", ".join(
        f"{spoken(k)} ({notes[k]}) {v}" if k in notes else f"{spoken(k)} {v}"
        for k, v in args.items()
    )
    return f"call {tool} with {details}" if details else f"call {tool}"


def id_notes(args: dict[str, Any], calls: list[Any], said: str) -> dict[str, str]:
    """For each argument whose ids the user never said but a lookup returned: the words the user
    said of the records holding them in the first lookup that returned them (``said`` is the
    user's text), in the records' order.

    An agent that names the item ("the keyboard, layout: US") right before its id copies the id
    from the record with those words, as a small model learns to; one that writes the bare id
    must find the record from the user's words several turns back.

    >>> class Call: writes, error, result = False, None, {"items": [
    ...     {"name": "Mug", "item_id": "I1", "options": {"color": "red"}},
    ...     {"name": "Pen", "item_id": "I2"}]}
    >>> id_notes({"item_ids": ["I1"], "order_id": "#W1"}, [Call()], "My Mug from #W1, color: red.")
    {'item_ids': 'Mug, color: red'}
    """
    notes = {}
    for key, value in args.items():
        words: list[str] = []
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, str) or not v or v in said:
                continue
            source = first_lookup_with(calls, [v])
            record = _holder(source.result, v) if source is not None else None
            for word in _said_words(record, v, said) if record is not None else []:
                if word not in words:
                    words.append(word)
        if words:
            notes[key] = ", ".join(words)
    return notes


def first_lookup_with(calls: list[Any], values: list[str]) -> Any:
    """The first lookup that ran and whose result holds one of ``values``: where an agent took
    an id from (None when none did: the user said it)."""
    return next(
        (
            c
            for c in calls
            if not c.writes
            and c.error is None
            and any(v in encode_result(c.result) for v in values)
        ),
        None,
    )


def _holder(node: Any, value: str, siblings: int = 1) -> dict[str, Any] | None:
    """The innermost mapping in ``node`` with ``value`` as one of its fields' values, when it is
    one of several records (a list's element, a value among others): alone, it needs no words
    to be told apart."""
    if isinstance(node, dict):
        for child in node.values():
            found = _holder(child, value, len(node))
            if found is not None:
                return found
        return node if siblings > 1 and value in node.values() else None
    if isinstance(node, list):
        return next(
            (r for r in (_holder(x, value, len(node)) for x in node) if r is not None), None
        )
    return None


def _said_words(record: dict[str, Any], value: str, said: str) -> list[str]:
    """The record's text values the user said (nested ones as ``key: value``), not ``value``."""
    words = []
    for field_value in record.values():
        if isinstance(field_value, dict):
            words += [
                f"{k}: {v}"
                for k, v in field_value.items()
                if isinstance(v, str) and f"{k}: {v}" in said
            ]
        elif (
            isinstance(field_value, str)
            and field_value != value
            and len(field_value) > 2
            and field_value in said
        ):
            words.append(field_value)
    return words


@dataclass
class ScriptedAgentState:
    step: int = 0
    awaiting: str | None = None  # "info" or "confirm"
    asked: dict[str, int] = field(default_factory=dict)
    writes_declined: bool = False
    confirmed_step: int = -1
    proposed_args: dict[str, Any] | None = None
    mind_changed: bool = False
    mistake_done: bool = False
    recovering: bool = (
        False  # recover: the write at `step` went out with a wrong id, its result is due
    )
    finished: bool = False
    pending: list[str] = field(default_factory=list)  # gold `say` text not spoken yet


class ScriptedAgent:
    """Plays the gold plan of each episode's task."""

    name = "scripted"

    def __init__(
        self,
        mistakes: tuple[str, ...] = (),
        seed: int = 0,
        pools: dict[str, list[str]] | None = None,
    ):
        unknown = [m for m in mistakes if m not in BEHAVIOURS]
        if unknown:
            from eigendsl.errors import EigenError

            raise EigenError(f"unknown mistake '{unknown[0]}'; choose from {', '.join(BEHAVIOURS)}")
        self.mistakes = tuple(mistakes)
        self.seed = seed
        self.pools = pools_with(pools)

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        return [self._act(e) for e in episodes]

    # ------------------------------------------------------------------

    def _state(self, episode: Any) -> ScriptedAgentState:
        if episode.agent_state is None:
            episode.agent_state = ScriptedAgentState()
        return episode.agent_state

    def _act(self, episode: Any) -> AgentTurn:
        state = self._state(episode)
        task, env = episode.task, episode.env
        rng = random.Random(f"{self.seed}:{task['id']}:{episode.trial}:{len(env.messages)}")
        gold = task.get("gold", [])
        last_user = last_said(env.messages, "user")
        if state.finished:
            return AgentTurn(
                content=REFUSAL if last_user and not is_closing(last_user) else CLOSING
            )
        if state.awaiting == "confirm":
            state.awaiting = None
            answer = (last_user or "").lower()
            change = task.get("user", {}).get("change_mind")
            if change and not state.mind_changed and "changed my mind" in answer:
                state.mind_changed = True
                return self._propose(gold[state.step], rng, state, episode, use_gold=True)
            # a yes in other words ("Sure, go ahead") too, as the verifiers' confirmed() reads it
            if answer.startswith("yes") or " yes" in answer or reply_answer(answer) == "yes":
                state.confirmed_step = state.step
            else:
                state.writes_declined = True
                written = state.step
                state.step = len(gold)
                state.finished = True
                return AgentTurn(content=self._declined(task, gold[written + 1 :]))
        state.awaiting = None
        if state.recovering:
            turn = self._recover(state, env, gold[state.step]["args"])
            if turn is not None:
                return turn
        say_parts = state.pending
        while state.step < len(gold):
            step = gold[state.step]
            if "say" in step:
                say_parts.append(step["say"])
                state.step += 1
                if _answered_by_request(task, env.messages, gold[state.step :]):
                    return AgentTurn(content=self._speak(state, ""))
                continue
            tool = env.domain.tools.get(step["tool"])
            writes = bool(tool and tool.writes)
            if not writes and "missing_lookup" in self.mistakes and not state.mistake_done:
                state.mistake_done = True
                state.step += 1
                continue
            if not writes and any(
                c.tool == step["tool"] and c.args == step["args"] and c.error is None
                for c in env.trace.calls
            ):
                state.step += 1  # looked up already in this conversation
                continue
            needed = self._needed_info(step, episode, writes)
            if needed:
                for key in needed:
                    state.asked[key] = state.asked.get(key, 0) + 1
                state.awaiting = "info"
                what = " and ".join(spoken(k) for k in needed)
                return AgentTurn(
                    content=self._speak(state, rng.choice(self.pools["ask_info"]).format(what=what))
                )
            if (
                writes
                and state.confirmed_step != state.step
                and "skip_confirmation" not in self.mistakes
            ):
                return self._propose(step, rng, state, episode)
            args = dict(step["args"])
            if writes and "wrong_argument" in self.mistakes and not state.mistake_done:
                state.mistake_done = True
                args = wrong_argument(args, env.domain, rng)
            if writes and RECOVER in self.mistakes and not state.mistake_done:
                state.mistake_done = state.recovering = True
                return AgentTurn(
                    tool_calls=[
                        {"name": step["tool"], "arguments": wrong_id(args, env.domain, rng)}
                    ]
                )
            state.step += 1
            notes = {} if writes else id_notes(args, env.trace.calls, _user_text(env.messages))
            content = lookup_note("; ".join(notes.values())) if notes else None
            if state.pending:  # gold `say` text written before this call is said before it
                content = self._speak(state, content or "")
            return AgentTurn(
                content=content, tool_calls=[{"name": step["tool"], "arguments": args}]
            )
        state.finished = True
        if say_parts:
            return AgentTurn(content=self._speak(state, ""))
        return AgentTurn(content="All done. " + CLOSING)

    @staticmethod
    def _recover(state: ScriptedAgentState, env: Any, right: dict[str, Any]) -> AgentTurn | None:
        """After the write sent with a wrong id: if the tool refused it, read again where the right
        id came from (the first lookup whose result has an id the refused call lacked: an ordered
        item from the order, not from its product's list of variants), and the next turn writes
        again, right (at once when no lookup gave it: the user said it); if it went through, go on
        (the dialogue then fails its checks)."""
        state.recovering = False
        if env.trace.calls and env.trace.calls[-1].error is None:
            state.step += 1
            return None
        sent = _flat(env.trace.calls[-1].args)
        values = [v for v in _flat(right) if v not in sent]  # the right ids the refused call lacked
        call = first_lookup_with(env.trace.calls, values)
        if call is not None:
            return AgentTurn(tool_calls=[{"name": call.tool, "arguments": dict(call.args)}])
        state.step += 1
        return AgentTurn(tool_calls=[{"name": env.trace.calls[-1].tool, "arguments": dict(right)}])

    @staticmethod
    def _declined(task: dict[str, Any], after: list[dict[str, Any]]) -> str:
        """What the agent says to a write declined: a template whose user declines (``confirm:
        false``) wrote it, as the `say` steps right after the write; otherwise :data:`DECLINED`."""
        if task.get("user", {}).get("confirm", True):
            return DECLINED
        said = []
        for step in after:
            if "say" not in step:
                break
            said.append(step["say"])
        return " ".join(said) or DECLINED

    @staticmethod
    def _speak(state: ScriptedAgentState, text: str) -> str:
        """``text`` preceded by any gold `say` text still pending."""
        parts = [*state.pending, text] if text else list(state.pending)
        state.pending = []
        return " ".join(parts)

    def _propose(
        self,
        step: dict[str, Any],
        rng: random.Random,
        state: ScriptedAgentState,
        episode: Any,
        use_gold: bool = False,
    ) -> AgentTurn:
        args = dict(step["args"])
        change = episode.task.get("user", {}).get("change_mind")
        if change and not state.mind_changed and not use_gold:
            name, _, first_value = change.partition("=")
            true_value = episode.task["params"].get(name.strip())
            args = {k: (first_value.strip() if v == true_value else v) for k, v in args.items()}
        state.awaiting = "confirm"
        args = episode.env.domain.said_order(args)
        notes = id_notes(args, episode.env.trace.calls, _user_text(episode.env.messages))
        text = rng.choice(self.pools["propose"]).format(
            action=describe_call(step["tool"], args, notes)
        )
        return AgentTurn(content=self._speak(state, text))

    def _needed_info(self, step: dict[str, Any], episode: Any, writes: bool) -> list[str]:
        """Known facts to ask the user for before this step (each fact at most three times).

        First the facts that are an argument's value and that neither the user nor a tool has given
        yet; then, when there are such facts (as at the agent's first question) or the step writes,
        every other fact the user knows and has not said: a new address, a payment method named in
        words, the variant wanted. Each group keeps the order of ``known``. Their values are not the
        call's arguments one for one (an address is six of them, a variant becomes an item id
        through a lookup), yet the task depends on them: without asking, the dialogue's agent would
        know them from nowhere. Asking for them all at once, right after the user's request, also
        puts the request's words ("new address") in the user's answer, near the calls that act on
        it.
        """
        known = episode.task.get("user", {}).get("known", {})
        messages = episode.env.messages
        seen = " ".join(
            str(m.get("content") or "") for m in messages if m["role"] in ("user", "tool")
        )
        said = _user_text(messages)
        now = [
            key
            for key, fact in known.items()
            if any(str(v) and str(v) not in seen and fact == str(v) for v in step["args"].values())
        ]
        rest = [key for key, fact in known.items() if fact and fact not in said and key not in now]
        needed = now + rest if now or writes else []
        return [key for key in needed if episode.agent_state.asked.get(key, 0) < 3]


def _answered_by_request(task: dict[str, Any], messages: list[Any], rest: list[Any]) -> bool:
    """Whether gold `say` text followed by a tool step is a turn of its own: when the user has
    a forbidden request still to make (a refusal it pushes back on before the agent goes on,
    say to transfer it to a person). Any other `say` text is said in the next call's turn."""
    forbidden = task.get("user", {}).get("forbidden_request")
    return bool(rest and "tool" in rest[0] and forbidden) and forbidden_words(
        forbidden
    ) not in _user_text(messages)


def _flat(args: dict[str, Any]) -> list[str]:
    return [
        str(v) for value in args.values() for v in (value if isinstance(value, list) else [value])
    ]


def _user_text(messages: list[dict[str, Any]]) -> str:
    return " ".join(str(m.get("content") or "") for m in messages if m["role"] == "user")
