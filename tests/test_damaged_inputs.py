"""Damaged inputs a results command reads are named with what to do, not a library's words: a
checkpoint whose model.safetensors was cut short ("Error while deserializing header: incomplete
metadata ...; a model is a checkpoint folder with config.json", which it has), and an episodes
file whose last line was cut short ("not a JSON row (Unterminated string starting at)")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.errors import EigenError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_weights_cut_short_are_named_and_said_so(tmp_path):
    from eigendsl.runtime.checkpoints import load_for_play
    from eigendsl.train.model import load_model

    model, tokenizer = load_model("micro", ["hello there", "a tool call"], vocab_size=300)
    folder = tmp_path / "sft"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(EigenError) as caught:
        load_for_play(folder, print)
    message = str(caught.value)
    assert message.startswith(f"cannot load model '{folder}': its weights file {weights} ")
    assert "it looks cut short or damaged, as after an interrupted copy or save" in message
    assert "a model is" not in message and "Error while deserializing" not in message


def test_an_episodes_file_whose_last_line_is_cut_short_says_so(tmp_path):
    rows = [json.dumps({"task_id": f"t-{n}", "messages": [], "verdict": {}}) for n in range(3)]
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(rows)[: -len(rows[-1]) // 2])
    result = CliRunner().invoke(main, ["export", "tau2", str(half), "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert f"{half}:3:" in result.output
    assert "not a JSON row (Unterminated string starting at column " in result.output
    assert "the file's last line is cut short, as after an interrupted write" in result.output
    inner = tmp_path / "inner.jsonl"
    inner.write_text("{oops\n" + rows[0] + "\n")
    result = CliRunner().invoke(main, ["export", "tau2", str(inner), "-o", str(tmp_path / "x")])
    assert f"{inner}:1:2: not a JSON row (Expecting property name" in result.output
    assert "cut short" not in result.output
