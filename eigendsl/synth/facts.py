"""What the workflow planner knows of each template before a generation is played: the tools
its gold plan calls, whether it writes, its length, what a user may change their mind about,
how many distinct tasks the seed data gives it (parameter sets, held-out ones left out), and,
when recoveries are asked for, whether a recovery from a refused write can pass on it."""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import refused_call_ids
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.mistakes import RECOVER
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.synth.planner import TemplateFacts
from eigendsl.synth.roles import param_key
from eigendsl.synth.variants import mind_params
from eigendsl.task_set import param_sets
from eigendsl.tasks import TemplateInfo

PROBES = 3
"""Compiled tasks of a template played as recoveries to tell whether one can pass there."""


def template_facts(
    templates: dict[str, TemplateInfo],
    base: Domain,
    seed: dict[str, Any],
    held_out: set[str],
    limit: int,
    recover: bool,
) -> dict[str, TemplateFacts]:
    """The facts of each template that is sampled and has a task to sample (counted up to
    ``limit``, the most a generation plans). With ``recover``, which templates that write can
    show a recovery: a template whose user declines its write (``confirm: false``), or whose
    write no guard refuses when given another id (the wrong write lands), cannot."""
    writes = {name for name, tool in base.tools.items() if tool.writes}
    facts = {}
    for name, info in templates.items():
        if not info.template.sample:
            continue
        sets = param_sets(info, seed, limit + len(held_out))
        tasks = min(limit, sum(param_key(name, p) not in held_out for p in sets))
        if tasks == 0:
            continue
        facts[name] = TemplateFacts(
            name,
            tuple(sorted({s.tool for s in info.template.gold if s.tool})),
            any(s.tool in writes for s in info.template.gold),
            len(info.template.gold),
            mind_params(info.template, writes),
            tasks,
        )
    if recover:
        recovers = _recoverable(base, [n for n, f in facts.items() if f.writes], writes)
        for name, fact in facts.items():
            fact.recovers = name in recovers
    return facts


def _recoverable(base: Domain, names: list[str], writes: set[str]) -> set[str]:
    """The templates of ``names`` of which a compiled task, played with its first write sent
    with a wrong id, has that write refused and passes its checks all the same."""
    probes = [
        task
        for name in names
        for task in [t for t in base.tasks if t["template"] == name and t["split"] == "train"][
            :PROBES
        ]
    ]
    rows = run_episodes(base, probes, ScriptedAgent((RECOVER,)), ScriptedUser(base.stop_marker))
    return {
        row["template"] for row in rows if row["verdict"]["passed"] and _write_refused(row, writes)
    }


def _write_refused(row: dict[str, Any], writes: set[str]) -> bool:
    refused = refused_call_ids(row["messages"])
    return any(
        call["id"] in refused and call["function"]["name"] in writes
        for m in row["messages"]
        if m["role"] == "assistant"
        for call in m.get("tool_calls") or ()
    )
