"""The one JSON line of a ``--json`` command (:func:`eigendsl.cli.shared.json_option`): its
result, or, where it fails or is stopped, ``{"error": ..., "exit_status": N}`` and what the
command made known (:func:`json_facts`)."""

from __future__ import annotations

import json
import shlex
from typing import Any

import click


class JsonCommand:
    """A ``--json`` command as it runs: the standard output it started with, where its one JSON
    line goes (whatever else reaches stdout while it runs, a print() in the spec's tools.py or a
    library's notice, is sent to stderr, so the output stays one JSON object that parses);
    whether that line was printed; the failure said on stderr, and what the command made known
    for a failure's JSON object (:func:`json_facts`)."""

    def __init__(self, stdout: Any) -> None:
        self.stdout = stdout
        self.printed = False
        self.said: str | None = None
        self.facts: dict[str, Any] = {}

    def failed(self, status: int, said: str | None, resumes: bool) -> None:
        """Print the failure's JSON object, once, unless the command printed its own line (lint
        --json prints its report, then exits 1 on errors); with ``resumed_with`` where the
        command ``resumes`` from what it kept."""
        if self.printed:
            return
        failure: dict[str, Any] = {"error": said or f"exited with status {status}"}
        failure["exit_status"] = status
        for key, fact in self.facts.items():
            try:
                value = fact() if callable(fact) else fact
            except Exception:  # noqa: BLE001 - a fact that cannot be found is left out
                value = None
            if value is not None:
                failure[key] = value
        if resumes:
            failure.setdefault("resumed_with", command_line())
        echo_json(failure)


_JSON: list[JsonCommand] = []  # the --json commands running (one, but for tests)


def say_failure(message: str, before: str = "") -> None:
    """Say on stderr why the command fails or stopped (``before`` it: a blank line after a
    progress bar); a ``--json`` command repeats ``message`` in its last line's JSON object."""
    click.echo(f"{before}{message}", err=True)
    if _JSON:
        _JSON[-1].said = message


def json_facts(**facts: Any) -> None:
    """What a ``--json`` command's failure object says besides its error (``stage``,
    ``out_dir``): each a value, or a function called when the command fails (one that raises
    or gives None is left out). Nothing where the command has no ``--json``."""
    if _JSON:
        _JSON[-1].facts.update(facts)


def echo_json(value: Any) -> None:
    """Print ``value`` as one JSON line on the stdout the ``--json`` command started with."""
    text = value if isinstance(value, str) else json.dumps(value)
    click.echo(text, file=_JSON[-1].stdout if _JSON else None)
    if _JSON:
        _JSON[-1].printed = True


def command_line() -> str | None:
    """The command running, as a shell line that runs it again: ``eigendsl``, the command's
    name, its arguments and the options given on the command line (defaults left out)."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    words = ["eigendsl", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        name = param.name or ""
        value = ctx.params.get(name)
        if isinstance(param, click.Argument):
            values = value if isinstance(value, (list, tuple)) else [value]
            words += [str(v) for v in values if v is not None]
            continue
        if ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            continue
        assert isinstance(param, click.Option)
        if param.is_flag:
            flag = param.opts[0] if value or not param.secondary_opts else param.secondary_opts[0]
            words.append(flag)
            continue
        for one in (value or ()) if param.multiple else [value]:
            words += [param.opts[0], str(one)]
    return shlex.join(words)
