"""The LLM-backed implementations of the synthesis roles: each asks a model (any backend, driven
by the role prompts that ``eigendsl compile`` writes to ``prompts/roles/``) and falls back on,
or checks against, the programmatic role of :mod:`eigendsl.synth.roles` it extends.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Collection
from typing import Any

from eigendsl.synth.planner import KINDS, PlanItem, TemplateFacts, WorkflowPlanner, spread
from eigendsl.synth.roles import PARAPHRASES, Judge, PromptEngineer, UserIntent
from eigendsl.synth.variants import SynthTask
from eigendsl.tasks import TemplateInfo
from eigendsl.template_text import render_text


def ask_json(backend: Any, system: str, user: str) -> Any:
    """Ask a backend for a JSON object; None when the answer is not JSON."""
    turn = backend.generate(
        [[{"role": "system", "content": system}, {"role": "user", "content": user}]], None
    )[0]
    text = turn.content or turn.raw or ""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        return None
    try:
        return json.loads(match.group(0))
    except json.JSONDecodeError:
        return None


class LLMPlanner(WorkflowPlanner):
    """A model proposes the plan; invalid or unknown entries fall back to the programmatic one."""

    def __init__(
        self,
        facts: dict[str, TemplateFacts],
        backend: Any,
        prompt: str,
        seed: int = 0,
        recover: float = 0.0,
    ):
        super().__init__(facts, seed, recover)
        self.backend, self.prompt = backend, prompt
        self.fallbacks = 0

    def plan(self, generation: int, total: int, previous: dict[str, Any] | None) -> list[PlanItem]:
        report = json.dumps({k: v for k, v in (previous or {}).items() if k != "prompt_engineer"})[
            :4000
        ]
        answer = ask_json(
            self.backend,
            self.prompt,
            f"Generation {generation}; {total} dialogues.\nPrevious report: {report}",
        )
        items = []
        for entry in (answer or {}).get("plan", []) if isinstance(answer, dict) else []:
            names = tuple(entry.get("templates", ()))
            kind = entry.get("kind") or ("compose" if len(names) == 2 else "single")
            count = entry.get("count")
            if (
                kind in KINDS
                and names
                and all(n in self.facts for n in names)
                and isinstance(count, int)
                and count > 0
            ):
                if (kind == "compose") == (len(names) == 2):
                    items.append(PlanItem(kind, names, count))
        if not items:
            self.fallbacks += 1
            return super().plan(generation, total, previous)
        scale = total / sum(i.count for i in items)
        return [
            i
            for i in spread(total, items, {i.templates[0]: i.count * scale for i in items})
            if i.count > 0
        ]


class LLMUserIntent(UserIntent):
    """Parameters are sampled from the database as before; a model rewrites the reason for the
    call (it must keep every identifier, or the programmatic text is kept)."""

    def __init__(
        self,
        templates: dict[str, TemplateInfo],
        seed: dict[str, Any],
        held_out: set[str],
        backend: Any,
        prompt: str,
        rng_seed: int = 0,
        *,
        writes: Collection[str],
    ):
        super().__init__(templates, seed, held_out, rng_seed, writes=writes)
        self.backend, self.prompt = backend, prompt

    def task(self, item: PlanItem, rng: random.Random, task_id: str) -> SynthTask | None:
        task = super().task(item, rng, task_id)
        if task is None or item.kind == "compose":
            return task
        info = self.templates[item.templates[0]]
        written = task.user.get("reason") or info.template.user.reason
        reason = render_text(written, info.text_context(task.params))
        answer = ask_json(
            self.backend,
            self.prompt,
            f"Task: {info.name}. Parameters: {json.dumps(task.params)}. Current reason: {reason}",
        )
        if isinstance(answer, dict) and isinstance(answer.get("reason"), str):
            text = answer["reason"]
            if (
                all(str(v) in text for v in task.params.values() if str(v) in reason)
                and "{" not in text
            ):
                task.user = {**task.user, "reason": text}
        return task


class LLMPromptEngineer(PromptEngineer):
    """A model proposes the new variants; each must keep its pool's placeholders."""

    def __init__(self, backend: Any, prompt: str, seed: int = 0):
        super().__init__(seed)
        self.backend, self.prompt = backend, prompt

    def propose(self, generation: int, per_pool: int = 2) -> dict[str, list[str]]:
        super().propose(generation, per_pool)
        if generation <= 1:
            return self.current()
        for pool, examples in PARAPHRASES.items():
            answer = ask_json(
                self.backend, self.prompt, f"Pool: {pool}. Examples: {json.dumps(examples[:3])}"
            )
            variants = answer.get("variants", []) if isinstance(answer, dict) else []
            markers = (
                re.findall(r"\{\w+\}", examples[0])
                + (["(yes/no)"] if pool == "propose" else [])
                + (["yes"] if pool == "user_yes" else [])
            )
            good = [
                v
                for v in variants
                if isinstance(v, str)
                and all(m in v.lower() if m == "yes" else m in v for m in markers)
                and set(re.findall(r"\{[^}]*\}", v)) <= set(re.findall(r"\{\w+\}", examples[0]))
            ]
            if good:
                self.trying[pool] = good[:per_pool]
        return self.current()


class LLMJudge(Judge):
    """The programmatic judge, then a model's opinion on what verifiers cannot see."""

    def __init__(self, domain: Any, backend: Any, prompt: str):
        super().__init__(domain)
        self.backend, self.prompt = backend, prompt

    def judge(self, row: dict[str, Any]) -> list[str]:
        reasons = super().judge(row)
        if reasons:
            return reasons
        dialogue = "\n".join(
            f"{m['role']}: {m.get('content') or ''}"
            for m in row["messages"][1:]
            if m["role"] in ("user", "assistant")
        )
        answer = ask_json(self.backend, self.prompt, f"Dialogue:\n{dialogue}")
        if isinstance(answer, dict) and answer.get("passed") is False:
            return [f"judge model: {r}" for r in answer.get("reasons", ["rejected"])][:3]
        return []
