"""The ``eigendsl`` command line: thin click commands over library functions.

User errors (:class:`EigenError`) are printed as diagnostics and exit with status 1; no
traceback reaches the user.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

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

    return wrapper


@click.group()
@click.version_option(package_name="eigendsl")
def main() -> None:
    """EigenDSL: domain specs in, verified training data, rewards and trained agents out."""


@main.command("compile")
@click.argument("spec_dir", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: generated/<domain>/).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and name the files that would change.")
@user_errors
def compile_cmd(spec_dir: Path, out_dir: Path | None, check: bool) -> None:
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
        return
    click.echo(f"compiled {compiled.name}: {len(compiled.files)} files in {out}"
               f" ({len(changed)} changed, {len(compiled.tasks)} tasks)")


@main.command("schema")
@click.option("--kind", type=click.Choice(["domain", "tasks"]), default="domain",
              help="Which file's schema: domain.yaml or a task file.")
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of spec files, for editors to validate and complete them."""
    from eigendsl.spec import DomainSpec, TaskFile

    model = DomainSpec if kind == "domain" else TaskFile
    click.echo(json.dumps(model.model_json_schema(by_alias=True), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
