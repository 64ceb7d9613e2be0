"""Supervised fine-tuning on verified dialogues, with TRL's ``SFTTrainer``.

The agent learns only its own tokens (``assistant_only_loss=True``): its text, its tool calls and
the ``<|im_end|>`` that ends its turn; the system prompt, the user and the tool results are
context. :func:`run_user_sft` trains a user simulator on the same dialogues seen from the other
side, so that RL rewards are not corrupted by an unrealistic user.

Training is resumable: checkpoints go to ``out_dir/checkpoint-<step>`` every ``save_steps``
steps (by default every twentieth of the run, at most :data:`SAVE_STEPS_MOST`:
:func:`save_interval`), and a later call with the same ``out_dir`` continues from the last
one. The final model and tokenizer are saved in ``out_dir`` itself, which
:func:`eigendsl.train.model.load_model` loads back.

The dialogues as the trainer takes them are :mod:`eigendsl.train.sft_dialogues`; the optimizer,
the loss and resuming are :mod:`eigendsl.train.optimizers`, :mod:`eigendsl.train.labelled_loss`
and :mod:`eigendsl.train.resume`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eigendsl.train.averaging import WeightAverage, put_saved
from eigendsl.train.chat import normalize_messages
from eigendsl.train.labelled_loss import LABELLED_LOGITS_VOCAB, labelled_logits_trainer
from eigendsl.train.optimizers import OPTIMIZERS, decay_over, muon_for_matrices
from eigendsl.train.resume import last_checkpoint, run_finished, tied_weights_quiet
from eigendsl.train.sft_dialogues import epoch_order, to_conversation, user_view


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
    average: float = field(
        default=0.0,
        metadata={
            "help": "Decay of an exponential moving average of the weights over the second half "
            "of the steps, which becomes the model saved (eigendsl.train.averaging); 0 saves the "
            "last step's weights."
        },
    )
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm."})
    save_steps: int | None = field(
        default=None,
        metadata={
            "help": "Save a checkpoint every this many steps, for resuming; None: every "
            "twentieth of the run's steps, at most SAVE_STEPS_MOST (save_interval)."
        },
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
        for name in ("resume", "extra", "bf16", "labelled_logits", "decay", "optimizer", "average"):
            settings.pop(name)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer is {self.optimizer!r}: one of {', '.join(OPTIMIZERS)}")
        if not 0 < self.decay <= 1:
            raise ValueError(f"decay is {self.decay}: a share of the steps, above 0 and at most 1")
        if not 0 <= self.average < 1:
            raise ValueError(f"average is {self.average}: a decay, at least 0 and below 1")
        if self.decay < 1:  # its decay's length is set once the steps are known (_train)
            settings["lr_scheduler_type"] = "warmup_stable_decay"
        if self.save_steps is None:  # so is the interval (save_interval): a stand-in until then
            settings["save_steps"] = SAVE_STEPS_MOST
        settings.update(checkpointing(SFTConfig, settings.pop("activation_checkpointing")))
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


# The most steps between two of SFT's checkpoints by default: a kill loses at most these, or a
# twentieth of the run where that is fewer. A save of the embedded model (weights and AdamW's
# state) takes well under a second, against a step's seconds; save_total_limit bounds the disk.
SAVE_STEPS_MOST = 25


def save_interval(steps: int, most: int = SAVE_STEPS_MOST) -> int:
    """The steps between two checkpoints of a run of ``steps`` steps: a twentieth of them, at
    least 1 and at most ``most``, so that a kill loses at most that much of the run.

    >>> save_interval(40), save_interval(400), save_interval(2304), save_interval(5, most=5)
    (2, 20, 25, 1)
    """
    return min(most, max(1, steps // 20))


def saving_every_twentieth() -> Any:
    """A ``TrainerCallback`` that sets the trainer's save interval to :func:`save_interval` of
    its steps, once they are known (when training begins, also after a resume, whose
    checkpoint's state holds the interval it was saved with)."""
    from transformers import TrainerCallback

    class SaveEvery(TrainerCallback):  # type: ignore[misc]
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            state.save_steps = save_interval(state.max_steps)

    return SaveEvery()


def checkpointing(config_class: Any, on: bool) -> dict[str, Any]:
    """A TRL config's argument that turns activation checkpointing ``on`` or off (recomputing each
    layer's activations in the backward pass: memory a large model needs, a forward pass more a
    step): ``activation_checkpointing`` since transformers 5.23, ``gradient_checkpointing`` before
    (TRL turns it on unless told, and the old name warns on every run since)."""
    if "activation_checkpointing" in config_class.__dataclass_fields__:
        return {"activation_checkpointing": on}
    return {"gradient_checkpointing": on}


def bf16_default() -> bool:
    """Whether SFT and GRPO run in bf16 mixed precision by default: on a GPU that supports it.
    A CPU keeps fp32: without AMX tiles a step of the embedded model is 2.2 times slower in bf16
    (0.87 s against 0.39 s, AMD EPYC); with them, although their bf16 products run 7.7 times an
    fp32 one's speed, the step is too small for it to show (0.31 s against 0.33 s), and the one
    run measured so passed 0.43 after SFT (seed 0; 0.61 in fp32, on another machine).
    ``SFTSettings(bf16=True)`` still runs it on a CPU."""
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def run_sft(
    model: Any,
    tokenizer: Any,
    rows: Iterable[dict[str, Any]],
    out_dir: str | Path,
    config: SFTSettings | None = None,
    callbacks: Sequence[Any] = (),
) -> list[dict[str, float]]:
    """Fine-tune ``model`` on dialogue rows (the data contract), learning the agent's turns only.

    Each row's ``tools`` are listed in its system turn, as at inference. Returns the loss history,
    ``[{"step": ..., "loss": ...}, ...]``, including the steps of a run this one resumed.
    ``callbacks`` are transformers ``TrainerCallback``s added to the trainer (a step timer).
    """
    examples = [to_conversation(row) for row in rows]
    return _train(model, tokenizer, examples, out_dir, config or SFTSettings(), callbacks=callbacks)


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
    callbacks: Sequence[Any] = (),
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
    if config.save_steps is None:  # an interval given (save_steps) is kept as given
        callbacks = [*callbacks, saving_every_twentieth()]
    checkpoint = last_checkpoint(out) if config.resume else None
    if config.average:
        callbacks = [*callbacks, WeightAverage(config.average, resume_from=checkpoint)]
    labelled = config.labelled_logits
    if labelled is None:
        labelled = model.config.get_text_config().vocab_size < LABELLED_LOGITS_VOCAB
    trainer = (labelled_logits_trainer() if labelled else SFTTrainer)(
        model=model,
        args=config.to_sft_config(out),
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer,
        callbacks=list(callbacks) or None,
    )
    show_progress(trainer, out.name)
    if config.optimizer == "muon":
        muon_for_matrices(trainer)
    if config.decay < 1:
        decay_over(trainer, config.decay)
    if order is not None:
        if len(trainer.train_dataset) != len(examples):  # pragma: no cover - TRL dropped a dialogue
            raise ValueError(
                "a dialogue has no assistant turn to learn; the training order cannot refer to it"
            )
        trainer.train_dataset = trainer.train_dataset.select(order)
    if checkpoint is not None and run_finished(trainer, checkpoint):
        # Resuming a finished run would still take one more step (transformers steps before it
        # checks the step count), so take the checkpoint's weights and history as they are.
        state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_NAME))
        trained = type(model).from_pretrained(checkpoint)
        model.load_state_dict(trained.state_dict())
        if config.average:
            put_saved(model, checkpoint, config.average)
        log_history = state.log_history
    else:
        with tied_weights_quiet(model):
            trainer.train(resume_from_checkpoint=checkpoint)
        log_history = trainer.state.log_history
    trainer.save_model(str(out))
    return [
        {"step": entry["step"], "loss": entry["loss"]} for entry in log_history if "loss" in entry
    ]
