"""One of a thing is said in the singular (review nS1, L4): compile's lint summary said "(the
error is shown as warnings: ... with `--strict` they fail the compile" of its one error, and
report.md said "and 1 more statements"."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import eigendsl.lint as lint_module
from eigendsl.errors import Span
from eigendsl.lint import LintReport
from eigendsl.lint.context import Finding


def _summary(monkeypatch, errors: int) -> str:
    findings = [
        Finding(Span("tasks/x.yaml", 3 + i, 5), f"task {i} is unsolvable", "error", "unsolvable")
        for i in range(errors)
    ]
    report = LintReport("desk", 2, [], {}, findings)
    monkeypatch.setattr(lint_module, "lint", lambda *args, **kwargs: report)
    monkeypatch.setattr("eigendsl.runtime.domain.load_compiled", lambda *args: None)
    compiled = SimpleNamespace(warnings=[], spec_dir=Path("desk"), files={}, analysis=None)
    said: list[str] = []
    lint_module.lint_compiled("desk", compiled, False, said.append)  # type: ignore[arg-type]
    return said[-1]


@pytest.mark.parametrize(
    ("errors", "words"),
    [
        (1, "1 error, 0 warnings, 0 notes (the error is shown as a warning: the output is "
         "written; with `--strict` it fails the compile and nothing is written)"),
        (2, "2 errors, 0 warnings, 0 notes (the errors are shown as warnings: the output is "
         "written; with `--strict` they fail the compile and nothing is written)"),
    ],
)  # fmt: skip
def test_compile_s_lint_summary_agrees_with_its_count(monkeypatch, errors: int, words: str):
    assert words in _summary(monkeypatch, errors)


def test_the_report_counts_one_more_statement_in_the_singular(tmp_path: Path) -> None:
    from eigendsl.train.report import write_run_report
    from tests.test_results_reading import GRPO_LOG, _episodes, _stage

    results = {"base": _stage(0), "sft": _stage(1), "grpo": _stage(2)}
    for stage, passed in (("base", 0), ("sft", 1), ("grpo", 2)):
        _episodes(tmp_path / "eval" / f"{stage}.jsonl", passed)
    failures = results["grpo"]["failures"]
    assert len(failures) == 12, failures  # the fixture's: 10 shown and 2 more
    del failures[next(iter(failures))]
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3, grpo_tasks_per_step=3)
    write_run_report(tmp_path, results, ({}, GRPO_LOG), {"sft": 1.0}, settings, print)
    report = (tmp_path / "report.md").read_text()
    assert "- and 1 more statement, as often or less (every failure is in " in report
