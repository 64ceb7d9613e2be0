"""A policy rule is written once, as a function of ``verifiers/blocks.py`` (beside the blocks')
that each ``use`` calls and the rule's own verdict in ``rules.py`` too
(:mod:`eigendsl.codegen.rule_functions`), and judges as its statements written out at each use
did.

The spec below uses its rules from two checks (one of them twice), from a block called as a
function (its argument may read a name of the block) and from one written out where its argument
is read alone, and a rule uses a block; a rule reads a
spec constant, a let, ``confirmed`` and an advisory ``judge``. Its verdicts are held to those of
the same spec compiled with every rule written out where it is used, as before rules had
functions: the same pass, score, reasons, notes, statements' text and source positions.
Retail's checks hold no rule's statement any more: each use is one call.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from eigendsl.codegen.blocks import Place, StatementCode
from eigendsl.codegen.pyexpr import ExprCompiler
from eigendsl.codegen.rule_functions import RuleCompiler
from tests.conftest import ROOT
from tests.test_block_functions import compiled_both
from tests.test_verifiers import Domain, agent, tool_call, user

CHECKS = """\
let WORDS = {cancel_order: ["cancel", "drop"], set_email: ["change"]}

rule identify_first:
    require called find_user before first(c in calls where "account" in c.tags)

rule confirm_writes:
    let writes = [c for c in calls where c.writes]
    require all(c in writes: confirmed(c, WORDS[c.tool])) else "a write was not confirmed"
    score 0.25: said "done"
    judge "the agent was polite" advisory

rule polite:
    use told("thank")

check cancelled(order_id: string, reason: string):
    use identify_first
    use confirm_writes
    require db == gold
    use within_block(reason)
    let spelled = first(o in db.orders where o.status == "cancelled").status
    use within_block(spelled)
    use alone(said "cancelled")
    use polite
    use identify_first

check cancelled_again(order_id: string, reason: string):
    use confirm_writes
    use within_block("x")
    score 0.5: called find_user

block within_block(word: string):
    let spelled = [word, word + "!"]
    require any(w in spelled: said w)
    use identify_first
    use polite
    use told(word)

block told(word: string):
    require said word

block alone(flag: bool):
    require flag
    use identify_first
"""


def _written_out(self: RuleCompiler, rule: str, comp: ExprCompiler, at: Place) -> StatementCode:
    """A rule's statements written out where it is used, as before rules had functions."""
    return self.gathered(self.resolved.rules[rule].body, comp.block(), at)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Domain]:
    return compiled_both(
        tmp_path_factory,
        CHECKS,
        lambda patch: patch.setattr(RuleCompiler, "rule_code", _written_out),
    )


def _defined(path: Path) -> list[str]:
    return [f.name for f in ast.parse(path.read_text()).body if isinstance(f, ast.FunctionDef)]


def test_a_rule_is_defined_once_and_each_use_calls_it(both: tuple[Domain, Domain]) -> None:
    verifiers = both[0].v.out / "verifiers"
    defined = _defined(verifiers / "blocks.py")
    for rule in ("identify_first", "confirm_writes", "polite"):
        assert defined.count(f"policy_rule_{rule}") == 1
    blocks = (verifiers / "blocks.py").read_text()
    assert "a write was not confirmed" in blocks
    # only the rule a block uses takes the blocks it is judged in
    assert "def policy_rule_identify_first(trace, _failures, _hard, _soft, _within):" in blocks
    assert "def policy_rule_confirm_writes(trace, _failures, _notes, _hard, _soft):" in blocks
    for check in ("check_cancelled.py", "check_cancelled_again.py", "rules.py"):
        text = (verifiers / check).read_text()
        assert "policy_rule_confirm_writes(trace" in text
        assert "a write was not confirmed" not in text
        assert "called find_user before" not in text
    cancelled = (verifiers / "check_cancelled.py").read_text()
    # used twice, judged twice; and once more in the block written out where it is used
    assert cancelled.count("policy_rule_identify_first(trace") == 3
    assert "policy_rule_identify_first(trace, _failures, _hard, _soft, 'block alone" in cancelled
    # both uses of the other block call its function (`spelled` is a let of the block's too)
    assert cancelled.count("block_within_block(trace") == 2
    # confirmed's words, compiled from the checker AST through the let and the constant
    index = json.loads((verifiers / "index.json").read_text())
    assert index["confirm_words"] == {"cancel_order": ["cancel", "drop"], "set_email": ["change"]}
    assert "policy_rule_identify_first(trace, _failures, _hard, _soft, _within)" in blocks


def _dialogue(closing: str, yes: bool) -> list[dict[str, Any]]:
    return [
        user("Please cancel order #1, I no longer need it. I am ann@example.com."),
        *tool_call("get_order", {"order_id": "#1"}, {"order_id": "#1", "status": "pending"}),
        *tool_call("find_user", {"email": "ann@example.com"}, "u1"),
        agent("Shall I cancel order #1 (no longer needed)?"),
        user("Yes, please." if yes else "Hmm."),
        *tool_call("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "ok"),
        agent(closing),
    ]


def _verdicts(domain: Domain, closing: str, yes: bool) -> list[Any]:
    db = domain.db()
    db["orders"]["#1"]["status"] = "cancelled"
    params = {"order_id": "#1", "reason": "no longer needed"}
    trace = domain.trace(_dialogue(closing, yes), db=db, params=params)
    verdicts = [domain.v.check(c).verify(trace) for c in ("cancelled", "cancelled_again")]
    verdicts.append(domain.v.rules.verify(trace))
    verdicts += [rule(trace) for _, rule in sorted(domain.v.rules.RULES.items())]
    return verdicts


def _shown(verdict: Any) -> tuple[Any, ...]:
    failures = [
        (f.statement, f.reason, f.path, f.line, f.col, f.values)
        for f in (*verdict.failures, *verdict.notes)
    ]
    return (verdict.passed, verdict.score, failures)


@pytest.mark.parametrize(
    ("closing", "yes"),
    [
        ("Your order is cancelled: done. Thank you! cancelled x no longer needed", True),
        ("Your order #1 is cancelled.", False),
        ("Done.", True),
    ],
)
def test_a_called_rule_gives_the_written_out_verdicts(
    both: tuple[Domain, Domain], closing: str, yes: bool
) -> None:
    called, written = (_verdicts(d, closing, yes) for d in both)
    assert [_shown(v) for v in called] == [_shown(v) for v in written]
    assert any(not v.passed for v in called)  # failures of rule statements compared too
    shown = [f for v in called for f in _shown(v)[2]]
    assert any("(in block within_block, used at" in f[0] and "policy rule" in f[1] for f in shown)


def test_retail_s_checks_hold_no_rule_written_out() -> None:
    verifiers = ROOT / "generated/retail/verifiers"
    rules = sorted(re.findall(r"^rule (\w+):", _chk(ROOT / "specs/retail/checks"), re.M))
    uses = re.findall(r"^\s+use (\w+)\s*$", _chk(ROOT / "specs/retail/checks/tasks.chk"), re.M)
    rule_uses = [u for u in uses if u in rules]
    calls = 0
    for check in sorted(verifiers.glob("check_*.py")):
        text = check.read_text()
        assert "policy rule " not in text, check.name  # every rule's reason is blocks.py's
        calls += len(re.findall(r"= policy_rule_\w+\(trace", text))
    assert calls == len(rule_uses) > 40
    assert (
        sorted(
            n[len("policy_rule_") :]
            for n in _defined(verifiers / "blocks.py")
            if n.startswith("policy_rule_")
        )
        == rules
    )


def _chk(path: Path) -> str:
    files = sorted(path.glob("*.chk")) if path.is_dir() else [path]
    return "\n".join(f.read_text() for f in files)
