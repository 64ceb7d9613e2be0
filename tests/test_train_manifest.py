"""A training manifest as `eigendsl train` reads it: the values compile refuses in domain.yaml's
`training:` are refused in a hand-edited manifest too, each at its line with the source and a
caret, with a version, a key or a stage entry a run does not read, before anything is written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.train.manifest import resolve
from eigendsl.train.settings import TrainSettings, check_settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "retail"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """The retail manifest, pointing at the spec, with the line ``old`` written ``new``, in a
    folder of its own under ``tmp_path``."""
    text = (ROOT / "generated" / "retail" / "manifest.yaml").read_text()
    text = re.sub(r"(?m)^spec_dir: .*$", f"spec_dir: {SPEC}", text)
    assert text.count(old) == 1, old
    path = tmp_path / f"m{len(list(tmp_path.glob('m*')))}" / "manifest.yaml"
    path.parent.mkdir()
    path.write_text(text.replace(old, new))
    return path


def refusal(path: Path, **overrides: Any) -> str:
    """What train says of the manifest at ``path`` before its first stage ('' where nothing)."""
    try:
        _, manifest = resolve(path)
        assert manifest is not None
        check_settings(TrainSettings.from_manifest(manifest, **overrides))
    except EigenError as exc:
        return exc.render()
    return ""


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("    epochs: 48", "    epochs: '3'", "training.sft: 'epochs' is '3'; write a number"),
        (
            "    batch_size: 8",
            "    batch_size: 8.0",
            "training.sft.batch_size is 8.0: write a whole",
        ),
        ("    steps: 54", "    steps: 2.0", "training.grpo.steps is 2.0: write a whole number, 2"),
        (
            "    dynamic_filtering: true",
            "    dynamic_filtering: 'yes'",
            "training.grpo: 'dynamic_filtering' is 'yes'; yes, no, on and off are text",
        ),
        (
            "    dynamic_filtering: true",
            "    dynamic_filtering: off",
            "training.grpo: 'dynamic_filtering' is 'off'; yes, no, on and off are text",
        ),
        (
            "    fresh_values: false",
            "    fresh_values: 1",
            "training.sft: 'fresh_values' is 1; write true or false",
        ),
        (
            "    recover: 0.0",
            "    recover: '0.5'",
            "training.synth: 'recover' is '0.5'; write a number from 0 to 1",
        ),
    ],
)
def test_a_manifest_value_compile_refuses_is_refused_at_its_value(tmp_path, old, new, said):
    """A string for a number, a whole float for a count, yes, off or 1 for a bool: compile
    refuses them in domain.yaml; train took them (yes as true, off as false, '3' as 3 passes)."""
    path = edited(tmp_path, old, new)
    message = refusal(path)
    line = line_of(path, new)
    col = new.index(":") + 3
    assert message.startswith(f"{path}:{line}:{col}: {said}"), message
    assert f"\n    {new}\n    {' ' * (col - 1)}^" in message
    assert "(set in domain.yaml's training" not in message


def test_a_manifest_of_a_version_train_does_not_read_is_refused_as_run_refuses_it(tmp_path):
    for version in ("2", "0", "true"):
        path = edited(tmp_path, "schema_version: 1", f"schema_version: {version}")
        with pytest.raises(EigenError) as caught:
            resolve(path)
        said = (
            f"{path}:1:17: schema_version must be one this EigenDSL reads ([1]), not {version}; "
            "this folder is compiler output: compile the spec again"
        )
        assert said in str(caught.value)
    played = CliRunner().invoke(main, ["run", str(path.parent), "--tasks", "1"])
    trained = CliRunner().invoke(main, ["train", str(path), "--out", str(tmp_path / "run")])
    assert played.exit_code == trained.exit_code == 1
    assert played.output.splitlines()[0] == trained.output.splitlines()[0].replace(
        ":1:17:", ":1:1:"
    )
    assert not (tmp_path / "run").exists()


def test_manifest_errors_name_only_the_place_the_value_came_from(tmp_path):
    """A wrong manifest value is at its line; a wrong option by its name; a manifest's top-level
    seed is `seed` (there is no `training` key in a manifest); a value the command line overrides
    is still checked, since the manifest stays as it is for the next run."""
    path = edited(tmp_path, "    epochs: 48", "    epochs: 0")
    message = refusal(path, sft_epochs=float("nan"), seed=-2)
    line = line_of(path, "    epochs: 0")
    assert f"{path}:{line}:13: training.sft.epochs is 0: write a number above 0" in message
    assert "--sft-epochs is nan: write a finite number" in message
    assert "--seed is -2: write a whole number from 0 to 4294967295" in message
    assert "the manifest or the command line" not in message
    overridden = refusal(path, sft_epochs=2.0)
    assert "training.sft.epochs is 0" in overridden and "--sft-epochs" not in overridden
    seeded = edited(tmp_path, "seed: 0", "seed: -1")
    assert f"{seeded}:6:7: seed is -1: write a whole number from 0 to 4294967295" in refusal(seeded)
    named = edited(tmp_path, "model: tiny", "model: 123")
    assert f"{named}:5:8: model is 123; write a string" in refusal(named)
    # the command line's own message, as the terminal shows it
    result = CliRunner().invoke(main, ["train", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1 and result.output.startswith(f"{path}:"), result.output
    assert "\n        epochs: 0\n                ^\n" in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (  # a second sft entry replaced the first: every other sft setting fell back
            "- name: eval\n",
            "- name: sft\n  settings:\n    epochs: 1\n- name: eval\n",
            ":{eval}:9: the manifest lists the sft stage twice (first at line {sft}); keep one",
        ),
        (
            "seed: 0\n",
            "seed: 0\ntrianing:\n  sft: {epochs: 1}\n",
            ":7:1: unknown key 'trianing' in the manifest; each stage's settings are under stages",
        ),
        ("seed: 0\n", "seed: 0\nmodle: micro\n", ":7:1: unknown key 'modle' in the manifest; did"),
        (
            "- name: grpo\n  settings:\n",
            "- name: grpo\n  setings:\n",
            ":{grpo_settings}:3: the manifest's grpo stage: unknown key 'setings'; did you mean",
        ),
        (
            "- name: eval\n  settings:\n    trials: 3\n    tasks: held-out\n    temperature: 0.3\n",
            "- name: eval\n  settings: null\n",
            ":{eval_settings}:13: the manifest's eval stage: its settings are not key: value lines",
        ),
        (
            "- name: sft\n",
            "- name: sfft\n",
            ":{sft}:9: the manifest's stage 'sfft' is not one of synth, sft, grpo, eval; did",
        ),
        (
            "    epochs: 48\n",
            "    epochz: 48\n",
            ":{sft_epochs}:5: the manifest's sft stage: 'epochz' is not one of the sft settings",
        ),
    ],
)
def test_a_repeated_stage_or_an_unknown_key_in_a_manifest_is_refused(tmp_path, old, new, said):
    lines = (ROOT / "generated" / "retail" / "manifest.yaml").read_text().splitlines()
    stage = {name: lines.index(f"- name: {name}") + 1 for name in ("sft", "grpo", "eval")}
    at = {  # the manifest's lines move with its list of input files
        "sft": stage["sft"],
        "sft_epochs": lines.index("    epochs: 48", stage["sft"]) + 1,
        "grpo_settings": stage["grpo"] + 1,
        "eval": stage["eval"],
        "eval_settings": stage["eval"] + 1,
    }
    path = edited(tmp_path, old, new)
    assert f"{path}{said.format(**at)}" in refusal(path)


def test_training_context_is_set_in_the_spec_the_manifest_or_on_the_command_line(tmp_path):
    """README: the compact context is what train uses by default, `training.context`."""
    from eigendsl.cli.training import train_cmd
    from eigendsl.compiler import compile_domain
    from eigendsl.train.settings import OPTIONS

    spec = tmp_path / "retail"
    spec.mkdir()
    for item in SPEC.iterdir():
        (spec / item.name).symlink_to(item)
    (spec / "domain.yaml").unlink()
    text = (
        (SPEC / "domain.yaml")
        .read_text()
        .replace("\ntraining:\n", "\ntraining:\n  context: full\n")
    )
    (spec / "domain.yaml").write_text(text)
    manifest = compile_domain(spec).files["manifest.yaml"]
    assert "\ncontext: full\n" in manifest
    path = edited(tmp_path, "context: compact", "context: full")
    _, read = resolve(path)
    assert read is not None and TrainSettings.from_manifest(read).context == "full"
    assert TrainSettings.from_manifest(read, context="compact").context == "compact"
    wrong = edited(tmp_path, "context: compact", "context: short")
    assert f"{wrong}:7:10: context is 'short': write 'compact' or 'full'" in refusal(wrong)
    # every option train has is named as the command line spells it
    flags = {p.name: p.opts[0] for p in train_cmd.params if p.opts[0].startswith("--")}
    flags["eval_constrain_calls"] = flags.pop("constrain_calls")
    flags.pop("out"), flags.pop("as_json")
    assert flags == OPTIONS


def test_pydantic_words_are_eigendsl_s_in_compile_and_train(tmp_path):
    """Not pydantic's "input should be a valid tuple" or "greater than 0": a user wrote YAML."""
    catalog = edited(tmp_path, "    catalog:\n    - products\n", "    catalog: products\n")
    assert "training.sft: 'catalog' is 'products'; write a list" in refusal(catalog)
    for old, new, said in (
        ("    epochs: 48", "    epochs: 0", "training.sft.epochs is 0: write a number above 0"),
        (
            "    fresh_ids: 0.5",
            "    fresh_ids: 1.5",
            "fresh_ids is 1.5: write a number from 0 to 1",
        ),
        ("    trials: 3", "    trials: 2.5", "trials is 2.5: write a whole number of at least 1"),
        ("    tasks: held-out", "    tasks: test", "write 'held-out', 'train' or 'all'"),
    ):
        message = refusal(edited(tmp_path, old, new))
        assert said in message and "input should" not in message, message


def test_a_manifest_whose_spec_changed_since_the_compile_is_trained_with_a_warning(
    tmp_path, capsys
):
    """train reads the spec as it is now, with the manifest's settings: as run and eval do for a
    stale compiled folder, it says so, naming the files and the compile to run."""
    import shutil

    from tests.conftest import MINI

    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    out = tmp_path / "gen"
    assert (
        CliRunner().invoke(main, ["compile", str(spec), "-o", str(out), "--no-lint"]).exit_code == 0
    )
    resolve(out / "manifest.yaml")
    assert "stale" not in capsys.readouterr().err
    (spec / "policy.md").write_text((spec / "policy.md").read_text() + "\nBe brief.\n")
    assert resolve(out / "manifest.yaml")[0] == spec.resolve()
    said = capsys.readouterr().err
    assert f"warning: {out / 'manifest.yaml'} is stale: its spec {spec.resolve()} changed" in said
    assert "(policy.md)" in said and f"run: eigendsl compile {spec.resolve()} -o {out}" in said
