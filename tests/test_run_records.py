"""What a training run's folder keeps of its eval stages' episodes: `eval --out` does not replace
them, and `train` run again says so when the file is cut short or replaced, where it said
"[eval_grpo] done earlier, kept" and went on counting the episodes the file no longer held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.rows import claim_episodes_file  # noqa: E402
from eigendsl.train.runfolder import episodes_record, finished_stage  # noqa: E402

ROW = {"task_id": "t-1", "trial": 0, "verdict": {"passed": True, "score": 1.0, "failures": []}}
STAGE = {"pass_hat_1": 1.0, "pass_hat_k": {"1": 1.0}, "episodes": 3}


def _run(tmp_path: Path, record: bool = True) -> Path:
    run = tmp_path / "run"
    (run / "stages").mkdir(parents=True)
    (run / "eval").mkdir()
    (run / "run.json").write_text("{}")
    episodes = run / "eval" / "grpo.jsonl"
    episodes.write_text("".join(json.dumps({**ROW, "trial": t}) + "\n" for t in range(3)))
    data = {**STAGE, "episodes_file": episodes_record(run, episodes)} if record else STAGE
    (run / "stages" / "eval_grpo.json").write_text(json.dumps(data))
    return run


def test_eval_out_refuses_a_training_runs_episodes_file(tmp_path):
    run = _run(tmp_path)
    before = (run / "eval" / "grpo.jsonl").read_text()
    with pytest.raises(EigenError) as caught:
        claim_episodes_file(run / "eval" / "grpo.jsonl")
    message = str(caught.value)
    assert "is in the eval folder of the training run" in message
    assert "summary.json and report.md count them" in message
    assert "name a file outside it for --out, such as run-grpo-again.jsonl" in message
    result = CliRunner().invoke(
        main,
        ["eval", "specs/retail", "--model", "m", "--out", str(run / "eval" / "grpo.jsonl")],
    )
    assert result.exit_code == 1 and "is in the eval folder of the training run" in result.output
    assert (run / "eval" / "grpo.jsonl").read_text() == before
    claim_episodes_file(tmp_path / "grpo.jsonl")  # elsewhere: taken


def test_an_eval_stages_episodes_file_cut_short_or_replaced_is_said_so(tmp_path):
    run = _run(tmp_path)
    assert finished_stage(run, "eval_grpo")["episodes"] == 3  # as written: kept
    episodes = run / "eval" / "grpo.jsonl"
    whole = episodes.read_bytes()
    episodes.write_bytes(whole[: len(whole) // 2])  # cut short
    with pytest.raises(EigenError) as caught:
        finished_stage(run, "eval_grpo")
    message = str(caught.value)
    assert message.startswith(f"{episodes}: the judged episodes of the finished eval_grpo stage")
    assert f"the file holds 1 row where {run / 'stages' / 'eval_grpo.json'} records 3" in message
    assert "restore it from a copy of the run, or delete it and" in message
    episodes.write_bytes(whole.replace(b'"trial": 2', b'"trial": 9'))  # replaced, same length
    with pytest.raises(EigenError, match="its sha256 differs"):
        finished_stage(run, "eval_grpo")
    episodes.unlink()
    with pytest.raises(EigenError, match="cannot be read"):
        finished_stage(run, "eval_grpo")


def test_an_eval_record_from_before_the_episodes_digest_is_taken(tmp_path):
    run = _run(tmp_path, record=False)
    (run / "eval" / "grpo.jsonl").write_text("")
    assert finished_stage(run, "eval_grpo") == STAGE


def test_with_no_grpo_steps_the_later_eval_of_the_sft_model_stands_for_both(tmp_path):
    """eval_sft and eval_grpo both write eval/sft.jsonl when GRPO has no steps."""
    run = _run(tmp_path)
    episodes = run / "eval" / "sft.jsonl"
    episodes.write_text(json.dumps(ROW) + "\n")
    sft = {**STAGE, "episodes_file": episodes_record(run, episodes)}
    (run / "stages" / "eval_sft.json").write_text(json.dumps(sft))
    episodes.write_text(json.dumps({**ROW, "trial": 1}) + "\n")  # eval_grpo's, written later
    grpo = {**STAGE, "episodes_file": episodes_record(run, episodes)}
    (run / "stages" / "eval_grpo.json").write_text(json.dumps(grpo))
    assert finished_stage(run, "eval_sft") == sft
    assert finished_stage(run, "eval_grpo") == grpo
