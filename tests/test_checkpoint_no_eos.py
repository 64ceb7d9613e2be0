"""A checkpoint whose tokenizer and configs name no end-of-sequence token played every turn to the
token cap with no word of it (review nT1, M2): ``run`` and ``eval`` now say so once, and how to
name one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("transformers")

from click.testing import CliRunner  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402

from eigendsl.cli import main  # noqa: E402
from eigendsl.runtime.chat_format import CHAT_TEMPLATE  # noqa: E402
from eigendsl.runtime.checkpoints import load_for_play  # noqa: E402
from tests.conftest import byte_bpe, tiny_qwen  # noqa: E402

# A template that renders an episode whole without {% generation %} marks: play keeps it, and
# with it the tokenizer's end of sequence (none here), as with a checkpoint made elsewhere.
OWN_TEMPLATE = CHAT_TEMPLATE.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
SAID = "the checkpoint names no end-of-sequence token"


def checkpoint(folder: Path, eos: bool) -> Path:
    """A tiny Qwen2 with a ChatML tokenizer of its own; ``eos``: ``<|im_end|>`` ends a sequence
    (in the tokenizer and both configs), else nothing does."""
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]
    backend = byte_bpe(specials)
    ends: dict[str, Any] = {"eos_token": "<|im_end|>"} if eos else {}
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<|endoftext|>", **ends)
    tokenizer.chat_template = OWN_TEMPLATE
    model = tiny_qwen(len(tokenizer))
    end = tokenizer.convert_tokens_to_ids("<|im_end|>") if eos else None
    model.config.eos_token_id = model.generation_config.eos_token_id = end
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_a_checkpoint_with_no_end_of_sequence_is_told_once(tmp_path: Path) -> None:
    folder = checkpoint(tmp_path / "noeos", eos=False)
    notes: list[str] = []
    load_for_play(str(folder), notes.append)
    assert len(notes) == 1, notes
    assert notes[0].startswith(f"note: {folder}: {SAID}")
    assert (
        "set eos_token in tokenizer_config.json or eos_token_id in generation_config.json"
        in (notes[0])
    )


def test_a_checkpoint_with_an_end_of_sequence_says_nothing(tmp_path: Path) -> None:
    folder = checkpoint(tmp_path / "eos", eos=True)
    notes: list[str] = []
    load_for_play(str(folder), notes.append)
    assert notes == []


def test_run_says_it_on_stderr(tmp_path: Path, mini: Path) -> None:
    """``run``'s hf: agent loads as ``eval --model`` does (load_for_play): one note."""
    folder = checkpoint(tmp_path / "noeos", eos=False)
    args = ["run", str(mini), "--agent", f"hf:{folder}", "--tasks", "1", "--max-turns", "2"]
    ran = CliRunner().invoke(main, args)
    assert ran.exit_code == 0, ran.output
    assert ran.stderr.count(SAID) == 1
