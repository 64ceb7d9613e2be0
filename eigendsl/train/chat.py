"""The chat format of the embedded model, and the parser for the tool calls it writes.

The format is Qwen/Hermes ChatML: every turn is ``<|im_start|>{role}\\n{text}<|im_end|>\\n``, an
assistant's tool calls are ``<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>`` blocks
inside its turn, and tool results come back in a ``tool`` turn. The tool schemas are listed in
the system turn, worded as Qwen2.5 words them, so a Qwen2.5 checkpoint reads our prompts as its
own and writes tool calls that :func:`parse_tool_calls` understands.

The assistant's text, tool calls and closing ``<|im_end|>`` sit inside ``{% generation %}``, so
``apply_chat_template(..., return_assistant_tokens_mask=True)`` (and TRL's
``assistant_only_loss=True``) mark exactly what the model must learn to write; an assistant
message with ``"train": false`` is rendered the same but left out of that mask. The
``<|im_start|>assistant\\n`` header stays outside: it is the generation prompt, written by the
runtime, not by the model.

>>> content, calls, errors = parse_tool_calls(
...     'Let me cancel it.\\n<tool_call>\\n{"name": "cancel_order", '
...     '"arguments": {"order_id": "#W1234567"}}\\n</tool_call>')
>>> content, calls[0]["function"], errors
('Let me cancel it.', {'name': 'cancel_order', 'arguments': {'order_id': '#W1234567'}}, [])
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from eigendsl.runtime.chat_format import CHAT_TEMPLATE as CHAT_TEMPLATE
from eigendsl.runtime.chat_format import ENDOFTEXT as ENDOFTEXT
from eigendsl.runtime.chat_format import IM_END as IM_END
from eigendsl.runtime.chat_format import IM_START as IM_START
from eigendsl.runtime.chat_format import TOOL_CALL_CLOSE as TOOL_CALL_CLOSE
from eigendsl.runtime.chat_format import TOOL_CALL_OPEN as TOOL_CALL_OPEN
from eigendsl.runtime.environment import is_refusal
from eigendsl.runtime.toolcalls import parse_tool_calls as runtime_parse

# The fixed text of a call around its name and its arguments' keys and values, as the template
# and `tojson` write it (`{"name": "cancel_pending_order", "arguments": {"order_id": "#W1"}}`).
# The embedded tokenizer makes each a token of its own (TrainSettings.call_tokens), where
# byte-level BPE spells each in two to five pieces (`{"` `name` `":` `Ġ"`).
CALL_PIECES = ['{"name": "', '", "arguments": {"', '": "', '", "']


def normalize_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return OpenAI-format messages in the form the chat template and `datasets` both accept.

    Contents become strings (``None`` → ``""``; text parts are joined; a tool's non-string
    result → its JSON), and tool-call arguments become canonical JSON strings, whether they came
    as dicts or as JSON text. Text that is not valid JSON is kept as it is, so a malformed call
    from a model is rendered as it was written.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        content = message.get("content")
        if content is None:
            content = ""
        elif _is_text_parts(content):
            content = "".join(part["text"] for part in content)
        elif not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        new: dict[str, Any] = {"role": role, "content": content}
        if role == "assistant" and message.get("tool_calls"):
            new["tool_calls"] = [
                _normalize_call(call, i) for i, call in enumerate(message["tool_calls"])
            ]
        if role == "assistant" and message.get("train") is False:
            new["train"] = False
        if role == "tool":
            for key in ("tool_call_id", "name"):
                if message.get(key) is not None:
                    new[key] = message[key]
        out.append(new)
    return out


def without_refused_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with ``"train": false`` on each assistant turn that made a call the
    environment refused (a tool turn right after it starts with ``Error: ``): the dialogue keeps
    what the agent did next, but a model is not taught the refused call itself.

    >>> turns = without_refused_calls([
    ...     {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f"}}]},
    ...     {"role": "tool", "content": "Error: no such order"},
    ...     {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f"}}]},
    ...     {"role": "tool", "content": "{}"}])
    >>> [m.get("train") for m in turns]
    [False, None, None, None]
    """
    out = [dict(m) for m in messages]
    for i, message in enumerate(out):
        if message["role"] != "assistant" or not message.get("tool_calls"):
            continue
        results = itertools.takewhile(lambda m: m["role"] == "tool", out[i + 1 :])
        if any(is_refusal(m) for m in results):
            message["train"] = False
    return out


def _is_text_parts(content: Any) -> bool:
    """OpenAI's list-of-parts content, text only: ``[{"type": "text", "text": ...}, ...]``."""
    return (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(p, dict) and p.get("type") == "text" for p in content)
    )


def _normalize_call(call: dict[str, Any], index: int) -> dict[str, Any]:
    function = call.get("function", call)
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except (ValueError, RecursionError):  # kept as written: not JSON, or too deep or long
            pass
    if not isinstance(arguments, str):
        arguments = json.dumps({} if arguments is None else arguments, ensure_ascii=False)
    return {
        "id": call.get("id") or f"call_{index}",
        "type": "function",
        "function": {"name": function.get("name", ""), "arguments": arguments},
    }


def parse_tool_calls(
    text: str,
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Split a model's turn into its text, its tool calls (OpenAI format, ``arguments`` as a
    dict) and what was wrong with them; see :func:`eigendsl.runtime.toolcalls.parse_tool_calls`.

    >>> parse_tool_calls('<tool_call>\\n{"name": "f", "arguments": [1]}\\n</tool_call>')[2]
    ['Tool call 1: "arguments" must be a JSON object, got list.']
    >>> parse_tool_calls('<tool_call>{"name": "f"')[2]
    ['Tool call 1: the <tool_call> block is not closed with </tool_call>.']
    """
    content, calls, errors = runtime_parse(text)
    return (
        content,
        [{"id": f"call_{i}", "type": "function", "function": c} for i, c in enumerate(calls)],
        errors,
    )


def render_chat(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    add_generation_prompt: bool = False,
    chat_template: str = CHAT_TEMPLATE,
) -> str:
    """Render OpenAI-format messages as text with the chat template, without a tokenizer.

    Used to build the tokenizer's training corpus, before any tokenizer exists.
    """
    from transformers.utils.chat_template_utils import render_jinja_template

    # annotated as returning str, it returns (rendered chats, generation spans)
    result: Any = render_jinja_template(
        conversations=[normalize_messages(messages)],
        tools=list(tools) if tools else None,
        chat_template=chat_template,
        add_generation_prompt=add_generation_prompt,
    )
    return str(result[0][0])
