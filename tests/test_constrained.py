"""Tool calls held to the tools' schemas while a model writes them (``--constrain-calls``)."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.constrained import ToolCallConstraint, call_schema  # noqa: E402
from eigendsl.runtime.model_roles import ModelAgent, make_agent  # noqa: E402
from eigendsl.runtime.openai_backend import OpenAIBackend  # noqa: E402
from eigendsl.runtime.toolcalls import TOOL_CALL_CLOSE as CLOSE  # noqa: E402
from eigendsl.runtime.toolcalls import TOOL_CALL_OPEN as OPEN  # noqa: E402
from eigendsl.train.tokenizer import corpus_texts, train_tokenizer  # noqa: E402

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order_details",
            "description": "Read an order.",
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
                    "reason": {
                        "type": "string",
                        "enum": ["no longer needed", "ordered by mistake"],
                    },
                    "order_id": {"type": "string"},
                    "item_ids": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["order_id", "reason"],
            },
        },
    },
]
CALL = {
    "name": "cancel_pending_order",
    "arguments": {"order_id": "#W1234567", "reason": "no longer needed"},
}


@pytest.fixture(scope="module")
def tokenizer():
    row = {
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": "Cancel #W1234567, I no longer need it."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": CALL}],
            },
            {"role": "tool", "content": "cancelled"},
            {"role": "assistant", "content": "Done: #W1234567 is cancelled."},
        ],
    }
    return train_tokenizer(
        corpus_texts(["You are a retail agent."], TOOLS, [row] * 4), vocab_size=500
    )


def test_call_schema_names_every_tool_and_sorts_arguments_like_the_dialogues():
    schema = call_schema(TOOLS, sort_keys=True)
    names = [alt["properties"]["name"]["const"] for alt in schema["anyOf"]]
    assert names == ["get_order_details", "cancel_pending_order"]
    arguments = schema["anyOf"][1]["properties"]["arguments"]
    assert list(arguments["properties"]) == ["item_ids", "order_id", "reason"]
    assert arguments["additionalProperties"] is False and arguments["required"] == [
        "order_id",
        "reason",
    ]
    unsorted = call_schema(TOOLS)["anyOf"][1]["properties"]["arguments"]
    assert list(unsorted["properties"]) == ["reason", "order_id", "item_ids"]


def step(constraint, ids: list[int], vocab: int) -> torch.Tensor:
    """The scores the constraint leaves for the next token after ``ids`` (all 0 before); it sees
    one new token a call, as in ``generate``."""
    return constraint(torch.tensor([ids]), torch.zeros(1, vocab))[0]


def written(tokenizer, text: str) -> tuple[ToolCallConstraint, list[int]]:
    """A constraint that has watched the model write ``text`` after a one-token prompt."""
    ids = [tokenizer.convert_tokens_to_ids("<|im_start|>")] + tokenizer(
        text, add_special_tokens=False
    )["input_ids"]
    constraint = ToolCallConstraint(tokenizer, TOOLS, 1, len(tokenizer))
    for end in range(1, len(ids)):
        step(constraint, ids[:end], len(tokenizer))
    return constraint, ids


def test_a_written_call_is_allowed_token_by_token_and_a_free_turn_cannot_close_one(tokenizer):
    vocab = len(tokenizer)
    prompt = tokenizer("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    constraint = ToolCallConstraint(tokenizer, TOOLS, len(prompt), vocab)
    text = f"{OPEN}\n{json.dumps(CALL)}\n{CLOSE}"
    call = tokenizer(text, add_special_tokens=False)["input_ids"]
    close_id = tokenizer.convert_tokens_to_ids(CLOSE)
    ids = list(prompt)
    first = step(constraint, ids, vocab)
    assert first[close_id] == float("-inf") and torch.isfinite(first).sum() == vocab - 1
    for token in call:
        scores = step(constraint, ids, vocab)
        assert torch.isfinite(scores[token]), (
            f"{tokenizer.decode([token])!r} masked after {tokenizer.decode(ids)!r}"
        )
        ids.append(token)
    # the call is closed: free text again, a second call may open
    after = step(constraint, ids, vocab)
    assert after[close_id] == float("-inf") and torch.isfinite(after).sum() == vocab - 1


def test_an_unknown_tool_and_an_undeclared_parameter_are_masked(tokenizer):
    vocab = len(tokenizer)
    constraint, ids = written(tokenizer, f'{OPEN}\n{{"name": "')
    allowed = torch.isfinite(step(constraint, ids, vocab)).nonzero().flatten().tolist()
    starts = {tokenizer.decode([t]) for t in allowed}
    assert starts and all(
        "get_order_details".startswith(s) or "cancel_pending_order".startswith(s) for s in starts
    )
    constraint, ids = written(tokenizer, f'{OPEN}\n{{"name": "get_order_details", "arguments": {{"')
    allowed = torch.isfinite(step(constraint, ids, vocab)).nonzero().flatten().tolist()
    assert allowed and all('order_id"'.startswith(tokenizer.decode([t])) for t in allowed)


@pytest.mark.parametrize("seed", range(12))
def test_whatever_the_model_prefers_the_call_it_writes_is_valid(tokenizer, seed):
    """Random scores (tokens with a quote, a bracket or a brace favoured, so strings end) drive
    a greedy writer from `<tool_call>` on: what it writes is always a call the tools accept."""
    vocab = len(tokenizer)
    rng = torch.Generator().manual_seed(seed)
    closers = torch.tensor(
        [any(c in tokenizer.decode([t]) for c in '"]}') for t in range(vocab)], dtype=torch.float
    )
    open_id, close_id = (
        tokenizer.convert_tokens_to_ids(OPEN),
        tokenizer.convert_tokens_to_ids(CLOSE),
    )
    constraint = ToolCallConstraint(tokenizer, TOOLS, 1, vocab)
    ids = [tokenizer.convert_tokens_to_ids("<|im_start|>"), open_id]
    for _ in range(400):
        scores = constraint(
            torch.tensor([ids]), torch.randn(1, vocab, generator=rng) + 3 * closers
        )[0]
        ids.append(int(scores.argmax()))
        if ids[-1] == close_id:
            break
    text = tokenizer.decode(ids[2:])
    assert text.startswith("\n") and text.endswith(f"\n{CLOSE}"), text
    call = json.loads(text[1 : -len(CLOSE) - 1])
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
    parameters = schemas[call["name"]]
    assert set(parameters["required"]) <= set(call["arguments"]) <= set(parameters["properties"])
    assert list(call["arguments"]) == sorted(call["arguments"])
    if "reason" in call["arguments"]:
        assert call["arguments"]["reason"] in ("no longer needed", "ordered by mistake")
    assert all(isinstance(v, str) for v in call["arguments"].get("item_ids", []))


def test_rows_of_a_batch_are_held_apart(tokenizer):
    vocab = len(tokenizer)
    pad = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    open_id = tokenizer.convert_tokens_to_ids(OPEN)
    constraint = ToolCallConstraint(tokenizer, TOOLS, 1, vocab)
    constraint(torch.tensor([[pad], [pad]]), torch.zeros(2, vocab))
    scores = constraint(torch.tensor([[pad, open_id], [pad, pad]]), torch.zeros(2, vocab))
    newline = tokenizer("\n", add_special_tokens=False)["input_ids"]
    assert torch.isfinite(scores[0]).sum() == len(newline) == 1 and torch.isfinite(
        scores[0, newline[0]]
    )
    assert torch.isfinite(scores[1]).sum() == vocab - 1


def test_a_tokenizer_that_splits_the_call_tags_gets_a_clear_error(tokenizer):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = Tokenizer(
        models.WordLevel({c: i for i, c in enumerate('<>/_acdeilost{}"\n ')}, unk_token=" ")
    )
    chars.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    plain = PreTrainedTokenizerFast(tokenizer_object=chars)
    with pytest.raises(
        EigenError, match="single tokens of the model's tokenizer.*--constrain-calls off"
    ):
        ToolCallConstraint(plain, TOOLS, 0, 20)


def test_a_schema_that_cannot_hold_the_calls_is_named_in_the_error(tokenizer):
    odd = [
        {
            "type": "function",
            "function": {
                "name": "ping",
                "parameters": {"type": "object", "properties": {"when": {"type": "timestamp"}}},
            },
        }
    ]
    with pytest.raises(
        EigenError, match=r"cannot constrain the calls \(.*Invalid type: timestamp\)"
    ):
        ToolCallConstraint(tokenizer, odd, 0, len(tokenizer))


def test_only_a_model_backend_can_be_constrained():
    with pytest.raises(EigenError, match="hf backend only"):
        ModelAgent(
            OpenAIBackend("http://localhost:1/v1"),
            "openai:http://localhost:1/v1",
            constrain_calls=True,
        )
    with pytest.raises(EigenError, match="scripted agent writes its calls from the gold plan"):
        make_agent("scripted", constrain_calls=True)


def test_the_hf_backend_writes_a_valid_call_where_the_model_opens_one(tokenizer):
    """A micro model pushed to open a call at once, then to end its turn: held to the schemas,
    the call it writes in between parses and names a tool with its required arguments."""
    from eigendsl.runtime.backends import HFBackend
    from eigendsl.train.model import build_tiny_model

    model = build_tiny_model(tokenizer, size="micro", seed=0)
    vocab = model.get_output_embeddings().weight.shape[0]
    push = torch.zeros(vocab)
    push[[t for t in range(len(tokenizer)) if any(c in tokenizer.decode([t]) for c in '"]}')]] = 3.0
    push[tokenizer.convert_tokens_to_ids("<|im_end|>")] = 8.0
    opening = torch.zeros(vocab)
    opening[tokenizer.convert_tokens_to_ids(OPEN)] = 50.0
    calls = []

    def bias(module, inputs, logits):  # the prompt's forward opens the call, later ones push on
        calls.append(1)
        return logits + (opening if len(calls) == 1 else push)

    model.get_output_embeddings().register_forward_hook(bias)
    backend = HFBackend(model=model, tokenizer=tokenizer, max_new_tokens=120)
    chat = [{"role": "user", "content": "Cancel #W1234567, I no longer need it."}]
    [free] = backend.generate([chat], None)
    calls.clear()
    [held] = backend.generate([chat], None, call_tools=TOOLS)
    assert free.errors, "without the schemas the pushed model should write a broken call"
    assert not held.errors and len(held.tool_calls) == 1
    call = held.tool_calls[0]
    parameters = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}[call["name"]]
    assert set(parameters["required"]) <= set(call["arguments"]) <= set(parameters["properties"])


def test_llguidance_missing_is_a_clear_error(tokenizer, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "llguidance", None)  # as if it were not installed
    with pytest.raises(EigenError, match=r"need llguidance: pip install 'eigendsl\[train\]'"):
        ToolCallConstraint(tokenizer, TOOLS, 0, len(tokenizer))
