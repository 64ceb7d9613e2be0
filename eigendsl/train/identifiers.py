"""The domain's identifiers, found in its seed data, and their tokens in the embedded tokenizer.
:class:`Identifiers` also renames them in SFT dialogues (:mod:`eigendsl.train.renaming`) and cuts
copy drills out of those (:mod:`eigendsl.train.copy_drills`); the domain's snake-case names get
tokens of their own in :mod:`eigendsl.train.vocabulary`.

What counts as an identifier comes from the seed data alone, so any domain gets it:

- every table's row keys (``usr_leonamarsh``, ``#W1000297``, ``P101``) of at least 4 characters,
  no spaces, and a digit or a character other than a letter (a key like ``gold`` is a word, and
  may mean something to the policy);
- every string value in the rows that has no spaces, at least 4 characters and exactly one run of
  digits (``card_9264``, ``I10702``, ``TRK70838786``, zip codes); strings of digits alone need at
  least 5 (a 4-digit string is as often a year or an amount), and dates (``2026-07-13``, three
  runs) are left alone, since their order means something.

The values the tasks give the user to say stay digits: a new address's zip code is in no seed row.
Tried: those strings among the tasks' parameters as ids too, whole tokens shuffled with the seed's
zip codes (one thread, synthesis reused). The agent then wrote some other zip token into all 36
held-out address changes of seeds 1 and 2, where spelled in digits it had passed all 12 account
changes: whole ids are not copied (below), and in the call a zip follows ``"zip": "``, in the
user's address a state's name. Only seed 0 gained: its account changes' ``07730``, spelled in
digits, came out as ``07777`` or ``07770`` in all 6; as a token it was right in 4.

**Key tokens.** :meth:`Identifiers.id_tokens` gives the embedded tokenizer a token for each
prefix that starts only ids (``#W``, ``usr_``, ``card_``, ``TRK``) and one for the body of each
prefixed id the dialogues use (``1000815`` of ``#W1000815``); ids without such a prefix
(``I10702``, zip codes) stay one whole token. Copying is an induction pattern: at ``#W`` in a call,
find the earlier ``#W`` and write what followed it. A whole-token id follows a space or a quote,
which every word follows, so nothing points at it; a prefix that starts only ids does. On retail,
seed 0: pass^1 after SFT 0.171 with key tokens against 0.162 with whole ids (0.081 with user ids
whole as well); the user's id copied out of the lookup in 40 of 46 calls against 21 of 36, the
user's order looked up in 72 of 93 lookups against 56 of 91. With ``gift_`` also a key (it is not
now: ``gift_card`` starts with it), seeds 0 and 1: 0.153 and 0.216 against 0.162 and 0.135.
With the current default's dialogues (seed 0), pass^1 after SFT 0.297 with key tokens, 0.117
with the prefixes alone (``bodies=False``: every digit its own token) and 0.171 with no id
tokens: spelled in digits, ids are recalled as before (88–90% of them right as trained) and not
copied (1–2% once renamed). A body token has a cost: one that only tool results hold (a held-out
order's tracking number) is never a target, so the agent cannot write it.

Whole ids are neither copied nor, with shuffled ids (:mod:`eigendsl.train.renaming`), recalled:
teacher-forced on 60 of its own training dialogues, the default's agent (seed 0) wrote 5 of 38 item
ids right (1 of 38 renamed) and 11 of 20 gift card ids (3 of 20), against every order and user id.
Tried: item ids split after their first digit (``I1`` ``0303``) and ``gift_`` a key with
``gift_card`` a word of its own. Item ids then came out 19 of 38 (20 of 38 renamed) and gift cards
17 of 20 (15), the copy check's renamed ids 158–203 against 147–171 on seeds 0–3; but the agent
copied the order's first or last item, not the one the user named, and pass^1 after SFT fell to
0.532, 0.532, 0.441 and 0.450 (mean 0.489 against 0.541), the gift card balance passing in 1 of 24
episodes (5 of 24 whole). With a nested record's id fields also moved after the words that describe
it in compact tool results (seeds 0 and 1): 0.486 and 0.541 after SFT; the write then repeats the
item ids its confirmation wrote (15 of 24 and 22 of 26; whole ids in the default, 0 of 25 and 0 of
28), and the misses are in the confirmation's words (another item of the order, or the variant the
training dialogues name most); with a third layer as well, 0.559 and 0.505. So those ids stay whole.
"""

from __future__ import annotations

import os
import random  # noqa: F401 - the doctests use it
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from eigendsl.train.copy_drills import CopyDrills
from eigendsl.train.renaming import Renaming, _strings

_DIGIT = re.compile(r"\d")
_PREFIXED = re.compile(r"(\D{2,})(\d.*)")  # "#W1000815": prefix "#W", body "1000815"
_DIGIT_RUN = re.compile(r"\d+")


class IdTokens(NamedTuple):
    """Tokens of the embedded tokenizer for ids (:meth:`Identifiers.id_tokens`): ``prefixes`` and
    ``bodies`` are matched anywhere in a text, ``words`` only as whole words."""

    prefixes: list[str]
    bodies: list[str]
    words: list[str]


class Identifiers(Renaming, CopyDrills):
    """A domain's identifiers (:attr:`known`), found in its seed data: which of them a corpus
    uses (:meth:`frequent`), their tokens (:meth:`id_tokens`), dialogues with them shuffled
    (:meth:`rename`, from :class:`~eigendsl.train.renaming.Renaming`) and copy drills
    (:meth:`copy_drills`, from :class:`~eigendsl.train.copy_drills.CopyDrills`).

    >>> seed = {"orders": {"#W1000297": {"order_id": "#W1000297", "user_id": "usr_ann"},
    ...                    "#W1000304": {"order_id": "#W1000304", "user_id": "usr_bob"}},
    ...         "users": {"usr_ann": {"user_id": "usr_ann"}, "usr_bob": {"user_id": "usr_bob"}}}
    >>> fresh = Identifiers(seed)
    >>> row = {"messages": [{"role": "user", "content": "Is #W1000297 mine? I am usr_ann."},
    ...                     {"role": "tool", "content": '{"order_id": "#W1000297"}'}]}
    >>> new = fresh.rename(row, random.Random(1))["messages"]
    >>> new[0]["content"], new[1]["content"]
    ('Is #W1000304 mine? I am usr_bob.', '{"order_id": "#W1000304"}')
    """

    def __init__(
        self,
        seed: dict[str, dict[str, Any]],
        attributes: Iterable[str] = (),
        catalog: Iterable[str] = (),
    ):
        self.groups: dict[str, list[str]] = {}  # ids that may stand in for each other
        self.group_of: dict[str, str] = {}
        groups: dict[str, set[str]] = defaultdict(set)
        for table, rows in seed.items():
            # Keys that are plain words ("gold", "silver") may mean something: keep them.
            keys = [k for k in rows if _is_word(k) and not _DIGIT_RUN.search(k) and not k.isalpha()]
            groups[f"table {table}"].update(keys)
            for value in _strings(rows):
                if _has_digits(value):
                    groups[f"shape {_DIGIT.sub('0', value)}"].add(value)
        for name, members in sorted(groups.items()):
            if len(members) > 1:
                self.groups[name] = sorted(members)
                self.group_of.update(dict.fromkeys(members, name))
        self.known = frozenset(self.group_of)
        # the ids of the catalog's tables, which renaming leaves as they are
        self.kept = frozenset(
            name for table in catalog for name in _ids_in(seed.get(table, {})) if name in self.known
        )
        chars = {ch for name in self.known for ch in name if not ch.isalnum()}
        cls = "".join(re.escape(ch) for ch in sorted(chars))
        # Candidate spans: runs of the characters ids are made of; trailing punctuation is tried
        # off too ("order #W1000297." ends a sentence).
        self._span = re.compile(rf"[A-Za-z0-9{cls}]+")
        self._find_attributes(seed, attributes)

    def frequent(self, texts: Iterable[str], min_count: int = 2) -> list[str]:
        """The ids that occur at least ``min_count`` times in ``texts``, sorted. (A large database
        has far more ids than its dialogues mention; a token for one never seen is never trained.)

        >>> ids = Identifiers({"users": {"u_ann": {}, "u_bob": {}, "u_cy": {}}})
        >>> ids.frequent(["u_ann, u_bob", "u_ann."])
        ['u_ann']
        """
        counts = Counter(self._mentions(texts))
        return sorted(name for name, count in counts.items() if count >= min_count)

    def id_tokens(self, texts: Iterable[str], min_count: int = 2, bodies: bool = True) -> IdTokens:
        """The embedded tokenizer's tokens for the ids ``texts`` use (see the module's notes,
        *Key tokens*): each id of :meth:`frequent` with digits and a prefix of 2 or more characters
        before them (``#W1000815``, ``card_9264``) becomes that prefix and its body, both tokens
        (``#W`` ``1000815``); the other ids with digits stay whole (``I10702``, zip codes); and
        ids without digits get their table's shared prefix (``usr_``), their name staying in word
        pieces. A prefix that starts anything but ids in ``texts`` (``gift_`` of ``gift_card``)
        is no key: its ids stay whole. Each prefix thus starts only ids, and an induction head can
        look up the body that follows it. With ``bodies`` false only the prefixes are tokens: every
        id's digits are then spelled one per token, as the tokenizer spells all digits.

        >>> ids = Identifiers({"users": {"usr_ann": {"card": "card_1234", "item": "I1234"},
        ...                              "usr_bob": {"card": "card_5678", "item": "I5678"}}})
        >>> ids.id_tokens(["usr_ann card_1234 I1234 #x"] * 2)
        IdTokens(prefixes=['card_', 'usr_'], bodies=['1234'], words=['I1234'])
        >>> ids.id_tokens(["usr_ann card_1234 by credit card_or cash"] * 2)
        IdTokens(prefixes=['usr_'], bodies=[], words=['card_1234'])
        >>> ids.id_tokens(["usr_ann card_1234 I1234 #x"] * 2, bodies=False)
        IdTokens(prefixes=['card_', 'usr_'], bodies=[], words=[])
        """
        texts = list(texts)
        used = self.frequent(texts, min_count)
        prefix_of: dict[str, str] = {}
        for name in used:
            split = _PREFIXED.match(name)
            if split:
                prefix_of[name] = split.group(1)
            elif not _DIGIT.search(name):
                prefix_of[name] = _shared_prefix(self.groups[self.group_of[name]])
        # A prefix that also starts other words ("gift_" of "gift_card") would be no key.
        keys = {p for p in set(prefix_of.values()) if p and self._starts_only_ids(p, texts)}
        prefixes, found_bodies, words = set(), set(), set()
        for name in used:
            if prefix_of.get(name) in keys:
                prefixes.add(prefix_of[name])
                if _DIGIT.search(name):
                    found_bodies.add(name[len(prefix_of[name]) :])
            elif _DIGIT.search(name):
                words.add(name)
        if not bodies:
            return IdTokens(sorted(prefixes), [], [])
        return IdTokens(sorted(prefixes), sorted(found_bodies), sorted(words))

    def _starts_only_ids(self, prefix: str, texts: list[str]) -> bool:
        ids = {name for name in self.known if name.startswith(prefix)}
        lengths = {len(name) for name in ids}  # a few: look each length up, not each id
        return all(
            any(text[at.start() : at.start() + n] in ids for n in lengths)
            for text in texts
            for at in re.finditer(re.escape(prefix), text)
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` mentions ids: ``(start, end)`` character offsets, trailing punctuation
        left out.

        >>> orders = {"#W1000297": {"order_id": "#W1000297"},
        ...           "#W1000304": {"order_id": "#W1000304"}}
        >>> Identifiers({"orders": orders}).spans("Is #W1000297 mine?")
        [(3, 12)]
        """
        found = []
        for match in self._span.finditer(text):
            name = self._known_prefix(match.group())
            if name is not None:
                found.append((match.start(), match.start() + len(name)))
        return found

    def _mentions(self, texts: Iterable[str]) -> Iterator[str]:
        """Each id mentioned in ``texts``, once per mention."""
        for text in texts:
            for start, end in self.spans(text):
                yield text[start:end]

    def _known_prefix(self, span: str) -> str | None:
        while span:
            if span in self.known:
                return span
            if span[-1].isalnum():
                return None
            span = span[:-1]
        return None


def _ids_in(value: Any) -> Iterator[str]:
    """Every string in ``value``, its mappings' keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key
            yield from _ids_in(item)
    else:
        yield from _strings(value)


def _shared_prefix(names: list[str]) -> str:
    """The start all ``names`` share, up to its last character that is not a letter or a digit
    (``usr_``), or "" when that is shorter than 2 characters."""
    shared = os.path.commonprefix(names)
    cut = max((i for i, ch in enumerate(shared) if not ch.isalnum()), default=-1) + 1
    return shared[:cut] if cut >= 2 else ""


def _is_word(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 4 and not any(ch.isspace() for ch in value)


def _has_digits(value: str) -> bool:
    if not _is_word(value) or len(_DIGIT_RUN.findall(value)) != 1:
        return False
    return not value.isdigit() or len(value) >= 5
