"""Verdicts of generated verifiers on traces built from OpenAI-format messages.

The mini fixture's check ``cancelled``, its rules and its guard, then the ``features`` golden
spec's checks for quantifiers, text matching and collections.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from eigendsl.support import GuardFault, Trace
from tests.conftest import FIXTURES, MINI, Verifiers, compile_to, copy_spec, edit

_ids = itertools.count(1)


def tool_call(
    name: str, args: dict[str, Any], result: Any = "ok", error: str | None = None
) -> list[dict[str, Any]]:
    """An assistant message calling ``name`` and the tool's answer."""
    call_id = f"call_{next(_ids)}"
    return [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call_id,
            "content": json.dumps({"error": error}) if error else json.dumps(result),
        },
    ]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def agent(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


class Domain:
    """A compiled domain: its verifiers, seed database and tool metadata."""

    def __init__(self, verifiers: Verifiers):
        self.v = verifiers
        self.seed = json.loads((verifiers.out / "db.json").read_text())["tables"]
        self.meta = json.loads((verifiers.out / "tools.json").read_text())["meta"]

    def db(self) -> dict[str, Any]:
        return copy.deepcopy(self.seed)

    def trace(
        self,
        messages: list[dict[str, Any]],
        db: dict[str, Any] | None = None,
        gold: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Trace:
        final = db if db is not None else self.db()
        return Trace.from_messages(
            messages,
            db=final,
            initial=self.db(),
            gold=gold if gold is not None else final,
            params=params or {},
            tools=self.meta,
        )


@pytest.fixture(scope="module")
def mini(mini_verifiers: Verifiers) -> Domain:
    return Domain(mini_verifiers)


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    spec = FIXTURES / "golden" / "features" / "spec"
    return Domain(compile_to(spec, tmp_path_factory.mktemp("features_out")))


# ---------------------------------------------------------------------------- mini: cancelled

PARAMS = {"order_id": "#1", "reason": "no longer needed", "email": "ann@example.com"}


def cancelled_db(mini: Domain) -> dict[str, Any]:
    db = mini.db()
    db["orders"]["#1"]["status"] = "cancelled"
    return db


def good_dialogue(
    reason: str = "no longer needed", confirm_first: bool = True
) -> list[dict[str, Any]]:
    confirm = [agent("Order #1 is pending. Shall I cancel it?"), user("Yes, please.")]
    return [
        user("Hi, I want to cancel order #1, I no longer need it. My email is ann@example.com."),
        *tool_call("find_user", {"email": "ann@example.com"}, "u1"),
        *tool_call("get_order", {"order_id": "#1"}, {"order_id": "#1", "status": "pending"}),
        *(confirm if confirm_first else []),
        *tool_call("cancel_order", {"order_id": "#1", "reason": reason}, {"status": "cancelled"}),
        *([] if confirm_first else confirm),
        agent("Done: your order #1 is now CANCELLED."),
    ]


def test_passing_trace(mini: Domain) -> None:
    db = cancelled_db(mini)
    trace = mini.trace(good_dialogue(), db=db, gold=cancelled_db(mini), params=PARAMS)
    verdict = mini.v.check("cancelled").verify(trace)
    assert (verdict.name, verdict.passed, verdict.score, verdict.failures) == (
        "cancelled",
        True,
        1.0,
        [],
    )
    policy = mini.v.rules.verify(trace)
    assert (policy.name, policy.passed, policy.score) == ("policy", True, 1.0)


def test_wrong_argument_names_the_values_and_the_dsl_position(mini: Domain) -> None:
    trace = mini.trace(
        good_dialogue(reason="ordered by mistake"),
        db=cancelled_db(mini),
        gold=cancelled_db(mini),
        params=PARAMS,
    )
    verdict = mini.v.check("cancelled").verify(trace)
    assert not verdict.passed
    assert verdict.score == 0.5  # failed, but the soft `score` term held: 1/2 of its share
    (failure,) = verdict.failures
    assert failure.statement == "require called cancel_order(order_id=order_id, reason=reason)"
    assert failure.reason == (
        'cancel_order(order_id="#1", reason="no longer needed") was never called successfully; '
        'calls were: cancel_order(order_id="#1", reason="ordered by mistake")'
    )
    assert (failure.path, failure.line, failure.col) == ("mini/checks/main.chk", 13, 5)
    assert str(failure).startswith('mini/checks/main.chk:13:5: cancel_order(order_id="#1"')
    assert failure.to_dict()["line"] == 13


def test_a_failed_call_does_not_count(mini: Domain) -> None:
    dialogue = good_dialogue()
    cancel_result = next(
        i for i, m in enumerate(dialogue) if m["role"] == "tool" and "cancelled" in m["content"]
    )
    dialogue[cancel_result]["content"] = json.dumps({"error": "order is not pending"})
    trace = mini.trace(dialogue, db=cancelled_db(mini), gold=cancelled_db(mini), params=PARAMS)
    assert trace.calls[-1].error == "order is not pending"
    failures = mini.v.check("cancelled").verify(trace).failures
    assert [f.line for f in failures] == [13]
    assert failures[0].reason.endswith(
        'calls were: cancel_order(order_id="#1", reason="no longer needed") '
        "failed: order is not pending"
    )


def test_db_differs_from_gold_names_the_row_and_field(mini: Domain) -> None:
    # The agent said it cancelled, but never did: the final db still has the order pending.
    dialogue = [m for m in good_dialogue() if "cancel_order" not in json.dumps(m)]
    trace = mini.trace(dialogue, db=mini.db(), gold=cancelled_db(mini), params=PARAMS)
    verdict = mini.v.check("cancelled").verify(trace)
    reasons = {f.line: f.reason for f in verdict.failures}
    assert (
        reasons[12] == 'db == gold does not hold: db.orders["#1"].status is "pending", '
        'expected "cancelled"'
    )
    assert (
        reasons[14] == 'db.orders[order_id].status == "cancelled" does not hold: "pending" is not '
        '"cancelled"'
    )
    assert reasons[13].startswith(
        'cancel_order(order_id="#1", reason="no longer needed") was never called '
        "(calls made: find_user, get_order)"
    )
    # a whole database compared: only the entries that differ, not two dumps of it
    assert verdict.failures[0].values == {
        "differences": [{"at": 'db.orders["#1"].status', "left": "pending", "right": "cancelled"}]
    }
    assert reasons[14] and verdict.failures[2].values == {"left": "pending", "right": "cancelled"}


def test_unchanged(mini: Domain) -> None:
    db = cancelled_db(mini)
    db["users"]["u2"]["email"] = "bob@evil.example"
    trace = mini.trace(good_dialogue(), db=db, gold=db, params=PARAMS)
    (failure,) = mini.v.check("cancelled").verify(trace).failures
    assert failure.statement == "unchanged db.users"
    assert (
        failure.reason == 'db.users changed: db.users["u2"].email is "bob@evil.example", '
        'expected "bob@example.com"'
    )
    assert (failure.line, failure.col) == (16, 5)


def test_score_weights(mini: Domain) -> None:
    # The soft `score 0.5` term is missed: still passed, score (1 + 0) / 2.
    dialogue = [m for m in good_dialogue() if "get_order" not in json.dumps(m)]
    trace = mini.trace(dialogue, db=cancelled_db(mini), gold=cancelled_db(mini), params=PARAMS)
    verdict = mini.v.check("cancelled").verify(trace)
    assert verdict.passed
    assert verdict.score == 0.5
    (failure,) = verdict.failures
    assert failure.statement == "score 0.5: called get_order(order_id=order_id)"
    assert (
        failure.reason
        == 'get_order(order_id="#1") was never called (calls made: cancel_order, find_user)'
    )


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("Your order is cancelled.", True),
        ("CANCELLED!", True),
        ("it is can,celled now", True),
        ("I cancel it", False),
        ("cancel-led", False),
    ],
)
def test_said_is_case_insensitive_and_ignores_commas(mini: Domain, text: str, passes: bool) -> None:
    dialogue = good_dialogue()[:-1] + [agent(text)]
    trace = mini.trace(dialogue, db=cancelled_db(mini), gold=cancelled_db(mini), params=PARAMS)
    verdict = mini.v.check("cancelled").verify(trace)
    assert verdict.passed is passes
    if not passes:
        assert [f.reason for f in verdict.failures] == ['the agent never said "cancelled"']


@pytest.mark.parametrize(
    ("text", "value", "passes"),
    [
        ("Your refund of $40.00 is on its way.", 40.0, True),
        ("The balance is 1,093.34.", 1093.34, True),
        ("A new balance of 317.5 dollars.", 350.0 - 32.5000000001, True),
        ("The difference is -5.", -5, True),
        ("Loan L5017 is returned.", 0.0, False),  # the digits of an id say no number
        ("Order #W1000149 is pending.", 100.0, False),
        ("It is due on 2025-12-01.", 20.0, False),  # nor those of a longer number
        ("The difference is 5.", -5, False),
        ("You paid 40.5 for it.", 40.0, False),
        # nor the parts of a date, a time or a phone number (a check passed on a date read out)
        ("Your contract ends on 2025-10-14.", 14.0, False),
        ("It is 14:00 now.", 14.0, False),
        ("Call 555-14-00 for help.", 14.0, False),
        ("You have 14.0 GB left, until 2025-10-14.", 14.0, True),
        # nor an id's digits after a dash, nor a number an id's label names
        ("Refill requested for rx_805, reference R-0.", 0, False),
        ("Your plan id 25 covers it.", 25.0, False),
        ("Order #5 is here.", 5, False),
        ("You have 0 refills left.", 0, True),
        # a decimal comma is a point; a thousands separator is no decimal comma
        ("Copay: 25,0 EUR.", 25.0, True),
        ("Copay: 25,0 EUR.", 250, False),
        ("Copay: 12,50 EUR.", 12.5, True),
        ("The balance is 1,093.", 1093, True),
    ],
)
def test_said_a_number_needs_that_number(text: str, value: float, passes: bool) -> None:
    """A number is said as a number of its own: ``said total`` of 0.0 passed on any "0" before."""
    from eigendsl.support import Trace, said, said_positions

    trace = Trace.from_messages([user("hi"), agent(text)], db={})
    assert said(trace, "assistant", value) is passes
    assert said_positions(trace, "assistant", value) == ([1] if passes else [])


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("Your stay starts on 2025-06-10.", True),
        ("Your stay starts on Tuesday, June 10, 2025.", True),
        ("Check-in is Jun. 10th.", True),
        ("That is the 10th of June.", True),
        ("Check-in: 10 June 2025.", True),
        ("Check-in is on June 10, 2024.", False),  # another year: another day
        ("Check-in is June 1, 2025.", False),
        ("Room 10 in June.", False),
        ("The rate changes on June 100.", False),
    ],
)
def test_said_a_day_takes_it_as_written_or_in_words(text: str, passes: bool) -> None:
    """A day is said as the agent would say it: a check on a check-in date failed on "June 10"."""
    from eigendsl.support import Trace, said

    trace = Trace.from_messages([user("hi"), agent(text)], db={})
    assert said(trace, "assistant", "2025-06-10") is passes


@pytest.mark.parametrize(
    ("text", "value", "passes"),
    [
        # an ISO date and time says its day and its time (it said neither)
        ("Booked on 2025-06-10T15:00.", "2025-06-10", True),
        ("Booked on 2025-06-10T15:00.", "15:00", True),
        ("Booked on June 10 at 15:00.", "15:00", True),
        ("Booked on June 10 at 3pm.", "15:00", True),
        ("Booked on June 10 at 3:00 P.M.", "15:00", True),
        ("Booked for 9:30 am.", "09:30", True),
        ("Booked for 09:30.", "09:30", True),
        ("Booked for noon.", "12:00", True),
        ("Booked on June 10 at 3 am.", "15:00", False),
        ("Booked on June 10 at 13:00.", "15:00", False),
        ("Booked on June 10 at 3.", "15:00", False),
        ("Booked at 15:001.", "15:00", False),
    ],
)
def test_said_a_time_or_a_date_and_time(text: str, value: str, passes: bool) -> None:
    from eigendsl.support import Trace, said

    trace = Trace.from_messages([user("hi"), agent(text)], db={})
    assert said(trace, "assistant", value) is passes


@pytest.mark.parametrize(
    ("text", "said_text", "passes"),
    [
        ("Yes, please go ahead.", "yes", True),
        ("yes!", "yes", True),
        ("I placed it yesterday.", "yes", False),  # a confirmation rule passed on "yesterday"
        ("Eyes on it.", "yes", False),
        ("The line is still inactive.", "active", False),
        ("The line is active again.", "active", True),
        ("Your latest order FD-10150 was replaced.", "FD-1015", False),
        ("Your latest order FD-1015 was placed.", "FD-1015", True),
        ("It was replaced.", "placed", False),
        ("It ends on 2025-06-111.", "2025-06-11", False),
        ("It costs $40 today.", "$40", True),
        ("Order #W1 is here", "#W1", True),
        ("It is out for delivery.", "out_for_delivery", True),  # an enum's value, said in words
        ("It is out_for_delivery.", "out_for_delivery", True),
        ("It is out for delivery_fee.", "out_for_delivery", False),
        # words joined by `_`, `-` or spaces, joined by any of them
        ("It is out-for-delivery.", "out_for_delivery", True),
        ("It is out for delivery.", "out-for-delivery", True),
        ("It is out_for_delivery.", "out for delivery", True),
        ("Call 555 123 4567.", "555-123-4567", True),
        ("Your order FD 10150 was replaced.", "FD-1015", False),
    ],
)
def test_said_text_is_said_as_words_of_its_own(text: str, said_text: str, passes: bool) -> None:
    """Not inside a longer word or number: the README's `user_said "yes"` rule passed writes no
    one confirmed when the user said "yesterday"."""
    from eigendsl.support import Trace, said

    trace = Trace.from_messages([user(text), agent(text)], db={})
    assert said(trace, "user", said_text) is passes
    assert said(trace, "assistant", said_text) is passes


def test_support_doctests() -> None:
    import doctest

    from eigendsl import support

    assert doctest.testmod(support).failed == 0


def test_said_reads_only_the_agent(mini: Domain) -> None:
    dialogue = good_dialogue()[:-1] + [user("so it is cancelled?"), agent("Bye.")]
    trace = mini.trace(dialogue, db=cancelled_db(mini), gold=cancelled_db(mini), params=PARAMS)
    assert not mini.v.check("cancelled").verify(trace).passed


# ---------------------------------------------------------------------------- mini: rules, guard


def rule(mini: Domain, name: str, messages: list[dict[str, Any]]):
    return mini.v.rules.RULES[name](mini.trace(messages))


def test_before_identify_first(mini: Domain) -> None:
    lookup = tool_call("find_user", {"email": "a"}, "u1")
    read = tool_call("get_order", {"order_id": "#1"}, {})
    assert rule(mini, "identify_first", [user("hi"), *lookup, *read]).passed
    # B never happens: A before B holds.
    assert rule(mini, "identify_first", [user("hi"), agent("hello")]).passed
    wrong_order = rule(mini, "identify_first", [user("hi"), *read, *lookup])
    assert not wrong_order.passed
    assert wrong_order.reasons == [
        'policy rule identify_first: called find_user before first(c in calls where "account" '
        "in c.tags) does not hold"
    ]
    assert (wrong_order.failures[0].line, wrong_order.failures[0].col) == (5, 5)
    # A failed lookup does not identify the user.
    failed_lookup = tool_call("find_user", {"email": "a"}, error="no such user")
    assert not rule(mini, "identify_first", [user("hi"), *failed_lookup, *read]).passed


def test_before_confirm_writes_names_the_call(mini: Domain) -> None:
    assert rule(mini, "confirm_writes", good_dialogue()).passed
    late = rule(mini, "confirm_writes", good_dialogue(confirm_first=False))
    assert not late.passed
    assert late.reasons == [
        'policy rule confirm_writes: all(c in calls where c.writes: user_said "yes" before c) '
        'does not hold for cancel_order(order_id="#1", reason="no longer needed")'
    ]
    # Reads need no confirmation.
    assert rule(mini, "confirm_writes", [*tool_call("get_order", {"order_id": "#1"})]).passed


def test_policy_combines_the_rules(mini: Domain) -> None:
    verdict = mini.v.rules.verify(mini.trace(good_dialogue(confirm_first=False)))
    assert (verdict.name, verdict.passed, verdict.score) == ("policy", False, 0.5)
    assert len(verdict.failures) == 1


def test_guard_returns_its_message(mini: Domain) -> None:
    guard = mini.v.guards.GUARDS["cancel_order"]
    assert guard(Trace(db=mini.db()), {"order_id": "#1", "reason": "no longer needed"}) is None
    assert guard(Trace(db=mini.db()), {"order_id": "#2"}) == "Only pending orders can be cancelled"
    # An order that does not exist fails the guard with the reason, not the `else` message.
    assert guard(Trace(db=mini.db()), {"order_id": "#9"}) == "orders has no row with key '#9'"


def test_an_optional_field_a_row_leaves_out_reads_as_null(tmp_path: Path) -> None:
    """A field the schema makes optional ("may be missing or null") that a row lacks reads as
    null, in a guard and in a check; it raised KeyError (a fault of the spec's guard, a check's
    "missing entry 'promo_code'"). A required field a row lacks stays an error."""
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(
        spec,
        "domain.yaml",
        "        total: float\n",
        "        total: float\n        promo_code: {type: string, optional: true}\n",
    )
    edit(
        spec,
        "data/seed.yaml",
        "status: pending, total: 20.0,",
        "status: pending, total: 20.0, promo_code: SAVE5,",
    )
    edit(
        spec,
        "checks/main.chk",
        'else "Only pending orders can be cancelled"\n',
        'else "Only pending orders can be cancelled"\n'
        '    require db.orders[order_id].promo_code == null else "Promo orders stay"\n'
        "    require db.orders[order_id].total >= 0\n",
    )
    edit(
        spec,
        "checks/main.chk",
        "    unchanged db.users\n",
        "    unchanged db.users\n    require db.orders[order_id].promo_code == null\n",
    )
    domain = Domain(compile_to(spec, tmp_path / "out"))
    guard = domain.v.guards.GUARDS["cancel_order"]
    assert guard(Trace(db=domain.db()), {"order_id": "#3", "reason": "no longer needed"}) is None
    assert guard(Trace(db=domain.db()), {"order_id": "#1"}) == "Promo orders stay"
    db = domain.db()
    del db["orders"]["#3"]["total"]
    with pytest.raises(GuardFault, match="total"):
        guard(Trace(db=db), {"order_id": "#3"})
    params = {**PARAMS, "order_id": "#3"}
    db = domain.db()
    db["orders"]["#3"]["status"] = "cancelled"
    verdict = domain.v.check("cancelled").verify(domain.trace([], db=db, params=params))
    assert not any("promo_code" in f.reason for f in verdict.failures), verdict.failures
    params = {**PARAMS, "order_id": "#1"}
    verdict = domain.v.check("cancelled").verify(domain.trace([], params=params))
    assert any('"SAVE5" is not null' in f.reason for f in verdict.failures), verdict.failures


def test_an_argument_a_call_was_not_given_names_the_call(tmp_path: Path) -> None:
    """``c.args.reason`` over every call reads it of find_user too, which takes no reason: the
    verdict names that call (it said only "missing entry 'reason'")."""
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(
        spec,
        "checks/main.chk",
        "    unchanged db.users\n",
        "    unchanged db.users\n    require len([c.args.reason for c in calls]) >= 0\n",
    )
    domain = Domain(compile_to(spec, tmp_path / "out"))
    db = cancelled_db(domain)
    trace = domain.trace(good_dialogue(), db=db, gold=cancelled_db(domain), params=PARAMS)
    verdict = domain.v.check("cancelled").verify(trace)
    assert [f.reason for f in verdict.failures] == [
        'call 1, find_user(email="ann@example.com"), has no argument "reason" (a call\'s args are '
        "the arguments it was given): read .reason only of the calls of a tool that takes it, "
        "with a where on the call's tool"
    ]


def test_declarative_tools(mini: Domain) -> None:
    tools = mini.v.tools.TOOLS
    db = mini.db()
    assert tools["find_user"](db, {"email": "bob@example.com"}) == "u2"
    assert tools["get_order"](db, {"order_id": "#2"})["status"] == "delivered"
    before = db["users"]["u1"]
    updated = tools["set_email"](db, {"user_id": "u1", "email": "new@example.com"})
    assert updated["email"] == db["users"]["u1"]["email"] == "new@example.com"
    assert before["email"] == "ann@example.com"  # rows are replaced, never mutated in place


# ---------------------------------------------------------------------------- features: quantifiers


def quantifier_trace(
    features: Domain, db: dict[str, Any] | None = None, messages: list[dict[str, Any]] | None = None
) -> Trace:
    default = [
        user("hi"),
        *tool_call("find_account", {"owner": "Ann Lee"}, "A1"),
        agent("Thanks, BYE!"),
    ]
    return features.trace(messages if messages is not None else default, db=db)


def quantifier_failures(features: Domain, **kwargs: Any) -> list[str]:
    return features.v.check("quantifiers").verify(quantifier_trace(features, **kwargs)).reasons


def test_quantifiers_pass(features: Domain) -> None:
    verdict = features.v.check("quantifiers").verify(quantifier_trace(features))
    assert verdict.passed and verdict.score == 1.0, verdict.reasons


def test_any(features: Domain) -> None:
    db = features.db()
    db["accounts"]["A3"]["status"] = "open"
    # no element matched the where: said so, rather than only "does not hold"
    assert quantifier_failures(features, db=db) == [
        'any(a in db.accounts where a.status == "frozen") does not hold: no element of '
        "db.accounts matches its where"
    ]


def test_all_names_a_counterexample(features: Domain) -> None:
    db = features.db()
    db["accounts"]["A2"]["balance"] = -5.0
    (reason,) = quantifier_failures(features, db=db)
    assert reason.startswith(
        'all(a in db.accounts: a.balance >= 0) does not hold for {"account_id": "A2"'
    )


def test_count(features: Domain) -> None:
    db = features.db()
    db["accounts"]["A2"]["tags"] = ["vip"]
    assert quantifier_failures(features, db=db) == [
        'count(a in db.accounts where "vip" in a.tags) == 1 does not hold: 2 is not 1'
    ]


def test_sum(features: Domain) -> None:
    db = features.db()
    db["accounts"]["A1"]["balance"] = 100.0
    assert quantifier_failures(features, db=db) == [
        "sum(a in db.accounts: a.balance) > 1000 does not hold: 130.0 > 1000 is false"
    ]


def test_first_and_last(features: Domain) -> None:
    messages = [
        user("hi"),
        *tool_call("get_account", {"account_id": "A1"}),
        *tool_call("find_account", {"owner": "Ann Lee"}, "A1"),
        agent("goodbye"),
        agent("anything else?"),
    ]
    assert quantifier_failures(features, messages=messages) == [
        'first(c in calls).tool == "find_account" does not hold: "get_account" is not '
        '"find_account"',
        'last(m in messages where m.role == "assistant").content contains "bye" does not hold',
    ]


def test_no_calls_at_all(features: Domain) -> None:
    trace = quantifier_trace(features, messages=[user("hi"), agent("bye")])
    (failure,) = features.v.check("quantifiers").verify(trace).failures
    # first(...) of nothing is null: reading .tool of it fails the statement, with a reason.
    assert (failure.line, failure.statement) == (
        23,
        'require first(c in calls).tool == "find_account"',
    )
    # no call at all: said so, not "no element of calls matches"
    assert failure.reason == "the agent made no tool call"


# --------------------------------------------------------------------- features: text, in, contains


def expressions(features: Domain, messages: list[dict[str, Any]], db: dict[str, Any] | None = None):
    return features.v.check("expressions").verify(
        features.trace(messages, db=db, params={"name": "Ann Lee"})
    )


GOOD = [user("Refund, please!"), agent("Of course, ann lee.")]


def test_expressions_pass(features: Domain) -> None:
    verdict = expressions(features, GOOD)
    assert verdict.passed, verdict.reasons


def test_user_said_ignores_commas_and_case(features: Domain) -> None:
    assert expressions(features, [user("REFUND PLEASE"), agent("Ann Lee")]).passed
    failed = expressions(features, [user("a refund"), agent("Ann Lee")])
    assert failed.reasons == ['the user never said "refund, please"']


def test_said_a_parameter_and_forbid_said(features: Domain) -> None:
    failed = expressions(
        features, [user("refund please"), agent("Hello Bob. Your PassWord is safe.")]
    )
    assert failed.reasons == [
        'the agent never said "Ann Lee"',
        'the agent said "password", which is forbidden here',
    ]


def test_in_and_contains(features: Domain) -> None:
    db = features.db()
    db["accounts"]["A1"]["address"]["city"] = "Paris"
    db["accounts"]["A1"]["tags"] = ["basic"]
    db["accounts"]["A9"] = dict(db["accounts"]["A2"], account_id="A9")
    reasons = expressions(features, GOOD, db=db).reasons
    assert reasons == [
        'db.accounts["A1"].address.city in ["Oslo", "Bergen"] does not hold',
        '"vip" in db.accounts["A1"].tags does not hold',
        'db.accounts["A1"].tags contains "vip" does not hold',
        '("A2" in db.accounts and "A9" not in db.accounts) does not hold',
    ]


def test_transferred_check_with_gold(features: Domain) -> None:
    params = {"source": "A1", "target": "A2", "amount": 10.0}
    final = features.db()
    final["accounts"]["A1"]["balance"] -= 10.0
    final["accounts"]["A2"]["balance"] += 10.0
    final["transfers"]["T2"] = {"transfer_id": "T2", "source": "A1", "target": "A2", "amount": 10.0}
    messages = [
        user("Send 10 euros from A1 to A2, I am Ann Lee."),
        *tool_call("find_account", {"owner": "Ann Lee"}, "A1"),
        *tool_call("get_account", {"account_id": "A1"}),
        agent("Confirm the transfer?"),
        user("yes"),
        # The model sent the amount as a string: "10" still matches 10.0.
        *tool_call("transfer", {"source": "A1", "target": "A2", "amount": "10.0"}, "T2"),
        agent("I transferred 10 euros."),
    ]
    verdict = features.v.check("transferred").verify(
        features.trace(messages, db=final, params=params)
    )
    assert verdict.passed and verdict.score == 1.0, verdict.reasons
    gold = copy.deepcopy(final)
    gold["accounts"]["A2"]["status"] = "frozen"
    failed = features.v.check("transferred").verify(
        features.trace(messages, db=final, gold=gold, params=params)
    )
    assert failed.reasons == [
        'db == gold does not hold: db.accounts["A2"].status is "open", expected "frozen"'
    ]


def test_guards_of_features(features: Domain) -> None:
    guard = features.v.guards.GUARDS["transfer"]
    db = features.db()
    assert guard(Trace(db=db), {"source": "A1", "target": "A2", "amount": 5.0}) is None
    assert (
        guard(Trace(db=db), {"source": "A3", "target": "A2", "amount": 5.0})
        == "The source account is not open"
    )
    assert (
        guard(Trace(db=db), {"source": "A2", "target": "A1", "amount": 500.0})
        == "Insufficient funds"
    )
    assert (
        guard(Trace(db=db), {"source": "A1", "target": "A1", "amount": 5.0})
        == "Source and target must differ"
    )
    # No `else`: the guard's message is the reason.
    db["accounts"]["A2"]["status"] = "closed"
    message = features.v.guards.GUARDS["freeze_account"](
        Trace(db=db), {"account_id": "A2", "reason": "fraud"}
    )
    assert (
        message == 'db.accounts[account_id].status != "closed" does not hold: '
        '"closed" != "closed" is false'
    )


def test_verdicts_are_json(features: Domain, tmp_path: Path) -> None:
    verdict = expressions(features, [user("x"), agent("y")])
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["schema_version"] == 1 and data["passed"] is False
    assert {f["path"] for f in data["failures"]} == {"spec/checks/tasks.chk"}


def test_reasons_spell_null_and_booleans_as_the_dsl_does() -> None:
    # "insurance_plans has no row with key None": Python's spelling in a DSL reason
    from eigendsl.support import Call, EvalError, row, show

    with pytest.raises(EvalError) as info:
        row({"p1": {}}, None, "insurance_plans")
    assert str(info.value).startswith("insurance_plans has no row with key null (the key read")
    assert show([None, True, False]) == "[null, true, false]"
    assert repr(Call("find", {"id": None, "all": True}, result=None)) == "find(id=null, all=true)"


def test_a_field_one_row_has_and_the_other_leaves_out_is_said_with_its_value() -> None:
    # "['lines']['L-101']['suspend_reason'] is present but expected absent" hid that it is null
    from eigendsl.support import diff

    assert diff({"L1": {"reason": None}}, {"L1": {}}, "db.lines") == [
        'db.lines["L1"].reason is null, expected left out'
    ]
    assert diff({"L1": {}}, {"L1": {"reason": "travel"}}) == [
        'L1.reason is left out, expected "travel"'
    ]


def test_a_null_field_in_a_check_is_said_so_not_in_python_s_words() -> None:
    """retail's check of a return to a gift card takes ``len`` of the order's return items, a
    field left out until a return is made: an episode that made none fails that statement with
    a reason that says a value was null, not Python's TypeError text."""
    import copy
    from pathlib import Path

    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import GoldCache
    from eigendsl.support import Trace

    retail = load_domain(Path(__file__).resolve().parent.parent / "specs" / "retail")
    task = next(t for t in retail.tasks if t["template"] == "return_to_gift_card")
    messages = [{"role": "user", "content": task["user"]["reason"]}]
    gold = GoldCache(retail).get(task)[0]
    trace = Trace.from_messages(
        messages, copy.deepcopy(retail.seed), retail.seed, gold, task["params"], retail.tool_meta
    )
    reasons = [f["reason"] for f in retail.judge(trace, task)["failures"]]
    null = [r for r in reasons if "null" in r]
    assert null == [
        "a value was null (a field left out of its row, or a lookup that found nothing) where a "
        "list, text or number was needed"
    ]
    assert not any("NoneType" in r for r in reasons)


def test_calls_were_lists_arguments_in_the_order_the_agent_wrote_them() -> None:
    """Not sorted by name (compiled gold plans write them sorted, so the scripted agent does)."""
    from eigendsl.support import Call, explain_called

    made = Call("book_flight", {"user_id": "u1", "flight_id": "F2"}, None, None, 0)
    assert explain_called([made], "book_flight", {"flight_id": "F1"}).endswith(
        'calls were: book_flight(user_id="u1", flight_id="F2")'
    )
