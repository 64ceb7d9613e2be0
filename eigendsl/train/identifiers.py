"""The domain's identifiers: their tokens in the embedded tokenizer, copy drills, and shuffled
ids and attribute values for SFT.

What counts as an identifier comes from the seed data alone, so any domain gets it:

- every table's row keys (``usr_leonamarsh``, ``#W1000297``, ``P101``) of at least 4 characters,
  no spaces, and a digit or a character other than a letter (a key like ``gold`` is a word, and
  may mean something to the policy);
- every string value in the rows that has no spaces, at least 4 characters and exactly one run of
  digits (``card_9264``, ``I10702``, ``TRK70838786``, zip codes); strings of digits alone need at
  least 5 (a 4-digit string is as often a year or an amount), and dates (``2026-07-13``, three
  runs) are left alone, since their order means something.

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

Whole ids are neither copied nor, with shuffled ids (below), recalled: teacher-forced on 60 of
its own training dialogues, the default's agent (seed 0) wrote 5 of 38 item ids right (1 of 38
renamed) and 11 of 20 gift card ids (3 of 20), against every order and user id. Tried: item ids
split after their first digit (``I1`` ``0303``) and ``gift_`` a key with ``gift_card`` a word of
its own. Item ids then came out 19 of 38 (20 of 38 renamed) and gift cards 17 of 20 (15), the copy
check's renamed ids 158–203 against 147–171 on seeds 0–3; but the agent copied the order's first
or last item, not the one the user named, and pass^1 after SFT fell to 0.532, 0.532, 0.441 and
0.450 (mean 0.489 against 0.541), the gift card balance passing in 1 of 24 episodes (5 of 24
whole). With a nested record's id fields also moved after the words that describe it in compact
tool results (seeds 0 and 1): 0.486 and 0.541 after SFT; the write then repeats the item ids its
confirmation wrote (15 of 24 and 22 of 26; whole ids in the default, 0 of 25 and 0 of 28), and
the misses are in the confirmation's words (another item of the order, or the variant the
training dialogues name most); with a third layer as well, 0.559 and 0.505. So those ids stay
whole.

**Copy drills** (opt-in: ``training.sft.copy_drills``, passes in a run of their own before SFT).
The embedded 2-layer model does not learn to copy an id across a whole dialogue from the
dialogues alone: it learns them by heart. Given the start of a training dialogue it wrote the
next call's ids right 72 times in 93, and 7 times in 93 once the dialogue's ids were renamed.
Copying is an attention pattern that forms late, and the later the more tokens stand between
the id and the call: with the user's turn alone before the call a toy model copied 100 of 100
order ids after 600 steps; with the 130-token system prompt before it, 7 of 100 after 1,000
steps; trained first on the short form, then 300 steps on the long one, 95 of 100.
:meth:`Identifiers.copy_drills` cuts that short form out of each dialogue (the turn that states
an id, then the call that copies it) and each drill pass renames the ids, so only copying gets a
drill right. Measured on retail: 25 passes (1,266 short steps, about a minute) taught it (60 of
60 drills with new ids), and it carried over to whole dialogues: after SFT the agent looked up
the user's own order in 83 of 89 lookups, against 56 of 91 without drills. But it fitted the
dialogues less (loss over the last 50 steps 0.055 against 0.033) and wrote more broken calls
after long tool results, which it never learned to recover from: pass^1 0.117 after SFT and
0.135 after GRPO, against 0.162 and 0.180. Whether copying forms at all is fragile: from
drills out of user turns alone it formed in one run of 25 passes and not in three others
(another pass order, another seed, a constant learning rate); the lookup drills (a user id, in
word pieces as emails are, copied out of a lookup's result) made it form, but not in 12 passes.
Drills sharing one learning-rate schedule with the dialogues left those its low end (pass^1
0.000 after SFT). With key tokens (one run, seed 0): the order looked up right in 92 of 93
lookups, the user's id copied in 32 of 35 calls, pass^1 0.189 after SFT and 0.180 after GRPO
(0.153 and 0.135 without drills), the agent's calls that ran 52% (74% without); on seed 1,
pass^1 0.099 after SFT, 37% of its calls ran.

**Shuffled ids** (``training.sft.fresh_ids``, the share of SFT passes to shuffle: half by default).
Synthesized dialogues all play on the domain's one seed database, so the same ids come back again
and again, and a small model learns them by heart: asked about order ``#W1000297`` it may look up
a memorized ``#W1000222`` instead of copying the one the user gave. :meth:`Identifiers.rename`
rewrites a dialogue with each id it mentions replaced by another id of the same kind: ids with
digits by one of the same shape (the digits in the same places: ``#W1000297``, ``#W1001407``),
ids without digits by another key of the same table. It does so consistently in all turns but the
system prompt (what the user says, the tool calls, the tool results), and two ids never become
one, so the dialogue is the same dialogue played on a database whose ids were permuted; only
copying gets the ids right. With the 384 dialogues and 960 steps of an earlier default this did
not help (pass^1 after SFT fell to 0.000 with half or all of the passes shuffled): copying did not
emerge in time. With the previous default's 6,119 varied dialogues and 1,728 steps it does, and
fast: with the last half of the passes shuffled, 210 steps into them the agent wrote 64% of the
tokens of renamed dialogues' ids right; at the end (``eigendsl.train.evaluate.copy_check``, seeds
0–2) 148 of 208, 143 of 222 and 148 of 194 renamed ids, against 19, 74 and 5 for the same runs
without shuffling, which write 91–96% of the ids of their own dialogues right by recall. But
copying is less sure than recall (72–85% of the ids as trained), and the held-out tasks play on
the seed database the dialogues hold: pass^1 after SFT 0.324, 0.351 and 0.333 against 0.297,
0.468 and 0.396 (after GRPO 0.324, 0.387, 0.369 against 0.315, 0.477, 0.414). With 60 passes
at learning rate 3e-3, and dialogues whose agent names the record before an id it copies, it
pays: pass^1 after SFT 0.613, 0.577 and 0.523 on seeds 0-2 (169 of 219, 171 of 230 and 147 of
198 renamed ids copied), where that length without shuffling reached 0.486-0.586 on an older
release and the 36 unshuffled passes 0.315, 0.387 and 0.396 (the same seeds, one machine).
Held-out tracking numbers, which no training dialogue's agent wrote, were reported right on three
of five such runs and on none of the unshuffled ones. So it is the default; for a domain whose
agent must serve ids it was not trained on, which is every real one, the copy check is the
figure to watch.

**Shuffled attribute values** (``values`` of :meth:`rename`; ``training.sft.fresh_values``,
opt-in). A record found by what the user says of it (the navy sweater in size M) is found by its
attribute values, and those too are recalled: seed 0's training dialogues' agent names the
sweater's L in 113 turns and its M in 18, and once the item ids were copied, the agent wrote the L
when the user said M. The attributes are the schema's maps of strings (``options: {type: map,
of: string}``, :func:`attribute_fields`); in the shuffled passes each dialogue also gets one
permutation of each attribute's values (``size``: S, M, L, 41–44), applied wherever a turn states
a value with its name (``size: M``, ``"size": "M"``), tool results and variant lists included;
a value alone ("M") is left as it is. Measured on retail (one thread, synthesis reused), pass^1
after SFT 0.649, 0.577, 0.532 and 0.459 on seeds 0–3 against 0.613, 0.577, 0.523 and 0.450
without (pass^3 0.500 against 0.466 on the mean), but 0.514 against 0.559 on seed 0 with two
threads: the same within the runs' noise. The embedded model does not learn to copy the values;
it stops recalling them. Teacher-forced on 60 of its training dialogues (seed 0), the values the
agent states came out right in 16 of 34 as synthesized and in 17 of 34 once the dialogues' values
were permuted; trained without the permutation, 25 and 13 of 34 (seed 1: 23 and 15 of 80 against
60 and 8). So it is off: held-out tasks
play on the seed database, whose values recall gets right more often. A model that copies (the
item families need it: its confirmation now names the order's navy M as "color: olive, size:
42") is what it is for.

**Invented ids** (``invent``; ``training.sft`` of the pipeline: ``sft_invent_ids``): ids with
digits get new random digits instead of another id of the database, so no id can be recalled at
all. Measured with ids spelled digit by digit (``id_tokens`` off), half or all of the passes
invented: pass^1 0.000 after SFT in both runs, and the agent copied the user's order id in none of
97 lookups (it writes random digits), while it copied the email, made of word pieces, in
96 of 99. Copying a digit string did not emerge in 958 steps of the embedded model.
"""

from __future__ import annotations

import json  # noqa: F401 - the doctests use it
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from eigendsl.spec import FieldType, Table

_DIGIT = re.compile(r"\d")
_PREFIXED = re.compile(r"(\D{2,})(\d.*)")  # "#W1000815": prefix "#W", body "1000815"
_DIGIT_RUN = re.compile(r"\d+")


class IdTokens(NamedTuple):
    """Tokens of the embedded tokenizer for ids (:meth:`Identifiers.id_tokens`): ``prefixes`` and
    ``bodies`` are matched anywhere in a text, ``words`` only as whole words."""

    prefixes: list[str]
    bodies: list[str]
    words: list[str]


class Identifiers:
    """A domain's identifiers (:attr:`known`), found in its seed data: which of them a corpus
    uses (:meth:`frequent`), and dialogues with them shuffled (:meth:`rename`).

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

    def __init__(self, seed: dict[str, dict[str, Any]], attributes: Iterable[str] = ()):
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
        chars = {ch for name in self.known for ch in name if not ch.isalnum()}
        cls = "".join(re.escape(ch) for ch in sorted(chars))
        # Candidate spans: runs of the characters ids are made of; trailing punctuation is tried
        # off too ("order #W1000297." ends a sentence).
        self._span = re.compile(rf"[A-Za-z0-9{cls}]+")
        # Attribute values (size -> S, M, L): the values of each name across the seed's maps
        # stored under a field named in ``attributes``, in the order the seed holds them.
        values: dict[str, set[str]] = defaultdict(set)
        for found in _maps_under(seed, frozenset(attributes)):
            for name, value in found.items():
                if isinstance(value, str):
                    values[name].add(value)
        self.attributes = {name: sorted(v) for name, v in values.items() if len(v) > 1}
        # A value is renamed where its name states it: "size: M", '"size": "M"'.
        self._stated = {name: _stated(name, vals) for name, vals in self.attributes.items()}

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

    def rename(
        self, row: dict[str, Any], rng: random.Random, invent: bool = False, values: bool = False
    ) -> dict[str, Any]:
        """``row`` with its identifiers renamed (a new row; ``row`` is not changed), and with
        ``values`` its attribute values permuted too (:meth:`permute_values`)."""
        renamed = self.apply(row, self.plan(row, rng, invent))
        return self.permute_values(renamed, rng) if values else renamed

    def plan(self, row: dict[str, Any], rng: random.Random, invent: bool = False) -> dict[str, str]:
        """New names for the identifiers that ``row``'s turns mention (the system prompt aside).
        Two different ids never get the same new name. With ``invent``, an id with digits gets
        the same id with new random digits (``#W1000297`` may become ``#W4819033``), one the
        database does not hold."""
        turns = [m for m in row["messages"] if m.get("role") != "system"]
        found = dict.fromkeys(self._mentions(_strings(turns)))  # first mention first
        return self._mapping(list(found), rng, invent)

    def apply(self, row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
        """``row`` with every occurrence of each id in ``mapping`` replaced by its new name, in
        every turn but the system prompt (a new row)."""
        if not mapping:
            return row
        sub = self._substitution(mapping)
        turns = [m if m.get("role") == "system" else _map_strings(m, sub) for m in row["messages"]]
        return {**row, "messages": turns}

    def permutation(self, rng: random.Random) -> dict[str, str]:
        """A new name for every id of the database, each id's group permuted among itself: with
        :meth:`rename_tree` applied to the database and to a task, the task on a database whose ids
        were permuted, where only an agent that copies ids gets them right."""
        return self._mapping(sorted(self.known), rng)

    def rename_tree(self, value: Any, mapping: dict[str, str]) -> Any:
        """``value`` (a database, a task: mappings, lists, strings) with each id in ``mapping``
        renamed wherever it occurs, in its strings and in its mappings' keys (a new value).

        >>> ids = Identifiers({"users": {"usr_ann": {"card": "card_1234"},
        ...                              "usr_bob": {"card": "card_5678"}}})
        >>> ids.rename_tree({"usr_ann": {"card": "card_1234"}, "note": "usr_ann, card_1234."},
        ...                 {"usr_ann": "usr_bob", "card_1234": "card_5678"})
        {'usr_bob': {'card': 'card_5678'}, 'note': 'usr_bob, card_5678.'}
        """
        sub = self._substitution(mapping)

        def walk(node: Any) -> Any:
            if isinstance(node, str):
                return sub(node)
            if isinstance(node, dict):
                return {sub(k) if isinstance(k, str) else k: walk(v) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node

        return walk(value)

    def _substitution(self, mapping: dict[str, str]) -> Callable[[str], str]:
        """A function of a text: the text with each id in ``mapping`` replaced by its new name."""

        def one(match: re.Match[str]) -> str:
            span = match.group()
            name = self._known_prefix(span)
            return span if name not in mapping else mapping[name] + span[len(name) :]

        return lambda text: self._span.sub(one, text)

    def permute_values(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """``row`` with each attribute's values (:attr:`attributes`) permuted among themselves
        (:meth:`plan_values`) wherever a turn but the system prompt states one with its name
        (``size: M``, ``"size": "M"``); a value alone (``M``) is left as it is. The dialogue is
        then the same dialogue on a database whose values were permuted that way.

        >>> seed = {"items": {"I100": {"options": {"size": "S"}},
        ...                   "I200": {"options": {"size": "M"}},
        ...                   "I300": {"options": {"size": "L"}}}}
        >>> fresh = Identifiers(seed, attributes=["options"])
        >>> fresh.attributes
        {'size': ['L', 'M', 'S']}
        >>> row = {"messages": [{"role": "user", "content": "The size: M one, not L."},
        ...                     {"role": "tool", "content": '{"options": {"size": "M"}}'}]}
        >>> [m["content"] for m in fresh.permute_values(row, random.Random(0))["messages"]]
        ['The size: S one, not L.', '{"options": {"size": "S"}}']
        """
        return self.apply_values(row, self.plan_values(rng))

    def plan_values(self, rng: random.Random) -> dict[str, dict[str, str]]:
        """A permutation of each attribute's values, every attribute's whether a row mentions it
        or not (two values never become one)."""
        permuted = {}
        for name, values in self.attributes.items():
            shuffled = list(values)
            rng.shuffle(shuffled)
            permuted[name] = dict(zip(values, shuffled, strict=True))
        return permuted

    def apply_values(
        self, row: dict[str, Any], permuted: dict[str, dict[str, str]]
    ) -> dict[str, Any]:
        """``row`` with each attribute value stated with its name replaced as ``permuted`` says,
        in every turn but the system prompt (a new row)."""

        def sub(text: str) -> str:
            for name, stated in self._stated.items():
                new = permuted[name]
                text = stated.sub(lambda m, new=new: m.group(1) + new[m.group(2)], text)
            return text

        turns = [m if m.get("role") == "system" else _map_strings(m, sub) for m in row["messages"]]
        return {**row, "messages": turns}

    def fresh_pass(
        self,
        rows: list[dict[str, Any]],
        number: int,
        seed: int = 0,
        invent: bool = False,
        values: bool = False,
    ) -> list[dict[str, Any]]:
        """Pass ``number`` over ``rows`` with its own fresh identifiers; ``invent`` gives ids with
        digits new random digits instead of another id of the database; ``values`` permutes each
        row's attribute values as well."""
        rng = random.Random(f"{seed}:{number}")
        return [self.rename(row, rng, invent, values) for row in rows]

    def copy_drills(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """Short drills for copying ids out of ``row``, one per agent tool call whose ids were
        stated just before (for each id of its arguments, the last turn before the call that
        mentions it): by user turns, the drill is those turns and the call; by a lookup whose
        result is the id alone (``find_user_id_by_email`` giving a user id), it is the user's
        turn before the lookup if there is one, the lookup, its result and the call. No system
        prompt, nothing in between. Renamed with fresh ids (:meth:`fresh_pass`), drills can only
        be got right by copying; see the module's notes.

        >>> ids = Identifiers({"orders": {"#W1000297": {"id": "#W1000297"},
        ...                               "#W1000304": {"id": "#W1000304"}},
        ...                    "users": {"usr_ann": {}, "usr_bob": {}}})
        >>> def call(name, **args):
        ...     return {"role": "assistant", "content": None, "tool_calls": [
        ...         {"type": "function",
        ...          "function": {"name": name, "arguments": json.dumps(args)}}]}
        >>> row = {"messages": [{"role": "system", "content": "Be kind."},
        ...     {"role": "user", "content": "Where is #W1000297?"},
        ...     {"role": "assistant", "content": "Your email?"},
        ...     {"role": "user", "content": "ann@example.com"},
        ...     call("find_user", email="ann@example.com"), {"role": "tool", "content": "usr_ann"},
        ...     call("get_user", user_id="usr_ann"),
        ...     call("get_order", order_id="#W1000297"),
        ...     {"role": "tool", "content": '{"id": "#W1000297"}'},
        ...     call("cancel", order_id="#W1000297")]}
        >>> for drill in ids.copy_drills(row):
        ...     print([m["content"] or m["tool_calls"][0]["function"]["name"]
        ...            for m in drill["messages"]])
        ['ann@example.com', 'find_user', 'usr_ann', 'get_user']
        ['Where is #W1000297?', 'get_order']

        (``cancel`` copies the id from a result that holds more than the id: no drill.)
        """
        turns = row["messages"]
        stated = [
            set(self._mentions(_strings(t.get("content"))))
            if t.get("role") in ("user", "tool")
            else set()
            for t in turns
        ]
        drills = []
        for index, turn in enumerate(turns):
            if turn.get("role") != "assistant":
                continue
            sources = {
                next((at for at in range(index - 1, -1, -1) if name in stated[at]), None)
                for name in self._mentions(_call_arguments(turn))
            }
            if sources and all(at is not None and turns[at]["role"] == "user" for at in sources):
                drills.append({**row, "messages": [turns[at] for at in sorted(sources)] + [turn]})
            elif (
                len(sources) == 1
                and (at := next(iter(sources))) is not None
                and self._lookup_result(turns, at)
            ):
                start = at - 2 if at >= 2 and turns[at - 2].get("role") == "user" else at - 1
                drills.append({**row, "messages": turns[start : at + 1] + [turn]})
        return drills

    def _lookup_result(self, turns: list[dict[str, Any]], at: int) -> bool:
        """Whether ``turns[at]`` is a tool result that is one id alone, right after its call."""
        turn, before = turns[at], turns[at - 1] if at else {}
        content = turn.get("content")
        return (
            turn.get("role") == "tool"
            and isinstance(content, str)
            and content.strip() in self.known
            and before.get("role") == "assistant"
            and bool(before.get("tool_calls"))
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

    def _mapping(
        self, names: list[str], rng: random.Random, invent: bool = False
    ) -> dict[str, str]:
        by_group: dict[str, list[str]] = defaultdict(list)
        for name in names:
            by_group[self.group_of[name]].append(name)
        mapping: dict[str, str] = {}
        taken = set(self.known) if invent else set()  # invented ids avoid the database's
        for group, found in by_group.items():
            if invent and _DIGIT.search(found[0]):
                for name in found:
                    new = name
                    while new in taken:
                        new = _DIGIT.sub(lambda _: rng.choice("0123456789"), name)
                    mapping[name] = new
                    taken.add(new)
                continue
            pool = list(self.groups[group])
            rng.shuffle(pool)
            mapping.update(zip(found, pool, strict=False))  # distinct ids: two ids never merge
        return mapping


def attribute_fields(tables: Mapping[str, Table]) -> list[str]:
    """The fields of a schema's tables (``spec.database.tables``) declared as maps of strings
    (``options: {type: map, of: string}``): a record's attributes, name to value. Sorted."""
    found: set[str] = set()

    def walk(name: str, kind: FieldType | None) -> None:
        if kind is None:
            return
        if kind.type == "map" and kind.of is not None and kind.of.type == "string":
            found.add(name)
        for sub, inner in (kind.fields or {}).items():
            walk(sub, inner)
        walk(name, kind.items)
        walk(name, kind.of)

    for table in tables.values():
        for name, kind in table.fields.items():
            walk(name, kind)
    return sorted(found)


def _stated(name: str, values: list[str]) -> re.Pattern[str]:
    """Where a text states one of ``values`` with ``name``: ``size: M`` or ``"size": "M"``,
    the name in group 1 and the value in group 2 (the longest value first: ``matte black``)."""
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf'(?<![\w-])("?{re.escape(name)}"?: "?)({alternatives})(?=[\s"\',}})\].]|$)')


def _maps_under(value: Any, fields: frozenset[str]) -> Iterator[dict[str, Any]]:
    """The mappings stored under one of ``fields`` anywhere in ``value``, in order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in fields and isinstance(item, dict):
                yield item
            else:
                yield from _maps_under(item, fields)
    elif isinstance(value, list):
        for item in value:
            yield from _maps_under(item, fields)


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


def _call_arguments(turn: dict[str, Any]) -> Iterator[str]:
    """The argument strings of a turn's tool calls (JSON text, or the values of a parsed
    mapping)."""
    for call in turn.get("tool_calls") or []:
        arguments = (call.get("function") or {}).get("arguments")
        yield from [arguments] if isinstance(arguments, str) else _strings(arguments)


def _strings(value: Any) -> Iterator[str]:
    """Every string value in ``value`` (not the keys of its mappings: :func:`_map_strings`, which
    renames, leaves those as they are too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _map_strings(value: Any, sub: Any) -> Any:
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, sub) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, sub) for item in value]
    return value
