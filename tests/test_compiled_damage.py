"""A hand-edited or damaged ``tasks.jsonl`` or manifest in a compiled folder: ``eigendsl run``
reports the file, the line and what is wrong, and says to compile again; never a traceback from
the middle of an episode."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import MAX_TASK_PROBLEMS, load_domain
from eigendsl.runtime.task_rows import row_problems

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")
Row = dict[str, Any]


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``generated/retail`` beside a copy of ``specs/retail``, whose Python tools it
    needs (the manifest's ``spec_dir`` is ``../../specs/retail``)."""
    shutil.copytree(ROOT / "generated" / "retail", tmp_path / "generated" / "retail", ignore=IGNORE)
    shutil.copytree(ROOT / "specs" / "retail", tmp_path / "specs" / "retail", ignore=IGNORE)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "generated" / "retail"


def edit_rows(out: Path, change: Callable[[list[Row]], None]) -> Path:
    path = out / "tasks.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(rows)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run(out: Path) -> Result:
    return CliRunner().invoke(main, ["run", str(out), "--tasks", "2"])


def assert_clear_error(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "eigendsl compile" in result.output


def _set(*keys: str | int, value: Any) -> Callable[[Row], None]:
    def change(row: Row) -> None:
        *inner, last = keys
        for key in inner:
            row = row[key]
        row[last] = value  # type: ignore[index]

    return change


def _rename(owner: str, old: str, new: str) -> Callable[[Row], None]:
    def change(row: Row) -> None:
        part = row[owner] if owner else row
        part[new] = part.pop(old)

    return change


# Each damages the third task (line 3), once a traceback in `eigendsl run` or a judge.
DAMAGE = [
    ("gold-str", _set("gold", value="x"), "gold must be a list, not 'x'"),
    ("args-str", _set("gold", 0, "args", value="x"), "gold[0].args must be a mapping, not 'x'"),
    ("params-null", _set("params", value=None), "params must be a mapping, not nothing"),
    ("user-str", _set("user", value="x"), "user must be a mapping, not 'x'"),
    ("unknown-int", _set("user", "unknown", value=[1]), "user.unknown[0] must be a string, not 1"),
    (
        "known-int",
        _set("user", "known", "email", value=5),
        "user.known.email must be a string, not 5",
    ),
    ("family-list", _set("family", value=[]), "family must be a string, not a list"),
    (
        "confirm-str",
        _set("user", "confirm", value="yes"),
        "user.confirm must be true or false, not 'yes'",
    ),
    ("split", _set("split", value="test"), "split must be 'train' or 'held-out', not 'test'"),
    ("step-int", _set("gold", 1, value=5), "gold[1] must be a mapping, not 5"),
    ("step-both", _set("gold", 0, "say", value="hi"), "gold[0] has both 'say' and 'tool'"),
    (
        "user-key",
        _rename("user", "known", "knwon"),
        "user has the unknown key 'knwon'; did you mean 'known'?",
    ),
    ("no-gold", _rename("", "gold", "golden"), "the row lacks the key 'gold'"),
    (
        "unknown-tool",
        _set("gold", 1, "tool", value="get_order_detail"),
        "gold[1] calls the tool 'get_order_detail', which tools.json does not define; "
        "did you mean 'get_order_details'?",
    ),
    (
        "row-version",
        _set("schema_version", value=2),
        "schema_version must be one this EigenDSL reads ([1]), not 2",
    ),
]


@pytest.mark.parametrize(("change", "words"), [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_damaged_task_row_is_a_clear_error_at_its_line(
    out: Path, change: Callable[[Row], None], words: str
) -> None:
    path = edit_rows(out, lambda rows: change(rows[2]))
    task_id = json.loads(path.read_text(encoding="utf-8").splitlines()[2])["id"]
    result = run(out)
    assert_clear_error(result)
    assert f"{path}:3:1: task '{task_id}': {words}" in result.output


def test_a_duplicated_task_id_names_the_line_of_the_first(out: Path) -> None:
    path = edit_rows(out, lambda rows: rows[3].update(id=rows[1]["id"]))
    result = run(out)
    assert_clear_error(result)
    assert f"{path}:4:1:" in result.output and "used already by the task on line 2" in result.output


def test_the_problems_of_several_rows_are_reported_together(out: Path) -> None:
    def damage(rows: list[Row]) -> None:
        rows[0]["gold"] = "x"
        rows[5]["user"]["known"] = []

    path = edit_rows(out, damage)
    with pytest.raises(EigenError) as info:
        load_domain(out)
    assert [(d.span.path, d.span.line) for d in info.value.diagnostics] == [
        (str(path), 1),
        (str(path), 6),
    ]
    assert str(info.value).endswith("2 errors")


def test_a_wholly_damaged_file_reports_the_first_problems_only(out: Path) -> None:
    edit_rows(out, lambda rows: [row.update(params=None) for row in rows])
    with pytest.raises(EigenError) as info:
        load_domain(out)
    assert [d.span.line for d in info.value.diagnostics] == list(range(1, MAX_TASK_PROBLEMS + 1))


def test_rows_stay_the_dicts_of_the_file_and_may_carry_more_keys(out: Path) -> None:
    # as a later compiler may write them, with the manifest recording what it wrote
    path = edit_rows(out, lambda rows: rows[0].update(note="kept"))
    record_outputs(out)
    written = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    tasks = load_domain(out).tasks
    assert tasks == written and tasks[0]["note"] == "kept"


def record_outputs(out: Path) -> None:
    """The manifest's hashes of the compiled files made those on disk."""
    manifest = out / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    for rel in data["outputs"]:
        data["outputs"][rel] = "sha256:" + hashlib.sha256((out / rel).read_bytes()).hexdigest()
    manifest.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_compiled_file_edited_by_hand_is_an_error_at_it(out: Path) -> None:
    # a hand-edited db.json was played as if the spec said so, and nothing was said
    db = out / "db.json"
    data = json.loads(db.read_text(encoding="utf-8"))
    table = next(iter(data["tables"].values()))
    next(iter(table.values()))["edited"] = "by hand"
    db.write_text(json.dumps(data), encoding="utf-8")
    result = run(out)
    assert_clear_error(result)
    assert f"{db}: this file is not the one compile wrote (its hash is not the one " in (
        result.output
    )
    assert "compiled files are not edited by hand; change the spec instead" in result.output


def test_a_compiled_folder_with_crlf_line_endings_loads(out: Path) -> None:
    # a checkout may turn the golden files' line endings to CRLF: that is no edit
    for rel in ("tasks.jsonl", "prompts/agent_system.md"):
        path = out / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_domain(out).tasks


def test_every_row_the_compiler_writes_has_the_shape() -> None:
    for line in (ROOT / "generated" / "retail" / "tasks.jsonl").read_text().splitlines():
        assert row_problems(json.loads(line)) == []


@pytest.mark.parametrize("version", ["[1]", "{v: 1}", "true", "9", ""])
def test_a_manifest_schema_version_of_any_kind_is_a_clear_error(out: Path, version: str) -> None:
    manifest = out / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert text.startswith("schema_version: 1\n")
    manifest.write_text(text.replace("1", version, 1), encoding="utf-8")
    result = run(out)
    assert_clear_error(result)
    assert f"{manifest}:1:1: schema_version must be one this EigenDSL reads ([1])" in result.output
