"""`eigendsl lint`: solvability, check strength by mutation, coverage and consistency.

The planted fixture (tests/fixtures/lint/planted) is the mini shop with one problem of each
kind; each must be found at the place that causes it.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.lint import LintReport, lint
from eigendsl.lint.replay import execute, trajectory
from eigendsl.lint.values import ValueIndex, alternatives, field_names
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from tests.conftest import edit

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
PLANTED = ROOT / "tests" / "fixtures" / "lint" / "planted"
RETAIL = ROOT / "specs" / "retail"
TASKS = PLANTED / "tasks" / "planted.yaml"
CHECKS = PLANTED / "checks" / "main.chk"
LINE = re.compile(r"^\S+:\d+:\d+: ")


def position(path: Path, needle: str, after: str | None = None) -> tuple[int, int]:
    """(line, col) of the first ``needle`` in ``path`` (after the line containing ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    for number, line in enumerate(lines[start:], start=start + 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def quoted_names(message: str) -> list[str]:
    """The DSL text a finding quotes (names, conditions), in order: double-quoted as the DSL
    writes text, decoded."""
    return [ast.literal_eval(text) for text in re.findall(r'"(?:[^"\\]|\\.)*"', message)]


def found(report: LintReport, kind: str, path: Path, text: str = "") -> list[tuple[int, int]]:
    return [
        (f.span.line, f.span.col)
        for f in report.findings
        if f.kind == kind and Path(f.span.path).resolve() == path.resolve() and text in f.message
    ]


@pytest.fixture(scope="module")
def planted() -> LintReport:
    return lint(PLANTED)


@pytest.fixture(scope="module")
def retail() -> LintReport:
    if not (RETAIL / "domain.yaml").is_file():
        pytest.skip("specs/retail is not there yet")
    try:
        return lint(RETAIL)
    except EigenError as exc:
        pytest.skip(f"specs/retail does not compile yet: {str(exc)[:200]}")


# ---------------------------------------------------------------------------- planted problems


def test_unsolvable_authored_task_points_at_the_task(planted: LintReport) -> None:
    line, col = position(TASKS, "{id: cancel-bob-delivered")
    assert found(planted, "unsolvable", TASKS, 'task "cancel-bob-delivered"') == [(line, col)]
    [finding] = [f for f in planted.findings if f.span.line == line and f.kind == "unsolvable"]
    assert finding.severity == "error"
    assert 'task "cancel-bob-delivered" is unsolvable' in finding.message
    assert "Only pending orders can be cancelled" in finding.message
    assert "cancel-bob-delivered" in planted.unsolvable
    assert "cancel-ann" not in planted.unsolvable


def test_unsolvable_template_points_at_the_failing_gold_step(planted: LintReport) -> None:
    line, col = position(TASKS, "cancel_order:", after="cancel_delivered:")
    assert found(planted, "unsolvable", TASKS, 'template "cancel_delivered"') == [(line, col)]
    # the guard condition that refused the step is named where it is written
    assert found(planted, "unsolvable", TASKS, '(the guard of "cancel_order" at ')
    # the parameters drawn come first, the email derived from them last
    assert found(
        planted,
        "unsolvable",
        TASKS,
        'with order_id="#2", reason="no longer needed", email="bob@example.com"]',
    )


def test_weak_check_is_found_with_the_surviving_mutation(planted: LintReport) -> None:
    line, col = position(CHECKS, "email_changed")
    weak = [f for f in planted.findings if f.kind == "weak_check" and "email_changed" in f.message]
    assert weak and {(f.span.line, f.span.col) for f in weak} == {(line, col)}
    assert any(
        'still passes when "set_email" is called with "email" set to "' in f.message for f in weak
    )
    caught, counted = planted.scores["email_changed"]
    assert 0 < counted and caught < counted
    assert (
        planted.strength("cancelled") == 1.0
    )  # db == gold, the call and the confirmations: all caught


def test_gold_plan_violating_a_rule_points_at_the_gold_plan(planted: LintReport) -> None:
    line, col = position(TASKS, "gold:", after="peek_order:")
    [finding] = [f for f in planted.findings if f.kind == "policy_violation"]
    assert (finding.span.line, finding.span.col) == (line, col)
    assert 'rule "identify_first"' in finding.message and finding.severity == "error"


def test_coverage_and_consistency_findings(planted: LintReport) -> None:
    assert found(planted, "unsatisfiable_said", CHECKS, '"tracking"') == [
        position(CHECKS, 'require said "tracking"')
    ]
    assert found(planted, "unused_param", TASKS, '"note"') == [position(TASKS, "note:")]
    assert found(planted, "guard_never_fails", CHECKS) == [
        position(CHECKS, "require len(email) >= 0")
    ]
    assert (
        found(planted, "unused_tool", PLANTED / "domain.yaml") == []
    )  # every tool is in some gold plan
    assert found(planted, "unexercised_rule", CHECKS) == [position(CHECKS, "small_orders")]
    assert found(planted, "unused_check", CHECKS) == [position(CHECKS, "order_seen")]
    [note] = [f for f in planted.findings if f.kind == "contradictory_checks"]
    assert (note.span.line, note.span.col) == position(CHECKS, "forbid called set_email")
    assert note.severity == "info" and 'check "email_changed"' in note.message


# ---------------------------------------------------------------------------- mutations


def test_guard_coverage_tries_the_values_of_one_seed_row_together() -> None:
    # a guard forbidding a second dispute of a bill's item was said never to reject a call:
    # varying one argument at a time never gave the bill and the item of a dispute that exists
    from eigendsl.lint.guard_arguments import _seed_rows_as_arguments
    from eigendsl.loader import load_spec

    domain = load_domain(MINI)
    index = ValueIndex(load_spec(MINI).spec, domain.seed)
    props = domain.tools["set_email"].parameters["properties"]
    together = list(_seed_rows_as_arguments(index, props))
    assert together == [
        {"user_id": "u1", "email": "ann@example.com"},
        {"user_id": "u2", "email": "bob@example.com"},
    ]


def test_mutations_never_use_an_equal_value_and_no_ops_are_equivalent() -> None:
    domain = load_domain(MINI)
    from eigendsl.loader import load_spec

    index = ValueIndex(load_spec(MINI).spec, domain.seed)
    props = domain.tools["cancel_order"].parameters["properties"]
    assert alternatives(index, props["reason"], "reason", "no longer needed") == [
        "ordered by mistake"
    ]
    assert "#1" not in alternatives(index, props["order_id"], "order_id", "#1")
    assert alternatives(index, {"type": "integer"}, "count", 3) == [4, 2]
    assert field_names("new_item_ids")[:3] == ["new_item_ids", "new_item_id", "new_items"]

    task = domain.tasks[0]
    row = run_episodes(domain, [task], ScriptedAgent(), ScriptedUser(domain.stop_marker))[0]
    gold_db, _ = GoldCache(domain).get(task)
    base = trajectory(row["messages"])
    first, again = execute(domain, task, base, gold_db), execute(domain, task, base, gold_db)
    assert first.fingerprint == again.fingerprint
    assert domain.checks["cancelled"].verify(first.trace).passed
    same = json.loads(json.dumps(base))  # an argument "changed" to an equal value is no mutation
    for message in same:
        for call in message.get("tool_calls") or ():
            if call["function"]["name"] == "cancel_order":
                args = json.loads(call["function"]["arguments"])
                call["function"]["arguments"] = json.dumps(dict(reversed(list(args.items()))))
    assert execute(domain, task, same, gold_db).fingerprint == first.fingerprint


def test_weak_check_mutations_quote_the_tools_and_arguments(planted: LintReport) -> None:
    # A mutation named its tools and arguments bare (`set_email is called with email="x"`),
    # where every other finding quotes them.
    tools = "|".join(load_domain(PLANTED).tools)
    said = [
        f.message.split(" still passes when ", 1)[1].rsplit(" (", 1)[0]
        for f in planted.findings
        if f.kind in ("weak_check", "unread_message")
    ]
    assert said
    bare = [s for s in said if re.search(rf'(?<!")\b({tools})\b(?!")', s)]
    assert bare == []
    assert any(re.search(r'^"\w+" is called with "\w+" set to ', s) for s in said), said


# ---------------------------------------------------------------------------- mini and retail


def test_lint_on_mini() -> None:
    report = lint(MINI)
    assert report.errors == [] and report.unsolvable == []
    assert report.tasks >= 3
    assert set(report.scores) == {"cancelled"}
    # The mini check does not use the confirmation rule: a refused confirmation survives.
    assert any(
        f.kind == "weak_check" and 'instead of confirming "cancel_order"' in f.message
        for f in report.findings
    )
    assert any(f.kind == "unused_tool" and '"set_email"' in f.message for f in report.findings)


def test_a_tool_only_a_template_without_tasks_calls_is_unused(mini: Path) -> None:
    """A template with sample: false and no written task gives no task: the tools its gold plan
    calls are taught by none, and the warning names that template."""
    edit(
        mini,
        "tasks/cancel.yaml",
        "tasks:\n",
        "  change_email:\n"
        "    sample: false\n"
        "    params:\n"
        "      user_id: {type: string, from: 'u.user_id for u in db.users'}\n"
        "      order_id: {type: string, from: 'o.order_id for o in db.orders'}\n"
        "      reason: {type: string, choices: [new address]}\n"
        "    user: {reason: 'Change my email, I am {{ user_id }}.'}\n"
        "    gold:\n"
        "      - set_email: {user_id: '{{ user_id }}', email: new@example.com}\n"
        "    check: cancelled\n"
        "tasks:\n",
    )
    report = lint(mini)
    unused = [f.message for f in report.findings if f.kind == "unused_tool"]
    assert unused == [
        'tool "set_email" is called by no task\'s gold plan, so no task teaches when to use it: '
        'template "change_email" calls it, but has sample: false and no task; write a task for '
        "that template, or let it be sampled"
    ]


def test_lint_on_retail_has_no_errors_and_scores_every_check(retail: LintReport) -> None:
    assert retail.errors == [], "\n".join(map(str, retail.errors))
    assert retail.unsolvable == []
    # its rules judge the writes that ran: an agent may recover from a refused one, except
    # where the refused write was on another customer's record (allowed in rules.chk)
    assert [f for f in retail.findings if f.kind == "fails_recovery"] == []
    allowed = [f for f in retail.allowed if f.kind == "fails_recovery"]
    assert all("one_user_per_conversation" in f.message for f in allowed) and len(allowed) == 2
    used = (
        {
            json.loads(line)["check"]
            for line in (ROOT / "generated" / "retail" / "tasks.jsonl").read_text().splitlines()
        }
        if (ROOT / "generated" / "retail" / "tasks.jsonl").is_file()
        else set(retail.scores)
    )
    # a check whose only counted mutation would be its unread refusal has no strength
    notes_only = {"cancel_refused_not_pending", "transferred_after_refusal"}
    assert used <= set(retail.scores) | notes_only
    for name in retail.scores:
        assert 0.0 <= retail.strength(name) <= 1.0
        assert retail.scores[name][1] > 0
    # a refusal's final message is the agent's own wording (the scripted agent's stock apology
    # is no model for a check): a check that does not read it gets a note, and --strict passes
    dropped = {
        quoted_names(f.message)[0]: f
        for f in retail.findings
        if "final message to the" in f.message
    }
    refusal = dropped["cancel_refused_not_pending"]
    assert refusal.severity == "info" and refusal.kind == "unread_message"
    assert (
        "still passes when the agent's final message to the user (\"I'm sorry, but I can't help"
        in refusal.message
    )
    assert "the agent words it as it likes, so this is a note" in refusal.message
    assert {f.severity for f in dropped.values()} == {"info"}


def test_retail_amount_checks_catch_a_made_up_amount_and_its_gold_amounts_have_sources(
    retail: LintReport,
) -> None:
    # retail's checks forbid a made-up amount (`amounts_told`), and every amount a gold `say`
    # tells is a tool's value or a sum or difference of two (a new balance, a price difference)
    assert [f for f in retail.findings if "made-up amount" in f.message] == []
    assert [f for f in retail.findings if f.kind == "unsourced_amount"] == []


def test_a_final_message_left_unread_is_a_note_unless_it_answers_a_question(mini: Path) -> None:
    # the cancellation's confirmation rounds off a write the database shows: a note, outside the
    # strength; a read-only task's final message is its answer: a check not reading it is weak
    edit(mini, "checks/main.chk", '    require said "cancelled"\n', "")
    edit(
        mini,
        "checks/main.chk",
        None,
        (mini / "checks" / "main.chk").read_text(encoding="utf-8")
        + "\ncheck looked_up(order_id: string):\n    require called get_order(order_id=order_id)\n",
    )
    edit(
        mini,
        "tasks/cancel.yaml",
        "tasks:\n",
        """  status:
    description: Tell a customer an order's status.
    params:
      order_id: {type: string, from: 'o.order_id for o in db.orders'}
      status: {type: string, from: "db.orders[order_id].status"}
      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}
    user:
      reason: "What is the status of order {{ order_id }}?"
      known: {email: "{{ email }}", order_id: "{{ order_id }}"}
    gold:
      - find_user: {email: "{{ email }}"}
      - get_order: {order_id: "{{ order_id }}"}
      - say: "Order {{ order_id }} is {{ status }}."
    check: looked_up
tasks:
""",
    )
    report = lint(mini)
    dropped = {
        quoted_names(f.message)[0]: (f.severity, f.kind)
        for f in report.findings
        if "final message to the user" in f.message
    }
    assert dropped == {
        "cancelled": ("info", "unread_message"),
        "looked_up": ("warning", "weak_check"),
    }
    assert report.scores["looked_up"][0] < report.scores["looked_up"][1]


@pytest.mark.parametrize("ran", ["", " and c.ok"])
def test_a_rule_that_fails_a_recovered_write_is_a_warning(mini: Path, ran: str) -> None:
    checks = mini / "checks" / "main.chk"
    rule = f"rule one_write:\n    require count(c in calls where c.writes{ran}) <= 1\n"
    checks.write_text(checks.read_text(encoding="utf-8") + "\n" + rule, encoding="utf-8")
    report = lint(mini)
    found = [f for f in report.findings if f.kind == "fails_recovery"]
    if ran:  # counting the writes that ran: the refused one is not among them
        assert found == []
        return
    assert [(f.span.line, f.severity) for f in found] == [
        (position(checks, "require count(c in calls")[0], "warning")
    ]
    assert 'rule "one_write" fails an agent that recovers from a refused write (' in (
        found[0].message
    )
    assert "2 <= 1 is false; a refused call is in `calls` too" in found[0].message
    assert not report.unsolvable  # the gold plans themselves pass


def test_a_guard_condition_without_an_else_message_is_a_warning(mini: Path) -> None:
    # The agent a condition with no message refuses reads the DSL's own text.
    checks = mini / "checks" / "main.chk"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(
        text.replace(' else "Only pending orders can be cancelled"', "", 1), encoding="utf-8"
    )
    found = [f for f in lint(mini).findings if f.kind == "guard_without_message"]
    assert [(f.span.path, f.span.line, f.span.col, f.severity) for f in found] == [
        ("mini/checks/main.chk", 2, 5, "warning")
    ]
    assert found[0].message == (
        'this condition of the guard of "cancel_order" has no else message, so the agent it '
        'refuses reads the DSL\'s own text ("db.orders[order_id].status == \\"pending\\" does '
        'not hold"); give it an else message the agent can read'
    )


def test_a_write_no_guard_refuses_with_a_wrong_id_is_a_note(mini: Path, retail: LintReport) -> None:
    # no guard of the mini spec refuses another order's id: the check fails such an episode,
    # and the recovery `--mistake recover` would play never happens there
    notes = {quoted_names(f.message)[0]: f for f in lint(mini).findings if f.kind == "no_recovery"}
    assert "cancel" in notes and notes["cancel"].severity == "info"
    assert re.search(
        r'cancel_order\(order_id="#\d+"\)\), so `--mistake recover` plays no recovery',
        notes["cancel"].message,
    )
    # retail's write guards refuse another customer's order or account id
    assert [f for f in retail.findings if f.kind == "no_recovery"] == []


def test_a_write_argument_no_mutation_could_change_is_a_note(retail: LintReport) -> None:
    # every seed address is in the USA: no other country to try, while the street, city, zip...
    # of the same calls have other values in the seed data and are mutated
    notes = [f for f in retail.findings if f.kind == "untested_argument"]
    assert sorted(quoted_names(f.message)[0] for f in notes) == [
        "order_address_and_payment_changed",
        "order_address_changed",
        "user_address_changed",
    ]
    assert all(f.severity == "info" for f in notes)
    assert all(
        re.search(r"no other value to try for \"modify_\w+_address\"'s \"country\" \(", f.message)
        for f in notes
    ), [f.message for f in notes]


# ---------------------------------------------------------------------------- CLI


def test_lint_tells_the_compile_warnings_too(mini: Path) -> None:
    # compile warned of a list with no items; lint, run on its own, said nothing of it
    edit(
        mini,
        "domain.yaml",
        "          items: {type: object, fields: {item_id: string, price: float}}\n",
        "",
    )
    result = CliRunner().invoke(main, ["lint", str(mini), "--json"])
    report = json.loads(result.stdout)
    [warning] = [f for f in report["findings"] if f["kind"] == "compile_warning"]
    assert (warning["path"], warning["line"], warning["severity"]) == (
        "mini/domain.yaml",
        20,
        "warning",
    )
    assert "items" in warning["message"]
    text = CliRunner().invoke(main, ["lint", str(mini)]).output
    assert warning["message"] in text
    strict = CliRunner().invoke(main, ["compile", str(mini), "-o", "out", "--strict"])
    assert strict.exit_code == 1 and warning["message"] in strict.output


def test_cli_json_shape() -> None:
    result = CliRunner().invoke(main, ["lint", str(PLANTED), "--json", "--samples", "1"])
    assert result.exit_code == 1  # the planted errors
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"tasks", "unsolvable", "weak_checks", "findings"} <= set(data)
    assert isinstance(data["tasks"], int) and "cancel-bob-delivered" in data["unsolvable"]
    # every check mutation-tested has a strength; the weak ones alone are in weak_checks
    assert set(data["check_strength"]) == {"cancelled", "email_changed"}
    assert all(isinstance(v, float) for v in data["check_strength"].values())
    assert data["weak_checks"] == {k: v for k, v in data["check_strength"].items() if v < 1.0}


def test_cli_json_weak_checks_leaves_out_the_strong_ones() -> None:
    result = CliRunner().invoke(main, ["lint", str(RETAIL), "--json", "--samples", "1"])
    data = json.loads(result.stdout.strip().splitlines()[-1])
    # a refusal's final message is a note's, but the idle agents (lint/idle.py) count for it:
    # every check is measured (tests/test_lint_idle.py lists one that is not)
    assert data["unmeasured_checks"] == []
    assert {"cancel_refused_not_pending", "transferred_after_refusal"} <= set(
        data["check_strength"]
    )
    assert data["check_strength"]["order_cancelled"] == 1.0
    assert "order_cancelled" not in data["weak_checks"]
    assert all(v < 1.0 for v in data["weak_checks"].values())
    for finding in data["findings"]:
        assert set(finding) == {"path", "line", "col", "severity", "message", "kind"}
        assert finding["severity"] in ("error", "warning", "info")


def test_cli_text_output_and_exit_status() -> None:
    result = CliRunner().invoke(main, ["lint", str(MINI)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(LINE.match(line) for line in lines)
    assert "check strength (mutations caught / counted):" in lines
    assert re.search(r"^  cancelled\s+0\.\d\d  \d+/\d+$", result.stdout, re.M)
    assert lines[-1].startswith("mini: ") and "0 errors" in lines[-1]


def test_compile_warns_and_strict_fails(tmp_path: Path) -> None:
    spec = shutil.copytree(PLANTED, tmp_path / "planted")
    runner = CliRunner()
    relaxed = runner.invoke(main, ["compile", str(spec), "-o", str(tmp_path / "out")])
    assert relaxed.exit_code == 0, relaxed.output
    assert re.search(
        r'planted\.yaml:\d+:\d+: warning: task "cancel-bob-delivered" is unsolvable', relaxed.stderr
    )
    # the summary's error count is explained, not contradicted by the "warning:" lines
    assert (
        "errors are shown as warnings: the output is written; with `--strict` they fail"
        in relaxed.stderr
    )
    strict = runner.invoke(main, ["compile", str(spec), "-o", str(tmp_path / "out"), "--strict"])
    assert strict.exit_code == 1
    assert "Traceback" not in strict.output
    assert re.search(
        r'planted\.yaml:\d+:\d+: task "cancel-bob-delivered" is unsolvable', strict.stderr
    )
    assert strict.stderr.rstrip().endswith("errors")
    quiet = runner.invoke(main, ["compile", str(spec), "-o", str(tmp_path / "out"), "--no-lint"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_strict_compile_that_fails_writes_nothing(tmp_path: Path) -> None:
    # --strict exited 1 but wrote (or rewrote) the compiled folder all the same
    spec = shutil.copytree(PLANTED, tmp_path / "planted")
    runner = CliRunner()
    fresh = runner.invoke(main, ["compile", str(spec), "-o", str(tmp_path / "fresh"), "--strict"])
    assert fresh.exit_code == 1 and "Traceback" not in fresh.output
    assert not (tmp_path / "fresh").exists()
    assert "compiled " not in fresh.output
    out = tmp_path / "out"
    assert runner.invoke(main, ["compile", str(spec), "-o", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    domain = spec / "domain.yaml"
    domain.write_text(domain.read_text() + "# a change\n")
    again = runner.invoke(main, ["compile", str(spec), "-o", str(out), "--strict"])
    assert again.exit_code == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_judge_assertions_are_assumed_to_hold_and_noted(tmp_path):
    # Without a judge model a gating `judge` fails every episode ("not judged"); lint must not
    # call the task unsolvable for that, nor count every mutation as caught because of it.
    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    checks = spec / "checks" / "main.chk"
    text = checks.read_text(encoding="utf-8")
    assert '    require said "cancelled"\n' in text
    checks.write_text(
        text.replace(
            '    require said "cancelled"\n',
            '    require said "cancelled"\n    judge "The agent is polite"\n',
        ),
        encoding="utf-8",
    )
    report = lint(spec)
    assert report.unsolvable == []
    # gating: every episode fails it without a judge model (lint said nothing but a note)
    found = [f for f in report.findings if f.kind == "needs_judge"]
    assert [(f.severity, f.span.line) for f in found] == [
        ("warning", position(checks, 'judge "The agent')[0])
    ]
    assert found[0].message.startswith(
        'this judge statement gates check "cancelled": without a judge model (`--judge BACKEND`) '
        "every episode of the templates that use the check fails it"
    )
    assert "mark it `advisory`, or run with a judge" in found[0].message
    plain = lint(MINI)
    assert report.scores["cancelled"] == plain.scores["cancelled"]
    assert load_domain(spec).judge_model is None
    # advisory: a note
    checks.write_text(
        checks.read_text(encoding="utf-8").replace('polite"', 'polite" advisory'), encoding="utf-8"
    )
    notes = [f for f in lint(spec).findings if f.kind == "needs_judge"]
    assert [f.severity for f in notes] == ["info"]
    assert '"cancelled" has 1 advisory natural-language assertion' in notes[0].message


def test_the_summary_counts_in_words():
    from eigendsl.errors import Span
    from eigendsl.lint import LintReport
    from eigendsl.lint.context import Finding
    from eigendsl.lint.report import summary

    at = Span("x.chk", 1, 1)
    found = [Finding(at, "m", "error", "unsolvable"), Finding(at, "m", "info", "note")]
    found += [Finding(at, "m", "warning", "weak_check")] * 2
    report = LintReport("shop", 1, ["t"], {}, found)
    assert summary(report) == "shop: 1 task linted, 1 unsolvable; 1 error, 2 warnings, 1 note"
    # lint's tasks are not compile's: those of the tasks files, and its own draws
    drawn = LintReport("shop", 7, [], {}, [], written=1, templates=2, samples=3)
    assert summary(drawn) == (
        "shop: 7 tasks linted (1 written, 6 drawn from 2 templates with --samples 3), "
        "0 unsolvable; 0 errors, 0 warnings, 0 notes"
    )


def test_a_score_term_the_gold_plan_misses_lowers_its_reward_and_is_not_unsolvable(tmp_path):
    # `eigendsl run` passes such episodes (a score term does not gate); lint used to call the
    # template unsolvable and exit 1.
    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    checks = spec / "checks" / "main.chk"
    text = checks.read_text(encoding="utf-8")
    term = "    score 0.5: called get_order(order_id=order_id)\n"
    assert term in text
    # never earned: the order is cancelled by then
    missed_term = '    score 0.5: db.orders[order_id].status == "pending"\n'
    checks.write_text(text.replace(term, term + missed_term), encoding="utf-8")
    report = lint(spec)
    assert report.unsolvable == [] and report.errors == []
    missed = [f for f in report.findings if f.kind == "unearned_score"]
    assert missed and all(f.severity == "warning" for f in missed)
    assert 'does not earn the score term of check "cancelled"' in missed[0].message
    assert "so a right episode's reward is below 1" in missed[0].message


def test_a_template_whose_gold_dialogue_synthesis_rejects_is_reported(tmp_path):
    # solvable, so compile, lint and run passed, while synthesis accepted none of its dialogues
    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    tasks = spec / "tasks" / "cancel.yaml"
    text = tasks.read_text(encoding="utf-8")
    for old, new in (
        ("cancel order {{ order_id }} because", "cancel my order because"),
        (
            'known: {email: "{{ email }}", order_id: "{{ order_id }}"}',
            'known: {email: "{{ email }}"}',
        ),
        ("Your order {{ order_id }} is cancelled.", "Your order is cancelled."),
    ):
        assert old in text
        text = text.replace(old, new)
    tasks.write_text(text, encoding="utf-8")
    report = lint(spec)
    assert report.unsolvable == []
    rejected = [f for f in report.findings if f.kind == "unsynthesizable"]
    assert len(rejected) == 1 and rejected[0].severity == "warning"
    assert (rejected[0].span.line, rejected[0].span.col) == position(tasks, "gold:")
    assert rejected[0].message.startswith(
        'synthesis rejects the gold dialogue of template "cancel" (3 of 3 sampled tasks, e.g. '
    )
    assert "get_order uses the identifier '#" in rejected[0].message
    assert "give it to the user (user.known) or have a tool return it" in rejected[0].message
    assert not [f for f in lint(MINI).findings if f.kind == "unsynthesizable"]


def test_a_guard_condition_after_one_on_the_episode_is_judged(tmp_path):
    # An owner condition reads `calls`, which lint's trial of the guard has none of: it used to
    # refuse every argument set, so the status condition after it was never reached and was
    # reported as one that "never rejects".
    spec = tmp_path / "mini"
    shutil.copytree(MINI, spec)
    checks = spec / "checks" / "main.chk"
    text = checks.read_text(encoding="utf-8")
    head = "guard cancel_order:\n"
    owner = (
        '    require any(c in calls where c.tool == "find_user" and c.ok: c.result == '
        'db.orders[order_id].user_id) else "That order belongs to another customer"\n'
    )
    assert head in text
    checks.write_text(text.replace(head, head + owner), encoding="utf-8")
    report = lint(spec)
    assert report.unsolvable == []
    assert not [f for f in report.findings if f.kind == "guard_never_fails"], report.findings


def test_a_refused_gold_step_whose_episode_passes_is_a_warning_not_unsolvable(mini: Path):
    # A second, refused cancel: `run` passes every episode (the check counts what ran), while
    # lint called the template unsolvable, an error.
    tasks = mini / "tasks" / "cancel.yaml"
    step = '      - cancel_order: {order_id: "{{ order_id }}", reason: "{{ reason }}"}\n'
    tasks.write_text(tasks.read_text(encoding="utf-8").replace(step, step * 2), encoding="utf-8")
    report = lint(mini)
    assert report.unsolvable == [] and report.errors == []
    refused = [f for f in report.findings if f.kind == "refused_step"]
    assert refused and all(f.severity == "warning" for f in refused)
    assert (refused[0].span.line, refused[0].span.col) == (16, 9)  # the second cancel
    assert 'gold step 4 ("cancel_order") is refused: Only pending orders can be cancelled' in (
        refused[0].message
    )
    assert "the check passes all the same (the task is solvable" in refused[0].message


def test_an_unsolvable_template_ended_by_the_user_shows_its_last_message(mini: Path):
    # the check's failed statements alone did not show why: the user stopped at once
    tasks = mini / "tasks" / "cancel.yaml"
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(
        text.replace("because it is {{ reason }}.", "because it is {{ reason }}. ###STOP###"),
        encoding="utf-8",
    )
    report = lint(mini)
    unsolvable = [f for f in report.findings if f.kind == "unsolvable"]
    assert unsolvable and report.unsolvable
    assert all(
        '; the conversation ended before gold step 1 ("find_user"), the user\'s last message: '
        '"I want to cancel order'
        in f.message
        and '###STOP###"' in f.message
        for f in unsolvable
    ), [f.message for f in unsolvable]


def test_a_gold_argument_nobody_stated_is_a_warning_at_its_step(mini: Path):
    # the user no longer knows the email; the scripted agent passed it to find_user all the same
    tasks = mini / "tasks" / "cancel.yaml"
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(text.replace('known: {email: "{{ email }}", ', "known: {"), encoding="utf-8")
    report = lint(mini)
    assert report.unsolvable == []
    found = [f for f in report.findings if f.kind == "unstated_value"]
    at = position(tasks, "find_user:")
    assert [(f.span.line, f.span.col, f.severity) for f in found if f.span.line == at[0]] == [
        (at[0], at[1], "warning")
    ]
    assert (
        'gold step 1 gives "find_user"\'s "email" the value of "email" ("ann@example.com" in '
        in (found[-1].message)
    )
    assert "which neither the user nor an earlier tool result states" in found[-1].message
    # stated values are not reported
    assert not [f for f in lint(MINI).findings if f.kind == "unstated_value"]


def test_a_finding_quotes_dsl_text_as_the_dsl_and_values_as_json(mini: Path):
    # names and DSL text in double quotes as the DSL writes them, values as JSON: the findings
    # mixed quote styles ('email', 'ann@example.com', "cancelled")
    tasks = mini / "tasks" / "cancel.yaml"
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(text.replace('known: {email: "{{ email }}", ', "known: {"), encoding="utf-8")
    [unstated] = [
        f.message
        for f in lint(mini).findings
        if f.kind == "unstated_value" and "cancel-ann" in f.message
    ]
    assert unstated.startswith(
        'gold step 1 gives "find_user"\'s "email" the value of "email" ("ann@example.com" in '
        "cancel-ann), which neither the user nor an earlier tool result states"
    ), unstated
    assert quoted_names(unstated)[:4] == ["find_user", "email", "email", "ann@example.com"]
    assert "'" not in unstated.replace('"find_user"\'s', "")


FEATURES = ROOT / "tests" / "fixtures" / "golden" / "features" / "spec"


def test_a_change_of_mind_some_draws_do_not_play_is_a_note(tmp_path: Path) -> None:
    """`change_mind: reason=fraud` plays nothing in the draws whose own reason is fraud (the user
    asks for it and agrees): compile and lint said nothing of the tasks that lost it."""
    spec = tmp_path / "spec"
    shutil.copytree(FEATURES, spec)
    bank = spec / "tasks" / "bank.yaml"
    notes = [f for f in lint(spec).findings if f.kind == "no_change_of_mind"]
    assert [(f.span.line, f.span.col, f.severity) for f in notes] == [
        (*position(bank, '"reason=fraud"'), "info")
    ]
    assert notes[0].message.startswith(
        '2 of 3 tasks of template "freeze" drew the first value itself (reason=fraud: '
        "freeze-000, freeze-002) and have no change of mind"
    )
    assert 'restrict the source of "reason"' in notes[0].message
    # choices without the first value: every draw plays the change of mind, and nothing is said
    edit(spec, "tasks/bank.yaml", "choices: [fraud, lost card]", "choices: [lost card]")
    assert [f for f in lint(spec).findings if f.kind == "no_change_of_mind"] == []


def test_retail_changes_of_mind_are_played_by_every_task(retail: LintReport) -> None:
    assert [f for f in retail.findings if f.kind == "no_change_of_mind"] == []
