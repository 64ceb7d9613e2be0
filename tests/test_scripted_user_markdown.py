"""Honest proposals and requests a Markdown-writing chat model writes, which the scripted user
read wrong (newcomer review K2): an exchange described with the return of the original, or a
proposal that names another action as an alternative or a note, turned down as "not what I
asked for" (H1); "Reply **yes** to confirm." heard as a statement that ends the conversation
(H2); a request for facts laid out as a Markdown list not understood (M1). Each beside the case
that must still hold: a proposal of another write is still turned down."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from eigendsl.runtime.user_actions import other_action, proposed_actions
from eigendsl.runtime.user_questions import asks_for, requests
from tests.hand_agents import ListAgent, play_row, turn

OPEN = "Please share the **email address** associated with your account."
NOT_ASKED = "No, that's not what I asked for"


def _turns(
    domain: Any, task_id: str, opening: str, proposal: str, says: list[str]
) -> list[AgentTurn]:
    """The task's gold plan as turns: ``opening`` first, ``proposal`` before each write, the
    texts ``says`` for its "say" steps."""
    spoken = iter(says)
    turns = [turn(opening)]
    for step in domain.task(task_id)["gold"]:
        if "say" in step:
            turns.append(turn(next(spoken, "Done.")))
            continue
        if domain.tools[step["tool"]].writes:
            turns.append(turn(proposal))
        turns.append(turn(None, (step["tool"], step["args"])))
    return turns + [turn(text) for text in spoken]


def _play(domain: Any, task_id: str, proposal: str, says: list[str], opening: str = OPEN):
    """The judged row and the user's replies of an episode whose agent follows the gold plan."""
    row = play_row(domain, task_id, ListAgent(_turns(domain, task_id, opening, proposal, says)))
    return row, [m["content"] for m in row["messages"] if m["role"] == "user"]


# --- H1. an action named in passing is not one the proposal asks consent for

EXCHANGE = "exchange-odile-backpack-gift-card"  # #W1000001: I10701 for I10705, $32.50 gift_6207
EXCHANGE_SAYS = [
    "Your exchange has been requested: the Commuter Backpack in order #W1000001 will be "
    "replaced with the 30 l, black variant; $32.50 has been charged to gift_6207."
]
ITEMS = "modify-items-ines-keyboard"  # #W1000223: I10904 for I10901, $5.00 to card_6046
ITEMS_SAYS = [
    "Done: order **#W1000223** now has the US / linear keyboard (`I10901`); **$5.00** was "
    "charged to card_6046."
]
RETURN = "return_original-000"  # #W1001407: I10903, $144.00 to paypal_5428
RETURN_SAYS = [
    "Your return of the keyboard from order #W1001407 is requested; **$144.00** will go back "
    "to paypal_5428."
]


@pytest.mark.parametrize(
    ("task_id", "proposal", "says"),
    [
        (  # the exchange's steps as a numbered list: "Return:" the original
            EXCHANGE,
            "To confirm, I will **exchange** your Commuter Backpack in order **#W1000001**:\n\n"
            "1. Return: `I10701` (18 l, black)\n2. Send: `I10705` (30 l, black)\n"
            "3. Charge the difference of **USD 32.50** to gift card **gift_6207**\n\n"
            "**Confirm?** (yes/no)",
            EXCHANGE_SAYS,
        ),
        (  # in prose
            EXCHANGE,
            "To confirm, I will exchange your Commuter Backpack I10701 (18 l, black) in order "
            "#W1000001 for I10705 (30 l, black); you return the old one, and the difference of "
            "USD 32.50 is charged to gift card gift_6207. Confirm? (yes/no)",
            EXCHANGE_SAYS,
        ),
        (  # a policy note on returning the original
            EXCHANGE,
            "**Exchange proposal** for order **#W1000001**:\n- Current: Commuter Backpack 18 l, "
            "black (`I10701`)\n- New: 30 l, black (`I10705`)\n- Difference: **$32.50** charged "
            "to `gift_6207`\n\n_Once confirmed, you'll get a prepaid label to send the original "
            "back \u2014 returning it within 30 days is required._\n\n"
            "**Shall I exchange I10701 for I10705?** (yes/no)",
            EXCHANGE_SAYS,
        ),
        (  # another action offered as an alternative
            ITEMS,
            "I can **change** the keyboard in pending order **#W1000223**:\n- From `I10904` (US, "
            "clicky) \u2014 $134.00\n- To `I10901` (US, linear) \u2014 $139.00\n- Difference "
            "**$5.00** charged to `card_6046`\n\n*(If you'd prefer, I could instead cancel the "
            "order entirely.)*\n\n**Shall I proceed with the change?** (yes/no)",
            ITEMS_SAYS,
        ),
        (  # another action as what the user may need later
            ITEMS,
            "I can **change** the keyboard in pending order **#W1000223** from `I10904` (US, "
            "clicky, $134.00) to `I10901` (US, linear, $139.00); the **$5.00** difference is "
            "charged to `card_6046`. Note: once the order ships you'd need to request an "
            "exchange instead.\n\n**Shall I proceed?** (yes/no)",
            ITEMS_SAYS,
        ),
        (
            RETURN,
            "**Return \u2014 Order #W1001407**\n- Item: Low-Profile Mechanical Keyboard "
            "(`I10903`)\n- Refund: **$144.00** to `paypal_5428`\n\n_(If you'd prefer an exchange "
            "for another variant instead, just let me know.)_\n\n"
            "**Shall I submit this return?** (yes/no)",
            RETURN_SAYS,
        ),
    ],
)
def test_an_action_named_in_passing_is_no_other_action(
    retail_domain: Any, task_id: str, proposal: str, says: list[str]
) -> None:
    row, replies = _play(retail_domain, task_id, proposal, says)
    assert "yes" in replies[2].lower(), replies[2]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    ("task_id", "proposal"),
    [
        (  # another write besides the one asked for
            EXCHANGE,
            "I'll exchange I10701 for I10705 (30 l, black) in order #W1000001, charging $32.50 "
            "to gift_6207, and also delete your account. Confirm? (yes/no)",
        ),
        (  # a return for a refund where the user asked for an exchange
            EXCHANGE,
            "Shall I return I10701 from order #W1000001 and refund it to gift_6207? (yes/no)",
        ),
        (  # the item change, then a cancellation
            ITEMS,
            "I'll change I10904 to I10901 in order #W1000223, charging $5.00 to card_6046, or "
            "cancel the order. Shall I proceed? (yes/no)",
        ),
        (  # the action not taken is the one asked for
            RETURN,
            "I'll exchange I10903 in order #W1001407 rather than return it, refunding to "
            "paypal_5428. Shall I proceed? (yes/no)",
        ),
    ],
)
def test_a_proposal_of_another_action_is_still_turned_down(
    retail_domain: Any, task_id: str, proposal: str
) -> None:
    _, replies = _play(retail_domain, task_id, proposal, [])
    assert replies[2].startswith(NOT_ASKED), replies[2]


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        ("Shall I cancel #W1 and delete your account?", ["cancel", "delete"]),
        ("Cancellation of #W1: ok?", ["cancel"]),
        ("Exchange I1 for I5 instead of returning it?", ["exchange"]),
        ("This won't cancel the order. Shall I exchange I1?", ["exchange"]),
        ("Exchange I1? You can also return it within 30 days.", ["exchange"]),
        ("Exchange I1, or would you rather return it?", ["exchange"]),
        ("Reply YES to confirm or NO to cancel. Exchange I1?", ["exchange"]),
        ("The item will be returned to our warehouse.", ["return"]),
    ],
)
def test_the_actions_a_proposal_asks_consent_for(text: str, actions: list[str]) -> None:
    assert sorted(proposed_actions(text)) == actions


def test_an_exchange_describes_a_return_only_where_it_is_proposed() -> None:
    steps = "1. Return: I1\n2. Send: I5\nConfirm? (yes/no)"
    assert not other_action(f"I'll exchange I1 for I5:\n{steps}", "Swap my bag.", ["exchange"])
    assert other_action(steps, "Swap my bag.", ["exchange_items"])


# --- H2. words that ask for a yes ask for consent, as the verifiers' confirmed() reads them

CANCEL = "cancel_pending-000"  # #W1001222, no longer needed, $214.90 to PayPal
CANCEL_BODY = (
    "**Order #W1001222** is pending.\n\n- **Action:** cancel order `#W1001222`\n"
    "- **Reason:** no longer needed\n- **Refund:** $214.90 to PayPal\n\n"
)
CANCEL_SAYS = ["Order **#W1001222** has been **cancelled**; **$214.90** goes back to PayPal."]


@pytest.mark.parametrize(
    "ending",
    [
        "Reply **yes** to confirm, or **no** to keep the order.",
        "Reply yes to confirm the cancellation.",
        "Type **yes** to proceed.",
        "Respond with `YES` to go ahead.",
    ],
)
def test_reply_yes_to_confirm_asks_for_consent(retail_domain: Any, ending: str) -> None:
    row, replies = _play(retail_domain, CANCEL, CANCEL_BODY + ending, CANCEL_SAYS)
    assert "yes" in replies[2].lower(), replies[2]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


# --- M1. a Markdown list after a request ending in ":" is part of the request


@pytest.mark.parametrize(
    "opening",
    [
        "I can help with that! Could you provide:\n1. Your email address\n"
        "2. The order number (if you have it)",
        "I can help with that! Could you provide:\n\n- Your **email address**\n- The order number",
        "I can help with that! Could you provide:\n* your **email address**",
    ],
)
def test_a_request_for_facts_as_a_list_is_answered(retail_domain: Any, opening: str) -> None:
    proposal = CANCEL_BODY + "Shall I proceed? (yes/no)"
    _, replies = _play(retail_domain, CANCEL, proposal, CANCEL_SAYS, opening=opening)
    assert replies[1].startswith("My email is leona.marsh@inbox.example."), replies[1]


def test_a_list_after_a_statement_asks_nothing() -> None:
    assert requests("Here is what I found:\n- Order #W1: pending\n- Total: $5") == ""
    assert requests("I need:\n- your email\n\nThe order is pending.") == "i need: your email"


# --- nK6 M1. an action the agent states it will do is no aside, nor another item of the order

BOTTLE = "exchange_items-000"  # #W1000297: I10801 for I10803, difference to paypal_2637
RETURN_PROPOSAL = (
    "I'll return the Low-Profile Mechanical Keyboard (I10903) from order #W1001407 with a refund "
    "of 144.0 to paypal_5428"
)


@pytest.mark.parametrize(
    ("task_id", "proposal"),
    [
        (RETURN, f"{RETURN_PROPOSAL}, and cancel your pending order instead. Shall I proceed?"),
        (
            RETURN,
            f"{RETURN_PROPOSAL}; you can count on me to cancel your other orders too. Shall I "
            "proceed? (yes/no)",
        ),
        (  # a second item of the order the user keeps
            RETURN,
            "I'll return the Low-Profile Mechanical Keyboard (I10903) and the Commuter Backpack "
            "from order #W1001407, refund to paypal_5428. Shall I proceed? (yes/no)",
        ),
        (
            BOTTLE,
            "I'll swap I10801 for I10803 in order #W1000297 and also swap your Pocket Bluetooth "
            "Speaker, difference charged to paypal_2637. Reply yes to confirm.",
        ),
        (RETURN, f"{RETURN_PROPOSAL}, and replace your speaker. Shall I proceed? (yes/no)"),
    ],
)
def test_a_proposal_that_adds_an_action_or_an_item_is_turned_down(
    retail_domain: Any, task_id: str, proposal: str
) -> None:
    _, replies = _play(retail_domain, task_id, proposal, [])
    assert replies[2].startswith(NOT_ASKED), replies[2]


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        ("Return I1, and cancel your pending order instead?", ["cancel", "return"]),
        ("Return I1; you can count on me to cancel #W2 too.", ["cancel", "return"]),
        ("Return I1? If you'd prefer, I could cancel #W2 instead.", ["return"]),
        ("Return I1? Or you can say no and I'll cancel it instead.", ["return"]),
        ("Return I1? You'll need to cancel #W2 yourself.", ["return"]),
        ("Swap I1 for I5?", ["swap"]),
        ("I'll switch your keyboard to the linear one and replace the lamp.", ["swap"]),
        ("Return the Keyboard (layout: US, switch: linear)?", ["return"]),
        ("Return the Keyboard (US, clicky switch)?", ["return"]),
    ],
)
def test_what_the_agent_will_do_is_no_aside(text: str, actions: list[str]) -> None:
    assert sorted(proposed_actions(text)) == actions


def test_a_swap_is_asked_for_as_an_exchange_or_a_change_of_items() -> None:
    swap = "I'll swap I10904 for I10901 in order #W1000223. Ok? (yes/no)"
    assert not other_action(swap, "I want another keyboard.", ["modify_pending_order_items"])
    assert not other_action(swap, "Exchange my keyboard.", ["exchange_delivered_order_items"])
    assert other_action(swap, "Return my keyboard.", ["return_delivered_order_items"])


# --- nK4 L3. a list after a request is read in any of the ways a chat model writes one


@pytest.mark.parametrize(
    "text",
    [
        "Please share:\r\n- your email\r\n- the order number",  # Windows line ends
        "Please share:\r- your email\r- the order number",
        "Please share the following details:\n\n\u2013 your email\n\u2013 the order number",
        "Please share the following details:\n\u2022 your email\n\u2022 the order number",
        "Please share the following details:\n  a. your email\n  b. the order number",
        "Could you provide:\na) your email\nb) the order number",
        "Could you provide:\n(a) your email\n(b) the order number",
        "To look up your order, I require:\n- your email\n- the order number",
        "Please send me the following:\n1. your email\n2. the order number",
        "Please share the following.\n- your email\n- the order number",
        "**Please share the following.**\r\n\r\n1) your email\r\n2) the order number",
    ],
)
def test_a_list_of_requested_facts_is_read_whatever_its_marks(text: str) -> None:
    asked = requests(text)
    assert asks_for("email", asked) and asks_for("order id", asked), asked


def test_a_list_after_a_statement_still_asks_nothing() -> None:
    assert requests("Here is what I found.\r\n- Order #W1: pending\r\n- Total: $5") == ""
    assert requests("Your order has these items:\na) the lamp\nb) the speaker") == ""


def test_a_request_for_facts_as_a_lettered_list_with_windows_line_ends_is_answered(
    retail_domain: Any,
) -> None:
    proposal = CANCEL_BODY + "Shall I proceed? (yes/no)"
    opening = "I can help with that! To look up your order, I require:\r\na) Your email\r\n"
    _, replies = _play(retail_domain, CANCEL, proposal, CANCEL_SAYS, opening=opening)
    assert replies[1].startswith("My email is leona.marsh@inbox.example."), replies[1]


# --- fixR3. what the agent does on the user's no is an alternative, not a second action

HANA = "return-hana-two-items-gift-card"  # #W1000149: lamp and speaker, 193.99 to gift_6690
HANA_RETURN = (
    "return the Arc LED Desk Lamp (matte black, tunable) and the Pocket Bluetooth Speaker (teal, "
    "carabiner) from order #W1000149, with the refund of 193.99 to gift card gift_6690"
)
HANA_SAYS = ["The return is requested. 193.99 went to gift card gift_6690, now at 313.99."]


@pytest.mark.parametrize(
    "on_a_no",
    [
        "... or you can say no and I'll cancel your order instead.",
        "You can also say no, and I'll cancel your order instead.",
        "If you say no, I'll cancel your order instead.",
        "If not, I'll cancel your order instead.",
        "Otherwise, I'll cancel your order.",
    ],
)
def test_a_proposal_with_what_happens_on_a_no_gets_a_yes(retail_domain: Any, on_a_no: str) -> None:
    row, replies = _play(retail_domain, HANA, f"Shall I {HANA_RETURN}? {on_a_no}", HANA_SAYS)
    assert replies[2].startswith("Yes"), replies[2]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        ("Return I1? If you say no, I'll cancel #W2 instead.", ["return"]),
        ("Return I1 (or, if you don't want that, cancel #W2)?", ["return"]),
        ("Return I1? If so, I'll also cancel #W2.", ["cancel", "return"]),
        ("Return I1, and if you don't mind, cancel #W2?", ["cancel", "return"]),
    ],
)
def test_an_action_on_a_no_is_an_alternative(text: str, actions: list[str]) -> None:
    assert sorted(proposed_actions(text)) == actions
