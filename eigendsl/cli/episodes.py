"""The commands that play episodes of a domain and judge them: ``eigendsl run``, ``play`` and
``eval`` (a trained model on held-out tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eigendsl.cli.shared import (
    MAX_TRIALS,
    constrain_calls_option,
    context_option,
    domain_dir_argument,
    echo_json,
    episodes_progress,
    exit_interrupted,
    exit_stopped,
    interrupts_held,
    json_option,
    judge_model,
    print_summary,
    report_episodes,
    seed_option,
    spec_dir_argument,
    stops_as_interrupted,
    user_errors,
    warn_if_stale,
)
from eigendsl.errors import EigenError, first_few


def named_tasks(
    domain: Any, ids: tuple[str, ...], split: str | None, option: str
) -> list[dict[str, Any]]:
    """The tasks ``ids`` names, in that order and each once (an unknown id: did you mean), those
    of ``split`` among them where one is given; none of them there is an error that says to leave
    ``option``, the command's split option, out."""
    named = [domain.task(i) for i in dict.fromkeys(ids)]
    chosen = [t for t in named if split in (None, "all") or t.get("split") == split]
    if not chosen:
        named_ids = [t["id"] for t in named]
        which = (
            f"the task {named_ids[0]} is not"
            if len(named_ids) == 1
            else f"none of the tasks {', '.join(named_ids)} is"
        )
        raise EigenError(
            f"{which} a {split} task of domain {domain.name}; "
            f"leave {option} out to play the named tasks whatever their split, or name a task "
            "of that split"
        )
    return chosen


def select_tasks(
    domain: Any, tasks: int | None, split: str | None, ids: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The tasks ``run`` plays: those named by ``ids`` (:func:`named_tasks`) or those of
    ``split``, then the first ``tasks`` of them."""
    if ids:
        chosen = named_tasks(domain, ids, split, "--split")
    else:
        chosen = [t for t in domain.tasks if split in (None, "all") or t.get("split") == split]
    if not chosen:
        raise EigenError(f"no tasks in split '{split}' of domain {domain.name}")
    return chosen[:tasks] if tasks else chosen


@click.command("run")
@domain_dir_argument
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
    "--task",
    "task_ids",
    multiple=True,
    help="Run only this task (its id, as in tasks.jsonl); repeat for several.",
)
@click.option(
    "--tasks", type=click.IntRange(min=1), default=None, help="Run only the first N tasks."
)
@click.option(
    "--split", type=click.Choice(["all", "train", "held-out"]), default="all", show_default=True
)
@click.option(
    "--trials",
    type=click.IntRange(min=1, max=MAX_TRIALS),
    default=1,
    show_default=True,
    help=f"Episodes per task (for pass^k; at most {MAX_TRIALS}: every episode is kept until "
    "the summary).",
)
@seed_option
@click.option(
    "--max-turns",
    type=click.IntRange(min=2, max=1000),
    default=None,
    help="Turn limit, 2 to 1000 as the spec's max_turns (default: the domain's).",
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
@context_option
@constrain_calls_option
@json_option
@user_errors
@stops_as_interrupted
def run_cmd(
    domain_dir: Path,
    agent: str,
    user: str,
    mistakes: tuple[str, ...],
    task_ids: tuple[str, ...],
    tasks: int | None,
    split: str,
    trials: int,
    seed: int,
    max_turns: int | None,
    out: Path | None,
    as_json: bool,
    judge: str | None = None,
    context: str | None = None,
    constrain_calls: bool = False,
) -> None:
    """Run episodes of DOMAIN_DIR (a spec or generated folder) and judge them."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import EpisodesInterrupted, run_episodes
    from eigendsl.runtime.model_roles import make_agent, make_user
    from eigendsl.runtime.model_view import agent_context, checkpoint_notes, domain_fingerprint
    from eigendsl.runtime.rows import claim_episodes_file, row_from_here, write_jsonl

    if out is not None:
        claim_episodes_file(out)
    domain = load_domain(domain_dir)
    warn_if_stale(domain, domain_dir)
    domain.judge_model = judge_model(judge)
    chosen = select_tasks(domain, tasks, split, task_ids)
    shown = agent_context(agent, context)
    for note in checkpoint_notes(agent, domain.name, shown, domain_fingerprint(domain)):
        click.echo(note, err=True)
    try:
        with episodes_progress(len(chosen) * trials) as progress:
            rows = run_episodes(
                domain,
                chosen,
                make_agent(
                    agent, tuple(mistakes), seed, constrain_calls=constrain_calls, context=context
                ),
                make_user(user, domain, seed),
                trials=trials,
                max_turns=max_turns,
                progress=progress,
            )
    except EpisodesInterrupted as stopped:
        if out is not None and stopped.rows:  # those that had ended, as a finished run writes
            # them; none ended: nothing written, a file already there left as it was
            write_jsonl([row_from_here(row, domain_dir) for row in stopped.rows], out)
        exit_interrupted(len(stopped.rows), stopped.total, out, "run")
    with interrupts_held():  # every episode ended: kept and said, not lost to a late Ctrl-C
        title = f"{domain.name}: agent {agent}, user {user}"
        report_episodes(rows, out, as_json, title, domain_dir)


@click.command("eval")
@spec_dir_argument
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
    default=None,
    help="The split to play (default: held-out; with --task, the named tasks whatever their "
    "split).",
)
@click.option(
    "--task",
    "task_ids",
    multiple=True,
    help="Play only this task (its id, as in tasks.jsonl); repeat for several.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=1, max=MAX_TRIALS),
    default=4,
    show_default=True,
    help=f"Episodes per task (for pass^k; at most {MAX_TRIALS}).",
)
@click.option("--temperature", type=click.FloatRange(min=0), default=0.3, show_default=True)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="The sampling seed (train's evaluations use the run's --seed). Each turn is drawn "
    "with a seed of its own (this one, the task, the trial, the turn), so a task played alone "
    "(--task ID) or with more --trials replays the episodes of the full evaluation.",
)
@context_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the judged episodes as JSONL.",
)
@constrain_calls_option
@json_option
@user_errors
@stops_as_interrupted
def eval_cmd(
    spec_dir: Path,
    model_path: str,
    split: str | None,
    task_ids: tuple[str, ...],
    trials: int,
    temperature: float,
    seed: int,
    context: str | None,
    out: Path | None,
    as_json: bool,
    constrain_calls: bool = False,
) -> None:
    """pass^1..K and pass@K of a model on held-out tasks, and the statements its episodes
    failed."""
    from eigendsl.runtime.checkpoints import load_for_play
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import EpisodesInterrupted
    from eigendsl.runtime.model_view import agent_context, checkpoint_notes, domain_fingerprint
    from eigendsl.runtime.rows import claim_episodes_file
    from eigendsl.train.evaluate import evaluate

    if out is not None:
        claim_episodes_file(out)
    domain = load_domain(spec_dir)
    warn_if_stale(domain, spec_dir)
    tasks, played = eval_selection(domain, split, task_ids)  # before the model takes its time
    model, tokenizer = load_for_play(model_path, lambda line: click.echo(line, err=True))
    shown = agent_context(f"hf:{model_path}", context)
    for note in checkpoint_notes(
        f"hf:{model_path}", domain.name, shown, domain_fingerprint(domain)
    ):
        click.echo(note, err=True)
    try:
        with episodes_progress(len(tasks) * trials, lines=True) as progress:
            summary = evaluate(
                domain,
                model,
                tokenizer,
                tasks,
                trials=trials,
                temperature=temperature,
                context=shown,
                out=out,
                seed=seed,
                constrain_calls=constrain_calls,
                progress=progress,
            )
    except EpisodesInterrupted as stopped:  # evaluate wrote the ended ones to --out
        exit_interrupted(len(stopped.rows), stopped.total, out, "eval")
    with interrupts_held():  # the episodes are written: the summary is said
        if as_json:
            echo_json(summary)
        else:
            print_summary(summary, f"{domain.name}: {model_path} on {played}")


def eval_selection(
    domain: Any, split: str | None, ids: tuple[str, ...]
) -> tuple[list[dict[str, Any]], str]:
    """The tasks ``eval`` plays, and their name for its table: the split (``held-out`` when none
    is given), or the tasks ``ids`` names, those of ``split`` among them when one is given."""
    from eigendsl.train.evaluate import eval_tasks

    if not ids:
        split = split or "held-out"
        return eval_tasks(domain, split), f"{split} tasks"
    chosen = named_tasks(domain, ids, split, "--tasks")
    return chosen, f"task{'s' * (len(chosen) > 1)} " + first_few([t["id"] for t in chosen])


@click.command("play")
@domain_dir_argument
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
    """Play one episode interactively and see the verdict with its reasons (Ctrl-C ends the
    episode where it is: the verdict, then exit status 130)."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.play import play

    try:
        domain = load_domain(domain_dir)
    except KeyboardInterrupt:
        click.echo("\ninterrupted before the episode began", err=True)
        exit_stopped()
    warn_if_stale(domain, domain_dir)
    if task_id is None and not domain.tasks:
        raise EigenError(
            f"{domain_dir} has no tasks to play; add a task template (with sampled or "
            "concrete tasks) to a task file"
        )
    task = domain.task(task_id) if task_id is not None else domain.tasks[0]

    def read(prompt: str) -> str:
        # input(), not click.prompt: click turns Ctrl-C into the same Abort as the end of the
        # input, and play ends an episode on Ctrl-C whichever role the person plays
        try:
            return input(prompt)
        except EOFError:  # the end of the input: as /quit (the agent) or /stop (the user)
            click.echo()
            return "/quit" if role == "agent" else "/stop"

    row = play(domain, task, role, read, click.echo)
    if row["end_reason"] == "interrupted":
        exit_stopped()
