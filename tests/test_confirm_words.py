"""The words a write's proposal may name it by, as the verifiers' ``confirmed(c, words)`` list
them, reach the scripted user however the spec writes the list: written out, a spec constant, a
check's let or a block's argument. The user says yes only to a proposal a verifier would count
(:func:`~eigendsl.runtime.user_proposals.unconfirmable`), so a list it did not read made it
stricter than the verifier: it asked again a proposal the verifier counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.runtime.confirm_words import confirm_words
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.utterances import USER_YES
from tests.conftest import MINI, copy_spec, edit
from tests.hand_agents import ListAgent, play_row, turn

RULE = """\
rule confirm_writes:
    require all(c in calls where c.writes: user_said "yes" before c)
"""

# each spec's rule (and check) reads "drop" through a name, never as a list written out
BY_NAME = {
    "constant": """\
let BASE = ["scrap"]
let WORDS = BASE + ["drop"]

rule confirm_writes:
    require all(c in calls where c.writes: confirmed(c, WORDS))
""",
    "let": """\
rule confirm_writes:
    let words = ["drop", "scrap"]
    require all(c in calls where c.writes: confirmed(c, words))
""",
    "block": """\
block confirms(words: list[string]):
    require all(c in calls where c.writes: confirmed(c, words))

rule confirm_writes:
    use confirms(["drop"])
""",
}

PROPOSAL = "Shall I drop order #1 (no longer needed)?"


def _spec(tmp_path: Path, rule: str) -> Path:
    root = copy_spec(MINI, tmp_path / "mini")
    edit(root, "checks/main.chk", RULE, rule)
    return root


def _agent() -> ListAgent:
    return ListAgent(
        [
            turn("What is your email, please?"),
            turn(None, ("find_user", {"email": "ann@example.com"})),
            turn(None, ("get_order", {"order_id": "#1"})),
            turn(PROPOSAL),
            turn(None, ("cancel_order", {"order_id": "#1", "reason": "no longer needed"})),
            turn("Your order #1 is cancelled."),
        ]
    )


def _reply_to(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


@pytest.mark.parametrize("how", sorted(BY_NAME))
def test_a_proposal_in_words_listed_through_a_name_gets_its_yes(tmp_path: Path, how: str) -> None:
    domain = load_domain(_spec(tmp_path, BY_NAME[how]))
    assert "drop" in (domain.confirm_words or {})["cancel_order"]
    row = play_row(domain, "cancel-ann", _agent())
    assert _reply_to(row, PROPOSAL) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]


def test_a_proposal_in_no_listed_word_is_still_asked_again(tmp_path: Path) -> None:
    rule = BY_NAME["constant"].replace('+ ["drop"]', '+ ["axe"]')
    domain = load_domain(_spec(tmp_path, rule))
    assert domain.confirm_words == {"cancel_order": ("scrap", "axe"), "set_email": ("scrap", "axe")}
    reply = _reply_to(play_row(domain, "cancel-ann", _agent()), PROPOSAL)
    assert reply not in USER_YES
    assert reply.startswith("Sorry, what exactly should I confirm?")


def test_words_that_read_the_episode_add_none() -> None:
    # a list of the trace's or the task's values is not known before the episode
    source = """\
def rule(trace, params):
    try:
        v_words_1 = [params['verb']]
    except Exception as _e:
        v_words_1 = rt.let_failed(_e)
    try:
        v_more_2 = rt.let_value(v_words_1) + ['ship']
    except Exception as _e:
        v_more_2 = rt.let_failed(_e)
    return rt.confirmed(trace, c, rt.let_value(v_more_2)), rt.confirmed(trace, c, v_loop_3)
"""
    assert confirm_words([source], ["cancel"]) == {"cancel": ()}
    # a local of another function is not this one's
    other = "def a(t):\n    w = ['drop']\n\ndef b(t):\n    return rt.confirmed(t, c, w)\n"
    assert confirm_words([other], ["cancel"]) == {"cancel": ()}
    assert confirm_words([other.replace("def b(t):\n", "")], ["cancel"]) == {"cancel": ("drop",)}
