"""Compile errors whose hint points at the fix (newcomer B's review): a misspelling of a tool
left out for an error suggests that tool, a template's `list[string]` says how YAML writes it,
a template's source reads the spec's constants, and a Python tool's undeclared parameter with a
default is accepted (one without is told both fixes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit

CHECKS = "checks/main.chk"
TASKS = "tasks/cancel.yaml"


def _errors(spec: Path, out: Path) -> list[str]:
    with pytest.raises(EigenError) as info:
        compile_domain(spec, out)
    return [str(d) for d in info.value.diagnostics]


# ---------------------------------------------------------------- a tool left out


def test_a_misspelt_tool_left_out_for_its_error_is_suggested(mini: Path, tmp_path: Path) -> None:
    edit(mini, "domain.yaml", "    writes: true\n    python:", "    writes: yes\n    python:")
    edit(mini, CHECKS, "guard cancel_order:", "guard cancel_ordr:")
    edit(mini, TASKS, "      - cancel_order: {", "      - cancel_ordr: {")
    errors = _errors(mini, tmp_path / "out")
    left_out = (
        "did you mean 'cancel_order'? (tool 'cancel_order' was left out for the error reported "
        "in its entry)"
    )
    assert any(
        e.startswith("mini/checks/main.chk:1:7: guard for unknown tool 'cancel_ordr'; " + left_out)
        for e in errors
    ), errors
    assert any("gold step 3 calls unknown tool 'cancel_ordr'; " + left_out in e for e in errors)
    assert any("writes must be true or false, not 'yes'" in e for e in errors), errors
    assert not any("get_order'?" in e for e in errors), errors


def test_a_closer_tool_that_survived_is_still_suggested(mini: Path, tmp_path: Path) -> None:
    edit(mini, "domain.yaml", "    writes: true\n    python:", "    writes: yes\n    python:")
    edit(mini, CHECKS, "guard cancel_order:", "guard get_ordr:")
    errors = _errors(mini, tmp_path / "out")
    assert any("unknown tool 'get_ordr'; did you mean 'get_order'?" in e for e in errors), errors


def test_a_tool_key_misspelt_in_domain_yaml_is_reported_at_the_key(
    mini: Path, tmp_path: Path
) -> None:
    # newcomer F: a misspelt key gave an error at each use (18 in retail), each suggesting the
    # misspelling, and none at the key itself
    edit(mini, "domain.yaml", "  find_user:\n", "  find_usr:\n")
    assert _errors(mini, tmp_path / "out") == [
        "mini/domain.yaml:24:3: tool 'find_usr' is named by no checker or task file, while 2 "
        "places name the tool 'find_user', which the spec does not declare (the first at "
        "mini/checks/main.chk:5:20); did you mean 'find_user'? Rename this tool to it, or "
        "those places to 'find_usr'"
    ]
    # where the key is used as written, a use spelt otherwise is the mistake, told at the use
    edit(mini, "domain.yaml", "  find_usr:\n", "  find_user:\n")
    edit(mini, TASKS, "      - find_user: {", "      - find_usr: {")
    errors = _errors(mini, tmp_path / "out")
    assert len(errors) == 1 and errors[0].endswith(
        "gold step 1 calls unknown tool 'find_usr'; did you mean 'find_user'?"
    ), errors


# ---------------------------------------------------------------- list[string] in a template


def test_a_template_type_in_the_checker_spelling_says_how_yaml_writes_it(
    mini: Path, tmp_path: Path
) -> None:
    edit(
        mini,
        TASKS,
        "      reason: {type: string, choices: [no longer needed, ordered by mistake]}\n",
        "      reason: {type: string, choices: [no longer needed, ordered by mistake]}\n"
        '      ids: {type: "list[string]", from: "[o.order_id for o in db.orders]"}\n'
        '      names: "list[string]?"\n'
        '      totals: "map[float]"\n',
    )
    errors = _errors(mini, tmp_path / "out")
    assert any(
        "params.ids.type: input should be" in e
        and e.endswith(
            "; write this type as {type: list, items: string} in YAML ('list[...]' is checker "
            "files' spelling)"
        )
        for e in errors
    ), errors
    assert any(
        "unknown type 'list[string]?'; write this type as {type: list, items: string, optional: "
        "true} in YAML" in e
        for e in errors
    ), errors
    assert any(
        e.endswith("unknown type 'map[float]'; write this type as {type: map, of: float} in YAML")
        for e in errors
    ), errors
    assert not any("did you mean 'string'" in e for e in errors), errors


# ---------------------------------------------------------------- constants in sources


def test_a_template_source_reads_the_spec_constants(mini: Path, tmp_path: Path) -> None:
    edit(mini, CHECKS, "guard cancel_order:", 'let open_status = "pending"\n\nguard cancel_order:')
    edit(
        mini,
        TASKS,
        'where o.status == "pending"\'',
        "where o.status == open_status'",
    )
    result = compile_domain(mini, tmp_path / "out")
    tasks = [t for t in result.tasks if t["template"] == "cancel"]
    seed = (mini / "data/seed.yaml").read_text()
    assert tasks and all(t["params"]["order_id"] in seed for t in tasks)
    # read by a source, the constant is read: no warning that nothing reads it
    assert not any("open_status" in w.message for w in result.warnings), result.warnings


def test_a_source_reading_a_parameter_named_like_a_constant_is_an_error(
    mini: Path, tmp_path: Path
) -> None:
    edit(mini, CHECKS, "guard cancel_order:", 'let order_id = "#2"\n\nguard cancel_order:')
    errors = _errors(mini, tmp_path / "out")
    line = next(
        n
        for n, text in enumerate((mini / TASKS).read_text().splitlines(), 1)
        if text.startswith("      email:")
    )
    assert any(
        e.startswith(
            f"mini/tasks/cancel.yaml:{line}:"
            "55: this reads the template's parameter, which is named 'order_id' like the "
            "constant at mini/checks/main.chk:1:5, which it would hide in this source; rename"
        )
        for e in errors
    ), errors


def test_a_source_variable_named_like_a_constant_names_the_template_and_both_fixes(
    mini: Path, tmp_path: Path
) -> None:
    # newcomer F's M1: a constant `o` in one checker file broke 21 of retail's templates, each
    # error told to rename the variable and said nothing of the template or the constant
    edit(mini, CHECKS, "guard cancel_order:", 'let o = "#2"\n\nguard cancel_order:')
    errors = _errors(mini, tmp_path / "out")
    assert any(
        e.startswith("mini/tasks/cancel.yaml:5:")
        and e.endswith(
            ": 'o' is a constant of the spec (at mini/checks/main.chk:1:5), which this variable "
            "would hide in the `from:` of a parameter of template 'cancel' (a `from:` reads the "
            "constants too); give the variable another name, or rename the constant"
        )
        for e in errors
    ), errors


# ---------------------------------------------------------------- Python tool parameters


@pytest.mark.parametrize("extra", ["verbose=False", "*, verbose=False"])
def test_an_undeclared_python_parameter_with_a_default_is_accepted(
    mini: Path, tmp_path: Path, extra: str
) -> None:
    edit(
        mini,
        "tools.py",
        "def cancel_order(db, order_id, reason):",
        f"def cancel_order(db, order_id, reason, {extra}):",
    )
    compile_domain(mini, tmp_path / "out")


def test_an_undeclared_python_parameter_without_a_default_says_both_fixes(
    mini: Path, tmp_path: Path
) -> None:
    edit(
        mini,
        "tools.py",
        "def cancel_order(db, order_id, reason):",
        "def cancel_order(db, order_id, reason, verbose):",
    )
    errors = _errors(mini, tmp_path / "out")
    assert any(
        "'cancel_order' takes 'verbose' (at " in e
        and e.endswith(
            "which tool 'cancel_order' does not declare; declare it under the tool's params, "
            "or give it a default in the def"
        )
        for e in errors
    ), errors
