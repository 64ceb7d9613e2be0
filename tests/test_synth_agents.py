"""Each synthesis generation has its own trajectory agent (DESIGN: the trained model's own
verified rollouts can join the next generation): a run resumed with more generations and
another `--trajectory` plays the new ones with it and keeps the old ones as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.synth.generation import SynthSettings, run_synthesis

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "specs" / "retail"


def synth(out: Path, *options: str) -> dict:
    command = ["synth", str(RETAIL), "--out", str(out), "--per-generation", "8", "--json"]
    result = CliRunner().invoke(main, [*command, *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A model that plays every task's gold plan (the scripted agent under a backend's name), so
    its generation's dialogues pass: what a well-trained model's would."""
    made: list[str] = []

    def make_agent(spec: str, *args: object, **kwargs: object) -> ScriptedAgent:
        made.append(spec)
        return ScriptedAgent()

    monkeypatch.setattr("eigendsl.runtime.model_roles.make_agent", make_agent)
    return made


def test_a_model_plays_the_generations_added_and_its_verified_dialogues_join(
    tmp_path: Path, stand_in: list[str]
) -> None:
    out = tmp_path / "run"
    first = synth(out, "--generations", "1")
    assert [g["trajectory"] for g in first["generations"]] == ["scripted"]
    kept = files(out / "gen-1")
    summary = synth(out, "--generations", "2", "--trajectory", "hf:runs/retail/train/grpo")
    assert stand_in == ["hf:runs/retail/train/grpo"]
    assert [g["trajectory"] for g in summary["generations"]] == [
        "scripted",
        "hf:runs/retail/train/grpo",
    ]
    assert files(out / "gen-1") == kept  # the scripted generation as it was
    for name in ("plan.json", "report.json"):
        record = json.loads((out / "gen-2" / name).read_text())
        assert record["trajectory"] == "hf:runs/retail/train/grpo"
    accepted = (out / "gen-2" / "accepted.jsonl").read_text().splitlines()
    assert accepted and all(json.loads(row)["generation"] == 2 for row in accepted)
    assert summary["accepted_total"] == first["accepted_total"] + len(accepted)
    # the run's record holds no agent: each generation's is its own
    assert "trajectory" not in json.loads((out / "settings.json").read_text())
    text = CliRunner().invoke(
        main, ["synth", str(RETAIL), "--out", str(out), "--per-generation", "8"]
    )
    assert "generation 2 was played by hf:runs/retail/train/grpo" in text.output


def test_a_generation_cut_short_is_finished_by_the_agent_that_began_it(
    tmp_path: Path, stand_in: list[str]
) -> None:
    out = tmp_path / "run"
    synth(out, "--generations", "2")
    for name in ("report.json", "accepted.jsonl", "rejected.jsonl"):  # killed after its shards
        (out / "gen-2" / name).unlink()
    with pytest.raises(EigenError) as refused:
        run_synthesis(
            RETAIL, out, SynthSettings(generations=2, per_generation=8, trajectory="hf:m")
        )
    assert str(refused.value) == (
        f"{out / 'gen-2'} was begun with --trajectory scripted and cut short; finish it with "
        f"--trajectory scripted (then add generations with hf:m), or delete {out / 'gen-2'} to "
        "play it with hf:m"
    )
    assert synth(out, "--generations", "2")["generations"][1]["trajectory"] == "scripted"


def test_a_run_recorded_with_its_agent_in_the_settings_resumes(tmp_path: Path) -> None:
    """An earlier release recorded one trajectory agent for the whole run in settings.json."""
    out = tmp_path / "run"
    synth(out, "--generations", "1")
    record = out / "settings.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "trajectory": "scripted"}))
    (out / "gen-1" / "report.json").write_text(
        json.dumps(
            {
                k: v
                for k, v in json.loads((out / "gen-1" / "report.json").read_text()).items()
                if k != "trajectory"
            }
        )
    )
    summary = synth(out, "--generations", "2")
    assert [g["trajectory"] for g in summary["generations"]] == ["scripted", "scripted"]


@pytest.mark.slow
def test_a_checkpoint_plays_a_generation_through_the_hf_backend(tmp_path: Path) -> None:
    """`--trajectory hf:PATH` loads the checkpoint and its dialogues are judged like any: an
    untrained model's fail the verifiers, and every one is kept with its reasons."""
    from eigendsl.train.model import load_model
    from eigendsl.train.tokenizer import corpus_texts

    out = tmp_path / "run"
    synth(out, "--generations", "1")
    rows = [
        json.loads(line) for line in (out / "gen-1" / "accepted.jsonl").read_text().splitlines()
    ]
    texts = corpus_texts([], rows[0]["tools"], rows)
    model, tokenizer = load_model("micro", texts=lambda: texts, vocab_size=600)
    checkpoint = tmp_path / "model"
    model.save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    command = ["synth", str(RETAIL), "--out", str(out), "--per-generation", "8", "--json"]
    result = CliRunner().invoke(
        main, [*command, "--generations", "2", "--trajectory", f"hf:{checkpoint}"]
    )
    assert result.exit_code == 0, result.output
    assert "Loading weights" not in result.output  # transformers' bar between the command's lines
    played = json.loads(result.stdout.strip().splitlines()[-1])["generations"][1]
    assert played["trajectory"] == f"hf:{checkpoint}"
    assert played["accepted"] + played["rejected"] == 8
    rejected = [
        json.loads(line) for line in (out / "gen-2" / "rejected.jsonl").read_text().splitlines()
    ]
    assert rejected and all(row["reasons"] for row in rejected)
