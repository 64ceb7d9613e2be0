"""Name tokens: a token of the embedded tokenizer for each of the domain's snake-case names.

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
from typing import Any

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
