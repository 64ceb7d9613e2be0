"""Supervised fine-tuning on verified dialogues, with TRL's ``SFTTrainer``.

The agent learns only its own tokens (``assistant_only_loss=True``): its text, its tool calls and
the ``<|im_end|>`` that ends its turn; the system prompt, the user and the tool results are
context. :func:`run_user_sft` trains a user simulator on the same dialogues seen from the other
side, so that RL rewards are not corrupted by an unrealistic user.

Training is resumable: checkpoints go to ``out_dir/checkpoint-<step>`` every ``save_steps``
steps, and a later call with the same ``out_dir`` continues from the last one. The final model
and tokenizer are saved in ``out_dir`` itself, which :func:`eigendsl.train.model.load_model`
loads back.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eigendsl.train.chat import normalize_messages, without_refused_calls


@dataclass
class SFTSettings:
    """Settings of an SFT run; each maps onto TRL's ``SFTConfig``."""

    max_steps: int = field(
        default=-1,
        metadata={"help": "Number of optimizer steps; -1 trains for `num_train_epochs` instead."},
    )
    num_train_epochs: float = field(
        default=3.0, metadata={"help": "Passes over the dialogues when `max_steps` is -1."}
    )
    learning_rate: float = field(
        default=5e-4,
        metadata={
            "help": "Peak learning rate of AdamW. 5e-4 suits the randomly initialised embedded "
            "model; use about 1e-5 for a pretrained checkpoint."
        },
    )
    per_device_train_batch_size: int = field(
        default=4, metadata={"help": "Dialogues per batch on each device."}
    )
    gradient_accumulation_steps: int = field(
        default=1, metadata={"help": "Batches accumulated into one optimizer step."}
    )
    max_length: int | None = field(
        default=8192,
        metadata={
            "help": "Tokens kept of each dialogue (the start is kept). Longer dialogues lose their "
            "end, so keep it at or above the longest dialogue."
        },
    )
    warmup_steps: float = field(
        default=0.05,
        metadata={"help": "Linear warmup: a number of steps, or a fraction of them if below 1."},
    )
    lr_scheduler_type: str = field(
        default="cosine",
        metadata={"help": "Learning-rate schedule (a transformers scheduler name)."},
    )
    decay: float = field(
        default=1.0,
        metadata={
            "help": "Share of the steps, the last ones, over which the learning rate decays "
            "(cosine, to zero). Below 1 it holds at its peak from the warmup's end until then "
            "(transformers' warmup_stable_decay, in place of `lr_scheduler_type`); 1 keeps "
            "`lr_scheduler_type` over all steps."
        },
    )
    optimizer: str = field(
        default="adamw",
        metadata={
            "help": "adamw, or muon: torch's Muon (momentum orthogonalised by Newton-Schulz "
            "iterations) on the weight matrices of the model's linear layers but its output "
            "layer, each step scaled to the size of an AdamW step so that `learning_rate` serves "
            "both, and AdamW on the rest (embeddings, norms, biases)."
        },
    )
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm."})
    save_steps: int = field(
        default=50, metadata={"help": "Save a checkpoint every this many steps, for resuming."}
    )
    save_total_limit: int | None = field(
        default=2, metadata={"help": "Checkpoints kept in `out_dir` (the oldest are deleted)."}
    )
    logging_steps: int = field(
        default=1, metadata={"help": "Record the loss every this many steps."}
    )
    seed: int = field(default=0, metadata={"help": "Seed of data order and dropout."})
    bf16: bool | None = field(
        default=None,
        metadata={"help": "bf16 mixed precision; None turns it on where a GPU supports it."},
    )
    activation_checkpointing: bool = field(
        default=False,
        metadata={"help": "Recompute activations to save memory; slower, only for large models."},
    )
    labelled_logits: bool | None = field(
        default=None,
        metadata={
            "help": "Compute the loss from logits at the labelled (assistant) positions only, with "
            "the model's own output layer, instead of TRL's chunked (fused) log-probabilities over "
            "every position. None decides by vocabulary: on below 32k tokens (the embedded model, "
            "where a CPU step of 8 retail dialogues takes 0.35 s against 1.50 s chunked, "
            "benchmarks/bench_sft_step.py), "
            "off above (TRL's kernel keeps the memory of a large vocabulary in bounds)."
        },
    )
    resume: bool = field(
        default=True,
        metadata={"help": "Continue from the last checkpoint in `out_dir` when there is one."},
    )
    extra: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "Further `trl.SFTConfig` arguments, passed as they are."},
    )

    def to_sft_config(self, out_dir: str | Path) -> Any:
        """The ``trl.SFTConfig`` for a run writing to ``out_dir``."""
        import torch
        from trl import SFTConfig

        bf16 = bf16_default() if self.bf16 is None else self.bf16
        settings = asdict(self)
        for name in ("resume", "extra", "bf16", "labelled_logits", "decay", "optimizer"):
            settings.pop(name)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer is {self.optimizer!r}: one of {', '.join(OPTIMIZERS)}")
        if not 0 < self.decay <= 1:
            raise ValueError(f"decay is {self.decay}: a share of the steps, above 0 and at most 1")
        if self.decay < 1:  # its decay's length is set once the steps are known (_train)
            settings["lr_scheduler_type"] = "warmup_stable_decay"
        if "activation_checkpointing" not in SFTConfig.__dataclass_fields__:  # transformers < 5.23
            settings["gradient_checkpointing"] = settings.pop("activation_checkpointing")
        kwargs = {
            "output_dir": str(out_dir),
            "assistant_only_loss": True,
            "bf16": bf16,
            # transformers refuses bf16 on a machine without a GPU unless told to use the CPU
            **({"use_cpu": True} if bf16 and not torch.cuda.is_available() else {}),
            "save_strategy": "steps",
            "save_only_model": False,  # optimizer and scheduler states are needed to resume
            "report_to": "none",
            "disable_tqdm": True,
            "dataloader_num_workers": 0,
            "dataloader_pin_memory": torch.cuda.is_available(),
            **settings,
            **self.extra,
        }
        return SFTConfig(**kwargs)


def bf16_default() -> bool:
    """Whether SFT and GRPO run in bf16 mixed precision by default: on a GPU that supports it.
    A CPU keeps fp32: without AMX tiles a step of the embedded model is 2.2 times slower in bf16
    (0.87 s against 0.39 s, AMD EPYC); with them, although their bf16 products run 7.7 times an
    fp32 one's speed, the step is too small for it to show (0.31 s against 0.33 s), and the one
    run measured so passed 0.43 after SFT (seed 0; 0.61 in fp32, on another machine).
    ``SFTSettings(bf16=True)`` still runs it on a CPU."""
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def to_conversation(row: dict[str, Any]) -> dict[str, Any]:
    """A data-contract row as the SFT dataset holds it: ``messages`` normalised for the chat
    template, with the turns whose calls the environment refused left out of the loss, and
    ``tools`` as a JSON string (TRL parses it back for each row; as a list, Arrow would merge the
    parameter schemas of all tools into one and fill the gaps with nulls)."""
    tools = row.get("tools") or []
    if isinstance(tools, str):
        tools = json.loads(tools) if tools.strip() else []
    return {
        "messages": without_refused_calls(normalize_messages(row["messages"])),
        "tools": json.dumps(tools, ensure_ascii=False),
    }


def template_of(row: dict[str, Any]) -> str:
    """The task template a dialogue comes from (the first, for a composed task)."""
    return str((row.get("parts") or [row.get("template")])[0])


def balanced_passes(
    rows: list[dict[str, Any]],
    passes: int,
    seed: int = 0,
    key: Callable[[dict[str, Any]], str] = template_of,
    size: int | None = None,
) -> list[list[dict[str, Any]]]:
    """``passes`` passes over ``rows``, each of ``size`` dialogues (all of ``rows`` by default)
    with every group (by default every task template) equally represented: a rare template's
    dialogues come back more often, a frequent one's less. Within a group the dialogues are taken
    in turn, reshuffled each round, so none is left out while another repeats; with ``size``
    below ``len(rows)`` each pass goes on where the last stopped, so passes differ until a
    group's dialogues are used up.

    >>> rows = [{"template": "cancel"}] * 6 + [{"template": "exchange"}] * 2
    >>> [sum(r["template"] == "exchange" for r in p) for p in balanced_passes(rows, 2)]
    [4, 4]
    >>> rows = [{"template": "cancel", "n": n} for n in range(6)] + [{"template": "exchange"}] * 2
    >>> passes = balanced_passes(rows, 3, size=4)
    >>> [len(p) for p in passes], sorted(r["n"] for p in passes for r in p if "n" in r)
    ([4, 4, 4], [0, 1, 2, 3, 4, 5])
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    names = sorted(groups)
    rng = random.Random(f"balance:{seed}")

    def rounds(group: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        while True:
            yield from rng.sample(group, len(group))

    turns = {name: rounds(groups[name]) for name in names}
    size = len(rows) if size is None else size
    out = []
    for _ in range(passes):
        bonus = set(rng.sample(names, size % len(names)))  # the remainder goes to a few groups
        out.append(
            [
                next(turns[name])
                for name in names
                for _ in range(size // len(names) + (name in bonus))
            ]
        )
    return out


def user_view(
    messages: list[dict[str, Any]],
    system_prompt: str | None = None,
) -> list[dict[str, Any]]:
    """The dialogue as the user simulator lives it: its turns are the ``assistant`` turns to learn,
    the agent's words are ``user`` turns; tool calls and tool results, which a user never sees,
    are dropped, and so is the agent's system prompt. Consecutive turns of one side are joined,
    and the agent's words after the user's last turn are cut (nothing is left to learn from them).

    >>> user_view([{"role": "system", "content": "agent rules"},
    ...            {"role": "user", "content": "Cancel my order."},
    ...            {"role": "assistant", "content": None, "tool_calls": [{"function": {}}]},
    ...            {"role": "tool", "content": "ok"},
    ...            {"role": "assistant", "content": "Done."},
    ...            {"role": "user", "content": "Thanks. ###STOP###"}], "You are a customer.")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'role': 'system', 'content': 'You are a customer.'},
     {'role': 'assistant', 'content': 'Cancel my order.'},
     {'role': 'user', 'content': 'Done.'},
     {'role': 'assistant', 'content': 'Thanks. ###STOP###'}]
    """
    swap = {"user": "assistant", "assistant": "user"}
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = swap.get(message["role"])
        content = message.get("content")
        if role is None or not isinstance(content, str) or not content.strip():
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    while turns and turns[-1]["role"] != "assistant":
        turns.pop()
    if system_prompt:
        turns.insert(0, {"role": "system", "content": system_prompt})
    return turns


def run_sft(
    model: Any,
    tokenizer: Any,
    rows: Iterable[dict[str, Any]],
    out_dir: str | Path,
    config: SFTSettings | None = None,
) -> list[dict[str, float]]:
    """Fine-tune ``model`` on dialogue rows (the data contract), learning the agent's turns only.

    Each row's ``tools`` are listed in its system turn, as at inference. Returns the loss history,
    ``[{"step": ..., "loss": ...}, ...]``, including the steps of a run this one resumed.
    """
    examples = [to_conversation(row) for row in rows]
    return _train(model, tokenizer, examples, out_dir, config or SFTSettings())


def run_sft_passes(
    model: Any,
    tokenizer: Any,
    passes: list[list[dict[str, Any]]],
    out_dir: str | Path,
    config: SFTSettings | None = None,
) -> list[dict[str, float]]:
    """Like :func:`run_sft`, with its own dialogues for each pass (epoch): ``passes[k]`` is
    epoch ``k``, e.g. passes balanced across templates or with fresh ids. ``num_train_epochs``
    counts epochs as usual (at most ``len(passes)``).

    Each pass is shuffled and batched by length exactly as one epoch of the Trainer's
    ``group_by_length`` would be, and the passes are fed in order. Handing the Trainer all passes
    as one long epoch instead is not the same: its length grouping then works on mega-batches
    of 400 dialogues instead of one epoch's 88, and the embedded model learned markedly slower
    (loss 0.76 against 0.52 after 200 steps on the same dialogues)."""
    config = config or SFTSettings()
    examples = epoch_order(passes, config.per_device_train_batch_size, config.seed)
    epochs = min(config.num_train_epochs, len(passes)) / len(passes)
    config = replace(
        config,
        num_train_epochs=epochs,
        extra={**config.extra, "train_sampling_strategy": "sequential"},
    )
    # Passes repeat their dialogues: each distinct one is tokenized once (20 passes over 383
    # dialogues: 383 tokenized, not 7,660), then the training order picks them.
    index: dict[str, int] = {}
    unique: list[dict[str, Any]] = []
    order = []
    for example in examples:
        key = json.dumps(example, sort_keys=True)
        if key not in index:
            index[key] = len(unique)
            unique.append(example)
        order.append(index[key])
    return _train(model, tokenizer, unique, out_dir, config, order=order)


def epoch_order(
    passes: list[list[dict[str, Any]]], batch_size: int, seed: int = 0
) -> list[dict[str, Any]]:
    """The conversations of all passes in training order: pass after pass, each shuffled and
    grouped by length as transformers' ``LengthGroupedSampler`` orders one epoch."""
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    generator = torch.Generator().manual_seed(seed)
    examples = []
    for rows in passes:
        one = [to_conversation(row) for row in rows]
        # lengths in characters: close enough to group by
        lengths = [len(json.dumps(e["messages"])) for e in one]
        order = get_length_grouped_indices(lengths, batch_size, generator=generator)
        examples += [one[i] for i in order]
    return examples


def run_user_sft(
    model: Any,
    tokenizer: Any,
    rows: Iterable[dict[str, Any]],
    out_dir: str | Path,
    config: SFTSettings | None = None,
    user_prompt: str | Callable[[dict[str, Any]], str] | None = None,
) -> list[dict[str, float]]:
    """Fine-tune a user simulator on dialogue rows, learning the user's turns only.

    ``user_prompt`` is the simulator's system prompt: one text for all rows, or a function of the
    row (e.g. rendering the task's scenario from ``row["task_id"]``), or None for none. The
    dialogues are seen through :func:`user_view`; rows where the user never speaks are skipped.
    """
    examples = []
    for row in rows:
        prompt = user_prompt(row) if callable(user_prompt) else user_prompt
        messages = user_view(row["messages"], prompt)
        if any(m["role"] == "assistant" for m in messages):
            examples.append({"messages": normalize_messages(messages), "tools": "[]"})
    return _train(model, tokenizer, examples, out_dir, config or SFTSettings())


def _train(
    model: Any,
    tokenizer: Any,
    examples: list[dict[str, Any]],
    out_dir: str | Path,
    config: SFTSettings,
    order: list[int] | None = None,
) -> list[dict[str, float]]:
    """Train on ``examples``, or on ``[examples[i] for i in order]`` with each example tokenized
    once."""
    from datasets import Dataset
    from transformers import TrainerState
    from transformers.trainer import TRAINER_STATE_NAME
    from trl import SFTTrainer

    from eigendsl.train.progress import show_progress

    if not examples:
        raise ValueError("No dialogues to train on: the rows are empty or have no turns to learn.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    labelled = config.labelled_logits
    if labelled is None:
        labelled = model.config.get_text_config().vocab_size < LABELLED_LOGITS_VOCAB
    trainer = (_labelled_logits_trainer() if labelled else SFTTrainer)(
        model=model,
        args=config.to_sft_config(out),
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer,
    )
    show_progress(trainer, out.name)
    if config.optimizer == "muon":
        _muon_for_matrices(trainer)
    if config.decay < 1:
        _decay_over(trainer, config.decay)
    if order is not None:
        if len(trainer.train_dataset) != len(examples):  # pragma: no cover - TRL dropped a dialogue
            raise ValueError(
                "a dialogue has no assistant turn to learn; the training order cannot refer to it"
            )
        trainer.train_dataset = trainer.train_dataset.select(order)
    checkpoint = last_checkpoint(out) if config.resume else None
    if checkpoint is not None and _finished(trainer, checkpoint):
        # Resuming a finished run would still take one more step (transformers steps before it
        # checks the step count), so take the checkpoint's weights and history as they are.
        state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_NAME))
        trained = type(model).from_pretrained(checkpoint)
        model.load_state_dict(trained.state_dict())
        log_history = state.log_history
    else:
        trainer.train(resume_from_checkpoint=checkpoint)
        log_history = trainer.state.log_history
    trainer.save_model(str(out))
    return [
        {"step": entry["step"], "loss": entry["loss"]} for entry in log_history if "loss" in entry
    ]


def _decay_over(trainer: Any, share: float) -> None:
    """Give ``trainer``'s warmup-stable-decay schedule its decay: the last ``share`` of the steps,
    counted when the trainer makes its scheduler (the steps are known only then)."""
    create = trainer.create_scheduler

    def create_scheduler(num_training_steps: int, optimizer: Any = None) -> Any:
        decay_steps = max(1, round(share * num_training_steps))
        trainer.args.lr_scheduler_kwargs = {
            **(trainer.args.lr_scheduler_kwargs or {}),
            "num_decay_steps": decay_steps,
        }
        return create(num_training_steps, optimizer)

    trainer.create_scheduler = create_scheduler


LABELLED_LOGITS_VOCAB = 32_000

OPTIMIZERS = ("adamw", "muon")


def _muon_for_matrices(trainer: Any) -> None:
    """Make ``trainer`` build :func:`muon_with_adamw`'s optimizer, with its own learning rate,
    betas, epsilon and weight decay, when training starts (on the model as it placed it)."""

    def create_optimizer(model: Any = None) -> Any:
        if trainer.optimizer is None:
            args = trainer.args
            trainer.optimizer = muon_with_adamw(
                trainer.model if model is None else model,
                lr=args.learning_rate,
                betas=(args.adam_beta1, args.adam_beta2),
                eps=args.adam_epsilon,
                weight_decay=args.weight_decay,
            )
        return trainer.optimizer

    trainer.create_optimizer = create_optimizer


def muon_with_adamw(model: Any, **settings: Any) -> Any:
    """SFT's optimizer with ``optimizer: muon``: torch's Muon on the weight matrices of
    ``model``'s linear layers except its output layer, AdamW on every other parameter (the
    embeddings, norms and biases), with the same ``lr``, ``betas``, ``eps`` and ``weight_decay``.

    Measured on retail (seed 0, 48 passes): pass^1 after SFT 0.640 against AdamW's 0.595, the
    training loss at step 400 0.18 against 0.44 (README, *Muon on the hidden layers' matrices*)."""
    return _muon_with_adamw()(model, **settings)


def _muon_with_adamw() -> type:
    import torch

    class MuonWithAdamW(torch.optim.Optimizer):
        """Two of torch's optimizers as one: Muon's parameter groups, then AdamW's, in one
        ``param_groups`` list that the learning-rate scheduler scales, and one state dict that
        a checkpoint saves and a resumed run loads."""

        def __init__(
            self,
            model: Any,
            lr: float,
            betas: tuple[float, float] = (0.9, 0.999),
            eps: float = 1e-8,
            weight_decay: float = 0.0,
        ) -> None:
            output = getattr(model, "get_output_embeddings", lambda: None)()
            excluded = {id(p) for p in output.parameters()} if output is not None else set()
            matrices = [
                module.weight
                for module in model.modules()
                if isinstance(module, torch.nn.Linear)
                and module.weight.requires_grad
                and id(module.weight) not in excluded
            ]
            chosen = {id(p) for p in matrices}
            rest = [p for p in model.parameters() if p.requires_grad and id(p) not in chosen]
            self.parts = [
                torch.optim.AdamW(rest, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
            ]
            if matrices:
                self.parts.insert(
                    0,
                    torch.optim.Muon(
                        matrices, lr=lr, weight_decay=weight_decay, adjust_lr_fn="match_rms_adamw"
                    ),
                )
            super().__init__(matrices + rest, {"lr": lr})
            self.param_groups = [group for part in self.parts for group in part.param_groups]

        def step(self, closure: Callable[[], float] | None = None) -> float | None:
            loss = closure() if closure is not None else None
            for part in self.parts:
                part.step()
            return loss

        def zero_grad(self, set_to_none: bool = True) -> None:
            for part in self.parts:
                part.zero_grad(set_to_none)

        def state_dict(self) -> dict[str, Any]:
            return {"parts": [part.state_dict() for part in self.parts]}

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            for part, state in zip(self.parts, state_dict["parts"], strict=True):
                part.load_state_dict(state)

    return MuonWithAdamW


def _labelled_logits_trainer() -> type:
    import torch
    from trl import SFTTrainer

    class LabelledLogitsSFTTrainer(SFTTrainer):
        """``SFTTrainer`` whose loss is the cross-entropy of the tokens it learns, with logits
        computed at those positions only: the model's body over the whole dialogue, then its
        output layer where the (shifted) label is not -100, about a fifth of the positions in a
        retail dialogue. The same value as the model's own loss and as TRL's chunked
        log-probabilities; TRL's entropy and token-accuracy metrics are not logged.

        On the first batch the selected logits are compared with the model's full ones; a
        model whose logits are not its output layer applied to its body's last hidden state
        (e.g. with logit soft-capping), and any run on several processes (where the body
        called alone would skip the gradient synchronisation), use the model's full loss."""

        _selectable: bool | None = None

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            core = self.accelerator.unwrap_model(model)
            if return_outputs or not self._can_select(core, inputs):
                outputs = model(**inputs, use_cache=False, num_items_in_batch=num_items_in_batch)
                loss = outputs.loss
            else:
                # the body is called past the forward that the accelerator wrapped in autocast
                with self.accelerator.autocast():
                    logits, targets = labelled_logits(core, inputs)
                loss = torch.nn.functional.cross_entropy(logits.float(), targets, reduction="sum")
                count = targets.numel() if num_items_in_batch is None else num_items_in_batch
                loss = loss / torch.as_tensor(count, device=loss.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # DDP averages what was a global sum
            return (loss, outputs) if return_outputs else loss

        def _can_select(self, core: Any, inputs: dict[str, Any]) -> bool:
            if self._selectable is None:
                self._selectable = self.accelerator.num_processes == 1 and self._selection_matches(
                    core, inputs
                )
            return self._selectable

        def _selection_matches(self, core: Any, inputs: dict[str, Any]) -> bool:
            with torch.no_grad():
                full = core(
                    **{k: v for k, v in inputs.items() if k != "labels"}, use_cache=False
                ).logits
                try:
                    with self.accelerator.autocast():
                        selected, _ = labelled_logits(core, inputs)
                except (AttributeError, TypeError):  # no separate body and output layer
                    return False
            keep = inputs["labels"][:, 1:] != -100
            expected = full[:, :-1][keep]
            # attention with and without the padding mask may take different kernels: equal up to
            # rounding, which in bf16 or fp16 is about a hundred times coarser
            tolerance = 1e-3 if expected.dtype == torch.float32 else 5e-2
            return selected.shape == expected.shape and torch.allclose(
                selected.float(), expected.float(), rtol=tolerance, atol=tolerance
            )

    return LabelledLogitsSFTTrainer


def labelled_logits(model: Any, inputs: dict[str, Any]) -> tuple[Any, Any]:
    """The logits at the positions whose next token is learned (the shifted label is not -100),
    and those tokens: ``model``'s body over the whole batch, its output layer at those positions.

    A batch padded on the right goes through the body without its attention mask: under the
    causal mask no real token sees the padding after it, so the learned positions' logits are the
    same, and attention without a mask takes the fused causal path (a CPU step 0.48 s instead of
    0.63 s on a retail batch of 8 × 1,090 tokens)."""
    body = {k: v for k, v in inputs.items() if k != "labels"}
    mask = body.get("attention_mask")
    if mask is not None and mask.dim() == 2 and bool((mask[:, 1:] <= mask[:, :-1]).all()):
        del body["attention_mask"]
    hidden = model.base_model(**body, use_cache=False).last_hidden_state[:, :-1]
    targets = inputs["labels"][:, 1:]
    keep = targets != -100
    return model.get_output_embeddings()(hidden[keep]), targets[keep]


def last_checkpoint(out_dir: str | Path) -> str | None:
    """The newest complete ``checkpoint-<step>`` in ``out_dir``, or None.

    transformers writes ``trainer_state.json`` after the weights, optimizer and RNG states, so a
    checkpoint without it was cut off mid-save (the process was killed): it is removed, with a
    message, and the one before it is used.
    """
    import shutil
    import sys

    from transformers.trainer import TRAINER_STATE_NAME
    from transformers.trainer_utils import get_last_checkpoint

    while (checkpoint := get_last_checkpoint(str(out_dir))) is not None:
        if (Path(checkpoint) / TRAINER_STATE_NAME).is_file():
            return checkpoint
        print(
            f"{checkpoint} was cut off while it was being saved; removing it and resuming from "
            "the one before",
            file=sys.stderr,
        )
        shutil.rmtree(checkpoint)
    return None


def _finished(trainer: Any, checkpoint: str) -> bool:
    """Whether the run saved in ``checkpoint`` already took all the steps ``trainer`` would take."""
    from transformers import TrainerState
    from transformers.trainer import TRAINER_STATE_NAME

    state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_NAME))
    *_, max_steps = trainer.set_initial_training_values(
        trainer.args, trainer.get_train_dataloader()
    )
    return state.global_step >= max_steps
