"""The workflow planner: what each generation of synthesis plays (templates, kinds, counts),
from what it knows of the templates (:mod:`eigendsl.synth.facts`) and the previous generation's
report."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("single", "refuse", "late", "mind", "forbidden", "compose", "recover")


@dataclass
class PlanItem:
    kind: str
    templates: tuple[str, ...]
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "templates": list(self.templates), "count": self.count}


@dataclass
class TemplateFacts:
    """What the planner knows of a template without playing it."""

    name: str
    tools: tuple[str, ...]
    writes: bool
    steps: int
    choice_params: tuple[str, ...]  # what the user may change their mind about (mind_params)
    tasks: int  # its distinct parameter sets, held-out ones left out (up to a generation's size)
    recovers: bool = False  # a recovery from a refused write can pass on it (synth.facts)


# ---------------------------------------------------------------------------- workflow planner


class WorkflowPlanner:
    """Decides what a generation synthesizes, from the previous generation's report.

    Generation 1 plans every template as single requests, so that a run of one generation
    covers them all. Later generations give more room to the templates that use tools not
    covered yet or whose dialogues were often rejected, and add hard cases and compositions of
    two templates whose gold plans compose (compositions found infeasible are not planned
    again). A template is planned no more dialogues of a kind than it has distinct tasks while
    another still has tasks left (:func:`spread`): a template with two parameter sets gets two
    dialogues, not a sixth of the generation, most of them near-duplicates. With ``recover``
    above 0, that share of every generation is recoveries: requests to a template whose
    recovery can pass (``TemplateFacts.recovers``: its write is made, and a guard refuses it
    given a wrong id), whose dialogue has the agent's write refused once and made again right;
    templates none of whose recoveries passed are not planned again (a wrong order id, say,
    breaks the rule to look an order up before acting on it).
    """

    def __init__(self, facts: dict[str, TemplateFacts], seed: int = 0, recover: float = 0.0):
        self.facts = facts
        self.seed = seed
        self.recover = recover

    def plan(self, generation: int, total: int, previous: dict[str, Any] | None) -> list[PlanItem]:
        names = sorted(self.facts, key=lambda n: (self.facts[n].steps, n))
        failed = {
            n for n, rate in (previous or {}).get("acceptance_by_recovery", {}).items() if rate == 0
        }
        writes = [
            PlanItem("recover", (n,), 0)
            for n in names
            if self.facts[n].recovers and n not in failed
        ]
        recoveries = spread(round(total * self.recover), writes, room=self._room)
        rest = total - sum(i.count for i in recoveries)
        return self._plan(generation, rest, previous, names) + recoveries

    def _plan(
        self, generation: int, total: int, previous: dict[str, Any] | None, names: list[str]
    ) -> list[PlanItem]:
        rng = random.Random(f"plan:{self.seed}:{generation}")
        if previous is None:
            return spread(total, [PlanItem("single", (n,), 0) for n in names], room=self._room)
        covered = set(previous.get("tools_covered", []))
        acceptance = previous.get("acceptance_by_template", {})
        infeasible = {tuple(p) for p in previous.get("infeasible_compositions", [])}
        weights: dict[str, float] = {}
        for name in names:
            facts = self.facts[name]
            weight = 1.0
            if any(t not in covered for t in facts.tools):
                weight += 2.0  # brings a tool not covered yet
            rate = acceptance.get(name)
            if rate is None:
                weight += 1.0  # never tried
            elif rate < 0.8:
                weight += 1.0  # often rejected: more attempts to learn from
            weights[name] = weight
        hard_share = min(0.15 * generation, 0.4)
        compose_share = min(0.1 * generation, 0.3)
        items = [PlanItem("single", (n,), 0) for n in names]
        singles = spread(
            round(total * (1 - hard_share - compose_share)), items, weights, room=self._room
        )
        hard: list[PlanItem] = []
        for name in names:
            facts = self.facts[name]
            kinds = ["late", "forbidden"]
            if facts.writes:
                kinds.append("refuse")
            if facts.writes and facts.choice_params:
                kinds.append("mind")
            hard += [PlanItem(k, (name,), 0) for k in kinds]
        hard = spread(
            round(total * hard_share), sorted(hard, key=lambda i: rng.random()), room=self._room
        )
        # Compositions that worked before, plus a few new pairs to explore.
        worked = sorted(
            tuple(key.split("+")) for key, rate in acceptance.items() if "+" in key and rate > 0
        )
        fresh = [
            (a, b)
            for a in names
            for b in names
            if a != b and (a, b) not in infeasible and (a, b) not in worked
        ]
        rng.shuffle(fresh)
        pairs = worked + fresh[: max(1, len(names) // 2)]
        composed = spread(
            total - sum(i.count for i in singles + hard), [PlanItem("compose", p, 0) for p in pairs]
        )
        return [i for i in singles + hard + composed if i.count > 0]

    def _room(self, item: PlanItem) -> int | None:
        """How many dialogues of ``item`` can differ in their task: its template's distinct
        tasks (a composition's: no bound)."""
        return None if item.kind == "compose" else self.facts[item.templates[0]].tasks


def spread(
    total: int,
    items: list[PlanItem],
    weights: dict[str, float] | None = None,
    room: Callable[[PlanItem], int | None] | None = None,
) -> list[PlanItem]:
    """Share ``total`` among ``items`` in proportion to the weights of their first template.

    With ``room`` (an item's distinct tasks, None for no bound), an item's share stops at its
    room and the rest goes to the items with room left; only when every item is full is what
    remains shared as without it (the same task again, in other words).

    >>> tasks = {"a": 2, "b": 10}
    >>> items = [PlanItem("single", (n,), 0) for n in tasks]
    >>> [i.count for i in spread(8, items)]
    [4, 4]
    >>> [i.count for i in spread(8, items, room=lambda i: tasks[i.templates[0]])]
    [2, 6]
    >>> [i.count for i in spread(20, items, room=lambda i: tasks[i.templates[0]])]
    [6, 14]
    """
    if not items or total <= 0:
        return []
    w = [(weights or {}).get(i.templates[0], 1.0) for i in items]
    counts = [0] * len(items)
    if room is not None:
        caps = [room(i) for i in items]
        full = {i for i, cap in enumerate(caps) if cap is not None and cap <= 0}
        while True:  # the items whose share would pass their room are given their room
            open_ = [i for i in range(len(items)) if i not in full]
            left = total - sum(caps[i] or 0 for i in full)
            over = {
                i
                for i in open_
                if caps[i] is not None and left * w[i] / sum(w[j] for j in open_) >= (caps[i] or 0)
            }
            if not over:
                break
            full |= over
        for i in full:
            counts[i] = max(caps[i] or 0, 0)
        if open_ and left > 0:
            for i, share in zip(open_, _shares(left, [w[i] for i in open_]), strict=True):
                counts[i] = share
            return [PlanItem(i.kind, i.templates, c) for i, c in zip(items, counts, strict=True)]
        total = max(left, 0)
    counts = [c + s for c, s in zip(counts, _shares(total, w), strict=True)]
    return [PlanItem(i.kind, i.templates, c) for i, c in zip(items, counts, strict=True)]


def _shares(total: int, w: list[float]) -> list[int]:
    """``total`` in whole parts proportional to ``w``, the remainder to the largest fractions."""
    if total <= 0:
        return [0] * len(w)
    exact = [total * x / sum(w) for x in w]
    counts = [int(e) for e in exact]
    order = sorted(range(len(w)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def nothing_to_sample(spec_dir: Path, templates: dict[str, Any]) -> str:
    """Why synthesis can plan no dialogue of ``spec_dir`` (no template is sampled, or none draws
    a task from the seed data), and what to do instead."""
    unsampled = sum(not info.template.sample for info in templates.values())
    why = (
        f"all {len(templates)} of its templates are `sample: false`"
        if unsampled == len(templates)
        else f"{unsampled} of its {len(templates)} templates are `sample: false` and the others "
        "draw no task from the seed data (no parameter set, or only held-out ones)"
    )
    return (
        f"{spec_dir}: synthesis has nothing to plan: {why}, and synthesis plans its dialogues "
        "from tasks it samples. Let a template be sampled (drop `sample: false`, give its params "
        "sources the seed data fills); for the gold dialogues of the spec's own tasks (an "
        "imported tau2 spec's), run `eigendsl run SPEC --agent scripted --out dialogues.jsonl`"
    )
