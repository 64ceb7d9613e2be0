"""A key indented under its sibling is told as an indentation mistake (review nS1, L7):
``unknown:`` indented under ``known:`` was "templates.pay_fine.user.known.unknown must be text,
not a list of 2", and a tool's ``writes:`` under its ``params:`` "must be a mapping", with
nothing about the indentation; each now says the key belongs beside its parent. A line indented
like no block names the nearest line above it, not the first of its block."""

from __future__ import annotations

import shutil

import pytest

from eigendsl.compiler import analyze
from eigendsl.errors import EigenError
from tests.conftest import ROOT

DESK = ROOT / "tests" / "fixtures" / "library_desk"


def desk_errors(tmp_path, relative: str, line: str, moved: str) -> list[str]:
    spec = tmp_path / "library"
    shutil.copytree(DESK, spec, ignore=shutil.ignore_patterns("__pycache__"))
    path = spec / relative
    text = path.read_text()
    assert text.count(line) == 1
    path.write_text(text.replace(line, moved))
    with pytest.raises(EigenError) as raised:
        analyze(spec)
    return [str(d).removeprefix(f"{spec}/") for d in raised.value.diagnostics]


def test_a_task_key_indented_under_its_sibling(tmp_path) -> None:
    line = "      unknown: [member id, fine amount]\n"
    errors = desk_errors(tmp_path, "tasks/loans.yaml", line, "  " + line)
    assert errors[0].startswith(
        "tasks/loans.yaml:52:9: templates.pay_fine.user.known.unknown must be text, not a list "
        "of 2; 'unknown' is a key of templates.pay_fine.user, beside 'known': if this is that "
        "key, indent it as deep as 'known', not under it"
    ), errors


def test_a_tool_key_indented_under_its_params(tmp_path) -> None:
    line = "      loan_id: {type: string, description: The loan id.}\n    writes: true\n"
    moved = line.replace("    writes", "      writes")
    errors = desk_errors(tmp_path, "domain.yaml", line, moved)
    assert errors[0].endswith(
        "tools.renew_loan.params.writes must be a mapping (key: value lines), not true; "
        "'writes' is a key of tools.renew_loan, beside 'params': if this is that key, indent it "
        "as deep as 'params', not under it"
    ), errors


def test_a_wrong_value_of_a_key_in_its_place_has_no_such_hint(tmp_path) -> None:
    line = "      unknown: [member id, fine amount]\n"
    errors = desk_errors(tmp_path, "tasks/loans.yaml", line, "      unknown: {a: 1}\n")
    assert "indent" not in errors[0], errors


def test_an_odd_indentation_names_the_nearest_line_above(tmp_path) -> None:
    # review nS1, L7 (06c): it named line 28, the block's first line, where line 31 is next
    line = "        renewals: int\n"
    [error] = desk_errors(tmp_path, "domain.yaml", line, line[1:])
    assert error.startswith(
        "domain.yaml:32:8: invalid YAML: this line is indented 7 spaces, line 31 above it 8 and "
        "line 27 6: no block here is indented 7; indent this line like one of them, or lines 28 "
        "to 31 like this one"
    ), error
