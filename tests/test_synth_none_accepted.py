"""``eigendsl synth`` whose gold dialogues all fail a check (a new author's rule that never holds)
says why on stderr, one entry per failing statement with its count, and exits 1 as ``train``
stops there; a synthesis that accepts dialogues exits 0 as before."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from tests.conftest import ROOT

DESK = ROOT / "tests" / "fixtures" / "library_desk"


@pytest.fixture
def desk(tmp_path):
    spec = tmp_path / "library"
    shutil.copytree(DESK, spec, ignore=shutil.ignore_patterns("__pycache__"))
    return spec


def synth(spec, out, *extra):
    args = ["synth", str(spec), "--out", str(out), "--generations", "1"]
    return CliRunner().invoke(main, [*args, "--per-generation", "10", *extra])


def test_no_dialogue_accepted_exits_1_naming_the_statement_once_with_its_count(desk, tmp_path):
    rules = desk / "checks" / "rules.chk"
    rules.write_text(
        rules.read_text() + "\nrule never:\n    require count(c in calls where c.ok) < 0\n"
    )
    result = synth(desk, tmp_path / "s")
    assert result.exit_code == 1, result.output
    said = result.stderr
    assert "synthesis accepted no dialogue in" in said
    line = len(rules.read_text().splitlines())
    assert f"rules.chk:{line}:5: policy rule never" in said
    # the gold dialogues fail it with 2 calls or 3: one statement, counted once, not split
    assert said.count(f"rules.chk:{line}:5") == 1
    assert "x; some with other values)" in said
    assert "eigendsl lint" in said and "another --out folder" in said
    assert "Traceback" not in result.output
    # the table of the generation is still shown, on stdout
    assert "synthesis into" in result.stdout


def test_no_dialogue_accepted_with_json_prints_the_summary_then_exits_1(desk, tmp_path):
    rules = desk / "checks" / "rules.chk"
    rules.write_text(rules.read_text() + "\nrule never:\n    require count(c in calls) < 0\n")
    result = synth(desk, tmp_path / "s", "--json")
    assert result.exit_code == 1
    assert '"accepted": 0' in result.stdout
    assert "synthesis accepted no dialogue" in result.stderr


def test_a_synthesis_that_accepts_dialogues_exits_0(desk, tmp_path):
    result = synth(desk, tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_train_names_one_failing_statement_once_whatever_its_values(tmp_path):
    """train's message split ``rules.chk:7:5`` into ``2 < 0 is false (7x)`` and ``3 < 0 is false
    (2x)``: one statement, two entries, and a third statement pushed out of the top three."""
    import json

    from eigendsl.train.run_dialogues import none_accepted

    gen = tmp_path / "run" / "synth" / "gen-1"
    gen.mkdir(parents=True)
    rule = "checks/rules.chk:7:5: policy rule never: count(c in calls) < 0 does not hold: "
    rows = [{"reasons": [f"{rule}2 < 0 is false"]}] * 7 + [
        {"reasons": [f"{rule}3 < 0 is false"]}
    ] * 2
    rows += [{"reasons": ["checks/tasks.chk:6:5: db == gold does not hold: x"]}]
    rows += [{"mistake": "wrong_argument", "reasons": ["checks/tasks.chk:9:5: meant to fail"]}]
    gen.joinpath("rejected.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    message = str(none_accepted(tmp_path / "run", tmp_path / "spec"))
    assert message.count("rules.chk:7:5") == 1
    assert "2 < 0 is false (9x; some with other values)" in message
    assert "tasks.chk:6:5: db == gold does not hold: x (1x)" in message
    assert "tasks.chk:9:5" not in message  # an injected mistake is meant to fail
    assert "run the same command again" in message
