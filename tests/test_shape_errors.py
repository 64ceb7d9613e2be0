"""A spec file of the wrong shape does not stop the compile: the broken part is left out
(:mod:`eigendsl.salvage`), the rest is checked in the same run, and what names the part left out
is not said to be unknown (that is the first error's consequence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.loader import load_spec
from tests.conftest import edit

DOMAIN = "domain.yaml"
TASKS = "tasks/cancel.yaml"
CHK = "checks/main.chk"
# get_order is called in main.chk and in the gold plan, and is the one tool tagged 'account'
# (which the rule identify_first reads)
GET_ORDER = """  get_order:
    description: Read an order.
    params:
      order_id: string
    tags: [account]
    declare:
      returns: db.orders[order_id]
"""
CANCEL_ORDER = """  cancel_order:
    description: Cancel a pending order.
    params:
      order_id: string
      reason: {type: enum, values: [no longer needed, ordered by mistake]}
    writes: true
    python: tools:cancel_order
"""
TASK_TYPO = ("template: cancel,", "template: cancl,")
CANCL = (
    "mini/tasks/cancel.yaml:19:32: task 'cancel-ann' uses unknown template 'cancl'; did you mean "
    "'cancel'?"
)


def _reported(spec: Path) -> list[str]:
    """Each diagnostic of the failed compile; of a checker file's syntax error, only what was
    found where (what the grammar expected there is not this test's)."""
    with pytest.raises(EigenError) as caught:
        compile_domain(spec)
    return [
        str(d).split("; expected")[0] if "unexpected" in d.message else str(d)
        for d in caught.value.diagnostics
    ]


def test_a_mistake_in_each_file_is_reported_in_one_run(mini: Path) -> None:
    edit(mini, DOMAIN, GET_ORDER, "  get_order: Read an order.\n")
    edit(mini, TASKS, "tasks:\n", "tasks:\n  - cancel-bob\n")
    edit(mini, TASKS, *TASK_TYPO)
    edit(mini, "checks/first.chk", None, "rule one:\n    require called find_user befor x\n")
    edit(mini, "checks/second.chk", None, "check two(:\n    require true\n")
    assert _reported(mini) == [
        "mini/checks/first.chk:2:30: unexpected 'befor'",
        "mini/checks/second.chk:1:11: unexpected ':'",
        "mini/domain.yaml:31:14: tools.get_order must be a mapping (key: value lines), not "
        "'Read an order.'",
        "mini/tasks/cancel.yaml:19:5: tasks.0 must be a mapping (key: value lines), not "
        "'cancel-bob'",
        # the task after the one left out is checked, at its own place; the calls of get_order
        # (in main.chk and the gold plan) and its tag 'account' are not called unknown
        CANCL.replace(":19:32:", ":20:32:"),
    ]


def test_a_field_or_parameter_of_a_misspelt_type_is_read_as_any(mini: Path) -> None:
    edit(mini, DOMAIN, "        total: float", "        total: flaot")
    edit(
        mini,
        DOMAIN,
        "      order_id: string\n    tags: [account]",
        "      order_id: strng\n    tags: [account]",
    )
    edit(
        mini,
        CHK,
        "unchanged db.users",
        "unchanged db.users\n    require db.orders[order_id].total > 1",
    )
    # a parameter read as any stays required: the Python tool requires it
    edit(
        mini,
        DOMAIN,
        "reason: {type: enum, values: [no longer needed, ordered by mistake]}",
        "reason: {type: enum}",
    )
    edit(mini, TASKS, *TASK_TYPO)
    assert _reported(mini) == [
        "mini/domain.yaml:19:16: database.tables.orders.fields.total: unknown type 'flaot'; "
        "did you mean 'float'? Expected one of string, int, float, bool, date, time, any, "
        "enum, list, object, map",
        "mini/domain.yaml:34:17: tools.get_order.params.order_id: unknown type 'strng'; did you "
        "mean 'string'? Expected one of string, int, float, bool, date, time, any, "
        "enum, list, object, map",
        "mini/domain.yaml:42:7: tools.cancel_order.params.reason: an enum needs 'values', the "
        "list of allowed values",
        CANCL,
    ]


def test_a_section_of_the_wrong_kind_leaves_its_names_unknown(mini: Path) -> None:
    # the seed's tables, the expressions and the declared tools that read them, the 'ref: users'
    # and the update of db.users are not called unknown or wrong
    edit(mini, DOMAIN, "  tables:\n    users:", "  tables: users\n  tabels:\n    users:")
    edit(mini, TASKS, *TASK_TYPO)
    assert _reported(mini) == [
        "mini/domain.yaml:6:11: database.tables must be a mapping (key: value lines), not 'users'",
        "mini/domain.yaml:7:3: unknown key 'tabels'; did you mean 'tables'? Expected one of "
        "seed, tables",
        CANCL,
    ]


def test_a_tool_of_a_wrong_name_leaves_every_tool_name_unknown(mini: Path) -> None:
    # get-order is meant by get_order, as any other name may be
    edit(mini, DOMAIN, "  get_order:", "  get-order:")
    edit(mini, TASKS, *TASK_TYPO)
    assert _reported(mini) == [
        "mini/domain.yaml:31:3: tools: tool name 'get-order' must be an identifier: ASCII "
        "letters (a-z, A-Z), digits and '_', not starting with a digit; it holds '-'",
        CANCL,
    ]


def test_a_template_of_the_wrong_shape_is_left_out_with_its_tasks(mini: Path) -> None:
    edit(
        mini, TASKS, "    params:\n      order_id:", "    params: oops\n    parms:\n      order_id:"
    )
    edit(mini, "tasks/more.yaml", None, "tasks:\n  - {id: more, template: cancl}\n")
    assert _reported(mini) == [
        "mini/tasks/cancel.yaml:4:13: templates.cancel.params must be a mapping (key: value "
        "lines), not 'oops'",
        "mini/tasks/cancel.yaml:5:5: unknown key 'parms'; did you mean 'params'? Expected one of "
        "description, family, params, user, gold, check, sample",
        # cancel-ann's template is left out; 'cancl' is a misspelling of it, said so
        "mini/tasks/more.yaml:2:26: task 'more' uses unknown template 'cancl'; did you mean "
        "'cancel'? (template 'cancel' was left out for the error reported in its entry)",
    ]


def test_templates_of_the_wrong_kind_leave_every_template_unknown(mini: Path) -> None:
    edit(mini, TASKS, "templates:\n  cancel:", "templates:\n  - cancel:")
    edit(mini, "tasks/more.yaml", None, "tasks:\n  - {id: more, template: cancel}\n")
    edit(mini, CHK, "unchanged db.users", "unchanged db.userz")
    assert _reported(mini) == [
        "mini/checks/main.chk:16:18: unknown table 'userz'; did you mean 'users'? Tables are "
        "orders, users",
        "mini/tasks/cancel.yaml:1:1: templates must be a mapping (key: value lines), not a list "
        "of 1",
    ]


def test_a_declaration_that_does_not_parse_leaves_its_names_unknown(mini: Path) -> None:
    # main.chk declares identify_first, used in another file, and cancelled, the template's
    # check: they parse, and only confirm_writes, whose line has the syntax error, is left out
    edit(mini, CHK, "rule confirm_writes:", "rule confirm_writes")
    edit(mini, "checks/more.chk", None, "check more():\n    use identify_first\n    use idle\n")
    edit(mini, TASKS, *TASK_TYPO)
    assert _reported(mini) == [
        "mini/checks/main.chk:7:20: unexpected end of the line",
        "mini/checks/more.chk:3:9: unknown rule or block 'idle'; rules are identify_first; "
        "confirm_writes was left out for the syntax error at mini/checks/main.chk:7:20",
        CANCL,
    ]


def test_a_use_of_a_declaration_left_out_names_its_syntax_error(mini: Path) -> None:
    # fixR1: a check left out for its syntax error was an "unknown rule or block" where a
    # 'use' names it; it is a check, left out for the error at its place. Each name left out is
    # said with the place of the error it was left out for; the rule and the block a 'use'
    # names as written are no error (their errors' consequences)
    more = (
        "rule broken\n    forbid false\n\n"
        "block blk(x: string)\n    require said x\n\n"
        "check bad(:\n    require true\n\n"
        'check more():\n    use broken\n    use blk("a")\n    use bad\n    use nothing\n'
    )
    edit(mini, "checks/more.chk", None, more)
    assert _reported(mini)[3:] == [
        "mini/checks/more.chk:13:9: 'bad' is a check (left out for the syntax error at "
        "mini/checks/more.chk:7:11); 'use' takes a rule (declared with 'rule') or a block "
        "(declared with 'block')",
        "mini/checks/more.chk:14:9: unknown rule or block 'nothing'; rules are confirm_writes, "
        "identify_first; blk was left out for the syntax error at mini/checks/more.chk:4:21, "
        "broken for the syntax error at mini/checks/more.chk:1:12",
    ]


def test_a_load_without_a_compile_raises_them_all(mini: Path) -> None:
    # as training loads a spec: the errors a compile goes on after are raised together
    edit(mini, DOMAIN, "        total: float", "        total: flaot")
    edit(mini, TASKS, "    check: cancelled", "    check: [cancelled]")
    edit(mini, CHK, "rule confirm_writes:", "rule confirm_writes")
    with pytest.raises(EigenError) as caught:
        load_spec(mini)
    assert [str(d.span) for d in caught.value.diagnostics] == [
        "mini/checks/main.chk:7:20",
        "mini/domain.yaml:19:16",
        "mini/tasks/cancel.yaml:17:5",
    ]


def test_a_block_that_does_not_parse_is_unknown_and_the_constant_above_it_read(
    mini: Path,
) -> None:
    # shared.chk's block, used in more.chk, is not said to be unknown there; a misspelt block
    # is, with the block left out as its likely meaning; the constant above it parses and is
    # read (its type checked: 'said denials' would be an error)
    shared = 'let denials = ["cannot"]\n\nblock told(x: string):\n    require said x\n    forbid\n'
    edit(mini, "checks/shared.chk", None, shared)
    more = 'check more():\n    use told("a")\n    require any(d in denials: said d)\n    use tld\n'
    edit(mini, "checks/more.chk", None, more)
    assert _reported(mini) == [
        "mini/checks/more.chk:4:9: unknown rule or block 'tld'; did you mean 'told'? (block "
        "'told' was left out for the syntax error at mini/checks/shared.chk:5:11)",
        "mini/checks/shared.chk:5:11: unexpected end of the line",
    ]


def test_a_tool_left_out_does_not_fail_change_mind(mini: Path) -> None:
    """Newcomer Y3's C1: a write left out of the gold plan's tools made change_mind say that no
    write takes the parameter, a consequence of the first error."""
    edit(
        mini,
        TASKS,
        "      unknown: [user id]\n",
        "      unknown: [user id]\n      change_mind: reason=ordered by mistake\n",
    )
    compile_domain(mini)  # change_mind is sound with cancel_order
    edit(mini, DOMAIN, CANCEL_ORDER, "  cancel_order: Cancel a pending order.\n")
    assert _reported(mini) == [
        "mini/domain.yaml:38:17: tools.cancel_order must be a mapping (key: value lines), not "
        "'Cancel a pending order.'"
    ]
