"""Where a proposal names a record's id in words rather than by the id, which the user never
sees: by the values of the fields a tool's parameter is ``named_by`` in ``domain.yaml`` (an
order's item by its product's name and its options' values, "the Bluetooth Speaker (blue, 10
hours)"), all said together and fitting no other record of its kind (:func:`naming_sentences`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import _as_word, sentences

# A record's naming values: (the part of the record a value is of, the value as said), e.g.
# ("name", "bluetooth speaker"), ("options.color", "blue").
Values = frozenset[tuple[str, str]]


def naming_sentences(
    text: str,
    value: Any,
    naming: Mapping[str, Any],
    dbs: Sequence[Any],
    args: Mapping[str, Any] | None = None,
) -> list[str]:
    """The sentences of ``text`` that name the record whose id is ``value`` by its naming
    fields (``naming``: ``{"table", "within", "key", "fields"}`` as ``tools.json`` has it):
    one mention in the sentence says each of the record's values, and no other record of the
    same kind fits that mention. The records are those of the rows of ``naming["table"]`` that
    ``args`` (the call's arguments) name by key, an order's items for a call on that order, or
    of every row where they name none (a product's variants), in any of ``dbs`` (the databases
    before and after the call: an exchange's old items are gone from the order after it).

    A sentence falls into mentions where a part of a record is said again with another value
    ("the Speaker (blue) for the Speaker (red)"); a mention that does not say the first field's
    value (the name) takes the one said last before it ("for the red one").

    >>> db = {"orders": {"#W1": {"items": [
    ...     {"item_id": "I1", "name": "Speaker", "options": {"color": "blue", "hours": "10"}},
    ...     {"item_id": "I2", "name": "Speaker", "options": {"color": "red", "hours": "10"}},
    ...     {"item_id": "I3", "name": "Lamp", "options": {"color": "blue"}}]}}}
    >>> item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name",
    ...     "options"]}
    >>> def named(text, value):
    ...     return bool(naming_sentences(text, value, item, [db], {"order_id": "#W1"}))
    >>> [named(t, "I1") for t in ("Return the Speaker (blue, 10 hours)?",
    ...     "Return the Speaker (10 hours)?", "Return the Speaker (red, 10 hours)?",
    ...     "Return the blue Speaker. It has 10 hours.")]
    [True, False, False, False]
    >>> [named("Exchange the Speaker (red, 10 hours) for the blue one, 10 hours?", i)
    ...     for i in ("I1", "I2", "I3")]
    [True, True, False]
    >>> named("Return the Speaker (blue or red, 10 hours)?", "I1")
    False
    """
    records = _records(naming, dbs, args or {})
    own = records.get(value) if isinstance(value, str) else None
    if not own:
        return []
    others = [values for key, values in records.items() if key != value and values]
    head = str(naming["fields"][0])
    found = []
    for sentence in sentences(text.replace("\u2019", "'")):
        for mention in _mentions(normalize_text(sentence), records.values(), head):
            if own <= mention and not any(values <= mention for values in others):
                found.append(sentence)
                break
    return found


def _records(
    naming: Mapping[str, Any], dbs: Sequence[Any], args: Mapping[str, Any]
) -> dict[str, Values]:
    """The naming values of each record the id may be of, by its id (the first database that
    holds it gives them)."""
    out: dict[str, Values] = {}
    for db in dbs:
        table = db.get(naming.get("table")) if isinstance(db, Mapping) else None
        if not isinstance(table, Mapping):
            continue
        within = naming.get("within")
        named = [table[v] for v in _strings(args) if v in table] if within else []
        for row in named or list(table.values()):
            if not isinstance(row, Mapping):
                continue
            held = row.get(within) if within else [row]
            held = list(held.values()) if isinstance(held, Mapping) else held
            for record in held if isinstance(held, list) else ():
                key = record.get(naming.get("key")) if isinstance(record, Mapping) else None
                if isinstance(key, str) and key not in out:
                    out[key] = frozenset(_values(record, row, naming.get("fields") or ()))
    return out


def _strings(args: Mapping[str, Any]) -> Iterator[str]:
    for value in args.values():
        if isinstance(value, str):
            yield value


def _values(
    record: Mapping[str, Any], row: Mapping[str, Any], fields: Sequence[str]
) -> Iterator[tuple[str, str]]:
    """A record's naming values: each field's (the record's, or its row's where the record has
    none: a variant's product name), a mapping's or an object's values each, under its key."""
    for name in fields:
        value = record[name] if name in record else row.get(name)
        parts = value.items() if isinstance(value, Mapping) else [("", value)]
        for key, part in parts:
            said = normalize_text(part).strip() if isinstance(part, (str, int, float)) else ""
            if said and not isinstance(part, bool):
                yield (f"{name}.{key}" if key else name, said)


# Between a name and the value before it, what parts two mentions ("(layout: US) ['I1'], item
# ids (Mechanical Keyboard ..."): the name starts the next one, not "the blue Keyboard".
_PARTING = re.compile(r"[()\[\]:;]")


def _mentions(sentence: str, records: Any, head: str) -> list[Values]:
    """The mentions of records in a ``sentence`` (normalized): the naming values said, in
    order, parted where a part already said is said again with another value (at the name
    before it, where punctuation parts the name from the value said before the name); a
    mention without a value of ``head`` takes the last one said before it."""
    spans = sorted(
        {
            (found.start(), found.end(), part, said)
            for values in records
            for part, said in values
            for found in _as_word(said).finditer(sentence)
        }
    )
    # a value said inside a longer one is no value of its own ("Desk Lamp" in "LED Desk Lamp",
    # size "l" in "18 l")
    spans = [
        s
        for s in spans
        if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0] for o in spans)
    ]
    groups: list[list[tuple[int, int, str, str]]] = [[]]
    for span in spans:
        group = groups[-1]
        if any(o[2] == span[2] and o[3] != span[3] for o in group):
            at = next((i for i, o in enumerate(group) if o[2] == head), 0)
            if at and not any(o[2] == span[2] for o in group[at:]):
                parted = _PARTING.search(sentence, group[at - 1][1], group[at][0])
                at = at if parted else len(group)
            else:
                at = len(group)
            groups[-1:] = [group[:at], group[at:]]
        groups[-1].append(span)
    out: list[Values] = []
    last_head: frozenset[tuple[str, str]] = frozenset()
    for group in groups:
        mention = frozenset((part, said) for _, _, part, said in group)
        names = frozenset(v for v in mention if v[0] == head)
        if names:
            last_head = names
        out.append(mention | last_head)
    return out
