"""A training run's folder: which stages a run has and what each writes, the records of the
finished ones (``stages/<stage>.json``) and of what the run is made of (``run.json``), one
``train`` at a time in it (``.lock``). The dialogues and tasks synthesis verified in it are
:mod:`eigendsl.train.run_dialogues`'."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.output_folders import refuse_other_files
from eigendsl.synth.records import NOT_WRITABLE, writable, write_text
from eigendsl.train.previous_states import keep_run_aside, put_aside
from eigendsl.train.setting_names import change_words, setting_words, shown, spec_files
from eigendsl.train.settings import TrainSettings
from eigendsl.train.stage_inputs import recorded_made_from, started_marker

# The stages of a run in their order, the folders each writes, and which stages each setting
# makes (stages_made_by): a stage finished with another value must be made again.
# user_sft: the user simulator's SFT, run only with --user-model (training.user_model).
RUN_STAGES = ("synth", "base", "eval_base", "sft", "user_sft", "eval_sft", "grpo", "eval_grpo")
STAGE_FOLDERS = {
    "synth": ("synth",),
    "base": ("base",),
    "sft": ("sft",),
    "user_sft": ("user_sft",),
    "grpo": ("grpo",),
}
_EVALS = tuple(stage for stage in RUN_STAGES if stage.startswith("eval_"))
# What the report reads from each stage's record (the eval stages': "eval").
STAGE_RECORDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "sft": {"loss": list},
    "grpo": {"log": list},
    "eval": {"pass_hat_1": (int, float), "pass_hat_k": dict},
}


# Free space under which a stage that failed is taken to have failed on a full disk.
FULL_DISK_BYTES = 64 * 2**20


@contextlib.contextmanager
def disk_errors(out: Path, stage: str) -> Iterator[None]:
    """A stage that the run folder's disk stops is a user error that says so: a folder it cannot
    write, before the stage runs (a finished run reads it without writing); a full disk, where
    saving a checkpoint raises safetensors' or torch's own errors ("unexpected pos"), not an
    OSError."""
    if not os.access(out, os.W_OK):
        raise EigenError(
            f"the {stage} stage cannot run: {out} cannot be written; make it writable (or give "
            "--out another folder) and run the same command again"
        )
    try:
        yield
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in NOT_WRITABLE:
            raise EigenError(
                f"the {stage} stage stopped: {exc.filename or out}: {exc.strerror}; make the run "
                "folder writable (or give --out another folder) and run the same command again"
            ) from None
        free = shutil.disk_usage(out).free if out.exists() else FULL_DISK_BYTES
        if isinstance(exc, EigenError) or (
            free >= FULL_DISK_BYTES and "No space left" not in str(exc)
        ):
            raise
        raise EigenError(
            f"the {stage} stage stopped: the disk holding {out} is full ({free / 2**20:.0f} MiB "
            "left); free some space and run the same command again, which resumes from the last "
            "checkpoint"
        ) from None


# What a run recorded before a setting existed ran with (claim_run_folder).
_DEFAULTS = asdict(TrainSettings())


def stages_made_by(setting: str) -> tuple[str, ...]:
    """The stages whose results depend on ``setting`` (a TrainSettings field, or "the spec")."""

    def from_(stage: str) -> tuple[str, ...]:  # the stage and every one after it
        return RUN_STAGES[RUN_STAGES.index(stage) :]

    if setting.startswith("eval_"):
        return _EVALS
    if setting.startswith("grpo_") or setting == "use_vllm":
        return from_("grpo")
    if setting == "user_model":  # the agent's SFT is the same with and without it
        return ("user_sft", *from_("grpo"))
    if setting.startswith("sft_"):
        return from_("sft")
    if setting in ("model", "id_tokens", "name_tokens", "number_tokens", "call_tokens", "context"):
        return from_("base")
    return RUN_STAGES  # the spec, the seed, synthesis's settings and any other


def finished_stage(out: Path, stage: str) -> dict[str, Any] | None:
    """What a stage that finished earlier recorded, or None; a damaged record is a user error
    (the stage's outputs stay as they are)."""
    path = out / "stages" / f"{stage}.json"
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
    if stage in _EVALS and isinstance(data.get("episodes_file"), dict):
        _check_episodes(out, path, data["episodes_file"])
    return data


def episodes_record(out: Path, episodes: Path) -> dict[str, Any]:
    """What an eval stage's record keeps of its judged episodes file (``episodes``, in the run
    folder ``out``): its path in the folder, its rows and its digest, so that a file cut short
    or replaced since is not taken as the stage's (:func:`finished_stage`)."""
    data = episodes.read_bytes()
    return {
        "path": episodes.relative_to(out).as_posix(),
        "rows": data.count(b"\n"),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def written_by(out: Path, path: str) -> set[tuple[Any, Any]]:
    """The (rows, sha256) the eval stages of the run in ``out`` record for the episodes file
    ``path``: with no GRPO steps, eval_sft and eval_grpo both play the SFT model into
    ``eval/sft.jsonl``, and the later one's file stands for both."""
    found = set()
    for record in (out / "stages").glob("eval_*.json"):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            kept = json.loads(record.read_text()).get("episodes_file")
            if isinstance(kept, dict) and kept.get("path") == path:
                found.add((kept.get("rows"), kept.get("sha256")))
    return found


def _check_episodes(out: Path, record: Path, kept: dict[str, Any]) -> None:
    """The episodes file an eval stage's ``record`` names is the one it wrote, or an error that
    says what it holds instead and how to go on (a record written before these keys: taken)."""
    if not isinstance(kept.get("path"), str):
        return
    episodes = out / kept["path"]
    try:
        now = episodes_record(out, episodes)
    except OSError as exc:
        found = f"cannot be read ({exc.strerror})"
    else:
        if (now["rows"], now["sha256"]) in written_by(out, kept["path"]) | {
            (kept.get("rows"), kept.get("sha256"))
        }:
            return
        found = (
            f"holds {now['rows']} row{'' if now['rows'] == 1 else 's'} where {record} "
            f"records {kept.get('rows')}"
            if now["rows"] != kept.get("rows")
            else f"is not the one {record} records (its sha256 differs)"
        )
    raise EigenError(
        f"{episodes}: the judged episodes of the finished {record.stem} stage, which its "
        f"summary.json and report.md count: the file {found}, as after a write cut short or "
        "an `eval --out` that replaced it; restore it from a copy of the run, or delete it and "
        f"{record} to play that evaluation again"
    )


def record_stage(out: Path, stage: str, data: dict[str, Any]) -> None:
    write_text(out / "stages" / f"{stage}.json", json.dumps(data, indent=2, sort_keys=True))


@dataclass(frozen=True)
class Taken:
    """What :func:`claim_run_folder` took of a run whose spec or settings changed since its
    stages were made: the change in words (``said``, the log's first line), the stages a changed
    setting makes again (each with "made" or "started" and the settings in words) and the folder
    of ``previous/`` what they replace went into."""

    said: str
    redone: dict[str, tuple[str, str]]
    aside: Path


def claim_run_folder(out: Path, identity: dict[str, Any], write: bool = True) -> Taken | None:
    """Make ``out`` the folder of the run ``identity`` describes (``run.json`` records what the
    run is made of: its domain, inputs and settings), or resume the run it holds. A changed
    setting is taken: the stages it makes (:func:`stages_made_by`) that finished, or started,
    under the old value are moved into a new ``previous/<n>/`` with the run's ``run.json`` and
    report as they were, to be made again from scratch (checkpoints made with the old value are
    not resumed with the new one); the others are kept. A changed spec is taken where every
    finished stage records what it was made from (the pipeline then makes again those the
    change reaches, :mod:`eigendsl.train.stage_inputs`); a run of an earlier EigenDSL (records
    without) is refused, saying that its records cannot tell which stages the change reaches.
    Either change is returned as a :class:`Taken`. A folder of other files, which a run would
    overwrite, is refused; a run folder of an earlier EigenDSL (stages, no record) is taken as
    this run's. ``write`` False checks only: ``train`` checks before it waits for the folder's
    lock, and records and moves once it holds it, so that a run refused the lock changes
    nothing."""
    record = out / "run.json"
    taken = None
    if record.is_file():
        try:
            saved = json.loads(record.read_text())
            damage = None if isinstance(saved, dict) else "not a JSON object"
            if damage is None and not isinstance(saved.get("settings", {}), dict):
                damage = "its settings are not a JSON object"
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            damage = str(exc)
        if damage is not None:
            raise EigenError(
                f"{record}: damaged ({damage}). It records what the finished stages were made "
                "with: restore it from a copy; or, if this command's settings and spec are the "
                "ones the run was started with, delete it to resume (they will be recorded as "
                "the run's); or give --out another folder to start again"
            )
        if saved.get("domain", identity["domain"]) != identity["domain"]:
            # no setting makes it this domain's run: none of its stages can be kept
            raise EigenError(
                f"{out} holds a run of domain {saved['domain']!r}, not {identity['domain']!r}; "
                "give --out another folder"
            )
        recorded = saved.get("settings", {})
        # A setting the record lacks came after the run was started: that release ran with its
        # default (a new setting keeps the behaviour before it). One this release lacks (an
        # experiment's, a setting since removed) cannot be set now, nor told apart from the
        # behaviour without it: not a change, and kept in the record.
        retired = {k: v for k, v in recorded.items() if k not in identity["settings"]}
        old = {**_DEFAULTS, **recorded}
        changed = sorted(k for k in identity["settings"] if old.get(k) != identity["settings"][k])
        differences = {
            k: f"{setting_words(k)} {shown(old.get(k))} in the run, "
            f"{shown(identity['settings'].get(k))} now"
            for k in changed
        }
        done = {path.stem for path in (out / "stages").glob("*.json")}
        # A run whose finished stages record what each was made from takes a changed spec: the
        # pipeline makes again those it reaches (eigendsl.train.stage_inputs). One of an earlier
        # release cannot tell them apart: every finished stage is stale.
        spec_changed = saved.get("inputs") != identity["inputs"]
        follows = bool(done) and all(recorded_made_from(out, stage) for stage in done)
        if spec_changed and not follows and done:
            _refuse_spec(out, saved, identity, done, list(differences.values()))
        # What a changed setting reaches is known from the setting alone: the stages it makes
        # that left anything in the folder under the old value are made again from scratch.
        redone = {}
        for stage in RUN_STAGES:
            why = [differences[k] for k in changed if stage in stages_made_by(k)]
            if why and _left_behind(out, stage, old.get("grpo_steps")):
                redone[stage] = ("made" if stage in done else "started", "; ".join(why))
        identity = {**identity, "settings": {**retired, **identity["settings"]}}
        if saved == identity:
            return None
        if write and (redone or (spec_changed and follows)):
            with writable(out):
                aside = keep_run_aside(out)
                for stage in redone:
                    put_aside(out, stage, stage_files(out, stage, old.get("grpo_steps")), aside)
            now = identity["settings"]
            runs = [s for s in RUN_STAGES if s not in redone and _runs(s, now)]
            taken = Taken(
                change_words(
                    (saved.get("inputs"), identity["inputs"]),
                    [differences[k] for k in changed if set(stages_made_by(k)) & set(redone)],
                    list(redone),
                    ([s for s in runs if s in done], [s for s in runs if s not in done]),
                    aside,
                ),
                redone,
                aside,
            )
    else:
        refuse_other_files(
            out, lambda o: (o / "stages").is_dir(), "no training run (run.json or stages/)", "--out"
        )
    if write:
        with writable(out):
            write_text(record, json.dumps(identity, indent=2, sort_keys=True))
    return taken


def _refuse_spec(
    out: Path, saved: dict[str, Any], identity: dict[str, Any], done: set[str], settings: list[str]
) -> None:
    """A changed spec under finished stages of an earlier release, whose records do not say what
    each was made from, cannot be told to reach some and not others: refused."""
    stale = [stage for stage in RUN_STAGES if stage in done]
    undo = [str(out / "stages" / f"{stage}.json") for stage in stale]
    undo += [
        str(out / folder)
        for stage in stale
        for folder in STAGE_FOLDERS.get(stage, ())
        if (out / folder).exists()
    ]
    also = f", and with other settings: {'; '.join(settings)}" if settings else ""
    raise EigenError(
        f"{out} holds a training run whose {', '.join(stale)} stages were made from another "
        f"spec: {spec_files(saved.get('inputs'), identity['inputs'])} since they were made"
        f"{also}. This run's records come from an earlier EigenDSL release and do not say what "
        "each stage was made from, so the stages the change reaches cannot be told from the "
        "others. Put the spec back as it was"
        + (" and resume it with the same settings" if also else " to resume the run")
        + f", delete {', '.join(undo)} to make those stages again, or give --out another folder"
    )


def stage_files(out: Path, stage: str, grpo_steps: Any) -> tuple[str, ...]:
    """The folders and files of the run folder ``out`` that ``stage`` writes: an evaluation's
    episodes file as its record names it, else as ``grpo_steps`` makes it (with none, eval_grpo
    plays the SFT model into ``eval/sft.jsonl``)."""
    if stage not in _EVALS:
        return STAGE_FOLDERS.get(stage, ())
    with contextlib.suppress(OSError, ValueError, AttributeError):
        kept = json.loads((out / "stages" / f"{stage}.json").read_text()).get("episodes_file")
        if isinstance(kept, dict) and isinstance(kept.get("path"), str):
            return (kept["path"],)
    model = stage.removeprefix("eval_")
    if model == "grpo" and not (isinstance(grpo_steps, int) and grpo_steps > 0):
        model = "sft"
    return (f"eval/{model}.jsonl",)


def _runs(stage: str, settings: dict[str, Any]) -> bool:
    """Whether a run with ``settings`` has ``stage`` (user_sft with --user-model, GRPO with
    steps)."""
    if stage == "user_sft":
        return bool(settings.get("user_model"))
    return stage != "grpo" or (settings.get("grpo_steps") or 0) > 0


def _left_behind(out: Path, stage: str, grpo_steps: Any) -> bool:
    """Whether ``stage`` finished or started in ``out``, or left files there (checkpoints, an
    episodes file that no finished evaluation records as its own)."""
    if (out / "stages" / f"{stage}.json").exists() or started_marker(out, stage).exists():
        return True
    for name in stage_files(out, stage, grpo_steps):
        path = out / name
        if path.is_dir() and any(path.iterdir()):
            return True
        if path.is_file() and not written_by(out, name):
            return True
    return False


def steps_from_one(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GRPO's rollout ``log``, each entry's ``step`` the trainer's step it fed, counted from 1 as
    SFT's and the progress bar's are: a log written before they were (its first step 0, the
    trainer's count of steps taken before the rollout) is shifted by one."""
    if log and log[0].get("step") == 0:
        return [entry | {"step": entry["step"] + 1} for entry in log]
    return log
