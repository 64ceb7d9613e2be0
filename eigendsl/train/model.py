"""The embedded model (a small Qwen2 built locally) and the loader every training stage uses.

``load_model("tiny", texts=...)`` trains a tokenizer on the domain's text and builds a randomly
initialised Qwen2 language model around it, so the whole loop runs on a CPU without downloading
anything. ``load_model(path_or_hub_id)`` loads any causal LM checkpoint through the same
``AutoModelForCausalLM`` / ``AutoTokenizer`` path, including the checkpoints our own trainers
save (a trained "tiny" model reloads as a plain directory).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from eigendsl.errors import EigenError
from eigendsl.runtime.chat_format import chat_format_note, ensure_chat_format, training_chat_reason
from eigendsl.runtime.checkpoints import (
    LOAD_ERRORS,
    check_vocabulary,
    checkpoint_error,
    is_rotary,
    load_tokenizer,
    model_positions,
    offline_unless_reachable,
    quiet_library_bars,
)
from eigendsl.train.tokenizer import DEFAULT_VOCAB_SIZE, train_tokenizer


@dataclass(frozen=True)
class ModelSize:
    """The shape of an embedded model."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    # Width of each attention head; None: hidden_size / num_attention_heads.
    head_dim: int | None = None


# "micro" is for unit tests; "tiny" trains on a few hundred dialogues in minutes on 2 CPU cores;
# "small" is the largest that is still pleasant on a CPU.
# "tiny" shares each key-value head between two query heads: with four (full multi-head
# attention) retail seeds 0 and 1 gave pass^1 0.486 and 0.505 after SFT against 0.613 and 0.577.
# "tiny-wide" is "tiny" with heads of 64 instead of 32: on retail (seeds 0-3, one thread) pass^1
# 0.572 after SFT against 0.541 and renamed ids copied 88% against 75%, but SFT takes 1.4-1.7
# times as long; in tiny's time (44 passes, not 60) it fell to 0.505 and 0.396 (seeds 0, 1).
# An MLP of 768 instead of 384 gave tiny 0.468 and 0.360 on seeds 0 and 1 (0.613 and 0.577).
MODEL_SIZES: dict[str, ModelSize] = {
    "micro": ModelSize(64, 1, 4, 2, 128),
    "tiny": ModelSize(128, 2, 4, 2, 384),
    "tiny-wide": ModelSize(128, 2, 4, 2, 384, head_dim=64),
    "small": ModelSize(256, 4, 4, 2, 768),
}
MAX_POSITIONS = 8192
# The RoPE base of every size, set here rather than left to Qwen2Config's default so that the
# embedded model does not change with transformers. 1,000,000 (Qwen2.5's), which leaves more of
# a head's rotary pairs turning slowly enough to match content across a dialogue, gave tiny
# pass^1 0.514 after SFT on retail (seeds 0-3) against 0.541, with 79% of renamed ids copied
# against 75% (docs/training.md, "A larger RoPE base").
ROPE_BASE = 10_000.0

Texts = Iterable[str] | Callable[[], Iterable[str]]


def build_tiny_model(
    tokenizer: PreTrainedTokenizerBase,
    size: str = "tiny",
    seed: int = 0,
    max_position_embeddings: int = MAX_POSITIONS,
) -> Qwen2ForCausalLM:
    """A randomly initialised ``Qwen2ForCausalLM`` whose vocabulary is ``tokenizer``'s.

    ``size`` is a key of :data:`MODEL_SIZES`. The same seed gives the same weights, and the
    global random state is left as it was.

    >>> from eigendsl.train.tokenizer import train_tokenizer
    >>> model = build_tiny_model(train_tokenizer(["a b c"] * 3, vocab_size=300), size="micro")
    >>> model.config.hidden_size, model.config.tie_word_embeddings
    (64, True)
    """
    if size not in MODEL_SIZES:
        raise ValueError(f"Unknown model size {size!r}; choose one of {', '.join(MODEL_SIZES)}.")
    shape = MODEL_SIZES[size]
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden_size,
        intermediate_size=shape.intermediate_size,
        num_hidden_layers=shape.num_hidden_layers,
        num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_key_value_heads,
        # not a declared field of Qwen2Config, but kept on the config, and its attention reads it
        head_dim=shape.head_dim or shape.hidden_size // shape.num_attention_heads,  # type: ignore[call-arg]
        max_position_embeddings=max_position_embeddings,
        rope_parameters={"rope_type": "default", "rope_theta": ROPE_BASE},
        # tied: a head that moves an id's embedding forward points the output at that id; untied
        # (929k parameters) gave retail pass^1 0.450 and 0.486 against 0.613 and 0.577 (seeds 0, 1)
        tie_word_embeddings=True,
        use_sliding_window=False,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = None
    return model


def load_model(
    name_or_path: str | Path,
    texts: Texts | None = None,
    *,
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    words: Iterable[str] = (),
    pieces: Iterable[str] = (),
    seed: int = 0,
    dtype: torch.dtype | str | None = None,
    note: Callable[[str], None] | None = None,
    **model_kwargs: Any,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Return ``(model, tokenizer)`` for an embedded size name or any checkpoint.

    - A key of :data:`MODEL_SIZES` (``"micro"``, ``"tiny"``, ``"tiny-wide"``, ``"small"``)
      builds the embedded model, even where the working directory holds a folder of that name
      (a spec folder ``small`` is common; that folder is ``./small``): a tokenizer trained on
      ``texts`` (a list of strings, or a function returning them, called only here; ``words`` and
      ``pieces``, the domain's identifiers and their parts, become tokens of their own: see
      :func:`train_tokenizer`) and a random Qwen2 of that size.
    - Anything else (a local checkpoint directory or a hub id, loaded offline when
      ``HF_HUB_OFFLINE=1``) goes through ``AutoModelForCausalLM`` and ``AutoTokenizer``. When the
      tokenizer's chat template does not mark the assistant's text with ``{% generation %}``, our
      template replaces it (see :func:`ensure_chat_format`), and ``note`` is told so. A tokenizer
      with more tokens than the model's embedding has rows is a ``ValueError``
      (:func:`~eigendsl.runtime.checkpoints.check_vocabulary`).
    """
    name = str(name_or_path)
    if name in MODEL_SIZES:
        if texts is None:
            raise ValueError(
                f"The embedded model {name!r} trains its tokenizer on the domain's text: pass "
                "texts=[...] (prompts, tool schemas, rendered dialogues), e.g. from "
                "eigendsl.train.tokenizer.domain_corpus(generated_dir, rows)."
            )
        corpus = texts() if callable(texts) else texts
        embedded_tokenizer = train_tokenizer(
            corpus, vocab_size=vocab_size, words=words, pieces=pieces
        )
        embedded = build_tiny_model(embedded_tokenizer, size=name, seed=seed)
        if dtype is not None:
            embedded.to(dtype=_dtype(dtype))  # type: ignore[call-arg]
        return embedded, embedded_tokenizer
    tokenizer = load_tokenizer(name)
    kwargs = dict(model_kwargs)
    if dtype is not None:
        kwargs["dtype"] = _dtype(dtype)
    model: PreTrainedModel = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    embeddings: Any = model.get_input_embeddings()
    rows = int(embeddings.weight.shape[0])
    check_vocabulary(tokenizer, rows)  # before ensure_chat_format grows the embedding
    reason = training_chat_reason(tokenizer)
    if ensure_chat_format(model, tokenizer) and note is not None and reason is not None:
        note(chat_format_note(name, reason))
    return model, tokenizer


def load_checkpoint(
    name_or_path: str | Path,
    *,
    embedded: bool = False,
    note: Callable[[str], None] | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """:func:`load_model` for a checkpoint the user named to ``train``: one that does not load is
    a user error that says what a model can be (:func:`checkpoint_error`), not the loader's
    traceback; ``note`` is told when EigenDSL's chat template replaces the checkpoint's. The
    commands that only play a checkpoint load it with
    :func:`~eigendsl.runtime.checkpoints.load_for_play`."""
    quiet_library_bars()
    if not embedded and str(name_or_path) in MODEL_SIZES and Path(name_or_path).is_dir():
        # a command that builds no embedded model (eval) can only mean the folder of that name
        name_or_path = os.path.join(".", name_or_path)
    try:
        return load_model(name_or_path, note=note)
    except LOAD_ERRORS as exc:
        raise checkpoint_error(name_or_path, exc, embedded=embedded) from None


def check_model_name(name: str, max_length: int | None = None) -> None:
    """Fail now, before any stage takes its minutes, if ``name`` is neither an embedded size nor a
    checkpoint whose config loads (a folder's ``config.json``, or a hub id's, which this fetches
    into the cache that loading the weights then uses) and whose tokenizer fits its embedding;
    or if its positions are fewer than SFT's ``max_length`` (``training.sft.max_length``) for a
    model with learned positions (GPT-2's), which would fail on the first long dialogue. A size's
    name is the embedded size, whatever folders the working directory holds."""
    from transformers import AutoConfig

    if name in MODEL_SIZES:
        return
    offline_unless_reachable(name)
    try:
        config = AutoConfig.from_pretrained(name)
        rows = getattr(config, "vocab_size", None)
        if isinstance(rows, int):  # the tokenizer too, where the config gives the embedding's rows
            check_vocabulary(load_tokenizer(name), rows)
    except LOAD_ERRORS as exc:
        raise checkpoint_error(name, exc, embedded=True) from None
    limit = model_positions(config)
    if max_length is not None and limit is not None and max_length > limit[0]:
        if not is_rotary(config):
            raise EigenError(
                f"training.sft.max_length is {max_length} tokens, but the model '{name}' takes "
                f"{limit[0]} positions ({limit[1]} in its config.json); set "
                f"training.sft.max_length to {limit[0]} or less in the spec's training: "
                "section, or use a model with a longer context"
            )


def _dtype(dtype: torch.dtype | str) -> torch.dtype:
    return getattr(torch, dtype) if isinstance(dtype, str) else dtype
