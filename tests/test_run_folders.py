"""A training run's folder and what it holds: the summary `train --json` prints and summary.json
keeps."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")


def test_train_json_gives_each_stage_the_figures_of_the_report(tmp_path):
    """`train --json` (and summary.json) lacked the passed episodes, tool calls and families that
    report.md shows: "0.000 of 64 (64 malformed)" could not be checked from the summary."""
    from types import SimpleNamespace

    from eigendsl.train.report import write_run_report

    stage = {
        "tasks": 2,
        "episodes": 4,
        "passed": 1,
        "pass_rate": 0.25,
        "pass_hat_k": {"1": 0.25, "2": 0.0},
        "pass_hat_1": 0.25,
        "pass_hat_k_max": 0.0,
        "pass_at_k": {"1": 0.25, "2": 0.5},
        "failures": {"x.chk:3: require a": 3},
        "families": {"cancel": 0.25},
        "tool_calls": 64,
        "tool_call_ok_rate": 0.0,
        "malformed_tool_calls": 64,
    }
    results = {"base": stage, "sft": stage, "grpo": stage}
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3)
    summary = write_run_report(tmp_path, results, ({}, {"log": []}), {}, settings, print)
    assert summary["grpo"] == {k: v for k, v in stage.items() if k not in ("tasks", "failures")}
    assert (
        "| SFT+GRPO | 0.250 | 0.000 | 0.500 | 1/4 | 0.000 | 0.000 of 64 (64 malformed) |"
        in (tmp_path / "report.md").read_text()
    )
    assert json.loads((tmp_path / "summary.json").read_text())["sft"] == summary["sft"]
