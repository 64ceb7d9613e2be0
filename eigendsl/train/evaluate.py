"""Evaluation: pass^1..K and pass@K of a model on held-out tasks, failures grouped by reason.

The model plays the agent through the runtime's ``hf`` backend (batched generation across all
episodes) against the scripted user simulator; every episode is judged by the compiled check
and the policy rules, exactly as ``eigendsl run`` judges it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.backends import HFBackend, ModelAgent
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.episodes import run_episodes, summarize, write_jsonl
from eigendsl.runtime.scripted import ScriptedUser


def eval_tasks(domain: Domain, which: str = "held-out") -> list[dict[str, Any]]:
    """The tasks of a split (``held-out``, ``train`` or ``all``)."""
    tasks = [t for t in domain.tasks if which == "all" or t.get("split") == which]
    if not tasks:
        raise EigenError(f"domain {domain.name} has no '{which}' tasks; recompile with sampling.held_out_fraction > 0")
    return tasks


def evaluate(domain: Domain, model: Any, tokenizer: Any, tasks: list[dict[str, Any]], trials: int = 4,
             temperature: float = 0.3, context: str = "compact", max_new_tokens: int = 128,
             max_turns: int | None = None, out: Path | None = None, seed: int = 0) -> dict[str, Any]:
    """Play every task ``trials`` times with the model; return the summary of ``eigendsl run``
    (``episodes``, ``passed``, ``pass_rate``, ``pass_hat_k``, ``pass_at_k``, ``failures``...)."""
    backend = HFBackend(model=model, tokenizer=tokenizer, max_new_tokens=max_new_tokens,
                        temperature=temperature, seed=seed)
    agent = ModelAgent(backend, "model", context=context)
    rows = run_episodes(domain, tasks, agent, ScriptedUser(domain.stop_marker, seed), trials=trials,
                        max_turns=max_turns)
    if out is not None:
        write_jsonl(rows, out)
    summary = summarize(rows, trials)
    summary["pass_hat_1"] = summary["pass_hat_k"].get("1", 0.0)
    summary["pass_hat_k_max"] = summary["pass_hat_k"].get(str(trials), 0.0)
    return summary
