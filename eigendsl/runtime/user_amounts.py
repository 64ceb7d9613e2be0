"""The amount a proposal states that the scripted user cannot account for (:func:`wrong_amount`):
a refund or a charge that is neither what the task's gold writes move nor a value the user was
told. A customer knows what it paid: "I'll refund $500.00 to your card" for a $54.00 item is
asked about, not agreed to.

The amounts the user accounts for are every number of what it was told (the task's parameters,
its scenario, the gold plan's steps and texts) and, read only when
a proposal states another one, every number of the rows the gold writes change, before and after,
each change of a number there (the refund a gift card's balance grows by) and the rows the
writes' arguments name (the product whose variant an exchange sends: its prices), and the
numbers of the database the agent's tool calls gave it (the retail checks' "a value a tool gave
it").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eigendsl.runtime.environment import replay_gold
from eigendsl.runtime.tool_faults import recorded_apart
from eigendsl.support import amounts

# How the user asks about an amount it cannot account for, and asks again.
WRONG_AMOUNT = (
    "Hmm, {amount} doesn't look right to me. Could you check the amount, then ask me again?"
)
WRONG_AMOUNT_AGAIN = (
    "As I said, {amount} doesn't look right to me: please check the amount, then ask me again."
)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(value: Any) -> Iterator[float]:
    """Every number of a value, in its strings too ("5 Elm St, 10001"), keys of a mapping too.

    >>> sorted(_numbers({"refund": 193.99, "items": ["I10403"], "zip": "10,001", "ok": True}))
    [193.99, 10001.0, 10403.0]
    """
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, str):
        yield from (float(m) for m in _NUMBER.findall(value.replace(",", "")))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(key)
            yield from _numbers(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)


def _changes(before: Any, after: Any) -> Iterator[float]:
    """The size of each change of a number between two versions of a row (a balance's growth)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before.keys() & after.keys():
            yield from _changes(before[key], after[key])
    elif isinstance(before, list) and isinstance(after, list):
        for old, new in zip(before, after, strict=False):
            yield from _changes(old, new)
    elif (
        isinstance(before, (int, float))
        and isinstance(after, (int, float))
        and not isinstance(before, bool)
        and not isinstance(after, bool)
    ):
        yield abs(float(after) - float(before))


def _leaves(value: Any) -> Iterator[str]:
    """The strings of a row, its keys too (a product's variants keyed by item id)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)


def told_amounts(episode: Any) -> set[float]:
    """The numbers of what the user was told: the task's parameters, its scenario (what the
    user knows and says) and the gold plan's steps (their arguments, the texts the gold agent
    says). Not the user's own messages, which say back the amount it asks about."""
    task = episode.task
    return set(_numbers([task.get("params", {}), task.get("user", {}), task.get("gold", [])]))


def gold_amounts(episode: Any) -> set[float]:
    """The numbers of the rows the task's gold writes change (before and after), each change of
    a number in them, and the numbers of the rows the writes' arguments name."""
    domain = episode.env.domain
    seed = domain.seed
    with recorded_apart(domain):  # the gold plan's faults are its episode's, told there once
        gold, _ = replay_gold(domain, episode.task)
    found: set[float] = set()
    for table, rows in gold.items():
        before = seed.get(table, {})
        if rows is before or not isinstance(rows, dict):
            continue
        for key, row in rows.items():
            old = before.get(key) if isinstance(before, dict) else None
            if row is old or row == old:
                continue
            found |= set(_numbers(row)) | set(_numbers(old)) | set(_changes(old, row))
    tools = getattr(domain, "tools", {})
    named = {
        str(value)
        for step in episode.task.get("gold", [])
        if getattr(tools.get(step.get("tool")), "writes", False)
        for value in _ids(step.get("args", {}))
    }
    for rows in seed.values():
        for row in rows.values() if isinstance(rows, dict) else ():
            if named & set(_leaves(row)):
                found |= set(_numbers(row))
    return found


def _ids(args: dict[str, Any]) -> Iterator[str]:
    """The ids a write's arguments carry, each of a list too: strings of three or more
    characters with a digit ("I10705", "#W1000001", "gift_6207")."""
    for value in args.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str) and len(item) >= 3 and any(c.isdigit() for c in item):
                yield item


def _stated(text: str) -> list[float]:
    """The amounts a proposal states as money: :func:`~eigendsl.support.amounts` with cents, a
    currency beside it or in words, not a whole number alone, which may be a house number or a
    count ("610 Bellflower Street", "2 in all").

    >>> _stated("Return both items (2 in all) for $5 and 193.99, not 3 dollars, USD 40 or 4?")
    [5.0, 193.99, 3.0, 40.0]
    >>> _stated("Ship it to 610 Bellflower Street instead of 12 Harbour Road, for 7.00?")
    [7.0]
    """
    plain = text.replace(",", "")
    found = []
    for amount in amounts(text):
        if amount != int(amount):
            found.append(amount)
            continue
        whole = re.escape(str(int(amount)))
        money = (
            rf"[$\u20ac\u00a3]\s?{whole}(?!\d)|(?:usd|eur)\s?{whole}(?!\d)"
            rf"|(?<![\d.]){whole}(?:\.\d+)?\s?(?:usd|eur|dollars?)\b|(?<![\d.]){whole}\.\d"
        )
        if re.search(money, plain, re.IGNORECASE):
            found.append(amount)
    return found


def _among(amount: float, known: set[float]) -> bool:
    return any(abs(amount - value) < 0.005 for value in known)


def wrong_amount(text: str, episode: Any, cache: dict[str, set[float]]) -> float | None:
    """The first amount a proposal (``text``) states that the user cannot account for, if any:
    none of :func:`told_amounts` nor of :func:`gold_amounts` (replayed once an episode, kept in
    ``cache``). None where the task makes no write the user can tell by (no domain, no seed)."""
    stated = _stated(text)
    if not stated:
        return None
    told = told_amounts(episode)
    unexplained = [a for a in stated if not _among(a, told)]
    if not unexplained or getattr(getattr(episode.env, "domain", None), "seed", None) is None:
        return None
    if "gold" not in cache:
        cache["gold"] = gold_amounts(episode)
    unexplained = [a for a in unexplained if not _among(a, cache["gold"])]
    if unexplained:
        read = read_amounts(episode)
        unexplained = [a for a in unexplained if not _among(a, read)]
    return next(iter(unexplained), None)


def read_amounts(episode: Any) -> set[float]:
    """The numbers the agent's successful tool calls gave it that the database holds and the
    call's arguments do not say: an item's price it looked up, a gift card's balance, not what
    a calculator says back of what the agent wrote ("104.25 + 0")."""
    trace = getattr(episode.env, "trace", None)
    given: set[float] = set()
    for call in getattr(trace, "calls", ()):
        if call.error is None:
            given |= set(_numbers(call.result)) - set(_numbers(call.args))
    db = getattr(episode.env, "db", None) or {}
    return given & set(_numbers(list(db.values()))) if given else set()


def said_amount(amount: float) -> str:
    """An amount as the user says it back, in no currency (the agent's may be any).

    >>> said_amount(500.0), said_amount(1234.5)
    ('500.00', '1,234.50')
    """
    return f"{amount:,.2f}"
