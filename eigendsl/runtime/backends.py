"""Model backends behind one interface, for the agent and for an LLM-backed user simulator.

A backend turns a batch of chats (OpenAI-format messages) into a batch of :class:`AgentTurn`:

- ``hf:PATH_OR_ID``   transformers, the model's chat template, batched generation;
- ``openai:BASE_URL[#model]``  any OpenAI-compatible chat-completions endpoint, via httpx;
- ``vllm:PATH_OR_ID`` in-process vLLM (the optional ``vllm`` extra, GPU).

Tool calls are parsed from the model's text in the Hermes/Qwen format
(``<tool_call>{json}</tool_call>``, or another a checkpoint's own template teaches:
:mod:`eigendsl.runtime.turns`); malformed calls come back as errors for the model to read. The
agent and the user a backend plays are :mod:`eigendsl.runtime.model_roles`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from eigendsl.errors import EigenError
from eigendsl.runtime.call_values import decode_arguments
from eigendsl.runtime.keyed_sampling import KeyedSampler, key_seed
from eigendsl.runtime.openai_backend import OpenAIBackend
from eigendsl.runtime.toolcalls import tool_names
from eigendsl.runtime.turns import AgentTurn, turn_from_text


class Backend(Protocol):
    """``keys``, where given, name each chat's turn (its episode's role, task, trial and turn:
    :func:`~eigendsl.runtime.keyed_sampling.episode_key`), so that a backend that samples can
    draw each turn apart from the batch it comes in."""

    def generate(
        self,
        chats: list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None,
        *,
        keys: list[str] | None = None,
    ) -> list[AgentTurn]: ...


def template_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI messages as chat templates expect them (tool-call arguments as objects)."""
    out = []
    for message in messages:
        message = dict(message)
        if message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                function = dict(call["function"])
                args, _ = decode_arguments(function.get("arguments", {}))
                function["arguments"] = args or {}
                calls.append({**call, "function": function})
            message["tool_calls"] = calls
        if message.get("content") is None:
            message["content"] = ""
        out.append(message)
    return out


# New tokens a model may write in one turn, run's and eval's alike (GRPO's rollouts: its own
# max_new_tokens). A babbling model's turns take this many: the time of an evaluation.
TURN_TOKENS = 128


@dataclass(frozen=True)
class ContextFull:
    """A conversation that no longer fits a model with learned positions, and why."""

    sentence: str


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class HFBackend:
    """A transformers causal LM with its chat template; left-padded batched generation.

    Decoding is EigenDSL's alone (greedy at ``temperature`` 0, sampling above, each chat from a
    generator of its key and ``seed``: :class:`~eigendsl.runtime.keyed_sampling.KeyedSampler`): a
    checkpoint's ``generation_config.json`` gives only its token ids (end, padding, start), not
    its repetition penalty, minimum length or other defaults. ``note`` hears the one-line notes
    (EigenDSL's chat template used, a prompt past a rotary model's positions); stderr by
    default."""

    def __init__(
        self,
        model: Any = None,
        tokenizer: Any = None,
        path: str | None = None,
        max_new_tokens: int = TURN_TOKENS,
        temperature: float = 0.0,
        seed: int = 0,
        device: str | None = None,
        note: Callable[[str], None] = _stderr,
    ):
        try:
            import torch

            from eigendsl.runtime.checkpoints import load_for_play
        except ImportError as exc:  # pragma: no cover - the train extra is missing
            raise EigenError(
                "the hf backend needs transformers: pip install 'eigendsl[train]'"
            ) from exc
        if model is None:
            if path is None:
                raise ValueError("HFBackend needs a model and its tokenizer, or a path to load")
            model, tokenizer = load_for_play(path, note)
        # Generation runs where the GPU is, unless the model was placed already (a device map).
        device = device or ("cuda" if torch.cuda.is_available() else None)
        on_cpu = getattr(getattr(model, "device", None), "type", None) == "cpu"
        if device is not None and on_cpu and getattr(model, "hf_device_map", None) is None:
            model = model.to(device)
        self.model, self.tokenizer = model, tokenizer
        self.max_new_tokens, self.temperature, self.seed = max_new_tokens, temperature, seed
        self.note, self.warned_context = note, False
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.generation = decoding_config(model, self.tokenizer)
        self.ends = turn_end_ids(self.tokenizer, self.generation)

    def prompts(
        self, chats: list[list[dict[str, Any]]], tools: list[dict[str, Any]] | None
    ) -> list[str]:
        return [
            self.tokenizer.apply_chat_template(
                template_messages(chat), tools=tools, add_generation_prompt=True, tokenize=False
            )
            for chat in chats
        ]

    def generate_ids(
        self,
        chats: list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None,
        call_tools: list[dict[str, Any]] | None = None,
        keys: list[str] | None = None,
    ) -> list[tuple[list[int], list[int]] | ContextFull]:
        """Prompt ids and generated ids per chat (for token-in, token-out training). With
        ``call_tools``, the tool calls the model writes are held to those tools' schemas
        (:class:`~eigendsl.runtime.constrained.ToolCallConstraint`). Sampled, each chat draws
        from the generator of its key (``keys``; by default its place in the batch). A
        conversation that has outgrown a model with learned positions is not generated: its
        entry is a :class:`ContextFull`, and the others go on."""
        import torch
        from transformers import LogitsProcessorList

        keys = keys if keys is not None else [str(i) for i in range(len(chats))]
        prompts = self.prompts(chats, tools)
        self.tokenizer.padding_side = "left"
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        full = self.check_context(chats, batch["attention_mask"].sum(dim=1).tolist())
        if full:
            fitting = [i for i in range(len(chats)) if i not in full]
            generated = iter(
                self.generate_ids(
                    [chats[i] for i in fitting], tools, call_tools, [keys[i] for i in fitting]
                )
                if fitting
                else []
            )
            return [full[i] if i in full else next(generated) for i in range(len(chats))]
        batch = batch.to(self.model.device)
        processors = LogitsProcessorList()
        if call_tools:
            from eigendsl.runtime.constrained import ToolCallConstraint

            processors.append(
                ToolCallConstraint(
                    self.tokenizer,
                    call_tools,
                    batch["input_ids"].shape[1],
                    self.model.get_output_embeddings().weight.shape[0],
                )
            )
        if self.temperature > 0:  # the sampler last: after the constraint's masks
            seeds = [key_seed(self.seed, key) for key in keys]
            processors.append(KeyedSampler(self.temperature, seeds, self.model.device))
        with torch.no_grad(), own_decoding(self.model, self.generation):
            output = self.model.generate(  # greedy over what the sampler, if any, gives
                **batch,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=self.tokenizer.pad_token_id,
                logits_processor=processors,
            )
        results: list[tuple[list[int], list[int]] | ContextFull] = []
        width = batch["input_ids"].shape[1]
        for row, mask in zip(output, batch["attention_mask"], strict=False):
            prompt_ids = row[:width][mask.bool()].tolist()
            generated = row[width:].tolist()
            results.append((prompt_ids, through_end(generated, self.ends)))
        return results

    def check_context(
        self, chats: list[list[dict[str, Any]]], widths: list[int]
    ) -> dict[int, ContextFull]:
        """The chats whose prompt (``widths``: each one's tokens, from the batch's attention
        mask), with a turn's new tokens, does not fit the model's positions.
        For rotary positions, one warning and none (they run on past them). For learned ones
        (GPT-2's, which would fail with an IndexError) those chats, by index, to end there; and
        one note, the first time. A prompt that does not fit before the model's first turn is a
        user error: every conversation starts so."""
        from eigendsl.runtime.checkpoints import context_problem

        full: dict[int, ContextFull] = {}
        for index, (chat, width) in enumerate(zip(chats, widths, strict=True)):
            problem = context_problem(
                self.model.config,
                width + self.max_new_tokens,
                f"the prompt ({width} tokens) and a turn's {self.max_new_tokens} new tokens",
            )
            if problem is None:
                continue
            sentence, fatal = problem
            if fatal and not any(message.get("role") == "assistant" for message in chat):
                raise EigenError(sentence)
            if fatal:
                full[index] = ContextFull(sentence)
            if not self.warned_context:
                self.warned_context = True
                self.note(
                    f"note: {sentence}. A conversation that outgrows them ends there "
                    "(context_full); the others go on"
                    if fatal
                    else sentence
                )
        return full

    def generate(
        self,
        chats: list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None,
        call_tools: list[dict[str, Any]] | None = None,
        *,
        keys: list[str] | None = None,
    ) -> list[AgentTurn]:
        turns, names = [], tool_names(tools)
        for generated in self.generate_ids(chats, tools, call_tools, keys):
            if isinstance(generated, ContextFull):
                turns.append(AgentTurn(context_full=generated.sentence))
                continue
            text = turn_text(generated[1], self.tokenizer, self.ends)
            turns.append(turn_from_text(_strip_specials(text, self.tokenizer), names))
        return turns


def decoding_config(model: Any, tokenizer: Any = None) -> Any:
    """The generation config a backend decodes with: transformers' defaults and the checkpoint's
    token ids only (end, padding, start: the ends of a turn a real model needs), so that nothing
    else of its ``generation_config.json`` (a repetition penalty, a minimum length) applies
    unseen; temperature and length are set per call."""
    from transformers import GenerationConfig

    saved = getattr(model, "generation_config", None)

    def token_id(key: str, fallback: Any) -> Any:
        value = getattr(saved, key, None)
        return fallback if value is None else value

    return GenerationConfig(
        eos_token_id=token_id("eos_token_id", getattr(tokenizer, "eos_token_id", None)),
        pad_token_id=token_id("pad_token_id", getattr(tokenizer, "pad_token_id", None)),
        bos_token_id=token_id("bos_token_id", None),
        decoder_start_token_id=token_id("decoder_start_token_id", None),
    )


@contextlib.contextmanager
def own_decoding(model: Any, config: Any) -> Iterator[None]:
    """``model.generate`` with ``config`` in place of the model's own generation config, which
    transformers would otherwise draw every value left unset from; and without transformers'
    "friendly reminder" of a prompt past the model's positions (:meth:`HFBackend.check_context`
    says it once, in words that say what to do)."""
    from eigendsl.runtime.checkpoints import library_warning_dropped

    saved = getattr(model, "generation_config", None)  # a stand-in model of a test has none
    if saved is not None:
        model.generation_config = config
    try:
        with library_warning_dropped(
            "transformers.generation.stopping_criteria", "This is a friendly reminder"
        ):
            yield
    finally:
        if saved is not None:
            model.generation_config = saved


def turn_end_ids(tokenizer: Any, config: Any = None) -> list[int]:
    """The ids that end a model's turn, the tokenizer's end-of-sequence token first: it, every id
    of the decoding config's ``eos_token_id`` (:func:`decoding_config`; a checkpoint's turn may
    end at any of several, as Llama 3's at ``<|eot_id|>`` while its tokenizer's end is
    ``<|end_of_text|>``), ``<|im_end|>`` where the vocabulary has it, and the padding token.
    ``run`` and ``eval`` (:class:`HFBackend`) and GRPO's rollouts
    (:func:`eigendsl.train.rollout.play_rollouts`) end a turn at these ids: :func:`through_end`."""
    eos = getattr(config, "eos_token_id", None)
    found = [tokenizer.eos_token_id, *(eos if isinstance(eos, list) else [eos])]
    if "<|im_end|>" in tokenizer.get_vocab():
        found.append(tokenizer.convert_tokens_to_ids("<|im_end|>"))
    found.append(tokenizer.pad_token_id)
    return list(dict.fromkeys(token for token in found if token is not None))


def through_end(ids: list[int], ends: list[int]) -> list[int]:
    """A turn's ids up to and with the first of ``ends`` (all of them when it has none)."""
    for i, token in enumerate(ids):
        if token in ends:
            return ids[: i + 1]
    return ids


def turn_text(ids: list[int], tokenizer: Any, ends: list[int]) -> str:
    """A generated turn's text as the model wrote it, without the id that ended it (one of
    ``ends``, :func:`turn_end_ids`): decoded with the special tokens, which may mark a tool call
    (Llama's ``<|python_tag|>``)."""
    body = ids[:-1] if ids and ids[-1] in ends else ids
    return str(tokenizer.decode(body, skip_special_tokens=False))


def _strip_specials(text: str, tokenizer: Any) -> str:
    for token in (
        "<|im_end|>",
        "<|endoftext|>",
        tokenizer.eos_token or "",
        tokenizer.pad_token or "",
    ):
        if token:
            text = text.replace(token, "")
    return text.strip()


class VLLMBackend:
    """In-process vLLM (GPU); the tool-call format is parsed like the hf backend's, from text
    decoded as it decodes it: with special tokens (vLLM's default drops them, and with them the
    markers of Mistral's and Llama's calls, ``[TOOL_CALLS]`` and ``<|python_tag|>``), the end of
    the turn removed."""

    def __init__(
        self,
        path: str,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = 0,
        **engine: Any,
    ):
        try:
            from vllm import LLM, SamplingParams
        except ImportError:
            raise EigenError(
                "the vllm backend needs vLLM: pip install 'eigendsl[vllm]' on a machine with a "
                "GPU; or serve the model with vLLM and use --agent openai:http://HOST:PORT/v1"
            ) from None
        self.llm = LLM(model=path, seed=seed, **engine)
        self.sampling = {
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "skip_special_tokens": False,
        }
        self.make_params, self.seed = SamplingParams, seed
        self.params = SamplingParams(**self.sampling)

    def generate(
        self,
        chats: list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None,
        *,
        keys: list[str] | None = None,
    ) -> list[AgentTurn]:
        params: Any = self.params
        if keys is not None and self.sampling["temperature"] > 0:  # a request's own seed
            params = [self.make_params(**self.sampling, seed=key_seed(self.seed, k)) for k in keys]
        outputs = self.llm.chat(
            [template_messages(c) for c in chats], params, tools=tools, use_tqdm=False
        )
        tokenizer, names = self.llm.get_tokenizer(), tool_names(tools)
        return [
            turn_from_text(_strip_specials(o.outputs[0].text, tokenizer), names) for o in outputs
        ]


def make_backend(spec: str, builtin: str | None = None, **options: Any) -> Backend:
    """A model backend from ``hf:PATH_OR_ID``, ``openai:BASE_URL[#model]`` or ``vllm:PATH_OR_ID``;
    ``builtin`` names the option's own non-model value for the error message (``scripted``)."""
    kind, _, target = spec.partition(":")
    if kind == "hf" and target:
        return HFBackend(path=target, **options)
    if kind == "openai" and target:
        url, _, model = target.partition("#")
        return OpenAIBackend(url, model or "default", **options)
    if kind == "vllm" and target:
        return VLLMBackend(target, **options)
    choices = f"{builtin}, " if builtin else ""
    raise EigenError(
        f"unknown backend '{spec}'; use {choices}hf:PATH_OR_ID, "
        "openai:BASE_URL[#model] or vllm:PATH_OR_ID"
    )
