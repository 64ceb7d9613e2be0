"""`eigendsl import tau2`: the imported retail spec compiles, replays gold like tau2, judges like
tau2, catches broken write sequences with a reason naming the difference, and round-trips
episodes through tau2's results format.

The tau2 data is read from ``<repo>/../shared/tau2/retail`` (never copied into the repository);
tests that need it are skipped where it is absent. The import and compile run once per module.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.compiler import compile_domain
from eigendsl.runtime.domain import Domain, load_compiled
from eigendsl.runtime.environment import Environment, replay_gold
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.judge import ask
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import NOT_JUDGED
from eigendsl.tau2 import WRITES, db_diff, db_hash, load_db, replay
from eigendsl.tau2.checks import dsl_literal, reward_basis
from eigendsl.tau2.export import export_results
from eigendsl.tau2.importer import import_tau2
from eigendsl.tau2.rejudge import import_results
from eigendsl.tau2.rewards import statement_kind

ROOT = Path(__file__).resolve().parent.parent
TAU2_RETAIL = ROOT.parent / "shared" / "tau2" / "retail"
needs_tau2 = pytest.mark.skipif(
    not (TAU2_RETAIL / "tasks.json").is_file(),
    reason=f"tau2 retail data not found at {TAU2_RETAIL} (it is never copied here)",
)


def _compile(spec: Path) -> tuple[Domain, Any]:
    compiled = compile_domain(spec, spec.parent / f"{spec.name}-generated")
    return load_compiled(compiled.files, spec), compiled


@pytest.fixture(scope="module")
def tau2_tasks() -> list[dict[str, Any]]:
    return json.loads((TAU2_RETAIL / "tasks.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base_db() -> dict[str, Any]:
    return load_db(TAU2_RETAIL / "db.json")


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Domain, Any, Path]:
    spec = tmp_path_factory.mktemp("tau2") / "spec"
    import_tau2(TAU2_RETAIL, spec)
    domain, compiled = _compile(spec)
    return domain, compiled, spec


@pytest.fixture(scope="module")
def advisory(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    spec = tmp_path_factory.mktemp("tau2adv") / "spec"
    import_tau2(TAU2_RETAIL, spec, nl="advisory")
    return _compile(spec)[0]


@pytest.fixture(scope="module")
def gold_dbs(gated: tuple[Domain, Any, Path]) -> GoldCache:
    return GoldCache(gated[0])


def played(
    domain: Domain, task: dict[str, Any], steps: list[dict[str, Any]], gold: GoldCache
) -> Any:
    """The trace of an agent that makes exactly ``steps`` (tool calls), judged against gold."""
    env = Environment(domain, task)
    env.add_message({"role": "user", "content": task["user"]["reason"]})
    for i, step in enumerate(steps):
        call = {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": step["tool"], "arguments": json.dumps(step["args"])},
        }
        env.add_message({"role": "assistant", "content": None, "tool_calls": [call]})
        env.call_tool(step["tool"], step["args"], f"c{i}")
    for step in task["gold"]:
        if "say" in step:
            env.add_message({"role": "assistant", "content": step["say"]})
    return env.final_trace(gold.get(task)[0])


def tool_steps(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in task["gold"] if "tool" in s]


# ---------------------------------------------------------------------------- import and compile


@needs_tau2
def test_import_compiles_every_task(
    gated: tuple[Domain, Any, Path], tau2_tasks: list[dict[str, Any]]
) -> None:
    domain, compiled, spec = gated
    assert len(tau2_tasks) == 74
    assert [t["id"] for t in compiled.tasks] == [f"tau2-{t['id']}" for t in tau2_tasks]
    assert {t["split"] for t in compiled.tasks} == {"train"}  # split_tasks.json has only `train`
    assert len(domain.checks) == 74
    # The seed and the policy are referenced where they are, never copied into the spec.
    raw = yaml.safe_load((spec / "domain.yaml").read_text())
    assert (spec / raw["database"]["seed"]).resolve() == (TAU2_RETAIL / "db.json").resolve()
    assert (spec / raw["policy"]).resolve() == (TAU2_RETAIL / "policy.md").resolve()
    assert sorted(p.name for p in spec.rglob("*") if p.is_file()) == [
        "domain.yaml",
        "tau2.chk",
        "tau2.yaml",
        "tools.py",
    ]
    assert set(domain.tools) >= WRITES and all(domain.tools[w].writes for w in WRITES)
    checks = (spec / "checks" / "tau2.chk").read_text()
    assert checks.startswith("# Generated from tau2-bench by `eigendsl import tau2`")
    assert (
        "# tau2 task 0: reward basis DB, NL_ASSERTION\ncheck tau2_0():\n    require db == gold\n"
        in checks
    )


@needs_tau2
def test_gold_replay_matches_tau2(
    gated: tuple[Domain, Any, Path], tau2_tasks: list[dict[str, Any]], base_db: dict[str, Any]
) -> None:
    """The compiled spec's gold database is tau2's, and the only tool errors are tau2's own."""
    domain = gated[0]
    for t in tau2_tasks:
        expected, errors = replay(base_db, t["evaluation_criteria"]["actions"])
        ours, our_errors = replay_gold(domain, domain.task(f"tau2-{t['id']}"))
        assert db_hash(ours) == db_hash(expected), t["id"]
        assert [e.split(": ", 1)[0] for e in our_errors] == [
            f"gold step {e['index'] + 1} ({e['name']})" for e in errors
        ], t["id"]


@needs_tau2
def test_gold_passes_except_unjudged(
    gated: tuple[Domain, Any, Path], advisory: Domain, gold_dbs: GoldCache
) -> None:
    domain = gated[0]
    adv_gold = GoldCache(advisory)
    for task in domain.tasks:
        steps = tool_steps(task)
        verdict = domain.judge(played(domain, task, steps, gold_dbs), task)
        assert all(f["reason"] == NOT_JUDGED for f in verdict["failures"]), (
            task["id"],
            verdict["failures"],
        )
        assert verdict["passed"] == (not verdict["failures"])
        adv_task = advisory.task(task["id"])
        adv = advisory.judge(played(advisory, adv_task, steps, adv_gold), adv_task)
        assert adv["passed"] and adv["score"] == 1.0, (task["id"], adv["failures"])
        judged = played(domain, task, steps, gold_dbs)
        judged.judge = lambda assertion: True
        assert domain.judge(judged, task)["passed"], task["id"]


def _named_difference(reason: str, gold: dict[str, Any], got: dict[str, Any]) -> bool:
    """The reason names a row that tau2's DB diff reports as different (a key as the DSL
    writes it, ``db.orders["#W1"]``)."""
    keys = {part for line in db_diff(got, gold) for part in line.split(":")[0].split("/")[2:3]}
    return bool(keys) and any(json.dumps(k) in reason for k in keys)


def _expect_caught(
    domain: Domain, task: dict[str, Any], steps: list[dict[str, Any]], gold: GoldCache, what: str
) -> bool:
    """The mutated steps fail the check with a reason naming the difference; False when the
    mutation leaves the database equal to gold (nothing to catch)."""
    trace = played(domain, task, steps, gold)
    gold_db = gold.get(task)[0]
    if trace.db == gold_db:
        return False
    verdict = domain.judge(trace, task)
    assert not verdict["passed"], (task["id"], what)
    (failure,) = [f for f in verdict["failures"] if f["statement"] == "require db == gold"]
    assert _named_difference(failure["reason"], gold_db, trace.db), (
        task["id"],
        what,
        failure["reason"],
    )
    return True


def _changed(value: Any) -> Any:
    if isinstance(value, list):
        return value[:-1] if len(value) > 1 else [*value, *value]
    return f"{value}0"


@needs_tau2
def test_broken_writes_fail_with_the_difference(
    gated: tuple[Domain, Any, Path], gold_dbs: GoldCache, tau2_tasks: list[dict[str, Any]]
) -> None:
    domain = gated[0]
    counts = {"deleted": 0, "reordered": 0, "changed": 0}
    for t in tau2_tasks:
        if "DB" not in reward_basis(t) or t["id"] == "105":  # 105: its gold write fails in tau2 too
            continue
        task = domain.task(f"tau2-{t['id']}")
        steps = tool_steps(task)
        writes = [i for i, s in enumerate(steps) if s["tool"] in WRITES]
        for i in writes:
            # A write undone by a later one (task 22 changes an address, then changes it back)
            # leaves the database equal to gold when deleted: nothing to catch.
            counts["deleted"] += _expect_caught(
                domain, task, steps[:i] + steps[i + 1 :], gold_dbs, f"delete step {i}"
            )
            for name in steps[i]["args"]:
                mutated = [*steps]
                mutated[i] = {
                    "tool": steps[i]["tool"],
                    "args": {**steps[i]["args"], name: _changed(steps[i]["args"][name])},
                }
                if _expect_caught(domain, task, mutated, gold_dbs, f"change {name} of step {i}"):
                    counts["changed"] += 1
                    break
        # Swaps of every pair of writes; most commute (different rows), which is skipped.
        for a, b in itertools.combinations(writes, 2):
            swapped = [*steps]
            swapped[a], swapped[b] = steps[b], steps[a]
            counts["reordered"] += _expect_caught(
                domain, task, swapped, gold_dbs, f"swap steps {a} and {b}"
            )
    assert counts["deleted"] >= 60 and counts["changed"] >= 60 and counts["reordered"] >= 1, counts


# ------------------------------------------------------------------ episodes and tau2 results


@needs_tau2
def test_round_trip_through_tau2_results(
    gated: tuple[Domain, Any, Path], tau2_tasks: list[dict[str, Any]]
) -> None:
    domain = gated[0]
    tasks = domain.tasks[:12]
    user = ScriptedUser(domain.stop_marker)
    rows = run_episodes(domain, tasks, ScriptedAgent(), user, trials=2)
    rows += run_episodes(domain, tasks, ScriptedAgent(("wrong_argument",)), user)
    passed = [r["verdict"]["passed"] for r in rows]
    assert any(passed) and not all(passed)
    results = json.loads(json.dumps(export_results(rows, {t["id"]: t for t in tau2_tasks})))
    back = import_results(results, domain)
    assert len(back) == len(rows)
    for before, after in zip(rows, back, strict=True):
        assert after["task_id"] == before["task_id"] and after["trial"] == before["trial"]
        for key in ("passed", "score", "not_judged"):
            assert after["verdict"].get(key) == before["verdict"].get(key), (before["task_id"], key)
        reasons = lambda row: [(f["statement"], f["reason"]) for f in row["verdict"]["failures"]]  # noqa: E731
        assert reasons(after) == reasons(before)


@needs_tau2
def test_scripted_conversations_end_by_the_user(advisory: Domain) -> None:
    """Every task's scripted conversation ends with the user's stop, within the turn limit, and
    passes (tasks 37 and 106 say their unknown info is "."; taken as a thing the user does not
    know, it matched every question and the user never stopped)."""
    rows = run_episodes(
        advisory, advisory.tasks, ScriptedAgent(), ScriptedUser(advisory.stop_marker)
    )
    assert [r["task_id"] for r in rows if r["end_reason"] != "stop"] == []
    assert all(r["verdict"]["passed"] for r in rows)


def test_unknown_info_that_names_nothing_is_left_out(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path)
    for unknown, expected in (
        (".", []),
        ("You do not remember your email.", ["email"]),  # what it names, as an agent asks
        ("Your pet's name escapes you.", None),  # nothing read from it: as it is
    ):
        tasks = json.loads((folder / "tasks.json").read_text())
        tasks[0]["user_scenario"]["instructions"]["unknown_info"] = unknown
        (folder / "tasks.json").write_text(json.dumps(tasks))
        spec = tmp_path / f"spec{len(unknown)}"
        import_tau2(folder, spec)
        (task,) = _compile(spec)[1].tasks
        assert task["user"]["unknown"] == (expected if expected is not None else [unknown])


@needs_tau2
def test_export_has_tau2_keys(
    gated: tuple[Domain, Any, Path], tau2_tasks: list[dict[str, Any]], tmp_path: Path
) -> None:
    domain, _, spec = gated
    traces = tmp_path / "episodes.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        main, ["run", str(spec), "--tasks", "3", "--trials", "2", "--out", str(traces), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert set(summary["pass_hat_k"]) == {"1", "2"}
    result = runner.invoke(
        main,
        [
            "export",
            "tau2",
            str(traces),
            "-o",
            str(tmp_path / "out"),
            "--tau2-tasks",
            str(TAU2_RETAIL),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(data) >= {"timestamp", "info", "tasks", "simulations"}
    assert set(data["info"]) >= {
        "num_trials",
        "max_steps",
        "user_info",
        "agent_info",
        "environment_info",
    }
    assert [t["id"] for t in data["tasks"]] == ["0", "1", "2"]
    sim = data["simulations"][2]  # task 2: DB and an NL assertion
    assert set(sim) >= {
        "id",
        "task_id",
        "trial",
        "messages",
        "termination_reason",
        "reward_info",
        "start_time",
        "end_time",
        "duration",
    }
    info = sim["reward_info"]
    assert set(info) >= {
        "reward",
        "reward_basis",
        "reward_breakdown",
        "db_check",
        "action_checks",
        "communicate_checks",
        "nl_assertions",
    }
    assert info["reward_basis"] == ["DB", "NL_ASSERTION"] and info["reward"] == 0.0
    assert (
        info["nl_assertions"][0]["met"] is False
        and info["nl_assertions"][0]["justification"] == NOT_JUDGED
    )
    assert info["reward_breakdown"]["NL_ASSERTION"] == 0.0
    roles = {m["role"] for m in sim["messages"]}
    assert roles == {"user", "assistant", "tool"}
    call = next(m for m in sim["messages"] if m["role"] == "assistant" and m["tool_calls"])[
        "tool_calls"
    ][0]
    assert set(call) == {"id", "name", "arguments", "requestor"} and isinstance(
        call["arguments"], dict
    )
    tool = next(m for m in sim["messages"] if m["role"] == "tool")
    assert (
        set(tool) >= {"id", "content", "requestor", "error", "turn_idx"}
        and tool["id"] == call["id"]
    )
    back = tmp_path / "back.jsonl"
    result = runner.invoke(
        main,
        [
            "import",
            "tau2-results",
            str(tmp_path / "out" / "results.json"),
            "--spec",
            str(spec),
            "-o",
            str(back),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    before = [json.loads(line)["verdict"]["passed"] for line in traces.read_text().splitlines()]
    after = [json.loads(line)["verdict"]["passed"] for line in back.read_text().splitlines()]
    assert before == after


def test_statement_kinds() -> None:
    assert statement_kind("require db == gold") == "DB"
    assert statement_kind('require said "10"') == "COMMUNICATE"
    assert statement_kind('judge "x" advisory') == "NL_ASSERTION"
    assert statement_kind("require called transfer_to_human_agents") == "ACTION"
    assert statement_kind("unchanged db.users") is None


# ------------------------------------------------------------------ a tiny tau2-style folder


def tiny_folder(
    root: Path, actions: list[dict[str, Any]] | None = None, name: str = "retail"
) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    db = {
        "products": {
            "p1": {
                "product_id": "p1",
                "name": "Lamp",
                "variants": {
                    "i1": {
                        "item_id": "i1",
                        "options": {"color": "red"},
                        "available": True,
                        "price": 10,
                    },
                    "i2": {
                        "item_id": "i2",
                        "options": {"size": "L", "color": "blue"},
                        "available": False,
                        "price": 12.5,
                    },
                },
            },
        },
        "users": {
            "u1": {
                "user_id": "u1",
                "name": {"first_name": "Ada", "last_name": "Li"},
                "email": "a@x.org",
                "address": {
                    "address1": "1 Main St",
                    "address2": "",
                    "city": "X",
                    "country": "USA",
                    "state": "CA",
                    "zip": "1",
                },
                "payment_methods": {
                    "gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 5}
                },
                "orders": ["#W1"],
                "nickname": "ada",
            },
            "u2": {
                "user_id": "u2",
                "name": {"first_name": "Bo", "last_name": "Ng"},
                "email": "b@x.org",
                "address": {
                    "address1": "2 Main St",
                    "address2": "",
                    "city": "Y",
                    "country": "USA",
                    "state": "CA",
                    "zip": "2",
                },
                "payment_methods": {
                    "credit_card_2": {
                        "source": "credit_card",
                        "id": "credit_card_2",
                        "brand": "visa",
                        "last_four": "1234",
                    }
                },
                "orders": [],
                "nickname": None,
            },
        },
        "orders": {
            "#W1": {
                "order_id": "#W1",
                "user_id": "u1",
                "address": {
                    "address1": "1 Main St",
                    "address2": "",
                    "city": "X",
                    "country": "USA",
                    "state": "CA",
                    "zip": "1",
                },
                "items": [
                    {
                        "name": "Lamp",
                        "product_id": "p1",
                        "item_id": "i1",
                        "price": 10,
                        "options": {"color": "red"},
                    }
                ],
                "status": "pending",
                "fulfillments": [],
                "payment_history": [
                    {
                        "transaction_type": "payment",
                        "amount": 10,
                        "payment_method_id": "gift_card_1",
                    }
                ],
            },
        },
    }
    tricky = 'He said "hi" \\ then {{ left }}, 1,234'
    task = {
        "id": "t 1",
        "description": {"purpose": None},
        "user_scenario": {
            "persona": "Calm.",
            "instructions": {
                "domain": "retail",
                "reason_for_call": "Cancel my order {{ now }}",
                "known_info": "I am Ada Li, zip 1.",
                "unknown_info": "",
                "task_instructions": "Be brief.",
            },
        },
        "evaluation_criteria": {
            "actions": actions
            if actions is not None
            else [
                {
                    "action_id": "a0",
                    "name": "find_user_id_by_email",
                    "arguments": {"email": "a@x.org"},
                    "info": None,
                },
                {
                    "action_id": "a1",
                    "name": "cancel_pending_order",
                    "arguments": {"order_id": "#W1", "reason": "no longer needed"},
                    "info": None,
                },
                {
                    "action_id": "a2",
                    "name": "transfer_to_human_agents",
                    "arguments": {"summary": tricky},
                    "compare_args": [],
                    "info": None,
                },
            ],
            "communicate_info": [tricky],
            "nl_assertions": ['The agent says "sorry" \\ politely'],
            "reward_basis": ["DB", "ACTION", "COMMUNICATE", "NL_ASSERTION"],
        },
    }
    (folder / "db.json").write_text(json.dumps(db))
    (folder / "tasks.json").write_text(json.dumps([task], indent=4))
    (folder / "policy.md").write_text("# Policy\nBe kind.\n")
    return folder


def test_schema_inference(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    import_tau2(tiny_folder(tmp_path), spec)
    tables = yaml.safe_load((spec / "domain.yaml").read_text())["database"]["tables"]
    variant = tables["products"]["fields"]["variants"]
    assert tables["products"]["key"] == "product_id" and tables["orders"]["key"] == "order_id"
    assert variant["type"] == "map" and variant["of"]["type"] == "object"  # keys are item ids
    assert variant["of"]["fields"]["options"] == {
        "type": "map",
        "of": "string",
    }  # keys differ, values text
    assert variant["of"]["fields"]["price"] == "float"  # 10 and 12.5
    users = tables["users"]["fields"]
    assert users["name"] == {
        "type": "object",
        "fields": {"first_name": "string", "last_name": "string"},
    }
    methods = users["payment_methods"]
    assert (
        methods["type"] == "map" and methods["of"]["type"] == "object"
    )  # values mix text and numbers
    assert (
        methods["of"]["fields"]["brand"] == "string?"
        and methods["of"]["fields"]["balance"] == "int?"
    )
    assert users["nickname"] == "string?" and users["orders"] == {"type": "list", "items": "string"}
    assert tables["orders"]["fields"]["user_id"] == {"type": "string", "ref": "users"}
    # always empty: items unknown, and said so (compile warns of a list that says nothing)
    assert tables["orders"]["fields"]["fulfillments"] == {"type": "list", "items": "any"}


def test_tiny_task_strings_escaped_and_judged(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    import_tau2(tiny_folder(tmp_path), spec)
    checks = (spec / "checks" / "tau2.chk").read_text()
    assert "require said " + dsl_literal('He said "hi" \\ then {{ left }}, 1,234') in checks
    assert (
        "require called transfer_to_human_agents\n" in checks
    )  # compare_args [] compares the name only
    domain, compiled = _compile(spec)
    (task,) = compiled.tasks
    assert task["id"] == "tau2-t 1" and task["user"]["reason"] == "Cancel my order {{ now }}"
    assert task["user"]["instructions"] == "Persona: Calm.\n\nBe brief."
    gold = GoldCache(domain)
    trace = played(domain, task, tool_steps(task), gold)
    verdict = domain.judge(trace, task)
    assert [f["reason"] for f in verdict["failures"]] == [NOT_JUDGED]
    trace.judge = lambda assertion: assertion == 'The agent says "sorry" \\ politely'
    assert domain.judge(trace, task)["passed"]
    # The agent that never says the string fails COMMUNICATE, with the string in the reason.
    task_silent = {**task, "gold": tool_steps(task)}
    silent = domain.judge(played(domain, task_silent, tool_steps(task), gold), task_silent)
    assert any(
        f["statement"].startswith("require said") and "never said" in f["reason"]
        for f in silent["failures"]
    )


def test_judge_backend_answers_yes_or_no(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    import_tau2(tiny_folder(tmp_path), spec)
    domain, compiled = _compile(spec)

    class Backend:
        def __init__(self) -> None:
            self.chats: list[Any] = []

        def generate(self, chats: list[Any], tools: Any, keys: Any = None) -> list[AgentTurn]:
            self.chats += chats
            return [AgentTurn(content="Yes.")]

    backend = Backend()
    domain.judge_model = lambda trace, assertion: ask(backend, trace, assertion)
    (task,) = compiled.tasks
    assert domain.judge(played(domain, task, tool_steps(task), GoldCache(domain)), task)["passed"]
    assert 'The agent says "sorry"' in backend.chats[0][1]["content"]


def test_unknown_tool_is_a_clear_error(tmp_path: Path) -> None:
    folder = tiny_folder(
        tmp_path, [{"action_id": "a0", "name": "refund_everything", "arguments": {}}]
    )
    result = CliRunner().invoke(main, ["import", "tau2", str(folder), "-o", str(tmp_path / "spec")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "task t 1: evaluation_criteria.actions[0] calls unknown tool 'refund_everything'"
        in result.output
    )
    assert "cancel_pending_order" in result.output and "tasks.json:" in result.output
    assert not (tmp_path / "spec").exists()


def test_unknown_domain_is_a_clear_error(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path, name="airline")
    data = json.loads((folder / "tasks.json").read_text())
    data[0]["user_scenario"]["instructions"]["domain"] = "airline"
    (folder / "tasks.json").write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["import", "tau2", str(folder), "-o", str(tmp_path / "spec")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "no tool implementation for the tau2 domain 'airline'" in result.output
        and "retail" in result.output
    )
