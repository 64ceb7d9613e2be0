"""The dialogues SFT trains on, as TRL's ``SFTTrainer`` takes them: each data-contract row a
conversation (:func:`to_conversation`), passes in which every task template is equally
represented (:func:`balanced_passes`), the passes in training order (:func:`epoch_order`), and a
dialogue as the user simulator lives it (:func:`user_view`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

from eigendsl.train.chat import normalize_messages, without_refused_calls


def to_conversation(row: dict[str, Any]) -> dict[str, Any]:
    """A data-contract row as the SFT dataset holds it: ``messages`` normalised for the chat
    template, with the turns whose calls the environment refused left out of the loss, and
    ``tools`` as a JSON string (TRL parses it back for each row; as a list, Arrow would merge the
    parameter schemas of all tools into one and fill the gaps with nulls)."""
    tools = row.get("tools") or []
    if isinstance(tools, str):
        tools = json.loads(tools) if tools.strip() else []
    return {
        "messages": without_refused_calls(normalize_messages(row["messages"])),
        "tools": json.dumps(tools, ensure_ascii=False),
    }


def template_of(row: dict[str, Any]) -> str:
    """The task template a dialogue comes from (the first, for a composed task)."""
    return str((row.get("parts") or [row.get("template")])[0])


def balanced_passes(
    rows: list[dict[str, Any]],
    passes: int,
    seed: int = 0,
    key: Callable[[dict[str, Any]], str] = template_of,
    size: int | None = None,
) -> list[list[dict[str, Any]]]:
    """``passes`` passes over ``rows``, each of ``size`` dialogues (all of ``rows`` by default)
    with every group (by default every task template) equally represented: a rare template's
    dialogues come back more often, a frequent one's less. Within a group the dialogues are taken
    in turn, reshuffled each round, so none is left out while another repeats; with ``size``
    below ``len(rows)`` each pass goes on where the last stopped, so passes differ until a
    group's dialogues are used up.

    >>> rows = [{"template": "cancel"}] * 6 + [{"template": "exchange"}] * 2
    >>> [sum(r["template"] == "exchange" for r in p) for p in balanced_passes(rows, 2)]
    [4, 4]
    >>> rows = [{"template": "cancel", "n": n} for n in range(6)] + [{"template": "exchange"}] * 2
    >>> passes = balanced_passes(rows, 3, size=4)
    >>> [len(p) for p in passes], sorted(r["n"] for p in passes for r in p if "n" in r)
    ([4, 4, 4], [0, 1, 2, 3, 4, 5])
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    names = sorted(groups)
    rng = random.Random(f"balance:{seed}")

    def rounds(group: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        while True:
            yield from rng.sample(group, len(group))

    turns = {name: rounds(groups[name]) for name in names}
    size = len(rows) if size is None else size
    out = []
    for _ in range(passes):
        bonus = set(rng.sample(names, size % len(names)))  # the remainder goes to a few groups
        out.append(
            [
                next(turns[name])
                for name in names
                for _ in range(size // len(names) + (name in bonus))
            ]
        )
    return out


def user_view(
    messages: list[dict[str, Any]],
    system_prompt: str | None = None,
) -> list[dict[str, Any]]:
    """The dialogue as the user simulator lives it: its turns are the ``assistant`` turns to learn,
    the agent's words are ``user`` turns; tool calls and tool results, which a user never sees,
    are dropped, and so is the agent's system prompt. Consecutive turns of one side are joined,
    and the agent's words after the user's last turn are cut (nothing is left to learn from them).

    >>> user_view([{"role": "system", "content": "agent rules"},
    ...            {"role": "user", "content": "Cancel my order."},
    ...            {"role": "assistant", "content": None, "tool_calls": [{"function": {}}]},
    ...            {"role": "tool", "content": "ok"},
    ...            {"role": "assistant", "content": "Done."},
    ...            {"role": "user", "content": "Thanks. ###STOP###"}], "You are a customer.")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'role': 'system', 'content': 'You are a customer.'},
     {'role': 'assistant', 'content': 'Cancel my order.'},
     {'role': 'user', 'content': 'Done.'},
     {'role': 'assistant', 'content': 'Thanks. ###STOP###'}]
    """
    swap = {"user": "assistant", "assistant": "user"}
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = swap.get(message["role"])
        content = message.get("content")
        if role is None or not isinstance(content, str) or not content.strip():
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    while turns and turns[-1]["role"] != "assistant":
        turns.pop()
    if system_prompt:
        turns.insert(0, {"role": "system", "content": system_prompt})
    return turns


def epoch_order(
    passes: list[list[dict[str, Any]]], batch_size: int, seed: int = 0
) -> list[dict[str, Any]]:
    """The conversations of all passes in training order: pass after pass, each shuffled and
    grouped by length as transformers' ``LengthGroupedSampler`` orders one epoch."""
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    generator = torch.Generator().manual_seed(seed)
    examples = []
    for rows in passes:
        one = [to_conversation(row) for row in rows]
        # lengths in characters: close enough to group by
        lengths = [len(json.dumps(e["messages"])) for e in one]
        order = get_length_grouped_indices(lengths, batch_size, generator=generator)
        examples += [one[i] for i in order]
    return examples
