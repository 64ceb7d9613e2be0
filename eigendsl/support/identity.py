"""Whose account a write is on: the arguments a proposal may leave out because their value is
the user's own id, which a lookup of what the user said returned (:func:`identified`), and
whether a proposal names another record than that id (:func:`names_other`)."""

from __future__ import annotations

import re
from typing import Any

from eigendsl.support.events import Call
from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import says, words
from eigendsl.support.trace import Trace

#: The tag of the tools that identify the user from what the user says (an email, a name and a
#: zip code) and return their id: a write's argument of that id may go unnamed in its proposal
#: (:func:`identified`).
IDENTIFYING_TAG = "auth"


def identified(trace: Trace, call: Call, before: int | None = None) -> list[str]:
    """The arguments of the write ``call`` a proposal of it may leave out: those whose value is
    the user's own id, which the user never sees ("sara_doe_496"), so cannot check in a proposal.

    A value is the user's id when a lookup that identifies the user (a call of a tool tagged
    :data:`IDENTIFYING_TAG`, ``find_user_id_by_email``) returned it before the write (and
    before the proposal at ``before``: a proposal made before the agent knew whose account it
    writes proposes no write on the user's), called
    with values the user had said (their email), and every such lookup returned that one id. A
    write on another account stays to be named: its id came from no lookup of what the user said
    (the agent looked up an email the user never gave, or made the id up), or the user said two
    identities and the id is not the only one.

    >>> trace = Trace.from_messages([{"role": "user", "content": "I'm ann@x.example."}], db={})
    >>> trace.calls = [Call("find_user", {"email": "ann@x.example"}, "u1", position=1,
    ...     tags=("auth",))]
    >>> identified(trace, Call("set_address", {"user_id": "u1", "city": "Oslo"}, position=2))
    ['user_id']
    >>> identified(trace, Call("set_address", {"user_id": "u2", "city": "Oslo"}, position=2))
    []
    >>> trace.calls[0].args = {"email": "bob@x.example"}  # an email the user never said
    >>> identified(trace, Call("set_address", {"user_id": "u1", "city": "Oslo"}, position=2))
    []
    """
    ids = set()
    for lookup in trace.calls:
        if (
            IDENTIFYING_TAG not in lookup.tags
            or lookup.error is not None
            or lookup.position >= call.position
            or before is not None
            and lookup.position >= before
            or not isinstance(lookup.result, str)
            or not lookup.result.strip()
        ):
            continue
        said = normalize_text(
            " ".join(
                m.content
                for m in trace.messages
                if m.role == "user" and m.position < lookup.position
            )
        ).replace("\u2019", "'")
        values = argument_values(lookup.args)
        if values and all(says(said, v) for v in values):
            ids.add(lookup.result)
    if len(ids) != 1:
        return []
    [user_id] = ids
    return [name for name, value in call.args.items() if value == user_id]


def names_other(proposal: str, value: Any, db: Any = None) -> bool:
    """Whether ``proposal`` (normalized) names another record than ``value``, an id that may go
    unsaid (:func:`identified`): another key of a table of ``db`` that holds ``value`` (another
    user's id), or a word of the id's shape, its digits any digits and its part up to the first
    "_" as written ("usr_odilebrandt" for "usr_nadiahaddad", "sara_doe_497" for "sara_doe_496").
    A yes to it agrees to a write on that record, not on the user's own.

    >>> [names_other(t, "usr_ann") for t in ("set the city of usr_bob", "set your city")]
    [True, False]
    >>> names_other("set the city of bob", "usr_ann", {"users": {"usr_ann": {}, "bob": {}}})
    True
    """
    if not isinstance(value, str) or not value.strip():
        return False
    own = value.strip().lower()
    said = {re.sub(r"['\u2019]s$", "", word.lower()) for word in words(proposal)} - {own}
    tables = db.values() if isinstance(db, dict) else ()
    if any(
        isinstance(t, dict) and value in t and said & {str(k).lower() for k in t} for t in tables
    ):
        return True
    head, sep, _ = own.partition("_")
    if any(c.isdigit() for c in own):  # its digits any digits
        shape = "".join(r"\d" if c.isdigit() else re.escape(c) for c in own)
    elif sep:  # its part up to the first "_" as written
        shape = re.escape(head + sep) + r"\w+"
    else:
        return False
    return any(re.fullmatch(shape, word) for word in said)


def argument_values(value: Any) -> list[Any]:
    """The values of a call's arguments a proposal says: texts that are not empty and numbers,
    from lists and objects too."""
    if isinstance(value, dict):
        return [v for item_ in value.values() for v in argument_values(item_)]
    if isinstance(value, list):
        return [v for item_ in value for v in argument_values(item_)]
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value]
    return []
