"""Quality filters and diversity measures of synthesized dialogues.

>>> sorted(ngrams("a b c d", 3))  # a set, in whatever order the hashes give
[('a', 'b', 'c'), ('b', 'c', 'd')]
"""

from __future__ import annotations

import json
import re
from typing import Any

from eigendsl.runtime.environment import refused_call_ids

_WORD = re.compile(r"[\w#@.'-]+")
NEAR_DUPLICATE = 0.9


def ngrams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def quality_reasons(row: dict[str, Any], known_ids: set[str]) -> list[str]:
    """Reasons to reject a dialogue that its verifiers accept.

    A call the environment refused is the agent's mistake, which a dialogue may show being put
    right (training does not learn it): its values are not checked, and after it, making a
    lookup again is not redundant."""
    reasons = []
    if row.get("end_reason") == "turn_limit":
        reasons.append("quality: the conversation hit the turn limit")
    if row.get("end_reason") == "context_full":
        reasons.append("quality: the conversation outgrew the model's positions")
    seen_text = ""
    calls: set[str] = set()
    refused = refused_call_ids(row["messages"])
    for message in row["messages"]:
        role = message["role"]
        if role in ("user", "tool"):
            seen_text += " " + str(message.get("content") or "")
        if role == "tool" and message.get("tool_call_id") in refused:
            calls.clear()
        for call in message.get("tool_calls") or []:
            if call.get("id") in refused:
                continue
            name = call["function"]["name"]
            arguments = call["function"]["arguments"]
            key = name + arguments
            if key in calls:
                reasons.append(f"quality: {name} was called twice with the same arguments")
            calls.add(key)
            try:
                args = json.loads(arguments)
            except json.JSONDecodeError:
                continue
            for value in _strings(args):
                if value in known_ids and not stated(value, seen_text):
                    reasons.append(
                        f"quality: {name} uses the identifier {value!r}, which neither the user "
                        "nor a tool gave (invented)"
                    )
    return reasons


_SEPARATOR = re.compile(r"[-_/:.]")


def stated(identifier: str, text: str) -> bool:
    """Whether ``text`` gives ``identifier``: whole, or as each of its pieces between separators
    (a flight ``HAT201-2025-06-11`` from "flight HAT201 on 2025-06-11").

    >>> stated("HAT201-2025-06-11", "the status of flight HAT201 on 2025-06-11?")
    True
    >>> stated("HAT201-2025-06-13", "the status of flight HAT201 on 2025-06-11?")
    False
    """
    if identifier in text:
        return True
    pieces = [p for p in _SEPARATOR.split(identifier) if p]
    return len(pieces) > 1 and all(
        re.search(rf"(?<![A-Za-z0-9]){re.escape(p)}(?![A-Za-z0-9])", text) for p in pieces
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def user_text(row: dict[str, Any]) -> str:
    return " ".join(str(m.get("content") or "") for m in row["messages"] if m["role"] == "user")


def dialogue_signature(row: dict[str, Any]) -> set[tuple[str, ...]]:
    text = " ".join(
        str(m.get("content") or "") + json.dumps(m.get("tool_calls") or "")
        for m in row["messages"]
        if m["role"] in ("user", "assistant")
    )
    return ngrams(text, 3)


def tool_sequence(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(c["function"]["name"] for m in row["messages"] for c in m.get("tool_calls") or [])


_REASON_KINDS = (
    (re.compile(r"^quality: near-duplicate of the dialogue of task .*"), "near-duplicate"),
    (
        re.compile(r"^quality: (\S+) uses the identifier .*"),
        r"\1 uses an identifier nobody gave (invented)",
    ),
)


def reason_kind(reason: str) -> str:
    """What kind of rejection ``reason`` is, without what tells one dialogue's from another's:
    ``near-duplicate`` for every near duplicate, a tool's invented identifier whatever its
    value; a verifier's statement by its position (``checks/tasks.chk:40:5``).

    >>> reason_kind("quality: near-duplicate of the dialogue of task g1-00046")
    'near-duplicate'
    >>> reason_kind("checks/tasks.chk:40:5: db == gold does not hold: ...")
    'checks/tasks.chk:40:5'
    """
    if not reason.startswith("quality: "):
        return reason.split(": ", 1)[0]
    for pattern, kind in _REASON_KINDS:
        if pattern.match(reason):
            return pattern.sub(kind, reason, count=1)
    return reason.removeprefix("quality: ")[:120]  # the turn limit, a call made twice


class NearDuplicates:
    """Flags a dialogue whose word 3-grams overlap an earlier one's by Jaccard >= 0.9.

    Candidates are bucketed by tool-call sequence, so only dialogues doing the same calls are
    compared."""

    def __init__(self, threshold: float = NEAR_DUPLICATE):
        self.threshold = threshold
        self.buckets: dict[tuple[str, ...], list[tuple[str, set[tuple[str, ...]]]]] = {}

    def check(self, row: dict[str, Any]) -> str | None:
        signature = dialogue_signature(row)
        bucket = self.buckets.setdefault(tool_sequence(row), [])
        for task_id, other in bucket[-300:]:
            union = len(signature | other)
            if union and len(signature & other) / union >= self.threshold:
                return f"quality: near-duplicate of the dialogue of task {task_id}"
        bucket.append((row["task_id"], signature))
        return None
