"""Multi-turn rollouts for GRPO, token in and token out.

An episode is played by the policy against the environment and the user simulator. What is
trained on is exactly:

- the prompt ids: the chat template's rendering of the system turn and the user's first
  message, with the generation prompt;
- the completion ids: the ids the model generated (never re-tokenized from decoded text),
  interleaved with the chat template's rendering of the turns in between (tool results, the
  user's replies, the next generation prompt), tokenized on their own;
- ``env_mask``: 1 on generated ids, 0 on inserted ones; an episode cut at the length limit is
  masked out entirely.

The reward is the compiled verifier's score on the episode's trace.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.backends import (
    decoding_config,
    template_messages,
    through_end,
    turn_end_ids,
    turn_text,
)
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import (
    MAX_TOOL_ROUNDS,
    Episode,
    GoldCache,
    add_user_turn,
    apply_agent_turn,
    judge_episode,
)
from eigendsl.runtime.model_view import model_view
from eigendsl.runtime.turns import turn_from_text


@dataclass
class Rollout:
    """One played episode as GRPO consumes it."""

    task_id: str
    prompt_ids: list[int]
    completion_ids: list[int] = field(default_factory=list)
    env_mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    reward: float = 0.0
    passed: bool = False
    truncated: bool = False
    row: dict[str, Any] | None = None


class Renderer:
    """Chat-template arithmetic: the text the template puts between two generated turns.

    ``ends`` are the ids a turn ends at (:func:`~eigendsl.runtime.backends.turn_end_ids`; the
    tokenizer's own by default)."""

    def __init__(self, tokenizer: Any, domain: Domain, context: str, ends: list[int] | None = None):
        self.tokenizer, self.domain, self.context = tokenizer, domain, context
        self.tools = None if context == "compact" else domain.tool_schemas
        self.ends = ends if ends is not None else turn_end_ids(tokenizer)
        self.end_texts = [end_text(tokenizer, token) for token in self.ends]

    def render(self, messages: list[dict[str, Any]], generation_prompt: bool) -> str:
        chat = template_messages(model_view(messages, self.domain, self.context))
        return self.tokenizer.apply_chat_template(
            chat, tools=self.tools, tokenize=False, add_generation_prompt=generation_prompt
        )

    def ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def between(self, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
        """Text the template writes after the model's last turn (ended by its end token) and up
        to the next generation prompt, given the messages ``before`` and ``after`` that turn's
        consequences."""
        head = self.render(before, False)
        full = self.render(after, True)
        if not full.startswith(head):  # pragma: no cover - a template that rewrites history
            raise ValueError(
                "the chat template renders earlier turns differently once later turns exist"
            )
        # after the end token the template writes last, which ends the model's turn
        cut = max((head.rindex(end) + len(end) for end in self.end_texts if end in head), default=0)
        glue = head[cut:] if cut else ""
        return glue + full[len(head) :]


def end_text(tokenizer: Any, token: int) -> str:
    """The text of the end id ``token`` as a chat template writes it."""
    return str(tokenizer.decode([token], skip_special_tokens=False))


def turn_end_problem(tokenizer: Any, ends: list[int]) -> str | None:
    """Why GRPO cannot train with the tokenizer's chat template, or None: a template that ends
    the assistant's turns with none of ``ends`` (:func:`~eigendsl.runtime.backends.turn_end_ids`)
    teaches a model to end its turns where no rollout stops it, so that every episode is cut at
    the length limit and masked out. The sentence follows "the model NAME"."""
    chat = [
        {"role": "system", "content": "You help customers."},
        {"role": "user", "content": "Where is my record?"},
        {"role": "assistant", "content": "It is here."},
        {"role": "user", "content": "Thanks."},
    ]
    try:
        rendered = str(tokenizer.apply_chat_template(chat, tokenize=False))
    except Exception:  # noqa: BLE001 - the template's own errors are said where it renders
        return None
    start = rendered.find("It is here.")
    if start < 0:
        return None
    turn = rendered[start : rendered.find("Thanks.", start)]
    texts = [end_text(tokenizer, token) for token in ends]
    if any(text and text in turn for text in texts):
        return None
    return (
        "cannot be trained with GRPO: its chat template ends an assistant's turn with none of "
        f"the tokens a turn ends at ({', '.join(texts)}: the tokenizer's eos_token, "
        "generation_config.json's eos_token_id and its padding token), so every rollout would "
        "run to its length limit and teach nothing; add the id of the token the template "
        "writes after an assistant's turn to eos_token_id in the checkpoint's "
        "generation_config.json, or remove the template's {% generation %} marks to train with "
        "EigenDSL's ChatML template"
    )


def check_turn_ends(name: str) -> None:
    """Fail now, before any stage takes its minutes, where GRPO would train the checkpoint
    ``name`` on nothing (:func:`turn_end_problem`): its own chat template, which ``train`` keeps
    where it has ``{% generation %}`` marks, ends the assistant's turns with a token that is
    neither the tokenizer's end nor one of ``generation_config.json``'s. A template without
    marks is replaced by EigenDSL's, whose turns end at its end-of-sequence token."""
    from types import SimpleNamespace

    from transformers import AutoConfig, GenerationConfig

    from eigendsl.runtime.chat_format import chat_template_text, has_generation_marks
    from eigendsl.runtime.checkpoints import load_tokenizer

    tokenizer = load_tokenizer(name)
    template = chat_template_text(tokenizer)
    if not template or not has_generation_marks(template):
        return
    try:
        generation = GenerationConfig.from_pretrained(name)
    except OSError:  # no generation_config.json: transformers makes one from config.json
        generation = GenerationConfig.from_model_config(AutoConfig.from_pretrained(name))
    config = decoding_config(SimpleNamespace(generation_config=generation), tokenizer)
    problem = turn_end_problem(tokenizer, turn_end_ids(tokenizer, config))
    if problem is not None:
        raise EigenError(f"the model '{name}' {problem}")


def _logprobs(scores: tuple[Any, ...], generated: Any) -> list[list[float]]:
    """Per row, each generated token's log-probability under the processed scores.

    One gather per step and one transfer for the batch: no per-token device sync."""
    import torch

    chosen = [
        torch.log_softmax(step.float(), dim=-1).gather(-1, generated[:, i : i + 1]).squeeze(-1)
        for i, step in enumerate(scores)
    ]
    return torch.stack(chosen, dim=1).tolist()


# Continues token sequences by one agent turn: per sequence, the generated ids (up to and with
# the end token, one of those `turn_end_ids` gives) and each one's sampling log-probability.
Generate = Callable[[list[list[int]]], list[tuple[list[int], list[float]]]]


def hf_generate(
    model: Any, ends: list[int], pad_id: int, max_new_tokens: int, temperature: float
) -> Generate:
    """Batched, left-padded ``model.generate`` on the model's device; a turn ends at any of
    ``ends`` (:func:`~eigendsl.runtime.backends.turn_end_ids`)."""
    import torch

    from eigendsl.runtime.backends import own_decoding
    from eigendsl.runtime.checkpoints import context_problem

    device = next(model.parameters()).device
    decoding = decoding_config(model)

    def generate(sequences: list[list[int]]) -> list[tuple[list[int], list[float]]]:
        width = max(len(s) for s in sequences)
        problem = context_problem(
            getattr(model, "config", None),
            width + max_new_tokens,
            f"a rollout's prompt ({width} tokens) and a turn's {max_new_tokens} new tokens",
        )
        if problem is not None and problem[1]:  # learned positions; rotary ones run on
            raise EigenError(problem[0])
        input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, seq in enumerate(sequences):
            input_ids[row, width - len(seq) :] = torch.tensor(seq)
            attention[row, width - len(seq) :] = 1
        with torch.no_grad(), own_decoding(model, decoding):
            out = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                max_new_tokens=max_new_tokens,
                do_sample=temperature > 0,
                temperature=temperature if temperature > 0 else None,
                top_p=None,
                top_k=None,
                eos_token_id=ends,
                pad_token_id=pad_id,
                output_scores=True,
                return_dict_in_generate=True,
            )
        generated = out.sequences[:, width:]
        turns = []
        for ids, logprobs in zip(generated.tolist(), _logprobs(out.scores, generated), strict=True):
            ids = through_end(ids, ends)
            turns.append((ids, logprobs[: len(ids)]))
        return turns

    return generate


def play_rollouts(
    model: Any,
    tokenizer: Any,
    domain: Domain,
    tasks: list[dict[str, Any]],
    user: Any,
    gold: GoldCache,
    max_new_tokens: int = 96,
    temperature: float = 1.0,
    max_turns: int = 12,
    max_length: int = 2048,
    context: str = "compact",
    generate: Generate | None = None,
    worlds: list[Domain] | None = None,
) -> list[Rollout]:
    """Play one episode per task (repeat a task for a group) with ``model`` as the agent.

    ``generate`` replaces the model's own batched generation (GRPO passes vLLM's when ``use_vllm``).
    ``worlds`` gives each task the domain it plays on (``domain`` with another database, as
    :class:`~eigendsl.train.grpo.FreshIds` makes them); ``domain`` by default."""
    # a turn ends where run and eval end it: at the tokenizer's end, or any of the checkpoint's
    ends = turn_end_ids(tokenizer, decoding_config(model, tokenizer))
    renderer = Renderer(tokenizer, domain, context, ends)
    worlds = worlds or [domain] * len(tasks)
    episodes = [
        Episode(task, Environment(world, task), trial=i, max_turns=max_turns)
        for i, (task, world) in enumerate(zip(tasks, worlds, strict=True))
    ]
    for episode, text in zip(episodes, user.respond(episodes), strict=True):
        episode.env.add_message({"role": "user", "content": text})
        episode.waiting_for = "agent"
    rollouts = [
        Rollout(e.task["id"], renderer.ids(renderer.render(e.messages, True))) for e in episodes
    ]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else ends[0]
    generate = generate or hf_generate(model, ends, pad_id, max_new_tokens, temperature)
    was_training = model.training
    model.eval()
    try:
        for _ in range(max_turns * (MAX_TOOL_ROUNDS + 1)):
            active = [i for i, e in enumerate(episodes) if not e.done]
            if not active:
                break
            turns = generate([rollouts[i].prompt_ids + rollouts[i].completion_ids for i in active])
            for index, (ids, logprobs) in zip(active, turns, strict=True):
                episode, rollout = episodes[index], rollouts[index]
                rollout.completion_ids += ids
                rollout.env_mask += [1] * len(ids)
                rollout.logprobs += logprobs
                text = turn_text(ids, tokenizer, ends)
                before = list(episode.messages)
                turn = turn_from_text(text.replace(tokenizer.pad_token or "\0", "").strip())
                apply_agent_turn(episode, turn)
                if episode.waiting_for == "user":
                    add_user_turn(episode, user.respond([episode])[0], domain.stop_marker)
                if not ids or ids[-1] not in ends:
                    episode.done, episode.end_reason = True, "length"
                if episode.turns >= max_turns and not episode.done:
                    episode.done, episode.end_reason = True, "turn_limit"
                if not episode.done:
                    before = before + [{"role": "assistant", "content": text}]
                    inserted = renderer.ids(renderer.between(before, _after(before, episode)))
                    rollout.completion_ids += inserted
                    rollout.env_mask += [0] * len(inserted)
                    rollout.logprobs += [0.0] * len(inserted)
                if (
                    len(rollout.prompt_ids) + len(rollout.completion_ids) > max_length
                    and not episode.done
                ):
                    episode.done, episode.end_reason = True, "length"
    finally:
        model.train(was_training)
    for episode, rollout in zip(episodes, rollouts, strict=True):
        if not episode.done:
            episode.end_reason = "turn_limit"
        row = judge_episode(domain, episode, gold)
        rollout.row = row
        rollout.passed = bool(row["verdict"]["passed"])
        # an episode cut at the length limit, or whose user model's context was full, is not
        # the agent's to be judged on: masked out. One the turn limit cut is: its verdict fails
        # (as any episode the user did not end), so its reward, the verdict's score, is 0.
        cut = episode.end_reason in ("length", "context_full")
        rollout.reward = 0.0 if cut else float(row["verdict"]["score"])
        if cut:
            rollout.truncated = True
            rollout.env_mask = [0] * len(rollout.env_mask)  # a cut episode teaches nothing
        if not rollout.completion_ids:
            rollout.completion_ids, rollout.env_mask, rollout.logprobs = [ends[0]], [0], [0.0]
    return rollouts


def _after(before: list[dict[str, Any]], episode: Episode) -> list[dict[str, Any]]:
    """The conversation after the model's last turn and what followed it (tool results, the
    user's reply), with that turn written as the model wrote it."""
    consequences = [m for m in episode.messages[len(before) - 1 :] if m["role"] in ("tool", "user")]
    return before + consequences


def require_vllm(use_vllm: bool) -> None:
    """A user error where ``use_vllm`` asks for vLLM and it is not installed (the pipeline asks
    before its first stage, so that a run does not stop at GRPO after SFT's minutes)."""
    if use_vllm and importlib.util.find_spec("vllm") is None:
        raise EigenError(
            "use_vllm needs vLLM: pip install 'eigendsl[vllm]' on a machine with a GPU, "
            "or set training.grpo.use_vllm: false"
        )


def vllm_generate(engine: Any, tokenizer: Any, max_new_tokens: int, model: Any = None) -> Generate:
    """Agent turns from TRL's vLLM engine (``trainer.vllm_generation``, colocated or a server),
    whose weights the trainer syncs before each step's rollouts: the same ids and sampling
    log-probabilities as the model's own generation, far faster on a GPU. A turn ends at the
    ids :func:`~eigendsl.runtime.backends.turn_end_ids` gives for ``model`` (the trainer's)."""
    ends = turn_end_ids(tokenizer, decoding_config(model, tokenizer))
    engine.max_completion_length = max_new_tokens  # one turn, not the whole episode
    engine.generation_kwargs = {**(engine.generation_kwargs or {}), "stop_token_ids": ends}

    def generate(sequences: list[list[int]]) -> list[tuple[list[int], list[float]]]:
        _, completions, logprobs, token_ids = engine.generate(sequences, None, 1)
        turns = []
        for row, ids in enumerate(completions):
            ids = through_end(list(ids), ends)
            ranked = logprobs[row] if logprobs is not None else [[None]] * len(ids)
            ranked_ids = token_ids[row] if token_ids is not None else [[token] for token in ids]
            turns.append(
                (
                    ids,
                    [
                        _sampled(token, lps, alts)
                        for token, lps, alts in zip(ids, ranked, ranked_ids, strict=False)
                    ],
                )
            )
        return turns

    return generate


def _sampled(token: int, logprobs: list[float | None], token_ids: list[int]) -> float:
    """The log-probability of the sampled token among vLLM's ranked ones (0.0 where vLLM gave
    none)."""
    for logprob, candidate in zip(logprobs, token_ids, strict=False):
        if candidate == token:
            return float(logprob) if logprob is not None else 0.0
    return 0.0
