"""The ``eigendsl`` command line: thin click commands over library functions.

``main`` is the group; the commands live in modules by what they work on (``specs``: compile,
lint, schema; ``episodes``: run, play, eval; ``training``: synth, train; ``tau2``: import and
export) over what they share (``shared``: the error wrapper, common options, summaries).
"""

from __future__ import annotations

import click

from eigendsl.cli.episodes import eval_cmd, play_cmd, run_cmd
from eigendsl.cli.specs import compile_cmd, lint_cmd, schema_cmd
from eigendsl.cli.tau2 import export_group, import_group
from eigendsl.cli.training import synth_cmd, train_cmd


@click.group()
@click.version_option(package_name="eigendsl")
def main() -> None:
    """EigenDSL: domain specs in, verified training data, rewards and trained agents out."""


for command in (
    compile_cmd,
    lint_cmd,
    schema_cmd,
    run_cmd,
    import_group,
    export_group,
    synth_cmd,
    train_cmd,
    eval_cmd,
    play_cmd,
):
    main.add_command(command)
