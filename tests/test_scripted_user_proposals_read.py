"""The scripted user reads a proposal as a proposal (runtime/user_questions.py): one that states
what will happen, in a question, with ids or amounts in it ("Shall I return ... to your gift card
gift_6690, whose balance of $120.00 becomes $313.99?", "Cancel order #W1000075 because it was
ordered by mistake?"), or that asks leave in other words ("Okay to cancel ...?", "Is that what
you want?"), gets the answer to a proposal, not a fact the user was not asked for ("My gift card
is gift_6690."). Questions for a fact stay so ("Which payment method would you like the refund
to go to: paypal_1 or gift_2?", "What is the balance on gift_6690?").

Each wording is played on a retail task whose agent follows the gold plan and puts the wording
just before the write; the yes it gets is one the verifiers' ``confirmed`` counts (the episode
scores 1.0)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.hand_agents import ListAgent, play_row, turn

HANA = "return-hana-two-items-gift-card"  # #W1000149: lamp + speaker to gift_6690 (120.00)
ITEMS = "the Arc LED Desk Lamp and the Pocket Bluetooth Speaker from order #W1000149"
AMARA = "cancel-amara-by-mistake"  # #W1000075, ordered by mistake, 365.40
PAYMENT = "modify_order_payment-000"  # #W1000223 to card_6046
ACCOUNT = "update_user_address-000"  # 5 Lighthouse Row, Port Linden, ME 04015, USA
SHIPPING = "modify_order_address-000"  # #W1000260 to 73 Orchard Gate, Unit 12, Oakhurst


def _reply(domain: Any, task_id: str, said: str) -> tuple[str, dict[str, Any]]:
    """The user's reply to ``said``, which the agent says right before the gold plan's write
    (the email asked first), and the judged episode."""
    turns = [turn("Could you give me your email?")]
    for step in domain.task(task_id)["gold"]:
        if "say" in step:
            turns.append(turn(step["say"]))
            continue
        if domain.tools[step["tool"]].writes:
            turns.append(turn(said))
        turns.append(turn(None, (step["tool"], step["args"])))
    row = play_row(domain, task_id, ListAgent(turns))
    return [m["content"] for m in row["messages"] if m["role"] == "user"][2], row


@pytest.mark.parametrize(
    ("task_id", "proposal"),
    [
        # the gift card named as the user's, where the return goes
        (
            HANA,
            f"Shall I return {ITEMS} to your gift card gift_6690, whose balance of $120.00 "
            "becomes $313.99?",
        ),
        (
            HANA,
            f"Shall I return {ITEMS} to your gift card gift_6690, whose balance of $120.00 "
            "becomes 313.99?",
        ),
        (
            HANA,
            f"Would you like me to return {ITEMS}, which will refund $193.99 to your gift card "
            "gift_6690?",
        ),
        (
            HANA,
            f"Do you want me to return {ITEMS} with the $193.99 refund to your gift card "
            "gift_6690, taking it from $120.00 to $313.99?",
        ),
        (
            HANA,
            f"Would you like the refund of $193.99 for {ITEMS} to go to your gift card gift_6690?",
        ),
        (PAYMENT, "Shall I switch order #W1000223 to your new payment method, card_6046?"),
        (ACCOUNT, "Shall I set your new address to 5 Lighthouse Row, Port Linden, ME 04015, USA?"),
        # a question that states what will happen, with no words that ask leave
        (HANA, f"Return {ITEMS} to gift_6690, whose balance of $120.00 becomes $313.99?"),
        (AMARA, "Cancel order #W1000075 because it was ordered by mistake?"),
        (AMARA, "Okay to cancel order #W1000075 (ordered by mistake)?"),
        (AMARA, "Is it alright if I cancel order #W1000075 because it was ordered by mistake?"),
        (AMARA, "Do I have your go-ahead to cancel order #W1000075, reason: ordered by mistake?"),
        (
            AMARA,
            "Ready for me to cancel order #W1000075 (reason: ordered by mistake)? The $365.40 "
            "will go back to your original payment method.",
        ),
        (
            SHIPPING,
            "Would you like the shipping address of order #W1000260 changed to 73 Orchard Gate, "
            "Unit 12, Oakhurst, IL 60512, USA?",
        ),
        # leave asked in other words, after the proposal
        (
            AMARA,
            "I'd cancel order #W1000075 with the reason 'ordered by mistake'. Is that what you "
            "want?",
        ),
    ],
)
def test_a_proposal_in_a_question_gets_a_yes(
    retail_domain: Any, task_id: str, proposal: str
) -> None:
    reply, row = _reply(retail_domain, task_id, proposal)
    assert reply.lower().startswith("yes"), reply
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    ("task_id", "proposal", "answer"),
    [
        (  # the finding's wording: the order left out, asked for (so on main already)
            HANA,
            "Shall I return the Lamp to gift_6690, whose balance of $120.00 becomes $313.99?",
            "Which order do you mean? Please name it (my order id is #W1000149), then ask me "
            "again.",
        ),
        (
            HANA,
            "Shall I return the Lamp to gift_6690, whose balance of $120.00 becomes 313.99?",
            "Which order do you mean? Please name it (my order id is #W1000149), then ask me "
            "again.",
        ),
        (  # the gift card left out: asked for, as a proposal that leaves out a fact is
            HANA,
            f"Shall I return {ITEMS} to your gift card, whose balance of $120.00 becomes 313.99?",
            "Which gift card do you mean? Please name it (my gift card is gift_6690), then ask "
            "me again.",
        ),
        (  # neither the items nor the order: not what the user asked for
            HANA,
            "Can I go ahead and move the refund of $45.00 to your gift card, bringing it to "
            "$165.00?",
            "No, that's not what I asked for: tell me exactly what you are going to do.",
        ),
        (  # another order than the user's
            AMARA,
            "Would you like me to cancel order #W123, which will refund $214.90 to paypal_2637?",
            "No, that's not what I asked for: tell me exactly what you are going to do.",
        ),
        (  # "cancelling" is no verb confirmed() counts: asked again, as the verifier reads it
            AMARA,
            "Are you okay with me cancelling order #W1000075 as ordered by mistake?",
            "Sorry, what exactly should I confirm? Please say what you will do, then ask me again.",
        ),
    ],
)
def test_a_proposal_it_cannot_agree_to_is_answered_as_one(
    retail_domain: Any, task_id: str, proposal: str, answer: str
) -> None:
    reply, _ = _reply(retail_domain, task_id, proposal)
    assert reply == answer


@pytest.mark.parametrize(
    ("task_id", "question", "answer"),
    [
        (
            HANA,
            "What is the balance on gift_6690?",
            "I'm sorry, I don't know my gift card balance.",
        ),
        (HANA, "Could you tell me the order id?", "My order id is #W1000149."),
        (
            HANA,
            "Which payment method would you like the refund to go to: paypal_1 or gift_2?",
            "My gift card is gift_6690.",
        ),
        (
            HANA,
            "Do you want the refund for order #W1000149 on your gift card or the original payment "
            "method?",
            "My gift card is gift_6690.",
        ),
        (
            AMARA,
            "To cancel order #W1000075, could you tell me the reason?",
            "My reason is ordered by mistake.",
        ),
        (
            AMARA,
            "Before I cancel order #W1000075, can you confirm your email?",
            "my email is amara.nwosu@inbox.example.",
        ),
        (
            PAYMENT,
            "Can you confirm your new payment method for order #W1000223?",
            "My new payment method is my credit_card (card_6046).",
        ),
        (
            ACCOUNT,
            "Shall I update your address? What is your new address?",
            "My new address is 5 Lighthouse Row, Port Linden, ME 04015, USA.",
        ),
    ],
)
def test_a_question_for_a_fact_is_answered_with_it(
    retail_domain: Any, task_id: str, question: str, answer: str
) -> None:
    reply, _ = _reply(retail_domain, task_id, question)
    assert answer in reply, reply
