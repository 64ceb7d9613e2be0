"""EigenDSL's chat format, and which chat template a checkpoint renders its chats with.

The format is Qwen/Hermes ChatML (:data:`CHAT_TEMPLATE`, described in :mod:`eigendsl.train.chat`,
which trains with it). Training needs its ``{% generation %}`` marks, so ``train`` gives every
checkpoint whose template lacks them this one (:func:`ensure_chat_format`). Playing a model
(``run``, ``eval``, synthesis's and the judge's backends) needs no marks: a checkpoint keeps the
template it was tuned with when that template renders what an episode holds (the tools' schemas,
the agent's tool calls, their results), and gets ours otherwise (:func:`inference_chat_format`).
"""

from __future__ import annotations

from typing import Any

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ENDOFTEXT = "<|endoftext|>"
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"

# Markup the model writes and the runtime must read back, so it survives `skip_special_tokens`
# (as in Qwen2.5, where <tool_call> is an added token that is not special).
MARKUP_TOKENS = [TOOL_CALL_OPEN, TOOL_CALL_CLOSE, "<tools>", "</tools>"]

# Arguments may arrive as a dict (rendered with `tojson`) or as the JSON string of an OpenAI
# message (rendered verbatim). Datasets store them as strings: an Arrow column unifies the keys
# of every dict in it and would fill the missing ones with nulls. `json.dumps(args,
# ensure_ascii=False)` writes the same text as `tojson`, so both forms render identically (see
# `normalize_messages`).
CHAT_TEMPLATE = """\
{%- macro render_content(message) -%}
{%- if message.content is string -%}{{ message.content }}\
{%- elif message.content is iterable and message.content is not mapping -%}
{%- for part in message.content if part.type == 'text' %}{{ part.text }}{% endfor -%}
{%- endif -%}
{%- endmacro -%}
{%- macro render_assistant(message) -%}
    {{- render_content(message) }}
    {%- if message.tool_calls %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined and tool_call.function is not none %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {%- if not loop.first or render_content(message) %}
                {{- '\\n' }}
            {%- endif %}
            {{- '<tool_call>\\n{"name": ' }}{{- tool_call.name | tojson }}
            {{- ', "arguments": ' }}
            {%- if tool_call.arguments is string %}
                {{- tool_call.arguments }}
            {%- elif tool_call.arguments is none %}
                {{- '{}' }}
            {%- else %}
                {{- tool_call.arguments | tojson }}
            {%- endif %}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
    {%- endif %}
    {{- '<|im_end|>' }}
{%- endmacro -%}
{%- if tools or messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}
        {{- render_content(messages[0]) }}
    {%- endif %}
    {%- if tools %}
        {%- if messages[0].role == 'system' %}
            {{- '\\n\\n' }}
        {%- endif %}
        {{- '# Tools\\n\\nYou may call one or more functions to assist with the user '
            'query.\\n\\nYou are provided with function signatures within <tools></tools> '
            'XML tags:\\n<tools>' }}
        {%- for tool in tools %}
            {{- '\\n' }}{{- tool | tojson }}
        {%- endfor %}
        {{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and '
            'arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n'
            '{"name": <function-name>, "arguments": <args-json-object>}\\n</tool_call>' }}
    {%- endif %}
    {{- '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.role == 'assistant' %}
        {{- '<|im_start|>assistant\\n' }}
        {%- if message.train is false %}
            {{- render_assistant(message) }}
        {%- else %}
            {%- generation %}
                {{- render_assistant(message) }}
            {%- endgeneration %}
        {%- endif %}
        {{- '\\n' }}
    {%- elif not (message.role == 'system' and loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' }}
        {{- render_content(message) }}
        {{- '<|im_end|>\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""


# What an episode shows a model, rendered to see whether a checkpoint's own template shows it: a
# tool's schema, the agent's tool call and the tool's result (the values each carries are marks
# to look for in the text).
_PROBE_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "probe_lookup",
            "description": "Read a record by its id.",
            "parameters": {
                "type": "object",
                "properties": {"record_id": {"type": "string"}},
                "required": ["record_id"],
            },
        },
    }
]
_PROBE_CALL = {
    "id": "call_0",
    "type": "function",
    "function": {"name": "probe_lookup", "arguments": {"record_id": "R-7731"}},
}


def _probe_chat(calls: bool) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You help customers."},
        {"role": "user", "content": "Where is my record?"},
        {"role": "assistant", "content": "", **({"tool_calls": [_PROBE_CALL]} if calls else {})},
        {"role": "tool", "tool_call_id": "call_0", "name": "probe_lookup", "content": "R-9904"},
        {"role": "assistant", "content": "It is here."},
        {"role": "user", "content": "Thanks."},
    ]


def chat_template_text(tokenizer: Any) -> str | None:
    """The tokenizer's default chat template (a dict of named templates gives its ``default``)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default")
    return template or None


def has_generation_marks(template: str) -> bool:
    """Whether a chat template marks the assistant's text with ``{% generation %}``."""
    import re

    return re.search(r"\{%-?\s*generation\s*-?%\}", template) is not None


def own_template_problem(tokenizer: Any) -> str | None:
    """Why the tokenizer's own chat template cannot render an episode for a model to play, in
    words that follow "EigenDSL's ChatML chat template is used"; None when it can: it renders a
    chat of every role an episode holds, and shows the tools' schemas, the agent's tool calls and
    the tools' results (a template that leaves any out plays a model that never sees them)."""
    if chat_template_text(tokenizer) is None:
        return "(the checkpoint has none)"

    def render(calls: bool, tools: list[dict[str, Any]] | None) -> str:
        return str(
            tokenizer.apply_chat_template(
                _probe_chat(calls), tools=tools, add_generation_prompt=True, tokenize=False
            )
        )

    try:
        full = render(True, _PROBE_TOOLS)
        without_tools, without_calls = render(True, None), render(False, _PROBE_TOOLS)
    except Exception as exc:  # noqa: BLE001 - a template is the checkpoint's program: raise_exception, a TypeError...
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return (
            "in place of the checkpoint's own, which cannot render a chat with tool calls and "
            f"their results ({why})"
        )
    left_out = [
        what
        for what, shown in (
            ("the tools' schemas", full != without_tools),
            ("the agent's tool calls", full != without_calls and "R-7731" in full),
            ("the tools' results", "R-9904" in full),
        )
        if not shown
    ]
    if left_out:
        return (
            "in place of the checkpoint's own, which leaves "
            + " and ".join(left_out)
            + " out of the chat"
        )
    return None


def missing_chat_tokens(tokenizer: Any) -> list[str]:
    """The tokens of EigenDSL's chat format that the tokenizer's vocabulary lacks."""
    vocab = tokenizer.get_vocab()
    return [t for t in (IM_START, IM_END, ENDOFTEXT, *MARKUP_TOKENS) if t not in vocab]


def ensure_chat_format(model: Any, tokenizer: Any) -> bool:
    """Make ``tokenizer`` render chats with generation marks, in place; return whether it changed.

    A template that already has ``{% generation %}`` is kept. Otherwise ours is set, the ChatML
    and tool-call tokens the vocabulary lacks are added (and ``model``'s embeddings grown to
    match: each new row the mean of the others, :func:`_grow_embeddings`;
    :func:`chat_format_note` names the tokens), ``<|im_end|>`` becomes the end-of-sequence
    token, and a padding token is set if there is none.
    """
    template = chat_template_text(tokenizer)
    if template and has_generation_marks(template):
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return False
    _use_chatml(model, tokenizer)
    return True


def inference_chat_format(model: Any, tokenizer: Any) -> str | None:
    """Give a checkpoint that is to play episodes the chat template it plays with, in place:
    its own, where that has generation marks (one ``train`` made) or renders an episode whole
    (:func:`own_template_problem`: the template the model was tuned with, its own tokens); ours
    otherwise. Return why ours is used, for :func:`chat_format_note`, or None."""
    template = chat_template_text(tokenizer)
    problem = (
        None if template and has_generation_marks(template) else own_template_problem(tokenizer)
    )
    if problem is None:
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return None
    added = missing_chat_tokens(tokenizer)
    _use_chatml(model, tokenizer)
    return problem + _added_words(added)


def training_chat_reason(tokenizer: Any) -> str | None:
    """Why ``train`` gives the checkpoint EigenDSL's template (:func:`ensure_chat_format`), with
    the tokens that adds, or None where it keeps its own; asked before it is applied."""
    template = chat_template_text(tokenizer)
    if template and has_generation_marks(template):
        return None
    reason = (
        "in place of the checkpoint's own, which has no {% generation %} marks"
        if template
        else "(the checkpoint has none)"
    )
    return reason + _added_words(missing_chat_tokens(tokenizer))


def chat_format_note(name: Any, reason: str) -> str:
    """The one line that says a checkpoint plays or trains with EigenDSL's template, and why."""
    return f"note: {name}: EigenDSL's ChatML chat template is used {reason}"


def _added_words(added: list[str]) -> str:
    if not added:
        return ""
    return (
        f"; {len(added)} of its tokens are new to the vocabulary ({', '.join(added)}), their "
        "embeddings the mean of the others' until trained"
    )


def _use_chatml(model: Any, tokenizer: Any) -> None:
    """Set EigenDSL's template on ``tokenizer``, with the tokens it needs (``model``'s embedding
    grown to match) and ``<|im_end|>`` as the end of a turn."""
    from tokenizers import AddedToken

    vocab = tokenizer.get_vocab()
    missing_special = [t for t in (IM_START, IM_END, ENDOFTEXT) if t not in vocab]
    if missing_special:
        tokenizer.add_special_tokens(
            {"extra_special_tokens": missing_special}, replace_extra_special_tokens=False
        )
    missing_markup = [t for t in MARKUP_TOKENS if t not in vocab]
    if missing_markup:
        tokenizer.add_tokens(
            [AddedToken(t, special=False, normalized=False) for t in missing_markup]
        )
    _grow_embeddings(model, len(tokenizer))
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.eos_token = IM_END
    if tokenizer.pad_token is None:
        tokenizer.pad_token = ENDOFTEXT
    eos_id = tokenizer.convert_tokens_to_ids(IM_END)
    model.config.eos_token_id = eos_id
    if model.generation_config is not None:
        model.generation_config.eos_token_id = eos_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id


def _grow_embeddings(model: Any, rows: int) -> None:
    """Grow ``model``'s input embedding (and its output one, where the two are not tied) to
    ``rows``, each new row the mean of the old ones: a new token starts where an average one is,
    until trained. Not transformers' default (``mean_resizing``), which draws each new row from a
    normal distribution with the old rows' mean and covariance and says so on stderr."""
    import torch

    old_rows = int(model.get_input_embeddings().weight.shape[0])
    if rows <= old_rows:
        return
    model.resize_token_embeddings(rows, mean_resizing=False)
    layers = {
        id(layer): layer for layer in (model.get_input_embeddings(), model.get_output_embeddings())
    }
    with torch.no_grad():
        for layer in layers.values():
            if layer is None:
                continue
            layer.weight[old_rows:] = layer.weight[:old_rows].mean(dim=0)
            bias = getattr(layer, "bias", None)
            if bias is not None and bias.shape[0] == layer.weight.shape[0]:
                bias[old_rows:] = bias[:old_rows].mean()
