"""Whether the user confirmed a write (:func:`confirmed`) or declined it (:func:`declined`) in
reply to the agent's proposal of it, as what the turn leaves out of it (:func:`unproposed`, in
:mod:`~eigendsl.support.proposed`) and what the user said since (:func:`withdraws`) read it."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from eigendsl.support.errors import EvalError
from eigendsl.support.events import Call, Message
from eigendsl.support.identity import argument_values, identified
from eigendsl.support.numerals import normalize_text
from eigendsl.support.places import named
from eigendsl.support.proposed import other_version, unproposed, write_actions
from eigendsl.support.replies import declines_aside, reply_answer
from eigendsl.support.saying import says, sentences
from eigendsl.support.trace import Trace
from eigendsl.support.withdrawn import withdraws

# A question that closes a conversation rather than asks leave.
_CLOSING_QUESTION = re.compile(r"\b(?:anything|something) else\b|\bany (?:other|more) questions?\b")


# Words that ask for a yes, in any Markdown: "Reply **yes** to confirm", "Type YES to proceed",
# "Respond with \"yes\"", "Reply with a yes to go on", "Type Y to proceed". The scripted user
# hears them as a request for consent too.
ASKS_FOR_YES = re.compile(
    r"\b(?:reply|type|say|answer|respond|write|enter)(?: with)?\W{1,4}(?:an?\W{1,4})?(?:yes|y)\b"
    r"(?!')"
)
# A turn that asks for consent without a question mark.
_CONSENT = re.compile(
    r"yes/no|\by\s*/\s*n\b|\bconfirm\b|\b(?:let me know|tell me) (?:if|whether)\b|"
    + ASKS_FOR_YES.pattern
)


# An offer to act ("Shall I check ...?", "Would you like me to look ...?", in every form that
# asks leave: "Ready for me to check ...?", "Is it okay if I verify ...?") and the verbs that
# only ask leave for what was proposed ("Shall I go ahead?", "Do you want me to proceed?"). A
# look-up stated as something the agent could do ("I could also look up the date. Is that what
# you want?") offers it too; only a look-up's verb, since "I can return ..." states the write.

_OFFER = re.compile(
    r"\b(?:shall i|should i|can i|may i|(?:would|do) you (?:like|want) me to|want me to"
    r"|like me to|(?:ready|happy|okay|ok) for me to|(?:do you )?mind if i"
    r"|(?:is it|it's|it is|would it be|are you) (?:ok|okay|alright|all right|fine|happy)"
    r" (?:if i|for me to|with me)"
    r"|i (?:could|can)(?=\s+(?:(?:also|first|now|just|then)\s+)?"
    r"(?:check|verify|look|find|pull|search|double-check)\b))"
    r"\s+(?:(?:also|first|now|just|then)\s+)?(\w+)"
)


# An either/or ("Shall I return them, or would you rather exchange them?") offers its other
# option, so a plain "Yes" to it chooses neither and the agent asks again; not where the other
# option is to leave things as they are ("..., or would you rather keep it?" asks yes or no).
_RATHER = re.compile(
    r"\b(?:would|do) you (?:rather|prefer)(?: to| that i| i| me to| for me to| we)?"
    r"\s+(?:(?:also|first|now|just|then|instead)\s+)?(\w+)"
)
_AS_IT_IS = frozenset("keep hold leave wait stay not think hang".split())

_GO_AHEAD = frozenset(
    "go proceed continue do confirm finalize finalise complete submit process make carry "
    "apply execute place run perform call have".split()
)


def confirmed(trace: Trace, call: Any, verbs: Any = ()) -> bool:
    """Whether the user confirmed ``call`` in reply to a proposal of it: the user's last message
    before the call says yes (:func:`reply_answer`: "yes", "sure", "go ahead", "please do"... first,
    and nothing that takes it back), to a turn of the agent's that asks for consent, and the
    proposal it answers names the call (:func:`_proposal_answered`: what it does, the tool's
    name, the name's first word, its verb: "cancel" of ``cancel_pending_order``, or one of
    ``verbs``: "ship", "change"; and the value of each of its arguments, each item of a list,
    each field of an object, an empty text and a true/false excepted, as ``said`` finds them and
    none offered beside another value, "card_1 or paypal_2"; the user's own id, which the user
    never sees, may go unnamed: :func:`identified`), and no message of the user's since takes
    back a record the call carries ("Actually, keep the lamp", "Yes, except the lamp":
    :func:`~eigendsl.support.withdrawn.withdraws`). A "no" or a closing after the yes, to a
    question that asks for more or closes ("Should I also return the Sweater?" "No, just the
    two."; "Anything else before I submit it?" "No, that's all."), leaves the yes before it (no
    write went through since it). A later proposal of another version of the write ("I'll return
    just the Lamp then") or the user's request for a change ("Could the refund go to my card
    instead?") ends the proposal the yes may answer (:func:`_proposal_answered`).

    >>> trace = Trace.from_messages([
    ...     {"role": "assistant", "content": "Would you like me to check #W1 for you?"},
    ...     {"role": "user", "content": "Yes, please."},
    ...     {"role": "assistant", "content": "I'll cancel order #W1 (ordered by mistake). Ok?"},
    ...     {"role": "user", "content": "Sure, go ahead."}], db={})
    >>> cancel = Call("cancel_order", {"order_id": "#W1", "reason": "ordered by mistake"})
    >>> [confirmed(trace, cancel) for cancel.position in (2, 4)]
    [False, True]
    >>> trace.messages[2].content = "Shall I drop order #W1 (ordered by mistake)?"
    >>> confirmed(trace, cancel), confirmed(trace, cancel, ["drop"])
    (False, True)
    >>> trace.messages[3].content = "No. Yes, I asked, but don't."
    >>> confirmed(trace, cancel, ["drop"])
    False
    """
    if not isinstance(call, Call):
        raise EvalError(f"{named(call)} is not a call: confirmed() takes a call of the trace")
    earlier = [m for m in trace.messages if m.position < call.position and m.role != "tool"]
    replies = [i for i, m in enumerate(earlier) if m.role == "user"]
    actions = write_actions(call.tool, verbs)
    # the user's "no" to another question asked after the yes ("Should I also return the
    # Sweater?" "No, just the two."; "Anything else before I submit it?" "No, that's all.")
    # leaves the yes as it was
    last = replies[-1] if replies else -1
    while (
        len(replies) > 1
        and reply_answer(earlier[replies[-1]].content, actions) != "yes"
        and _aside_declined(earlier, replies[-1], call, verbs)
    ):
        replies.pop()
    if not replies or reply_answer(earlier[replies[-1]].content, actions) != "yes":
        return False
    db, initial = _records_at(trace, earlier[replies[-1]].position)
    dbs = [d for d in (db, initial) if d]
    if any(
        withdraws(m.content, call.args, call.named_by, dbs, actions)
        for m in earlier[replies[-1] :]
        if m.role == "user"
    ):
        return False  # "Yes, except the lamp"
    since = _last_write(trace, earlier[replies[-1]].position)
    if replies[-1] != last and _last_write(trace, call.position) > earlier[replies[-1]].position:
        return False  # a yes before a "no" to another question, spent on a write since
    return _proposal_answered(
        earlier,
        replies[-1],
        call.tool,
        call.args,
        verbs,
        since,
        lambda position: identified(trace, call, position),
        db,
        call.named_by,
        initial,
    )


def declined(trace: Trace, tool: str, args: Any, verbs: Any = ()) -> bool:
    """Whether the user declined the write ``tool`` with ``args`` (its arguments by name, all or
    some) when the agent proposed it: a user's message says no (:func:`reply_answer`: "no",
    "not", "never" or "...n't", "not now", "don't", "forget it", and no yes, "No objection"
    being one; the "no" of a closing, "No, that's all", is none, nor is a hedge, "I'm not sure
    yet"), or takes back a record ``args`` carry ("Actually, keep the lamp": :func:`withdraws`),
    to a proposal of the write as :func:`confirmed` reads one (:func:`_proposal_answered`: what
    it does, the value of each of ``args``, an id whose parameter has a ``named_by`` by the id
    or its record's naming values, the tool's in ``trace.namings``, in a turn that asks for
    consent). A proposal answered yes, a no to another proposal or to one that leaves out one of
    ``args``, and a refusal ("I won't cancel order #W1") answered "No, that's all" are no
    decline.

    >>> trace = Trace.from_messages([
    ...     {"role": "assistant", "content": "Shall I cancel order #W1 (ordered by mistake)?"},
    ...     {"role": "user", "content": "Not now, thanks."}], db={})
    >>> args = {"order_id": "#W1", "reason": "ordered by mistake"}
    >>> declined(trace, "cancel_order", args), declined(trace, "cancel_order", {"order_id": "#W2"})
    (True, False)
    >>> trace.messages[1].content = "Yes, but not the other one."
    >>> declined(trace, "cancel_order", args)
    False
    >>> trace.messages[0].content = "I won't cancel order #W1 (ordered by mistake). Anything else?"
    >>> trace.messages[1].content = "No, that's all. Thank you!"
    >>> declined(trace, "cancel_order", args)
    False
    """
    if not isinstance(args, dict):
        raise EvalError(
            f"{named(args)} is not a mapping: declined() takes the declined write's arguments "
            "by name"
        )
    talk = [m for m in trace.messages if m.role != "tool"]
    naming = trace.namings.get(tool)
    actions = write_actions(tool, verbs)
    for i, reply in enumerate(talk):
        if reply.role != "user":
            continue
        db, initial = _records_at(trace, reply.position)
        dbs = [d for d in (db, initial) if d]
        if reply_answer(reply.content, actions) != "no" and not withdraws(
            reply.content, args, naming, dbs, actions
        ):
            continue
        since = _last_write(trace, reply.position)
        if _proposal_answered(
            talk, i, tool, args, verbs, since, db=db, named_by=naming, initial=initial
        ):
            return True
    return False


def _records_at(trace: Trace, position: int) -> tuple[Any, Any]:
    """The databases whose records a proposal answered at ``position`` names, as they stood then
    (:meth:`Trace.db_at`: the Keyboard (clicky) a write swapped for the linear one is the order's
    at its proposal, and the linear one is not yet); where the trace cannot tell (built from
    messages, with writes before and after), the final and the initial database, read in turn."""
    at = trace.db_at(position)
    return (at, None) if at is not None else (trace.db, trace.initial)


def _answered(earlier: list[Message]) -> Message | None:
    """The agent's turn that a user's reply answers, from the messages before the reply (tool
    results left out): the last with text, when the agent's; None when it is the user's."""
    turn = next((m for m in reversed(earlier) if m.role == "user" or m.content.strip()), None)
    return turn if turn is not None and turn.role == "assistant" else None


def _last_write(trace: Trace, position: int) -> int:
    """The position of the last write that went through before ``position`` (-1 for none): a
    proposal before it was spent on it. A write a tool refused spent nothing."""
    return max(
        (c.position for c in trace.calls if c.writes and c.error is None and c.position < position),
        default=-1,
    )


def _proposal_answered(
    talk: list[Message],
    reply: int,
    tool: str,
    args: dict[str, Any],
    verbs: Any,
    since: int,
    implied: Callable[[int], Collection[str]] = lambda _: (),
    db: Any = None,
    named_by: Mapping[str, Any] | None = None,
    initial: Any = None,
) -> bool:
    """Whether the user's message ``talk[reply]`` answers a proposal of the write ``tool`` with
    ``args``: the agent's turn it answers asks for consent (a question that is no closing,
    "Anything else?", or "(yes/no)", "please confirm") and offers nothing else ("Shall I check
    ...?"); and the last agent's message since the previous write (``since``) that names the
    write (what it does and each argument's value, :func:`_proposes`) comes before it with no
    other offer and no user's "no" in between, nor a message that takes back a record ``args``
    carry (:func:`withdraws`: "Actually, keep the lamp" before "So shall I go ahead?") or asks
    for a change (:func:`asks_change`), nor an agent's proposal of another version of the write
    (:func:`~eigendsl.support.proposed.other_version`: "I'll return just the Lamp then"). So a
    confirmation asked twice, or a question answered between the proposal and the yes, still
    answers it. The arguments ``implied(position)`` names for a proposal at that position
    (:func:`identified`) need not be said, unless it names another record of their kind
    (``db``'s, :func:`unproposed`); an id ``named_by`` names in words may be said so
    (:func:`unproposed`).
    """
    answered = _answered(talk[:reply])
    if answered is None or not _asks_consent(answered.content):
        return False
    actions = write_actions(tool, verbs)
    dbs = [d for d in (db, initial) if d]
    for message in reversed(talk[:reply]):
        if message.position <= since:
            return False
        if message.role == "user":
            if (
                reply_answer(message.content, actions) == "no"
                or withdraws(message.content, args, named_by, dbs, actions)
                or asks_change(message.content, args, named_by, db or initial)
            ):
                return False
        elif message.role == "assistant" and message.content.strip():
            if _offers_other(message.content, tool, verbs):
                return False
            said = implied(message.position)
            if _proposes(message, tool, args, verbs, said, db, named_by, initial):
                return True
            # a later proposal of another version ("I'll return just the Lamp then") is the one
            # a yes after it answers, not the earlier one
            if other_version(message.content, tool, args, verbs, db, named_by, initial):
                return False
    return False


# A user's request that the write be done otherwise ("Could the refund go to my credit card
# instead?", "I'd rather have store credit", "Please switch it to my card"): a proposal before
# it is no longer what the user agrees to, until the agent proposes the write again.
_CHANGE_ASKED = re.compile(
    r"\b(?:instead|rather|prefer|preferably|switch|change|changed|changing)\b"
)


def asks_change(
    text: str, args: Mapping[str, Any], named_by: Mapping[str, Any] | None, db: Any
) -> bool:
    """Whether a user's message asks for the write with ``args`` to be done otherwise than
    proposed: a word of change ("instead", "rather", "prefer", "switch", "change"), where the
    write carries a value that no record's key is and no parameter ``named_by`` names in words
    (a payment method, a reason, an address: the change may be of it), or where the message
    names another record of an argument's kind ("cancel #W2 instead"). A change of the records
    named in words is :func:`withdraws`'s to read ("Instead of both, I'll keep the lamp").
    Reading a request as a change where it was none only makes the agent propose again.

    >>> db = {"orders": {"#W1": {}, "#W2": {}}}
    >>> pay = {"order_id": "#W1", "payment_method_id": "gift_1234"}
    >>> [asks_change(t, pay, None, db) for t in ("Could the refund go to my card instead?",
    ...     "How long will the refund take?", "I'd rather use my card.")]
    [True, False, True]
    >>> [asks_change(t, {"order_id": "#W1"}, None, db) for t in (
    ...     "Rather than a label, send a courier.", "Cancel #W2 instead.")]
    [False, True]
    """
    said = normalize_text(text)
    if not _CHANGE_ASKED.search(said):
        return False
    tables = [t for t in (db or {}).values() if isinstance(t, Mapping)]

    def other_said(value: Any) -> bool:  # another key of the table that holds ``value``
        held = [t for t in tables if isinstance(value, str) and value in t]
        return any(k != value and says(said, k) for t in held for k in t if isinstance(k, str))

    return any(
        name not in (named_by or {})
        and (other_said(value) or not (isinstance(value, str) and any(value in t for t in tables)))
        for name, value in args.items()
        if argument_values(value)
    )


# A question that asks for more besides a proposal: "Should I also return ...?", "... too?".
_ALSO = re.compile(r"\b(?:also|too|as well|in addition|additionally)\b")


def _aside_declined(earlier: list[Message], reply: int, call: Call, verbs: Any) -> bool:
    """Whether the user's message ``earlier[reply]`` is only a "no" or a closing
    (:func:`~eigendsl.support.replies.declines_aside`) to a question of the agent's that
    closes ("Anything else before I submit it?") or asks for more ("Should I also return the
    Sweater?", another offer) and does not propose ``call`` itself."""
    answered = _answered(earlier[:reply])
    if answered is None or not declines_aside(earlier[reply].content):
        return False
    text = normalize_text(answered.content)
    asks_more = bool(_CLOSING_QUESTION.search(text) or _ALSO.search(text))
    return (asks_more or _offers_other(answered.content, call.tool, verbs)) and not _proposes(
        answered, call.tool, call.args, verbs, (), None, call.named_by
    )


def _asks_consent(text: str) -> bool:
    """Whether an agent's turn asks for the user's consent: a question that does not close the
    conversation ("Anything else?" does), or words that ask for a yes ("(yes/no)", "confirm").

    >>> [_asks_consent(t) for t in ("Shall I go ahead?", "I will cancel it. Anything else?",
    ...     "I'll cancel it (yes/no)", "I'll cancel it.", "Type **YES** to proceed.",
    ...     "Reply with a yes to go on.", "Type Y to proceed.", "I'll cancel it (Y/N).",
    ...     "Type your email.")]
    [True, False, True, False, True, True, True, True, False]
    """
    lowered = text.lower()
    if _CONSENT.search(lowered):
        return True
    return any(
        "?" in sentence and not _CLOSING_QUESTION.search(sentence)
        for sentence in sentences(lowered)
    )


def _offers_other(text: str, tool: str, verbs: Any) -> bool:
    """Whether an agent's turn offers to do something other than the write ``tool``: a look-up
    ("Shall I check its delivery date?") or another action; "Shall I go ahead?" offers none.

    >>> [_offers_other(t, "cancel_order", ()) for t in ("Should I check its date instead?",
    ...     "Shall I go ahead?", "Do you want me to cancel it?", "I'll cancel it. Ok?",
    ...     "Cancel it, or would you rather exchange it?",
    ...     "Cancel it, or would you rather keep it?")]
    [True, False, False, False, True, False]
    """
    words = {normalize_text(action) for action in write_actions(tool, verbs)}
    said = normalize_text(text)
    rather = [verb for verb in _RATHER.findall(said) if verb not in _AS_IT_IS]
    return any(
        verb not in _GO_AHEAD and verb not in words for verb in [*_OFFER.findall(said), *rather]
    )


def _proposes(
    turn: Message,
    tool: str,
    args: dict[str, Any],
    verbs: Any,
    implied: Collection[str] = (),
    db: Any = None,
    named_by: Mapping[str, Any] | None = None,
    initial: Any = None,
) -> bool:
    """Whether an agent's ``turn`` names the write ``tool`` with ``args`` as something it will do:
    it says what the write does (the tool's name, its first word, or one of ``verbs``), neither
    negated ("I won't cancel", "I will not cancel") nor as what a look-up would find ("check
    whether I can cancel"), and each argument's value.

    >>> args = {"order_id": "#W1"}
    >>> [_proposes(Message("assistant", t, 0), "cancel_order", args, ()) for t in (
    ...     "I'll cancel order #W1. Ok?", "I won't cancel order #W1. Anything else?",
    ...     "Shall I check whether I can cancel order #W1?",
    ...     "I can't refund it; shall I cancel #W1?")]
    [True, False, False, True]
    """
    return not unproposed(turn.content, tool, args, verbs, implied, db, named_by, initial)
