"""The scripted user reads what the agent asks for in any wording: a request without a question
mark ("Please share your email.") is answered, a statement that names a fact is not, and a
refusal still declines the write it is asked to confirm."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from tests.conftest import ROOT

RETAIL = ROOT / "specs" / "retail"
SCENARIO = {
    "reason": "Please cancel order #W1.",
    "known": {"email": "ann@example.com", "order id": "#W1"},
    "unknown": ["customer id"],
    "confirm": True,
}


def reply(agent: str, **scenario) -> str:
    """What the scripted user answers to one agent turn, after its opening."""
    task = {"id": "t", "params": {"reason": "no longer needed"}, "user": SCENARIO | scenario}
    messages = [{"role": "user", "content": "Please cancel order #W1."}]
    messages.append({"role": "assistant", "content": agent})
    episode = SimpleNamespace(
        user_state=None, task=task, trial=0, env=SimpleNamespace(messages=messages)
    )
    return ScriptedUser().respond([episode])[0]


@pytest.mark.parametrize(
    "agent",
    [
        "Let me look into it. Please share your email.",
        "Let me look into it. Please share your email",
        "Thanks for waiting! To look up the order, I need your email.",
        "Sure. Your order #W1 is in our system. Could you tell me your email, please?",
        "To confirm your identity, please provide your email.",
        "Please confirm your email.",
    ],
)
def test_a_request_for_a_fact_is_answered_with_it_whatever_surrounds_it(agent):
    assert reply(agent) == "My email is ann@example.com."


def test_a_statement_that_names_a_fact_asks_for_nothing():
    assert reply("Your order id is #W1. It is pending.").endswith("###STOP###")


def test_an_unknown_fact_asked_without_a_question_mark_is_not_known():
    assert reply("Please share your customer id.") == "I'm sorry, I don't know my customer id."


def test_a_forbidden_request_answers_no_question_and_is_said_in_words():
    described = {"forbidden_request": "cancel an order that has already been processed"}
    assert reply("Let me look into it. Please share your email.", **described) == (
        "My email is ann@example.com."
    )
    assert reply("I'm sorry, only pending orders can be cancelled.", **described) == (
        "Please make an exception just this once: cancel an order that has already been processed."
    )
    words = {"forbidden_request": "Could you also waive the policy?"}
    assert reply("The order is cancelled.", **words) == "Could you also waive the policy?"


def test_a_proposal_is_confirmed_or_declined_as_the_scenario_says():
    proposal = "Here is what I will do: cancel order #W1. Shall I proceed? (yes/no)"
    assert "yes" in reply(proposal).lower()
    assert reply(proposal, confirm=False).startswith("No")
    # a change of mind is from the value the agent proposes, to the task's own value
    changed = reply(
        f"I'm about to cancel #W1, reason ordered by mistake. {proposal}",
        **{"change_mind": "reason=ordered by mistake"},
    )
    assert (
        changed == "Actually, I changed my mind: I want the reason to be no longer needed instead."
    )
    # a proposal that already has the task's value, which the user has not said yet, is no
    # change of mind to the same value: the user corrects it with the value it asked for
    same = reply(f"Reason no longer needed. {proposal}", change_mind="reason=ordered by mistake")
    assert same == "No, that's not right: my reason is ordered by mistake."


def test_a_change_of_mind_on_a_known_id_is_confirmed_once_the_agent_takes_it():
    # the user took its own change back: "No, that's not right: my order id is #W1000371."
    task = {
        "id": "t",
        "params": {"order_id": "#W1000372"},
        "user": SCENARIO
        | {"known": {"order id": "#W1000371"}, "change_mind": "order_id=#W1000371"},
    }
    messages = [{"role": "user", "content": "Please cancel order #W1000371."}]
    episode = SimpleNamespace(
        user_state=None, task=task, trial=0, env=SimpleNamespace(messages=messages)
    )
    user = ScriptedUser()
    turns = []
    for order in ("#W1000371", "#W1000372"):
        messages.append(
            {"role": "assistant", "content": f"I'll cancel order {order}. Do you confirm? (yes/no)"}
        )
        turns.append(user.respond([episode])[0])
        messages.append({"role": "user", "content": turns[-1]})
    assert turns[0] == "Actually, I changed my mind: I want the order id to be #W1000372 instead."
    assert "yes" in turns[1].lower() and "not right" not in turns[1]
    messages.append({"role": "assistant", "content": "What is your order id?"})
    assert user.respond([episode])[0] == "My order id is #W1000372."


@pytest.mark.parametrize(
    "agent",
    [
        "I'll cancel order #W1 because it is no longer needed. Okay?",
        "Would you like me to cancel order #W1 now?",
        "Shall I go ahead with the cancellation of order #W1?",
        "So: cancel order #W1, reason no longer needed. Is that correct?",
        "Let me know if I should proceed with cancelling order #W1.",
    ],
)
def test_leave_to_act_asked_in_any_words_is_answered_not_left(agent):
    # the user ended the conversation here: no "confirm", no "(yes/no)", no fact asked
    assert "yes" in reply(agent).lower()
    assert reply(agent, confirm=False).startswith("No")


def test_a_proposal_with_a_known_fact_wrong_is_corrected_before_anything_else():
    known = {"email": "ann7@example.com", "order id": "#W1000371", "zip": "10001"}
    wrong = "I'm about to cancel order #W1000372. Do you confirm? (yes/no)"
    assert reply(wrong, known=known) == "No, that's not right: my order id is #W1000371."
    assert reply(wrong, known=known, confirm=False).startswith("No, that's not right")
    right = "I'm about to cancel order #W1000371. Do you confirm? (yes/no)"
    assert "yes" in reply(right, known=known).lower()
    # a value of the same shape that is part of what the user knows is no mistake: another
    # order the user named, the zip code inside a new address
    two = known | {"second order id": "#W2000005", "new address": "1 Elm St, Austin, TX 73301"}
    for proposal in (
        "I'm about to cancel order #W2000005. Do you confirm? (yes/no)",
        "I'm about to ship order #W1000371 to 1 Elm St, Austin, TX 73301. Do you confirm? (yes/no)",
    ):
        assert "yes" in reply(proposal, known=two).lower(), proposal
    # numbers of other shapes are no order id or zip code: a price, a date, an item id
    other = (
        "Refund $20002.50 (20,002 points) on 2025-06-10 for item 1000371234 of #W1000371? (yes/no)"
    )
    assert "yes" in reply(other, known=known).lower()


@pytest.mark.parametrize(
    ("fact", "proposal"),
    [
        ("1988-03-14", "Your plan starts on 2025-06-20."),
        ("14/03/1988", "Your plan starts on 20/06/2025."),
        ("09:30", "The technician comes at 14:00."),
        ("49.99", "The new plan costs 59.99 a month."),
    ],
)
def test_a_date_time_or_amount_the_user_knows_corrects_no_other_one(fact, proposal):
    """Only identifiers (an order id, a zip code) are corrected by shape: a known date of birth
    rejected every proposal with another date, and the template was unsolvable."""
    said = f"I'm about to change your plan. {proposal} Do you confirm? (yes/no)"
    assert "yes" in reply(said, known={"email": "ann@example.com", "fact": fact}).lower()
    # a zip code is still one
    zip_wrong = "I'm about to ship it to 1 Elm St, Austin 73302. Do you confirm? (yes/no)"
    assert reply(zip_wrong, known={"zip": "73301"}) == "No, that's not right: my zip is 73301."


@pytest.fixture(scope="module")
def retail():
    return load_domain(RETAIL)


def test_every_retail_task_passes_when_the_agent_asks_without_a_question_mark(retail):
    agent = ScriptedAgent()
    agent.pools["ask_info"] = ["Let me look into it. Please share your {what}."]
    rows = run_episodes(retail, retail.tasks, agent, ScriptedUser(retail.stop_marker), trials=1)
    failed = [
        (r["task_id"], r["verdict"]["failures"][:1]) for r in rows if not r["verdict"]["passed"]
    ]
    assert not failed, failed[:3]
    answers = [
        row["messages"][i + 1]["content"]
        for row in rows
        for i, m in enumerate(row["messages"])
        if m["role"] == "assistant" and "Please share your" in (m.get("content") or "")
    ]
    assert len(answers) >= len(rows) - 5  # a catalog question needs no account
    assert all(a.startswith(("My ", "Hmm")) for a in answers)
    declined = [r for r in rows if r["template"] == "cancel_declined"]
    assert declined and all(
        any(m["content"].startswith("No") for m in r["messages"] if m["role"] == "user")
        for r in declined
    )


def test_scripted_user_doctests():
    import doctest

    from eigendsl.runtime import scripted_user

    assert doctest.testmod(scripted_user).failed == 0


def test_a_known_fact_named_with_capitals_is_answered():
    """The agent's question is read lower-cased: a key such as ``PIN`` was never found in it, and
    the user ended the conversation instead of answering."""
    known = {"PIN": "4821", "new SIM ICCID": "8901260000000000001"}
    assert reply("Could you please give me your PIN?", known=known) == "My PIN is 4821."
    assert reply("What is your new SIM ICCID?", known=known) == (
        "My new SIM ICCID is 8901260000000000001."
    )
    assert "yes" in reply("Please confirm: I'll reset your PIN. (yes/no)", known=known).lower()


class _Tool:
    writes = True


def _confirmation(agent: str) -> str:
    """What the scripted user answers to a proposal in a task whose gold cancels #W1 with the
    reason "no longer needed", a fact the user knows."""
    task = {
        "id": "t",
        "params": {},
        "user": SCENARIO | {"known": SCENARIO["known"] | {"reason": "no longer needed"}},
        "gold": [{"tool": "cancel", "args": {"order_id": "#W1", "reason": "no longer needed"}}],
    }
    messages = [{"role": "user", "content": "Please cancel order #W1."}]
    messages.append({"role": "assistant", "content": agent})
    domain = SimpleNamespace(tools={"cancel": _Tool()})
    episode = SimpleNamespace(
        user_state=None, task=task, trial=0, env=SimpleNamespace(messages=messages, domain=domain)
    )
    return ScriptedUser().respond([episode])[0]


@pytest.mark.parametrize(
    ("agent", "answer"),
    [
        # another value of what the user asked for: the user corrects it
        (
            "I'll cancel order #W1 with the reason ordered by mistake. Do you confirm? (yes/no)",
            "No, that's not right: my reason is no longer needed.",
        ),
        # an action the user never asked for, or one that names nothing
        ("Shall I delete your account? (yes/no)", "No, that's not what I asked for"),
        ("Do you confirm? (yes/no)", "No, that's not what I asked for"),
        ("And the refund to your card too, ok?", "No, that's not what I asked for"),
    ],
)
def test_a_proposal_that_is_not_the_request_is_not_confirmed(agent, answer):
    assert _confirmation(agent).startswith(answer)


def test_the_proposal_of_the_request_with_its_values_is_confirmed():
    agent = "I'll cancel order #W1, reason No Longer  needed. Do you confirm? (yes/no)"
    assert "yes" in _confirmation(agent).lower()


def _switch(agent: str, request: str) -> str:
    """What the scripted user answers to a proposal in a task whose gold turns roaming on for
    line L-1 (``enabled: true``), the user's request being ``request``."""
    task = {
        "id": "t",
        "params": {},
        "user": {"reason": request, "known": {"line id": "L-1"}, "confirm": True},
        "gold": [{"tool": "set_roaming", "args": {"line_id": "L-1", "enabled": True}}],
    }
    messages = [{"role": "user", "content": request}, {"role": "assistant", "content": agent}]
    domain = SimpleNamespace(tools={"set_roaming": _Tool()})
    episode = SimpleNamespace(
        user_state=None, task=task, trial=0, env=SimpleNamespace(messages=messages, domain=domain)
    )
    return ScriptedUser().respond([episode])[0]


def test_a_proposal_of_the_other_value_of_a_switch_the_request_states_is_not_confirmed():
    """Only the known facts a write carries were checked: "turn roaming OFF" proposed to a user
    who asked to turn it on was confirmed, so an agent proposing the opposite was told yes."""
    ask = "Please turn roaming on for line L-1."
    off = "I will turn roaming OFF for line L-1 and cancel your contract. Do you confirm?"
    assert _switch(off, ask).startswith("No, that's not what I asked for")
    assert _switch("Shall I disable roaming on line L-1? (yes/no)", ask).startswith("No, that's")
    assert "yes" in _switch("I'll turn roaming on for line L-1. Do you confirm?", ask).lower()
    assert "yes" in _switch("Shall I enable roaming on line L-1? (yes/no)", ask).lower()
    # a request that states no value leaves the user nothing to tell the proposal by (but an
    # action it never asked for, "and cancel your contract", is still turned down)
    bare_off = "I will turn roaming OFF for line L-1. Do you confirm?"
    assert "yes" in _switch(bare_off, "I'm going abroad with line L-1.").lower()
    assert _switch(off, "I'm going abroad with line L-1.").startswith("No, that's not what")
