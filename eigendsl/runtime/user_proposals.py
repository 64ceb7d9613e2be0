"""Whether a proposal the agent asks the scripted user to confirm is what the user asked for: a
known fact misstated, a detail that contradicts the request (another item, variant, street or
payment method), another record, a change it never asked for, a switch to the opposite value,
or a proposal a yes to which the verifiers' ``confirmed`` would not count (an extra action:
:mod:`eigendsl.runtime.user_actions`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eigendsl import support
from eigendsl.runtime.user_questions import METHOD_ID, NOT_AN_ID, id_shape, says
from eigendsl.runtime.utterances import spoken
from eigendsl.support.identity import IDENTIFYING_TAG


def misstated(
    text: str, known: dict[str, str], asked: list[dict[str, Any]] | None = None
) -> str | None:
    """The known fact an agent's proposal gets wrong, if any: the proposal does not say the
    user's value but says another of its shape (another order id, another zip code) that is no
    part of what the user knows, nor of the writes the user asked for (``asked``: the arguments
    of the task's gold writes, so a new address's zip code is no mistake about the user's own).
    Only identifiers have a shape to tell: facts with digits that are not a date, a time or an
    amount alone (:data:`NOT_AN_ID`; a day or a time a write carries: :func:`misdated`).

    >>> misstated("I'll cancel order #W1000372. (yes/no)", {"order_id": "#W1000371"})
    'order_id'
    >>> misstated("I'll cancel order #W1000371. (yes/no)", {"order_id": "#W1000371"}) is None
    True
    >>> misstated("Start on 2025-06-20? (yes/no)", {"date of birth": "1988-03-14"}) is None
    True
    >>> misstated("Move it to 1 Elm St, 10001? (yes/no)", {"zip": "80280"}, [{"zip": "10001"}])
    """
    values = [str(v).lower() for v in known.values()]
    values += [str(v).lower() for args in asked or () for v in args.values()]
    for key, value in known.items():
        value = str(value)
        if (
            len(value) < 4
            or not any(c.isdigit() for c in value)
            or NOT_AN_ID.fullmatch(value.strip())
            or says(text, value)
        ):
            continue
        if any(
            not any(m.group().lower() in v for v in values) for m in id_shape(value).finditer(text)
        ):
            return key
    return None


_STREET = re.compile(
    r"\b\d+ [A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)* (?:Street|St|Row|Road|Rd|Avenue|Ave|Lane|Ln"
    r"|Drive|Dr|Way|Boulevard|Blvd|Court|Ct|Place|Pl)\b"
)
_OPTION = re.compile(r"\b([a-z]+):\s*([^,.;:()]+?)\s*(?=[,.;)]|$|\s(?:for|in|and|with|instead)\b)")


def _options(text: str) -> list[tuple[str, str]]:
    return [(k, " ".join(v.split())) for k, v in _OPTION.findall(text.lower())]


def contradicted(
    text: str, known: dict[str, str], asked: list[dict[str, Any]] | None = None
) -> str | None:
    """The known fact an agent's proposal states otherwise, where no id's shape tells
    (:func:`misstated`): only some of a list ("the lamp" for "the lamp and the speaker"),
    another value of one of a variant's options, another street, another payment method's id.
    Values the user knows or the writes it asked for carry (``asked``) are no contradiction.

    >>> known = {"wanted variant": "capacity: 30 l, color: black", "pay with": "my card_6046",
    ...     "items": "Desk Lamp and Speaker", "new address": "5 Lighthouse Row, Linden"}
    >>> [contradicted(t, known) for t in ("Exchange for capacity: 40 l, color: red?",
    ...     "Charge it to paypal_9999?", "Return the Desk Lamp?", "Move to 9 Other Street?",
    ...     "Return the Desk Lamp and Speaker to 5 Lighthouse Row, Linden with card_6046?")]
    ['wanted variant', 'pay with', 'items', 'new address', None]
    """
    values = "; ".join(str(v).lower() for v in known.values())
    values += "; " + "; ".join(str(v).lower() for args in asked or () for v in args.values())
    options = _options(values)
    # a fact the proposal leaves out is the one it states otherwise; a "current" one last
    for key in sorted(known, key=lambda k: "current" in k.lower()):
        value = str(known[key])
        if not value.strip() or says(text, value):
            continue
        if re.search(r"\band\b", value):
            parts = [p for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
            if any(says(text, p) for p in parts):
                return key  # some of the list, not all
        mine = {k for k, _ in _options(value)}
        if any(k in mine and (k, v) not in options for k, v in _options(text)):
            return key
        for rival in (_STREET, METHOD_ID):
            if rival.search(value) and any(
                m.group().lower() not in values for m in rival.finditer(text)
            ):
                return key
    return None


def another_record(text: str, known: dict[str, str], asked: list[dict[str, Any]]) -> bool:
    """Whether a proposal that says the user's id also names another of its shape that neither
    the user nor the writes it asked for name ("cancel #W1000075 and #W1000076 too"; an id with
    "#" however short: "#1 and #2").

    >>> another_record("Cancel #W1000075 and #W1000076?", {"order id": "#W1000075"}, [])
    True
    >>> another_record("Move #1 to June 18 and #2 to June 19?", {"order id": "#1"}, [])
    True
    """
    values = [str(v).lower() for v in known.values()]
    values += [str(v).lower() for args in asked for v in args.values()]
    return any(
        (len(str(value)) >= 4 or str(value).startswith("#"))
        and any(c.isdigit() for c in str(value))
        and not NOT_AN_ID.fullmatch(str(value).strip())
        and says(text, str(value))
        and any(
            not any(m.group().lower() in v for v in values)
            for m in id_shape(str(value)).finditer(text)
        )
        for value in known.values()
    )


def facts_in(args: dict[str, Any], known: dict[str, str]) -> list[str]:
    """The known facts a write's arguments carry whole (the appointment id, the cancellation
    reason, the day and the time of a booking, which :func:`says` hears in words as the DSL's
    ``said`` does), but not an amount, which an agent may say in other words."""
    values = {str(v).strip().lower() for v in args.values() if isinstance(v, (str, int, float))}
    return [
        key
        for key, fact in known.items()
        if str(fact).strip()
        and (str(fact).strip().lower() in values or _carries_part(str(fact).lower(), values))
        and (
            support.is_day_or_time(str(fact).strip()) or not NOT_AN_ID.fullmatch(str(fact).strip())
        )
    ]


def _carries_part(fact: str, values: set[str]) -> bool:
    """Whether a write carries part of a fact: the street of a new address, the id of a payment
    method the user names in words ("my credit_card (card_6046)")."""
    return any(
        len(v) >= 4
        and not NOT_AN_ID.fullmatch(v)
        and re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", fact)
        for v in values
    )


def unrequested(
    text: str, known: dict[str, str], writes: list[dict[str, Any]]
) -> tuple[list[str], bool] | None:
    """Whether an agent's proposal is none of the writes the user asked for (``writes``: the
    arguments of the task's gold writes): None when it says every known fact one of them
    carries (or one carries none, or the task makes no write: the user cannot tell); otherwise
    the facts the closest write carries that the proposal leaves out, and whether it says any
    of that write's facts (a wrong cancellation reason) or none (a bare "Do you confirm?",
    another action).

    >>> known = {"appointment id": "apt_1", "reason": "found another doctor"}
    >>> write = [{"appointment_id": "apt_1", "reason": "found another doctor"}]
    >>> unrequested("Cancel apt_1, reason found another doctor? (yes/no)", known, write) is None
    True
    >>> unrequested("Cancel apt_1, reason feeling better? (yes/no)", known, write)
    (['reason'], True)
    >>> unrequested("Shall I delete your record? (yes/no)", known, write)
    (['appointment id', 'reason'], False)
    """
    lowered = " ".join(text.lower().split())
    closest: tuple[list[str], bool] | None = None
    for args in writes:
        facts = facts_in(args, known)
        missing = [k for k in facts if not says(lowered, known[k])]
        if not missing:
            return None
        if closest is None or len(missing) < len(closest[0]):
            closest = (missing, len(missing) < len(facts))
    return closest


def stated_otherwise(text: str, value: str, choices: Sequence[Any] = ()) -> bool:
    """Whether a proposal that does not say the known ``value`` states another value of its
    kind rather than leaves it out: another id of its shape (another order id; an id has
    digits, four characters or more, and is no day, time or amount), or another of ``choices``
    (the values the write's argument may take: another cancellation reason). A value of
    neither kind cannot tell a gap from another value, and counts as stated otherwise, so the
    user corrects it.

    >>> stated_otherwise("Return the kettle to gift_6207? (yes/no)", "#W1001148")
    False
    >>> stated_otherwise("Return the kettle of #W1001149? (yes/no)", "#W1001148")
    True
    >>> reasons = ["no longer needed", "ordered by mistake"]
    >>> [stated_otherwise(t, "no longer needed", reasons) for t in (
    ...     "Shall I cancel #W1?", "Shall I cancel #W1 (ordered by mistake)?")]
    [False, True]
    >>> stated_otherwise("Cancel apt_1, reason feeling better?", "found another doctor")
    True
    """
    value = str(value).strip()
    if len(value) >= 4 and any(c.isdigit() for c in value) and not NOT_AN_ID.fullmatch(value):
        return id_shape(value).search(text) is not None
    if choices:
        return any(str(c) != value and says(text, str(c)) for c in choices)
    return True


# The words that state a switch's value ("turn roaming on", "disable the alerts"), and those a
# proposal states the other value with: not "on", which a proposal of either says ("based on",
# "on line L-101"); a request's "on" is only believed without a word of "off" beside it.
_SWITCH_WORDS = {
    True: frozenset({"on", "enable", "enabled", "activate", "activated"}),
    False: frozenset({"off", "disable", "disabled", "deactivate", "deactivated"}),
}
_OTHER_VALUE_WORDS = {True: _SWITCH_WORDS[False], False: _SWITCH_WORDS[True] - {"on"}}


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def switched(text: str, request: str, writes: list[dict[str, Any]]) -> bool:
    """Whether an agent's proposal states the other value of a true-or-false argument whose
    value the user's request states (``writes``: the arguments of the task's gold writes), as a
    known fact a write carries is checked (:func:`unrequested`): "turn roaming off" proposed
    to "please turn roaming on". False where some write has no such argument, or the request
    states none (the user cannot tell).

    >>> write = [{"line_id": "L-1", "enabled": True}]
    >>> switched("I'll turn roaming OFF for L-1. Confirm?", "Turn roaming on for L-1.", write)
    True
    >>> switched("I'll turn roaming on for L-1. Confirm?", "Turn roaming on for L-1.", write)
    False
    >>> switched("I'll disable roaming. Confirm?", "Roaming for L-1, please.", write)
    False
    """
    said, asked = _words(text), _words(request)
    stated = False
    for args in writes:
        values = {v for v in args.values() if isinstance(v, bool)}
        told = [v for v in values if asked & _SWITCH_WORDS[v] and not asked & _SWITCH_WORDS[not v]]
        if not told:
            return False
        stated = True
        if not any(said & (_OTHER_VALUE_WORDS[v] - asked) for v in told):
            return False  # this write's values as the request says them
    return stated


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
    )
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
            trace.db,
            namings.get(tool),
            trace.initial,
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
        trace.db,
        namings.get(tool),
        trace.initial,
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
