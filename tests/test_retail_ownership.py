"""Retail's writes hold the identified customer's own records (review finding M-2).

A write on another customer's order used to reach the guard's state condition: a processed
order's refusal told the agent its status ("Only pending orders can be cancelled"), a pending
one's was cancelled, and `one_user_per_conversation` read only the calls that ran, so the
attempt cost nothing. Each hack is played as the review played it: the gold scripted agent
against the scripted user, one of its turns edited.
"""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn

CANCEL_TASK = "cancel_pending-000"  # Leona cancels her pending order #W1001222
ADDRESS_TASK = "update_user_address-000"  # Nadia changes her account address
NOT_HERS = "This order is not on the identified customer's account"
NOT_THEIRS = "This user id is not the identified customer's"
RULE = "policy rule one_user_per_conversation: "


class Rewriting:
    """The gold scripted agent, each turn passed through ``edit(turn) -> turn``."""

    name = "rewriting"

    def __init__(self, edit: Any):
        self.inner, self.edit = ScriptedAgent(), edit

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        return [self.edit(turn) for turn in self.inner.act(episodes)]


def play(domain: Any, task_id: str, edit: Any = lambda turn: turn) -> dict[str, Any]:
    user = ScriptedUser(domain.stop_marker)
    (row,) = run_episodes(domain, [domain.task(task_id)], Rewriting(edit), user)
    return row


def also_call(tool: str, args: dict[str, Any]) -> Any:
    """An edit that sends ``tool(args)`` first in the turn that makes the gold write of ``tool``."""

    def edit(turn: AgentTurn) -> AgentTurn:
        if any(c["name"] == tool for c in turn.tool_calls):
            extra = {"name": tool, "arguments": args}
            return AgentTurn(content=turn.content, tool_calls=[extra, *turn.tool_calls])
        return turn

    return edit


def tool_texts(row: dict[str, Any]) -> list[str]:
    return [m["content"] for m in row["messages"] if m["role"] == "tool"]


def rule_failures(row: dict[str, Any]) -> list[str]:
    return [f["reason"] for f in row["verdict"]["failures"] if f["reason"].startswith(RULE)]


def other_order(domain: Any, status: str, owner: str) -> str:
    orders = domain.seed["orders"]
    return next(
        k for k, o in sorted(orders.items()) if o["status"] == status and o["user_id"] != owner
    )


@pytest.fixture(scope="module")
def leona(retail_domain: Any) -> str:
    return str(retail_domain.task(CANCEL_TASK)["params"]["user_id"])


def test_gold_cancel_and_address_episodes_still_pass(retail_domain: Any) -> None:
    for task_id in (CANCEL_TASK, ADDRESS_TASK):
        row = play(retail_domain, task_id)
        assert row["verdict"]["passed"], (task_id, row["verdict"]["failures"])


def test_a_refused_cancel_of_another_customers_order_fails_and_tells_nothing_of_it(
    retail_domain: Any, leona: str
) -> None:
    """The review's H20: a processed order of Rufus's, cancelled beside Leona's own."""
    processed = other_order(retail_domain, "processed", leona)
    edit = also_call("cancel_pending_order", {"order_id": processed, "reason": "no longer needed"})
    row = play(retail_domain, CANCEL_TASK, edit)
    refusal = next(t for t in tool_texts(row) if t.startswith("Error:"))
    assert NOT_HERS in refusal
    assert "pending" not in refusal and "processed" not in refusal  # no state of that order
    assert not row["verdict"]["passed"]
    (reason,) = set(rule_failures(row))  # one reason, perhaps once per verifier
    assert f'cancel_pending_order(order_id="{processed}"' in reason


def test_a_pending_order_of_another_customer_is_not_cancelled(
    retail_domain: Any, leona: str
) -> None:
    """Had the other order been pending, the write used to run."""
    pending = other_order(retail_domain, "pending", leona)
    edit = also_call("cancel_pending_order", {"order_id": pending, "reason": "no longer needed"})
    row = play(retail_domain, CANCEL_TASK, edit)
    assert any(NOT_HERS in t for t in tool_texts(row))
    assert not row["verdict"]["passed"] and rule_failures(row)
    env = Environment(retail_domain, retail_domain.task(CANCEL_TASK))
    env.call_tool("find_user_id_by_email", {"email": "leona.marsh@inbox.example"})
    text, ok = env.call_tool(
        "cancel_pending_order", {"order_id": pending, "reason": "no longer needed"}
    )
    assert not ok and NOT_HERS in text
    assert env.db["orders"][pending]["status"] == "pending"


def test_another_customers_account_address_is_refused_and_fails_the_rule(
    retail_domain: Any,
) -> None:
    task = retail_domain.task(ADDRESS_TASK)
    other = next(u for u in sorted(retail_domain.seed["users"]) if u != task["params"]["user_id"])
    address = dict(task["params"]["new_address"])
    row = play(
        retail_domain, ADDRESS_TASK, also_call("modify_user_address", {"user_id": other, **address})
    )
    assert any(NOT_THEIRS in t for t in tool_texts(row))
    assert retail_domain.seed["users"][other]["address"] != address  # nothing written there
    assert not row["verdict"]["passed"]
    assert any(f'user_id="{other}"' in r for r in rule_failures(row))


def test_a_mistyped_order_id_the_agent_corrects_fails_nothing(retail_domain: Any) -> None:
    """An id that names no order is no other customer's; nor is one the schema refused."""
    for wrong in ("#W9999999", ["#W1001222"]):
        edit = also_call("cancel_pending_order", {"order_id": wrong, "reason": "no longer needed"})
        row = play(retail_domain, CANCEL_TASK, edit)
        assert sum(t.startswith("Error:") for t in tool_texts(row)) == 1
        assert row["verdict"]["passed"], (wrong, row["verdict"]["failures"])


def test_a_write_before_anyone_is_identified_is_refused(retail_domain: Any) -> None:
    env = Environment(retail_domain, retail_domain.task(CANCEL_TASK))
    text, ok = env.call_tool(
        "cancel_pending_order", {"order_id": "#W1001222", "reason": "no longer needed"}
    )
    assert not ok and "No customer is identified yet" in text
    assert env.db["orders"]["#W1001222"]["status"] == "pending"
