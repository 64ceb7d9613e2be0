"""A tool parameter declared with the wrong type is told at its declaration (review nS1, L6):
``loan_id: {type: int}`` got six errors at its uses (the guard's ``db.loans[loan_id]``, the
checks' and the gold plans' string arguments) and none at ``domain.yaml``; now one error at
the type, with the type its uses take and the accepted type names, the uses folded into it."""

from __future__ import annotations

import shutil

import pytest

from eigendsl.compiler import analyze, compile_domain
from eigendsl.errors import EigenError
from tests.conftest import ROOT

DESK = ROOT / "tests" / "fixtures" / "library_desk"
DECLARED = "      loan_id: {type: string, description: The loan id.}\n"


def _desk(tmp_path, declared: str):
    spec = tmp_path / "library"
    shutil.copytree(DESK, spec, ignore=shutil.ignore_patterns("__pycache__"))
    domain = spec / "domain.yaml"
    text = domain.read_text()
    assert text.count(DECLARED) == 1
    domain.write_text(text.replace(DECLARED, declared))
    line = text[: text.index(DECLARED)].count("\n") + 1
    return spec, line


@pytest.mark.parametrize(
    ("declared", "col"),
    [("      loan_id: {type: int, description: The loan id.}\n", 23), ("      loan_id: int\n", 16)],
)
@pytest.mark.parametrize("stage", [compile_domain, analyze])
def test_a_parameter_typed_int_where_its_uses_take_a_string_is_told_at_its_type(
    tmp_path, declared: str, col: int, stage
) -> None:
    spec, line = _desk(tmp_path, declared)
    with pytest.raises(EigenError) as raised:
        stage(spec)
    errors = [d for d in raised.value.diagnostics if d.severity == "error"]
    assert len(errors) == 1, [str(d) for d in errors]
    [error] = errors
    assert str(error.span) == f"{spec}/domain.yaml:{line}:{col}"
    assert error.message.startswith(
        "parameter 'loan_id' of tool 'renew_loan' is declared int, but its 6 uses take a string "
        f"({spec}/checks/guards.chk:7:22: rows of 'loans' are keyed by strings, not by an int;"
    )
    assert "declare it 'loan_id: string' (the type names are string, int, float," in error.message


def test_one_use_of_another_type_keeps_its_own_error(tmp_path) -> None:
    # the declaration is right and one check passes an int: the check is the mistake
    spec, _ = _desk(tmp_path, DECLARED)
    checks = spec / "checks" / "tasks.chk"
    text = checks.read_text()
    assert "require called renew_loan(loan_id=loan_id)" in text
    checks.write_text(text.replace("renew_loan(loan_id=loan_id)", "renew_loan(loan_id=7)", 1))
    with pytest.raises(EigenError) as raised:
        compile_domain(spec)
    [error] = [d for d in raised.value.diagnostics if d.severity == "error"]
    assert error.span.path.endswith("tasks.chk")
    assert error.message == (
        "parameter 'loan_id' of 'renew_loan' takes a string, but this value is an int"
    )
