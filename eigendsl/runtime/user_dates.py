"""Whether a proposal the agent asks the scripted user to confirm states the day or the time of
day the user asked for (:func:`misdated`): another day said as the new one, a wrong weekday
beside the right date."""

from __future__ import annotations

import re
from typing import Any

from eigendsl import support
from eigendsl.runtime.user_proposals import facts_in


def misdated(text: str, known: dict[str, str], asked: list[dict[str, Any]]) -> str | None:
    """The known day or time of day that a write the user asked for carries (``asked``: the
    arguments of the task's gold writes) and an agent's proposal states otherwise: it does not
    say the user's value in any form the DSL's ``said`` hears ("June 11", "9:30 am") but says
    another day (time) that neither the user nor those writes name; or it says the user's value
    and another such day (time) as the new one too (:func:`_as_new`: "from June 11 to June 12",
    "June 12 instead of June 11", "June 11, no wait, June 12"), while another day as the old one
    ("from June 20 to June 11", "June 11 instead of June 20") is right. A day no write carries
    (a date of birth) is not compared, and names no other day.

    >>> known = {"date": "2025-06-11", "time": "09:30", "date of birth": "1988-03-14"}
    >>> write = [{"doctor_id": "D-01", "date": "2025-06-11", "time": "09:30"}]
    >>> [misdated(t, known, write) for t in ("Book Thursday, June 12 at 11:00 am?",
    ...     "Book 2025-06-11 at 11:00?", "Book June 11 at 9:30 am for you, born 1988-03-14?",
    ...     "Do you confirm?", "Move it from June 11 to June 12 at 9:30?",
    ...     "Move it from June 20 to June 11 at 9:30?", "Book June 11 or June 12 at 9:30?",
    ...     "Book Tuesday, June 11 at 9:30?", "Book Wednesday, June 11 at 9:30?")]
    ['date', 'time', None, None, 'date', None, 'date', 'date', None]
    """
    # an id's digits are no day: "order #1, june 18" says june 18, not "1 june"
    content = _ID_NUMBER.sub(
        lambda m: "#" + "x" * (len(m.group()) - 1), support.normalize_text(text)
    )
    carried = {key for args in asked for key in facts_in(args, known)}
    values = [str(v) for v in known.values()]
    values += [str(v) for args in asked for v in args.values() if isinstance(v, str)]
    named = [v.strip() for v in values if support.is_day_or_time(v.strip())]
    for key, fact in known.items():
        fact = str(fact).strip()
        if key not in carried or not support.is_day_or_time(fact):
            continue
        found = _spans(content, support.days_or_times(content, fact))
        right = [start for start, end in found if support.says(content[start:end], fact)]
        if any(
            not any(support.says(content[start:end], v) for v in named)
            and (
                not right
                or _offered_beside(content, start, end, found, right)
                or _as_new(content, start, end, right[0])
            )
            for start, end in found
        ) or any(_misnamed_weekday(content, start, fact) for start in right):
            return key
    return None


_WEEKDAYS = "|".join(day.lower() for day in support.WEEKDAYS)
_WEEKDAY_BEFORE = re.compile(rf"\b({_WEEKDAYS})\W{{0,3}}(?:the\s+)?$")


def _misnamed_weekday(content: str, start: int, fact: str) -> bool:
    """Whether the user's day, said at ``content[start:]``, comes after another weekday than
    its own ("tuesday, june 18" for 2025-06-18, a Wednesday): the agent means another day."""
    said = _WEEKDAY_BEFORE.search(content, 0, start)
    if said is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fact):
        return False
    return said.group(1) != support.weekday(fact).lower()


_ID_NUMBER = re.compile(r"#\w+")
# What joins two values offered as alternatives: "june 18 or june 19", "june 18 (or the 19th)"
_OR = re.compile(r"[\s,(]*\b(?:or|and/or)\b(?:\s+(?:maybe|perhaps|else|even|on|to|the))*[\s(]*")


def _offered_beside(
    content: str, start: int, end: int, found: list[tuple[int, int]], right: list[int]
) -> bool:
    """Whether the day or time at ``content[start:end]`` is offered as an alternative to the
    user's one ("to june 18 or june 19", "june 19 or june 18"): a proposal of two values is no
    proposal of the one the user asked for."""
    ends = {s: e for s, e in found}
    return any(
        _OR.fullmatch(content, ends[at], start) or _OR.fullmatch(content, end, at) for at in right
    )


def _spans(content: str, found: list[str]) -> list[tuple[int, int]]:
    """Where each of ``found``, the words ``content`` says in order, lies in it."""
    spans, at = [], 0
    for words in found:
        start = content.index(words, at)
        at = start + len(words)
        spans.append((start, at))
    return spans


# The role of a day or a time in a proposal that says the user's one too. The old value's:
# after "from", "instead of", "not", "currently", "was", "scheduled for"... within three words of
# its sentence, with no "to" between; the new value's: right after "to" (and words such as "the
# new date of", "Friday"), right before "instead of", or after a self-correction that follows
# the user's value ("June 18, no wait, June 25"). A day in neither role (the transfer "on June
# 14" that the agent moves "to June 18") is no other new value.
_OLD_ROLE = re.compile(
    r"\b(?:from|instead\s+of|rather\s+than|in\s+place\s+of|not|no\s+longer|currently|originally"
    r"|previously|was|old|existing|(?:scheduled|booked|set|due|planned)\s+(?:for|on))"
    r"(?:\s+(?:to|on|for|at))?(?:\s+(?!(?:to|into|onto)\b)[^\s.;?!]+){0,3}\s+$"
)
_NEW_ROLE = re.compile(
    rf"\b(?:to|into|onto)(?:\s+(?:the|a|new|date|day|time|of|on|at|{_WEEKDAYS}))*\s+$"
)
_NEW_BEFORE_OLD = re.compile(r"\s*(?:instead\s+of|rather\s+than|in\s+place\s+of)\b")
_SELF_CORRECTION = re.compile(
    r"\b(?:no\s+wait|wait|actually|i\s+mean|sorry|correction|make\s+that|or\s+rather"
    r"|scratch\s+that)\b"
)


def _as_new(content: str, start: int, end: int, right: int) -> bool:
    """Whether the day or time at ``content[start:end]`` is stated as the new value, in a
    proposal that says the user's one at ``right`` (the roles: :data:`_OLD_ROLE`).

    >>> text = "move it from june 14 to june 18 no wait to june 25"
    >>> [_as_new(text, text.index(d), text.index(d) + 7, text.index("june 18"))
    ...     for d in ("june 14", "june 25")]
    [False, True]
    """
    before = content[:start]
    if _OLD_ROLE.search(before):
        return False
    return bool(
        _NEW_ROLE.search(before)
        or _NEW_BEFORE_OLD.match(content, end)
        or (right < start and _SELF_CORRECTION.search(content, right, start))
    )


# What another value of a fact's kind looks like, where its shape alone does not tell: a street
# ("9 Other Street" for "5 Lighthouse Row"), a payment method's id ("paypal_9999" for
# "card_6046"), a variant's option ("color: red").
