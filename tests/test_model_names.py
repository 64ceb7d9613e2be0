"""The models a run names: an embedded size's name is that size, whatever folders the working
directory holds (a spec folder ``small`` is common), and a folder of that name is ``./small``."""

from __future__ import annotations

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
