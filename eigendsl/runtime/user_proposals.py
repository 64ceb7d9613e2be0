"""Whether a proposal the agent asks the scripted user to confirm is what the user asked for: a
known fact misstated, a detail that contradicts the request (another item, variant, street or
payment method), another record, a change it never asked for, a switch to the opposite value
(an extra action: :mod:`eigendsl.runtime.user_actions`; a proposal a yes to which the
verifiers' ``confirmed`` would not count: :mod:`eigendsl.runtime.user_confirmable`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from eigendsl import support
from eigendsl.runtime.user_actions import proposed_actions
from eigendsl.runtime.user_questions import METHOD_ID, NOT_AN_ID, id_shape, says
from eigendsl.support.listing import TAKEN_IN
from eigendsl.support.naming import naming_sentences


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


def another_item(
    text: str,
    calls: list[tuple[str, dict[str, Any]]],
    named_by: dict[str, dict[str, Any]],
    db: dict[str, Any],
) -> bool:
    """Whether a sentence of a proposal that asks consent for an action
    (:func:`~eigendsl.runtime.user_actions.proposed_actions`) names, by its id or in words (as
    the tool's parameter is ``named_by``: an item by its product's name), another record of a
    row the task's writes (``calls``: tool and arguments) act on, one no write carries: "return
    the Keyboard and the Commuter Backpack" to a user who sends back the keyboard only. A record
    with the name of one a write carries ("the Speaker (red)" for the "Speaker (blue)") may be
    what it is exchanged for, and is none.

    >>> db = {"orders": {"#W1": {"items": [{"item_id": "I1", "name": "Keyboard"},
    ...     {"item_id": "I2", "name": "Commuter Backpack"}]}}}
    >>> named = {"return": {"item_ids": {"table": "orders", "within": "items",
    ...     "key": "item_id", "fields": ["name"]}}}
    >>> calls = [("return", {"order_id": "#W1", "item_ids": ["I1"]})]
    >>> [another_item(t, calls, named, db) for t in ("Return the Keyboard and the Commuter "
    ...     "Backpack?", "Return I1 and I2?", "Return the Keyboard? The Commuter Backpack stays.")]
    [True, True, False]
    """
    carried = {str(v) for _, args in calls for value in args.values() for v in _listed(value)}
    # a sentence that asks consent for "them", "everything", "the whole order" takes in each
    # record a listing of the turn names ("Your order has A, B, C and D. Shall I return them?"),
    # as a proposal that names them all does
    taken_in = any(
        proposed_actions(s) and TAKEN_IN.search(support.normalize_text(s))
        for s in support.sentences(text)
    )
    for tool, args in calls:
        for param, naming in (named_by.get(tool) or {}).items():
            table = db.get(naming.get("table"), {})
            within, key = naming.get("within"), naming.get("key")
            if not within or param not in args or not isinstance(table, dict):
                continue
            rows = [table[v] for v in carried if v in table]
            records = [r for row in rows for r in row.get(within) or () if isinstance(r, dict)]
            head = (naming.get("fields") or [""])[0]
            names = {str(r.get(head)).lower() for r in records if str(r.get(key)) in carried}
            for record in records:
                other = str(record.get(key))
                if other in carried or str(record.get(head)).lower() in names:
                    continue
                told = naming_sentences(text, other, naming, [db], args)
                told += [s for s in support.sentences(text) if says(s.lower(), other.lower())]
                if told and (taken_in or any(proposed_actions(sentence) for sentence in told)):
                    return True
    return False


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


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
