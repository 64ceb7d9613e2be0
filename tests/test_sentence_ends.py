"""The proposal readers (``confirmed``'s request for consent, the scripted user's reading of
what the agent asks) split a turn into sentences as the DSL's ``sentences`` does: at ".", "!",
"?", ";" and "…" before a space, and at a line break. They split at ".", "!" and "?" only, so
a question on a line of its own after a closing was read as part of the closing."""

from __future__ import annotations

from eigendsl.runtime.user_questions import requests
from eigendsl.support import Call, Trace, confirmed
from eigendsl.support.proposals import _asks_consent


def test_a_question_on_a_line_of_its_own_asks_for_consent() -> None:
    text = (
        "Anything else on the order can stay as it is\n"
        "Shall I cancel order #W1 (ordered by mistake)?"
    )
    assert _asks_consent(text)
    trace = Trace.from_messages(
        [{"role": "assistant", "content": text}, {"role": "user", "content": "Yes, please."}],
        db={},
    )
    call = Call("cancel_order", {"order_id": "#W1", "reason": "ordered by mistake"}, position=2)
    assert confirmed(trace, call)


def test_a_request_after_a_semicolon_is_read_alone() -> None:
    assert requests("Your order id is #1; what is your email?") == "what is your email?"
    assert requests("I found it\nPlease share your zip code") == "please share your zip code"
