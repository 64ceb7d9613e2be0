"""A declared tool's body (``declare:`` in ``domain.yaml``) reads the spec's constants (``let NAME
= EXPR`` outside any declaration of a checker file) as a guard or a check does; an argument of
the tool named like a constant would hide it there, an error as it is in the tool's guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import compile_to, edit

DOMAIN = "domain.yaml"
CONSTANTS = 'let closed = "cancelled"\nlet mark = "+closed"\n'


def _with_constants_in_bodies(mini: Path) -> None:
    edit(mini, "checks/constants.chk", None, CONSTANTS)
    edit(
        mini,
        DOMAIN,
        "returns: db.orders[order_id]\n",
        "returns: db.orders[order_id].status == closed\n",
    )
    edit(mini, DOMAIN, "set: {email: email}", "set: {email: email + mark}")


def test_a_declared_body_reads_the_constants(mini: Path, tmp_path: Path) -> None:
    _with_constants_in_bodies(mini)
    tools = compile_to(mini, tmp_path / "out").tools.TOOLS
    db = {
        "orders": {"#1": {"order_id": "#1", "status": "cancelled"}},
        "users": {"u1": {"user_id": "u1", "email": "a@b.c"}},
    }
    assert tools["get_order"](db, {"order_id": "#1"}) is True
    assert tools["set_email"](db, {"user_id": "u1", "email": "x@y.z"})["email"] == "x@y.z+closed"


def test_a_constant_read_only_by_a_declared_body_is_read(mini: Path) -> None:
    _with_constants_in_bodies(mini)
    warnings = [str(w) for w in compile_domain(mini).warnings]
    assert not [w for w in warnings if "is read by no" in w]


def test_a_constant_of_the_wrong_type_in_a_body_is_a_type_error(mini: Path) -> None:
    edit(mini, "checks/constants.chk", None, "let limit = 3\n")
    edit(mini, DOMAIN, "set: {email: email}", "set: {email: limit}")
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    assert [str(d) for d in caught.value.diagnostics] == [
        "mini/domain.yaml:53:20: field 'email' is string, but this is int"
    ]


def test_an_argument_named_like_a_constant_is_an_error_at_the_argument(mini: Path) -> None:
    edit(mini, "checks/constants.chk", None, 'let email = "none"\n')
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    assert [str(d) for d in caught.value.diagnostics] == [
        "mini/domain.yaml:27:7: tool 'find_user' has an argument named 'email' like the "
        "constant at mini/checks/constants.chk:1:5, which it would hide in this declare body; "
        "rename one of them",
        "mini/domain.yaml:49:7: tool 'set_email' has an argument named 'email' like the "
        "constant at mini/checks/constants.chk:1:5, which it would hide in this declare body; "
        "rename one of them",
    ]
