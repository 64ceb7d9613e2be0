"""The sentences a failure's reason says: why a comparison, an ``unchanged``, a
``said``, an ``all`` or an ``any`` did not hold, and a judge model's verdict on an assertion."""

from __future__ import annotations

import itertools
from typing import Any

from eigendsl.support.brief import _json_text
from eigendsl.support.dates import _DAY, date_problem
from eigendsl.support.days_in_words import _TIME
from eigendsl.support.events import Call  # noqa: F401 (its doctests)
from eigendsl.support.expressions import none_in
from eigendsl.support.places import diff, show
from eigendsl.support.trace import Trace


def compare_reason(
    source: str, op: str, left: Any, right: Any, negated: bool = False, base: str = ""
) -> str:
    """Why ``left op right`` did not hold (or, negated, why it held); two objects or lists that
    differ are told by the places that differ, written from ``base``, the DSL text of ``left``.

    >>> compare_reason("db == gold", "==", {"orders": {"#1": {"status": "pending"}}},
    ...                {"orders": {"#1": {"status": "cancelled"}}}, base="db")
    'db == gold does not hold: db.orders["#1"].status is "pending", expected "cancelled"'
    """
    if negated:
        return f"{source} holds but is forbidden ({show(left)} {op} {show(right)})"
    if op == "==" and isinstance(left, (dict, list)) and isinstance(right, (dict, list)):
        differences = diff(left, right, base)
        if differences:
            return f"{source} does not hold: " + "; ".join(differences)
    if op == "==":
        return f"{source} does not hold: {show(left)} is not {show(right)}"
    return f"{source} does not hold: {show(left)} {op} {show(right)} is false"


def changed_reason(source: str, now: Any, before_: Any) -> str:
    """Why ``unchanged <source>`` did not hold: the places that changed, written from it.

    >>> changed_reason("db.orders", {"#1": {"status": "cancelled"}}, {"#1": {"status": "pending"}})
    'db.orders changed: db.orders["#1"].status is "cancelled", expected "pending"'
    """
    return f"{source} changed: " + "; ".join(diff(now, before_, source) or ["values differ"])


def said_reason(role: str, text: Any, negated: bool) -> str:
    """Why a ``said`` did not hold (or, negated, held), with the ways of saying ``text`` that
    :func:`says` looks for: a number as any number equal to it, a day or time also in words.

    >>> said_reason("assistant", 0.0, False)
    'the agent never said 0 (any number equal to it, such as 0.00)'
    >>> said_reason("user", "yes", True)
    'the user said "yes", which is forbidden here'
    """
    who = "the agent" if role == "assistant" else "the user"
    shown = _spoken(text)
    if negated:
        return f"{who} said {shown}, which is forbidden here"
    return f"{who} never said {shown}"


def _spoken(text: Any) -> str:
    """``text`` as :func:`says` looks for it."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        plain = f"{text:.6f}".rstrip("0").rstrip(".")
        plain = "0" if plain == "-0" else plain
        cents = f"{text:.2f}"
        also = f", such as {cents}" if float(cents) == text and cents != plain else ""
        return f"{plain} (any number equal to it{also})"
    if isinstance(text, str) and _DAY.fullmatch(text) and date_problem(text) is None:
        return f"{_json_text(text)} (or the day in words)"
    if isinstance(text, str) and _TIME.fullmatch(text):
        return f"{_json_text(text)} (or the time on a 12-hour clock)"
    return _json_text(text) if isinstance(text, str) else show(text)


def counterexample_reason(source: str, counterexample: Any) -> str:
    """Why ``all(...)`` did not hold: the first element it failed for. A long statement is cut
    (the failure's ``statement`` has it whole), so that the element is read, not lost after it.

    >>> reason = counterexample_reason("all(c in calls: " + "x " * 60 + ")", "cancel(#1)")
    >>> reason[-40:]
    'x x x ... does not hold for "cancel(#1)"'
    """
    if counterexample is None:
        return f"{source} does not hold"
    return f"{_cut(source)} does not hold for {show(counterexample)}"


def _cut(source: str, limit: int = 100) -> str:
    return source if len(source) <= limit else source[: limit - 4].rstrip() + " ..."


def any_reason(
    source: str, body: str, op: str | None, collection: str, tried: Any, items: Any = None
) -> str:
    """Why ``any(x in xs where F: P)`` did not hold: what ``P`` (``body``) was given for the
    elements that matched ``F`` (``tried``: the element, and for a comparison its two sides),
    at most three; or that none matched, or that there were none.

    >>> call = Call("calc", {"e": "144 - 75.9"}, 68.1)
    >>> print(any_reason("any(...)", "c.result == 5.0", "==", "calls", iter([(call, 68.1, 5.0)])))
    any(...) does not hold: c.result == 5.0 is false for calc(e="144 - 75.9") (68.1 is not 5.0)
    """
    shown = list(itertools.islice(tried, 4))
    if not shown:
        if items is not None and not items:
            return f"{source} does not hold: {none_in(f'element of {collection}')}"
        return f"{source} does not hold: no element of {collection} matches its where"
    parts = []
    for entry in shown[:3]:
        if op is None:
            parts.append(show(entry))
            continue
        element, left, right = entry
        if op == "==":
            sides = f"{show(left)} is not {show(right)}"
        else:
            sides = f"{show(left)} {op} {show(right)} is false"
        parts.append(f"{show(element)} ({sides})")
    more = ", and more" if len(shown) > 3 else ""
    return f"{_cut(source)} does not hold: {body} is false for " + "; ".join(parts) + more


def condition_reason(source: str, negated: bool) -> str:
    return f"{source} holds but is forbidden" if negated else f"{source} does not hold"


NOT_JUDGED = "not judged: needs a judge model"


def judge(trace: Trace, assertion: str) -> bool | None:
    """The trace's judge model on ``assertion``: True or False, None when there is no judge."""
    model = getattr(trace, "judge", None)
    if model is None:
        return None
    return bool(model(assertion))


def judge_reason(assertion: str, verdict: bool | None) -> str:
    if verdict is None:
        return NOT_JUDGED
    return f"the judge model found this not met: {_json_text(assertion)}"
