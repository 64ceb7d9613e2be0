"""The mistakes the scripted agent (:mod:`eigendsl.runtime.scripted_agent`) can make on purpose,
for negative examples:

- ``wrong_argument``: one argument of the first write call gets another valid value;
- ``skip_confirmation``: writes without asking the user first;
- ``missing_lookup``: skips the first read-only lookup (typically the identification).

and, for positive examples of what to do after a tool refuses a call, ``recover``: the first
write goes out with one id replaced by another of its kind (as a model that copied the wrong
id writes it); when the tool refuses it, the agent calls again the lookup whose result holds the
right id, then writes again, right.

Here: their names and the wrong values they put in a call (:func:`wrong_argument`,
:func:`wrong_id`, an id's kind from :func:`id_kinds`).
"""

from __future__ import annotations

import random
from typing import Any

MISTAKES = ("wrong_argument", "skip_confirmation", "missing_lookup")
RECOVER = "recover"
BEHAVIOURS = (*MISTAKES, RECOVER)


def wrong_argument(args: dict[str, Any], domain: Any, rng: random.Random) -> dict[str, Any]:
    """Another valid value for one argument: another key of the same table, another enum value,
    or a nearby number."""
    keys = sorted(args)
    rng.shuffle(keys)
    for key in keys:
        value = args[key]
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return {**args, key: value + 1}
        if isinstance(value, str):
            for table in domain.seed.values():
                if value in table and len(table) > 1:
                    others = [k for k in table if k != value]
                    return {**args, key: rng.choice(sorted(others))}
    for key in keys:
        if isinstance(args[key], list) and args[key]:
            return {**args, key: args[key][:-1] or args[key] + args[key]}
    return {**args, keys[0]: f"{args[keys[0]]}-x"} if keys else args


def wrong_id(args: dict[str, Any], domain: Any, rng: random.Random) -> dict[str, Any]:
    """``args`` with one id replaced by another of its kind (another product's variant, another
    user's card), as an agent that picked the wrong element out of a record writes it.

    An id is a value, alone or in a list, that keys a collection of records in the seed database;
    its kind is every key of the collections at the same place (``products.*.variants``). Ids of
    nested records (a variant, a card) are taken before those of a table's own rows (an order, a
    user): acting on a record never looked up breaks other rules than a refused value does.
    :func:`wrong_argument` when no argument holds an id."""
    kinds = domain.id_kinds
    spots = [
        (key, i)
        for key in sorted(args)
        for i, v in (enumerate(args[key]) if isinstance(args[key], list) else [(None, args[key])])
        if isinstance(v, str) and len(kinds.get(v, ((), False))[0]) > 1
    ]
    if not spots:
        return wrong_argument(args, domain, rng)
    value_at = lambda spot: args[spot[0]] if spot[1] is None else args[spot[0]][spot[1]]  # noqa: E731
    key, index = rng.choice([s for s in spots if kinds[value_at(s)][1]] or spots)
    value = value_at((key, index))
    other = rng.choice([k for k in kinds[value][0] if k != value])
    if index is None:
        return {**args, key: other}
    return {**args, key: [other if i == index else v for i, v in enumerate(args[key])]}


def id_kinds(seed: dict[str, Any]) -> dict[str, tuple[list[str], bool]]:
    """Each id of the seed database → every id of its kind (sorted), and whether they key nested
    records. A collection of records is a mapping whose values are all mappings; its keys are ids
    of one kind with the keys of every collection at the same place.

    >>> kinds = id_kinds({"products": {"P1": {"variants": {"I1": {}, "I2": {}}},
    ...                                 "P2": {"variants": {"I3": {}}}},
    ...                   "users": {"u1": {}, "u2": {}}})
    >>> kinds["I3"], kinds["P1"], kinds["u1"]
    ((['I1', 'I2', 'I3'], True), (['P1', 'P2'], False), (['u1', 'u2'], False))
    """
    places: dict[tuple[str, ...], set[str]] = {}

    def walk(node: Any, place: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        records = bool(node) and all(isinstance(v, dict) for v in node.values())
        if records:
            places.setdefault(place, set()).update(str(k) for k in node)
        for key, value in node.items():
            walk(value, (*place, "*" if records else str(key)))

    for name, table in seed.items():
        walk(table, (name,))
    kinds: dict[str, tuple[list[str], bool]] = {}
    for place, ids in places.items():
        kind = (sorted(ids), len(place) > 1)  # one list a kind: a sort per id was n² log n
        for i in ids:
            kinds[i] = kind
    return kinds
