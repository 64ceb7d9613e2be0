"""Fresh identifiers for SFT dialogues, so that a small model learns to copy ids, not recall them.

Synthesized dialogues all play on the domain's one seed database, so the same order ids, user ids
and tracking numbers come back again and again. A small model trained on them for many epochs
learns them by heart: asked about order ``#W1000297`` it looks up ``#W1000222``, a memorized id,
instead of copying the one the user gave. Held-out tasks use the same database with other
entities, so recall is always wrong there.

:class:`FreshIds` rewrites one dialogue with the identifiers of the seed database shuffled:
each id it mentions becomes another id of the same kind (another order id, another user id),
consistently in all its turns (what the user says, the tool calls, the tool results), and two ids
never become one. The dialogue stays coherent, as if played on a database whose ids were
permuted, but which id goes with which customer changes on each pass over the data, so copying
is the only way to get the ids right. The new ids are ids of the domain, so the embedded
tokenizer, which keeps each of them whole (:data:`known` feeds its added tokens), has them all.

What counts as an identifier comes from the seed data alone, so any domain gets it:

- every table's row keys (``usr_leonamarsh``, ``#W1000297``, ``P101``) of at least 4 characters,
  no spaces, and a digit or a character other than a letter (a key like ``gold`` is a word, and
  may mean something to the policy);
- every string value in the rows that has no spaces, at least 4 characters and exactly one run of
  digits (``card_9264``, ``I10702``, ``TRK70838786``, zip codes); strings of digits alone need at
  least 5 (a 4-digit string is as often a year or an amount), and dates (``2026-07-13``, three
  runs) are left alone, since their order means something.

Ids with digits stand in for each other when they have the same shape (the digits in the same
places: ``#W1000297`` and ``#W1001407``); ids without digits when they are keys of the same table.
The system prompt is left as it is.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d+")


class FreshIds:
    """Renames the seed database's identifiers in dialogues.

    >>> seed = {"orders": {"#W1000297": {"order_id": "#W1000297", "user_id": "usr_ann"},
    ...                    "#W1000304": {"order_id": "#W1000304", "user_id": "usr_bob"}},
    ...         "users": {"usr_ann": {"user_id": "usr_ann"}, "usr_bob": {"user_id": "usr_bob"}}}
    >>> fresh = FreshIds(seed)
    >>> row = {"messages": [{"role": "user", "content": "Is #W1000297 mine? I am usr_ann."},
    ...                     {"role": "tool", "content": '{"order_id": "#W1000297"}'}]}
    >>> new = fresh.rename(row, random.Random(1))["messages"]
    >>> new[0]["content"], new[1]["content"]
    ('Is #W1000304 mine? I am usr_bob.', '{"order_id": "#W1000304"}')
    """

    def __init__(self, seed: dict[str, dict[str, Any]]):
        self.groups: dict[str, list[str]] = {}  # ids that may stand in for each other
        self.group_of: dict[str, str] = {}
        groups: dict[str, set[str]] = defaultdict(set)
        for table, rows in seed.items():
            # Keys that are plain words ("gold", "silver") may mean something: keep them.
            keys = [k for k in rows if _is_word(k) and not _DIGIT_RUN.search(k) and not k.isalpha()]
            groups[f"table {table}"].update(keys)
            for value in _strings(rows, keys=False):
                if _has_digits(value):
                    groups[f"shape {_DIGIT.sub('0', value)}"].add(value)
        for name, members in sorted(groups.items()):
            if len(members) > 1:
                self.groups[name] = sorted(members)
                self.group_of.update(dict.fromkeys(members, name))
        self.known = frozenset(self.group_of)
        chars = {ch for name in self.known for ch in name if not ch.isalnum()}
        cls = "".join(re.escape(ch) for ch in sorted(chars))
        # Candidate spans: runs of the characters ids are made of; trailing punctuation is tried
        # off too ("order #W1000297." ends a sentence).
        self._span = re.compile(rf"[A-Za-z0-9{cls}]+")

    def __len__(self) -> int:
        return len(self.known)

    def rename(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """``row`` with its identifiers renamed (a new row; ``row`` is not changed)."""
        return self.apply(row, self.plan(row, rng))

    def plan(self, row: dict[str, Any], rng: random.Random) -> dict[str, str]:
        """New names for the identifiers that ``row``'s turns mention (the system prompt aside).
        Two different ids never get the same new name."""
        found: dict[str, None] = {}
        for text in _strings([m for m in row["messages"] if m.get("role") != "system"]):
            for match in self._span.finditer(text):
                name = self._known_prefix(match.group())
                if name is not None:
                    found[name] = None
        return self._mapping(list(found), rng)

    def apply(self, row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
        """``row`` with every occurrence of each id in ``mapping`` replaced by its new name, in
        every turn but the system prompt (a new row)."""
        if not mapping:
            return row

        def one(match: re.Match[str]) -> str:
            span = match.group()
            name = self._known_prefix(span)
            return span if name not in mapping else mapping[name] + span[len(name):]

        def sub(text: str) -> str:
            return self._span.sub(one, text)

        turns = [m if m.get("role") == "system" else _map_strings(m, sub) for m in row["messages"]]
        return {**row, "messages": turns}

    def passes(self, rows: list[dict[str, Any]], count: int, seed: int = 0) -> list[dict[str, Any]]:
        """``count`` passes over ``rows``, each with its own fresh identifiers."""
        out = []
        for number in range(count):
            rng = random.Random(f"{seed}:{number}")
            out += [self.rename(row, rng) for row in rows]
        return out

    def _known_prefix(self, span: str) -> str | None:
        while span:
            if span in self.known:
                return span
            if span[-1].isalnum():
                return None
            span = span[:-1]
        return None

    def _mapping(self, names: list[str], rng: random.Random) -> dict[str, str]:
        by_group: dict[str, list[str]] = defaultdict(list)
        for name in names:
            by_group[self.group_of[name]].append(name)
        mapping: dict[str, str] = {}
        for group, found in by_group.items():
            pool = list(self.groups[group])
            rng.shuffle(pool)
            mapping.update(zip(found, pool, strict=False))  # distinct ids: two ids never merge
        return mapping


def _is_word(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 4 and not any(ch.isspace() for ch in value)


def _has_digits(value: str) -> bool:
    if not _is_word(value) or len(_DIGIT_RUN.findall(value)) != 1:
        return False
    return not value.isdigit() or len(value) >= 5


def _strings(value: Any, keys: bool = True) -> Iterator[str]:
    """Every string in ``value``; with ``keys``, the keys of its mappings too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if keys and isinstance(key, str):
                yield key
            yield from _strings(item, keys)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, keys)


def _map_strings(value: Any, sub: Any) -> Any:
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, sub) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, sub) for item in value]
    return value
