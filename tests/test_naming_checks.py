"""Compile-time checks of a parameter's ``named_by`` (review K4, L1): the key's type is the
parameter's (a string id), a ``ref`` of the parameter or of the key relates the records to the
parameter's table, no field is listed twice nor is the key itself, and ``fields`` lists one at
least; each an error at its place in domain.yaml, in the project's words. Records nothing relates
to the parameter (neither a ``ref`` nor its name) are a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError

LIBRARY = Path(__file__).resolve().parent / "fixtures" / "library"
PARAM = "loan_id: {type: string, description: The loan id.}"


def _spec(tmp_path: Path, named_by: str, param_type: str = "type: string") -> Path:
    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    text = (spec / "domain.yaml").read_text()
    assert PARAM in text
    new = f"loan_id: {{{param_type}, description: The loan id., named_by: {named_by}}}"
    (spec / "domain.yaml").write_text(text.replace(PARAM, new, 1))
    return spec


@pytest.mark.parametrize(
    ("named_by", "param_type", "message"),
    [
        (
            "{table: loans, key: renewals, fields: [title]}",
            "type: string",
            r"domain\.yaml:75:\d+: 'named_by' of parameter 'loan_id' of tool 'renew_loan' has the "
            r"key 'renewals', a field of type int, which never equals the parameter's id, a "
            r"string; name a string field of the records with 'key' \(loan_id, ",
        ),
        (
            "{table: loans, fields: [title]}",
            "type: string, ref: members",
            r"names table 'loans', but the parameter holds keys of table 'members' \(its 'ref'\); "
            r"name table 'members'",
        ),
        (
            "{table: loans, fields: [title, title]}",
            "type: string",
            r"names field 'title' twice; remove one",
        ),
        (
            "{table: loans, fields: [loan_id]}",
            "type: string",
            r"names the key 'loan_id' among its fields",
        ),
        (
            "{table: loans, fields: []}",
            "type: string",
            r"lists no fields: name at least one",
        ),
        (
            "{table: loans, fields: [titel]}",
            "type: string",
            r"names unknown field 'titel' of the records or their row; did you mean 'title'\?",
        ),
    ],
)
def test_a_naming_that_cannot_name_the_parameter_s_id_is_an_error(
    tmp_path: Path, named_by: str, param_type: str, message: str
) -> None:
    with pytest.raises(EigenError, match=message) as raised:
        compile_domain(_spec(tmp_path, named_by, param_type))
    text = str(raised.value)
    assert "Traceback" not in text and "List should have" not in text


def test_a_naming_on_an_int_points_at_the_parameter_s_type(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "{table: loans, fields: [title]}", "type: int")
    with pytest.raises(EigenError, match=r"domain\.yaml:75:23: 'named_by' .* is on an int"):
        compile_domain(spec)


def test_records_nothing_relates_to_the_parameter_are_a_warning(tmp_path: Path) -> None:
    result = compile_domain(_spec(tmp_path, "{table: members, fields: [name]}"))
    warned = [str(w) for w in result.warnings if "named_by" in str(w)]
    assert len(warned) == 1
    assert "whose key 'member_id' is not the parameter's name, and no 'ref' relates" in warned[0]
    assert "say 'ref: members'" in warned[0]
    # a ref that names the table relates them
    ref = "type: string, ref: members"
    result = compile_domain(_spec(tmp_path / "ref", "{table: members, fields: [name]}", ref))
    assert not [w for w in result.warnings if "named_by" in str(w)]
