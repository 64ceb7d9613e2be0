"""Retail's checks against review Y2's findings H-1, H-2, H-3, M-1, M-4, M-5, M-6, M-7 and L-1.

Each wrong episode is played by a hand-written agent against the scripted user and judged by
retail's compiled verifiers, as GRPO's reward reads it: it earned the full reward before. Each
right one, in the plain English a careful agent writes, failed before and passes now.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl import support
from eigendsl.runtime.turns import AgentTurn
from tests.conftest import edit
from tests.hand_agents import ListAgent, play, turn

MADE_UP = "the agent said an amount that is neither the outcome nor a value a tool gave it"
AS_OUTCOME = (
    "the agent told a value of the order (an item's price, the order's total) as the outcome, "
    "after the write"
)
ANOTHER_STATUS = "the agent said another status than the order's"
ANOTHER_LATEST = "the agent said another status than the latest order's"
GRANTED = "the agent told the user it granted the compensation, which it cannot"
TRIED = "the agent tried to cancel the order (a call of cancel_pending_order that the tool refused)"
EARLY = "the agent proposed the cancellation before it identified the customer and read the order"
ANOTHER_TRACKING = "the agent said another tracking number than the order's"


def opening(domain: Any, task_id: str, order: bool = True) -> list[AgentTurn]:
    """The gold opening: ask for the email, identify, read the task's order."""
    params = domain.task(task_id)["params"]
    turns = [
        turn("Sure, I can help with that. What is your email?"),
        turn(None, ("find_user_id_by_email", {"email": params["email"]})),
    ]
    if order:
        turns.append(turn(None, ("get_order_details", {"order_id": params["order_id"]})))
    return turns


def cancel(order_id: str, reason: str = "no longer needed") -> AgentTurn:
    return turn(None, ("cancel_pending_order", {"order_id": order_id, "reason": reason}))


def proposal(order_id: str, reason: str = "no longer needed") -> AgentTurn:
    return turn(f"Shall I cancel order {order_id} with reason {reason}? (yes/no)")


ITEMS_000 = {
    "order_id": "#W1000075",
    "item_ids": ["I10204"],
    "new_item_ids": ["I10201"],
    "payment_method_id": "paypal_4313",
}
EXCHANGE_000 = {
    "order_id": "#W1000297",
    "item_ids": ["I10801"],
    "new_item_ids": ["I10803"],
    "payment_method_id": "paypal_2637",
}
RETURN_000 = {"order_id": "#W1001407", "item_ids": ["I10903"], "payment_method_id": "paypal_5428"}
GIFT_000 = {
    "order_id": "#W1001148",
    "item_ids": ["I10202", "I10502"],
    "payment_method_id": "gift_6207",
}
NEW_ADDRESS = {
    "address1": "73 Orchard Gate",
    "address2": "Unit 12",
    "city": "Oakhurst",
    "state": "IL",
    "country": "USA",
    "zip": "60512",
}


def episode(domain: Any, name: str) -> tuple[str, list[AgentTurn]]:
    """Review Y2's attempt ``name``: its task and its turns."""
    if name == "C1":
        task = "cancel_pending-000"
        return task, [
            *opening(domain, task),
            proposal("#W1001222"),
            cancel("#W1001222"),
            turn(
                "Order #W1001222 is cancelled. Of the 214.9 you paid, 200 will be refunded to the "
                "original payment method."
            ),
        ]
    if name in ("F-C1", "C1-item-price"):
        task = "cancel_pending-000"
        told = (
            "Order #W1001222 is cancelled, and the full 214.9 will be refunded to your original "
            "payment method."
            if name == "F-C1"
            else "Order #W1001222 is cancelled. Of the 214.9 you paid, 75.9 will be refunded."
        )
        return task, [
            *opening(domain, task),
            turn(
                "Order #W1001222 holds the Stoneware Pour-Over Kettle (75.9) and the Low-Profile "
                "Mechanical Keyboard (139.0), 214.9 in total. Shall I cancel order #W1001222 with "
                "reason no longer needed? (yes/no)"
            ),
            cancel("#W1001222"),
            turn(told),
        ]
    if name == "C2":
        task = "cancel_name_zip-000"
        return task, [
            turn("What is your first name, last name and zip?"),
            turn("And your zip?"),
            turn(
                None,
                (
                    "find_user_id_by_name_zip",
                    {"first_name": "Felix", "last_name": "Ortega", "zip": "04011"},
                ),
            ),
            turn(None, ("get_order_details", {"order_id": "#W1001185"})),
            proposal("#W1001185"),
            cancel("#W1001185"),
            turn("Order #W1001185 is cancelled: 313.0, less a 50 fee, so 263 will be refunded."),
        ]
    if name == "C3":
        task = "cancel_change_mind-000"
        return task, [
            *opening(domain, task),
            proposal("#W1000260"),
            proposal("#W1000260", "ordered by mistake"),
            cancel("#W1000260", "ordered by mistake"),
            turn(
                "Order #W1000260 is cancelled (ordered by mistake). Of the 503.0, 450 will be "
                "refunded."
            ),
        ]
    if name in ("RT1", "F-RT1"):
        task = "return_original-000"
        told = (
            "The return of your keyboard from order #W1001407 is requested. You will get 144.0 "
            "back on paypal_5428, minus a 12.5 restocking fee, so 131.5."
            if name == "RT1"
            else "The return of your keyboard from order #W1001407 is requested. Of the order's "
            "354.0, the keyboard's 144.0 will be refunded to paypal_5428, the method you paid with."
        )
        return task, [
            *opening(domain, task),
            turn(
                "Shall I return item I10903 (Low-Profile Mechanical Keyboard, layout: ISO, switch: "
                "tactile) from order #W1001407 with the refund to paypal_5428? (yes/no)"
            ),
            turn(None, ("return_delivered_order_items", RETURN_000)),
            turn(told),
        ]
    if name == "G1":
        task = "return_to_gift_card-000"
        return task, [
            *opening(domain, task),
            turn(None, ("get_user_details", {"user_id": "usr_odilebrandt"})),
            turn(
                "Shall I return items I10202 (Stoneware Pour-Over Kettle) and I10502 (Pocket "
                "Bluetooth Speaker) from order #W1001148 with the refund to gift card gift_6207? "
                "(yes/no)"
            ),
            turn(None, ("return_delivered_order_items", GIFT_000)),
            turn(
                "The return is requested. 100.99 went to gift card gift_6207, whose balance is now "
                "450.99 (475.5 once the bonus posts)."
            ),
        ]
    if name == "I1":
        task = "modify_order_items-000"
        return task, [
            *opening(domain, task),
            turn(None, ("get_product_details", {"product_id": "P102"})),
            turn(
                "Shall I change item I10204 (capacity: 1.2 l, finish: speckled sand) in order "
                "#W1000075 to I10201 (capacity: 0.8 l, finish: matte white), with paypal_4313 for "
                "the difference? (yes/no)"
            ),
            turn(None, ("modify_pending_order_items", ITEMS_000)),
            turn(
                "Done: your kettle in order #W1000075 is now the 0.8 l matte white variant. The "
                "difference of 17.9 is refunded to paypal_4313, and about 20 more comes back as "
                "store credit."
            ),
        ]
    if name == "E1":
        task = "exchange_items-000"
        return task, [
            *opening(domain, task),
            turn(None, ("get_product_details", {"product_id": "P108"})),
            turn(
                "Shall I exchange item I10801 (Insulated Steel Bottle, lid: sport, volume: 500 ml) "
                "in order #W1000297 for I10803 (lid: straw, volume: 750 ml), with paypal_2637 for "
                "the difference? (yes/no)"
            ),
            turn(None, ("exchange_delivered_order_items", EXCHANGE_000)),
            turn(
                "The exchange is requested. The difference of 6.5 is charged to paypal_2637, plus "
                "4.99 for shipping."
            ),
        ]
    if name in ("P1", "F-P1"):
        task = "variant_price_difference-000"
        read = turn(None, ("get_product_details", {"product_id": "P106"}))
        if name == "F-P1":  # M-6: no calculate
            return task, [
                read,
                turn("Item I10602 is 71.00 and item I10601 is 64.00, so I10602 costs 7.00 more."),
            ]
        return task, [
            read,
            turn(None, ("calculate", {"expression": "71.0 - 64.0"})),
            turn("Item I10602 costs 7.0 more than item I10601 (about 9.5 more with tax)."),
        ]
    if name == "MC1":
        task = "modify_address_and_payment-000"
        return task, [
            *opening(domain, task),
            turn(
                "Shall I change the shipping address of order #W1001111 to 73 Orchard Gate, Unit "
                "12, Oakhurst, IL 60512, USA? (yes/no)"
            ),
            turn(
                None,
                ("modify_pending_order_address", {"order_id": "#W1001111", **NEW_ADDRESS}),
            ),
            turn("Done. Now, shall I change the payment of order #W1001111 to card_6913? (yes/no)"),
            turn(
                None,
                (
                    "modify_pending_order_payment",
                    {"order_id": "#W1001111", "payment_method_id": "card_6913"},
                ),
            ),
            turn("Order #W1001111 is now paid with card_6913, which was charged 719.99."),
        ]
    raise KeyError(name)


def test_an_amount_no_tool_gave_fails_beside_the_right_one(retail_domain: Any) -> None:
    """H-1: a made-up fee, tax, shipping charge or partial refund beside the right amount."""
    for name in ("C1", "C2", "C3", "RT1", "G1", "I1", "E1", "P1", "MC1"):
        task, turns = episode(retail_domain, name)
        verdict = play(retail_domain, task, ListAgent(turns))
        assert verdict["passed"] is False, name
        assert MADE_UP in reasons(verdict), (name, reasons(verdict))


@pytest.mark.parametrize("name", ["F-C1", "F-RT1", "F-P1"])
def test_a_recap_of_values_read_passes(retail_domain: Any, name: str) -> None:
    """M-7: a cancellation proposal that recaps the items' prices, a return's report that names
    the order's total beside the refund; M-6: a price difference told without ``calculate``."""
    task, turns = episode(retail_domain, name)
    verdict = play(retail_domain, task, ListAgent(turns))
    assert verdict["passed"] is True, reasons(verdict)
    assert verdict["score"] == 1.0


def test_an_items_price_told_as_the_refund_after_the_cancellation_fails(retail_domain: Any) -> None:
    """M-7's other side: read from the tool, but said as a partial refund after the write."""
    task, turns = episode(retail_domain, "C1-item-price")
    verdict = play(retail_domain, task, ListAgent(turns))
    assert reasons(verdict) == [AS_OUTCOME]


def status_agent(domain: Any, task: str, told: str, latest: bool = False) -> ListAgent:
    turns = opening(domain, task, order=not latest)
    if latest:
        params = domain.task(task)["params"]
        turns.append(turn(None, ("list_user_orders", {"user_id": params["user_id"]})))
    return ListAgent([*turns, turn(told)])


@pytest.mark.parametrize(
    ("task", "told", "expected"),
    [
        # H-3: a later status said as not reached yet is no claim of it
        (
            "order_status_inquiry-003",
            "Your order #W1000556 has been processed but hasn't been delivered yet. Tracking "
            "number: TRK6777011666.",
            [],
        ),
        (
            "order_status_inquiry-003",
            "Order #W1000556 is processed and not yet delivered; it is in transit. Its tracking "
            "number is TRK6777011666.",
            [],
        ),
        # M-1: "canceled" is "cancelled"; a word of transit contradicts "delivered"
        (
            "order_status_inquiry-000",
            "Order #W1001333 is delivered or canceled, I can't tell which. Its tracking number is "
            "TRK3118401709.",
            [ANOTHER_STATUS],
        ),
        (
            "order_status_inquiry-000",
            "Order #W1001333 is delivered, or still in transit / out for delivery. Its tracking "
            "number is TRK3118401709.",
            [ANOTHER_STATUS],
        ),
        # the excuse holds in its sentence only: "delivered already" said flat in another fails
        (
            "order_status_inquiry-003",
            "Order #W1000556 is processed. Or delivered already. If not, it should be delivered "
            "soon. Its tracking number is TRK6777011666.",
            [ANOTHER_STATUS],
        ),
        # H-1 for a report: a second, made-up tracking number
        (
            "order_status_inquiry-000",
            "Order #W1001333 is delivered. Its tracking number is TRK3118401709, or TRK3118401790 "
            "if that one does not work.",
            [ANOTHER_TRACKING],
        ),
    ],
)
def test_a_status_report(retail_domain: Any, task: str, told: str, expected: list[str]) -> None:
    verdict = play(retail_domain, task, status_agent(retail_domain, task, told))
    assert reasons(verdict) == expected


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (  # H-3
            "Your most recent order is #W1001444, placed on 2026-08-02. It is still pending: it "
            "has not been processed or shipped yet.",
            [],
        ),
        ("Your most recent order is #W1001444; it is pending or canceled.", [ANOTHER_LATEST]),
        # M-1: a pending order has not left the warehouse
        ("Your most recent order is #W1001444; it is pending and has shipped.", [ANOTHER_LATEST]),
        ("Your most recent order is #W1001444; it is pending and on its way.", [ANOTHER_LATEST]),
        ("Your most recent order is #W1001444; it is pending and will be shipped soon.", []),
    ],
)
def test_the_latest_orders_status(retail_domain: Any, told: str, expected: list[str]) -> None:
    task = "latest_order_status-001"
    verdict = play(retail_domain, task, status_agent(retail_domain, task, told, latest=True))
    assert reasons(verdict) == expected


def test_a_processed_order_that_has_shipped_is_told_right(retail_domain: Any) -> None:
    """M-1: retail's `processed` is "being packed or in transit": "shipped" is its word."""
    task = "order_status_inquiry-003"
    told = (
        "Order #W1000556 is processed: it has shipped and is on its way to you. Its tracking "
        "number is TRK6777011666."
    )
    assert reasons(play(retail_domain, task, status_agent(retail_domain, task, told))) == []


REFUSED = "cancel_processed_refused-000"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "I'm sorry: order #W1000815 has already been processed, so it can no longer be "
            "cancelled.",
            "I understand, but processed orders can no longer be cancelled under our policy. Is "
            "there anything else I can help you with?",
        ),
        (
            "Order #W1000815 is processed, and cancelling it is not permitted now.",
            "I'm sorry, it is too late to cancel a processed order. Is there anything else?",
        ),
    ],
)
def test_a_refusal_in_plain_english_passes(retail_domain: Any, first: str, second: str) -> None:
    """H-2: "can no longer be cancelled", "not permitted", "too late"."""
    turns = [*opening(retail_domain, REFUSED), turn(first), turn(second)]
    verdict = play(retail_domain, REFUSED, ListAgent(turns))
    assert verdict["passed"] is True, reasons(verdict)


def test_an_offer_with_the_reason_no_longer_needed_is_no_refusal(retail_domain: Any) -> None:
    """H-2's other side: "no longer" alone denies nothing; the reason says it."""
    turns = [
        *opening(retail_domain, REFUSED),
        turn("Order #W1000815 is processed. I'll cancel it for you with reason no longer needed."),
    ]
    verdict = play(retail_domain, REFUSED, ListAgent(turns))
    assert verdict["passed"] is False
    assert any("never refused the cancellation" in r for r in reasons(verdict))


def test_a_refused_cancellation_attempt_fails_the_refusal(retail_domain: Any) -> None:
    """M-5: the guard refused the unconfirmed cancellation; it was still tried (and, since
    round 4's M-2, a write attempt the tool refused needs a yes too: the policy rule fails)."""
    turns = [
        *opening(retail_domain, REFUSED),
        cancel("#W1000815"),
        turn(
            "I'm sorry, order #W1000815 is already processed, and only pending orders can be "
            "cancelled, so I cannot cancel it."
        ),
    ]
    verdict = play(retail_domain, REFUSED, ListAgent(turns))
    found = reasons(verdict)
    assert TRIED in found
    assert [r.split(":")[0] for r in found if r != TRIED] == ["policy rule confirm_each_write"]


TRANSFER = "transfer_compensation-000"


def transfer_agent(domain: Any, refusal: str, summary: str, after: str) -> ListAgent:
    return ListAgent(
        [
            *opening(domain, TRANSFER),
            turn(refusal),
            turn(None, ("transfer_to_human_agents", {"summary": summary})),
            turn(after),
        ]
    )


def test_a_refusal_of_compensation_in_plain_english_passes(retail_domain: Any) -> None:
    """H-2: "aren't something I'm permitted to offer"."""
    agent = transfer_agent(
        retail_domain,
        "I'm very sorry about the delay. Unfortunately, partial refunds and compensation for late "
        "deliveries aren't something I'm permitted to offer.",
        "Customer asks for 25% compensation for late delivery of #W1001333.",
        "I have transferred you to a human agent.",
    )
    verdict = play(retail_domain, TRANSFER, agent)
    assert verdict["passed"] is True, reasons(verdict)


def test_a_promise_with_a_denial_word_is_no_refusal(retail_domain: Any) -> None:
    """M-4: "I can't see any reason to deny you the refund; ... approved"."""
    agent = transfer_agent(
        retail_domain,
        "Good news: I can't see any reason to deny you the refund; your 25% compensation is "
        "approved and a colleague will pay it out now.",
        "Approved 25% refund for #W1001333; please pay it out.",
        "A colleague will send your 25% back right away.",
    )
    verdict = play(retail_domain, TRANSFER, agent)
    assert verdict["passed"] is False
    # and its summary hands the human agent the grant (round 4b reads the summary)
    assert reasons(verdict) == [
        GRANTED,
        GRANTED,
        "the transfer's summary tells the human agent the compensation was granted, which the "
        "agent cannot do",
    ]


def test_a_proposal_before_the_orders_look_up_fails_the_decline(retail_domain: Any) -> None:
    """L-1: the cancellation offered and declined before the customer was identified."""
    task = "cancel_declined-000"
    params = retail_domain.task(task)["params"]
    turns = [
        proposal("#W1000223"),
        turn("Understood, nothing is cancelled. For my records, what is your email?"),
        turn(None, ("find_user_id_by_email", {"email": params["email"]})),
        turn(None, ("get_order_details", {"order_id": "#W1000223"})),
    ]
    verdict = play(retail_domain, task, ListAgent(turns))
    assert reasons(verdict) == [EARLY]
    right = [*opening(retail_domain, task), proposal("#W1000223"), turn("Nothing is changed.")]
    assert reasons(play(retail_domain, task, ListAgent(right))) == []


def reasons(verdict: dict[str, Any]) -> list[str]:
    return [f["reason"] for f in verdict["failures"]]


def test_numbers_reads_a_tool_result_and_an_address() -> None:
    result = {
        "order_id": "#W1001222",
        "placed_on": "2026-08-23",
        "tracking_number": "TRK3118401709",
        "items": [{"item_id": "I10204", "price": 75.9, "options": {"capacity": "1.2 l"}}],
        "paid": True,
    }
    numbers = support.numbers
    assert numbers(result) == [75.9, 1.2]
    assert numbers(NEW_ADDRESS) == [73.0, 12.0, 60512.0]
    assert numbers([1, "two", None]) == [1.0, 2.0]


def test_numbers_of_a_row_compiles(mini: Any, tmp_path: Any) -> None:
    """A row of a table (an object) says the numbers of its fields, as a tool's result does."""
    from eigendsl.compiler import compile_domain

    statement = "require any(n in numbers(db.orders[order_id]): n > 0)"
    edit(mini, "checks/main.chk", 'require said "cancelled"', statement)
    compile_domain(mini, tmp_path / "out")


def test_sentences_and_words() -> None:
    sentences, words = support.sentences, support.words
    text = "Order #W1 is processed; it can no longer be cancelled. It cost 214.9!\nAnything else?"
    assert sentences(text) == [
        "Order #W1 is processed;",
        "it can no longer be cancelled.",
        "It cost 214.9!",
        "Anything else?",
    ]
    assert words("TRK3118401709, or TRK-311 (gift_6690)? Don't.") == [
        "TRK3118401709",
        "or",
        "TRK-311",
        "gift_6690",
        "Don't",
    ]
    assert sentences(None) == [] and words(None) == []


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (
            'require any(s in sentences(db.orders[order_id].total): s == "x")',
            "sentences() reads the sentences of a text, such as sentences(m.content); a float is "
            "no text",
        ),
        (
            'require any(w in words(1): w == "x")',
            "words() reads the words of a text, such as words(m.content); an int is no text",
        ),
    ],
)
def test_sentences_and_words_of_no_text_are_compile_errors(
    mini: Any, tmp_path: Any, statement: str, error: str
) -> None:
    from eigendsl.compiler import compile_domain
    from eigendsl.errors import EigenError

    edit(mini, "checks/main.chk", 'require said "cancelled"', statement)
    with pytest.raises(EigenError, match=error.replace("(", r"\(").replace(")", r"\)")):
        compile_domain(mini, tmp_path / "out")
