"""Failure reasons and values as a reader of a verdict gets them: values written as JSON writes
them, what an ``any`` was given, why a ``first(...)`` found nothing, the rule a policy failure
belongs to, and what ``export tau2`` makes of statements that are no tau2 action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eigendsl.support as support
from eigendsl.tau2.rewards import reward_info
from tests.conftest import MINI, copy_spec, edit
from tests.test_verifiers import PARAMS, Domain, cancelled_db, good_dialogue, tool_call, user

ROOT = Path(__file__).resolve().parent.parent

EXPLAINED = """
check explained(order_id: string):
    require any(c in calls where c.tool == "get_order" and c.ok: c.result.status == "cancelled")
    require first(c in calls where c.tool == "set_email").tool == "set_email"
    score 1: said (db.orders[order_id].total * 0)
"""


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    from tests.conftest import compile_to

    root = tmp_path_factory.mktemp("explained")
    spec = copy_spec(MINI, root / "spec")
    main = (spec / "checks" / "main.chk").read_text(encoding="utf-8")
    edit(spec, "checks/main.chk", None, main + EXPLAINED)
    return Domain(compile_to(spec, root / "out"))


def test_values_are_shown_and_kept_as_json_writes_them() -> None:
    # "null is not ['I10301']": JSON's null beside a Python list, and the list kept as a string
    reason = support.compare_reason("x == [i]", "==", None, ["I10301"])
    assert reason == 'x == [i] does not hold: null is not ["I10301"]'
    assert support.compare_values(None, ["I10301"]) == {"left": None, "right": ["I10301"]}
    assert json.dumps(support.compare_values({"a": True}, "text")) == (
        '{"left": {"a": true}, "right": "text"}'
    )


def test_a_whole_database_compared_keeps_only_the_entries_that_differ() -> None:
    db = {"users": {"u1": {"name": "Ann"}}, "orders": {"#1": {"status": "pending"}}}
    gold = {"users": {"u1": {"name": "Ann"}}, "orders": {"#1": {"status": "cancelled"}}}
    assert support.compare_values(db, gold, "db") == {
        "differences": [{"at": 'db.orders["#1"].status', "left": "pending", "right": "cancelled"}]
    }
    gold["orders"]["#2"] = {"status": "pending"}
    assert support.compare_values(db, gold, "db")["differences"][1] == {
        "at": 'db.orders["#2"]',
        "right": {"status": "pending"},
    }


def test_differences_past_the_first_are_counted_not_dropped() -> None:
    """Newcomer Y3's P1: a return's reason named 3 differences (balances, a payment) and said
    nothing of the rest, where the agent's mistakes (the items returned) were."""
    db = {"orders": {"#1": {"a": 1, "b": 1, "c": 1, "items": ["I1"], "method": "card"}}}
    gold = {"orders": {"#1": {"a": 2, "b": 2, "c": 2, "items": ["I1", "I2"], "method": "gift"}}}
    reason = support.compare_reason("db == gold", "==", db, gold, base="db")
    assert reason == (
        'db == gold does not hold: db.orders["#1"].a is 1, expected 2; db.orders["#1"].b is 1, '
        'expected 2; db.orders["#1"].c is 1, expected 2; and 2 more places differ'
    )
    values = support.compare_values(db, gold, "db")
    assert [d["at"] for d in values["differences"]][3:] == [
        'db.orders["#1"].items',
        'db.orders["#1"].method',
    ]
    assert "more" not in values
    many = {"xs": list(range(30))}
    values = support.compare_values(many, {"xs": [0] * 30}, "db")
    assert len(values["differences"]) == support.KEPT_DIFFERENCES and values["more"] == 9


def test_a_failed_any_says_what_each_matching_element_gave(explained: Domain) -> None:
    verdict = explained.v.check("explained").verify(
        explained.trace(good_dialogue(), db=cancelled_db(explained), params=PARAMS)
    )
    reasons = [f.reason for f in verdict.failures]
    assert reasons[0].endswith(
        " does not hold: c.result.status == 'cancelled' is false for "
        'get_order(order_id="#1") ("pending" is not "cancelled")'
        # the DSL's text as render_expr writes it, in either quotes
    ) or reasons[0].endswith(
        ' does not hold: c.result.status == "cancelled" is false for '
        'get_order(order_id="#1") ("pending" is not "cancelled")'
    ), reasons[0]


def test_first_that_found_nothing_says_what_it_looked_for(explained: Domain) -> None:
    verdict = explained.v.check("explained").verify(explained.trace(good_dialogue(), params=PARAMS))
    (failure,) = [f for f in verdict.failures if "set_email" in f.statement]
    assert failure.reason.replace('"', "'") == "no element of calls matches c.tool == 'set_email'"
    empty = explained.v.check("explained").verify(explained.trace([user("hi")], params=PARAMS))
    reasons = [f.reason for f in empty.failures]
    assert reasons[0].endswith(" does not hold: the agent made no tool call")
    assert reasons[1] == "the agent made no tool call"


def test_said_a_number_names_the_ways_it_looks_for() -> None:
    assert support.said_reason("assistant", 0.0, False) == (
        "the agent never said 0 (any number equal to it, such as 0.00)"
    )
    assert support.said_reason("assistant", 68.1, False) == (
        "the agent never said 68.1 (any number equal to it, such as 68.10)"
    )
    assert (
        support.said_reason("assistant", "cancelled", False) == 'the agent never said "cancelled"'
    )


def test_a_said_score_term_of_zero_reads_as_a_number(explained: Domain) -> None:
    verdict = explained.v.check("explained").verify(explained.trace(good_dialogue(), params=PARAMS))
    assert verdict.failures[-1].reason == (
        "the agent never said 0 (any number equal to it, such as 0.00)"
    )


def test_a_policy_rule_failure_starts_with_the_rule_name(mini: Domain) -> None:
    verdict = mini.v.rules.verify(mini.trace(good_dialogue(confirm_first=False)))
    (failure,) = verdict.failures
    assert failure.reason.startswith("policy rule confirm_writes: all(c in calls where c.writes")
    assert failure.reason.endswith(
        'does not hold for cancel_order(order_id="#1", reason="no longer needed")'
    )


@pytest.fixture(scope="module")
def mini(mini_verifiers) -> Domain:  # type: ignore[no-untyped-def]
    return Domain(mini_verifiers)


def test_retail_one_user_per_conversation_holds_when_no_one_was_identified() -> None:
    """A missing identification fails identify_first alone, not also this rule with "no
    element of calls matches"."""
    from tests.conftest import Verifiers

    retail = Domain(Verifiers(ROOT / "generated" / "retail"))
    order = next(iter(retail.seed["orders"]))
    messages = [
        user("Cancel my order."),
        *tool_call("get_order_details", {"order_id": order}, retail.seed["orders"][order]),
    ]
    rules = retail.v.rules.RULES
    assert rules["one_user_per_conversation"](retail.trace(messages)).passed
    assert not rules["identify_first"](retail.trace(messages)).passed
    other = next(u for u in retail.seed["users"] if u != retail.seed["orders"][order]["user_id"])
    wrong = [*tool_call("find_user_id_by_email", {"email": "x@example.com"}, other), *messages[1:]]
    (failure,) = rules["one_user_per_conversation"](retail.trace(wrong)).failures
    assert failure.reason.startswith("policy rule one_user_per_conversation: ")


def verdict_of(*statements: str) -> dict:
    failures = [{"statement": s, "reason": f"reason of {s}"} for s in statements]
    return {"passed": False, "score": 0.0, "failures": failures}


def test_tau2_export_of_native_episodes_names_every_failed_action_statement() -> None:
    """A failed statement about calls that is no `require called` is an action check named by
    its text, so that ACTION 0.0 never comes with no failed action (tau2 computes the part from
    these checks); a `require called` one is its tool."""
    any_call = (
        'require any(c in calls where c.tool == "calculate" and c.ok: c.result == difference)'
    )
    verdict = verdict_of(
        any_call,
        'require called cancel_order(order_id="#1")',
        "forbid called refund",
        'require said "cancelled"',
    )
    info = reward_info(verdict, None, [user("hi")])
    actions = [c["action"] for c in info["action_checks"]]
    assert [a["name"] for a in actions] == [any_call, "cancel_order", "forbid called refund"]
    assert actions[0]["info"] == f"reason of {any_call}"
    assert [a["action_id"] for a in actions] == ["eigendsl-0", "eigendsl-1", "eigendsl-2"]
    assert not any(c["action_match"] or c["action_reward"] for c in info["action_checks"])
    assert info["reward_breakdown"]["ACTION"] == 0.0
    assert info["communicate_checks"] == [
        {
            "info": "cancelled",
            "met": False,
            "justification": 'reason of require said "cancelled"',
        }
    ]
    assert info["reward_breakdown"]["COMMUNICATE"] == 0.0
    assert len(info["info"]["failures"]) == 4


def test_every_failed_part_of_a_retail_export_lists_what_failed_it(retail_domain) -> None:
    """Weak scripted agents on retail: wherever ACTION or COMMUNICATE is 0.0, a check there is
    unmet, and every action check is a tau2 Action (it has an action_id)."""
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.runtime.scripted_user import ScriptedUser
    from eigendsl.tau2.export import export_results

    tasks = retail_domain.tasks[:6]
    rows = [
        row
        for mistake in ("missing_lookup", "skip_confirmation", "wrong_argument")
        for row in run_episodes(
            retail_domain,
            tasks,
            ScriptedAgent(mistakes=(mistake,)),
            ScriptedUser(retail_domain.stop_marker),
        )
    ]
    simulations = export_results(rows)["simulations"]
    parts = {
        "ACTION": ("action_checks", "action_match"),
        "COMMUNICATE": ("communicate_checks", "met"),
        "ENV_ASSERTION": ("env_assertions", "met"),
    }
    failed_parts = 0
    for simulation in simulations:
        reward = simulation["reward_info"]
        for part, (key, met) in parts.items():
            if reward["reward_breakdown"].get(part) == 0.0:
                failed_parts += 1
                assert not all(c[met] for c in reward[key] or []), (part, reward["info"])
        assert all(c["action"]["action_id"] for c in reward["action_checks"] or [])
        # a reward of 0 has a part at 0: tau2's reward is the product of the parts
        assert reward["reward"] == 1.0 or 0.0 in reward["reward_breakdown"].values(), reward
    assert failed_parts >= len(tasks) * 2


def test_a_native_statement_of_no_tau2_kind_fails_the_part_it_reads() -> None:
    """A failed count of calls or fact of the database gave reward 0 with every part at 1.0."""
    count = "require count(c in calls where c.writes and c.ok) == 0"
    status = 'require db.orders[order_id].status == "cancelled"'
    info = reward_info(verdict_of(count, status), None, [user("hi")])
    assert info["reward"] == 0.0
    assert info["reward_breakdown"] == {"ACTION": 0.0, "DB": 1.0, "ENV_ASSERTION": 0.0}
    assert [c["action"]["name"] for c in info["action_checks"]] == [count]
    assert info["env_assertions"] == [
        {
            "env_assertion": {
                "env_type": "assistant",
                "func_name": status,
                "arguments": {},
                "assert_value": True,
                "message": f"reason of {status}",
            },
            "met": False,
            "reward": 0.0,
        }
    ]


def test_a_long_rule_names_the_call_it_failed_for_after_a_cut_expression() -> None:
    """confirm_each_write's 300-character expression hid the call it failed for."""
    from tests.conftest import Verifiers

    retail = Domain(Verifiers(ROOT / "generated" / "retail"))
    order = next(iter(retail.seed["orders"]))
    messages = [
        user("Cancel my order."),
        *tool_call("cancel_pending_order", {"order_id": order, "reason": "ordered by mistake"}),
    ]
    (failure,) = retail.v.rules.RULES["confirm_each_write"](retail.trace(messages)).failures
    assert failure.reason.startswith("policy rule confirm_each_write: all(c in calls")
    assert len(failure.reason) < 240  # 100 of them the expression
    assert failure.reason.endswith(
        f' ... does not hold for cancel_pending_order(order_id="{order}", '
        'reason="ordered by mistake")'
    )


def test_tau2_export_takes_said_statements_as_what_they_want_said_and_others_whole() -> None:
    """A `said X` statement is a communicate check of X; a policy rule that is no `said X` is one
    of its whole text (not a cut of it such as '"yes" before c)'), so COMMUNICATE 0.0 lists it."""
    rule = 'require all(c in calls where c.writes: user_said "yes" before c)'
    verdict = verdict_of(rule, "score 0.5: said abs(difference)")
    info = reward_info(verdict, None, [user("hi")])
    assert [c["info"] for c in info["communicate_checks"]] == [rule, "abs(difference)"]
    alone = reward_info(verdict_of(rule), None, [])
    assert alone["reward_breakdown"] == {"COMMUNICATE": 0.0, "DB": 1.0}
    assert alone["communicate_checks"] == [
        {"info": rule, "met": False, "justification": f"reason of {rule}"}
    ]


DIVIDED = """
rule shares:
    require 5 % len(calls) == 1
check divided(order_id: string):
    use shares
    let calls_left = len(calls) - len(calls)
    require db.orders[order_id].total / calls_left > 0
    require round(db.orders[order_id].total / 2, 1) == 10.0
"""


def test_a_division_by_zero_names_the_division_and_its_divisor(tmp_path: Path) -> None:
    """Not Python's bare "division by zero": which division of the statement, and which
    divisor was 0; a divisor written as a number other than 0 is divided as before."""
    from tests.conftest import compile_to

    spec = copy_spec(MINI, tmp_path / "spec")
    main = (spec / "checks" / "main.chk").read_text(encoding="utf-8")
    edit(spec, "checks/main.chk", None, main + DIVIDED)
    divided = Domain(compile_to(spec, tmp_path / "out"))
    verdict = divided.v.check("divided").verify(divided.trace([user("hi")], params=PARAMS))
    assert [(f.line, f.reason) for f in verdict.failures] == [
        (
            20,
            "policy rule shares: 5 % len(calls) could not be evaluated: its divisor, len(calls), "
            "is 0",
        ),
        (
            24,
            "db.orders[order_id].total / calls_left could not be evaluated: its divisor, "
            "calls_left, is 0",
        ),
    ]
    code = (divided.v.out / "verifiers" / "check_divided.py").read_text(encoding="utf-8")
    assert "['total'] / 2, 1)" in code


def test_a_judge_models_finding_quotes_the_assertion_as_the_dsl_writes_it() -> None:
    """Python's quotes (``'the agent apologized'``) were the one reason that used them."""
    reason = support.judge_reason("the agent was calm", False)
    assert reason == 'the judge model found this not met: "the agent was calm"'
    assert support.judge_reason("calm", None) == support.NOT_JUDGED


def test_calls_were_keeps_the_order_each_call_gave_its_arguments() -> None:
    """Read from the model's message, as a verifier reads a trace: not sorted by name."""
    call = {
        "id": "c1",
        "type": "function",
        "function": {
            "name": "exchange",
            "arguments": '{"order_id": "#2", "item_ids": ["I1"], "new_item_ids": ["I9"]}',
        },
    }
    trace = support.Trace.from_messages(
        [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"error": "order is not yours"}'},
        ],
        db={},
    )
    wanted = {"order_id": "#1", "item_ids": ["I1"], "new_item_ids": ["I9"]}
    assert support.explain_called(trace.calls, "exchange", wanted) == (
        'exchange(order_id="#1", item_ids=["I1"], new_item_ids=["I9"]) was never called '
        'successfully; calls were: exchange(order_id="#2", item_ids=["I1"], new_item_ids=["I9"]) '
        "failed: order is not yours"
    )


def test_unchanged_names_the_changed_place_from_its_path() -> None:
    now = {"u1": {"payment_methods": {"gift_1": {"balance": 5.0}}}}
    before = {"u1": {"payment_methods": {"gift_1": {"balance": 9.5}}}}
    assert support.changed_reason("db.users", now, before) == (
        'db.users changed: db.users["u1"].payment_methods.gift_1.balance is 5.0, expected 9.5'
    )
    assert support.diff([{"id": "a"}], [{"id": "b"}], "order.items") == [
        'order.items[0].id is "a", expected "b"'
    ]


def test_a_tasks_row_problem_names_its_place_as_the_dsl_does() -> None:
    from eigendsl.runtime.task_rows import _where

    assert _where(("user", "known", "order id")) == 'user.known["order id"]'
    assert _where(("gold", 0, "args")) == "gold[0].args"
