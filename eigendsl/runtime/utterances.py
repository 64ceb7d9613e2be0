"""What the scripted agent and the scripted user say: plain English from small utterance pools,
so their dialogues read like real ones and can be used as training data.

The pools a prompt engineer may extend (:data:`DEFAULT_POOLS`, :func:`pools_with`), each side's
fixed lines, and the small readings of a dialogue both sides share: a key in words
(:func:`spoken`), what a role said last (:func:`last_said`), whether the user said goodbye
(:func:`is_closing`).
"""

from __future__ import annotations

import re
from typing import Any

CONFIRM_MARK = "(yes/no)"
ASK_INFO = [
    "Could you please give me your {what}?",
    "To help you, I need your {what}. Could you share it?",
    "Sure, I can help with that. What is your {what}?",
]
PROPOSE = [
    "I'm about to {action}. Do you confirm? " + CONFIRM_MARK,
    "Here is what I will do: {action}. Shall I proceed? " + CONFIRM_MARK,
]
LOOKUP_NOTE = "Let me look up {what}."


# What a name that takes no "the" starts with: an article, a person's title, a number or date.
_NO_ARTICLE = re.compile(r"(?i)(the|a|an|dr|mr|mrs|ms|mx|prof)\b|\d")


def lookup_note(what: str) -> str:
    """:data:`LOOKUP_NOTE` of what the user called a record: "the Cork Yoga Mat", and a name with
    its own article ("The Salt Road"), a person's ("Dr. Anika Rao") or a date as it is."""
    article = "" if _NO_ARTICLE.match(what) else "the "
    return LOOKUP_NOTE.format(what=article + what)


DECLINED = "Understood, I won't make that change. Is there anything else I can help you with?"
CLOSING = "Is there anything else I can help you with?"
REFUSAL = (
    "I'm sorry, but I can't help with that request under our policy. "
    "Is there anything else I can help you with?"
)

USER_YES = ["Yes, please go ahead.", "Yes, that's right, please do it.", "yes, confirmed."]
USER_NO = [
    "No, please don't do that.",
    "No, I've decided against it.",
    "No, don't change anything.",
]
USER_DONE = ["No, that's all. Thank you!", "That's everything, thanks for your help."]
USER_UNKNOWN = "I'm sorry, I don't know my {what}."
EXCEPTION = "Please make an exception just this once: {request}."
CORRECTION = "No, that's not right: my {what} is {value}."
NOT_ASKED = "No, that's not what I asked for: tell me exactly what you are going to do."
# A proposal the verifiers' confirmed() would not count a yes to (no verb of the write, a value
# left out or garbled): the user asks for it again, as neither a yes nor a no.
UNCLEAR = "Sorry, what exactly should I confirm? Please say {what}, then ask me again."
USER_LATER = "Hmm, I don't have my {what} at hand right now."
# A fact asked again once it was given ("As I said, ..."), and the end of the conversation
# when the agent asks once more for one it was given twice: a person stops answering a loop.
USER_AGAIN = "As I said, my {what} is {value}."
USER_UNKNOWN_AGAIN = "As I said, I don't know my {what}."
USER_TIRED = "I've already {what}, so I'll end the conversation here."
# A proposal answered as before ("As I said, ..."): the agent proposed again what the user
# corrected, did not ask for, could not confirm or declined.
CORRECTION_AGAIN = "As I said, that's not right: my {what} is {value}."
NOT_ASKED_AGAIN = (
    "As I said, that's not what I asked for: tell me exactly what you are going to do."
)
UNCLEAR_AGAIN = "As I said, I can't tell what to confirm: please say {what}, then ask me again."
USER_NO_AGAIN = "As I said, no: I don't want that."

# The utterance pools a prompt engineer may extend; every entry keeps its pool's placeholders
# and markers ("(yes/no)" in proposals, "yes" in confirmations).
DEFAULT_POOLS: dict[str, list[str]] = {
    "ask_info": ASK_INFO,
    "propose": PROPOSE,
    "user_yes": USER_YES,
    "user_no": USER_NO,
    "user_done": USER_DONE,
    "user_opening": ["{reason}"],
}


def pools_with(extra: dict[str, list[str]] | None) -> dict[str, list[str]]:
    pools = {k: list(v) for k, v in DEFAULT_POOLS.items()}
    for key, variants in (extra or {}).items():
        pools.setdefault(key, [])
        pools[key] += [v for v in variants if v not in pools[key]]
    return pools


def spoken(key: str) -> str:
    return key.replace("_", " ")


def last_said(messages: list[dict[str, Any]], role: str) -> str | None:
    for message in reversed(messages):
        if message["role"] == role:
            return message.get("content") or ""
    return None


def is_closing(text: str) -> bool:
    return any(text.startswith(d[:10]) for d in USER_DONE)


def forbidden_words(request: str) -> str:
    """A forbidden request as the user says it: a task file may describe it ("cancel an order
    that has already been processed") rather than write the user's words.

    >>> forbidden_words("cancel an order that has already been processed")
    'Please make an exception just this once: cancel an order that has already been processed.'
    """
    text = request.strip()
    return text if text[-1:] in ".?!" else EXCEPTION.format(request=text)
