"""What the scripted user reads of a task's gold plan: the writes it asked for (:func:`gold_calls`),
whether an agent's turn names one of the domain's writes, the values an argument may take, and
how the tools' parameters may be named in words."""

from __future__ import annotations

from typing import Any

from eigendsl.support import normalize_text
from eigendsl.support import says as support_says


def gold_calls(episode: Any) -> list[tuple[str, dict[str, Any]]]:
    """The task's gold writes, tool and arguments: what the user asked to be done."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    return [
        (step["tool"], step.get("args", {}))
        for step in episode.task.get("gold", [])
        if step.get("tool") and getattr(tools.get(step["tool"]), "writes", False)
    ]


def names_a_write(said: str, episode: Any) -> bool:
    """Whether an agent's turn names what one of the domain's writes does: its tool's name or
    the name's first word ("cancel" of ``cancel_pending_order``)."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    text = normalize_text(said).replace("\u2019", "'")
    return any(
        support_says(text, action)
        for name, tool in tools.items()
        if getattr(tool, "writes", False)
        for action in (name, name.split("_")[0])
    )


def write_actions(episode: Any) -> tuple[str, ...]:
    """The words that name what one of the domain's writes does, as the verifiers' ``confirmed``
    counts them: each write tool's name, the name's first word ("cancel" of
    ``cancel_pending_order``) and the words its verifiers list for it (``confirm_words``:
    "refund" for a return), each once."""
    domain = getattr(episode.env, "domain", None)
    tools = getattr(domain, "tools", {})
    words = getattr(domain, "confirm_words", None) or {}
    found: dict[str, None] = {}
    for name, tool in tools.items():
        if getattr(tool, "writes", False):
            found.update(dict.fromkeys((name, name.split("_")[0], *words.get(name, ()))))
    return tuple(found)


def enum_choices(episode: Any, value: str) -> list[Any]:
    """The values a gold write's argument whose value is ``value`` may take, where its tool's
    parameters list them (an enum: the cancellation reasons); none elsewhere."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    for tool, args in gold_calls(episode):
        for name, arg in args.items():
            if str(arg).strip() != str(value).strip():
                continue
            schema = getattr(tools.get(tool), "schema", None)
            if not isinstance(schema, dict):
                continue
            properties = schema.get("function", {}).get("parameters", {}).get("properties", {})
            choices = properties.get(name, {}).get("enum")
            if isinstance(choices, list):
                return choices
    return []


def named_by_of(episode: Any) -> dict[str, dict[str, Any]]:
    """How each tool's parameters may be named in words (``named_by``), by tool."""
    tools = getattr(getattr(episode.env, "domain", None), "tools", {})
    return {name: getattr(tool, "named_by", {}) for name, tool in tools.items()}
