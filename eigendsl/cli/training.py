"""The data and training commands: ``eigendsl synth`` (verified dialogues) and ``train``
(compile → synth → SFT → GRPO → eval)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eigendsl.cli.json_output import json_facts
from eigendsl.cli.shared import (
    MAX_TRIALS,
    echo_json,
    json_option,
    plain_console,
    resumes_after_interrupt,
    seed_option,
    spec_dir_argument,
    user_errors,
)
from eigendsl.training_spec import STAGE_DEFAULTS

SYNTH = STAGE_DEFAULTS["synth"]  # what synth runs when neither an option nor the spec says

RECOVER_HELP = (
    "Share of each generation planned as recoveries: the agent's write is refused once "
    "(a wrong id), it reads again and writes again, right."
)


@click.command("synth")
@spec_dir_argument
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=None,
    help=f"Generations (default: the spec's training.synth, else {SYNTH['generations']}).",
)
@click.option(
    "--per-generation",
    type=click.IntRange(min=1),
    default=None,
    help=f"Dialogues planned per generation (default: the spec's, else {SYNTH['per_generation']}).",
)
@seed_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder (default: runs/<domain>/synth).",
)
@click.option(
    "--planner",
    default="programmatic",
    show_default=True,
    help="programmatic, or a backend (openai:URL#model...).",
)
@click.option("--user-intent", default="programmatic", show_default=True)
@click.option("--prompt-engineer", default="programmatic", show_default=True)
@click.option(
    "--trajectory",
    default="scripted",
    show_default=True,
    help="scripted, or an agent backend (hf:PATH...).",
)
@click.option("--judge", default="programmatic", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help=f"Processes playing shards (default: the spec's, else {SYNTH['workers']}).",
)
@click.option(
    "--recover",
    type=click.FloatRange(0, 1),
    default=None,
    help=RECOVER_HELP[:-1] + f" (default: the spec's, else {SYNTH['recover']:g}).",
)
@json_option
@user_errors
@resumes_after_interrupt
def synth_cmd(
    spec_dir: Path,
    generations: int | None,
    per_generation: int | None,
    seed: int,
    out: Path | None,
    planner: str,
    user_intent: str,
    prompt_engineer: str,
    trajectory: str,
    judge: str,
    workers: int | None,
    recover: float | None,
    as_json: bool,
) -> None:
    """Synthesize verified dialogues, generation after generation (resumable); the sizes the
    spec's `training.synth` gives (as `eigendsl train` synthesizes) unless an option says."""
    from rich.progress import Progress

    from eigendsl.errors import Diagnostics
    from eigendsl.loader import load_spec
    from eigendsl.output_folders import refuse_train_synth
    from eigendsl.settings_checks import check_training
    from eigendsl.synth.generation import SynthSettings, run_synthesis
    from eigendsl.synth.records import claim_synth_folder, folder_lock, writable

    loaded = load_spec(spec_dir)
    settings_errors = Diagnostics()  # a misspelt setting is not left out unnoticed
    check_training(loaded, settings_errors)
    settings_errors.raise_if_errors()
    spec = {**SYNTH, **loaded.spec.training.synth}
    settings = SynthSettings(
        spec["generations"] if generations is None else generations,
        spec["per_generation"] if per_generation is None else per_generation,
        seed,
        spec["workers"] if workers is None else workers,
        planner=planner,
        user_intent=user_intent,
        trajectory=trajectory,
        judge=judge,
        prompt_engineer=prompt_engineer,
        recover=spec["recover"] if recover is None else recover,
    )
    target = out or Path("runs") / spec_dir.resolve().name / "synth"
    refuse_train_synth(target)
    claim_synth_folder(spec_dir, target)  # before the lock makes the folder
    with (
        folder_lock(target, "synth"),
        writable(target),
        Progress(transient=True, disable=as_json) as progress,
    ):
        bar = progress.add_task("synthesizing", total=None)
        summary = run_synthesis(
            spec_dir,
            target,
            settings,
            lambda done, total: progress.update(bar, completed=done, total=total),
        )
    later = _later_generations(target, settings.generations)
    if as_json:
        if later:
            click.echo(later, err=True)
        echo_json(summary)
        _stop_if_none_accepted(spec_dir, target, summary)
        return
    from rich.table import Table

    table = Table(title=f"synthesis into {summary['out_dir']} ({summary['seconds']:.1f} s)")
    for column in (
        "gen",
        "accepted",
        "rejected",
        "acceptance",
        "tools",
        "rules",
        "tool seqs",
        "user 3-grams",
    ):
        # as wide as its longest word, so that the table fits 80 columns with no header cut
        # short ("acceptan…"): two-word headers take two lines
        word = max(map(len, column.split()))
        table.add_column(column, justify="right", min_width=word, max_width=word)
    for g in summary["generations"]:
        table.add_row(
            str(g["generation"]),
            str(g["accepted"]),
            str(g["rejected"]),
            f"{g['acceptance_rate']:.2f}",
            f"{g['tool_coverage']:.2f}",
            f"{g['rule_coverage']:.2f}",
            str(g["distinct_tool_sequences"]),
            str(g["distinct_user_ngrams"]),
        )
    plain_console().print(table)
    for g in summary["generations"]:
        if g["trajectory"] != "scripted":
            click.echo(f"generation {g['generation']} was played by {g['trajectory']}")
    if later:
        click.echo(later)
    _stop_if_none_accepted(spec_dir, target, summary)


def _stop_if_none_accepted(spec_dir: Path, target: Path, summary: dict[str, Any]) -> None:
    """Exit 1 with the reasons on stderr where the generations of this command accepted no
    dialogue (as ``train`` stops there): a run that makes nothing to train on is no success, and
    the reasons would otherwise lie in report.json alone. The folder is kept as it is."""
    from eigendsl.synth.rejections import none_accepted

    made = [g["generation"] for g in summary["generations"]]
    if not made or any(g["accepted"] for g in summary["generations"]):
        return
    raise none_accepted(
        target,
        spec_dir,
        f"synthesize again into another --out folder (or delete {target} first: it was made "
        "from this version of the spec and is refused for another)",
        made,
    )


def _later_generations(folder: Path, generations: int) -> str | None:
    """A line saying that ``folder`` holds generations past the ``generations`` asked for, which
    the summary leaves out: it would otherwise read as though they had been dropped."""
    held = sorted(
        int(path.name[4:])
        for path in folder.glob("gen-*")
        if path.name[4:].isdigit() and (path / "report.json").is_file()
    )
    later = [k for k in held if k > generations]
    if not later:
        return None
    return (
        f"{folder} holds {len(held)} generations; shown: the first {generations} (--generations "
        f"{generations}); gen-{later[0]}{f' to gen-{later[-1]}' * (len(later) > 1)} kept as "
        f"{'they are' if len(later) > 1 else 'it is'}"
    )


@click.command("train")
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--model",
    default=None,
    help="tiny (embedded, default), tiny-wide, micro, small, or a checkpoint path or hub id.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Run folder (default: runs/<domain>/train).",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=None,
    help="Synthesis generations (default: the manifest's).",
)
@click.option(
    "--per-generation", type=click.IntRange(min=1), default=None, help="Dialogues per generation."
)
@click.option(
    "--sft-epochs",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Passes over the dialogues (default: the manifest's).",
)
@click.option(
    "--sft-learning-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Peak learning rate of SFT (default: the manifest's).",
)
@click.option(
    "--sft-optimizer",
    type=click.Choice(["adamw", "muon"]),
    default=None,
    help="SFT's optimizer: muon (Muon on the hidden layers' matrices, AdamW on the "
    "rest) or adamw (default: the manifest's).",
)
@click.option(
    "--sft-pass-size",
    type=click.IntRange(min=0),
    default=None,
    help="Dialogues per SFT pass (0: all); below the number synthesized, each pass takes new ones.",
)
@click.option(
    "--sft-fresh-ids",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of the SFT passes, the last ones, whose dialogues get fresh ids, which the model "
    "can only copy out of the dialogue (default: the manifest's).",
)
@click.option(
    "--sft-fresh-values/--no-sft-fresh-values",
    default=None,
    help="Whether those passes also permute the records' attribute values (a size, a colour) "
    "where a turn states them (default: the manifest's).",
)
@click.option(
    "--sft-fresh-numbers/--no-sft-fresh-numbers",
    default=None,
    help="Whether those passes also give the numbers the agent copies out of tool results (a "
    "balance, a refund) other values of their field (default: the manifest's).",
)
@click.option(
    "--recover",
    type=click.FloatRange(0, 1),
    default=None,
    help=RECOVER_HELP[:-1] + " (default: the manifest's).",
)
@click.option("--grpo-steps", type=click.IntRange(min=0), default=None, help="0 skips GRPO.")
@click.option(
    "--grpo-fresh-ids/--no-grpo-fresh-ids",
    default=None,
    help="Whether each GRPO group plays its task on a database whose ids were permuted, "
    "where only copying ids earns the reward (default: the manifest's).",
)
@click.option(
    "--trials",
    "eval_trials",
    type=click.IntRange(min=1, max=MAX_TRIALS),
    default=None,
    help=f"Evaluation trials per task (pass^1..K; at most {MAX_TRIALS}).",
)
@click.option(
    "--user-model", is_flag=True, help="Also fine-tune a user simulator and roll out GRPO with it."
)
@click.option(
    "--constrain-calls",
    is_flag=True,
    help="Evaluate with the model's tool calls held to the tools' schemas "
    "(GRPO's rollouts stay free).",
)
@click.option(
    "--context",
    type=click.Choice(["compact", "full"]),
    default=None,
    help="What the model is trained and evaluated with: compact (the short prompt and key: value "
    "tool results the embedded model fits) or full (the compiled prompt, JSON results and "
    "schemas); default: the manifest's training.context, else compact.",
)
@click.option("--seed", type=int, default=None)
@json_option
@user_errors
@resumes_after_interrupt
def train_cmd(
    target: Path,
    model: str | None,
    out: Path | None,
    generations: int | None,
    per_generation: int | None,
    sft_epochs: float | None,
    sft_learning_rate: float | None,
    sft_optimizer: str | None,
    sft_pass_size: int | None,
    sft_fresh_ids: float | None,
    sft_fresh_values: bool | None,
    sft_fresh_numbers: bool | None,
    recover: float | None,
    grpo_steps: int | None,
    grpo_fresh_ids: bool | None,
    eval_trials: int | None,
    user_model: bool,
    context: str | None,
    seed: int | None,
    as_json: bool,
    constrain_calls: bool = False,
) -> None:
    """compile → synth → SFT → GRPO → eval on TARGET (a spec folder or a training manifest).

    Every stage resumes after a crash; report.md and plots are written in the run folder."""
    from eigendsl.runtime.checkpoints import quiet_library_bars
    from eigendsl.train.pipeline import train
    from eigendsl.train.runfolder import RUN_STAGES

    quiet_library_bars()
    said = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    running: list[str] = []  # the stage the log last said runs: a failure's JSON names it

    def log(line: str) -> None:
        stage = line[1 : line.find("]")] if line.startswith("[") else ""
        if stage in RUN_STAGES and "done earlier, kept" not in line:
            running[:] = [stage]
        said(line)

    json_facts(
        stage=lambda: running[0] if running else None,
        out_dir=lambda: str(out if out is not None else _default_run_folder(target)),
    )
    summary = train(
        target,
        out,
        log,
        model=model,
        generations=generations,
        per_generation=per_generation,
        sft_epochs=sft_epochs,
        sft_learning_rate=sft_learning_rate,
        sft_optimizer=sft_optimizer,
        sft_pass_size=sft_pass_size,
        sft_fresh_ids=sft_fresh_ids,
        sft_fresh_values=sft_fresh_values,
        sft_fresh_numbers=sft_fresh_numbers,
        recover=recover,
        grpo_steps=grpo_steps,
        grpo_fresh_ids=grpo_fresh_ids,
        eval_trials=eval_trials,
        user_model=user_model or None,
        context=context,
        seed=seed,
        eval_constrain_calls=constrain_calls or None,
    )
    if as_json:
        echo_json(summary)
        return
    click.echo(f"report: {summary['report']}")
    _print_pass_rates(summary)
    if summary.get("grpo_all_flat"):
        from eigendsl.train.report import GRPO_UNCHANGED

        click.echo(GRPO_UNCHANGED)


def _default_run_folder(target: Path) -> Path:
    """The run folder of ``train TARGET`` with no --out, as :func:`eigendsl.train.pipeline.train`
    names it (``runs/<domain>/train``), for a failure's JSON object: the domain's name read from
    the manifest or domain.yaml, with no compile (its warnings said once already)."""
    import yaml

    from eigendsl.train.manifest import read_manifest

    folder = target.parent if target.name == "domain.yaml" else target
    manifest = folder / "manifest.yaml" if folder.is_dir() else folder
    if manifest.is_file() and not (folder / "domain.yaml").is_file():
        read = read_manifest(manifest)
        return Path("runs") / str(read.get("domain") or Path(read["spec_dir"]).name) / "train"
    spec = yaml.safe_load((folder / "domain.yaml").read_text(encoding="utf-8"))
    return Path("runs") / str(spec.get("name") or folder.name) / "train"


def _print_pass_rates(summary: dict[str, Any]) -> None:
    """base / SFT / SFT+GRPO on the held-out tasks, as report.md's first table gives them."""
    from eigendsl.runtime.rows import headline_rates
    from eigendsl.train.report import STAGE_NAMES

    click.echo(f"  {'':9s}" + "".join(f"{name:>8s}" for name, _ in headline_rates(summary["base"])))
    for stage in ("base", "sft", "grpo"):
        rates = "".join(f"{rate:8.3f}" for _, rate in headline_rates(summary[stage]))
        click.echo(f"  {STAGE_NAMES[stage]:9s}{rates}")
