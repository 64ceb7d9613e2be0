"""One compile reports every mistake: errors of one stage do not hide those of the next (the
tasks are checked though the seed data or a template has errors), and what only the broken seed
data could judge is a note, never a false error."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.loader import load_spec
from tests.conftest import edit

SEED = "data/seed.yaml"
TASKS = "tasks/cancel.yaml"
WRONG_TOTAL = ("total: 20.0", "total: lots")  # a seed row's value of the wrong type


def _reported(spec: Path) -> list[tuple[str, str, str]]:
    """(severity, where, message) of each diagnostic the failed compile reports, in its order."""
    with pytest.raises(EigenError) as caught:
        compile_domain(spec)
    return [(d.severity, str(d.span), d.message) for d in caught.value.diagnostics]


def _errors(reported: list[tuple[str, str, str]]) -> list[str]:
    return [f"{where}: {message}" for severity, where, message in reported if severity == "error"]


def test_a_seed_error_and_a_task_error_are_reported_together(mini: Path) -> None:
    edit(mini, SEED, *WRONG_TOTAL)
    edit(mini, TASKS, "template: cancel,", "template: cancl,")
    assert _errors(_reported(mini)) == [
        "mini/data/seed.yaml:5:59: row '#1' of 'orders' field 'total' is 'lots', expected float",
        "mini/tasks/cancel.yaml:19:32: task 'cancel-ann' uses unknown template 'cancl'; did you "
        "mean 'cancel'?",
    ]


def test_what_a_task_writes_is_judged_though_the_seed_has_errors(mini: Path) -> None:
    edit(mini, SEED, *WRONG_TOTAL)
    edit(mini, TASKS, "reason: no longer needed}", "reason: no longer needed, colour: red}")
    edit(
        mini,
        TASKS,
        "{id: cancel-ann",
        "{id: cancel-bob, template: cancel, params: {}}\n  - {id: cancel-ann",
    )
    errors = _errors(_reported(mini))
    assert errors[0].startswith("mini/data/seed.yaml:5:59: ")
    assert errors[1:] == [
        # order_id is drawn among candidates, so no seed could give it: it is missing whatever
        # the seed holds; email is derived from it, and is not said to be missing
        "mini/tasks/cancel.yaml:19:5: task 'cancel-bob' lacks order_id, reason (template "
        "'cancel' takes order_id, email, reason)",
        "mini/tasks/cancel.yaml:20:5: task 'cancel-ann' has unknown parameter colour (template "
        "'cancel' takes order_id, email, reason)",
    ]


def test_a_problem_the_broken_seed_may_cause_is_a_note(mini: Path) -> None:
    # Ann's email is wrong in the seed: the task's email, derived from it, no longer matches,
    # which is the seed's error, not the task's
    edit(mini, SEED, "email: ann@example.com", "email: 5")
    reported = _reported(mini)
    assert _errors(reported) == [
        "mini/data/seed.yaml:2:26: row 'u1' of 'users' field 'email' is 5, expected string"
    ]
    notes = [f"{where}: {message}" for severity, where, message in reported if severity == "note"]
    assert "mini/tasks/cancel.yaml:19:72: task 'cancel-ann': parameter 'email' is " in notes[-1]
    assert notes[-1].endswith(
        "the seed data's errors may be its cause, so it is judged once they are fixed"
    )
    with pytest.raises(EigenError, match=r"(?m)^mini/tasks/cancel.yaml:19:72: note: task "):
        compile_domain(mini)


def test_a_source_failing_on_the_broken_seed_says_why_in_words(mini: Path) -> None:
    # The note said Python's TypeError: "(values of the wrong type (unsupported operand
    # type(s) for +: 'int' and 'str'))".
    edit(mini, SEED, "{item_id: i1, price: 20.0}", "{item_id: i1, price: lots}")
    edit(
        mini,
        TASKS,
        "      reason: {type: string",
        '      total: {type: float, from: "sum(i in db.orders[order_id].items: i.price)"}\n'
        "      reason: {type: string",
    )
    notes = [message for severity, _, message in _reported(mini) if severity == "note"]
    assert notes == [
        "task 'cancel-ann': total cannot be worked out from the values written: its source "
        "fails for order_id='#1', email='ann@example.com' (values of the wrong type: '+' cannot "
        "combine a number and text); the seed data's errors may be its cause, so it is judged "
        "once they are fixed"
    ]


def test_a_template_with_errors_does_not_hide_the_tasks_errors(mini: Path) -> None:
    # the source of order_id fails its type check, so it cannot be run: neither sampling nor the
    # task of the template says more, but another task's unknown template is an error
    edit(mini, TASKS, 'o.status == "pending"', "o.status == 3")
    edit(mini, TASKS, "reason: no longer needed}", "reason: maybe}")
    edit(
        mini, TASKS, "  - {id: cancel-ann", "  - {id: other, template: cancl}\n  - {id: cancel-ann"
    )
    assert [e.split(": ", 1)[0] for e in _errors(_reported(mini))] == [
        "mini/tasks/cancel.yaml:5:75",
        "mini/tasks/cancel.yaml:19:27",
    ]


def test_the_report_is_in_file_order_whichever_stage_found_what(mini: Path) -> None:
    edit(mini, SEED, *WRONG_TOTAL)
    edit(mini, TASKS, "template: cancel,", "template: cancl,")
    edit(mini, TASKS, "- get_order:", "- get_ordr:")
    where = [where for _severity, where, _message in _reported(mini)]
    assert where == [
        "mini/data/seed.yaml:5:59",
        "mini/tasks/cancel.yaml:14:9",
        "mini/tasks/cancel.yaml:19:32",
    ]


def test_a_missing_policy_file_does_not_hide_the_other_errors(mini: Path) -> None:
    edit(mini, "domain.yaml", "policy: policy.md", "policy: polcy.md")
    edit(mini, SEED, *WRONG_TOTAL)
    edit(mini, TASKS, "template: cancel,", "template: cancl,")
    assert [e.split(": ", 1)[0] for e in _errors(_reported(mini))] == [
        "mini/data/seed.yaml:5:59",
        "mini/domain.yaml:3:9",
        "mini/tasks/cancel.yaml:19:32",
    ]


BROKEN_SEED_YAML = ("name: Ann}", "name: Ann")  # a flow mapping never closed: invalid YAML


def test_a_seed_file_that_is_not_yaml_does_not_hide_the_other_errors(mini: Path) -> None:
    edit(mini, SEED, *BROKEN_SEED_YAML)
    edit(mini, "checks/main.chk", 'status == "pending" else', "status == 3 else")
    edit(
        mini, TASKS, "  - {id: cancel-ann", "  - {id: other, template: cancl}\n  - {id: cancel-ann"
    )
    reported = _reported(mini)
    assert [e.split(": ", 1)[0] for e in _errors(reported)] == [
        "mini/checks/main.chk:2:13",
        "mini/data/seed.yaml:3:5",
        "mini/tasks/cancel.yaml:19:27",
    ]
    assert "invalid YAML" in _errors(reported)[1]
    assert "unknown template 'cancl'" in _errors(reported)[2]
    # what needs the rows (cancel-ann's email, derived from its order's row) is not judged
    # against a file that could not be read, nor said: the file's error is the one to fix
    assert [where for severity, where, _m in reported if severity == "note"] == []


def test_a_seed_file_that_is_no_mapping_does_not_hide_the_other_errors(mini: Path) -> None:
    (mini / SEED).write_text("- just a list\n")
    edit(mini, TASKS, "template: cancel,", "template: cancl,")
    assert _errors(_reported(mini)) == [
        "mini/data/seed.yaml:1:1: seed data must map table names to lists (or maps) of rows",
        "mini/tasks/cancel.yaml:19:32: task 'cancel-ann' uses unknown template 'cancl'; did you "
        "mean 'cancel'?",
    ]


def test_a_reference_the_unread_seed_may_hold_is_not_judged(mini: Path) -> None:
    edit(mini, SEED, *BROKEN_SEED_YAML)
    edit(
        mini,
        "domain.yaml",
        "checkers: [",
        "  give_order:\n    description: Give an order to Ann.\n    params:\n"
        "      order_id: string\n    writes: true\n    declare:\n"
        "      update: db.orders[order_id]\n      set: {user_id: '\"u1\"'}\ncheckers: [",
    )
    reported = _reported(mini)
    assert [where for _s, where, _m in reported] == ["mini/data/seed.yaml:3:5"]


def test_training_still_refuses_a_seed_file_that_is_not_yaml(mini: Path) -> None:
    edit(mini, SEED, *BROKEN_SEED_YAML)
    with pytest.raises(EigenError, match=r"mini/data/seed.yaml:3:5: invalid YAML"):
        load_spec(mini)  # as training loads a spec: no empty seed to train on
