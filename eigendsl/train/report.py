"""``report.md`` and its plots: base / SFT / SFT+GRPO on the same held-out tasks; and
``summary.json``, the same figures as ``eigendsl train --json`` prints them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eigendsl.runtime.rows import calls_that_ran, headline_rates, verdicts_by_family
from eigendsl.synth.records import NOT_WRITABLE, write_if_changed
from eigendsl.train.plots import STAGE_NAMES, write_plots

# What report.md and `train` say when grpo_all_flat holds.
GRPO_UNCHANGED = (
    "GRPO did not change the model: at every step, every group's rollouts earned the same reward, "
    "so no advantage was other than 0 and the SFT+GRPO row measures the SFT model again (more "
    "SFT, or tasks the SFT model passes some of the time, give GRPO something to learn from)."
)

# Per stage in `--json` and summary.json: the figures of report.md's table and families, so that
# a script can check them (the failures, statements as written, stay in report.md and eval/).
# Stage results written by an older EigenDSL may lack any after pass_rate: those are left out.
SUMMARY_KEYS = (
    "pass_hat_1",
    "pass_hat_k",
    "pass_at_k",
    "pass_rate",
    "pass_hat_k_max",
    "episodes",
    "passed",
    "mean_score",
    "tool_calls",
    "tool_call_ok_rate",
    "malformed_tool_calls",
    "families",
    "ids_copied",
    "values_read",
)


def grpo_all_flat(grpo_log: dict[str, Any], settings: Any) -> bool:
    """Whether every group of every GRPO step was flat (all its rewards equal, after dynamic
    filtering's replays): no advantage was other than 0, so GRPO did not change the model and the
    SFT+GRPO row measures the SFT model again. A log of an older release counts a step's groups
    by the run's tasks per step."""
    steps = grpo_log.get("log", [])
    per_step = getattr(settings, "grpo_tasks_per_step", None)
    return bool(steps) and all(
        isinstance(e.get("flat_kept"), int) and e["flat_kept"] >= e.get("groups", per_step or 0) > 0
        for e in steps
    )


def grpo_groups(grpo_log: dict[str, Any]) -> dict[str, int] | None:
    """How much of GRPO had a signal, summed over its steps: ``trained``, the groups trained on;
    ``unequal_rewards``, those of them whose rewards were not all equal (a flat group's
    advantages are all 0); ``replaced``, the flat groups played again with another task
    (dynamic filtering; a replay that came out flat and was replaced counts again). None for a
    log that lacks the counts (an older release's) or has no step.

    >>> grpo_groups({"log": [{"groups": 3, "flat_kept": 1, "replaced": 4}] * 2})
    {'trained': 6, 'unequal_rewards': 4, 'replaced': 8}
    """
    steps = grpo_log.get("log", [])
    keys = ("groups", "flat_kept", "replaced")
    if not steps or not all(isinstance(e.get(k), int) for e in steps for k in keys):
        return None
    trained = sum(e["groups"] for e in steps)
    return {
        "trained": trained,
        "unequal_rewards": trained - sum(e["flat_kept"] for e in steps),
        "replaced": sum(e["replaced"] for e in steps),
    }


def family_counts(path: Path, result: dict[str, Any]) -> dict[str, tuple[int, int]] | None:
    """Per task family, (episodes passed, episodes) in the evaluation's episodes file ``path``;
    None where the file does not read or does not hold the episodes ``result`` sums up (another
    count of episodes, of passes, or other families)."""
    try:
        with open(path, encoding="utf-8") as handle:
            families = verdicts_by_family(json.loads(line) for line in handle)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    counts = {family: (sum(v), len(v)) for family, v in families.items()}
    same = (
        sum(n for _, n in counts.values()) == result.get("episodes")
        and sum(p for p, _ in counts.values()) == result.get("passed")
        and set(counts) == set(result.get("families", {}))
    )
    return counts if same else None


def write_report(
    out: Path,
    results: dict[str, Any],
    sft_log: dict[str, Any],
    grpo_log: dict[str, Any],
    seconds: dict[str, float],
    settings: Any,
    kept: tuple[list[str], Path] | None = None,
    resumed: tuple[str, ...] = (),
) -> Path:
    plots = write_plots(out, results, sft_log, grpo_log)
    k = max(int(x) for x in results["base"]["pass_hat_k"])
    held = (
        "; tool calls held to the schemas"
        if getattr(settings, "eval_constrain_calls", False)
        else ""
    )
    lines = [
        "# Training report",
        "",
        f"Model: `{settings.model}`; held-out tasks: {results['base']['tasks']}, "
        f"{k} trial{'s' * (k > 1)} each "
        f"(temperature {settings.eval_temperature}"
        f"{held}).",
        "",
    ]
    user_loss = sft_log.get("user_loss")
    if user_loss is not None:  # --user-model
        last = f", last loss {user_loss[-1]['loss']:.4f}" if user_loss else ""
        lines[-1:-1] = [
            "",
            "GRPO rolled out against a user simulator fine-tuned on the same dialogues "
            f"(`user_sft/`: {len(user_loss)} logged steps{last}), not the scripted user.",
        ]
    names = [name for name, _ in headline_rates(results["base"])]
    head = ["stage", *names, "episodes passed", "mean verifier score", "tool calls that ran"]
    lines += [_row(head), _row(["---"] * len(head))]
    for stage in ("base", "sft", "grpo"):
        r = results[stage]
        ran = calls_that_ran(r) if "tool_calls" in r else "-"
        if r.get("malformed_tool_calls"):  # "25 of 35 (71.4%; 3 malformed)"
            ran = f"{ran.removesuffix(')')}; {r['malformed_tool_calls']} malformed)"
        cells = [f"{rate:.3f}" for _, rate in headline_rates(r)]
        cells += [f"{r['passed']}/{r['episodes']}", f"{r.get('mean_score', 0.0):.3f}", ran]
        lines += [_row([STAGE_NAMES[stage], *cells])]
    if grpo_all_flat(grpo_log, settings):
        lines += ["", GRPO_UNCHANGED]
    groups = grpo_groups(grpo_log)
    if groups is not None:
        lines += [
            "",
            f"GRPO: {groups['unequal_rewards']} of {groups['trained']} trained groups had "
            "unequal rewards (a flat group's advantages are all 0); "
            f"{groups['replaced']} flat groups were played again with another task.",
        ]
    lines += _check_section(
        results,
        "ids_copied",
        "renamed",
        "Ids copied or recalled",
        "ids",
        "Ids in the agent's turns of training dialogues that the model writes right "
        "(teacher-forced, greedy): as trained, and with each dialogue's ids permuted, where only "
        "copying them from the dialogue gets them right. Held-out tasks play on the same seed "
        "database, so their pass rates alone cannot tell the two apart.",
        "No id of the seed database is written in the agent's turns of the checked dialogues.",
    )
    lines += _check_section(
        results,
        "values_read",
        "swapped",
        "Values read or recalled",
        "values",
        "Values the agent states out of a tool result (an order's status, a balance) in training "
        "dialogues, that the model writes right (teacher-forced, greedy): as trained, and with "
        "that field's value swapped for another of the seed data's in the result and in the "
        "agent's turn, where only reading the result gets it right.",
    )
    # the episodes beside each rate, where the stage's episodes file agrees with its results
    grpo_file = "grpo" if grpo_log.get("log") else "sft"  # no GRPO: the SFT model again
    files = {"base": "base", "sft": "sft", "grpo": grpo_file}
    counts = {s: family_counts(out / "eval" / f"{files[s]}.jsonl", results[s]) for s in files}
    lines += ["", "## pass^1 per task family", ""]
    if any(counts.values()):
        lines += ["In brackets: the episodes passed, of those played.", ""]
    lines += [_row(["family", *STAGE_NAMES.values()]), _row(["---"] * 4)]
    families = sorted(set().union(*(r.get("families", {}) for r in results.values())))
    for family in families:
        cells = []
        for s in ("base", "sft", "grpo"):
            cell = f"{results[s].get('families', {}).get(family, 0.0):.2f}"
            passed, episodes = (counts[s] or {}).get(family, (0, 0))
            cells.append(f"{cell} ({passed}/{episodes})" if episodes else cell)
        lines.append(_row([family, *cells]))
    lines += ["", "## Where the time goes", "", "| stage | seconds |", "|---|---|"]
    earlier = kept[0] if kept is not None else []
    part = " (resumed: the command that began it and was stopped is not counted)"
    lines += [
        f"| {stage}{' (made in an earlier command, kept)' if stage in earlier else ''}"
        f"{part if stage in resumed else ''} | {value:.1f} |"
        for stage, value in seconds.items()
    ]
    if kept is not None:
        lines += [
            "",
            "A change of the spec or of a setting made stages again (in this command or an "
            f"earlier one); the report as it was before is in {kept[1]}, beside what they "
            "replaced.",
        ]
    steps = grpo_log.get("log", [])
    rollouts = sum(e.get("rollout_seconds", 0.0) for e in steps)
    played = "playing rollouts (the episodes, dynamic filtering's replays included)"
    if steps and all(e.get("step_seconds") for e in steps):
        # per-step times from the trainer's history: whole even when the run was resumed
        total = sum(e["step_seconds"] for e in steps)
        lines += [
            "",
            f"GRPO: {rollouts:.1f} s {played}, {max(total - rollouts, 0.0):.1f} s in the loss and "
            f"its gradients over {len(steps)} steps"
            + (
                ", those played before the resume included (the stage's time above is not)."
                if "grpo" in resumed
                else "."
            ),
        ]
    elif (
        0 < rollouts <= seconds.get("grpo", 0.0)
    ):  # (a resumed run's stage time covers only its own steps)
        lines += [
            "",
            f"GRPO: {rollouts:.1f} s {played}, {seconds['grpo'] - rollouts:.1f} s in the loss, "
            "the optimizer and checkpoints.",
        ]
    lines += ["", "## Most frequent failures after SFT+GRPO", ""]
    grpo = results["grpo"]
    failed = grpo["episodes"] - grpo["passed"]
    if failed:
        per_family = sorted(
            ((n - p, family) for family, (p, n) in (counts["grpo"] or {}).items() if n > p),
            key=lambda item: (-item[0], item[1]),
        )
        by_family = "; by task family: " + ", ".join(f"{f} {n}" for n, f in per_family)
        lines += [
            f"{failed} of {grpo['episodes']} episodes failed{by_family * bool(per_family)}. "
            "An episode can fail several statements and is counted under each, so the counts "
            "below add up to more.",
            "",
        ]
    # most frequent first, ties by place: a resumed run, which reads the results back, agrees
    failures = most_frequent(results["grpo"]["failures"])
    for reason, count in failures[:10]:
        lines.append(f"- {count} × `{reason}`")
    every = f"every failure is in `eval/{grpo_file}.jsonl`"
    if len(failures) > 10:
        more = len(failures) - 10
        others = (
            "1 more statement, as often" if more == 1 else f"{more} more statements, each as often"
        )
        lines.append(f"- and {others} or less ({every})")
    # `score` terms fail no episode; a results file written before they were apart has none
    missed = most_frequent(results["grpo"].get("scores_missed") or {})
    if missed:
        lines += ["", "Score terms not earned (a lower reward, not a failure):", ""]
        lines += [f"- {count} × `{reason}`" for reason, count in missed[:10]]
        if len(missed) > 10:
            lines.append(f"- and {len(missed) - 10} more, each as often or less ({every})")
    lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    path = out / "report.md"
    write_if_changed(path, ("\n".join(lines) + "\n").encode())
    return path


_PLACE = re.compile(r"(.*?):(\d+)(?::(\d+))?: ")


def most_frequent(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Reasons by count, most first; ties by the place a reason starts with, the file, then its
    line and column as numbers (``tasks.chk:4`` before ``tasks.chk:34``), then the text.

    >>> most_frequent({"t.chk:34: require a": 1, "t.chk:4: require b": 1, "t.chk:9: c": 2})
    [('t.chk:9: c', 2), ('t.chk:4: require b', 1), ('t.chk:34: require a', 1)]
    """

    def key(item: tuple[str, int]) -> tuple[int, str, int, int, str]:
        reason, count = item
        place = _PLACE.match(reason)
        if place is None:
            return -count, reason, 0, 0, reason
        return -count, place[1], int(place[2]), int(place[3] or 0), reason

    return sorted(counts.items(), key=key)


def _row(cells: list[str]) -> str:
    """One row of a Markdown table."""
    return "| " + " | ".join(cells) + " |"


def _check_section(
    results: dict[str, Any],
    key: str,
    changed: str,
    title: str,
    what: str,
    explained: str,
    none: str | None = None,
) -> list[str]:
    """The report's section of a teacher-forced check (``ids_copied``, ``values_read``): per
    stage, how many it got right as trained and with the dialogues ``changed``; with ``none``,
    what to say when the checked dialogues held nothing to check (without it, no section)."""
    checks = {stage: r[key] for stage, r in results.items() if key in r}
    if not checks:
        return []
    if not any(c["as_is"]["of"] for c in checks.values()):
        return ["", f"## {title}", "", none] if none else []
    lines = [
        "",
        f"## {title}",
        "",
        explained,
        "",
        _row(["stage", f"{what} right as trained", f"{what} right, {changed}"]),
        _row(["---"] * 3),
    ]
    return lines + [
        _row([STAGE_NAMES[stage], *(f"{c[v]['right']}/{c[v]['of']}" for v in ("as_is", changed))])
        for stage, c in checks.items()
    ]


def write_json_if_changed(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path`` unless the file holds it already, in whatever key
    order: the figures of stages a resumed run kept come back from their records with their
    keys sorted, and a finished run read again writes nothing.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "summary.json"
    >>> _ = path.write_text('{"sft": {"of": 2, "right": 1}}')
    >>> write_json_if_changed(path, {"sft": {"right": 1, "of": 2}})
    >>> path.read_text()
    '{"sft": {"of": 2, "right": 1}}'
    """
    try:
        if json.loads(path.read_bytes()) == value:
            return
    except (OSError, ValueError):
        pass  # no file, or not the JSON it should hold: written below
    write_if_changed(path, json.dumps(value, indent=2).encode())


def write_run_report(
    out: Path,
    results: dict[str, Any],
    logs: tuple[dict[str, Any], dict[str, Any]],
    seconds: dict[str, float],
    settings: Any,
    log: Callable[[str], None],
    kept: tuple[list[str], Path] | None = None,
    resumed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``report.md``, its plots and ``summary.json`` in ``out``, each written where it changed
    (``logs``: SFT's and GRPO's records); the summary, ``--json``'s object: each stage's figures
    (``SUMMARY_KEYS``), the seconds per stage, where the report and the run are, the model and
    the held-out tasks; ``resumed``: the stages whose seconds are the resuming command's part
    only. ``kept``, after a change made stages again: the stages made before it
    and the folder of ``previous/`` the report before it is in (the report and the summary name
    both). A finished run read again on a disk it cannot write keeps the
    files it has, and says so."""
    report = out / "report.md"
    summary: dict[str, Any] = {
        stage: {k: results[stage][k] for k in SUMMARY_KEYS if k in results[stage]}
        for stage in STAGE_NAMES
    }
    summary.update(
        {
            "seconds_per_stage": seconds,
            "report": str(report),
            "out_dir": str(out),
            "model": settings.model,
            "eval_tasks": results["base"]["tasks"],
        }
    )
    if resumed:  # their seconds_per_stage is the resuming command's part only
        summary["resumed_stages"] = list(resumed)
    if kept is not None:
        summary["kept_stages"] = kept[0]
        summary["previous_report"] = str(kept[1] / "report.md")
    if logs[1].get("log"):  # GRPO ran: whether it could change the model at all
        summary["grpo_all_flat"] = grpo_all_flat(logs[1], settings)
        groups = grpo_groups(logs[1])
        if groups is not None:  # and how many of its groups had a signal
            summary["grpo_groups"] = groups
    try:
        write_report(out, results, *logs, seconds, settings, kept, resumed)
        write_json_if_changed(out / "summary.json", summary)
    except OSError as exc:
        if exc.errno not in NOT_WRITABLE:
            raise
        log(f"[report] {out}: {exc.strerror}; report.md, plots and summary.json kept as they are")
    return summary
