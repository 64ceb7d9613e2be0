"""A use whose argument reads a name that a parameter or a let of the block also bears calls the
block's function (:mod:`eigendsl.codegen.blocks`): the name is the use's variable, another than
the block's, so the argument is taken at the use and its text shown as given.

Retail's cancellation checks give ``destination_told(..., order_id, [p.payment_method_id for p
in initial.orders[order_id].payment_history])``: the third argument reads the use's
``order_id``, and the block has a parameter ``order_id``. Such uses were written out, because
written out the lets a failure shows went on from the argument's text into the block's binding
of the same name (``label = spoken, spoken = [i for i in ids ...]``, the block's ``spoken`` for
the check's). The spec below gives such arguments: one reading the check's own name that the
parameter beside it is bound to (retail's case), one reading a name the block binds to another
value, one reading a name of a let of the block, and the same inside another block. Its
verdicts are held to those of the same spec with every use written out: the same pass, score,
reasons, statements' text (with the arguments' texts) and source positions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eigendsl.codegen import blocks as block_code
from tests.test_block_functions import compiled_both
from tests.test_blocks import cancel_dialogue
from tests.test_verifiers import Domain

ROOT = Path(__file__).resolve().parent.parent

CHECKS = """\
check cancelled(order_id: string, reason: string):
    let spoken = "order " + order_id
    use named(order_id, [order_id, "#2"], "cancelled")
    use named(reason, [order_id], "the reason")
    use named(order_id, [order_id], spoken)
    use outer(reason, order_id)

block named(order_id: string, ids: list[string], label: string):
    let spoken = [i for i in ids where said i]
    require order_id in ids else "the order is not among those named"
    require len(spoken) > 0 else "the agent named none of the orders"
    forbid said label else "the agent said the label"
    score 0.5: said order_id

block outer(ids: string, order_id: string):
    use named(ids, [order_id], ids)
"""


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Domain]:
    # every use written out, as before blocks had functions
    return compiled_both(
        tmp_path_factory, CHECKS, lambda patch: patch.setattr(block_code, "_fits", lambda *a: False)
    )


def test_an_argument_reading_a_name_of_the_block_calls_its_function(
    both: tuple[Domain, Domain],
) -> None:
    verifiers = both[0].v.out / "verifiers"
    check = (verifiers / "check_cancelled.py").read_text()
    assert check.count("block_named(trace") == 3
    assert check.count("block_outer(trace") == 1
    assert "(in block named, used at" not in check  # nothing of the block written out here
    # each argument's text, as the failures show it
    assert "'ids = [order_id]'" in check
    assert "'label = spoken'" in check
    assert "'order_id = reason'" in check
    blocks = (verifiers / "blocks.py").read_text()
    assert "block_named(trace" in blocks  # from the outer block's function


def _verdict(domain: Domain, closing: str) -> Any:
    db = domain.db()
    db["orders"]["#1"]["status"] = "cancelled"
    trace = domain.trace(
        cancel_dialogue(closing), db=db, params={"order_id": "#1", "reason": "moved"}
    )
    return domain.v.check("cancelled").verify(trace)


def _shown(verdict: Any) -> tuple[Any, ...]:
    failures = [(f.statement, f.reason, f.path, f.line, f.col, f.values) for f in verdict.failures]
    return (verdict.passed, verdict.score, failures)


CLOSINGS = [
    "Order #1 is cancelled.",
    "Your order #1 and #2 are cancelled, as you moved.",
    "Done, the reason is noted.",
    "All set.",
]


@pytest.mark.parametrize("closing", CLOSINGS)
def test_a_call_gives_the_written_out_verdicts(both: tuple[Domain, Domain], closing: str) -> None:
    check = (both[0].v.out / "verifiers" / "check_cancelled.py").read_text()
    assert "block_named(trace" in check  # two layouts compared, not the same one twice
    called, written = (_verdict(d, closing) for d in both)
    assert _shown(called) == _shown(written)
    assert not called.passed  # failures of block statements compared too


def test_the_argument_is_the_uses_variable_and_its_text_ends_the_lets_shown(
    both: tuple[Domain, Domain],
) -> None:
    for domain in both:
        failures = _verdict(domain, "Order #1 is cancelled.").failures
        texts = [f.statement for f in failures]
        # `named(reason, [order_id], ...)`: the block's order_id is "moved", its ids the use's
        # order_id "#1", not the block's: "moved" is not among them
        missing = [t for t in texts if t.startswith("require order_id in ids")]
        assert len(missing) == 2  # the check's use and the outer block's
        assert "(where order_id = reason, ids = [order_id]) (in block named" in missing[0]
        assert "(where order_id = ids, ids = [order_id]) (in block named" in missing[1]
        assert 'the agent never said "moved"' in [f.reason for f in failures]
        # the label given as the use's let `spoken`, which the block's let does not explain
        said = [t for t in texts if t.startswith("forbid said label")]
        assert any("(where label = spoken) (in block named, used at" in t for t in said)
        assert not any("spoken = [i for i in ids" in t for t in said)


def test_retails_cancellations_call_destination_told() -> None:
    verifiers = ROOT / "generated" / "retail" / "verifiers"
    for check in ("order_cancelled", "cancel_reason_changed", "order_cancelled_name_zip"):
        text = (verifiers / f"check_{check}.py").read_text()
        assert text.count("block_destination_told(trace") == 1
        assert "(in block destination_told, used at" not in text
    for check in ("order_items_changed", "items_exchanged"):
        text = (verifiers / f"check_{check}.py").read_text()
        assert text.count("block_total_direction(trace") == 1
        assert "(in block total_direction, used at" not in text
