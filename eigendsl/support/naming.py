"""Where a proposal names a record's id in words rather than by the id, which the user never
sees: by the values of the fields a tool's parameter is ``named_by`` in ``domain.yaml`` (an
order's item by its product's name and its options' values, "the Bluetooth Speaker (blue, 10
hours)"), all said together and fitting no other record of its kind, in a sentence that the
turn's others do not take back (:func:`naming_sentences`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from eigendsl.support.listing import listing_sentences
from eigendsl.support.mentions import Mention, Values, sentence_mentions
from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import sentences
from eigendsl.support.short_names import UNKNOWN, left_by_short_name


def naming_sentences(
    text: str,
    value: Any,
    naming: Mapping[str, Any],
    dbs: Sequence[Any],
    args: Mapping[str, Any] | None = None,
    actions: Sequence[str] = (),
) -> list[str]:
    """The sentences of ``text`` that name the record whose id is ``value`` by its naming
    fields (``naming``: ``{"table", "within", "key", "fields"}`` as ``tools.json`` has it):
    one mention in the sentence says each of the record's values, and no other record of the
    same kind fits that mention. The records are those of the rows of ``naming["table"]`` that
    ``args`` (the call's arguments) name by key, an order's items for a call on that order, or
    of every row where they name none (a product's variants), in any of ``dbs`` (the database
    as it stood at the proposal, :meth:`~eigendsl.support.trace.Trace.db_at`: an item a change
    swaps out of the order is still in it; or, where a trace cannot tell, the databases after
    and before the call).

    A sentence falls into mentions where a name or another part of a record is said again
    ("the Speaker (blue) for the Speaker (red)", "the Backpack (black, 18 l) for the black one
    with 30 l"), options said right before a name going with it ("the teal Speaker"); a mention
    that does not say the first field's value (the name) takes the one said last before it ("for
    the red one"). The name alone names a record no other of its kind has that name of; a part
    of a name ("the Sweater" of the Merino Crew Sweater) is no name. A mention under a negation
    or a word of keeping ("but not the Speaker (blue)", "and keep ..."), one followed by what
    rules it out ("... is final sale", "... is past its return window") and one said, in
    another clause, before a list with "only" ("the Lamp was a gift, so I'll return only the
    Speaker") names none (:func:`~eigendsl.support.left_alone.left_out`: also across an aside,
    "the Lamp, however, is final sale", and for a list, "A and B are both final sale"), nor does
    one with a value said as another ("not blue", "light blue", "10.5", "L/XL", "the Speaker
    Mini").

    What one sentence says holds for the turn (:mod:`~eigendsl.support.mentions`): a record
    said in any sentence to stay as it is ("... is final sale", "... stays with you", "Not the
    Lamp, though.", "I won't return the Lamp": the write's verbs are ``actions``) is named in
    none; where a sentence says a list with "only" ("Only the Lamp is eligible", "just the
    Lamp", "the Lamp only", "nothing but the Lamp") of records of the rows ``args`` name (an
    order's items), the other sentences name only records that list may mean (a record it fits,
    or whose values say all it says); and a sentence that only
    lists what a record holds ("Your order has the Lamp, the Speaker and the Kettle.",
    :func:`~eigendsl.support.listing.listing_sentences`) names none, unless a sentence of the
    write takes the listed records in ("Shall I return all three?").

    >>> db = {"orders": {"#W1": {"items": [
    ...     {"item_id": "I1", "name": "Speaker", "options": {"color": "blue", "hours": "10"}},
    ...     {"item_id": "I2", "name": "Speaker", "options": {"color": "red", "hours": "10"}},
    ...     {"item_id": "I3", "name": "Lamp", "options": {"color": "blue"}}]}}}
    >>> item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name",
    ...     "options"]}
    >>> def named(text, value):
    ...     return bool(naming_sentences(text, value, item, [db], {"order_id": "#W1"}, ["return"]))
    >>> [named(t, "I1") for t in ("Return the Speaker (blue, 10 hours)?",
    ...     "Return the Speaker (10 hours)?", "Return the Speaker (red, 10 hours)?",
    ...     "Return the blue Speaker. It has 10 hours.")]
    [True, False, False, False]
    >>> [named("Exchange the Speaker (red, 10 hours) for the blue one, 10 hours?", i)
    ...     for i in ("I1", "I2", "I3")]
    [True, True, False]
    >>> named("Return the Speaker (blue or red, 10 hours)?", "I1")
    False
    >>> [named(t, "I3") for t in ("Return the Lamp?", "Return the Speaker (red, 10 hours) but "
    ...     "not the Lamp (blue).", "Return the light blue Lamp?")]
    [True, False, False]
    >>> [named(t, "I3") for t in ("Return the Lamp and the Speaker (red, 10 hours)? Only the "
    ...     "Speaker (red, 10 hours) is eligible.", "Your order has the Lamp. Ok to return?")]
    [False, False]
    """
    records = naming_records(naming, dbs, args or {})
    own = records.get(value) if isinstance(value, str) else None
    if not own:
        return []
    others = [values for key, values in records.items() if key != value and values]
    head = str(naming["fields"][0])
    name = frozenset(v for v in own if v[0] == head)
    # the name alone names a record no other of its kind has that name of ("the Lamp" of an
    # order with one lamp)
    alone = bool(name) and not any(name <= values for values in others)
    said = sentences(text.replace("\u2019", "'"))
    places = frozenset(normalize_text(v) for v in _strings(args or {}))
    read = [sentence_mentions(s, records.values(), head, tuple(actions), places) for s in said]
    kinds = [values for values in records.values() if values]
    if any(m.dropped and _may_mean(m, own) for mentions in read for m in mentions):
        return []
    # a record left out by a short name ("Not the speaker, though.") or by its place ("one of
    # them is final sale"), which names it for no write but leaves it out all the same
    short_dropped, short_only = left_by_short_name(said, records, head, actions)
    if value in short_dropped or UNKNOWN in short_dropped:
        return []
    # a list said with "only" that may mean a record of the rows the call names (the order's
    # items) restricts the other sentences; not one of every row's (a product's variants), which
    # may be an exchange's old item said beside its new one
    held = held_rows(naming, dbs, args or {})
    only = [
        [m for m in mentions if held and m.only and any(_may_mean(m, v) for v in kinds)]
        + [_short(records, key) for key in keys if held]
        for mentions, keys in zip(read, short_only, strict=True)
    ]
    listing = listing_sentences(said, actions)
    found = []
    for i, (sentence, mentions) in enumerate(zip(said, read, strict=True)):
        restricting = [m for j, listed in enumerate(only) if j != i for m in listed]
        if i in listing or (restricting and not any(_may_mean(m, own) for m in restricting)):
            continue
        if any(
            m.named
            and (
                (own <= m.values and not any(values <= m.values for values in others))
                or (alone and m.values == name)
            )
            for m in mentions
        ):
            found.append(sentence)
    return found


def _short(records: Mapping[str, Values], key: str) -> Mention:
    """The mention of a list said with "only" that a short name (or, :data:`UNKNOWN`, a place:
    "only one of them") makes: of the record it fits, or of no record."""
    values = records.get(key) or frozenset({("", UNKNOWN)})
    return Mention(values, named=True, only=True, dropped=False)


def _may_mean(mention: Mention, values: Values) -> bool:
    """Whether a ``mention`` may mean the record with naming ``values``: it says them all, or
    all it says is theirs ("the Speaker" may mean the blue one and the red one)."""
    return values <= mention.values or mention.values <= values


def naming_records(
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


def held_rows(naming: Mapping[str, Any], dbs: Sequence[Any], args: Mapping[str, Any]) -> bool:
    """Whether the records are those of rows the call's arguments name by key (an order's items
    for a call on that order), not those of every row."""
    tables = [db.get(naming.get("table")) for db in dbs if isinstance(db, Mapping)]
    return bool(naming.get("within")) and any(
        isinstance(table, Mapping) and value in table
        for table in tables
        for value in _strings(args)
    )


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
