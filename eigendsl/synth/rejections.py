"""Why a synthesis accepted no dialogue: the reasons its rejected dialogues were given, one entry
per failing statement (whatever values each dialogue showed), the most frequent first. ``eigendsl
synth`` and ``eigendsl train`` both stop on it with the same words."""

from __future__ import annotations

import contextlib
from pathlib import Path

from eigendsl.errors import EigenError
from eigendsl.synth.quality import reason_kind
from eigendsl.yaml_files import jsonl_rows

TOP_REASONS = 3  # statements named in the message; report.json counts them all


class _Reason:
    """One failing statement: how many dialogues failed it, its first whole reason as an
    example, and whether other dialogues showed other values for it."""

    def __init__(self, example: str) -> None:
        self.example = example
        self.count = 0
        self.values_differ = False

    def add(self, reason: str) -> None:
        self.count += 1
        self.values_differ |= reason != self.example

    def __str__(self) -> str:
        others = "; some with other values" if self.values_differ else ""
        return f"{self.example} ({self.count}x{others})"


def gold_failures(synth_dir: Path, generations: list[int] | None = None) -> list[str]:
    """The reasons the dialogues that played the gold plan as written (those with an injected
    mistake are meant to fail) were rejected in ``synth_dir``'s generations (``generations``, or
    all), grouped by statement (``rules.chk:7:5`` once, though one dialogue failed it with
    ``2 < 0`` and another with ``3 < 0``), the most frequent first; the injected ones' where no
    gold dialogue was rejected. A ``rejected.jsonl`` that cannot be read tells no reasons."""
    gold: dict[str, _Reason] = {}
    injected: dict[str, _Reason] = {}
    for path in sorted(synth_dir.glob("gen-*/rejected.jsonl")):
        number = path.parent.name.removeprefix("gen-")
        if generations is not None and (not number.isdigit() or int(number) not in generations):
            continue
        rows = []
        with contextlib.suppress(OSError, UnicodeDecodeError, EigenError):
            rows = jsonl_rows(path.read_text(), lambda n, e: EigenError(f"line {n}: {e}"))
        for _, row in rows:
            if not isinstance(row, dict):
                continue
            counts = injected if row.get("mistake") else gold
            for reason in map(str, row.get("reasons") or []):
                counts.setdefault(reason_kind(reason), _Reason(reason)).add(reason)
    chosen = gold or injected
    ranked = sorted(chosen.items(), key=lambda item: (-item[1].count, item[0]))
    return [str(reason) for _, reason in ranked]


def none_accepted(
    synth_dir: Path, spec_dir: Path, then: str, generations: list[int] | None = None
) -> EigenError:
    """The error of a synthesis into ``synth_dir`` that accepted no dialogue: the top reasons
    (:func:`gold_failures`), how to find the statements each gold plan fails, and ``then``: how
    to go on once they are fixed (which differs between ``synth`` and ``train``)."""
    reasons = gold_failures(synth_dir, generations)
    shown = "; ".join(reasons[:TOP_REASONS]) or "no reasons were recorded"
    more = len(reasons) - TOP_REASONS
    if more > 0:
        statements = "statement" if more == 1 else "statements"
        shown += f"; and {more} more {statements} (each generation's report.json counts them all)"
    return EigenError(
        f"synthesis accepted no dialogue in {synth_dir}: the gold dialogues failed their checks "
        f"({shown}). Fix the checks or the gold plans (`eigendsl lint {spec_dir}` plays every "
        f"gold plan and names the statements it fails), then {then}"
    )
