"""A checkpoint trained on one domain played on another's spec, or shown another context than
it was trained with, played on with no word at all (0 passed, 97 malformed calls)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.model_view import checkpoint_notes  # noqa: E402

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def _checkpoint(tmp_path: Path, **config) -> Path:
    folder = tmp_path / "grpo"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2", **config}))
    return folder


def test_a_checkpoint_of_another_domain_or_context_gets_a_note(tmp_path):
    model = _checkpoint(tmp_path, eigendsl_domain="retail", eigendsl_context="compact")
    assert checkpoint_notes(f"hf:{model}", "retail", "compact") == []
    other, full = checkpoint_notes(f"hf:{model}", "library", "full")
    assert other.startswith(
        f"note: {model} was trained on domain 'retail' and plays domain 'library' here"
    )
    assert full == (
        f"note: {model} was trained with the compact context and plays with full here "
        "(--context full); leave --context out to show it the one it was trained with"
    )
    assert checkpoint_notes("openai:http://x", "library", "full") == []
    assert checkpoint_notes("hf:some/hub-id", "library", "full") == []  # records nothing
    # a run folder's checkpoint from before the key: its run.json's domain
    (tmp_path / "run.json").write_text(json.dumps({"domain": "retail", "settings": {}}))
    bare = tmp_path / "sft"
    bare.mkdir()
    (bare / "config.json").write_text("{}")
    assert "trained on domain 'retail'" in checkpoint_notes(f"hf:{bare}", "library", "full")[0]


def test_eval_and_run_print_the_note_on_stderr(tmp_path, monkeypatch):
    from eigendsl.runtime import checkpoints as checkpoints_mod
    from eigendsl.train import evaluate as evaluate_mod

    model = _checkpoint(tmp_path, eigendsl_domain="retail", eigendsl_context="compact")

    def stop(*args, **kwargs):
        raise EigenError("stop here")

    monkeypatch.setattr(checkpoints_mod, "load_for_play", lambda *args, **kwargs: (None, None))
    monkeypatch.setattr(evaluate_mod, "evaluate", stop)
    result = CliRunner().invoke(main, ["eval", str(MINI), "--model", str(model)])
    assert "was trained on domain 'retail' and plays domain 'mini' here" in result.stderr
    assert "context" not in result.stderr  # shown the one it was trained with
    result = CliRunner().invoke(
        main, ["eval", "specs/retail", "--model", str(model), "--context", "full"]
    )
    assert "trained on domain" not in result.stderr
    assert "was trained with the compact context and plays with full" in result.stderr
    from eigendsl.runtime import model_roles

    monkeypatch.setattr(model_roles, "make_agent", stop)
    result = CliRunner().invoke(main, ["run", str(MINI), "--agent", f"hf:{model}"])
    assert "was trained on domain 'retail' and plays domain 'mini' here" in result.stderr


def test_train_records_the_domain_in_the_checkpoint(tmp_path, monkeypatch):
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    pipeline = Pipeline(MINI, tmp_path, TrainSettings(model="micro"), log=lambda _: None)
    monkeypatch.setattr(pipeline, "dialogues", lambda: [])
    pipeline.base()
    config = json.loads((tmp_path / "base" / "config.json").read_text())
    assert (config["eigendsl_domain"], config["eigendsl_context"]) == ("mini", "compact")
