"""The settings sections of domain.yaml (``user_simulator``, ``sampling``, ``training``) and the
spec's policy: what compile refuses at the setting's line, and what it warns of there."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from tests.conftest import edit


def _stage(compiled_manifest: str, name: str) -> dict:
    stages = yaml.safe_load(compiled_manifest)["stages"]
    return next(s["settings"] for s in stages if s["name"] == name)


def test_a_count_given_as_a_float_is_an_error_at_its_value(mini: Path) -> None:
    """``batch_size: 8.0`` was written into the manifest as 8.0; a count takes whole numbers,
    while epochs, a number of passes, may be fractional."""
    edit(
        mini,
        "domain.yaml",
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\n"
        "training:\n  sft: {epochs: 2.5, batch_size: 8.0}\n  synth: {generations: 2.0}\n",
    )
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    message = str(caught.value)
    assert (
        "mini/domain.yaml:58:34: training.sft.batch_size is 8.0: write a whole number, 8" in message
    )
    assert (
        "mini/domain.yaml:59:24: training.synth.generations is 2.0: write a whole number, 2"
        in message
    )
    assert message.endswith("2 errors")
    edit(mini, "domain.yaml", "batch_size: 8.0}", "batch_size: 8}")
    edit(mini, "domain.yaml", "{generations: 2.0}", "{generations: 2}")
    compiled = compile_domain(mini)
    sft = _stage(compiled.files["manifest.yaml"], "sft")
    assert sft["epochs"] == 2.5 and sft["batch_size"] == 8


def test_a_misspelt_or_mistyped_setting_is_reported_with_the_spec_s_other_errors(
    mini: Path,
) -> None:
    """A misspelt training setting or a ``yes`` for true was reported alone: pydantic refused
    the whole of domain.yaml, so the checker files' errors and the other settings' values were
    not checked until it was fixed. Each is now one of the compile's errors."""
    edit(
        mini,
        "domain.yaml",
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\n"
        "training:\n  sft: {epoch: 2, balance: yes, batch_size: 0}\n  eval: {trials: 0}\n",
    )
    edit(mini, "checks/main.chk", "require called cancel_order(", "require called cancel_ordr(")
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    message = str(caught.value)
    for expected in (
        "mini/checks/main.chk:13:20: unknown tool 'cancel_ordr'; did you mean 'cancel_order'?",
        "mini/domain.yaml:58:9: training.sft: 'epoch' is not one of the sft settings; did you "
        "mean 'epochs'?",
        "mini/domain.yaml:58:28: training.sft: 'balance' is 'yes'; yes, no, on and off are text",
        "mini/domain.yaml:58:45: training.sft.batch_size is 0: write a whole number of at least 1",
        "mini/domain.yaml:59:18: training.eval.trials is 0: write a whole number of at least 1",
    ):
        assert expected in message
    assert message.rstrip().endswith("5 errors")


def test_a_list_that_says_nothing_of_its_items_is_a_warning_at_it(mini: Path) -> None:
    """A list without ``items`` takes any item unchecked (a ref on its items dropped with them
    went unnoticed); ``items: any`` says so on purpose."""
    edit(
        mini,
        "domain.yaml",
        "      reason: {type: enum, values: [no longer needed, ordered by mistake]}",
        "      reason: {type: enum, values: [no longer needed, ordered by mistake]}\n"
        "      notes: {type: list, optional: true}\n"
        "      tags: {type: list, items: any, optional: true}",
    )
    edit(mini, "tools.py", "order_id, reason)", "order_id, reason, notes=None, tags=None)")
    edit(
        mini,
        "domain.yaml",
        "price: float}}",
        "price: float, codes: {type: list, optional: true}}}",
    )
    warnings = [str(d) for d in compile_domain(mini).warnings]
    listed = [w for w in warnings if "does not say what its items are" in w]
    assert [w.split(": warning")[0] for w in listed] == [
        "mini/domain.yaml:22:73",
        "mini/domain.yaml:43:7",
    ], listed
    assert (
        "the list 'codes' does not say what its items are, so any item passes unchecked"
        in (listed[0])
    )
    assert "or write items: any if they may be anything" in listed[1]


@pytest.mark.parametrize(
    ("marker", "said"),
    [
        ("yes", "is an ordinary word or number (only letters, digits and spaces)"),
        ("20", "is an ordinary word or number"),
        ("@example.", "occurs in the seed data's 'users' ('ann@example.com')"),
        ("[cancel]", "occurs in the user text of template 'cancel' (mini/tasks/cancel.yaml)"),
    ],
)
def test_a_stop_marker_a_user_says_otherwise_is_a_warning_at_it(
    mini: Path, marker: str, said: str
) -> None:
    """An episode ends at the first user message that holds the marker: "yes" ended it at "yes,
    confirmed", "415" at every phone number. The default, ###STOP###, gives no warning."""
    assert not [str(d) for d in compile_domain(mini).warnings if "stop marker" in str(d)]
    edit(mini, "tasks/cancel.yaml", "because it is", "[cancel] because it is")
    edit(
        mini,
        "domain.yaml",
        "sampling: {per_template: 2, seed: 1}",
        f"sampling: {{per_template: 2, seed: 1}}\nuser_simulator:\n  stop_marker: '{marker}'\n",
    )
    warned = [str(d) for d in compile_domain(mini).warnings if "stop marker" in str(d)]
    assert len(warned) == 1
    assert warned[0].startswith(f"mini/domain.yaml:58:16: warning: the stop marker '{marker}' ")
    assert said in warned[0]
    assert warned[0].endswith(
        "write text no one says otherwise, such as '###STOP###' (the default)"
    )


@pytest.mark.parametrize("text", ["", "  \n\n"])
def test_an_empty_policy_is_a_warning_at_the_policy_setting(mini: Path, text: str) -> None:
    edit(mini, "policy.md", None, text)
    warned = [str(d) for d in compile_domain(mini).warnings if "policy" in str(d)]
    assert warned == [
        "mini/domain.yaml:3:9: warning: the policy file 'policy.md' is empty, so the agent's "
        "prompt states no policy while the checks and rules still judge it by one; write the "
        "policy the agent must follow in it"
    ]
