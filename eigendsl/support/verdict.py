"""What a verifier returns: a :class:`Verdict` (passed, a score, the :class:`Failure`
of each statement that did not hold), its score from the statements' results (:func:`finish`)
and one verdict of several (:func:`combine`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Failure:
    """A failed statement: what it said, why it failed, the values involved, where it is."""

    statement: str
    reason: str
    path: str
    line: int
    col: int
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "reason": self.reason,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "values": self.values,
        }


def is_score_term(failure: dict[str, Any]) -> bool:
    """Whether a verdict's failure (as a dict) is a `score` term that did not hold: it lowers the
    score and fails nothing. A statement's text starts with its keyword."""
    return str(failure.get("statement", "")).startswith("score ")


@dataclass
class Verdict:
    """The result of a verifier: passed, a score in [0, 1], and the failures with reasons."""

    name: str
    passed: bool
    score: float
    failures: list[Failure] = field(default_factory=list)
    #: Advisory statements that did not hold or were not judged: shown, never gating.
    notes: list[Failure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "passed": self.passed,
            "score": self.score,
            "failures": [f.to_dict() for f in self.failures],
        }
        if self.notes:
            out["notes"] = [f.to_dict() for f in self.notes]
        if self.not_judged:
            out["not_judged"] = [f.values["assertion"] for f in self.not_judged]
        return out

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.failures]

    @property
    def not_judged(self) -> list[Failure]:
        """``judge`` statements no judge model ran on (gating ones are also failures)."""
        return [f for f in self.failures + self.notes if f.values.get("judged") is False]


def finish(
    name: str,
    hard_ok: int,
    hard_total: int,
    soft_ok: float,
    soft_total: float,
    failures: list[Failure],
    notes: list[Failure] | None = None,
) -> Verdict:
    """Combine statement results. The hard statements (require, forbid, unchanged) gate: passed
    iff all held. Without `score` terms the score is 1 or 0. With them, the weighted share r of
    `score` terms that held shapes it: (1 + r) / 2 when passed, r / 2 when not, so a passing
    trajectory always scores at least as high as a failing one, and doing nothing scores 0."""
    passed = hard_ok == hard_total
    if soft_total == 0:
        score = 1.0 if passed else 0.0
    else:
        share = soft_ok / soft_total
        score = (1 + share) / 2 if passed else share / 2
    return Verdict(name, passed, round(score, 6), failures, list(notes or ()))


def combine(name: str, verdicts: list[Verdict]) -> Verdict:
    """One verdict from several (all must pass; the score is their mean)."""
    failures = [f for v in verdicts for f in v.failures]
    score = sum(v.score for v in verdicts) / len(verdicts) if verdicts else 1.0
    notes = [f for v in verdicts for f in v.notes]
    return Verdict(name, all(v.passed for v in verdicts), round(score, 6), failures, notes)
