"""Tool calls held to the tools' schemas while a transformers model generates them.

A small model writes most of a call right and breaks the rest: a tool name that does not exist
(``get_delivered_details``), a parameter another tool has, a string left open, a ``</tool_call>``
never opened: turns the environment can only answer with an error. :class:`ToolCallConstraint`
leaves the agent's text free and, from the moment the model itself opens a call with
``<tool_call>`` until ``</tool_call>``, allows only the tokens that keep the call valid:
``{"name": N, "arguments": A}`` with ``N`` one of the tools and ``A`` an object of ``N``'s
parameters (required ones present, types and enums kept, no others), written with the
separators of the chat template (``", "``, ``": "``). What the model decides stays its own:
whether to call, which tool, and every value; only malformed continuations are masked.

The matching is llguidance's (the structured-output engine behind vLLM's ``guidance`` backend):
a grammar compiled against the tokenizer gives a bitmask of allowed tokens in microseconds.
It needs ``<tool_call>`` and ``</tool_call>`` to be single tokens of the tokenizer, as in the
Qwen family and the embedded model.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.toolcalls import TOOL_CALL_CLOSE, TOOL_CALL_OPEN


def call_schema(tools: list[dict[str, Any]], sort_keys: bool = False) -> dict[str, Any]:
    """The JSON schema of one call to any of ``tools`` (OpenAI function format), in the chat
    template's layout: ``name`` first, then ``arguments``, whose keys come in the parameters'
    order or, with ``sort_keys``, sorted (as EigenDSL's dialogues write them: a model trained on
    sorted arguments must not be made to write them in another order).

    >>> tool = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}}
    >>> call_schema([tool])["anyOf"][0]["properties"]["name"]
    {'const': 'ping'}
    """
    alternatives = []
    for tool in tools:
        function = tool.get("function", tool)
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        if sort_keys:
            parameters = _sorted_properties(parameters)
        # the runtime refuses a parameter the tool does not declare, so none may be written
        parameters = {"additionalProperties": False, **parameters}
        alternatives.append(
            {
                "type": "object",
                "properties": {"name": {"const": function["name"]}, "arguments": parameters},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    return {
        "anyOf": alternatives,
        "x-guidance": {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "},
    }


def _sorted_properties(schema: Any) -> Any:
    """``schema`` with the keys of every ``properties`` in it sorted (at any depth)."""
    if isinstance(schema, list):
        return [_sorted_properties(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _sorted_properties(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {
            key: _sorted_properties(schema["properties"][key])
            for key in sorted(schema["properties"])
        }
    return out


def call_grammar(tools: list[dict[str, Any]], close_id: int, sort_keys: bool = False) -> str:
    """The llguidance (Lark-syntax) grammar of what follows ``<tool_call>``: a newline, the call,
    a newline and the ``</tool_call>`` token."""
    schema = json.dumps(call_schema(tools, sort_keys))
    return f'start: "\\n" call "\\n" <[{close_id}]>\ncall: %json {schema}'


def _single_token(tokenizer: Any, text: str) -> int | None:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids[0] if len(ids) == 1 else None


class ToolCallConstraint:
    """A ``transformers`` logits processor for one batched ``generate`` call.

    Each row of the batch is free until its last token is ``<tool_call>``; then it follows the
    call grammar until ``</tool_call>`` and is free again (a turn may make several calls).
    A free row may not write ``</tool_call>``. A row whose call is cut by the token limit stays
    malformed, and the runtime reports it as before.

    ``prompt_width`` is the padded prompt's length: tokens past it are the model's own.
    ``sort_keys``: the arguments' keys in sorted order, as EigenDSL's dialogues write them (the
    compiled tasks' canonical JSON), so as a model trained on them writes them; off, in the
    parameters' order."""

    def __init__(
        self,
        tokenizer: Any,
        tools: list[dict[str, Any]],
        prompt_width: int,
        vocab_size: int,
        sort_keys: bool = True,
    ):
        try:
            import llguidance
            import llguidance.torch
        except ImportError:
            raise EigenError(
                "constrained tool calls need llguidance: pip install 'eigendsl[train]'"
            ) from None
        self.open_id, self.close_id = (
            _single_token(tokenizer, TOOL_CALL_OPEN),
            _single_token(tokenizer, TOOL_CALL_CLOSE),
        )
        if self.open_id is None or self.close_id is None:
            raise EigenError(
                f"constrained tool calls need {TOOL_CALL_OPEN} and {TOOL_CALL_CLOSE} to be single "
                "tokens of the model's tokenizer, and this one splits them; leave "
                "--constrain-calls off for this model."
            )
        self.matcher, self.masks = llguidance.LLMatcher, llguidance.torch
        self.grammar = llguidance.LLMatcher.grammar_from_lark(
            call_grammar(tools, self.close_id, sort_keys)
        )
        self.llg_tokenizer = _llg_tokenizer(tokenizer, vocab_size)
        problem = llguidance.LLMatcher.validate_grammar(self.grammar, self.llg_tokenizer)
        if problem:  # a schema llguidance cannot hold calls to: say which, rather than mask blindly
            reason = problem.splitlines()[0].split(": ", 1)[-1]
            raise EigenError(
                f"the tools' parameter schemas cannot constrain the calls ({reason}); fix the "
                "schema or leave --constrain-calls off."
            )
        self.prompt_width = prompt_width
        self.calls: dict[int, Any] = {}  # row -> the matcher of the call it is writing
        self.bitmask: Any = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[1] > self.prompt_width:
            for row, token in enumerate(input_ids[:, -1].tolist()):
                self._advance(row, token)
        free = [row for row in range(scores.shape[0]) if row not in self.calls]
        if free:
            scores[free, self.close_id] = float("-inf")
        if self.calls:
            if self.bitmask is None:
                self.bitmask = self.masks.allocate_token_bitmask(scores.shape[0], scores.shape[1])
            self.bitmask.fill_(-1)  # every token allowed, but in the rows writing a call
            for row, matcher in self.calls.items():
                self.masks.fill_next_token_bitmask(matcher, self.bitmask, row)
            self.masks.apply_token_bitmask_inplace(scores, self.bitmask.to(scores.device))
        return scores

    def _advance(self, row: int, token: int) -> None:
        matcher = self.calls.get(row)
        if matcher is None:
            if token == self.open_id:
                self.calls[row] = self.matcher(self.llg_tokenizer, self.grammar)
        elif not matcher.consume_token(token) or matcher.is_stopped():
            del self.calls[row]  # the call is complete (or the row ended): free text again


@lru_cache(maxsize=4)
def _llg_tokenizer_for(tokenizer: Any, vocab_size: int, end_id: int) -> Any:
    import llguidance.hf

    return llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab_size, eos_token=end_id)


def _llg_tokenizer(tokenizer: Any, vocab_size: int) -> Any:
    """llguidance's view of the tokenizer (about a second for a large vocabulary, so kept)."""
    end = _single_token(tokenizer, "<|im_end|>")
    end_id = end if end is not None else tokenizer.eos_token_id
    return _llg_tokenizer_for(tokenizer, vocab_size, end_id)
