"""A run folder whose spec changed makes again only the stages the change reaches: each finished
stage records what it was made from (eigendsl.train.stage_inputs). Synthesis runs for real (the
mini domain, seconds); the model stages are stand-ins that write a file, so that what is kept and
what is made again shows in their files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.train.pipeline import Pipeline  # noqa: E402
from eigendsl.train.previous_states import own_report  # noqa: E402
from eigendsl.train.runfolder import episodes_record  # noqa: E402
from eigendsl.train.settings import TrainSettings  # noqa: E402

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
MODELS = ("base", "sft", "grpo")
REPORT = Pipeline.report  # the stand_ins fixture replaces it


@pytest.fixture
def stand_ins(monkeypatch):
    """The model stages write ``<stage>/model.txt`` and each evaluation its episodes file; the
    stages each call ran, in their order."""
    ran: list[str] = []

    def model(stage):
        def work(self):
            ran.append(stage)
            (self.out / stage).mkdir(parents=True, exist_ok=True)
            (self.out / stage / "model.txt").write_text(f"{stage} of {len(self.dialogues())}\n")
            return {"base": {}, "sft": {"loss": []}, "grpo": {"log": []}}[stage]

        return work

    def evaluate(self, stage):
        ran.append(f"eval_{stage}")
        episodes = self.out / "eval" / f"{stage}.jsonl"
        episodes.parent.mkdir(parents=True, exist_ok=True)
        episodes.write_text(json.dumps({"model": stage, "of": len(self.dialogues())}) + "\n")
        return {
            "pass_hat_1": 0.5,
            "pass_hat_k": {"1": 0.5},
            "episodes_file": episodes_record(self.out, episodes),
        }

    for stage in MODELS:
        monkeypatch.setattr(Pipeline, stage, model(stage))
    monkeypatch.setattr(Pipeline, "evaluate", evaluate)
    monkeypatch.setattr(Pipeline, "report", lambda self: {})
    return ran


def train(spec: Path, out: Path, **settings) -> list[str]:
    """Run the pipeline on ``spec`` into ``out``; what it logged."""
    chosen = {"generations": 1, "per_generation": 24, "grpo_steps": 1, **settings}
    said: list[str] = []
    Pipeline(spec, out, TrainSettings(model="micro", **chosen), said.append).run()
    return said


def files(out: Path) -> dict[str, tuple[int, bytes]]:
    """Each model's file and each episodes file, with its modification time and bytes."""
    found = [out / stage / "model.txt" for stage in MODELS] + sorted((out / "eval").glob("*"))
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in found}


@pytest.fixture
def spec(tmp_path):
    shutil.copytree(MINI, tmp_path / "mini")
    return tmp_path / "mini"


def test_a_changed_check_keeps_the_models_and_judges_them_again(spec, tmp_path, stand_ins):
    """A check changed (a score's weight, a check no task uses): the whole run was refused, and
    the user told to delete every stage, synthesis, the base model and SFT among them."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    assert stand_ins == ["base", "eval_base", "sft", "eval_sft", "grpo", "eval_grpo"]
    checks = spec / "checks" / "main.chk"
    checks.write_text(
        checks.read_text().replace("score 0.5:", "score 0.7:")
        + "\ncheck kept_email(user_id: string):\n"
        "    require db.users[user_id].email == gold.users[user_id].email\n"
    )
    stand_ins.clear()
    said = train(spec, out)
    # synthesis ran again; its dialogues came out the same: the models trained on them are kept
    assert stand_ins == ["eval_base", "eval_sft", "grpo", "eval_grpo"]
    after = files(out)
    for kept in ("base/model.txt", "sft/model.txt"):
        assert after[kept] == before[kept]
    for made in ("grpo/model.txt", "eval/base.jsonl", "eval/sft.jsonl", "eval/grpo.jsonl"):
        assert after[made][0] != before[made][0]
    log = "\n".join(said)
    assert "[run] the spec's checks/main.chk changed since the run's stages were made" in log
    assert "[synth] made again: the spec changed since it ran" in log
    assert (
        "[base] done earlier, kept: made from the same dialogues, byte for byte, the same "
        "prompts, tool schemas and data" in log
    )
    assert "[sft] done earlier, kept: made from the same dialogues" in log
    assert (
        "[eval_sft] made again: what its episodes are played and judged with changed (the "
        "verifiers, tasks, tools, prompts or data)" in log
    )
    assert "[grpo] made again: what its episodes are played and judged with changed" in log
    # nothing made before is lost: the run's record, and what each stage made again replaced
    aside = out / "previous" / "1"
    assert (
        json.loads((aside / "run.json").read_text())["inputs"]["checks/main.chk"]
        != (json.loads((out / "run.json").read_text())["inputs"]["checks/main.chk"])
    )
    assert (aside / "eval" / "sft.jsonl").read_bytes() == before["eval/sft.jsonl"][1]
    assert (aside / "grpo" / "model.txt").read_bytes() == before["grpo/model.txt"][1]
    assert (aside / "stages" / "eval_grpo.json").is_file() and (aside / "synth").is_dir()
    assert not (aside / "base").exists() and not (aside / "stages" / "sft.json").exists()
    # the same command again keeps everything
    stand_ins.clear()
    train(spec, out)
    assert stand_ins == [] and files(out) == after


def test_a_changed_tool_description_makes_every_stage_again(spec, tmp_path, stand_ins):
    """The prompt and the tool schemas a model is trained on changed: the dialogues differ, and
    everything after synthesis is made again."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    domain = spec / "domain.yaml"
    domain.write_text(domain.read_text().replace("Read an order.", "Read one order by its id."))
    stand_ins.clear()
    said = "\n".join(train(spec, out))
    assert stand_ins == ["base", "eval_base", "sft", "eval_sft", "grpo", "eval_grpo"]
    assert all(files(out)[name][0] != before[name][0] for name in before)
    assert "[base] made again: the dialogues synthesis made differ" in said
    accepted = json.loads((out / "stages" / "synth.json").read_text())["accepted_total"]
    assert f"(as many accepted, {accepted}, not the same text)" in said  # how they differ
    assert "[sft] made again: the dialogues synthesis made differ" in said
    assert (out / "previous" / "1" / "base" / "model.txt").is_file()


def test_a_changed_tool_meta_keeps_the_models_and_plays_them_again(spec, tmp_path, stand_ins):
    """A tag added to a tool (tools.json's meta, which a model is never shown, as named_by):
    the whole tools.json was digested as what the model is shown, and SFT made again."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    domain = spec / "domain.yaml"
    domain.write_text(domain.read_text().replace("tags: [auth]", "tags: [auth, lookup]"))
    stand_ins.clear()
    said = "\n".join(train(spec, out))
    assert stand_ins == ["eval_base", "eval_sft", "grpo", "eval_grpo"]
    after = files(out)
    assert after["base/model.txt"] == before["base/model.txt"]
    assert after["sft/model.txt"] == before["sft/model.txt"]
    assert (
        "[sft] done earlier, kept: made from the same dialogues, byte for byte, the same " in said
    )
    assert "[grpo] made again: what its episodes are played and judged with changed" in said


def _whole_tools_shown(spec: Path) -> str:
    """What an earlier release recorded as "shown": the digest of four compiled files whole
    (tools.json with its meta) and of the clock."""
    import hashlib

    from eigendsl.runtime.domain import load_domain

    manifest = load_domain(spec).manifest
    files = ("prompts/agent_system.md", "prompts/user_simulator.md", "tools.json", "db.json")
    shown = {name: manifest["outputs"].get(name) for name in files}
    shown.update({key: manifest.get(key) for key in ("domain", "today", "now")})
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def test_a_run_recorded_with_the_whole_tools_file_keeps_its_models(
    spec, tmp_path, stand_ins, monkeypatch
):
    """Records of a release that digested the whole tools.json as "shown" are compared so: the
    update alone makes no stage again."""
    from eigendsl.train import stage_book, stage_inputs

    def whole_tools(*args):
        parts = stage_inputs.spec_parts(*args)
        return {**parts, "shown": parts["shown_whole_tools"]}

    out = tmp_path / "run"
    with monkeypatch.context() as earlier:  # the earlier release
        earlier.setattr(stage_book, "spec_parts", whole_tools)
        train(spec, out)
    for stage in ("base", "sft"):
        made_from = json.loads(record(out, stage))["made_from"]
        assert made_from["shown"] == _whole_tools_shown(spec)
    before = files(out)
    stand_ins.clear()
    said = "\n".join(train(spec, out))
    assert stand_ins == [] and files(out) == before
    assert "[base] done earlier, kept" in said
    # a change of what the model is shown is one still
    domain = spec / "domain.yaml"
    domain.write_text(domain.read_text().replace("The user's email.", "Their email."))
    stand_ins.clear()
    train(spec, out)
    assert stand_ins[:3] == ["base", "eval_base", "sft"]


def record(out: Path, stage: str) -> bytes:
    return (out / "stages" / f"{stage}.json").read_bytes()


def test_a_changed_grpo_setting_makes_grpo_again_and_keeps_sft(spec, tmp_path, stand_ins):
    """`--grpo-steps 2` on a run made with 1 step was refused, telling the user to delete the
    stages' records and folders."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    synth, old_grpo = record(out, "synth"), record(out, "grpo")
    stand_ins.clear()
    said = train(spec, out, grpo_steps=2)
    assert stand_ins == ["grpo", "eval_grpo"]
    after = files(out)
    for kept in ("base/model.txt", "sft/model.txt", "eval/base.jsonl", "eval/sft.jsonl"):
        assert after[kept] == before[kept]
    assert after["grpo/model.txt"][0] != before["grpo/model.txt"][0]
    assert record(out, "synth") == synth
    assert json.loads((out / "run.json").read_text())["settings"]["grpo_steps"] == 2
    aside = out / "previous" / "1"
    assert json.loads((aside / "run.json").read_text())["settings"]["grpo_steps"] == 1
    assert (aside / "grpo" / "model.txt").read_bytes() == before["grpo/model.txt"][1]
    assert (aside / "eval" / "grpo.jsonl").read_bytes() == before["eval/grpo.jsonl"][1]
    assert (aside / "stages" / "grpo.json").read_bytes() == old_grpo
    assert not (aside / "sft").exists() and not (aside / "stages" / "sft.json").exists()
    assert said[0] == (
        "[run] training.grpo.steps (--grpo-steps) 1 in the run, 2 now: grpo and eval_grpo are "
        "made again from scratch, synth, base, eval_base, sft and eval_sft kept; what they "
        "replace, and the run's run.json "
        f"and report as they were, are kept in {aside}"
    )
    log = "\n".join(said)
    assert "[sft] done earlier, kept: made from the same dialogues" in log
    assert (
        f"[grpo] made again: training.grpo.steps (--grpo-steps) 1 in the run, 2 now; what it "
        f"made before is kept in {aside}" in log
    )
    # the same command again keeps everything
    stand_ins.clear()
    train(spec, out, grpo_steps=2)
    assert stand_ins == [] and files(out) == after


def test_a_changed_eval_setting_makes_only_the_evaluations_again(spec, tmp_path, stand_ins):
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    stand_ins.clear()
    said = train(spec, out, eval_trials=5)
    assert stand_ins == ["eval_base", "eval_sft", "eval_grpo"]
    after = files(out)
    for model in MODELS:
        assert after[f"{model}/model.txt"] == before[f"{model}/model.txt"]
    assert said[0].startswith(
        "[run] training.eval.trials (--trials) 3 in the run, 5 now: eval_base, eval_sft and "
        "eval_grpo are made again"
    )
    aside = out / "previous" / "1"
    assert sorted(p.name for p in (aside / "eval").iterdir()) == [
        "base.jsonl",
        "grpo.jsonl",
        "sft.jsonl",
    ]


def test_a_setting_sft_reads_makes_sft_grpo_and_evaluations_again(spec, tmp_path, stand_ins):
    """A check changed and SFT's epochs: synthesis and the base model are kept (their inputs
    and settings are the same), SFT and every stage after it made again."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    synth = record(out, "synth")
    stand_ins.clear()
    said = train(spec, out, sft_epochs=7)
    assert stand_ins == ["sft", "eval_sft", "grpo", "eval_grpo"]
    after = files(out)
    assert after["base/model.txt"] == before["base/model.txt"]
    assert after["eval/base.jsonl"] == before["eval/base.jsonl"]
    assert record(out, "synth") == synth
    assert said[0].startswith(
        "[run] training.sft.epochs (--sft-epochs) 48.0 in the run, 7.0 now: sft, eval_sft, grpo "
        "and eval_grpo are made again from scratch"
    )
    assert (out / "previous" / "1" / "sft" / "model.txt").is_file()


def test_a_spec_change_then_a_setting_each_keep_their_own_run(spec, tmp_path, stand_ins):
    """Two changes in a row: each previous/<n>/ holds the run.json, report and summary of the
    run as it was, its summary naming its own folder, and what the stages made again replaced;
    the spec's files that changed are said in one phrase."""
    out = tmp_path / "run"
    train(spec, out)
    for n in (1, 2):
        (out / "report.md").write_text(f"report {n}\n")
        (out / "summary.json").write_text(json.dumps({"report": str(out / "report.md")}))
        if n == 1:
            for name in ("checks/main.chk", "policy.md"):
                path = spec / name
                path.write_text(path.read_text().replace("score 0.5:", "score 0.7:") + "\n")
            said = train(spec, out)
            assert said[0].startswith(
                "[run] the spec's checks/main.chk and policy.md changed since the run's stages"
            )
        else:
            said = train(spec, out, sft_epochs=7)
        aside = out / "previous" / str(n)
        assert own_report(aside) == f"report {n}"
        summary = json.loads((aside / "summary.json").read_text())
        assert summary["report"] == str(aside / "report.md")
        assert summary["out_dir"] == str(aside)
        assert (aside / "stages" / "eval_sft.json").is_file()
        assert (aside / "eval" / "sft.jsonl").is_file()
    assert (
        json.loads((out / "previous" / "2" / "run.json").read_text())["inputs"]
        == (json.loads((out / "run.json").read_text())["inputs"])
    )
    assert (out / "previous" / "2" / "sft" / "model.txt").is_file()
    # where each stage of the first state is now: SFT, kept by the first change, was moved by
    # the second; the base model is still in the run folder (neither said where they were)
    first = out / "previous" / "1"
    where = json.loads((first / "where.json").read_text())["stages"]
    assert {stage: where[stage]["in"] for stage in ("synth", "base", "sft", "grpo")} == {
        "synth": "previous/1",
        "base": ".",
        "sft": "previous/2",
        "grpo": "previous/1",
    }
    outputs = json.loads((first / "summary.json").read_text())["stage_outputs"]
    assert outputs["sft"] == [str(out / "previous" / "2" / "sft")]
    assert outputs["base"] == [str(out / "base")]
    assert outputs["eval_base"] == [str(out / "previous" / "1" / "eval" / "base.jsonl")]
    report = (first / "report.md").read_text()
    assert f"- sft: `{out / 'previous' / '2' / 'sft'}`" in report
    assert f"- base: `{out / 'base'}`" in report


def test_a_stage_started_under_other_settings_starts_again(spec, tmp_path, stand_ins):
    """SFT stopped half-way, then its epochs changed: its checkpoints were made with the old
    value and were resumed with the new one."""
    out = tmp_path / "run"
    train(spec, out)
    for stage in ("eval_sft", "grpo", "eval_grpo"):  # killed in SFT, the stages after not run
        (out / "stages" / f"{stage}.json").unlink()
    (out / "stages" / "sft.json").rename(out / "stages" / "started" / "sft.json")
    (out / "sft" / "checkpoint-2").mkdir()
    stand_ins.clear()
    said = "\n".join(train(spec, out, sft_epochs=7))
    assert stand_ins == ["sft", "eval_sft", "grpo", "eval_grpo"]
    assert "[run] training.sft.epochs (--sft-epochs) 48.0 in the run, 7.0 now: sft" in said
    assert "[sft] started again: training.sft.epochs (--sft-epochs) 48.0 in the run" in said
    assert not (out / "sft" / "checkpoint-2").exists()
    assert (out / "previous" / "1" / "sft" / "checkpoint-2").is_dir()
    # grpo's leftovers are moved aside too, though it never finished: it is made with the value
    assert (out / "previous" / "1" / "grpo" / "model.txt").is_file()


def test_a_run_of_an_earlier_release_is_refused_a_spec_change_not_a_setting(
    spec, tmp_path, stand_ins
):
    """Records without made_from cannot say which stages a changed spec reaches; a changed
    setting's stages are known from the setting alone."""
    out = tmp_path / "run"
    train(spec, out)
    for stage_record in (out / "stages").glob("*.json"):
        data = json.loads(stage_record.read_text())
        data.pop("made_from")
        stage_record.write_text(json.dumps(data))
    checks = spec / "checks" / "main.chk"
    text = checks.read_text()
    checks.write_text(text.replace("score 0.5:", "score 0.7:"))
    with pytest.raises(EigenError, match="whose synth, base, eval_base, sft, eval_sft, grpo"):
        train(spec, out)
    assert not (out / "previous").exists()
    checks.write_text(text)
    stand_ins.clear()
    train(spec, out, eval_trials=5)
    assert stand_ins == ["eval_base", "eval_sft", "eval_grpo"]


def test_a_stage_started_from_other_inputs_starts_again(spec, tmp_path, stand_ins):
    """SFT stopped half-way, then the tool descriptions changed: its checkpoints were made from
    the old dialogues and are not resumed from."""
    out = tmp_path / "run"
    train(spec, out)
    (out / "stages" / "sft.json").rename(out / "stages" / "started" / "sft.json")
    (out / "sft" / "checkpoint-2").mkdir()
    domain = spec / "domain.yaml"
    domain.write_text(domain.read_text().replace("Read an order.", "Read one order by its id."))
    said = "\n".join(train(spec, out))
    assert "[sft] started again: the dialogues synthesis made differ" in said
    assert not (out / "sft" / "checkpoint-2").exists()
    assert (out / "previous" / "1" / "sft" / "checkpoint-2").is_dir()


def test_episodes_two_evaluations_share_are_kept_aside(spec, tmp_path, stand_ins):
    """With no GRPO steps eval_sft and eval_grpo both write eval/sft.jsonl: made again, the file
    they shared is kept in previous/ (copied while the other's record still names it)."""
    out = tmp_path / "run"
    train(spec, out, grpo_steps=0)
    before = (out / "eval" / "sft.jsonl").read_bytes()
    checks = spec / "checks" / "main.chk"
    checks.write_text(checks.read_text().replace("score 0.5:", "score 0.7:"))
    stand_ins.clear()
    train(spec, out, grpo_steps=0)
    assert stand_ins == ["eval_base", "eval_sft", "eval_sft"]
    assert (out / "previous" / "1" / "eval" / "sft.jsonl").read_bytes() == before
    assert (out / "previous" / "1" / "stages" / "eval_grpo.json").is_file()


def test_a_renamed_spec_folder_or_a_comment_above_a_check_keeps_grpo(spec, tmp_path, stand_ins):
    """The compiled verifiers cite ``<spec folder>/checks/main.chk:12``, and every compiled file
    was digested byte for byte: the spec folder renamed, or a comment line added at the top of a
    check file, made GRPO and every evaluation again, said the verifiers changed, and (no input
    having changed) overwrote the run's report instead of keeping it in previous/."""
    out = tmp_path / "run"
    train(spec, out)
    before = files(out)
    renamed = tmp_path / "shop-v2"
    shutil.copytree(spec, renamed)
    stand_ins.clear()
    said = "\n".join(train(renamed, out))
    assert stand_ins == [] and files(out) == before and "made again" not in said
    # a line added above the checks moves the lines its failure lists cite, not its rewards
    checks = renamed / "checks" / "main.chk"
    checks.write_text("# reward for the mini shop (v2)\n" + checks.read_text())
    said = "\n".join(train(renamed, out))
    assert stand_ins == ["eval_base", "eval_sft", "eval_grpo"]
    assert files(out)["grpo/model.txt"] == before["grpo/model.txt"]
    assert "[eval_base] made again: only source locations changed" in said
    assert "[grpo] done earlier, kept: made from the same dialogues" in said


def test_a_model_made_again_makes_its_evaluation_again(spec, tmp_path, stand_ins):
    """GRPO started from other inputs (a change put back after a kill) was trained again, but
    eval_grpo, made from the same inputs, was kept: the evaluation of a model no longer in the
    run folder. And with no input changed, the run's report was overwritten, not kept aside."""
    out = tmp_path / "run"
    train(spec, out)
    (out / "report.md").write_text("the report of the first command\n")
    (out / "summary.json").write_text(json.dumps({"report": str(out / "report.md")}))
    record = json.loads((out / "stages" / "grpo.json").read_text())
    (out / "stages" / "grpo.json").unlink()
    started = {**record["made_from"], "played": "another check's"}
    (out / "stages" / "started" / "grpo.json").write_text(json.dumps(started))
    shutil.rmtree(out / "grpo")
    (out / "grpo").mkdir()  # it stopped before its first checkpoint
    stand_ins.clear()
    said = "\n".join(train(spec, out))
    assert stand_ins == ["grpo", "eval_grpo"]
    assert "[eval_grpo] made again: the grpo stage it reads was made again" in said
    aside = out / "previous" / "1"
    assert own_report(aside) == "the report of the first command"
    summary = json.loads((aside / "summary.json").read_text())
    assert summary["report"] == str(aside / "report.md") and summary["out_dir"] == str(aside)
    assert not (aside / "grpo").exists()  # the empty folder it left is not kept aside
    assert (aside / "stages" / "eval_grpo.json").is_file()
    # run again, the model made in this command is the one its evaluation read
    stand_ins.clear()
    train(spec, out)
    assert stand_ins == []


def test_a_stage_made_again_names_the_stages_kept_in_the_report(
    spec, tmp_path, stand_ins, monkeypatch
):
    """report.md and summary.json did not say which stages an earlier command made, nor where
    the report before this command is (the report itself: test_results_reading)."""
    seen = []
    monkeypatch.setattr(
        Pipeline, "report", lambda self: seen.append((self.book.kept, self.book.aside))
    )
    out = tmp_path / "run"
    train(spec, out)
    checks = spec / "checks" / "main.chk"
    checks.write_text(checks.read_text().replace("score 0.5:", "score 0.7:"))
    train(spec, out)
    assert seen[0] == ([], None)
    assert seen[1] == (["base", "sft"], out / "previous" / "1")


def test_a_spec_changed_under_a_run_of_an_earlier_release_says_so(spec, tmp_path, stand_ins):
    """The refusal said the stages were "made with other settings" and to "resume it with the
    same settings" for an edited check file, and not why the run could not be redone in part."""
    out = tmp_path / "run"
    train(spec, out)
    for record in (out / "stages").glob("*.json"):
        data = json.loads(record.read_text())
        data.pop("made_from")
        record.write_text(json.dumps(data))
    checks = spec / "checks" / "main.chk"
    checks.write_text(checks.read_text().replace("score 0.5:", "score 0.7:"))
    with pytest.raises(EigenError) as caught:
        train(spec, out)
    message = str(caught.value)
    assert (
        "stages were made from another spec: the spec's checks/main.chk changed since they were "
        "made. This run's records come from an earlier EigenDSL release and do not say what "
        "each stage was made from" in message
    )
    assert "Put the spec back as it was to resume the run, delete " in message
    assert "other settings" not in message


def test_a_command_that_resumes_one_cut_short_says_so(spec, tmp_path, stand_ins):
    """Resuming after a kill, the kept stages gave no reason and SFT said "running" while it
    resumed from its checkpoints."""
    out = tmp_path / "run"
    train(spec, out)
    for stage in ("sft", "eval_sft", "grpo", "eval_grpo"):  # killed in SFT, the stages after not
        record = out / "stages" / f"{stage}.json"
        if stage == "sft":
            made_from = json.loads(record.read_text())["made_from"]
            (out / "stages" / "started" / "sft.json").write_text(json.dumps(made_from))
        record.unlink()
    (out / "sft" / "checkpoint-2").mkdir()  # what SFT resumes from (none: test_train_messages)
    stand_ins.clear()
    said = "\n".join(train(spec, out))
    assert stand_ins == ["sft", "eval_sft", "grpo", "eval_grpo"]
    assert "[sft] resumed: started earlier from the same inputs" in said
    assert "[base] done earlier, kept: made from the same dialogues" in said


def cut_short(monkeypatch, stage: str) -> None:
    """The stand-in of ``stage`` is stopped (Ctrl-C) the first time it runs."""
    work = getattr(Pipeline, stage)
    calls: list[int] = []

    def stopped(self):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return work(self)

    monkeypatch.setattr(Pipeline, stage, stopped)


def test_a_change_cut_short_then_resumed_keeps_the_reports_link_to_the_run_before(
    spec, tmp_path, stand_ins, monkeypatch
):
    """`--grpo-steps` changed, killed in GRPO, the same command again: the report it wrote had no
    stage marked kept nor the folder of the report before (nor summary.json's kept_stages and
    previous_report), and it overwrote the report the change command had written."""
    passed = []
    monkeypatch.setattr(Pipeline, "report", REPORT)
    monkeypatch.setattr(
        "eigendsl.train.report.write_run_report",
        lambda out, results, logs, seconds, settings, log, kept=None, resumed=(): (
            passed.append(kept) or {}
        ),
    )
    out = tmp_path / "run"
    train(spec, out)
    assert passed == [None]
    cut_short(monkeypatch, "grpo")
    with pytest.raises(KeyboardInterrupt):
        train(spec, out, grpo_steps=2)
    stand_ins.clear()
    train(spec, out, grpo_steps=2)
    assert stand_ins == ["grpo", "eval_grpo"]
    before = (["synth", "base", "eval_base", "sft", "eval_sft"], out / "previous" / "1")
    assert passed[-1] == before
    # a finished run read again writes the same report
    train(spec, out, grpo_steps=2)
    assert passed[-1] == before


def test_the_first_line_names_the_stages_a_setting_keeps(spec, tmp_path, stand_ins, monkeypatch):
    """It said "the other stages kept" after a seed change that makes every stage again, and
    after a change cut short in SFT (the stages after it not kept but not made yet)."""
    out = tmp_path / "run"
    train(spec, out)
    said = train(spec, out, seed=7)
    assert "eval_grpo are made again from scratch, no stage is kept; what they replace" in said[0]
    cut_short(monkeypatch, "sft")
    with pytest.raises(KeyboardInterrupt):
        train(spec, out, seed=7, sft_epochs=7)
    said = train(spec, out, seed=7, sft_epochs=9)
    assert (
        "sft is made again from scratch, synth, base and eval_base kept; eval_sft, grpo and "
        "eval_grpo are not made yet and run as well; what they replace" in said[0]
    )


def test_a_check_no_gold_dialogue_passes_stops_at_synthesis_with_its_reasons(
    spec, tmp_path, stand_ins
):
    """Synthesis accepted nothing, recorded itself done, and the error came a stage later (after
    the base model was moved aside) with advice to synthesize more, which gives nothing either."""
    out = tmp_path / "run"
    train(spec, out)
    checks = spec / "checks" / "main.chk"
    checks.write_text(
        checks.read_text().replace('require said "cancelled"', 'require said "xyzzy"')
    )
    stand_ins.clear()
    with pytest.raises(EigenError) as caught:
        train(spec, out)
    message = str(caught.value)
    assert "synthesis accepted no dialogue" in message and "xyzzy" in message
    assert "eigendsl lint" in message and "--per-generation" not in message
    assert stand_ins == [] and (out / "base" / "model.txt").is_file()  # nothing after it ran
    checks.write_text(
        checks.read_text().replace('require said "xyzzy"', 'require said "cancelled"')
    )
    train(spec, out)
    assert stand_ins == []  # the spec as it was: synthesis made again, the same, the rest kept


def test_the_schema_sft_reads_for_fresh_values_is_in_what_it_is_shown(spec):
    """fixR1: with training.sft.fresh_values, SFT reads the schema's attribute fields (maps of
    strings) from the spec; the compiled db.json holds the schema, its digest is in ``shown``,
    so a schema change that changes them makes SFT again (kept: no digest of its own needed)."""
    from eigendsl.loader import load_spec
    from eigendsl.runtime.domain import load_domain
    from eigendsl.train.renaming import attribute_fields
    from eigendsl.train.stage_inputs import TOOLS, compiled_text, spec_parts, verifier_texts

    def read() -> tuple[str, list[str]]:
        domain = load_domain(spec)
        parts = spec_parts(domain.manifest, verifier_texts(domain), compiled_text(domain, TOOLS))
        return parts["shown"], attribute_fields(load_spec(spec).spec.database.tables)

    before = read()
    domain = spec / "domain.yaml"
    field = "        total: float\n"
    extra = "        options: {type: map, of: string, optional: true}\n"
    domain.write_text(domain.read_text().replace(field, field + extra))
    after = read()
    assert (before[1], after[1]) == ([], ["options"])
    assert after[0] != before[0]
