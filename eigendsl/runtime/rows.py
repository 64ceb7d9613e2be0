"""What a run's episode rows add up to, and where they go: pass^k and pass@k, the summary of
``run`` and ``eval`` (failures by place, tool calls, why episodes ended), the spec files rows name
as paths from the working directory, and the episodes file (claimed before a run, written
atomically after it). The rows themselves are :mod:`eigendsl.runtime.episodes`'.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from math import comb
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.environment import is_refusal
from eigendsl.runtime.episodes import END_VERIFIER, INVALID_CALL
from eigendsl.runtime.tool_faults import ToolFault
from eigendsl.support import is_score_term


def pass_hat_k(successes: Iterable[tuple[int, int]], k: int) -> float:
    """tau2-bench's pass^k: the chance that k trials drawn from n all succeed, averaged over
    tasks. ``successes`` yields (n trials, c successes) per task.

    >>> round(pass_hat_k([(4, 4), (4, 2)], 2), 4)  # (1 + 1/6) / 2
    0.5833
    """
    values = [comb(c, k) / comb(n, k) for n, c in successes if n >= k]
    return sum(values) / len(values) if values else 0.0


def pass_at_k(successes: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k: the chance that at least one of k trials succeeds, averaged over tasks."""
    values = [1 - comb(n - c, k) / comb(n, k) for n, c in successes if n >= k]
    return sum(values) / len(values) if values else 0.0


def calls_that_ran(summary: dict[str, Any]) -> str:
    """How many of the tool calls made ran, of how many, and the share; "none made" rather
    than 0/0.

    >>> calls_that_ran({"tool_calls": 35, "tool_call_ok_rate": 0.714286})
    '25 of 35 (71.4%)'
    """
    made = summary.get("tool_calls")
    if not made:
        return "none made"
    rate = summary["tool_call_ok_rate"]
    return f"{round(rate * made)} of {made} ({rate:.1%})"


def headline_rates(summary: dict[str, Any]) -> list[tuple[str, float]]:
    """What a table of :func:`summarize`'s figures leads with: pass^1 and, with K trials a task,
    pass^K and pass@K (with one trial these are all pass^1)."""
    k = max((int(j) for j in summary["pass_hat_k"]), default=1)
    rates = [("pass^1", summary["pass_hat_k"].get("1", 0.0))]
    if k > 1:
        rates += [(f"pass^{k}", summary["pass_hat_k"][str(k)])]
        rates += [(f"pass@{k}", summary["pass_at_k"][str(k)])]
    return rates


def verdicts_by_family(rows: Iterable[dict[str, Any]]) -> dict[str, list[bool]]:
    """Each task family's episodes, passed or not, in the rows' order (``-``: a task of none).

    >>> rows = [{"family": "cancel", "verdict": {"passed": True}}, {"verdict": {"passed": 0}}]
    >>> verdicts_by_family(rows)
    {'cancel': [True], '-': [False]}
    """
    families: dict[str, list[bool]] = {}
    for row in rows:
        families.setdefault(row.get("family") or "-", []).append(bool(row["verdict"]["passed"]))
    return families


def summarize(rows: list[dict[str, Any]], k_max: int | None = None) -> dict[str, Any]:
    """The summary of episodes that ``run``, ``eval`` and ``train`` print and record, one shape
    for all three (``pass_hat_1`` and ``pass_hat_k_max`` too, so that a script reading either of
    ``run --json`` and ``eval --json`` finds the same keys)."""
    per_task: dict[str, list[bool]] = {}
    for row in rows:
        per_task.setdefault(row["task_id"], []).append(bool(row["verdict"]["passed"]))
    counts = [(len(v), sum(v)) for v in per_task.values()]
    trials = min((n for n, _ in counts), default=0)
    k_max = min(k_max or trials, trials) if trials else 0
    # A `score` term that did not hold lowers the score and fails no episode: counted apart.
    failures: Counter[str] = Counter()
    scores_missed: Counter[str] = Counter()
    for row in rows:
        for failure in row["verdict"]["failures"]:
            tally = scores_missed if is_score_term(failure) else failures
            tally[failure_place(failure)] += 1
    passed = sum(bool(r["verdict"]["passed"]) for r in rows)
    families = verdicts_by_family(rows)
    made, failed, malformed = _tool_calls(rows)
    tool_faults = _tool_faults(rows)
    hats = {str(k): round(pass_hat_k(counts, k), 6) for k in range(1, k_max + 1)}
    return {
        "tasks": len(per_task),
        "episodes": len(rows),
        "passed": passed,
        "pass_rate": round(passed / len(rows), 6) if rows else 0.0,
        "pass_hat_k": hats,
        "pass_at_k": {str(k): round(pass_at_k(counts, k), 6) for k in range(1, k_max + 1)},
        "pass_hat_1": hats.get("1", 0.0),
        "pass_hat_k_max": hats.get(str(k_max), 0.0),
        # why each episode ended: the user's stop marker, an empty user turn (a broken user
        # model), or the turn limit (each end but the stop marker fails the episode)
        "ended": dict(sorted(Counter(r.get("end_reason") or "-" for r in rows).items())),
        "failures": dict(failures.most_common()),
        "scores_missed": dict(scores_missed.most_common()),
        "families": {f: round(sum(v) / len(v), 6) for f, v in sorted(families.items())},
        # Progress short of passing: the verifier's mean score, and how many of the agent's
        # tool calls ran (a malformed call, an unknown tool or a tool error does not).
        "mean_score": round(sum(float(r["verdict"].get("score", 0.0)) for r in rows) / len(rows), 6)
        if rows
        else 0.0,
        "tool_calls": made,
        "tool_call_ok_rate": round((made - failed) / made, 6) if made else 0.0,
        "malformed_tool_calls": malformed,
        # Exceptions and bad writes in the spec's tools, by where and what: bugs to fix there.
        "tool_faults": dict(tool_faults.most_common()),
    }


def from_here(place: str, spec_dir: Path) -> str:
    """``place`` (a spec file a verdict, a tool fault or a rejection names, with its
    ``:line:col`` and what follows, or not) as a path from the working directory. A compiled
    verifier names a spec file from the spec folder's parent (``retail/checks/tasks.chk``, the
    same wherever it was compiled from), which opens only from there; played from the spec
    folder ``specs/retail``, it is ``specs/retail/checks/tasks.chk``, as the user named the
    folder. A compiled folder's spec may be anywhere: ``place`` stays as it is there, and where
    the spec folder is in the working directory.

    >>> from_here("retail/checks/tasks.chk:11:5: db == gold does not hold", Path("specs/retail"))
    'specs/retail/checks/tasks.chk:11:5: db == gold does not hold'
    """
    if not (spec_dir / "domain.yaml").is_file() or spec_dir.parent == Path("."):
        return place
    if not place.startswith(f"{spec_dir.name}/"):
        return place  # a file outside the spec folder: named as it was given
    return f"{spec_dir.parent.as_posix()}/{place}"


def uses_from_here(text: str, spec_dir: Path) -> str:
    """``text`` with the place of each block use it names (``(in block NAME, used at
    FILE:LINE)``, which a block's statement ends with) as a path from here, as
    :func:`from_here` writes the statement's own place.

    >>> uses_from_here("require x (in block b, used at retail/a.chk:7)", Path("specs/retail"))
    'require x (in block b, used at specs/retail/a.chk:7)'
    """
    return _USED_AT.sub(lambda m: m.group(1) + from_here(m.group(2), spec_dir), text)


_USED_AT = re.compile(r"(\(in block [^(),]*, used at )([^()]*)(?=\))")


def row_from_here(row: dict[str, Any], spec_dir: Path) -> dict[str, Any]:
    """An episode row with the spec files it names (its verdict's failures and notes, its tool
    faults, a synthesized dialogue's rejection reasons) as paths from here (:func:`from_here`),
    as the episode files and reports a command writes name them."""
    verdict = row["verdict"]
    out = dict(row)
    out["verdict"] = {
        **verdict,
        **{
            key: [_item_from_here(item, spec_dir) for item in verdict[key]]
            for key in ("failures", "notes")
            if key in verdict
        },
    }
    if "tool_faults" in row:
        out["tool_faults"] = [
            {
                **fault,
                "file": from_here(fault["file"], spec_dir),
                **(
                    {"defined": from_here(fault["defined"], spec_dir)} if "defined" in fault else {}
                ),
            }
            for fault in row["tool_faults"]
        ]
    if "reasons" in row:
        out["reasons"] = [
            uses_from_here(from_here(reason, spec_dir), spec_dir) for reason in row["reasons"]
        ]
    return out


def _item_from_here(item: dict[str, Any], spec_dir: Path) -> dict[str, Any]:
    """A verdict's failure or note with its places as paths from here."""
    moved = {**item, "path": from_here(item["path"], spec_dir)}
    if isinstance(item.get("statement"), str):
        moved["statement"] = uses_from_here(item["statement"], spec_dir)
    return moved


def failure_text(failure: dict[str, Any]) -> str:
    """A verdict's failure as one line: ``path:line:col: reason`` (the reason alone for an
    episode that did not end normally, which no statement wrote)."""
    if failure.get("verifier") == END_VERIFIER:
        return str(failure["reason"])
    return f"{failure['path']}:{failure['line']}:{failure['col']}: {failure['reason']}"


def failure_place(failure: dict[str, Any]) -> str:
    """A failure as the summary counts it: its statement where it is written, or, for an
    episode that did not end normally, why (:func:`fail_unfinished`). A block's statement is
    counted once for all the uses that failed it (newcomer B's L2: a block used by six checks
    filled six rows of a report's failures); the episodes name each use.

    >>> failure_place({"path": "r/b.chk", "line": 3, "statement": "require x (in block b, used at "
    ...     "r/a.chk:7)"})
    'r/b.chk:3: require x (in block b)'
    """
    if failure.get("verifier") == END_VERIFIER:
        return str(failure["reason"])
    statement = _USED_AT.sub(lambda m: m.group(1).removesuffix(", used at "), failure["statement"])
    return f"{failure['path']}:{failure['line']}: {statement}"


def _tool_faults(rows: list[dict[str, Any]]) -> Counter[str]:
    """How often each bug of the spec's tools was met, by its first sentence (one bug is the
    same tool, kind and place or field, whichever row it wrote)."""
    first: dict[tuple[str, str, str], str] = {}
    counts: Counter[str] = Counter()
    for row in rows:
        for found in row.get("tool_faults", ()):
            fault = ToolFault(**found)
            counts[first.setdefault((fault.tool, fault.kind, fault.group), str(fault))] += 1
    return counts


def _tool_calls(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(tool calls the agent made, those answered with an error, those that could not be read
    as a call at all) over all episodes."""
    made = failed = malformed = 0
    for row in rows:
        for message in row["messages"]:
            if message.get("role") == "assistant":
                calls = message.get("tool_calls") or ()
                made += len(calls)
                malformed += sum(
                    (call.get("function") or {}).get("name") == INVALID_CALL for call in calls
                )
            elif is_refusal(message):
                failed += 1
    return made, failed, malformed


def claim_episodes_file(path: Path | str) -> None:
    """Check, before any episode is played, that ``path`` can take the episodes: a new file, an
    empty one or an earlier episodes file (never a spec's YAML or a tool's source), in a folder
    this process can write to. Raises :class:`EigenError` saying which and what to do."""
    target = Path(path)
    run = target.parent.parent
    if target.parent.name == "eval" and ((run / "run.json").is_file() or (run / "stages").is_dir()):
        # an episodes file, but a training run's record: its summary.json and report.md count
        # these episodes, and train keeps the stage as done
        raise EigenError(
            f"{target} is in the eval folder of the training run {run}, which keeps each eval "
            "stage's judged episodes there (its summary.json and report.md count them); name a "
            f"file outside it for --out, such as {run.name}-{target.stem}-again.jsonl"
        )
    if target.is_file() and target.stat().st_size:
        with open(target, "rb") as handle:
            first = handle.readline(1 << 20)
        try:
            row = json.loads(first)
        except ValueError:
            row = None
        if not (isinstance(row, dict) and "task_id" in row and "verdict" in row):
            raise EigenError(
                f"{target} exists and is not an episodes file (its first line is not a judged "
                "episode); name a new file for --out, or delete that one first"
            )
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.open("w").close()
        tmp.unlink()
    except OSError as exc:
        raise EigenError(
            f"cannot write the episodes to {target}: {exc.strerror or exc} ({exc.filename}); "
            "name a file in a folder you can write to"
        ) from None


def write_jsonl(rows: list[dict[str, Any]], path: Path | str) -> None:
    """Write rows atomically (temporary file, then rename). An OSError names ``path`` (a full
    disk's, raised by a write, names no file of its own)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        os.replace(tmp, target)
    except OSError as exc:
        if exc.filename in (None, str(tmp)):
            exc.filename, exc.filename2 = str(target), None
        raise
    finally:
        tmp.unlink(missing_ok=True)


__all__ = [
    "summarize",
    "pass_hat_k",
    "pass_at_k",
    "row_from_here",
    "claim_episodes_file",
    "write_jsonl",
]
