"""Scripted episodes per second and environment tool calls per second.

    python benchmarks/bench_episodes.py [SPEC_OR_GENERATED_DIR]

A full episode is the scripted user and agent playing a task against the environment, then the
task's check and every policy rule judging it. Goal: at least 500 episodes/s on one core.
"""

from __future__ import annotations

import time

from _common import domain_dir, machine, pin_one_core

from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser

GOAL = 500


def main() -> None:
    pin_one_core()
    domain = load_domain(domain_dir())
    gold = GoldCache(domain)
    agent, user = ScriptedAgent(), ScriptedUser(domain.stop_marker)
    run_episodes(domain, domain.tasks, agent, user, gold=gold)  # warm up, fills the gold cache
    trials = max(1, 3000 // len(domain.tasks))
    start = time.perf_counter()
    rows = run_episodes(domain, domain.tasks, agent, user, trials=trials, gold=gold)
    elapsed = time.perf_counter() - start
    episodes_rate = len(rows) / elapsed
    passed = sum(r["verdict"]["passed"] for r in rows)
    calls = [(s["tool"], s["args"], t) for t in domain.tasks for s in t["gold"] if "tool" in s]
    env = Environment(domain, domain.tasks[0])
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < 2.0:
        for tool, args, _task in calls:
            env.call_tool(tool, args, "b")
            count += 1
        env.reset()
    calls_rate = count / (time.perf_counter() - start)
    resets = 20_000
    start = time.perf_counter()
    for _ in range(resets):
        env.reset()
    reset_us = (time.perf_counter() - start) / resets * 1e6
    print(f"machine: {machine()}")
    print(
        f"domain: {domain.name}; tasks: {len(domain.tasks)}; "
        f"episodes: {len(rows)} ({passed} passed)"
    )
    print(
        f"scripted episodes: {episodes_rate:,.0f}/s, "
        f"judged ({elapsed / len(rows) * 1e3:.2f} ms each)"
    )
    print(f"environment tool calls: {calls_rate:,.0f}/s (guards and argument checks included)")
    print(f"environment reset: {reset_us:.1f} us")
    print(f"ratio to goal ({GOAL}/s): {episodes_rate / GOAL:.2f}x")


if __name__ == "__main__":
    main()
