"""Identifiers renamed: an SFT dialogue with each id it mentions replaced by another id of the
same kind, and optionally its attribute values permuted, so that it is the same dialogue played
on a database whose ids (and values) were permuted (:class:`Renaming`, part of
:class:`~eigendsl.train.identifiers.Identifiers`).

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

**A catalog's ids stay** (``catalog``, the tables named by ``training.sft.catalog``; retail's
spec names ``products``). Every id the rows of those tables hold (a product's id, its variants'
item ids) is never renamed, and none is a new name for another id (in GRPO's permuted
databases too, ``eigendsl.train.grpo.FreshIds``). A catalog is the same for
every customer, so the agent may know it by heart; and its ids are the ones a model has to look
up twice to copy (the product by its name, then the variant by its options), which the 2-layer
model does not learn. Shuffled with the rest, such an id could be neither copied nor recalled:
the agent wrote the first or last item of the order, or the variant the training dialogues name
most. On retail (``products``), seeds 0–3, one thread, synthesis reused: the first write of a
held-out exchange, item change or return named the right items in 41 of 85 episodes after SFT (15
of 89 with them shuffled) and the new variant in 12 of 42 (4 of 42); pass^1 after SFT 0.620
(0.613), after GRPO 0.658 (0.635).

**Invented ids** (``invent``; ``training.sft`` of the pipeline: ``sft_invent_ids``): ids with
digits get new random digits instead of another id of the database, so no id can be recalled at
all. Measured with ids spelled digit by digit (``id_tokens`` off), half or all of the passes
invented: pass^1 0.000 after SFT in both runs, and the agent copied the user's order id in none of
97 lookups (it writes random digits), while it copied the email, made of word pieces, in
96 of 99. Copying a digit string did not emerge in 958 steps of the embedded model.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eigendsl.spec import FieldType, Table

_DIGIT = re.compile(r"\d")


class Renaming:
    """The renaming part of :class:`~eigendsl.train.identifiers.Identifiers`, which mixes it in
    and finds the ids it renames (:attr:`known`, in :attr:`groups` of ids that may stand in for
    each other) and the attribute values it permutes (:meth:`_find_attributes`)."""

    groups: dict[str, list[str]]
    group_of: dict[str, str]
    known: frozenset[str]
    kept: frozenset[str]
    attributes: dict[str, list[str]]
    _span: re.Pattern[str]
    _stated: dict[str, re.Pattern[str]]

    if TYPE_CHECKING:

        def _mentions(self, texts: Iterable[str]) -> Iterator[str]: ...

        def _known_prefix(self, span: str) -> str | None: ...

    def _find_attributes(self, seed: dict[str, dict[str, Any]], attributes: Iterable[str]) -> None:
        """Find :attr:`attributes` in ``seed`` (for :meth:`permute_values`)."""
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

        >>> from eigendsl.train.identifiers import Identifiers
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

        >>> from eigendsl.train.identifiers import Identifiers
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
                text = stated.sub(_restate(permuted[name]), text)
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

    def _mapping(
        self, names: list[str], rng: random.Random, invent: bool = False
    ) -> dict[str, str]:
        by_group: dict[str, list[str]] = defaultdict(list)
        for name in names:
            if name not in self.kept:
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
            pool = [name for name in self.groups[group] if name not in self.kept]
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


def _restate(permuted: dict[str, str]) -> Callable[[re.Match[str]], str]:
    """The replacement of a stated attribute value (the name stays, the value is permuted)."""
    return lambda match: match.group(1) + permuted[match.group(2)]
