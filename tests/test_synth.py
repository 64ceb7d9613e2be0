"""Self-evolving synthesis: generations, verified datasets, resume, determinism, LLM roles."""

from __future__ import annotations

import doctest
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.cli.shared import sigterm_as_interrupt
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment, replay_gold
from eigendsl.support import Trace
from eigendsl.synth.generation import SynthSettings, run_synthesis
from eigendsl.synth.shards import worker_pool
from tests.conftest import edit

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "specs" / "retail"


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def three_generations(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "run"
    summary = run_synthesis(RETAIL, out, SynthSettings(generations=3, per_generation=300, seed=0))
    return out, summary


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_generations_write_datasets_and_reports(three_generations):
    out, summary = three_generations
    assert [g["dialogues"] for g in summary["generations"]] == [300, 300, 300]
    assert summary["accepted_total"] == sum(g["accepted"] for g in summary["generations"]) > 600
    for k in (1, 2, 3):
        gen = out / f"gen-{k}"
        accepted, rejected = rows_of(gen / "accepted.jsonl"), rows_of(gen / "rejected.jsonl")
        report = json.loads((gen / "report.json").read_text())
        assert len(accepted) == report["accepted"] and len(rejected) == report["rejected"]
        assert all(r["reasons"] for r in rejected)  # every reject says why
        assert {"messages", "tools", "task_id", "verdict", "generation"} <= set(accepted[0])
        assert (gen / "tasks.yaml").is_file() and (gen / "checks.chk").is_file()


def test_accepted_rows_pass_when_rejudged_from_jsonl_alone(three_generations):
    out, _ = three_generations
    for k in (1, 3):
        gen = out / f"gen-{k}"
        domain = load_domain(RETAIL, extra=[gen / "tasks.yaml", gen / "checks.chk"])
        tasks = {t["id"]: t for t in domain.tasks}
        for row in rows_of(gen / "accepted.jsonl")[::5]:
            task = tasks[row["task_id"]]
            env = Environment(domain, task)
            for message in row["messages"]:
                for call in message.get("tool_calls") or []:
                    env.call_tool(
                        call["function"]["name"],
                        json.loads(call["function"]["arguments"]),
                        call["id"],
                    )
            gold, errors = replay_gold(domain, task)
            assert not errors
            trace = Trace.from_messages(
                row["messages"], env.db, domain.seed, gold, task["params"], domain.tool_meta
            )
            verdict = domain.judge(trace, task)
            assert verdict["passed"], (row["task_id"], verdict["failures"][:2])


def test_coverage_and_diversity_rise(three_generations):
    _, summary = three_generations
    first, last = summary["generations"][0], summary["generations"][-1]
    assert last["tool_coverage"] == 1.0 and last["rule_coverage"] == 1.0
    # the first generation plays every template once each at least (as single requests)
    assert first["tool_coverage"] == 1.0
    assert first["distinct_tool_sequences"] < last["distinct_tool_sequences"]
    assert first["distinct_user_ngrams"] < last["distinct_user_ngrams"]


def test_hard_cases_and_compositions_are_synthesized_with_their_checks(three_generations):
    out, _ = three_generations
    kinds = {r["kind"] for k in (2, 3) for r in rows_of(out / f"gen-{k}" / "accepted.jsonl")}
    assert {"single", "refuse", "late", "forbidden", "mind"} <= kinds
    checks = (out / "gen-2" / "checks.chk").read_text()
    # a refusal's check asks for the write proposed with its gold arguments and declined
    assert "__refuse(" in checks and "require declined(" in checks
    split = json.loads((out / "split.json").read_text())
    held = set(split["held_out_params"])
    for k in (1, 2, 3):
        for row in rows_of(out / f"gen-{k}" / "accepted.jsonl"):
            key = row["template"] + ":" + json.dumps(row["params"], sort_keys=True)
            assert key not in held  # held-out parameter sets never reach training data


def test_recoveries_are_planned_verified_and_kept_apart_from_mistakes(tmp_path):
    """``--recover``: a share of each generation shows the agent's write refused once and made
    right; those dialogues pass their checks; templates where no recovery can pass (the user
    declines the write) are never planned, and those none of whose recoveries passed (a wrong
    order id breaks the look-it-up-first rule) are not planned again."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "synth",
            str(RETAIL),
            "--generations",
            "2",
            "--per-generation",
            "200",
            "--recover",
            "0.25",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads((out / f"gen-{k}" / "report.json").read_text()) for k in (1, 2))

    def planned(report):
        return {i["templates"][0]: i["count"] for i in report["plan"] if i["kind"] == "recover"}

    assert sum(planned(first).values()) == 50
    # none where the user declines the write, or where no guard refuses the wrong id
    assert planned(first) and "cancel_declined" not in planned(first)
    failed = {t for t, rate in first["acceptance_by_recovery"].items() if rate == 0}
    assert not failed & set(planned(second))
    assert set(second["acceptance_by_recovery"]) >= failed  # remembered for the generations after
    kept = [
        r
        for k in (1, 2)
        for r in rows_of(out / f"gen-{k}" / "accepted.jsonl")
        if r["kind"] == "recover"
    ]
    assert len(kept) >= 20
    for row in kept:
        assert row["mistake"] is None and row["verdict"]["passed"]
        assert (
            sum(m["role"] == "tool" and m["content"].startswith("Error: ") for m in row["messages"])
            <= 1
        )
    assert (
        sum(
            any(m["role"] == "tool" and m["content"].startswith("Error: ") for m in r["messages"])
            for r in kept
        )
        >= 20
    )
    assert json.loads((out / "settings.json").read_text())["recover"] == 0.25
    result = CliRunner().invoke(
        main,
        ["synth", str(RETAIL), "--generations", "2", "--per-generation", "200", "--out", str(out)],
    )
    assert result.exit_code != 0 and "other settings (recover 0.25 there, " in result.output


def test_runs_without_recoveries_keep_their_settings_file(tmp_path):
    """A run saved before ``recover`` existed resumes: its identity has no such key when it is 0."""
    assert "recover" not in SynthSettings().identity()
    assert SynthSettings(recover=0.1).identity()["recover"] == 0.1


def test_a_refused_call_is_not_held_to_the_quality_checks():
    from eigendsl.synth.quality import quality_reasons

    def call(i, name, args):
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": f"c{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
            ],
        }

    def result(i, content):
        return {"role": "tool", "tool_call_id": f"c{i}", "content": content}

    looked_up = [
        {"role": "user", "content": "Exchange item I1 of #W1 please."},
        call(0, "get_order_details", {"order_id": "#W1"}),
        result(0, '{"items": ["I1"]}'),
    ]
    refused = [
        call(1, "exchange", {"order_id": "#W1", "item_ids": ["I9"]}),
        result(1, "Error: Some of the items are not in this order"),
    ]
    again = [
        call(2, "get_order_details", {"order_id": "#W1"}),
        result(2, '{"items": ["I1"]}'),
        call(3, "exchange", {"order_id": "#W1", "item_ids": ["I1"]}),
        result(3, "{}"),
    ]
    ids = {"#W1", "I1", "I9"}
    assert quality_reasons({"messages": looked_up + refused + again}, ids) == []
    # without the refusal, the same lookup twice and an id nobody gave are still rejected
    reasons = quality_reasons(
        {"messages": looked_up + again + [call(4, "exchange", {"item_ids": ["I9"]})]}, ids
    )
    assert any("called twice" in r for r in reasons) and any("'I9'" in r for r in reasons)


def test_an_identifier_stated_in_its_pieces_is_not_invented():
    # a flight id built from the flight number and the day the user said, as an airline spec
    # keys its flights; a wrong day is still an invented id
    from eigendsl.synth.quality import quality_reasons

    def asked(flight_id):
        return {
            "messages": [
                {"role": "user", "content": "What's the status of flight HAT201 on 2025-06-11?"},
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": "c0",
                            "type": "function",
                            "function": {
                                "name": "get_flight",
                                "arguments": json.dumps({"flight_id": flight_id}),
                            },
                        }
                    ],
                },
            ]
        }

    ids = {"HAT201-2025-06-11", "HAT201-2025-06-13"}
    assert quality_reasons(asked("HAT201-2025-06-11"), ids) == []
    assert quality_reasons(asked("HAT201-2025-06-13"), ids) == [
        "quality: get_flight uses the identifier 'HAT201-2025-06-13', which neither the user nor "
        "a tool gave (invented)"
    ]


def _synth_cmd(
    out: Path, workers: int = 1, generations: int = 2, per_generation: int = 150
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "eigendsl.cli",
        "synth",
        str(RETAIL),
        "--generations",
        str(generations),
        "--per-generation",
        str(per_generation),
        "--seed",
        "3",
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--json",
    ]


def test_kill_and_resume_gives_the_same_rows(tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(_synth_cmd(reference), check=True, capture_output=True, cwd=ROOT, timeout=600)
    resumed = tmp_path / "resumed"
    process = subprocess.Popen(
        _synth_cmd(resumed), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list(
        (resumed / "gen-2" / "shards").glob("shard-0000.jsonl")
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert not (resumed / "gen-2" / "report.json").exists()  # killed mid-generation
    subprocess.run(_synth_cmd(resumed), check=True, capture_output=True, cwd=ROOT, timeout=600)
    assert files(resumed) == files(reference)


def test_same_seed_same_bytes_with_several_workers(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run(_synth_cmd(one, 1), check=True, capture_output=True, cwd=ROOT, timeout=600)
    result = subprocess.run(
        _synth_cmd(two, 2), check=True, capture_output=True, cwd=ROOT, text=True, timeout=600
    )
    assert "Traceback" not in result.stderr  # no worker stopped by an exception of its own
    assert files(one) == files(two)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"generations", "accepted_total", "seconds", "out_dir"} <= set(summary)
    assert {
        "accepted",
        "rejected",
        "acceptance_rate",
        "tool_coverage",
        "rule_coverage",
        "distinct_tool_sequences",
    } <= set(summary["generations"][0])


def _sigterm_is_default(_: int) -> bool:
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL and signal.SIGTERM not in blocked


def _sigint_is_ignored(_: int) -> bool:
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN and signal.SIGINT not in blocked


def test_synthesis_workers_end_on_sigterm_while_the_command_turns_it_into_ctrl_c():
    # the pool's exit ends its workers with SIGTERM; a worker that raised KeyboardInterrupt
    # instead (the command's handler, inherited by fork) could hold the pool's queue lock, and
    # the exit then waited forever (a CI run of synth --workers 2 hung so)
    with sigterm_as_interrupt():
        with worker_pool(2) as pool:
            assert list(pool.map(_sigterm_is_default, range(4))) == [True] * 4
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # the command's own, kept
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_synthesis_workers_leave_ctrl_c_to_the_command():
    # a terminal's Ctrl-C reaches every process of the group: each worker printed the traceback
    # of its own KeyboardInterrupt, while the command ends them itself
    with worker_pool(2) as pool:
        assert list(pool.map(_sigint_is_ignored, range(4))) == [True] * 4
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


@pytest.fixture(scope="module")
def two_workers_reference(tmp_path_factory):
    reference = tmp_path_factory.mktemp("synth") / "reference"
    subprocess.run(_long_play(reference), check=True, capture_output=True, cwd=ROOT, timeout=600)
    return files(reference)


def _long_play(out: Path) -> list[str]:
    # one generation of 12 shards: its two workers play for a second or two
    return _synth_cmd(out, 2, generations=1, per_generation=600)


def _start_synth_with_workers(out: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """``synth --workers 2`` in a process group of its own (as a terminal starts it), and its
    workers' process ids once it has forked them."""
    process = subprocess.Popen(
        _long_play(out),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        try:
            workers = [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            process.kill()
            pytest.skip("needs Linux's /proc/PID/task/PID/children")
        if len(workers) >= 2:
            time.sleep(0.3)  # each worker is playing a shard by now
            return process, workers
        time.sleep(0.02)
    process.kill()
    pytest.fail("synth --workers 2 never forked its workers")


def _ended(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The exit status and stderr of ``process``; one still running after 120 s is a hang,
    killed with its group."""
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("synth still ran 120 s after the signal: it hangs")
    return process.returncode, stderr


@pytest.mark.parametrize(
    ("sig", "said"),
    [
        (signal.SIGTERM, "process was ended by SIGTERM"),
        (signal.SIGKILL, r"process \d+ was killed by SIGKILL \(as the out-of-memory killer does\)"),
    ],
)
def test_a_dead_synthesis_worker_stops_synth_and_the_same_command_resumes(
    tmp_path, two_workers_reference, sig, said
):
    # multiprocessing.Pool replaced a killed worker and lost the shard it played: synth then
    # waited for that shard forever
    out = tmp_path / "run"
    process, workers = _start_synth_with_workers(out)
    os.kill(workers[-1], sig)
    status, stderr = _ended(process)
    assert status == 1, stderr
    assert "Traceback" not in stderr
    assert re.search(
        rf"synthesis worker {said} while generation 1 was played; the shards written "
        rf"\(\d+ of 12\) are kept in .*gen-1.shards, and the same command resumes from them",
        " ".join(stderr.split()),
    ), stderr
    subprocess.run(_long_play(out), check=True, capture_output=True, cwd=ROOT, timeout=600)
    assert files(out) == two_workers_reference


def test_ctrl_c_in_a_terminal_stops_synth_with_workers_as_interrupted(tmp_path):
    # Ctrl-C reaches the whole process group: each worker printed a traceback, and at times
    # the command ended "Aborted!", exit 1
    process, _ = _start_synth_with_workers(tmp_path / "run")
    os.killpg(process.pid, signal.SIGINT)
    status, stderr = _ended(process)
    assert status == 130, stderr
    assert "interrupted: what was done is kept in the output folder" in stderr
    assert "Traceback" not in stderr


def test_resume_with_other_settings_is_refused(tmp_path):
    out = tmp_path / "run"
    run_synthesis(RETAIL, out, SynthSettings(generations=1, per_generation=20, seed=1))
    from eigendsl.errors import EigenError

    # each setting named with its value there and now, so that the run can be resumed as it was
    with pytest.raises(EigenError, match=r"other settings \(seed 1 there, 2 now\); resume with"):
        run_synthesis(RETAIL, out, SynthSettings(generations=1, per_generation=20, seed=2))


def test_resume_from_a_changed_spec_is_refused_and_says_what_changed(mini: Path) -> None:
    from eigendsl.errors import EigenError

    out = Path("run")
    settings = SynthSettings(generations=1, per_generation=10, seed=1)
    run_synthesis(mini, out, settings)
    recorded = json.loads((out / "settings.json").read_text())["spec_inputs"]
    assert set(recorded) >= {"domain.yaml", "checks/main.chk", "tasks/cancel.yaml"}
    edit(mini, "domain.yaml", "per_template: 2", "per_template: 3")
    edit(mini, "checks/main.chk", '    require said "cancelled"\n', "")
    edit(mini, "tasks/extra.yaml", None, "templates: {}\n")
    more = SynthSettings(generations=2, per_generation=10, seed=1)
    with pytest.raises(EigenError) as caught:
        run_synthesis(mini, out, more)
    assert str(caught.value) == (
        "run holds a synthesis run of spec 'mini' as it was before checks/main.chk and "
        "domain.yaml changed, tasks/extra.yaml added: its generations were planned and judged by "
        "that version, and more generations would mix the two; choose another --out to "
        "synthesize from the spec as it is, or remove run to start over (or put the spec back "
        "as it was to resume the run)"
    )
    assert not (out / "gen-2").exists()
    # a run recorded before the spec's digests were resumes as it did
    record = json.loads((out / "settings.json").read_text())
    del record["spec_inputs"]
    (out / "settings.json").write_text(json.dumps(record))
    assert len(run_synthesis(mini, out, more)["generations"]) == 2


def test_synth_refuses_the_spec_folder_and_a_folder_of_other_files(mini: Path) -> None:
    # as compile -o does: a run written into the spec would mix with (or read as) its files
    def tree(folder: Path) -> list[str]:
        return sorted(str(p) for p in folder.rglob("*"))

    before = tree(Path("."))
    for out, relation in (
        (mini, "is the spec folder"),
        (mini / "runs", "is inside the spec folder mini"),
        (Path("."), "contains the spec folder mini"),
    ):
        result = CliRunner().invoke(main, ["synth", str(mini), "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert f"the output folder {out} {relation}; synthesizing there would" in result.output
        assert "Give --out a folder outside the spec" in result.output
    other = Path("notes")
    other.mkdir()
    (other / "todo.txt").write_text("keep me\n")
    result = CliRunner().invoke(main, ["synth", str(mini), "--out", str(other)])
    assert result.exit_code == 1
    assert (
        "notes holds files (todo.txt) but no synthesis run (settings.json, split.json or "
        "gen-*/), and writing there would overwrite or mix with them; give --out a new or empty "
        "folder" in result.output
    )
    assert tree(Path(".")) == sorted([*before, "notes", "notes/todo.txt"])


def test_rejection_reasons_are_counted_by_kind_and_add_up(mini: Path) -> None:
    # near duplicates are one kind (they were one key per earlier dialogue, cut to 20 keys, so
    # the counts fell short of the rejected); a few whole reasons are kept as examples
    run_synthesis(mini, Path("run"), SynthSettings(generations=1, per_generation=60, seed=1))
    report = json.loads(Path("run/gen-1/report.json").read_text())
    reasons = report["rejection_reasons"]
    assert sum(reasons.values()) == report["rejected"] > 0
    assert reasons["near-duplicate"] > 1
    assert not [k for k in reasons if "g1-" in k]
    examples = report["rejection_examples"]["near-duplicate"]
    assert 0 < len(examples) <= 3 and len(set(examples)) == len(examples)
    assert all(
        e.startswith("quality: near-duplicate of the dialogue of task g1-") for e in examples
    )
    # acceptance_by_template mixes every variant played from a template; this names them
    assert report["acceptance_by_variant"] == {"cancel": {"single": report["acceptance_rate"]}}
    from eigendsl.synth.quality import reason_kind

    # its docstring's examples (the module's own doctest prints a set, in no fixed order)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(reason_kind, "reason_kind"):
        assert runner.run(test).failed == 0


def test_settings_may_change_while_nothing_was_synthesized_with_them(tmp_path):
    out = tmp_path / "run"
    typo = CliRunner().invoke(
        main, ["synth", str(RETAIL), "--trajectory", "bogus", "--out", str(out)]
    )
    assert typo.exit_code == 1 and "unknown backend 'bogus'" in typo.output
    fixed = CliRunner().invoke(
        main,
        ["synth", str(RETAIL), "--generations", "1", "--per-generation", "20", "--out", str(out)],
    )
    assert fixed.exit_code == 0, fixed.output
    assert json.loads((out / "gen-1" / "report.json").read_text())["trajectory"] == "scripted"


def test_a_damaged_record_of_a_synthesis_run_is_named_and_kept(tmp_path):
    from eigendsl.errors import EigenError

    out = tmp_path / "run"
    settings = SynthSettings(generations=1, per_generation=20, seed=1)
    run_synthesis(RETAIL, out, settings)
    shard = next((out / "gen-1" / "shards").glob("shard-*.jsonl"))
    damages = [
        (out / "settings.json", "{", "settings.json: damaged (", "delete it to resume"),
        (
            out / "gen-1" / "report.json",
            "{}",
            "report.json: damaged (it lacks prompt_engineer",
            "to synthesize that generation again",
        ),
    ]
    for path, text, where, fix in damages:
        kept = path.read_text()
        path.write_text(text)
        with pytest.raises(EigenError) as caught:
            run_synthesis(RETAIL, out, settings)
        assert where in str(caught.value) and fix in str(caught.value)
        assert path.read_text() == text  # left for the user to look at
        path.write_text(kept)
    (out / "gen-1" / "report.json").unlink()  # the generation is played again from its shards
    shard.write_text(shard.read_text()[:-40] + "\n")
    with pytest.raises(
        EigenError, match=r"shard-\d+.jsonl:\d+: damaged \(not a JSON line\); delete the file"
    ):
        run_synthesis(RETAIL, out, settings)


# ---------------------------------------------------------------------------- LLM-backed roles


class _RoleServer(BaseHTTPRequestHandler):
    """Answers each role's prompt with JSON it can use (or, once, with nonsense)."""

    seen: list[str] = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        system = body["messages"][0]["content"]
        role = next(
            (
                r
                for r in ("Workflow planner", "Prompt engineer", "User intent", "Judge")
                if f"# Role: {r}" in system
            ),
            "?",
        )
        type(self).seen.append(role)
        if role == "Workflow planner":
            content = json.dumps(
                {
                    "plan": [
                        {"templates": ["cancel_pending"], "count": 5},
                        {"templates": ["no_such_template"], "count": 3},
                    ]
                }
            )
        elif role == "Prompt engineer":
            content = json.dumps(
                {
                    "variants": [
                        "Hiya! {reason}",
                        "no placeholder here",
                        "Could you share your {what}?",
                    ]
                }
            )
        elif role == "User intent":
            params = json.loads(
                body["messages"][1]["content"].split("Parameters: ")[1].split(". Current reason")[0]
            )
            content = json.dumps(
                {
                    "reason": f"Hello, please cancel order {params['order_id']} for me: "
                    f"{params['reason']}."
                }
            )
        elif role == "Judge":
            content = json.dumps({"passed": True, "reasons": []})
        else:
            content = "not json"
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": content}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_llm_roles_through_openai_backend(tmp_path):
    _RoleServer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RoleServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"openai:http://127.0.0.1:{server.server_address[1]}/v1#role-model"
    try:
        settings = SynthSettings(
            generations=2,
            per_generation=8,
            seed=0,
            planner=url,
            user_intent=url,
            judge=url,
            prompt_engineer=url,
        )
        summary = run_synthesis(RETAIL, tmp_path / "llm", settings)
    finally:
        server.shutdown()
    assert {"Workflow planner", "Prompt engineer", "User intent", "Judge"} <= set(_RoleServer.seen)
    plan = json.loads((tmp_path / "llm" / "gen-1" / "plan.json").read_text())
    assert plan["plan"] == [
        {"kind": "single", "templates": ["cancel_pending"], "count": 8}
    ]  # unknown names dropped
    rows = rows_of(tmp_path / "llm" / "gen-1" / "accepted.jsonl")
    assert rows and all(
        r["messages"][1]["content"].startswith("Hello, please cancel order #W") for r in rows
    )
    pools = json.loads((tmp_path / "llm" / "gen-2" / "plan.json").read_text())["pools"]
    assert "Hiya! {reason}" in pools["user_opening"]
    # a variant that drops its pool's placeholder or marker is refused
    for pool in ("user_opening", "ask_info", "propose", "user_yes"):
        assert "no placeholder here" not in pools.get(pool, [])
    assert summary["accepted_total"] > 0


def test_synth_takes_its_sizes_from_the_spec_unless_an_option_says(tmp_path):
    """`eigendsl synth` plans what the spec's training.synth says, as `train` would (it planned
    300 a generation whatever the spec said); an option still wins."""
    from tests.conftest import MINI, copy_spec

    spec = copy_spec(MINI, tmp_path / "mini")
    with (spec / "domain.yaml").open("a") as handle:
        handle.write("training:\n  synth: {generations: 2, per_generation: 12}\n")

    def planned(*options: str) -> list[int]:
        out = tmp_path / f"run{len(options)}"
        command = ["synth", str(spec), "--out", str(out), "--json", *options]
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, result.output
        return [g["dialogues"] for g in json.loads(result.output.splitlines()[-1])["generations"]]

    assert planned() == [12, 12]
    assert planned("--per-generation", "5") == [5, 5]
    # a misspelt setting is refused before anything is planned, not left out unnoticed
    text = (spec / "domain.yaml").read_text()
    (spec / "domain.yaml").write_text(text.replace("generations: 2", "generation: 2"))
    result = CliRunner().invoke(main, ["synth", str(spec), "--out", str(tmp_path / "misspelt")])
    assert result.exit_code == 1
    assert "training.synth: 'generation' is not one of the synth settings; did you mean " in (
        result.output
    )
    assert not (tmp_path / "misspelt").exists()
