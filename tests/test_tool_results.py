"""What a spec's Python tool hands back, and how it is called (runtime/tool_results.py,
environment.py, python_tools.py, lint/tool_audit.py): a result JSON cannot write is a fault at
the tool, never a traceback or a file that cannot be written; a tool raising any exception is a
fault of the call while Ctrl-C still stops the command; an optional argument sent as null is left
out; a module beside tools.py imports; a tool that is not deterministic is named."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.lint import lint
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import MAX_RESULT_CHARS, Environment
from tests.conftest import edit

CANCEL = '    order["status"] = "cancelled"\n'
ARGS = {"order_id": "#1", "reason": "no longer needed"}


def _returns(mini: Path, body: str) -> None:
    """Make cancel_order return what ``body`` (lines of Python) leaves in ``out``."""
    edit(mini, "tools.py", "    return order\n", body + "    return out\n")


UNWRITABLE = [
    ("    out = []\n    out.append(out)\n", "the result[0] holds itself (a list inside itself)"),
    (
        "    out = 'end'\n    for _ in range(5000):\n        out = [out]\n",
        "is nested more than 100 levels deep",
    ),
    ("    out = {'n': 10 ** 5000}\n", 'the result["n"] is an int of more than 4300 digits'),
]


@pytest.mark.parametrize(("body", "problem"), UNWRITABLE)
def test_a_result_json_cannot_write_is_an_error_at_the_tool_and_the_call_fails(
    mini: Path, body: str, problem: str
) -> None:
    # A cycle or 5,000 levels crashed lint and run with a RecursionError, a huge int failed the
    # step with Python's advice (sys.set_int_max_str_digits) and no place.
    _returns(mini, body)
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", ARGS)
    assert not ok and "internal error in the tool cancel_order" in text
    assert env.db["orders"]["#1"]["status"] == "pending"  # its write is dropped
    found = [f for f in lint(mini).findings if f.kind == "tool_unwritable_result"]
    assert [(f.span.path, f.severity) for f in found] == [("mini/domain.yaml", "error")]
    assert problem in found[0].message and "cannot be written as JSON" in found[0].message
    result = CliRunner().invoke(main, ["run", str(mini)])
    assert result.exit_code == 0 and "errors in the spec's tools" in result.output
    assert "Traceback" not in result.output


def test_tuple_keys_and_a_lone_surrogate_are_warnings_and_every_file_is_written(
    mini: Path, tmp_path: Path
) -> None:
    # A tuple key crashed lint and run (TypeError: keys must be str...); a lone surrogate passed
    # lint, then crashed `run --out` and every `synth` that met it, resumed or not.
    _returns(mini, "    out = {**order, (1, 2): 'x', 'note': 'bad \\udc80 byte'}\n")
    found = sorted(f.message for f in lint(mini).findings if f.kind == "tool_not_json")
    assert len(found) == 2, found
    assert "the result has the key (1, 2), tuple where JSON takes text" in found[0]
    assert 'the result["note"] holds "\\udc80", half of a UTF-16 surrogate pair' in found[1]
    assert "not 'surrogateescape'" in found[1]
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", ARGS)
    assert ok and '"(1, 2)": "x"' in text and "bad \ufffd byte" in text
    assert env.trace.calls[0].result["note"] == "bad \ufffd byte"  # what a check reads
    out = tmp_path / "episodes.jsonl"
    result = CliRunner().invoke(main, ["run", str(mini), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert rows and "bad \ufffd byte" in out.read_text("utf-8")


def test_json_result_converts_as_json_writes_and_leaves_json_alone() -> None:
    from eigendsl.runtime.tool_results import json_result

    plain = {"a": [1, 2.5, None, True, "x"], "b": {"c": []}}
    assert json_result(plain).value == plain and not json_result(plain).problems
    shared = [1]
    assert json_result({"x": shared, "y": shared}).value == {"x": [1], "y": [1]}  # no cycle
    found = json_result({1: (2, 3), None: float("nan"), "d": object})
    assert found.value == {"1": [2, 3], "null": found.value["null"], "d": str(object)}
    assert len(found.problems) == 4 and not found.fatal


def test_a_result_longer_than_the_model_reads_is_a_warning(mini: Path) -> None:
    _returns(mini, f"    out = {{**order, 'log': 'x' * {MAX_RESULT_CHARS * 2}}}\n")
    found = [f for f in lint(mini).findings if f.kind == "tool_long_result"]
    assert [f.severity for f in found] == ["warning"]
    assert f"the model reads only the first {MAX_RESULT_CHARS:,}" in found[0].message


@pytest.mark.parametrize("raised", ["GeneratorExit()", "KeyboardInterrupt()", "Stop()"])
def test_a_tool_raising_any_base_exception_is_a_fault_of_the_call(mini: Path, raised: str) -> None:
    # GeneratorExit ended compile, lint and run with a traceback; a KeyboardInterrupt the tool
    # raised itself made compile print "Aborted!" as if the user had pressed Ctrl-C.
    edit(mini, "tools.py", CANCEL, CANCEL + f"    raise {raised}\n")
    tools = mini / "tools.py"
    tools.write_text(tools.read_text("utf-8") + "\n\nclass Stop(BaseException):\n    pass\n")
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", ARGS)
    assert not ok and "internal error in the tool cancel_order" in text
    assert [f.kind for f in env.faults] == ["exception"]
    result = CliRunner().invoke(main, ["run", str(mini)])
    assert result.exit_code == 0 and "errors in the spec's tools" in result.output


def test_a_tool_s_own_keyboard_interrupt_is_its_fault_where_sigint_is_ignored(
    mini: Path,
) -> None:
    # A command a shell starts in the background (or nohup) ignores SIGINT: no Ctrl-C reaches
    # it, yet a tool's own KeyboardInterrupt stopped the command as if one had.
    edit(mini, "tools.py", CANCEL, CANCEL + "    raise KeyboardInterrupt\n")
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        env = Environment(load_domain(mini))
        text, ok = env.call_tool("cancel_order", ARGS)
    finally:
        signal.signal(signal.SIGINT, before)
    assert not ok and "internal error in the tool cancel_order" in text
    assert [f.kind for f in env.faults] == ["exception"]


def test_ctrl_c_during_a_tool_call_still_stops_the_command(mini: Path) -> None:
    body = (
        "    import os, signal, time\n    os.kill(os.getpid(), signal.SIGINT)\n    time.sleep(5)\n"
    )
    edit(mini, "tools.py", CANCEL, CANCEL + body)
    # as a command on a terminal gets it: Python's handler, not the SIG_IGN a background job has
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        env = Environment(load_domain(mini))
        with pytest.raises(KeyboardInterrupt):
            env.call_tool("cancel_order", ARGS)
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_module_that_raises_generator_exit_at_import_is_an_error_at_its_line(
    mini: Path, tmp_path: Path
) -> None:
    tools = mini / "tools.py"
    tools.write_text(tools.read_text("utf-8") + "\nraise GeneratorExit\n", "utf-8")
    result = CliRunner().invoke(main, ["compile", str(mini), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "importing tools.py failed: GeneratorExit" in result.output
    assert "Traceback" not in result.output


def test_an_optional_argument_sent_as_null_is_left_out(mini: Path) -> None:
    # OpenAI's strict mode has a model send every parameter, null for those it leaves out:
    # "argument 'reason' must be string, not null" refused the call.
    edit(
        mini,
        "domain.yaml",
        "      reason: {type: enum,",
        "      reason: {optional: true, type: enum,",
    )
    edit(mini, "tools.py", "reason):", "reason=None):")
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": None})
    assert ok, text
    assert env.trace.calls[0].args == {"order_id": "#1"}  # as if left out
    text, ok = env.call_tool("cancel_order", {"order_id": None, "reason": None})
    assert not ok and "'order_id' must be string, not null" in text
    text, ok = env.call_tool("get_order", {"order_id": "#1", "reason": None})
    assert not ok and "get_order has no parameter 'reason'" in text


def test_a_required_enum_or_date_sent_as_null_is_named_as_declared(mini: Path) -> None:
    env = Environment(load_domain(mini))
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": None})
    assert not ok
    assert "'reason' must be one of no longer needed, ordered by mistake, not null" in text


def test_a_module_beside_tools_py_imports(mini: Path, tmp_path: Path) -> None:
    # "No module named 'helpers'", although compile's check of the imports had accepted it.
    (mini / "helpers.py").write_text("def shout(text):\n    return text.upper()\n", "utf-8")
    tools = mini / "tools.py"
    tools.write_text("from helpers import shout\n" + tools.read_text("utf-8"), "utf-8")
    edit(mini, "tools.py", "    return order\n", "    return {'said': shout('done')}\n")
    result = CliRunner().invoke(main, ["compile", str(mini), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    env = Environment(load_domain(mini))
    assert env.call_tool("cancel_order", ARGS)[0] == '{"said": "DONE"}'
    assert "helpers" not in __import__("sys").modules  # another spec's helpers.py is its own
    assert str(mini.resolve()) not in __import__("sys").path


def test_lint_names_a_write_tool_that_is_not_deterministic(mini: Path) -> None:
    # lint said only that `db == gold` did not hold, a new random key each run.
    edit(
        mini,
        "tools.py",
        CANCEL,
        CANCEL + '    import uuid\n    order["total"] = uuid.uuid4().int % 10**9 + 0.5\n',
    )
    found = [f for f in lint(mini).findings if f.kind == "tool_nondeterministic"]
    assert [(f.span.path, f.severity) for f in found] == [("mini/domain.yaml", "error")]
    assert 'tool "cancel_order" is not deterministic' in found[0].message
    # The row and field as the DSL writes them (it showed db['orders']['#1']['total']).
    assert re.search(
        r'wrote different rows \(db\.orders\["#1"\]\.total is \d+\.5 after the first replay and '
        r"\d+\.5 after the second\)",
        found[0].message,
    ), found[0].message


def test_a_nondeterministic_write_is_placed_as_the_dsl_writes_a_row() -> None:
    # Each difference between the two replays' databases, as a row or field of `db`.
    from eigendsl.lint.tool_audit import _first_difference

    first = {"orders": {"#1": {"id": "#1", "total": 3.5}}}
    assert _first_difference(first, first) == ""
    assert _first_difference(first, {"orders": {"#1": {"id": "#1"}}}) == (
        'db.orders["#1"].total is 3.5 after the first replay and left out after the second'
    )
    added = {"orders": {**first["orders"], "a]b": {"id": "a]b"}}}
    assert _first_difference(first, added) == (
        'db.orders["a]b"] is there after the second replay only'
    )
