"""Train the embedded model's tokenizer on a domain's own text.

A byte-level BPE (any text encodes, no unknown token) learned from the compiled domain's prompts,
tool schemas and rendered dialogues, so a few thousand tokens cover the domain's words. Digits are
split one per token: the agent copies 7-digit order ids and amounts digit by digit, which a tiny
model learns far more easily than hundreds of merged number chunks. Newlines are split one per
token too, so no token straddles the ``\\n`` that ends the ``<|im_start|>assistant\\n`` header:
the assistant mask of the chat template then falls exactly on token boundaries.

``words`` (the domain's identifiers with digits: item ids, zip codes, ...) become whole tokens,
matched as words only: copying one is then copying one token, which a tiny model learns far
sooner than copying its digits one by one. ``pieces`` become tokens matched anywhere, even inside
a word: the prefixes and bodies of ids (``#W`` and ``1000815`` of ``#W1000815``), so the body
follows a token that starts nothing but ids (see
:meth:`eigendsl.train.identifiers.Identifiers.id_tokens`).

>>> tok = train_tokenizer(["Order #W1234567 was cancelled."] * 20, vocab_size=300)
>>> tok.tokenize("#W1234567")[-7:]
['1', '2', '3', '4', '5', '6', '7']
>>> tok = train_tokenizer(["Order #W1234567 was cancelled."] * 20, 300, words=["#W1234567"])
>>> tok.tokenize("Order #W1234567, not #W12345678.")[:4]
['Order', 'Ġ', '#W1234567', ',']
>>> tok = train_tokenizer(["Order #W1234567 was cancelled."] * 20, 300, pieces=["#W", "1234567"])
>>> tok.tokenize("Order #W1234567.")
['Order', 'Ġ', '#W', '1234567', '.']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from eigendsl.runtime.chat_format import MARKUP_TOKENS
from eigendsl.train.chat import (
    CHAT_TEMPLATE,
    ENDOFTEXT,
    IM_END,
    IM_START,
    render_chat,
)

# Control tokens: never produced by the byte-level model, removed by `skip_special_tokens`.
SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END]
DEFAULT_VOCAB_SIZE = 3000


def train_tokenizer(
    texts: Iterable[str],
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    min_frequency: int = 2,
    chat_template: str = CHAT_TEMPLATE,
    words: Iterable[str] = (),
    pieces: Iterable[str] = (),
) -> PreTrainedTokenizerFast:
    """Learn a byte-level BPE tokenizer from ``texts`` and wrap it for transformers.

    The result has ``<|im_end|>`` as its end-of-sequence token (the end of an assistant turn is
    where generation stops), ``<|endoftext|>`` as its padding token, no beginning-of-sequence
    token, and :data:`~eigendsl.train.chat.CHAT_TEMPLATE` as its chat template. The vocabulary has
    at most ``vocab_size`` entries (fewer when the texts run out of merges), plus one token for
    each of ``words`` (matched as whole words) and of ``pieces`` (matched anywhere).
    Deterministic: the same texts, words and pieces give the same tokenizer.
    """
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"\n"), behavior="isolated"),
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS + MARKUP_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    # The trainer gave the markup tokens their ids; re-adding them as non-special added tokens
    # keeps those ids and makes the tokenizer split them out of any text before the BPE runs.
    backend.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS]
    )
    backend.add_tokens([AddedToken(t, special=False, normalized=False) for t in MARKUP_TOKENS])
    backend.add_tokens(
        [AddedToken(w, normalized=False, single_word=True) for w in sorted(set(words))]
    )
    backend.add_tokens([AddedToken(p, normalized=False) for p in sorted(set(pieces))])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token=IM_END,
        pad_token=ENDOFTEXT,
        model_max_length=8192,
        padding_side="right",
        clean_up_tokenization_spaces=False,
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def corpus_texts(
    prompts: Iterable[str] = (),
    tools: list[dict] | None = None,
    dialogues: Iterable[dict] = (),
) -> list[str]:
    """The texts a domain's tokenizer learns from: its prompts, its tool schemas (as the system
    turn lists them) and its dialogues rendered with the chat template.

    ``dialogues`` are rows of the data contract (``messages`` and optionally ``tools``).
    """
    texts = [p for p in prompts if p]
    if tools:
        texts.extend(json.dumps(tool, ensure_ascii=False) for tool in tools)
    for row in dialogues:
        texts.append(render_chat(row["messages"], tools=_tools_of(row) or tools))
    return texts


def domain_corpus(generated_dir: str | Path, dialogues: Iterable[dict] = ()) -> list[str]:
    """:func:`corpus_texts` for a compiled domain: every file under ``prompts/`` and the
    schemas of ``tools.json`` in ``generated_dir``, plus ``dialogues``."""
    root = Path(generated_dir)
    prompts = [
        p.read_text(encoding="utf-8") for p in sorted((root / "prompts").rglob("*")) if p.is_file()
    ]
    tools_file = root / "tools.json"
    tools = (
        json.loads(tools_file.read_text(encoding="utf-8"))["tools"] if tools_file.exists() else None
    )
    return corpus_texts(prompts, tools, dialogues)


def _tools_of(row: dict) -> list[dict] | None:
    tools = row.get("tools")
    return json.loads(tools) if isinstance(tools, str) else tools
