"""A generation's tasks played in shards over worker processes, resumable shard by shard.

Each shard is written to ``gen-K/shards/`` as soon as it is judged, and a shard already on disk
is never played again, so a killed run resumes where it stopped. Which dialogues get an injected
mistake depends only on their place in the generation, so the shards are the same with one
worker or several. What a worker does with a shard is :mod:`eigendsl.synth.shard_worker`'s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from eigendsl.runtime.domain import Domain
from eigendsl.runtime.mistakes import MISTAKES, RECOVER
from eigendsl.runtime.rows import write_jsonl
from eigendsl.synth.records import read_rows
from eigendsl.synth.shard_worker import play_shard

MISTAKE_EVERY = 10  # one dialogue in ten gets an injected mistake: negative examples


def play_shards(
    domain: Domain,
    gen_dir: Path,
    tasks: list[dict[str, Any]],
    pools: dict[str, list[str]],
    k: int,
    recover: set[str],
    *,
    size: int,
    seed: int,
    workers: int,
    prepare: Callable[[Domain], None],
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """The judged rows of generation ``k``'s ``tasks``, played in shards of ``size`` over
    ``workers`` processes (the tasks in ``recover`` as recoveries); ``prepare`` sets the workers'
    state (:func:`eigendsl.synth.shard_worker.prepare_workers`) before any shard is played."""
    shards = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    shard_dir = gen_dir / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for index, shard in enumerate(shards):
        if (shard_dir / f"shard-{index:04d}.jsonl").is_file():
            continue
        mistakes = [
            MISTAKES[(i // MISTAKE_EVERY) % len(MISTAKES)]
            if (index * size + i) % MISTAKE_EVERY == MISTAKE_EVERY - 1 and _writes(domain, t)
            else RECOVER
            if t["id"] in recover
            else None
            for i, t in enumerate(shard)
        ]
        jobs.append((index, shard, mistakes, pools, seed, k))
    prepare(domain)
    done = len(shards) - len(jobs)
    if progress:
        progress(done * size, len(tasks))

    def finished(index: int, rows: list[dict[str, Any]]) -> None:
        nonlocal done
        write_jsonl(rows, shard_dir / f"shard-{index:04d}.jsonl")
        done += 1
        if progress:
            progress(min(done * size, len(tasks)), len(tasks))

    if workers > 1 and len(jobs) > 1:
        with worker_pool(workers) as pool:
            for (index, *_), rows in zip(jobs, pool.imap(play_shard, jobs), strict=True):
                finished(index, rows)
    else:
        for job in jobs:
            finished(job[0], play_shard(job))
    rows = []
    for index in range(len(shards)):
        path = shard_dir / f"shard-{index:04d}.jsonl"
        rows += read_rows(path, "delete the file to play that shard again")
    return rows


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[Any]:
    """A pool of ``workers`` forked processes that SIGTERM ends, whatever the command's own
    SIGTERM handler is. The pool's exit terminates its workers with SIGTERM; a worker forked
    while the command turns SIGTERM into Ctrl-C (``cli.shared.sigterm_as_interrupt``) raised
    KeyboardInterrupt instead, at times holding the pool's queue lock, and the pool's exit then
    waited for it forever. SIGTERM is blocked while the workers are forked, so none can arrive
    before a worker has put the default back."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    with pool:
        yield pool


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _writes(domain: Domain, task: dict[str, Any]) -> bool:
    return any("tool" in s and domain.tools[s["tool"]].writes for s in task["gold"]) and task[
        "user"
    ].get("confirm", True)
