"""A checkpoint trained on one domain played on another's spec, or shown another context than
it was trained with, played on with no word at all (0 passed, 97 malformed calls); so did one
played on its own domain after the spec's policy or a tool changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.domain import load_domain  # noqa: E402
from eigendsl.runtime.model_view import checkpoint_notes, domain_fingerprint  # noqa: E402

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
    assert config["eigendsl_fingerprint"] == domain_fingerprint(load_domain(MINI))


def _edited(spec: Path, rel: str, old: str, new: str) -> None:
    text = (spec / rel).read_text()
    assert old in text
    (spec / rel).write_text(text.replace(old, new))


def _stop_playing(monkeypatch) -> None:
    from eigendsl.runtime import checkpoints as checkpoints_mod
    from eigendsl.runtime import model_roles
    from eigendsl.train import evaluate as evaluate_mod

    def stop(*args, **kwargs):
        raise EigenError("stop here")

    monkeypatch.setattr(checkpoints_mod, "load_for_play", lambda *args, **kwargs: (None, None))
    monkeypatch.setattr(evaluate_mod, "evaluate", stop)
    monkeypatch.setattr(model_roles, "make_agent", stop)


def test_a_checkpoint_of_another_version_of_its_domain_gets_a_note(tmp_path, monkeypatch):
    _stop_playing(monkeypatch)
    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    model = _checkpoint(
        tmp_path,
        eigendsl_domain="mini",
        eigendsl_context="compact",
        eigendsl_fingerprint=domain_fingerprint(load_domain(spec)),
    )

    def notes(*extra: str) -> list[str]:
        stderr = CliRunner().invoke(main, [*extra, "--model", str(model)]).stderr
        run = CliRunner().invoke(main, ["run", str(spec), "--agent", f"hf:{model}"]).stderr
        return [line for line in (stderr + run).splitlines() if line.startswith("note:")]

    assert notes("eval", str(spec)) == []  # the spec it was trained on
    tasks = len(load_domain(spec).tasks)
    _edited(
        spec,
        "tasks/cancel.yaml",
        "tasks:\n",
        "tasks:\n  - {id: cancel-bob, template: "
        'cancel, params: {order_id: "#1", email: ann@example.com, reason: ordered by '
        "mistake}}\n",
    )
    assert len(load_domain(spec).tasks) == tasks + 1
    assert notes("eval", str(spec)) == []  # a task added: nothing the model sees changed
    _edited(spec, "policy.md", "before cancelling", "before cancelling or refunding")
    said = (
        f"note: {model} was trained on another version of domain 'mini': its agent prompt "
        "changed since; it plays a version it was not trained on"
    )
    eval_note, run_note = notes("eval", str(spec))
    assert eval_note.startswith(said) and run_note.startswith(said)
    _edited(spec, "domain.yaml", "Find a user id by email.", "Find a user by email.")
    eval_note, run_note = notes("eval", str(spec))
    assert eval_note == run_note
    assert eval_note.startswith(
        f"note: {model} was trained on another version of domain 'mini': its agent prompt and "
        "tools changed since (tools changed: find_user); "
    )


def test_the_note_names_the_tools_added_removed_or_changed(tmp_path):
    def fingerprint(prompt: str, *tools: tuple[str, str]) -> dict:
        class Domain:
            agent_prompt = prompt
            tool_schemas = [
                {"type": "function", "function": {"name": name, "description": text}}
                for name, text in tools
            ]

        return domain_fingerprint(Domain)

    trained = fingerprint("p", ("find", "a"), ("cancel", "b"), ("refund", "c"))
    model = _checkpoint(tmp_path, eigendsl_domain="shop", eigendsl_fingerprint=trained)
    spec = f"hf:{model}"
    assert checkpoint_notes(spec, "shop", "full", trained) == []
    assert checkpoint_notes(spec, "shop", "full") == []  # no played fingerprint: no comparison
    (note,) = checkpoint_notes(
        spec, "shop", "full", fingerprint("p", ("find", "a2"), ("cancel", "b"), ("track", "d"))
    )
    assert "its tools changed since (tools added: track; removed: refund; changed: find); " in note
    (note,) = checkpoint_notes(
        spec, "shop", "full", fingerprint("p", ("cancel", "b"), ("find", "a"), ("refund", "c"))
    )
    assert "its tools changed since (the tools' order); " in note
    # another domain is noted as such, not as another version; a hub id records nothing
    (other,) = checkpoint_notes(spec, "library", "full", fingerprint("q"))
    assert "was trained on domain 'shop' and plays domain 'library'" in other
    assert checkpoint_notes("hf:some/hub-id", "shop", "full", fingerprint("q")) == []
    # a checkpoint from before the key
    older = tmp_path / "older"
    older.mkdir()
    (older / "config.json").write_text(json.dumps({"eigendsl_domain": "shop"}))
    assert checkpoint_notes(f"hf:{older}", "shop", "full", fingerprint("q")) == []
