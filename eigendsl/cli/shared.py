"""What several ``eigendsl`` commands share: the error wrapper, the options they declare alike,
the judge of ``--judge`` and the summary of judged episodes (a table, or one JSON line).

User errors (:class:`EigenError`) are printed as diagnostics and exit with status 1; no
traceback reaches the user. Under ``--json`` a command that fails or is stopped still ends stdout
with one JSON object, the error's (:func:`json_option`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from eigendsl.cli.json_output import _JSON, JsonCommand, echo_json, say_failure
from eigendsl.errors import EigenError, first_few
from eigendsl.runtime.tool_faults import interrupts

# Episodes per task that run, eval and train play at most: every episode is held until the
# summary (pass^k needs them all), so 10**8 trials ran until memory ran out.
MAX_TRIALS = 1000


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print EigenDSL errors as `file:line:col: sentence` diagnostics and exit 1."""
    again = (
        "run the same command again, which resumes from what was kept"
        if func in _RESUMES
        else "run the same command again"
    )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EigenError as exc:
            say_failure(exc.render())
            sys.exit(1)
        except OSError as exc:
            # a file or folder the command was told to read or write: where and why, in one line
            where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
            if exc.errno in FULL_DISK:  # a write's own error names no file: the writer adds it
                file = exc.filename
                what = f"{file} could not be written" if file else "a file could not be written"
                say_failure(
                    f"the disk is full: {what} ({exc.strerror}); free some space and {again}"
                )
            else:
                say_failure(f"{where or 'error'}: {exc.strerror or exc}")
            sys.exit(1)

    return wrapper


# The errors of a write that the disk has no room for: no space, or the user's quota spent.
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
# The commands whose work is kept on disk as it goes (resumes_after_interrupt): a full disk's
# message says that running them again resumes.
_RESUMES: set[Callable[..., Any]] = set()


class _Stop:
    """The SIGINT and SIGTERM handler of a command (:func:`sigterm_as_interrupt`): the first
    signal raises ``KeyboardInterrupt``, and those after it (a second Ctrl-C, a scheduler's
    repeated SIGTERM) are ignored, so that what the stop keeps is written and said and the
    command exits 130; SIGKILL still ends it at once."""

    counts_interrupts = True  # each signal counted in tool_faults.interrupts

    def __init__(self) -> None:
        self.taken = False
        self.held = False  # interrupts_held: ignored while a finished command reports

    def __call__(self, signum: int, frame: Any) -> None:
        interrupts.count += 1  # told apart from a tool's own KeyboardInterrupt
        if self.taken or self.held:
            return
        self.taken = True
        raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While it holds, SIGTERM (a timeout's, a job scheduler's before its kill) stops the command
    as Ctrl-C does, so that what Ctrl-C keeps is kept; once either has stopped it, the next ones
    are ignored until the process exits (the handler is not put back: a second signal while the
    command keeps its work or exits would lose the work, or end it by the signal instead of with
    status 130). SIGINT that is ignored (a command a shell started in the background) stays
    ignored. Where no handler can be set (not the main thread), as before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stop = _Stop()
    stopped = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        stopped.append(signal.SIGINT)
    previous = {signum: signal.signal(signum, stop) for signum in stopped}
    _STOPS.append(stop)
    try:
        yield
    except KeyboardInterrupt:
        stop.taken = True  # the command ends, with status 130: the next signals are ignored
        raise
    finally:
        _STOPS.remove(stop)
        if not stop.taken:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


_STOPS: list[_Stop] = []  # the handlers of the commands running (one, but for tests)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """While it holds, Ctrl-C and SIGTERM are ignored: the moment a command whose work is done
    takes to write it and say so (a stop then would keep nothing of it)."""
    held = list(_STOPS)
    for stop in held:
        stop.held = True
    try:
        yield
    finally:
        for stop in held:
            stop.held = False


def exit_stopped() -> NoReturn:
    """Exit with status 130, as a program Ctrl-C stopped does, Ctrl-C and SIGTERM ignored from
    here on: Python puts the default handlers back while it shuts down (its threads joined, the
    worker pools' exit), and a second Ctrl-C then ended the process by the signal (status -2)
    after it had said what was kept. An ignored signal stays ignored through the shutdown."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
    sys.exit(130)


def stops_as_interrupted(func: Callable[..., Any]) -> Callable[..., Any]:
    """A command (run, eval) that SIGTERM stops as Ctrl-C does (:func:`sigterm_as_interrupt`),
    and that Ctrl-C before its episodes were kept stops with a word and exit status 130 (one
    that kept them calls :func:`exit_interrupted`)."""
    return _stopped_saying(
        func,
        lambda kwargs: (
            "interrupted before any episode had ended; " + _nothing_written(kwargs.get("out"))
        ),
    )


def resumes_after_interrupt(func: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose work is kept on disk as it goes (synth, train): Ctrl-C (or SIGTERM) says so
    and how to go on, and exits 130 as an interrupted program does (click's own word is
    "Aborted!")."""
    wrapper = _stopped_saying(
        func,
        lambda kwargs: (
            "interrupted: what was done is kept in the output folder; the same "
            "command resumes from it"
        ),
    )
    _RESUMES.add(wrapper)
    return wrapper


def _stopped_saying(
    func: Callable[..., Any], said: Callable[[dict[str, Any]], str]
) -> Callable[..., Any]:
    """``func`` stopped by Ctrl-C or SIGTERM (:func:`sigterm_as_interrupt`) with the line
    ``said`` gives for its options, and exit status 130 (:func:`exit_stopped`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except KeyboardInterrupt:
            say_failure(said(kwargs), before="\n")
            exit_stopped()

    return wrapper


# Arguments and options that several commands declare alike (same name, type, default and help).
spec_dir_argument = click.argument("spec_dir", type=click.Path(path_type=Path))
domain_dir_argument = click.argument("domain_dir", type=click.Path(path_type=Path))
seed_option = click.option("--seed", type=int, default=0, show_default=True)


def json_option(func: Callable[..., Any] | None = None, *, what: str = "summary") -> Any:
    """``--json`` (as ``as_json``): the command's result as one JSON line, and only that, on
    stdout (see :func:`echo_json`); a command that fails or is stopped prints instead
    ``{"error": <what stderr said>, "exit_status": N}`` with what it made known
    (:func:`json_facts`) and, for a command that resumes (synth, train), ``resumed_with``: the
    command line that goes on from what was kept. The exit status and stderr are as without
    ``--json``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not kwargs.get("as_json"):
                return command(*args, **kwargs)
            running = JsonCommand(sys.stdout)
            _JSON.append(running)
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    return command(*args, **kwargs)
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    code = exc.code if isinstance(exc.code, int) else 1
                    said = None if isinstance(exc.code, int) else str(exc.code)
                    running.failed(code, running.said or said, _resumes(command))
                raise
            except click.ClickException as exc:  # click prints it as `Error: ...`
                running.failed(exc.exit_code, exc.format_message(), _resumes(command))
                raise
            except (click.Abort, KeyboardInterrupt):  # click says "Aborted!" and exits 1
                running.failed(1, "Aborted!", _resumes(command))
                raise
            except Exception as exc:  # a bug: its traceback follows on stderr
                running.failed(1, f"{type(exc).__name__}: {exc}", _resumes(command))
                raise
            finally:
                _JSON.pop()

        return click.option(
            "--json",
            "as_json",
            is_flag=True,
            help=f"Print the {what} as one JSON object on the last line (an error's, "
            "with its exit status, where the command fails or is stopped).",
        )(wrapper)

    return decorate(func) if func is not None else decorate


def _resumes(command: Callable[..., Any]) -> bool:
    """Whether ``command`` (wrapped by :func:`user_errors` and the like) is one whose work is
    kept on disk as it goes (:func:`resumes_after_interrupt`)."""
    while True:
        if command in _RESUMES:
            return True
        inner = getattr(command, "__wrapped__", None)
        if inner is None:
            return False
        command = inner


context_option = click.option(
    "--context",
    type=click.Choice(["compact", "full"]),
    default=None,
    help="What a model agent is shown. compact: the short prompt and tool results the embedded "
    "model is trained with; full: compiled prompt, JSON results and schemas. Default: the one "
    "the checkpoint was trained with where eigendsl train made it, else full (run and eval "
    "alike).",
)

constrain_calls_option = click.option(
    "--constrain-calls",
    is_flag=True,
    help="Hold the model's tool calls to the tools' schemas while it writes them (hf backend; "
    "see the README's *Calls held to the schemas*).",
)


def judge_model(spec: str | None) -> Any:
    """The judge model of `--judge`, or None."""
    if spec is None:
        return None
    from eigendsl.runtime.judge import make_judge

    return make_judge(spec)


# Lines a command with ``episodes_progress(lines=True)`` writes where stderr is not a terminal.
PROGRESS_LINES = 10


@contextlib.contextmanager
def episodes_progress(total: int, lines: bool = False) -> Iterator[Callable[[int], None]]:
    """A bar on stderr (stdout holds the summary) of the episodes finished out of ``total``;
    the callable takes how many more finished. Shown only on a terminal, and gone once done;
    with ``lines``, where stderr is not a terminal (a log file), a line at each tenth of the
    episodes instead (``eval``, whose episodes take a model's time)."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if lines and not console.is_terminal:
        done = [0, 0]  # episodes finished, tenths written

        def line(finished: int) -> None:
            done[0] += finished
            tenths = PROGRESS_LINES * done[0] // max(total, 1)
            if tenths > done[1]:
                done[1] = tenths
                click.echo(f"episodes: {done[0]} of {total} finished", err=True)

        yield line
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("episodes", total=total)
        yield lambda finished: bar.advance(task, finished)


def plain_console() -> Any:
    """A rich console that prints text as written: a failed statement's ``[item_id]`` is not a
    style to rich and ``tau2.chk:100:`` not the emoji code ``:100:``."""
    from rich.console import Console

    return Console(markup=False, emoji=False)


# The counts of a summary keyed by a place in the spec, with their table's title and column.
PLACED_COUNTS = {
    "failures": ("failures by statement", "statement"),
    "scores_missed": ("score terms not earned (a lower score, not a failure)", "statement"),
    "tool_faults": ("errors in the spec's tools (bugs to fix in their code)", "fault"),
}
# Rows a table of counts shows; the rest are counted in a last row (`--json` and `--out` have all).
SHOWN_COUNTS = 15


def print_summary(summary: dict[str, Any], title: str) -> None:
    """The episodes' summary as tables (the failed statements as written) under ``title``, a
    line of its own: as a table's title, rich wraps it into the narrow columns' width."""
    from rich.table import Table

    from eigendsl.runtime.rows import calls_that_ran, headline_rates

    console = plain_console()
    console.print(title)
    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("tasks", "episodes", "passed"):
        table.add_row(key, str(summary[key]))
    for reason, count in summary.get("ended", {}).items():
        table.add_row(f"ended: {reason}", str(count))
    # pass_rate (passed / episodes) is pass^1 whenever every task has as many trials: not repeated
    for k, value in summary["pass_hat_k"].items():
        table.add_row(f"pass^{k}", f"{value:.3f}")
    for name, value in headline_rates(summary):  # pass@K, K the trials a task (none for one)
        if name.startswith("pass@"):
            table.add_row(name, f"{value:.3f}")
    if "mean_score" in summary:
        table.add_row("mean verifier score", f"{summary['mean_score']:.3f}")
        table.add_row("tool calls that ran", calls_that_ran(summary))
        table.add_row("malformed tool calls", str(summary.get("malformed_tool_calls", 0)))
    console.print(table)
    for key, (heading, column) in PLACED_COUNTS.items():
        if not summary.get(key):
            continue
        console.print(counts_table(summary[key], heading, column))
        if key == "failures":
            failed = summary["episodes"] - summary["passed"]
            console.print(
                f"{failed} of {summary['episodes']} episodes failed; an episode can fail several "
                "statements and is counted under each."
            )


def counts_table(counted: dict[str, int], heading: str, column: str) -> Any:
    """A table of ``counted``: the first :data:`SHOWN_COUNTS`, then a row that says how many
    more there are."""
    from rich.table import Table

    counts = Table(title=heading)
    counts.add_column("count", justify="right")
    counts.add_column(column)
    items = list(counted.items())
    for reason, count in items[:SHOWN_COUNTS]:
        counts.add_row(str(count), reason)
    if len(items) > SHOWN_COUNTS:
        more = len(items) - SHOWN_COUNTS
        counts.add_row("", f"and {more} more, each as often or less (all of them: --json, --out)")
    return counts


def warn_if_stale(domain: Any, domain_dir: Path) -> None:
    """A warning on stderr when ``domain`` is a compiled folder whose spec changed since the
    compile: the command plays the folder as compiled, not the spec as it is now."""
    if domain.spec_changes is None:
        return
    spec, changed = domain.spec_changes
    click.echo(
        f"warning: {domain_dir} is stale: its spec {spec} changed since the compile "
        f"({first_few(changed)}), "
        f"and this plays the domain as compiled; run: eigendsl compile {spec} -o {domain_dir}",
        err=True,
    )


def report_episodes(
    rows: list[dict[str, Any]],
    out: Path | None,
    as_json: bool,
    title: str,
    domain_dir: Path | None = None,
) -> None:
    """Write the episodes (when asked) and print their summary, as a table or one JSON line
    (the spec files they name as paths from here, when ``domain_dir`` is the spec folder)."""
    from eigendsl.runtime.rows import row_from_here, summarize, write_jsonl

    if domain_dir is not None:
        rows = [row_from_here(row, domain_dir) for row in rows]
    if out is not None:
        write_jsonl(rows, out)
    summary = summarize(rows)
    if as_json:
        echo_json(summary)
    else:
        print_summary(summary, title)


def exit_interrupted(kept: int, total: int, out: Path | None, command: str) -> NoReturn:
    """Ctrl-C or SIGTERM stopped ``command`` (run, eval) after ``kept`` of ``total`` episodes had
    ended, those written to ``out`` (none, and ``out`` left as it was, when ``kept`` is 0): say so
    and exit 130, as train and synth do."""
    if not kept:
        said = f"interrupted before any of the {total} episodes had ended; {_nothing_written(out)}"
    elif out is not None:
        said = (
            f"interrupted: {kept} of {total} episodes had ended; they are in {out}, a partial set "
            f"(its pass rates are not the full {command}'s)"
        )
    else:
        said = (
            f"interrupted: {kept} of {total} episodes had ended; give --out to keep the episodes "
            "that end"
        )
    for stop in _STOPS:  # the command ends, with status 130: the next signals are ignored
        stop.taken = True
    say_failure(said, before="\n")
    exit_stopped()


def _nothing_written(out: Path | None) -> str:
    """What a command stopped before any episode ended says of ``out``: nothing was written to
    it, and a file already there (an earlier run's episodes) is left as it was."""
    if out is None:
        return "nothing was written"
    if Path(out).exists():
        return f"nothing was written to {out} (the file already there is left as it was)"
    return f"nothing was written to {out}"
