"""Sampled turns follow the episode, not the batch it plays in (eigendsl/runtime/keyed_sampling.py).

An evaluation plays its episodes side by side; its sampling came from one generator for the
whole batch, so `eval --task ID` (or another --trials) never replayed the episode the full
evaluation had played for that task."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.keyed_sampling import KeyedSampler, key_seed
from eigendsl.runtime.model_roles import ModelAgent
from eigendsl.runtime.scripted_user import ScriptedUser

torch = pytest.importorskip("torch")

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="module")
def micro():
    from eigendsl.train.model import build_tiny_model
    from eigendsl.train.tokenizer import train_tokenizer

    text = ["Hello, I want to cancel order #W1000001, my email is ann@example.com."] * 20
    tokenizer = train_tokenizer(text, vocab_size=300)
    return build_tiny_model(tokenizer, size="micro", seed=0), tokenizer


def _backend(micro, **options):
    from eigendsl.runtime.backends import HFBackend

    model, tokenizer = micro
    return HFBackend(model=model, tokenizer=tokenizer, max_new_tokens=12, **options)


CHATS = [
    [{"role": "user", "content": "Hello, cancel order #W1000001 please."}],
    [{"role": "user", "content": "Hi."}],
    [{"role": "user", "content": "My email is ann@example.com and I want to cancel an order."}],
]


def test_a_chat_draws_the_same_tokens_alone_and_beside_others(micro):
    backend = _backend(micro, temperature=1.0, seed=3)
    together = backend.generate_ids(CHATS, None, keys=["a", "b", "c"])
    for index, key in enumerate("abc"):
        (alone,) = backend.generate_ids([CHATS[index]], None, keys=[key])
        assert alone == together[index], key
    # another key (a trial, a turn) or another seed draws other tokens
    (other,) = backend.generate_ids([CHATS[0]], None, keys=["a2"])
    (reseeded,) = _backend(micro, temperature=1.0, seed=4).generate_ids(
        [CHATS[0]], None, keys=["a"]
    )
    assert together[0][1] != other[1] and together[0][1] != reseeded[1]


def test_the_sampler_draws_from_the_softmax_at_its_temperature():
    """The Gumbel-max trick: the argmax of the scores over T plus Gumbel noise is distributed as
    softmax(scores / T); a masked token (minus infinity) is never drawn."""
    scores = torch.tensor([[0.0, math.log(3.0), -math.inf]])
    for temperature, share in ((1.0, 0.75), (0.5, 0.9)):
        picks = [
            int(KeyedSampler(temperature, [key_seed(0, str(i))])(None, scores).argmax())
            for i in range(4000)
        ]
        assert 2 not in picks
        assert abs(picks.count(1) / len(picks) - share) < 0.025, (temperature, picks.count(1))


def test_an_episode_plays_the_same_alone_as_in_the_evaluation(micro):
    """The user-facing claim: the episodes of a task played with others (three trials of two
    tasks) are the episodes that task plays alone, trial for trial."""
    domain = load_domain(MINI)

    def play(tasks):
        agent = ModelAgent(_backend(micro, temperature=1.0, seed=0), "model", context="compact")
        rows = run_episodes(domain, tasks, agent, ScriptedUser(domain.stop_marker), 3, max_turns=4)
        return {(row["task_id"], row["trial"]): row["messages"] for row in rows}

    both = play(domain.tasks[:2])
    alone = play(domain.tasks[1:2])
    assert alone and all(both[key] == messages for key, messages in alone.items())
    trials = [both[(domain.tasks[1]["id"], trial)] for trial in range(3)]
    assert trials[0] != trials[1] or trials[1] != trials[2]  # each trial draws its own
