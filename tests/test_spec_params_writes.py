"""A tool's ``writes:`` indented under its ``params:`` gave the indentation hint (fixT4), then a
second error that followed from it alone: the broken parameter was kept as a parameter named
'writes' of any type, and the Python tool check said "'renew_loan' has no parameter 'writes',
which tool 'renew_loan' declares". The key is now read beside its parent, as the hint says it
belongs: one error, the hint."""

from __future__ import annotations

from tests.test_key_under_wrong_mapping import desk_errors

PARAM = "      loan_id: {type: string, description: The loan id.}\n"


def _errors(tmp_path, old: str, new: str) -> list[str]:
    """The errors of the library desk with domain.yaml's ``old`` written as ``new``."""
    return desk_errors(tmp_path, "domain.yaml", old, new)


def test_writes_under_params_is_one_error_the_hint(tmp_path) -> None:
    line = PARAM + "    writes: true\n"
    [error] = _errors(tmp_path, line, PARAM + "      writes: true\n")
    assert error.startswith(
        "domain.yaml:70:15: tools.renew_loan.params.writes must be a mapping (key: value lines), "
        "not true; 'writes' is a key of tools.renew_loan, beside 'params': if this is that key, "
        "indent it as deep as 'params', not under it"
    ), error


def test_a_wrong_value_of_the_key_moved_beside_its_parent_is_still_told(tmp_path) -> None:
    # read where it belongs, a value wrong there too is the spec's own error, told at its line
    line = PARAM + "    writes: true\n"
    errors = _errors(tmp_path, line, PARAM + "      writes: [1]\n")
    assert len(errors) == 2, errors
    assert "indent it as deep as 'params'" in errors[0]
    assert (
        errors[1]
        == "domain.yaml:70:7: tools.renew_loan.writes must be true or false, not a list of 1"
    )


def test_a_key_under_params_that_its_tool_has_already_is_left_out(tmp_path) -> None:
    # the tool has its own `writes:`: the one under params is dropped, and no parameter named
    # 'writes' is made of it either
    line = PARAM + "    writes: true\n"
    [error] = _errors(tmp_path, line, PARAM + "      writes: true\n    writes: true\n")
    assert "indent it as deep as 'params'" in error, error
