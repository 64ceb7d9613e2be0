"""The compiler's commands: ``eigendsl compile``, ``lint`` and ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from eigendsl.cli.shared import echo_json, json_option, spec_dir_argument, user_errors
from eigendsl.errors import render_all


@click.command("compile")
@spec_dir_argument
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: generated/<domain>/).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and name the files that would change (lint runs only with "
    "--strict).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Lint findings are errors: exit 1 when there is any, and write nothing.",
)
@click.option("--no-lint", is_flag=True, help="Skip the lint analyses (see `eigendsl lint`).")
@user_errors
def compile_cmd(
    spec_dir: Path, out_dir: Path | None, check: bool, strict: bool = False, no_lint: bool = False
) -> None:
    """Validate SPEC_DIR and generate prompts, tool schemas, verifiers, tasks and the manifest."""
    from eigendsl.compiler import compile_domain, other_spec_compiled_in, write_output

    compiled = compile_domain(spec_dir, out_dir)
    out = out_dir or Path("generated") / compiled.name
    # --check answers whether the output is current; its findings are lint's, asked for by --strict
    linted = not no_lint and (strict or not check)
    if not linted:  # lint tells them with its own findings
        for shown in render_all(compiled.warnings):
            click.echo(shown, err=True)
    if "tools.json" in compiled.files:  # a tools.py that cannot import: nothing is written
        from eigendsl.runtime.python_tools import import_python_tools

        import_python_tools(compiled.spec_dir or Path(spec_dir), compiled.files["tools.json"])
    if linted and strict:  # a compile that --strict fails writes nothing: lint it in memory first
        from eigendsl.lint import lint_compiled

        lint_compiled(spec_dir, compiled, strict, lambda line: click.echo(line, err=True))
        linted = False
    other = other_spec_compiled_in(out, compiled.spec_dir)
    changed = write_output(compiled, out, check=check)
    if other is not None:  # two specs of one name share generated/<domain>/
        click.echo(
            f"warning: {out} {'holds' if check else 'held'} the compile of another spec folder "
            f"named '{compiled.name}', {other}"
            + ("" if check else f", which this compile of {spec_dir} replaced")
            + "; give each its own folder with -o (or rename one domain)",
            err=True,
        )
    if check:
        if not out.exists():
            click.echo(f"{out} does not exist: nothing was compiled there yet", err=True)
            click.echo(f"run: eigendsl compile {spec_dir} -o {out}", err=True)
            sys.exit(1)
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
    if linted:
        from eigendsl.lint import lint_compiled

        lint_compiled(spec_dir, compiled, strict, lambda line: click.echo(line, err=True))


@click.command("lint")
@spec_dir_argument
@click.option(
    "--samples",
    type=click.IntRange(min=1, max=1000),
    default=3,
    show_default=True,
    help="Parameter sets sampled per template, each played and mutated (at most 1000).",
)
@json_option(what="report")
@user_errors
def lint_cmd(spec_dir: Path, samples: int, as_json: bool) -> None:
    """Prove every task of SPEC_DIR solvable and every check strong; exit 1 on errors."""
    from eigendsl.lint import lint
    from eigendsl.lint.report import json_line, text_lines

    report = lint(spec_dir, samples)
    if as_json:
        echo_json(json_line(report))
    else:
        click.echo("\n".join(text_lines(report)))
    if report.errors:
        sys.exit(1)


@click.command("schema")
@click.option(
    "--kind",
    type=click.Choice(["domain", "tasks"]),
    default="domain",
    help="Which file's schema: domain.yaml or a task file.",
)
@user_errors
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of spec files, for editors to validate and complete them."""
    from pydantic.json_schema import GenerateJsonSchema

    from eigendsl.spec import DomainSpec
    from eigendsl.task_spec import TaskFile

    model = DomainSpec if kind == "domain" else TaskFile
    schema = model.model_json_schema(by_alias=True, schema_generator=GenerateJsonSchema)
    # the draft pydantic writes for (2020-12), named, as editors pick their validator by it
    schema = {"$schema": GenerateJsonSchema.schema_dialect, **schema}
    click.echo(json.dumps(schema, indent=2))
