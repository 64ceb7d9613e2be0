"""`export tau2 --spec` of a spec written by hand wrote every task's `user_scenario` as
`{"instructions": ""}`: a tau2 reader saw nothing of what the user wanted. It now holds the
task's user: the request, what they know and do not know, how they behave."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.tau2.rejudge import import_results

RETAIL = Path(__file__).resolve().parent.parent / "specs" / "retail"


def test_export_with_the_spec_writes_each_tasks_user_scenario(
    tmp_path: Path, retail_domain
) -> None:
    tasks = [retail_domain.task("cancel-amara-by-mistake")]
    rows = run_episodes(
        retail_domain, tasks, ScriptedAgent(), ScriptedUser(retail_domain.stop_marker)
    )
    traces = tmp_path / "ep.jsonl"
    traces.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["export", "tau2", str(traces), "-o", str(out), "--spec", str(RETAIL)]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    user = tasks[0]["user"]
    assert results["tasks"][0]["user_scenario"] == {
        "persona": None,
        "instructions": {
            "domain": "retail",
            "reason_for_call": user["reason"],
            "known_info": "You know: email: amara.nwosu@inbox.example; order id: #W1000075; "
            "reason: ordered by mistake.",
            "unknown_info": "You do not know: customer id, order total.",
            "task_instructions": user["instructions"],
        },
    }
    # tau2's shape still: the file reads back, and its episode passes again
    again = import_results(results, retail_domain)
    assert [r["verdict"]["passed"] for r in again] == [r["verdict"]["passed"] for r in rows]
    # without the spec, the tasks are not known: tau2's required instructions, empty
    bare = tmp_path / "bare"
    bare_run = CliRunner().invoke(main, ["export", "tau2", str(traces), "-o", str(bare)])
    assert bare_run.exit_code == 0, bare_run.output
    tasks_bare = json.loads((bare / "results.json").read_text())["tasks"]
    assert tasks_bare[0]["user_scenario"] == {"instructions": ""}
    # ... and it says so, and how to fill it (it said nothing); with the spec it says nothing
    assert bare_run.stderr == (
        "note: user_scenario is empty in 1 of 1 tasks: the episodes do not record their task's "
        "user or the spec they were played on; --spec SPEC_DIR fills it\n"
    )
    assert "user_scenario" not in result.stderr
