"""The DSL's ``declined("tool", {arg: value})``: the user said no to a write the agent proposed
(named as ``confirmed`` reads a proposal: what it does and each argument's value), where there is
no call to point at. A check of a declined write that only forbids the write is passed by an
agent that never asks; ``declined`` is what it must require."""

from __future__ import annotations

from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.support import Trace, declined
from tests.conftest import MINI, copy_spec, edit

ARGS = {"order_id": "#W1", "reason": "ordered by mistake"}
PROPOSAL = "I'll cancel order #W1 (ordered by mistake). Proceed?"


def conversation(*texts: str) -> Trace:
    roles = ["assistant", "user"] * len(texts)
    return Trace.from_messages(
        [{"role": r, "content": t} for r, t in zip(roles, texts, strict=False)], db={}
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ((PROPOSAL, "No, please don't."), True),
        ((PROPOSAL, "Not now, thanks."), True),  # "not now" is a no
        ((PROPOSAL, "I'd rather you didn't."), True),
        ((PROPOSAL, "Yes, please."), False),  # a yes
        ((PROPOSAL, "Yes... no, don't."), False),  # both: no answer either way
        ((PROPOSAL, "Hmm, let me think."), False),  # neither
        (("I'll cancel order #W1. Proceed?", "No."), False),  # the reason is not said
        (("I'll cancel order #W12 (ordered by mistake). Proceed?", "No."), False),  # another id
        (("Shall I look up order #W1 (ordered by mistake)?", "No."), False),  # no action named
        # a no to another proposal: the closing question, not the cancellation
        ((PROPOSAL, "Hmm.", "Anything else I can do?", "No, that's all."), False),
        # the proposal asked again after a question, then declined
        ((PROPOSAL, "What reason did I give?", PROPOSAL, "No, keep it."), True),
        (("Shall I run cancel_order on #W1, ordered by mistake?", "Nope."), True),
    ],
)
def test_declined_reads_the_proposal_and_the_users_next_message(
    texts: tuple[str, ...], expected: bool
) -> None:
    trace = conversation("Hello.", "Cancel #W1.", *texts)
    assert declined(trace, "cancel_order", ARGS) is expected


def test_declined_checks_only_the_arguments_given_and_takes_other_words() -> None:
    trace = conversation("Shall I drop order #W1?", "No thanks.")
    assert not declined(trace, "cancel_order", {"order_id": "#W1"})
    assert declined(trace, "cancel_order", {"order_id": "#W1"}, ["drop"])
    assert not declined(trace, "cancel_order", ARGS, ["drop"])  # the reason is not said
    # the tool messages between the proposal and the reply are left out
    trace.messages.insert(1, type(trace.messages[0])("tool", "ok", 1))
    assert declined(trace, "cancel_order", {"order_id": "#W1"}, ["drop"])


RULE = """
check kept(order_id: string, reason: string):
    require declined("cancel_order", {order_id: order_id, reason: reason}) \\
        else "the agent never proposed the cancellation the user declined"
"""


def compiles(tmp_path: Any, rule: str) -> dict[str, Any]:
    spec = tmp_path / "spec"
    if not spec.exists():
        copy_spec(MINI, spec)
    main = (MINI / "checks" / "main.chk").read_text(encoding="utf-8")
    edit(spec, "checks/main.chk", None, main + rule)
    return {str(k): str(v) for k, v in compile_domain(spec, tmp_path / "out").files.items()}


def test_declined_compiles_in_a_check(tmp_path: Any) -> None:
    files = compiles(tmp_path, RULE)
    assert any(
        "rt.declined(trace, 'cancel_order', {'order_id': p_order_id, 'reason': p_reason})" in text
        for text in files.values()
    )
    words = RULE.replace("reason: reason}", 'reason: reason}, ["drop"]')
    assert any("['drop'])" in text for text in compiles(tmp_path, words).values())


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            '"cancel_order"',
            '"cancel_ordr"',
            r"unknown tool 'cancel_ordr'; did you mean 'cancel_order'\?",
        ),
        (
            '"cancel_order"',
            '"get_order"',
            r"declined\(\) names a write the user declined, but 'get_order' changes no data; "
            r"the tools that write are cancel_order, set_email",
        ),
        (
            '"cancel_order"',
            "order_id",
            r"declined\(\)'s first argument is the name of the write the user declined, "
            r"written as text",
        ),
        (
            "{order_id: order_id, reason: reason}",
            "order_id",
            r"declined\(\)'s second argument is the declined write's arguments by name, "
            r"written out, .* not a string",
        ),
        ("reason: reason}", "reasn: reason}", r"tool 'cancel_order' has no parameter 'reasn'"),
        (
            "reason: reason}",
            "reason: 3}",
            r"parameter 'reason' of 'cancel_order' takes an enum, but this value is an int",
        ),
        (
            "reason: reason}",
            'reason: "by mistake"}',
            r"'by mistake' is not one of the allowed values of 'reason'",
        ),
        ("reason: reason}", "order_id: reason}", r"argument 'order_id' is given twice"),
        (
            "reason: reason}",
            'reason: reason}, "drop"',
            r"declined\(\)'s third argument is a list of words that name what a write does",
        ),
        ("reason: reason}", "reason: reason}, [], 1", r"declined\(\) takes 2 to 3 argument"),
    ],
)
def test_declined_type_errors(tmp_path: Any, old: str, new: str, error: str) -> None:
    assert old in RULE
    with pytest.raises(EigenError, match=error):
        compiles(tmp_path, RULE.replace(old, new, 1))


def test_declined_is_an_error_in_a_guard(tmp_path: Any) -> None:
    spec = copy_spec(MINI, tmp_path / "spec")
    main = (spec / "checks" / "main.chk").read_text(encoding="utf-8")
    guarded = main.replace(
        'else "Only pending orders can be cancelled"\n',
        'else "Only pending orders can be cancelled"\n'
        '    forbid declined("cancel_order", {order_id: order_id}) else "declined"\n',
    )
    assert guarded != main
    edit(spec, "checks/main.chk", None, guarded)
    with pytest.raises(EigenError, match="'declined' is not available in a guard") as raised:
        compile_domain(spec, tmp_path / "out")
    # the fix it suggests is declined() in the task's check, not confirmed(c) in a rule
    message = str(raised.value)
    assert "require it in the task's check, such as require declined(" in message
    assert "confirmed(c)" not in message


def test_an_empty_list_of_words_is_a_warning(tmp_path: Any) -> None:
    words = RULE.replace("reason: reason}", "reason: reason}, []")
    spec = tmp_path / "spec"
    copy_spec(MINI, spec)
    main = (MINI / "checks" / "main.chk").read_text(encoding="utf-8")
    edit(spec, "checks/main.chk", None, main + words)
    warnings = [str(w) for w in compile_domain(spec, tmp_path / "out").warnings]
    assert any("declined()'s list of words is empty, so it adds nothing" in w for w in warnings), (
        warnings
    )
    confirmed_rule = "rule asked:\n    require all(c in calls where c.writes: confirmed(c, []))\n"
    edit(spec, "checks/main.chk", None, main + confirmed_rule)
    warnings = [str(w) for w in compile_domain(spec, tmp_path / "out2").warnings]
    [warning] = [w for w in warnings if "list of words is empty" in w]
    assert "main.chk:" in warning and "confirmed()'s list of words is empty" in warning
    assert "leave it out, or list the words the agent says for the write" in warning


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # agreement phrased with a negative word is a yes, no decline
        ("No objection.", False),
        ("Not a problem, do it.", False),
        ("No doubt about it, cancel it.", False),
        ("Why not.", False),
        ("I can't see why not.", False),
        ("No, that's fine, go ahead.", False),
        # a closing with its own "no" answers nothing; a no in a sentence of its own does
        ("No, that will be all.", False),
        ("No. That's all, thanks.", True),
        ("No, that's all, don't cancel it.", True),
        # a hedge is neither
        ("I'm not sure yet.", False),
        ("Not sure, let me think.", False),
        # a no in other words, and a back-out with no yes
        ("Nah.", True),
        ("Forget it.", True),
        ("No, that's fine.", True),  # alone, a polite no
    ],
)
def test_declined_tells_agreement_closings_and_hedges_from_a_no(reply: str, expected: bool) -> None:
    trace = conversation("Hello.", "Cancel #W1.", PROPOSAL, reply)
    assert declined(trace, "cancel_order", ARGS) is expected
