"""One compile reports a mistake of every pass: the shape of domain.yaml and what pydantic only
checks once the parts in it are sound, the files it names, the seed data, the checker files'
syntax and types, the tools' Python, the training settings, the templates' parameters, gold
plans and texts, and the tasks' values. An error of one pass does not hide another's; only what
follows from a part left out for its error is not said."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.loader import load_spec
from tests.conftest import edit

DOMAIN = "domain.yaml"
CHK = "checks/main.chk"
TASKS = "tasks/cancel.yaml"
# a second template and its check, whose parameter's source has a type error
LOOK = """templates:
  look:
    description: Look at an order.
    params:
      order_id: {type: string, from: 'o.total for o in db.orders'}
    user:
      reason: "I want to know about {{ order_id }}."
    gold:
      - find_user: {email: ann@example.com}
    check: looked
"""
LOOKED = "check looked(order_id: string):\n    require called find_user\n"


def _errors(spec: Path) -> list[str]:
    """Each error of the failed compile as ``file:line:col: sentence``; of a checker file's
    syntax error, only what was found where."""
    with pytest.raises(EigenError) as caught:
        compile_domain(spec)
    return [
        str(d).split("; expected")[0] if "unexpected" in d.message else str(d)
        for d in caught.value.diagnostics
        if d.severity == "error"
    ]


def test_a_mistake_of_every_pass_is_reported_in_one_run(mini: Path) -> None:
    edit(mini, "tasks/look.yaml", None, LOOK)
    edit(mini, "checks/look.chk", None, LOOKED)
    # domain.yaml: a parameter's type misspelt, and then (once it is read as any type) a tool
    # with two implementations; a policy file that is not there; a tool's Python function
    # misspelt; a training setting misspelt; a checkers pattern that matches no file
    edit(
        mini,
        DOMAIN,
        "      order_id: string\n    tags: [account]",
        "      order_id: strng\n    tags: [account]",
    )
    edit(
        mini,
        DOMAIN,
        "      returns: db.orders[order_id]\n",
        "      returns: db.orders[order_id]\n    python: tools:get_order\n",
    )
    edit(mini, DOMAIN, "policy: policy.md", "policy: polcy.md")
    edit(mini, DOMAIN, "python: tools:cancel_order", "python: tools:cancel_ordr")
    edit(
        mini,
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\ntraining: {sft: {epochz: 2}}",
    )
    edit(mini, DOMAIN, "checkers: [checks/*.chk]", "checkers: [checks/*.chk, rules/*.chk]")
    # the seed data: a value of the wrong type
    edit(mini, "data/seed.yaml", "total: 20.0", "total: lots")
    # the checker files: a syntax error in one, a type error in another
    edit(mini, "checks/bad.chk", None, "rule one:\n    require called find_user befor x\n")
    edit(mini, CHK, 'require said "cancelled"', 'require said 3 + "x"')
    # a template's gold plan and text, and a task's parameter
    edit(mini, TASKS, '- find_user: {email: "{{ email }}"}', '- find_user: {emial: "{{ email }}"}')
    edit(mini, TASKS, "because it is {{ reason }}", "because it is {{ reasn }}")
    edit(mini, TASKS, "reason: no longer needed}}", "reason: no longer needed, colour: red}}")
    assert _errors(mini) == [
        "mini/checks/bad.chk:2:30: unexpected 'befor'",
        "mini/checks/main.chk:15:13: '+' needs numbers, but this is a bool; 'said' takes only the "
        "value right after it: put what it should say in brackets, said (a + b)",
        "mini/data/seed.yaml:5:59: row '#1' of 'orders' field 'total' is 'lots', expected float",
        "mini/domain.yaml:3:9: policy file 'polcy.md' does not exist in mini; create it or fix "
        "the path",
        # found once the parameter's type was read as any: not the type's consequence
        "mini/domain.yaml:31:3: tools.get_order: a tool needs exactly one implementation: "
        "'python' or 'declare'",
        "mini/domain.yaml:34:17: tools.get_order.params.order_id: unknown type 'strng'; did you "
        "mean 'string'? Expected one of string, int, float, bool, date, time, any, enum, list, "
        "object, map",
        "mini/domain.yaml:45:13: 'tools.py' defines no function 'cancel_ordr'; did you mean "
        "'cancel_order'?",
        "mini/domain.yaml:55:26: no file matches 'rules/*.chk' (looked in mini); the checker "
        "files there are checks/bad.chk, checks/look.chk, checks/main.chk; fix the path or "
        "create the file",
        "mini/domain.yaml:58:18: training.sft: 'epochz' is not one of the sft settings; did you "
        "mean 'epochs'?",
        "mini/tasks/cancel.yaml:9:71: user.reason uses '{{ reasn }}', which is not a parameter "
        "of the template; did you mean 'reason'?",
        "mini/tasks/cancel.yaml:13:21: tool 'find_user' has no parameter 'emial'; did you mean "
        "'email'?",
        # its template's parameters are sound: the task is checked though its texts are not
        "mini/tasks/cancel.yaml:19:5: task 'cancel-ann' has unknown parameter colour (template "
        "'cancel' takes order_id, email, reason)",
        "mini/tasks/look.yaml:5:39: parameter 'order_id' is string, but this gives float",
        # not said: the calls of get_order (left out) in main.chk and the gold plan, its tag
        # 'account' that identify_first reads
    ]


def test_what_pydantic_checks_last_is_reported_beside_the_first_errors(mini: Path) -> None:
    edit(mini, DOMAIN, "      key: order_id\n", "      key: order_no\n")
    edit(mini, DOMAIN, "        total: float", "        total: flaot")
    edit(mini, DOMAIN, "  find_user:", "  find-user:")
    edit(mini, DOMAIN, "  set_email:", "  set-email:")
    assert _errors(mini) == [
        # the table's key is checked only once its fields are sound
        "mini/domain.yaml:14:12: database.tables.orders: key 'order_no' is not one of the "
        "table's fields; did you mean 'order_id'? The fields are order_id, user_id, status, "
        "total, items",
        "mini/domain.yaml:19:16: database.tables.orders.fields.total: unknown type 'flaot'; did "
        "you mean 'float'? Expected one of string, int, float, bool, date, time, any, enum, "
        "list, object, map",
        # the tools' names are checked one by one, each once the one before is cut out
        "mini/domain.yaml:24:3: tools: tool name 'find-user' must be an identifier: ASCII "
        "letters (a-z, A-Z), digits and '_', not starting with a digit; it holds '-'",
        "mini/domain.yaml:45:3: tools: tool name 'set-email' must be an identifier: ASCII "
        "letters (a-z, A-Z), digits and '_', not starting with a digit; it holds '-'",
    ]


def test_what_a_key_cut_out_leaves_wrong_is_not_said(mini: Path) -> None:
    # without its misspelt 'pyhton', cancel_order has no implementation: that is no mistake
    # of its own
    edit(mini, DOMAIN, "python: tools:cancel_order", "pyhton: tools:cancel_order")
    assert _errors(mini) == [
        "mini/domain.yaml:44:5: unknown key 'pyhton'; did you mean 'python'? Expected one of "
        "description, params, writes, tags, python, declare",
    ]


def test_a_checkers_pattern_matching_no_file_leaves_the_rest_checked(mini: Path) -> None:
    edit(mini, DOMAIN, "checkers: [checks/*.chk]", "checkers: [chekcs/*.chk]")
    edit(mini, TASKS, "template: cancel,", "template: cancl,")
    edit(mini, DOMAIN, "policy: policy.md", "policy: polcy.md")
    assert _errors(mini) == [
        "mini/domain.yaml:3:9: policy file 'polcy.md' does not exist in mini; create it or fix "
        "the path",
        "mini/domain.yaml:54:12: no file matches 'chekcs/*.chk' (looked in mini); did you mean "
        "'checks/*.chk'? The checker files there are checks/main.chk; fix the path or create "
        "the file",
        # the template's check 'cancelled' may be in the files not found: not said unknown
        "mini/tasks/cancel.yaml:19:32: task 'cancel-ann' uses unknown template 'cancl'; did you "
        "mean 'cancel'?",
    ]


def test_a_tasks_pattern_matching_no_file_names_the_task_files_there(mini: Path) -> None:
    edit(mini, DOMAIN, "tasks: [tasks/*.yaml]", "tasks: [tasks/*.yaml, tasks/cancle.yaml]")
    edit(mini, CHK, 'require said "cancelled"', 'require said 3 + "x"')
    assert _errors(mini) == [
        "mini/checks/main.chk:15:13: '+' needs numbers, but this is a bool; 'said' takes only the "
        "value right after it: put what it should say in brackets, said (a + b)",
        "mini/domain.yaml:55:23: no file matches 'tasks/cancle.yaml' (looked in mini); the YAML "
        "files there are data/seed.yaml, tasks/cancel.yaml; fix the path or create the file",
    ]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "name: mini\ndescription A tiny shop\npolicy: policy.md\n",
            "mini/domain.yaml:2:1: invalid YAML: this line has no ':' after its key",
        ),
        ("- name: mini\n", "mini/domain.yaml:1:1: domain.yaml must be a mapping of keys to values"),
        ("", "mini/domain.yaml:1:1: domain.yaml must be a mapping of keys to values"),
    ],
)
def test_a_domain_file_not_read_says_the_rest_was_not_checked(
    mini: Path, text: str, first: str
) -> None:
    edit(mini, DOMAIN, None, text)
    edit(mini, CHK, 'require said "cancelled"', 'require said 3 + "x"')  # not found: not read
    with pytest.raises(EigenError) as caught:
        load_spec(mini)
    (only,) = caught.value.diagnostics
    assert str(only).startswith(first)
    assert str(only).endswith(
        ". Nothing else of the spec was checked (domain.yaml names its policy, seed data, "
        "checker and task files); try again once this is fixed"
    )
