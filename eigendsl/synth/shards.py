"""A generation's tasks played in shards over worker processes, resumable shard by shard.

Each shard is written to ``gen-K/shards/`` as soon as it is judged, and a shard already on disk
is never played again, so a killed run resumes where it stopped. Which dialogues get an injected
mistake depends only on their place in the generation, so the shards are the same with one
worker or several. A worker process that dies (killed, or by the out-of-memory killer) stops the
command with an error that says so; the shards written are kept. What a worker does with a shard
is :mod:`eigendsl.synth.shard_worker`'s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
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

    def finished(index: int, rows: list[dict[str, Any]] | None = None) -> None:
        nonlocal done
        if rows is not None:  # a worker writes its own shard
            write_jsonl(rows, shard_dir / f"shard-{index:04d}.jsonl")
        done += 1
        if progress:
            progress(min(done * size, len(tasks)), len(tasks))

    if workers > 1 and len(jobs) > 1:
        _JOBS[:] = [(shard_dir / f"shard-{job[0]:04d}.jsonl", job) for job in jobs]
        try:
            with worker_pool(workers) as pool:
                for index in pool.map(_play_to_file, range(len(jobs))):
                    finished(index)
        except WorkerDied as exc:
            raise EigenError(
                f"{exc} while generation {k} was played; the shards written ({done} of "
                f"{len(shards)}) are kept in {shard_dir}, and the same command resumes from them"
            ) from None
        finally:
            _JOBS.clear()
    else:
        for job in jobs:
            finished(job[0], play_shard(job))
    rows = []
    for index in range(len(shards)):
        path = shard_dir / f"shard-{index:04d}.jsonl"
        rows += read_rows(path, "delete the file to play that shard again")
    return rows


# The generation's jobs and their shard files, set before the pool forks its workers, which
# inherit them: the pool's pipes carry only a job's number out and its shard's index back. A
# worker ended while it sent a shard's rows back (Ctrl-C terminates the workers) left half a
# message in the result pipe, whose every writer the parent keeps open, and the pool's shutdown
# waited for the rest of it for ever; a message this small is written whole or not at all.
_JOBS: list[tuple[Path, tuple[Any, ...]]] = []


def _play_to_file(number: int) -> int:
    """Play job ``number`` of :data:`_JOBS` in a worker and write its shard there (atomically:
    a worker ended mid-write leaves no shard, and a resumed run plays it again)."""
    path, job = _JOBS[number]
    write_jsonl(play_shard(job), path)
    return int(job[0])


class WorkerDied(Exception):
    """A worker process of :func:`worker_pool` died while the pool played; the message says
    which, and how."""


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` forked processes that SIGTERM ends and Ctrl-C leaves alone, whatever
    the command's own handlers are: the command stops them. A worker that dies ends the pool
    with :class:`WorkerDied` (``multiprocessing.Pool`` replaced it and lost the job it played, and
    its results were awaited forever); an exception of the command (Ctrl-C, SIGTERM turned into
    it) terminates the workers at once, and the jobs not played are dropped.

    A worker forked while the command turns SIGTERM into Ctrl-C
    (``cli.shared.sigterm_as_interrupt``) raised KeyboardInterrupt instead of dying, at times
    holding the pool's queue lock, and the pool's exit waited for it forever; one that kept
    the command's SIGINT handler printed a traceback on Ctrl-C. SIGTERM and SIGINT are blocked
    while the workers are forked, so none arrives before a worker has set its own handlers."""
    before = set(multiprocessing.active_children())
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_signals
        )
        pool.submit(int)  # a fork pool starts all its workers at its first job: now, blocked
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    processes = [p for p in multiprocessing.active_children() if p not in before]
    try:
        yield pool
    except BrokenProcessPool:
        pool.shutdown()  # the pool has ended the other workers and waits for them
        raise WorkerDied(_death(processes)) from None
    except BaseException:
        for process in processes:
            process.terminate()
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()


def _worker_signals() -> None:
    """A worker dies of SIGTERM and ignores Ctrl-C; it was forked with both blocked, and a fork
    keeps the signal mask, so it unblocks them once its handlers are set (SIGTERM left blocked
    made `process.terminate()` a no-op and the pool's shutdown on Ctrl-C waited for ever)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})


def _death(processes: list[multiprocessing.process.BaseProcess]) -> str:
    """Which worker died and how, told by the exit statuses once all have ended: the pool ends
    the others with SIGTERM, so a worker that ended otherwise is the one that died."""
    others = [p for p in processes if p.exitcode != -signal.SIGTERM]
    if not others:
        return "a synthesis worker process was ended by SIGTERM"
    code = others[0].exitcode
    if code is None or code == 0:
        how = "ended"
    elif code > 0:
        how = f"exited with status {code}"
    else:
        how = f"was killed by {signal.Signals(-code).name}"
        if code == -signal.SIGKILL:
            how += " (as the out-of-memory killer does)"
    return f"synthesis worker process {others[0].pid} {how}"


def _writes(domain: Domain, task: dict[str, Any]) -> bool:
    return any("tool" in s and domain.tools[s["tool"]].writes for s in task["gold"]) and task[
        "user"
    ].get("confirm", True)
