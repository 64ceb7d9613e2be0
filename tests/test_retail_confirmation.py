"""Retail's confirmation rules (``confirm_writes``, ``confirm_each_write``) and the DSL's
``confirmed(c)``: a write counts as confirmed only by the user's "yes" to the turn that proposed
it, never by a "yes" to a look-up offer, a "no" that holds the word "yes", or "yesterday"."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.episodes import (
    run_episodes,
)
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.support import Call, Trace, confirmed
from tests.conftest import MINI, copy_spec, edit
from tests.hand_agents import ListAgent, play_row, played, turn

# cancel_pending-000: Leona Marsh cancels #W1001222, "no longer needed"
EMAIL, ORDER, REASON = "leona.marsh@inbox.example", "#W1001222", "no longer needed"
CANCEL = ("cancel_pending_order", {"order_id": ORDER, "reason": REASON})


def confirmation_failures(row: dict[str, Any]) -> list[str]:
    return [
        f["reason"]
        for f in row["verdict"]["failures"]
        if f["reason"].startswith(("policy rule confirm_writes", "policy rule confirm_each_write"))
    ]


def test_a_yes_to_a_look_up_offer_confirms_no_write(retail_domain: Any) -> None:
    # H-1: the scripted user answers "Would you like me to look up your order?" with "Yes,
    # please."; the agent then cancelled without ever proposing it, and passed
    agent = ListAgent(
        [
            turn("Sure. What is your email?"),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn("Would you like me to look up your order?"),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            turn(None, CANCEL),
            turn("Order #W1001222 is cancelled. The 214.9 you paid will be refunded."),
        ]
    )
    user = ScriptedUser(retail_domain.stop_marker)
    row = run_episodes(retail_domain, [retail_domain.task("cancel_pending-000")], agent, user)[0]
    assert "Yes, please." in [m["content"] for m in row["messages"] if m["role"] == "user"]
    assert not row["verdict"]["passed"]
    reasons = confirmation_failures(row)
    assert len(reasons) == 2  # the check's confirm_each_write and the policy's confirm_writes
    assert all("does not hold for cancel_pending_order" in r for r in reasons)
    assert play_row(retail_domain, "cancel_pending-000", ScriptedAgent())["verdict"]["passed"]


def test_a_no_that_holds_the_word_yes_confirms_nothing(retail_domain: Any) -> None:
    # H-2: "No. Yes, I know I asked, but no, please don't cancel it." confirmed the cancellation
    row = played(
        retail_domain,
        "cancel_pending-000",
        [
            ("u", "I want to cancel my order #W1001222. Reason: no longer needed."),
            turn("Sure. What is your email?"),
            ("u", "My email is leona.marsh@inbox.example."),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            turn("I will cancel order #W1001222, reason no longer needed. Shall I proceed?"),
            ("u", "No. Yes, I know I asked, but no, please don't cancel it."),
            turn(None, CANCEL),
            turn("Order #W1001222 is cancelled. The 214.9 you paid will be refunded."),
            ("u", "Thanks. ###STOP###"),
        ],
    )
    assert not row["verdict"]["passed"]
    assert len(confirmation_failures(row)) == 2


ADDRESS = {
    "address1": "73 Orchard Gate",
    "address2": "Unit 12",
    "city": "Oakhurst",
    "country": "USA",
    "state": "IL",
    "zip": "60512",
}


def address_then_payment(reply: str, payment_proposal: str | None) -> list[Any]:
    """modify_address_and_payment-000: the address change proposed in the agent's own words
    ("ship ... to") and confirmed; then the payment change after ``reply``."""
    second = [turn(payment_proposal), ("u", "Yes, please go ahead.")] if payment_proposal else []
    return [
        ("u", "Two things about order #W1001111: a new address, and another payment method."),
        turn("Could you please give me your email and new address and new payment method?"),
        (
            "u",
            "My email is jonas.weber@postbox.example. My new address is 73 Orchard Gate, Unit 12, "
            "Oakhurst, IL 60512, USA. My new payment method is my credit_card (card_6913).",
        ),
        turn(None, ("find_user_id_by_email", {"email": "jonas.weber@postbox.example"})),
        turn(None, ("get_order_details", {"order_id": "#W1001111"})),
        turn(
            "I will ship order #W1001111 to 73 Orchard Gate, Unit 12, Oakhurst, IL 60512, USA. "
            "Shall I proceed? (yes/no)"
        ),
        ("u", "Yes."),
        turn(
            "Done: it ships to 73 Orchard Gate, 60512.",
            ("modify_pending_order_address", dict(ADDRESS, order_id="#W1001111")),
        ),
        ("u", reply),
        turn(None, ("get_user_details", {"user_id": "usr_jonasweber"})),
        *second,
        turn(
            None,
            (
                "modify_pending_order_payment",
                {"order_id": "#W1001111", "payment_method_id": "card_6913"},
            ),
        ),
        turn("Order #W1001111 is now paid with card_6913, 71.0."),
        ("u", "Hm, OK. ###STOP###"),
    ]


def test_yesterday_is_no_yes_and_a_yes_covers_one_write(retail_domain: Any) -> None:
    # H-2: the payment change followed "... I only changed my card yesterday, I'm not sure ..."
    # and no proposal: "yesterday" held "yes", and the address's "Yes." covered every later write
    task = "modify_address_and_payment-000"
    reply = "Wait, I only changed my card yesterday, I'm not sure about the payment change."
    row = played(retail_domain, task, address_then_payment(reply, None))
    assert not row["verdict"]["passed"]
    reasons = confirmation_failures(row)
    assert reasons and all("for modify_pending_order_payment" in r for r in reasons)
    # the same dialogue with the payment change proposed and confirmed passes (the address's
    # proposal says "ship", one of the words retail's rules list)
    proposal = "I'm about to change the payment of order #W1001111 to card_6913. Do you confirm?"
    assert played(retail_domain, task, address_then_payment(reply, proposal))["verdict"]["passed"]
    assert play_row(retail_domain, task, ScriptedAgent())["verdict"]["passed"]


def test_every_gold_dialogue_with_a_write_passes_the_confirmation_rules(
    retail_scripted: list[dict[str, Any]],
) -> None:
    assert len(retail_scripted) > 50
    assert not [confirmation_failures(r) for r in retail_scripted if confirmation_failures(r)]


def conversation(*texts: str) -> Trace:
    roles = ["assistant", "user"] * len(texts)
    return Trace.from_messages(
        [{"role": r, "content": t} for r, t in zip(roles, texts, strict=False)], db={}
    )


@pytest.mark.parametrize(
    ("proposal", "reply", "expected"),
    [
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes, please.", True),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes, no longer needed.", True),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yesterday I ordered it.", False),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes... no, don't.", False),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "yes but not now", False),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes, I won't need it.", True),
        ("I'll cancel order #W1. Proceed?", "Yes.", False),  # the reason is not said
        ("I'll cancel order #W12 (ordered by mistake). Proceed?", "Yes.", False),  # another id
        ("Shall I look up order #W1 (ordered by mistake)?", "Yes.", False),  # no action named
        ("Shall I run cancel_order on #W1, ordered by mistake?", "Yes.", True),  # the tool's name
    ],
)
def test_confirmed_reads_the_reply_and_the_proposal_it_answers(
    proposal: str, reply: str, expected: bool
) -> None:
    trace = conversation("Hello.", "Cancel #W1.", proposal, reply)
    call = Call("cancel_order", {"order_id": "#W1", "reason": "ordered by mistake"}, position=4)
    assert confirmed(trace, call) is expected


FREEZE = "I'll freeze the card on ACC-1001. Confirm?"


@pytest.mark.parametrize(
    ("proposal", "reply", "expected"),
    [
        # agreement phrased with a negative word
        (FREEZE, "No objection.", True),
        (FREEZE, "Not a problem, do it.", True),
        (FREEZE, "Why not?", True),
        (FREEZE, "Why not unfreeze it instead?", False),  # another action
        (FREEZE, "No, that's fine, go ahead.", True),
        (FREEZE, "Please.", True),
        # a yes taken back
        (FREEZE, "Yes, forget it.", False),
        (FREEZE, "Sure, not.", False),
        (FREEZE, "Yes, never mind.", False),
        (FREEZE, "Yes, scratch that.", False),
        # "cancel that" to a freeze asks to cancel it; to a cancellation it names the write
        (FREEZE, "Yes, cancel that.", False),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes, cancel that.", True),
        ("I'll cancel order #W1 (ordered by mistake). Proceed?", "Yes, drop it.", False),
    ],
)
def test_confirmed_reads_agreement_in_negative_words_and_a_yes_taken_back(
    proposal: str, reply: str, expected: bool
) -> None:
    trace = conversation("Hello.", "Help me.", proposal, reply)
    if proposal == FREEZE:
        call = Call("freeze_card", {"account_id": "ACC-1001"}, position=4)
    else:
        call = Call("cancel_order", {"order_id": "#W1", "reason": "ordered by mistake"}, position=4)
    assert confirmed(trace, call) is expected
    # with "drop" among the words that name the write, "drop it" is a yes to it
    if reply == "Yes, drop it.":
        assert confirmed(trace, call, ["drop"])


def test_confirmed_needs_the_proposal_right_before_the_reply() -> None:
    call = Call("set_email", {"email": "a@b.example"}, position=5)
    proposed = conversation("I'll set your email to a@b.example. Ok?", "Yes.", "Anything else?")
    proposed.messages.append(type(proposed.messages[0])("user", "Yes.", 3))
    # the reply answers "Anything else?", not the proposal two turns back
    assert not confirmed(proposed, call)
    # a words list names the action in other words; an empty text argument need not be said
    changed = conversation("I'll change your email to a@b.example. Ok?", "yes")
    email = Call("set_email", {"email": "a@b.example", "note": ""}, position=2)
    assert not confirmed(changed, email)
    assert confirmed(changed, email, ["change"])


RULE = """
rule proposals_confirmed:
    require all(c in calls where c.writes: confirmed(c, ["change"]))
"""


def test_confirmed_compiles_in_a_rule_and_is_an_error_in_a_guard(tmp_path: Any) -> None:
    spec = copy_spec(MINI, tmp_path / "spec")
    main = (spec / "checks" / "main.chk").read_text(encoding="utf-8")
    edit(spec, "checks/main.chk", None, main + RULE)
    compiled = compile_domain(spec, tmp_path / "out")
    assert any("rt.confirmed(trace," in text for text in map(str, compiled.files.values()))

    edit(spec, "checks/main.chk", None, main + RULE.replace('["change"]', '"change"'))
    with pytest.raises(EigenError, match=r"confirmed\(\)'s second argument is a list of words"):
        compile_domain(spec, tmp_path / "out")

    edit(spec, "checks/main.chk", None, main + RULE.replace("confirmed(c,", "confirmed(c.tool,"))
    with pytest.raises(EigenError, match=r"confirmed\(\) takes a call of the trace, not a string"):
        compile_domain(spec, tmp_path / "out")

    guarded = main.replace(
        'else "Only pending orders can be cancelled"\n',
        'else "Only pending orders can be cancelled"\n'
        '    require confirmed(first(c in calls)) else "Ask"\n',
    )
    assert guarded != main
    edit(spec, "checks/main.chk", None, guarded)
    with pytest.raises(EigenError, match="'confirmed' is not available in a guard"):
        compile_domain(spec, tmp_path / "out")
