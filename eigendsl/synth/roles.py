"""The five roles of self-evolving synthesis, each with a programmatic implementation (the
default: deterministic for a seed, no model) and an LLM-backed one (any backend, driven by the
role prompts that ``eigendsl compile`` writes to ``prompts/roles/``).

The trajectory agent is a runtime agent (scripted or any backend, see
:mod:`eigendsl.runtime.model_roles`); the programmatic workflow planner is in
:mod:`eigendsl.synth.planner`, those of the other three here, their LLM-backed ones in
:mod:`eigendsl.synth.llm_roles`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from eigendsl.runtime.rows import failure_text
from eigendsl.synth.planner import PlanItem
from eigendsl.synth.quality import quality_reasons
from eigendsl.synth.variants import FORBIDDEN_REQUESTS, SynthTask, mind_params, reference
from eigendsl.task_set import sample_params, template_rng
from eigendsl.tasks import TemplateInfo
from eigendsl.template_text import render_text

# ---------------------------------------------------------------------------- user intent


class UserIntent:
    """Samples task parameters from the database and writes the user's scenario, hard cases
    included. Parameter sets of held-out tasks are never used for training dialogues."""

    def __init__(
        self,
        templates: dict[str, TemplateInfo],
        seed: dict[str, Any],
        held_out: set[str],
        rng_seed: int = 0,
        *,
        writes: Collection[str],
    ):
        self.templates, self.db, self.held_out, self.seed = templates, seed, held_out, rng_seed
        self.writes = writes  # the tools that write, which a change of mind is about

    def sample(self, name: str, rng: random.Random) -> dict[str, Any] | None:
        info = self.templates[name]
        for _ in range(20):
            params = sample_params(info, self.db, rng)
            if params is None:
                return None
            if param_key(name, params) not in self.held_out:
                return params
        return None

    def tasks(self, item: PlanItem, generation: int, start: int) -> list[SynthTask]:
        out = []
        for i in range(item.count):
            rng = template_rng(
                self.seed * 7919 + generation, f"{item.kind}:{':'.join(item.templates)}:{start + i}"
            )
            task = self.task(item, rng, f"g{generation}-{start + i:05d}")
            if task is not None:
                out.append(task)
        return out

    def task(self, item: PlanItem, rng: random.Random, task_id: str) -> SynthTask | None:
        if item.kind == "compose":
            return self._compose(item, rng, task_id)
        name = item.templates[0]
        params = self.sample(name, rng)
        if params is None:
            return None
        info = self.templates[name]
        scenario = info.template.user
        if item.kind == "single":
            return SynthTask(task_id, name, params)
        if item.kind == "recover":
            return SynthTask(task_id, name, params, "recover", (name,))
        if item.kind == "refuse":
            return SynthTask(task_id, f"{name}__refuse", params, "refuse", (name,))
        if item.kind == "late":
            needed = [k for k in scenario.known if k not in scenario.reveal_late]
            if not needed:
                return SynthTask(task_id, name, params)
            return SynthTask(
                task_id, name, params, "late", (name,), {"reveal_late": [rng.choice(needed)]}
            )
        if item.kind == "forbidden":
            return SynthTask(
                task_id,
                name,
                params,
                "forbidden",
                (name,),
                {"forbidden_request": rng.choice(FORBIDDEN_REQUESTS)},
            )
        # mind: the user first asks with another value of a parameter they state (mind_params)
        choices = mind_params(info.template, self.writes)
        if not choices:
            return SynthTask(task_id, name, params)
        param = rng.choice(choices)
        first = rng.choice(
            [c for c in info.template.params[param].choices or [] if c != params[param]]
        )
        # until the change, the user asks for and answers with the first value
        said = lambda text: re.sub(reference(param), str(first).replace("\\", "\\\\"), text)  # noqa: E731
        user: dict[str, Any] = {"reason": said(scenario.reason), "change_mind": f"{param}={first}"}
        known = {k: said(v) for k, v in scenario.known.items()}
        if known != scenario.known:
            user["known"] = known
        return SynthTask(task_id, name, params, "mind", (name,), user)

    def _compose(self, item: PlanItem, rng: random.Random, task_id: str) -> SynthTask | None:
        a, b = item.templates
        pa = self.sample(a, rng)
        if pa is None:
            return None
        known_a = _known(self.templates[a], pa)
        identity = _identity_keys(self.templates[a]) & _identity_keys(self.templates[b])
        for _ in range(40):
            pb = self.sample(b, rng)
            if pb is None:
                return None
            known_b = _known(self.templates[b], pb)
            shared = set(known_a) & set(known_b)
            # One person, two different requests: identity facts agree, everything else differs.
            if identity and all((known_a[k] == known_b[k]) == (k in identity) for k in shared):
                params = {f"a_{k}": v for k, v in pa.items()} | {f"b_{k}": v for k, v in pb.items()}
                return SynthTask(task_id, f"{a}__and__{b}", params, "compose", (a, b))
        return None


def _identity_keys(info: TemplateInfo) -> set[str]:
    """Known facts the first call of the gold plan uses: how the user is identified."""
    first = next((s for s in info.template.gold if s.tool), None)
    if first is None:
        return set()
    used = " ".join(str(v) for v in first.args.values())
    return {k for k, v in info.template.user.known.items() if v.strip() and v.strip() in used}


def _known(info: TemplateInfo, params: dict[str, Any]) -> dict[str, str]:
    context = info.text_context(params)
    return {k: render_text(v, context) for k, v in info.template.user.known.items()}


def param_key(template: str, params: dict[str, Any]) -> str:
    return template + ":" + json.dumps(params, sort_keys=True, default=str)


# ---------------------------------------------------------------------------- prompt engineer


PARAPHRASES: dict[str, list[str]] = {
    "user_opening": [
        "Hi! {reason}",
        "Hello there. {reason}",
        "Good morning. {reason}",
        "Hey, quick one: {reason}",
        "Hi, I hope you can help. {reason}",
        "{reason} Thanks in advance.",
    ],
    "ask_info": [
        "Happy to help! May I have your {what}?",
        "First, I need to verify your account. What is your {what}?",
        "Could you tell me your {what}, please?",
        "Let me look into it. Please share your {what}.",
    ],
    "propose": [
        "To confirm, I will {action}. Is that okay? (yes/no)",
        "Before I go ahead: I'm going to {action}. Please confirm (yes/no).",
        "Just to be sure, you want me to {action}? (yes/no)",
    ],
    "user_yes": ["yes, go ahead", "Yes please.", "Yes, that's correct.", "yes, do it"],
    "user_no": ["No, leave it as it is.", "no thanks, I changed my mind about that."],
    "user_done": ["That's all, thank you.", "Great, thanks a lot!", "Perfect, that's everything."],
}


@dataclass
class PromptEngineer:
    """Evolves the utterance pools of the scripted user and agent. Each generation tries a few
    new variants; after judging, a variant is kept when the dialogues that used it were accepted
    at least as often as the others (and it adds new wording, which raises diversity), and
    dropped otherwise."""

    seed: int = 0
    pools: dict[str, list[str]] = field(default_factory=dict)
    trying: dict[str, list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def propose(self, generation: int, per_pool: int = 2) -> dict[str, list[str]]:
        rng = random.Random(f"pe:{self.seed}:{generation}")
        self.trying = {}
        for pool, candidates in PARAPHRASES.items():
            fresh = [
                c for c in candidates if c not in self.pools.get(pool, []) and c not in self.dropped
            ]
            rng.shuffle(fresh)
            if fresh and generation > 1:
                self.trying[pool] = fresh[:per_pool]
        return self.current()

    def current(self) -> dict[str, list[str]]:
        pools = {k: list(v) for k, v in self.pools.items()}
        for pool, variants in self.trying.items():
            pools.setdefault(pool, []).extend(variants)
        return pools

    def review(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Keep or drop the variants tried in this generation, from the judged dialogues."""
        decisions = {}
        for pool, variants in self.trying.items():
            for variant in variants:
                probe = variant.split("{")[0].strip() or variant.split("}")[-1].strip()
                used = [
                    r
                    for r in rows
                    if any(probe and probe in (m.get("content") or "") for m in r["messages"])
                ]
                others = [r for r in rows if r not in used]
                rate = _acceptance(used)
                base = _acceptance(others)
                keep = bool(used) and rate >= base - 0.05
                decisions[variant] = {
                    "pool": pool,
                    "used": len(used),
                    "acceptance": rate,
                    "kept": keep,
                }
                if keep:
                    self.pools.setdefault(pool, []).append(variant)
                else:
                    self.dropped.append(variant)
        self.trying = {}
        return decisions


def _acceptance(rows: list[dict[str, Any]]) -> float:
    return round(sum(r["accepted"] for r in rows) / len(rows), 4) if rows else 0.0


# ---------------------------------------------------------------------------- judge


class Judge:
    """The compiled check and every policy rule (already in the row's verdict), plus quality
    filters: invented identifiers, repeated calls, the turn limit."""

    def __init__(self, domain: Any):
        self.domain = domain
        self.ids = {str(k) for table in domain.seed.values() for k in table}

    def judge(self, row: dict[str, Any]) -> list[str]:
        reasons = [failure_text(f) for f in row["verdict"]["failures"]]
        reasons += quality_reasons(row, self.ids)
        return reasons
