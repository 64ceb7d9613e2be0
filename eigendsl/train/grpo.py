"""GRPO with TRL's ``GRPOTrainer`` and a multi-turn ``rollout_func``; the reward is the compiled
verifier.

Each training prompt names a task. For every group of ``num_generations`` copies of a prompt the
rollout plays that many full episodes (agent ↔ user simulator ↔ environment, batched), and
returns the ids, the sampling log-probabilities and ``env_mask`` (user and tool tokens out of the
loss). Advantages are group-relative at the trajectory level (TRL's ``scale_rewards="group"``).
Groups whose rewards are all equal carry no signal; as in the paper they are filtered out and
replaced (dynamic filtering): the rollout draws another task for that group, up to
``resample_tries`` times.

On a GPU set ``use_vllm`` (TRL then serves generation with vLLM and syncs weights each step);
with several GPUs launch the same command with ``accelerate launch -m eigendsl.cli train ...``.
"""

from __future__ import annotations

import itertools
import json
import random
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.backends import decoding_config, turn_end_ids
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.episodes import GoldCache
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.train.progress import show_progress
from eigendsl.train.rollout import (
    Generate,
    Rollout,
    play_rollouts,
    require_vllm,
    turn_end_problem,
    vllm_generate,
)
from eigendsl.train.settings import TrainSettings
from eigendsl.train.sft import save_interval

TASK_PREFIX = "task:"


@dataclass
class GRPOSettings:
    """Settings of a GRPO run; most map onto TRL's ``GRPOConfig``."""

    max_steps: int = field(default=30, metadata={"help": "Optimizer steps."})
    tasks_per_step: int = field(default=4, metadata={"help": "Tasks (groups) per step."})
    num_generations: int = field(default=6, metadata={"help": "Episodes per task: the group size."})
    learning_rate: float = field(
        default=2e-4, metadata={"help": "AdamW learning rate (1e-6 for a pretrained model)."}
    )
    beta: float = field(
        default=0.0, metadata={"help": "KL coefficient against the reference model (0: none)."}
    )
    temperature: float = field(default=1.0, metadata={"help": "Sampling temperature of rollouts."})
    max_new_tokens: int = field(default=96, metadata={"help": "Tokens generated per agent turn."})
    max_turns: int = field(default=14, metadata={"help": "Turn limit of a rollout episode."})
    max_length: int = field(
        default=2048, metadata={"help": "Token limit of an episode; longer ones are masked out."}
    )
    resample_tries: int = field(
        default=3, metadata={"help": "Dynamic filtering: replacements tried for a flat group."}
    )
    save_steps: int = field(
        default=5, metadata={"help": "Checkpoint every this many steps, for resuming."}
    )
    use_vllm: bool = field(
        default=False, metadata={"help": "Generate with vLLM (GPU, the vllm extra)."}
    )
    context: str = field(
        default="compact", metadata={"help": "compact (short prompt, no schemas) or full."}
    )
    fresh_ids: bool = field(
        default=False, metadata={"help": "Each group's task on a database whose ids were permuted."}
    )
    catalog: tuple[str, ...] = field(
        default=(), metadata={"help": "Tables whose ids fresh_ids leaves as they are."}
    )
    seed: int = field(default=0, metadata={"help": "Seed of task order and sampling."})
    activation_checkpointing: bool = field(
        default=False,
        metadata={"help": "Recompute activations to save memory; slower, only for large models."},
    )

    @classmethod
    def of(cls, s: TrainSettings) -> GRPOSettings:
        """The GRPO stage's settings in a training run (the manifest's ``training.grpo``)."""
        return cls(
            max_steps=s.grpo_steps,
            tasks_per_step=s.grpo_tasks_per_step,
            num_generations=s.grpo_generations,
            learning_rate=s.grpo_learning_rate,
            beta=s.grpo_beta,
            temperature=s.grpo_temperature,
            resample_tries=cls.resample_tries if s.grpo_dynamic_filtering else 0,
            context=s.context,
            seed=s.seed,
            use_vllm=s.use_vllm,
            fresh_ids=s.grpo_fresh_ids,
            catalog=s.sft_catalog,
            # a checkpoint every twentieth of the run, at most every 5 steps (a step's rollouts
            # take far longer than a save), so a crash loses little
            save_steps=save_interval(s.grpo_steps, most=5),
        )

    def to_grpo_config(self, out_dir: Path) -> Any:
        import torch
        from trl import GRPOConfig

        from eigendsl.train.sft import bf16_default, checkpointing

        return GRPOConfig(
            output_dir=str(out_dir),
            max_steps=self.max_steps,
            learning_rate=self.learning_rate,
            per_device_train_batch_size=self.tasks_per_step * self.num_generations,
            gradient_accumulation_steps=1,
            steps_per_generation=1,
            num_generations=self.num_generations,
            max_completion_length=self.max_length,
            beta=self.beta,
            temperature=self.temperature,
            scale_rewards="group",
            mask_truncated_completions=False,
            use_vllm=self.use_vllm,
            logging_steps=1,
            save_steps=self.save_steps,
            save_total_limit=2,
            report_to=[],
            seed=self.seed,
            bf16=bf16_default(),
            use_cpu=not torch.cuda.is_available(),
            remove_unused_columns=False,
            disable_dropout=True,
            shuffle_dataset=True,
            **checkpointing(GRPOConfig, self.activation_checkpointing),
        )


def verifier_reward(
    completions: list[Any], verifier_score: list[float] | None = None, **_: Any
) -> list[float | None]:
    """The reward of each completion: the compiled verifier's score of its episode.

    >>> verifier_reward(["a", "b"], verifier_score=[1.0, 0.25])
    [1.0, 0.25]
    """
    if verifier_score is None:
        return [0.0 for _ in completions]
    return [float(s) for s in verifier_score]


class FreshIds:
    """Tasks on databases whose ids were permuted (``GRPOSettings.fresh_ids``).

    Each call gives the task and the domain's seed database with one permutation of their ids
    (every id of a kind among the ids of its kind: :meth:`Identifiers.permutation`), so the task is
    the same task on another database, and the verifier judges it there. The agent can then pass
    only by copying the ids the user and the tools give it, not by writing ids its dialogues hold
    for those values, which is what held-out tasks need. A permutation that would turn the task
    into one of the held-out tasks' parameter sets is drawn again."""

    def __init__(self, domain: Domain, catalog: tuple[str, ...] = ()):
        from eigendsl.synth.roles import param_key
        from eigendsl.train.identifiers import Identifiers

        self.domain, self.key = domain, param_key
        self.ids = Identifiers(domain.seed, catalog=catalog)  # a catalog's ids stay, as in SFT
        self.avoid = {
            param_key(t["template"], t["params"])
            for t in domain.tasks
            if t.get("split") == "held-out"
        }
        self.made = 0

    def __call__(
        self, task: dict[str, Any], rng: random.Random, tries: int = 10
    ) -> tuple[Domain, dict[str, Any]]:
        for _ in range(tries):
            mapping = self.ids.permutation(rng)
            renamed = self.ids.rename_tree(task, mapping)
            # a refusal or composed variant (cancel_pending__refuse) counts as its first template
            templates = {renamed["template"], renamed["template"].split("__")[0]}
            if not any(self.key(name, renamed["params"]) in self.avoid for name in templates):
                break
        else:
            return self.domain, task
        self.made += 1
        renamed["id"] = f"{task['id']}~ids{self.made}"
        return replace(self.domain, seed=self.ids.rename_tree(self.domain.seed, mapping)), renamed


class EpisodeRollout:
    """The ``rollout_func``: plays groups of episodes and applies dynamic filtering."""

    def __init__(
        self,
        domain: Domain,
        tokenizer: Any,
        tasks: list[dict[str, Any]],
        settings: GRPOSettings,
        user: Any = None,
    ):
        self.domain, self.tokenizer, self.settings = domain, tokenizer, settings
        self.tasks = {t["id"]: t for t in tasks}
        self.pool = list(self.tasks)
        self.user = user or ScriptedUser(domain.stop_marker, settings.seed)
        self.gold = GoldCache(domain)
        self.rng = random.Random(settings.seed)
        self.fresh = FreshIds(domain, settings.catalog) if settings.fresh_ids else None
        self.log: list[dict[str, Any]] = []
        self.generate: Generate | None = None  # vLLM's, set per step when the trainer uses vLLM

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, Any]:
        start = time.perf_counter()
        task_ids = [task_id_of(p) for p in prompts]
        size = self.settings.num_generations
        groups = [
            [self.tasks[t] for t in task_ids[i : i + size]] for i in range(0, len(task_ids), size)
        ]
        self.generate = (
            vllm_generate(
                trainer.vllm_generation, self.tokenizer, self.settings.max_new_tokens, trainer.model
            )
            if getattr(trainer, "use_vllm", False)
            else None
        )
        played = self._play_groups(trainer.model, groups)
        flat_groups = replaced = 0
        for _ in range(self.settings.resample_tries):
            flat = [i for i, rollouts in enumerate(played) if _flat(rollouts)]
            if not flat:
                break
            # Every flat group at once, each with another task drawn for it.
            flat_groups += len(flat)
            others = [[self.tasks[self.rng.choice(self.pool)]] * len(groups[i]) for i in flat]
            for i, rollouts in zip(flat, self._play_groups(trainer.model, others), strict=True):
                played[i] = rollouts
            replaced += len(flat)
        # the groups trained on with all advantages 0: flat after the last replay (or all the
        # flat ones, without dynamic filtering)
        flat_kept = sum(_flat(rollouts) for rollouts in played)
        results = [r for rollouts in played for r in rollouts]
        rewards = [r.reward for r in results]
        self.log.append(
            {
                # the step these episodes feed, counted from 1
                "step": getattr(trainer.state, "global_step", 0) + 1,
                "reward_mean": sum(rewards) / len(rewards),
                "pass_rate": sum(r.passed for r in results) / len(results),
                "flat_groups": flat_groups,
                "replaced": replaced,
                "flat_kept": flat_kept,
                "groups": len(played),
                "rollout_seconds": round(time.perf_counter() - start, 2),
            }
        )
        return {
            "prompt_ids": [r.prompt_ids for r in results],
            "completion_ids": [r.completion_ids for r in results],
            "logprobs": [r.logprobs for r in results],
            "env_mask": [r.env_mask for r in results],
            "verifier_score": rewards,
            "episode_task_id": [r.task_id for r in results],
        }

    def _play_groups(self, model: Any, groups: list[list[dict[str, Any]]]) -> list[list[Rollout]]:
        """All groups' episodes in one batch, split back into groups (with ``fresh_ids``, each
        group's task on a database of its own)."""
        played = [(self.domain, task) for group in groups for task in group]
        if self.fresh is not None:
            # One database per group: its episodes are compared with each other.
            worlds = [{t["id"]: self.fresh(t, self.rng) for t in group} for group in groups]
            played = [worlds[g][task["id"]] for g, group in enumerate(groups) for task in group]
        rollouts = self._play(model, [task for _, task in played], [world for world, _ in played])
        if self.fresh is not None:
            for _, task in played:  # a permuted task is played once: its gold database goes
                self.gold.cache.pop(task["id"], None)
        bounds = list(itertools.accumulate(len(g) for g in groups))
        return [rollouts[end - len(g) : end] for g, end in zip(groups, bounds, strict=True)]

    def _play(self, model: Any, tasks: list[dict[str, Any]], worlds: list[Domain]) -> list[Rollout]:
        s = self.settings
        return play_rollouts(
            model,
            self.tokenizer,
            self.domain,
            tasks,
            self.user,
            self.gold,
            max_new_tokens=s.max_new_tokens,
            temperature=s.temperature,
            max_turns=s.max_turns,
            max_length=s.max_length,
            context=s.context,
            generate=self.generate,
            worlds=worlds,
        )


def _flat(rollouts: list[Rollout]) -> bool:
    """Whether a group's rewards are all equal: its advantages are all 0, it teaches nothing."""
    return len({round(r.reward, 6) for r in rollouts}) == 1


def task_id_of(prompt: Any) -> str:
    text = prompt[-1]["content"] if isinstance(prompt, list) else str(prompt)
    return text[len(TASK_PREFIX) :] if text.startswith(TASK_PREFIX) else text


def run_grpo(
    model: Any,
    tokenizer: Any,
    domain: Domain,
    tasks: list[dict[str, Any]],
    out_dir: str | Path,
    settings: GRPOSettings | None = None,
    user: Any = None,
) -> list[dict[str, Any]]:
    """Train ``model`` with GRPO on ``tasks``; resumable from ``out_dir``'s last checkpoint.

    Returns the per-step log (reward mean, pass rate, dynamic-filtering counts, loss)."""
    from accelerate import PartialState
    from datasets import Dataset
    from trl import GRPOTrainer

    from eigendsl.train.resume import RolloutLog, last_checkpoint, tied_weights_quiet

    settings = settings or GRPOSettings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rollout = EpisodeRollout(domain, tokenizer, tasks, settings, user)
    steps = settings.max_steps * settings.tasks_per_step
    rng = random.Random(settings.seed)
    order = [t["id"] for t in tasks]
    prompts: list[str] = []
    while len(prompts) < steps:
        rng.shuffle(order)
        prompts += order
    dataset = Dataset.from_list(
        [{"prompt": [{"role": "user", "content": TASK_PREFIX + t}]} for t in prompts[:steps]]
    )
    require_vllm(settings.use_vllm)
    ends = turn_end_ids(tokenizer, decoding_config(model, tokenizer))
    problem = turn_end_problem(tokenizer, ends)
    if problem is not None:
        name = getattr(model, "name_or_path", "") or "trained"
        raise EigenError(f"the model '{name}' {problem}")
    if settings.use_vllm and PartialState().num_processes > 1:
        # Episodes end at different turns on each process, while vLLM's generation is collective.
        raise EigenError(
            "use_vllm generates multi-turn episodes in one training process; with several GPUs, "
            "launch without use_vllm (each process generates with its own model copy)"
        )
    with warnings.catch_warnings():
        # TRL warns that rollout_func, which this stage is built on, is experimental.
        warnings.filterwarnings("ignore", "You are using 'rollout_func'", UserWarning)
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=verifier_reward,
            args=settings.to_grpo_config(out),
            train_dataset=dataset,
            processing_class=tokenizer,
            rollout_func=rollout,
        )
    checkpoint = last_checkpoint(out)
    trainer.add_callback(RolloutLog.resumed(rollout, out, checkpoint))
    show_progress(trainer, "grpo")
    with warnings.catch_warnings():
        # Each step TRL reads transformers' deprecated is_gradient_checkpointing, which warns.
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is", FutureWarning)
        with tied_weights_quiet(model):
            trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    # The trainer's history survives a resume (it is in each checkpoint), the stage's clock does
    # not.
    losses = {e["step"]: e["loss"] for e in trainer.state.log_history if "loss" in e}
    step_times = {e["step"]: e["step_time"] for e in trainer.state.log_history if "step_time" in e}
    for entry in rollout.log:
        entry["loss"] = losses.get(entry["step"])
        entry["step_seconds"] = step_times.get(entry["step"])
    (out / "settings.json").write_text(json.dumps(asdict(settings), indent=2))
    return rollout.log
