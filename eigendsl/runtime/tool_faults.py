"""Bugs in a spec's Python tools, told apart from refusals.

A tool refuses a call by raising ``ToolError``: the agent reads why and may try again. Any other
exception, a row written against the table schema, a change made by a tool not declared
``writes: true`` and a result that is not JSON are faults of the tool's code; so is a guard
condition or a declared tool's body that raises anything but an ``EvalError`` (a missing row
the arguments name is a refusal, a division by zero a bug). The model reads a
short line that says so (never a traceback); the spec's author reads a :class:`ToolFault`, which
names the tool, the problem and, for an exception, the line of the spec's Python file that
raised it. Episode rows carry them (``tool_faults``), `eigendsl run` counts them, and lint
reports them where gold plans are replayed.

Every message quotes as lint's findings do: a tool's name in double quotes, keys and values as
JSON (``tool "cancel_order" wrote orders["#1"].total = "4" ...``); a Python object JSON has no
text for (a date, a set) as Python writes it.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eigendsl.runtime.database import DELETED
from eigendsl.support import GuardFault, describe_error, place, show


@dataclass(frozen=True)
class ToolFault:
    """A bug of one tool found on one call.

    ``kind``: ``exception``, ``guard_exception``, ``body_exception`` (a declared tool's),
    ``bad_write``, ``undeclared_write`` or ``not_json``. ``file``, ``line`` (and ``col`` for a
    guard's condition) place an exception in the spec folder (``file`` relative to the
    folder's parent, ``airline/tools.py``); ``group`` is what the same bug shares across calls
    and tasks."""

    tool: str
    kind: str
    message: str
    group: str
    file: str = ""
    line: int = 0
    task: str = ""
    call_id: str = ""
    col: int = 0
    # where a Python tool's function is defined (``library/tools.py:32``, :func:`defined_at`):
    # the place of a fault no line of the code raised (a result that is not JSON, a bad write),
    # which ``run``'s table of faults had none for
    defined: str = ""

    def __str__(self) -> str:
        if not self.file:
            return f"{self.defined}: {self.message}" if self.defined else self.message
        col = f"{self.col}:" if self.col else ""
        return f"{self.file}:{self.line}:{col} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def recorded_apart(domain: Any) -> Iterator[list[ToolFault]]:
    """The faults the tool calls made inside find, in a list of their own rather than the
    domain's audit (:attr:`~eigendsl.runtime.domain.Domain.audit`, set while lint replays the
    gold plans; none is kept where it is not set). A replay of a task's gold plan behind its
    episode (the judge's gold database, the amounts the scripted user accounts for) meets the
    faults the episode met at the same steps: recorded there too, each would be told twice."""
    audited = domain.audit
    apart: list[ToolFault] = []
    domain.audit = apart if audited is not None else None
    try:
        yield apart
    finally:
        domain.audit = audited


def raising_line(exc: BaseException, folder: Path | None) -> tuple[str, int]:
    """The deepest frame of ``exc``'s traceback inside the spec ``folder``: its file (relative
    to the folder's parent) and line; ("", 0) when no frame ran there."""
    if folder is None:
        return "", 0
    base = os.path.abspath(folder)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = os.path.abspath(frame.filename)
        if frame.lineno and path.startswith(base + os.sep):
            return os.path.relpath(path, os.path.dirname(base)).replace(os.sep, "/"), frame.lineno
    return "", 0


#: How long one call of a Python tool may run before it is stopped (seconds), in every command
#: that plays episodes: a tool in an endless loop would hang lint, run, synth and training.
CALL_SECONDS = 10.0


class ToolTimeout(BaseException):
    """A tool call that ran past its time limit. Not an ``Exception``: a tool's own
    ``except Exception`` must not swallow it and go on looping."""


class time_limit:
    """Stop the code run inside after ``seconds`` with :class:`ToolTimeout`, raised where it
    is, and again each second after if the code catches it. Only the main thread can take the
    signal that does it, on a system that has it; elsewhere the code runs unlimited.

    A call costs two ``setitimer`` calls (about half a microsecond), so every tool call can have
    one. The signal's handler is taken once (:meth:`take`), and again where other code took it
    since (an environment checks at its start): a signal not of a call goes to the handler that
    was there before. A timer set before is put back, less the time spent here."""

    _armed = 0.0  # the seconds of the call being timed; 0 when none
    _taken = False
    _previous: Any = None

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.pending = (0.0, 0.0)
        self.started = 0.0
        self.on = _TIMERS and threading.current_thread() is threading.main_thread()

    @staticmethod
    def take() -> None:
        """Make the handler of the stops the signal's, if it is not (from the main thread)."""
        if not _TIMERS or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGALRM) is not _stop:
            time_limit._previous = signal.signal(signal.SIGALRM, _stop)
        time_limit._taken = True

    def __enter__(self) -> None:
        if not self.on:
            return
        if not time_limit._taken:
            time_limit.take()
        time_limit._armed = self.seconds
        self.started = time.monotonic()
        self.pending = signal.setitimer(signal.ITIMER_REAL, self.seconds, 1.0)

    def __exit__(self, *exc: object) -> None:
        if not self.on:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        time_limit._armed = 0.0
        pending, interval = self.pending
        if pending:
            left = max(pending - (time.monotonic() - self.started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


_TIMERS = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")


def _stop(signum: int, frame: Any) -> None:
    if time_limit._armed:
        raise ToolTimeout(f"ran longer than {time_limit._armed:g} s")
    if callable(time_limit._previous):  # a timer not of a tool call: what was there before
        time_limit._previous(signum, frame)


class interrupts:
    """Ctrl-C told apart from a tool that raises ``KeyboardInterrupt`` itself: the first stops
    the command, the second is a fault of the tool like any exception. The SIGINT handler is
    taken once (:meth:`take`), where it is Python's own: it counts each Ctrl-C, then raises
    ``KeyboardInterrupt`` as Python's does. Where SIGINT is ignored (a command started in the
    background by a shell, or under ``nohup``), no Ctrl-C reaches the command, and every
    ``KeyboardInterrupt`` is the tool's own. A handler of the command's own that counts each
    signal here too says so by a true ``counts_interrupts`` (the CLI's, which SIGTERM shares).
    Where it is another's, or off the main thread, every ``KeyboardInterrupt`` counts as a
    Ctrl-C."""

    count = 0

    @staticmethod
    def take() -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupted)

    @staticmethod
    def stops(exc: BaseException, count: int) -> bool:
        """Whether ``exc``, raised in a tool call that began when :attr:`count` was ``count``,
        must stop the command: a Ctrl-C, or a ``KeyboardInterrupt`` that may be one."""
        if not isinstance(exc, KeyboardInterrupt):
            return False
        handler = signal.getsignal(signal.SIGINT)
        if handler is signal.SIG_IGN:
            return False
        counted = handler is _interrupted or getattr(handler, "counts_interrupts", False)
        return interrupts.count != count or not counted


def _interrupted(signum: int, frame: Any) -> None:
    interrupts.count += 1
    signal.default_int_handler(signum, frame)


def defined_at(tool: Any) -> str:
    """Where the function of the Python tool ``tool`` (a runtime ``ToolInfo``) is defined, as
    ``library/tools.py:32`` (its file relative to the spec folder's parent, as
    :func:`raising_line` places an exception); "" for a declared tool, or a function defined
    outside the spec folder."""
    folder = getattr(tool, "origin", None)
    impl = getattr(tool, "impl", None)
    impl = getattr(impl, "func", impl)  # a partial that gives the tool the clock
    code = getattr(inspect.unwrap(impl), "__code__", None) if callable(impl) else None
    if folder is None or code is None:
        return ""
    base = os.path.abspath(folder)
    path = os.path.abspath(code.co_filename)
    if not path.startswith(base + os.sep):
        return ""
    return (
        f"{os.path.relpath(path, os.path.dirname(base)).replace(os.sep, '/')}:{code.co_firstlineno}"
    )


def exception_fault(tool: str, exc: BaseException, folder: Path | None) -> ToolFault:
    """The fault of a tool whose code raised ``exc`` (anything but ``ToolError``)."""
    file, line = raising_line(exc, folder)
    text = str(exc)
    if isinstance(exc, KeyError) and exc.args:
        text = show(exc.args[0])
    raised = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = "" if file else " (outside the spec folder)"
    message = (
        f"tool {show(tool)} {text} and was stopped here{where}: a loop that never ends? fix the "
        "code, or make the call faster (every command stops a call after "
        f"{CALL_SECONDS:g} s)"
        if isinstance(exc, ToolTimeout)
        else f"tool {show(tool)} raised {raised}{where}: an exception in the tool's code, not a "
        "refusal; fix the code, or raise ToolError('...') where the tool should refuse the call"
    )
    return ToolFault(tool, "exception", message, f"{file}:{line}:{type(exc).__name__}", file, line)


def _raised(error: BaseException) -> str:
    """What a DSL expression that raised ``error`` did, after 'the guard of "x" ...': a
    division by zero names the division and its divisor, as a verdict's reason does."""
    if isinstance(error, ZeroDivisionError) and hasattr(error, "dsl_division"):
        return f"failed: {describe_error(error)}"
    text = (
        json.dumps(error.args[0], ensure_ascii=False, default=str)
        if isinstance(error, KeyError) and error.args
        else str(error)
    )
    return f"raised {type(error).__name__}: {text}" if text else f"raised {type(error).__name__}"


def guard_fault(tool: str, fault: GuardFault) -> ToolFault:
    """The fault of a guard of ``tool`` whose condition raised an exception that is not an
    ``EvalError`` (a field read from text, a division by zero), at the condition. Lint reports
    it, so it quotes as lint's findings do: the tool's name in double quotes, a key as JSON."""
    error = fault.error
    message = (
        f"the guard of {json.dumps(tool)} {_raised(error)}; a bug of the spec, not a refusal of "
        "the call; fix the condition (the agent reads that the check of the tool broke)"
    )
    group = f"{fault.path}:{fault.line}:{fault.col}:{type(error).__name__}"
    return ToolFault(tool, "guard_exception", message, group, fault.path, fault.line, col=fault.col)


def body_fault(tool: str, error: BaseException) -> ToolFault:
    """The fault of a declared tool whose body raised an exception that is not an
    ``EvalError`` (a division by zero): a bug of the spec, as a guard's is."""
    message = (
        f"the body of {json.dumps(tool)} (declare: in domain.yaml) {_raised(error)}; a bug of the "
        "spec, "
        "not a refusal of the call; fix the body (the agent reads that the tool broke)"
    )
    return ToolFault(tool, "body_exception", message, type(error).__name__)


def guard_text(tool: str) -> str:
    """What the model reads of a call whose guard broke: no Python, no file."""
    return (
        f"internal error in the check of the tool {tool}: a fault of the system, not a refusal "
        "of the request; the call was not made and the database is unchanged"
    )


def model_text(tool: str, exc: BaseException | None = None) -> str:
    """What the model reads of a faulty call: that the tool broke, not that it refused."""
    cause = f" ({type(exc).__name__})" if exc is not None else ""
    return (
        f"internal error in the tool {tool}{cause}: a fault of the tool, not a refusal of the "
        "request; the database is unchanged"
    )


def first_change(changed: dict[str, dict[str, Any]], db: dict[str, dict[str, Any]]) -> str:
    """The first of the rows a read tool changed (``table -> key -> row``, a staged view's
    :meth:`~eigendsl.runtime.database.Staged.changed`) as words: ``changed flights["F1"].status``,
    ``added flights["F9"]``, ``deleted flights["F2"]``."""
    table, rows = next(iter(changed.items()))
    key, row = next(iter(rows.items()))
    old = db.get(table, {}).get(key, DELETED)
    if row is DELETED:
        return f"deleted {row_place(table, key)}"
    if old is DELETED:
        return f"added {row_place(table, key)}"
    return f"changed {row_place(table, key, changed_field(old, row))}"


def row_place(table: str, key: Any, field: str | None = None) -> str:
    """A row, or a field of it, as the DSL writes it (its key as JSON), without the ``db.``.

    >>> print(row_place("orders", "#1"), row_place("orders", "#1", "status"))
    orders["#1"] orders["#1"].status
    """
    return place(table, [key] if field is None else [key, field], row_at=0)


def changed_field(old: Any, row: Any) -> str | None:
    """The first field whose value differs between two versions of a row (one present in only
    one of them included), or None where they are not both rows or none differs."""
    if not isinstance(row, dict) or not isinstance(old, dict):
        return None
    return next((f for f in {**old, **row} if old.get(f, old) != row.get(f, old)), None)


def undeclared_write(tool: str, change: str) -> ToolFault:
    message = (
        f"tool {show(tool)} is not declared writes: true, but it {change}; declare it writes: true "
        "or do not change the database"
    )
    return ToolFault(tool, "undeclared_write", message, change.split("[", 1)[0])


def bad_write(tool: str, problem: str) -> ToolFault:
    # The same field of any row is the same bug: the group drops the row's key and the value.
    rest = _after_row(problem)
    group = rest.split(",", 1)[0] if rest.startswith(" without") else rest.split(" ", 1)[0]
    return ToolFault(tool, "bad_write", problem, group)


def _after_row(problem: str) -> str:
    """What ``problem`` says after the row it names (``orders["#1"]``), whose key is JSON text
    (a key that holds a ``]`` too)."""
    start = problem.find("[") + 1
    try:
        _key, end = json.JSONDecoder().raw_decode(problem, start)
    except ValueError:
        end = -1
    if start and end > 0 and problem[end : end + 1] == "]":
        return problem[end + 1 :]
    return problem.split("]", 1)[-1]


def not_json(tool: str, problem: str) -> ToolFault:
    fix = (
        "the model reads NaN or Infinity, which JSON readers refuse; return a number or None"
        if problem.endswith("a float JSON cannot write")
        else "the model and the episode files read \ufffd in its place; decode bytes with "
        "errors='replace', not 'surrogateescape'"
        if "surrogate pair" in problem
        else "the model reads it as text made by str(), so return JSON values only: str, int, "
        "float, bool, None, list, dict"
    )
    message = f"tool {show(tool)} returned a value that is not JSON: {problem}; {fix}"
    return ToolFault(tool, "not_json", message, problem.rsplit(" is ", 1)[-1])


def unwritable(tool: str, problem: str) -> ToolFault:
    """The fault of a call whose result no JSON writer takes (``tool_results.json_result``'s
    ``fatal``): the call fails, and a write it made is not applied."""
    message = (
        f"tool {show(tool)} returned a result that cannot be written as JSON: {problem}; the call "
        "fails (the model reads that the tool broke); return JSON values only: str, int, "
        "float, bool, None, list, dict"
    )
    return ToolFault(tool, "unwritable_result", message, _PLACE.sub("", problem))


_PLACE = re.compile(r"^the result(\[[^\]]*\])* ")


def long_result(tool: str, length: int, shown: int) -> ToolFault:
    """A result longer than the model is shown: it reads the first ``shown`` characters only."""
    message = (
        f"tool {show(tool)} returned a result of {length:,} characters, and the model reads only "
        f"the first {shown:,}: the rest is cut off; return less (a page of rows, or only the "
        "fields the task needs)"
    )
    return ToolFault(tool, "long_result", message, "long")
