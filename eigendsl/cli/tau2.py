"""The tau2-bench commands: ``eigendsl import tau2``, ``import tau2-results`` and
``export tau2``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from eigendsl.cli.shared import (
    domain_dir_argument,
    json_option,
    judge_model,
    report_episodes,
    user_errors,
)
from eigendsl.errors import EigenError


@click.group("import")
def import_group() -> None:
    """Import from other formats: tau2-bench domains and simulation results."""


@import_group.command("tau2")
@domain_dir_argument
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
    from eigendsl.tau2.importer import import_summary, import_tau2

    result = import_tau2(domain_dir, spec_dir, "advisory" if nl == "advisory" else "gate", force)
    for warning in result.warnings:
        click.echo(warning.render(), err=True)
    click.echo(import_summary(result))


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
@json_option
@user_errors
def import_tau2_results_cmd(
    results: Path, spec_dir: Path, out: Path, judge: str | None, as_json: bool
) -> None:
    """Read tau2-bench simulation results as episodes, re-judged with the compiled checks."""
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.rows import claim_episodes_file
    from eigendsl.tau2.rejudge import import_results

    claim_episodes_file(out)
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
    rows = import_results(
        data,
        domain,
        judge_model(judge),
        source=str(results),
        warn=lambda message: click.echo(f"warning: {message}", err=True),
    )
    report_episodes(rows, out, as_json, f"{domain.name}: {results} re-judged")


@click.group("export")
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
    default=None,
    help="tau2's name of the domain, for `info` and each task's user scenario (default: the "
    "spec's name given --spec, else the one the episodes' system messages name; an imported "
    "tau2 domain's is tau2's own, `retail`).",
)
@click.option(
    "--spec",
    "spec_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The spec the episodes were played on (or its compiled folder): puts the agent's "
    "system prompt (policy) and the turn limit (max_steps) in `info`, and each task's user "
    "scenario in `tasks` (of a task --tau2-tasks does not give).",
)
@user_errors
def export_tau2_cmd(
    traces: Path,
    out_dir: Path,
    tau2_tasks: Path | None,
    domain_name: str | None,
    spec_dir: Path | None = None,
) -> None:
    """Write episodes (JSONL from `eigendsl run --out`) as tau2-bench simulation results."""
    from eigendsl.tau2.export import (
        UNKNOWN_DOMAIN,
        export_results,
        load_tau2_tasks,
        read_rows,
        recorded_domain,
        tau2_domain,
        write_results,
    )

    rows = read_rows(traces)
    tasks = load_tau2_tasks(tau2_tasks) if tau2_tasks is not None else None
    told: dict[str, Any] = {}
    if spec_dir is not None:
        from eigendsl.runtime.domain import load_domain

        domain = load_domain(spec_dir)
        domain_name = domain_name or tau2_domain(domain.name)
        told = {
            "policy": domain.agent_prompt,
            "max_steps": domain.max_turns,
            "spec_tasks": {str(task["id"]): task for task in domain.tasks},
        }
    domain_name = domain_name or recorded_domain(rows)
    results = export_results(rows, tasks, domain_name or UNKNOWN_DOMAIN, **told)
    target = write_results(results, out_dir)
    click.echo(f"exported {len(rows)} episodes to {target}")
    if domain_name is None and rows:
        click.echo(
            f"note: domain_name is '{UNKNOWN_DOMAIN}': the episodes do not name the spec they "
            "were played on (their first message is not a compiled agent prompt, or they name "
            "several); --spec SPEC_DIR or --domain NAME sets it",
            err=True,
        )
    if spec_dir is None:
        # Neither the rows nor `run --out`'s folder record the spec or the task's user block.
        empty = sum(t.get("user_scenario") == {"instructions": ""} for t in results["tasks"])
        if empty:
            click.echo(
                f"note: user_scenario is empty in {empty} of {len(results['tasks'])} tasks: the "
                "episodes do not record their task's user or the spec they were played on; "
                "--spec SPEC_DIR fills it",
                err=True,
            )
