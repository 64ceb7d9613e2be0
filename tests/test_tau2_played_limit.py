"""The turn limit an export states is the one its episodes played under: `run --max-turns 2`
exported with `--spec` said max_steps 30 (the spec's), and the re-judged failures said so too."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import GoldCache, run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.tau2.export import export_results
from eigendsl.tau2.rejudge import import_results

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def test_export_states_the_limit_the_episodes_played_under(tmp_path: Path) -> None:
    mini = load_domain(MINI)
    user = ScriptedUser(mini.stop_marker)
    rows = run_episodes(mini, mini.tasks[:2], ScriptedAgent(), user, max_turns=2)
    assert [r["max_turns"] for r in rows] == [2, 2] and mini.max_turns != 2
    traces = tmp_path / "mt2.jsonl"
    traces.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["export", "tau2", str(traces), "-o", str(out), "--spec", str(MINI)]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["info"]["max_steps"] == 2
    again = import_results(results, mini)
    cut = [r for r in again if r["end_reason"] == "turn_limit"]
    assert cut and all("(2 steps: tau2's max_steps)" in str(r["verdict"]) for r in cut)


def test_a_limit_not_known_is_not_stated() -> None:
    mini = load_domain(MINI)
    user = ScriptedUser(mini.stop_marker)
    rows = [
        run_episodes(
            mini, mini.tasks[:1], ScriptedAgent(), user, max_turns=n, gold=GoldCache(mini)
        )[0]
        for n in (2, 3)
    ]
    results = export_results(rows, max_steps=mini.max_turns)
    assert results["info"]["max_steps"] == 0  # two limits: tau2's "not stated"
    (again, _) = import_results(results, mini)
    if again["end_reason"] == "turn_limit":
        assert "(? steps" in str(again["verdict"])
    old = [{k: v for k, v in r.items() if k != "max_turns"} for r in rows]  # rows of before
    assert export_results(old, max_steps=mini.max_turns)["info"]["max_steps"] == mini.max_turns
