"""Spec constants (``let NAME = expr`` outside any declaration) and parameterized blocks
(``block NAME(params):``, written out where ``use NAME(args)`` stands).

The mini shop written twice, with its statements inline (``INLINE``) and folded into constants
and a block (``FOLDED``): the two must refuse the same calls and give the same verdicts, with
the same reasons. Verifiers are the only way a check is judged (there is no interpreter beside
the generated code), so this is how a fold is held to what it folds, as ``test_lets.py`` holds
lets. The analysis errors of both are pinned in ``test_errors.py`` (cases ``constant-*``,
``block-*`` and ``use-*``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.dsl import ast as A
from eigendsl.dsl.parser import parse
from eigendsl.dsl.render import render_statement
from eigendsl.support import Trace
from tests.conftest import MINI, compile_to, copy_spec, edit
from tests.test_verifiers import Domain, agent, tool_call, user

CHK = "checks/main.chk"

INLINE = """\
guard cancel_order:
    require reason in ["no longer needed", "ordered by mistake"] else "Unknown reason"

rule identify_first:
    require called find_user before first(c in calls where "account" in c.tags)

check cancelled(order_id: string, reason: string):
    use identify_first
    require db == gold
    require called cancel_order(order_id=order_id, reason=reason)
    require said "cancelled" or said "canceled" else "the agent never said the order is cancelled"
    forbid any(w in ["pending", "shipped"] where w != "cancelled": said w) \\
        else "the agent said another status"
"""

FOLDED = """\
let reasons = ["no longer needed", "ordered by mistake"]
let statuses = ["pending", "shipped", "cancelled"]

guard cancel_order:
    require reason in reasons else "Unknown reason"

rule identify_first:
    require called find_user before first(c in calls where "account" in c.tags)

check cancelled(order_id: string, reason: string):
    use identify_first
    require db == gold
    require called cancel_order(order_id=order_id, reason=reason)
    use status_told("cancelled", [s for s in statuses where s != "cancelled"])

block status_told(status: string, others: list[string]):
    let spellings = [status, "canceled"] if status == "cancelled" else [status]
    require any(w in spellings: said w) else "the agent never said the order is cancelled"
    forbid any(w in others where w != status: said w) else "the agent said another status"
"""


def _domain(tmp_path: Path, checks: str) -> Domain:
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(spec, CHK, None, checks)
    return Domain(compile_to(spec, tmp_path / "out"))


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Domain]:
    return (
        _domain(tmp_path_factory.mktemp("inline"), INLINE),
        _domain(tmp_path_factory.mktemp("folded"), FOLDED),
    )


PARAMS = {"order_id": "#1", "reason": "no longer needed"}


def cancel_dialogue(closing: str) -> list[dict[str, Any]]:
    """Ann cancels order #1 (no longer needed); the agent closes with ``closing``."""
    return [
        user("Please cancel order #1, I no longer need it. I am ann@example.com."),
        *tool_call("find_user", {"email": "ann@example.com"}, "u1"),
        *tool_call("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "ok"),
        agent(closing),
    ]


def _verdict(domain: Domain, closing: str) -> Any:
    db = domain.db()
    db["orders"]["#1"]["status"] = "cancelled"
    trace = domain.trace(cancel_dialogue(closing), db=db, params=PARAMS)
    return domain.v.check("cancelled").verify(trace)


CLOSINGS = [
    "Your order #1 is cancelled.",
    "Your order #1 is canceled.",
    "Your order #1 is cancelled; it was pending.",
    "Your order #1 is shipped.",
    "Done.",
]


@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_folded_check_gives_the_inline_verdict(both: tuple[Domain, Domain], closing: str) -> None:
    inline, folded = (_verdict(d, closing) for d in both)
    assert (folded.passed, folded.score) == (inline.passed, inline.score)
    assert [f.reason for f in folded.failures] == [f.reason for f in inline.failures]


def test_a_constant_in_a_guard_refuses_as_the_literal_did(both: tuple[Domain, Domain]) -> None:
    for domain in both:
        guard = domain.v.guards.GUARDS["cancel_order"]
        trace = Trace(db=domain.db())
        assert guard(trace, {"order_id": "#1", "reason": "bored"}) == "Unknown reason"
        assert guard(trace, {"order_id": "#1", "reason": "ordered by mistake"}) is None


def test_a_blocks_failure_names_the_block_and_the_use(both: tuple[Domain, Domain]) -> None:
    """The reason is the statement's own (the verdicts of a fold stay the same); the statement's
    text, after the lets and parameters it reads, names the block and where it is used. A
    constant it reads is shown by name (newcomer Y3's M2: retail's status_told wrote out five
    constants' values, ~1,500 characters, in every failure)."""
    verdict = _verdict(both[1], "Your order #1 is cancelled, not shipped.")
    (failure,) = verdict.failures
    assert failure.reason == "the agent said another status"
    assert failure.statement == (
        'forbid any(w in others where w != status: said w) else "the agent said another status" '
        '(where status = "cancelled", others = [s for s in statuses where s != "cancelled"]) '
        "(in block status_told, used at spec/checks/main.chk:14)"
    )
    assert (failure.path, failure.line, failure.col) == ("spec/checks/main.chk", 19, 5)


def test_a_block_used_in_a_rule_fails_as_the_rules_statement(tmp_path: Path) -> None:
    checks = FOLDED.replace(
        "rule identify_first:\n",
        'rule greets:\n    use greeted("hello")\n\nrule identify_first:\n',
    ) + ("\nblock greeted(word: string):\n    require said word\n")
    domain = _domain(tmp_path, checks)
    verdict = domain.v.rules.verify(
        domain.trace(cancel_dialogue("It is cancelled."), params=PARAMS)
    )
    (failure,) = verdict.failures
    assert failure.reason == 'policy rule greets: the agent never said "hello"'
    assert failure.statement == (
        'require said word (where word = "hello") '
        "(in block greeted, used at spec/checks/main.chk:8)"
    )


def test_blocks_and_constants_parse(tmp_path: Path) -> None:
    module = parse(FOLDED, "x.chk")
    constants = [d for d in module.declarations if isinstance(d, A.Constant)]
    assert [(c.name, c.span.line) for c in constants] == [("reasons", 1), ("statuses", 2)]
    (block,) = [d for d in module.declarations if isinstance(d, A.Block)]
    assert [(p.name, p.type and p.type.name) for p in block.params] == [
        ("status", "string"),
        ("others", "list"),
    ]
    use = next(d for d in module.declarations if isinstance(d, A.Check)).body[-1]
    assert isinstance(use, A.Use) and use.name == "status_told" and use.args is not None
    assert render_statement(use, {"statuses": "s2"}) == (
        'use status_told("cancelled", [s for s in s2 where s != "cancelled"])'
    )
    bare = parse("block b:\n    require true\n\ncheck c():\n    use b\n", "x.chk")
    assert bare.declarations[0].params == () and bare.declarations[1].body[0].args is None


def test_an_unused_block_and_an_unread_parameter_are_warned_of(tmp_path: Path) -> None:
    """Newcomer Y3's L1: as for a constant nothing reads, a block nothing uses and a parameter
    its block never reads are warnings."""
    from eigendsl.compiler import compile_domain

    checks = FOLDED.replace(
        "block status_told(status: string, others: list[string]):",
        "block unused(z: int):\n    require z > 0\n\n"
        "block status_told(status: string, others: list[string], extra: int):",
    ).replace('[s for s in statuses where s != "cancelled"])', "[s for s in statuses], 1)")
    spec = copy_spec(MINI, tmp_path / "spec")
    edit(spec, CHK, None, checks)
    warnings = [str(w) for w in compile_domain(spec, tmp_path / "out").warnings]
    assert [w.split("spec/checks/")[-1] for w in warnings if "block" in w] == [
        "main.chk:16:7: warning: block 'unused' is used by no check, rule or block, so its "
        "statements "
        "are judged nowhere; use it (use unused(...)), or remove it",
        "main.chk:19:57: warning: parameter 'extra' of block 'status_told' is read by none of its "
        "statements; read it, or remove it (and its argument at each use)",
    ]


def test_play_shows_where_a_failing_block_is_used(tmp_path: Path) -> None:
    """Newcomer Y3's L2: play showed a block's failure at the block's line alone; a check that
    uses a block twice gave two lines alike. The use's place is written as the statement's
    (newcomer B's L1: the statement's path was from here, the use's from the spec's parent, so
    it did not open from the working directory)."""
    from click.testing import CliRunner

    from eigendsl.cli import main

    spec = copy_spec(MINI, tmp_path / "spec")
    edit(spec, CHK, None, FOLDED)
    lines = ["Your order #1 is cancelled, not shipped.", "/quit"]
    result = CliRunner().invoke(
        main, ["play", str(spec), "--task", "cancel-ann"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    (shown,) = [line for line in result.output.splitlines() if "another status" in line]
    assert shown.endswith(
        ":19:5: the agent said another status "
        f"(in block status_told, used at {spec.as_posix()}/checks/main.chk:14)"
    ), shown
    assert shown.startswith(f"  {spec.as_posix()}/checks/main.chk:19:5:"), shown


def test_a_block_statement_failed_by_several_uses_is_counted_once() -> None:
    """Newcomer B's L2: a block used by six checks filled six "1 ×" rows of a report's most
    frequent failures, one per use; the summary counts the block's statement once."""
    from eigendsl.runtime.rows import summarize

    def row(task: str, use: str) -> dict[str, object]:
        failure = {
            "path": "spec/checks/main.chk",
            "line": 19,
            "col": 5,
            "reason": "the agent never looked the user up",
            "statement": f"require called find_user (in block identified, used at {use})",
        }
        verdict = {"passed": False, "failures": [failure]}
        return {"task_id": task, "verdict": verdict, "messages": []}

    rows = [row("a", "spec/checks/main.chk:8"), row("b", "spec/checks/main.chk:30")]
    assert summarize(rows)["failures"] == {
        "spec/checks/main.chk:19: require called find_user (in block identified)": 2
    }
