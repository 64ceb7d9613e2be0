"""Guard blocks for several tools (`guard a, b:`) and several blocks for one tool."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from eigendsl.errors import EigenError
from eigendsl.support import Trace
from tests.conftest import MINI, Verifiers, compile_to, copy_spec, edit

OWN = (
    "guard cancel_order:\n"
    '    require db.orders[order_id].status == "pending" else "Only pending orders can be '
    'cancelled"\n'
)


def _compiled(tmp_path: Path, guards: str) -> tuple[Verifiers, dict[str, Any]]:
    """The mini fixture with ``guards`` in place of its guard, compiled; and its seed tables."""
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(spec, "checks/main.chk", OWN, guards)
    verifiers = compile_to(spec, tmp_path / "out")
    return verifiers, json.loads((verifiers.out / "db.json").read_text())["tables"]


def test_a_shared_guard_refuses_each_tool_it_names(tmp_path: Path) -> None:
    shared = (
        "guard get_order, cancel_order:\n"
        "    let order = order_id\n"
        '    require order in db.orders else "No such order"\n\n'
    )
    v, seed = _compiled(tmp_path, shared + OWN)
    for tool in ("get_order", "cancel_order"):
        guard = v.guards.GUARDS[tool]
        assert guard(Trace(db=copy.deepcopy(seed)), {"order_id": "#9"}) == "No such order"
    # the shared block first, then the tool's own
    cancel = v.guards.GUARDS["cancel_order"]
    message = cancel(Trace(db=copy.deepcopy(seed)), {"order_id": "#2"})
    assert message == "Only pending orders can be cancelled"
    assert v.guards.GUARDS["get_order"](Trace(db=copy.deepcopy(seed)), {"order_id": "#2"}) is None


def test_two_blocks_for_one_tool_run_in_the_files_order(tmp_path: Path) -> None:
    """Two `guard cancel_order:` blocks (an error before shared blocks) run one after the
    other, each with its own lets."""
    second = (
        "\nguard cancel_order:\n"
        "    let order = db.orders[order_id]\n"
        '    require order.total < 15 else "Second block"\n'
    )
    first = OWN.replace("    require", "    let order = db.orders[order_id]\n    require")
    first = first.replace("db.orders[order_id].status", "order.status")
    v, seed = _compiled(tmp_path, first + second)
    guard = v.guards.GUARDS["cancel_order"]
    db = copy.deepcopy(seed)
    pending = [k for k, o in db["orders"].items() if o["status"] == "pending"]
    other = next(k for k, o in db["orders"].items() if o["status"] != "pending")
    db["orders"][other]["total"] = 100
    for key in pending:
        db["orders"][key]["total"] = 10
    assert guard(Trace(db=db), {"order_id": other}) == "Only pending orders can be cancelled"
    assert guard(Trace(db=db), {"order_id": pending[0]}) is None
    db["orders"][pending[0]]["total"] = 100
    assert guard(Trace(db=db), {"order_id": pending[0]}) == "Second block"


def test_a_parameter_one_named_tool_lacks_is_an_error_at_its_name(tmp_path: Path) -> None:
    spec = copy_spec(MINI, tmp_path / "spec")
    shared = (
        "guard cancel_order, find_user, get_order:\n"
        '    require order_id in db.orders else "No such order"\n\n'
    )
    edit(spec, "checks/main.chk", OWN, shared + OWN)
    with pytest.raises(EigenError) as caught:
        compile_to(spec, tmp_path / "out")
    errors = [str(d) for d in caught.value.diagnostics if d.severity == "error"]
    assert len(errors) == 1, errors
    assert (
        "/checks/main.chk:1:21: tool 'find_user' has no parameter 'order_id', which this guard "
        "block reads; give 'find_user' a guard block of its own" in errors[0]
    ), errors[0]


def test_a_tool_named_twice_in_one_guard_is_an_error(tmp_path: Path) -> None:
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(spec, "checks/main.chk", "guard cancel_order:", "guard cancel_order, cancel_order:")
    with pytest.raises(EigenError, match=r"main.chk:1:21: tool 'cancel_order' is named twice"):
        compile_to(spec, tmp_path / "out")
