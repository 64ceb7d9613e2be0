"""What ``eigendsl train`` runs: ``TrainSettings``, read from a training manifest and checked
before the first stage, and the SFT settings read as the SFT stage takes them (``sft_decay``,
``sft_catalog``, ``sft_optimizer``; the passes they make: ``sft_dialogues.sft_schedule``)."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args, get_type_hints

from pydantic import TypeAdapter

from eigendsl.errors import UNKNOWN, Diagnostic, EigenError
from eigendsl.train.manifest import manifest_stages
from eigendsl.training_spec import (
    STAGE_DEFAULTS,
    AboveZero,
    AssistantOnly,
    AtLeastOne,
    AtLeastTwo,
    Context,
    Decay,
    EvalTasks,
    GrpoTasks,
    NotBelowZero,
    NotNegative,
    Seed,
    SftOptimizer,
    Share,
    ShareAboveZero,
    Tokens,
    ValueProblem,
    kind_problem,
    setting_kind_problem,
    setting_value_problem,
    value_problem,
)

# How the embedded tokenizer spells ids (Identifiers.id_tokens): "bodies", a token for each prefix
# that starts only ids and one for each id's body (#W + 1000815), other ids one whole token
# (I10702); "prefixes", the prefix tokens only, every digit its own token (#W 1 0 0 0 8 1 5);
# "none", no tokens of their own.
IdTokens = Literal["bodies", "prefixes", "none"]
ID_TOKENS: tuple[str, ...] = get_args(IdTokens)

# TrainSettings' fields that a manifest sets take the kinds of values its settings take
# (eigendsl.training_spec.STAGES); check_settings holds them to these.


@dataclass
class TrainSettings:
    """What ``eigendsl train`` runs; the settings a manifest holds default to the manifest's own
    defaults (``STAGE_DEFAULTS``), sized for the embedded model on a 2-core CPU. Measured on retail,
    the default (6,118 varied dialogues in 48 balanced passes of 384, the last 24 with shuffled ids,
    Muon on the hidden layers' matrices) gave pass^1 after SFT 0.620 over seeds 0-3 when it was
    made; docs/training.md holds each default's measurements and the settings tried against it."""

    model: str = "tiny"
    seed: Seed = 0
    generations: AtLeastOne = STAGE_DEFAULTS["synth"]["generations"]
    per_generation: AtLeastOne = STAGE_DEFAULTS["synth"]["per_generation"]
    # Share of each synthesis generation planned as recoveries: the agent's write refused once (a
    # wrong id), then made again right after reading again what holds the id; SFT does not learn
    # the refused call. Off by default.
    recover: Share = STAGE_DEFAULTS["synth"]["recover"]
    sft_epochs: AboveZero = STAGE_DEFAULTS["sft"]["epochs"]
    sft_learning_rate: AboveZero = STAGE_DEFAULTS["sft"]["learning_rate"]
    sft_batch_size: AtLeastOne = STAGE_DEFAULTS["sft"]["batch_size"]
    # SFT's optimizer (eigendsl.train.optimizers.OPTIMIZERS): "muon", torch's Muon on the matrices
    # of the hidden layers and AdamW on the rest, or "adamw" on everything. On retail, 48 passes,
    # seeds 0-3: pass^1 after SFT 0.640, 0.568, 0.604, 0.667 with Muon (mean 0.620); with AdamW
    # 0.516 (0.595 for seed 0 on the machine of Muon's runs), and in 80 passes 0.593 on that machine
    # (0.622 on another kind; docs/training.md, *Muon on the hidden layers' matrices*).
    sft_optimizer: SftOptimizer = STAGE_DEFAULTS["sft"]["optimizer"]
    # Share of the SFT steps, the last ones, over which the learning rate decays; before them it
    # holds at its peak from the end of the warmup (warmup-stable-decay; 1.0: cosine over all
    # steps, the default before). Paired on retail, the same dialogues, seeds and machine, SFT
    # otherwise identical (the first steps' losses equal to the digit): pass^1 after SFT 0.595,
    # 0.640, 0.631, 0.622 (seeds 0-3; mean 0.622) against the cosine's 0.550, 0.631, 0.541, 0.586
    # (mean 0.577); pass^3 0.588 against 0.547 (docs/training.md, *A learning rate that holds*).
    sft_decay: ShareAboveZero = STAGE_DEFAULTS["sft"]["decay"]
    # Decay of the moving average of the weights over SFT's second half that SFT saves
    # (eigendsl.train.averaging); 0: the last step's weights. On retail, seed 0, the same SFT run:
    # pass^1 after SFT 0.730 against 0.595, and 0.710 against 0.570 over four evaluation seeds
    # (docs/training.md, *The average of the last steps*).
    sft_average: Decay = STAGE_DEFAULTS["sft"]["average"]
    # Share of the SFT passes, the last ones, whose dialogues get shuffled ids
    # (eigendsl.train.renaming): only copying gets their ids right. Half by default, with 60
    # passes at 3e-3: on retail (seeds 0-2) the agent copies 169/219, 171/230, 147/198 renamed ids
    # (the 36-pass default without shuffling: 19/208, 74/222, 5/194) and reports tracking numbers
    # no training dialogue's agent wrote. At 36 passes and 8e-3, shuffling cost pass^1 (0.324,
    # 0.351, 0.333 against 0.297, 0.468, 0.396); at 5e-3 it broke two seeds of four.
    sft_fresh_ids: Share = STAGE_DEFAULTS["sft"]["fresh_ids"]
    # The passes with shuffled ids also permute the values of the records' attributes (the
    # schema's maps of strings: a variant's size, colour) wherever a turn states one with its
    # name ("size: M"), so those too can only be copied. Off by default: the embedded model does
    # not learn to copy them, it stops recalling them (teacher-forced, seed 0: 17/34 values right
    # once permuted against 13/34 without it, 16/34 as synthesized against 25/34); pass^1 after
    # SFT 0.546 against 0.544 over five retail runs (eigendsl.train.renaming).
    sft_fresh_values: bool = STAGE_DEFAULTS["sft"]["fresh_values"]
    # The passes with shuffled ids also give each number the agent copies out of a tool result (a
    # balance, a price, a refund) another value of its field (eigendsl.train.stated_values), so
    # numbers too can only be read, not recalled. With number_tokens, retail seeds 0-3 (one
    # thread, synthesis reused): values read when swapped 29, 27, 31, 27 of 40 (0, 0, 1, 1
    # without); pass^1 after SFT 0.613 on the mean (0.619 without), after GRPO 0.635 (0.628);
    # held-out gift-card balances 13 of 24 episodes (3). The tokens alone (seed 0): 1 of 40,
    # pass^1 0.577. docs/training.md, *Numbers read, not recalled*. Those passes also give each
    # whole number the user says for the agent to repeat (a percentage asked for, which the
    # transfer summary names) another of as many digits, a token of its own with number_tokens:
    # 3 of 9 held-out transfers, 0 before (docs/training.md, *A percentage read*).
    sft_fresh_numbers: bool = STAGE_DEFAULTS["sft"]["fresh_numbers"]
    # The tables whose ids every customer shares, a catalog (retail: products, with their
    # variants' item ids): the passes with shuffled ids leave those as they are, so the agent may
    # know them by heart. A variant is found by its product and options, two lookups the 2-layer
    # model does not learn; shuffled, its id could be neither looked up nor recalled. Retail
    # ([products]), seeds 0-3: held-out writes' item ids right in 41 of 85 (15 of 89 without);
    # pass^1 after SFT 0.620 (0.613), after GRPO 0.658 (0.635). docs/training.md, *A catalog
    # known by heart*.
    sft_catalog: tuple[str, ...] = tuple(STAGE_DEFAULTS["sft"]["catalog"])
    # Fresh ids invented (new random digits) rather than drawn from the database's other ids; off:
    # with ids spelled digit by digit it gave pass^1 0.000 (no order id copied, 0 of 97 lookups).
    sft_invent_ids: bool = STAGE_DEFAULTS["sft"]["invent_ids"]
    # Each SFT pass has every task template equally often
    # (eigendsl.train.sft_dialogues.balanced_passes), as the held-out evaluation has; synthesis's
    # curriculum favours the short templates. Measured: an agent writing with the wrong tool in 36
    # of 111 held-out episodes instead of 49.
    sft_balance: bool = STAGE_DEFAULTS["sft"]["balance"]
    # Dialogues per SFT pass (0: all of them). Below the number synthesized, each balanced pass
    # takes the next dialogues of every template, so the passes differ. Measured on retail, seed
    # 0: 6,119 dialogues (per_generation 3000), passes of 384, 20 epochs: pass^1 0.099 after SFT
    # (the agent still ignored the values the user gave); 60 epochs: 0.541 (it took them; seeds 1
    # and 2: 0.486, 0.586). 384 dialogues (150 planned a generation) for 60 epochs: 0.216, values
    # at chance.
    sft_pass_size: NotNegative = STAGE_DEFAULTS["sft"]["pass_size"]
    # The embedded tokenizer gives the ids the dialogues use tokens of their own
    # (Identifiers.id_tokens): a prefix that starts only ids, then the body (#W + 1000815, usr_ +
    # a name piece). Measured on retail (seed 0): pass^1 after SFT 0.171 against 0.162 with
    # whole-token ids, the user's id copied out of the lookup 40/46 against 21/36, the user's order
    # looked up 72/93 against 56/91 (seed 1, with gift_ also a key: 0.216 against 0.135). With
    # this default's dialogues (seed 0): 0.297, against 0.117 with "prefixes" and 0.171 with
    # "none" (ID_TOKENS), where ids are still recalled and copied no better.
    id_tokens: IdTokens = "bodies"
    # The domain's snake-case names (tools, parameters, record fields: schema_names) are tokens of
    # their own, with and without the space before them (" get_order_details", "payment_method_id"),
    # where byte-level BPE spells each in pieces around its underscores (get _ order _ details).
    # On retail a dialogue takes 693 tokens instead of 838 and an SFT step 26% less time. In the
    # same 60 passes pass^1 after SFT fell to 0.505 and 0.486 (seeds 0, 1; 0.613 and 0.577
    # without); with the 80 passes that fit in less time than those 60: 0.556 over seeds 0-3
    # (0.541 without, 60 passes).
    name_tokens: bool = True
    # The numbers with a decimal point that the dialogues hold twice or more
    # (eigendsl.train.stated_values.number_words: 119 on retail) are one token each, where the
    # tokenizer spells all other digits one per token. Permuting numbers spelled in digits
    # left them unread (3 and 2 of 40 swapped values right, seeds 0 and 1); as tokens, 27-31.
    number_tokens: bool = True
    # The fixed text of a tool call around its name, keys and values (CALL_PIECES: '{"name": "',
    # '", "arguments": {"', '": "', '", "') is one token each, where byte-level BPE spells them
    # in two to five pieces, and the names are one token after a word too (name_tokens's
    # after_words: "call cancel_pending_order"). A call of get_order_details is 11 tokens from
    # <tool_call> to </tool_call> instead of 18; on retail's 6,118 dialogues (seed 0) the agent
    # writes 141 tokens a dialogue instead of 171, a dialogue is 662 instead of 693. Off by
    # default: over seeds 0-2 on 2-core AMD EPYC machines, pass^1 after SFT 0.631, 0.505 and 0.586
    # against the default's 0.550, 0.631 and 0.541 there (the same mean, 0.574), SFT about as
    # long side by side (seed 2: 3,306 s against 3,281 s; docs/training.md, *Call tokens*).
    call_tokens: bool = False
    # Passes of copy drills, a run before SFT (eigendsl.train.copy_drills: the turn that states an
    # id, then the call that copies it, with fresh ids each pass). Off by default: on retail, 25
    # passes taught copying (the user's order id in 83 of 89 lookups after SFT, against 56 of 91)
    # but the agent then wrote more broken calls after long tool results (pass^1 after SFT 0.117,
    # after GRPO 0.135, against 0.162 and 0.180); with 12 passes copying did not form at all. With
    # the ids' prefix tokens (id_tokens), seed 0: order id 92/93, user id 32/35, pass^1 0.189
    # after SFT and 0.180 after GRPO (seed 0; 0.153 and 0.135 without drills); seed 1: 0.099.
    sft_copy_drills: NotNegative = STAGE_DEFAULTS["sft"]["copy_drills"]
    # Tokens kept of each SFT dialogue (its start; a longer dialogue loses its end).
    sft_max_length: Tokens = STAGE_DEFAULTS["sft"]["max_length"]
    sft_assistant_only_loss: AssistantOnly = STAGE_DEFAULTS["sft"]["assistant_only_loss"]
    grpo_steps: NotNegative = STAGE_DEFAULTS["grpo"]["steps"]
    # What GRPO rolls out on: "synth", the tasks synthesis verified in its last generation
    # (fresh values, held-out parameters excluded; at most GRPO_TASKS_PER_TEMPLATE of each
    # template), or "train", the compiled tasks of the train split. Measured on the long run's SFT
    # model (pass^1 0.541), seed 0: 12 steps, 0.559 (synth) and 0.568 (train); 24 steps at lr 5e-4,
    # 0.532 and 0.523, but on train tasks the agent wrote a train task's address in 5 of the 6
    # held-out account changes (0 of 6 right; 4 of 6 on synthesized tasks).
    grpo_tasks: GrpoTasks = STAGE_DEFAULTS["grpo"]["tasks"]
    grpo_tasks_per_step: AtLeastOne = STAGE_DEFAULTS["grpo"]["tasks_per_step"]
    grpo_generations: AtLeastTwo = STAGE_DEFAULTS["grpo"]["num_generations"]
    grpo_learning_rate: AboveZero = STAGE_DEFAULTS["grpo"]["learning_rate"]
    # The KL coefficient against the SFT model (0: no reference model), the rollouts' temperature.
    grpo_beta: NotBelowZero = STAGE_DEFAULTS["grpo"]["beta"]
    grpo_temperature: AboveZero = STAGE_DEFAULTS["grpo"]["temperature"]
    # Flat groups (all rewards equal) played again with other tasks (GRPOSettings.resample_tries).
    grpo_dynamic_filtering: bool = STAGE_DEFAULTS["grpo"]["dynamic_filtering"]
    # Each GRPO group's task on a database whose ids were permuted (eigendsl.train.grpo.FreshIds),
    # so only copying ids earns the reward. Off: from seed 0's SFT model (0.559; 10 trials 0.554)
    # 12 steps gave 0.541 (10 trials 0.522; unpermuted 0.523 and 0.514), 36 steps at lr 2e-4 0.486;
    # the default's 54 steps from the default command's SFT model (0.613): 0.658 against 0.676.
    grpo_fresh_ids: bool = STAGE_DEFAULTS["grpo"]["fresh_ids"]
    use_vllm: bool = STAGE_DEFAULTS["grpo"]["use_vllm"]
    eval_trials: AtLeastOne = STAGE_DEFAULTS["eval"]["trials"]
    eval_temperature: NotBelowZero = STAGE_DEFAULTS["eval"]["temperature"]
    eval_split: EvalTasks = STAGE_DEFAULTS["eval"]["tasks"]
    # The evaluations' tool calls held to the tools' schemas (`--constrain-calls`; rollouts stay
    # free). Off: on retail's four SFT models it removed 272 of 280 malformed calls and moved
    # pass^1 by -2.7 to +0.9 points (mean 0.536 against 0.541).
    eval_constrain_calls: bool = False
    # What the model is trained and evaluated with (training.context, `--context`): "compact", the
    # short prompt and key: value tool results the embedded model fits, or "full".
    context: Context = "compact"
    user_model: bool = False
    workers: AtLeastOne = STAGE_DEFAULTS["synth"]["workers"]

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], **overrides: Any) -> TrainSettings:
        """Settings from a training manifest's stages, then explicit overrides (None is ignored).
        An override that is not a setting is refused, as a misspelt keyword argument is; every
        wrong value of the manifest (at its place, overridden or not: the manifest stays as it
        is for the next run) and of the overrides (by its option) is one error."""
        known = [f.name for f in fields(cls)]
        for key in overrides:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f" (did you mean '{close[0]}'?)"
                    if close
                    else f"; the settings are {', '.join(known)}"
                )
                raise TypeError(f"'{key}' is not a training setting{hint}")
        stages, problems = manifest_stages(manifest)
        for key, value in overrides.items():
            if value is not None and (wrong := field_problem(key, value, OPTIONS.get(key, key))):
                problems.append(Diagnostic(UNKNOWN, wrong.sentence))
        if problems:
            raise EigenError(problems)
        settings = cls(
            model=manifest.get("model", "tiny"),
            seed=manifest.get("seed", 0),
            context=manifest.get("context", "compact"),
        )
        for key, (stage, name) in MANIFEST_KEYS.items():
            if name in stages.get(stage, {}):
                setattr(settings, key, stages[stage][name])
        for key, value in overrides.items():
            if value is not None:
                setattr(settings, key, value)
        return settings


MANIFEST_KEYS = {  # TrainSettings field: (stage, manifest setting)
    "generations": ("synth", "generations"),
    "per_generation": ("synth", "per_generation"),
    "workers": ("synth", "workers"),
    "recover": ("synth", "recover"),
    "sft_epochs": ("sft", "epochs"),
    "sft_learning_rate": ("sft", "learning_rate"),
    "sft_decay": ("sft", "decay"),
    "sft_average": ("sft", "average"),
    "sft_batch_size": ("sft", "batch_size"),
    "sft_optimizer": ("sft", "optimizer"),
    "sft_fresh_ids": ("sft", "fresh_ids"),
    "sft_fresh_values": ("sft", "fresh_values"),
    "sft_fresh_numbers": ("sft", "fresh_numbers"),
    "sft_catalog": ("sft", "catalog"),
    "sft_invent_ids": ("sft", "invent_ids"),
    "sft_copy_drills": ("sft", "copy_drills"),
    "sft_balance": ("sft", "balance"),
    "sft_pass_size": ("sft", "pass_size"),
    "sft_max_length": ("sft", "max_length"),
    "sft_assistant_only_loss": ("sft", "assistant_only_loss"),
    "grpo_steps": ("grpo", "steps"),
    "grpo_tasks": ("grpo", "tasks"),
    "grpo_tasks_per_step": ("grpo", "tasks_per_step"),
    "grpo_generations": ("grpo", "num_generations"),
    "grpo_learning_rate": ("grpo", "learning_rate"),
    "grpo_beta": ("grpo", "beta"),
    "grpo_temperature": ("grpo", "temperature"),
    "grpo_dynamic_filtering": ("grpo", "dynamic_filtering"),
    "grpo_fresh_ids": ("grpo", "fresh_ids"),
    "use_vllm": ("grpo", "use_vllm"),
    "eval_trials": ("eval", "trials"),
    "eval_temperature": ("eval", "temperature"),
    "eval_split": ("eval", "tasks"),
}


# The command line's name of each setting `eigendsl train` takes an option for, as its errors name
# a value given there.
OPTIONS = {
    "model": "--model",
    "generations": "--generations",
    "per_generation": "--per-generation",
    "sft_epochs": "--sft-epochs",
    "sft_learning_rate": "--sft-learning-rate",
    "sft_optimizer": "--sft-optimizer",
    "sft_pass_size": "--sft-pass-size",
    "sft_fresh_ids": "--sft-fresh-ids",
    "sft_fresh_values": "--sft-fresh-values",
    "sft_fresh_numbers": "--sft-fresh-numbers",
    "recover": "--recover",
    "grpo_steps": "--grpo-steps",
    "grpo_fresh_ids": "--grpo-fresh-ids",
    "eval_trials": "--trials",
    "user_model": "--user-model",
    "eval_constrain_calls": "--constrain-calls",
    "context": "--context",
    "seed": "--seed",
}


def field_problem(name: str, value: Any, called: str) -> ValueProblem | None:
    """Why ``value`` is not one TrainSettings' field ``name`` takes, in the words compile has for
    ``domain.yaml``'s ``training:`` (the same checks: '3' is no number, 8.0 no count, yes no
    bool), the setting ``called`` as the place the value came from names it; None where it is."""
    if name in MANIFEST_KEYS:
        stage, key = MANIFEST_KEYS[name]
        if (wrong := kind_problem(stage, key, value, called)) is not None:
            return ValueProblem((), wrong)
        return value_problem(stage, key, value, called)
    kind = _field_kinds()[name]
    field = next(f for f in fields(TrainSettings) if f.name == name)
    if (wrong := setting_kind_problem(kind, field.default, value, called)) is not None:
        return ValueProblem((), wrong)
    return setting_value_problem(kind, value, called)


def check_settings(s: TrainSettings) -> TrainSettings:
    """``s`` with every value checked as compile checks the spec's (:func:`field_problem`) and
    numbers made the field's type, or a user error naming each wrong one as the spec spells it
    (``training.sft.epochs``), so a run stops before its first stage rather than at the stage
    that reads the value. A manifest's values and the command line's are checked where they are
    read (:meth:`TrainSettings.from_manifest`), at their place; this holds a caller's."""
    wrong = [
        Diagnostic(UNKNOWN, problem.sentence)
        for f in fields(s)
        if (problem := field_problem(f.name, getattr(s, f.name), _spelled(f.name))) is not None
    ]
    if wrong:
        raise EigenError(wrong)
    return TypeAdapter(TrainSettings).validate_python(
        {f.name: getattr(s, f.name) for f in fields(s)}
    )


def _spelled(name: str) -> str:
    """A TrainSettings field as domain.yaml spells it: training.sft.epochs, training.seed."""
    if name in MANIFEST_KEYS:
        return "training." + ".".join(MANIFEST_KEYS[name])
    return f"training.{name}" if name in ("model", "seed", "context") else name


@functools.cache
def _field_kinds() -> dict[str, Any]:
    """Each TrainSettings field's kind with its bounds (evaluated once: the hints are text)."""
    return get_type_hints(TrainSettings, include_extras=True)


def sft_decay(s: TrainSettings) -> float:
    """``s.sft_decay``, or a user error where it is not a share of the steps."""
    value = s.sft_decay
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise EigenError(
            f"training.sft.decay is {value!r}; write the share of the SFT steps, the "
            "last ones, over which the learning rate decays: above 0 and at most 1 "
            "(1: over all the steps after the warmup)"
        )
    return float(value)


def sft_catalog(s: TrainSettings, tables: Iterable[str]) -> None:
    """A user error where ``s.sft_catalog`` names a table the database lacks (compile checks the
    spec's; this, a manifest or a caller's, which would otherwise be left out unnoticed)."""
    known = sorted(tables)
    for table in s.sft_catalog:
        if table not in known:
            raise EigenError(
                f"training.sft.catalog names {table!r}, which is not a table of the database "
                f"({', '.join(known)})"
            )


def sft_optimizer(s: TrainSettings) -> str:
    """``s.sft_optimizer``, or a user error where it names no optimizer SFT has."""
    from eigendsl.train.optimizers import OPTIMIZERS

    if s.sft_optimizer not in OPTIMIZERS:
        raise EigenError(
            f"training.sft.optimizer is {s.sft_optimizer!r}; write one of {', '.join(OPTIMIZERS)}"
        )
    return s.sft_optimizer


def sft_settings(s: TrainSettings) -> Any:
    """The ``SFTSettings`` of a run's SFT stages (the agent's, and ``--user-model``'s user's)."""
    from eigendsl.train.sft import SFTSettings

    return SFTSettings(
        num_train_epochs=s.sft_epochs,
        learning_rate=s.sft_learning_rate,
        decay=sft_decay(s),
        average=s.sft_average,
        optimizer=sft_optimizer(s),
        per_device_train_batch_size=s.sft_batch_size,
        max_length=s.sft_max_length,
        seed=s.seed,
        # batches of similar lengths: far less padding on a CPU
        extra={"train_sampling_strategy": "group_by_length"},
    )
