"""Sampling that follows the episode, not the batch.

Each chat of a batch draws its tokens from a generator of its own, seeded by the run's seed and
the chat's key (:func:`episode_key`: the role, the task, the trial and the turn), so an episode
plays the same turns whether it plays alone (``eval --task ID``) or beside a hundred others, up
to the float rounding of batched arithmetic, which can tip a near tie.
"""

from __future__ import annotations

import hashlib
from typing import Any

from eigendsl.errors import EigenError

DIVERGED = (
    "the model's next-token probabilities are not finite (inf or nan): its weights diverged in "
    "training; train it again with a lower learning rate"
)


def key_seed(seed: int, key: str) -> int:
    """A generator's seed for ``key`` under the run's ``seed`` (below 2**63, as torch wants).

    >>> key_seed(0, "agent/t1/0/2") == key_seed(0, "agent/t1/0/2") != key_seed(1, "agent/t1/0/2")
    True
    """
    digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def episode_key(role: str, episode: Any) -> str:
    """The key of ``role``'s next turn in ``episode``: what it depends on, and nothing of the
    batch (the turn is counted by the messages so far)."""
    return f"{role}/{episode.task['id']}/{episode.trial}/{len(episode.messages)}"


class KeyedSampler:
    """A transformers logits processor that samples each row with its own generator: the scores
    over the temperature plus Gumbel noise, whose argmax (``generate`` then decodes greedily) is
    a draw from the scores' softmax at that temperature (the Gumbel-max trick). It comes after
    any processor that masks tokens (a masked token stays at minus infinity)."""

    def __init__(self, temperature: float, seeds: list[int], device: Any = None):
        import torch

        self.temperature = temperature
        self.generators = [torch.Generator(device=device or "cpu").manual_seed(s) for s in seeds]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        scores = scores.float() / self.temperature
        if (
            torch.isnan(scores).any()
            or torch.isposinf(scores).any()
            or not torch.isfinite(scores).any(dim=-1).all()
        ):
            raise EigenError(DIVERGED)
        width = scores.shape[-1]
        uniform = torch.stack(
            [torch.rand(width, generator=g, device=g.device) for g in self.generators]
        ).to(scores.device)
        # -log(-log(u)) is Gumbel(0, 1); u kept off 0 and 1, where the logs run to infinity
        return scores - torch.log(-torch.log(uniform.clamp(1e-20, 1.0 - 1e-7)))
