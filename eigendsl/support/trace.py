"""The :class:`Trace` a verifier reads: the databases, the task's parameters, the calls
and the messages of one episode, built from OpenAI-format messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eigendsl.support.events import Call, Message
from eigendsl.support.numerals import normalize_text


@dataclass
class Trace:
    """Everything a verifier may read about one episode."""

    db: dict[str, Any]
    initial: dict[str, Any] = field(default_factory=dict)
    gold: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    _texts: dict[str, list[tuple[int, str]]] | None = None
    #: A judge model for ``judge "..."`` statements: assertion text -> whether the conversation
    #: meets it. Without one, those statements are reported as not judged (never passed).
    judge: Callable[[str], bool] | None = None
    #: How each tool's parameters' ids may be named in words (``named_by`` in domain.yaml), by
    #: tool and parameter: what ``declined`` reads for a write never made, which has no call.
    namings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The database after each write that went through, with its call's position, in order (an
    #: episode's environment records them): what the records stood as when the agent proposed a
    #: later write (:meth:`db_at`). Empty for a trace built from messages alone; those that
    #: replay the calls record them too (lint's replay, synthesis's rules exercised).
    states: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)

    def db_at(self, position: int) -> dict[str, Any] | None:
        """The database as it stood at message ``position``: after every write that went through
        before it, so the records a proposal names are those of its time (an item a write
        swapped out of the order is still in it at the write's proposal). The initial database
        where no write went through before it (the final one where the trace has no initial),
        the final one where none went through since; from :attr:`states` otherwise, and None
        where they do not tell (a trace built from messages, with writes before and after).

        >>> trace = Trace({"orders": {"#1": "after"}}, {"orders": {"#1": "before"}})
        >>> trace.calls = [Call("swap", {}, position=3, writes=True)]
        >>> trace.db_at(2), trace.db_at(4)
        ({'orders': {'#1': 'before'}}, {'orders': {'#1': 'after'}})
        >>> trace.calls.append(Call("swap", {}, position=6, writes=True))
        >>> trace.db_at(5) is None
        True
        >>> trace.states = [(3, {"orders": {"#1": "between"}}), (6, trace.db)]
        >>> trace.db_at(5)
        {'orders': {'#1': 'between'}}
        """
        writes = [c.position for c in self.calls if c.writes and c.error is None]
        if not any(at < position for at in writes):
            return self.initial or self.db
        states = [db for at, db in self.states if at < position]
        if len(states) == sum(at < position for at in writes):
            return states[-1]
        return self.db if all(at < position for at in writes) else None

    def texts(self, role: str) -> list[tuple[int, str]]:
        """(position, normalized text) of the messages of ``role`` that have text."""
        if self._texts is None:
            self._texts = {}
        cached = self._texts.get(role)
        if cached is None:
            cached = [
                (m.position, normalize_text(m.content))
                for m in self.messages
                if m.role == role and m.content
            ]
            self._texts[role] = cached
        return cached

    @classmethod
    def from_messages(
        cls,
        messages: list[dict[str, Any]],
        db: dict[str, Any],
        initial: dict[str, Any] | None = None,
        gold: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        tools: dict[str, dict[str, Any]] | None = None,
    ) -> Trace:
        """Build a trace from OpenAI-format messages (``tool_calls`` and ``tool`` results).

        A call's position is the index of its ``tool`` result message (or of the assistant
        message that made it, when no result follows). ``tools`` maps a tool name to its
        ``writes`` flag, ``tags`` and ``named_by`` (its parameters' namings).
        """
        tools = tools or {}
        calls: list[Call] = []
        by_id: dict[str, Call] = {}
        plain: list[Message] = []
        for position, message in enumerate(messages):
            role = message.get("role", "")
            content = message.get("content")
            plain.append(Message(role, content if isinstance(content, str) else "", position))
            if role == "assistant":
                for raw in message.get("tool_calls") or ():
                    function = raw.get("function", raw)
                    args = function.get("arguments", {})
                    if isinstance(args, str):
                        try:
                            args = json.loads(args)
                        except json.JSONDecodeError:
                            args = {}
                    info = tools.get(function.get("name", ""), {})
                    call = Call(
                        function.get("name", ""),
                        args if isinstance(args, dict) else {},
                        position=position,
                        index=len(calls),
                        writes=bool(info.get("writes")),
                        tags=tuple(info.get("tags", ())),
                        id=raw.get("id", ""),
                        named_by=info.get("named_by"),
                    )
                    calls.append(call)
                    by_id[call.id] = call
            elif role == "tool":
                answered = by_id.get(message.get("tool_call_id", ""))
                if answered is not None:
                    answered.position = position
                    payload = _decode(content)
                    if isinstance(payload, dict) and set(payload) == {"error"}:
                        answered.error = str(payload["error"])
                    elif isinstance(content, str) and content.startswith("Error:"):
                        answered.error = content[len("Error:") :].strip()
                    else:
                        answered.result = payload
        namings = {name: info["named_by"] for name, info in tools.items() if info.get("named_by")}
        return cls(db, initial or {}, gold or {}, params or {}, calls, plain, namings=namings)


def _decode(content: Any) -> Any:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content
