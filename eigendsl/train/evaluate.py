"""Evaluation: pass^1..K and pass@K of a model on held-out tasks, failures by statement.

The model plays the agent through the runtime's ``hf`` backend (batched generation across all
episodes) against the scripted user simulator; every episode is judged by the compiled check
and the policy rules, exactly as ``eigendsl run`` judges it.

:func:`copy_check` asks what those pass rates cannot tell apart: does the model copy the ids it
writes out of the dialogue, or recall them from training? Held-out tasks play on the domain's one
seed database, whose ids the training dialogues already hold. :func:`value_check` asks the same
of the other values it states out of tool results (a status, a balance, an amount).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.backends import TURN_TOKENS, HFBackend
from eigendsl.runtime.checkpoints import is_rotary, model_positions
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.episodes import EpisodesInterrupted, run_episodes
from eigendsl.runtime.model_roles import ModelAgent
from eigendsl.runtime.rows import row_from_here, summarize, write_jsonl
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.train.identifiers import Identifiers
from eigendsl.train.stated_values import field_values, stated_value, swapped, word_pattern


def eval_tasks(domain: Domain, which: str = "held-out") -> list[dict[str, Any]]:
    """The tasks of a split (``held-out``, ``train`` or ``all``)."""
    tasks = [t for t in domain.tasks if which == "all" or t.get("split") == which]
    if not tasks:
        raise EigenError(
            f"domain {domain.name} has no '{which}' tasks; recompile with "
            "sampling.held_out_fraction > 0"
        )
    return tasks


def evaluate(
    domain: Domain,
    model: Any,
    tokenizer: Any,
    tasks: list[dict[str, Any]],
    trials: int = 4,
    temperature: float = 0.3,
    context: str = "compact",
    max_new_tokens: int = TURN_TOKENS,
    max_turns: int | None = None,
    out: Path | None = None,
    seed: int = 0,
    constrain_calls: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Play every task ``trials`` times with the model; return the summary of ``eigendsl run``
    (``episodes``, ``passed``, ``pass_rate``, ``pass_hat_k``, ``pass_at_k``, ``failures``...).
    ``constrain_calls`` holds the model's tool calls to the tools' schemas while it writes them;
    ``progress`` is told how many more episodes ended. Ctrl-C writes the episodes that had ended
    to ``out`` (nothing, when none had) and raises :class:`EpisodesInterrupted` with them."""
    backend = HFBackend(
        model=model,
        tokenizer=tokenizer,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        seed=seed,
    )
    agent = ModelAgent(backend, "model", context=context, constrain_calls=constrain_calls)
    stopped: EpisodesInterrupted | None = None
    try:
        rows = run_episodes(
            domain,
            tasks,
            agent,
            ScriptedUser(domain.stop_marker, seed),
            trials=trials,
            max_turns=max_turns,
            progress=progress,
        )
    except EpisodesInterrupted as interrupted:
        stopped, rows = interrupted, interrupted.rows
    total = len(rows) if stopped is None else stopped.total
    if stopped is not None and not rows:  # none had ended: nothing written, a file already
        # there left as it was
        raise EpisodesInterrupted([], total) from None
    try:
        kept = _kept(rows, domain, out)
    except KeyboardInterrupt:  # a stop while they were written: written whole (the command
        # ignores the next signals), then said as a stop
        raise EpisodesInterrupted(_kept(rows, domain, out), total) from None
    if stopped is not None:
        raise EpisodesInterrupted(kept, total) from None
    return summarize(kept, trials)


def _kept(rows: list[dict[str, Any]], domain: Domain, out: Path | None) -> list[dict[str, Any]]:
    """``rows`` with a spec folder's files as paths from here, as `run` names them, written to
    ``out`` if given."""
    kept = [row_from_here(row, domain.root) for row in rows]
    if out is not None:
        write_jsonl(kept, out)
    return kept


def copy_check(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    seed_data: dict[str, Any],
    count: int = 40,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """How many of the ids in the agent's turns the model writes right, teacher-forced (the
    dialogue so far given, every token of the id the greedy choice), on ``count`` of ``rows``
    (training dialogues, in the form the model sees): ``as_is``, and ``renamed`` with each
    dialogue's ids permuted consistently (:meth:`Identifiers.rename`: the same dialogue on a
    database whose ids were shuffled), where only copying gets them right. Each gives ``right``,
    ``of`` (ids) and ``rate``."""
    import torch

    from eigendsl.train.sft_dialogues import to_conversation

    ids = Identifiers(seed_data)
    rng = random.Random(f"copy-check:{seed}")
    sample = rng.sample(rows, min(count, len(rows)))
    renamed = [ids.rename(row, rng) for row in sample]
    was_training = model.training
    model.eval()
    result = {}
    try:
        with torch.no_grad():
            for name, dialogues in (("as_is", sample), ("renamed", renamed)):
                marks = [
                    mark
                    for row in dialogues
                    for mark in _written(model, tokenizer, to_conversation(row), ids.spans)
                ]
                right = sum(marks)
                result[name] = {
                    "right": right,
                    "of": len(marks),
                    "rate": round(right / len(marks), 4) if marks else 0.0,
                }
    finally:
        model.train(was_training)
    return result


def value_check(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    seed_data: dict[str, Any],
    count: int = 40,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Whether the model reads the values it states out of the tool results, or recalls them:
    :func:`copy_check` for the values of the records' other fields (an order's ``status``, a
    card's ``balance``). In ``count`` of ``rows`` (training dialogues, in the form the model
    sees) that hold one, a value the agent states in a text turn right after a tool result gave
    it as a field (``status: delivered``; :func:`stated_value`), not said by the user before:
    whether the model writes it right teacher-forced (every token the greedy choice), ``as_is``
    and ``swapped``, with that field's value in the result and in the agent's turn replaced by
    another value the seed data holds for that field, where only reading the result gets it right.
    Each gives ``right``, ``of`` (values) and ``rate``."""
    import torch

    from eigendsl.train.sft_dialogues import to_conversation

    fields = field_values(seed_data)
    rng = random.Random(f"value-check:{seed}")
    candidates = ((row, stated_value(row, fields)) for row in rng.sample(rows, len(rows)))
    found = list(itertools.islice(((row, stated) for row, stated in candidates if stated), count))
    was_training = model.training
    model.eval()
    result = {}
    try:
        with torch.no_grad():
            for name in ("as_is", "swapped"):
                marks = []
                for row, (tool, turn, key, value) in found:
                    messages, new = row["messages"], value
                    if name == "swapped":
                        new = rng.choice([v for v in fields[key] if v != value])
                        messages = swapped(messages, tool, turn, key, value, new)
                    where = _turn_spans(messages[tool]["content"], messages[turn]["content"], new)
                    conversation = to_conversation({**row, "messages": messages})
                    marks += _written(model, tokenizer, conversation, where)[:1]
                right = sum(marks)
                rate = round(right / len(marks), 4) if marks else 0.0
                result[name] = {"right": right, "of": len(marks), "rate": rate}
    finally:
        model.train(was_training)
    return result


def _turn_spans(result: str, turn: str, value: str) -> Callable[[str], list[tuple[int, int]]]:
    """Where a rendered dialogue holds ``value`` in the agent's ``turn`` after the tool
    ``result``."""

    def spans(text: str) -> list[tuple[int, int]]:
        after = text.find(result)
        start = text.find(turn, after + len(result)) if after >= 0 else -1
        found = word_pattern(value).search(turn) if start >= 0 else None
        return [(start + found.start(), start + found.end())] if found else []

    return spans


def _written(
    model: Any,
    tokenizer: Any,
    conversation: dict[str, Any],
    spans: Callable[[str], list[tuple[int, int]]],
) -> list[bool]:
    """For each span of the rendered dialogue (``spans`` of its text) that the assistant writes:
    whether the model's greedy prediction of each of its tokens, from the tokens before it, is
    that token."""
    import torch

    messages, tools = conversation["messages"], json.loads(conversation["tools"]) or None
    marked = tokenizer.apply_chat_template(
        messages, tools=tools, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    text = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
    plain = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    tokens = list(marked["input_ids"])
    if (
        list(plain["input_ids"]) != tokens
    ):  # a template that adds tokens of its own: offsets unknown
        return []
    learned = [p for p, mask in enumerate(marked["assistant_masks"]) if mask and p > 0]
    mentions = [
        [
            p
            for p in learned
            if plain["offset_mapping"][p][0] < end and start < plain["offset_mapping"][p][1]
        ]
        for start, end in spans(text)
    ]
    mentions = [positions for positions in mentions if positions]
    config = getattr(model, "config", None)  # a stand-in model of a test has none
    limit = model_positions(config)
    if limit is not None and len(tokens) > limit[0] and not is_rotary(config):
        # learned positions (GPT-2's) have no row past the last: the dialogue up to there
        tokens = tokens[: limit[0]]
        mentions = [positions for positions in mentions if positions[-1] < limit[0]]
    if not mentions:
        return []
    device = next(model.parameters()).device
    predicted = (
        model(input_ids=torch.tensor([tokens], device=device)).logits[0, :-1].argmax(-1).tolist()
    )
    return [all(predicted[p - 1] == tokens[p] for p in positions) for positions in mentions]
