"""What the scripted user asks the agent to say when a yes to its proposal would confirm none of
the task's writes as the verifiers' ``confirmed`` reads them (:func:`unconfirmable`): a value
left out, or named in words no reader ties to it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eigendsl import support
from eigendsl.runtime.utterances import spoken
from eigendsl.support.identity import IDENTIFYING_TAG


def unconfirmable(
    trace: support.Trace,
    writes: list[tuple[str, dict[str, Any]]],
    words: Mapping[str, Sequence[str]] | None = None,
    named_by: Mapping[str, dict[str, Any]] | None = None,
) -> str | None:
    """What the user asks the agent to say when a yes now would confirm none of the writes it
    asked for (``writes``: the task's gold writes, tool and arguments) as the verifiers'
    ``confirmed(c, words)`` reads the conversation (``trace``, up to the agent's last turn), with
    the words they list for that write's tool (``words``, by the tool's name: "update" names a
    change of address, not a cancellation) and the namings of its ids in words (``named_by``,
    by the tool's name: an item by its product and options): the agent's last turn does not say
    what the write does, leaves out or garbles a value, asks for no consent or offers something
    else. None when a yes would count for one of them, or the task makes no write (the user
    cannot tell).

    >>> trace = support.Trace.from_messages(
    ...     [{"role": "assistant", "content": "Order #W1 stays a card_1 (yes/no)."}], db={})
    >>> write = [("modify_payment", {"order_id": "#W1", "payment_method_id": "card_1"})]
    >>> unconfirmable(trace, write), unconfirmable(trace, write, {"modify_payment": ["pay"]})
    ('what you will do', 'what you will do')
    >>> trace.messages[0].content = "Shall I modify the payment of order #W1 to card_2?"
    >>> unconfirmable(trace, write)
    'what you will do, with the payment method id'
    >>> trace.messages[0].content = "Shall I modify the payment of order #W1 to card_1?"
    >>> unconfirmable(trace, write) is None
    True
    >>> trace.messages[0].content = "Shall I pay with card_1 for order #W1?"
    >>> [unconfirmable(trace, write, {tool: ["pay"]}) for tool in ("modify_payment", "cancel")]
    [None, 'what you will do']
    """
    by_tool = words or {}
    if not writes:
        return None
    position = len(trace.messages)
    namings = named_by or {}
    replied = support.Trace(
        trace.db,
        trace.initial,
        calls=trace.calls,
        messages=[*trace.messages, support.Message("user", "Yes.", position)],
        states=trace.states,
    )
    # the records as they stand now, which the verifiers read the proposal against too
    now = replied.db_at(position) or trace.db
    if any(
        support.confirmed(
            replied,
            support.Call(tool, args, position=position + 1, named_by=namings.get(tool)),
            by_tool.get(tool, ()),
        )
        for tool, args in writes
    ):
        return None
    proposal = next(
        (m for m in reversed(trace.messages) if m.role == "assistant" and m.content.strip()),
        support.Message("assistant", "", position),
    )
    found = []
    for tool, args in writes:
        call = support.Call(tool, args, position=position + 1)
        implied = support.identified(replied, call, proposal.position)
        gaps = support.unproposed(
            proposal.content,
            tool,
            args,
            by_tool.get(tool, ()),
            implied,
            now,
            namings.get(tool),
        )
        found.append((gaps, args, implied, tool))
    gaps, write, implied, tool = min(found, key=lambda f: (len(f[0]), "" in f[0]))
    # a choice of writes ("return them, or exchange them instead?") garbles every value said
    # beside the "or": a yes to it agrees to neither, what is missing is the choice
    chosen = re.sub(r"(?i)(?:,\s*)?\bor\b[^.?!;]*", "", proposal.content)
    if chosen != proposal.content and not support.unproposed(
        chosen,
        tool,
        write,
        by_tool.get(tool, ()),
        implied,
        now,
        namings.get(tool),
    ):
        return "what you will do, one thing rather than a choice"
    # the user's own id, which the user never sees, is asked for as an identification: before
    # the agent looked the user up, or where the proposal names another account
    unseen = [name for name in gaps if name and _own_id(trace, proposal, write[name])]
    other = [name for name in gaps if name in implied]
    named = [
        _asked_for(name, write[name], namings.get(tool, {}).get(name))
        for name in gaps
        if name and name not in unseen and name not in other
    ]
    account = ", on my own account, not another one" if other else ""
    account += ", once you have found my account from what I told you" if unseen else ""
    if not named:
        return f"what you will do{account}"
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"what you will do, with {listed}{account}"


def _asked_for(name: str, value: Any, naming: Mapping[str, Any] | None) -> str:
    """How the user asks for an argument a proposal leaves out: by its name ("payment method
    id"), or, for an id its parameter's ``naming`` says how to name in words, by those words
    first, as the user would ("each item's name and options (or its id)").

    >>> item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name",
    ...     "options"]}
    >>> _asked_for("item_ids", ["I1"], item), _asked_for("new_item_id", "I2", item)
    ("each item's name and options (or its id)", "the new item's name and options (or its id)")
    >>> _asked_for("payment_method_id", "card_1", None)
    'the payment method id'
    """
    said = spoken(name)
    fields = [spoken(str(f)) for f in (naming or {}).get("fields") or ()]
    thing = re.sub(r" ids?$", "", said)
    if not fields or thing == said:
        return f"the {said}"
    words = fields[0] if len(fields) == 1 else f"{', '.join(fields[:-1])} and {fields[-1]}"
    owner = "each" if isinstance(value, list) else "the"
    return f"{owner} {thing}'s {words} (or its id)"


def _own_id(trace: support.Trace, proposal: support.Message, value: Any) -> bool:
    """Whether ``value``, a write's argument a proposal leaves out, is a record's id (a key of
    a table of the trace's database) that no message of the user's said and no identifying
    lookup (a tool tagged :data:`~eigendsl.support.identity.IDENTIFYING_TAG`) returned before
    the ``proposal``: the user's own id before the agent looked the user up, which the user
    cannot say back."""
    if not isinstance(value, str) or not any(
        isinstance(table, dict) and value in table for table in trace.db.values()
    ):
        return False
    if any(
        m.role == "user" and support.says(support.normalize_text(m.content), value)
        for m in trace.messages
    ):
        return False
    return not any(
        IDENTIFYING_TAG in c.tags
        and c.error is None
        and c.result == value
        and c.position < proposal.position
        for c in trace.calls
    )
