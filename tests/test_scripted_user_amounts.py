"""A proposal that states a refund or a charge the task's gold writes do not move ("I'll refund
$500.00" for a $193.99 return) is asked about, not agreed to: a customer knows what it paid.
Honest proposals keep their yes: no amount, the right one, an item's price, a balance."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.turns import AgentTurn
from eigendsl.runtime.user_amounts import told_amounts, wrong_amount
from tests.hand_agents import ListAgent, play_row, turn

HANA = "return-hana-two-items-gift-card"  # #W1000149: lamp 149.00 + speaker 44.99 to gift_6690
HANA_RETURN = (
    "I can return the Arc LED Desk Lamp (matte black, tunable) and the Pocket Bluetooth Speaker "
    "(teal, carabiner) from order #W1000149, with a refund of {amount} to gift card gift_6690"
)
HANA_SAYS = "The return is requested. 193.99 went to gift card gift_6690, now at 313.99."
ODILE = "exchange-odile-backpack-gift-card"  # #W1000001: I10701 (110.00) for I10705 (142.50)
ODILE_EXCHANGE = (
    "I can exchange the Commuter Backpack (18 l, black) for the Commuter Backpack (30 l, black) "
    "in order #W1000001, with the difference of {amount} charged to gift card gift_6207"
)
ODILE_SAYS = "Done: the exchange is requested, and $32.50 was charged to gift_6207."
WRONG = "doesn't look right to me"


def _turns(
    domain: Any, task_id: str, proposals: list[str], says: str, *reads: tuple[str, dict[str, Any]]
) -> list[AgentTurn]:
    """The task's gold plan as turns: the email asked first, the calls ``reads`` and
    ``proposals`` in turn before the write, ``says`` after it."""
    turns = [turn("Could you give me your email?")]
    for step in domain.task(task_id)["gold"]:
        if "say" in step:
            turns.append(turn(says))
            continue
        if domain.tools[step["tool"]].writes:
            turns += [turn(None, read) for read in reads] + [turn(p) for p in proposals]
        turns.append(turn(None, (step["tool"], step["args"])))
    return turns


def _play(
    domain: Any, task_id: str, proposals: list[str], says: str, *reads: tuple[str, dict[str, Any]]
):
    """The judged row and the user's replies of an episode whose agent follows the gold plan."""
    row = play_row(domain, task_id, ListAgent(_turns(domain, task_id, proposals, says, *reads)))
    return row, [m["content"] for m in row["messages"] if m["role"] == "user"]


@pytest.mark.parametrize(
    ("task_id", "proposal", "says"),
    [
        (HANA, HANA_RETURN.format(amount="193.99") + ". Shall I proceed?", HANA_SAYS),
        (HANA, HANA_RETURN.format(amount="$193.99") + ". Shall I proceed?", HANA_SAYS),
        (  # no amount at all
            HANA,
            HANA_RETURN.replace(", with a refund of {amount}", ", refunded").format()
            + ". Shall I proceed?",
            HANA_SAYS,
        ),
        (  # the items' prices, what the order cost, the card's balance before and after
            HANA,
            HANA_RETURN.format(amount="$193.99 ($149.00 + $44.99 of the $359.49 you paid)")
            + "; its balance of $120.00 becomes $313.99. Shall I proceed?",
            HANA_SAYS,
        ),
        (  # the new variant's price, which only the product's row holds
            ODILE,
            ODILE_EXCHANGE.format(amount="$32.50 ($142.50 less the $110.00 you paid)")
            + ". Shall I proceed?",
            ODILE_SAYS,
        ),
    ],
)
def test_an_honest_proposal_gets_a_yes(
    retail_domain: Any, task_id: str, proposal: str, says: str
) -> None:
    row, replies = _play(retail_domain, task_id, [proposal], says)
    assert replies[2].lower().startswith("yes"), replies[2]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]


@pytest.mark.parametrize(
    ("task_id", "proposal", "amount"),
    [
        (HANA, HANA_RETURN.format(amount="$500.00") + ". Shall I proceed?", "500.00"),
        (HANA, HANA_RETURN.format(amount="USD 54.00") + ". Shall I proceed? (yes/no)", "54.00"),
        (HANA, HANA_RETURN.format(amount="$193.99 ($139.00 + $54.99)") + ". Ok?", "139.00"),
        (ODILE, ODILE_EXCHANGE.format(amount="$5") + ". Shall I proceed?", "5.00"),
    ],
)
def test_a_proposal_of_a_wrong_amount_is_asked_about(
    retail_domain: Any, task_id: str, proposal: str, amount: str
) -> None:
    right = (HANA_RETURN if task_id == HANA else ODILE_EXCHANGE).format(amount="$193.99")
    if task_id == ODILE:
        right = ODILE_EXCHANGE.format(amount="$32.50")
    says = HANA_SAYS if task_id == HANA else ODILE_SAYS
    _, replies = _play(retail_domain, task_id, [proposal, right + ". Shall I proceed?"], says)
    assert replies[2] == (
        f"Hmm, {amount} doesn't look right to me. Could you check the amount, then ask me again?"
    )
    assert replies[3].lower().startswith("yes"), replies[3]  # the right amount, asked again


def test_a_wrong_amount_proposed_again_and_again_ends_the_conversation(retail_domain: Any) -> None:
    wrong = HANA_RETURN.format(amount="$500.00") + ". Shall I proceed?"
    _, replies = _play(retail_domain, HANA, [wrong, wrong, wrong], HANA_SAYS)
    assert WRONG in replies[2] and replies[3].startswith("As I said, 500.00"), replies[3]
    assert replies[4] == (
        "I've already told you twice that 500.00 doesn't look right, so I'll end the "
        "conversation here. ###STOP###"
    )


SHOE = ". A Trailhead Running Shoe in moss would be $104.25 if you want one later. Shall I proceed?"


def test_a_price_a_tool_gave_the_agent_is_one_the_user_accounts_for(retail_domain: Any) -> None:
    proposal = HANA_RETURN.format(amount="$193.99") + SHOE
    product = ("get_product_details", {"product_id": "P101"})
    row, replies = _play(retail_domain, HANA, [proposal], HANA_SAYS, product)
    assert replies[2].lower().startswith("yes"), replies[2]
    assert row["verdict"]["score"] == 1.0, row["verdict"]["failures"]
    _, replies = _play(retail_domain, HANA, [proposal], HANA_SAYS)  # not looked up: made up
    assert WRONG in replies[2], replies[2]
    calculated = ("calculate", {"expression": "104.25 + 0"})  # says back what the agent wrote
    _, replies = _play(retail_domain, HANA, [proposal], HANA_SAYS, calculated)
    assert WRONG in replies[2], replies[2]


class _Env:
    def __init__(self, domain: Any, messages: list[dict[str, Any]]) -> None:
        self.domain, self.messages = domain, messages


class _Episode:
    def __init__(self, domain: Any, task_id: str, messages: list[dict[str, Any]]) -> None:
        self.task, self.env = domain.task(task_id), _Env(domain, messages)


def test_the_gold_write_is_replayed_once_and_only_for_an_amount_not_told(
    retail_domain: Any,
) -> None:
    episode = _Episode(retail_domain, HANA, [])
    assert 193.99 in told_amounts(episode)  # the task's parameter
    cache: dict[str, set[float]] = {}
    assert wrong_amount("Refund 193.99 to gift_6690?", episode, cache) is None
    assert cache == {}
    assert wrong_amount("Refund 44.99 to gift_6690?", episode, cache) is None  # a price
    assert 120.0 in cache["gold"] and 313.99 in cache["gold"]  # the card's balance
    assert wrong_amount("Refund 193.98 to gift_6690?", episode, cache) == 193.98


def test_small_whole_numbers_without_a_currency_count_things(retail_domain: Any) -> None:
    episode = _Episode(retail_domain, HANA, [])
    assert wrong_amount("Return the 2 items, 3 to 5 days, in 1 parcel?", episode, {}) is None
    assert wrong_amount("Return the 2 items for 3 dollars?", episode, {}) == 3.0


def test_a_house_number_is_no_amount() -> None:
    """An address's house number in a proposal ("instead of 610 Bellflower Street") is no money
    the user has to account for: the change of address gets its yes (the full suite caught the
    user asking "610.00 doesn't look right" of it)."""
    from eigendsl.runtime.user_amounts import _stated

    assert (
        _stated("Ship order #W1000260 to 73 Orchard Gate instead of 610 Bellflower Street?") == []
    )
    assert _stated("Refund $610 or 610.00 or 610 dollars?") == [610.0, 610.0, 610.0]
