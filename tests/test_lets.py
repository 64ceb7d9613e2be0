"""Local bindings: ``let NAME = expr`` in guards, rules and checks.

The mini shop written twice, with its long paths inline (``INLINE``) and with lets (``LETS``):
the two must refuse and allow the same calls, pass and fail the same traces with the same
reasons where a lookup fails, and give the same lint findings. The analysis errors of a let are
pinned in ``test_errors.py`` (cases ``let-*``), its syntax in ``test_parser.py``.
"""

from __future__ import annotations

import copy
import doctest
from pathlib import Path
from typing import Any

import pytest

from eigendsl import support
from eigendsl.compiler import analyze, compile_domain
from eigendsl.dsl import lets
from eigendsl.dsl.parser import parse
from eigendsl.dsl.render import render_statement
from eigendsl.lint import lint
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.synth.variants import composed_template
from eigendsl.tau2.rewards import statement_kind
from tests.conftest import MINI, Verifiers, compile_to, copy_spec, edit
from tests.test_verifiers import Domain as Compiled
from tests.test_verifiers import agent, tool_call, user

CHK = "checks/main.chk"

INLINE = """\
guard cancel_order:
    require db.orders[order_id].status == "pending" else "Only pending orders can be cancelled"
    require db.users[db.orders[order_id].user_id].email != ""

rule identify_first:
    require called find_user before first(c in calls where "account" in c.tags)

rule confirm_writes:
    require first(c in calls where c.tool == "cancel_order" and c.ok) == null \\
        or user_said "yes" before first(c in calls where c.tool == "cancel_order" and c.ok)

check cancelled(order_id: string, reason: string):
    use identify_first
    use confirm_writes
    require db == gold
    require called cancel_order(order_id=order_id, reason=reason)
    require db.orders[order_id].status == "cancelled"
    require initial.orders[order_id].status == "pending"
    require said "cancelled"
    unchanged db.users
    score 0.5: called get_order(order_id=order_id)
"""

# Three lets named `order` meet in the check: each rule's (a call) and the check's (a row).
LETS = """\
guard cancel_order:
    let order = db.orders[order_id]
    require order.status == "pending" else "Only pending orders can be cancelled"
    let owner = db.users[order.user_id]
    require owner.email != ""

rule identify_first:
    let identified = called find_user
    let order = first(c in calls where "account" in c.tags)
    require identified before order

rule confirm_writes:
    let order = first(c in calls where c.tool == "cancel_order" and c.ok)
    require order == null or user_said "yes" before order

check cancelled(order_id: string, reason: string):
    use identify_first
    use confirm_writes
    let order = db.orders[order_id]
    let cancelled_it = called cancel_order(order_id=order_id, reason=reason)
    require db == gold
    require cancelled_it
    require order.status == "cancelled"
    require initial.orders[order_id].status == "pending"
    require said "cancelled"
    unchanged db.users
    score 0.5: called get_order(order_id=order_id)
"""

PARAMS = {"order_id": "#1", "reason": "no longer needed", "email": "ann@example.com"}


def spec_with(root: Path, checks: str) -> Path:
    copy_spec(MINI, root)
    edit(root, CHK, None, checks)
    return root


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("lets")
    return {
        name: spec_with(base / name, text) for name, text in (("inline", INLINE), ("lets", LETS))
    }


@pytest.fixture(scope="module")
def verifiers(specs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("lets_out")
    return {name: compile_to(spec, out / name) for name, spec in specs.items()}


@pytest.fixture(scope="module")
def domains(specs: dict[str, Path]) -> dict[str, Domain]:
    return {name: load_domain(spec) for name, spec in specs.items()}


def test_doctests() -> None:
    assert doctest.testmod(lets).failed == 0
    assert doctest.run_docstring_examples(support.let_value, {}) is None


def test_a_let_nothing_reads_is_a_warning(mini: Path) -> None:
    """Like a template parameter nothing reads: the compile goes on, and says where."""
    edit(
        mini,
        CHK,
        "    require db == gold\n",
        "    let order = db.orders[order_id]\n    let owner = db.users[order.user_id]\n"
        "    require db == gold\n",
    )
    compiled = compile_domain(mini)
    assert [str(w) for w in compiled.warnings] == [
        "mini/checks/main.chk:13:9: warning: 'owner' is bound by this let but no statement after "
        "it reads it; use it below, or remove the let"
    ]  # `order` is read, by `owner`


# ---------------------------------------------------------------------------- guards at run time


def call(domain: Domain, *calls: tuple[str, dict[str, Any]]) -> list[tuple[str, bool]]:
    """What the agent reads of each call, made one after the other in one episode."""
    env = Environment(domain)
    return [env.call_tool(name, args, f"c{i}") for i, (name, args) in enumerate(calls)]


@pytest.mark.parametrize(
    "order_id, allowed, text",
    [
        ("#1", True, '"status": "cancelled"'),
        ("#2", False, "Error: Only pending orders can be cancelled"),
        # the let's lookup fails: the refusal is the inline expression's
        ("#9", False, "Error: orders has no row with key '#9'"),
    ],
)
def test_a_guard_with_lets_refuses_and_allows_as_inline(
    domains: dict[str, Domain], order_id: str, allowed: bool, text: str
) -> None:
    args = {"order_id": order_id, "reason": "no longer needed"}
    for name in ("inline", "lets"):
        [(said, ok)] = call(domains[name], ("cancel_order", args))
        assert ok is allowed and text in said, (name, said)
        if not allowed:
            assert said == text


def test_a_refusal_without_else_shows_the_lets_it_reads(domains: dict[str, Domain]) -> None:
    """The agent reads a condition with no else message as DSL text: with the lets it reads
    after it, since it cannot see them."""
    calls = (
        ("set_email", {"user_id": "u1", "email": ""}),
        ("cancel_order", {"order_id": "#1", "reason": "no longer needed"}),
    )
    inline = call(domains["inline"], *calls)[1]
    bound = call(domains["lets"], *calls)[1]
    assert inline == (
        'Error: db.users[db.orders[order_id].user_id].email != "" does not hold: "" != "" is false',
        False,
    )
    assert bound == (
        'Error: owner.email != "" does not hold: "" != "" is false (where order = '
        "db.orders[order_id], owner = db.users[order.user_id])",
        False,
    )


def test_a_field_of_a_let_of_first_that_found_nothing_is_refused_as_inline(
    tmp_path: Path,
) -> None:
    """`first(...)` finds nothing: reading a field of it, inline or through a let, refuses the
    call with 'no orders row matches' (not a fault of the spec, as a field read from null is)."""
    found = 'first(o in db.orders where o.order_id == order_id and o.status == "pending")'
    rules_and_checks = (MINI / CHK).read_text().split("\n\n", 1)[1]  # all but the guard
    guards = {
        "inline": f'guard cancel_order:\n    require {found}.total > 0 else "no"\n',
        "lets": f'guard cancel_order:\n    let o = {found}\n    require o.total > 0 else "no"\n',
    }
    said = []
    for name, guard in guards.items():
        env = Environment(load_domain(spec_with(tmp_path / name, f"{guard}\n{rules_and_checks}")))
        said.append(env.call_tool("cancel_order", {"order_id": "#2", "reason": "no longer needed"}))
        assert env.faults == []
    assert said == [("Error: no orders row matches", False)] * 2


def test_a_let_failing_with_a_bug_of_the_spec_is_a_guard_fault_where_it_is_read(
    mini: Path,
) -> None:
    """Not an EvalError: a fault of the spec, reported as an inline one would be, at the
    statement that reads the let; a statement above it is unaffected."""
    edit(
        mini,
        CHK,
        '    require db.orders[order_id].status == "pending"',
        "    let share = db.orders[order_id].total / len(db.orders[order_id].items)\n"
        '    require db.orders[order_id].status == "pending"',
    )
    edit(
        mini,
        CHK,
        'else "Only pending orders can be cancelled"\n',
        'else "no"\n    require share > 1\n',
    )
    domain = load_domain(mini)
    [(said, ok)] = call(domain, ("cancel_order", {"order_id": "#2", "reason": "no longer needed"}))
    assert (said, ok) == ("Error: no", False)  # refused above the statement that reads it
    env = Environment(domain)
    said, ok = env.call_tool("cancel_order", {"order_id": "#3", "reason": "no longer needed"}, "c")
    assert not ok and [f.kind for f in env.faults] == ["guard_exception"]
    [fault] = env.faults
    assert (fault.line, fault.col) == (4, 5)
    assert "its divisor, len(db.orders[order_id].items), is 0" in fault.message


# ---------------------------------------------------------------------------- checks


def cancelled_db(seed: dict[str, Any]) -> dict[str, Any]:
    db = copy.deepcopy(seed)
    db["orders"]["#1"]["status"] = "cancelled"
    return db


def dialogue(identify_first: bool = True, confirm: bool = True) -> list[dict[str, Any]]:
    find = tool_call("find_user", {"email": "ann@example.com"}, "u1")
    read = tool_call("get_order", {"order_id": "#1"}, {"order_id": "#1", "status": "pending"})
    return [
        user("Hi, cancel order #1 please, I no longer need it. I am ann@example.com."),
        *(find + read if identify_first else read + find),
        agent("Order #1 is pending. Shall I cancel it?"),
        user("Yes, please." if confirm else "Go on."),
        *tool_call("cancel_order", {"order_id": "#1", "reason": "no longer needed"}),
        agent("Your order #1 is cancelled."),
    ]


def verdict(v: Verifiers, messages: list[dict[str, Any]], db=None, params=None) -> Any:
    compiled = Compiled(v)
    final = db if db is not None else cancelled_db(compiled.seed)
    trace = compiled.trace(
        messages, db=final, gold=cancelled_db(compiled.seed), params=params or PARAMS
    )
    return v.check("cancelled").verify(trace)


def failures(result: Any) -> list[tuple[int, str]]:
    return [(f.line, f.reason) for f in result.failures]


def test_a_check_with_lets_passes_the_right_trace(verifiers: dict[str, Any]) -> None:
    for v in verifiers.values():
        result = verdict(v, dialogue())
        assert (result.passed, result.score, result.failures) == (True, 1.0, [])


def test_two_used_rules_and_the_check_each_read_their_own_order(
    verifiers: dict[str, Any],
) -> None:
    """identify_first's `order` is a call, confirm_writes' another call, the check's a row: each
    statement reads its own block's."""
    v = verifiers["lets"]
    late = verdict(v, dialogue(identify_first=False))
    assert failures(late) == [
        (
            10,
            "policy rule identify_first: identified before order does not hold (where "
            "identified = called find_user, order = "
            'first(c in calls where "account" in c.tags))',
        )
    ]
    unconfirmed = verdict(v, dialogue(confirm=False))
    assert [f.line for f in unconfirmed.failures] == [14]
    assert unconfirmed.failures[0].statement == (
        'require order == null or user_said "yes" before order (where order = '
        'first(c in calls where (c.tool == "cancel_order" and c.ok)))'
    )
    db = Compiled(v).db()  # nothing cancelled
    unchanged = verdict(v, dialogue(), db=db)
    reasons = dict(failures(unchanged))
    assert reasons[23] == (
        'order.status == "cancelled" does not hold: "pending" is not "cancelled" (where order = '
        "db.orders[order_id])"
    )


def test_a_statement_reading_a_let_alone_is_explained_by_the_let(
    verifiers: dict[str, Any],
) -> None:
    """`require cancelled_it` fails as `require called cancel_order(...)` does: the calls made are
    shown, and its text carries the let (tau2's reward basis reads 'called' in it)."""
    messages = [m for m in dialogue() if "cancel_order" not in str(m)]
    inline = verdict(verifiers["inline"], messages)
    bound = verdict(verifiers["lets"], messages)
    [(inline_reason)] = [f.reason for f in inline.failures if "cancel_order" in f.statement]
    [statement] = [f for f in bound.failures if f.line == 22]
    assert statement.reason == inline_reason
    assert statement.statement == (
        "require cancelled_it (where cancelled_it = called cancel_order(order_id=order_id, "
        "reason=reason))"
    )
    assert statement_kind(statement.statement) == "ACTION"
    assert statement_kind("require same (where same = db == gold)") == "DB"


def test_a_let_of_a_comparison_is_explained_with_its_values(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        CHK,
        '    require said "cancelled"\n',
        '    let order = db.orders[order_id]\n    let done = order.status == "cancelled"\n'
        "    require done\n    forbid done\n",
    )
    v = compile_to(mini, tmp_path / "out")
    pending = Compiled(v).db()
    [(line, statement, reason, values)] = [
        (f.line, f.statement, f.reason, f.values)
        for f in verdict(v, dialogue(), db=pending).failures
        if f.line > 14
    ]
    assert (line, statement) == (
        17,
        'require done (where order = db.orders[order_id], done = order.status == "cancelled")',
    )
    assert reason == (
        'order.status == "cancelled" does not hold: "pending" is not "cancelled" (where order = '
        "db.orders[order_id])"
    )
    assert values == {"left": "pending", "right": "cancelled"}
    [forbidden] = [f.reason for f in verdict(v, dialogue()).failures]
    assert forbidden == (
        'order.status == "cancelled" holds but is forbidden ("cancelled" == "cancelled") (where '
        "order = db.orders[order_id])"
    )


def test_a_let_whose_lookup_fails_fails_what_reads_it_as_inline(
    verifiers: dict[str, Any],
) -> None:
    params = {**PARAMS, "order_id": "#9"}
    inline = verdict(verifiers["inline"], dialogue(), params=params)
    bound = verdict(verifiers["lets"], dialogue(), params=params)
    reason = "orders has no row with key '#9'"
    assert [f.reason for f in inline.failures if f.reason == reason] == [reason, reason]
    # the let's own statement fails nothing; the two statements that read a missing row fail
    # with the inline expression's reason, and the rest hold as they do inline
    assert sorted(f.reason for f in bound.failures) == sorted(f.reason for f in inline.failures)
    assert bound.score == inline.score and bound.passed is inline.passed is False


def test_a_let_not_read_by_a_short_circuit_is_never_raised(mini: Path, tmp_path: Path) -> None:
    edit(
        mini,
        CHK,
        '    require said "cancelled"\n',
        "    let order = db.orders[order_id]\n"
        '    forbid order_id in db.orders and order.status == "pending"\n',
    )
    v = compile_to(mini, tmp_path / "out")
    result = verdict(v, dialogue(), params={**PARAMS, "order_id": "#9"})
    assert all(f.line != 16 for f in result.failures)


def test_before_and_unchanged_read_lets(tmp_path: Path) -> None:
    """The features spec's check `bound`: `before` reads when a let's event happened, and an
    `unchanged` path reads a let's value as its key."""
    from tests.conftest import FIXTURES

    features = Compiled(compile_to(FIXTURES / "golden" / "features" / "spec", tmp_path / "out"))
    params = {"source": "A1", "amount": 10.0}
    final = features.db()
    final["accounts"]["A1"]["balance"] -= 10.0
    find = tool_call("find_account", {"owner": "Ann Lee"}, "A1")
    send = tool_call("transfer", {"source": "A1", "target": "A2", "amount": 10.0}, "T2")

    def check(messages: list[dict[str, Any]], db: dict[str, Any]) -> list[str]:
        trace = features.trace(messages, db=db, params=params)
        return features.v.check("bound").verify(trace).reasons

    assert check([user("Send 10 euros."), *find, *send], final) == []
    assert check([user("Send 10 euros."), *send, *find], final) == [
        "called find_account before sent does not hold (where sent = called transfer("
        "source=source, amount=amount))"
    ]
    final["accounts"]["A1"]["status"] = "frozen"
    assert check([user("Send 10 euros."), *find, *send], final) == [
        'db.accounts[account.account_id].status changed: value is "frozen", expected "open" '
        "(where account = db.accounts[source])"
    ]


# ---------------------------------------------------------------------------- lint


def test_lint_finds_the_same_with_lets_as_inline(specs: dict[str, Path]) -> None:
    """No false finding: the lets spec's findings are the inline spec's, at the statements that
    correspond, and the mutations of the gold plans are killed alike."""
    reports = {name: lint(spec) for name, spec in specs.items()}
    kinds = {name: sorted(f.kind for f in r.findings) for name, r in reports.items()}
    assert kinds["lets"] == kinds["inline"]
    assert reports["lets"].scores == reports["inline"].scores
    caught, counted = reports["lets"].scores["cancelled"]
    assert 0 < caught <= counted
    text = (specs["lets"] / CHK).read_text().splitlines()
    for finding in reports["lets"].findings:
        if finding.span.path.endswith(".chk"):
            line = text[finding.span.line - 1].strip()
            assert not line.startswith("let "), finding  # a let refuses nothing, holds nothing
    [never] = [f for f in reports["lets"].findings if f.kind == "guard_never_fails"]
    assert text[never.span.line - 1].strip() == 'require owner.email != ""'
    [no_message] = [f for f in reports["lets"].findings if f.kind == "guard_without_message"]
    assert (
        'reads the DSL\'s own text ("owner.email != \\"\\" does not hold (where order = '
        'db.orders[order_id], owner = db.users[order.user_id])")' in no_message.message
    )


def test_a_guard_condition_reading_calls_through_a_let_is_not_judged(mini: Path) -> None:
    edit(
        mini,
        CHK,
        '    require db.orders[order_id].status == "pending"',
        '    let looked = count(c in calls where c.tool == "get_order")\n'
        "    require looked >= 0\n"
        '    require db.orders[order_id].status == "pending"',
    )
    report = lint(mini)
    assert [f for f in report.findings if f.kind == "guard_never_fails"] == []


def test_a_said_through_a_let_no_utterance_can_meet_is_found(mini: Path) -> None:
    edit(
        mini,
        CHK,
        '    require said "cancelled"\n',
        '    let told = said "tracking number"\n    require told\n',
    )
    [finding] = [f for f in lint(mini).findings if f.kind == "unsatisfiable_said"]
    assert (finding.span.line, finding.span.col) == (16, 5)
    assert finding.message.startswith('the agent never said "tracking number" in task')


# ---------------------------------------------------------------------------- rendering


def test_render_statement_writes_a_let() -> None:
    [decl] = parse(
        "check c(a):\n    let b = db.orders[a]\n    require b.x == 1\n", "t.chk"
    ).declarations
    assert render_statement(decl.body[0]) == "let b = db.orders[a]"
    assert render_statement(decl.body[0], {"a": "x_a", "b": "x_b"}) == "let x_b = db.orders[x_a]"


def test_a_composed_check_renames_each_checks_lets_apart(
    specs: dict[str, Path], tmp_path: Path
) -> None:
    """Synthesis composes a check with itself: both bind `order` and `cancelled_it`."""
    _loaded, _seed, resolved, templates, _bodies, _diag = analyze(specs["lets"])
    template, check = templates["cancel"].template, resolved.checks["cancelled"]
    _entry, text = composed_template("cancel", template, check, "cancel", template, check)
    assert "    let a_order = db.orders[a_order_id]\n" in text
    assert '    require b_order.status == "cancelled"\n' in text
    assert text.count("use identify_first") == 1
    spec = copy_spec(specs["lets"], tmp_path / "spec")
    edit(spec, "checks/composed.chk", None, text)
    compile_domain(spec)  # no name bound twice
