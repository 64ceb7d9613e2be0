"""The chat format, the embedded tokenizer and model, and the SFT stage.

Tests marked ``slow`` train a micro model for a few steps on the CPU (a few seconds each).
"""

from __future__ import annotations

import copy
import doctest
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")

import torch  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from transformers import Qwen2ForCausalLM  # noqa: E402

from eigendsl.runtime.checkpoints import EMBEDDED_SIZES, load_tokenizer  # noqa: E402
from eigendsl.train import chat, labelled_loss, optimizers, sft_dialogues  # noqa: E402
from eigendsl.train import model as model_mod  # noqa: E402
from eigendsl.train import sft as sft_mod  # noqa: E402
from eigendsl.train import tokenizer as tok_mod  # noqa: E402
from eigendsl.train.chat import (  # noqa: E402
    CHAT_TEMPLATE,
    normalize_messages,
    parse_tool_calls,
    render_chat,
)
from eigendsl.train.model import (  # noqa: E402
    MODEL_SIZES,
    build_tiny_model,
    ensure_chat_format,
    load_model,
)
from eigendsl.train.sft import SFTSettings, run_sft, run_user_sft  # noqa: E402
from eigendsl.train.sft_dialogues import to_conversation, user_view  # noqa: E402
from eigendsl.train.tokenizer import corpus_texts, train_tokenizer  # noqa: E402

REASONS = ["no longer needed", "ordered by mistake"]

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order_details",
            "description": "Read an order by its id.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "cancel_pending_order",
            "description": "Cancel a pending order.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string"},
                    "reason": {
                        "type": "string",
                        "enum": ["no longer needed", "ordered by mistake"],
                    },
                },
                "required": ["order_id", "reason"],
            },
        },
    },
]


def order_id(i: int) -> str:
    return f"#W{1234567 + 1013 * i}"


def cancel_row(i: int = 0) -> dict:
    """An order-cancel dialogue in the data contract's format (arguments as a JSON string in one
    call and a dict in the other, as both occur)."""
    oid = order_id(i)
    return {
        "task_id": f"cancel_{i}",
        "verdict": {"passed": True, "score": 1.0, "reasons": []},
        "generation": 0,
        "tools": TOOLS,
        "messages": [
            {"role": "system", "content": "You are a retail agent. Confirm before any write."},
            {"role": "user", "content": f"Hi, please cancel order {oid}. I no longer need it."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {
                            "name": "get_order_details",
                            "arguments": json.dumps({"order_id": oid}),
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "c1",
                "content": json.dumps({"order_id": oid, "status": "pending"}),
            },
            {
                "role": "assistant",
                "content": f"Order {oid} is pending. Cancel it as 'no longer needed'? (yes/no)",
            },
            {"role": "user", "content": "yes"},
            {
                "role": "assistant",
                "content": "Cancelling now.",
                "tool_calls": [
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {
                            "name": "cancel_pending_order",
                            "arguments": {"order_id": oid, "reason": "no longer needed"},
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c2", "content": {"status": "cancelled"}},
            {"role": "assistant", "content": f"Your order {oid} is cancelled."},
            {"role": "user", "content": "Thanks! ###STOP###"},
        ],
    }


def expected_assistant_texts(row: dict) -> list[str]:
    oid = order_id(int(row["task_id"].split("_")[1]))
    return [
        '<tool_call>\n{"name": "get_order_details", "arguments": {"order_id": "' + oid + '"}}\n'
        "</tool_call><|im_end|>",
        f"Order {oid} is pending. Cancel it as 'no longer needed'? (yes/no)<|im_end|>",
        'Cancelling now.\n<tool_call>\n{"name": "cancel_pending_order", "arguments": '
        '{"order_id": "' + oid + '", "reason": "no longer needed"}}\n</tool_call><|im_end|>',
        f"Your order {oid} is cancelled.<|im_end|>",
    ]


ROWS = [cancel_row(i) for i in range(6)]


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(corpus_texts(["You are a retail agent."], TOOLS, ROWS), vocab_size=600)


def masked_spans(ids: list[int], mask: list[int], tok) -> list[str]:
    spans, current = [], []
    for token, marked in zip(ids, mask, strict=True):
        if marked:
            current.append(token)
        elif current:
            spans.append(tok.decode(current))
            current = []
    if current:
        spans.append(tok.decode(current))
    return spans


# --- chat template ---------------------------------------------------------------------------


def test_template_renders_tools_calls_and_tool_turns():
    text = render_chat(ROWS[0]["messages"], tools=TOOLS)
    assert text.startswith(
        "<|im_start|>system\nYou are a retail agent. Confirm before any write.\n\n# Tools\n\n"
    )
    assert "<tools>\n" + json.dumps(TOOLS[0]) + "\n" + json.dumps(TOOLS[1]) + "\n</tools>" in text
    assert (
        "<|im_start|>user\nHi, please cancel order #W1234567. I no longer need it.<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n"
        '{"name": "get_order_details", "arguments": {"order_id": "#W1234567"}}\n'
        "</tool_call><|im_end|>\n"
        '<|im_start|>tool\n{"order_id": "#W1234567", "status": "pending"}<|im_end|>\n'
    ) in text
    assert (
        "<|im_start|>assistant\nCancelling now.\n<tool_call>\n"
        '{"name": "cancel_pending_order", "arguments": '
        '{"order_id": "#W1234567", "reason": "no longer needed"}}\n</tool_call><|im_end|>\n'
        '<|im_start|>tool\n{"status": "cancelled"}<|im_end|>\n'
    ) in text
    assert text.endswith("<|im_start|>user\nThanks! ###STOP###<|im_end|>\n")
    assert text.count("<|im_start|>system") == 1


def test_template_without_tools_or_system_and_generation_prompt():
    messages = [{"role": "user", "content": "hello"}]
    assert render_chat(messages) == "<|im_start|>user\nhello<|im_end|>\n"
    assert render_chat(messages, add_generation_prompt=True).endswith(
        "<|im_end|>\n<|im_start|>assistant\n"
    )
    only_tools = render_chat(messages, tools=TOOLS)
    assert only_tools.startswith("<|im_start|>system\n# Tools\n\n")


def test_arguments_as_string_or_dict_render_the_same():
    as_dict = copy.deepcopy(ROWS[0]["messages"])
    as_dict[2]["tool_calls"][0]["function"]["arguments"] = {"order_id": "#W1234567"}
    assert render_chat(as_dict, tools=TOOLS) == render_chat(ROWS[0]["messages"], tools=TOOLS)
    # raw dicts straight into the template (no normalisation) render the same text too
    from transformers.utils.chat_template_utils import render_jinja_template

    raw = copy.deepcopy(as_dict)
    raw[7]["content"] = json.dumps(raw[7]["content"])
    [text], _ = render_jinja_template([raw], tools=TOOLS, chat_template=CHAT_TEMPLATE)
    assert text == render_chat(ROWS[0]["messages"], tools=TOOLS)


def test_normalize_messages():
    messages = normalize_messages(
        [
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"function": {"name": "f", "arguments": "not json"}},
                    {"function": {"name": "g", "arguments": None}},
                ],
            },
            {"role": "tool", "content": [1, 2], "tool_call_id": "call_0", "name": None},
        ]
    )
    assert messages[0] == {"role": "user", "content": "ab"}
    assert messages[1]["content"] == ""
    assert [c["function"]["arguments"] for c in messages[1]["tool_calls"]] == ["not json", "{}"]
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["call_0", "call_1"]
    assert messages[2] == {"role": "tool", "content": "[1, 2]", "tool_call_id": "call_0"}


def test_template_is_prefix_preserving():
    """Token-in, token-out: earlier turns render the same whatever follows them."""
    messages = ROWS[0]["messages"]
    full = render_chat(messages, tools=TOOLS)
    for end in range(1, len(messages)):
        prefix = render_chat(messages[:end], tools=TOOLS)
        assert full.startswith(prefix)
        if messages[end]["role"] == "assistant":
            assert full.startswith(
                render_chat(messages[:end], tools=TOOLS, add_generation_prompt=True)
            )


def test_assistant_mask_covers_exactly_the_assistant_turns(tokenizer):
    row = ROWS[3]
    out = tokenizer.apply_chat_template(
        normalize_messages(row["messages"]),
        tools=TOOLS,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert masked_spans(ids, mask, tokenizer) == expected_assistant_texts(row)
    # the unmasked tokens are exactly everything else: system, user and tool turns, headers
    unmasked = tokenizer.decode([t for t, m in zip(ids, mask, strict=True) if not m])
    rest = render_chat(row["messages"], tools=TOOLS)
    for text in expected_assistant_texts(row):
        rest = rest.replace(text, "", 1)
    assert unmasked == rest


def test_trl_accepts_the_template(tokenizer):
    from trl.chat_template_utils import (
        get_training_chat_template,
        is_chat_template_prefix_preserving,
        is_chat_template_stop_token_trained,
        supports_tool_calling,
    )

    assert supports_tool_calling(tokenizer)
    assert is_chat_template_prefix_preserving(tokenizer)
    assert is_chat_template_stop_token_trained(tokenizer)
    assert get_training_chat_template(tokenizer) is None  # no patching needed


# --- tool-call parser ------------------------------------------------------------------------


def test_parse_tool_calls_good_outputs():
    text = expected_assistant_texts(ROWS[0])[2]
    content, calls, errors = parse_tool_calls(text)
    assert content == "Cancelling now." and errors == []
    assert calls == [
        {
            "id": "call_0",
            "type": "function",
            "function": {
                "name": "cancel_pending_order",
                "arguments": {"order_id": "#W1234567", "reason": "no longer needed"},
            },
        }
    ]
    two = (
        '<tool_call>{"name": "a", "arguments": {}}</tool_call>\n'
        '<tool_call>\n{"name": "b", "arguments": "{\\"x\\": 1}"}\n</tool_call>'
    )
    content, calls, errors = parse_tool_calls(two)
    assert content == "" and errors == []
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("call_0", "a", {}),
        ("call_1", "b", {"x": 1}),
    ]
    assert parse_tool_calls("Just text.<|im_end|>") == ("Just text.", [], [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<tool_call>\n{"name": "f", "arguments": {"a": 1}\n</tool_call>', "invalid JSON"),
        ('<tool_call>\n{"arguments": {"a": 1}}\n</tool_call>', 'missing the "name"'),
        ('<tool_call>\n{"name": 3, "arguments": {}}\n</tool_call>', 'missing the "name"'),
        ('<tool_call>\n{"name": "f", "arguments": [1, 2]}\n</tool_call>', "must be a JSON object"),
        ('<tool_call>\n{"name": "f", "arguments": "{oops"}\n</tool_call>', "not valid JSON"),
        ("<tool_call>\n[1, 2]\n</tool_call>", "expected a JSON object, got list"),
        ('Sure.\n<tool_call>\n{"name": "f", "arguments": {}', "not closed"),
        ("Done.</tool_call>", "without a matching <tool_call>"),
    ],
)
def test_parse_tool_calls_malformed_outputs(text, message):
    content, calls, errors = parse_tool_calls(text)
    assert calls == []
    assert len(errors) == 1 and message in errors[0]
    assert "<tool_call>" not in content and "</tool_call>" not in content


def test_parse_tool_calls_keeps_good_calls_beside_bad_ones():
    text = (
        '<tool_call>{"name": "a", "arguments": {}}</tool_call>'
        "<tool_call>{bad}</tool_call>"
        '<tool_call>{"name": "c", "arguments": {"k": "v"}}</tool_call>'
    )
    _, calls, errors = parse_tool_calls(text)
    assert [c["function"]["name"] for c in calls] == ["a", "c"]
    assert [c["id"] for c in calls] == ["call_0", "call_1"]
    assert len(errors) == 1 and errors[0].startswith("Tool call 2:")
    assert parse_tool_calls(None)[2]  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<tool_call>",
                "</tool_call>",
                "{",
                "}",
                '"name"',
                ": ",
                '"f"',
                ", ",
                '"arguments"',
                "[",
                "]",
                "null",
                "1",
                "\n",
                "text",
                "<|im_end|>",
                '"',
            ],
        ),
        max_size=30,
    ).map("".join)
)
def test_parse_tool_calls_never_raises(text):
    content, calls, errors = parse_tool_calls(text)
    assert isinstance(content, str) and isinstance(errors, list)
    for call in calls:
        assert isinstance(call["function"]["name"], str)
        assert isinstance(call["function"]["arguments"], dict)


# --- tokenizer -------------------------------------------------------------------------------


def test_tokenizer_keeps_digits_separate(tokenizer):
    pieces = tokenizer.tokenize("order #W1234567 costs 1043.50")
    digits = [p for p in pieces if any(c.isdigit() for c in p)]
    assert all(len(p) == 1 for p in digits)
    assert "".join(digits) == "1234567104350"


def test_tokenizer_special_tokens_and_round_trip(tokenizer, tmp_path):
    for token in ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>"):
        assert len(tokenizer.encode(token, add_special_tokens=False)) == 1, token
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    assert tokenizer.bos_token is None
    text = 'Ünïcode ✓ and\n\n  spaces\t{"a": [1, 2]} <tool_call>'
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert tokenizer.decode(ids) == text
    # tool-call markup survives skip_special_tokens, control tokens do not
    call = '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call><|im_end|>'
    decoded = tokenizer.decode(tokenizer.encode(call), skip_special_tokens=True)
    assert decoded == call.replace("<|im_end|>", "")
    tokenizer.save_pretrained(tmp_path)
    again = load_tokenizer(tmp_path)
    assert again.chat_template == CHAT_TEMPLATE
    assert again.encode(text, add_special_tokens=False) == ids


def test_identifiers_become_whole_tokens_and_the_mask_still_fits():
    ids = [order_id(i) for i in range(6)]
    tok = train_tokenizer(
        corpus_texts(["You are a retail agent."], TOOLS, ROWS), vocab_size=600, words=ids
    )
    assert (
        len(tok)
        == len(train_tokenizer(corpus_texts(["You are a retail agent."], TOOLS, ROWS), 600)) + 6
    )
    for oid in ids:
        pieces = tok.tokenize(f'Order {oid}. "{oid}"')
        assert pieces.count(oid) == 2, pieces
    # only whole words: a longer id is spelled out digit by digit, and decodes back
    longer = ids[0] + "9"
    assert ids[0] not in tok.tokenize(longer)
    assert (
        tok.decode(tok.encode(f"x {longer} y {ids[1]}", add_special_tokens=False))
        == f"x {longer} y {ids[1]}"
    )
    row = ROWS[3]
    out = tok.apply_chat_template(
        normalize_messages(row["messages"]),
        tools=TOOLS,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    assert masked_spans(out["input_ids"], out["assistant_masks"], tok) == expected_assistant_texts(
        row
    )
    assert tok.convert_tokens_to_ids(order_id(3)) in out["input_ids"]


def test_id_prefix_and_body_tokens_split_ids_and_the_mask_still_fits():
    ids = [order_id(i) for i in range(6)]
    prefix = "#W"
    assert all(oid.startswith(prefix) for oid in ids)
    tok = train_tokenizer(
        corpus_texts(["You are a retail agent."], TOOLS, ROWS),
        vocab_size=600,
        pieces=[prefix] + [oid[len(prefix) :] for oid in ids],
    )
    for oid in ids:
        assert tok.tokenize(f'"{oid}"')[-3:] == [prefix, oid[len(prefix) :], '"']
    text = f"x {ids[0]}9 y #Wz {ids[1]}."
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == text
    for row in ROWS:
        out = tok.apply_chat_template(
            normalize_messages(row["messages"]),
            tools=TOOLS,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        assert masked_spans(
            out["input_ids"], out["assistant_masks"], tok
        ) == expected_assistant_texts(row)


def test_tokenizer_vocab_size_and_determinism():
    texts = corpus_texts(["You are a retail agent."], TOOLS, ROWS)
    a = train_tokenizer(texts, vocab_size=400)
    b = train_tokenizer(texts, vocab_size=400)
    assert len(a) <= 400 and a.get_vocab() == b.get_vocab()


# --- model -----------------------------------------------------------------------------------


def test_build_tiny_model_is_seeded(tokenizer):
    state = torch.random.get_rng_state()
    a = build_tiny_model(tokenizer, size="micro", seed=1)
    b = build_tiny_model(tokenizer, size="micro", seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
    assert a.config.vocab_size == len(tokenizer) and a.config.tie_word_embeddings
    assert a.config.eos_token_id == tokenizer.eos_token_id
    # pinned, not transformers' default: 1e6 was measured worse on retail (model.ROPE_BASE)
    assert a.config.rope_parameters["rope_theta"] == 10_000.0
    with pytest.raises(ValueError, match="Unknown model size 'huge'; choose one of micro"):
        build_tiny_model(tokenizer, size="huge")


def test_model_sizes_grow():
    assert list(MODEL_SIZES) == ["micro", "tiny", "tiny-wide", "small"]
    # the names the loader's messages take for embedded sizes are these
    assert tuple(MODEL_SIZES) == EMBEDDED_SIZES
    for shape in MODEL_SIZES.values():
        assert shape.hidden_size % shape.num_attention_heads == 0


def test_tiny_wide_has_wider_heads_than_tiny():
    tokenizer = train_tokenizer(["a b c"] * 3, vocab_size=300)
    tiny = build_tiny_model(tokenizer, size="tiny")
    wide = build_tiny_model(tokenizer, size="tiny-wide")
    assert (tiny.config.head_dim, wide.config.head_dim) == (32, 64)
    attention, wide_attention = tiny.model.layers[0].self_attn, wide.model.layers[0].self_attn
    assert attention.q_proj.weight.shape == (128, 128)
    assert wide_attention.q_proj.weight.shape == (4 * 64, 128)
    assert wide_attention.k_proj.weight.shape == (2 * 64, 128)
    assert wide_attention.o_proj.weight.shape == (128, 4 * 64)
    ids = torch.tensor([[5, 6, 7]])
    assert wide(ids).logits.shape == (1, 3, len(tokenizer))


def test_load_model_embedded_and_from_directory(tmp_path):
    with pytest.raises(ValueError, match="trains its tokenizer on the domain's text"):
        load_model("micro")
    texts = corpus_texts([], TOOLS, ROWS)
    model, tok = load_model("micro", texts=lambda: texts, vocab_size=500)
    assert model.config.vocab_size == len(tok) <= 500
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    again, again_tok = load_model(tmp_path)
    assert type(again).__name__ == "Qwen2ForCausalLM"
    assert again_tok.chat_template == CHAT_TEMPLATE
    assert torch.equal(again.model.embed_tokens.weight, model.model.embed_tokens.weight)
    # the tokenizer reloads as it was trained: its own pre-tokenizer, not Qwen2Tokenizer's
    # (AutoTokenizer's choice for a Qwen2 directory, which would split text its own way)
    saved = json.loads((tmp_path / "tokenizer.json").read_text())["pre_tokenizer"]
    assert json.loads(again_tok.backend_tokenizer.to_str())["pre_tokenizer"] == saved
    from eigendsl.runtime.backends import HFBackend

    served = HFBackend(path=str(tmp_path)).tokenizer  # `--agent hf:PATH` loads it the same way
    assert json.loads(served.backend_tokenizer.to_str())["pre_tokenizer"] == saved
    assert again_tok.eos_token == "<|im_end|>" and again_tok.pad_token == "<|endoftext|>"


def test_the_model_cards_code_loads_the_tokenizer_that_trained(tmp_path):
    """The card's transformers code gives the trained ids: the tokenizer as saved, with its own
    pre-tokenizer, not the Qwen2Tokenizer AutoTokenizer gives a Qwen2 model's folder."""
    from eigendsl.train.model_card import write_model_card

    texts = corpus_texts([], TOOLS, ROWS)
    model, tok = load_model("micro", texts=lambda: texts, vocab_size=500)
    folder = tmp_path / "sft"
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    write_model_card(folder, "sft", "micro", Path("specs/retail"))
    card = (folder / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", card, re.S)
    assert code is not None, card
    loaded: dict[str, Any] = {}
    exec(code.group(1), loaded)  # noqa: S102 - the card's own code
    assert type(loaded["model"]).__name__ == "Qwen2ForCausalLM"
    tokenizer = loaded["tokenizer"]
    saved = json.loads((folder / "tokenizer.json").read_text())["pre_tokenizer"]
    assert json.loads(tokenizer.backend_tokenizer.to_str())["pre_tokenizer"] == saved
    for text in texts:
        assert tokenizer(text)["input_ids"] == tok(text)["input_ids"]


def test_checkpoint_without_generation_marks_gets_our_template(tmp_path):
    """A foreign checkpoint: plain template, no ChatML tokens in its vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(
        ["plain text only"] * 5,
        trainers.BpeTrainer(
            vocab_size=300,
            special_tokens=["<unk>", "</s>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    foreign = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="</s>", unk_token="<unk>")
    foreign.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"
    model = build_tiny_model(foreign, size="micro")
    model.save_pretrained(tmp_path)
    foreign.save_pretrained(tmp_path)
    model, tok = load_model(tmp_path)
    assert tok.chat_template == CHAT_TEMPLATE and tok.eos_token == "<|im_end|>"
    assert model.get_input_embeddings().weight.shape[0] >= len(tok)
    out = tok.apply_chat_template(
        normalize_messages(ROWS[0]["messages"]),
        tools=TOOLS,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    assert masked_spans(out["input_ids"], out["assistant_masks"], tok) == expected_assistant_texts(
        ROWS[0]
    )
    assert ensure_chat_format(model, tok) is False  # already ours: nothing to do


# --- SFT -------------------------------------------------------------------------------------


def test_rows_become_arrow_safe_conversations():
    from datasets import Dataset

    examples = [to_conversation(r) for r in ROWS]
    dataset = Dataset.from_list(examples)
    back = dataset[0]
    assert json.loads(back["tools"]) == TOOLS
    # Arrow unified the message fields, but arguments stayed exact strings (no null-filled keys)
    call = back["messages"][6]["tool_calls"][0]["function"]
    assert json.loads(call["arguments"]) == {"order_id": "#W1234567", "reason": "no longer needed"}
    assert render_chat(back["messages"], tools=json.loads(back["tools"])) == render_chat(
        ROWS[0]["messages"], tools=TOOLS
    )


def test_a_call_the_environment_refused_is_rendered_but_not_learned(tokenizer, tmp_path):
    """A dialogue that shows a refused call put right (synthesis's recoveries) teaches what came
    after the refusal, never the refused call: its turn is out of the assistant mask, through
    the Arrow dataset SFT trains from, and the text the model reads is unchanged."""
    from datasets import Dataset

    row = copy.deepcopy(ROWS[3])
    oid = order_id(3)
    refused = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c0",
                "type": "function",
                "function": {
                    "name": "cancel_pending_order",
                    "arguments": {"order_id": "#W7654321", "reason": "no longer needed"},
                },
            }
        ],
    }
    row["messages"][6:6] = [
        refused,
        {
            "role": "tool",
            "tool_call_id": "c0",
            "content": "Error: The order belongs to another customer",
        },
    ]
    conversation = Dataset.from_list([to_conversation(row)] + [to_conversation(r) for r in ROWS])[0]
    assert [m.get("train") for m in conversation["messages"]].count(False) == 1
    out = tokenizer.apply_chat_template(
        conversation["messages"],
        tools=TOOLS,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    assert masked_spans(
        out["input_ids"], out["assistant_masks"], tokenizer
    ) == expected_assistant_texts(ROWS[3])
    text = render_chat(conversation["messages"], tools=TOOLS)
    assert text == render_chat(row["messages"], tools=TOOLS) and "#W7654321" in text
    assert oid in text
    # and the labels TRL's SFTTrainer builds from it: the refused call is read, never a target
    from trl import SFTTrainer

    trainer = SFTTrainer(
        model=_micro(tokenizer),
        args=SFTSettings().to_sft_config(tmp_path),
        train_dataset=Dataset.from_list([to_conversation(row)]),
        processing_class=tokenizer,
    )
    example = trainer.train_dataset[0]
    learned = tokenizer.decode(
        [
            t
            for t, label in zip(example["input_ids"], example["labels"], strict=True)
            if label != -100
        ]
    )
    assert learned == "".join(
        expected_assistant_texts(ROWS[3])
    ) and "#W7654321" in tokenizer.decode(example["input_ids"])


def test_user_view_swaps_roles_and_masks_user_turns(tokenizer):
    view = user_view(ROWS[0]["messages"], system_prompt="You are a customer of the store.")
    assert [m["role"] for m in view] == [
        "system",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert view[3]["content"] == "yes"
    assert view[4]["content"] == "Cancelling now.\n\nYour order #W1234567 is cancelled."
    out = tokenizer.apply_chat_template(
        view, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    assert masked_spans(out["input_ids"], out["assistant_masks"], tokenizer) == [
        "Hi, please cancel order #W1234567. I no longer need it.<|im_end|>",
        "yes<|im_end|>",
        "Thanks! ###STOP###<|im_end|>",
    ]


def test_balanced_passes_give_every_template_an_equal_share():
    rows = (
        [{"template": "cancel", "n": i} for i in range(13)]
        + [{"template": "exchange", "n": i} for i in range(3)]
        + [{"template": "cancel__refuse", "parts": ["cancel"], "n": 99}]
        + [{"template": "status", "n": i} for i in range(7)]
    )
    passes = sft_dialogues.balanced_passes(rows, 6, seed=1)
    assert (
        passes
        == sft_dialogues.balanced_passes(rows, 6, seed=1)
        != sft_dialogues.balanced_passes(rows, 6, seed=2)
    )
    for one in passes:
        assert len(one) == len(rows)
        shares = [
            sum(sft_dialogues.template_of(r) == t for r in one)
            for t in ("cancel", "exchange", "status")
        ]
        assert max(shares) - min(shares) <= 1 and sum(shares) == len(rows)
    used = [r["n"] for one in passes for r in one if r["template"] == "exchange"]
    assert (
        sorted(set(used)) == [0, 1, 2]
        and max(map(used.count, set(used))) - min(map(used.count, set(used))) <= 1
    )
    cancels = {
        (r["template"], r["n"])
        for one in passes
        for r in one
        if sft_dialogues.template_of(r) == "cancel"
    }
    assert len(cancels) == 14  # over the passes no dialogue of the large group is left out


def test_passes_smaller_than_the_dialogues_go_on_where_the_last_stopped():
    from eigendsl.errors import EigenError
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule

    rows = [{"template": "cancel", "n": i} for i in range(40)] + [
        {"template": "status", "n": i} for i in range(12)
    ]
    for balance in (True, False):  # these rows have no turns: no shuffled ids
        settings = TrainSettings(
            sft_epochs=5, sft_balance=balance, sft_pass_size=8, sft_fresh_ids=0
        )
        _, passes = sft_schedule(rows, {}, settings)
        assert [len(one) for one in passes] == [8] * 5
        seen = [(r["template"], r["n"]) for one in passes for r in one]
        if balance:
            assert all(sum(r["template"] == "status" for r in one) == 4 for one in passes)
            # 12 status dialogues, 4 a pass: the fourth pass repeats, the first three do not
            assert len(set(seen[:24])) == 24 and len(set(seen)) == 20 + 12
        else:
            assert seen == [(r["template"], r["n"]) for r in rows[:40]]
    plain = TrainSettings(sft_epochs=2, sft_balance=False, sft_pass_size=0, sft_fresh_ids=0)
    _, whole = sft_schedule(rows, {}, plain)
    assert whole == [rows, rows]
    manifest = {"stages": [{"name": stage, "settings": {}} for stage in ("synth", "grpo", "eval")]}
    manifest["stages"].append({"name": "sft", "settings": {"pass_size": 192, "epochs": 60}})
    assert TrainSettings.from_manifest(manifest).sft_pass_size == 192  # training.sft.pass_size
    with pytest.raises(EigenError, match="pass_size is -8"):
        sft_schedule(rows, {}, TrainSettings(sft_pass_size=-8))


def test_sft_decay_outside_a_share_of_the_steps_is_a_user_error():
    from eigendsl.errors import EigenError
    from eigendsl.train.settings import TrainSettings, sft_decay

    assert sft_decay(TrainSettings()) == 0.2 and sft_decay(TrainSettings(sft_decay=1)) == 1.0
    for wrong in (0, 1.5, "0.2", True):
        with pytest.raises(EigenError, match=rf"training.sft.decay is {wrong!r}; write the share"):
            sft_decay(TrainSettings(sft_decay=wrong))


def test_an_sft_optimizer_sft_does_not_have_is_a_user_error():
    from eigendsl.errors import EigenError
    from eigendsl.train.settings import TrainSettings, sft_optimizer
    from eigendsl.training_spec import STAGE_DEFAULTS

    assert sft_optimizer(TrainSettings()) == STAGE_DEFAULTS["sft"]["optimizer"]
    assert sft_optimizer(TrainSettings(sft_optimizer="muon")) == "muon"
    with pytest.raises(EigenError, match="sft.optimizer is 'Muon'; write one of adamw, muon"):
        sft_optimizer(TrainSettings(sft_optimizer="Muon"))


@pytest.mark.parametrize("wrong", [{"sft_optimizer": "lion"}, {"sft_decay": 0}])
def test_a_wrong_sft_setting_stops_the_pipeline_before_synthesis(tmp_path, wrong):
    from eigendsl.errors import EigenError
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    spec = Path(__file__).resolve().parents[1] / "specs" / "retail"
    pipeline = Pipeline(spec, tmp_path / "run", TrainSettings(**wrong), log=lambda _: None)
    with pytest.raises(EigenError, match="training.sft"):
        pipeline.run()
    assert not (tmp_path / "run").exists()


def test_a_model_that_does_not_load_stops_the_pipeline_before_synthesis(tmp_path):
    from eigendsl.errors import EigenError
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    spec = Path(__file__).resolve().parents[1] / "specs" / "retail"
    (tmp_path / "empty").mkdir()
    for model, reason in (
        (tmp_path / "nowhere", "there is no such folder"),
        (tmp_path / "empty", "the folder has no config.json"),
    ):
        pipeline = Pipeline(
            spec, tmp_path / "run", TrainSettings(model=str(model)), log=lambda _: None
        )
        with pytest.raises(EigenError) as caught:
            pipeline.run()
        assert f"cannot load model '{model}': {reason}; a model is an embedded size (micro" in str(
            caught.value
        )
        assert not (tmp_path / "run").exists()


def test_a_mistyped_relative_path_with_two_slashes_is_no_such_folder():
    """No hub id has two slashes: huggingface_hub's "Repo id must be in the form" is not the
    reason."""
    from eigendsl.runtime.checkpoints import checkpoint_error

    repo_id = ValueError("Repo id must be in the form 'repo_name' or 'namespace/repo_name'")
    said = str(checkpoint_error("runs/retail/train/sfft", repo_id))
    assert said.startswith("cannot load model 'runs/retail/train/sfft': there is no such folder;")
    offline = OSError("We couldn't connect to 'https://huggingface.co'")
    assert "We couldn't connect" in str(checkpoint_error("org/model", offline))


def test_a_misspelt_embedded_size_is_named_in_the_error():
    """`--model tny` (a hub id to transformers) ends with the size meant; a hub id with its owner,
    another hub name get no guess; a command that builds no embedded model (eval, run) names the
    folder to give instead."""
    from eigendsl.runtime.checkpoints import checkpoint_error

    offline = OSError("We couldn't connect to 'https://huggingface.co'")
    said = str(checkpoint_error("tny", offline, embedded=True))
    assert said.startswith("cannot load model 'tny': We couldn't connect")
    assert said.endswith("HF_HUB_OFFLINE=1); did you mean 'tiny'?")
    assert str(checkpoint_error("tiny_wide", offline, embedded=True)).endswith("'tiny-wide'?")
    for name in ("org/tiny", "t5-small", "gpt2"):
        assert "did you mean" not in str(checkpoint_error(name, offline, embedded=True))
    assert str(checkpoint_error("tny", offline)).endswith(
        "did you mean 'tiny'? (eigendsl train builds it; name a folder it wrote: OUT/sft)"
    )


def test_a_config_that_its_weights_or_transformers_refuse_is_a_user_error(tmp_path):
    from eigendsl.errors import EigenError
    from eigendsl.train.model import load_checkpoint

    model, tok = load_model("micro", texts=lambda: corpus_texts([], TOOLS, ROWS), vocab_size=500)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    for key, value, reason in (
        ("hidden_size", 128, "its weights do not have the shapes its config.json gives"),
        ("num_hidden_layers", -1, "config.json: `num_hidden_layers` (-1) must be equal to"),
    ):
        (tmp_path / "config.json").write_text(json.dumps({**config, key: value}))
        with pytest.raises(EigenError) as caught:
            load_checkpoint(tmp_path)
        assert f"cannot load model '{tmp_path}': {reason}" in str(caught.value)
    (tmp_path / "config.json").write_text(json.dumps(config))
    saved = (tmp_path / "tokenizer.json").read_text()
    (tmp_path / "tokenizer.json").write_text(saved[:1000])  # cut short
    with pytest.raises(EigenError, match="tokenizer.json is not valid JSON"):
        load_checkpoint(tmp_path)
    (tmp_path / "tokenizer.json").unlink()  # loaded as a tokenizer of no tokens before
    with pytest.raises(EigenError, match="the folder has no tokenizer"):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize("command", ["eval", "run"])
def test_the_commands_that_read_a_model_say_why_it_does_not_load(tmp_path, command):
    from click.testing import CliRunner

    from eigendsl.cli import main

    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text("{not json")
    option = ["--model", str(folder)] if command == "eval" else ["--agent", f"hf:{folder}"]
    result = CliRunner().invoke(main, [command, "specs/retail", *option])
    assert result.exit_code == 1
    assert f"cannot load model '{folder}': " in result.output
    # it has a config.json: what a model is helps not, what it lacks does
    assert "save the tokenizer that belongs to these weights" in result.output
    assert "a model is" not in result.output and "Traceback" not in result.output
    if command == "eval":
        untrained = CliRunner().invoke(main, ["eval", "specs/retail", "--model", "tiny"])
        assert untrained.exit_code == 1
        assert "an embedded size is built by eigendsl train" in untrained.output


def _row_of_length(i: int) -> dict:
    row = cancel_row(i)
    row["messages"][-1] = {
        "role": "user",
        "content": "Thanks!" + " really" * (i * 7 % 23) + " ###STOP###",
    }
    return row


def test_epoch_order_keeps_each_pass_together_and_groups_by_length():
    passes = [[_row_of_length(i) for i in range(40)], [_row_of_length(i) for i in range(40, 80)]]
    order = sft_dialogues.epoch_order(passes, batch_size=4, seed=0)
    assert (
        order
        == sft_dialogues.epoch_order(passes, batch_size=4, seed=0)
        != sft_dialogues.epoch_order(passes, 4, seed=1)
    )
    for block, rows in zip(
        (order[:40], order[40:]), passes, strict=True
    ):  # each pass is one epoch, in order
        assert sorted(json.dumps(e["messages"]) for e in block) == sorted(
            json.dumps(sft_dialogues.to_conversation(r)["messages"]) for r in rows
        )
    # as transformers groups one epoch of 40 in batches of 4: mega-batches of 2 batches sorted by
    # length (but for their first dialogue: the longest of the epoch is swapped to the front)
    for block in (order[:40], order[40:]):
        sizes = [len(json.dumps(e["messages"])) for e in block]
        assert sizes[0] == max(sizes)
        assert all(
            sizes[i] >= sizes[i + 1]
            for start in range(0, 40, 8)
            for i in range(start + 1, start + 7)
        )
        assert sizes != sorted(sizes, reverse=True)  # but not sorted as a whole


def test_settings_map_onto_sft_config(tmp_path):
    config = SFTSettings(max_steps=3, save_steps=1, extra={"max_grad_norm": 0.5}).to_sft_config(
        tmp_path
    )
    assert config.assistant_only_loss and config.max_steps == 3 and config.save_steps == 1
    assert config.max_grad_norm == 0.5 and not config.save_only_model
    # transformers before 5.23 (5.17 on a GPU image) calls it gradient_checkpointing
    checkpointing = SFTSettings(activation_checkpointing=True).to_sft_config(tmp_path)
    name = (
        "activation_checkpointing"
        if hasattr(config, "activation_checkpointing")
        else "gradient_checkpointing"
    )
    assert getattr(checkpointing, name) and not getattr(config, name)
    assert config.bf16 == sft_mod.bf16_default()
    assert SFTSettings(bf16=False).to_sft_config(tmp_path).bf16 is False
    help_texts = [f.metadata.get("help") for f in sft_mod.SFTSettings.__dataclass_fields__.values()]
    assert all(help_texts)


@pytest.mark.parametrize("amx", [True, False])
def test_bf16_is_the_default_on_a_gpu_only(monkeypatch, tmp_path, amx):
    """A CPU trains in fp32 unless asked, AMX tiles or not; asked, transformers is told to use the
    CPU (it refuses bf16 without a GPU otherwise)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    assert sft_mod.bf16_default() is False
    assert SFTSettings().to_sft_config(tmp_path).bf16 is False
    asked = SFTSettings(bf16=True).to_sft_config(tmp_path)
    assert asked.bf16 and asked.use_cpu
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert sft_mod.bf16_default() is True


def _micro(tokenizer):
    return build_tiny_model(tokenizer, size="micro", seed=0)


@pytest.mark.slow
def test_sft_two_steps_changes_the_weights(tokenizer, tmp_path, capfd):
    model = _micro(tokenizer)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    settings_ = SFTSettings(
        max_steps=2,
        per_device_train_batch_size=2,
        save_steps=100,
        learning_rate=1e-2,
        warmup_steps=0,
    )
    history = run_sft(model, tokenizer, ROWS, tmp_path / "sft", settings_)
    assert [h["step"] for h in history] == [1, 2]
    assert all(h["loss"] > 0 for h in history)
    # a progress bar on stderr, not transformers' dict a step on stdout (`train --json`'s)
    printed = capfd.readouterr()
    assert "loss" not in printed.out and re.search(r"sft .*2/2 loss \d", printed.err)
    changed = [
        k for k, v in model.state_dict().items() if not torch.equal(v.cpu(), before[k].cpu())
    ]
    assert "model.embed_tokens.weight" in changed and len(changed) == len(before)
    saved, saved_tok = load_model(tmp_path / "sft")
    assert saved_tok.chat_template == CHAT_TEMPLATE
    assert torch.equal(saved.model.norm.weight, model.model.norm.weight.cpu())


@pytest.mark.slow
def test_sft_decay_holds_the_learning_rate_until_the_last_share_of_steps(tokenizer, tmp_path):
    """``decay`` 0.5 over 4 steps: the peak until the last two steps, then a cosine decay (the
    log shows the rate each step used: the decay's first is still the peak); 1, the plain cosine
    schedule, decays from the first step on."""
    rates = {}
    for decay in (0.5, 1.0):
        out = tmp_path / str(decay)
        settings_ = SFTSettings(
            max_steps=4,
            per_device_train_batch_size=2,
            save_steps=4,
            learning_rate=1e-2,
            warmup_steps=0,
            decay=decay,
        )
        run_sft(_micro(tokenizer), tokenizer, ROWS, out, settings_)
        history = json.loads((out / "checkpoint-4" / "trainer_state.json").read_text())[
            "log_history"
        ]
        rates[decay] = [entry["learning_rate"] for entry in history if "loss" in entry]
    assert rates[0.5][:3] == [1e-2] * 3 and 1e-2 > rates[0.5][3] > 0
    assert rates[1.0][0] == 1e-2 > rates[1.0][1] > rates[1.0][2]
    assert SFTSettings(decay=0.5).to_sft_config(tmp_path).lr_scheduler_type == "warmup_stable_decay"
    with pytest.raises(ValueError, match="decay is 0: a share of the steps"):
        SFTSettings(decay=0).to_sft_config(tmp_path)


@pytest.fixture
def labelled_calls(monkeypatch):
    """The calls of ``labelled_loss.labelled_logits`` during a test, one entry each."""
    calls = []
    real = labelled_loss.labelled_logits
    monkeypatch.setattr(labelled_loss, "labelled_logits", lambda *a: calls.append(1) or real(*a))
    return calls


@pytest.mark.slow
def test_labelled_logits_loss_trains_like_trls_chunked_loss(tokenizer, tmp_path, labelled_calls):
    """The embedded model's faster loss (logits at the learned positions only) takes the same
    steps as TRL's own, and is the one used."""
    runs = {}
    for labelled in (True, False):
        model = _micro(tokenizer)
        settings_ = SFTSettings(
            max_steps=3,
            per_device_train_batch_size=2,
            save_steps=100,
            learning_rate=1e-2,
            warmup_steps=0,
            labelled_logits=labelled,
            bf16=False,
        )  # the same arithmetic for both, also on a GPU
        runs[labelled] = (
            run_sft(model, tokenizer, ROWS, tmp_path / str(labelled), settings_),
            model.state_dict(),
        )
    (own_history, own_weights), (chunked_history, chunked_weights) = runs[True], runs[False]
    assert len(labelled_calls) == 1 + 3  # the first batch's check, then one per step
    assert [h["loss"] for h in own_history] == pytest.approx(
        [h["loss"] for h in chunked_history], rel=1e-4
    )
    assert own_history[0]["loss"] > own_history[-1]["loss"]
    for name, value in own_weights.items():
        assert torch.allclose(value.cpu(), chunked_weights[name].cpu(), atol=1e-4), name


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU's bf16 path")
def test_labelled_logits_loss_runs_in_bf16_on_the_cpu(tokenizer, tmp_path, labelled_calls):
    """With bf16 on a CPU the learned positions' loss runs under the accelerator's autocast, like
    the model's forward that the check compares it with: the check passes and every step takes
    the fast loss (called past the wrapped forward, it ran in fp32, the check failed and every
    step fell back to the full logits, 1.9 times slower), with the fp32 run's losses."""
    runs = {}
    for bf16 in (True, False):
        settings_ = SFTSettings(
            max_steps=3,
            per_device_train_batch_size=2,
            save_steps=100,
            learning_rate=1e-2,
            warmup_steps=0,
            labelled_logits=True,
            bf16=bf16,
        )
        runs[bf16] = run_sft(_micro(tokenizer), tokenizer, ROWS, tmp_path / str(bf16), settings_)
    assert len(labelled_calls) == 2 * (1 + 3)  # per run: the first batch's check, one per step
    losses = {bf16: [h["loss"] for h in history] for bf16, history in runs.items()}
    assert losses[True] == pytest.approx(losses[False], rel=2e-2)


@pytest.mark.parametrize("side", ["right", "left"])
def test_labelled_logits_are_the_models_logits_at_the_learned_positions(tokenizer, side):
    """Padded on either side, the selected logits are the full forward pass's at the positions
    whose next token is learned (on the right the mask is dropped: causal attention never reads
    the padding after a real token)."""
    model = _micro(tokenizer).eval()
    lengths = [9, 14, 5]
    ids = torch.full((3, 14), tokenizer.pad_token_id)
    mask = torch.zeros((3, 14), dtype=torch.long)
    labels = torch.full((3, 14), -100)
    generator = torch.Generator().manual_seed(0)
    for row, n in enumerate(lengths):
        span = slice(0, n) if side == "right" else slice(14 - n, 14)
        ids[row, span] = torch.randint(10, len(tokenizer), (n,), generator=generator)
        mask[row, span] = 1
        labels[row, span] = torch.where(torch.arange(n) >= n // 2, ids[row, span], -100)
    inputs = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    with torch.no_grad():
        full = model(input_ids=ids, attention_mask=mask).logits
        selected, targets = labelled_loss.labelled_logits(model, inputs)
    keep = labels[:, 1:] != -100
    assert selected.shape == (int(keep.sum()), len(tokenizer))
    assert torch.equal(targets, labels[:, 1:][keep])
    assert torch.allclose(selected, full[:, :-1][keep], atol=1e-5)


def test_labelled_logits_fall_back_to_the_models_loss_when_its_logits_are_not_its_output_layer(
    tokenizer, tmp_path, labelled_calls
):
    """A model that transforms its logits (here: halves them) is trained on its own loss."""

    class Halved(Qwen2ForCausalLM):
        def forward(self, *args, labels=None, num_items_in_batch=None, **kwargs):
            out = super().forward(*args, **kwargs)
            out.logits = out.logits / 2
            if labels is not None:
                out.loss = self.loss_function(
                    out.logits,
                    labels,
                    self.config.vocab_size,
                    num_items_in_batch=num_items_in_batch,
                )
            return out

    base = _micro(tokenizer)
    model = Halved(base.config)
    model.load_state_dict(base.state_dict())
    settings_ = SFTSettings(
        max_steps=1,
        per_device_train_batch_size=2,
        save_steps=100,
        warmup_steps=0,
        learning_rate=0.0,
        labelled_logits=True,
        bf16=False,
    )
    history = run_sft(model, tokenizer, ROWS[:2], tmp_path / "halved", settings_)
    assert labelled_calls == [1]  # the check alone
    conv = [to_conversation(r) for r in ROWS[:2]]
    rendered = [
        tokenizer.apply_chat_template(
            c["messages"],
            tools=json.loads(c["tools"]) or None,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        for c in conv
    ]
    width = max(len(r["input_ids"]) for r in rendered)
    ids = torch.full((2, width), tokenizer.pad_token_id)
    labels = torch.full((2, width), -100)
    mask = torch.zeros((2, width), dtype=torch.long)
    for row, r in enumerate(rendered):
        n = len(r["input_ids"])
        ids[row, :n] = torch.tensor(r["input_ids"])
        mask[row, :n] = 1
        learned = torch.tensor(r["assistant_masks"]).bool()
        labels[row, :n] = torch.where(learned, torch.tensor(r["input_ids"]), -100)
    with torch.no_grad():
        expected = model(input_ids=ids, attention_mask=mask, labels=labels).loss.item()
    assert history[0]["loss"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.slow
def test_sft_passes_train_one_pass_per_epoch(tokenizer, tmp_path):
    model = _micro(tokenizer)
    passes = [ROWS, list(reversed(ROWS)), ROWS[:2] * (len(ROWS) // 2)]
    settings_ = SFTSettings(
        num_train_epochs=2,
        per_device_train_batch_size=2,
        save_steps=100,
        learning_rate=1e-2,
        warmup_steps=0,
    )
    history = sft_mod.run_sft_passes(model, tokenizer, passes, tmp_path / "sft", settings_)
    assert len(history) == len(ROWS)  # two of the three passes, two dialogues a step
    assert history[0]["loss"] > history[-1]["loss"]


@pytest.mark.slow
def test_sft_passes_tokenize_each_dialogue_once_and_train_as_the_full_order(
    tokenizer, tmp_path, monkeypatch
):
    """Repeated dialogues are tokenized once; the steps, losses and weights are those of
    training on every pass's conversations in order."""
    passes = [ROWS, list(reversed(ROWS))]
    settings_ = SFTSettings(
        num_train_epochs=2,
        per_device_train_batch_size=2,
        save_steps=100,
        learning_rate=1e-2,
        warmup_steps=0,
        bf16=False,
    )
    seen = []
    real_train = sft_mod._train
    monkeypatch.setattr(
        sft_mod,
        "_train",
        lambda *a, **k: seen.append((len(a[2]), k["order"])) or real_train(*a, **k),
    )
    model = _micro(tokenizer)
    history = sft_mod.run_sft_passes(model, tokenizer, passes, tmp_path / "once", settings_)
    assert seen == [(len(ROWS), seen[0][1])] and len(seen[0][1]) == 2 * len(ROWS)
    monkeypatch.setattr(sft_mod, "_train", real_train)
    expanded = sft_dialogues.epoch_order(passes, 2, settings_.seed)
    reference = _micro(tokenizer)
    config = replace(
        settings_, num_train_epochs=1.0, extra={"train_sampling_strategy": "sequential"}
    )
    assert history == real_train(reference, tokenizer, expanded, tmp_path / "all", config)
    for (name, value), other in zip(
        model.state_dict().items(), reference.state_dict().values(), strict=True
    ):
        assert torch.equal(value.cpu(), other.cpu()), name


@pytest.mark.slow
def test_sft_resumes_from_its_last_checkpoint(tokenizer, tmp_path):
    out = tmp_path / "run"
    base = dict(
        per_device_train_batch_size=2,
        save_steps=1,
        learning_rate=1e-2,
        warmup_steps=0,
        lr_scheduler_type="constant",
    )
    first = run_sft(_micro(tokenizer), tokenizer, ROWS, out, SFTSettings(max_steps=2, **base))
    assert (out / "checkpoint-2" / "optimizer.pt").exists()
    # a new process: a fresh model object, the same out_dir, a longer run
    model = _micro(tokenizer)
    second = run_sft(model, tokenizer, ROWS, out, SFTSettings(max_steps=4, **base))
    assert [h["step"] for h in second] == [1, 2, 3, 4]
    assert second[:2] == first  # the first two steps come from the checkpoint, not a rerun
    assert (out / "checkpoint-4").exists() and not (out / "checkpoint-1").exists()
    finished = _micro(tokenizer)
    again = run_sft(finished, tokenizer, ROWS, out, SFTSettings(max_steps=4, **base))
    assert again == second  # finished: resuming adds no step, and returns the trained weights
    assert torch.equal(
        finished.model.embed_tokens.weight.cpu(), model.model.embed_tokens.weight.cpu()
    )


def test_muon_takes_the_hidden_layers_matrices_and_adamw_the_rest(tokenizer):
    model = _micro(tokenizer)
    optimizer = optimizers.muon_with_adamw(model, lr=1e-2)
    muon, adamw = optimizer.parts
    assert isinstance(muon, torch.optim.Muon) and isinstance(adamw, torch.optim.AdamW)
    names = {id(p): n for n, p in model.named_parameters()}
    in_muon = {names[id(p)] for g in muon.param_groups for p in g["params"]}
    in_adamw = {names[id(p)] for g in adamw.param_groups for p in g["params"]}
    linear = {n for n, p in model.named_parameters() if n.endswith("proj.weight")}
    assert in_muon == linear and len(linear) == 7  # q, k, v, o; gate, up, down of the one layer
    # the tied embedding and output layer, the norms, the attention biases
    assert in_adamw == set(names.values()) - linear and "model.embed_tokens.weight" in in_adamw
    assert optimizer.param_groups == muon.param_groups + adamw.param_groups
    with pytest.raises(ValueError, match="optimizer is 'sgd': one of adamw, muon"):
        SFTSettings(optimizer="sgd").to_sft_config("unused")


@pytest.mark.slow
def test_sft_with_muon_steps_the_matrices_orthogonally_and_resumes(tokenizer, tmp_path):
    """One step of Muon moves each matrix by its orthogonalised momentum: the change's singular
    values at most about the learning rate times Muon's AdamW-matching scale, 0.2 * sqrt(max(rows,
    cols)), and most of them near it (five Newton-Schulz iterations leave the gradient's weakest
    directions short of it). A run stopped after two steps and resumed to four ends with the
    weights of a run of four."""
    base = dict(
        per_device_train_batch_size=2,
        save_steps=1,
        learning_rate=1e-2,
        warmup_steps=0,
        lr_scheduler_type="constant",
        optimizer="muon",
    )
    model = _micro(tokenizer)
    before = model.model.layers[0].mlp.down_proj.weight.detach().clone()
    run_sft(model, tokenizer, ROWS, tmp_path / "one", SFTSettings(max_steps=1, **base))
    change = (model.model.layers[0].mlp.down_proj.weight.detach() - before).double()
    scale = 1e-2 * 0.2 * max(change.shape) ** 0.5
    singular = torch.linalg.svdvals(change) / scale
    assert singular.max() < 1.3 and singular.median() > 0.6, singular
    saved = torch.load(tmp_path / "one" / "checkpoint-1" / "optimizer.pt", weights_only=True)
    muon_groups = saved["parts"][0]["param_groups"]
    assert len(saved["parts"]) == 2 and muon_groups[0]["adjust_lr_fn"] == "match_rms_adamw"

    straight = _micro(tokenizer)
    run_sft(straight, tokenizer, ROWS, tmp_path / "straight", SFTSettings(max_steps=4, **base))
    out = tmp_path / "resumed"
    run_sft(_micro(tokenizer), tokenizer, ROWS, out, SFTSettings(max_steps=2, **base))
    resumed = _micro(tokenizer)
    history = run_sft(resumed, tokenizer, ROWS, out, SFTSettings(max_steps=4, **base))
    assert [h["step"] for h in history] == [1, 2, 3, 4]
    pairs = zip(straight.named_parameters(), resumed.parameters(), strict=True)
    for (name, trained), again in pairs:
        assert torch.allclose(trained, again, atol=1e-6), name


@pytest.mark.slow
def test_user_sft_runs(tokenizer, tmp_path):
    model = _micro(tokenizer)
    before = model.model.embed_tokens.weight.clone()
    history = run_user_sft(
        model,
        tokenizer,
        ROWS,
        tmp_path / "user",
        SFTSettings(max_steps=1, per_device_train_batch_size=2, learning_rate=1e-2, warmup_steps=0),
        user_prompt=lambda row: f"You are a customer. Task {row['task_id']}.",
    )
    assert len(history) == 1
    assert not torch.equal(before.cpu(), model.model.embed_tokens.weight.cpu())
    with pytest.raises(ValueError, match="No dialogues to train on"):
        run_user_sft(
            model, tokenizer, [{"messages": [{"role": "user", "content": ""}]}], tmp_path / "none"
        )


def test_doctests():
    from eigendsl.train import report  # summary.json kept when it holds the figures already

    for module in (chat, tok_mod, model_mod, sft_mod, sft_dialogues, report):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__


def test_a_checkpoint_cut_off_mid_save_is_skipped(tmp_path, capsys):
    from eigendsl.train.resume import last_checkpoint

    assert last_checkpoint(tmp_path) is None
    complete, partial = tmp_path / "checkpoint-4", tmp_path / "checkpoint-8"
    for folder in (complete, partial):
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"")
    (complete / "trainer_state.json").write_text("{}")
    assert last_checkpoint(tmp_path) == str(complete)
    assert not partial.exists() and complete.is_dir()
    assert "checkpoint-8 was cut off" in capsys.readouterr().err


@pytest.mark.parametrize("state", ["", '{"global_step": 8, "log_hist', "[]"])
def test_a_checkpoint_whose_state_was_cut_short_is_skipped(tmp_path, capsys, state):
    # killed while trainer_state.json was written: the resume raised a JSONDecodeError
    from eigendsl.train.resume import last_checkpoint

    complete, partial = tmp_path / "checkpoint-4", tmp_path / "checkpoint-8"
    for folder in (complete, partial):
        folder.mkdir()
    (complete / "trainer_state.json").write_text('{"global_step": 4}')
    (partial / "trainer_state.json").write_text(state)
    assert last_checkpoint(tmp_path) == str(complete)
    assert not partial.exists()
    assert "checkpoint-8 was cut off" in capsys.readouterr().err


def test_train_settings_come_from_the_manifest_then_the_command_line():
    """Every stage setting the compiled manifest holds reaches the training run; options given
    on the command line win, and None (an option not given) leaves the manifest's value."""
    import yaml

    from eigendsl.train.settings import MANIFEST_KEYS, TrainSettings

    manifest = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "generated/retail/manifest.yaml").read_text()
    )
    stages = {s["name"]: s["settings"] for s in manifest["stages"]}
    assert all(
        name in stages[stage] for stage, name in MANIFEST_KEYS.values()
    )  # no key is misspelled
    stages["sft"].update(epochs=7, invent_ids=True, fresh_ids=0.25)
    stages["synth"].update(recover=0.3)
    settings = TrainSettings.from_manifest(manifest, sft_epochs=None, grpo_steps=2)
    assert (settings.sft_epochs, settings.sft_invent_ids, settings.sft_fresh_ids) == (7, True, 0.25)
    assert settings.recover == 0.3
    assert settings.grpo_steps == 2 and settings.sft_balance is stages["sft"]["balance"]
    # a misspelt setting is refused, not set on the side and ignored
    misspelt = r"'sft_epoch' is not a training setting \(did you mean 'sft_epochs'\?\)"
    with pytest.raises(TypeError, match=misspelt):
        TrainSettings.from_manifest(manifest, sft_epoch=3)
    unknown = r"'warp' is not a training setting; the settings are model, seed, "
    with pytest.raises(TypeError, match=unknown):
        TrainSettings.from_manifest(manifest, warp=None)


@pytest.fixture(scope="module")
def retail_dialogues():
    """The retail spec's path, domain and the scripted agent's passed dialogues of 12 train
    tasks."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.runtime.scripted_user import ScriptedUser

    spec = Path(__file__).resolve().parents[1] / "specs" / "retail"
    retail = load_domain(spec)
    tasks = [t for t in retail.tasks if t.get("split") == "train"][:12]
    rows = run_episodes(retail, tasks, ScriptedAgent(), ScriptedUser(retail.stop_marker))
    return spec, retail, [r for r in rows if r["verdict"]["passed"]]


def test_sft_schedule_puts_the_copy_drills_first_each_pass_with_its_own_ids(retail_dialogues):
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule

    _, retail, rows = retail_dialogues
    unshuffled = {"sft_epochs": 3, "sft_fresh_ids": 0}
    drills, schedule = sft_schedule(
        rows, retail.seed, TrainSettings(sft_copy_drills=2, **unshuffled)
    )
    assert len(drills) == 2 and drills[0] and len(drills[0]) == len(drills[1])
    assert all(
        len(d["messages"]) in (2, 4) and d["messages"][-1]["tool_calls"]
        for one in drills
        for d in one
    )
    assert drills[0] != drills[1]  # fresh ids per pass
    # then a pass over the dialogues per epoch, as they are
    assert len(schedule) == 3 and all(one and all(r in rows for r in one) for one in schedule)
    none, plain = sft_schedule(rows, retail.seed, TrainSettings(sft_copy_drills=0, **unshuffled))
    assert none == [] and plain == schedule


def test_the_default_sft_schedule_shuffles_the_ids_of_its_last_half_of_the_passes(retail_dialogues):
    """The default (training.sft.fresh_ids: 0.5): the first half of the passes are the dialogues
    as synthesized, the last half the same dialogues with their ids renamed, turn for turn."""
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule
    from eigendsl.training_spec import STAGE_DEFAULTS

    _, retail, rows = retail_dialogues
    settings = TrainSettings(sft_epochs=4)
    assert settings.sft_fresh_ids == STAGE_DEFAULTS["sft"]["fresh_ids"] == 0.5
    _, schedule = sft_schedule(rows, retail.seed, settings)
    assert len(schedule) == 4
    assert all(r in rows for one in schedule[:2] for r in one)
    originals = {r["task_id"]: r for r in rows}
    for one in schedule[2:]:
        assert not any(r in rows for r in one)
        for renamed in one:
            original = originals[renamed["task_id"]]
            assert [m["role"] for m in renamed["messages"]] == [
                m["role"] for m in original["messages"]
            ]
    assert schedule[2] != schedule[3]  # each shuffled pass draws its own names
    # a run of one pass keeps it as synthesized; a share of 1 shuffles every pass
    _, single = sft_schedule(rows, retail.seed, TrainSettings(sft_epochs=1))
    assert all(r in rows for r in single[0])
    _, every = sft_schedule(rows, retail.seed, TrainSettings(sft_epochs=2, sft_fresh_ids=1.0))
    assert not any(r in rows for one in every for r in one)


def test_the_shuffled_passes_permute_the_attribute_values_when_told_to(retail_dialogues):
    """With training.sft.fresh_values (off by default) the passes with shuffled ids also permute
    the attribute values each dialogue states (a variant's "color: navy"); without it, or with no
    attribute fields, those stay as synthesized."""
    from eigendsl.train.renaming import _strings
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule
    from eigendsl.training_spec import STAGE_DEFAULTS

    _, retail, rows = retail_dialogues
    stated = re.compile(r'"?(?:color|size|finish)"?: "?[\w ]+')

    def statements(one: list[dict[str, Any]]) -> list[list[str]]:
        return [stated.findall(" ".join(_strings(r["messages"]))) for r in one]

    assert TrainSettings().sft_fresh_values is STAGE_DEFAULTS["sft"]["fresh_values"] is False
    _, permuted = sft_schedule(
        rows, retail.seed, TrainSettings(sft_epochs=2, sft_fresh_values=True), ["options"]
    )
    _, kept = sft_schedule(rows, retail.seed, TrainSettings(sft_epochs=2), ["options"])
    _, no_fields = sft_schedule(
        rows, retail.seed, TrainSettings(sft_epochs=2, sft_fresh_values=True)
    )
    assert permuted[0] == kept[0] == no_fields[0]  # the first pass as synthesized
    assert kept[1] == no_fields[1]
    original = {r["task_id"]: r for r in rows}
    assert statements(kept[1]) == statements([original[r["task_id"]] for r in kept[1]])
    assert (
        sum(a != b for a, b in zip(statements(permuted[1]), statements(kept[1]), strict=True))
        > len(rows) // 4
    )


def write_accepted(run: Path, rows: list[dict]) -> None:
    """``rows`` as a run folder's one generation of accepted dialogues, as synthesis leaves them."""
    accepted = run / "synth" / "gen-1" / "accepted.jsonl"
    accepted.parent.mkdir(parents=True)
    accepted.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_the_sft_stage_takes_the_attribute_fields_from_the_spec(
    tmp_path, retail_dialogues, monkeypatch
):
    from eigendsl.train import pipeline as module
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    spec, _, rows = retail_dialogues
    write_accepted(tmp_path, rows)
    seen = {}

    class Stop(Exception):
        pass

    def schedule(rows, seed_data, settings, attributes=()):
        seen["attributes"] = attributes
        raise Stop

    monkeypatch.setattr(module, "sft_schedule", schedule)
    monkeypatch.setattr(Pipeline, "load", lambda self, stage: (None, None))
    with pytest.raises(Stop):
        Pipeline(
            spec, tmp_path, TrainSettings(sft_epochs=2, sft_fresh_values=True), log=lambda _: None
        ).sft()
    assert seen["attributes"] == ["options"]


def test_the_sft_stage_runs_the_copy_drills_first_in_a_run_of_their_own(tmp_path, retail_dialogues):
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    spec, _, rows = retail_dialogues
    write_accepted(tmp_path, rows)
    pipeline = Pipeline(
        spec,
        tmp_path,
        TrainSettings(model="micro", sft_epochs=1, sft_copy_drills=1),
        log=lambda _: None,
    )
    pipeline.base()
    result = pipeline.sft()
    assert result["copy_drills"] > 0 and result["drill_loss"] and result["loss"]
    assert result["loss"][0]["step"] == 1  # the dialogues' run starts its own count
    assert (tmp_path / "sft" / "drills" / "model.safetensors").is_file()
    assert (tmp_path / "sft" / "model.safetensors").is_file()


def test_train_command_passes_its_sft_settings_to_the_pipeline(monkeypatch):
    from click.testing import CliRunner

    from eigendsl.cli import main
    from eigendsl.train import pipeline

    seen = {}
    summary = {
        "report": "r.md",
        **{s: {"pass_hat_1": 0.0, "pass_hat_k": {}} for s in ("base", "sft", "grpo")},
    }
    monkeypatch.setattr(
        pipeline, "train", lambda target, out, log, **kw: seen.update(kw) or summary
    )
    args = [
        "train",
        "specs/retail",
        "--sft-epochs",
        "60",
        "--sft-learning-rate",
        "3e-3",
        "--sft-optimizer",
        "muon",
        "--sft-pass-size",
        "0",
        "--sft-fresh-ids",
        "0.5",
        "--sft-fresh-values",
        "--recover",
        "0.2",
        "--constrain-calls",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (
        seen["sft_epochs"],
        seen["sft_learning_rate"],
        seen["sft_pass_size"],
        seen["sft_fresh_ids"],
        seen["sft_fresh_values"],
        seen["recover"],
        seen["eval_constrain_calls"],
    ) == (60.0, 3e-3, 0, 0.5, True, 0.2, True)
    assert seen["sft_optimizer"] == "muon"
    # the command names its choices without importing SFT (torch and TRL load lazily): the same ones
    optimizer = next(o for o in main.commands["train"].params if o.name == "sft_optimizer")
    assert tuple(optimizer.type.choices) == optimizers.OPTIMIZERS
    assert CliRunner().invoke(main, args[:2]).exit_code == 0
    assert seen["sft_fresh_values"] is None  # not given: the manifest's
    assert seen["eval_constrain_calls"] is None
    refusals = (
        ("--sft-learning-rate", "0"),
        ("--sft-fresh-ids", "1.5"),
        ("--recover", "-0.1"),
        ("--sft-optimizer", "sgd"),
    )
    for option, value in refusals:
        refused = CliRunner().invoke(main, ["train", "specs/retail", option, value])
        assert refused.exit_code == 2 and option in refused.output


@pytest.mark.parametrize("names, calls", [(True, False), (True, True), (False, False)])
def test_the_base_stage_gives_the_domain_names_and_the_call_markup_tokens_of_their_own(
    tmp_path, retail_dialogues, names, calls
):
    from eigendsl.train.chat import CALL_PIECES
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    spec, _, rows = retail_dialogues
    write_accepted(tmp_path, rows)
    settings = TrainSettings(model="micro", name_tokens=names, call_tokens=calls)
    Pipeline(spec, tmp_path, settings, log=lambda _: None).base()
    tokenizer = load_tokenizer(tmp_path / "base")
    # after punctuation with name tokens (the default); after a word as well with call tokens
    listed = tokenizer.tokenize("Tools: get_order_details.")
    assert (" get_order_details" in listed) == names, listed
    after_word = tokenizer.tokenize("I will call get_order_details now.")
    assert (" get_order_details" in after_word) == (names and calls), after_word
    call = {"name": "get_order_details", "arguments": {"order_id": "#W1", "payment_method_id": "x"}}
    turn = {"role": "assistant", "tool_calls": [{"function": call}]}
    text = tokenizer.apply_chat_template([turn], tokenize=False)
    spelled = tokenizer.tokenize(text)
    assert ({"get_order_details", "payment_method_id"} <= set(spelled)) == names, spelled
    assert (set(CALL_PIECES) <= set(spelled)) == calls, spelled
    # the tokens spell the text back, byte for byte
    assert tokenizer.convert_tokens_to_string(spelled) == text


def test_a_run_folder_given_as_the_model_names_the_models_in_it(tmp_path):
    """`eval --model runs/retail/train` (the run, not one of its models) says where they are."""
    from eigendsl.runtime.checkpoints import checkpoint_error

    for name in ("sft", "grpo", "plots"):
        (tmp_path / name).mkdir()
    for name in ("sft", "grpo"):
        (tmp_path / name / "config.json").write_text("{}")
    said = str(checkpoint_error(tmp_path, OSError("no file named config.json")))
    assert said.startswith(
        f"cannot load model '{tmp_path}': the folder has no config.json; "
        "models are in its folders grpo, sft; a model is a checkpoint folder"
    )
