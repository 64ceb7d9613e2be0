"""A training run's folder and what it holds: the summary `train --json` prints and summary.json
keeps; and the run folders (train's, synth's) refuse what they cannot take with messages that say
why in the user's words: another domain's run, settings named as they are set."""

from __future__ import annotations

import errno
import json
from dataclasses import asdict, fields
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.train.runfolder import claim_run_folder  # noqa: E402
from eigendsl.train.setting_names import setting_words  # noqa: E402
from eigendsl.train.settings import TrainSettings  # noqa: E402

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
INPUTS = {"domain.yaml": "sha256:aa", "tasks/cancel.yaml": "sha256:bb"}


def identity(domain: str = "retail", inputs: dict | None = None, **settings) -> dict:
    """What a Pipeline records in run.json: its domain, the spec's digests and its settings."""
    chosen = asdict(TrainSettings(**settings))
    chosen["sft_catalog"] = list(chosen["sft_catalog"])
    return {"domain": domain, "inputs": inputs or INPUTS, "settings": chosen}


def finished(run: Path, *stages: str) -> None:
    (run / "stages").mkdir(parents=True, exist_ok=True)
    for stage in stages:
        (run / "stages" / f"{stage}.json").write_text("{}")


def test_a_run_of_another_domain_is_refused_as_such(tmp_path):
    """It was refused as a run 'made with other settings (the spec, ...)', told to resume it
    with the same settings or delete its stages one by one, which left its report behind."""
    run = tmp_path / "run"
    claim_run_folder(run, identity("retail"))
    finished(run, "synth", "base")
    with pytest.raises(EigenError) as caught:
        claim_run_folder(run, identity("shop"))
    assert str(caught.value) == (
        f"{run} holds a run of domain 'retail', not 'shop'; give --out another folder"
    )
    # even one that has finished no stage yet: its synth/ may hold the other domain's dialogues
    fresh = tmp_path / "fresh"
    claim_run_folder(fresh, identity("retail"))
    with pytest.raises(EigenError, match="holds a run of domain 'retail'"):
        claim_run_folder(fresh, identity("shop"))
    assert json.loads((fresh / "run.json").read_text())["domain"] == "retail"


def test_settings_that_differ_are_named_as_set_with_both_values(tmp_path):
    """The refusal named fields (grpo_steps, sft_pass_size) and 'the spec', with no values and
    no file."""
    run = tmp_path / "run"
    claim_run_folder(run, identity(grpo_steps=2, sft_pass_size=0))
    finished(run, "synth", "base", "eval_base", "sft", "eval_sft", "grpo")
    changed = {**INPUTS, "domain.yaml": "sha256:cc", "checks/more.chk": "sha256:dd"}
    with pytest.raises(EigenError) as caught:
        claim_run_folder(
            run, identity(inputs=changed, grpo_steps=3, sft_pass_size=0, sft_optimizer="adamw")
        )
    message = str(caught.value)
    assert (
        "made from another spec: the spec's domain.yaml changed, checks/more.chk added since "
        "they were made, and with other settings: "
        "training.grpo.steps (--grpo-steps) 2 in the run, 3 now; "
        'training.sft.optimizer (--sft-optimizer) "muon" in the run, "adamw" now. '
        "This run's records come from an earlier EigenDSL release" in message
    )
    assert "Put the spec back as it was and resume it with the same settings" in message
    # a changed setting alone is taken, and named as it is set
    taken = claim_run_folder(run, identity(grpo_steps=2, sft_pass_size=0, grpo_beta=0.04))
    assert taken is not None
    assert taken.said.startswith("training.grpo.beta 0.0 in the run, 0.04 now: grpo is made again")
    taken = claim_run_folder(run, identity(grpo_steps=2, sft_pass_size=0, id_tokens="none"))
    assert taken is not None
    assert taken.said.startswith('train()\'s id_tokens "bodies" in the run, "none" now: base, ')


def test_each_setting_is_named_by_the_option_train_has_for_it():
    """setting_words names `eigendsl train`'s option of a setting: it must be the option's own."""
    from eigendsl.cli.training import train_cmd

    options = {
        {"constrain_calls": "eval_constrain_calls"}.get(p.name, p.name): p.opts[0]
        for p in train_cmd.params
        if p.name not in ("target", "out", "as_json")
    }
    for field in fields(TrainSettings):
        words = setting_words(field.name)
        flag = words.split("(")[-1].rstrip(")") if words.endswith(")") else words
        if field.name in options:
            assert flag == options[field.name], field.name
        else:
            assert not flag.startswith("--"), field.name


def test_train_json_gives_each_stage_the_figures_of_the_report(tmp_path):
    """`train --json` (and summary.json) lacked the passed episodes, tool calls and families that
    report.md shows: "0 of 64 (0.0%; 64 malformed)" could not be checked from the summary."""
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
        "| SFT+GRPO | 0.250 | 0.000 | 0.500 | 1/4 | 0.000 | 0 of 64 (0.0%; 64 malformed) |"
        in (tmp_path / "report.md").read_text()
    )
    assert json.loads((tmp_path / "summary.json").read_text())["sft"] == summary["sft"]


def _read_only(monkeypatch):
    """Every file write refused as a read-only disk refuses it (root writes through chmod)."""

    def refused(path, data):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(Path, "write_bytes", refused)


def test_a_folder_that_cannot_be_written_is_said_so_without_a_temporary_file(tmp_path, monkeypatch):
    """`train --out` and `synth --out` of a new read-only folder printed the bare OSError of a
    temporary file: '/x/run.json.tmp: Read-only file system'."""
    from click.testing import CliRunner

    from eigendsl.cli import main
    from eigendsl.synth.records import write_text
    from eigendsl.train.runfolder import disk_errors

    told = (
        "cannot be written (Read-only file system); make it writable (or give --out another "
        "folder) and run the same command again"
    )
    run = tmp_path / "run"
    _read_only(monkeypatch)
    with pytest.raises(EigenError) as caught:
        claim_run_folder(run, identity())
    assert str(caught.value) == f"{run} {told}"
    synth = CliRunner().invoke(main, ["synth", str(MINI), "--out", str(tmp_path / "syn")])
    assert synth.exit_code == 1 and f"{tmp_path / 'syn'} {told}" in synth.output
    assert ".tmp" not in synth.output
    # a stage's own write names the file it writes, not its temporary one
    with pytest.raises(EigenError) as caught, disk_errors(run, "synth"):
        write_text(run / "synth" / "settings.json", "{}")
    assert f"{run / 'synth' / 'settings.json'}: Read-only file system;" in str(caught.value)


def test_synth_refuses_the_synth_folder_of_a_training_run(tmp_path):
    """`synth --out RUN/synth` added generations to a training run's synthesis, which its record
    did not hold and its SFT would have read; `train` never noticed."""
    from click.testing import CliRunner

    from eigendsl.cli import main

    run = tmp_path / "run"
    claim_run_folder(run, identity())
    (run / "synth" / "gen-1").mkdir(parents=True)
    refused = CliRunner().invoke(
        main, ["synth", str(MINI), "--out", str(run / "synth"), "--generations", "2"]
    )
    assert refused.exit_code == 1, refused.output
    assert (
        f"{run / 'synth'} is the synth folder of the training run in {run}, whose run.json "
        "records the generations made there; synthesize for that run with `eigendsl train` (its "
        f"--generations, with --out {run}), or give --out another folder"
    ) in " ".join(refused.output.split())
    assert sorted(p.name for p in (run / "synth").iterdir()) == ["gen-1"]
    from eigendsl.output_folders import refuse_train_synth

    refuse_train_synth(tmp_path / "synth")  # a synthesis folder of its own is no run's
    refuse_train_synth(run / "synth" / "gen-1")


def test_synth_says_when_the_folder_holds_generations_past_those_asked_for(tmp_path):
    """`synth --generations 1` on a folder of 2 generations printed generation 1's row alone, as
    though generation 2 had been dropped."""
    import shutil

    from click.testing import CliRunner

    from eigendsl.cli import main

    out = tmp_path / "syn"
    command = ["synth", str(MINI), "--out", str(out), "--per-generation", "4", "--generations", "1"]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    assert "kept as" not in first.output
    shutil.copytree(out / "gen-1", out / "gen-2")
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    said = f"{out} holds 2 generations; shown: the first 1 (--generations 1); gen-2 kept as it is"
    assert said in " ".join(again.output.split())
    as_json = CliRunner().invoke(main, [*command, "--json"])
    assert said in " ".join(as_json.stderr.split())
    assert [g["generation"] for g in json.loads(as_json.stdout)["generations"]] == [1]


def test_the_report_says_when_grpo_changed_nothing(tmp_path, monkeypatch):
    """With every group flat (reward 0 everywhere) GRPO's model is SFT's byte for byte, and the
    report said only how long GRPO took: its row read as a measurement of its own."""
    from types import SimpleNamespace

    from click.testing import CliRunner

    from eigendsl.cli import main
    from eigendsl.train import pipeline
    from eigendsl.train.report import GRPO_UNCHANGED, write_run_report

    stage = {
        "tasks": 2,
        "episodes": 4,
        "passed": 0,
        "pass_hat_k": {"1": 0.0},
        "pass_at_k": {"1": 0.0},
        "failures": {},
    }
    results = {"base": stage, "sft": stage, "grpo": stage}
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3, grpo_tasks_per_step=2)
    flat = [{"step": s, "reward_mean": 0.0, "pass_rate": 0.0, "flat_kept": 2} for s in (1, 2)]

    def report(log, folder):
        summary = write_run_report(
            tmp_path / folder, results, ({}, {"log": log}), {}, settings, print
        )
        return summary, (tmp_path / folder / "report.md").read_text()

    summary, text = report(flat, "flat")  # a log of an older release: the run's tasks per step
    assert summary["grpo_all_flat"] and f"\n\n{GRPO_UNCHANGED}\n" in text
    summary, text = report([{**e, "groups": 2} for e in flat], "counted")
    assert summary["grpo_all_flat"] and GRPO_UNCHANGED in text
    learned = [flat[0], {**flat[1], "flat_kept": 1, "groups": 2}]
    summary, text = report(learned, "learned")  # one group of one step could teach
    assert summary["grpo_all_flat"] is False and GRPO_UNCHANGED not in text
    assert "grpo_all_flat" not in report([], "none")[0]  # GRPO did not run (--grpo-steps 0)

    # `train` says it under its table of pass rates
    said = {**summary, "grpo_all_flat": True}
    monkeypatch.setattr(pipeline, "train", lambda *args, **kwargs: said)
    printed = CliRunner().invoke(main, ["train", str(MINI)])
    assert printed.exit_code == 0, printed.output
    assert " ".join(GRPO_UNCHANGED.split()) in " ".join(printed.stdout.split())


def test_a_finished_synthesis_reads_again_on_a_read_only_disk(tmp_path, monkeypatch):
    """C2's limit: `synth` wrote split.json again on every run, so a finished synthesis on a
    read-only disk stopped with 'cannot be written'. Run again, it now writes nothing."""
    from click.testing import CliRunner

    from eigendsl.cli import main

    out = tmp_path / "syn"
    args = ["synth", str(MINI), "--out", str(out), "--generations", "1", "--per-generation", "8"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _read_only(monkeypatch)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_setting_this_release_does_not_have_is_no_change(tmp_path):
    """A run whose run.json records a setting of an experiment (`grpo_hints`) was refused:
    "--grpo-hints false in the run, null now. Resume it with the same settings", which no
    option could do."""
    run = tmp_path / "run"
    claim_run_folder(run, identity())
    finished(run, *("synth", "base", "eval_base", "sft", "eval_sft", "grpo", "eval_grpo"))
    record = json.loads((run / "run.json").read_text())
    record["settings"]["grpo_hints"] = False
    (run / "run.json").write_text(json.dumps(record, indent=2, sort_keys=True))
    before = (run / "run.json").read_text()
    claim_run_folder(run, identity())  # taken, and nothing written
    assert (run / "run.json").read_text() == before
    # a setting that did change is named, and the one this release lacks is not
    taken = claim_run_folder(run, identity(grpo_steps=7))
    assert taken is not None
    assert "grpo_hints" not in taken.said and "null" not in taken.said
    assert taken.said.startswith("training.grpo.steps (--grpo-steps) 54 in the run, 7 now")
    assert json.loads((run / "run.json").read_text())["settings"]["grpo_hints"] is False


def test_the_tokenizer_settings_make_the_base_model_not_synthesis():
    """number_tokens, unlike name_tokens and call_tokens, made synthesis again too: its dialogues
    do not depend on how the model's tokenizer splits numbers."""
    from eigendsl.train.runfolder import stages_made_by

    for setting in ("id_tokens", "name_tokens", "number_tokens", "call_tokens"):
        assert stages_made_by(setting)[0] == "base", setting
