"""What an agent's turn leaves out of a proposal of a write (:func:`unproposed`), as
:func:`~eigendsl.support.proposals.confirmed` reads one: what the write does, said neither
negated nor as a look-up (:func:`offered`), and each argument's value, said alone rather than
beside another ("card_1 or paypal_2") or, for an id a tool's parameter is ``named_by``, in words
(:func:`~eigendsl.support.naming.naming_sentences`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from eigendsl.support.identity import argument_values, names_other
from eigendsl.support.left_alone import negation_reaches
from eigendsl.support.listing import ing_forms
from eigendsl.support.naming import held_rows, naming_records, naming_sentences
from eigendsl.support.numerals import normalize_text
from eigendsl.support.saying import _as_word, says, sentences, verb_forms, words

# Before a verb of the write, in its clause: a negation ("I won't cancel", "I will not be able
# to cancel") or a look-up of whether it can be done ("check whether I can cancel"); not a
# negation of another verb whose "to" says what for ("we never charge to return it").
# "Instead of" and "rather than" set the write aside the same way ("I'll update the address
# instead of a cancellation").
_NEGATED = re.compile(
    r"(?P<word>\bnot|\bnever|\bcannot|n't|\bunable to|\bno way|\binstead of|\brather than"
    r"|\bother than)(?:\W+\w+){0,3}\W*$"
)
# After a word of the write, what makes it a noun that names a rule, not the act ("our
# cancellation policy", "the return window"): a statement of the rule proposes nothing.
_RULE_NOUN = re.compile(
    r"\s+(?:policy|policies|window|windows|period|deadline|rules?|terms|conditions|eligibility"
    r"|guidelines?)\b"
)


# A sentence whose subject is a rule ("Our return policy covers ...", "The return window for ...
# is still open", "Our exchange policy lets you swap ..."): it states the rule, and the write's
# words in it ("with the refund of 193.99 to ...") propose nothing, unless the agent says it
# will act ("Our policy covers it, so I'll return ...").
_RULE_SUBJECT = re.compile(
    r"\W*(?:(?:our|the|your|this|that|its|their)\s+)?(?:[\w-]+\s+){0,2}?(?:policy|policies"
    r"|window|windows|period|rules?|terms|conditions|guidelines?)\b"
)
_AGENT = re.compile(r"\b(?:i|we)\b")


# Before a write's verb in "-ing", what makes it a deed in progress: "i am returning", "we're
# refunding"; not negated ("i'm not returning"), nor "i'm going to be returning" looked up.
_PROGRESSIVE = re.compile(
    r"(?:\b(?:i|we)\s+(?:am|are)|\b(?:i'm|we're))\s+(?:(?:now|also|just|then|currently)\s+)?$"
)


_LOOKED_UP = re.compile(
    r"\b(?:check|see|find out|look|looking|verify|ask|determine)\s+(?:into\s+)?(?:whether|if)\b"
)


def write_actions(tool: str, verbs: Any) -> list[str]:
    """The words that name what a write does: the tool's name, its first word, ``verbs``."""
    return [action for action in (tool, tool.split("_")[0], *verbs) if action]


def unproposed(
    text: str,
    tool: str,
    args: dict[str, Any],
    verbs: Any = (),
    implied: Collection[str] = (),
    db: Any = None,
    named_by: Mapping[str, Any] | None = None,
    initial: Any = None,
) -> list[str]:
    """What an agent's turn ``text`` leaves out of a proposal of the write ``tool`` with
    ``args``, as :func:`confirmed` reads one: ``""`` first when it does not say what the write
    does (the tool's name, its first word, one of ``verbs``) but negated or as a look-up, or
    not at all; then the name of each argument whose value it does not say (one item of a list
    left out leaves out the list) or offers beside another (:func:`_with_other`: "ordered by
    mistake, or no longer needed?"), those named in ``implied`` (:func:`identified`) excepted
    where the turn names no other record of their kind (:func:`_names_other`: "account
    usr_odilebrandt" for the user's own "usr_nadiahaddad"). An id that ``named_by`` (the tool's
    parameters' namings, ``named_by`` in domain.yaml) says how to name in words is said by its
    id or by its record's naming values, all in one mention of one sentence that fits no other
    record (:func:`~eigendsl.support.naming.naming_sentences`, in ``db``, the database as it
    stood at the proposal, or ``initial`` after it where that is unknown), and no other value
    offered beside them. Empty when the turn names the write with its values.

    >>> args = {"order_id": "#W1", "reason": "ordered by mistake"}
    >>> unproposed("Shall I cancel order #W1 (ordered by mistake)?", "cancel_order", args)
    []
    >>> unproposed("Shall I cancel order #W1?", "cancel_order", args)
    ['reason']
    >>> unproposed('order #W1 stays a"reason": "ordered by mistake (yes/no).', "cancel_order", args)
    ['']
    >>> mine = {"user_id": "usr_ann", "city": "Oslo"}
    >>> [unproposed(t, "set_city", mine, (), ["user_id"]) for t in (
    ...     "Shall I set your city to Oslo?", "Shall I set the city of usr_bob to Oslo?")]
    [[], ['user_id']]
    >>> db = {"orders": {"#W1": {"items": [{"item_id": "I1", "name": "Kettle", "options": {
    ...     "finish": "matte"}}, {"item_id": "I2", "name": "Kettle", "options": {
    ...     "finish": "glossy"}}]}}}
    >>> item = {"table": "orders", "within": "items", "key": "item_id", "fields": ["name",
    ...     "options"]}
    >>> ret = {"order_id": "#W1", "item_ids": ["I1"]}
    >>> [unproposed(t, "return_items", ret, (), (), db, {"item_ids": item}) for t in (
    ...     "Shall I return the Kettle (matte) of #W1?", "Shall I return the Kettle of #W1?")]
    [[], ['item_ids']]
    """
    proposal = normalize_text(text).replace("\u2019", "'")
    verbs_of_write = [normalize_text(a) for a in write_actions(tool, verbs)]
    named = any(offered(proposal, action) for action in verbs_of_write)
    dbs = [d for d in (db, initial) if d]

    def said(name: str, value: Any) -> bool:
        if says(proposal, value) and not _with_other(text, value) and not _against(proposal, value):
            return True
        naming = (named_by or {}).get(name)
        return naming is not None and any(
            not _OR_OTHER.search(sentence)
            for sentence in naming_sentences(text, value, naming, dbs, args, verbs_of_write)
        )

    return ([] if named else [""]) + [
        name
        for name, value in args.items()
        if (name not in implied or names_other(proposal, value, db))
        and not all(said(name, v) for v in argument_values(value))
    ]


# An "or" that offers another value ("ordered by mistake, or no longer needed", "card_1 or
# paypal_2"), not one that asks for the answer ("yes or no", "or not", "or would you rather ...?"),
# nor the capitals of a state's code ("Salem, OR 97301").
_OR_OTHER = re.compile(
    r"\b[Oo]r\b(?![\s,]+(?i:not|no|yes|would|do|does|did|should|shall|can|could|will|is|are|am"
    r"|was|were|if|anything|something|nothing|else|you|i|we|may|might|must|have|has|had|need"
    r"|want|so|more|less)\b)[\s,]+\w"
)


def _with_other(text: str, value: Any) -> bool:
    """Whether a sentence of an agent's turn ``text`` that says ``value`` offers another value
    beside it ("cancel it with reason ordered by mistake, or with reason no longer needed?"): a
    yes to it agrees to either, so to neither's write.

    >>> [_with_other(t, "ordered by mistake") for t in (
    ...     "Cancel #W1 (ordered by mistake), or cancel it as no longer needed?",
    ...     "Cancel #W1 (no longer needed or ordered by mistake)?",
    ...     "Cancel #W1 (ordered by mistake)? Yes or no?",
    ...     "Cancel #W1 (ordered by mistake), or would you rather keep it?")]
    [True, True, False, False]
    >>> _with_other("Ship #W1 to 1 Elm Road, Salem, OR 97301, USA (yes/no)?", "97301")
    False
    """
    return any(
        _OR_OTHER.search(sentence) and says(normalize_text(sentence), value)
        for sentence in sentences(text.replace("\u2019", "'"))
    )


# Before a value, in its clause: what says the write does not take it ("to your card, not to
# gift card gift_6690", "instead of gift_6690", "as no longer needed rather than ordered by
# mistake"); not "not only", nor a "not" whose "but" comes before the value ("not to your card
# but to gift_6690").
_AGAINST = re.compile(
    r"\b(?:not(?!\s+(?:only|just)\b)|instead of|rather than|other than|except(?: for)?"
    r"|apart from|in place of)(?:\W+(?!but\b)\w+){0,3}\W*$"
)


def _against(proposal: str, value: Any) -> bool:
    """Whether every time ``proposal`` says ``value`` it says it as what the write does not
    take (:data:`_AGAINST`): a yes to "refund to your card, not to gift_6690" is none to a
    refund to gift_6690.

    >>> [_against(t, "gift_6690") for t in ("refund to your card, not to gift card gift_6690.",
    ...     "refund to card_1 instead of gift_6690.", "refund to gift_6690, not to card_1.",
    ...     "refund not to card_1 but to gift_6690.", "refund to gift_6690 rather than card_1.")]
    [True, True, False, False, False]
    """
    found = list(_as_word(normalize_text(str(value))).finditer(proposal))
    return bool(found) and all(
        _AGAINST.search(re.split(r"[.!?;:,(]", proposal[: f.start()])[-1]) for f in found
    )


# Before a verb's past form, what tells a deed done rather than one asked leave for ("it was
# shipped to ...", "I've changed it"): "you'd like it shipped to ...?" proposes, "it has been
# shipped" tells.
_DONE = re.compile(r"(?:\b(?:has|have|had|was|were|been|already)|'ve)\s+$")


def offered(proposal: str, action: str) -> bool:
    """Whether ``proposal`` says ``action`` (or a form of it, :func:`verb_forms`: "shipped",
    "changes", but a past form not as a deed done, "was shipped") once neither negated nor set
    aside ("instead of a cancellation") nor looked up, in its clause, nor as the noun of a rule
    ("the return policy", "the return window": :data:`_RULE_NOUN`); its "-ing" form only as a
    deed in progress or a heading ("I am returning ...", "Returning: ..."), nor in a sentence whose
    subject is a rule and where the agent does not say it acts ("Our return policy covers #W1,
    with the refund to gift_1": :data:`_RULE_SUBJECT`).

    >>> [offered(t, "ship") for t in ("you'd like it shipped to 1 elm st?", "i'll ship it.",
    ...     "it was shipped to 1 elm st.", "i won't ship it.", "the shipping fee")]
    [True, True, False, False, False]
    >>> [offered(t, "cancellation") for t in ("our cancellation policy covers #w1. ok?",
    ...     "i'll hold #w1 rather than process a cancellation. ok?", "shall i go ahead with "
    ...     "the cancellation of #w1?", "instead of a cancellation, i'll hold #w1.")]
    [False, False, True, False]
    >>> [offered(t, "return") for t in ("i am returning the lamp. ok?", "- returning: the lamp",
    ...     "i'm not returning it.", "the returning items")]
    [True, True, False, False]
    >>> [offered(t, "refund") for t in ("our return policy covers #w1, with the refund to "
    ...     "gift_1. ok?", "our return policy covers #w1, so i'll refund it to gift_1. ok?")]
    [False, True]
    """
    action = normalize_text(action)
    for form in ing_forms(action):
        # "-ing" only as a deed in progress ("i am returning ...") or a heading ("returning: ...")
        for found in _as_word(form).finditer(proposal):
            clause = re.split(r"[.!?;:,(\n]", proposal[: found.start()])[-1]
            if _PROGRESSIVE.search(clause) or (
                not clause.strip(" \t*_-") and re.match(r"[\s*_]*:", proposal[found.end() :])
            ):
                return True
    for form in verb_forms(action):
        for found in _as_word(form).finditer(proposal):
            clause = re.split(r"[.!?;:,(]", proposal[: found.start()])[-1]
            sentence = re.split(r"[.!?;]", proposal[: found.start()])[-1]
            if form.endswith(("ed", "id")) and form != action and _DONE.search(clause):
                continue
            if _RULE_NOUN.match(proposal, found.end()):
                continue
            if _RULE_SUBJECT.match(sentence) and not _AGENT.search(sentence):
                continue  # "our return policy covers ..., with the refund of ..."
            negated = _NEGATED.search(clause)
            if negated and negation_reaches(clause[negated.end("word") :]):
                continue
            if not _LOOKED_UP.search(sentence):
                return True
    return False


# In a turn that names the write, what says it is done another way than proposed before ("...
# with the refund to your credit card instead").
_ANOTHER_WAY = re.compile(r"\b(?:instead|rather than|in place of)\b")
# An id of a payment method or an account's record: "gift_6690", "card_9915", "paypal_2637".
_METHOD_ID = re.compile(r"[a-z]+_\d{3,}")


def other_version(
    text: str,
    tool: str,
    args: dict[str, Any],
    verbs: Any = (),
    db: Any = None,
    named_by: Mapping[str, Any] | None = None,
    initial: Any = None,
) -> bool:
    """Whether an agent's turn ``text``, which does not propose the write ``tool`` with ``args``
    (:func:`unproposed`), proposes another version of it: it says what the write does
    (:func:`offered`) and says it as a change ("... to your credit card instead"), or says
    another value of an argument's kind (another payment method's id, another order's), or names
    in words (``named_by``, :func:`~eigendsl.support.naming.naming_sentences`) some of the
    records a parameter carries but not all ("I'll return just the Lamp (matte black) then"), or
    another record of the rows the call names (another item of the order). A yes after it
    answers that version, not a proposal of ``args`` before it. A turn that only says the
    write's verb ("The refund takes a week. So shall I go ahead?") is none.

    >>> args = {"order_id": "#W1", "payment_method_id": "gift_1234"}
    >>> [other_version(t, "refund_order", args) for t in (
    ...     "I'll refund order #W1 to your credit card instead. Ok?",
    ...     "Shall I refund it to card_9915?", "The refund takes a week. Shall I go ahead?",
    ...     "I'll look at order #W2. Ok?")]
    [True, True, False, False]
    """
    proposal = normalize_text(text).replace("\u2019", "'")
    actions = [normalize_text(a) for a in write_actions(tool, verbs)]
    if not any(offered(proposal, action) for action in actions):
        return False
    if _ANOTHER_WAY.search(proposal):
        return True
    dbs = [d for d in (db, initial) if d]
    said_words = {w.lower() for w in words(proposal)}
    for name, value in args.items():
        values = [v for v in argument_values(value) if isinstance(v, str)]
        naming = (named_by or {}).get(name)
        if naming is not None:
            named = [bool(naming_sentences(text, v, naming, dbs, args, actions)) for v in values]
            if any(named) and not all(named):
                return True
            if held_rows(naming, dbs, args) and any(
                naming_sentences(text, other, naming, dbs, args, actions)
                for other in naming_records(naming, dbs, args).keys() - set(values)
            ):
                return True
            continue
        for v in values:
            if says(proposal, v):
                continue
            own = v.lower()
            if names_other(proposal, v, db) or (
                _METHOD_ID.fullmatch(own)
                and any(_METHOD_ID.fullmatch(w) and w != own for w in said_words)
            ):
                return True
    return False
