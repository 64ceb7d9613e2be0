"""No command loses data: `compile` and `import tau2` remove only what they wrote themselves and
refuse folders they did not write; malformed tau2 inputs are one clear error, not a traceback.

The tau2 inputs are tiny synthetic folders (``tiny_folder``), so these tests need no tau2 data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from eigendsl.cli import main
from eigendsl.tau2.importer import HEADER
from tests.conftest import MINI, copy_spec
from tests.regen_golden import cases


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)).replace(os.sep, "/"): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _refused(result: Result, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, (phrase, result.output)


# ---------------------------------------------------------------------------- compile


def test_compile_into_or_around_the_spec_folder_is_refused(tmp_path: Path) -> None:
    spec = copy_spec(MINI, tmp_path / "specs" / "mini")
    before = _files(tmp_path)
    for out, relation in (
        (spec, "is the spec folder"),
        (spec / "out", "is inside the spec folder"),
        (tmp_path / "specs", "contains the spec folder"),
    ):
        for check in ([], ["--check"]):
            result = _invoke("compile", spec, "-o", out, "--no-lint", *check)
            _refused(result, str(out), relation, "-o")
        assert _files(tmp_path) == before


def test_train_into_or_around_the_spec_folder_is_refused_before_it_writes(tmp_path: Path) -> None:
    """``train --out SPEC/run`` wrote run.json there before synthesis refused the folder."""
    spec = copy_spec(MINI, tmp_path / "specs" / "mini")
    before = _files(tmp_path)
    for out, relation in (
        (spec / "run", "is inside the spec folder"),
        (spec, "is the spec folder"),
        (tmp_path / "specs", "contains the spec folder"),
    ):
        result = _invoke("train", spec, "--out", out)
        _refused(result, str(out), relation, "training there", "Give --out a folder outside")
        assert "[synth]" not in result.output
        assert _files(tmp_path) == before
        assert not (spec / "run").exists()


def test_compile_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "todo.txt").write_text("keep me\n")
    (out / "data.csv").write_text("a,b\n")
    before = _files(out)
    result = _invoke("compile", MINI, "-o", out, "--no-lint")
    _refused(result, f"{out} holds files", "no manifest.yaml of an earlier compile", "data.csv")
    assert _files(out) == before
    # a manifest.yaml of something else is no compile's either
    (out / "manifest.yaml").write_text("kind: Deployment\n")
    before = _files(out)
    _refused(_invoke("compile", MINI, "-o", out, "--no-lint"), "not the manifest of")
    _refused(_invoke("compile", MINI, "-o", out, "--check", "--no-lint"), "not the manifest of")
    assert _files(out) == before


def test_compile_refuses_another_domains_compiled_folder(tmp_path: Path) -> None:
    other = copy_spec(MINI, tmp_path / "other")
    domain_yaml = other / "domain.yaml"
    domain_yaml.write_text(domain_yaml.read_text().replace("name: mini", "name: other", 1))
    out = tmp_path / "out"
    assert _invoke("compile", other, "-o", out, "--no-lint").exit_code == 0
    before = _files(out)
    for check in ([], ["--check"]):
        _refused(
            _invoke("compile", MINI, "-o", out, "--no-lint", *check),
            f"{out} holds the compiled domain 'other' (its manifest.yaml says so), not 'mini': "
            "compiling 'mini' there would replace its files. Give -o another folder (the default "
            f"is generated/mini/), or delete {out} first if 'other' may go",
        )
    assert _files(out) == before
    assert _invoke("compile", other, "-o", out, "--no-lint").exit_code == 0  # its own domain


def test_recompile_removes_only_what_the_earlier_compile_wrote(tmp_path: Path) -> None:
    features, minimal = (next(c for c in cases() if c.name == n) for n in ("features", "minimal"))
    # the smaller spec as a later version of the same domain (another domain's folder is refused)
    smaller = copy_spec(minimal / "spec", tmp_path / "minimal" / "spec")
    domain_yaml = smaller / "domain.yaml"
    domain_yaml.write_text(domain_yaml.read_text().replace("name: minimal", "name: features", 1))
    out = tmp_path / "out"
    assert _invoke("compile", features / "spec", "-o", out, "--no-lint").exit_code == 0
    gone = sorted(set(_files(features / "expected")) - set(_files(minimal / "expected")))
    assert "verifiers/check_transferred.py" in gone
    (out / "notes.md").write_text("mine\n")
    (out / "prompts" / "mine.md").write_text("mine too\n")

    stale = _invoke("compile", smaller, "-o", out, "--check", "--no-lint")
    assert stale.exit_code == 1
    named = {line.strip() for line in stale.stderr.splitlines() if line.startswith("  ")}
    assert {str(out / rel) for rel in gone} <= named
    assert not {str(out / "notes.md"), str(out / "prompts" / "mine.md")} & named

    written = _invoke("compile", smaller, "-o", out, "--no-lint")
    assert written.exit_code == 0, written.output
    assert set(_files(out)) == set(_files(minimal / "expected")) | {"notes.md", "prompts/mine.md"}
    assert (out / "notes.md").read_text() == "mine\n"
    assert _invoke("compile", smaller, "-o", out, "--check", "--no-lint").exit_code == 0


def test_compile_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("keep me")
    _refused(_invoke("compile", MINI, "-o", tmp_path / "file", "--no-lint"), str(tmp_path / "file"))
    _refused(
        _invoke("compile", MINI, "-o", tmp_path / "file" / "out", "--no-lint"),
        str(tmp_path / "file"),
    )
    assert (tmp_path / "file").read_text() == "keep me"


# ---------------------------------------------------------------------------- import tau2

ADDRESS = {
    "address1": "1 Main St",
    "address2": "",
    "city": "X",
    "country": "USA",
    "state": "CA",
    "zip": "1",
}
TINY_DB = {
    "products": {
        "p1": {
            "product_id": "p1",
            "name": "Lamp",
            "variants": {
                "i1": {"item_id": "i1", "options": {"color": "red"}, "available": True, "price": 10}
            },
        }
    },
    "users": {
        "u1": {
            "user_id": "u1",
            "name": {"first_name": "Ada", "last_name": "Li"},
            "email": "a@x.org",
            "address": ADDRESS,
            "orders": ["#W1"],
            "payment_methods": {
                "gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 5}
            },
        }
    },
    "orders": {
        "#W1": {
            "order_id": "#W1",
            "user_id": "u1",
            "address": ADDRESS,
            "status": "pending",
            "items": [
                {
                    "name": "Lamp",
                    "product_id": "p1",
                    "item_id": "i1",
                    "price": 10,
                    "options": {"color": "red"},
                }
            ],
            "fulfillments": [],
            "payment_history": [
                {"transaction_type": "payment", "amount": 10, "payment_method_id": "gift_card_1"}
            ],
        }
    },
}
TINY_TASK = {
    "id": "t 1",
    "user_scenario": {"instructions": {"domain": "retail", "reason_for_call": "Cancel #W1."}},
    "evaluation_criteria": {
        "actions": [
            {
                "action_id": "a0",
                "name": "cancel_pending_order",
                "arguments": {"order_id": "#W1", "reason": "no longer needed"},
            }
        ],
        "reward_basis": ["DB", "ACTION"],
    },
}


def tiny_folder(root: Path) -> Path:
    """A tau2-bench retail domain folder with one task."""
    folder = root / "retail"
    folder.mkdir(parents=True)
    (folder / "db.json").write_text(json.dumps(TINY_DB))
    (folder / "tasks.json").write_text(json.dumps([TINY_TASK], indent=4))
    (folder / "policy.md").write_text("# Policy\nBe kind.\n")
    return folder


IMPORTED = ["checks/tau2.chk", "domain.yaml", "tasks/tau2.yaml", "tools.py"]


def test_import_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path / "tau2")
    spec = copy_spec(MINI, tmp_path / "spec")
    before = _files(spec)
    _refused(_invoke("import", "tau2", folder, "-o", spec), str(spec), "--force")
    assert _files(spec) == before
    forced = _invoke("import", "tau2", folder, "-o", spec, "--force")
    assert forced.exit_code == 0, forced.output
    assert (spec / "domain.yaml").read_bytes() != before["domain.yaml"]
    # the folder's other files stay
    assert (spec / "tasks" / "cancel.yaml").read_bytes() == before["tasks/cancel.yaml"]


def test_reimport_replaces_only_what_the_earlier_import_wrote(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path / "tau2")
    spec = tmp_path / "spec"
    assert _invoke("import", "tau2", folder, "-o", spec).exit_code == 0
    (spec / "notes.md").write_text("mine\n")
    # a file an older import wrote that this one no longer writes
    (spec / "tasks" / "old.yaml").write_text(HEADER.format(source="x") + "templates: {}\n")
    again = _invoke("import", "tau2", folder, "-o", spec)
    assert again.exit_code == 0, again.output
    assert sorted(_files(spec)) == sorted([*IMPORTED, "notes.md"])
    assert (spec / "notes.md").read_text() == "mine\n"
    # a file of the import replaced by the user's own is not overwritten without --force
    (spec / "tools.py").write_text("def mine(db): ...\n")
    _refused(_invoke("import", "tau2", folder, "-o", spec), "tools.py", "--force")
    assert (spec / "tools.py").read_text() == "def mine(db): ...\n"


def _task(tasks: list[Any]) -> dict[str, Any]:
    return tasks[0]


BAD_TASKS: dict[str, tuple[Callable[[list[Any]], Any], list[str]]] = {
    "strings": (lambda tasks: ["t1"], ["task at index 0", "is a string", 'an object with "id"']),
    "no-id": (
        lambda tasks: [{k: v for k, v in _task(tasks).items() if k != "id"}],
        ["task at index 0", 'no "id"', "give it a string"],
    ),
    "action-string": (
        lambda tasks: [{**_task(tasks), "evaluation_criteria": {"actions": ["cancel"]}}],
        ["task t 1", "evaluation_criteria.actions[0]", "is a string", '"name"'],
    ),
    "instructions-list": (
        lambda tasks: [{**_task(tasks), "user_scenario": {"instructions": ["a", "b"]}}],
        ["task t 1", "instructions", "is a list"],
    ),
    # tau2 requires a user scenario; the import made the request up ("Hi, I need some help.")
    "no-user-scenario": (
        lambda tasks: [{k: v for k, v in _task(tasks).items() if k != "user_scenario"}],
        ["task t 1", 'no "user_scenario"', '"instructions"'],
    ),
    "no-instructions": (
        lambda tasks: [{**_task(tasks), "user_scenario": {"persona": "Calm."}}],
        ["task t 1", 'user_scenario has no "instructions"'],
    ),
    "no-request": (
        lambda tasks: [
            {**_task(tasks), "user_scenario": {"instructions": {"domain": "retail"}}},
            {**_task(tasks), "id": "2", "user_scenario": {"instructions": " "}},
        ],
        [
            "task t 1: user_scenario.instructions.reason_for_call is missing",
            "task 2: user_scenario.instructions is empty",
            "the user's request",
        ],
    ),
    # tau2 gives a task with no criteria reward 1; imported, a do-nothing agent passed it
    "no-criteria": (
        lambda tasks: [
            {**_task(tasks), "evaluation_criteria": None},
            {k: v for k, v in _task(tasks).items() if k != "evaluation_criteria"} | {"id": "2"},
        ],
        ["task t 1: it has no evaluation_criteria", "task 2: it has no", "reward 1", "2 errors"],
    ),
    "empty-list": (lambda tasks: [], ["holds no tasks (an empty list)"]),
    "two-bad-tasks": (
        lambda tasks: [
            {**_task(tasks), "evaluation_criteria": {"reward_basis": ["DB", 1]}},
            {**_task(tasks), "id": "2", "description": 3},
        ],
        [
            "task t 1",
            "reward_basis[1] is a number",
            "task 2",
            "description is a number",
            "2 errors",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TASKS))
def test_malformed_tasks_are_clear_errors(tmp_path: Path, case: str) -> None:
    folder = tiny_folder(tmp_path / "tau2")
    mutate, phrases = BAD_TASKS[case]
    tasks = json.loads((folder / "tasks.json").read_text())
    (folder / "tasks.json").write_text(json.dumps(mutate(tasks), indent=4))
    result = _invoke("import", "tau2", folder, "-o", tmp_path / "spec")
    _refused(result, str(folder / "tasks.json"), *phrases)
    assert not (tmp_path / "spec").exists()


def test_malformed_splits_and_encodings_are_clear_errors(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path / "tau2")
    (folder / "split_tasks.json").write_text("[1, 2]")
    result = _invoke("import", "tau2", folder, "-o", tmp_path / "spec")
    _refused(result, str(folder / "split_tasks.json"), "lists of task ids")
    (folder / "split_tasks.json").unlink()
    (folder / "tasks.json").write_bytes(b'[{"id": "caf\xe9"}]')
    _refused(
        _invoke("import", "tau2", folder, "-o", tmp_path / "spec"),
        str(folder / "tasks.json"),
        "UTF-8",
    )
    assert not (tmp_path / "spec").exists()


def test_a_missing_or_malformed_db_is_named_by_its_path(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path / "tau2")
    db = folder / "db.json"
    for text, phrase in (
        ("[1]", "is a list; it must be an object mapping table names"),
        ("{}", "is an empty object"),
        ('{"users": {"u1": {"name": "Ada"}}}', "table 'users' of " + str(db) + " has no field"),
    ):
        db.write_text(text)
        _refused(_invoke("import", "tau2", folder, "-o", tmp_path / "spec"), str(db), phrase)
    db.unlink()
    _refused(_invoke("import", "tau2", folder, "-o", tmp_path / "spec"), f"{db} is missing")
    assert not (tmp_path / "spec").exists()


# ---------------------------------------------------------------------------- export tau2

ROW = {
    "task_id": "tau2-t 1",
    "trial": 0,
    "messages": [],
    "verdict": {"passed": True, "score": 1.0, "failures": [], "notes": []},
}


def test_export_of_unreadable_traces_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / "folder").mkdir()
    (tmp_path / "latin1.jsonl").write_bytes(b'{"task_id": "caf\xe9"}\n')
    for path, phrase in (
        (tmp_path / "none.jsonl", "does not exist"),
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "latin1.jsonl", "UTF-8"),
    ):
        _refused(_invoke("export", "tau2", path, "-o", out), str(path), phrase)
    for row, phrase in (
        ({**ROW, "messages": "hi"}, "messages is a string"),
        ({**ROW, "messages": ["hi"]}, "messages[0] is a string"),
        ({**ROW, "verdict": "passed"}, "verdict is a string"),
        ({**ROW, "verdict": {"failures": ["x"]}}, "verdict.failures[0] is a"),
        (["not", "a", "row"], "it is a list; write an object with"),
        ({**ROW, "trial": "x"}, "trial is a string"),
        (
            {
                **ROW,
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [{"function": {"name": "f", "arguments": 3}}],
                    }
                ],
            },
            "messages[0].tool_calls[0].function.arguments is a number",
        ),
    ):
        traces = tmp_path / "traces.jsonl"
        traces.write_text(json.dumps(row) + "\n")
        _refused(_invoke("export", "tau2", traces, "-o", out), str(traces), phrase)
    assert not out.exists()


def test_export_with_bad_tau2_tasks_is_a_clear_error(tmp_path: Path) -> None:
    traces = tmp_path / "traces.jsonl"
    traces.write_text(json.dumps(ROW) + "\n")
    tasks = tmp_path / "tasks.json"
    for text, phrase in (
        ("{not json", "invalid JSON"),
        ('{"id": "1"}', 'a list of tasks, each an object with "id"'),
        ('["1"]', "task at index 0"),
        ('[{"name": "x"}]', 'no "id"'),
    ):
        tasks.write_text(text)
        result = _invoke("export", "tau2", traces, "-o", tmp_path / "out", "--tau2-tasks", tasks)
        _refused(result, str(tasks), phrase)
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    spec = root / "spec"
    assert _invoke("import", "tau2", tiny_folder(root / "tau2"), "-o", spec).exit_code == 0
    return spec


SIMULATION = {"task_id": "t 1", "trial": 0, "messages": [{"role": "user", "content": "hi"}]}


def _with_message(message: Any) -> dict[str, Any]:
    return {"simulations": [{**SIMULATION, "messages": [message]}]}


@pytest.mark.parametrize(
    ("results", "phrase"),
    [
        ([], 'an object with "simulations"'),
        ({"simulations": "x"}, "simulations is a string"),
        ({"simulations": [1]}, "simulations[0] is a number"),
        ({"simulations": [{**SIMULATION, "messages": "hi"}]}, "messages is a string"),
        (_with_message("hi"), "simulations[0].messages[0] is a string"),
        (_with_message({"role": "assistant", "tool_calls": "x"}), "tool_calls is a string"),
        (_with_message({"role": "assistant", "tool_calls": [1]}), "tool_calls[0] is a number"),
        (
            _with_message({"role": "assistant", "tool_calls": [{"name": "x", "arguments": "y"}]}),
            "tool_calls[0].arguments is a string",
        ),
        ({"simulations": [{**SIMULATION, "trial": "x"}]}, "trial is a string"),
    ],
    ids=[
        "list",
        "simulations-string",
        "simulation-number",
        "messages-string",
        "message-string",
        "tool-calls-string",
        "tool-call-number",
        "arguments-string",
        "trial-string",
    ],
)
def test_malformed_tau2_results_are_clear_errors(
    tmp_path: Path, tiny_spec: Path, results: Any, phrase: str
) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    out = tmp_path / "episodes.jsonl"
    result = _invoke("import", "tau2-results", path, "--spec", tiny_spec, "-o", out)
    _refused(result, str(path), phrase)
    assert not out.exists()


def test_tau2_results_that_are_not_utf8_are_a_clear_error(tmp_path: Path, tiny_spec: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(b'{"simulations": ["caf\xe9"]}')
    out = tmp_path / "o.jsonl"
    result = _invoke("import", "tau2-results", path, "--spec", tiny_spec, "-o", out)
    _refused(result, str(path), "UTF-8")


def test_export_reads_null_failures_and_values_as_none() -> None:
    from eigendsl.tau2.export import export_results

    for verdict in (
        {"passed": False, "score": 0.0, "failures": None, "notes": None},
        {
            "passed": False,
            "score": 0.0,
            "notes": [],
            "failures": [{"statement": 'judge "polite"', "reason": "not judged", "values": None}],
        },
    ):
        results = export_results([{**ROW, "verdict": verdict}])
        [simulation] = results["simulations"]
        assert simulation["reward_info"]["reward"] == 0.0


def test_a_compile_cut_short_can_run_again(tmp_path: Path) -> None:
    from eigendsl.compiler import compile_domain, write_output

    compiled = compile_domain(Path(__file__).resolve().parents[1] / "specs" / "retail")
    out = tmp_path / "out"
    write_output(compiled, out)
    (out / "manifest.yaml").unlink()  # killed before the manifest, the last file, was written
    (out / "tools.json").rename(out / "tools.json.tmp")
    assert write_output(compiled, out) == ["manifest.yaml", "tools.json", "tools.json.tmp"]
    assert not (out / "tools.json.tmp").exists() and write_output(compiled, out, check=True) == []
    (out / "manifest.yaml").write_text("{garbled")
    assert write_output(compiled, out) == ["manifest.yaml"]
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "manifest.yaml").write_text("not ours")
    with pytest.raises(Exception, match="not the manifest of an `eigendsl compile`"):
        write_output(compiled, tmp_path / "theirs")
    assert (tmp_path / "theirs" / "manifest.yaml").read_text() == "not ours"


def test_a_spec_that_replaces_another_of_the_same_name_is_told(tmp_path: Path) -> None:
    # two spec folders named alike share generated/<domain>/: the second compile replaced the
    # first's ("14 changed") with no message
    first = copy_spec(MINI, tmp_path / "a" / "mini")
    second = copy_spec(MINI, tmp_path / "b" / "mini")
    out = tmp_path / "out"
    assert _invoke("compile", first, "-o", out, "--no-lint").stderr == ""
    again = _invoke("compile", first, "-o", out, "--no-lint")
    assert again.exit_code == 0 and again.stderr == ""
    replaced = _invoke("compile", second, "-o", out, "--no-lint")
    assert replaced.exit_code == 0, replaced.output
    assert replaced.stderr.startswith(
        f"warning: {out} held the compile of another spec folder named 'mini', "
        f"{first.resolve()}, which this compile of {second} replaced; give each its own folder "
        "with -o"
    )
