"""One mistake repeated many times is reported as a few errors and a count, not thousands of
copies: a ``choices`` list of 2,000 values a tool does not take printed each value's error with
the whole line, output and memory growing as the square of the list (160 MB for 4,000)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import Diagnostic, EigenError, Span, register_source
from tests.conftest import edit

TASKS = "tasks/cancel.yaml"


def test_many_wrong_choices_on_one_line_are_counted(mini: Path, tmp_path: Path) -> None:
    values = ", ".join(f"c{i}" for i in range(2000))
    edit(mini, TASKS, "choices: [no longer needed, ordered by mistake]}", f"choices: [{values}]}}")
    result = CliRunner().invoke(main, ["compile", str(mini), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(result.stderr) < 5000
    assert lines[0].startswith("mini/tasks/cancel.yaml:7:40: choice 1 of 'reason' is 'c0', ")
    assert lines[3].startswith("mini/tasks/cancel.yaml:7:44: choice 2 of 'reason' is 'c1', ")
    assert lines[6].startswith("mini/tasks/cancel.yaml:7:48: choice 3 of 'reason' is 'c2', ")
    assert lines[9].startswith(
        "mini/tasks/cancel.yaml: and 1997 more errors like these on line 7, at columns 52, 56, 60 "
        "and 1994 more"
    )
    # the task's reason is none of the 2,000 choices: a mistake of its own, its choices cut short
    assert lines[10] == (
        "mini/tasks/cancel.yaml:19:97: task 'cancel-ann': parameter 'reason' is 'no longer "
        "needed', not one of the choices 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', "
        "'c9' and 1990 more (template 'cancel')"
    )
    assert lines[-1] == "2001 errors"


def test_errors_of_other_kinds_are_all_shown() -> None:
    register_source("k.chk", "a\nb\nc\nd\ne\nf\n")
    spans = [Span("k.chk", line, 1) for line in range(1, 7)]
    alike = [Diagnostic(span, f"unknown tool 't{i}'") for i, span in enumerate(spans)]
    other = Diagnostic(spans[5], "a line of another kind")
    lines = EigenError([*alike, other]).render().splitlines()
    assert [line for line in lines if line.startswith("k.chk")] == [
        "k.chk:1:1: unknown tool 't0'",
        "k.chk:2:1: unknown tool 't1'",
        "k.chk:3:1: unknown tool 't2'",
        "k.chk: and 3 more errors like these at lines 4, 5, 6",
        "k.chk:6:1: a line of another kind",
    ]
    assert lines[-1] == "7 errors"


def test_one_or_two_alike_past_the_shown_are_shown_too() -> None:
    """Newcomer G's L2: "and 1 more errors like these on line 6" hid an `unknown tool 'fnd_user'`
    with its own did-you-mean, to save no line."""
    register_source("m.chk", "a\nb\nc\nd\ne\n")
    alike = [Diagnostic(Span("m.chk", line, 1), f"unknown tool 't{line}'") for line in range(1, 6)]
    lines = EigenError(alike).render().splitlines()
    assert [line for line in lines if line.startswith("m.chk")] == [
        f"m.chk:{line}:1: unknown tool 't{line}'" for line in range(1, 6)
    ]
