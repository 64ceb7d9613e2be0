"""The dialogues SFT trains on, as TRL's ``SFTTrainer`` takes them: each data-contract row a
conversation (:func:`to_conversation`), passes in which every task template is equally
represented (:func:`balanced_passes`), the passes a run's settings make, copy drills first and
the last with fresh ids (:func:`sft_schedule`), the passes in training order
(:func:`epoch_order`), and a dialogue as the user simulator lives it (:func:`user_view`).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.train.chat import normalize_messages, without_refused_calls
from eigendsl.train.settings import TrainSettings


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


def sft_schedule(
    rows: list[dict[str, Any]],
    seed_data: dict[str, Any],
    s: TrainSettings,
    attributes: Iterable[str] = (),
) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """The passes of SFT, in training order: the copy drills', then the dialogues'.

    ``s.sft_copy_drills`` passes of copy drills (``Identifiers.copy_drills``), each with its own
    fresh ids (none for a domain without ids, or dialogues where no user states one); then a pass
    of ``sft_pass_size`` dialogues (0: all) per epoch, balanced across task templates
    (``sft_balance``), the last share of them with fresh ids (``sft_fresh_ids``: there ids can
    only be copied, not recalled; below a share of 1 never the first pass, so a one-pass run
    has none, and at least one of two or more). With ``sft_fresh_values`` those passes also
    permute the values of the seed's maps stored under the fields named in ``attributes``
    (``Identifiers.permute_values``); with ``sft_fresh_numbers`` they give the numbers the agent
    copies out of tool results other values of their fields (``stated_values.permute_numbers``)
    and the whole numbers the user says for it to repeat (a percentage asked for) others of as
    many digits (``stated_values.permute_said_numbers``).
    The ids of the tables in ``sft_catalog`` are never shuffled."""
    from eigendsl.train.identifiers import Identifiers
    from eigendsl.train.stated_values import (
        field_values,
        number_words,
        numeric_fields,
        permute_numbers,
        permute_said_numbers,
        row_texts,
        said_numbers,
        words_said_often,
    )

    passes = max(1, math.ceil(s.sft_epochs))
    if not isinstance(s.sft_pass_size, int) or s.sft_pass_size < 0:
        raise EigenError(
            f"training.sft.pass_size is {s.sft_pass_size!r}; write a whole number of dialogues "
            "per SFT pass, or 0 for all of them"
        )
    if s.sft_balance:
        schedule = balanced_passes(rows, passes, s.seed, size=s.sft_pass_size or None)
    else:  # in synthesis's order; with a pass size, each pass goes on where the last stopped
        size = s.sft_pass_size or len(rows)
        schedule = [
            [rows[(number * size + k) % len(rows)] for k in range(size)] for number in range(passes)
        ]
    share = min(1.0, s.sft_fresh_ids)
    # a share below 1 keeps the first pass as synthesized: a fresh model learns no copying from
    # renamed dialogues alone (retail: 5 of 208 renamed ids with the first half shuffled)
    fresh = (
        0
        if share <= 0
        else passes
        if share >= 1
        else min(passes - 1, max(1, round(passes * share)))
    )
    ids = Identifiers(seed_data, attributes, catalog=s.sft_catalog)
    # the numbers a permuted dialogue may state: those the tokenizer makes tokens of
    numbers = (
        numeric_fields(field_values(seed_data), number_words(row_texts(rows)))
        if s.sft_fresh_numbers and fresh
        else {}
    )

    # each row's numbers the user says for the agent to repeat (a percentage asked for), read
    # once for all passes, and those the tokenizer makes tokens of
    said_in = (
        {id(row): said_numbers(row, ids.known) for row in rows}
        if s.sft_fresh_numbers and fresh
        else {}
    )
    # counted per row, not per dict: a row may stand in ``rows`` twice
    said_words = (
        words_said_often(said_in[id(row)] for row in rows) if said_in and s.number_tokens else []
    )

    def fresh_pass(one: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
        if s.sft_fresh_numbers:  # before the renaming, whose new ids are not the seed's
            rng = random.Random(f"{s.seed}:{number}:said")
            one = [
                permute_said_numbers(row, rng, ids.known, said_words, said_in.get(id(row)))
                for row in one
            ]
        renamed = ids.fresh_pass(one, number, s.seed, s.sft_invent_ids, s.sft_fresh_values)
        if not numbers:
            return renamed
        rng = random.Random(f"{s.seed}:{number}:numbers")
        return [permute_numbers(row, numbers, rng) for row in renamed]

    schedule = [
        fresh_pass(one, number) if number >= passes - fresh else one
        for number, one in enumerate(schedule)
    ]
    drills = (
        [drill for row in rows for drill in ids.copy_drills(row)] if s.sft_copy_drills > 0 else []
    )
    warmup = (
        [ids.fresh_pass(drills, passes + number, s.seed) for number in range(s.sft_copy_drills)]
        if drills
        else []
    )
    return warmup, schedule
