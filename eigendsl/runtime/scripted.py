"""The scripted agent (plays a task's gold plan) and the scripted user (plays its scenario).

Both speak plain English from small utterance pools, so their dialogues read like real ones and
can be used as training data. The agent asks the user for what the gold plan needs and the user
knows, asks for explicit confirmation before every write, and can inject realistic mistakes
for negative examples:

- ``wrong_argument``: one argument of the first write call gets another valid value;
- ``skip_confirmation``: writes without asking the user first;
- ``missing_lookup``: skips the first read-only lookup (typically the identification).

and, for positive examples of what to do after a tool refuses a call, ``recover``: the first
write goes out with one id replaced by another of its kind (as a model that copied the wrong
id writes it); when the tool refuses it, the agent calls again the lookup whose result holds the
right id, then writes again, right.

Before an id it copies from a lookup (a product id, an ordered item, the variant wanted), the
agent names the record it came from in the user's own words (:func:`id_notes`), in the lookup's
turn and in its proposal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.environment import encode_result

MISTAKES = ("wrong_argument", "skip_confirmation", "missing_lookup")
RECOVER = "recover"
BEHAVIOURS = (*MISTAKES, RECOVER)

CONFIRM_MARK = "(yes/no)"
ASK_INFO = [
    "Could you please give me your {what}?",
    "To help you, I need your {what}. Could you share it?",
    "Sure, I can help with that. What is your {what}?",
]
PROPOSE = [
    "I'm about to {action}. Do you confirm? " + CONFIRM_MARK,
    "Here is what I will do: {action}. Shall I proceed? " + CONFIRM_MARK,
]
LOOKUP_NOTE = "Let me look up the {what}."
DECLINED = "Understood, I won't make that change. Is there anything else I can help you with?"
CLOSING = "Is there anything else I can help you with?"
REFUSAL = (
    "I'm sorry, but I can't help with that request under our policy. "
    "Is there anything else I can help you with?"
)

USER_YES = ["Yes, please go ahead.", "Yes, that's right, please do it.", "yes, confirmed."]
USER_NO = [
    "No, please don't do that.",
    "No, I've decided against it.",
    "No, don't change anything.",
]
USER_DONE = ["No, that's all. Thank you!", "That's everything, thanks for your help."]
USER_UNKNOWN = "I'm sorry, I don't know my {what}."
USER_LATER = "Hmm, I don't have my {what} at hand right now."

# The utterance pools a prompt engineer may extend; every entry keeps its pool's placeholders
# and markers ("(yes/no)" in proposals, "yes" in confirmations).
DEFAULT_POOLS: dict[str, list[str]] = {
    "ask_info": ASK_INFO,
    "propose": PROPOSE,
    "user_yes": USER_YES,
    "user_no": USER_NO,
    "user_done": USER_DONE,
    "user_opening": ["{reason}"],
}


def pools_with(extra: dict[str, list[str]] | None) -> dict[str, list[str]]:
    pools = {k: list(v) for k, v in DEFAULT_POOLS.items()}
    for key, variants in (extra or {}).items():
        pools.setdefault(key, [])
        pools[key] += [v for v in variants if v not in pools[key]]
    return pools


def spoken(key: str) -> str:
    return key.replace("_", " ")


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
class AgentTurn:
    """What an agent produced: text and/or tool calls (``arguments`` as dicts)."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    raw: str | None = None


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
        last_user = _last(env.messages, "user")
        if state.finished:
            return AgentTurn(
                content=REFUSAL if last_user and not _is_closing(last_user) else CLOSING
            )
        if state.awaiting == "confirm":
            state.awaiting = None
            answer = (last_user or "").lower()
            change = task.get("user", {}).get("change_mind")
            if change and not state.mind_changed and "changed my mind" in answer:
                state.mind_changed = True
                return self._propose(gold[state.step], rng, state, episode, use_gold=True)
            if answer.startswith("yes") or " yes" in answer:
                state.confirmed_step = state.step
            else:
                state.writes_declined = True
                state.step = len(gold)
                state.finished = True
                return AgentTurn(content=DECLINED)
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
            content = LOOKUP_NOTE.format(what="; ".join(notes.values())) if notes else None
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


def wrong_argument(args: dict[str, Any], domain: Any, rng: random.Random) -> dict[str, Any]:
    """Another valid value for one argument: another key of the same table, another enum value,
    or a nearby number."""
    keys = sorted(args)
    rng.shuffle(keys)
    for key in keys:
        value = args[key]
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return {**args, key: value + 1}
        if isinstance(value, str):
            for table in domain.seed.values():
                if value in table and len(table) > 1:
                    others = [k for k in table if k != value]
                    return {**args, key: rng.choice(sorted(others))}
    for key in keys:
        if isinstance(args[key], list) and args[key]:
            return {**args, key: args[key][:-1] or args[key] + args[key]}
    return {**args, keys[0]: f"{args[keys[0]]}-x"} if keys else args


def wrong_id(args: dict[str, Any], domain: Any, rng: random.Random) -> dict[str, Any]:
    """``args`` with one id replaced by another of its kind (another product's variant, another
    user's card), as an agent that picked the wrong element out of a record writes it.

    An id is a value, alone or in a list, that keys a collection of records in the seed database;
    its kind is every key of the collections at the same place (``products.*.variants``). Ids of
    nested records (a variant, a card) are taken before those of a table's own rows (an order, a
    user): acting on a record never looked up breaks other rules than a refused value does.
    :func:`wrong_argument` when no argument holds an id."""
    kinds = domain.id_kinds
    spots = [
        (key, i)
        for key in sorted(args)
        for i, v in (enumerate(args[key]) if isinstance(args[key], list) else [(None, args[key])])
        if isinstance(v, str) and len(kinds.get(v, ((), False))[0]) > 1
    ]
    if not spots:
        return wrong_argument(args, domain, rng)
    value_at = lambda spot: args[spot[0]] if spot[1] is None else args[spot[0]][spot[1]]  # noqa: E731
    key, index = rng.choice([s for s in spots if kinds[value_at(s)][1]] or spots)
    value = value_at((key, index))
    other = rng.choice([k for k in kinds[value][0] if k != value])
    if index is None:
        return {**args, key: other}
    return {**args, key: [other if i == index else v for i, v in enumerate(args[key])]}


def _flat(args: dict[str, Any]) -> list[str]:
    return [
        str(v) for value in args.values() for v in (value if isinstance(value, list) else [value])
    ]


def id_kinds(seed: dict[str, Any]) -> dict[str, tuple[list[str], bool]]:
    """Each id of the seed database → every id of its kind (sorted), and whether they key nested
    records. A collection of records is a mapping whose values are all mappings; its keys are ids
    of one kind with the keys of every collection at the same place.

    >>> kinds = id_kinds({"products": {"P1": {"variants": {"I1": {}, "I2": {}}},
    ...                                 "P2": {"variants": {"I3": {}}}},
    ...                   "users": {"u1": {}, "u2": {}}})
    >>> kinds["I3"], kinds["P1"], kinds["u1"]
    ((['I1', 'I2', 'I3'], True), (['P1', 'P2'], False), (['u1', 'u2'], False))
    """
    places: dict[tuple[str, ...], set[str]] = {}

    def walk(node: Any, place: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        records = bool(node) and all(isinstance(v, dict) for v in node.values())
        if records:
            places.setdefault(place, set()).update(str(k) for k in node)
        for key, value in node.items():
            walk(value, (*place, "*" if records else str(key)))

    for name, table in seed.items():
        walk(table, (name,))
    kinds: dict[str, tuple[list[str], bool]] = {}
    for place, ids in places.items():
        for i in ids:
            kinds[i] = (sorted(ids), len(place) > 1)
    return kinds


def _user_text(messages: list[dict[str, Any]]) -> str:
    return " ".join(str(m.get("content") or "") for m in messages if m["role"] == "user")


def _last(messages: list[dict[str, Any]], role: str) -> str | None:
    for message in reversed(messages):
        if message["role"] == role:
            return message.get("content") or ""
    return None


def _is_closing(text: str) -> bool:
    return any(text.startswith(d[:10]) for d in USER_DONE)


# ---------------------------------------------------------------------------- the user


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
        agent = (_last(messages, "assistant") or "").lower()
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
