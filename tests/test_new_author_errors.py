"""A new domain author's mistakes (review nS1): each is reported once, at the line and column
to fix, with how to fix it, and without follow-on errors that are its consequences."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit

DOMAIN = "domain.yaml"
SEED = "data/seed.yaml"
TASKS = "tasks/cancel.yaml"


def errors(spec: Path, out: Path) -> list[str]:
    """The first lines of the errors compiling ``spec`` gives."""
    with pytest.raises(EigenError) as info:
        compile_domain(spec, out)
    return [str(d).split("\n")[0] for d in info.value.diagnostics if d.severity == "error"]


# --------------------------------------------------------------- M2: YAML indentation


def test_a_key_dedented_under_its_siblings_is_named_at_its_own_line(mini: Path, tmp_path: Path):
    """PyYAML finds it at the next line, as a ':' to quote; the line to fix is the dedented
    one, and the mistake is the indentation."""
    edit(mini, DOMAIN, "        email: string\n", "      email: string\n")
    [first] = errors(mini, tmp_path / "out")
    assert first.startswith(
        "mini/domain.yaml:11:7: invalid YAML: this line is indented 6 spaces, between line 10 "
        "above it and line 12 below it (8 spaces), and its key 'email' has a value, so line 12 "
        "cannot be indented under it; indent this line 8 spaces like its neighbours, or line 12 "
        "like this one (6 spaces)"
    ), first
    assert "quoted" not in first


def test_a_key_indented_under_a_value_is_an_indentation_mistake(mini: Path, tmp_path: Path):
    edit(mini, DOMAIN, "        name: string\n", "        name: string\n          note: string\n")
    [first] = errors(mini, tmp_path / "out")
    assert first.startswith(
        "mini/domain.yaml:13:11: invalid YAML: this line is indented 10 spaces, deeper than "
        "line 12 above it (8), whose key 'name' already has a value, so nothing can be indented "
        "under it; indent this line like line 12 (8 spaces)"
    ), first


def test_the_same_indentation_mistake_in_a_task_file(mini: Path, tmp_path: Path):
    """Under a quoted value PyYAML says it differently ('expected <block end>'); the same
    sentence, in every spec YAML file."""
    edit(mini, TASKS, "      unknown: [user id]\n", "        unknown: [user id]\n")
    edit(mini, TASKS, '      known: {email: "{{ email }}", order_id: "{{ order_id }}"}\n', "")
    [first] = errors(mini, tmp_path / "out")
    assert first.startswith("mini/tasks/cancel.yaml:10:9: invalid YAML: this line is indented 8"), (
        first
    )


def test_a_colon_inside_a_value_still_says_to_quote_it(mini: Path, tmp_path: Path):
    edit(mini, DOMAIN, "    description: Read an order.", "    description: Note: reads it.")
    [first] = errors(mini, tmp_path / "out")
    assert "a value holding ': ' must be quoted" in first and first.startswith(
        "mini/domain.yaml:32:22:"
    ), first


# --------------------------------------------------------------- M4: a table's key


def test_a_table_key_that_names_no_field_is_reported_at_the_key(mini: Path, tmp_path: Path):
    edit(mini, DOMAIN, "      key: order_id\n", "      key: id\n")
    assert errors(mini, tmp_path / "out") == [
        "mini/domain.yaml:14:12: database.tables.orders: key 'id' is not one of the table's "
        "fields; did you mean 'order_id'? The fields are order_id, user_id, status, total, items"
    ]


# --------------------------------------------------------------- M3: a written task's values

NAME_PARAM = '      name: {type: string, from: "db.users[db.orders[order_id].user_id].name"}\n'


def test_every_wrong_derived_value_of_a_task_is_reported_at_its_value(mini: Path, tmp_path: Path):
    edit(mini, TASKS, "      reason: {type: string", NAME_PARAM + "      reason: {type: string")
    edit(mini, TASKS, 'cancelled."', 'cancelled, {{ name }}."')
    edit(mini, TASKS, "email: ann@example.com, reason", "email: bob@example.com, name: Bo, reason")
    text = (mini / TASKS).read_text().splitlines()
    line = next(i for i, t in enumerate(text) if "id: cancel-ann" in t)
    email, name = text[line].index("bob@"), text[line].index("Bo,")
    assert errors(mini, tmp_path / "out") == [
        f"mini/tasks/cancel.yaml:{line + 1}:{email + 1}: task 'cancel-ann': parameter 'email' is "
        "'bob@example.com', but its source gives 'ann@example.com' for order_id='#1' "
        "(template 'cancel')",
        f"mini/tasks/cancel.yaml:{line + 1}:{name + 1}: task 'cancel-ann': parameter 'name' is "
        "'Bo', but its source gives 'Ann' for order_id='#1', email='ann@example.com' "
        "(template 'cancel')",
    ]


def test_a_value_derived_from_a_wrong_one_is_not_reported_again(mini: Path, tmp_path: Path):
    """``user`` is wrong; ``email``, derived from it, is right for the right user: one error."""
    user = '      user: {type: string, from: "db.orders[order_id].user_id"}\n'
    edit(
        mini,
        TASKS,
        '      email: {type: string, from: "db.users[db.orders[order_id].user_id]',
        user + '      email: {type: string, from: "db.users[user]',
    )
    edit(mini, TASKS, 'cancelled."', 'cancelled, {{ user }}."')
    edit(mini, TASKS, "email: ann@example.com, reason", "user: u2, email: ann@example.com, reason")
    [only] = errors(mini, tmp_path / "out")
    assert "parameter 'user' is 'u2', but its source gives 'u1'" in only, only


# --------------------------------------------------------------- M5: consequences left out


def reported(spec: Path, out: Path) -> list[str]:
    with pytest.raises(EigenError) as info:
        compile_domain(spec, out)
    return [f"{d.severity}: {str(d).split(chr(10))[0]}" for d in info.value.diagnostics]


def test_a_misspelt_seed_table_is_one_error_and_its_references_one_note(mini: Path, tmp_path: Path):
    edit(mini, SEED, "users:\n", "user:\n")
    lines = reported(mini, tmp_path / "out")
    assert [line for line in lines if line.startswith("error")] == [
        "error: mini/data/seed.yaml:1:1: seed data has unknown table 'user'; did you mean "
        "'users'? Declare it under database.tables",
    ], lines
    assert (
        "note: mini/data/seed.yaml:5:31: note: 3 values that refer to 'users' (lines 5, 6, 7) are "
        "not checked: the seed data has no table 'users', and its table 'user' is unknown; that "
        "is checked once this is fixed"
    ) in lines


def test_references_to_rows_left_out_for_their_errors_are_not_errors(mini: Path, tmp_path: Path):
    edit(mini, SEED, "  - {user_id: u2, email", "  - {email")
    lines = reported(mini, tmp_path / "out")
    assert [line for line in lines if line.startswith("error")] == [
        "error: mini/data/seed.yaml:3:5: row 2 of 'users' lacks field 'user_id'"
    ], lines
    assert any("2 values that refer to 'users'" in line for line in lines), lines
    assert any("1 of the 2 rows of 'users' has errors" in line for line in lines), lines


def test_a_dangling_reference_is_still_an_error_where_no_row_was_left_out(
    mini: Path, tmp_path: Path
):
    edit(mini, SEED, '"#3", user_id: u2', '"#3", user_id: u9')
    assert errors(mini, tmp_path / "out") == [
        "mini/data/seed.yaml:7:31: orders[\"#3\"].user_id is 'u9', which is not a key of 'users'"
    ]


# --------------------------------------------------------------- L: smaller ones


def test_params_written_as_a_list_says_how_to_write_them(mini: Path, tmp_path: Path):
    edit(
        mini,
        DOMAIN,
        "    params:\n      order_id: string\n    tags: [account]",
        "    params: [order_id]\n    tags: [account]",
    )
    assert errors(mini, tmp_path / "out") == [
        "mini/domain.yaml:33:5: tools.get_order.params must be a mapping (key: value lines), "
        "not a list of 1; write one 'name: type' line for each, as params: {order_id: string}"
    ]
