"""Verified dialogues per minute with the programmatic roles.

    python benchmarks/bench_synth.py [SPEC_DIR] [--workers W]

Runs 3 generations of 300 planned dialogues into a temporary folder and reports accepted
(verified) dialogues per minute, compile and planning included. Goal: 1,000 per minute on
this 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine

from eigendsl.synth.generation import SynthSettings, run_synthesis

GOAL = 1000


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 1
    if "--workers" in sys.argv:
        args.remove(str(workers))
    spec = Path(args[0]) if args else ROOT / "specs" / "retail"
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        summary = run_synthesis(
            spec,
            Path(out) / "run",
            SynthSettings(generations=3, per_generation=300, workers=workers),
        )
        elapsed = time.perf_counter() - start
    accepted = summary["accepted_total"]
    played = sum(g["dialogues"] for g in summary["generations"])
    rate = accepted / elapsed * 60
    print(f"machine: {machine()}")
    print(
        f"spec: {spec.name}; workers: {workers}; dialogues played: {played}; "
        f"verified and kept: {accepted}"
    )
    print(
        f"time: {elapsed:.1f} s; verified dialogues per minute: {rate:,.0f}; "
        f"played per minute: {played / elapsed * 60:,.0f}"
    )
    for g in summary["generations"]:
        print(
            f"  gen {g['generation']}: accepted {g['accepted']}/{g['dialogues']}, "
            f"tools {g['tool_coverage']:.2f}, "
            f"rules {g['rule_coverage']:.2f}, tool sequences {g['distinct_tool_sequences']}, "
            f"user 3-grams {g['distinct_user_ngrams']}"
        )
    print(f"ratio to goal ({GOAL}/min): {rate / GOAL:.2f}x")


if __name__ == "__main__":
    main()
