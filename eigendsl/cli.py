"""The ``eigendsl`` command line: thin click commands over library functions.

User errors (:class:`EigenError`) are printed as diagnostics and exit with status 1; no
traceback reaches the user.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from eigendsl.errors import EigenError


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print EigenDSL errors as `file:line:col: sentence` diagnostics and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EigenError as exc:
            click.echo(exc.render(), err=True)
            sys.exit(1)
        except OSError as exc:
            # a file or folder the command was told to read or write: where and why, in one line
            where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
            click.echo(f"{where or 'error'}: {exc.strerror or exc}", err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.version_option(package_name="eigendsl")
def main() -> None:
    """EigenDSL: domain specs in, verified training data, rewards and trained agents out."""


@main.command("compile")
@click.argument("spec_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: generated/<domain>/).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and name the files that would change."
)
@click.option("--strict", is_flag=True, help="Lint findings are errors: exit 1 when there is any.")
@click.option("--no-lint", is_flag=True, help="Skip the lint analyses (see `eigendsl lint`).")
@user_errors
def compile_cmd(
    spec_dir: Path, out_dir: Path | None, check: bool, strict: bool = False, no_lint: bool = False
) -> None:
    """Validate SPEC_DIR and generate prompts, tool schemas, verifiers, tasks and the manifest."""
    from eigendsl.compiler import compile_domain, write_output

    compiled = compile_domain(spec_dir, out_dir)
    out = out_dir or Path("generated") / compiled.name
    for warning in compiled.warnings:
        click.echo(warning.render(), err=True)
    changed = write_output(compiled, out, check=check)
    if check:
        if changed:
            click.echo(f"{out} is stale; these files would change:", err=True)
            for rel in changed:
                click.echo(f"  {out / rel}", err=True)
            click.echo(f"run: eigendsl compile {spec_dir} -o {out}", err=True)
            sys.exit(1)
        click.echo(f"{out} is up to date ({len(compiled.files)} files)")
    else:
        click.echo(
            f"compiled {compiled.name}: {len(compiled.files)} files in {out}"
            f" ({len(changed)} changed, {len(compiled.tasks)} tasks)"
        )
    if not no_lint:
        from eigendsl.lint import lint_compiled

        lint_compiled(spec_dir, out, strict, lambda line: click.echo(line, err=True))


@main.command("lint")
@click.argument("spec_dir", type=click.Path(path_type=Path))
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Parameter sets sampled per template.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report as one JSON object on the last line."
)
@user_errors
def lint_cmd(spec_dir: Path, samples: int, as_json: bool) -> None:
    """Prove every task of SPEC_DIR solvable and every check strong; exit 1 on errors."""
    from eigendsl.lint import lint
    from eigendsl.lint.report import json_line, text_lines

    report = lint(spec_dir, samples)
    click.echo(json_line(report) if as_json else "\n".join(text_lines(report)))
    if report.errors:
        sys.exit(1)


@main.command("schema")
@click.option(
    "--kind",
    type=click.Choice(["domain", "tasks"]),
    default="domain",
    help="Which file's schema: domain.yaml or a task file.",
)
@user_errors
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of spec files, for editors to validate and complete them."""
    from eigendsl.spec import DomainSpec, TaskFile

    model = DomainSpec if kind == "domain" else TaskFile
    click.echo(json.dumps(model.model_json_schema(by_alias=True), indent=2))


def select_tasks(domain: Any, tasks: int | None, split: str | None) -> list[dict[str, Any]]:
    chosen = [t for t in domain.tasks if split in (None, "all") or t.get("split") == split]
    if not chosen:
        raise EigenError(f"no tasks in split '{split}' of domain {domain.name}")
    return chosen[:tasks] if tasks else chosen


def print_summary(summary: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("tasks", "episodes", "passed", "pass_rate"):
        table.add_row(key, str(summary[key]))
    for k, value in summary["pass_hat_k"].items():
        table.add_row(f"pass^{k}", f"{value:.3f}")
    if "mean_score" in summary:
        table.add_row("mean verifier score", f"{summary['mean_score']:.3f}")
        table.add_row(
            "tool calls that ran", f"{summary['tool_call_ok_rate']:.3f} of {summary['tool_calls']}"
        )
        table.add_row("malformed tool calls", str(summary.get("malformed_tool_calls", 0)))
    console.print(table)
    if summary["failures"]:
        failures = Table(title="failures by reason")
        failures.add_column("count", justify="right")
        failures.add_column("statement")
        for reason, count in list(summary["failures"].items())[:15]:
            failures.add_row(str(count), reason)
        console.print(failures)


@main.command("run")
@click.argument("domain_dir", type=click.Path(path_type=Path))
@click.option(
    "--agent",
    default="scripted",
    show_default=True,
    help="scripted, hf:PATH_OR_ID, openai:BASE_URL[#model] or vllm:PATH_OR_ID.",
)
@click.option(
    "--user", default="scripted", show_default=True, help="scripted, or a backend like --agent."
)
@click.option(
    "--mistake",
    "mistakes",
    multiple=True,
    help="Scripted agent only: inject wrong_argument, skip_confirmation or missing_lookup; or "
    "recover (a write refused once, then made right).",
)
@click.option(
    "--tasks", type=click.IntRange(min=1), default=None, help="Run only the first N tasks."
)
@click.option(
    "--split", type=click.Choice(["all", "train", "held-out"]), default="all", show_default=True
)
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Episodes per task (for pass^k).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--max-turns",
    type=click.IntRange(min=1),
    default=None,
    help="Turn limit (default: the domain's).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the episodes as JSONL here.",
)
@click.option(
    "--judge",
    "judge",
    default=None,
    help="A backend (hf:..., openai:..., vllm:...) that judges `judge` statements yes/no; "
    "without one they are reported as not judged.",
)
@click.option(
    "--constrain-calls",
    is_flag=True,
    help="Hold the model's tool calls to the tools' schemas while it writes them (hf backend; "
    "see the README's *Calls held to the schemas*).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line."
)
@user_errors
def run_cmd(
    domain_dir: Path,
    agent: str,
    user: str,
    mistakes: tuple[str, ...],
    tasks: int | None,
    split: str,
    trials: int,
    seed: int,
    max_turns: int | None,
    out: Path | None,
    as_json: bool,
    judge: str | None = None,
    constrain_calls: bool = False,
) -> None:
    """Run episodes of DOMAIN_DIR (a spec or generated folder) and judge them."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.model_roles import make_agent, make_user

    domain = load_domain(domain_dir)
    domain.judge_model = judge_model(judge)
    chosen = select_tasks(domain, tasks, split)
    rows = run_episodes(
        domain,
        chosen,
        make_agent(agent, tuple(mistakes), seed, constrain_calls=constrain_calls),
        make_user(user, domain, seed),
        trials=trials,
        max_turns=max_turns,
    )
    report_episodes(rows, out, as_json, f"{domain.name}: agent {agent}, user {user}")


def judge_model(spec: str | None) -> Any:
    """The judge model of `--judge`, or None."""
    if spec is None:
        return None
    from eigendsl.runtime.judge import make_judge

    return make_judge(spec)


def report_episodes(
    rows: list[dict[str, Any]], out: Path | None, as_json: bool, title: str
) -> None:
    """Write the episodes (when asked) and print their summary, as a table or one JSON line."""
    from eigendsl.runtime.episodes import summarize, write_jsonl

    if out is not None:
        write_jsonl(rows, out)
    summary = summarize(rows)
    if as_json:
        click.echo(json.dumps(summary))
    else:
        print_summary(summary, title)


@main.group("import")
def import_group() -> None:
    """Import from other formats: tau2-bench domains and simulation results."""


@import_group.command("tau2")
@click.argument("domain_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "spec_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Spec folder to write (domain.yaml, tools.py, tasks/, checks/).",
)
@click.option(
    "--nl",
    type=click.Choice(["gate", "advisory"]),
    default="gate",
    show_default=True,
    help="NL assertions: `judge` statements that gate the verdict, or advisory ones.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into a folder that is not an earlier import's output, overwriting its "
    "domain.yaml, tools.py, tasks/tau2.yaml and checks/tau2.chk (other files stay).",
)
@user_errors
def import_tau2_cmd(domain_dir: Path, spec_dir: Path, nl: str, force: bool = False) -> None:
    """Convert a tau2-bench domain folder (db.json, policy.md, tasks.json) into a spec folder."""
    from eigendsl.tau2.importer import import_tau2

    result = import_tau2(domain_dir, spec_dir, "advisory" if nl == "advisory" else "gate", force)
    click.echo(
        f"imported {result.domain}: {result.tasks} tasks into {result.spec_dir} "
        f"({', '.join(result.files)}); next: eigendsl compile {result.spec_dir} -o <out>"
    )


@import_group.command("tau2-results")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--spec",
    "spec_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="The spec imported from the same tau2 domain (or its compiled folder).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Episodes JSONL to write.",
)
@click.option(
    "--judge",
    default=None,
    help="A backend that judges NL assertions (see `eigendsl run --judge`).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line."
)
@user_errors
def import_tau2_results_cmd(
    results: Path, spec_dir: Path, out: Path, judge: str | None, as_json: bool
) -> None:
    """Read tau2-bench simulation results as episodes, re-judged with the compiled checks."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.tau2.export import import_results

    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise EigenError(
            f"cannot read tau2 results {results}: not UTF-8 text (byte "
            f"{exc.start} cannot be decoded)"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise EigenError(f"cannot read tau2 results {results}: {exc}") from None
    domain = load_domain(spec_dir)
    rows = import_results(data, domain, judge_model(judge), source=str(results))
    report_episodes(rows, out, as_json, f"{domain.name}: {results} re-judged")


@main.group("export")
def export_group() -> None:
    """Export episodes to other formats: tau2-bench simulation results."""


@export_group.command("tau2")
@click.argument("traces", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write results.json into.",
)
@click.option(
    "--tau2-tasks",
    "tau2_tasks",
    type=click.Path(path_type=Path),
    default=None,
    help="The tau2 domain folder (or its tasks.json): puts tau2's tasks in the file and "
    "per-action, per-string and per-assertion checks in reward_info.",
)
@click.option(
    "--domain",
    "domain_name",
    default="retail",
    show_default=True,
    help="tau2 domain name for `info`.",
)
@user_errors
def export_tau2_cmd(traces: Path, out_dir: Path, tau2_tasks: Path | None, domain_name: str) -> None:
    """Write episodes (JSONL from `eigendsl run --out`) as tau2-bench simulation results."""
    from eigendsl.tau2.export import export_results, load_tau2_tasks, read_rows, write_results

    rows = read_rows(traces)
    target = write_results(export_results(rows, load_tau2_tasks(tau2_tasks), domain_name), out_dir)
    click.echo(f"exported {len(rows)} episodes to {target}")


RECOVER_HELP = (
    "Share of each generation planned as recoveries: the agent's write is refused once "
    "(a wrong id), it reads again and writes again, right."
)


@main.command("synth")
@click.argument("spec_dir", type=click.Path(path_type=Path))
@click.option("--generations", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--per-generation",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="Dialogues planned per generation.",
)
@click.option("--seed", type=int, default=0, show_default=True)
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
    default=1,
    show_default=True,
    help="Processes playing shards.",
)
@click.option(
    "--recover", type=click.FloatRange(0, 1), default=0.0, show_default=True, help=RECOVER_HELP
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line."
)
@user_errors
def synth_cmd(
    spec_dir: Path,
    generations: int,
    per_generation: int,
    seed: int,
    out: Path | None,
    planner: str,
    user_intent: str,
    prompt_engineer: str,
    trajectory: str,
    judge: str,
    workers: int,
    recover: float,
    as_json: bool,
) -> None:
    """Synthesize verified dialogues, generation after generation (resumable)."""
    from rich.progress import Progress

    from eigendsl.synth.generation import SynthSettings, run_synthesis

    settings = SynthSettings(
        generations,
        per_generation,
        seed,
        workers,
        planner=planner,
        user_intent=user_intent,
        trajectory=trajectory,
        judge=judge,
        prompt_engineer=prompt_engineer,
        recover=recover,
    )
    target = out or Path("runs") / spec_dir.resolve().name / "synth"
    with Progress(transient=True, disable=as_json) as progress:
        bar = progress.add_task("synthesizing", total=None)
        summary = run_synthesis(
            spec_dir,
            target,
            settings,
            lambda done, total: progress.update(bar, completed=done, total=total),
        )
    if as_json:
        click.echo(json.dumps(summary))
        return
    from rich.console import Console
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
        table.add_column(column, justify="right")
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
    Console().print(table)


@main.command("train")
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
    type=click.IntRange(min=1),
    default=None,
    help="Evaluation trials per task (pass^1..K).",
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
@click.option("--seed", type=int, default=None)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line."
)
@user_errors
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
    recover: float | None,
    grpo_steps: int | None,
    grpo_fresh_ids: bool | None,
    eval_trials: int | None,
    user_model: bool,
    seed: int | None,
    as_json: bool,
    constrain_calls: bool = False,
) -> None:
    """compile → synth → SFT → GRPO → eval on TARGET (a spec folder or a training manifest).

    Every stage resumes after a crash; report.md and plots are written in the run folder."""
    from eigendsl.train.pipeline import train
    from eigendsl.train.progress import quiet_library_bars

    quiet_library_bars()
    log = (lambda line: click.echo(line, err=True)) if as_json else click.echo
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
        recover=recover,
        grpo_steps=grpo_steps,
        grpo_fresh_ids=grpo_fresh_ids,
        eval_trials=eval_trials,
        user_model=user_model or None,
        seed=seed,
        eval_constrain_calls=constrain_calls or None,
    )
    if as_json:
        click.echo(json.dumps(summary))
        return
    click.echo(f"report: {summary['report']}")
    for stage in ("base", "sft", "grpo"):
        result = summary[stage]
        click.echo(
            f"  {stage:5s} pass^1 {result['pass_hat_1']:.3f}   "
            f"pass^k {json.dumps(result['pass_hat_k'])}"
        )


@main.command("eval")
@click.argument("spec_dir", type=click.Path(path_type=Path))
@click.option(
    "--model",
    "model_path",
    required=True,
    help="A checkpoint folder (e.g. runs/retail/train/sft) or hub id.",
)
@click.option(
    "--tasks",
    "split",
    type=click.Choice(["held-out", "train", "all"]),
    default="held-out",
    show_default=True,
)
@click.option("--trials", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--temperature", type=click.FloatRange(min=0), default=0.3, show_default=True)
@click.option(
    "--context",
    type=click.Choice(["compact", "full"]),
    default="compact",
    show_default=True,
    help="compact: the short prompt and tool results the embedded model is trained with; "
    "full: compiled prompt, JSON results and schemas.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the judged episodes as JSONL.",
)
@click.option(
    "--constrain-calls",
    is_flag=True,
    help="Hold the model's tool calls to the tools' schemas while it writes them (hf backend; "
    "see the README's *Calls held to the schemas*).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line."
)
@user_errors
def eval_cmd(
    spec_dir: Path,
    model_path: str,
    split: str,
    trials: int,
    temperature: float,
    context: str,
    out: Path | None,
    as_json: bool,
    constrain_calls: bool = False,
) -> None:
    """pass^1..K and pass@K of a model on held-out tasks, failures grouped by reason."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.train.evaluate import eval_tasks, evaluate
    from eigendsl.train.model import load_checkpoint

    domain = load_domain(spec_dir)
    model, tokenizer = load_checkpoint(model_path)
    summary = evaluate(
        domain,
        model,
        tokenizer,
        eval_tasks(domain, split),
        trials=trials,
        temperature=temperature,
        context=context,
        out=out,
        constrain_calls=constrain_calls,
    )
    if as_json:
        click.echo(json.dumps(summary))
    else:
        print_summary(summary, f"{domain.name}: {model_path} on {split} tasks")


@main.command("play")
@click.argument("domain_dir", type=click.Path(path_type=Path))
@click.option("--task", "task_id", default=None, help="Task id (default: the first task).")
@click.option(
    "--as",
    "role",
    type=click.Choice(["agent", "user"]),
    default="agent",
    show_default=True,
    help="Which side you play; the other is scripted.",
)
@user_errors
def play_cmd(domain_dir: Path, task_id: str | None, role: str) -> None:
    """Play one episode interactively and see the verdict with its reasons."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.play import play

    domain = load_domain(domain_dir)
    if not task_id and not domain.tasks:
        raise EigenError(
            f"{domain_dir} has no tasks to play; add a task template (with sampled or "
            "concrete tasks) to a task file"
        )
    task = domain.task(task_id) if task_id else domain.tasks[0]

    def read(prompt: str) -> str:
        try:
            return click.prompt(prompt, prompt_suffix="", default="", show_default=False)
        except (EOFError, click.Abort):
            return "/quit" if role == "agent" else "/stop"

    play(domain, task, role, read, click.echo)


if __name__ == "__main__":  # pragma: no cover
    main()
