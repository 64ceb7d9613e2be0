"""The scripted user as an agent that words its turns freely meets it (retail, through
``eigendsl play``): it answers a fact asked in other words, restates its request after a greeting
or a question it cannot place instead of ending the conversation, takes a paraphrase of its own
values as said, and turns down a proposal whose details are not what it asked for. Each of these
ended the episode, or got a wrong answer, in the newcomer's transcripts."""

from __future__ import annotations

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.play import play
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def retail():
    return load_domain(ROOT / "specs" / "retail")


def users(retail, task_id: str, *agent: str) -> list[str]:
    """The user's turns after each of the agent's lines (``/call`` lines included), opening
    first, in ``eigendsl play``; the episode ends with the lines."""
    lines = iter(agent)
    out: list[str] = []
    play(retail, retail.task(task_id), "agent", lambda _: next(lines, "/quit"), out.append)
    return [line.removeprefix("user: ") for line in out if line.startswith("user: ")]


AMARA = "cancel-amara-by-mistake"
STOP = "###STOP###"


@pytest.mark.parametrize(
    ("task", "question", "answer"),
    [
        (AMARA, "What e-mail is the account under?", "My email is amara.nwosu@inbox.example."),
        (AMARA, "Why do you want to cancel?", "My reason is ordered by mistake."),
        (
            AMARA,
            "Could I get your order number and the email on the account?",
            "My email is amara.nwosu@inbox.example. My order id is #W1000075.",
        ),
        # a name the user does not know: it offers what identifies it
        (AMARA, "I need your full name and zip code to verify you.", "My email is"),
        (AMARA, "Could you please verify your identity first?", "My email is"),
        ("cancel_name_zip-000", "What's your name?", "My first name is Felix. My last name is"),
        (
            "cancel_name_zip-000",
            "Could you give me your email?",
            "I'm sorry, I don't know my email",
        ),
        ("update_user_address-000", "Where did you move to?", "My new address is 5 Lighthouse"),
        (
            "update_user_address-000",
            "Please provide the new street address, city, state and zip code.",
            "My new address is 5 Lighthouse",
        ),
        (
            "exchange-odile-backpack-gift-card",
            "What variant do you have now?",
            "My current variant",
        ),
        (
            "exchange-odile-backpack-gift-card",
            "Which item would you like to exchange, and which variant do you want instead?",
            "My product is Commuter Backpack. My wanted variant is capacity: 30 l",
        ),
        ("return-hana-two-items-gift-card", "Which items would you like to return?", "My items"),
        (
            "modify_order_payment-000",
            "Which payment method would you like to use instead?",
            "My new payment method is my credit_card (card_6046).",
        ),
        (
            "cancel_change_mind-000",
            "What's the reason for cancelling: no longer needed or ordered by mistake?",
            "My reason is no longer needed.",
        ),
    ],
)
def test_a_fact_asked_in_other_words_is_answered(retail, task, question, answer):
    assert users(retail, task, question)[1].startswith(answer)


@pytest.mark.parametrize(
    "turn",
    [
        "Hello! How can I help you today?",
        "Let me look that up for you.",
        "Your order contains a Cork Yoga Mat and a Trailhead Running Shoe. Do you want to cancel "
        "the whole order or only one item?",
    ],
)
def test_a_turn_the_user_cannot_answer_gets_the_request_restated_once(retail, turn):
    said = users(retail, AMARA, turn, turn, "Please share your email.")
    assert STOP not in said[1] and "cancel my order #W1000075" in said[1]
    assert said[2].endswith(STOP) and len(said) == 3  # a second such turn in a row ends it
    # an answered turn in between starts the count again
    said = users(retail, AMARA, turn, "Please share your email.", turn)
    assert STOP not in said[3]


def test_a_statement_or_a_closing_still_ends_the_conversation(retail):
    assert users(retail, AMARA, "Your order is cancelled.")[1].endswith(STOP)
    assert users(retail, AMARA, "Is there anything else I can help you with?")[1].endswith(STOP)


@pytest.mark.parametrize(
    "proposal",
    [
        "Are you sure you want to cancel order #W1000075 (ordered by mistake)?",
        "Can I cancel order #W1000075 (ordered by mistake) for you now?",
        "Please reply yes to cancel order #W1000075 (ordered by mistake).",
        "Just to confirm: cancel order #W1000075 since it was ordered by mistake, right?",
    ],
)
def test_a_proposal_in_other_words_is_confirmed(retail, proposal):
    said = users(retail, AMARA, "Please share your email.", proposal)
    assert said[2].lower().startswith("yes"), said[2]


@pytest.mark.parametrize(
    ("proposal", "what"),
    [
        # an id without its "#", the reason in other words: retail's confirmed() would not
        # count a yes to them, so the user says which value to say rather than yes
        (
            "Just to confirm: cancel order W1000075 since it was ordered by mistake, right?",
            "order id",
        ),
        (
            "I'll cancel order #W1000075 because you ordered it by mistake. Shall I proceed?",
            "reason",
        ),
    ],
)
def test_a_proposal_confirmed_would_not_count_is_asked_again(retail, proposal, what):
    said = users(retail, AMARA, "Please share your email.", proposal)
    assert said[2] == (
        f"Sorry, what exactly should I confirm? Please say what you will do, with the {what}, "
        "then ask me again."
    )


def test_a_fact_question_or_a_lookup_offer_is_no_proposal(retail):
    assert users(retail, AMARA, "Can you confirm the order number?")[1] == (
        "My order id is #W1000075."
    )
    assert users(retail, AMARA, "Would you like me to look up your order first?")[1] == (
        "Yes, please."
    )
    assert users(
        retail,
        "exchange-odile-backpack-gift-card",
        "Which payment method should I use for any price difference?",
    )[1].startswith("My payment method for any price difference is")


def test_the_change_of_mind_is_on_the_first_reason_in_other_words(retail):
    said = users(
        retail,
        "cancel_change_mind-000",
        "Please share your email.",
        "I'll cancel order #W1000260 because you no longer need it. Shall I proceed?",
    )
    assert said[2].startswith("Actually, I changed my mind"), said[2]


@pytest.mark.parametrize(
    ("task", "proposal", "answer"),
    [
        (
            "exchange-odile-backpack-gift-card",
            "I'll exchange the Commuter Backpack in order #W1000001 for capacity: 40 l, "
            "color: red, using gift card gift_6207. Shall I proceed?",
            "No, that's not right: my wanted variant is capacity: 30 l, color: black.",
        ),
        (
            "exchange-odile-backpack-gift-card",
            "I'll exchange the Commuter Backpack in order #W1000001 for capacity: 30 l, "
            "color: black, charging your credit card card_1234. Shall I proceed?",
            "No, that's not right: my payment method for any price difference is",
        ),
        (
            "update_user_address-000",
            "I'll update your account address to 9 Other Street, Port Linden, ME 04015, USA. "
            "Shall I proceed?",
            "No, that's not right: my new address is 5 Lighthouse Row",
        ),
        (
            "return-hana-two-items-gift-card",
            "I'll return the Arc LED Desk Lamp from order #W1000149 and refund it to gift card "
            "gift_6690. Shall I proceed?",
            "No, that's not right: my items to return is Arc LED Desk Lamp and Pocket",
        ),
        (
            "modify_order_payment-000",
            "I'll switch order #W1000223 to your PayPal paypal_9999. Shall I proceed?",
            "No, that's not right: my new payment method is my credit_card (card_6046).",
        ),
        (
            AMARA,
            "I'll cancel order #W1000075 (ordered by mistake) and also delete your account. "
            "Shall I proceed?",
            "No, that's not what I asked for",
        ),
        (
            AMARA,
            "Shall I cancel order #W1000075 (ordered by mistake) and order #W1000076 too?",
            "No, that's not what I asked for",
        ),
    ],
)
def test_a_proposal_whose_details_are_not_the_request_is_turned_down(
    retail, task, proposal, answer
):
    assert users(retail, task, "Please share your email.", proposal)[2].startswith(answer)


def test_the_proposal_of_the_request_in_other_words_is_still_confirmed(retail):
    said = users(
        retail,
        "exchange-odile-backpack-gift-card",
        "Please share your email.",
        "I'll exchange the Commuter Backpack (capacity: 18 l, color: black) in order #W1000001 "
        "for a bigger one, paying the difference with your gift card gift_6207. "
        "Shall I proceed?",
        "I'll exchange the Commuter Backpack I10701 (capacity: 18 l, color: black) in order "
        "#W1000001 for I10705 (capacity: 30 l, color: black), paying the difference with your "
        "gift card gift_6207. Shall I proceed?",
    )
    # without the new item's options or id retail's confirmed() would not count a yes: the
    # user asks for them (the options of "for capacity: 30 l, color: black" would do)
    assert "with each new item's name and options (or its id)" in said[2], said[2]
    assert said[3].lower().startswith("yes"), said[3]


def test_a_proposal_without_the_details_of_the_request_is_not_confirmed(retail):
    said = users(
        retail,
        "update_user_address-000",
        "Please share your email.",
        "I'll update your account address. Shall I proceed?",
        "I'll update the address of account usr_nadiahaddad to 5 Lighthouse Row, Port Linden, "
        "ME 04015, USA. Shall I proceed?",
    )
    assert said[2].startswith("No, that's not what I asked for"), said[2]
    assert said[3].lower().startswith("yes"), said[3]


def test_a_user_who_declines_says_no_to_a_confirmation_in_other_words(retail):
    """cancel_declined passed though the user never said no: "are you sure?" ended the episode."""
    said = users(
        retail,
        "cancel_declined-000",
        "Please share your email.",
        "Just to double-check: cancel order #W1000223 because it's no longer needed. Are you sure?",
    )
    assert said[2].startswith("No,") and STOP not in said[2], said[2]


def test_a_question_about_another_name_gets_no_identity(retail):
    said = users(retail, "update_user_address-000", "What's the name of the street?")
    assert said[1].startswith("My new address is"), said[1]
    said = users(retail, AMARA, "What's the name of the product?")
    assert "My email" not in said[1] and STOP not in said[1], said[1]
