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
    """The user says ``said``, the agent looks up each ``(email, id)`` (at 2) and proposes."""
    trace = Trace.from_messages(
        [
            {"role": "assistant", "content": "What is your email?"},
            {"role": "user", "content": said},
            {"role": "assistant", "content": ""},  # where the lookups' results stand
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
    named.messages[3].content = PROPOSAL.replace("your account", "usr_ivopetrov's account")
    assert confirmed(named, _write("usr_ivopetrov"), VERBS)


# Round 5 (newcomer D): H1, a proposal that names another account's id; M1, a proposal made
# before the lookup that identifies the user.
OTHER = "usr_odilebrandt"
OTHER_PROPOSAL = (
    f"Shall I update the address of account {OTHER} to 5 Lighthouse Row, Port Linden, ME 04015, "
    "USA? (yes/no)"
)


def test_a_proposal_naming_another_accounts_id_confirms_no_write_on_the_users_own() -> None:
    trace = _trace((EMAIL, USER))
    trace.messages[3].content = OTHER_PROPOSAL
    assert not confirmed(trace, _write(USER), VERBS)
    # another id of no "usr_" shape, but another row of the table that holds the user's
    trace.db = {"users": {USER: {}, "odile": {}}}
    trace.messages[3].content = OTHER_PROPOSAL.replace(OTHER, "odile")
    assert not confirmed(trace, _write(USER), VERBS)
    # the opposite: the user's own id said, or left out, still counts
    for said in (OTHER_PROPOSAL.replace(OTHER, USER), PROPOSAL):
        trace.messages[3].content = said
        assert confirmed(trace, _write(USER), VERBS), said


def _played(domain: Any, *before_write: Any) -> dict[str, Any]:
    agent = ListAgent(
        [
            turn("What is your email, please?"),
            *before_write,
            turn(None, ("modify_user_address", {**ADDRESS, "user_id": USER})),
            turn("Your account address is now 5 Lighthouse Row, Port Linden, ME 04015."),
        ]
    )
    return play_row(domain, "update_user_address-000", agent)


def _reply_to(row: dict[str, Any], said: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == said)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


def test_the_scripted_user_refuses_a_proposal_naming_another_account(retail_domain: Any) -> None:
    lookup = turn(None, ("find_user_id_by_email", {"email": EMAIL}))
    row = _played(retail_domain, lookup, turn(OTHER_PROPOSAL))
    reply = _reply_to(row, OTHER_PROPOSAL)
    assert reply not in USER_YES and "not another" in reply and "user id" not in reply
    assert not row["verdict"]["passed"]


def test_a_proposal_before_the_identifying_lookup_confirms_nothing(retail_domain: Any) -> None:
    trace = _trace((EMAIL, USER))
    trace.calls[0].position = 4  # the lookup after the proposal (3), before the write (5)
    assert not confirmed(trace, _write(USER), VERBS)
    assert identified(trace, _write(USER)) == ["user_id"]
    assert identified(trace, _write(USER), 3) == []
    # the scripted user asks to be identified first, naming no internal id
    lookup = turn(None, ("find_user_id_by_email", {"email": EMAIL}))
    row = _played(retail_domain, turn(PROPOSAL), lookup)
    reply = _reply_to(row, PROPOSAL)
    assert reply not in USER_YES and "found my account" in reply and "user id" not in reply
    assert not row["verdict"]["passed"]
