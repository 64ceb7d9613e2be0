"""Broken or moved compiled folders, and spec tools that fail to import: each is an EigenError
that names the file (and line) and says how to fix it, never a traceback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import load_domain

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / "retail"
SPEC = ROOT / "specs" / "retail"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``generated/retail`` and ``specs/retail`` copied side by side under ``tmp_path``, the
    working directory, so the manifest's ``spec_dir`` (``../../specs/retail``) holds."""
    shutil.copytree(GENERATED, tmp_path / "generated" / "retail", ignore=IGNORE)
    shutil.copytree(SPEC, tmp_path / "specs" / "retail", ignore=IGNORE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_error(path: Path) -> EigenError:
    with pytest.raises(EigenError) as info:
        load_domain(path)
    return info.value


# ---------------------------------------------------------------------------- a moved folder


def test_a_copied_compiled_folder_finds_the_spec_it_was_compiled_from(tree: Path) -> None:
    moved = tree / "a" / "b" / "c" / "ok"
    shutil.copytree(tree / "generated" / "retail", moved)
    domain = load_domain(moved)
    assert domain.tools["find_user_id_by_email"].impl.__module__.startswith("eigendsl_spec_")


def test_a_copied_compiled_folder_finds_the_spec_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "g" / "ok"
    shutil.copytree(GENERATED, moved, ignore=IGNORE)
    monkeypatch.chdir(ROOT)
    assert len(load_domain(moved).tools) == 15


def test_a_compiled_folder_far_from_its_spec_says_what_was_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "g" / "ok"
    shutil.copytree(GENERATED, moved, ignore=IGNORE)
    monkeypatch.chdir(tmp_path)
    error = load_error(moved)
    span = error.diagnostics[0].span
    assert span.path == str(moved / "manifest.yaml") and span.line == 4
    text = str(error)
    assert "spec_dir '../../specs/retail'" in text and str(tmp_path / "specs" / "retail") in text
    assert f"eigendsl compile SPEC_DIR -o {moved}" in text


def test_the_cli_reports_a_missing_spec_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "g" / "ok"
    shutil.copytree(GENERATED, moved, ignore=IGNORE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(moved), "--tasks", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{moved / 'manifest.yaml'}:4:" in result.output


# ---------------------------------------------------------------------------- broken files


def _replace(old: str, new: str):
    def change(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def _write(content: str | bytes):
    def change(path: Path) -> None:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return change


def _append(content: str):
    def change(path: Path) -> None:
        path.write_text(path.read_text(encoding="utf-8") + content, encoding="utf-8")

    return change


BROKEN = [
    ("manifest.yaml", _write("domain: retail\nspec_dir: [oops\n"), 3, "invalid YAML"),
    ("manifest.yaml", _write(""), 0, "must be a mapping, not nothing"),
    ("manifest.yaml", _write("- a\n- b\n"), 0, "must be a mapping, not a list"),
    ("manifest.yaml", _replace("spec_dir: ../../specs/retail\n", ""), 0, "'spec_dir'"),
    ("manifest.yaml", _replace("domain: retail\n", ""), 0, "'domain'"),
    ("manifest.yaml", _replace("max_turns: 30", "max_turns: lots"), 19, "max_turns"),
    ("manifest.yaml", _replace("schema_version: 1", "schema_version: 9"), 1, "schema_version"),
    ("tools.json", _write('{\n  "tools": [\n'), 3, "invalid JSON"),
    ("tools.json", _write("[]"), 0, "must be a mapping, not a list"),
    ("tools.json", _replace('"meta": {', '"metadata": {'), 0, "'meta'"),
    ("tools.json", _replace('"writes": false', '"writes": "no"'), 0, "'writes'"),
    ("tasks.jsonl", _append("{oops\n"), 114, "invalid JSON"),
    ("tasks.jsonl", _append("[1, 2]\n"), 114, "each line must be a mapping"),
    ("tasks.jsonl", _replace('"check": "order_cancelled"', '"check": "nope"'), 1, "'nope'"),
    ("db.json", _write('{"schema_version": 1}'), 0, "'tables'"),
    ("verifiers/index.json", _write("{}"), 0, "'checks'"),
    ("verifiers/check_order_cancelled.py", _append("def (:\n"), -1, "SyntaxError"),
    ("verifiers/guards.py", _append("raise RuntimeError('boom')\n"), -1, "boom"),
    ("verifiers/rules.py", _write(""), 0, "verify"),
    ("prompts/agent_system.md", _write(b"Hello\n\xff\xfe\n"), 2, "not UTF-8"),
    ("prompts/user_simulator.md", None, 0, "does not exist"),
]


@pytest.mark.parametrize(
    ("rel", "change", "line", "words"), BROKEN, ids=[f"{b[0]}-{b[3]}" for b in BROKEN]
)
def test_a_broken_compiled_file_is_a_clear_error(tree: Path, rel, change, line, words) -> None:
    out = tree / "generated" / "retail"
    path = out / rel
    if change is None:
        path.unlink()
    else:
        change(path)
    if line == -1:  # the last line of a generated module, where the test wrote the bad code
        line = len(path.read_text(encoding="utf-8").splitlines())
    error = load_error(out)
    span = error.diagnostics[0].span
    assert span.path == str(out / rel)
    assert span.line == line
    text = str(error)
    assert words in text
    assert "eigendsl compile" in text
    if line == 0:
        assert text.startswith(str(path))


def test_the_cli_reports_a_broken_compiled_file_without_a_traceback(tree: Path) -> None:
    out = tree / "generated" / "retail"
    (out / "tools.json").write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(out), "--tasks", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "tools.json" in result.output


# ---------------------------------------------------------------------------- spec tools


TOOLS_FAILURES = [
    # a spec's is refused by compile, before running it: "imports '...', which is not installed"
    ("import nonexistent_module_xyz\n", "'nonexistent_module_xyz'"),
    ("raise RuntimeError('tools are broken')\n", "RuntimeError: tools are broken"),
    ("from __future__ import annotations\n", "SyntaxError"),
    ("raise SystemExit(3)\n", "SystemExit: 3"),
]


@pytest.mark.parametrize(
    ("code", "words"), TOOLS_FAILURES, ids=["import", "raise", "future", "exit"]
)
@pytest.mark.parametrize("which", ["compiled", "spec"])
def test_tools_py_that_fails_to_import_is_a_clear_error(tree: Path, code, words, which) -> None:
    tools = tree / "specs" / "retail" / "tools.py"
    _append(code)(tools)
    line = len(tools.read_text(encoding="utf-8").splitlines())
    # A relative path, as the CLI gets it: the line must still be found in the traceback.
    error = load_error(Path("generated" if which == "compiled" else "specs") / "retail")
    span = error.diagnostics[0].span
    assert Path(span.path).resolve() == tools.resolve()
    assert span.line == line
    assert words in str(error) and "tools.py" in str(error)
    loaded = [
        m
        for m in list(sys.modules.values())
        if str(getattr(m, "__file__", ""))
        and Path(str(m.__file__)).name == "tools.py"
        and Path(str(m.__file__)).resolve() == tools.resolve()
    ]
    assert not loaded, "a half-loaded tools module stayed in sys.modules"


def test_a_tool_function_missing_from_tools_py_is_a_clear_error(tree: Path) -> None:
    tools = tree / "specs" / "retail" / "tools.py"
    _replace("def find_user_id_by_email(", "def renamed_tool(")(tools)
    error = load_error(tree / "generated" / "retail")
    assert "find_user_id_by_email" in str(error) and "tools.py" in str(error)


def test_a_run_on_a_folder_whose_spec_changed_since_warns(tree: Path) -> None:
    # `compile --check` said stale, and `run` played the old folder without a word
    compiled = tree / "generated" / "retail"
    assert load_domain(compiled).spec_changes is None
    policy = tree / "specs" / "retail" / "policy.md"
    policy.write_bytes(policy.read_bytes().replace(b"\n", b"\r\n"))  # line endings do not count
    assert load_domain(compiled).spec_changes is None
    policy.write_text(policy.read_text() + "\nA new rule.\n")
    (tree / "specs" / "retail" / "checks" / "rules.chk").unlink()
    spec, changed = load_domain(compiled).spec_changes or (None, [])
    assert spec == (tree / "specs" / "retail").resolve()
    assert changed == ["checks/rules.chk", "policy.md"]
    result = CliRunner().invoke(main, ["run", "generated/retail", "--trials", "1", "--tasks", "1"])
    assert result.exit_code == 0, result.output
    assert (
        result.stderr.startswith("warning: generated/retail is stale: its spec ")
        and "changed since the compile (checks/rules.chk, policy.md)" in result.stderr
    )
    assert "run: eigendsl compile" in result.stderr
