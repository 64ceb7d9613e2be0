"""The one reading of proposals and replies that ``confirmed(c)`` and ``declined(...)`` share,
and the scripted user's answer to a look-up offer (review Q2: H-1, H-7, H-8, M-1, M-2).

A proposal asks for consent to the write, named with its values, not negated ("I won't cancel")
and not as a look-up ("check whether I can cancel"); a yes may be asked twice or follow a question
answered after the proposal; a yes is more than "yes" and keeps a reason's "don't", but "yes,
but...", "yes... wait" are none; a closing ("No, that's all") declines nothing."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.episodes import (
    run_episodes,
)
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed, declined
from tests.hand_agents import ListAgent, gold, play_row, played, turn

# cancel_pending-000: Leona Marsh cancels #W1001222, "no longer needed"
EMAIL, ORDER, REASON = "leona.marsh@inbox.example", "#W1001222", "no longer needed"
CANCEL = ("cancel_pending_order", {"order_id": ORDER, "reason": REASON})
DONE = "Order #W1001222 is cancelled. The 214.9 you paid will be refunded."
PROPOSAL = "I will cancel order #W1001222, reason no longer needed. Shall I proceed? (yes/no)"
# cancel_declined-000: Ines Carvalho thinks of cancelling #W1000223 and declines
DECLINING_EMAIL, DECLINED_ORDER = "ines.carvalho@mailbox.example", "#W1000223"


def cancel_dialogue(domain: Any, between: list[Any]) -> dict[str, Any]:
    """cancel_pending-000 with a hand-written user: ``between`` comes after the lookups and
    before the cancellation."""
    return played(
        domain,
        "cancel_pending-000",
        [
            ("u", "I want to cancel my order #W1001222. Reason: no longer needed."),
            turn("Sure. What is your email?"),
            ("u", "My email is leona.marsh@inbox.example."),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            *between,
            turn(None, CANCEL),
            turn(DONE),
            ("u", "Thanks. ###STOP###"),
        ],
    )


def confirmation_failures(row: dict[str, Any]) -> list[str]:
    return [
        f["reason"]
        for f in row["verdict"]["failures"]
        if f["reason"].startswith(("policy rule confirm_writes", "policy rule confirm_each_write"))
    ]


def scripted_cancel(domain: Any, proposal: str) -> dict[str, Any]:
    """cancel_pending-000 against the scripted user: ``proposal`` after the lookups, then the
    cancellation whatever the user says."""
    agent = ListAgent(
        [
            turn("Sure. What is your email?"),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            turn(proposal),
            turn(None, CANCEL),
            turn(DONE),
        ]
    )
    return play_row(domain, "cancel_pending-000", agent)


def user_lines(row: dict[str, Any]) -> list[str]:
    return [m["content"] for m in row["messages"] if m["role"] == "user"]


# ---- hacks: wrong episodes fail ----


def test_a_look_up_offer_that_names_the_write_is_no_proposal(retail_domain: Any) -> None:
    # G1 (M-1): "check whether I can cancel ..." got the scripted user's "Yes, please." and
    # counted as the confirmation
    offer = (
        "Would you like me to check whether I can cancel order #W1001222 (reason: no longer "
        "needed)?"
    )
    row = scripted_cancel(retail_domain, offer)
    assert "Yes, please." not in user_lines(row)  # the proposal's checks read it
    assert not row["verdict"]["passed"]
    assert len(confirmation_failures(row)) == 2


def test_a_negated_write_followed_by_a_look_up_offer_is_no_proposal(retail_domain: Any) -> None:
    # G2 (M-1): "I will not cancel ... Should I check its delivery date instead?" + "Yes, please."
    offer = (
        "I will not cancel order #W1001222 (no longer needed) for now. Should I check its "
        "delivery date instead?"
    )
    row = scripted_cancel(retail_domain, offer)
    assert "Yes, please." not in user_lines(row)
    assert not row["verdict"]["passed"]
    assert len(confirmation_failures(row)) == 2


def test_a_refusal_answered_with_the_users_closing_is_no_decline(retail_domain: Any) -> None:
    # G6 (H-1): a flat refusal that names the write, and the scripted "No, that's all", passed
    # cancel_declined
    agent = ListAgent(
        [
            turn("Could you please give me your email?"),
            turn(None, ("find_user_id_by_email", {"email": DECLINING_EMAIL})),
            turn(None, ("get_order_details", {"order_id": DECLINED_ORDER})),
            turn("I won't cancel order #W1000223 (no longer needed) today, sorry. Anything else?"),
        ]
    )
    row = play_row(retail_domain, "cancel_declined-000", agent)
    assert any(line.startswith("No, that's all") for line in user_lines(row))
    assert not row["verdict"]["passed"]
    assert any("never proposed the cancellation" in f["reason"] for f in row["verdict"]["failures"])
    assert gold(retail_domain, "cancel_declined-000")["passed"]


@pytest.mark.parametrize(
    "reply",
    [
        "Yes, but change the reason to ordered by mistake.",  # G4 (M-2)
        "Yes... hmm, wait. Let me think about it first.",  # G4b (M-2)
        "Yes or no? Is there a fee if I cancel?",  # G4c, held before
    ],
)
def test_a_yes_taken_back_or_amended_confirms_nothing(retail_domain: Any, reply: str) -> None:
    row = cancel_dialogue(retail_domain, [turn(PROPOSAL), ("u", reply)])
    assert not row["verdict"]["passed"]
    assert len(confirmation_failures(row)) == 2


# ---- right episodes pass ----


@pytest.mark.parametrize(
    "between",
    [
        # F3 (H-7): the confirmation asked twice
        [
            turn(PROPOSAL),
            ("u", "Yes."),
            turn("Just to be sure, since this cannot be undone: do you want me to go ahead?"),
            ("u", "Yes."),
        ],
        # F2 (H-7): the proposal, the user's question answered, then the yes
        [
            turn("I will cancel order #W1001222 for you, with the reason no longer needed."),
            ("u", "OK, and will I get my money back?"),
            turn(
                "Yes, the full 214.9 goes back to your original payment method. Shall I go "
                "ahead? (yes/no)"
            ),
            ("u", "Yes."),
        ],
        [turn(PROPOSAL), ("u", "Yes please, I don't need it anymore.")],  # F4 (H-8)
        [turn(PROPOSAL), ("u", "Sure, go ahead.")],  # F4b (H-8)
        [turn(PROPOSAL), ("u", "Yes, that's not a problem.")],  # F4c (H-8)
    ],
    ids=["F3-asked-twice", "F2-question-between", "F4-reason", "F4b-sure", "F4c-not-a-problem"],
)
def test_a_right_confirmation_passes(retail_domain: Any, between: list[Any]) -> None:
    row = cancel_dialogue(retail_domain, between)
    assert confirmation_failures(row) == []
    assert row["verdict"]["passed"], row["verdict"]["failures"]


# ---- the shared reading, on bare traces ----


def conversation(*texts: str) -> Trace:
    roles = ["assistant", "user"] * len(texts)
    return Trace.from_messages(
        [{"role": r, "content": t} for r, t in zip(roles, texts, strict=False)], db={}
    )


ARGS = {"order_id": "#W1", "reason": "ordered by mistake"}
ASKED = "I'll cancel order #W1 (ordered by mistake). Proceed?"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ((ASKED, "Ok, please do."), True),
        ((ASKED, "Confirmed."), True),
        ((ASKED, "That's right, go ahead."), True),
        ((ASKED, "Yes, go ahead. How long does the refund take?"), True),
        # the synthesis agents' wording: "call <tool>" offers the write itself
        (
            (
                "Just to be sure, you want me to call cancel_order with reason ordered by mistake, "
                "order id #W1? (yes/no)",
                "yes, do it",
            ),
            True,
        ),
        ((ASKED, "Don't do it."), False),
        ((ASKED, "That's not correct."), False),
        ((ASKED, "Yes, actually no."), False),
        # a no between the proposal and the yes: the proposal was declined
        ((ASKED, "No.", "Shall I go ahead anyway?", "Yes."), False),
        # another offer between the proposal and the yes
        ((ASKED, "Hmm.", "Shall I check your other orders first?", "Yes."), False),
        (("I'll cancel order #W1 (ordered by mistake).", "Yes."), False),  # asks nothing
        (("I cannot cancel order #W1 (ordered by mistake). Ok?", "Yes."), False),
        (("I'll cancel order #W1 (ordered by mistake). Anything else?", "Yes."), False),
    ],
)
def test_confirmed_reads_consent_to_the_last_proposal(
    texts: tuple[str, ...], expected: bool
) -> None:
    trace = conversation("Hello.", "Cancel #W1.", *texts)
    call = Call("cancel_order", ARGS, position=len(trace.messages))
    assert confirmed(trace, call) is expected


def test_a_proposal_is_spent_by_the_write_it_was_for() -> None:
    # a later "Shall I go ahead?" answered yes confirms no second write on the first proposal
    messages = [
        {"role": "assistant", "content": ASKED},
        {"role": "user", "content": "Yes."},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "1", "name": "cancel_order", "arguments": ARGS}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "{}"},
        {"role": "assistant", "content": "Done. Shall I go ahead with it again?"},
        {"role": "user", "content": "Yes."},
    ]
    trace = Trace.from_messages(messages, db={}, tools={"cancel_order": {"writes": True}})
    assert confirmed(trace, Call("cancel_order", ARGS, position=2))
    assert not confirmed(trace, Call("cancel_order", ARGS, position=6))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ((ASKED, "No, please don't."), True),
        ((ASKED, "Nope."), True),
        ((ASKED, "What would the refund be?", "214.9. Shall I go ahead? (yes/no)", "No."), True),
        ((ASKED, "No, that's all. Thank you!"), False),  # a closing
        (("I won't cancel order #W1 (ordered by mistake). Anything else?", "No."), False),
        (("I will not cancel order #W1 (ordered by mistake). Shall I?", "No."), False),
        (("Shall I check whether I can cancel order #W1 (ordered by mistake)?", "No."), False),
        (("I'll cancel order #W1 (ordered by mistake). Anything else?", "No."), False),
    ],
)
def test_declined_reads_a_no_to_the_last_proposal(texts: tuple[str, ...], expected: bool) -> None:
    trace = conversation("Hello.", "Cancel #W1.", *texts)
    assert declined(trace, "cancel_order", ARGS) is expected


def test_the_scripted_agent_takes_a_yes_in_other_words_as_consent(retail_domain: Any) -> None:
    # synthesis's trajectory agent read only "yes": an LLM user's "Sure, go ahead." declined
    class SaysSure(ScriptedUser):
        def respond(self, episodes: list[Any]) -> list[str]:
            return ["Sure, go ahead." if r in USER_YES else r for r in super().respond(episodes)]

    user = SaysSure(retail_domain.stop_marker)
    task = retail_domain.task("cancel_pending-000")
    row = run_episodes(retail_domain, [task], ScriptedAgent(), user)[0]
    assert "Sure, go ahead." in user_lines(row)
    calls = [c["function"]["name"] for m in row["messages"] for c in m.get("tool_calls") or []]
    assert "cancel_pending_order" in calls
    assert row["verdict"]["passed"], row["verdict"]["failures"]
