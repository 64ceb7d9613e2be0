"""``eigendsl train``: compile → synth → SFT → GRPO → eval, as the manifest describes.

Every stage writes into ``OUT/`` and records ``OUT/stages/<stage>.json`` when it is done, so a
crashed run started again skips finished stages and resumes unfinished ones from their last
checkpoint (synthesis from its last shard, SFT and GRPO from their last saved step).

Layout::

    OUT/synth/            verified dialogues (eigendsl synth)
    OUT/base/             the model before training (the embedded model: tokenizer + random init)
    OUT/sft/, OUT/grpo/   checkpoints and final models
    OUT/eval/<stage>.jsonl  judged evaluation episodes
    OUT/report.md, OUT/plots/*.png, OUT/summary.json
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, get_args

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from eigendsl.codegen.artifacts import STAGE_DEFAULTS
from eigendsl.errors import EigenError
from eigendsl.runtime.backends import model_view
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.synth.roles import param_key
from eigendsl.yamlload import jsonl_rows

# How the embedded tokenizer spells ids (Identifiers.id_tokens): "bodies", a token for each prefix
# that starts only ids and one for each id's body (#W + 1000815), other ids one whole token
# (I10702); "prefixes", the prefix tokens only, every digit its own token (#W 1 0 0 0 8 1 5);
# "none", no tokens of their own.
IdTokens = Literal["bodies", "prefixes", "none"]
ID_TOKENS: tuple[str, ...] = get_args(IdTokens)
# GRPO on synthesized tasks: at most this many of each template (distinct parameters), so the
# templates synthesis favours do not crowd out the rest.
GRPO_TASKS_PER_TEMPLATE = 8

# The kinds of values TrainSettings holds; check_settings holds them to these.
AtLeastOne = Annotated[int, Field(ge=1)]
NotNegative = Annotated[int, Field(ge=0)]
AboveZero = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what torch's and numpy's generators take


@dataclass
class TrainSettings:
    """What ``eigendsl train`` runs; the settings a manifest holds default to the manifest's own
    defaults (``STAGE_DEFAULTS``), sized for the embedded model on a 2-core CPU. Measured on
    retail, the default: 6,118 varied dialogues in 48 balanced passes of 384 (2,304 steps), the
    last 24 with shuffled ids, Muon on the hidden layers' matrices (``sft_optimizer``): pass^1
    after SFT 0.620 over seeds 0-3 (0.568 to 0.667; 80 passes with AdamW: 0.593 there). Before
    it, 6,118 varied dialogues (3 × 3,000 planned) in 80 balanced passes of 384 at lr 3e-3
    (held until the last fifth of the steps since ``sft_decay``; the figures that follow are of
    the cosine schedule before it), the last 40 with shuffled ids (3,840 steps), the domain's
    names tokens of their own (``name_tokens``): pass^1 after SFT 0.556 over seeds 0-3 (0.450 to
    0.640; 0.577 on a slower kind of machine; README, *Name tokens*) in less SFT time than 60
    passes without name tokens took (2,880 steps: 0.541 on the same seeds); 36 passes at lr 8e-3
    without shuffled ids (1,728 steps), 0.367 over seeds 0-3; 32 passes, 0.189; 384 dialogues ×
    20 passes at lr 5e-3 (960 steps), 0.135. With the held lr, seeds 0-1: 80 passes 0.618, 64
    passes 0.572, 48 passes 0.568 (README, *A learning rate that holds*)."""

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
    # SFT's optimizer (eigendsl.train.sft.OPTIMIZERS): "muon", torch's Muon on the matrices of the
    # hidden layers and AdamW on the rest, or "adamw" on everything. On retail, 48 passes, seeds
    # 0-3: pass^1 after SFT 0.640, 0.568, 0.604, 0.667 with Muon (mean 0.620); with AdamW 0.516
    # (0.595 for seed 0 on the machine of Muon's runs), and in 80 passes 0.593 on that machine
    # (0.622 on another kind; README, *Muon on the hidden layers' matrices*).
    sft_optimizer: str = STAGE_DEFAULTS["sft"]["optimizer"]
    # Share of the SFT steps, the last ones, over which the learning rate decays; before them it
    # holds at its peak from the end of the warmup (warmup-stable-decay; 1.0: cosine over all
    # steps, the default before). Paired on retail, the same dialogues, seeds and machine, SFT
    # otherwise identical (the first steps' losses equal to the digit): pass^1 after SFT 0.595,
    # 0.640, 0.631, 0.622 (seeds 0-3; mean 0.622) against the cosine's 0.550, 0.631, 0.541, 0.586
    # (mean 0.577); pass^3 0.588 against 0.547 (README, *A learning rate that holds*).
    sft_decay: Annotated[float, Field(gt=0, le=1)] = STAGE_DEFAULTS["sft"]["decay"]
    # Share of the SFT passes, the last ones, whose dialogues get shuffled ids
    # (eigendsl.train.identifiers): only copying gets their ids right. Half by default, with 60
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
    # SFT 0.546 against 0.544 over five retail runs (eigendsl.train.identifiers).
    sft_fresh_values: bool = STAGE_DEFAULTS["sft"]["fresh_values"]
    # Fresh ids invented (new random digits) rather than drawn from the database's other ids; off:
    # with ids spelled digit by digit it gave pass^1 0.000 (no order id copied, 0 of 97 lookups).
    sft_invent_ids: bool = STAGE_DEFAULTS["sft"]["invent_ids"]
    # Each SFT pass has every task template equally often (eigendsl.train.sft.balanced_passes), as
    # the held-out evaluation has; synthesis's curriculum favours the short templates. Measured:
    # an agent writing with the wrong tool in 36 of 111 held-out episodes instead of 49.
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
    # The fixed text of a tool call around its name, keys and values (CALL_PIECES: '{"name": "',
    # '", "arguments": {"', '": "', '", "') is one token each, where byte-level BPE spells them
    # in two to five pieces, and the names are one token after a word too (name_tokens's
    # after_words: "call cancel_pending_order"). A call of get_order_details is 11 tokens from
    # <tool_call> to </tool_call> instead of 18; on retail's 6,118 dialogues (seed 0) the agent
    # writes 141 tokens a dialogue instead of 171, a dialogue is 662 instead of 693. Off by
    # default: over seeds 0-2 on 2-core AMD EPYC machines, pass^1 after SFT 0.631, 0.505 and 0.586
    # against the default's 0.550, 0.631 and 0.541 there (the same mean, 0.574), SFT about as
    # long side by side (seed 2: 3,306 s against 3,281 s; README, *Call tokens*).
    call_tokens: bool = False
    # Passes of copy drills, a run before SFT (eigendsl.train.identifiers: the turn that states an
    # id, then the call that copies it, with fresh ids each pass). Off by default: on retail, 25
    # passes taught copying (the user's order id in 83 of 89 lookups after SFT, against 56 of 91)
    # but the agent then wrote more broken calls after long tool results (pass^1 after SFT 0.117,
    # after GRPO 0.135, against 0.162 and 0.180); with 12 passes copying did not form at all. With
    # the ids' prefix tokens (id_tokens), seed 0: order id 92/93, user id 32/35, pass^1 0.189
    # after SFT and 0.180 after GRPO (seed 0; 0.153 and 0.135 without drills); seed 1: 0.099.
    sft_copy_drills: NotNegative = STAGE_DEFAULTS["sft"]["copy_drills"]
    grpo_steps: NotNegative = STAGE_DEFAULTS["grpo"]["steps"]
    # What GRPO rolls out on: "synth", the tasks synthesis verified in its last generation
    # (fresh values, held-out parameters excluded; at most GRPO_TASKS_PER_TEMPLATE of each
    # template), or "train", the compiled tasks of the train split. Measured on the long run's SFT
    # model (pass^1 0.541), seed 0: 12 steps, 0.559 (synth) and 0.568 (train); 24 steps at lr 5e-4,
    # 0.532 and 0.523, but on train tasks the agent wrote a train task's address in 5 of the 6
    # held-out account changes (0 of 6 right; 4 of 6 on synthesized tasks).
    grpo_tasks: Literal["synth", "train"] = STAGE_DEFAULTS["grpo"]["tasks"]
    grpo_tasks_per_step: AtLeastOne = STAGE_DEFAULTS["grpo"]["tasks_per_step"]
    grpo_generations: Annotated[int, Field(ge=2)] = STAGE_DEFAULTS["grpo"]["num_generations"]
    grpo_learning_rate: AboveZero = STAGE_DEFAULTS["grpo"]["learning_rate"]
    # Each GRPO group's task on a database whose ids were permuted (eigendsl.train.grpo.FreshIds),
    # so only copying ids earns the reward. Off: from seed 0's SFT model (0.559; 10 trials 0.554)
    # 12 steps gave 0.541 (10 trials 0.522; unpermuted 0.523 and 0.514), 36 steps at lr 2e-4 0.486.
    grpo_fresh_ids: bool = STAGE_DEFAULTS["grpo"]["fresh_ids"]
    use_vllm: bool = STAGE_DEFAULTS["grpo"]["use_vllm"]
    eval_trials: AtLeastOne = STAGE_DEFAULTS["eval"]["trials"]
    eval_temperature: Annotated[float, Field(ge=0, allow_inf_nan=False)] = STAGE_DEFAULTS["eval"][
        "temperature"
    ]
    eval_split: Literal["held-out", "train", "all"] = STAGE_DEFAULTS["eval"]["tasks"]
    # The evaluations' tool calls held to the tools' schemas (`--constrain-calls`; rollouts stay
    # free). Off: on retail's four SFT models it removed 272 of 280 malformed calls and moved
    # pass^1 by -2.7 to +0.9 points (mean 0.536 against 0.541).
    eval_constrain_calls: bool = False
    context: Literal["compact", "full"] = "compact"
    user_model: bool = False
    workers: AtLeastOne = STAGE_DEFAULTS["synth"]["workers"]

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], **overrides: Any) -> TrainSettings:
        """Settings from a training manifest's stages, then explicit overrides (None is ignored).
        An override that is not a setting is refused, as a misspelt keyword argument is."""
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
        listed = manifest.get("stages", [])
        if not (
            isinstance(listed, list)
            and all(
                isinstance(st, dict)
                and isinstance(st.get("name"), str)
                and isinstance(st.get("settings", {}), dict)
                for st in listed
            )
        ):
            raise EigenError(
                "the manifest's stages are not a list of entries with a name and "
                "settings; compile the spec again (eigendsl compile SPEC_DIR)"
            )
        stages = {st["name"]: st.get("settings", {}) for st in listed}
        settings = cls(model=manifest.get("model", "tiny"), seed=manifest.get("seed", 0))
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
    "sft_batch_size": ("sft", "batch_size"),
    "sft_optimizer": ("sft", "optimizer"),
    "sft_fresh_ids": ("sft", "fresh_ids"),
    "sft_fresh_values": ("sft", "fresh_values"),
    "sft_invent_ids": ("sft", "invent_ids"),
    "sft_copy_drills": ("sft", "copy_drills"),
    "sft_balance": ("sft", "balance"),
    "sft_pass_size": ("sft", "pass_size"),
    "grpo_steps": ("grpo", "steps"),
    "grpo_tasks": ("grpo", "tasks"),
    "grpo_tasks_per_step": ("grpo", "tasks_per_step"),
    "grpo_generations": ("grpo", "num_generations"),
    "grpo_learning_rate": ("grpo", "learning_rate"),
    "grpo_fresh_ids": ("grpo", "fresh_ids"),
    "use_vllm": ("grpo", "use_vllm"),
    "eval_trials": ("eval", "trials"),
    "eval_temperature": ("eval", "temperature"),
    "eval_split": ("eval", "tasks"),
}


def check_settings(s: TrainSettings) -> TrainSettings:
    """``s`` with every value checked against its field's kind (numbers as the field's type), or
    a user error naming each wrong one as the manifest spells it (``training.sft.epochs``), so a
    run stops before its first stage rather than at the stage that reads the value."""
    try:
        return TypeAdapter(TrainSettings).validate_python(
            {f.name: getattr(s, f.name) for f in fields(s)}
        )
    except ValidationError as exc:
        wrong = []
        for error in exc.errors():
            name = str(error["loc"][0])
            stage, key = MANIFEST_KEYS.get(name, (None, name))
            where = f"training.{stage}.{key}" if stage else f"training.{key}"
            msg = error["msg"]
            wrong.append(f"{where} is {error['input']!r}: {msg[:1].lower()}{msg[1:]}")
        raise EigenError(
            "; ".join(wrong) + " (set in domain.yaml's training, the manifest or the command line)"
        ) from None


# The stages of a run in their order, the folders each writes, and which stages each setting
# makes (stages_made_by): a stage finished with another value must be made again.
RUN_STAGES = ("synth", "base", "eval_base", "sft", "eval_sft", "grpo", "eval_grpo")
STAGE_FOLDERS = {
    "synth": ("synth",),
    "base": ("base",),
    "sft": ("sft", "user_sft"),
    "grpo": ("grpo",),
}
_EVALS = tuple(stage for stage in RUN_STAGES if stage.startswith("eval_"))
# What the report reads from each stage's record (the eval stages': "eval").
STAGE_RECORDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "sft": {"loss": list},
    "grpo": {"log": list},
    "eval": {"pass_hat_1": (int, float), "pass_hat_k": dict},
}


@contextlib.contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """One ``train`` at a time in a run folder: ``.lock`` holds the process id of the one running
    (two at once would write the same checkpoints); a lock whose process has ended is taken."""
    lock = folder / ".lock"
    for _ in range(3):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _running(pid):
                raise EigenError(
                    f"{folder} is in use by another eigendsl train (process {pid}); "
                    "wait for it to end, or give --out another folder"
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
            continue
        with os.fdopen(handle, "w") as out:
            out.write(str(os.getpid()))
        break
    else:
        raise EigenError(f"{lock} could not be taken; delete it if no eigendsl train is running")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def stages_made_by(setting: str) -> tuple[str, ...]:
    """The stages whose results depend on ``setting`` (a TrainSettings field, or "the spec")."""

    def from_(stage: str) -> tuple[str, ...]:  # the stage and every one after it
        return RUN_STAGES[RUN_STAGES.index(stage) :]

    if setting.startswith("eval_"):
        return _EVALS
    if setting.startswith("grpo_") or setting == "use_vllm":
        return from_("grpo")
    if setting.startswith("sft_") or setting == "user_model":
        return from_("sft")
    if setting in ("model", "id_tokens", "name_tokens", "call_tokens", "context"):
        return from_("base")
    return RUN_STAGES  # the spec, the seed, synthesis's settings and any other


# Per stage in `--json`: stage results written by an older EigenDSL may lack the last four.
SUMMARY_KEYS = (
    "pass_hat_1",
    "pass_hat_k",
    "pass_at_k",
    "pass_rate",
    "episodes",
    "mean_score",
    "tool_call_ok_rate",
    "ids_copied",
    "values_read",
)


class Pipeline:
    def __init__(
        self, spec_dir: Path, out: Path, settings: TrainSettings, log: Callable[[str], None] = print
    ):
        self.spec_dir, self.out, self.settings, self.log = spec_dir, out, settings, log
        self.domain: Domain = load_domain(spec_dir)
        self.seconds: dict[str, float] = {}
        self.results: dict[str, Any] = {}
        self._dialogues: list[dict[str, Any]] | None = None  # read once synthesis is done

    # ------------------------------------------------------------------ bookkeeping

    def done(self, stage: str) -> dict[str, Any] | None:
        """What a stage that finished earlier recorded, or None; a damaged record is a user error
        (the stage's outputs stay as they are)."""
        path = self.out / "stages" / f"{stage}.json"
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            data = exc
        wanted = {
            k: kind
            for k, kind in STAGE_RECORDS.get(stage.split("_")[0], {}).items()
            if not isinstance(data, dict) or not isinstance(data.get(k), kind)
        }
        if not isinstance(data, dict) or wanted:
            reason = (
                data
                if isinstance(data, Exception)
                else "not a JSON object"
                if not isinstance(data, dict)
                else f"no {', '.join(wanted)} of the right kind"
            )
            raise EigenError(
                f"{path}: the record of the finished {stage} stage is damaged "
                f"({reason}); delete it to run that stage again"
            )
        return data

    def finish(self, stage: str, data: dict[str, Any]) -> None:
        path = self.out / "stages" / f"{stage}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
        tmp.replace(path)

    def timed(self, stage: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        previous = self.done(stage)
        if previous is not None:
            self.log(f"[{stage}] done earlier, kept")
            self.seconds[stage] = previous.get("seconds", 0.0)
            return previous
        self.log(f"[{stage}] running")
        start = time.perf_counter()
        data = work()
        data["seconds"] = round(time.perf_counter() - start, 1)
        self.seconds[stage] = data["seconds"]
        self.finish(stage, data)
        return data

    # ------------------------------------------------------------------ stages

    def run(self) -> dict[str, Any]:
        from eigendsl.train.model import check_model_name

        # settings that later stages read are checked before the stages before them take minutes
        s = self.settings = check_settings(self.settings)
        sft_decay(s)
        sft_optimizer(s)
        check_model_name(s.model)
        self.claim_folder()
        with run_lock(self.out):
            return self.stages(s)

    def stages(self, s: TrainSettings) -> dict[str, Any]:
        """Every stage in turn (those finished earlier kept), then the report and summary."""
        self.timed("synth", self.synth)
        self.timed("base", self.base)
        self.results["base"] = self.timed("eval_base", lambda: self.evaluate("base"))
        self.sft_log = self.timed("sft", self.sft)
        self.results["sft"] = self.timed("eval_sft", lambda: self.evaluate("sft"))
        self.grpo_log = self.timed("grpo", self.grpo) if s.grpo_steps > 0 else {"log": []}
        self.results["grpo"] = self.timed(
            "eval_grpo", lambda: self.evaluate("grpo" if s.grpo_steps > 0 else "sft")
        )
        report = self.report()
        summary = {
            stage: {k: self.results[stage][k] for k in SUMMARY_KEYS if k in self.results[stage]}
            for stage in ("base", "sft", "grpo")
        }
        summary.update(
            {
                "seconds_per_stage": self.seconds,
                "report": str(report),
                "out_dir": str(self.out),
                "model": s.model,
                "eval_tasks": self.results["base"]["tasks"],
            }
        )
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2))
        return summary

    def claim_folder(self) -> None:
        """Make ``self.out`` this run's folder (``run.json`` records what the run is made of), or
        resume the run it holds. A stage finished with other settings (or another spec) is not
        kept under these: that is refused, naming the stages to delete to make them again. A
        setting changed before the stages it affects have run is taken. A folder of other files,
        which a run would overwrite, is refused; a run folder of an earlier EigenDSL (stages, no
        record) is taken as this run's."""
        record = self.out / "run.json"
        identity = json.loads(
            json.dumps(
                {
                    "domain": self.domain.name,
                    "inputs": self.domain.manifest.get("inputs"),
                    "settings": {k: v for k, v in asdict(self.settings).items() if k != "workers"},
                },
                default=str,
            )
        )
        if record.is_file():
            try:
                saved = json.loads(record.read_text())
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise EigenError(
                    f"{record}: damaged ({exc}); delete it to resume the run with this "
                    "command's settings"
                ) from None
            old = saved.get("settings", {}) if isinstance(saved, dict) else {}
            changed = sorted(
                k
                for k in set(old) | set(identity["settings"])
                if old.get(k) != identity["settings"].get(k)
            )
            same_spec = isinstance(saved, dict) and all(
                saved.get(k) == identity[k] for k in ("domain", "inputs")
            )
            if not same_spec:
                changed.insert(0, "the spec")
            done = {path.stem for path in (self.out / "stages").glob("*.json")}
            stale = [
                stage
                for stage in RUN_STAGES
                if stage in done and any(stage in stages_made_by(name) for name in changed)
            ]
            if stale:
                undo = [str(self.out / "stages" / f"{stage}.json") for stage in stale]
                undo += [
                    str(self.out / folder)
                    for stage in stale
                    for folder in STAGE_FOLDERS.get(stage, ())
                    if (self.out / folder).exists()
                ]
                raise EigenError(
                    f"{self.out} holds a training run whose {', '.join(stale)} stages were made "
                    f"with other settings ({', '.join(changed)}); resume it with the same "
                    f"settings, delete {', '.join(undo)} to make those stages again with these, "
                    "or give --out another folder"
                )
            if saved == identity:
                return
        elif self.out.is_dir() and any(self.out.iterdir()) and not (self.out / "stages").is_dir():
            raise EigenError(
                f"{self.out} holds files but no training run (no run.json or stages/), "
                "and a run would overwrite them; give --out a new or empty folder"
            )
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = record.with_name(record.name + ".tmp")
        tmp.write_text(json.dumps(identity, indent=2, sort_keys=True))
        tmp.replace(record)

    def synth(self) -> dict[str, Any]:
        from eigendsl.synth.generation import SynthSettings, run_synthesis

        s = self.settings
        summary = run_synthesis(
            self.spec_dir,
            self.out / "synth",
            SynthSettings(s.generations, s.per_generation, s.seed, s.workers, recover=s.recover),
        )
        return {"accepted_total": summary["accepted_total"], "generations": summary["generations"]}

    def accepted_files(self) -> list[Path]:
        """Each synthesis generation's ``accepted.jsonl``, in generation order (gen-2 before gen-10)."""
        return sorted(
            (self.out / "synth").glob("gen-*/accepted.jsonl"),
            key=lambda path: int(path.parent.name.split("-")[1]),
        )

    def dialogues(self) -> list[dict[str, Any]]:
        """The accepted dialogues of every generation, in the form the model sees. Read once (about
        6 s for retail's 6,119): the base model, SFT and each evaluation's copy and value checks
        use them."""
        if self._dialogues is None:
            rows = [row for path in self.accepted_files() for row in read_dialogues(path)]
            if not rows:
                raise EigenError(
                    f"no accepted dialogues in {self.out / 'synth'}; synthesis produced nothing to "
                    f"train on: delete {self.out / 'stages' / 'synth.json'} to synthesize again "
                    "(more dialogues: --per-generation)"
                )
            self._dialogues = [self.for_model(r) for r in rows]
        return list(self._dialogues)

    def for_model(self, row: dict[str, Any]) -> dict[str, Any]:
        """A dialogue in the context the model sees (compact: short prompt and results, no schemas)."""
        if self.settings.context != "compact":
            return row
        return {**row, "messages": model_view(row["messages"], self.domain, "compact"), "tools": []}

    def base(self) -> dict[str, Any]:
        from eigendsl.train.chat import render_chat
        from eigendsl.train.model import MODEL_SIZES, load_checkpoint, load_model

        s = self.settings
        if s.id_tokens not in ID_TOKENS:
            raise EigenError(f"id_tokens is {s.id_tokens!r}; write one of {', '.join(ID_TOKENS)}")
        if s.model in MODEL_SIZES:
            from eigendsl.train.chat import CALL_PIECES
            from eigendsl.train.identifiers import Identifiers, IdTokens, name_tokens, schema_names

            texts = [render_chat(r["messages"], r["tools"] or None) for r in self.dialogues()]
            texts.append(self.domain.agent_prompt)
            # The domain's ids get tokens of their own (ID_TOKENS): by default a prefix that starts
            # nothing but ids and the body after it (#W + 1000815, usr_ + a name piece), or the
            # whole id (I10702).
            ids = Identifiers(self.domain.seed)
            tokens = (
                ids.id_tokens(texts, bodies=s.id_tokens == "bodies")
                if s.id_tokens != "none"
                else IdTokens([], [], [])
            )
            names, spaced = name_tokens(
                schema_names(self.domain.seed, self.domain.tool_schemas, ids.known)
                if s.name_tokens
                else [],
                after_words=s.call_tokens,
            )
            calls = CALL_PIECES if s.call_tokens else []
            model, tokenizer = load_model(
                s.model,
                texts,
                words=tokens.words + names,
                pieces=tokens.prefixes + tokens.bodies + spaced + calls,
                seed=s.seed,
            )
        else:
            model, tokenizer = load_checkpoint(s.model, embedded=True)
        model.save_pretrained(self.out / "base")
        tokenizer.save_pretrained(self.out / "base")
        return {"parameters": sum(p.numel() for p in model.parameters()), "vocab": len(tokenizer)}

    def load(self, stage: str) -> tuple[Any, Any]:
        """The model a finished stage saved; one that does not load is a user error that says
        how to make the stage again."""
        from eigendsl.train.model import LOAD_ERRORS, load_model, load_reason

        try:
            return load_model(str(self.out / stage))
        except LOAD_ERRORS as exc:
            record = self.out / "stages" / f"{stage}.json"
            raise EigenError(
                f"{self.out / stage}: the {stage} stage's model does not load "
                f"({load_reason(self.out / stage, exc)}); delete {record} to make "
                "it again"
            ) from None

    def sft(self) -> dict[str, Any]:
        from eigendsl.train.sft import SFTSettings, run_sft

        s = self.settings
        model, tokenizer = self.load("base")
        rows = self.dialogues()
        result: dict[str, Any] = {"dialogues": len(rows)}
        config = SFTSettings(
            num_train_epochs=s.sft_epochs,
            learning_rate=s.sft_learning_rate,
            decay=sft_decay(s),
            optimizer=sft_optimizer(s),
            per_device_train_batch_size=s.sft_batch_size,
            max_length=2048,
            save_steps=25,
            seed=s.seed,
            # batches of similar lengths: far less padding on a CPU
            extra={"train_sampling_strategy": "group_by_length"},
        )
        if s.sft_balance or s.sft_pass_size or s.sft_fresh_ids > 0 or s.sft_copy_drills > 0:
            from eigendsl.loader import load_spec
            from eigendsl.train.identifiers import attribute_fields
            from eigendsl.train.sft import run_sft_passes

            # the schema is read again only when the values are to be permuted
            attributes = (
                attribute_fields(load_spec(self.spec_dir).spec.database.tables)
                if s.sft_fresh_values
                else []
            )
            drills, schedule = sft_schedule(rows, self.domain.seed, s, attributes)
            if drills:
                # A run of their own, learning rate schedule included: sharing one with the
                # dialogues left those the low end of it (pass^1 0.000 after SFT).
                result["copy_drills"] = len(drills[0])
                result["drill_loss"] = run_sft_passes(
                    model,
                    tokenizer,
                    drills,
                    self.out / "sft" / "drills",
                    replace(config, num_train_epochs=len(drills)),
                )
            history = run_sft_passes(model, tokenizer, schedule, self.out / "sft", config)
        else:
            history = run_sft(model, tokenizer, rows, self.out / "sft", config)
        diverged = next((e for e in history if not math.isfinite(e["loss"])), None)
        if diverged is not None:
            raise EigenError(
                f"SFT diverged: the loss is {diverged['loss']} at step {diverged['step']}; "
                f"lower training.sft.learning_rate (now {s.sft_learning_rate:g}), delete "
                f"{self.out / 'sft'} and run again"
            )
        result["loss"] = history
        if s.user_model:
            from eigendsl.train.sft import run_user_sft

            # The user's prompt states the task's own ids, so the user learns the dialogues as they are.
            user_model, user_tokenizer = self.load("base")
            result["user_loss"] = run_user_sft(
                user_model,
                user_tokenizer,
                rows,
                self.out / "user_sft",
                config,
                user_prompt=self.domain.user_prompt,
            )
        return result

    def grpo(self) -> dict[str, Any]:
        from eigendsl.train.grpo import GRPOSettings, run_grpo

        s = self.settings
        model, tokenizer = self.load("sft")
        domain, tasks = self.grpo_tasks()
        user = None
        if s.user_model and (self.out / "user_sft").is_dir():
            from eigendsl.runtime.backends import HFBackend, ModelUser

            user_model, user_tokenizer = self.load("user_sft")
            user = ModelUser(
                HFBackend(user_model, user_tokenizer, temperature=0.3),
                self.domain.user_prompt,
                self.domain.stop_marker,
                "user-model",
            )
        settings = GRPOSettings(
            max_steps=s.grpo_steps,
            tasks_per_step=s.grpo_tasks_per_step,
            num_generations=s.grpo_generations,
            learning_rate=s.grpo_learning_rate,
            context=s.context,
            seed=s.seed,
            use_vllm=s.use_vllm,
            fresh_ids=s.grpo_fresh_ids,
            # a checkpoint at least every quarter of the run, so a crash loses little
            save_steps=max(1, min(5, s.grpo_steps // 4)),
        )
        log = run_grpo(model, tokenizer, domain, tasks, self.out / "grpo", settings, user)
        return {"log": log, "tasks": len(tasks), "task_source": s.grpo_tasks}

    def grpo_tasks(self) -> tuple[Domain, list[dict[str, Any]]]:
        """The domain and tasks GRPO rolls out on (``training.grpo.tasks``).

        ``synth``: the last synthesis generation's verified tasks, compiled with that generation's
        task and check files (its composed and refusal templates), one per distinct parameter set
        and at most ``GRPO_TASKS_PER_TEMPLATE`` per template. Their values are fresh: on the fixed
        train split GRPO rewarded writing a train task's own values (a held-out account got the
        address of ``update_user_address-001``)."""
        s = self.settings
        if s.grpo_tasks == "train":
            return self.domain, [t for t in self.domain.tasks if t.get("split") == "train"]
        if s.grpo_tasks != "synth":
            raise EigenError(
                f"training.grpo.tasks is {s.grpo_tasks!r}; write synth (the tasks synthesis "
                "verified) or train (the compiled train split)"
            )
        rows: list[dict[str, Any]] = []
        for path in reversed(self.accepted_files()):  # the last generation that accepted any
            rows = read_dialogues(path)
            if rows:
                break
        if not rows:
            raise EigenError(
                f"no accepted dialogues in {self.out / 'synth'}; GRPO's tasks come from synthesis "
                "(or set training.grpo.tasks: train)"
            )
        gen_dir = path.parent
        domain = load_domain(self.spec_dir, extra=[gen_dir / "tasks.yaml", gen_dir / "checks.chk"])
        by_id = {t["id"]: t for t in domain.tasks}
        rng = random.Random(f"grpo-tasks:{s.seed}")
        chosen: dict[str, list[dict[str, Any]]] = {}
        seen: set[str] = set()
        for row in rng.sample(rows, len(rows)):
            task = by_id.get(row["task_id"])
            key = param_key(row["template"], row["params"])
            if (
                task is None
                or key in seen
                or len(chosen.get(row["template"], [])) >= GRPO_TASKS_PER_TEMPLATE
            ):
                continue
            seen.add(key)
            chosen.setdefault(row["template"], []).append(task)
        return domain, [task for name in sorted(chosen) for task in chosen[name]]

    def evaluate(self, stage: str) -> dict[str, Any]:
        from eigendsl.train.evaluate import copy_check, eval_tasks, evaluate, value_check

        s = self.settings
        model, tokenizer = self.load(stage)
        result = evaluate(
            self.domain,
            model,
            tokenizer,
            eval_tasks(self.domain, s.eval_split),
            trials=s.eval_trials,
            temperature=s.eval_temperature,
            context=s.context,
            out=self.out / "eval" / f"{stage}.jsonl",
            seed=s.seed,
            constrain_calls=s.eval_constrain_calls,
        )
        rows = self.dialogues()
        result["ids_copied"] = copy_check(model, tokenizer, rows, self.domain.seed, seed=s.seed)
        result["values_read"] = value_check(model, tokenizer, rows, self.domain.seed, seed=s.seed)
        return result

    # ------------------------------------------------------------------ report

    def report(self) -> Path:
        from eigendsl.train.report import write_report

        return write_report(
            self.out, self.results, self.sft_log, self.grpo_log, self.seconds, self.settings
        )


def resolve(target: Path) -> tuple[Path, dict[str, Any] | None]:
    """A spec folder, or a manifest (``generated/<d>/manifest.yaml``) pointing at one."""
    if (
        target.is_file()
        and target.name.endswith((".yaml", ".yml"))
        and target.name != "domain.yaml"
    ):
        try:
            manifest = yaml.safe_load(target.read_text())
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise EigenError(
                f"{target} is not a training manifest written by `eigendsl compile` "
                f"({str(exc).splitlines()[0]}); compile the spec again"
            ) from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("spec_dir"), str):
            raise EigenError(f"{target} is not a training manifest written by `eigendsl compile`")
        return (target.parent / manifest["spec_dir"]).resolve(), manifest
    if (
        target.is_dir()
        and (target / "manifest.yaml").is_file()
        and not (target / "domain.yaml").is_file()
    ):
        return resolve(target / "manifest.yaml")
    if target.is_file() and target.name == "domain.yaml":
        target = target.parent
    return target, None


def read_dialogues(path: Path) -> list[dict[str, Any]]:
    """The dialogues of a synthesis generation's ``accepted.jsonl``; a damaged line is a user
    error that names it."""

    def damaged(number: int, _: Any = None) -> EigenError:
        return EigenError(
            f"{path}:{number}: not a dialogue (a line cut short?); delete the line, "
            "or the run's synth folder and stages/synth.json to synthesize again"
        )

    rows = jsonl_rows(path.read_text(errors="replace"), damaged)
    for number, row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
            raise damaged(number)
    return [row for _, row in rows]


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


def sft_optimizer(s: TrainSettings) -> str:
    """``s.sft_optimizer``, or a user error where it names no optimizer SFT has."""
    from eigendsl.train.sft import OPTIMIZERS

    if s.sft_optimizer not in OPTIMIZERS:
        raise EigenError(
            f"training.sft.optimizer is {s.sft_optimizer!r}; write one of {', '.join(OPTIMIZERS)}"
        )
    return s.sft_optimizer


def sft_schedule(
    rows: list[dict[str, Any]],
    seed_data: dict[str, Any],
    s: TrainSettings,
    attributes: Iterable[str] = (),
) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """The passes of SFT, in training order: the copy drills', then the dialogues'.

    ``s.sft_copy_drills`` passes of copy drills (``Identifiers.copy_drills``), each with its own
    fresh ids (none for a domain without ids, or dialogues where no user states one); then a pass
    of ``sft_pass_size`` dialogues (0: all) per epoch, balanced across task templates
    (``sft_balance``), the last share of them with fresh ids (``sft_fresh_ids``: there ids can
    only be copied, not recalled; below a share of 1 never the first pass, so a one-pass run
    has none, and at least one of two or more). With ``sft_fresh_values`` those passes also
    permute the values of the seed's maps stored under the fields named in ``attributes``
    (``Identifiers.permute_values``)."""
    from eigendsl.train.identifiers import Identifiers
    from eigendsl.train.sft import balanced_passes

    passes = max(1, math.ceil(s.sft_epochs))
    if not isinstance(s.sft_pass_size, int) or s.sft_pass_size < 0:
        raise EigenError(
            f"training.sft.pass_size is {s.sft_pass_size!r}; write a whole number of dialogues "
            "per SFT pass, or 0 for all of them"
        )
    if s.sft_balance:
        schedule = balanced_passes(rows, passes, s.seed, size=s.sft_pass_size or None)
    else:  # in synthesis's order; with a pass size, each pass goes on where the last stopped
        size = s.sft_pass_size or len(rows)
        schedule = [
            [rows[(number * size + k) % len(rows)] for k in range(size)] for number in range(passes)
        ]
    share = min(1.0, s.sft_fresh_ids)
    # a share below 1 keeps the first pass as synthesized: a fresh model learns no copying from
    # renamed dialogues alone (retail: 5 of 208 renamed ids with the first half shuffled)
    fresh = (
        0
        if share <= 0
        else passes
        if share >= 1
        else min(passes - 1, max(1, round(passes * share)))
    )
    ids = Identifiers(seed_data, attributes)
    schedule = [
        ids.fresh_pass(one, number, s.seed, s.sft_invent_ids, s.sft_fresh_values)
        if number >= passes - fresh
        else one
        for number, one in enumerate(schedule)
    ]
    drills = (
        [drill for row in rows for drill in ids.copy_drills(row)] if s.sft_copy_drills > 0 else []
    )
    warmup = (
        [ids.fresh_pass(drills, passes + number, s.seed) for number in range(s.sft_copy_drills)]
        if drills
        else []
    )
    return warmup, schedule


def train(
    target: Path | str,
    out: Path | str | None = None,
    log: Callable[[str], None] = print,
    **overrides: Any,
) -> dict[str, Any]:
    spec_dir, manifest = resolve(Path(target))
    if manifest is None:
        from eigendsl.compiler import compile_domain

        compiled = compile_domain(spec_dir)
        manifest = yaml.safe_load(compiled.files["manifest.yaml"])
    settings = TrainSettings.from_manifest(manifest, **overrides)
    folder = (
        Path(out)
        if out is not None
        else Path("runs") / manifest.get("domain", spec_dir.name) / "train"
    )
    return Pipeline(spec_dir, folder, settings, log).run()
