"""``eigendsl train``: compile → synth → SFT → GRPO → eval, as the manifest describes.

Every stage writes into ``OUT/`` and records ``OUT/stages/<stage>.json`` when it is done, so a
crashed run started again skips finished stages and resumes unfinished ones from their last
checkpoint (synthesis from its last shard, SFT and GRPO from their last saved step). A finished
stage records what it was made from: after a change of the spec, those it reaches are made again
and the others kept (:mod:`eigendsl.train.stage_inputs`); after a change of a setting, those it
makes (:func:`eigendsl.train.runfolder.stages_made_by`).

Layout::

    OUT/synth/            verified dialogues (eigendsl synth)
    OUT/base/             the model before training (the embedded model: tokenizer + random init)
    OUT/sft/, OUT/grpo/   checkpoints and final models
    OUT/eval/<stage>.jsonl  judged evaluation episodes
    OUT/report.md, OUT/plots/*.png, OUT/summary.json
    OUT/previous/<n>/     what stages made again after a change of the spec or a setting replaced
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import yaml

from eigendsl.errors import EigenError
from eigendsl.output_folders import refuse_spec_folder
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.runtime.model_view import (
    CONTEXT_KEY,
    DOMAIN_KEY,
    FINGERPRINT_KEY,
    domain_fingerprint,
    model_view,
)
from eigendsl.synth.records import folder_lock
from eigendsl.train.manifest import resolve
from eigendsl.train.run_dialogues import (
    accepted_files,
    none_accepted,
    read_dialogues,
    synthesized_tasks,
)
from eigendsl.train.runfolder import (
    claim_run_folder,
    episodes_record,
)
from eigendsl.train.settings import (
    ID_TOKENS,
    TrainSettings,
    check_settings,
    sft_catalog,
    sft_settings,
)
from eigendsl.train.sft_dialogues import sft_schedule
from eigendsl.train.stage_book import StageBook


class Pipeline:
    def __init__(
        self, spec_dir: Path, out: Path, settings: TrainSettings, log: Callable[[str], None] = print
    ):
        self.spec_dir, self.out, self.settings, self.log = spec_dir, out, settings, log
        self.domain: Domain = load_domain(spec_dir)
        self.results: dict[str, Any] = {}
        self.user_log: dict[str, Any] | None = None  # the user simulator's SFT (--user-model)
        self._dialogues: list[dict[str, Any]] | None = None  # read once synthesis is done
        # which stages are kept, made again or run, and what each was made from
        self.book = StageBook(out, self.domain, settings, log)

    # ------------------------------------------------------------------ stages

    def run(self) -> dict[str, Any]:
        from eigendsl.train.model import MODEL_SIZES, check_model_name
        from eigendsl.train.rollout import check_turn_ends, require_vllm

        # before anything is written (run.json): synthesis refused SPEC/run/synth only after
        refuse_spec_folder(self.spec_dir, self.out, "training", "--out", "runs/<domain>/train/")
        # settings that later stages read are checked before the stages before them take minutes
        s = self.settings = check_settings(self.settings)  # SFT's decay and optimizer among them
        self.book.settings = s
        sft_catalog(s, self.domain.seed)
        require_vllm(s.use_vllm and s.grpo_steps > 0)
        check_model_name(s.model, s.sft_max_length)
        if s.grpo_steps > 0 and s.model not in MODEL_SIZES:
            check_turn_ends(s.model)
        self.claim_folder(write=False)  # refused before the lock is waited for, or taken
        with folder_lock(self.out, "train"):
            self.claim_folder()
            return self.stages(s)

    def stages(self, s: TrainSettings) -> dict[str, Any]:
        """Every stage in turn (those finished earlier kept), then the report and summary."""
        grpo = "grpo" if s.grpo_steps > 0 else "sft"  # the model eval_grpo plays
        made = self.book.timed("synth", self.synth)
        self.book.synthesized(made)
        self.book.timed("base", self.base)
        self.results["base"] = self.book.timed(
            "eval_base", lambda: self.evaluate("base"), ("base",)
        )
        self.sft_log = self.book.timed("sft", self.sft, ("base",))
        if s.user_model:
            self.user_log = self.book.timed("user_sft", self.user_sft, ("base",))
        self.results["sft"] = self.book.timed("eval_sft", lambda: self.evaluate("sft"), ("sft",))
        if s.grpo_steps > 0:
            users = ("user_sft",) if s.user_model else ()
            self.grpo_log = self.book.timed("grpo", self.grpo, ("sft", *users))
        else:
            self.grpo_log = {"log": []}
        self.results["grpo"] = self.book.timed("eval_grpo", lambda: self.evaluate(grpo), (grpo,))
        return self.report()

    def claim_folder(self, write: bool = True) -> None:
        """Make ``self.out`` this run's folder, or resume the run it holds (``claim_run_folder``):
        the run is the domain, the spec's inputs and the settings (``workers`` aside)."""
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
        taken = claim_run_folder(self.out, identity, write)
        if taken is not None:
            self.book.redone, self.book.aside = taken.redone, taken.aside
            self.log(f"[run] {taken.said}")

    def synth(self) -> dict[str, Any]:
        from eigendsl.synth.generation import SynthSettings, run_synthesis

        s = self.settings
        summary = run_synthesis(
            self.spec_dir,
            self.out / "synth",
            SynthSettings(s.generations, s.per_generation, s.seed, s.workers, recover=s.recover),
        )
        if not summary["accepted_total"]:  # not recorded as done: the next command makes it again
            raise none_accepted(self.out, self.spec_dir)
        return {"accepted_total": summary["accepted_total"], "generations": summary["generations"]}

    def dialogues(self) -> list[dict[str, Any]]:
        """The accepted dialogues of every generation, in the form the model sees. Read once (about
        6 s for retail's 6,118): the base model, SFT and each evaluation's copy and value checks
        use them."""
        if self._dialogues is None:
            rows = [row for path in accepted_files(self.out) for row in read_dialogues(path)]
            if not rows:
                why = "the folder is gone" if not (self.out / "synth").is_dir() else "none made"
                raise EigenError(
                    f"no accepted dialogues in {self.out / 'synth'} ({why}): delete "
                    f"{self.out / 'stages' / 'synth.json'} to synthesize again (more: "
                    "--per-generation)"
                )
            self._dialogues = [self.for_model(r) for r in rows]
        return list(self._dialogues)

    def for_model(self, row: dict[str, Any]) -> dict[str, Any]:
        """A dialogue in the context the model sees (compact: short prompt and results, no
        schemas)."""
        if self.settings.context != "compact":
            return row
        return {**row, "messages": model_view(row["messages"], self.domain, "compact"), "tools": []}

    def base(self) -> dict[str, Any]:
        from eigendsl.train.model import MODEL_SIZES, load_checkpoint, load_model

        s = self.settings
        if s.id_tokens not in ID_TOKENS:
            raise EigenError(f"id_tokens is {s.id_tokens!r}; write one of {', '.join(ID_TOKENS)}")
        if s.model in MODEL_SIZES:
            from eigendsl.train.vocabulary import embedded_vocabulary

            vocabulary = embedded_vocabulary(self.domain, self.dialogues(), s)
            model, tokenizer = load_model(
                s.model,
                vocabulary.texts,
                words=vocabulary.words,
                pieces=vocabulary.pieces,
                seed=s.seed,
            )
        else:
            model, tokenizer = load_checkpoint(s.model, embedded=True, note=self.log)
        # the context and domain it is trained on travel in its config.json (sft and grpo save
        # this config again), for run and eval to show it that context and note another domain,
        # or another version of this one's prompt and tools
        setattr(model.config, CONTEXT_KEY, s.context)
        setattr(model.config, DOMAIN_KEY, self.domain.name)
        setattr(model.config, FINGERPRINT_KEY, domain_fingerprint(self.domain))
        model.save_pretrained(self.out / "base")
        tokenizer.save_pretrained(self.out / "base")
        return {"parameters": sum(p.numel() for p in model.parameters()), "vocab": len(tokenizer)}

    def load(self, stage: str) -> tuple[Any, Any]:
        """The model a finished stage saved; one that does not load is a user error that says
        how to make the stage again."""
        from eigendsl.runtime.checkpoints import LOAD_ERRORS, load_reason
        from eigendsl.train.model import load_model

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
        from eigendsl.train.sft import run_sft

        s = self.settings
        model, tokenizer = self.load("base")
        rows = self.dialogues()
        result: dict[str, Any] = {"dialogues": len(rows)}
        config = sft_settings(s)
        if s.sft_balance or s.sft_pass_size or s.sft_fresh_ids > 0 or s.sft_copy_drills > 0:
            from eigendsl.loader import load_spec
            from eigendsl.train.renaming import attribute_fields
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
        self.model_card("sft")
        return result

    def model_card(self, stage: str) -> None:
        """The stage's model card, naming the run's --model (TRL's draft names "None")."""
        from eigendsl.train.model_card import write_model_card

        write_model_card(self.out / stage, stage, self.settings.model, self.spec_dir)

    def user_sft(self) -> dict[str, Any]:
        """``--user-model``: a user simulator fine-tuned from the base model on the same
        dialogues, which GRPO rolls out against. The user's prompt states the task's own ids,
        so the user learns the dialogues as they are."""
        from eigendsl.train.sft import run_user_sft

        user_model, user_tokenizer = self.load("base")
        rows = self.dialogues()
        loss = run_user_sft(
            user_model,
            user_tokenizer,
            rows,
            self.out / "user_sft",
            sft_settings(self.settings),
            user_prompt=self.domain.user_prompt,
        )
        self.model_card("user_sft")
        return {"dialogues": len(rows), "loss": loss}

    def grpo(self) -> dict[str, Any]:
        from eigendsl.train.grpo import GRPOSettings, run_grpo

        s = self.settings
        model, tokenizer = self.load("sft")
        domain, tasks = self.grpo_tasks()
        user = None
        if s.user_model and (self.out / "user_sft").is_dir():
            from eigendsl.runtime.backends import HFBackend
            from eigendsl.runtime.model_roles import ModelUser

            user_model, user_tokenizer = self.load("user_sft")
            user = ModelUser(
                HFBackend(user_model, user_tokenizer, temperature=0.3),
                self.domain.user_prompt,
                self.domain.stop_marker,
                "user-model",
            )
        settings = GRPOSettings.of(s)
        log = run_grpo(model, tokenizer, domain, tasks, self.out / "grpo", settings, user)
        self.model_card("grpo")
        return {"log": log, "tasks": len(tasks), "task_source": s.grpo_tasks}

    def grpo_tasks(self) -> tuple[Domain, list[dict[str, Any]]]:
        """The domain and tasks GRPO rolls out on (``training.grpo.tasks``): ``synth``, those
        the run's last synthesis generation verified (``synthesized_tasks``); ``train``, the
        compiled train split."""
        s = self.settings
        if s.grpo_tasks == "train":
            return self.domain, [t for t in self.domain.tasks if t.get("split") == "train"]
        if s.grpo_tasks != "synth":
            raise EigenError(
                f"training.grpo.tasks is {s.grpo_tasks!r}; write synth (the tasks synthesis "
                "verified) or train (the compiled train split)"
            )
        return synthesized_tasks(self.spec_dir, self.out, s.seed)

    def evaluate(self, stage: str) -> dict[str, Any]:
        from eigendsl.train.evaluate import copy_check, eval_tasks, evaluate, value_check
        from eigendsl.train.progress import episode_progress

        s = self.settings
        model, tokenizer = self.load(stage)
        tasks = eval_tasks(self.domain, s.eval_split)
        # the episodes' progress as SFT's and GRPO's steps (a silent stage read as a hang)
        with episode_progress(f"eval_{stage}", len(tasks) * s.eval_trials) as progress:
            result = evaluate(
                self.domain,
                model,
                tokenizer,
                tasks,
                trials=s.eval_trials,
                temperature=s.eval_temperature,
                context=s.context,
                out=self.out / "eval" / f"{stage}.jsonl",
                seed=s.seed,
                constrain_calls=s.eval_constrain_calls,
                progress=progress,
            )
        result["episodes_file"] = episodes_record(self.out, self.out / "eval" / f"{stage}.jsonl")
        rows = self.dialogues()
        result["ids_copied"] = copy_check(model, tokenizer, rows, self.domain.seed, seed=s.seed)
        result["values_read"] = value_check(model, tokenizer, rows, self.domain.seed, seed=s.seed)
        return result

    # ------------------------------------------------------------------ report

    def report(self) -> dict[str, Any]:
        """``report.md``, its plots and ``summary.json``; the summary (``--json``'s object)."""
        from eigendsl.train.previous_states import kept_through_change
        from eigendsl.train.report import write_run_report

        sft_log = self.sft_log
        if self.user_log is not None:  # the report says GRPO played against a trained user
            sft_log = {**sft_log, "user_loss": self.user_log.get("loss", [])}
        logs = (sft_log, self.grpo_log)
        # after a change took (in this command or one cut short before it), the report names
        # the stages made before it and the folder that holds the run as it was
        kept = kept_through_change(self.out, list(self.book.seconds))
        return write_run_report(
            self.out,
            self.results,
            logs,
            self.book.seconds,
            self.settings,
            self.log,
            kept,
            resumed=tuple(self.book.resumed),
        )


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
