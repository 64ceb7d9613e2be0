"""A block is written once, as a function of ``verifiers/blocks.py`` that each use calls
(:mod:`eigendsl.codegen.blocks`), and judges as its statements written out at each use did.

The spec below uses its blocks from two checks and a rule, nests one in another, and gives some
arguments that need the statements written out (an argument a statement reads alone, a
``first(...)`` whose field is read); a block that calls ``confirmed`` is a function as the others
are. Its verdicts are held to those
of the same spec compiled with every block written out at its use, as before blocks had
functions: the same pass, score, reasons, statements' text and source positions.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from typing import Any

import pytest

from eigendsl.codegen import blocks as block_code
from tests.conftest import MINI, compile_to, copy_spec, edit
from tests.test_verifiers import Domain, agent, tool_call, user

CHECKS = """\
rule identify_first:
    require called find_user before first(c in calls where "account" in c.tags)

rule polite:
    use told("thank")

check cancelled(order_id: string, reason: string):
    use identify_first
    require db == gold
    use status_told("cancelled", ["pending", "shipped"])
    use told("cancel")
    use twice("sorry")
    use alone(said "refund")
    use found_row(first(o in db.orders where o.status == "delivered"))
    use agreed(["cancel", "drop"])

check cancelled_again(order_id: string, reason: string):
    use status_told("cancelled", [s for s in ["pending", "shipped"] where s != reason])
    use told("cancel")
    score 0.5: called find_user

block status_told(status: string, others: list[string]):
    let spellings = [status, "canceled"] if status == "cancelled" else [status]
    require any(w in spellings: said w) else "the agent never said the order is cancelled"
    forbid any(w in others where w != status: said w) else "the agent said another status"
    score 0.25: said "order"

block told(word: string):
    require said word

block twice(word: string):
    use told(word)
    use told(word + "!")

block alone(flag: bool):
    require flag

block found_row(row: any):
    require row.status == "pending"

block agreed(words: list[string]):
    require all(c in calls where c.writes: confirmed(c, words))
"""


def compiled_both(
    factory: pytest.TempPathFactory, checks: str, write_out: Callable[[pytest.MonkeyPatch], None]
) -> tuple[Domain, Domain]:
    """The mini spec with ``checks`` compiled as it is, and with ``write_out`` patching the code
    generator to write the uses out (as before they were calls): the domains to compare."""
    out = []
    for written_out in (False, True):
        spec = copy_spec(MINI, factory.mktemp("written" if written_out else "called") / "spec")
        edit(spec, "checks/main.chk", None, checks)
        with pytest.MonkeyPatch.context() as patch:
            if written_out:
                write_out(patch)
            out.append(Domain(compile_to(spec, spec.parent / "out")))
    return out[0], out[1]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Domain]:
    # every use written out, as before blocks had functions
    return compiled_both(
        tmp_path_factory, CHECKS, lambda patch: patch.setattr(block_code, "_fits", lambda *a: False)
    )


def test_a_block_two_checks_use_is_defined_once(both: tuple[Domain, Domain]) -> None:
    verifiers = both[0].v.out / "verifiers"
    blocks = ast.parse((verifiers / "blocks.py").read_text())
    defined = [f.name for f in blocks.body if isinstance(f, ast.FunctionDef)]
    assert defined.count("block_status_told") == 1
    assert defined.count("block_told") == 1
    for check in ("check_cancelled.py", "check_cancelled_again.py"):
        text = (verifiers / check).read_text()
        assert "from .blocks import" in text
        assert "block_status_told(trace" in text
        assert "the agent never said the order is cancelled" not in text  # the block's, once
    # a block that calls confirmed is a function too: its words are compiled as data, from
    # the use's argument, rather than read back from the code written out at the use
    cancelled = (verifiers / "check_cancelled.py").read_text()
    assert "block_agreed(trace" in cancelled
    index = json.loads((verifiers / "index.json").read_text())
    assert index["confirm_words"] == {
        "cancel_order": ["cancel", "drop"],
        "set_email": ["cancel", "drop"],
    }
    # the arguments that change the block's code have it written out where they stand
    cancelled = (verifiers / "check_cancelled.py").read_text()
    for block in ("alone", "found_row"):
        assert f"block_{block}(" not in cancelled
        assert f"(in block {block}, used at" in cancelled


def _dialogue(closing: str) -> list[dict[str, Any]]:
    return [
        user("Please cancel order #1, I no longer need it. I am ann@example.com."),
        *tool_call("find_user", {"email": "ann@example.com"}, "u1"),
        *tool_call("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "ok"),
        agent(closing),
    ]


def _verdicts(domain: Domain, closing: str) -> list[Any]:
    db = domain.db()
    db["orders"]["#1"]["status"] = "cancelled"
    trace = domain.trace(_dialogue(closing), db=db, params={"order_id": "#1", "reason": "x"})
    verdicts = [domain.v.check(c).verify(trace) for c in ("cancelled", "cancelled_again")]
    verdicts.append(domain.v.rules.verify(trace))
    return verdicts


def _shown(verdict: Any) -> tuple[Any, ...]:
    failures = [(f.statement, f.reason, f.path, f.line, f.col, f.values) for f in verdict.failures]
    return (verdict.passed, verdict.score, failures)


@pytest.mark.parametrize(
    "closing",
    [
        "Your order is cancelled. Sorry! sorry, thank you, no refund.",
        "Your order #1 is canceled; it was pending, not shipped.",
        "Done.",
    ],
)
def test_a_called_block_gives_the_written_out_verdicts(
    both: tuple[Domain, Domain], closing: str
) -> None:
    called, written = (_verdicts(d, closing) for d in both)
    assert [_shown(v) for v in called] == [_shown(v) for v in written]
    assert any(not v.passed for v in called)  # failures of block statements compared too
