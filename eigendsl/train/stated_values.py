"""Values the agent states out of tool results: a balance, a price, a refund's amount.

The value check of :mod:`eigendsl.train.evaluate` finds such a value in a training dialogue
(:func:`stated_value`) and swaps it for another value of its field (:func:`swapped`), so that only
reading the result gets it right. The same finding permutes the numbers of SFT dialogues
(:func:`permute_numbers`, ``training.sft.fresh_numbers``), as fresh ids do for ids
(:mod:`eigendsl.train.renaming`), and :func:`number_words` gives the embedded tokenizer a token
for each number the dialogues repeat (``number_tokens``), as it has one for each id.

**Numbers copied, not recalled.** Synthesized dialogues all play on the seed database, so a small
model learns each gift card's balance and each variant's price by heart, and a held-out task
asking for a balance no training dialogue stated gets another customer's (teacher-forced on 40
training dialogues with the value swapped in the result, every agent trained without this module
wrote 0 or 1 of 40 right: *Values read or recalled* of the report). Spelled one digit per token, a
number is as hard to copy as the digit-spelled ids were (:mod:`eigendsl.train.identifiers`); as
one token, copying it is one induction step (at ``balance:`` in the result, the token after it).

:func:`permute_numbers` gives each number the agent writes out of an earlier tool result
(:func:`copied_numbers`) another value that field takes in the seed data (one the tokenizer knows:
:func:`numeric_fields`), one the dialogue does not hold, wherever a turn but the system prompt
holds it: the same dialogue on a database whose numbers differ. Only the copied numbers move; a
number the agent works out itself (a sum, the difference between two prices) stays as synthesized,
so a dialogue may then state a total that no longer adds up, or a ``calculate`` result that its
permuted expression would not give. The agent of such a dialogue never reads that total, and the
embedded model does no arithmetic it could unlearn: what it learns is where to copy from.

Measured on retail (seeds 0-3, one thread, synthesis reused): the value check's swapped values
right 29, 27, 31 and 27 of 40 after SFT, against 0, 0, 1 and 1 without; held-out gift-card
balances 13 of 24 episodes against 3; pass^1 after SFT 0.613 on the mean (0.619 without), after
GRPO 0.635 (0.628). Permuting numbers spelled in digits, an earlier release's trial, left them
unread (3 and 2 of 40). Both are the default (docs/training.md, *Numbers read, not recalled*).
"""

from __future__ import annotations

import functools
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from eigendsl.train.renaming import _map_strings, _strings

_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w]|\.\d)")


def field_values(seed_data: dict[str, Any]) -> dict[str, list[str]]:
    """Each field name of the seed data's records → the values it takes there as a result writes
    them (strings and numbers; not ids, not strings holding ``{}[],:"``), for the fields with two
    or more.

    >>> field_values({"orders": {
    ...     "#W1001": {"status": "pending", "total": 9.5, "user_id": "usr_1001"},
    ...     "#W1002": {"status": "delivered", "total": 9.5, "user_id": "usr_1002"}}})
    {'status': ['delivered', 'pending']}
    """
    from eigendsl.train.identifiers import Identifiers

    ids = Identifiers(seed_data).known
    values: dict[str, set[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    text = str(value)
                    if text and text not in ids and not any(ch in text for ch in '{}[],:"'):
                        values.setdefault(str(key), set()).add(text)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(seed_data)
    return {key: sorted(found) for key, found in sorted(values.items()) if len(found) > 1}


def numeric_fields(
    fields: Mapping[str, list[str]], words: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """The fields of :func:`field_values` with numbers written with a decimal point (a balance, a
    price): those values only, for the fields with two or more. Whole numbers are left out: a
    count, a year, a card's last four digits, which a permutation could also find inside a date
    or an address. With ``words`` (:func:`number_words`), only the values among them (the sign
    aside): the numbers the tokenizer knows, not every price of a large database.

    >>> fields = {"status": ["delivered", "pending"], "price": ["9.5", "12.0", "7", "-3.5"],
    ...           "last_four": ["1234", "5678"]}
    >>> numeric_fields(fields)
    {'price': ['9.5', '12.0', '-3.5']}
    >>> numeric_fields(fields, words=["3.5", "9.5"])
    {'price': ['9.5', '-3.5']}
    """
    known = None if words is None else set(words)

    def kept(value: str) -> bool:
        plain = value.removeprefix("-")
        return _DECIMAL.fullmatch(plain) is not None and (known is None or plain in known)

    found = {key: [v for v in values if kept(v)] for key, values in fields.items()}
    return {key: values for key, values in found.items() if len(values) > 1}


def number_words(texts: Iterable[str], min_count: int = 2) -> list[str]:
    """The numbers with a decimal point that ``texts`` hold at least ``min_count`` times, without
    a sign, sorted: the embedded tokenizer makes each one token (a number said once would be a
    token never trained, and a large database holds thousands).

    >>> number_words(["Refund 12.5, then 12.5 again; 3.25 once, -7.0 and 7.0; order 1000297."])
    ['12.5', '7.0']
    """
    counts = Counter(match.group() for text in texts for match in _DECIMAL.finditer(text))
    return sorted(number for number, count in counts.items() if count >= min_count)


def row_texts(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The text of each row's turns but the system prompt, its calls' arguments included (what
    :func:`number_words` counts in SFT's dialogues)."""
    for row in rows:
        turns = [m for m in row.get("messages", []) if m.get("role") != "system"]
        yield "\n".join(_strings(turns))


def stated_value(
    row: dict[str, Any], fields: dict[str, list[str]]
) -> tuple[int, int, str, str] | None:
    r"""The first value the agent states out of a tool result in ``row``: ``(tool message index,
    agent turn index, field, value)`` for a text turn of the agent, right after the tool results
    that follow its call, that says a value one of those results gives as ``field: value`` (or
    ``"field": "value"``), where no user turn before said it; None when there is none.

    >>> row = {"messages": [{"role": "user", "content": "Where is #W1?"},
    ...     {"role": "assistant", "content": None, "tool_calls": [{}]},
    ...     {"role": "tool", "content": "order_id: #W1\nstatus: delivered"},
    ...     {"role": "assistant", "content": "Order #W1 is delivered."}]}
    >>> stated_value(row, {"status": ["delivered", "pending"]})
    (2, 3, 'status', 'delivered')
    """
    messages = row["messages"]
    for turn, message in enumerate(messages):
        text = message.get("content")
        if message["role"] != "assistant" or not isinstance(text, str) or not text or turn == 0:
            continue
        tools = []
        for before in range(turn - 1, -1, -1):
            if messages[before]["role"] != "tool":
                break
            tools.append(before)
        if not tools:
            continue
        said = " ".join(str(m.get("content") or "") for m in messages[:turn] if m["role"] == "user")
        for tool in tools:
            result = messages[tool].get("content")
            if not isinstance(result, str):
                continue
            for key, values in fields.items():
                for value in values:
                    if value not in text or value not in result:  # cheap before the patterns
                        continue
                    word = word_pattern(value)
                    if (
                        field_pattern(key, value).search(result)
                        and word.search(text)
                        and not word.search(said)
                    ):
                        return tool, turn, key, value
    return None


def swapped(
    messages: list[dict[str, Any]], tool: int, turn: int, key: str, value: str, new: str
) -> list[dict[str, Any]]:
    """``messages`` (copied) with ``value`` replaced by ``new`` where the tool result at ``tool``
    states it as ``key`` and where the turn at ``turn`` says it."""
    messages = [dict(m) for m in messages]
    messages[tool]["content"] = field_pattern(key, value).sub(
        lambda match: match.group(1) + new + match.group(2), messages[tool]["content"]
    )
    messages[turn]["content"] = word_pattern(value).sub(lambda _: new, messages[turn]["content"])
    return messages


def copied_numbers(row: dict[str, Any], fields: Mapping[str, list[str]]) -> dict[str, str]:
    """The numbers of ``fields`` (:func:`numeric_fields`) that the agent of ``row`` writes, in a
    text or in a call's arguments, after an earlier tool result gave them as ``field: value``,
    where no user turn before said them: value → field, in the order the agent first writes them.

    >>> row = {"messages": [{"role": "user", "content": "My balance? I think 20.0."},
    ...     {"role": "tool", "content": "gift: {balance: 40.0}, other: {balance: 20.0}"},
    ...     {"role": "assistant", "content": "It is 40.0, not 20.0; 75.0 is the max."}]}
    >>> copied_numbers(row, {"balance": ["20.0", "40.0", "75.0"]})
    {'40.0': 'balance'}
    """
    found: dict[str, str] = {}
    results: list[str] = []
    said: list[str] = []
    for message in row["messages"]:
        role, texts = message.get("role"), list(_strings(message))
        if role == "tool":
            results.extend(texts)
        elif role == "user":
            said.extend(texts)
        elif role == "assistant":
            written = "\n".join(texts)
            turn: list[tuple[int, str, str]] = []  # (where the turn writes it, value, field)
            for key, values in fields.items():
                for value in values:
                    if value in found or value not in written:  # cheap before the patterns
                        continue
                    at = word_pattern(value).search(written)
                    if (
                        at
                        and not any(word_pattern(value).search(text) for text in said)
                        and any(field_pattern(key, value).search(text) for text in results)
                    ):
                        turn.append((at.start(), value, key))
            for _, value, key in sorted(turn):
                found.setdefault(value, key)
    return found


def permute_numbers(
    row: dict[str, Any], fields: Mapping[str, list[str]], rng: random.Random
) -> dict[str, Any]:
    """``row`` with each number the agent copies out of a tool result (:func:`copied_numbers`)
    replaced by another value of its field that the dialogue does not hold, two numbers never
    becoming one, in every turn but the system prompt (a new row; see the module's notes).

    >>> row = {"messages": [{"role": "system", "content": "Balances: 40.0, 20.0, 75.0."},
    ...     {"role": "tool", "content": "gift: {balance: 40.0}, other: {balance: 20.0}"},
    ...     {"role": "assistant", "content": "It is 40.0."}]}
    >>> new = permute_numbers(row, {"balance": ["20.0", "40.0", "75.0"]}, random.Random(0))
    >>> [m["content"] for m in new["messages"]]
    ['Balances: 40.0, 20.0, 75.0.', 'gift: {balance: 75.0}, other: {balance: 20.0}', 'It is 75.0.']
    """
    copied = copied_numbers(row, fields)
    if not copied:
        return row
    turns = [m for m in row["messages"] if m.get("role") != "system"]
    held = "\n".join(text for m in turns for text in _strings(m))
    present = {
        value
        for values in fields.values()
        for value in values
        if value in held and word_pattern(value).search(held)
    }
    mapping: dict[str, str] = {}
    for value, key in copied.items():
        pool = [v for v in fields[key] if v not in present and v not in mapping.values()]
        if pool:
            mapping[value] = rng.choice(pool)
    if not mapping:
        return row

    # A new value is in no turn, so replacing the values one after another never chains.
    def sub(text: str) -> str:
        for value, new in mapping.items():
            if value in text:
                text = word_pattern(value).sub(new, text)
        return text

    messages = [m if m.get("role") == "system" else _map_strings(m, sub) for m in row["messages"]]
    return {**row, "messages": messages}


# A whole number said as a word: a percentage, a count (not a price, not a date's parts joined).
_WHOLE = re.compile(r"(?<![\w.])\d{1,3}(?![\w]|\.\d)")


def said_numbers(row: dict[str, Any], known: Iterable[str] = ()) -> list[str]:
    """The whole numbers of up to three digits that the user of ``row`` says first and the agent
    writes later, in a text or a call's arguments, which no tool result holds and which are not
    among ``known`` (the database's ids): the customer's own values, a percentage asked for.

    >>> row = {"messages": [{"role": "user", "content": "I want a 20% refund, 3 times over."},
    ...     {"role": "tool", "content": "order: {qty: 3}"},
    ...     {"role": "assistant", "content": None, "tool_calls": [
    ...         {"function": {"arguments": '{"summary": "asks for 20%, 3 times"}'}}]}]}
    >>> said_numbers(row)
    ['20']
    """
    said: set[str] = set()
    results: set[str] = set()
    found: dict[str, None] = {}
    skip = known if isinstance(known, set | frozenset) else set(known)
    for message in row.get("messages", []):
        role = message.get("role")
        numbers = {m.group() for text in _strings(message) for m in _WHOLE.finditer(text)}
        if role == "user":
            said |= numbers - found.keys()
        elif role == "tool":
            results |= numbers
        elif role == "assistant":
            found.update(dict.fromkeys(sorted(n for n in numbers & said if n not in found)))
    return [n for n in found if n not in results and n not in skip]


def said_number_words(
    rows: Iterable[dict[str, Any]], known: Iterable[str] = (), min_count: int = 2
) -> list[str]:
    """The numbers of two or more digits that :func:`said_numbers` finds in ``min_count`` or more
    of ``rows``, sorted: the embedded tokenizer makes each one token, as it does the numbers of
    :func:`number_words`, so that copying a percentage the customer asked for is one induction
    step (two digits one by one, the 2-layer model did not copy: *A percentage read*).

    >>> turn = lambda p: {"messages": [{"role": "user", "content": f"A {p}% refund, please."},
    ...     {"role": "assistant", "content": f"You ask for {p}%."}]}
    >>> said_number_words([turn(20), turn(20), turn(15), turn(5), turn(5)])
    ['20']
    """
    known = set(known)
    return words_said_often((said_numbers(row, known) for row in rows), min_count)


def words_said_often(said: Iterable[list[str]], min_count: int = 2) -> list[str]:
    """The numbers of two or more digits in ``min_count`` or more of the lists ``said`` (each a
    row's :func:`said_numbers`), sorted: :func:`said_number_words` over rows already read.

    >>> words_said_often([["20", "5"], ["20"], ["15"], ["5"], ["5"]])
    ['20']
    """
    counts = Counter(n for numbers in said for n in numbers if len(n) > 1)
    return sorted(n for n, count in counts.items() if count >= min_count)


def permute_said_numbers(
    row: dict[str, Any],
    rng: random.Random,
    known: Iterable[str] = (),
    words: Iterable[str] = (),
    said: list[str] | None = None,
) -> dict[str, Any]:
    """``row`` with each number of :func:`said_numbers` (``said`` where the caller found them
    already) replaced by another, one the dialogue
    does not hold, in every turn but the system prompt: the customer asked for another
    percentage, and only reading their turn gets it right (a new row). A number among ``words``
    (:func:`said_number_words`, the tokenizer's) becomes another of them where one is free, any
    other a whole number; of as many digits either way.

    >>> row = {"messages": [{"role": "system", "content": "Refunds of 20% are never given."},
    ...     {"role": "user", "content": "I want a 20% refund."},
    ...     {"role": "assistant", "content": "You asked for 20%."}]}
    >>> new = permute_said_numbers(row, random.Random(0))
    >>> [m["content"] for m in new["messages"]]
    ['Refunds of 20% are never given.', 'I want a 60% refund.', 'You asked for 60%.']
    >>> new = permute_said_numbers(row, random.Random(0), words=["15", "20", "25"])
    >>> new["messages"][2]["content"] in ("You asked for 15%.", "You asked for 25%.")
    True
    """
    said = said_numbers(row, known) if said is None else said
    if not said:
        return row
    turns = [m for m in row["messages"] if m.get("role") != "system"]
    held = {n.group() for m in turns for t in _strings(m) for n in _WHOLE.finditer(t)}
    words = sorted(set(words))
    mapping: dict[str, str] = {}
    for value in said:
        low = 0 if len(value) == 1 else 10 ** (len(value) - 1)
        for pool in (
            [w for w in words if len(w) == len(value)] if value in words else [],
            [str(n) for n in range(low, 10 ** len(value))],
        ):
            pool = [n for n in pool if n not in held and n not in mapping.values()]
            if pool:
                mapping[value] = rng.choice(pool)
                break
    if not mapping:
        return row

    def sub(text: str) -> str:  # one pass, so a new value never turns into another
        return _WHOLE.sub(lambda m: mapping.get(m.group(), m.group()), text)

    messages = [m if m.get("role") == "system" else _map_strings(m, sub) for m in row["messages"]]
    return {**row, "messages": messages}


@functools.cache
def field_pattern(key: str, value: str) -> re.Pattern[str]:
    """``key: value`` (a compact result) or ``"key": "value"`` / ``"key": value`` (JSON); the text
    before the value in group 1, after it in group 2."""
    return re.compile(rf'((?<![\w"])"?{re.escape(key)}"?: "?){re.escape(value)}("?)(?=[\s,}}\]]|$)')


@functools.cache
def word_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a word of its own: not inside a longer word or number."""
    return re.compile(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)")
