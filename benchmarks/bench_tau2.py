"""Cost of judging tau2-bench trajectories: compiled checks vs tau2's replay-and-hash.

    python benchmarks/bench_tau2.py [TAU2_DOMAIN_DIR]

Imports the tau2 domain folder (default ``../shared/tau2/retail``) into a temporary spec,
compiles it, and builds each task's gold trajectory once (the gold database is computed once per
task and cached, as the runtime does). Then it times:

- the compiled verdict (``Domain.judge``: the task's check, with ``db == gold`` and any NL
  assertion reported as not judged) over every task's trajectory, many rounds;
- tau2-bench's way: replay the trajectory's tool calls on a fresh copy of the database and hash
  the result (``eigendsl.tau2.replay``; tau2 also replays the gold actions each time, which is
  not counted here, so this is a lower bound of its cost).

Goal: one verdict under 1 ms.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, pin_one_core

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import GoldCache
from eigendsl.tau2 import db_hash, load_db, replay
from eigendsl.tau2.importer import import_tau2

GOAL_US = 1000.0
ROUNDS = 20


def gold_trace(domain, task, gold, drop_last_write=False):
    """The trajectory of an agent that makes exactly the gold calls (or all but the last write),
    ready to judge."""
    env = Environment(domain, task)
    env.add_message({"role": "user", "content": task["user"]["reason"]})
    steps = [s for s in task["gold"] if "tool" in s]
    if drop_last_write:
        writes = [i for i, s in enumerate(steps) if domain.tools[s["tool"]].writes]
        if not writes:
            return None
        del steps[writes[-1]]
    for i, step in enumerate(steps):
        call = {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": step["tool"], "arguments": "{}"},
        }
        env.add_message({"role": "assistant", "content": None, "tool_calls": [call]})
        env.call_tool(step["tool"], step["args"], f"c{i}")
    return env.final_trace(gold.get(task)[0])


def main() -> None:
    pin_one_core()
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "tau2" / "retail"
    if not (source / "tasks.json").is_file():
        sys.exit(f"no tau2 domain folder at {source}; pass one as the first argument")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        import_tau2(source, Path(tmp) / "spec")
        imported = time.perf_counter() - start
        start = time.perf_counter()
        domain = load_domain(Path(tmp) / "spec")
        compiled = time.perf_counter() - start
    gold = GoldCache(domain)
    cases = [(task, gold_trace(domain, task, gold)) for task in domain.tasks]

    for task, trace in cases:  # warm up
        domain.judge(trace, task)
    start = time.perf_counter()
    passed = 0
    for _ in range(ROUNDS):
        for task, trace in cases:
            trace._texts = None  # judge each trajectory from scratch
            verdict = domain.judge(trace, task)
            passed += not verdict["failures"] or all(
                f["reason"].startswith("not judged") for f in verdict["failures"]
            )
    ours = (time.perf_counter() - start) / (ROUNDS * len(cases))
    broken = [
        (t, tr) for t in domain.tasks if (tr := gold_trace(domain, t, gold, True)) is not None
    ]
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for task, trace in broken:
            trace._texts = None
            domain.judge(trace, task)
    failing = (time.perf_counter() - start) / (ROUNDS * len(broken))

    base = load_db(source / "db.json")
    episodes = [[{"name": c.tool, "arguments": c.args} for c in trace.calls] for _, trace in cases]
    gold_hashes = [db_hash(gold.get(task)[0]) for task, _ in cases]
    start = time.perf_counter()
    matches = 0
    for actions, expected in zip(episodes, gold_hashes, strict=True):
        final, _ = replay(base, actions)
        matches += db_hash(final) == expected
    theirs = (time.perf_counter() - start) / len(cases)

    print(f"machine: {machine()}")
    print(
        f"domain: {domain.name} from {source}; tasks: {len(cases)}; import {imported:.2f} s, "
        f"compile + load {compiled:.2f} s"
    )
    print(
        f"compiled checks: {ours * 1e6:,.1f} us per verdict ({1 / ours:,.0f} verdicts/s); "
        f"{passed // ROUNDS}/{len(cases)} gold trajectories pass every statement but NL ones"
    )
    print(
        f"failing trajectories (last gold write left out, reasons built): "
        f"{failing * 1e6:,.1f} us per verdict over {len(broken)} tasks"
    )
    print(
        f"tau2 way (replay on a fresh db copy + hash): {theirs * 1e6:,.0f} us per verdict "
        f"({1 / theirs:,.1f} verdicts/s); {matches}/{len(cases)} hashes equal gold"
    )
    print(f"ratio (tau2 way / compiled): {theirs / ours:,.0f}x")
    print(
        f"goal (< {GOAL_US:.0f} us per verdict): {'met' if ours * 1e6 < GOAL_US else 'NOT met'} "
        f"({GOAL_US / (ours * 1e6):.1f}x margin)"
    )


if __name__ == "__main__":
    main()
