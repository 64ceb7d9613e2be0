"""What a model is shown of an episode: its messages in full, or in the compact form the embedded
model is trained and evaluated on (a short system prompt, tool results as ``key: value`` lines);
and which of the two a checkpoint was trained on (:func:`agent_context`), and on which version
of its domain's prompt and tools (:func:`domain_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eigendsl.support import clock_sentence

CONTEXTS = ("compact", "full")
# The key of a checkpoint's config.json that names the context `eigendsl train` trained it on.
CONTEXT_KEY = "eigendsl_context"


# The key of a checkpoint's config.json that names the domain `eigendsl train` trained it on.
DOMAIN_KEY = "eigendsl_domain"

# The key of a checkpoint's config.json that holds the :func:`domain_fingerprint` of the domain
# `eigendsl train` trained it on: what its prompt and tools were then.
FINGERPRINT_KEY = "eigendsl_fingerprint"


def _recorded(
    path: str | Path, key: str, run_keys: tuple[str, ...] | None, valid: Callable[[Any], bool]
) -> Any:
    """What the checkpoint folder ``path`` records under ``key`` in its config.json, or, for a
    folder of a train run that predates the key (``OUT/base``, ``OUT/sft``, ``OUT/grpo``), its
    run's ``run.json`` under ``run_keys`` (None: no run.json holds it); the first that ``valid``
    takes, else None."""
    folder = Path(path).expanduser()
    records: list[tuple[Path, tuple[str, ...]]] = [(folder / "config.json", (key,))]
    if run_keys is not None:
        records.append((folder.parent / "run.json", run_keys))
    for record, keys in records:
        try:
            value: Any = json.loads(record.read_text())
            for name in keys:
                value = value.get(name) if isinstance(value, dict) else None
        except (OSError, ValueError):
            continue
        if valid(value):
            return value
    return None


def trained_context(path: str | Path) -> str | None:
    """The context the checkpoint folder ``path`` was trained on where EigenDSL made it: its
    config.json's ``eigendsl_context``, or, for a folder of a train run that predates that key
    (``OUT/base``, ``OUT/sft``, ``OUT/grpo``), the run's ``run.json`` settings. None otherwise (a
    hub id, a checkpoint made elsewhere)."""
    return _recorded(path, CONTEXT_KEY, ("settings", "context"), lambda v: v in CONTEXTS)


def trained_domain(path: str | Path) -> str | None:
    """The domain the checkpoint folder ``path`` was trained on where EigenDSL made it (its
    config.json's ``eigendsl_domain``, or its run's ``run.json``), else None."""
    return _recorded(path, DOMAIN_KEY, ("domain",), lambda v: isinstance(v, str) and v != "")


def _digest(value: Any) -> str:
    """The sha256 of a text, or of a JSON value's canonical form (sorted keys, no spaces)."""
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(value.encode()).hexdigest()


def domain_fingerprint(domain: Any) -> dict[str, Any]:
    """Digests of what a domain gives the model it trains: its compiled agent system prompt
    (``prompt``), its tool schemas in their order (``tools``) and each tool's schema by name
    (``each_tool``). The tasks, data and checks are not in it: a task added changes nothing a
    model is shown.

    >>> class Shop:
    ...     agent_prompt = "You are the shop's agent."
    ...     tool_schemas = [{"type": "function", "function": {"name": "find_user"}}]
    >>> print(sorted(domain_fingerprint(Shop)), sorted(domain_fingerprint(Shop)["each_tool"]))
    ['each_tool', 'prompt', 'tools'] ['find_user']
    """
    schemas = domain.tool_schemas
    return {
        "prompt": _digest(domain.agent_prompt),
        "tools": _digest(schemas),
        "each_tool": {schema["function"]["name"]: _digest(schema) for schema in schemas},
    }


def trained_fingerprint(path: str | Path) -> dict[str, Any] | None:
    """The :func:`domain_fingerprint` the checkpoint folder ``path`` records in its config.json
    (``eigendsl_fingerprint``), else None (a checkpoint from before that key, a hub id, one made
    elsewhere, a record that is not one)."""
    return _recorded(path, FINGERPRINT_KEY, None, _is_fingerprint)


def _is_fingerprint(found: Any) -> bool:
    if not isinstance(found, dict) or not isinstance(each := found.get("each_tool"), dict):
        return False
    digests = [found.get("prompt"), found.get("tools"), *each.values()]
    return all(isinstance(d, str) for d in digests)


def _changes(trained: dict[str, Any], played: dict[str, Any]) -> str | None:
    """What of a domain's prompt and tools changed from ``trained`` to ``played`` (two
    :func:`domain_fingerprint`), said in words; None when nothing did."""
    prompt = trained["prompt"] != played["prompt"]
    tools = trained["tools"] != played["tools"]
    if not prompt and not tools:
        return None
    said = {(True, True): "agent prompt and tools", (True, False): "agent prompt"}
    text = f"its {said.get((prompt, tools), 'tools')} changed since"
    if not tools:
        return text
    before, now = trained["each_tool"], played["each_tool"]
    named = {
        "added": [name for name in now if name not in before],
        "removed": [name for name in before if name not in now],
        "changed": [name for name in now if name in before and before[name] != now[name]],
    }
    detail = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in named.items() if names)
    return text + (f" (tools {detail})" if detail else " (the tools' order)")


def checkpoint_notes(
    spec: str, domain: str, context: str, fingerprint: dict[str, Any] | None = None
) -> list[str]:
    """One-line notes for a model agent (``hf:PATH``, ``vllm:PATH``) that plays ``domain`` shown
    ``context`` where its checkpoint records another domain or context, or, with the played
    domain's ``fingerprint`` (:func:`domain_fingerprint`), another version of the same domain's
    prompt or tools (a note, not an error: a checkpoint may be tuned across domains on
    purpose)."""
    kind, _, target = spec.partition(":")
    if kind not in ("hf", "vllm") or not target:
        return []
    notes = []
    trained = trained_domain(target)
    if trained is not None and trained != domain:
        notes.append(
            f"note: {target} was trained on domain {trained!r} and plays domain {domain!r} "
            "here; a model trained on one domain's tools and ids seldom plays another's (the "
            "embedded model's tokenizer holds its own domain's words)"
        )
    recorded = trained_fingerprint(target) if fingerprint is not None else None
    changed = None  # another domain is noted above, its prompt and tools with it
    if recorded is not None and fingerprint is not None and trained == domain:
        changed = _changes(recorded, fingerprint)
    if changed is not None:
        notes.append(
            f"note: {target} was trained on another version of domain {domain!r}: {changed}; "
            "it plays a version it was not trained on, and seldom as well (train it again on "
            "this spec, or play the spec it was trained on)"
        )
    shown = trained_context(target)
    if shown is not None and shown != context:
        notes.append(
            f"note: {target} was trained with the {shown} context and plays with {context} "
            f"here (--context {context}); leave --context out to show it the one it was "
            "trained with"
        )
    return notes


def agent_context(spec: str, chosen: str | None) -> str:
    """The context a model agent (``hf:PATH``, ``vllm:PATH``, ``openai:...``) is shown: ``chosen``
    (``--context``) where given, else the one the checkpoint was trained on
    (:func:`trained_context`), else ``full`` (the compiled prompt and schemas, what a model made
    elsewhere is written for). ``run``, ``eval`` and synthesis's trajectory model agree on it."""
    if chosen is not None:
        return chosen
    kind, _, target = spec.partition(":")
    found = trained_context(target) if kind in ("hf", "vllm") and target else None
    return found or "full"


def compact_prompt(domain: Any) -> str:
    """A short system prompt for small models: the role and the tool names, without the policy
    text and the JSON schemas (which would be thousands of tokens on every turn); the domain's
    date and time of day where it sets them."""
    manifest = getattr(domain, "manifest", None) or {}
    clock = clock_sentence(manifest.get("today"), manifest.get("now"))
    return (
        f"You are the {domain.name} customer-service agent. Identify the user, confirm before "
        f"any change. Tools: {', '.join(domain.tools)}." + (f" {clock}" if clock else "")
    )


_STRUCTURE = set('{}[],:"\n')


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and value and value == value.strip() and not _STRUCTURE & set(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def compact_result(content: str) -> str:
    """A tool result as a small model sees it: a JSON object becomes one ``key: value`` line per
    field, in flow style with strings unquoted (quoted only when empty or holding ``{}[],:"``).
    Every value stays verbatim, so the model can still copy it; on retail 15% fewer tokens.
    Anything that is not a JSON object or list (an id, an error message) is left as it is.

    >>> print(compact_result(
    ...     '{"order_id": "#W1", "items": [{"item_id": "I1", "price": 9.5}], "note": ""}'
    ... ))
    order_id: #W1
    items: [{item_id: I1, price: 9.5}]
    note: ""
    >>> compact_result("Error: order #W9 not found")
    'Error: order #W9 not found'
    """
    try:
        value = json.loads(content)
    except (TypeError, ValueError):
        return content
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_flow(v)}" for k, v in value.items())
    return _flow(value) if isinstance(value, list) else content


def model_view(messages: list[dict[str, Any]], domain: Any, context: str) -> list[dict[str, Any]]:
    """The messages a model sees. ``full``: the episode's own (compiled prompt, JSON results).
    ``compact``, the form the embedded model is trained and evaluated on: :func:`compact_prompt`
    as the system turn and :func:`compact_result` for every tool result. Either way without the
    ``raw`` text the trace keeps of a turn whose tool calls could not be read."""
    compact = context == "compact"
    view = []
    for message in messages:
        if "raw" in message:  # a malformed turn's text, kept in the trace only
            message = {key: value for key, value in message.items() if key != "raw"}
        if compact and message["role"] == "system":
            message = {**message, "content": compact_prompt(domain)}
        elif compact and message["role"] == "tool" and isinstance(message.get("content"), str):
            message = {**message, "content": compact_result(message["content"])}
        view.append(message)
    return view
