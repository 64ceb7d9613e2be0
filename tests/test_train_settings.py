"""Wrong training settings and damaged run folders are user errors that say where and how to
fix them, found before any stage spends its minutes, and nothing in the run folder is lost."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.train.manifest import resolve  # noqa: E402
from eigendsl.train.pipeline import Pipeline  # noqa: E402
from eigendsl.train.runfolder import finished_stage  # noqa: E402
from eigendsl.train.settings import TrainSettings, check_settings  # noqa: E402
from eigendsl.training_spec import STAGE_DEFAULTS, value_problem  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "retail"


def manifest_copy(tmp_path: Path, **stage_settings: dict) -> Path:
    """The retail manifest, pointing at the spec, with some stages' settings replaced."""
    manifest = yaml.safe_load((ROOT / "generated" / "retail" / "manifest.yaml").read_text())
    manifest["spec_dir"] = str(SPEC)
    for stage in manifest["stages"]:
        stage["settings"].update(stage_settings.get(stage["name"], {}))
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return path


def test_check_settings_names_every_wrong_value_as_the_manifest_spells_it():
    wrong = TrainSettings(
        grpo_steps="x", eval_trials=0, sft_fresh_ids=1.5, eval_split="heldout", model=123
    )
    with pytest.raises(EigenError) as caught:
        check_settings(wrong)
    message = str(caught.value)
    for where in (
        "training.grpo.steps is 'x'",
        "training.eval.trials is 0",
        "training.sft.fresh_ids is 1.5",
        "training.eval.tasks is 'heldout'",
        "training.model is 123",
    ):
        assert where in message
    assert "write a whole number of at least 1" in message and "'held-out'" in message
    # right values pass, numbers become the fields' types; a number as text does not, as
    # compile refuses it in domain.yaml
    checked = check_settings(TrainSettings(sft_epochs=3, grpo_steps=4))
    assert (
        checked.sft_epochs == 3.0
        and isinstance(checked.sft_epochs, float)
        and checked.grpo_steps == 4
    )
    with pytest.raises(EigenError, match=r"training\.grpo\.steps is '4'; write a whole number"):
        check_settings(TrainSettings(grpo_steps="4"))  # type: ignore[arg-type]
    assert check_settings(TrainSettings()) == TrainSettings()


def test_every_manifest_setting_reaches_its_stage(tmp_path):
    """A setting the manifest holds is one the run reads: none is accepted and then left out
    (GRPO's beta, temperature and dynamic filtering, SFT's length limit were, once)."""
    from eigendsl.train.grpo import GRPOSettings
    from eigendsl.train.settings import MANIFEST_KEYS

    read = set(MANIFEST_KEYS.values())
    assert [
        (stage, key) for stage, d in STAGE_DEFAULTS.items() for key in d if (stage, key) not in read
    ] == []
    manifest = yaml.safe_load(
        manifest_copy(
            tmp_path,
            sft={"max_length": 1024},
            grpo={"beta": 0.04, "temperature": 0.7, "dynamic_filtering": False},
        ).read_text()
    )
    s = check_settings(TrainSettings.from_manifest(manifest))
    assert s.sft_max_length == 1024
    grpo = GRPOSettings.of(s)
    assert (grpo.beta, grpo.temperature, grpo.resample_tries) == (0.04, 0.7, 0)
    config = grpo.to_grpo_config(tmp_path)
    assert (config.beta, config.temperature) == (0.04, 0.7)
    assert GRPOSettings.of(TrainSettings()).resample_tries == GRPOSettings().resample_tries > 0
    with pytest.raises(
        EigenError, match=r"training\.sft\.assistant_only_loss is false: write true"
    ):
        check_settings(TrainSettings(sft_assistant_only_loss=False))  # type: ignore[arg-type]


def test_a_wrong_setting_in_the_manifest_stops_train_before_synthesis(tmp_path):
    manifest = manifest_copy(tmp_path, grpo={"steps": "x"}, eval={"trials": 0})
    result = CliRunner().invoke(main, ["train", str(manifest), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1, result.output
    assert (
        "training.grpo: 'steps' is 'x'" in result.output
        and "training.eval.trials is 0" in result.output
    )
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            lambda stages: stages["grpo"]["settings"].update(stepz=3),
            "the manifest's grpo stage: 'stepz' is not one of the grpo settings; "
            "did you mean 'steps'?",
        ),
        (
            lambda stages: stages["grpo"].update(name="grpoo"),
            "the manifest's stage 'grpoo' is not one of synth, sft, grpo, eval; "
            "did you mean 'grpo'?",
        ),
        (
            lambda stages: stages.pop("grpo"),
            "the manifest lists no grpo stage: a run has synth, sft, grpo, eval; to skip GRPO "
            "keep its stage with steps: 0",
        ),
    ],
)
def test_a_misspelt_or_missing_stage_in_the_manifest_stops_train(tmp_path, edit, said):
    """A hand-edited manifest's misspelt setting or stage would be left out, and a stage taken
    out would run on its defaults: each is refused before synthesis."""
    manifest = yaml.safe_load(manifest_copy(tmp_path).read_text())
    stages = {stage["name"]: stage for stage in manifest["stages"]}
    edit(stages)
    manifest["stages"] = list(stages.values())
    (tmp_path / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    result = CliRunner().invoke(
        main, ["train", str(tmp_path / "manifest.yaml"), "--out", str(tmp_path / "run")]
    )
    assert result.exit_code == 1 and said in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


def test_a_catalog_table_the_database_lacks_stops_train_before_synthesis(tmp_path):
    pipeline = Pipeline(
        SPEC, tmp_path / "run", TrainSettings(sft_catalog=("product",)), log=lambda _: None
    )
    with pytest.raises(EigenError, match="training.sft.catalog names 'product', which is not a"):
        pipeline.run()
    assert not (tmp_path / "run").exists()


def test_a_manifest_of_the_wrong_shape_is_a_user_error(tmp_path):
    garbled = tmp_path / "garbled.yaml"
    garbled.write_text("stages: [\n")
    with pytest.raises(EigenError, match="not a training manifest written by `eigendsl compile`"):
        resolve(garbled)
    moved = tmp_path / "moved" / "manifest.yaml"
    moved.parent.mkdir()
    moved.write_text((ROOT / "generated" / "retail" / "manifest.yaml").read_text())
    with pytest.raises(EigenError, match=r"manifest.yaml: its spec_dir, \.\./\.\./specs/retail, "):
        resolve(moved)
    with pytest.raises(EigenError, match="stages are not a list of entries"):
        TrainSettings.from_manifest({"spec_dir": ".", "stages": "oops"})
    with pytest.raises(EigenError, match="stages are not a list of entries"):
        TrainSettings.from_manifest({"spec_dir": ".", "stages": [{"settings": {}}]})


def test_commands_refuse_counts_below_one_and_a_folder_for_a_file():
    runner = CliRunner()
    for args in (
        ["run", "specs/retail", "--trials", "0"],
        ["eval", "specs/retail", "--model", "x", "--trials", "0"],
        ["train", "specs/retail", "--generations", "0"],
        ["synth", "specs/retail", "--workers", "0"],
        ["run", "specs/retail", "--tasks", "0"],
        ["eval", "specs/retail", "--model", "x", "--temperature", "-1"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "Invalid value" in result.output, args
    result = runner.invoke(main, ["run", "specs/retail", "--tasks", "1", "--out", "specs"])
    assert result.exit_code == 2 and "is a directory" in result.output


def test_a_file_a_command_cannot_write_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "file").write_text("keep me")
    result = CliRunner().invoke(
        main, ["compile", "specs/retail", "-o", str(tmp_path / "file" / "out")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(tmp_path / "file") in result.output and (tmp_path / "file").read_text() == "keep me"


def test_a_damaged_stage_record_is_reported_and_kept(tmp_path):
    run = tmp_path / "run"
    (run / "stages").mkdir(parents=True)
    record = run / "stages" / "synth.json"
    record.write_text('{"accepted_total": 12')
    with pytest.raises(EigenError) as caught:
        Pipeline(SPEC, run, TrainSettings(), log=lambda _: None).run()
    assert f"{record}: the record of the finished synth stage is damaged" in str(caught.value)
    assert "delete it to run that stage again" in str(caught.value)
    assert record.read_text() == '{"accepted_total": 12'
    (run / "stages" / "eval_base.json").write_text('{"pass_hat_1": 0.5}')
    damaged = (
        r"eval_base.json: the record of the finished eval_base stage is damaged \(no pass_hat_k"
    )
    with pytest.raises(EigenError, match=damaged):
        finished_stage(run, "eval_base")


def test_a_damaged_dialogue_line_is_named_by_file_and_line(tmp_path):
    run = tmp_path / "run"
    gen = run / "synth" / "gen-1"
    gen.mkdir(parents=True)
    row = {
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [],
        "template": "t",
        "params": {},
    }
    (gen / "accepted.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row)[:30] + "\n")
    pipeline = Pipeline(SPEC, run, TrainSettings(), log=lambda _: None)
    with pytest.raises(EigenError, match=r"gen-1/accepted.jsonl:2: not a dialogue"):
        pipeline.dialogues()
    # JSON of another shape names the field
    call = {"role": "assistant", "tool_calls": [{"function": {"name": 5, "arguments": "{}"}}]}
    for messages, where in (
        ([1], r"messages\.0: Input should be a valid dictionary"),
        ([{"role": 5}], r"messages\.0\.role: Input should be"),
        ([call], r"messages\.0\.tool_calls\.0\.function\.name: Input should be a valid string"),
    ):
        (gen / "accepted.jsonl").write_text(json.dumps({**row, "messages": messages}) + "\n")
        with pytest.raises(EigenError, match=r"accepted.jsonl:1: not a dialogue \(" + where):
            Pipeline(SPEC, run, TrainSettings(), log=lambda _: None).dialogues()
    # a file cut at a line's end reads well, but holds fewer dialogues than synthesis accepted
    (gen / "accepted.jsonl").write_text(json.dumps(row) + "\n")
    (gen / "report.json").write_text(json.dumps({"accepted": 2, "generation": 1}))
    with pytest.raises(EigenError, match="holds 1 dialogues where its report.json counts 2"):
        Pipeline(SPEC, run, TrainSettings(), log=lambda _: None).dialogues()


def test_a_synth_folder_deleted_under_its_record_is_named_as_gone(tmp_path):
    pipeline = Pipeline(SPEC, tmp_path / "run", TrainSettings(), log=lambda _: None)
    with pytest.raises(EigenError, match=r"synth \(the folder is gone\): delete .*synth.json"):
        pipeline.dialogues()
    (tmp_path / "run" / "synth").mkdir(parents=True)
    with pytest.raises(EigenError, match=r"synth \(none made\): delete .*synth.json"):
        pipeline.dialogues()


def test_a_stage_model_that_does_not_load_says_how_to_make_it_again(tmp_path):
    from eigendsl.train.model import build_tiny_model
    from eigendsl.train.tokenizer import train_tokenizer

    run = tmp_path / "run"
    tokenizer = train_tokenizer(["hello there, order #W1000001"] * 20, vocab_size=300)
    model = build_tiny_model(tokenizer, size="micro")
    model.save_pretrained(run / "base")
    tokenizer.save_pretrained(run / "base")
    weights = run / "base" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    shutil.copy(weights, tmp_path / "evidence")
    pipeline = Pipeline(SPEC, run, TrainSettings(), log=lambda _: None)
    with pytest.raises(EigenError) as caught:
        pipeline.load("base")
    message = str(caught.value)
    assert f"{run / 'base'}: the base stage's model does not load (" in message
    assert f"delete {run / 'stages' / 'base.json'} to make it again" in message
    assert weights.read_bytes() == (tmp_path / "evidence").read_bytes()


def test_the_spec_refuses_a_misspelt_or_mistyped_training_setting(tmp_path):
    from eigendsl.compiler import compile_domain

    spec = tmp_path / "retail"
    shutil.copytree(SPEC, spec)
    text, _, _ = (spec / "domain.yaml").read_text().partition("\ntraining:")
    text += "\n"
    line = text.count("\n") + 3  # the setting's, after "training:" and "  sft:"
    for settings, expected in (  # each at the setting's key (misspelt) or value (mistyped)
        ("    epoch: 3", f":{line}:5: training.sft: 'epoch' is not one of the sft settings; did "),
        (
            "    learning_rate: fast",
            f":{line}:20: training.sft: 'learning_rate' is 'fast'; write a",
        ),
        ("    balance: 1", f":{line}:14: training.sft: 'balance' is 1; write true or false"),
        (  # pydantic would take yes as true, as a spec's other bools refuse it
            "    balance: yes",
            f":{line}:14: training.sft: 'balance' is 'yes'; yes, no, on and off are text in "
            "EigenDSL's YAML",
        ),
        ("    catalog: products", f":{line}:14: training.sft: 'catalog' is 'products'; write a"),
        (
            "    catalog: [prodcts]",
            f":{line}:15: training.sft.catalog names 'prodcts', which is not a "
            "table; did you mean 'products'?",
        ),
    ):
        (spec / "domain.yaml").write_text(text + "training:\n  sft:\n" + settings + "\n")
        with pytest.raises(EigenError) as caught:
            compile_domain(spec)
        assert expected in str(caught.value)
        assert "domain.yaml:" in str(caught.value)
    (spec / "domain.yaml").write_text(
        text + "training:\n  sft:\n    epochs: 0.5\n    balance: false\n    catalog: [products]\n"
    )
    compiled = compile_domain(spec)
    sft = next(
        s for s in yaml.safe_load(compiled.files["manifest.yaml"])["stages"] if s["name"] == "sft"
    )
    assert sft["settings"]["epochs"] == 0.5 and sft["settings"]["balance"] is False
    assert sft["settings"]["catalog"] == ["products"]


def test_the_spec_refuses_a_training_value_no_stage_takes_at_the_value(tmp_path):
    """compile refuses every value train would refuse (a count of 0, a name no stage has, false
    where only true works), each at its value in domain.yaml, all together; train says the same
    words of a manifest or a caller's settings."""
    from eigendsl.compiler import compile_domain

    spec = tmp_path / "retail"
    shutil.copytree(SPEC, spec)
    text, _, _ = (spec / "domain.yaml").read_text().partition("\ntraining:")
    text += "\n"
    (spec / "domain.yaml").write_text(
        text + "training:\n  sft:\n    epochs: 0\n    optimizer: sgd\n"
        "    assistant_only_loss: false\n  grpo:\n    tasks: heldout\n    num_generations: 1\n"
        "  eval:\n    trials: 2.5\n    temperature: .inf\n  synth:\n    workers: 0\n"
        "  model: tiny\n"  # a key after the stages: positions are still the values'
    )
    (spec / "domain.yaml").write_text(
        (spec / "domain.yaml")
        .read_text()
        .replace("  sft:\n", "  sft:\n    catalog: [products, 7]\n")
    )
    with pytest.raises(EigenError) as caught:
        compile_domain(spec)
    message = str(caught.value)
    own = "the agent learns only its own turns; a user model, `eigendsl train --user-model`"
    wrong = {
        (3, 25): "training.sft.catalog[1] is 7: write a string",
        (4, 13): "training.sft.epochs is 0: write a number above 0",
        (5, 16): "training.sft.optimizer is 'sgd': write 'adamw' or 'muon'",
        (6, 26): f"training.sft.assistant_only_loss is false: write true ({own}",
        (8, 12): "training.grpo.tasks is 'heldout': write 'synth' or 'train'",
        (9, 22): "training.grpo.num_generations is 1: write a whole number of at least 2",
        (11, 13): "training.eval.trials is 2.5: write a whole number of at least 1",
        (12, 18): "training.eval.temperature is inf: write a finite number",
        (14, 14): "training.synth.workers is 0: write a whole number of at least 1",
    }
    lines = text.count("\n")
    for (line, col), sentence in wrong.items():
        assert f"domain.yaml:{lines + line}:{col}: {sentence}" in message
    assert message.count("domain.yaml:") == len(wrong)
    sgd: Any = "sgd"
    caller = TrainSettings(sft_epochs=0, sft_optimizer=sgd, grpo_generations=1)
    with pytest.raises(EigenError) as caught:
        check_settings(caller)
    for sentence in (wrong[4, 13], wrong[5, 16], wrong[9, 22]):
        assert sentence in str(caught.value)


def test_each_setting_a_manifest_sets_takes_the_values_its_spec_setting_takes():
    """TrainSettings' fields take the kinds compile checks domain.yaml's settings against, so
    compile and train refuse the same values."""
    from typing import get_type_hints

    from eigendsl.train.settings import MANIFEST_KEYS
    from eigendsl.training_spec import STAGE_VALUES

    hints = get_type_hints(TrainSettings, include_extras=True)
    assert {name: hints[name] for name in MANIFEST_KEYS} == {
        name: STAGE_VALUES[stage][key] for name, (stage, key) in MANIFEST_KEYS.items()
    }
    for name, (stage, key) in MANIFEST_KEYS.items():
        assert value_problem(stage, key, getattr(TrainSettings(), name)) is None


def test_the_schema_of_domain_yaml_lists_each_training_setting_with_its_values():
    """`eigendsl schema`, for editors: each stage's settings with their kinds, ranges and
    defaults, and no other key (a stage's settings were an open object)."""
    printed = CliRunner().invoke(main, ["schema"])
    assert printed.exit_code == 0, printed.output
    training = json.loads(printed.output)["$defs"]["Training"]["properties"]
    for stage, defaults in STAGE_DEFAULTS.items():
        settings = training[stage]
        assert settings["additionalProperties"] is False
        assert {key: p["default"] for key, p in settings["properties"].items()} == defaults
    sft, grpo = training["sft"]["properties"], training["grpo"]["properties"]
    assert sft["epochs"] == {"default": 48, "exclusiveMinimum": 0, "type": "number"}
    assert sft["optimizer"]["enum"] == ["adamw", "muon"] and sft["assistant_only_loss"]["const"]
    assert grpo["num_generations"]["minimum"] == 2 and grpo["tasks"]["enum"] == ["synth", "train"]
    tasks = CliRunner().invoke(main, ["schema", "--kind", "tasks"])
    assert tasks.exit_code == 0 and json.loads(tasks.output)["title"] == "TaskFile"


def test_a_spec_or_manifest_file_names_its_folder_and_another_file_is_refused():
    runner = CliRunner()
    compiled = runner.invoke(main, ["compile", "specs/retail/domain.yaml", "--check"])
    assert compiled.exit_code == 0 and "generated/retail is up to date" in compiled.output
    for target in ("specs/retail/domain.yaml", "generated/retail/manifest.yaml"):
        played = runner.invoke(main, ["run", target, "--tasks", "1", "--json"])
        assert played.exit_code == 0, played.output
        assert json.loads(played.output.strip().splitlines()[-1])["episodes"] == 1
    refused = runner.invoke(main, ["compile", "README.md"])
    assert refused.exit_code == 1
    assert "(README.md is a file; name the folder that holds domain.yaml)" in refused.output


def test_a_run_folder_holds_one_run(tmp_path):
    run = tmp_path / "run"
    first = Pipeline(SPEC, run, TrainSettings(model="micro", eval_trials=1), log=lambda _: None)
    first.claim_folder()
    record = json.loads((run / "run.json").read_text())
    assert record["settings"]["model"] == "micro" and record["inputs"]
    first.claim_folder()  # the same settings resume it
    # settings may change until the stages they make have run
    (run / "stages").mkdir()
    (run / "stages" / "synth.json").write_text("{}")
    (run / "synth").mkdir()
    Pipeline(
        SPEC,
        run,
        TrainSettings(model="micro", eval_trials=2, grpo_steps=3, workers=2),
        log=lambda _: None,
    ).claim_folder()
    record = json.loads((run / "run.json").read_text())
    assert record["settings"]["eval_trials"] == 2 and record["settings"]["grpo_steps"] == 3
    for name in ("base", "eval_base"):
        (run / "stages" / f"{name}.json").write_text("{}")
    (run / "base").mkdir()
    # a stage finished under another value is made again: moved into previous/<n>/
    said: list[str] = []
    Pipeline(
        SPEC, run, TrainSettings(model="tiny", eval_trials=3, grpo_steps=3), log=said.append
    ).claim_folder()
    assert said == [
        "[run] training.eval.trials (--trials) 2 in the run, 3 now; training.model (--model) "
        '"micro" in the run, "tiny" now: base and eval_base are made again from scratch, synth '
        "kept; sft, eval_sft, grpo and eval_grpo are not made yet and run as well; what they "
        "replace, and the run's run.json and report as they were, are kept in "
        f"{run / 'previous' / '1'}"
    ]
    assert (run / "previous" / "1" / "stages" / "eval_base.json").is_file()
    assert (run / "previous" / "1" / "run.json").read_text() != (run / "run.json").read_text()
    assert not (run / "base").exists() and (run / "stages" / "synth.json").is_file()
    # a folder of other files is not taken over; a run folder of an earlier EigenDSL is
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.md").write_text("my notes")
    with pytest.raises(EigenError, match=r"holds files \(report.md\) but no training run"):
        Pipeline(SPEC, tmp_path / "mine", TrainSettings(), log=lambda _: None).claim_folder()
    (tmp_path / "old" / "stages").mkdir(parents=True)
    Pipeline(SPEC, tmp_path / "old", TrainSettings(), log=lambda _: None).claim_folder()
    assert (tmp_path / "old" / "run.json").is_file()


def test_a_run_recorded_before_a_setting_existed_resumes_under_its_default(tmp_path):
    """A run folder of an earlier release lacks the settings added since; it ran with their
    defaults, so it resumes under them and is refused under another value."""
    run = tmp_path / "run"
    Pipeline(SPEC, run, TrainSettings(model="micro"), log=lambda _: None).claim_folder()
    record = json.loads((run / "run.json").read_text())
    del record["settings"]["grpo_beta"], record["settings"]["sft_max_length"]
    (run / "run.json").write_text(json.dumps(record))
    (run / "stages").mkdir()
    for stage in ("synth", "base", "sft", "grpo"):
        (run / "stages" / f"{stage}.json").write_text("{}")
    Pipeline(SPEC, run, TrainSettings(model="micro"), log=lambda _: None).claim_folder()
    assert json.loads((run / "run.json").read_text())["settings"]["grpo_beta"] == 0.0
    (run / "run.json").write_text(json.dumps(record))
    said: list[str] = []
    Pipeline(
        SPEC, run, TrainSettings(model="micro", grpo_beta=0.04), log=said.append
    ).claim_folder()
    assert said[0].startswith("[run] training.grpo.beta 0.0 in the run, 0.04 now: grpo is made")


def test_a_damaged_run_record_is_refused_as_it_is_and_kept(tmp_path):
    run = tmp_path / "run"
    pipeline = Pipeline(SPEC, run, TrainSettings(model="micro"), log=lambda _: None)
    pipeline.claim_folder()
    record = json.loads((run / "run.json").read_text())
    for damaged, reason in (
        ('{"domain": "ret', "Unterminated string"),
        ("[]", "not a JSON object"),
        (json.dumps({**record, "settings": "x"}), "its settings are not a JSON object"),
    ):
        (run / "run.json").write_text(damaged)
        with pytest.raises(EigenError) as caught:
            pipeline.claim_folder()
        assert f"{run / 'run.json'}: damaged ({reason}" in str(caught.value)
        assert "restore it from a copy" in str(caught.value)
        assert (run / "run.json").read_text() == damaged


def test_settings_refuse_infinite_rates_and_seeds_generators_cannot_take():
    for wrong, where in (
        (TrainSettings(sft_learning_rate=float("inf")), "training.sft.learning_rate is inf"),
        (TrainSettings(seed=2**64), "training.seed is 18446744073709551616"),
    ):
        with pytest.raises(EigenError, match=where):
            check_settings(wrong)


def test_a_model_whose_weights_diverged_is_a_user_error_when_it_generates():
    import torch

    from eigendsl.runtime.backends import HFBackend
    from eigendsl.train.model import build_tiny_model
    from eigendsl.train.tokenizer import train_tokenizer

    tokenizer = train_tokenizer(["hello there, order #W1000001"] * 20, vocab_size=300)
    model = build_tiny_model(tokenizer, size="micro")
    with torch.no_grad():
        model.get_output_embeddings().weight.fill_(float("nan"))
    backend = HFBackend(model, tokenizer, temperature=1.0, max_new_tokens=4)
    with pytest.raises(EigenError, match="probabilities are not finite .* lower learning rate"):
        backend.generate_ids([[{"role": "user", "content": "hello"}]], None)


def test_play_says_when_a_domain_has_no_tasks(tmp_path):
    spec = tmp_path / "retail"
    shutil.copytree(SPEC, spec)
    for path in (spec / "tasks").glob("*.yaml"):
        path.unlink()
    (spec / "tasks" / "none.yaml").write_text("templates: {}\n")
    result = CliRunner().invoke(main, ["play", str(spec)], input="")
    assert result.exit_code == 1 and "has no tasks to play" in result.output, result.output


def test_backend_options_name_their_own_choices_and_mistakes_need_the_scripted_agent():
    runner = CliRunner()
    judged = runner.invoke(main, ["run", "specs/retail", "--tasks", "1", "--judge", "scripted"])
    assert judged.exit_code == 1
    assert "unknown backend 'scripted'; use hf:PATH_OR_ID, openai:" in judged.output
    planned = runner.invoke(main, ["synth", "specs/retail", "--planner", "bogus"])
    assert planned.exit_code == 1 and "use programmatic, hf:PATH_OR_ID" in planned.output
    erring = runner.invoke(
        main,
        [
            "run",
            "specs/retail",
            "--tasks",
            "1",
            "--agent",
            "hf:x",
            "--mistake",
            "skip_confirmation",
        ],
    )
    assert erring.exit_code == 1 and "use --agent scripted" in erring.output


def test_one_train_at_a_time_in_a_run_folder(tmp_path):
    import subprocess
    import sys

    from eigendsl.synth.records import folder_lock

    run = tmp_path / "run"
    Pipeline(SPEC, run, TrainSettings(model="micro"), log=lambda _: None).claim_folder()
    record = (run / "run.json").read_text()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from eigendsl.synth.records import "
            "folder_lock\nwith folder_lock(Path(sys.argv[1]), 'train'):\n print('held', "
            "flush=True); time.sleep(60)",
            str(run),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        busy = f"in use by another eigendsl train \\(process {holder.pid}\\)"
        other = Pipeline(SPEC, run, TrainSettings(model="micro", seed=3), log=lambda _: None)
        with pytest.raises(EigenError, match=busy):
            other.run()
        assert (run / "run.json").read_text() == record  # refused, it recorded nothing
    finally:
        holder.kill()
        holder.wait(timeout=60)
    # the holder was killed: the system released its lock; a stale process id (here one of a
    # running process, as after a restart) blocks nothing
    (run / ".lock").write_text("1")
    with folder_lock(run, "train"):
        assert (run / ".lock").read_text() == str(os.getpid())
    assert not (run / ".lock").exists()


def test_one_synth_at_a_time_in_its_folder(tmp_path):
    from eigendsl.synth.records import folder_lock

    out = tmp_path / "synth"
    with folder_lock(out, "synth"):
        result = CliRunner().invoke(main, ["synth", str(SPEC), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{out} is in use by another eigendsl synth (process {os.getpid()})" in result.output
    assert list(out.iterdir()) == []


def test_jsonl_lines_end_at_newlines_only(tmp_path):
    from eigendsl.train.run_dialogues import read_dialogues
    from eigendsl.yaml_files import jsonl_rows

    row = {"messages": [{"role": "user", "content": "line one\u2028line two"}], "tools": []}
    path = tmp_path / "accepted.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n\n" + json.dumps(row) + "\n")
    assert read_dialogues(path) == [row, row]
    with pytest.raises(ValueError, match="line 3: Expecting ':' delimiter"):
        jsonl_rows('{"a": 1}\n\n{"b"\n', lambda n, exc: ValueError(f"line {n}: {exc.msg}"))


def test_a_stage_that_fails_on_a_full_disk_says_so(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    from eigendsl.train.runfolder import disk_errors

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9, 10**9))
    with pytest.raises(RuntimeError, match="a bug"):  # room left: not the disk's doing
        with disk_errors(tmp_path, "sft"):
            raise RuntimeError("a bug")
    with pytest.raises(EigenError, match=r"the sft stage stopped: the disk holding .* is full"):
        with disk_errors(tmp_path, "sft"):  # safetensors says so itself
            raise ValueError("Error while serializing: No space left on device (os error 28)")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9, 2**20))
    # (the exception's class, "RuntimeError", meant nothing to a user: newcomer C, L4)
    with pytest.raises(EigenError, match=r"is full \(1 MiB left\); free some space"):
        with disk_errors(tmp_path, "grpo"):  # torch's zip writer does not
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64")


def test_a_folder_that_cannot_be_written(tmp_path, monkeypatch):
    import errno
    from types import SimpleNamespace

    from eigendsl.synth import records
    from eigendsl.train import report as report_module
    from eigendsl.train.runfolder import disk_errors

    # a folder this process cannot write is read without a lock (nothing can be changed from here)
    run = tmp_path / "run"
    run.mkdir()

    def unwritable(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(records, "open", unwritable, raising=False)
    with records.folder_lock(run, "train"):
        assert list(run.iterdir()) == []
    monkeypatch.undo()
    # a stage that must run in a folder it cannot write stops before it runs
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(EigenError, match=r"the sft stage cannot run: .* cannot be written"):
        with disk_errors(run, "sft"):
            raise AssertionError("the stage ran")
    monkeypatch.undo()
    # one whose file cannot be written while it runs says which (not a traceback)
    with pytest.raises(EigenError, match=r"the grpo stage stopped: .*model.bin: Permission denied"):
        with disk_errors(run, "grpo"):
            raise PermissionError(errno.EACCES, "Permission denied", str(run / "model.bin"))

    # a finished run read again rewrites none of its report's files, and where they cannot be
    # written the summary comes back all the same
    stage = {
        "tasks": 2,
        "episodes": 4,
        "passed": 1,
        "pass_hat_k": {"1": 0.25, "2": 0.0},
        "pass_hat_1": 0.25,
        "pass_at_k": {"1": 0.25, "2": 0.5},
        "failures": {},
        "families": {"cancel": 0.25},
    }
    results = {"base": stage, "sft": stage, "grpo": stage}
    logs = ({"loss": [{"step": 1, "loss": 2.0}]}, {"log": []})
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3)
    said: list[str] = []
    first = report_module.write_run_report(run, results, logs, {"sft": 1.0}, settings, said.append)
    files = [run / "report.md", run / "summary.json", *sorted((run / "plots").iterdir())]
    stamps = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files]
    assert len(files) == 4 and said == []
    assert report_module.write_run_report(run, results, logs, {"sft": 1.0}, settings, said.append)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files] == stamps

    def read_only(path: Path, data: bytes) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(report_module, "write_if_changed", read_only)
    again = report_module.write_run_report(run, results, logs, {"sft": 9.0}, settings, said.append)
    assert again["seconds_per_stage"] == {"sft": 9.0} and again["sft"] == first["sft"]
    assert said == [
        f"[report] {run}: Read-only file system; report.md, plots and summary.json kept as they are"
    ]


def test_train_prints_the_pass_rates_as_a_table(capsys):
    """`train` without --json ends with base / SFT / SFT+GRPO: pass^1, pass^K and pass@K."""
    from eigendsl.cli.training import _print_pass_rates

    def stage(hat1, hat3, at3):
        return {"pass_hat_k": {"1": hat1, "2": 0.0, "3": hat3}, "pass_at_k": {"3": at3}}

    summary = {
        "base": stage(0, 0, 0),
        "sft": stage(0.613, 0.514, 0.73),
        "grpo": stage(0.676, 0.622, 0.75),
    }
    _print_pass_rates(summary)
    assert capsys.readouterr().out.splitlines() == [
        "             pass^1  pass^3  pass@3",
        "  base        0.000   0.000   0.000",
        "  SFT         0.613   0.514   0.730",
        "  SFT+GRPO    0.676   0.622   0.750",
    ]


def test_nan_and_infinity_are_named_as_such() -> None:
    """`--recover nan` said "input should be less than or equal to 1", of a value that is none."""
    for value in (float("nan"), float("inf")):
        problem = value_problem("synth", "recover", value)
        assert problem is not None
        assert problem.sentence == f"training.synth.recover is {value!r}: write a finite number"


def test_an_output_folder_that_cannot_be_made_is_said_with_the_fix(tmp_path: Path) -> None:
    """`synth --out /proc/foo` printed only "/proc/foo: No such file or directory"."""
    (tmp_path / "file").write_text("")
    for command in ("synth", "train"):
        result = CliRunner().invoke(
            main, [command, str(SPEC), "--out", str(tmp_path / "file" / "x")]
        )
        assert result.exit_code == 1, result.output
        assert f"cannot make the output folder {tmp_path / 'file' / 'x'}" in result.output
        assert "give --out a folder that can be made and written to" in result.output
