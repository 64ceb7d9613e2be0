"""Checkpoints a user names to run, eval and train: a tokenizer larger than the model's embedding
is one message, a replaced chat template is said, and a trained model is shown the context it
was trained on by run and eval alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.model_roles import ModelAgent, make_agent  # noqa: E402
from eigendsl.runtime.model_view import agent_context, trained_context  # noqa: E402
from eigendsl.train.model import build_tiny_model, check_model_name, load_checkpoint  # noqa: E402
from eigendsl.train.tokenizer import train_tokenizer  # noqa: E402
from tests.conftest import tiny_qwen  # noqa: E402

TEXTS = ["Hello, I want to cancel order #W1000075.", "get_order_details order_id"] * 4


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(TEXTS, vocab_size=400)


def test_a_tokenizer_larger_than_the_embedding_is_one_message(tmp_path, tokenizer):
    folder = tmp_path / "small"
    tiny_qwen(50).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    said = f"its tokenizer has {len(tokenizer)} tokens but the model's embedding has 50 rows"
    for load in (load_checkpoint, check_model_name):  # eval's load, and train's up-front check
        with pytest.raises(EigenError, match=f"cannot load model '{folder}': {said}"):
            load(str(folder))
    for command in (
        ["eval", "specs/retail", "--model", str(folder), "--trials", "1"],
        ["run", "specs/retail", "--agent", f"hf:{folder}", "--tasks", "1"],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert said in result.output and "Traceback" not in result.output
        # what to do with such a checkpoint, not what a model is (it is one)
        assert result.output.strip().endswith("then save_pretrained again)"), result.output


def test_a_replaced_chat_template_is_said(tmp_path, tokenizer):
    folder = tmp_path / "bare"
    build_tiny_model(tokenizer, size="micro").save_pretrained(folder)
    template, tokenizer.chat_template = tokenizer.chat_template, None
    try:
        tokenizer.save_pretrained(folder)
    finally:
        tokenizer.chat_template = template
    for extra in folder.glob("*.jinja"):
        extra.unlink()
    notes: list[str] = []
    load_checkpoint(str(folder), note=notes.append)
    assert notes == [
        f"note: {folder}: EigenDSL's ChatML chat template is used (the checkpoint has none)"
    ]
    load_checkpoint(str(folder), note=notes.append)  # loads it again: one note each time
    assert len(notes) == 2


def test_a_checkpoint_keeps_the_context_it_was_trained_on(tmp_path, tokenizer):
    marked, run_stage, elsewhere = tmp_path / "marked", tmp_path / "run" / "sft", tmp_path / "x"
    model = build_tiny_model(tokenizer, size="micro")
    model.config.eigendsl_context = "compact"
    for folder in (marked, run_stage, elsewhere):
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        model.config.eigendsl_context = None  # the other two: made before the key, or elsewhere
    (tmp_path / "run" / "run.json").write_text(json.dumps({"settings": {"context": "compact"}}))
    assert trained_context(marked) == trained_context(run_stage) == "compact"
    assert trained_context(elsewhere) is None and trained_context("Qwen/Qwen2.5-0.5B") is None
    assert agent_context(f"hf:{marked}", None) == "compact"
    assert agent_context(f"hf:{marked}", "full") == "full"  # --context chooses
    assert (
        agent_context(f"hf:{elsewhere}", None) == agent_context("openai:http://x", None) == "full"
    )
    agent = make_agent(f"hf:{marked}")
    assert isinstance(agent, ModelAgent) and agent.context == "compact"
    assert make_agent(f"hf:{marked}", context="full").context == "full"
    with pytest.raises(EigenError, match="--context chooses what a model is shown"):
        make_agent("scripted", context="compact")


def test_run_and_eval_show_a_trained_model_the_same_context(tmp_path, tokenizer, monkeypatch):
    folder = tmp_path / "run" / "sft"
    model = build_tiny_model(tokenizer, size="micro")
    model.config.eigendsl_context = "compact"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    seen: dict[str, str] = {}
    from eigendsl.runtime import episodes as episodes_mod
    from eigendsl.train import evaluate as evaluate_mod

    def fake_run(domain, tasks, agent, user, **options):
        seen["run"] = agent.context
        raise EigenError("stop here")

    def fake_evaluate(domain, model, tokenizer, tasks, **options):
        seen["eval"] = options["context"]
        raise EigenError("stop here")

    monkeypatch.setattr(episodes_mod, "run_episodes", fake_run)
    monkeypatch.setattr(evaluate_mod, "evaluate", fake_evaluate)
    CliRunner().invoke(main, ["run", "specs/retail", "--agent", f"hf:{folder}", "--tasks", "1"])
    CliRunner().invoke(main, ["eval", "specs/retail", "--model", str(folder)])
    assert seen == {"run": "compact", "eval": "compact"}
    CliRunner().invoke(main, ["eval", "specs/retail", "--model", str(folder), "--context", "full"])
    assert seen["eval"] == "full"


def test_an_unreachable_hub_fails_at_once_and_a_misspelt_size_is_named(monkeypatch):
    import socket

    from huggingface_hub import constants

    from eigendsl.runtime.checkpoints import offline_unless_reachable

    def unreachable(*args, **kwargs):
        raise OSError("Name or service not known")

    for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
        monkeypatch.delenv(proxy.lower(), raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket, "create_connection", unreachable)
    # behind a proxy a direct connection says nothing of the hub: it stays online
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    offline_unless_reachable("Qwen/Qwen2.5-0.5B-Instruct")
    assert not constants.HF_HUB_OFFLINE
    monkeypatch.delenv("HTTPS_PROXY")
    offline_unless_reachable("Qwen/Qwen2.5-0.5B-Instruct")
    assert constants.HF_HUB_OFFLINE  # no retries: what is not in the cache fails now
    with pytest.raises(EigenError, match=r"did you mean 'tiny'\? \(eigendsl train builds it"):
        load_checkpoint("tny")


def test_checkpoints_saved_within_a_second_are_ordered_without_a_warning(tmp_path):
    """Newcomer B's L5: a small run's checkpoints, saved within a second of each other, made
    transformers warn on stderr that mtimes "may not be reliable" (it orders them by step
    instead, the order they were saved in)."""
    import logging

    from transformers.trainer_utils import sort_checkpoints

    from eigendsl.runtime.checkpoints import quiet_library_bars

    quiet_library_bars()
    for step in (2, 10):
        (tmp_path / f"checkpoint-{step}").mkdir()
    ordered = sort_checkpoints(str(tmp_path), use_mtime=True)
    assert [Path(p).name for p in ordered] == ["checkpoint-2", "checkpoint-10"]
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("transformers").addHandler(handler)
    try:  # as transformers logs it (once a process: its warning_once is cached)
        logging.getLogger("transformers.trainer_utils").warning(
            "mtime may not be reliable on this filesystem, falling back to numerical ordering"
        )
        logging.getLogger("transformers.trainer_utils").warning("another warning")
    finally:
        logging.getLogger("transformers").removeHandler(handler)
    assert seen == ["another warning"]
