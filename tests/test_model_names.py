"""The models a run names: an embedded size's name is that size, whatever folders the working
directory holds (a spec folder ``small`` is common), and a folder of that name is ``./small``; a
trained stage's model card names the model it was trained from."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.train.model import (  # noqa: E402
    MODEL_SIZES,
    build_tiny_model,
    check_model_name,
    load_checkpoint,
    load_model,
)
from eigendsl.train.tokenizer import train_tokenizer  # noqa: E402

TEXTS = ["Hello, I want to cancel order #W1000075.", "get_order_details order_id"] * 4


def test_an_embedded_size_beside_a_folder_of_its_name_is_the_embedded_size(tmp_path, monkeypatch):
    """train --model small, run where a spec folder `small` lies, was refused: "cannot load model
    'small': the folder has no config.json; a model is an embedded size (..., small), ..."."""
    monkeypatch.chdir(tmp_path)
    for size in ("small", "micro"):
        (tmp_path / size).mkdir()
        (tmp_path / size / "domain.yaml").write_text("name: a spec, not a model\n")
    check_model_name("small")  # train's up-front check
    model, _ = load_model("micro", TEXTS, vocab_size=300)  # built, not the folder loaded
    assert model.config.hidden_size == MODEL_SIZES["micro"].hidden_size
    with pytest.raises(EigenError, match=r"cannot load model '\./small': the folder has no config"):
        check_model_name("./small")  # the folder, named as a folder


def test_eval_takes_a_folder_named_as_a_size_for_that_folder(tmp_path, monkeypatch):
    """eval builds no embedded model: a folder `tiny` holding a checkpoint is what it can mean."""
    monkeypatch.chdir(tmp_path)
    tokenizer = train_tokenizer(TEXTS, vocab_size=300)
    build_tiny_model(tokenizer, size="micro").save_pretrained(tmp_path / "tiny")
    tokenizer.save_pretrained(tmp_path / "tiny")
    model, _ = load_checkpoint("tiny")
    assert model.config.hidden_size == MODEL_SIZES["micro"].hidden_size  # the folder's model


TRL_DRAFT = "This model is a fine-tuned version of [None](https://huggingface.co/None).\n"


def test_the_sft_stage_names_the_run_s_model_in_its_card(tmp_path, monkeypatch):
    """TRL's draft card (written at each checkpoint) named the base model "None": it names one
    only from a hub id, and a run's SFT starts from its own OUT/base folder."""
    from eigendsl.train import pipeline as pipeline_mod
    from eigendsl.train import sft as sft_mod
    from eigendsl.train.settings import TrainSettings

    def trl_sft(model, tokenizer, rows, out, config):
        out.mkdir(parents=True)
        (out / "README.md").write_text(TRL_DRAFT)
        return [{"step": 1, "loss": 1.0}]

    monkeypatch.setattr(sft_mod, "run_sft", trl_sft)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt" / "qwen_tools").mkdir(parents=True)  # the checkpoint the run names
    run = object.__new__(pipeline_mod.Pipeline)
    run.out, run.spec_dir = tmp_path / "run", tmp_path / "specs" / "shop"
    run.settings = TrainSettings(
        model="ckpt/qwen_tools",
        sft_balance=False,
        sft_pass_size=0,
        sft_fresh_ids=0,
        sft_copy_drills=0,
    )
    monkeypatch.setattr(run, "load", lambda stage: (None, None), raising=False)
    monkeypatch.setattr(run, "dialogues", lambda: [], raising=False)
    run.sft()
    card = (run.out / "sft" / "README.md").read_text()
    assert "None" not in card
    assert "Trained from `ckpt/qwen_tools` with supervised fine-tuning" in card
    assert f"eigendsl eval {run.spec_dir} --model {run.out / 'sft'}" in card
    assert "base_model" not in card  # a local folder is no hub id


def test_a_card_gives_a_hub_id_as_base_model_and_an_embedded_size_in_words(tmp_path):
    from eigendsl.train.model_card import model_card

    hub = model_card(tmp_path / "grpo", "grpo", "Qwen/Qwen2.5-0.5B-Instruct", Path("specs/retail"))
    assert "base_model: Qwen/Qwen2.5-0.5B-Instruct" in hub and "then with GRPO" in hub
    embedded = model_card(tmp_path / "sft", "sft", "tiny", Path("specs/retail"))
    assert "EigenDSL's embedded `tiny` model" in embedded and "base_model" not in embedded
    user = model_card(tmp_path / "user_sft", "user_sft", "tiny", Path("specs/retail"))
    assert f"eigendsl run specs/retail --user hf:{tmp_path / 'user_sft'}" in user
