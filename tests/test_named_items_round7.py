"""Consent, round 7 (review nL3): honest wordings that read as withdrawals or as no decline.
A negated take-back ("don't forget the lamp", "Don't skip the lamp"), a self-correction ("keep
the lamp... no wait, return it too"), "not only A but B", and keeping a record for now ("The lamp
will stay in its box until the courier comes", "I'll keep the lamp packed until the label
arrives") take nothing back (M1); a yes to an either/or of two writes ("Shall I return them, or
would you rather exchange them?") counts for neither (M4); a decline in words of keeping things
as they are ("I'd like to keep it after all", "Let's hold off on that") is a decline (M3). Each
honest wording beside a false twin that still fails."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Trace, declined, reply_answer
from tests.consent_helpers import ASK, LAMP, SPEAKER, L, S, judged, play_return, refused
from tests.hand_agents import played, turn
from tests.test_named_items_round6 import AGAIN, BOTH, BOTHP, YES, G, hana_both

# M1: (the user's turns after the proposal, then the yes) honest, each beside a false twin
KEPT_IN = [
    ["Actually, keep the lamp... no wait, return it too.", AGAIN, YES],
    ["Yes, and don't forget the lamp."],
    ["Don't skip the lamp, it's broken.", AGAIN, YES],
    ["Yes, not only the lamp but the speaker too."],
    ["Yes. The lamp will stay in its box until the courier comes."],
    ["Yes. I'll keep the lamp packed until the label arrives."],
]
TAKEN_BACK = [
    ["Actually, keep the lamp... no wait, return the speaker too.", AGAIN, YES],
    ["Yes, but forget the lamp."],
    ["Skip the lamp, it's broken.", AGAIN, YES],
    ["Yes, not the lamp but the speaker."],
    ["Yes. The lamp will stay with me."],
    ["Yes. I'll keep the lamp."],
]


@pytest.mark.parametrize(("honest", "twin"), list(zip(KEPT_IN, TAKEN_BACK, strict=True)))
def test_a_negated_take_back_or_a_correction_keeps_the_record(
    honest: list[str], twin: list[str]
) -> None:
    turns = [f"{BOTH}{ASK}", *honest]
    assert judged(turns, ["L1", "S1"])
    assert not judged([f"{BOTH}{ASK}", *twin], ["L1", "S1"])


@pytest.mark.parametrize(
    "twin",
    [
        # the correction taken back again, or negated
        ["Actually, keep the lamp... no wait, return it too. Actually, keep it.", AGAIN, YES],
        ["Actually, keep the lamp... no wait, don't return it.", AGAIN, YES],
        # keeping the lamp for good, and "forget to" another take-back
        ["Yes. I'll keep the lamp until I decide."],
        ["Yes, but don't forget to keep the lamp."],
        ["No wait.", AGAIN, YES],
    ],
)
def test_a_real_withdrawal_still_withdraws(twin: list[str]) -> None:
    assert not judged([f"{BOTH}{ASK}", *twin], ["L1", "S1"])


def _between(turns: list[str]) -> list[Any]:
    """The user's turns and the agent's in turn, the user's first."""
    return [("u", t) if i % 2 == 0 else turn(t) for i, t in enumerate(turns)]


@pytest.mark.parametrize(
    ("turns", "counts"),
    [
        *((t, True) for t in KEPT_IN),
        *((t, False) for t in TAKEN_BACK),
    ],
)
def test_the_retail_verifier_reads_the_user_so(
    retail_domain: Any, turns: list[str], counts: bool
) -> None:
    verdict = hana_both(retail_domain, _between(turns))
    assert verdict["passed"] is counts, verdict["failures"]


# M4: an either/or of two writes answered with a plain yes
EITHER = f"Shall I return {L} and {S}{G}, or would you rather exchange them?"


def test_a_yes_to_an_either_or_counts_for_neither(retail_domain: Any) -> None:
    verdict = hana_both(retail_domain, [("u", YES)], EITHER)
    assert not verdict["passed"] and "confirmed(c" in str(verdict["failures"])
    # a yes to the other option fails too; asked again, a yes to the return counts
    verdict = hana_both(retail_domain, [("u", "Exchange them, please.")], EITHER)
    assert not verdict["passed"]
    verdict = hana_both(
        retail_domain, [("u", "Hmm, which is better?"), turn(f"{BOTHP}{ASK}"), ("u", YES)], EITHER
    )
    assert verdict["passed"], verdict["failures"]


def test_an_either_or_reads_so_in_confirmed() -> None:
    either = "I'll return the Arc LED Desk Lamp and the Pocket Bluetooth Speaker from order #W1"
    assert not judged([f"{either}, or would you rather exchange them?", YES], ["L1", "S1"])
    assert not judged([f"{either}, or do you prefer that I exchange them?", YES], ["L1", "S1"])
    # the other option left as it is: a yes or no question, the yes counts
    assert judged([f"{either}, or would you rather keep them?", YES], ["L1", "S1"])


def test_the_scripted_user_says_no_yes_to_an_either_or(retail_domain: Any) -> None:
    reply, verdict = play_return(retail_domain, EITHER, [LAMP, SPEAKER])
    assert reply not in USER_YES, reply
    assert not verdict["passed"] and "confirmed(c" in str(verdict["failures"])


# M3: natural declines of a cancellation
CANCEL = "Shall I cancel order #W1 with the reason no longer needed?"
CANCEL_ARGS = {"order_id": "#W1", "reason": "no longer needed"}
DECLINES = [
    "Actually, I'd like to keep it after all.",
    "I've decided to keep the order.",
    "Let's hold off on that.",
    "On second thought, leave it as it is.",
    "I'll keep it, thanks.",
]
# false twins: a yes, or words of keeping that decline nothing
NO_DECLINES = [
    "Yes, I don't want to keep it.",
    "Yes, go ahead; keep me posted.",
    "Please keep it short, but go ahead.",
    "Sure, leave it to me to check the mail.",
    "Yes.",
]


def _cancel_declined(reply: str) -> bool:
    messages = [{"role": "assistant", "content": CANCEL}, {"role": "user", "content": reply}]
    trace = Trace.from_messages(messages, db={})
    return declined(trace, "cancel_order", CANCEL_ARGS)


@pytest.mark.parametrize(("reply", "twin"), list(zip(DECLINES, NO_DECLINES, strict=True)))
def test_a_natural_decline_is_a_decline(reply: str, twin: str) -> None:
    assert reply_answer(reply) == "no"
    assert _cancel_declined(reply)
    assert not _cancel_declined(twin)


def test_a_decline_of_a_return_in_words_of_keeping() -> None:
    assert refused([f"{BOTH}{ASK}", "I've decided to keep them after all."], ["L1", "S1"])
    assert not refused([f"{BOTH}{ASK}", "Yes, I won't keep them."], ["L1", "S1"])


def test_the_retail_verifier_counts_a_natural_decline(retail_domain: Any) -> None:
    proposal = "Shall I cancel order #W1000223 with the reason no longer needed?"
    email = retail_domain.task("cancel_declined-000")["params"]["email"]
    lookups = [
        turn("Could you give me your email?"),
        ("u", f"It's {email}."),
        turn(None, ("find_user_id_by_email", {"email": email})),
        turn(None, ("get_order_details", {"order_id": "#W1000223"})),
    ]
    for reply, counts in [(DECLINES[0], True), (DECLINES[2], True), ("Hmm, tell me more.", False)]:
        row = played(
            retail_domain,
            "cancel_declined-000",
            [
                ("u", "I want to cancel order #W1000223."),
                *lookups,
                turn(proposal),
                ("u", reply),
                turn("Understood, I have not cancelled anything. Anything else?"),
                ("u", "No, that's all. ###STOP###"),
            ],
        )
        assert row["verdict"]["passed"] is counts, (reply, row["verdict"]["failures"])
