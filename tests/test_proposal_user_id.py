"""A proposal need not name the user's own id (newcomer Y2's L-2): the user never sees it
("usr_nadiahaddad"), so neither ``confirmed`` nor the scripted user (which asks what
``confirmed`` would not count) may demand it. The id goes unnamed only where it is the user's:
an identifying lookup (a tool tagged "auth") of what the user said returned it, and no other
identity; a write on another account must still be named."""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed, identified, unproposed
from tests.hand_agents import ListAgent, play_row, turn

EMAIL, USER = "nadia.haddad@postbox.example", "usr_nadiahaddad"
ADDRESS = {
    "address1": "5 Lighthouse Row",
    "address2": "",
    "city": "Port Linden",
    "country": "USA",
    "state": "ME",
    "zip": "04015",
}
VERBS = ["update"]  # retail's confirmed() lists it
PROPOSAL = (
    "Shall I update your account address to 5 Lighthouse Row, Port Linden, ME 04015, USA? (yes/no)"
)


def test_the_scripted_user_says_yes_to_a_proposal_without_its_own_id(retail_domain: Any) -> None:
    agent = ListAgent(
        [
            turn("What is your email, please?"),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_user_details", {"user_id": USER})),
            turn(PROPOSAL),
            turn(None, ("modify_user_address", {**ADDRESS, "user_id": USER})),
            turn("Your account address is now 5 Lighthouse Row, Port Linden, ME 04015."),
        ]
    )
    row = play_row(retail_domain, "update_user_address-000", agent)
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == PROPOSAL)
    reply = next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")
    assert reply in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]


def _trace(*lookups: tuple[str, str], said: str = f"My email is {EMAIL}.") -> Trace:
    """The user says ``said``, the agent looks up each ``(email, id)`` and proposes."""
    trace = Trace.from_messages(
        [
            {"role": "assistant", "content": "What is your email?"},
            {"role": "user", "content": said},
            {"role": "assistant", "content": PROPOSAL},
            {"role": "user", "content": "Yes, please."},
        ],
        db={},
    )
    trace.calls = [
        Call("find_user_id_by_email", {"email": email}, user_id, position=2, tags=("auth",))
        for email, user_id in lookups
    ]
    return trace


def _write(user_id: str) -> Call:
    return Call("modify_user_address", {**ADDRESS, "user_id": user_id}, position=5, writes=True)


def test_confirmed_counts_a_proposal_without_the_users_own_id() -> None:
    trace = _trace((EMAIL, USER))
    assert confirmed(trace, _write(USER), VERBS)
    assert identified(trace, _write(USER)) == ["user_id"]
    assert unproposed(PROPOSAL, "modify_user_address", _write(USER).args, VERBS, ["user_id"]) == []


def test_a_write_on_another_account_must_name_it() -> None:
    # the id of an email the user never said, or one no lookup returned
    other = "ivo.petrov@inbox.example"
    assert not confirmed(_trace((other, "usr_ivopetrov")), _write("usr_ivopetrov"), VERBS)
    assert not confirmed(_trace((EMAIL, USER)), _write("usr_ivopetrov"), VERBS)
    assert not confirmed(_trace(), _write(USER), VERBS)
    # two identities the user said: the proposal must say which account
    both = _trace((EMAIL, USER), (other, "usr_ivopetrov"), said=f"{EMAIL}, or maybe {other}.")
    assert not confirmed(both, _write(USER), VERBS)
    assert identified(both, _write(USER)) == []
    # a lookup the tool refused, or one with no tag of identification, identifies nobody
    refused = _trace((EMAIL, USER))
    refused.calls[0].error = "user not found"
    untagged = _trace((EMAIL, USER))
    untagged.calls[0].tags = ("lookup",)
    assert not confirmed(refused, _write(USER), VERBS) and not confirmed(
        untagged, _write(USER), VERBS
    )
    # naming the id still counts
    named = _trace(("ivo.petrov@inbox.example", "usr_ivopetrov"))
    named.messages[2].content = PROPOSAL.replace("your account", "usr_ivopetrov's account")
    assert confirmed(named, _write("usr_ivopetrov"), VERBS)
