"""A judge model for ``judge "assertion"`` statements: any agent backend asked yes or no.

:func:`make_judge` turns a backend spec (``hf:...``, ``openai:...``, ``vllm:...``) into a
function ``(trace, assertion) -> bool`` that the runtime sets as :attr:`Trace.judge`. The model
sees the conversation (user and agent text, tool calls and results) and the assertion, and must
answer with one word; an answer that does not start with "yes" counts as not met.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.support import Trace

JUDGE_PROMPT = (
    "You judge customer-service conversations. Read the conversation, then decide whether the "
    "assertion holds for it. Answer with exactly one word: yes or no."
)


def transcript(trace: Trace) -> str:
    """The conversation as plain text: one line per message and per tool call."""
    lines = []
    calls_at: dict[int, list[Any]] = {}
    for call in trace.calls:
        calls_at.setdefault(call.position, []).append(call)
    for message in trace.messages:
        if message.role == "system":
            continue
        if message.content:
            lines.append(f"{message.role}: {message.content}")
        for call in calls_at.get(message.position, []):
            outcome = (
                f"error: {call.error}" if call.error else json.dumps(call.result, default=str)[:500]
            )
            lines.append(
                f"tool call {call.tool}({json.dumps(call.args, ensure_ascii=False)}) -> {outcome}"
            )
    return "\n".join(lines)


def ask(backend: Any, trace: Trace, assertion: str) -> bool:
    """One yes/no question to ``backend`` about ``assertion`` on ``trace``."""
    chat = [
        {"role": "system", "content": JUDGE_PROMPT},
        {
            "role": "user",
            "content": f"Conversation:\n{transcript(trace)}\n\nAssertion: {assertion}\n\n"
            "Does the assertion hold? Answer yes or no.",
        },
    ]
    (turn,) = backend.generate([chat], None)
    if turn.context_full:
        raise EigenError(f"the judge cannot read the conversation: {turn.context_full}")
    return (turn.content or "").strip().lower().startswith("yes")


def make_judge(spec: str, **options: Any) -> Callable[[Trace, str], bool]:
    """A judge from a backend spec, e.g. ``openai:http://localhost:8000/v1#qwen``."""
    from eigendsl.runtime.backends import make_backend

    backend = make_backend(spec, **options)
    return lambda trace, assertion: ask(backend, trace, assertion)


__all__ = ["JUDGE_PROMPT", "ask", "make_judge", "transcript"]
