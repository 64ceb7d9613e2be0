"""What ``eigendsl train`` says as it goes, as a new domain's author read it: an SFT killed
before its first checkpoint is "started again", not "resumed" (it trained from step 0 again)."""

from __future__ import annotations

import json

from tests.test_stage_inputs import spec, stand_ins, train  # noqa: F401 - fixtures

__all__ = ["spec", "stand_ins"]


def _killed_in_sft(out) -> None:
    """The run in ``out`` as a kill in SFT leaves it: SFT started, the stages after not made."""
    for stage in ("sft", "eval_sft", "grpo", "eval_grpo"):
        record = out / "stages" / f"{stage}.json"
        if stage == "sft":
            made_from = json.loads(record.read_text())["made_from"]
            (out / "stages" / "started" / "sft.json").write_text(json.dumps(made_from))
        record.unlink()


def test_sft_killed_before_its_first_checkpoint_says_it_started_again(spec, tmp_path, stand_ins):  # noqa: F811
    out = tmp_path / "run"
    train(spec, out)
    _killed_in_sft(out)
    said = "\n".join(train(spec, out))
    assert "[sft] resumed" not in said
    assert (
        "[sft] started again: it began earlier from the same inputs, but no checkpoint was saved "
        "to resume from" in said
    )


def test_sft_killed_after_a_checkpoint_says_it_resumed(spec, tmp_path, stand_ins):  # noqa: F811
    out = tmp_path / "run"
    train(spec, out)
    _killed_in_sft(out)
    (out / "sft" / "pass-1" / "checkpoint-25").mkdir(parents=True)
    said = "\n".join(train(spec, out))
    assert "[sft] resumed: started earlier from the same inputs" in said


def test_an_evaluation_stage_says_how_many_episodes_ended(spec, tmp_path, monkeypatch, capsys):  # noqa: F811
    """``[eval_base] running``, then nothing for 6 minutes where stderr was a log file: the
    evaluation stages now write a line at each tenth of their episodes, as SFT and GRPO do."""
    from eigendsl.train import evaluate as evaluation
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    def played(domain, model, tokenizer, tasks, trials, out, progress=None, **kwargs):
        for _ in range(len(tasks) * trials):
            progress(1)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("")
        return {"pass_hat_1": 0.0, "pass_hat_k": {}}

    monkeypatch.setattr(evaluation, "evaluate", played)
    monkeypatch.setattr(evaluation, "copy_check", lambda *a, **k: {})
    monkeypatch.setattr(evaluation, "value_check", lambda *a, **k: {})
    monkeypatch.setattr(Pipeline, "load", lambda self, stage: (None, None))
    monkeypatch.setattr(Pipeline, "dialogues", lambda self: [])
    pipeline = Pipeline(spec, tmp_path / "run", TrainSettings(model="micro"), lambda _: None)
    capsys.readouterr()
    pipeline.evaluate("base")
    said = capsys.readouterr().err.splitlines()
    total = len(evaluation.eval_tasks(pipeline.domain, pipeline.settings.eval_split))
    total *= pipeline.settings.eval_trials
    assert said[-1] == f"eval_base episodes {total}/{total}", said
    assert 1 < len(said) <= 10, said


def _report_of(run, resumed, grpo_log):
    from types import SimpleNamespace

    from eigendsl.train.report import write_run_report

    stage = {
        "tasks": 2,
        "episodes": 4,
        "passed": 1,
        "pass_hat_k": {"1": 0.25},
        "pass_hat_1": 0.25,
        "pass_at_k": {"1": 0.25},
        "failures": {},
    }
    results = {"base": stage, "sft": stage, "grpo": stage}
    logs = ({"loss": [{"step": 1, "loss": 2.0}]}, grpo_log)
    seconds = {"sft": 1.0, "grpo": 136.5}
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3)
    summary = write_run_report(run, results, logs, seconds, settings, print, None, resumed)
    return summary, (run / "report.md").read_text()


def test_a_resumed_stage_time_says_it_is_the_last_command_part(
    spec, tmp_path, monkeypatch, stand_ins
):  # noqa: F811
    """report.md gave grpo 136.5 s where the line under it said 283.1 s of rollouts over its 2
    steps: the stage time counted only the command that resumed it, and said not so."""
    from eigendsl.train.pipeline import Pipeline

    out = tmp_path / "run"
    train(spec, out)
    made_from = json.loads((out / "stages" / "grpo.json").read_text())["made_from"]
    for stage in ("grpo", "eval_grpo"):  # killed in GRPO after its first checkpoint
        (out / "stages" / f"{stage}.json").unlink()
    (out / "stages" / "started" / "grpo.json").write_text(json.dumps(made_from))
    (out / "grpo" / "checkpoint-1").mkdir(parents=True)
    seen = []
    monkeypatch.setattr(Pipeline, "report", lambda self: seen.append(list(self.book.resumed)))
    train(spec, out)
    train(spec, out)  # the stage kept now: its record says it was resumed
    assert seen == [["grpo"], ["grpo"]]

    entry = {"rollout_seconds": 141.5, "step_seconds": 150.0, "reward_mean": 0.0, "pass_rate": 0.0}
    log = {"log": [{"step": s, **entry} for s in (1, 2)]}
    summary, text = _report_of(out, ("grpo",), log)
    assert summary["resumed_stages"] == ["grpo"]
    assert (
        "| grpo (resumed: the command that began it and was stopped is not counted) | 136.5 |"
        in text
    )
    assert "over 2 steps, those played before the resume included (the stage's time" in text
    _, plain = _report_of(tmp_path / "other", (), log)
    assert "| grpo | 136.5 |" in plain and "over 2 steps." in plain
