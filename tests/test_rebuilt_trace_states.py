"""A trace rebuilt from a dialogue's messages reads a proposal against the records as they stood
at the proposal, as the live episode does (``Trace.states``, ``Trace.db_at``): lint's replay of a
trajectory (:func:`eigendsl.lint.replay.execute`) and synthesis's rules exercised
(:func:`eigendsl.synth.shard_worker.rules_exercised`). Ines changes her keyboard to linear
switches, then asks for tactile ones; the second proposal names the clicky keyboard the first
change already swapped out: the live episode does not count the yes to it, nor may a rebuilt
trace (without the states it read the proposal against the initial records, where the clicky
keyboard is still in the order)."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.lint.replay import execute, trajectory
from eigendsl.runtime.episodes import GoldCache
from eigendsl.support import confirmed
from eigendsl.synth.shard_worker import rules_exercised
from tests.test_named_items_at_proposal import INES, LINEAR_TO_TACTILE, _twice, episode_of

CLICKY_TO_TACTILE = LINEAR_TO_TACTILE.replace("from linear", "from clicky")


@pytest.mark.parametrize(
    ("second", "counts"), [(LINEAR_TO_TACTILE, True), (CLICKY_TO_TACTILE, False)]
)
def test_a_replayed_trajectory_judges_the_second_proposal_as_the_live_episode(
    retail_domain: Any, second: str, counts: bool
) -> None:
    episode = episode_of(retail_domain, INES, _twice(second))
    live = episode.env.final_trace({})
    task = retail_domain.task(INES)
    run = execute(retail_domain, task, trajectory(episode.env.messages), live.db)
    words = retail_domain.confirm_words["modify_pending_order_items"]
    for trace in (live, run.trace):
        first, again = [c for c in trace.calls if c.writes]
        assert confirmed(trace, first, words)
        assert confirmed(trace, again, words) is counts
    assert [at for at, _ in run.trace.states] == [at for at, _ in live.states]


@pytest.mark.parametrize(
    ("second", "counts"), [(LINEAR_TO_TACTILE, True), (CLICKY_TO_TACTILE, False)]
)
def test_rules_exercised_reads_the_second_proposal_as_the_live_episode(
    retail_domain: Any, second: str, counts: bool
) -> None:
    episode = episode_of(retail_domain, INES, _twice(second))
    live = retail_domain.rules.RULES["confirm_writes"](episode.env.final_trace({})).passed
    assert live is counts
    row = {"task_id": INES, "messages": episode.env.messages}
    # the rule holds on the dialogue (and a "no" instead of each yes breaks it) only where the
    # live episode's yes counts
    assert (
        "confirm_writes" in rules_exercised(retail_domain, row, GoldCache(retail_domain))
    ) is counts
