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
