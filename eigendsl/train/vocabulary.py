"""The embedded tokenizer's own tokens: the domain's ids, its snake-case names, the pieces of a
tool call and the numbers its dialogues state (:func:`embedded_vocabulary`, which ``eigendsl
train`` builds the base model with; the settings ``training.id_tokens``, ``name_tokens``,
``call_tokens`` and ``number_tokens`` choose them).

**Name tokens.** :func:`schema_names` gives the embedded tokenizer a token for each of the
domain's snake-case names (tools, their parameters, the records' fields), with and without the
space before it (a spaced name after a letter stays in pieces unless ``after_words``: see
:func:`name_tokens`): byte-level BPE splits words at underscores, so ``get_order_details`` was
five tokens in every call and ``payment_method_id`` five in every result. On retail a dialogue
then takes 693 tokens instead of 838 (the mean over seed 0's 6,118, as SFT renders them) and an
SFT step about 26% less time. That alone cost pass^1 in the same 2,880 steps (0.505 and 0.486
after SFT on seeds 0 and 1, against 0.613 and 0.577); with the 3,840 steps that fit in less time
than those 2,880 took, 0.640, 0.613, 0.450 and 0.523 on seeds 0-3 (mean 0.556, against 0.541): the
default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from eigendsl.train.chat import CALL_PIECES, render_chat
from eigendsl.train.identifiers import Identifiers, IdTokens
from eigendsl.train.stated_values import number_words, row_texts, said_number_words

if TYPE_CHECKING:
    from eigendsl.runtime.domain import Domain
    from eigendsl.train.settings import TrainSettings

_SNAKE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")


def schema_names(
    seed: Mapping[str, Mapping[str, Any]],
    tool_schemas: Iterable[Mapping[str, Any]],
    ids: Iterable[str] = (),
) -> list[str]:
    """The domain's names in snake case, which its dialogues repeat in every call and result: its
    tools' names, their parameters' and the seed records' field names, sorted; ``ids`` (and any
    key that is not such a name) left out. The embedded tokenizer makes each a token of its own
    (*Name tokens* in the module's notes).

    >>> seed = {"orders": {"#W1": {"order_id": "#W1", "items": [{"item_id": "I1", "price": 3}]}},
    ...         "users": {"usr_ann": {"payment_methods": {"card_12": {"last_four": "1234"}}}}}
    >>> tools = [{"function": {"name": "get_order_details",
    ...                        "parameters": {"properties": {"order_id": {"type": "string"}}}}}]
    >>> schema_names(seed, tools, ids=["card_12", "usr_ann"])
    ['get_order_details', 'item_id', 'last_four', 'order_id', 'payment_methods']
    """
    names: set[str] = set()

    def keys(value: Any) -> None:
        if isinstance(value, Mapping):
            names.update(k for k in value if isinstance(k, str))
            for item in value.values():
                keys(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                keys(item)

    for rows in seed.values():
        for record in rows.values():
            keys(record)
    for schema in tool_schemas:
        function = schema.get("function", schema)
        names.add(function.get("name", ""))
        keys(function.get("parameters", {}).get("properties", {}))
    # Keys of a parameter's JSON schema ("type", "items") are no snake-case names, so they drop out.
    return sorted(n for n in names - set(ids) if _SNAKE.fullmatch(n))


def name_tokens(names: Iterable[str], after_words: bool = False) -> tuple[list[str], list[str]]:
    """The ``words`` and ``pieces`` of :func:`~eigendsl.train.tokenizer.train_tokenizer` that make
    each of ``names`` one token: the name as a whole word (after a quote, at a line's start), and
    the name with the space before it. By default the spaced form is a word too, which the
    tokenizer refuses after a letter ("call cancel_pending_order": a word may not follow one);
    having matched it there, it does not try the plain name either, so the name comes out in
    pieces. With ``after_words`` the spaced form is a piece, one token after any character; it
    then also matches before more letters (" order_idx": " order_id" + "x"), and the text still
    decodes unchanged.

    >>> name_tokens(["order_id"])
    (['order_id', ' order_id'], [])
    >>> name_tokens(["order_id"], after_words=True)
    (['order_id'], [' order_id'])
    """
    plain = sorted(set(names))
    spaced = [" " + name for name in plain]
    return (plain, spaced) if after_words else (plain + spaced, [])


class Vocabulary(NamedTuple):
    """What the embedded tokenizer is trained on (``texts``) and the tokens it must have besides
    (the ``words`` and ``pieces`` of :func:`~eigendsl.train.tokenizer.train_tokenizer`)."""

    texts: list[str]
    words: list[str]
    pieces: list[str]


def embedded_vocabulary(
    domain: Domain, rows: list[dict[str, Any]], settings: TrainSettings
) -> Vocabulary:
    """The embedded tokenizer's corpus and own tokens for ``rows`` (the dialogues as the model
    sees them) and the domain's agent prompt, as ``settings`` choose them:

    - ``id_tokens``: the domain's ids get tokens of their own, by default a prefix that starts
      nothing but ids and the body after it (``#W`` + ``1000815``, ``usr_`` + a name piece), or
      the whole id (``I10702``);
    - ``name_tokens``: the snake-case names (*Name tokens* above);
    - ``call_tokens``: the pieces every tool call repeats (``CALL_PIECES``), and the names one
      token after a word too;
    - ``number_tokens``: the numbers the turns state, counted as ``sft_schedule`` counts the numbers
      it may permute to, so every number a permuted dialogue states is one of these tokens, and the
      whole numbers the user says for the agent to repeat (a percentage asked for).
    """
    texts = [render_chat(r["messages"], r["tools"] or None) for r in rows]
    texts.append(domain.agent_prompt)
    ids = Identifiers(domain.seed)
    tokens = (
        ids.id_tokens(texts, bodies=settings.id_tokens == "bodies")
        if settings.id_tokens != "none"
        else IdTokens([], [], [])
    )
    names, spaced = name_tokens(
        schema_names(domain.seed, domain.tool_schemas, ids.known) if settings.name_tokens else [],
        after_words=settings.call_tokens,
    )
    calls = CALL_PIECES if settings.call_tokens else []
    numbers = (
        number_words(row_texts(rows)) + said_number_words(rows, ids.known)
        if settings.number_tokens
        else []
    )
    return Vocabulary(
        texts,
        words=tokens.words + names + numbers,
        pieces=tokens.prefixes + tokens.bodies + spaced + calls,
    )
