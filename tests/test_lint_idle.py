"""`eigendsl lint` tries the idle agents (eigendsl/lint/idle.py): a check an agent that does
nothing, or only looks things up, passes pays GRPO's reward to an untrained model."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.lint import LintReport, lint
from tests.conftest import edit

# One refusal, judged by four checks: the first draft a new author writes, one that also
# requires the lookup, one that also requires the refusal's words, and one for a gold plan that
# asks for nothing visible.
CHECKS = """
check refused(order_id: string):
    require db == initial
    forbid called cancel_order

check refused_looked_up(order_id: string):
    require db == initial
    forbid called cancel_order
    require called get_order(order_id=order_id)

check refused_said(order_id: string):
    require db == initial
    forbid called cancel_order
    require called get_order(order_id=order_id)
    require said "cannot"

check quiet(order_id: string):
    require db == initial
"""

REFUSAL = """  {name}:
    description: A delivered order cannot be cancelled.
    params:
      order_id:
        {{type: string, from: 'o.order_id for o in db.orders where o.status == "delivered"'}}
      email: {{type: string, from: "db.users[db.orders[order_id].user_id].email"}}
    user:
      reason: "Please cancel order {{{{ order_id }}}}."
      known: {{email: "{{{{ email }}}}", order_id: "{{{{ order_id }}}}"}}
      forbidden_request: cancel a delivered order
    gold:
{gold}
    check: {name}
"""

LOOKUP_AND_REFUSAL = """      - find_user: {email: "{{ email }}"}
      - get_order: {order_id: "{{ order_id }}"}
      - say: "Order {{ order_id }} is delivered, so it cannot be cancelled."
"""


def idle_findings(report: LintReport) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.kind == "idle_agent":
            name = finding.message.split('"')[1]
            out.setdefault(name, []).append(finding.message)
    return out


def test_a_check_the_idle_agents_pass_is_a_warning_with_what_to_require(mini: Path) -> None:
    checks = mini / "checks" / "main.chk"
    checks.write_text(checks.read_text(encoding="utf-8") + CHECKS, encoding="utf-8")
    templates = "".join(
        REFUSAL.format(name=name, gold=LOOKUP_AND_REFUSAL)
        for name in ("refused", "refused_looked_up", "refused_said")
    )
    templates += REFUSAL.format(name="quiet", gold="").replace("gold:\n", "gold: []\n")
    edit(mini, "tasks/cancel.yaml", "tasks:\n", templates + "tasks:\n")
    report = lint(mini)
    assert report.errors == [], [str(f) for f in report.errors]
    idle = idle_findings(report)

    # the first draft: an agent that says nothing and calls nothing passes it
    [empty] = idle["refused"]
    assert empty.startswith(
        'check "refused" still passes when the agent does nothing (no tool call, no word) and '
        "the user ends the conversation (task refused-000), so an untrained "
        "model earns its reward and GRPO pays for doing nothing; require what the right "
        "episode does and an idle one does not: a lookup (`require called "
        "get_order(order_id=order_id)`), or the refusal said (`require said` a word every "
        "right refusal has)"
    )
    [finding] = [f for f in report.findings if f.kind == "idle_agent" and f.message == empty]
    assert finding.severity == "warning"
    line = checks.read_text(encoding="utf-8").splitlines().index("check refused(order_id: string):")
    assert (Path(finding.span.path).name, finding.span.line, finding.span.col) == (
        "main.chk",
        line + 1,
        7,
    )
    # counted in the strength: the empty agent and the lookup-only one
    assert report.scores["refused"] == (0, 2)

    # the lookup required: the empty agent fails it, the one that only looks things up does not
    [lookups] = idle["refused_looked_up"]
    assert 'the agent only makes the gold plan\'s lookups ("find_user", "get_order")' in lookups
    assert "does nothing" not in lookups
    assert report.scores["refused_looked_up"] == (1, 2)
    # the lookup and the refusal's words required: no idle agent passes
    assert "refused_said" not in idle and report.scores["refused_said"] == (2, 2)
    # a gold plan with no call and no word: doing nothing is the right answer
    assert "quiet" not in idle and "quiet" in report.unmeasured
    text = CliRunner().invoke(main, ["lint", str(mini)]).stdout.splitlines()
    assert text[-2] == (
        "  not measured, no mutation counted (each one a note's, or changing nothing): quiet"
    )


DECLINED_CHECK = """
check kept(order_id: string, reason: string):
    require db == initial
    forbid called cancel_order
"""

DECLINED = """  kept:
    description: The user declines the cancellation.
    params:
      order_id: {type: string, from: 'o.order_id for o in db.orders where o.status == "pending"'}
      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}
      reason: {type: string, choices: [no longer needed]}
    user:
      reason: "I'm thinking of cancelling order {{ order_id }} because it is {{ reason }}."
      known: {email: "{{ email }}", order_id: "{{ order_id }}"}
      confirm: false
    gold:
      - find_user: {email: "{{ email }}"}
      - get_order: {order_id: "{{ order_id }}"}
      - cancel_order: {order_id: "{{ order_id }}", reason: "{{ reason }}"}
      - say: "Alright, order {{ order_id }} stays as it is."
    check: kept
"""


def test_the_idle_warning_of_a_declined_write_names_declined(mini: Path) -> None:
    """The first draft of a declined write's check: the warning names the README's fix,
    ``declined(...)`` with the write's arguments, not a lookup, which an agent that looks the
    order up and stops still passes."""
    checks = mini / "checks" / "main.chk"
    checks.write_text(checks.read_text(encoding="utf-8") + DECLINED_CHECK, encoding="utf-8")
    edit(mini, "tasks/cancel.yaml", "tasks:\n", DECLINED + "tasks:\n")
    report = lint(mini)
    assert report.errors == [], [str(f) for f in report.errors]
    [empty] = idle_findings(report)["kept"]
    assert empty.endswith(
        "require what the right episode does and an idle one does not: the write proposed and "
        'declined (`require declined("cancel_order", {order_id: order_id, reason: reason})`)'
    )
    assert "require called" not in empty and "require said" not in empty
